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
  check_name := 'filter_keys'; ok := (SELECT count(*) FROM audit_ext.filter_keys() WHERE key = 'type') = 1; RETURN NEXT;
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
SELECT * FROM ref.check_connections() WHERE NOT (count_ok AND page_ok AND search_ok AND predicate_ok);
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
-- What the migration dropped and still applies; applied, nothing is left.
SELECT audit_ext.index_advice();
SELECT audit_ext.index_advice() \gexec
SELECT count(*) AS advised_after_gexec FROM audit_ext.index_advice();
SELECT * FROM ref.check_connections() WHERE NOT (count_ok AND page_ok AND search_ok AND predicate_ok);
CALL audit_ext.purge_logs('2000-01-01', '2000-01-01', 100, '2000-01-01');

\c audit_ext_regress
DROP DATABASE audit_ext_migration;
