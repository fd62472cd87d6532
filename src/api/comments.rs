//! The per-function reference, in the database: `sql/comments.sql` holds one `COMMENT ON FUNCTION` (and one
//! `COMMENT ON PROCEDURE`) for every object in schema audit_ext, so that `\df+ audit_ext.*` documents each.
//! It must run after every function exists, so `requires` names each one (pgrx allows a single `finalize`
//! block, and that is the schema's `GRANT` in `api/mod.rs`). A new function goes in both places: without a
//! COMMENT in the file it fails `tests/pg_regress/sql/reference.sql`; left out of this list, its COMMENT may
//! run before it exists and fail `CREATE EXTENSION`. A name here that no longer exists fails schema generation.
//! `sql/audit_ext--0.2.0--0.3.0.sql` ends with a copy of the file (an upgraded database equals a fresh one).

pgrx::extension_sql_file!(
    "../../sql/comments.sql",
    name = "comments",
    requires = [
        ai_seat_states_sql,
        audit_logs,
        audit_predicate,
        audit_query_errors,
        coder_schema_profile,
        connection_logs,
        connection_predicate,
        connection_query_errors,
        count_ai_seat_users,
        count_audit_logs,
        count_connection_logs,
        filter_keys,
        get_user_ai_seat_states,
        index_advice,
        parse_audit_query,
        parse_connection_query,
        purge_audit_connection_events,
        purge_audit_logs,
        purge_connection_logs,
        readable_organizations,
        user_ai_seats,
        version,
        "search_functions",
        "purge_logs",
    ]
);
