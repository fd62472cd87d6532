//! The query functions: capped counts, Coder-shaped JSON pages and psql-friendly tables, for audit and
//! connection logs. Each call parses and compiles the filter (raising 22023 with Coder's validations),
//! applies RBAC and API-key scopes, and runs one read-only statement (a page: plus its details statement).

use crate::api::dsl::{parse_or_raise, raise};
use crate::dsl::{Dialect, Log, ParseError};
use crate::exec::jsonb::Jsonb;
use crate::exec::{spi, to_uuid};
use crate::guc;
use crate::oracle::catalog::LiveCatalog;
use crate::oracle::resolve::LiveResolver;
use crate::plan::{self, query, query::Cursor, query::Page, Access, Fragment, Scope};
use pgrx::pg_sys::panic::ErrorReport;
use pgrx::prelude::*;

/// Coder's count cap, used when `count_cap` is not given.
pub const DEFAULT_COUNT_CAP: i32 = 2000;

/// Who asks, with which token scopes, in which filter dialect. `actor: None` means no Coder RBAC (the
/// database role's own privileges are the only limit); `scopes: None` means not a scoped API key.
pub(crate) struct Caller {
    pub actor: Option<uuid::Uuid>,
    pub scopes: Option<Vec<String>>,
    pub dialect: Dialect,
}

impl Caller {
    pub fn new(actor: Option<pgrx::Uuid>, scopes: Option<Vec<Option<String>>>, dialect: Option<&str>) -> Self {
        Caller {
            actor: actor.map(to_uuid),
            scopes: scopes.map(|v| v.into_iter().flatten().collect()),
            dialect: crate::api::dsl::dialect(dialect),
        }
    }

    /// What the caller may read of `log` (`rbac::access`).
    pub fn access(&self, log: Log, catalog: &LiveCatalog) -> Access {
        crate::rbac::access(self.actor, self.scopes.as_deref(), log, &catalog.profile)
    }

    /// Parses and compiles `q` (NULL = no filter) for `log`, raising 22023 with Coder's validations.
    pub fn compile(&self, log: Log, q: Option<&str>, catalog: &LiveCatalog) -> Fragment {
        let filter = parse_or_raise(log, self.dialect, q.unwrap_or(""), catalog);
        let profile = &catalog.profile;
        plan::compile(
            &filter,
            &self.access(log, catalog),
            self.actor,
            profile,
            &LiveResolver { qschema: &profile.qschema },
        )
        .unwrap_or_else(|v| raise(log, self.dialect, ParseError::Invalid(v)))
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
        Some(n) if n < 0 => {
            invalid_argument(format!("\"{name}\" must be 0 or more, not {n}"), "Pass 0 or a positive number.")
        }
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

/// The count cap: Coder's 2000 by default; `0` asks for an exact count, which stops at
/// `audit_ext.max_count_cap` (then reported as that cap); above the GUC is an error.
pub(crate) fn count_cap(cap: Option<i32>) -> i32 {
    let max = guc::MAX_COUNT_CAP.get();
    match non_negative("count_cap", cap, DEFAULT_COUNT_CAP) {
        n if max > 0 && n > max => invalid_argument(
            format!("\"count_cap\" {n} exceeds audit_ext.max_count_cap ({max})"),
            "Pass a smaller cap (0 counts exactly up to audit_ext.max_count_cap), or ask a superuser to raise it.",
        ),
        0 if max > 0 => max,
        n => n,
    }
}

pub(crate) fn run_count(log: Log, q: Option<&str>, caller: Caller, cap: Option<i32>) -> i64 {
    let cap = count_cap(cap);
    let catalog = LiveCatalog::for_logs();
    let stmt = query::count(log, &catalog.profile.qschema, caller.compile(log, q, &catalog), cap);
    spi::one::<i64>(&stmt.sql, &spi::bind(&stmt.params, &catalog)).unwrap_or(0)
}

/// Coder's capped count of the audit rows `q` matches and the actor may read: at most `count_cap + 1`;
/// `count_cap => 0` counts exactly, up to `audit_ext.max_count_cap`.
#[pg_extern(stable, parallel_safe, name = "count_audit_logs")]
#[search_path(pg_catalog, pg_temp)]
fn count_audit_logs_v4(
    q: default!(Option<&str>, "''"),
    actor: default!(Option<pgrx::Uuid>, "NULL"),
    count_cap: default!(Option<i32>, 2000),
    scopes: default!(Option<Vec<Option<String>>>, "NULL"),
    dialect: default!(Option<&str>, "'coder'"),
) -> i64 {
    run_count(Log::Audit, q, Caller::new(actor, scopes, dialect), count_cap)
}

/// The same for connection logs.
#[pg_extern(stable, parallel_safe, name = "count_connection_logs")]
#[search_path(pg_catalog, pg_temp)]
fn count_connection_logs_v4(
    q: default!(Option<&str>, "''"),
    actor: default!(Option<pgrx::Uuid>, "NULL"),
    count_cap: default!(Option<i32>, 2000),
    scopes: default!(Option<Vec<Option<String>>>, "NULL"),
    dialect: default!(Option<&str>, "'coder'"),
) -> i64 {
    run_count(Log::Connection, q, Caller::new(actor, scopes, dialect), count_cap)
}

/// The `after` argument: NULL (offset paging, Coder's response), `''` (the first page of keyset paging) or a
/// cursor of `log`'s from a previous page; offsets and cursors do not mix.
fn cursor(log: Log, after: Option<&str>, offset: i32) -> Option<Option<Cursor>> {
    let after = after?;
    if offset != 0 {
        invalid_argument(
            format!("\"offset\" {offset} cannot be combined with \"after\""),
            "Page with \"after\" (the next_after of the previous page) or with \"offset\", not both.",
        );
    }
    if after.is_empty() {
        return Some(None);
    }
    match Cursor::decode(log, after) {
        Some(c) => Some(Some(c)),
        None => invalid_argument(
            format!("\"after\" is not a cursor of {} logs: {}", log.name(), pgrx::spi::quote_literal(after)),
            &format!("Pass the next_after of the previous {}_logs() page, or '' for the first page.", log.name()),
        ),
    }
}

pub(crate) fn run_page(
    log: Log,
    q: Option<&str>,
    caller: Caller,
    limit: Option<i32>,
    offset_: Option<i32>,
    cap: Option<i32>,
    after: Option<&str>,
) -> Jsonb {
    let catalog = LiveCatalog::for_logs();
    let offset = offset(offset_);
    let keyset = cursor(log, after, offset);
    let (limit, count_cap) = (page_size(limit), count_cap(cap));
    let mut filter = caller.compile(log, q, &catalog);
    // The catalog is asked once, and only when the answer is used: for organization walks, and for a page deep
    // enough to use an index in time order.
    let deep = offset >= query::DEEP_OFFSET;
    let by_org = (filter.orgs.is_some() || (deep && filter.unfiltered == Some(Scope::Organizations)))
        && catalog.walks_by_organization(log);
    if !by_org {
        filter.orgs = None;
    }
    let time_index = deep
        && match filter.unfiltered {
            Some(Scope::Everything) => catalog.walks_by_time(log),
            Some(Scope::Organizations) => by_org,
            None => false,
        };
    let page = Page { limit, offset, count_cap, time_index, after: keyset.flatten() };
    let profile = &catalog.profile;
    let stmt = query::page(log, profile, filter, page);
    let details = query::details(log, profile);
    let (mut response, last) = crate::exec::page::run(
        log,
        profile.conn(),
        &stmt.sql,
        &spi::bind(&stmt.params, &catalog),
        &details,
        page.count_cap,
    );
    // Keyset paging adds the cursor of the next page: the last row's, when the page is full; null at the end.
    if keyset.is_some() {
        let full = response[format!("{}_logs", log.name())].as_array().map(Vec::len) == Some(limit as usize);
        let next = last.filter(|_| full).map(|c| c.encode(log));
        if let serde_json::Value::Object(m) = &mut response {
            m.insert("next_after".into(), next.into());
        }
    }
    Jsonb::from(&response)
}

/// Coder's `AuditLogResponse` for one page: `{"audit_logs": [...], "count": n, "count_cap": c}`, newest
/// first (`id` breaks ties). `limit => 0` means 100. Each element is Coder's `AuditLog`, with
/// `description`, `resource_link` and `is_deleted` computed in the same statement.
#[allow(clippy::too_many_arguments)] // the SQL signature: Coder's six, then after and dialect
#[pg_extern(stable, parallel_safe, name = "audit_logs")]
#[search_path(pg_catalog, pg_temp)]
fn audit_logs_v4(
    q: default!(Option<&str>, "''"),
    actor: default!(Option<pgrx::Uuid>, "NULL"),
    limit: default!(Option<i32>, 0),
    offset: default!(Option<i32>, 0),
    count_cap: default!(Option<i32>, 2000),
    scopes: default!(Option<Vec<Option<String>>>, "NULL"),
    after: default!(Option<&str>, "NULL"),
    dialect: default!(Option<&str>, "'coder'"),
) -> Jsonb {
    run_page(Log::Audit, q, Caller::new(actor, scopes, dialect), limit, offset, count_cap, after)
}

/// Coder's `ConnectionLogResponse` for one page, newest connection first.
#[allow(clippy::too_many_arguments)] // the SQL signature: Coder's six, then after and dialect
#[pg_extern(stable, parallel_safe, name = "connection_logs")]
#[search_path(pg_catalog, pg_temp)]
fn connection_logs_v4(
    q: default!(Option<&str>, "''"),
    actor: default!(Option<pgrx::Uuid>, "NULL"),
    limit: default!(Option<i32>, 0),
    offset: default!(Option<i32>, 0),
    count_cap: default!(Option<i32>, 2000),
    scopes: default!(Option<Vec<Option<String>>>, "NULL"),
    after: default!(Option<&str>, "NULL"),
    dialect: default!(Option<&str>, "'coder'"),
) -> Jsonb {
    run_page(Log::Connection, q, Caller::new(actor, scopes, dialect), limit, offset, count_cap, after)
}

// The typed rows of a page, the psql views of a page and the exports, all in SQL over `audit_logs()` /
// `connection_logs()`: the same filtering, RBAC and rows, as typed columns (one composite type per log), with
// `{user}` and `{target}` filled into the description. `*_log_rows(elements)` types a page's array for all
// of them. The search functions ask for a count cap of 1, so the count that gates the page stops at the second
// match. The exports walk keyset pages of up to 1,000 rows (or audit_ext.max_limit) newest first, each the
// filter's rows after the previous page's last row: memory does not grow with the export (PostgreSQL keeps a
// function's result in a tuplestore, which spills to a temporary file past work_mem), a page costs the same at
// any depth, and every page reads the calling statement's snapshot (a STABLE function reading only, in a
// transaction that has not written), so an export is consistent however many rows are inserted while it runs.
pgrx::extension_sql!(
    r#"
CREATE TYPE audit_ext.audit_log_row AS (
    "time" timestamptz, username text, action text, resource_type text, resource_target text,
    description text, status_code int, organization text, ip inet, user_agent text, resource_link text,
    is_deleted boolean, id uuid, user_id uuid, resource_id uuid, organization_id uuid, request_id uuid);

CREATE TYPE audit_ext.connection_log_row AS (
    connect_time timestamptz, disconnect_time timestamptz, type text, workspace_owner text,
    workspace_name text, agent_name text, username text, status text, code int, slug_or_port text, ip inet,
    user_agent text, disconnect_reason text, organization text, id uuid, connection_id uuid, workspace_id uuid,
    workspace_owner_id uuid, user_id uuid, organization_id uuid, connection_method text, app_name text);

CREATE FUNCTION audit_ext.audit_log_rows(elements jsonb) RETURNS SETOF audit_ext.audit_log_row
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
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
    FROM jsonb_array_elements($1) WITH ORDINALITY AS a(e, n) ORDER BY a.n
$$;

CREATE FUNCTION audit_ext.connection_log_rows(elements jsonb) RETURNS SETOF audit_ext.connection_log_row
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
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
           (e->'organization'->>'id')::uuid,
           -- The method and client app in every Coder generation: before connection methods (Coder G3),
           -- vscode and jetbrains connections were ssh by that app.
           coalesce(e->>'connection_method', CASE WHEN e->>'type' IN ('vscode', 'jetbrains') THEN 'ssh' ELSE e->>'type' END),
           coalesce(e->>'app_name', CASE WHEN e->>'type' IN ('vscode', 'jetbrains') THEN e->>'type' END)
    FROM jsonb_array_elements($1) WITH ORDINALITY AS a(e, n) ORDER BY a.n
$$;

CREATE FUNCTION audit_ext.search_audit_logs(q text DEFAULT '', actor uuid DEFAULT NULL, "limit" int DEFAULT 100,
                                            "offset" int DEFAULT 0, scopes text[] DEFAULT NULL,
                                            dialect text DEFAULT 'coder')
RETURNS SETOF audit_ext.audit_log_row
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT * FROM audit_ext.audit_log_rows(audit_ext.audit_logs($1, $2, $3, $4, 1, $5, NULL, $6) -> 'audit_logs')
$$;

CREATE FUNCTION audit_ext.search_connection_logs(q text DEFAULT '', actor uuid DEFAULT NULL,
                                                 "limit" int DEFAULT 100, "offset" int DEFAULT 0,
                                                 scopes text[] DEFAULT NULL, dialect text DEFAULT 'coder')
RETURNS SETOF audit_ext.connection_log_row
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT * FROM audit_ext.connection_log_rows(
        audit_ext.connection_logs($1, $2, $3, $4, 1, $5, NULL, $6) -> 'connection_logs')
$$;

CREATE FUNCTION audit_ext.export_audit_logs(q text DEFAULT '', actor uuid DEFAULT NULL, scopes text[] DEFAULT NULL,
                                            dialect text DEFAULT 'coder')
RETURNS SETOF audit_ext.audit_log_row
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    size int;
    after text := '';
    page jsonb;
BEGIN
    -- Loads the library (which defines audit_ext.max_limit) before the setting is read.
    PERFORM audit_ext.version();
    size := least(1000, current_setting('audit_ext.max_limit')::int);
    LOOP
        page := audit_ext.audit_logs(q, actor, size, 0, 1, scopes, after, dialect);
        RETURN QUERY SELECT * FROM audit_ext.audit_log_rows(page -> 'audit_logs');
        after := page ->> 'next_after';
        EXIT WHEN after IS NULL;
    END LOOP;
END
$$;

CREATE FUNCTION audit_ext.export_connection_logs(q text DEFAULT '', actor uuid DEFAULT NULL,
                                                 scopes text[] DEFAULT NULL, dialect text DEFAULT 'coder')
RETURNS SETOF audit_ext.connection_log_row
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    size int;
    after text := '';
    page jsonb;
BEGIN
    -- Loads the library (which defines audit_ext.max_limit) before the setting is read.
    PERFORM audit_ext.version();
    size := least(1000, current_setting('audit_ext.max_limit')::int);
    LOOP
        page := audit_ext.connection_logs(q, actor, size, 0, 1, scopes, after, dialect);
        RETURN QUERY SELECT * FROM audit_ext.connection_log_rows(page -> 'connection_logs');
        after := page ->> 'next_after';
        EXIT WHEN after IS NULL;
    END LOOP;
END
$$;
"#,
    name = "search_functions",
    requires = [audit_logs_v4, connection_logs_v4],
);

#[cfg(any(test, feature = "pg_test"))]
#[pg_schema]
mod tests {
    use crate::api::testing::{load_fixture, sql_error};
    use pgrx::prelude::*;
    use serde_json::Value;

    fn one<T: pgrx::FromDatum + pgrx::IntoDatum>(sql: &str) -> T {
        Spi::get_one::<T>(sql).unwrap().unwrap()
    }
    fn page(args: &str) -> Value {
        one::<pgrx::JsonB>(&format!("SELECT audit_ext.audit_logs({args})")).0
    }
    fn ids(v: &Value) -> Vec<String> {
        v["audit_logs"].as_array().unwrap().iter().map(|e| e["id"].as_str().unwrap().to_string()).collect()
    }
    const USER: fn(i32) -> String = |n| format!("md5('user{n}')::uuid");

    /// `build_reason:` alone is counted from the reason's builds, and a page sorts its matches when they are
    /// few (at most `FEW_BY_BUILDS`) or walks the log newest first when there are more: both against Coder's
    /// own definition (its LEFT JOINs' COALESCE), with RBAC.
    #[pg_test]
    fn build_reason_alone_agrees_with_coders_joins_either_way() {
        load_fixture(2500);
        let coder = |reason: &str, rbac: &str| {
            format!(
                "FROM audit_logs a WHERE {rbac} AND COALESCE(\
                   (SELECT wb.reason::text FROM workspace_builds wb WHERE a.resource_type = 'workspace_build' AND wb.id = a.resource_id), \
                   (SELECT wb.reason::text FROM workspaces w JOIN workspace_builds wb ON wb.workspace_id = w.id AND wb.build_number = 1 \
                    WHERE a.resource_type = 'workspace' AND a.action = 'create' AND w.id = a.resource_id)) = '{reason}'"
            )
        };
        let check = |reason: &str, actor: &str, rbac: &str, few: bool| {
            let from = coder(reason, rbac);
            let total: i64 = one(&format!("SELECT count(*) {from}"));
            assert_eq!(total <= i64::from(crate::plan::query::FEW_BY_BUILDS), few, "{reason}: {total} matches");
            assert!(total > 0, "{reason}: no matches");
            let q = format!("'build_reason:{reason}', {actor}");
            assert_eq!(
                one::<i64>(&format!("SELECT audit_ext.count_audit_logs({q}, 0)")),
                total,
                "{reason}: exact count"
            );
            assert_eq!(
                one::<i64>(&format!("SELECT audit_ext.count_audit_logs({q}, 5)")),
                6.min(total),
                "{reason}: capped count"
            );
            for (limit, offset, cap) in [(50, 0, 0), (50, 7, 2000), (3, 0, 1), (100, 0, 2000)] {
                let want: Vec<String> = Spi::connect(|c| {
                    c.select(&format!("SELECT a.id::text {from} ORDER BY a.\"time\" DESC, a.id DESC LIMIT {limit} OFFSET {offset}"), None, &[])
                        .unwrap()
                        .map(|r| r.get::<String>(1).unwrap().unwrap())
                        .collect()
                });
                let p = page(&format!("{q}, {limit}, {offset}, {cap}"));
                assert_eq!(ids(&p), want, "{reason} page {limit}/{offset}");
                let counted = if cap == 0 { total } else { total.min(i64::from(cap) + 1) };
                assert_eq!(p["count"], counted, "{reason} page count with cap {cap}");
            }
        };
        check("cli", "NULL", "true", true);
        check("cli", &USER(8), "a.organization_id = md5('org9')::uuid", true);
        // Past FEW_BY_BUILDS matches: 2,100 more build rows of one `cli` build, interleaved in time with the others,
        // in org 9 (which user 8 audits).
        Spi::run(
            "INSERT INTO audit_logs (id, \"time\", user_id, organization_id, ip, user_agent, resource_type, resource_id, \
             resource_target, action, diff, status_code, additional_fields, request_id, resource_icon) \
             SELECT md5('more cli' || g)::uuid, a.\"time\" - g * interval '7 minutes', a.user_id, md5('org9')::uuid, a.ip, \
                    a.user_agent, 'workspace_build', b.id, a.resource_target, 'start', a.diff, a.status_code, \
                    a.additional_fields, a.request_id, a.resource_icon \
             FROM generate_series(1, 2100) g, (SELECT * FROM audit_logs ORDER BY \"time\" DESC LIMIT 1) a, \
                  (SELECT id FROM workspace_builds WHERE reason = 'cli' ORDER BY id LIMIT 1) b",
        )
        .unwrap();
        Spi::run("ANALYZE audit_logs").unwrap();
        check("cli", "NULL", "true", false);
        check("autostart", "NULL", "true", true);
        // An organization reader's matches are counted from the builds with its organizations tested in each probe:
        // past FEW_BY_BUILDS its page walks its organization, below it sorts what the builds found; then the same
        // for a reader of two organizations, whose page walks each and merges them.
        check("cli", &USER(8), "a.organization_id = md5('org9')::uuid", false);
        check("autostart", &USER(8), "a.organization_id = md5('org9')::uuid", true);
        Spi::run("UPDATE organization_members SET roles = '{organization-auditor}' WHERE user_id = md5('user8')::uuid")
            .unwrap();
        let two = "a.organization_id IN (md5('org9')::uuid, md5('org16')::uuid)";
        check("cli", &USER(8), two, false);
        check("autostart", &USER(8), two, true);
        // Without Coder's index on audit_logs.resource_id (which the probes from the builds need), the plain
        // predicate serves, with the same answers.
        Spi::run("DROP INDEX idx_audit_log_resource_id").unwrap();
        check("cli", "NULL", "true", false);
        check("cli", &USER(8), two, false);
        check("autostart", &USER(8), two, true);
    }

    /// A deep page of every row starts from its first row's time, counted in the time index; it is the page
    /// the plain walk gives, across ties in time (rows that share the first row's time, on both sides of the
    /// page's start), at the end of the log, and past it; and without a time index the plain walk runs. The
    /// same for an organization reader of one and of two organizations, through an (organization_id, time) index.
    #[pg_test]
    fn deep_pages_agree_with_the_plain_walk() {
        use crate::plan::query::DEEP_OFFSET;
        load_fixture(3500);
        // 40 rows that share one time with a row near position DEEP_OFFSET + 10, and 30 connections likewise.
        Spi::run(&format!(
            "INSERT INTO audit_logs SELECT md5('tie' || g)::uuid, a.\"time\", a.user_id, a.organization_id, a.ip, a.user_agent, \
                    a.resource_type, a.resource_id, a.resource_target, a.action, a.diff, a.status_code, a.additional_fields, \
                    a.request_id, a.resource_icon \
             FROM generate_series(1, 40) g, (SELECT * FROM audit_logs ORDER BY \"time\" DESC, id DESC OFFSET {} LIMIT 1) a;
             INSERT INTO connection_logs SELECT md5('tie' || g)::uuid, c.connect_time, c.organization_id, c.workspace_owner_id, \
                    c.workspace_id, c.workspace_name, c.agent_name, c.type, c.ip, c.code, c.user_agent, c.user_id, c.slug_or_port, \
                    md5('tie connection' || g)::uuid, c.disconnect_time, c.disconnect_reason \
             FROM generate_series(1, 30) g, (SELECT * FROM connection_logs ORDER BY connect_time DESC, id DESC OFFSET {} LIMIT 1) c;
             ANALYZE audit_logs; ANALYZE connection_logs",
            DEEP_OFFSET + 10,
            DEEP_OFFSET + 3
        ))
        .unwrap();
        let total: i64 = one("SELECT count(*) FROM audit_logs");
        let connections: i64 = one("SELECT count(*) FROM connection_logs");
        assert!(connections > i64::from(DEEP_OFFSET) + 60, "{connections} connections");
        let check = |log: &str, time: &str, offset: i64, limit: i64| {
            let want: Vec<String> = Spi::connect(|c| {
                let sql = format!(
                    "SELECT id::text FROM {log}_logs ORDER BY {time} DESC, id DESC LIMIT {limit} OFFSET {offset}"
                );
                c.select(&sql, None, &[]).unwrap().map(|r| r.get::<String>(1).unwrap().unwrap()).collect()
            });
            let p = one::<pgrx::JsonB>(&format!("SELECT audit_ext.{log}_logs('', {}, {limit}, {offset})", USER(1))).0;
            let got: Vec<String> = p[format!("{log}_logs")]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["id"].as_str().unwrap().to_string())
                .collect();
            assert_eq!(got, want, "{log} {limit}/{offset}");
            got.len()
        };
        let deep = i64::from(DEEP_OFFSET);
        for offset in [
            deep,
            deep + 1,
            deep + 9,
            deep + 10,
            deep + 11,
            deep + 30,
            deep + 49,
            deep + 50,
            total - 7,
            total,
            total + 5,
        ] {
            for limit in [1, 25, 100] {
                check("audit", "\"time\"", offset, limit);
            }
        }
        for offset in [deep, deep + 3, deep + 20, deep + 32, connections - 1, connections + 1] {
            check("connection", "connect_time", offset, 25);
        }
        assert_eq!(check("audit", "\"time\"", total - 7, 100), 7);
        // The deep path was taken (the SQL it runs is pinned by plan::query's unit tests); without a time
        // index, or with only a partial one, the plain walk runs.
        let catalog = crate::oracle::catalog::LiveCatalog::new;
        let by_time = || catalog().walks_by_time(crate::dsl::Log::Audit);
        assert!(by_time());
        Spi::run("DROP INDEX idx_audit_logs_time_desc; CREATE INDEX partial_time ON audit_logs (\"time\" DESC) WHERE status_code < 500").unwrap();
        assert!(!by_time());
        // The same rule for organization walks: (organization_id, time) first, complete, btree.
        let by_org = || catalog().walks_by_organization(crate::dsl::Log::Audit);
        assert!(!by_org(), "Coder's (organization_id) index does not walk in time order");
        Spi::run("CREATE INDEX partial_org ON audit_logs (organization_id, \"time\" DESC) WHERE status_code < 500")
            .unwrap();
        assert!(!by_org());
        Spi::run("CREATE INDEX org_expr ON audit_logs (organization_id, (status_code + 1))").unwrap();
        assert!(!by_org());
        Spi::run("CREATE INDEX org_time ON audit_logs (organization_id, \"time\" DESC, id)").unwrap();
        assert!(by_org());
        assert!(!by_time());
        for offset in [deep, deep + 10, deep + 49] {
            check("audit", "\"time\"", offset, 25);
        }
        // An organization reader's deep pages count through that index: user 8 audits org 9, then org 16 too. A
        // third of the rows move to org 9, and 40 more share the time of its row at DEEP_OFFSET + 10, as do 5 of
        // org 3 (which user 8 may not read).
        Spi::run(&format!(
            "UPDATE audit_logs SET organization_id = md5('org9')::uuid WHERE abs(hashtext(id::text)) % 3 = 0;
             INSERT INTO audit_logs SELECT md5('org tie' || g)::uuid, a.\"time\", a.user_id, \
                    CASE WHEN g > 40 THEN md5('org3')::uuid ELSE a.organization_id END, a.ip, \
                    a.user_agent, a.resource_type, a.resource_id, a.resource_target, a.action, a.diff, a.status_code, \
                    a.additional_fields, a.request_id, a.resource_icon \
             FROM generate_series(1, 45) g, (SELECT * FROM audit_logs WHERE organization_id = md5('org9')::uuid \
                                             ORDER BY \"time\" DESC, id DESC OFFSET {} LIMIT 1) a;
             ANALYZE audit_logs",
            DEEP_OFFSET + 10
        ))
        .unwrap();
        let reader = |offset: i64, limit: i64| {
            let want: Vec<String> = Spi::connect(|c| {
                let sql = format!(
                    "SELECT id::text FROM audit_logs WHERE organization_id = ANY (audit_ext.readable_organizations({})) \
                     ORDER BY \"time\" DESC, id DESC LIMIT {limit} OFFSET {offset}",
                    USER(8)
                );
                c.select(&sql, None, &[]).unwrap().map(|r| r.get::<String>(1).unwrap().unwrap()).collect()
            });
            let p = one::<pgrx::JsonB>(&format!("SELECT audit_ext.audit_logs('', {}, {limit}, {offset})", USER(8))).0;
            let got: Vec<String> =
                p["audit_logs"].as_array().unwrap().iter().map(|e| e["id"].as_str().unwrap().to_string()).collect();
            assert_eq!(got, want, "organization reader {limit}/{offset}");
            got.len()
        };
        let readable: i64 = one(&format!(
            "SELECT count(*) FROM audit_logs WHERE organization_id = ANY (audit_ext.readable_organizations({}))",
            USER(8)
        ));
        assert!(readable > deep + 100, "{readable} rows in org 9");
        for offset in [deep, deep + 9, deep + 10, deep + 11, deep + 30, deep + 50, readable - 3, readable + 2] {
            for limit in [1, 25] {
                reader(offset, limit);
            }
        }
        assert_eq!(reader(readable - 3, 25), 3);
        Spi::run("UPDATE organization_members SET roles = '{organization-auditor}' WHERE user_id = md5('user8')::uuid")
            .unwrap();
        let readable: i64 = one(&format!(
            "SELECT count(*) FROM audit_logs WHERE organization_id = ANY (audit_ext.readable_organizations({}))",
            USER(8)
        ));
        assert_eq!(
            one::<i64>(&format!("SELECT cardinality(audit_ext.readable_organizations({}))", USER(8))),
            2,
            "two organizations"
        );
        for offset in [deep, deep + 10, deep + 25, deep + 60, readable - 1, readable + 1] {
            for limit in [1, 25] {
                reader(offset, limit);
            }
        }
    }

    #[pg_test]
    fn counts_stop_after_cap_plus_one() {
        load_fixture(2500);
        let exact: i64 = one("SELECT count(*) FROM audit_logs WHERE resource_type = 'workspace' AND action = 'create'");
        assert!(exact > 10, "fixture has {exact} workspace creations");
        let count = |cap: i64| {
            one::<i64>(&format!("SELECT audit_ext.count_audit_logs('workspace action:create', NULL, {cap})"))
        };
        assert_eq!(count(0), exact, "0 counts exactly");
        assert_eq!(count(exact + 1), exact, "cap above the total");
        assert_eq!(count(exact), exact, "cap at the total");
        assert_eq!(count(exact - 1), exact, "cap - 1 gives cap + 1");
        assert_eq!(count(exact - 2), exact - 1, "capped at cap + 1");
        assert_eq!(count(1), 2);
        assert_eq!(one::<i64>("SELECT audit_ext.count_audit_logs()"), 2001, "the default cap is Coder's 2000");
        let conn: i64 = one("SELECT count(*) FROM connection_logs WHERE type = 'ssh'");
        assert_eq!(one::<i64>("SELECT audit_ext.count_connection_logs('type:ssh', NULL, 0)"), conn);
        assert_eq!(one::<i64>("SELECT audit_ext.count_connection_logs('type:ssh', NULL, 3)"), 4);
        assert_eq!(sql_error("SELECT audit_ext.count_audit_logs('', NULL, -1)").0, "22023");
    }

    #[pg_test]
    fn max_count_cap_bounds_every_count() {
        load_fixture(2500);
        assert_eq!(one::<i64>("SELECT audit_ext.count_audit_logs('', NULL, 0)"), 2500, "exact below the ceiling");
        Spi::run("SET LOCAL audit_ext.max_count_cap = 100").unwrap();
        assert_eq!(
            one::<i64>("SELECT audit_ext.count_audit_logs('', NULL, 0)"),
            101,
            "an exact count stops at the ceiling"
        );
        assert_eq!(one::<i64>("SELECT audit_ext.count_audit_logs('', NULL, 100)"), 101);
        let (code, message, _, _) = sql_error("SELECT audit_ext.count_audit_logs('', NULL, 101)");
        assert_eq!(
            (code.as_str(), message.as_str()),
            ("22023", "\"count_cap\" 101 exceeds audit_ext.max_count_cap (100)")
        );
        assert_eq!(sql_error("SELECT audit_ext.audit_logs('', NULL, 1, 0, 2000)").0, "22023", "the page's cap too");
        let p = page("'', NULL, 1, 0, 0");
        assert_eq!((p["count"].as_i64(), p["count_cap"].as_i64()), (Some(101), Some(100)), "reported as capped");
        Spi::run("SET LOCAL audit_ext.max_count_cap = 0").unwrap();
        assert_eq!(one::<i64>("SELECT audit_ext.count_audit_logs('', NULL, 0)"), 2500, "0 = no ceiling");
    }

    #[pg_test]
    fn every_role_reads_what_coder_allows() {
        load_fixture(2000);
        let count = |actor: &str, q: &str| one::<i64>(&format!("SELECT audit_ext.count_audit_logs('{q}', {actor}, 0)"));
        let in_orgs =
            |orgs: &str| one::<i64>(&format!("SELECT count(*) FROM audit_logs WHERE organization_id IN ({orgs})"));
        let site_level: i64 =
            one("SELECT count(*) FROM audit_logs WHERE organization_id = '00000000-0000-0000-0000-000000000000'");
        assert!(site_level > 0);
        assert_eq!(count(&USER(1), ""), 2000, "owner reads everything, site-level rows included");
        assert_eq!(count(&USER(2), ""), 2000, "site auditor reads everything");
        assert_eq!(count(&USER(10), ""), 0, "a member reads nothing");
        assert_eq!(count(&USER(3), ""), 0, "user-admin reads nothing");
        assert_eq!(count(&USER(4), ""), 0, "template-admin reads nothing");
        assert_eq!(count("gen_random_uuid()", ""), 0, "an unknown actor reads nothing, without an error");
        // user 8: organization-auditor of org 9 only.
        assert_eq!(count(&USER(8), ""), in_orgs("md5('org9')::uuid"), "organization-auditor of one org");
        // Make user 8 organization-auditor of its second org (16) too.
        Spi::run("UPDATE organization_members SET roles = '{organization-auditor}' WHERE user_id = md5('user8')::uuid")
            .unwrap();
        let two = in_orgs("md5('org9')::uuid, md5('org16')::uuid");
        assert_eq!(count(&USER(8), ""), two, "auditor of two orgs reads both");
        assert_eq!(count(&USER(9), ""), in_orgs("md5('org10')::uuid"), "custom role with audit_log read");
        assert_eq!(count(&USER(58), ""), 0, "a deleted organization-auditor reads nothing");
        assert_eq!(
            count(&USER(7), "action:delete"),
            one::<i64>(
                "SELECT count(*) FROM audit_logs WHERE organization_id = md5('org8')::uuid AND action = 'delete'"
            ),
            "org admin"
        );
        // The page agrees with the count, and shows only the reader's organizations.
        let p = page(&format!("'', {}, 1000, 0, 0", USER(8)));
        assert_eq!(p["count"].as_i64().unwrap(), two, "the page's count");
        assert!(p["audit_logs"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["organization"]["name"] == "org-09" || e["organization"]["name"] == "org-16"));
        let none = page(&format!("'', {}", USER(10)));
        assert_eq!(none, serde_json::json!({"audit_logs": [], "count": 0, "count_cap": 2000}));
        // Connection logs follow the same roles.
        let conn_org9: i64 = one(
            "SELECT count(*) FROM connection_logs WHERE organization_id IN (md5('org9')::uuid, md5('org16')::uuid)",
        );
        assert_eq!(
            one::<i64>(&format!("SELECT audit_ext.count_connection_logs('', {}, 0)", USER(8))),
            conn_org9,
            "connection logs"
        );
        assert_eq!(one::<i64>(&format!("SELECT audit_ext.count_connection_logs('', {}, 0)", USER(10))), 0);
    }

    #[pg_test]
    fn scopes_narrow_what_the_roles_allow() {
        load_fixture(2000);
        let count = |actor: &str, scopes: &str| {
            one::<i64>(&format!("SELECT audit_ext.count_audit_logs('', {actor}, 0, {scopes})"))
        };
        let owner = USER(1);
        assert_eq!(count(&owner, "NULL"), 2000);
        assert_eq!(count(&owner, "'{workspace:read}'"), 0, "a token without audit_log read reads nothing");
        assert_eq!(count(&owner, "'{}'"), 0);
        for s in
            ["'{coder:all}'", "'{all}'", "'{audit_log:*}'", "'{audit_log:read}'", "'{workspace:read,audit_log:read}'"]
        {
            assert_eq!(count(&owner, s), 2000, "{s}");
        }
        // A scope never widens the roles.
        assert_eq!(count(&USER(10), "'{coder:all}'"), 0);
        assert_eq!(count("NULL", "'{workspace:read}'"), 0, "scopes apply without an actor too");
        assert_eq!(
            one::<i64>(&format!("SELECT audit_ext.count_connection_logs('', {owner}, 0, '{{connection_log:read}}')")),
            one::<i64>("SELECT count(*) FROM connection_logs")
        );
        assert_eq!(
            one::<i64>(&format!("SELECT audit_ext.count_connection_logs('', {owner}, 0, '{{audit_log:read}}')")),
            0
        );
        assert_eq!(page(&format!("'', {owner}, 10, 0, 2000, '{{workspace:read}}'"))["count"], 0);
    }

    #[pg_test]
    fn pages_are_newest_first_with_id_tiebreak() {
        load_fixture(2000);
        let reference = |limit: i64, offset: i64| -> Vec<String> {
            Spi::connect(|c| {
                c.select(
                    &format!(
                        "SELECT id::text FROM audit_logs ORDER BY time DESC, id DESC LIMIT {limit} OFFSET {offset}"
                    ),
                    None,
                    &[],
                )
                .unwrap()
                .map(|r| r.get::<String>(1).unwrap().unwrap())
                .collect()
            })
        };
        assert_eq!(ids(&page("'', NULL, 0")), reference(100, 0), "limit 0 means 100");
        assert_eq!(ids(&page("'', NULL, 1000, 0")), reference(1000, 0));
        assert_eq!(ids(&page("'', NULL, 7, 493")), reference(7, 493), "a page across a time tie");
        let tail = page("'', NULL, 25, 1990");
        assert_eq!(ids(&tail), reference(25, 1990));
        assert_eq!(tail["audit_logs"].as_array().unwrap().len(), 10);
        let past = page("'', NULL, 25, 5000, 0");
        assert_eq!(past["audit_logs"], serde_json::json!([]), "past the end: no rows");
        assert_eq!(past["count"], 2000, "…but the count still says how many match");
        // Bad paging raises 22023 and names the limit.
        assert_eq!(sql_error("SELECT audit_ext.audit_logs('', NULL, -1)").0, "22023");
        assert_eq!(sql_error("SELECT audit_ext.audit_logs('', NULL, 10, -1)").0, "22023");
        let (code, msg, _, hint) = sql_error("SELECT audit_ext.audit_logs('', NULL, 1001)");
        assert_eq!(code, "22023");
        assert!(msg.contains("audit_ext.max_limit") && hint.contains("audit_ext.max_limit"), "{msg} / {hint}");
        Spi::run("SET LOCAL audit_ext.max_limit = 2000").unwrap();
        assert_eq!(ids(&page("'', NULL, 1500")).len(), 1500);
        // search_audit_logs shows the same rows.
        let searched: Vec<String> = Spi::connect(|c| {
            c.select("SELECT id::text FROM audit_ext.search_audit_logs('', NULL, 7, 493)", None, &[])
                .unwrap()
                .map(|r| r.get::<String>(1).unwrap().unwrap())
                .collect()
        });
        assert_eq!(searched, reference(7, 493));
    }

    /// `email:` / `user_email:` find deleted users too, `workspace_owner_email:` only live ones; all compare
    /// case-insensitively. Checked against plain queries, with a deleted and a live user sharing one email
    /// in different cases.
    #[pg_test]
    fn emails_resolve_to_the_users_coder_means() {
        load_fixture(2000);
        // user 29 is deleted; user 30 is live with a mixed-case email. Give user 29 user 30's email, upper-cased.
        Spi::run("UPDATE users SET email = upper((SELECT email FROM users WHERE id = md5('user30')::uuid)) WHERE id = md5('user29')::uuid").unwrap();
        let email: String = one("SELECT lower(email) FROM users WHERE id = md5('user30')::uuid");
        assert_ne!(
            email,
            one::<String>("SELECT email FROM users WHERE id = md5('user30')::uuid"),
            "a mixed-case email"
        );
        let audit = |q: &str| one::<i64>(&format!("SELECT audit_ext.count_audit_logs('{q}', NULL, 0)"));
        let want: i64 =
            one("SELECT count(*) FROM audit_logs WHERE user_id IN (md5('user29')::uuid, md5('user30')::uuid)");
        let deleted: i64 = one("SELECT count(*) FROM audit_logs WHERE user_id = md5('user29')::uuid");
        assert!(deleted > 0 && want > deleted, "both users have events");
        assert_eq!(audit(&format!("email:{email}")), want, "email: finds the deleted user too");
        let connections = |q: &str| one::<i64>(&format!("SELECT audit_ext.count_connection_logs('{q}', NULL, 0)"));
        let owned: i64 = one("SELECT count(*) FROM connection_logs WHERE workspace_owner_id = md5('user30')::uuid");
        assert!(
            owned > 0
                && one::<i64>("SELECT count(*) FROM connection_logs WHERE workspace_owner_id = md5('user29')::uuid")
                    > 0
        );
        assert_eq!(
            connections(&format!("workspace_owner_email:{}", email.to_uppercase())),
            owned,
            "only the live owner"
        );
        let web: i64 =
            one("SELECT count(*) FROM connection_logs WHERE user_id IN (md5('user29')::uuid, md5('user30')::uuid)");
        let web_deleted: i64 = one("SELECT count(*) FROM connection_logs WHERE user_id = md5('user29')::uuid");
        assert!(web_deleted > 0 && web > web_deleted, "both users have web connections");
        assert_eq!(connections(&format!("user_email:{email}")), web, "user_email: finds the deleted user too");
    }

    /// Coder's migrations G1 → G2 → G3, applied in this backend (whose kept statements and caches were filled
    /// by the calls before each): after each, every query function answers as plain queries over the new
    /// schema do, and connection logs are shaped as that generation of Coder shapes them.
    #[pg_test]
    fn every_generation_answers_as_plain_queries_do() {
        use crate::api::testing::{migrate_to, seed_recent};
        load_fixture(2000);
        seed_recent();
        let count =
            |f: &str, q: &str, actor: &str| one::<i64>(&format!("SELECT audit_ext.count_{f}_logs('{q}', {actor}, 0)"));
        let plain = |sql: &str| one::<i64>(&format!("SELECT count(*) FROM {sql}"));
        let vscode =
            "'vscode','vscode_insiders','vscode_web','code_server','cursor','windsurf','positron','vscodium','codium',\
                      'antigravity','trae','kiro','devin','code_oss','vscodium_insiders','devin_next','trae_cn'";
        let jetbrains =
            "'jetbrains','intellij','pycharm','goland','webstorm','phpstorm','rubymine','clion','rider','rustrover',\
                         'datagrip','dataspell','mps','android_studio'";
        for generation in 1..=3u8 {
            if generation > 1 {
                migrate_to(generation);
            }
            if generation == 3 {
                // Connections a G3 Coder writes: ssh by apps of each family, by none, and the other methods.
                Spi::run(
                    "INSERT INTO connection_logs (id, connect_time, organization_id, workspace_owner_id, workspace_id, workspace_name, \
                     agent_name, connection_method, app_name_or_port, connection_id, disconnect_time, code, user_id) \
                     SELECT md5('g3 conn' || n)::uuid, c.connect_time + n * interval '1 second', c.organization_id, c.workspace_owner_id, \
                            c.workspace_id, c.workspace_name, 'main', m::connection_log_method, a, md5('g3 id' || n)::uuid, \
                            CASE WHEN n % 2 = 0 THEN c.connect_time + interval '1 hour' END, CASE WHEN m = 'tunnel' THEN NULL ELSE 0 END, \
                            CASE WHEN m = 'tunnel' THEN c.workspace_owner_id END \
                     FROM (SELECT * FROM connection_logs ORDER BY connect_time DESC, id LIMIT 1) c, \
                          (VALUES (1, 'ssh', 'cursor'), (2, 'ssh', 'pycharm'), (3, 'ssh', 'zed'), (4, 'ssh', NULL), (5, 'ssh', 'my_tool'), \
                                  (6, 'reconnecting_pty', 'reconnecting_pty'), (7, 'tunnel', NULL), (8, 'ssh', 'code_oss')) v(n, m, a)",
                )
                .unwrap();
            }
            let g = format!("G{generation}");
            let profile = one::<pgrx::JsonB>("SELECT audit_ext.coder_schema_profile()").0;
            assert_eq!(profile["generation"], g.as_str(), "{profile}");
            // Audit logs: the same answers in every generation (their table does not change).
            for (q, want) in [
                ("", "audit_logs"),
                ("resource_type:task", "audit_logs WHERE resource_type = 'task'"),
                ("action:delete resource_type:workspace", "audit_logs WHERE action = 'delete' AND resource_type = 'workspace'"),
                ("build_reason:cli", "audit_logs a JOIN workspace_builds b ON b.id = a.resource_id WHERE a.resource_type = 'workspace_build' AND b.reason = 'cli'"),
            ] {
                let exact = if q == "build_reason:cli" {
                    plain(want) + plain("audit_logs a JOIN workspace_builds b ON b.workspace_id = a.resource_id AND b.build_number = 1 \
                                         WHERE a.resource_type = 'workspace' AND a.action = 'create' AND b.reason = 'cli'")
                } else {
                    plain(want)
                };
                assert_eq!(count("audit", q, "NULL"), exact, "{g}: audit {q:?}");
            }
            assert_eq!(
                count("audit", "", &USER(8)),
                plain("audit_logs WHERE organization_id = md5('org9')::uuid"),
                "{g}: org auditor"
            );
            let p = page(&format!("'resource_type:task', {}, 100", USER(1)));
            let tasks = p["audit_logs"].as_array().unwrap();
            assert!(!tasks.is_empty(), "{g}: task rows");
            if generation > 1 {
                // Coder G2 dropped tasks: no link and not deleted, as its handler (with no case for tasks) says.
                assert!(
                    tasks.iter().all(|e| e["resource_link"] == "" && e["is_deleted"] == false),
                    "{g}: {}",
                    tasks[0]
                );
                assert_eq!(
                    sql_error("SELECT audit_ext.count_audit_logs('build_reason:task_resume')").0,
                    "22023",
                    "{g}: label gone"
                );
            } else {
                assert!(tasks.iter().any(|e| e["resource_link"].as_str().unwrap().starts_with("/tasks/")), "{g}");
            }
            // Connection logs: the method column and the type: filter of the generation.
            let (method, app) =
                if generation == 3 { ("connection_method", "app_name_or_port") } else { ("type", "slug_or_port") };
            let conns = |w: &str| plain(&format!("connection_logs WHERE {w}"));
            let types: Vec<(&str, String)> = if generation == 3 {
                vec![
                    ("vscode", format!("{method} = 'ssh' AND {app} IN ({vscode})")),
                    ("jetbrains", format!("{method} = 'ssh' AND {app} IN ({jetbrains})")),
                    ("ssh", format!("{method} = 'ssh' AND ({app} IS NULL OR {app} NOT IN ({vscode}, {jetbrains}))")),
                    ("tunnel", format!("{method} = 'tunnel'")),
                    ("workspace_app", format!("{method} = 'workspace_app'")),
                    ("reconnecting_pty", format!("{method} = 'reconnecting_pty'")),
                ]
            } else {
                ["vscode", "jetbrains", "ssh", "workspace_app", "reconnecting_pty"]
                    .iter()
                    .map(|t| (*t, format!("{method} = '{t}'")))
                    .collect()
            };
            for (t, w) in &types {
                assert_eq!(count("connection", &format!("type:{t}"), "NULL"), conns(w), "{g}: type:{t}");
            }
            match generation {
                1 => assert_eq!(
                    sql_error("SELECT audit_ext.count_connection_logs('type:tunnel')").0,
                    "22023",
                    "G1 has no tunnel"
                ),
                2 => assert_eq!(count("connection", "type:tunnel", "NULL"), 0, "G2 knows tunnels"),
                _ => assert_eq!(count("connection", "type:tunnel", "NULL"), 1, "G3's tunnel"),
            }
            let web = format!("{method} IN ('workspace_app', 'port_forwarding')");
            assert_eq!(
                count("connection", "status:ongoing", "NULL"),
                conns(&format!("disconnect_time IS NULL AND NOT {web}")),
                "{g}: ongoing"
            );
            assert_eq!(
                count("connection", "status:completed", &USER(8)),
                conns(&format!("disconnect_time IS NOT NULL AND NOT {web} AND organization_id = md5('org9')::uuid")),
                "{g}"
            );
            // Every entry of the newest page, against its row.
            let v = one::<pgrx::JsonB>("SELECT audit_ext.connection_logs('', NULL, 200)").0;
            for e in v["connection_logs"].as_array().unwrap() {
                let id = e["id"].as_str().unwrap();
                let (kind, app_value) = Spi::get_two::<String, String>(&format!(
                    "SELECT {method}::text, {app} FROM connection_logs WHERE id = '{id}'"
                ))
                .unwrap();
                let kind = kind.unwrap();
                let web_row = matches!(kind.as_str(), "workspace_app" | "port_forwarding" | "tunnel");
                assert_eq!(e.get("web_info").is_some(), web_row, "{g}: {e}");
                assert_eq!(e.get("ssh_info").is_some(), !web_row, "{g}: {e}");
                if generation == 3 {
                    assert_eq!(e["connection_method"], kind.as_str(), "{e}");
                    let client = app_value.filter(|a| !a.is_empty() && !web_row);
                    assert_eq!(e.get("app_name").and_then(|a| a.as_str()), client.as_deref(), "{e}");
                    let family = Spi::get_one::<String>(&format!(
                        "SELECT CASE WHEN '{kind}' <> 'ssh' THEN '{kind}' WHEN {app} IN ({vscode}) THEN 'vscode' \
                         WHEN {app} IN ({jetbrains}) THEN 'jetbrains' ELSE 'ssh' END FROM connection_logs WHERE id = '{id}'"
                    ))
                    .unwrap()
                    .unwrap();
                    assert_eq!(e["type"], family.as_str(), "{e}");
                } else {
                    assert_eq!((e["type"].as_str(), e.get("connection_method")), (Some(kind.as_str()), None), "{e}");
                }
            }
            // The psql table names the method and app in every generation.
            let ssh_by_vscode: i64 = one("SELECT count(*) FROM audit_ext.search_connection_logs('type:vscode', NULL, 1000) WHERE connection_method = 'ssh' AND app_name IS NOT NULL");
            assert_eq!(
                ssh_by_vscode,
                count("connection", "type:vscode", "NULL").min(1000),
                "{g}: search_connection_logs"
            );
        }
    }

    /// Without Coder's core, one clear error naming what is missing, not a raw error from inside a statement.
    #[pg_test]
    fn a_missing_core_table_is_one_clear_error() {
        load_fixture(100);
        assert_eq!(one::<i64>("SELECT audit_ext.count_audit_logs('', NULL, 0)"), 100);
        Spi::run("ALTER TABLE organization_members RENAME TO organization_members_old").unwrap();
        let (code, message, detail, hint) = sql_error("SELECT audit_ext.audit_logs()");
        assert_eq!(
            (code.as_str(), message.as_str()),
            ("42P01", "audit_ext: Coder's table public.organization_members does not exist")
        );
        assert!(detail.contains("G1") && hint.contains("audit_ext.coder_schema"), "{detail} / {hint}");
        Spi::run("ALTER TABLE organization_members_old RENAME TO organization_members; ALTER TABLE audit_logs RENAME COLUMN resource_icon TO icon").unwrap();
        let (code, message, ..) = sql_error("SELECT audit_ext.count_connection_logs()");
        assert_eq!(
            (code.as_str(), message.as_str()),
            ("42703", "audit_ext: Coder's column public.audit_logs.resource_icon does not exist")
        );
        Spi::run("ALTER TABLE audit_logs RENAME COLUMN icon TO resource_icon; ALTER TABLE connection_logs RENAME COLUMN type TO kind").unwrap();
        assert_eq!(sql_error("SELECT audit_ext.connection_logs()").0, "42703");
        Spi::run("ALTER TABLE connection_logs RENAME COLUMN kind TO type").unwrap();
        assert_eq!(one::<i64>("SELECT audit_ext.count_audit_logs('', NULL, 0)"), 100, "answers again once it is back");
        // A wrong schema setting says so too.
        Spi::run("SET LOCAL audit_ext.coder_schema = 'nowhere'").unwrap();
        assert_eq!(
            sql_error("SELECT audit_ext.count_audit_logs()").1,
            "audit_ext: Coder's table nowhere.audit_logs does not exist"
        );
    }

    #[pg_test]
    fn connection_pages_match_a_plain_query() {
        load_fixture(2000);
        let v = one::<pgrx::JsonB>(&format!("SELECT audit_ext.connection_logs('status:ongoing', {}, 50)", USER(1))).0;
        let want: i64 = one("SELECT count(*) FROM connection_logs WHERE disconnect_time IS NULL AND type NOT IN ('workspace_app', 'port_forwarding')");
        assert_eq!(v["count"].as_i64().unwrap(), want);
        for e in v["connection_logs"].as_array().unwrap() {
            assert!(e["ssh_info"].is_object() && e["ssh_info"].get("disconnect_time").is_none(), "{e}");
            assert!(e.get("web_info").is_none());
        }
    }
}
