-- The WHERE clause audit_ext runs, rendered with typed literals: only the predicates in use, names
-- resolved to ids, RBAC as a native uuid[]; EXPLAIN shows Coder's indexes are used.
SET timezone = 'UTC';
\pset null '(null)'

-- Only what the filter uses; enum values typed, times as UTC instants, date_to as "before the next day".
SELECT audit_ext.audit_predicate('');
SELECT audit_ext.audit_predicate('workspace action:delete');
SELECT audit_ext.audit_predicate('resource_id:6b8f2c3a-1111-4222-8333-444455556666 date_from:2026-01-01 date_to:2026-01-31');
SELECT audit_ext.audit_predicate('username:Bob17');                -- a live user → its id
SELECT audit_ext.audit_predicate('username:nobody');               -- no such user → no rows, like Coder
SELECT audit_ext.audit_predicate('email:CAROL18@example.com');     -- case-insensitive email → the user id(s)
SELECT audit_ext.audit_predicate('build_reason:autostart');
SELECT audit_ext.connection_predicate('status:ongoing type:ssh connected_after:"2026-01-01T00:00:00.0000001Z"');
SELECT audit_ext.connection_predicate('workspace_owner:me', md5('user1')::uuid);

-- RBAC: owner → no clause; organization-auditor → its organizations as uuid[]; member → false.
SELECT audit_ext.audit_predicate('action:delete', md5('user1')::uuid) AS owner;
SELECT audit_ext.audit_predicate('action:delete', md5('user8')::uuid) AS org_auditor;
SELECT audit_ext.audit_predicate('action:delete', md5('user10')::uuid) AS member;
SELECT audit_ext.readable_organizations(md5('user2')::uuid) AS site_auditor,
       audit_ext.readable_organizations(md5('user9')::uuid, 'connection_log') AS custom_role,
       audit_ext.readable_organizations(NULL) AS no_actor;

-- An organization auditor of two organizations reads both.
BEGIN;
UPDATE organization_members SET roles = '{organization-auditor}'
 WHERE user_id = md5('user8')::uuid AND organization_id = md5('org16')::uuid;
SELECT cardinality(r) AS orgs, r @> ARRAY[md5('org16')::uuid, md5('org9')::uuid] AS both_readable
  FROM audit_ext.readable_organizations(md5('user8')::uuid) r;
ROLLBACK;

-- Rows selected by the rendered clause equal a hand-written reference query.
SELECT format('SELECT count(*) AS via_predicate, (SELECT count(*) FROM audit_logs WHERE resource_type = %L AND action = %L) AS reference FROM audit_logs WHERE %s',
              'workspace_build', 'start', audit_ext.audit_predicate('workspace_build action:start')) \gexec

-- Hostile values stay values: quoted by PostgreSQL, matching nothing, touching nothing.
SELECT audit_ext.audit_predicate($q$resource_target:"x'); DROP TABLE audit_logs; --"$q$);
SELECT format('SELECT count(*) AS hostile_matches FROM audit_logs WHERE %s',
              audit_ext.audit_predicate($q$resource_target:"x'); DROP TABLE audit_logs; -- \"$q$)) \gexec
SELECT count(*) AS audit_rows_intact FROM audit_logs;

-- Index use on Coder's stock indexes (plans only; no costs).
SELECT format('EXPLAIN (COSTS OFF) SELECT * FROM audit_logs WHERE %s',
              audit_ext.audit_predicate('resource_id:6b8f2c3a-1111-4222-8333-444455556666')) \gexec
SELECT format('EXPLAIN (COSTS OFF) SELECT * FROM audit_logs WHERE %s',
              audit_ext.audit_predicate('username:Bob17 action:login')) \gexec
SELECT format('EXPLAIN (COSTS OFF) SELECT * FROM audit_logs WHERE %s ORDER BY "time" DESC LIMIT 25',
              audit_ext.audit_predicate('action:delete', md5('user8')::uuid)) \gexec
SELECT format('EXPLAIN (COSTS OFF) SELECT * FROM connection_logs WHERE %s',
              audit_ext.connection_predicate('workspace_id:' || md5('ws3')::uuid)) \gexec
-- An organization auditor's filter that names a user: the user's index finds the rows and the organizations only
-- filter them, written (…) IS TRUE so that no index serves them (no BitmapAnd with the organization index's far
-- larger bitmap); the same rows as the plain clause.
SELECT audit_ext.audit_predicate('username:Bob17', md5('user8')::uuid) AS pinned;
SELECT format('EXPLAIN (COSTS OFF) SELECT * FROM audit_logs WHERE %s ORDER BY "time" DESC LIMIT 25',
              audit_ext.audit_predicate('username:Bob17', md5('user8')::uuid)) \gexec
CREATE FUNCTION pg_temp.rows_where(clause text) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE n bigint;
BEGIN EXECUTE 'SELECT count(*) FROM audit_logs WHERE ' || clause INTO n; RETURN n; END $$;
SELECT sum(pg_temp.rows_where(audit_ext.audit_predicate('username:' || u.username, md5('user8')::uuid))) AS pinned,
       (SELECT count(*) FROM audit_logs WHERE user_id = ANY (array_agg(u.id))
           AND organization_id = ANY (audit_ext.readable_organizations(md5('user8')::uuid))) AS reference
  FROM (SELECT id, username FROM users WHERE NOT deleted ORDER BY username LIMIT 20) u;
