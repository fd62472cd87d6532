-- One long-lived session follows Coder's migrations live (shared/spec/coder-generations.md): Coder's connection
-- pool keeps backends for hours, so the backend that answered before `ALTER TABLE …` must answer correctly after
-- it, and nothing audit_ext created may make one of Coder's migrations fail. In a fresh database with the G1
-- fixture and audit_ext, this session calls every function (per-backend caches and kept plans exist) and applies
-- every statement of index_advice(); then Coder's G1 → G2 migration (tests/fixture/g2.sql) runs UNCHANGED from
-- another session (dblink: psql reads the file, dblink sends it as one string, so it runs as one implicit
-- transaction, the strictest way to run a file), followed by the rows a G2 Coder writes (seed_recent.sql).
-- After it: the migration succeeded with every advised index in place, this session's answers equal the
-- reference queries, audit_ext's own objects are unchanged and depend on nothing of Coder's, and index_advice()
-- lists only what the migration dropped that still applies. Then the same for G2 → G3 (tests/fixture/g3.sql),
-- which 0.2.0's advised status:ongoing index (`type NOT IN (…)`, connection_type literals) made fail (a control
-- with that index left over shows the failure).
SET client_min_messages = warning;
DROP DATABASE IF EXISTS audit_ext_migration;
RESET client_min_messages;
CREATE DATABASE audit_ext_migration;

\c audit_ext_migration
\set ECHO none
SET client_min_messages = warning;
\i tests/fixture/schema.sql
SET audit_ext_fixture.audit_rows = 1000;
\i tests/fixture/seed.sql
\i tests/fixture/seed_recent.sql
RESET client_min_messages;
\set ECHO all
CREATE EXTENSION audit_ext;
CREATE EXTENSION dblink;
SET timezone = 'UTC';
\pset null '(null)'
-- Coder's session: a libpq connection string for dblink, and the migration files as psql variables.
SELECT format('host=127.0.0.1 port=%s dbname=%s user=postgres', current_setting('port'), current_database()) AS coder \gset
\set g2 `cat tests/fixture/g2.sql`
\set g3 `cat tests/fixture/g3.sql`
\set recent `cat tests/fixture/seed_recent.sql`

-- Reference helpers, written from the spec without audit_ext (tests/fixture/reference.sql). Users by number n
-- have id md5('user' || n): 1 owner, 8 organization-auditor of org 9, 9 holds the custom role log-reader in
-- org 10, 10 a plain member.
\set ECHO none
\i tests/fixture/reference.sql
\set ECHO all

-- What this session checks after each step (and before the first): every function against the reference.
CREATE FUNCTION ref.other_functions() RETURNS TABLE (check_name text, ok boolean) LANGUAGE plpgsql AS $$
BEGIN
  check_name := 'parse_audit_query'; ok := audit_ext.parse_audit_query('action:delete organization:org-09')
    = jsonb_build_object('action', 'delete', 'organization_id', md5('org9')::uuid); RETURN NEXT;
  check_name := 'audit_query_errors'; ok := audit_ext.audit_query_errors('action:delete') = '[]'
    AND jsonb_array_length(audit_ext.audit_query_errors('build_reason:no_such_reason')) = 1; RETURN NEXT;
  check_name := 'parse_connection_query'; ok := audit_ext.parse_connection_query('type:ssh')->>'type' = 'ssh'; RETURN NEXT;
  check_name := 'connection_query_errors'; ok := audit_ext.connection_query_errors('type:ssh status:ongoing') = '[]'
    AND jsonb_array_length(audit_ext.connection_query_errors('type:telnet')) = 1; RETURN NEXT;
  check_name := 'filter_keys'; ok := (SELECT count(*) FROM audit_ext.filter_keys() WHERE key = 'type') = 2
    AND (SELECT count(*) FROM audit_ext.filter_keys() WHERE dialect = 'extended' AND key IN ('ip', 'status_code')) = 3; RETURN NEXT;
  check_name := 'readable_organizations'; ok := audit_ext.readable_organizations(md5('user8')::uuid) = ARRAY[md5('org9')::uuid]
    AND audit_ext.readable_organizations(md5('user9')::uuid, 'connection_log') = ARRAY[md5('org10')::uuid]
    AND audit_ext.readable_organizations(md5('user10')::uuid) = '{}'
    AND audit_ext.readable_organizations(md5('user1')::uuid) IS NULL; RETURN NEXT;
  check_name := 'ai_seat_states_sql'; ok := audit_ext.ai_seat_states_sql() LIKE '%ai_seat_state%'
    AND audit_ext.ai_seat_states_sql(source => 'usage') LIKE '%aibridge_interceptions%'; RETURN NEXT;
  check_name := 'coder_schema_profile'; ok := audit_ext.coder_schema_profile()->>'generation' = 'G' || ref.generation();
  RETURN NEXT;
  check_name := 'version'; ok := audit_ext.version() = (SELECT extversion FROM pg_extension WHERE extname = 'audit_ext');
  RETURN NEXT;
  check_name := 'purges (nothing before 2000)'; ok := audit_ext.purge_audit_logs('2000-01-01', 10) = 0
    AND audit_ext.purge_audit_connection_events('2000-01-01', 10) = 0
    AND audit_ext.purge_connection_logs('2000-01-01', 10) = 0; RETURN NEXT;
END $$;
-- audit_ext's objects (their definitions) and whatever of them depends on an object in Coder's schema: a view,
-- a function signature, a cast … on Coder's tables or types would make a migration fail or vanish with CASCADE.
\i tests/fixture/extension_objects.sql
CREATE VIEW ref.ext_depends_on_coder AS
SELECT pg_describe_object(d.classid, d.objid, d.objsubid) AS object,
       pg_describe_object(d.refclassid, d.refobjid, d.refobjsubid) AS depends_on
FROM pg_depend d
JOIN pg_depend e ON e.classid = d.classid AND e.objid = d.objid AND e.deptype = 'e'
                AND e.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'audit_ext')
WHERE d.deptype = 'n'
  AND ((d.refclassid = 'pg_class'::regclass AND d.refobjid IN (SELECT oid FROM pg_class WHERE relnamespace = 'public'::regnamespace))
    OR (d.refclassid = 'pg_type'::regclass AND d.refobjid IN (SELECT oid FROM pg_type WHERE typnamespace = 'public'::regnamespace)));

-- ============================== G1 ==============================
SELECT audit_ext.coder_schema_profile()->>'generation' AS generation;
SELECT proname FROM pg_proc WHERE pronamespace = 'audit_ext'::regnamespace ORDER BY 1;
SELECT * FROM ref.check_audit();
SELECT * FROM ref.check_connections();
SELECT * FROM ref.check_connection_json();
SELECT 'default' AS source, * FROM ref.check_seats(NULL, false)
UNION ALL SELECT 'usage', * FROM ref.check_seats('usage', false)
UNION ALL SELECT 'usage, latest build', * FROM ref.check_seats('usage', true);
SELECT * FROM ref.other_functions();
CALL audit_ext.purge_logs('2000-01-01', '2000-01-01', 100, '2000-01-01');
SELECT string_agg(object, ' | ' ORDER BY object) AS g1_objects,
       md5(string_agg(object || ':' || coalesce(definition, ''), ' | ' ORDER BY object)) AS g1_digest
FROM owned \gset
SELECT * FROM ref.ext_depends_on_coder;
-- Every piece of advice, applied from this session at top level (CREATE INDEX CONCURRENTLY).
SELECT audit_ext.index_advice() \gexec
SELECT count(*) AS advised_after_gexec FROM audit_ext.index_advice();
SELECT indexrelid::regclass AS index, indisvalid FROM pg_index
WHERE indexrelid::regclass::text LIKE 'audit\_ext%' ORDER BY indexrelid::regclass::text;

-- ============================== G1 → G2, from Coder's session ==============================
SELECT dblink_exec(:'coder', :'g2') AS g2_migration;
SELECT dblink_exec(:'coder', :'recent') AS g2_rows;
SELECT audit_ext.coder_schema_profile()->>'generation' AS generation;
-- The advised indexes after it: the has_ai_task one went with its column; the build_reason one was rebuilt.
SELECT indexrelid::regclass AS index, indisvalid FROM pg_index
WHERE indexrelid::regclass::text LIKE 'audit\_ext%' ORDER BY indexrelid::regclass::text;
SELECT * FROM ref.check_audit();
SELECT * FROM ref.check_connections();
SELECT * FROM ref.check_connection_json();
SELECT 'default' AS source, * FROM ref.check_seats(NULL, false)
UNION ALL SELECT 'usage', * FROM ref.check_seats('usage', false)
UNION ALL SELECT 'usage, latest build', * FROM ref.check_seats('usage', true);
SELECT * FROM ref.other_functions();
-- G2's labels are valid in this session now, G1's task build reasons no longer.
SELECT audit_ext.count_audit_logs('resource_type:user_secret', NULL, 0) AS user_secret_rows,
       audit_ext.count_connection_logs('type:tunnel', NULL, 0) AS tunnel_rows;
SELECT audit_ext.audit_query_errors('build_reason:task_resume');
SELECT string_agg(object, ' | ' ORDER BY object) = :'g1_objects' AS same_objects,
       md5(string_agg(object || ':' || coalesce(definition, ''), ' | ' ORDER BY object)) = :'g1_digest' AS same_definitions
FROM owned;
SELECT * FROM ref.ext_depends_on_coder;
-- What the migration dropped and still applies (nothing: the has_ai_task index no longer applies).
SELECT audit_ext.index_advice();

-- Control: 0.2.0's advised status:ongoing index (connection_type literals in its predicate; ALTER EXTENSION
-- audit_ext UPDATE from 0.2.0 drops it, here it is made by hand) makes the G2 → G3 migration fail as the spec
-- measured; the failed migration leaves G2 in place (one transaction) and this session's answers as they were.
CREATE INDEX CONCURRENTLY audit_ext_connection_logs_ongoing ON connection_logs (connect_time DESC)
    WHERE disconnect_time IS NULL AND type NOT IN ('workspace_app', 'port_forwarding');
SELECT audit_ext.index_advice();
SELECT dblink_exec(:'coder', :'g3') AS g3_migration_with_0_2_0_index;
SELECT audit_ext.coder_schema_profile()->>'generation' AS generation;
SELECT * FROM ref.check_connections() WHERE NOT (count_ok AND page_ok AND search_ok AND predicate_ok AND keyset_ok AND export_ok);
DROP INDEX CONCURRENTLY audit_ext_connection_logs_ongoing;

-- ============================== G2 → G3, from Coder's session ==============================
SELECT dblink_exec(:'coder', :'g3') AS g3_migration;
SELECT dblink_exec(:'coder', :'recent') AS g3_rows;
SELECT audit_ext.coder_schema_profile()->>'generation' AS generation;
SELECT to_regtype('connection_type') AS connection_type, to_regtype('connection_log_method') AS connection_log_method;
-- The advised indexes after it (connection_logs' ones rebuilt on connection_method).
SELECT indexrelid::regclass AS index, indisvalid, pg_get_indexdef(indexrelid) AS definition FROM pg_index
WHERE indexrelid::regclass::text LIKE 'audit\_ext\_connection%' ORDER BY indexrelid::regclass::text;
SELECT * FROM ref.check_audit();
SELECT * FROM ref.check_connections();
SELECT * FROM ref.check_connection_json();
SELECT 'default' AS source, * FROM ref.check_seats(NULL, false)
UNION ALL SELECT 'usage', * FROM ref.check_seats('usage', false)
UNION ALL SELECT 'usage, latest build', * FROM ref.check_seats('usage', true);
SELECT * FROM ref.other_functions();
-- type: takes G3's compatibility categories in this session now.
SELECT audit_ext.count_connection_logs('type:vscode', NULL, 0) AS vscode,
       audit_ext.count_connection_logs('type:jetbrains', NULL, 0) AS jetbrains,
       audit_ext.count_connection_logs('type:ssh', NULL, 0) AS ssh;
SELECT string_agg(object, ' | ' ORDER BY object) = :'g1_objects' AS same_objects,
       md5(string_agg(object || ':' || coalesce(definition, ''), ' | ' ORDER BY object)) = :'g1_digest' AS same_definitions
FROM owned;
SELECT * FROM ref.ext_depends_on_coder;
-- What the migration dropped and what G3 advises instead: its type: indexes include the app. Applied, the
-- G1/G2 ones they supersede are advised dropped (only now, with their replacements valid); applied again,
-- nothing is left, and every answer still equals the reference.
SELECT audit_ext.index_advice();
SELECT audit_ext.index_advice() \gexec
SELECT audit_ext.index_advice();
SELECT audit_ext.index_advice() \gexec
SELECT count(*) AS advised_after_gexec FROM audit_ext.index_advice();
SELECT indexrelid::regclass AS index, pg_get_indexdef(indexrelid) AS definition FROM pg_index
WHERE indexrelid::regclass::text LIKE 'audit\_ext\_connection%' ORDER BY indexrelid::regclass::text;
SELECT * FROM ref.check_connections() WHERE NOT (count_ok AND page_ok AND search_ok AND predicate_ok AND keyset_ok AND export_ok);
CALL audit_ext.purge_logs('2000-01-01', '2000-01-01', 100, '2000-01-01');

\c audit_ext_regress
DROP DATABASE audit_ext_migration;
