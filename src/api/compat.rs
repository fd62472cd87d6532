//! The C entry points of the previous version's SQL functions, for the window between installing this
//! version's library and `ALTER EXTENSION audit_ext UPDATE`: until then the database still holds 0.3.0's
//! function definitions, which call `<name>_wrapper` with 0.3.0's arguments. Each answers as 0.3.0 did (Coder's
//! dialect, offset pages); none has SQL of its own (`sql = false`). This version's functions are the `_v4` ones.
//! tests/pg_regress/sql/upgrade.sql calls them through 0.1.0's and 0.3.0's definitions before updating.

use crate::api::dsl::{errors_json, key_rows, parsed_json};
use crate::api::predicate::predicate;
use crate::api::query::{run_count, run_page, Caller};
use crate::dsl::{Dialect, Log};
use crate::exec::jsonb::Jsonb;
use pgrx::prelude::*;
use pgrx::JsonB;

type Scopes = Option<Vec<Option<String>>>;

#[pg_extern(sql = false)]
fn count_audit_logs(q: Option<&str>, actor: Option<pgrx::Uuid>, count_cap: Option<i32>, scopes: Scopes) -> i64 {
    run_count(Log::Audit, q, Caller::new(actor, scopes, None), count_cap)
}

#[pg_extern(sql = false)]
fn count_connection_logs(q: Option<&str>, actor: Option<pgrx::Uuid>, count_cap: Option<i32>, scopes: Scopes) -> i64 {
    run_count(Log::Connection, q, Caller::new(actor, scopes, None), count_cap)
}

#[pg_extern(sql = false)]
fn audit_logs(
    q: Option<&str>,
    actor: Option<pgrx::Uuid>,
    limit: Option<i32>,
    offset: Option<i32>,
    count_cap: Option<i32>,
    scopes: Scopes,
) -> Jsonb {
    run_page(Log::Audit, q, Caller::new(actor, scopes, None), limit, offset, count_cap, None)
}

#[pg_extern(sql = false)]
fn connection_logs(
    q: Option<&str>,
    actor: Option<pgrx::Uuid>,
    limit: Option<i32>,
    offset: Option<i32>,
    count_cap: Option<i32>,
    scopes: Scopes,
) -> Jsonb {
    run_page(Log::Connection, q, Caller::new(actor, scopes, None), limit, offset, count_cap, None)
}

#[pg_extern(sql = false)]
fn audit_predicate(q: Option<&str>, actor: Option<pgrx::Uuid>, scopes: Scopes) -> Option<String> {
    predicate(Log::Audit, q, Caller::new(actor, scopes, None))
}

#[pg_extern(sql = false)]
fn connection_predicate(q: Option<&str>, actor: Option<pgrx::Uuid>, scopes: Scopes) -> Option<String> {
    predicate(Log::Connection, q, Caller::new(actor, scopes, None))
}

#[pg_extern(sql = false)]
fn parse_audit_query(q: &str) -> JsonB {
    parsed_json(Log::Audit, q, "coder")
}

#[pg_extern(sql = false)]
fn audit_query_errors(q: &str) -> JsonB {
    errors_json(Log::Audit, q, "coder")
}

#[pg_extern(sql = false)]
fn parse_connection_query(q: &str) -> JsonB {
    parsed_json(Log::Connection, q, "coder")
}

#[pg_extern(sql = false)]
fn connection_query_errors(q: &str) -> JsonB {
    errors_json(Log::Connection, q, "coder")
}

/// 0.3.0's four columns: Coder's keys only.
#[pg_extern(sql = false)]
fn filter_keys(
) -> TableIterator<'static, (name!(log, String), name!(key, String), name!(value, String), name!(description, String))>
{
    TableIterator::new(key_rows(Dialect::Coder))
}
