//! `audit_predicate`, `connection_predicate` and `readable_organizations`: the WHERE clause audit_ext runs,
//! as text, and the RBAC decision behind it.

use crate::api::query::{invalid_argument, Caller};
use crate::dsl::Log;
use crate::exec::from_uuid;
use crate::oracle::catalog::LiveCatalog;
use crate::plan::{render::render, Access};
use pgrx::prelude::*;

fn invalid_object(object: &str) -> ! {
    invalid_argument(
        format!("unknown RBAC object {}", pgrx::spi::quote_literal(object)),
        "Use 'audit_log' or 'connection_log'.",
    )
}

pub(crate) fn predicate(log: Log, q: Option<&str>, caller: Caller) -> Option<String> {
    let catalog = LiveCatalog::for_logs();
    let frag = caller.compile(log, Some(q?), &catalog);
    Some(render(&frag, &catalog.profile.qschema, &|s: &str| pgrx::spi::quote_literal(s)))
}

/// The WHERE clause (filter and RBAC) the audit query functions run, with values as typed literals.
/// Names are resolved to ids at call time. `actor => NULL`: no Coder RBAC.
#[pg_extern(stable, parallel_safe, name = "audit_predicate")]
#[search_path(pg_catalog, pg_temp)]
fn audit_predicate_v4(
    q: Option<&str>,
    actor: default!(Option<pgrx::Uuid>, "NULL"),
    scopes: default!(Option<Vec<Option<String>>>, "NULL"),
    dialect: default!(Option<&str>, "'coder'"),
) -> Option<String> {
    predicate(Log::Audit, q, Caller::new(actor, scopes, dialect))
}

/// The same for connection logs.
#[pg_extern(stable, parallel_safe, name = "connection_predicate")]
#[search_path(pg_catalog, pg_temp)]
fn connection_predicate_v4(
    q: Option<&str>,
    actor: default!(Option<pgrx::Uuid>, "NULL"),
    scopes: default!(Option<Vec<Option<String>>>, "NULL"),
    dialect: default!(Option<&str>, "'coder'"),
) -> Option<String> {
    predicate(Log::Connection, q, Caller::new(actor, scopes, dialect))
}

/// The organizations whose `object` logs (`audit_log` or `connection_log`) the actor may read: NULL for
/// every row (owner, site auditor), else the ids (possibly none).
#[pg_extern(stable, strict, parallel_safe)]
#[search_path(pg_catalog, pg_temp)]
fn readable_organizations(actor: pgrx::Uuid, object: default!(&str, "'audit_log'")) -> Option<Vec<pgrx::Uuid>> {
    let Some(log) = Log::from_rbac_object(object) else { invalid_object(object) };
    match Caller::new(Some(actor), None, None).access(log, &LiveCatalog::for_logs()) {
        Access::All => None,
        Access::Organizations(ids) => Some(ids.into_iter().map(from_uuid).collect()),
    }
}

#[cfg(any(test, feature = "pg_test"))]
#[pg_schema]
mod tests {
    use crate::api::testing::{load_fixture, sql_error};
    use pgrx::prelude::*;

    fn one<T: pgrx::FromDatum + pgrx::IntoDatum>(sql: &str) -> Option<T> {
        Spi::get_one::<T>(sql).unwrap()
    }
    fn count_where(pred_sql: &str) -> i64 {
        let pred = one::<String>(pred_sql).unwrap();
        one::<i64>(&format!("SELECT count(*) FROM public.audit_logs WHERE {pred}")).unwrap()
    }

    #[pg_test]
    fn predicates_select_what_a_plain_query_selects() {
        load_fixture(2000);
        // Each filter's rows equal an independent, hand-written reference query.
        let cases = [
            ("workspace_build action:start", "resource_type = 'workspace_build' AND action = 'start'"),
            ("username:Bob17", "user_id = (SELECT id FROM users WHERE username = 'bob17' AND NOT deleted)"),
            ("email:carol18@EXAMPLE.com", "user_id IN (SELECT id FROM users WHERE email = 'Carol18@Example.COM')"),
            ("date_from:2026-03-01 date_to:2026-03-31", "time >= '2026-03-01' AND time < '2026-04-01'"),
            ("organization:org-05", "organization_id = (SELECT id FROM organizations WHERE name = 'org-05')"),
            (
                "build_reason:autostart",
                "id IN (SELECT a.id FROM audit_logs a LEFT JOIN workspaces w ON a.resource_type = 'workspace' AND a.resource_id = w.id \
                 LEFT JOIN workspace_builds b1 ON a.resource_type = 'workspace_build' AND a.resource_id = b1.id \
                 LEFT JOIN workspace_builds b2 ON a.resource_type = 'workspace' AND a.action = 'create' AND w.id = b2.workspace_id AND b2.build_number = 1 \
                 WHERE COALESCE(b1.reason::text, b2.reason::text) = 'autostart')",
            ),
        ];
        for (q, reference) in cases {
            let got = count_where(&format!("SELECT audit_ext.audit_predicate({})", pgrx::spi::quote_literal(q)));
            let want = one::<i64>(&format!("SELECT count(*) FROM audit_logs WHERE {reference}")).unwrap();
            assert!(want > 0, "{q}: the fixture should have matching rows");
            assert_eq!(got, want, "{q}");
        }
    }

    #[pg_test]
    fn rbac_by_role() {
        load_fixture(2000);
        let uid = |n: i32| format!("md5('user{n}')::uuid");
        let readable = |n: i32| one::<Vec<pgrx::Uuid>>(&format!("SELECT audit_ext.readable_organizations({})", uid(n)));
        let org = |n: i32| one::<pgrx::Uuid>(&format!("SELECT md5('org{n}')::uuid")).unwrap();
        assert_eq!(readable(1), None, "owner reads everything");
        assert_eq!(readable(2), None, "site auditor reads everything");
        assert_eq!(readable(7), Some(vec![org(8)]), "organization-admin reads its org");
        assert_eq!(readable(8), Some(vec![org(9)]), "organization-auditor reads its org");
        assert_eq!(readable(9), Some(vec![org(10)]), "custom role with audit_log read");
        assert_eq!(readable(10), Some(vec![]), "member reads nothing");
        assert_eq!(readable(3), Some(vec![]), "user-admin reads nothing");
        assert_eq!(readable(58), Some(vec![]), "a deleted organization-auditor reads nothing");
        Spi::run(&format!("UPDATE users SET status = 'suspended' WHERE id = {}", uid(7))).unwrap();
        assert_eq!(readable(7), Some(vec![]), "a suspended organization-admin reads nothing");
        assert_eq!(
            one::<Vec<pgrx::Uuid>>("SELECT audit_ext.readable_organizations(gen_random_uuid())"),
            Some(vec![]),
            "an unknown actor reads nothing"
        );
        // The workspace-viewer custom role grants no log read.
        Spi::run(&format!("UPDATE organization_members SET roles = '{{workspace-viewer}}' WHERE user_id = {}", uid(9)))
            .unwrap();
        assert_eq!(readable(9), Some(vec![]));
        // Connection logs follow the same roles.
        assert_eq!(
            one::<Vec<pgrx::Uuid>>(&format!("SELECT audit_ext.readable_organizations({}, 'connection_log')", uid(8))),
            Some(vec![org(9)])
        );
        assert_eq!(sql_error(&format!("SELECT audit_ext.readable_organizations({}, 'workspace')", uid(1))).0, "22023");
    }

    #[pg_test]
    fn rbac_limits_the_rows() {
        load_fixture(2000);
        let all = count_where("SELECT audit_ext.audit_predicate('', NULL)");
        assert_eq!(all, 2000);
        assert_eq!(count_where("SELECT audit_ext.audit_predicate('', md5('user1')::uuid)"), all);
        assert_eq!(count_where("SELECT audit_ext.audit_predicate('', md5('user10')::uuid)"), 0);
        let org9 = one::<i64>("SELECT count(*) FROM audit_logs WHERE organization_id = md5('org9')::uuid").unwrap();
        assert!(org9 > 0);
        assert_eq!(count_where("SELECT audit_ext.audit_predicate('', md5('user8')::uuid)"), org9);
        // Site-level rows (nil organization) are never visible to an org-scoped reader.
        assert_eq!(
            count_where("SELECT audit_ext.audit_predicate('organization:00000000-0000-0000-0000-000000000000', md5('user8')::uuid)"),
            org9
        );
    }

    #[pg_test]
    fn me_is_the_actor() {
        load_fixture(2000);
        let mine = count_where("SELECT audit_ext.audit_predicate('username:me', md5('user1')::uuid)");
        let want = one::<i64>("SELECT count(*) FROM audit_logs WHERE user_id = md5('user1')::uuid").unwrap();
        assert_eq!(mine, want);
        let (code, _, detail, _) = sql_error("SELECT audit_ext.audit_predicate('username:me')");
        assert_eq!(code, "22023");
        assert!(detail.contains(r#""field":"username""#), "{detail}");
    }
}
