//! AI seats: Coder's `GetUserAISeatStates` for a page of users, a per-user table for admins and API
//! layers, and the total for the entitlement check.

use crate::api::query::{offset as checked_offset, page_size};
use crate::exec::{qschema, spi};
use crate::plan::seats::{self, Builds};
use pgrx::prelude::*;

fn builds(latest_build_only: Option<bool>) -> Builds {
    if latest_build_only.unwrap_or(false) {
        Builds::Latest
    } else {
        Builds::Any
    }
}

/// Of `user_ids`, those consuming an AI seat: initiators of AI Bridge interceptions, and owners of
/// non-deleted workspaces with a build where `has_ai_task` (any build; each workspace's latest build only
/// with `latest_build_only`). Each id at most once, in input order; NULL or empty input → no rows.
#[pg_extern(stable, parallel_safe)]
#[search_path(pg_catalog, pg_temp)]
fn get_user_ai_seat_states(
    user_ids: Option<Vec<Option<pgrx::Uuid>>>,
    latest_build_only: default!(Option<bool>, false),
) -> SetOfIterator<'static, pgrx::Uuid> {
    let ids: Vec<pgrx::Uuid> = user_ids.unwrap_or_default().into_iter().flatten().collect();
    if ids.is_empty() {
        return SetOfIterator::new(Vec::new());
    }
    let sql = seats::seat_states(&qschema(), builds(latest_build_only));
    let out: Vec<pgrx::Uuid> =
        spi::select(&sql, &[ids.into()], |t| t.map(|r| r.get::<pgrx::Uuid>(1).map(|u| u.expect("id"))).collect());
    SetOfIterator::new(out)
}

/// Per user: whether they consume an AI seat and why (`aibridge`, `task` or `both`). With `user_ids`, those
/// users (deleted ones too; unknown ids are skipped) in input order; with NULL, every non-deleted user by
/// username. One page: `limit` (0 → 100, at most `audit_ext.max_limit`) from `offset`.
#[pg_extern(stable, parallel_safe)]
#[search_path(pg_catalog, pg_temp)]
fn user_ai_seats(
    user_ids: default!(Option<Vec<Option<pgrx::Uuid>>>, "NULL"),
    latest_build_only: default!(Option<bool>, false),
    limit: default!(Option<i32>, 0),
    offset: default!(Option<i32>, 0),
) -> TableIterator<
    'static,
    (name!(user_id, pgrx::Uuid), name!(username, String), name!(has_ai_seat, bool), name!(reason, Option<String>)),
> {
    let (limit, offset) = (page_size(limit), checked_offset(offset));
    let ids: Option<Vec<pgrx::Uuid>> = user_ids.map(|v| v.into_iter().flatten().collect());
    let sql = seats::user_seats(&qschema(), builds(latest_build_only), ids.is_some());
    // $1 is unused (and NULL) when listing every user.
    let rows = spi::select(&sql, &[ids.into(), i64::from(limit).into(), i64::from(offset).into()], |t| {
        t.map(|r| {
            Ok((
                r.get::<pgrx::Uuid>(1)?.expect("id"),
                r.get::<String>(2)?.unwrap_or_default(),
                r.get::<bool>(3)?.unwrap_or(false),
                r.get::<String>(4)?,
            ))
        })
        .collect::<Result<Vec<_>, _>>()
    });
    TableIterator::new(rows)
}

/// How many non-deleted users consume an AI seat (the entitlement check), by the same rule as
/// `get_user_ai_seat_states`, probing each user once instead of collecting ids.
#[pg_extern(stable, parallel_safe)]
#[search_path(pg_catalog, pg_temp)]
fn count_ai_seat_users(latest_build_only: default!(Option<bool>, false)) -> i64 {
    spi::one::<i64>(&seats::count_seats(&qschema(), builds(latest_build_only)), &[]).unwrap_or(0)
}

/// The statement `get_user_ai_seat_states` runs (`$1` is the uuid[] of ids), for EXPLAIN.
#[pg_extern(stable, parallel_safe)]
#[search_path(pg_catalog, pg_temp)]
fn ai_seat_states_sql(latest_build_only: default!(Option<bool>, false)) -> String {
    seats::seat_states(&qschema(), builds(latest_build_only))
}
