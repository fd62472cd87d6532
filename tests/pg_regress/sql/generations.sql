-- Coder's schema generations G2 and G3 (shared/spec/coder-generations.md): a database of each, built from the
-- fixture with Coder's migrations (tests/fixture/g2.sql, g3.sql) and the rows a recent Coder writes
-- (seed_recent.sql), with audit_ext installed on it. Every function is checked against plain reference queries
-- written from the spec: counts, pages (ids and order: newest first, id breaking ties), the psql searches and
-- the predicates, for owners, organization auditors, custom-role readers, members and no actor; G3's
-- connection methods, app names and deprecated type: categories; AI seats from each source; index advice;
-- coder_schema_profile(). The reference helpers live in schema ref of each database (dynamic SQL only, so they
-- hold no dependency on Coder's columns). G1 is what every other golden file runs on.
SET client_min_messages = warning;
DROP DATABASE IF EXISTS audit_ext_g2;
DROP DATABASE IF EXISTS audit_ext_g3;
RESET client_min_messages;
CREATE DATABASE audit_ext_g2;

\c audit_ext_g2
\set ECHO none
SET client_min_messages = warning;
\i tests/fixture/schema.sql
SET audit_ext_fixture.audit_rows = 1000;
\i tests/fixture/seed.sql
\i tests/fixture/g2.sql
\i tests/fixture/seed_recent.sql
RESET client_min_messages;
\set ECHO all

-- Reference helpers, written from the spec without audit_ext (tests/fixture/reference.sql). Users by number n
-- have id md5('user' || n): 1 owner, 8 organization-auditor of org 9, 9 holds the custom role log-reader in
-- org 10, 10 a plain member.
\set ECHO none
\i tests/fixture/reference.sql
\set ECHO all

-- G3: a copy of G2 (fixture, migrations, rows, ref) taken before audit_ext is installed, then Coder's G2 → G3
-- migration and the rows a G3 Coder writes.
\c audit_ext_regress
CREATE DATABASE audit_ext_g3 TEMPLATE audit_ext_g2;

-- ============================== G2 ==============================
\c audit_ext_g2
SET timezone = 'UTC';
\pset null '(null)'
CREATE EXTENSION audit_ext;
SELECT jsonb_pretty(audit_ext.coder_schema_profile());
SELECT audit_ext.version() = extversion AS version_ok FROM pg_extension WHERE extname = 'audit_ext';
-- The fixture in G2: has_ai_task and tasks gone, task reasons mapped to initiator, new labels.
SELECT ref.has_column('workspace_builds', 'has_ai_task') AS has_ai_task, to_regclass('tasks') AS tasks,
       (SELECT count(*) FROM workspace_builds WHERE reason = 'initiator') AS initiator_builds,
       (SELECT count(*) FROM audit_logs WHERE additional_fields->>'build_reason' LIKE 'task\_%') AS audit_rows_with_task_reasons,
       (SELECT count(*) FROM connection_logs WHERE type = 'tunnel') AS tunnel_rows;

SELECT * FROM ref.check_audit();
SELECT * FROM ref.check_connections();
SELECT * FROM ref.check_connection_json();

-- The parser reads G2's labels: the new resource types and tunnel are valid, the task build reasons are not.
SELECT audit_ext.parse_audit_query('resource_type:user_secret action:delete');
SELECT audit_ext.audit_query_errors('build_reason:task_resume');
SELECT audit_ext.audit_query_errors('resource_type:user_ai_budget_override build_reason:jetbrains_connection');
SELECT audit_ext.parse_connection_query('type:tunnel status:ongoing');
SELECT audit_ext.connection_query_errors('type:telnet');
SELECT key, value FROM audit_ext.filter_keys() WHERE dialect = 'coder' AND key IN ('type', 'build_reason', 'resource_type') ORDER BY log, key;

-- The new resource types on a page (descriptions and links as audit_ext computes them), and the audit rows about
-- tasks, whose table is gone.
SELECT e->>'resource_type' AS resource_type, e->>'action' AS action, e->>'description' AS description,
       e->>'resource_link' AS resource_link, e->>'is_deleted' AS is_deleted, e->'organization'->>'name' AS org
FROM jsonb_array_elements(audit_ext.audit_logs('date_from:2026-05-31', NULL, 100)->'audit_logs') e
WHERE (e->>'id')::uuid IN (SELECT md5('recent-audit' || n)::uuid FROM generate_series(1, 16) n)
ORDER BY (e->>'time')::timestamptz DESC;
SELECT e->>'is_deleted' AS is_deleted, e->>'resource_link' AS resource_link, count(*)
FROM jsonb_array_elements(audit_ext.audit_logs('resource_type:task', NULL, 1000)->'audit_logs') e
GROUP BY 1, 2 ORDER BY 1, 2;
-- A tunnel row of G2 (its port in slug_or_port): web_info, type tunnel.
SELECT jsonb_pretty(e - 'organization' - 'workspace_owner_id' - 'workspace_id' - 'connect_time')
FROM jsonb_array_elements(audit_ext.connection_logs('type:tunnel', NULL, 100)->'connection_logs') e
WHERE (e->>'id')::uuid = md5('recent-conn1')::uuid;

SELECT audit_ext.readable_organizations(md5('user8')::uuid) = ARRAY[md5('org9')::uuid] AS org_auditor_audit,
       audit_ext.readable_organizations(md5('user9')::uuid, 'connection_log') = ARRAY[md5('org10')::uuid] AS log_reader_connection,
       audit_ext.readable_organizations(md5('user10')::uuid) = '{}' AS member_nothing,
       audit_ext.readable_organizations(md5('user1')::uuid) IS NULL AS owner_everything;

-- AI seats: by default Coder's ai_seat_state (users 1 5 12 15 20 40 45; 6 system, 11 33 dormant, 29 deleted, 31
-- suspended do not count); usage: AI Bridge alone (has_ai_task is gone).
SELECT 'default' AS source, * FROM ref.check_seats(NULL, false)
UNION ALL SELECT 'state', * FROM ref.check_seats('state', false)
UNION ALL SELECT 'usage', * FROM ref.check_seats('usage', false)
UNION ALL SELECT 'usage, latest build', * FROM ref.check_seats('usage', true);
SELECT audit_ext.ai_seat_states_sql() LIKE '%ai_seat_state%' AS default_reads_ai_seat_state,
       audit_ext.ai_seat_states_sql(source => 'usage') NOT LIKE '%has_ai_task%' AS usage_without_has_ai_task;
SELECT audit_ext.count_ai_seat_users(source => 'bogus');

-- Index advice for G2: no has_ai_task index any more.
SELECT audit_ext.index_advice();

-- Purges (oldest first, bounded batches) count what they delete.
SELECT (SELECT count(*) FROM audit_logs) AS audit_before, (SELECT count(*) FROM connection_logs) AS conn_before \gset
SELECT audit_ext.purge_audit_logs('2025-07-01', 5) AS purged_audit,
       audit_ext.purge_audit_connection_events('2025-07-01', 5) AS purged_connection_events,
       audit_ext.purge_connection_logs('2025-07-01', 5) AS purged_connections;
SELECT :audit_before - count(*) AS audit_deleted FROM audit_logs;
SELECT :conn_before - count(*) AS connections_deleted FROM connection_logs;

-- ============================== G3 ==============================
\c audit_ext_g3
SET timezone = 'UTC';
\pset null '(null)'
\set ECHO none
SET client_min_messages = warning;
\i tests/fixture/g3.sql
\i tests/fixture/seed_recent.sql
RESET client_min_messages;
\set ECHO all
CREATE EXTENSION audit_ext;
SELECT jsonb_pretty(audit_ext.coder_schema_profile());
-- The fixture in G3: vscode/jetbrains rows became ssh with their IDE as app name; G2's tunnel port was dropped.
SELECT connection_method, count(*) AS total, count(app_name_or_port) AS with_app,
       count(*) FILTER (WHERE disconnect_time IS NULL) AS no_disconnect
FROM connection_logs GROUP BY 1 ORDER BY 1;
SELECT to_regtype('connection_type') AS connection_type,
       (SELECT app_name_or_port FROM connection_logs WHERE id = md5('recent-conn1')::uuid) AS tunnel_port;

SELECT * FROM ref.check_audit();
SELECT * FROM ref.check_connections();
SELECT * FROM ref.check_connection_json();
-- type: in G3 takes the compatibility categories; the migrated vscode/jetbrains rows keep their category.
SELECT audit_ext.count_connection_logs('type:vscode', NULL, 0) AS vscode,
       audit_ext.count_connection_logs('type:jetbrains', NULL, 0) AS jetbrains,
       audit_ext.count_connection_logs('type:ssh', NULL, 0) AS ssh,
       (SELECT count(*) FROM connection_logs WHERE connection_method = 'ssh') AS ssh_method_rows;
SELECT audit_ext.connection_query_errors('type:telnet');
SELECT audit_ext.connection_query_errors('type:cursor');
SELECT audit_ext.parse_connection_query('type:vscode status:ongoing');
SELECT dialect, key, value, description FROM audit_ext.filter_keys() WHERE log = 'connection' AND key = 'type';

-- Per app: what a G3 page says (method, app name, display name, deprecated type) for the rows a G3 Coder wrote.
SELECT e->>'connection_method' AS method, e->>'app_name' AS app_name, e->>'app_display_name' AS display_name,
       e->>'type' AS type, e ? 'ssh_info' AS ssh_info, e->'web_info'->>'slug_or_port' AS web_slug_or_port
FROM jsonb_array_elements(audit_ext.connection_logs('connected_after:"2026-05-31T00:00:00Z"', NULL, 100)->'connection_logs') e
WHERE (e->>'id')::uuid IN (SELECT md5('recent-conn' || n)::uuid FROM generate_series(1, 40) n)
ORDER BY (e->>'connect_time')::timestamptz DESC;
-- Three entries whole: an ongoing ssh connection from VS Code, a workspace app, a tunnel.
SELECT jsonb_pretty(e)
FROM jsonb_array_elements(audit_ext.connection_logs('workspace_owner:judy9 connected_after:"2026-05-31T00:00:00Z"',
                                                    NULL, 100)->'connection_logs') e
WHERE (e->>'id')::uuid IN (md5('recent-conn11')::uuid, md5('recent-conn31')::uuid, md5('recent-conn1')::uuid)
ORDER BY e->>'connect_time' DESC;
-- The psql view gives method and app for every row.
SELECT connection_method, app_name, type, status, slug_or_port
FROM audit_ext.search_connection_logs('workspace_owner:judy9 connected_after:"2026-05-31T00:00:00Z"', NULL, 100)
ORDER BY connect_time DESC;

SELECT audit_ext.readable_organizations(md5('user8')::uuid, 'connection_log') = ARRAY[md5('org9')::uuid] AS org_auditor_connection;

SELECT 'default' AS source, * FROM ref.check_seats(NULL, false)
UNION ALL SELECT 'state', * FROM ref.check_seats('state', false)
UNION ALL SELECT 'usage', * FROM ref.check_seats('usage', false)
UNION ALL SELECT 'usage, latest build', * FROM ref.check_seats('usage', true);

-- Index advice for G3: on connection_method, nothing holding an enum literal; applied, nothing is left, and
-- status:ongoing's count reads the partial index alone, as an organization reader's type:ssh count reads
-- (organization_id, connection_method, connect_time) with the app included (ssh also tests the app in G3).
SELECT audit_ext.index_advice();
SELECT audit_ext.index_advice() \gexec
SELECT count(*) AS advised_after_gexec FROM audit_ext.index_advice();
SET enable_seqscan = off; SET enable_bitmapscan = off;
SELECT format('EXPLAIN (COSTS OFF) SELECT count(*) FROM connection_logs WHERE %s',
              audit_ext.connection_predicate('status:ongoing')) \gexec
SELECT format('EXPLAIN (COSTS OFF) SELECT count(*) FROM connection_logs WHERE %s',
              audit_ext.connection_predicate('type:ssh', md5('user8')::uuid)) \gexec
RESET enable_seqscan; RESET enable_bitmapscan;
SELECT * FROM ref.check_connections() WHERE NOT (count_ok AND page_ok AND search_ok AND predicate_ok AND keyset_ok AND export_ok);

-- A branch of Coder with connection_logs.client_session_id: read when present, never required.
ALTER TABLE connection_logs ADD COLUMN client_session_id text;
SELECT audit_ext.coder_schema_profile()->'connection_logs'->'client_session_id' AS client_session_id;
SELECT * FROM ref.check_connections() WHERE NOT (count_ok AND page_ok AND search_ok AND predicate_ok AND keyset_ok AND export_ok);
SELECT * FROM ref.check_connection_json();

SELECT (SELECT count(*) FROM audit_logs) AS audit_before, (SELECT count(*) FROM connection_logs) AS conn_before \gset
SELECT audit_ext.purge_audit_logs('2025-07-01', 5) AS purged_audit,
       audit_ext.purge_audit_connection_events('2025-07-01', 5) AS purged_connection_events,
       audit_ext.purge_connection_logs('2025-07-01', 5) AS purged_connections;
SELECT :audit_before - count(*) AS audit_deleted FROM audit_logs;
SELECT :conn_before - count(*) AS connections_deleted FROM connection_logs;

\c audit_ext_regress
DROP DATABASE audit_ext_g2;
DROP DATABASE audit_ext_g3;
