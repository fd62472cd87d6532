-- Upgrade path: install the first released version (0.1.0, sql/audit_ext--0.1.0.sql), use it, update to 0.2.0
-- and apply its index advice's status:ongoing index (which blocks Coder's connection-method migration), run
-- ALTER EXTENSION audit_ext UPDATE TO '0.3.0' (which drops that index), call 0.3.0's definitions with this
-- version's library, ALTER EXTENSION audit_ext UPDATE (to the current version), and check that the upgraded extension owns exactly the objects of a fresh
-- install of the current version, with identical definitions (pg_describe_object over pg_depend, each
-- function's pg_get_functiondef and comment, and the schema's privileges).
SET client_min_messages = warning;
DROP DATABASE IF EXISTS audit_ext_upgraded;
DROP DATABASE IF EXISTS audit_ext_fresh;
RESET client_min_messages;
CREATE DATABASE audit_ext_upgraded;
CREATE DATABASE audit_ext_fresh;

\c audit_ext_upgraded
\set ECHO none
SET client_min_messages = warning;
\i tests/fixture/schema.sql
SET audit_ext_fixture.audit_rows = 1000;
\i tests/fixture/seed.sql
RESET client_min_messages;
\set ECHO all
CREATE EXTENSION audit_ext VERSION '0.1.0';
SELECT extversion FROM pg_extension WHERE extname = 'audit_ext';
SELECT to_regprocedure('audit_ext.purge_audit_logs(timestamptz, int)') IS NULL AS no_purge_in_0_1_0;
SELECT audit_ext.count_audit_logs('action:delete', md5('user8')::uuid, 0) AS org_auditor_deletes \gset
SELECT :org_auditor_deletes > 0 AS has_rows;

ALTER EXTENSION audit_ext UPDATE TO '0.2.0';
CREATE INDEX audit_ext_connection_logs_ongoing ON connection_logs (connect_time DESC)
    WHERE disconnect_time IS NULL AND type NOT IN ('workspace_app', 'port_forwarding');
ALTER EXTENSION audit_ext UPDATE TO '0.3.0';
SELECT extversion FROM pg_extension WHERE extname = 'audit_ext';
-- 0.3.0's definitions, run by this version's library (installed, not yet updated to): they answer as 0.3.0 did.
SELECT audit_ext.count_audit_logs('action:delete', md5('user8')::uuid, 0) = :org_auditor_deletes AS count_as_before,
       jsonb_array_length(audit_ext.audit_logs('action:delete', md5('user8')::uuid, 5)->'audit_logs') AS page_rows,
       (SELECT count(*) FROM audit_ext.search_audit_logs('action:delete', NULL, 5)) AS search_rows,
       audit_ext.parse_audit_query('action:delete') AS parsed,
       audit_ext.audit_query_errors('-action:delete') AS coder_errors,
       audit_ext.connection_query_errors('type:ssh') AS connection_errors,
       audit_ext.audit_predicate('action:delete') AS predicate,
       audit_ext.connection_predicate('type:ssh') AS connection_predicate,
       (SELECT count(*) FROM audit_ext.filter_keys()) AS coder_keys,
       jsonb_array_length(audit_ext.connection_logs('', NULL, 3)->'connection_logs') AS connection_rows,
       audit_ext.count_connection_logs('', NULL, 1) AS connections_capped;
ALTER EXTENSION audit_ext UPDATE;
SELECT extversion FROM pg_extension WHERE extname = 'audit_ext';
SELECT to_regclass('audit_ext_connection_logs_ongoing') AS blocking_index_after_update;
SELECT audit_ext.count_audit_logs('action:delete', md5('user8')::uuid, 0) = :org_auditor_deletes AS same_answer;
SELECT audit_ext.purge_audit_logs('2000-01-01', 10) AS purged_nothing_older_than_2000;

-- Everything the extension owns, and a digest of every definition.
\i tests/fixture/extension_objects.sql
SELECT object FROM owned ORDER BY object;
SELECT string_agg(object, ' | ' ORDER BY object) AS upgraded_objects,
       md5(string_agg(object || ':' || coalesce(definition, ''), ' | ' ORDER BY object)) AS upgraded_digest
FROM owned \gset
SELECT nspacl::text AS upgraded_acl FROM pg_namespace WHERE nspname = 'audit_ext' \gset

\c audit_ext_fresh
CREATE EXTENSION audit_ext;
SELECT extversion FROM pg_extension WHERE extname = 'audit_ext';
\i tests/fixture/extension_objects.sql
SELECT string_agg(object, ' | ' ORDER BY object) = :'upgraded_objects' AS same_objects,
       md5(string_agg(object || ':' || coalesce(definition, ''), ' | ' ORDER BY object)) = :'upgraded_digest' AS same_definitions
FROM owned;
-- The schema's privileges match too (USAGE for PUBLIC, no CREATE).
SELECT nspacl::text = :'upgraded_acl' AS same_schema_privileges FROM pg_namespace WHERE nspname = 'audit_ext';
SELECT has_schema_privilege('public', 'audit_ext', 'USAGE') AS public_usage,
       has_schema_privilege('public', 'audit_ext', 'CREATE') AS public_create;

\c audit_ext_regress
DROP DATABASE audit_ext_upgraded;
DROP DATABASE audit_ext_fresh;
