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

-- Reference helpers, written from the spec without audit_ext. Users by number n have id md5('user' || n):
-- 1 owner, 8 organization-auditor of org 9, 9 holds the custom role log-reader in org 10, 10 a plain member.
CREATE SCHEMA ref;
-- Coder's app registry of G3 (name, family, display name), and the down migration's longer family lists.
CREATE TABLE ref.apps (name text PRIMARY KEY, family text NOT NULL, display_name text);
INSERT INTO ref.apps VALUES
  ('vscode', 'vscode', 'VS Code'), ('vscode_insiders', 'vscode', 'VS Code Insiders'),
  ('vscode_web', 'vscode', 'VS Code Web'), ('code_server', 'vscode', 'code-server'), ('cursor', 'vscode', 'Cursor'),
  ('windsurf', 'vscode', 'Windsurf'), ('positron', 'vscode', 'Positron'), ('vscodium', 'vscode', 'VSCodium'),
  ('codium', 'vscode', 'VSCodium'), ('antigravity', 'vscode', 'Antigravity'), ('trae', 'vscode', 'Trae'),
  ('kiro', 'vscode', 'Kiro'), ('devin', 'vscode', 'Devin'), ('jetbrains', 'jetbrains', 'JetBrains'),
  ('zed', 'ssh', 'Zed'), ('ssh', 'ssh', 'SSH'), ('reconnecting_pty', 'reconnecting_pty', 'Web Terminal'),
  -- family members only (no display name of their own: shown as their name)
  ('code_oss', 'vscode', NULL), ('vscodium_insiders', 'vscode', NULL), ('devin_next', 'vscode', NULL),
  ('trae_cn', 'vscode', NULL), ('intellij', 'jetbrains', NULL), ('pycharm', 'jetbrains', NULL),
  ('goland', 'jetbrains', NULL), ('webstorm', 'jetbrains', NULL), ('phpstorm', 'jetbrains', NULL),
  ('rubymine', 'jetbrains', NULL), ('clion', 'jetbrains', NULL), ('rider', 'jetbrains', NULL),
  ('rustrover', 'jetbrains', NULL), ('datagrip', 'jetbrains', NULL), ('dataspell', 'jetbrains', NULL),
  ('mps', 'jetbrains', NULL), ('android_studio', 'jetbrains', NULL);
CREATE FUNCTION ref.has_column(tbl text, col text) RETURNS boolean LANGUAGE sql STABLE AS $$
  SELECT EXISTS (SELECT FROM information_schema.columns
                 WHERE table_schema = 'public' AND table_name = tbl AND column_name = col) $$;
-- 3 with connection methods, 2 with G2's resource types, else 1.
CREATE FUNCTION ref.generation() RETURNS int LANGUAGE sql STABLE AS $$
  SELECT CASE WHEN ref.has_column('connection_logs', 'connection_method') THEN 3
              WHEN EXISTS (SELECT FROM pg_enum WHERE enumtypid = to_regtype('resource_type')
                           AND enumlabel = 'user_secret') THEN 2
              ELSE 1 END $$;
-- connection_logs in the same columns for every generation: method (G3's connection_method; G2's type), app
-- (app_name_or_port / slug_or_port) and ctype, what type: matches (G3: the compatibility category of the spec;
-- G2: the type label).
CREATE FUNCTION ref.conn() RETURNS text LANGUAGE sql STABLE AS $$
  SELECT CASE WHEN ref.has_column('connection_logs', 'connection_method') THEN
    $q$(SELECT c.id, c.connect_time, c.organization_id, c.workspace_owner_id, c.workspace_id, c.user_id,
               c.connection_id, c.disconnect_time, c.code, c.connection_method::text AS method,
               c.app_name_or_port AS app,
               CASE WHEN c.connection_method::text <> 'ssh' THEN c.connection_method::text
                    WHEN a.family IN ('vscode', 'jetbrains') THEN a.family ELSE 'ssh' END AS ctype,
               a.display_name
        FROM connection_logs c LEFT JOIN ref.apps a ON a.name = c.app_name_or_port)$q$
  ELSE
    $q$(SELECT c.id, c.connect_time, c.organization_id, c.workspace_owner_id, c.workspace_id, c.user_id,
               c.connection_id, c.disconnect_time, c.code, c.type::text AS method, c.slug_or_port AS app,
               c.type::text AS ctype, NULL::text AS display_name
        FROM connection_logs c)$q$ END $$;

-- Cases: a filter, an actor, and the same rows written plainly (columns of audit_logs / of ref.conn()); since:
-- the first generation whose labels the filter names.
CREATE TABLE ref.audit_cases (ord int, name text, q text, actor uuid, ref text, since int DEFAULT 1);
INSERT INTO ref.audit_cases (ord, name, q, actor, ref) VALUES
  (1,  'no actor',                          '', NULL, 'true'),
  (2,  'owner',                             '', md5('user1')::uuid, 'true'),
  (3,  'org auditor (org 9)',               '', md5('user8')::uuid, $$organization_id = md5('org9')::uuid$$),
  (4,  'log-reader role (org 10)',          '', md5('user9')::uuid, $$organization_id = md5('org10')::uuid$$),
  (5,  'member',                            '', md5('user10')::uuid, 'false'),
  (6,  'action:delete',                     'action:delete', md5('user1')::uuid, $$action = 'delete'$$),
  (7,  'action:delete, org auditor',        'action:delete', md5('user8')::uuid,
       $$action = 'delete' AND organization_id = md5('org9')::uuid$$),
  (8,  'resource_type:user_secret',         'resource_type:user_secret', NULL, $$resource_type::text = 'user_secret'$$),
  (9,  'user_secret, org auditor',          'user_secret', md5('user8')::uuid,
       $$resource_type::text = 'user_secret' AND organization_id = md5('org9')::uuid$$),
  (10, 'group_ai_budget, org auditor',      'resource_type:group_ai_budget', md5('user8')::uuid,
       $$resource_type::text = 'group_ai_budget' AND organization_id = md5('org9')::uuid$$),
  (11, 'chat_operational_settings write',   'resource_type:chat_operational_settings action:write', NULL,
       $$resource_type::text = 'chat_operational_settings' AND action = 'write'$$),
  (12, 'resource_type:task (tasks dropped)', 'resource_type:task', NULL, $$resource_type::text = 'task'$$),
  (13, 'workspace_build action:start',      'workspace_build action:start', md5('user1')::uuid,
       $$resource_type = 'workspace_build' AND action = 'start'$$),
  (14, 'build_reason:initiator',            'build_reason:initiator', NULL,
       $$(resource_type = 'workspace_build' AND EXISTS (SELECT FROM workspace_builds b
            WHERE b.id = audit_logs.resource_id AND b.reason::text = 'initiator'))
         OR (resource_type = 'workspace' AND action = 'create' AND EXISTS (SELECT FROM workspace_builds b
            WHERE b.workspace_id = audit_logs.resource_id AND b.build_number = 1 AND b.reason::text = 'initiator'))$$),
  (15, 'build_reason:autostart, org auditor', 'build_reason:autostart', md5('user8')::uuid,
       $$organization_id = md5('org9')::uuid AND (
         (resource_type = 'workspace_build' AND EXISTS (SELECT FROM workspace_builds b
            WHERE b.id = audit_logs.resource_id AND b.reason::text = 'autostart'))
         OR (resource_type = 'workspace' AND action = 'create' AND EXISTS (SELECT FROM workspace_builds b
            WHERE b.workspace_id = audit_logs.resource_id AND b.build_number = 1 AND b.reason::text = 'autostart')))$$),
  (16, 'username:admin',                    'username:admin', NULL, $$user_id = md5('user1')::uuid$$),
  (17, 'resource_target:GITHUB_TOKEN',      'resource_target:GITHUB_TOKEN', NULL, $$resource_target = 'GITHUB_TOKEN'$$),
  (18, 'organization:org-09 date_from',     'organization:org-09 date_from:2026-05-31', NULL,
       $$organization_id = md5('org9')::uuid AND "time" >= '2026-05-31 00:00:00+00'$$),
  (19, 'date_from:2026-05-31 (recent rows)', 'date_from:2026-05-31', md5('user1')::uuid,
       $$"time" >= '2026-05-31 00:00:00+00'$$);
UPDATE ref.audit_cases SET since = 2 WHERE q ~ 'user_secret|group_ai_budget|chat_operational_settings';
CREATE TABLE ref.connection_cases (ord int, name text, q text, actor uuid, ref text, since int DEFAULT 1);
INSERT INTO ref.connection_cases (ord, name, q, actor, ref) VALUES
  (1,  'no actor',                    '', NULL, 'true'),
  (2,  'owner',                       '', md5('user1')::uuid, 'true'),
  (3,  'org auditor (org 9)',         '', md5('user8')::uuid, $$organization_id = md5('org9')::uuid$$),
  (4,  'log-reader role (org 10)',    '', md5('user9')::uuid, $$organization_id = md5('org10')::uuid$$),
  (5,  'member',                      '', md5('user10')::uuid, 'false'),
  (6,  'type:ssh',                    'type:ssh', NULL, $$ctype = 'ssh'$$),
  (7,  'type:vscode',                 'type:vscode', NULL, $$ctype = 'vscode'$$),
  (8,  'type:jetbrains',              'type:jetbrains', NULL, $$ctype = 'jetbrains'$$),
  (9,  'type:reconnecting_pty',       'type:reconnecting_pty', NULL, $$ctype = 'reconnecting_pty'$$),
  (10, 'type:workspace_app',          'type:workspace_app', NULL, $$ctype = 'workspace_app'$$),
  (11, 'type:port_forwarding',        'type:port_forwarding', NULL, $$ctype = 'port_forwarding'$$),
  (12, 'type:tunnel',                 'type:tunnel', NULL, $$ctype = 'tunnel'$$),
  (13, 'status:ongoing',              'status:ongoing', NULL,
       $$disconnect_time IS NULL AND method NOT IN ('workspace_app', 'port_forwarding')$$),
  (14, 'status:completed',            'status:completed', NULL,
       $$disconnect_time IS NOT NULL AND method NOT IN ('workspace_app', 'port_forwarding')$$),
  (15, 'type:vscode status:ongoing',  'type:vscode status:ongoing', NULL,
       $$ctype = 'vscode' AND disconnect_time IS NULL$$),
  (16, 'type:ssh, org auditor',       'type:ssh', md5('user8')::uuid,
       $$ctype = 'ssh' AND organization_id = md5('org9')::uuid$$),
  (17, 'type:jetbrains, log-reader',  'type:jetbrains', md5('user9')::uuid,
       $$ctype = 'jetbrains' AND organization_id = md5('org10')::uuid$$),
  (18, 'status:ongoing, org auditor', 'status:ongoing', md5('user8')::uuid,
       $$disconnect_time IS NULL AND method NOT IN ('workspace_app', 'port_forwarding')
         AND organization_id = md5('org9')::uuid$$),
  (19, 'workspace_owner:judy9',       'workspace_owner:judy9', NULL, $$workspace_owner_id = md5('user9')::uuid$$),
  (20, 'connected_after (recent)',    'connected_after:"2026-05-31T18:00:00Z"', md5('user1')::uuid,
       $$connect_time >= '2026-05-31 18:00:00+00'$$);
UPDATE ref.connection_cases SET since = 2 WHERE q LIKE '%tunnel%';

-- Per case: the reference's number of rows; the exact count and the page's count; a page of 20 from offset 5
-- (audit_logs() / connection_logs() ids in order, and the psql search's ids); the predicate's rows.
CREATE FUNCTION ref.check_audit() RETURNS TABLE (case_name text, matches bigint, count_ok boolean, page_ok boolean,
                                                 search_ok boolean, predicate_ok boolean)
LANGUAGE plpgsql AS $$
DECLARE c record; want jsonb; page jsonb; got bigint;
BEGIN
  FOR c IN SELECT * FROM ref.audit_cases WHERE since <= ref.generation() ORDER BY ord LOOP
    case_name := c.name;
    EXECUTE format('SELECT count(*) FROM audit_logs WHERE %s', c.ref) INTO matches;
    EXECUTE format('SELECT coalesce(jsonb_agg(id ORDER BY "time" DESC, id DESC), ''[]'') FROM
                    (SELECT id, "time" FROM audit_logs WHERE %s ORDER BY "time" DESC, id DESC LIMIT 20 OFFSET 5) s',
                   c.ref) INTO want;
    page := audit_ext.audit_logs(c.q, c.actor, 20, 5);
    count_ok := audit_ext.count_audit_logs(c.q, c.actor, 0) = matches AND (page->>'count')::bigint = matches;
    page_ok := jsonb_path_query_array(page, '$.audit_logs[*].id') = want;
    search_ok := (SELECT coalesce(jsonb_agg(to_jsonb(s.id) ORDER BY s.ordinality), '[]')
                  FROM audit_ext.search_audit_logs(c.q, c.actor, 20, 5) WITH ORDINALITY s) = want;
    EXECUTE format('SELECT count(*) FROM audit_logs WHERE %s', audit_ext.audit_predicate(c.q, c.actor)) INTO got;
    predicate_ok := got = matches;
    RETURN NEXT;
  END LOOP;
END $$;
CREATE FUNCTION ref.check_connections() RETURNS TABLE (case_name text, matches bigint, count_ok boolean,
                                                       page_ok boolean, search_ok boolean, predicate_ok boolean)
LANGUAGE plpgsql AS $$
DECLARE c record; want jsonb; page jsonb; got bigint;
BEGIN
  FOR c IN SELECT * FROM ref.connection_cases WHERE since <= ref.generation() ORDER BY ord LOOP
    case_name := c.name;
    EXECUTE format('SELECT count(*) FROM %s r WHERE %s', ref.conn(), c.ref) INTO matches;
    EXECUTE format('SELECT coalesce(jsonb_agg(id ORDER BY connect_time DESC, id DESC), ''[]'') FROM
                    (SELECT id, connect_time FROM %s r WHERE %s ORDER BY connect_time DESC, id DESC LIMIT 20 OFFSET 5) s',
                   ref.conn(), c.ref) INTO want;
    page := audit_ext.connection_logs(c.q, c.actor, 20, 5);
    count_ok := audit_ext.count_connection_logs(c.q, c.actor, 0) = matches AND (page->>'count')::bigint = matches;
    page_ok := jsonb_path_query_array(page, '$.connection_logs[*].id') = want;
    search_ok := (SELECT coalesce(jsonb_agg(to_jsonb(s.id) ORDER BY s.ordinality), '[]')
                  FROM audit_ext.search_connection_logs(c.q, c.actor, 20, 5) WITH ORDINALITY s) = want;
    EXECUTE format('SELECT count(*) FROM connection_logs WHERE %s', audit_ext.connection_predicate(c.q, c.actor))
      INTO got;
    predicate_ok := got = matches;
    RETURN NEXT;
  END LOOP;
END $$;

-- Every connection entry of one page holding all rows, against its row: the fields that depend on the generation.
-- G3 (spec): connection_method; app_name for ssh/reconnecting_pty rows with a non-empty app_name_or_port, and
-- app_display_name (the registry's, else the name); the deprecated type (ssh rows: the app's family when vscode
-- or jetbrains, else ssh; other methods: the method); web_info for workspace_app, port_forwarding, tunnel with
-- slug_or_port (Go's "" for NULL) and status_code (0 for NULL); ssh_info for ssh, reconnecting_pty, with
-- disconnect_time and exit_code only when set. G2: Coder's G1 JSON (type = the label, no
-- connection_method or app_name), tunnel shaped as web.
CREATE FUNCTION ref.check_connection_json() RETURNS TABLE (entries bigint, bad_method bigint, bad_app_name bigint,
    bad_app_display_name bigint, bad_type bigint, bad_web_info bigint, bad_ssh_info bigint, bad_search_columns bigint)
LANGUAGE plpgsql AS $$
DECLARE g3 boolean := ref.generation() = 3;
BEGIN
  RETURN QUERY EXECUTE format($q$
    WITH page AS (SELECT e FROM jsonb_array_elements(audit_ext.connection_logs('', NULL, 1000)->'connection_logs') e),
    x AS (SELECT r.*, e,
                 CASE WHEN %1$L AND r.method IN ('ssh', 'reconnecting_pty') AND r.app <> '' THEN r.app END AS app_name,
                 r.method IN ('workspace_app', 'port_forwarding', 'tunnel') AS web
          FROM page JOIN %2$s r ON r.id = (e->>'id')::uuid),
    s AS (SELECT s.*, r.method, r.app FROM audit_ext.search_connection_logs('', NULL, 1000) s JOIN %2$s r USING (id))
    SELECT (SELECT count(*) FROM page),
      count(*) FILTER (WHERE (e->'connection_method') IS DISTINCT FROM CASE WHEN %1$L THEN to_jsonb(method) END),
      count(*) FILTER (WHERE (e->'app_name') IS DISTINCT FROM to_jsonb(app_name)),
      count(*) FILTER (WHERE (e->'app_display_name') IS DISTINCT FROM
                             to_jsonb(CASE WHEN app_name IS NOT NULL THEN coalesce(display_name, app_name) END)),
      count(*) FILTER (WHERE e->>'type' IS DISTINCT FROM ctype),
      count(*) FILTER (WHERE (e ? 'web_info') <> web
                          OR (web AND ((e->'web_info'->'slug_or_port') IS DISTINCT FROM to_jsonb(coalesce(app, ''))
                                       OR (e->'web_info'->>'status_code')::int <> coalesce(code, 0)))),
      count(*) FILTER (WHERE (e ? 'ssh_info') = web
                          OR (NOT web AND ((e->'ssh_info' ? 'disconnect_time') <> (disconnect_time IS NOT NULL)
                                           OR (e->'ssh_info' ? 'exit_code') <> (code IS NOT NULL)
                                           OR (e->'ssh_info'->>'connection_id')::uuid IS DISTINCT FROM connection_id))),
      (SELECT count(*) FROM s
       WHERE s.connection_method IS DISTINCT FROM
               CASE WHEN %1$L THEN s.method WHEN s.method IN ('vscode', 'jetbrains') THEN 'ssh' ELSE s.method END
          OR s.app_name IS DISTINCT FROM
               CASE WHEN %1$L THEN CASE WHEN s.method IN ('ssh', 'reconnecting_pty') AND s.app <> '' THEN s.app END
                    WHEN s.method IN ('vscode', 'jetbrains') THEN s.method END)
    FROM x $q$, g3, ref.conn());
END $$;

-- AI seats. state (Coder's rule, where ai_seat_state exists): an ai_seat_state row and an active, non-deleted,
-- non-system user. aibridge: AI Bridge initiators. task: owners of non-deleted workspaces with a has_ai_task
-- build (any, or each workspace's latest), where that column still exists. usage = aibridge ∪ task.
CREATE FUNCTION ref.seat_users(kind text, latest boolean) RETURNS SETOF uuid LANGUAGE plpgsql STABLE AS $$
BEGIN
  IF kind = 'state' THEN
    RETURN QUERY SELECT s.user_id FROM ai_seat_state s JOIN users u ON u.id = s.user_id
                 WHERE u.status = 'active' AND NOT u.deleted AND NOT u.is_system;
  END IF;
  IF kind IN ('usage', 'aibridge') THEN
    RETURN QUERY SELECT initiator_id FROM aibridge_interceptions;
  END IF;
  IF kind IN ('usage', 'task') AND ref.has_column('workspace_builds', 'has_ai_task') THEN
    RETURN QUERY EXECUTE format(
      'SELECT w.owner_id FROM workspaces w JOIN workspace_builds b ON b.workspace_id = w.id
       WHERE NOT w.deleted AND b.has_ai_task %s',
      CASE WHEN latest THEN 'AND b.build_number = (SELECT max(build_number) FROM workspace_builds l
                                                    WHERE l.workspace_id = w.id)' ELSE '' END);
  END IF;
END $$;
-- Per (source, latest_build_only); source NULL is state where ai_seat_state exists. seats: non-deleted seat
-- users. get_user_ai_seat_states over every user by username plus a NULL and an unknown id: the seat users in
-- input order. count_ai_seat_users: seats. user_ai_seats: every non-deleted user, has_ai_seat as the reference
-- says; reason of a seat: state → last_event_type; usage → aibridge, task or both.
CREATE FUNCTION ref.check_seats(source text, latest boolean) RETURNS TABLE (seats bigint, states_ok boolean,
    count_ok boolean, table_ok boolean, reason_ok boolean)
LANGUAGE plpgsql AS $$
DECLARE ids uuid[] := (SELECT array_agg(id ORDER BY username, id) FROM users)
                      || ARRAY[NULL, 'ffffffff-0000-4000-8000-000000000000']::uuid[];
        kind text := coalesce(source, CASE WHEN to_regclass('ai_seat_state') IS NOT NULL THEN 'state' ELSE 'usage' END);
BEGIN
  CREATE TEMP TABLE seat_ref AS SELECT DISTINCT u AS id FROM ref.seat_users(kind, latest) u;
  seats := (SELECT count(*) FROM seat_ref JOIN users USING (id) WHERE NOT deleted);
  states_ok := ARRAY(SELECT audit_ext.get_user_ai_seat_states(ids, latest, source))
             = ARRAY(SELECT i FROM unnest(ids) WITH ORDINALITY x(i, o) WHERE i IN (SELECT id FROM seat_ref) ORDER BY o);
  count_ok := audit_ext.count_ai_seat_users(latest, source) = seats;
  CREATE TEMP TABLE seat_table AS SELECT * FROM audit_ext.user_ai_seats(NULL, latest, 1000, 0, source);
  table_ok := (SELECT count(*) FROM seat_table) = (SELECT count(*) FROM users WHERE NOT deleted)
          AND NOT EXISTS (SELECT FROM seat_table t JOIN users u ON u.id = t.user_id
                          WHERE u.deleted OR t.username <> u.username
                             OR t.has_ai_seat <> (t.user_id IN (SELECT id FROM seat_ref)));
  reason_ok := NOT EXISTS (
    SELECT FROM seat_table t WHERE t.has_ai_seat AND t.reason IS DISTINCT FROM
      CASE WHEN kind = 'state' THEN (SELECT last_event_type::text FROM ai_seat_state s WHERE s.user_id = t.user_id)
           WHEN t.user_id IN (SELECT ref.seat_users('aibridge', latest))
            AND t.user_id IN (SELECT ref.seat_users('task', latest)) THEN 'both'
           WHEN t.user_id IN (SELECT ref.seat_users('aibridge', latest)) THEN 'aibridge'
           ELSE 'task' END);
  DROP TABLE seat_ref, seat_table;
  RETURN NEXT;
END $$;

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
SELECT key, value FROM audit_ext.filter_keys() WHERE key IN ('type', 'build_reason', 'resource_type') ORDER BY log, key;

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
SELECT key, value, description FROM audit_ext.filter_keys() WHERE log = 'connection' AND key = 'type';

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
-- status:ongoing's count reads the partial index alone.
SELECT audit_ext.index_advice();
SELECT audit_ext.index_advice() \gexec
SELECT count(*) AS advised_after_gexec FROM audit_ext.index_advice();
SET enable_seqscan = off; SET enable_bitmapscan = off;
SELECT format('EXPLAIN (COSTS OFF) SELECT count(*) FROM connection_logs WHERE %s',
              audit_ext.connection_predicate('status:ongoing')) \gexec
RESET enable_seqscan; RESET enable_bitmapscan;
SELECT * FROM ref.check_connections() WHERE NOT (count_ok AND page_ok AND search_ok AND predicate_ok);

-- A branch of Coder with connection_logs.client_session_id: read when present, never required.
ALTER TABLE connection_logs ADD COLUMN client_session_id text;
SELECT audit_ext.coder_schema_profile()->'connection_logs'->'client_session_id' AS client_session_id;
SELECT * FROM ref.check_connections() WHERE NOT (count_ok AND page_ok AND search_ok AND predicate_ok);
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
