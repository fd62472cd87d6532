//! Stage 3: a compiled filter → the statements audit_ext runs. Each is one read-only statement whose
//! WHERE clause is the filter fragment (only the predicates in use, values bound as parameters).

use super::{table, Fragment, Param};
use crate::dsl::Log;

impl Fragment {
    /// Adds a parameter and returns its placeholder.
    pub fn bind(&mut self, p: Param) -> String {
        self.params.push(p);
        format!("${}", self.params.len())
    }
}

/// Coder's capped count: stop after `cap + 1` matching rows; `cap = 0` counts exactly. Reads only the
/// log table (and whatever the filter itself probes): no joins.
pub fn count(log: Log, qschema: &str, mut filter: Fragment, cap: i32) -> Fragment {
    let t = table(log);
    let w = std::mem::take(&mut filter.sql);
    filter.sql = if cap == 0 {
        format!("SELECT count(*) FROM {qschema}.{t} WHERE {w}")
    } else {
        let limit = filter.bind(Param::Int(i64::from(cap) + 1));
        format!("SELECT count(*) FROM (SELECT FROM {qschema}.{t} WHERE {w} LIMIT {limit}) capped")
    };
    filter
}

/// Which page, and the count cap. `limit` is already defaulted (Coder's 0 → 100) and bounded.
#[derive(Clone, Copy, Debug)]
pub struct Page {
    pub limit: i32,
    pub offset: i32,
    pub count_cap: i32,
}

/// The log's time column: pages are newest first, `id` breaking ties.
fn time_column(log: Log) -> &'static str {
    match log {
        Log::Audit => "\"time\"",
        Log::Connection => "connect_time",
    }
}

/// The row of `table` whose id is `key`, as `alias` (all NULL when there is none). Written as a LATERAL
/// subquery with LIMIT so that it stays one primary-key probe per page row: a plain join lets the planner
/// hash the whole table, which costs more than the page as the table grows.
fn lookup(qschema: &str, table: &str, alias: &str, key: &str) -> String {
    format!("LEFT JOIN LATERAL (SELECT * FROM {qschema}.{table} x WHERE x.id = {key} LIMIT 1) {alias} ON true")
}

/// The columns of a page row, after the count in column 1 (see `exec::page` for how they are read).
pub fn page_columns(log: Log, qschema: &str, has: &dyn Fn(&str) -> bool) -> (String, String) {
    let user = "u.username, u.name, u.email, u.created_at, u.updated_at, u.last_seen_at, u.status::text, \
                u.login_type::text, u.rbac_roles, u.avatar_url";
    match log {
        Log::Audit => {
            let (state, deleted, link) = super::lookups::resource_state("p", qschema, has);
            (
                format!(
                    "p.id, p.request_id, p.\"time\", host(p.ip), p.user_agent::text, p.resource_type::text, p.resource_id, \
                     p.resource_target, p.resource_icon, p.action::text, p.diff, p.status_code, p.additional_fields, \
                     p.organization_id, o.name, o.display_name, o.icon, p.user_id, u.id IS NOT NULL, {user}, {deleted}, {link}"
                ),
                format!(
                    "{} {} LEFT JOIN LATERAL ({state}) b ON true",
                    lookup(qschema, "users", "u", "p.user_id"),
                    lookup(qschema, "organizations", "o", "p.organization_id"),
                )
            )
        }
        Log::Connection => (
            format!(
                "p.id, p.connect_time, p.organization_id, o.name, o.display_name, o.icon, p.workspace_owner_id, wo.username, \
                 p.workspace_id, p.workspace_name, p.agent_name, host(p.ip), p.type::text, p.code, p.user_agent, p.user_id, \
                 {user}, p.slug_or_port, p.connection_id, p.disconnect_time, p.disconnect_reason"
            ),
            format!(
                "{} {} {}",
                lookup(qschema, "users", "wo", "p.workspace_owner_id"),
                lookup(qschema, "users", "u", "p.user_id"),
                lookup(qschema, "organizations", "o", "p.organization_id")
            ),
        ),
    }
}

/// Coder's response (`AuditLogResponse` / `ConnectionLogResponse`) in one statement: the capped count
/// first, then, only when it is not 0 (a one-time filter on the count), the page's rows joined to users and
/// organizations, with Coder's per-row look-ups. One row per page row (newest first, `id` breaking ties) with
/// the count in column 1, or a single row with the count and NULLs when the page is empty.
pub fn page(log: Log, qschema: &str, filter: Fragment, page: Page, has: &dyn Fn(&str) -> bool) -> Fragment {
    let t = table(log);
    let time = time_column(log);
    let w = filter.sql.clone();
    let mut f = count(log, qschema, filter, page.count_cap);
    let counted = std::mem::take(&mut f.sql);
    let (limit, offset) = (f.bind(Param::Int(page.limit.into())), f.bind(Param::Int(page.offset.into())));
    let (columns, joins) = page_columns(log, qschema, has);
    f.sql = format!(
        "WITH matched(n) AS MATERIALIZED ({counted}), \
         page AS (SELECT {t}.* FROM {qschema}.{t} WHERE {w} AND (SELECT n FROM matched) > 0 \
                  ORDER BY {t}.{time} DESC, {t}.id DESC LIMIT {limit} OFFSET {offset}) \
         SELECT m.n, x.* FROM matched m LEFT JOIN (SELECT {columns} FROM page p {joins}) x ON true \
         ORDER BY x.{time} DESC, x.id DESC"
    );
    f
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f() -> Fragment {
        Fragment { sql: "audit_logs.user_id = $1".into(), params: vec![Param::Text("x".into())] }
    }

    #[test]
    fn counts_are_capped_and_join_free() {
        let c = count(Log::Audit, "public", f(), 2000);
        assert_eq!(c.sql, "SELECT count(*) FROM (SELECT FROM public.audit_logs WHERE audit_logs.user_id = $1 LIMIT $2) capped");
        assert_eq!(c.params[1], Param::Int(2001));
        let exact = count(Log::Connection, "public", f(), 0);
        assert_eq!(exact.sql, "SELECT count(*) FROM public.connection_logs WHERE audit_logs.user_id = $1");
        assert_eq!(exact.params.len(), 1);
        assert_eq!(count(Log::Audit, "s", f(), i32::MAX).params[1], Param::Int(i64::from(i32::MAX) + 1));
    }

    #[test]
    fn pages_count_first_and_order_by_time_then_id() {
        let p = page(Log::Audit, "public", f(), Page { limit: 25, offset: 50, count_cap: 2000 }, &|_| true);
        assert!(p.sql.starts_with("WITH matched(n) AS MATERIALIZED (SELECT count(*) FROM (SELECT FROM public.audit_logs WHERE audit_logs.user_id = $1 LIMIT $2) capped), page AS (SELECT audit_logs.* FROM public.audit_logs WHERE audit_logs.user_id = $1 AND (SELECT n FROM matched) > 0"), "{}", p.sql);
        assert!(p.sql.contains(r#"ORDER BY audit_logs."time" DESC, audit_logs.id DESC LIMIT $3 OFFSET $4"#));
        assert_eq!(&p.params[1..], &[Param::Int(2001), Param::Int(25), Param::Int(50)]);
        // Optional tables are looked up only when present.
        assert!(p.sql.contains("public.chats x"));
        let without = page(Log::Audit, "public", f(), Page { limit: 25, offset: 0, count_cap: 0 }, &|t| t != "chats");
        assert!(!without.sql.contains("public.chats"));
        assert!(without.sql.contains("MATERIALIZED (SELECT count(*) FROM public.audit_logs WHERE"));
        let c = page(Log::Connection, "public", f(), Page { limit: 1, offset: 0, count_cap: 5 }, &|_| true);
        assert!(c.sql.contains("ORDER BY connection_logs.connect_time DESC, connection_logs.id DESC"));
        assert!(c.sql.ends_with("ORDER BY x.connect_time DESC, x.id DESC"), "{}", c.sql);
    }
}
