//! The query functions: capped counts, Coder-shaped JSON pages and psql-friendly tables, for audit and
//! connection logs. Each call parses and compiles the filter (raising 22023 with Coder's validations),
//! applies RBAC and API-key scopes, and runs one read-only statement.

use crate::api::dsl::{parse_or_raise, raise};
use crate::dsl::{Log, ParseError};
use crate::exec::catalog::LiveCatalog;
use crate::exec::resolve::{self, LiveResolver};
use crate::exec::{qschema, spi, to_uuid};
use crate::guc;
use crate::plan::{self, query, query::Page, Access, Fragment};
use pgrx::pg_sys::panic::ErrorReport;
use pgrx::prelude::*;
use pgrx::JsonB;

/// Coder's count cap, used when `count_cap` is not given.
pub const DEFAULT_COUNT_CAP: i32 = 2000;

/// Who asks, and with which token scopes. `actor: None` means no Coder RBAC (the database role's own
/// privileges are the only limit); `scopes: None` means not a scoped API key.
pub(crate) struct Caller {
    pub actor: Option<uuid::Uuid>,
    pub scopes: Option<Vec<String>>,
}

impl Caller {
    pub fn new(actor: Option<pgrx::Uuid>, scopes: Option<Vec<Option<String>>>) -> Self {
        Caller { actor: actor.map(to_uuid), scopes: scopes.map(|v| v.into_iter().flatten().collect()) }
    }

    /// What the caller may read of `log`.
    pub fn access(&self, log: Log, qschema: &str) -> Access {
        let roles = match self.actor {
            None => Access::All,
            Some(a) => resolve::readable(a, log.rbac_object(), qschema),
        };
        roles.within_scopes(self.scopes.as_deref(), log)
    }

    /// Parses and compiles `q` (NULL = no filter) for `log`, raising 22023 with Coder's validations.
    pub fn compile(&self, log: Log, q: Option<&str>, qschema: &str) -> Fragment {
        let filter = parse_or_raise(log, q.unwrap_or(""));
        plan::compile(&filter, &self.access(log, qschema), self.actor, qschema, &LiveResolver { qschema })
            .unwrap_or_else(|v| raise(log, ParseError::Invalid(v)))
    }
}

/// 22023 for a bad numeric argument.
pub(crate) fn invalid_argument(message: String, hint: &str) -> ! {
    ErrorReport::new(PgSqlErrorCode::ERRCODE_INVALID_PARAMETER_VALUE, message, "audit_ext")
        .set_hint(hint)
        .report(PgLogLevel::ERROR);
    unreachable!("ERROR does not return")
}

fn non_negative(name: &str, v: Option<i32>, default: i32) -> i32 {
    match v {
        None => default,
        Some(n) if n < 0 => invalid_argument(format!("\"{name}\" must be 0 or more, not {n}"), "Pass 0 or a positive number."),
        Some(n) => n,
    }
}

/// The page size: Coder's `limit 0` means 100; above `audit_ext.max_limit` is an error.
pub(crate) fn page_size(limit: Option<i32>) -> i32 {
    let max = guc::MAX_LIMIT.get();
    match non_negative("limit", limit, 0) {
        0 => 100.min(max),
        n if n > max => invalid_argument(
            format!("\"limit\" {n} exceeds audit_ext.max_limit ({max})"),
            "Page with \"offset\", or ask a superuser to raise audit_ext.max_limit.",
        ),
        n => n,
    }
}

pub(crate) fn offset(offset: Option<i32>) -> i32 {
    non_negative("offset", offset, 0)
}

pub(crate) fn count_cap(cap: Option<i32>) -> i32 {
    non_negative("count_cap", cap, DEFAULT_COUNT_CAP)
}

fn run_count(log: Log, q: Option<&str>, caller: Caller, cap: Option<i32>) -> i64 {
    let cap = count_cap(cap);
    let qschema = qschema();
    let stmt = query::count(log, &qschema, caller.compile(log, q, &qschema), cap);
    spi::one::<i64>(&stmt.sql, &spi::bind(&stmt.params, &LiveCatalog::new())).unwrap_or(0)
}

/// Coder's capped count of the audit rows `q` matches and the actor may read: at most `count_cap + 1`;
/// `count_cap => 0` counts exactly.
#[pg_extern(stable, parallel_safe)]
#[search_path(pg_catalog, pg_temp)]
fn count_audit_logs(
    q: default!(Option<&str>, "''"),
    actor: default!(Option<pgrx::Uuid>, "NULL"),
    count_cap: default!(Option<i32>, 2000),
    scopes: default!(Option<Vec<Option<String>>>, "NULL"),
) -> i64 {
    run_count(Log::Audit, q, Caller::new(actor, scopes), count_cap)
}

/// The same for connection logs.
#[pg_extern(stable, parallel_safe)]
#[search_path(pg_catalog, pg_temp)]
fn count_connection_logs(
    q: default!(Option<&str>, "''"),
    actor: default!(Option<pgrx::Uuid>, "NULL"),
    count_cap: default!(Option<i32>, 2000),
    scopes: default!(Option<Vec<Option<String>>>, "NULL"),
) -> i64 {
    run_count(Log::Connection, q, Caller::new(actor, scopes), count_cap)
}

fn run_page(log: Log, q: Option<&str>, caller: Caller, limit: Option<i32>, offset_: Option<i32>, cap: Option<i32>) -> JsonB {
    let page = Page { limit: page_size(limit), offset: offset(offset_), count_cap: count_cap(cap) };
    let qschema = qschema();
    let catalog = LiveCatalog::new();
    let stmt = query::page(log, &qschema, caller.compile(log, q, &qschema), page, &|t| catalog.has_table(t));
    spi::one::<JsonB>(&stmt.sql, &spi::bind(&stmt.params, &catalog)).expect("the page statement returns one row")
}

/// Coder's `AuditLogResponse` for one page: `{"audit_logs": [...], "count": n, "count_cap": c}`, newest
/// first (`id` breaks ties). `limit => 0` means 100. Each element is Coder's `AuditLog`, with
/// `description`, `resource_link` and `is_deleted` computed in the same statement.
#[pg_extern(stable, parallel_safe)]
#[search_path(pg_catalog, pg_temp)]
fn audit_logs(
    q: default!(Option<&str>, "''"),
    actor: default!(Option<pgrx::Uuid>, "NULL"),
    limit: default!(Option<i32>, 0),
    offset: default!(Option<i32>, 0),
    count_cap: default!(Option<i32>, 2000),
    scopes: default!(Option<Vec<Option<String>>>, "NULL"),
) -> JsonB {
    run_page(Log::Audit, q, Caller::new(actor, scopes), limit, offset, count_cap)
}

/// Coder's `ConnectionLogResponse` for one page, newest connection first.
#[pg_extern(stable, parallel_safe)]
#[search_path(pg_catalog, pg_temp)]
fn connection_logs(
    q: default!(Option<&str>, "''"),
    actor: default!(Option<pgrx::Uuid>, "NULL"),
    limit: default!(Option<i32>, 0),
    offset: default!(Option<i32>, 0),
    count_cap: default!(Option<i32>, 2000),
    scopes: default!(Option<Vec<Option<String>>>, "NULL"),
) -> JsonB {
    run_page(Log::Connection, q, Caller::new(actor, scopes), limit, offset, count_cap)
}

// The psql views of a page: the same filtering, RBAC and rows as `audit_logs()` / `connection_logs()`,
// as typed columns, with `{user}` and `{target}` filled into the description. They ask for a count cap of
// 1, so the count that gates the page stops at the second match.
pgrx::extension_sql!(
    r#"
CREATE FUNCTION audit_ext.search_audit_logs(q text DEFAULT '', actor uuid DEFAULT NULL, "limit" int DEFAULT 100,
                                            "offset" int DEFAULT 0, scopes text[] DEFAULT NULL)
RETURNS TABLE ("time" timestamptz, username text, action text, resource_type text, resource_target text,
               description text, status_code int, organization text, ip inet, user_agent text,
               resource_link text, is_deleted boolean, id uuid, user_id uuid, resource_id uuid,
               organization_id uuid, request_id uuid)
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT (e->>'time')::timestamptz, e->'user'->>'username', e->>'action', e->>'resource_type',
           e->>'resource_target',
           replace(replace(e->>'description', '{user}', coalesce(e->'user'->>'username', 'unknown user')),
                   '{target}', e->>'resource_target'),
           (e->>'status_code')::int, e->'organization'->>'name', nullif(e->>'ip', '')::inet,
           nullif(e->>'user_agent', ''), nullif(e->>'resource_link', ''), (e->>'is_deleted')::boolean,
           (e->>'id')::uuid, (e->'user'->>'id')::uuid, (e->>'resource_id')::uuid,
           (e->>'organization_id')::uuid, (e->>'request_id')::uuid
    FROM jsonb_array_elements(audit_ext.audit_logs($1, $2, $3, $4, 1, $5) -> 'audit_logs') AS e
$$;
COMMENT ON FUNCTION audit_ext.search_audit_logs(text, uuid, int, int, text[]) IS
    'One page of audit logs as columns for psql: same filter, RBAC and order as audit_ext.audit_logs().';

CREATE FUNCTION audit_ext.search_connection_logs(q text DEFAULT '', actor uuid DEFAULT NULL,
                                                 "limit" int DEFAULT 100, "offset" int DEFAULT 0,
                                                 scopes text[] DEFAULT NULL)
RETURNS TABLE (connect_time timestamptz, disconnect_time timestamptz, type text, workspace_owner text,
               workspace_name text, agent_name text, username text, status text, code int, slug_or_port text,
               ip inet, user_agent text, disconnect_reason text, organization text, id uuid,
               connection_id uuid, workspace_id uuid, workspace_owner_id uuid, user_id uuid,
               organization_id uuid)
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT (e->>'connect_time')::timestamptz, (e->'ssh_info'->>'disconnect_time')::timestamptz, e->>'type',
           e->>'workspace_owner_username', e->>'workspace_name', e->>'agent_name',
           e->'web_info'->'user'->>'username',
           CASE WHEN e ? 'ssh_info' THEN CASE WHEN e->'ssh_info' ? 'disconnect_time' THEN 'completed' ELSE 'ongoing' END END,
           coalesce(e->'web_info'->>'status_code', e->'ssh_info'->>'exit_code')::int,
           nullif(e->'web_info'->>'slug_or_port', ''), (e->>'ip')::inet, nullif(e->'web_info'->>'user_agent', ''),
           e->'ssh_info'->>'disconnect_reason', e->'organization'->>'name', (e->>'id')::uuid,
           (e->'ssh_info'->>'connection_id')::uuid, (e->>'workspace_id')::uuid,
           (e->>'workspace_owner_id')::uuid, (e->'web_info'->'user'->>'id')::uuid,
           (e->'organization'->>'id')::uuid
    FROM jsonb_array_elements(audit_ext.connection_logs($1, $2, $3, $4, 1, $5) -> 'connection_logs') AS e
$$;
COMMENT ON FUNCTION audit_ext.search_connection_logs(text, uuid, int, int, text[]) IS
    'One page of connection logs as columns for psql: same filter, RBAC and order as audit_ext.connection_logs().';
"#,
    name = "search_functions",
    requires = [audit_logs, connection_logs],
);
