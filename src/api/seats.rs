//! AI seats: Coder's `GetUserAISeatStates` for a page of users, a per-user table for admins and API
//! layers, and the total for the entitlement check (`GetActiveAISeatCount`). Where Coder keeps
//! `ai_seat_state` (since mid-2026), the answer is Coder's own; `source => 'usage'` asks for the derived rule
//! of Coder's first AI-seat PR instead (see `plan::seats`).

use crate::api::query::{invalid_argument, offset as checked_offset, page_size};
use crate::exec::spi;
use crate::oracle::catalog::LiveCatalog;
use crate::plan::profile::Profile;
use crate::plan::seats::{self, Source};
use pgrx::prelude::*;

/// The profile and the seat source a call asked for, or 22023.
fn source(asked: Option<&str>, latest_build_only: Option<bool>) -> (Profile, Source) {
    let profile = LiveCatalog::for_logs().profile;
    match Source::choose(asked, latest_build_only.unwrap_or(false), &profile) {
        Ok(s) => (profile, s),
        Err(why) => invalid_argument(
            why,
            "source => 'state' is Coder's own rule (ai_seat_state); source => 'usage' the usage-derived one.",
        ),
    }
}

/// Of `user_ids`, those holding an AI seat, each at most once, in input order; NULL or empty input → no
/// rows. By default Coder's rule: an `ai_seat_state` row and an active, non-deleted, non-system user.
/// `source => 'usage'`: initiators of AI Bridge interceptions, and owners of non-deleted workspaces with a
/// build where `has_ai_task` (any build; each workspace's latest build only with `latest_build_only`, which
/// alone also selects this source); where Coder has dropped `has_ai_task`, AI Bridge usage alone.
#[pg_extern(stable, parallel_safe)]
#[search_path(pg_catalog, pg_temp)]
fn get_user_ai_seat_states(
    user_ids: Option<Vec<Option<pgrx::Uuid>>>,
    latest_build_only: default!(Option<bool>, false),
    source: default!(Option<&str>, "NULL"),
) -> SetOfIterator<'static, pgrx::Uuid> {
    let (profile, source) = self::source(source, latest_build_only);
    let ids: Vec<pgrx::Uuid> = user_ids.unwrap_or_default().into_iter().flatten().collect();
    if ids.is_empty() {
        return SetOfIterator::new(Vec::new());
    }
    // One primary-key probe per user whatever the ids (`plan::seats`): kept, planned once per backend. Planning it
    // per call cost more than running it (10M rows, 100 users: 0.7 ms of 1.2).
    let sql = seats::seat_states(&profile, source);
    let out: Vec<pgrx::Uuid> =
        spi::select_kept(&sql, &[ids.into()], |t| t.filter_map(|r| r.get::<pgrx::Uuid>(1).transpose()).collect());
    SetOfIterator::new(out)
}

/// Per user: whether they hold an AI seat and why: from `ai_seat_state`, its `last_event_type` (`aibridge`
/// or `task`); from usage, `aibridge`, `task` or `both`. With `user_ids`, those users (deleted ones too;
/// unknown ids are skipped) in input order; with NULL, every non-deleted user by username. One page:
/// `limit` (0 → 100, at most `audit_ext.max_limit`) from `offset`.
#[pg_extern(stable, parallel_safe)]
#[search_path(pg_catalog, pg_temp)]
fn user_ai_seats(
    user_ids: default!(Option<Vec<Option<pgrx::Uuid>>>, "NULL"),
    latest_build_only: default!(Option<bool>, false),
    limit: default!(Option<i32>, 0),
    offset: default!(Option<i32>, 0),
    source: default!(Option<&str>, "NULL"),
) -> TableIterator<
    'static,
    (name!(user_id, pgrx::Uuid), name!(username, String), name!(has_ai_seat, bool), name!(reason, Option<String>)),
> {
    let (profile, source) = self::source(source, latest_build_only);
    let (limit, offset) = (page_size(limit), checked_offset(offset));
    let ids: Option<Vec<pgrx::Uuid>> = user_ids.map(|v| v.into_iter().flatten().collect());
    let sql = seats::user_seats(&profile, source, ids.is_some());
    // $1 is unused (and NULL) when listing every user.
    let rows = spi::select(&sql, &[ids.into(), i64::from(limit).into(), i64::from(offset).into()], |t| {
        let mut rows = Vec::new();
        for r in t {
            // The id is the users table's primary key, never NULL.
            let Some(id) = r.get::<pgrx::Uuid>(1)? else { continue };
            rows.push((
                id,
                r.get::<String>(2)?.unwrap_or_default(),
                r.get::<bool>(3)?.unwrap_or(false),
                r.get::<String>(4)?,
            ));
        }
        Ok(rows)
    });
    TableIterator::new(rows)
}

/// How many users hold an AI seat (the entitlement check), by the same rule as `get_user_ai_seat_states`:
/// from `ai_seat_state`, Coder's `GetActiveAISeatCount`; from usage, non-deleted users, each probed once.
#[pg_extern(stable, parallel_safe)]
#[search_path(pg_catalog, pg_temp)]
fn count_ai_seat_users(
    latest_build_only: default!(Option<bool>, false),
    source: default!(Option<&str>, "NULL"),
) -> i64 {
    let (profile, source) = self::source(source, latest_build_only);
    spi::one::<i64>(&seats::count_seats(&profile, source), &[]).unwrap_or(0)
}

/// The statement `get_user_ai_seat_states` runs (`$1` is the uuid[] of ids), for EXPLAIN.
#[pg_extern(stable, parallel_safe)]
#[search_path(pg_catalog, pg_temp)]
fn ai_seat_states_sql(
    latest_build_only: default!(Option<bool>, false),
    source: default!(Option<&str>, "NULL"),
) -> String {
    let (profile, source) = self::source(source, latest_build_only);
    seats::seat_states(&profile, source)
}
