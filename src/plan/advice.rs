//! The indexes that keep every filter fast on large tables, beyond Coder's own. Each entry names the
//! filters it serves; `index_advice()` prints the ones a database lacks as `CREATE INDEX CONCURRENTLY`.

use super::profile::{Connections, Profile, Table};

pub struct Advice {
    pub table: Table,
    pub name: &'static str,
    /// The column list exactly as `pg_get_indexdef` prints it (used to recognise an equivalent index); an
    /// `INCLUDE` list is written inside it, as `a, b) INCLUDE (c, d`. `{method}` stands for connection_logs'
    /// method column of the schema (`type`, or `connection_method` from Coder G3), `{app}` for its app column
    /// (`slug_or_port`, or `app_name_or_port`).
    pub columns: &'static str,
    /// A partial index's predicate: as written in the statement, and as `pg_get_indexdef` prints it. Never a
    /// literal of one of Coder's enum types: `ALTER COLUMN … TYPE` re-parses a predicate, and a literal of the
    /// old type then fails Coder's own migration (it did, with 0.2.0's `status:ongoing` index, in Coder G3).
    pub predicate: Option<(&'static str, &'static str)>,
    /// Whether the schema has what the index covers (a column Coder dropped is not advised).
    pub applies: fn(&Profile) -> bool,
    pub serves: &'static str,
}

fn always(_: &Profile) -> bool {
    true
}

fn has_ai_task(p: &Profile) -> bool {
    p.has_ai_task
}

/// Connection logs record types (Coder G1, G2): `type:` is the type alone.
fn types(p: &Profile) -> bool {
    p.conn() == Connections::Types
}

/// Connection logs record methods (Coder G3): `type:ssh`, `vscode` and `jetbrains` also test the app.
fn methods(p: &Profile) -> bool {
    p.conn() == Connections::Methods
}

pub const ADVICE: &[Advice] = &[
    Advice { table: Table::AuditLogs, name: "audit_ext_audit_logs_org_time", columns: "organization_id, \"time\" DESC", predicate: None, applies: always,
             serves: "organization-scoped readers (admins, auditors, custom roles) and organization: — newest first within the organizations" },
    Advice { table: Table::AuditLogs, name: "audit_ext_audit_logs_org_action_time_type", columns: "organization_id, action, \"time\" DESC) INCLUDE (resource_type", predicate: None, applies: always,
             serves: "organization-scoped readers with action: (and resource_type:) — their capped count from the index alone, and their newest rows" },
    Advice { table: Table::AuditLogs, name: "audit_ext_audit_logs_user_time", columns: "user_id, \"time\" DESC", predicate: None, applies: always,
             serves: "username:, email:, user_id: — newest first for one user" },
    Advice { table: Table::AuditLogs, name: "audit_ext_audit_logs_type_action_time", columns: "resource_type, action, \"time\" DESC", predicate: None, applies: always,
             serves: "resource_type: with action: (and build_reason:, which only matches workspace_build and workspace create rows)" },
    Advice { table: Table::AuditLogs, name: "audit_ext_audit_logs_action_time", columns: "action, \"time\" DESC", predicate: None, applies: always,
             serves: "action: alone" },
    Advice { table: Table::AuditLogs, name: "audit_ext_audit_logs_target_time", columns: "resource_target, \"time\" DESC", predicate: None, applies: always,
             serves: "resource_target: (Coder has no index on it)" },
    Advice { table: Table::AuditLogs, name: "audit_ext_audit_logs_request_id", columns: "request_id", predicate: None, applies: always,
             serves: "request_id: (Coder has no index on it)" },
    Advice { table: Table::ConnectionLogs, name: "audit_ext_connection_logs_org_time", columns: "organization_id, connect_time DESC", predicate: None, applies: always,
             serves: "organization-scoped readers and organization: — newest first" },
    Advice { table: Table::ConnectionLogs, name: "audit_ext_connection_logs_owner_time", columns: "workspace_owner_id, connect_time DESC", predicate: None, applies: always,
             serves: "workspace_owner:, workspace_owner_id:, workspace_owner_email:" },
    Advice { table: Table::ConnectionLogs, name: "audit_ext_connection_logs_user_time", columns: "user_id, connect_time DESC", predicate: None, applies: always,
             serves: "username:, user_id:, user_email: (web connections)" },
    Advice { table: Table::ConnectionLogs, name: "audit_ext_connection_logs_type_time", columns: "{method}, connect_time DESC", predicate: None, applies: types,
             serves: "type:" },
    Advice { table: Table::ConnectionLogs, name: "audit_ext_connection_logs_org_type_time", columns: "organization_id, {method}, connect_time DESC", predicate: None, applies: types,
             serves: "organization-scoped readers with type: — their capped count and their newest rows" },
    Advice { table: Table::ConnectionLogs, name: "audit_ext_connection_logs_method_time_app", columns: "{method}, connect_time DESC) INCLUDE ({app}", predicate: None, applies: methods,
             serves: "type: — its capped count from the index alone (ssh, vscode and jetbrains also test the app)" },
    Advice { table: Table::ConnectionLogs, name: "audit_ext_connection_logs_org_method_time_app", columns: "organization_id, {method}, connect_time DESC) INCLUDE ({app}", predicate: None, applies: methods,
             serves: "organization-scoped readers with type: — their capped count from the index alone, and their newest rows" },
    Advice { table: Table::ConnectionLogs, name: "audit_ext_connection_logs_open", columns: "connect_time DESC) INCLUDE ({method}",
             predicate: Some(("disconnect_time IS NULL", "(disconnect_time IS NULL)")), applies: always,
             serves: "status:ongoing (the open connections, their method included: its count reads the index alone)" },
    Advice { table: Table::Users, name: "audit_ext_users_lower_email", columns: "lower(email)", predicate: None, applies: always,
             serves: "email:, user_email: for deleted users, whose events they still find (Coder's lower(email) index skips them)" },
    Advice { table: Table::WorkspaceBuilds, name: "audit_ext_workspace_builds_reason_id", columns: "reason, id) INCLUDE (workspace_id, build_number", predicate: None, applies: always,
             serves: "build_reason: — the reason's builds, and whether a build has the reason, read from the index alone (Coder has no index on reason)" },
    Advice { table: Table::WorkspaceBuilds, name: "audit_ext_workspace_builds_ai_task", columns: "workspace_id", predicate: Some(("has_ai_task", "has_ai_task")), applies: has_ai_task,
             serves: "get_user_ai_seat_states, user_ai_seats, count_ai_seat_users (Coder has no index on has_ai_task)" },
];

/// Indexes earlier versions advised that a later advice replaces: (the earlier name, the advice replacing it).
/// `index_advice()` advises dropping the earlier one once its replacement (or an equivalent) is in place.
pub const SUPERSEDED: &[(&str, &str)] = &[
    // 0.3.0's (organization_id, action, time): the same with resource_type included, so that an organization
    // reader's `resource_type:` + `action:` count reads the index alone (10M rows: 19-297 ms -> 7.7-16.3 ms).
    ("audit_ext_audit_logs_org_action_time", "audit_ext_audit_logs_org_action_time_type"),
    // From Coder G3 on, `type:ssh` (and vscode, jetbrains) also tests the app, which the count read from the
    // heap: the same indexes with the app included (10M rows, G3: `type:ssh` for an auditor of 2 organizations
    // 22.3 -> 5.3 ms, for the owner 4.7 -> 2.6 ms).
    ("audit_ext_connection_logs_type_time", "audit_ext_connection_logs_method_time_app"),
    ("audit_ext_connection_logs_org_type_time", "audit_ext_connection_logs_org_method_time_app"),
];

impl Advice {
    /// The column list for this schema.
    pub fn columns(&self, p: &Profile) -> String {
        self.columns.replace("{method}", p.conn().method_column()).replace("{app}", p.conn().app_column())
    }
}

/// The advice that applies to this schema: its tables exist, and so do the columns it covers.
pub fn applicable(p: &Profile) -> impl Iterator<Item = &'static Advice> + '_ {
    ADVICE.iter().filter(move |a| p.has(a.table) && (a.applies)(p))
}

/// The statement for one advice, with a comment saying what it serves.
pub fn statement(a: &Advice, p: &Profile) -> String {
    let predicate = a.predicate.map(|(p, _)| format!(" WHERE {p}")).unwrap_or_default();
    format!(
        "-- serves {}\nCREATE INDEX CONCURRENTLY IF NOT EXISTS {} ON {}.{} ({}){predicate}",
        a.serves,
        a.name,
        p.qschema,
        a.table.name(),
        a.columns(p)
    )
}

/// audit_ext's indexes (named `audit_ext_…`) in the Coder schema `$1` that hold a literal of an enum type (or
/// an array of one; PostgreSQL records such a literal as a dependency of the index on its type): they make
/// Coder's `ALTER COLUMN … TYPE` and `DROP TYPE` fail, as 0.2.0's `status:ongoing` index did. Columns: the
/// quoted index name and the enum type.
pub const BLOCKING: &str = "SELECT DISTINCT format('%I.%I', n.nspname, i.relname), t.typname::text \
     FROM pg_depend d JOIN pg_class i ON i.oid = d.objid AND d.classid = 'pg_class'::regclass \
     JOIN pg_namespace n ON n.oid = i.relnamespace JOIN pg_type t0 ON t0.oid = d.refobjid AND d.refclassid = 'pg_type'::regclass \
     JOIN pg_type t ON t.oid = CASE WHEN t0.typelem <> 0 THEN t0.typelem ELSE t0.oid END \
     WHERE i.relkind = 'i' AND n.nspname = $1 AND i.relname LIKE 'audit\\_ext\\_%' AND t.typtype = 'e' \
     ORDER BY 1, 2";

/// The statement that drops an index found by `BLOCKING`.
pub fn drop_blocking(index: &str, enum_type: &str) -> String {
    format!(
        "-- drop: holds literals of Coder's enum type {enum_type}, which makes Coder's own migrations of that type fail\n\
         DROP INDEX CONCURRENTLY IF EXISTS {index}"
    )
}

/// The statement that drops `index` (quoted, schema-qualified), which `by` (an advice's name) supersedes.
pub fn drop_superseded(index: &str, by: &str) -> String {
    format!("-- drop: superseded by {by}, now in place\nDROP INDEX CONCURRENTLY IF EXISTS {index}")
}

/// Whether the index `$2` exists in the schema `$1`; its quoted, qualified name, or NULL.
pub const EXISTING: &str = "SELECT format('%I.%I', n.nspname, c.relname) FROM pg_class c \
     JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind = 'i'";

/// A query answering whether `$1` (a table of the Coder schema `$3`) has a btree index printed as
/// `… USING btree ($2)` (+ ` WHERE $4`), i.e. an equivalent of the advice under any name.
pub const HAS_EQUIVALENT: &str = "SELECT EXISTS (SELECT FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid \
     JOIN pg_namespace n ON n.oid = t.relnamespace \
     WHERE n.nspname = $3 AND t.relname = $1 AND i.indisvalid \
       AND pg_get_indexdef(i.indexrelid) LIKE '% USING btree (' || $2 || ')' || coalesce(' WHERE ' || $4, ''))";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_are_concurrent_and_idempotent() {
        let g1 = Profile::generation_for_tests("public", 1);
        let s = statement(&ADVICE[0], &g1);
        assert!(s.starts_with("-- serves organization-scoped readers"));
        assert!(s.ends_with("CREATE INDEX CONCURRENTLY IF NOT EXISTS audit_ext_audit_logs_org_time ON public.audit_logs (organization_id, \"time\" DESC)"));
        let partial = ADVICE.iter().find(|a| a.predicate.is_some()).unwrap();
        assert!(statement(partial, &g1).contains(" WHERE "));
        let mut names: Vec<_> = ADVICE.iter().map(|a| a.name).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), ADVICE.len(), "index names are unique");
    }

    #[test]
    fn a_superseded_index_is_no_longer_advised_and_its_replacement_is() {
        // Where the replacement applies, the old index is not advised (it may be elsewhere: G1 and G2 keep the
        // type: indexes G3 replaces).
        for (old, by) in SUPERSEDED {
            assert!(ADVICE.iter().any(|a| a.name == *by), "{by} is not advised");
            for n in 1..=3 {
                let names: Vec<_> = applicable(&Profile::generation_for_tests("public", n)).map(|a| a.name).collect();
                assert!(!(names.contains(old) && names.contains(by)), "G{n} advises both {old} and {by}");
            }
        }
        let g1 = Profile::generation_for_tests("public", 1);
        let by = ADVICE.iter().find(|a| a.name == SUPERSEDED[0].1).unwrap();
        assert!(statement(by, &g1)
            .ends_with("public.audit_logs (organization_id, action, \"time\" DESC) INCLUDE (resource_type)"));
        assert_eq!(
            drop_superseded("public.old", "new"),
            "-- drop: superseded by new, now in place\nDROP INDEX CONCURRENTLY IF EXISTS public.old"
        );
    }

    #[test]
    fn no_advice_holds_an_enum_literal_and_each_follows_the_schema() {
        for a in ADVICE {
            let (written, printed) = a.predicate.unwrap_or_default();
            assert!(!written.contains('\'') && !printed.contains("::"), "{}: a literal in the predicate", a.name);
        }
        let g = |n| Profile::generation_for_tests("public", n);
        let open = ADVICE.iter().find(|a| a.name == "audit_ext_connection_logs_open").unwrap();
        assert!(statement(open, &g(2))
            .ends_with("public.connection_logs (connect_time DESC) INCLUDE (type) WHERE disconnect_time IS NULL"));
        assert!(statement(open, &g(3))
            .ends_with("(connect_time DESC) INCLUDE (connection_method) WHERE disconnect_time IS NULL"));
        // has_ai_task is gone from Coder G2 on: not advised. Types (G1, G2) and methods (G3) have their own
        // type: indexes, G3's with the app included.
        let names = |n| applicable(&g(n)).map(|a| a.name).collect::<Vec<_>>();
        assert_eq!(names(1).len(), ADVICE.len() - 2);
        assert!(names(1).contains(&"audit_ext_connection_logs_org_type_time"));
        assert!(!names(1).contains(&"audit_ext_connection_logs_org_method_time_app"));
        assert!(!names(2).contains(&"audit_ext_workspace_builds_ai_task"));
        assert_eq!(names(3).len(), ADVICE.len() - 3);
        assert!(!names(3).contains(&"audit_ext_connection_logs_type_time"));
        let org = ADVICE.iter().find(|a| a.name == "audit_ext_connection_logs_org_method_time_app").unwrap();
        assert!(statement(org, &g(3)).ends_with(
            "public.connection_logs (organization_id, connection_method, connect_time DESC) INCLUDE (app_name_or_port)"
        ));
    }
}
