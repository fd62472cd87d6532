-- RBAC differential test. 400 generated actors (every site role, site-wide and per-organization custom
-- roles with wildcards and negations, up to six memberships, deleted, suspended and dormant users, unknown
-- role names) × filters (Coder's, and the extended dialect's lists, negations, ip: and status_code:) × API-key
-- scopes, against the 10,000-row fixture. For every case audit_ext's exact count, its first page (ids, in order)
-- and the same rows read by two keyset pages must equal a reference query written plainly in SQL below, which
-- implements Coder's policy independently of audit_ext's code:
--   * a deleted or suspended actor reads nothing;
--   * site level: a matching negated permission in any site role denies everything; else a matching positive
--     one (owner, auditor, or a site-wide custom role) allows every row;
--   * organization level, for each membership: a matching negated permission in any of that organization's
--     roles denies it; else organization-admin, organization-auditor or a matching positive custom
--     permission allows that organization's rows;
--   * a permission matches when resource_type is the log's object or *, and action is read or *;
--   * scopes: NULL (no token), or a key's scopes, which must grant read of the log (coder:all, all,
--     no_user_data, *:*, <object>:read, <object>:*) or the key reads nothing.
-- Every case also checks that no returned row is one the reference forbids.
-- Generated rows are deterministic (hashint8extended), and everything is rolled back.
BEGIN;
SET LOCAL search_path = public;
SET LOCAL audit_ext.coder_schema = public;
CREATE FUNCTION pg_temp.h(n bigint, salt bigint) RETURNS bigint IMMUTABLE LANGUAGE sql
  AS $$ SELECT hashint8extended(n, salt) & 9223372036854775807 $$;

-- Custom roles: site-wide ones, and per organization (including the deleted organization 21).
INSERT INTO custom_roles (name, display_name, site_permissions, org_permissions, organization_id)
VALUES ('site-log-reader', 'Site log reader', '[{"negate": false, "resource_type": "audit_log", "action": "read"}, {"negate": false, "resource_type": "connection_log", "action": "read"}]', '{}', NULL),
       ('site-wildcard', 'Site wildcard', '[{"negate": false, "resource_type": "*", "action": "*"}]', '{}', NULL),
       ('site-deny-logs', 'Site deny logs', '[{"negate": true, "resource_type": "audit_log", "action": "*"}, {"negate": true, "resource_type": "connection_log", "action": "read"}]', '{}', NULL),
       ('site-audit-update', 'Site audit update', '[{"negate": false, "resource_type": "audit_log", "action": "update"}]', '{}', NULL);
INSERT INTO custom_roles (name, display_name, org_permissions, organization_id)
SELECT r.name, r.name, r.perms::jsonb, md5('org' || o)::uuid
FROM generate_series(1, 21) o,
     (VALUES ('org-wildcard', '[{"negate": false, "resource_type": "*", "action": "*"}]'),
             ('org-read-anything', '[{"negate": false, "resource_type": "*", "action": "read"}]'),
             ('org-audit-only', '[{"negate": false, "resource_type": "audit_log", "action": "read"}]'),
             ('org-connection-star', '[{"negate": false, "resource_type": "connection_log", "action": "*"}]'),
             ('org-deny-audit', '[{"negate": true, "resource_type": "audit_log", "action": "read"}]'),
             ('org-self-deny', '[{"negate": false, "resource_type": "audit_log", "action": "read"}, {"negate": true, "resource_type": "*", "action": "read"}]'),
             ('org-not-an-array', '{"resource_type": "audit_log", "action": "read"}')) r(name, perms);

-- 400 actors. Each site role with probability 1/10, each organization with 1/7, each org role with 1/6.
INSERT INTO users (id, email, username, hashed_password, created_at, updated_at, status, rbac_roles, login_type, deleted)
SELECT md5('rbac-actor' || i)::uuid, 'rbac' || i || '@example.com', 'rbac' || i, '\x00'::bytea, now(), now(),
       (ARRAY['active', 'active', 'active', 'dormant', 'suspended'])[1 + pg_temp.h(i, 1) % 5]::user_status,
       ARRAY(SELECT r FROM unnest(ARRAY['owner', 'auditor', 'user-admin', 'template-admin', 'member', 'site-log-reader',
                                        'site-wildcard', 'site-deny-logs', 'site-audit-update', 'no-such-role'])
                           WITH ORDINALITY t(r, k)
             WHERE pg_temp.h(i, 10 + k) % 10 = 0),
       'password', pg_temp.h(i, 2) % 12 = 0
FROM generate_series(1, 400) i;
INSERT INTO organization_members (user_id, organization_id, created_at, updated_at, roles)
SELECT md5('rbac-actor' || i)::uuid, md5('org' || o)::uuid, now(), now(),
       ARRAY(SELECT r FROM unnest(ARRAY['organization-admin', 'organization-auditor', 'organization-member',
                                        'organization-user-admin', 'organization-template-admin', 'log-reader',
                                        'workspace-viewer', 'org-wildcard', 'org-read-anything', 'org-audit-only',
                                        'org-connection-star', 'org-deny-audit', 'org-self-deny', 'org-not-an-array',
                                        'site-log-reader'])
                           WITH ORDINALITY t(r, k)
             WHERE pg_temp.h(i * 100 + o, 50 + k) % 6 = 0)
FROM generate_series(1, 400) i, generate_series(1, 21) o
WHERE pg_temp.h(i * 100 + o, 3) % 7 = 0;

-- The reference: which rows of `object` the actor may read. NULL = every row; else the organization ids.
CREATE FUNCTION pg_temp.ref_readable(actor uuid, object text) RETURNS uuid[] STABLE LANGUAGE plpgsql AS $$
DECLARE
  u users;
  perm jsonb;
  site_allow boolean := false;
  site_deny boolean := false;
  m organization_members;
  org_allow boolean;
  org_deny boolean;
  orgs uuid[] := '{}';
BEGIN
  SELECT * INTO u FROM users WHERE id = actor;
  IF NOT FOUND OR u.deleted OR u.status = 'suspended' THEN
    RETURN '{}';
  END IF;
  IF u.rbac_roles && ARRAY['owner', 'auditor'] THEN
    site_allow := true;
  END IF;
  FOR perm IN SELECT p FROM custom_roles c, jsonb_array_elements(c.site_permissions) p
              WHERE c.organization_id IS NULL AND c.name = ANY (u.rbac_roles) LOOP
    IF perm->>'resource_type' IN (object, '*') AND perm->>'action' IN ('read', '*') THEN
      IF (perm->>'negate')::boolean THEN site_deny := true; ELSE site_allow := true; END IF;
    END IF;
  END LOOP;
  IF site_deny THEN RETURN '{}'; END IF;
  IF site_allow THEN RETURN NULL; END IF;
  FOR m IN SELECT * FROM organization_members WHERE user_id = actor LOOP
    org_allow := m.roles && ARRAY['organization-admin', 'organization-auditor'];
    org_deny := false;
    FOR perm IN SELECT p FROM custom_roles c, jsonb_array_elements(c.org_permissions) p
                WHERE c.organization_id = m.organization_id AND c.name = ANY (m.roles)
                  AND jsonb_typeof(c.org_permissions) = 'array' LOOP
      IF perm->>'resource_type' IN (object, '*') AND perm->>'action' IN ('read', '*') THEN
        IF (perm->>'negate')::boolean THEN org_deny := true; ELSE org_allow := true; END IF;
      END IF;
    END LOOP;
    IF org_allow AND NOT org_deny THEN
      orgs := orgs || m.organization_id;
    END IF;
  END LOOP;
  RETURN orgs;
END $$;

CREATE FUNCTION pg_temp.ref_scopes_grant(scopes text[], object text) RETURNS boolean IMMUTABLE LANGUAGE sql AS $$
  SELECT scopes IS NULL
      OR scopes && ARRAY['coder:all', 'all', 'no_user_data', '*:*', object || ':read', object || ':*']
$$;

-- Filters with their reference predicates (`ACTOR` stands for the actor's id); key: the key as the parser sees it
-- (a case never repeats one); dialect: the extended dialect's forms (lists, negations, ip:, status_code:), whose
-- cases run in that dialect (where Coder's forms mean the same).
CREATE TEMP TABLE filters (log text, key text, q text, ref text, dialect text DEFAULT 'coder');
INSERT INTO filters (log, key, q, ref) VALUES
  ('audit', 'none', '', 'true'),
  ('audit', 'action', 'action:delete', $$action = 'delete'$$),
  ('audit', 'action', 'action:start', $$action = 'start'$$),
  ('audit', 'resource_type', 'resource_type:workspace_build', $$resource_type = 'workspace_build'$$),
  ('audit', 'resource_type', 'workspace', $$resource_type = 'workspace'$$),
  ('audit', 'organization', 'organization:org-03', $$organization_id = md5('org3')::uuid$$),
  ('audit', 'organization', 'organization:coder', $$organization_id = md5('org1')::uuid$$),
  ('audit', 'username', 'username:bob17', $$user_id = (SELECT id FROM users WHERE username = 'bob17' AND NOT deleted)$$),
  ('audit', 'username', 'username:me', $$user_id = ACTOR$$),
  ('audit', 'date_from', 'date_from:2026-04-01', $$"time" >= '2026-04-01 00:00:00+00'$$),
  ('audit', 'date_to', 'date_to:2026-02-15', $$"time" < '2026-02-16 00:00:00+00'$$),
  ('audit', 'build_reason', 'build_reason:autostart', $$COALESCE((SELECT reason::text FROM workspace_builds wb WHERE resource_type = 'workspace_build' AND wb.id = resource_id), (SELECT wb.reason::text FROM workspaces w JOIN workspace_builds wb ON wb.workspace_id = w.id AND wb.build_number = 1 WHERE resource_type = 'workspace' AND action = 'create' AND w.id = resource_id)) = 'autostart'$$),
  ('audit', 'build_reason', 'build_reason:cli', $$COALESCE((SELECT reason::text FROM workspace_builds wb WHERE resource_type = 'workspace_build' AND wb.id = resource_id), (SELECT wb.reason::text FROM workspaces w JOIN workspace_builds wb ON wb.workspace_id = w.id AND wb.build_number = 1 WHERE resource_type = 'workspace' AND action = 'create' AND w.id = resource_id)) = 'cli'$$),
  ('connection', 'none', '', 'true'),
  ('connection', 'type', 'type:ssh', $$type = 'ssh'$$),
  ('connection', 'type', 'type:workspace_app', $$type = 'workspace_app'$$),
  ('connection', 'organization', 'organization:org-05', $$organization_id = md5('org5')::uuid$$),
  ('connection', 'workspace_owner', 'workspace_owner:bob17', $$workspace_owner_id = (SELECT id FROM users WHERE username = 'bob17' AND NOT deleted)$$),
  ('connection', 'workspace_owner', 'workspace_owner:me', $$workspace_owner_id = ACTOR$$),
  ('connection', 'status', 'status:ongoing', $$disconnect_time IS NULL AND type NOT IN ('workspace_app', 'port_forwarding')$$),
  ('connection', 'connected_after', 'connected_after:"2026-04-01T00:00:00Z"', $$connect_time >= '2026-04-01T00:00:00Z'$$);
INSERT INTO filters (log, key, q, ref, dialect) VALUES
  ('audit', 'action', 'action:create,delete', $$action IN ('create', 'delete')$$, 'extended'),
  ('audit', '-resource_type', '-resource_type:workspace_build,workspace', $$resource_type NOT IN ('workspace_build', 'workspace')$$, 'extended'),
  ('audit', 'ip', 'ip:10.0.0.0/9', $$ip <<= '10.0.0.0/9'$$, 'extended'),
  ('audit', 'status_code', 'status_code:>=400', $$status_code >= 400$$, 'extended'),
  ('audit', '-username', '-username:me,bob17', $$NOT coalesce(user_id = ACTOR OR user_id = (SELECT id FROM users WHERE username = 'bob17' AND NOT deleted), false)$$, 'extended'),
  ('audit', 'organization', 'organization:org-03,org-05', $$organization_id IN (md5('org3')::uuid, md5('org5')::uuid)$$, 'extended'),
  ('audit', '-organization', '-organization:coder', $$organization_id <> md5('org1')::uuid$$, 'extended'),
  ('connection', 'type', 'type:ssh,workspace_app', $$type IN ('ssh', 'workspace_app')$$, 'extended'),
  ('connection', '-status', '-status:ongoing', $$NOT coalesce(disconnect_time IS NULL AND type NOT IN ('workspace_app', 'port_forwarding'), false)$$, 'extended'),
  ('connection', 'ip', 'ip:192.168.0.0/16', $$ip <<= '192.168.0.0/16'$$, 'extended'),
  ('connection', '-workspace_owner', '-workspace_owner:me', $$workspace_owner_id <> ACTOR$$, 'extended');

-- Cases: per log, 1,500 (actor, filter of up to two terms with distinct keys, scopes); actors are the 400
-- generated ones, the fixture's own users 1-60, and an unknown id.
CREATE TEMP TABLE cases AS
WITH actors AS (
  SELECT md5('rbac-actor' || i)::uuid AS actor FROM generate_series(1, 400) i
  UNION ALL SELECT md5('user' || u)::uuid FROM generate_series(1, 60) u
  UNION ALL SELECT md5('no-such-user')::uuid
), numbered AS (SELECT actor, row_number() OVER (ORDER BY actor) AS n FROM actors),
scopes(k, s) AS (VALUES (0, NULL::text), (1, NULL), (2, NULL), (3, '{coder:all}'), (4, '{workspace:read}'),
                        (5, '{}'), (6, 'LOG:read'), (7, '{*:*}'), (8, '{coder:workspaces.access}'), (9, 'LOG:*'))
SELECT l.log, c AS case_no, a.actor,
       f1.q || CASE WHEN f2.key IS NULL THEN '' ELSE ' ' || f2.q END AS q,
       replace('(' || f1.ref || ') AND (' || coalesce(f2.ref, 'true') || ')', 'ACTOR', quote_literal(a.actor) || '::uuid') AS ref,
       CASE s.s WHEN 'LOG:read' THEN ARRAY[l.object || ':read']
                WHEN 'LOG:*' THEN ARRAY[l.object || ':*'] ELSE s.s::text[] END AS scopes,
       CASE WHEN 'extended' IN (f1.dialect, f2.dialect) THEN 'extended' ELSE 'coder' END AS dialect
FROM (VALUES ('audit', 'audit_log'), ('connection', 'connection_log')) l(log, object),
     generate_series(1, 1500) c
JOIN numbered a ON a.n = 1 + pg_temp.h(c, 20) % 461
JOIN scopes s ON s.k = pg_temp.h(c, 21) % 10
JOIN LATERAL (SELECT * FROM filters f WHERE f.log = l.log ORDER BY md5(f.q || c) LIMIT 1) f1 ON true
LEFT JOIN LATERAL (SELECT * FROM filters f WHERE f.log = l.log AND f.key NOT IN (f1.key, 'none') AND f1.key <> 'none'
                     AND pg_temp.h(c, 22) % 2 = 0
                   ORDER BY md5(f.q || c || 'x') LIMIT 1) f2 ON true;

-- What RBAC and the scopes allow, and what the reference returns. Every case runs twice: with Coder's stock
-- indexes, and with an (organization_id, time) index, where a page for an actor of 2 to 8 organizations walks
-- each organization's rows and merges them. Besides the offset page of 50, two keyset pages of 25 (the second
-- after the first's next_after) must hold the same rows.
CREATE TEMP TABLE results (pass text, log text, case_no int, actor uuid, q text, readable uuid[], site_wide boolean,
                           ref_count bigint, ref_page uuid[], ext_count bigint, ext_page uuid[], leaked bigint,
                           keyset_page uuid[], dialect text);
CREATE FUNCTION pg_temp.run_cases(pass text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  c record;
  allowed uuid[];
  site_wide boolean;
  rbac text;
  ref_count bigint;
  ref_page uuid[];
  ext_count bigint;
  ext_page uuid[];
  keyset_page uuid[];
  first jsonb;
  leaked bigint;
  tbl text;
  ids_path text;
BEGIN
  FOR c IN SELECT * FROM cases ORDER BY log, case_no LOOP
    tbl := c.log || '_logs';
    allowed := pg_temp.ref_readable(c.actor, CASE c.log WHEN 'audit' THEN 'audit_log' ELSE 'connection_log' END);
    site_wide := allowed IS NULL;
    IF NOT pg_temp.ref_scopes_grant(c.scopes, CASE c.log WHEN 'audit' THEN 'audit_log' ELSE 'connection_log' END) THEN
      allowed := '{}';
    END IF;
    rbac := CASE WHEN allowed IS NULL THEN 'true' ELSE format('organization_id = ANY (%L::uuid[])', allowed) END;
    EXECUTE format('SELECT count(*) FROM %I WHERE (%s) AND %s', tbl, c.ref, rbac) INTO ref_count;
    EXECUTE format('SELECT coalesce(array_agg(id), ''{}'') FROM (SELECT id FROM %I WHERE (%s) AND %s
                    ORDER BY %s DESC, id DESC LIMIT 50) p',
                   tbl, c.ref, rbac, CASE c.log WHEN 'audit' THEN '"time"' ELSE 'connect_time' END) INTO ref_page;
    IF c.log = 'audit' THEN
      ext_count := audit_ext.count_audit_logs(c.q, c.actor, 0, c.scopes, c.dialect);
      SELECT coalesce(array_agg((e->>'id')::uuid ORDER BY o), '{}') INTO ext_page
      FROM jsonb_array_elements(audit_ext.audit_logs(c.q, c.actor, 50, 0, 0, c.scopes, NULL, c.dialect)->'audit_logs') WITH ORDINALITY x(e, o);
      first := audit_ext.audit_logs(c.q, c.actor, 25, 0, 1, c.scopes, '', c.dialect);
      SELECT coalesce(array_agg((e->>'id')::uuid ORDER BY o), '{}') INTO keyset_page
      FROM jsonb_array_elements(first->'audit_logs' || CASE WHEN first->>'next_after' IS NULL THEN '[]' ELSE
             audit_ext.audit_logs(c.q, c.actor, 25, 0, 1, c.scopes, first->>'next_after', c.dialect)->'audit_logs' END)
           WITH ORDINALITY x(e, o);
    ELSE
      ext_count := audit_ext.count_connection_logs(c.q, c.actor, 0, c.scopes, c.dialect);
      SELECT coalesce(array_agg((e->>'id')::uuid ORDER BY o), '{}') INTO ext_page
      FROM jsonb_array_elements(audit_ext.connection_logs(c.q, c.actor, 50, 0, 0, c.scopes, NULL, c.dialect)->'connection_logs') WITH ORDINALITY x(e, o);
      first := audit_ext.connection_logs(c.q, c.actor, 25, 0, 1, c.scopes, '', c.dialect);
      SELECT coalesce(array_agg((e->>'id')::uuid ORDER BY o), '{}') INTO keyset_page
      FROM jsonb_array_elements(first->'connection_logs' || CASE WHEN first->>'next_after' IS NULL THEN '[]' ELSE
             audit_ext.connection_logs(c.q, c.actor, 25, 0, 1, c.scopes, first->>'next_after', c.dialect)->'connection_logs' END)
           WITH ORDINALITY x(e, o);
    END IF;
    -- Rows audit_ext returned that the reference RBAC forbids (whatever the filter).
    EXECUTE format('SELECT count(*) FROM %I WHERE id = ANY ($1) AND NOT (%s)', tbl, rbac) INTO leaked USING ext_page;
    INSERT INTO results VALUES (pass, c.log, c.case_no, c.actor, c.q, allowed, site_wide, ref_count, ref_page, ext_count, ext_page, leaked,
                                keyset_page, c.dialect);
  END LOOP;
END $$;
SELECT pg_temp.run_cases('stock indexes');
CREATE INDEX rbac_audit_org_time ON audit_logs (organization_id, "time" DESC);
CREATE INDEX rbac_connection_org_time ON connection_logs (organization_id, connect_time DESC);
SELECT pg_temp.run_cases('organization walks');

-- The cases cover every kind of reader, with rows to find (the same cases in both passes).
SELECT pass, log,
       count(*) AS cases,
       count(*) FILTER (WHERE readable IS NULL) AS every_row,
       count(*) FILTER (WHERE cardinality(readable) > 0) AS some_orgs,
       count(*) FILTER (WHERE cardinality(readable) = 0) AS nothing,
       count(*) FILTER (WHERE site_wide AND readable IS NOT NULL) AS site_wide_but_scoped_out,
       count(*) FILTER (WHERE ref_count > 0) AS with_rows,
       count(DISTINCT actor) AS actors,
       count(DISTINCT q) AS filters,
       count(*) FILTER (WHERE dialect = 'extended') AS extended,
       count(*) FILTER (WHERE cardinality(readable) BETWEEN 2 AND 8) AS walked_orgs
FROM results GROUP BY pass, log ORDER BY pass DESC, log;

-- The verdict: 0 mismatches, 0 leaked rows.
SELECT pass, log,
       count(*) FILTER (WHERE ext_count <> ref_count) AS count_mismatches,
       count(*) FILTER (WHERE ext_page <> ref_page) AS page_mismatches,
       count(*) FILTER (WHERE keyset_page <> ref_page) AS keyset_mismatches,
       coalesce(sum(leaked), 0) AS leaked_rows,
       sum(cardinality(ext_page)) AS page_rows_checked
FROM results GROUP BY pass, log ORDER BY pass DESC, log;

-- Any mismatch, in full (none expected).
SELECT pass, log, case_no, actor, q, readable, ref_count, ext_count
FROM results WHERE ext_count <> ref_count OR ext_page <> ref_page OR keyset_page <> ref_page OR leaked > 0
ORDER BY pass, log, case_no LIMIT 10;

-- The generated roles exercise each rule at least once: a site-level deny, a deny in an organization the
-- actor also administers, a custom role's self-deny, a non-array permission list.
SELECT count(*) FILTER (WHERE u.rbac_roles && '{site-deny-logs}' AND u.rbac_roles && '{owner,auditor,site-wildcard,site-log-reader}') AS site_deny_beats_site_allow,
       count(*) FILTER (WHERE m.roles && '{org-deny-audit}' AND m.roles && '{organization-admin,organization-auditor}') AS org_deny_beats_org_admin,
       count(*) FILTER (WHERE m.roles && '{org-self-deny}') AS self_deny,
       count(*) FILTER (WHERE m.roles && '{org-not-an-array}') AS not_an_array
FROM users u JOIN organization_members m ON m.user_id = u.id
WHERE u.username LIKE 'rbac%';
ROLLBACK;
