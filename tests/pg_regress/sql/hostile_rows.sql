-- Any stored row renders. 2,000 audit and 600 connection rows of odd and hostile values (made by a seeded
-- generator, so the same on every run): every Unicode plane, control characters, U+2028, combining marks,
-- empty and NULL text, random jsonb documents (deep, every scalar, huge numbers, empty and case-twin keys,
-- workspace_id strings with multi-byte characters at the offsets a uuid parser slices), inet v4/v6 with masks,
-- times at the ends of Go's JSON range, status codes at int4's ends, and enum labels audit_ext has never seen
-- (a future Coder's). Every page of every row renders without an error, and the fields Coder passes through
-- (id, time, action, ip, …) equal the table's. On Coder G1, then after Coder's G2 and G3 migrations. A time Go's
-- JSON cannot carry (±infinity) fails the page that holds it with 22008 naming the row; other pages still render.
SET timezone = 'UTC';
\set schema hostile
\i tests/fixture/empty_schema.sql

-- Labels a future Coder might add (each ALTER commits on its own, so the rows below may use them).
ALTER TYPE resource_type ADD VALUE 'quantum_link';
ALTER TYPE audit_action ADD VALUE 'teleport';
ALTER TYPE connection_type ADD VALUE 'carrier_pigeon';
ALTER TYPE user_status ADD VALUE 'frozen';
ALTER TYPE login_type ADD VALUE 'telepathy';

-- Random text of n characters from every plane (no NUL, no surrogates), with a bias toward the characters that
-- break parsers: control characters, U+2028/2029, combining marks, quotes, backslashes, 4-byte characters.
CREATE FUNCTION pg_temp.rtext(n int) RETURNS text LANGUAGE sql AS $$
  SELECT coalesce(string_agg(CASE (random() * 9)::int
           WHEN 0 THEN chr(1 + (random() * 30)::int)
           WHEN 1 THEN chr((ARRAY[8232, 8233, 768, 769, 8203, 65279, 34, 92, 39])[1 + (random() * 8)::int])
           WHEN 2 THEN chr(65536 + (random() * 1048575)::int)
           WHEN 3 THEN chr(57344 + (random() * 8191)::int)
           WHEN 4 THEN chr(128 + (random() * 1919)::int)
           WHEN 5 THEN chr(2048 + (random() * 53247)::int)
           ELSE chr(32 + (random() * 94)::int) END, ''), '')
  FROM generate_series(1, n)
$$;
-- A random jsonb document: containers near the top, scalars of every kind deeper.
CREATE FUNCTION pg_temp.rjson(depth int) RETURNS jsonb LANGUAGE sql AS $$
  SELECT CASE WHEN depth > 4 THEN to_jsonb(pg_temp.rtext(3)) ELSE
    CASE (random() * 11)::int
      WHEN 0 THEN 'null'::jsonb WHEN 1 THEN 'true'::jsonb WHEN 2 THEN 'false'::jsonb
      WHEN 3 THEN to_jsonb((ARRAY[0, -1, 9223372036854775807, -9223372036854775808, 18446744073709551615,
                                 1.7976931348623157e308, -5e-324, 1e400, 123456789012345678901234567890.5])[1 + (random() * 8)::int])
      WHEN 4 THEN to_jsonb(pg_temp.rtext((random() * 40)::int))
      WHEN 5 THEN (SELECT coalesce(jsonb_agg(pg_temp.rjson(depth + 1)), '[]') FROM generate_series(1, (random() * 4)::int))
      ELSE (SELECT coalesce(jsonb_object_agg(k, pg_temp.rjson(depth + 1)), '{}') FROM (
              SELECT (ARRAY['', 'old', 'new', 'secret', 'Old', 'NEW', 'workspace_id', 'Workspace_ID', 'build_number',
                            pg_temp.rtext(4)])[1 + (random() * 9)::int] AS k
              FROM generate_series(1, (random() * 5)::int)) keys)
    END END
$$;
-- Values of additional_fields that Coder's decode reads specially.
CREATE FUNCTION pg_temp.rfields() RETURNS jsonb LANGUAGE sql AS $$
  SELECT CASE (random() * 9)::int
    WHEN 0 THEN jsonb_build_object('workspace_id', 'urn:uuid' || chr(233) || repeat('x', 35))
    WHEN 1 THEN jsonb_build_object('workspace_id', repeat(chr(233), 18), 'workspace_name', pg_temp.rtext(5))
    WHEN 2 THEN jsonb_build_object('Workspace_ID', 'URN:UUID:' || upper(gen_random_uuid()::text), 'build_number', '7',
                                   'workspace_name', 'ws', 'workspace_owner', pg_temp.rtext(4))
    WHEN 3 THEN jsonb_build_object('workspace_id', '{' || gen_random_uuid() || '}', 'build_number', 7)
    WHEN 4 THEN jsonb_build_object('workspace_id', substr(pg_temp.rtext(50), 1, 36 + (random() * 9)::int))
    WHEN 5 THEN '[]'::jsonb
    WHEN 6 THEN to_jsonb(pg_temp.rtext(10))
    ELSE pg_temp.rjson(0) END
$$;
SELECT setseed(0.4242);

INSERT INTO organizations (id, name, description, created_at, updated_at, display_name, icon)
SELECT md5('hostile org' || n)::uuid, 'org' || n || pg_temp.rtext(5), pg_temp.rtext(10), now(), now(),
       pg_temp.rtext(8), pg_temp.rtext(3)
FROM generate_series(1, 5) n;
INSERT INTO users (id, email, username, hashed_password, created_at, updated_at, status, rbac_roles, login_type,
                   avatar_url, deleted, last_seen_at, name)
SELECT md5('hostile user' || n)::uuid, 'u' || n || pg_temp.rtext(6) || '@x', 'u' || n || pg_temp.rtext(6), '',
       (ARRAY['0001-01-01 00:00:00+00', '9999-12-31 23:59:59.999999+00', '2026-01-01'])[1 + n % 3]::timestamptz,
       now(), (ARRAY['active', 'suspended', 'dormant', 'frozen'])[1 + n % 4]::user_status,
       ARRAY['owner', pg_temp.rtext(4), ''], (ARRAY['password', 'telepathy'])[1 + n % 2]::login_type,
       pg_temp.rtext(n % 3), n % 5 = 0, '0001-01-01 00:00:00', pg_temp.rtext(n % 4)
FROM generate_series(1, 12) n;
INSERT INTO templates (id, created_at, updated_at, organization_id, name, active_version_id, created_by)
VALUES (md5('hostile template')::uuid, now(), now(), md5('hostile org1')::uuid, 't', gen_random_uuid(),
        md5('hostile user1')::uuid);
INSERT INTO workspaces (id, created_at, updated_at, owner_id, organization_id, template_id, name)
SELECT md5('hostile ws' || n)::uuid, now(), now(), md5('hostile user' || n)::uuid, md5('hostile org1')::uuid,
       md5('hostile template')::uuid, 'ws' || n
FROM generate_series(1, 12) n;

INSERT INTO audit_logs (id, "time", user_id, organization_id, ip, user_agent, resource_type, resource_id,
                        resource_target, action, diff, status_code, additional_fields, request_id, resource_icon)
SELECT md5('hostile audit' || n)::uuid,
       CASE n % 50 WHEN 0 THEN '0001-01-01 00:00:00+00'::timestamptz WHEN 1 THEN '9999-12-31 23:59:59.999999+00'
                   ELSE timestamptz '1970-01-01' + random() * interval '60 years' END,
       CASE n % 4 WHEN 0 THEN '00000000-0000-0000-0000-000000000000'::uuid WHEN 1 THEN gen_random_uuid()
                  ELSE md5('hostile user' || (1 + n % 12))::uuid END,
       CASE n % 3 WHEN 0 THEN '00000000-0000-0000-0000-000000000000'::uuid WHEN 1 THEN gen_random_uuid()
                  ELSE md5('hostile org' || (1 + n % 5))::uuid END,
       ((ARRAY[NULL, '10.1.2.3', '10.0.0.0/8', '::ffff:10.0.0.1', '2001:db8::1', '2001:db8::/32', '::0.2.0.3',
               '::']::text[])[1 + n % 8])::inet,
       CASE WHEN n % 7 = 0 THEN NULL ELSE left(pg_temp.rtext((random() * 60)::int), 256) END,
       (SELECT r FROM unnest(enum_range(NULL::resource_type)) WITH ORDINALITY e(r, i)
         ORDER BY i OFFSET n % cardinality(enum_range(NULL::resource_type)) LIMIT 1),
       gen_random_uuid(), pg_temp.rtext((random() * 30)::int),
       (SELECT a FROM unnest(enum_range(NULL::audit_action)) WITH ORDINALITY e(a, i)
         ORDER BY i OFFSET n % cardinality(enum_range(NULL::audit_action)) LIMIT 1),
       CASE n % 5 WHEN 0 THEN 'null'::jsonb WHEN 1 THEN '"not an object"'::jsonb ELSE pg_temp.rjson(0) END,
       (ARRAY[200, 201, 303, 400, 500, -2147483648, 2147483647, 0])[1 + n % 8],
       pg_temp.rfields(), gen_random_uuid(), pg_temp.rtext((random() * 5)::int)
FROM generate_series(1, 2000) n;

INSERT INTO connection_logs (id, connect_time, organization_id, workspace_owner_id, workspace_id, workspace_name,
                             agent_name, type, ip, code, user_agent, user_id, slug_or_port, connection_id,
                             disconnect_time, disconnect_reason)
SELECT md5('hostile conn' || n)::uuid, timestamptz '1970-01-01' + random() * interval '60 years',
       md5('hostile org1')::uuid, md5('hostile user' || (1 + n % 12))::uuid, md5('hostile ws' || (1 + n % 12))::uuid,
       pg_temp.rtext(6), pg_temp.rtext(4),
       (SELECT t FROM unnest(enum_range(NULL::connection_type)) WITH ORDINALITY e(t, i)
         ORDER BY i OFFSET n % cardinality(enum_range(NULL::connection_type)) LIMIT 1),
       (ARRAY[NULL, '192.168.0.1/24', '2001:db8::7'::text])[1 + n % 3]::inet,
       (ARRAY[NULL, 0, -2147483648, 2147483647, 130])[1 + n % 5],
       CASE WHEN n % 3 = 0 THEN NULL ELSE pg_temp.rtext(20) END,
       CASE n % 3 WHEN 0 THEN NULL WHEN 1 THEN gen_random_uuid() ELSE md5('hostile user' || (1 + n % 12))::uuid END,
       CASE n % 4 WHEN 0 THEN NULL WHEN 1 THEN '' ELSE pg_temp.rtext(8) END,
       CASE WHEN n % 5 = 0 THEN NULL ELSE gen_random_uuid() END,
       CASE WHEN n % 2 = 0 THEN timestamptz '2030-01-01' + random() * interval '10 years' END,
       CASE WHEN n % 2 = 0 THEN pg_temp.rtext(12) END
FROM generate_series(1, 600) n;

-- The checks, for whichever generation the schema is in: every row through every page function, and the
-- fields Coder passes through against the table.
CREATE FUNCTION pg_temp.check_all() RETURNS TABLE (check_name text, ok boolean, detail text) LANGUAGE plpgsql AS $$
DECLARE
  method text := CASE WHEN EXISTS (SELECT FROM information_schema.columns WHERE table_schema = 'hostile'
                                     AND table_name = 'connection_logs' AND column_name = 'connection_method')
                      THEN 'connection_method' ELSE 'type' END;
  audits int := (SELECT count(*) FROM hostile.audit_logs);
  conns int := (SELECT count(*) FROM hostile.connection_logs);
  bad int;
BEGIN
  CREATE TEMP TABLE pages AS
    SELECT e FROM generate_series(0, audits / 1000) o,
                  jsonb_array_elements(audit_ext.audit_logs('', NULL, 1000, o * 1000, 0) -> 'audit_logs') e;
  check_name := 'every audit row renders'; ok := (SELECT count(DISTINCT e->>'id') FROM pages) = audits;
  detail := (SELECT count(*) FROM pages) || ' of ' || audits; RETURN NEXT;
  SELECT count(*) INTO bad FROM pages p JOIN hostile.audit_logs a ON a.id = (p.e->>'id')::uuid
   WHERE (p.e->>'time')::timestamptz <> a."time" OR p.e->>'action' <> a.action::text
      OR p.e->>'resource_type' <> a.resource_type::text OR (p.e->>'resource_id')::uuid <> a.resource_id
      OR p.e->>'resource_target' <> a.resource_target OR p.e->>'resource_icon' <> a.resource_icon
      OR (p.e->>'status_code')::int <> a.status_code OR (p.e->>'request_id')::uuid <> a.request_id
      OR (p.e->>'organization_id')::uuid <> a.organization_id OR p.e->>'user_agent' <> coalesce(a.user_agent, '')
      OR nullif(p.e->>'ip', '')::inet IS DISTINCT FROM
         CASE WHEN host(a.ip) ~ '^::ffff:[0-9.]+$' THEN substr(host(a.ip), 8)::inet ELSE host(a.ip)::inet END
      OR (p.e->'user'->>'id')::uuid IS DISTINCT FROM (SELECT u.id FROM hostile.users u WHERE u.id = a.user_id)
      OR jsonb_typeof(p.e->'additional_fields') IS NULL OR jsonb_typeof(p.e->'diff') NOT IN ('object', 'null');
  check_name := 'audit pass-through fields equal the table'; ok := bad = 0; detail := bad || ' mismatches'; RETURN NEXT;
  check_name := 'every audit row in search_audit_logs';
  ok := (SELECT count(*) FROM generate_series(0, audits / 1000) o,
                audit_ext.search_audit_logs('', NULL, 1000, o * 1000)) = audits; detail := NULL; RETURN NEXT;
  DROP TABLE pages;

  CREATE TEMP TABLE pages AS
    SELECT e FROM jsonb_array_elements(audit_ext.connection_logs('', NULL, 1000, 0, 0) -> 'connection_logs') e;
  check_name := 'every connection row renders'; ok := (SELECT count(*) FROM pages) = conns;
  detail := (SELECT count(*) FROM pages) || ' of ' || conns; RETURN NEXT;
  EXECUTE format($q$
    SELECT count(*) FROM pages p JOIN hostile.connection_logs c ON c.id = (p.e->>'id')::uuid
     WHERE (p.e->>'connect_time')::timestamptz <> c.connect_time OR p.e->>'workspace_name' <> c.workspace_name
        OR p.e->>'agent_name' <> c.agent_name OR (p.e->>'workspace_id')::uuid <> c.workspace_id
        OR coalesce(p.e->>'connection_method', p.e->>'type') <> c.%I::text
        OR nullif(p.e->>'ip', '')::inet IS DISTINCT FROM host(c.ip)::inet
        OR (p.e ? 'ssh_info') = (p.e ? 'web_info') AND c.%I::text IN ('ssh', 'workspace_app')
        OR (p.e->'ssh_info'->>'disconnect_time')::timestamptz IS DISTINCT FROM
           CASE WHEN p.e ? 'ssh_info' THEN c.disconnect_time END
        OR coalesce(p.e->'web_info'->>'status_code', p.e->'ssh_info'->>'exit_code')::int IS DISTINCT FROM
           CASE WHEN p.e ? 'web_info' THEN coalesce(c.code, 0) WHEN p.e ? 'ssh_info' THEN c.code END
  $q$, method, method) INTO bad;
  check_name := 'connection pass-through fields equal the table'; ok := bad = 0; detail := bad || ' mismatches'; RETURN NEXT;
  check_name := 'every connection row in search_connection_logs';
  ok := (SELECT count(*) FROM audit_ext.search_connection_logs('', NULL, 1000, 0)) = conns; detail := NULL; RETURN NEXT;
  DROP TABLE pages;
  check_name := 'exact counts'; detail := NULL;
  ok := audit_ext.count_audit_logs('', NULL, 0) = audits AND audit_ext.count_connection_logs('', NULL, 0) = conns;
  RETURN NEXT;
END
$$;

SELECT audit_ext.coder_schema_profile() ->> 'generation' AS generation;
SELECT * FROM pg_temp.check_all();

-- A time Go's JSON cannot carry: the page holding it fails whole, naming the row and the field; a page without
-- it renders.
INSERT INTO audit_logs (id, "time", user_id, organization_id, resource_type, resource_id, resource_target, action,
                        diff, status_code, additional_fields, request_id, resource_icon)
VALUES ('11111111-1111-4111-8111-111111111111', 'infinity', gen_random_uuid(), gen_random_uuid(), 'user',
        gen_random_uuid(), 'x', 'write', '{}', 200, '{}', gen_random_uuid(), '');
SELECT audit_ext.audit_logs('', NULL, 5);
SELECT jsonb_array_length(audit_ext.audit_logs('date_to:2099-01-01', NULL, 5) -> 'audit_logs') AS page_without_it;
UPDATE users SET last_seen_at = '-infinity' WHERE id = md5('hostile user3')::uuid;
SELECT audit_ext.audit_logs('date_to:2099-01-01', NULL, 1000);
UPDATE users SET last_seen_at = '0001-01-01' WHERE id = md5('hostile user3')::uuid;
DELETE FROM audit_logs WHERE id = '11111111-1111-4111-8111-111111111111';

-- Coder's G2 and G3 migrations over the same rows (the unknown connection type cannot become a method: Coder's
-- migration would refuse it too, so those rows go first); then a method label audit_ext has never seen.
DELETE FROM connection_logs WHERE type = 'carrier_pigeon';
\set ECHO none
SET client_min_messages = warning;
\i tests/fixture/g2.sql
\i tests/fixture/g3.sql
RESET client_min_messages;
\set ECHO all
ALTER TYPE connection_log_method ADD VALUE 'carrier_pigeon';
INSERT INTO connection_logs (id, connect_time, organization_id, workspace_owner_id, workspace_id, workspace_name,
                             agent_name, connection_method, app_name_or_port, connection_id, code)
SELECT md5('hostile g3 conn' || n)::uuid, timestamptz '2026-01-01' + n * interval '1 minute', md5('hostile org1')::uuid,
       md5('hostile user' || (1 + n % 12))::uuid, md5('hostile ws' || (1 + n % 12))::uuid, pg_temp.rtext(4), 'main',
       (ARRAY['ssh', 'reconnecting_pty', 'tunnel', 'carrier_pigeon'])[1 + n % 4]::connection_log_method,
       (ARRAY[NULL, '', 'cursor', 'PyCharm', pg_temp.rtext(64)])[1 + n % 5], gen_random_uuid(), n % 3
FROM generate_series(1, 100) n;
SELECT audit_ext.coder_schema_profile() ->> 'generation' AS generation;
SELECT * FROM pg_temp.check_all();

RESET audit_ext.coder_schema;
RESET search_path;
SET client_min_messages = warning;
DROP SCHEMA hostile CASCADE;
