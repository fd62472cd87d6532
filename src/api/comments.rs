//! The per-function reference, in the database: `sql/comments.sql` holds one `COMMENT ON FUNCTION` (and one
//! `COMMENT ON PROCEDURE`) for every object in schema audit_ext, so that `\df+ audit_ext.*` documents each.
//! It must run after every function exists, so `requires` names each one (pgrx allows a single `finalize`
//! block, and that is the schema's `GRANT` in `api/mod.rs`). A new function goes in both places: without a
//! COMMENT in the file it fails `tests/pg_regress/sql/reference.sql`; left out of this list, its COMMENT may
//! run before it exists and fail `CREATE EXTENSION`. A name here that no longer exists fails schema generation.
//! `sql/audit_ext--0.3.0--0.4.0.sql` ends with a copy of the file (an upgraded database equals a fresh one).

pgrx::extension_sql_file!(
    "../../sql/comments.sql",
    name = "comments",
    requires = [
        ai_seat_states_sql,
        audit_logs_v4,
        audit_predicate_v4,
        audit_query_errors_v4,
        coder_schema_profile,
        connection_logs_v4,
        connection_predicate_v4,
        connection_query_errors_v4,
        count_ai_seat_users,
        count_audit_logs_v4,
        count_connection_logs_v4,
        filter_keys_v4,
        get_user_ai_seat_states,
        index_advice,
        parse_audit_query_v4,
        parse_connection_query_v4,
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
