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

/// Coder's response (`AuditLogResponse` / `ConnectionLogResponse`) in one statement: the capped count
/// first, then, only when it is not 0 (a one-time filter on the count), the page's rows, joined to users
/// and organizations and shaped as Coder's JSON. `has` says whether an optional Coder table exists.
pub fn page(log: Log, qschema: &str, filter: Fragment, page: Page, has: &dyn Fn(&str) -> bool) -> Fragment {
    let t = table(log);
    let time = time_column(log);
    let w = filter.sql.clone();
    let mut f = count(log, qschema, filter, page.count_cap);
    let counted = std::mem::take(&mut f.sql);
    let (limit, offset, cap) =
        (f.bind(Param::Int(page.limit.into())), f.bind(Param::Int(page.offset.into())), f.bind(Param::Int(page.count_cap.into())));
    let (element, joins) = match log {
        Log::Audit => super::json::audit_log(qschema, has),
        Log::Connection => super::json::connection_log(qschema),
    };
    f.sql = format!(
        "WITH matched(n) AS MATERIALIZED ({counted}), \
         page AS (SELECT {t}.* FROM {qschema}.{t} WHERE {w} AND (SELECT n FROM matched) > 0 \
                  ORDER BY {t}.{time} DESC, {t}.id DESC LIMIT {limit} OFFSET {offset}) \
         SELECT jsonb_build_object('{t}', coalesce((SELECT jsonb_agg({element} ORDER BY p.{time} DESC, p.id DESC) \
                                                  FROM page p {joins}), '[]'::jsonb), \
                                  'count', m.n, 'count_cap', {cap}::int8) \
         FROM matched m"
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
        assert_eq!(&p.params[1..], &[Param::Int(2001), Param::Int(25), Param::Int(50), Param::Int(2000)]);
        // Optional tables are looked up only when present.
        assert!(p.sql.contains("public.chats x"));
        let without = page(Log::Audit, "public", f(), Page { limit: 25, offset: 0, count_cap: 0 }, &|t| t != "chats");
        assert!(!without.sql.contains("public.chats"));
        assert!(without.sql.contains("MATERIALIZED (SELECT count(*) FROM public.audit_logs WHERE"));
        let c = page(Log::Connection, "public", f(), Page { limit: 1, offset: 0, count_cap: 5 }, &|_| true);
        assert!(c.sql.contains("ORDER BY connection_logs.connect_time DESC, connection_logs.id DESC"));
        assert!(c.sql.contains("jsonb_build_object('connection_logs'"));
    }
}
