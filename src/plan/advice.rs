//! The indexes that keep every filter fast on large tables, beyond Coder's own. Each entry names the
//! filters it serves; `index_advice()` prints the ones a database lacks as `CREATE INDEX CONCURRENTLY`.

pub struct Advice {
    pub table: &'static str,
    pub name: &'static str,
    /// The column list exactly as `pg_get_indexdef` prints it (used to recognise an equivalent index); an
    /// `INCLUDE` list is written inside it, as `a, b) INCLUDE (c, d`.
    pub columns: &'static str,
    /// A partial index's predicate: as written in the statement (no type names, so it needs no schema), and
    /// as `pg_get_indexdef` prints it, a `LIKE` pattern (`%` where a type may be schema-qualified).
    pub predicate: Option<(&'static str, &'static str)>,
    pub serves: &'static str,
}

pub const ADVICE: &[Advice] = &[
    Advice { table: "audit_logs", name: "audit_ext_audit_logs_org_time", columns: "organization_id, \"time\" DESC", predicate: None,
             serves: "organization-scoped readers (admins, auditors, custom roles) and organization: — newest first within the organizations" },
    Advice { table: "audit_logs", name: "audit_ext_audit_logs_org_action_time", columns: "organization_id, action, \"time\" DESC", predicate: None,
             serves: "organization-scoped readers with action: — their capped count and their newest rows" },
    Advice { table: "audit_logs", name: "audit_ext_audit_logs_user_time", columns: "user_id, \"time\" DESC", predicate: None,
             serves: "username:, email:, user_id: — newest first for one user" },
    Advice { table: "audit_logs", name: "audit_ext_audit_logs_type_action_time", columns: "resource_type, action, \"time\" DESC", predicate: None,
             serves: "resource_type: with action: (and build_reason:, which only matches workspace_build and workspace create rows)" },
    Advice { table: "audit_logs", name: "audit_ext_audit_logs_action_time", columns: "action, \"time\" DESC", predicate: None,
             serves: "action: alone" },
    Advice { table: "audit_logs", name: "audit_ext_audit_logs_target_time", columns: "resource_target, \"time\" DESC", predicate: None,
             serves: "resource_target: (Coder has no index on it)" },
    Advice { table: "audit_logs", name: "audit_ext_audit_logs_request_id", columns: "request_id", predicate: None,
             serves: "request_id: (Coder has no index on it)" },
    Advice { table: "connection_logs", name: "audit_ext_connection_logs_org_time", columns: "organization_id, connect_time DESC", predicate: None,
             serves: "organization-scoped readers and organization: — newest first" },
    Advice { table: "connection_logs", name: "audit_ext_connection_logs_owner_time", columns: "workspace_owner_id, connect_time DESC", predicate: None,
             serves: "workspace_owner:, workspace_owner_id:, workspace_owner_email:" },
    Advice { table: "connection_logs", name: "audit_ext_connection_logs_user_time", columns: "user_id, connect_time DESC", predicate: None,
             serves: "username:, user_id:, user_email: (web connections)" },
    Advice { table: "connection_logs", name: "audit_ext_connection_logs_type_time", columns: "type, connect_time DESC", predicate: None,
             serves: "type:" },
    Advice { table: "connection_logs", name: "audit_ext_connection_logs_org_type_time", columns: "organization_id, type, connect_time DESC", predicate: None,
             serves: "organization-scoped readers with type: — their capped count and their newest rows" },
    Advice { table: "connection_logs", name: "audit_ext_connection_logs_ongoing", columns: "connect_time DESC",
             predicate: Some(("disconnect_time IS NULL AND type NOT IN ('workspace_app', 'port_forwarding')",
                              "((disconnect_time IS NULL) AND (type <> ALL (ARRAY['workspace_app'::%connection_type, 'port_forwarding'::%connection_type])))")),
             serves: "status:ongoing (exactly its rows: so its count reads the index alone)" },
    Advice { table: "users", name: "audit_ext_users_lower_email", columns: "lower(email)", predicate: None,
             serves: "email:, user_email: for deleted users, whose events they still find (Coder's lower(email) index skips them)" },
    Advice { table: "workspace_builds", name: "audit_ext_workspace_builds_reason_id", columns: "reason, id) INCLUDE (workspace_id, build_number", predicate: None,
             serves: "build_reason: — the reason's builds, and whether a build has the reason, read from the index alone (Coder has no index on reason)" },
    Advice { table: "workspace_builds", name: "audit_ext_workspace_builds_ai_task", columns: "workspace_id", predicate: Some(("has_ai_task", "has_ai_task")),
             serves: "get_user_ai_seat_states, user_ai_seats, count_ai_seat_users (Coder has no index on has_ai_task)" },
];

/// The statement for one advice, with a comment saying what it serves; `qschema` is quoted.
pub fn statement(a: &Advice, qschema: &str) -> String {
    let predicate = a.predicate.map(|(p, _)| format!(" WHERE {p}")).unwrap_or_default();
    format!(
        "-- serves {}\nCREATE INDEX CONCURRENTLY IF NOT EXISTS {} ON {qschema}.{} ({}){predicate}",
        a.serves, a.name, a.table, a.columns
    )
}

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
        let s = statement(&ADVICE[0], "public");
        assert!(s.starts_with("-- serves organization-scoped readers"));
        assert!(s.ends_with("CREATE INDEX CONCURRENTLY IF NOT EXISTS audit_ext_audit_logs_org_time ON public.audit_logs (organization_id, \"time\" DESC)"));
        let partial = ADVICE.iter().find(|a| a.predicate.is_some()).unwrap();
        assert!(statement(partial, "public").contains(" WHERE "));
        let mut names: Vec<_> = ADVICE.iter().map(|a| a.name).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), ADVICE.len(), "index names are unique");
    }
}
