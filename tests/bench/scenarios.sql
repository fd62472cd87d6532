-- The benchmark's scenarios, one table for every bench script (`run.sql`, `concurrency.sh`): a name, the log, the
-- filter in audit_ext's language and as Coder's filter fields, the reader (and the organizations Coder's RBAC
-- clause gives it; NULL = site-wide) and the page's offset.
CREATE TEMP TABLE scenario (n serial, name text, log text, q text, coder jsonb, actor uuid, orgs uuid[], off int DEFAULT 0);
-- user 1 is an owner; users 13, 8 and 48 are organization-auditors of 1, 2 and 8 organizations (bench.sh).
INSERT INTO scenario (name, log, q, coder, actor, orgs, off) VALUES
  ('no filter (owner)',              'audit', '', '{}', md5('user1')::uuid, NULL, 0),
  ('action',                         'audit', 'action:delete', '{"action":"delete"}', md5('user1')::uuid, NULL, 0),
  ('resource_type+action',           'audit', 'workspace action:delete', '{"resource_type":"workspace","action":"delete"}', md5('user1')::uuid, NULL, 0),
  ('username',                       'audit', 'username:alice32', '{"username":"alice32"}', md5('user1')::uuid, NULL, 0),
  ('email',                          'audit', 'email:alice32@example.com', '{"email":"alice32@example.com"}', md5('user1')::uuid, NULL, 0),
  ('build_reason',                   'audit', 'build_reason:autostart', '{"build_reason":"autostart"}', md5('user1')::uuid, NULL, 0),
  ('resource_target',                'audit', 'resource_target:ws-32', '{"resource_target":"ws-32"}', md5('user1')::uuid, NULL, 0),
  ('one-week date range',            'audit', 'date_from:2026-05-01 date_to:2026-05-07', '{"date_from":"2026-05-01T00:00:00Z","date_to":"2026-05-07T23:59:59Z"}', md5('user1')::uuid, NULL, 0),
  ('offset 2000',                    'audit', '', '{}', md5('user1')::uuid, NULL, 2000),
  ('no filter (owner)',              'connection', '', '{}', md5('user1')::uuid, NULL, 0),
  ('type:ssh',                       'connection', 'type:ssh', '{"type":"ssh"}', md5('user1')::uuid, NULL, 0),
  ('workspace_owner',                'connection', 'workspace_owner:alice32', '{"workspace_owner":"alice32"}', md5('user1')::uuid, NULL, 0),
  ('status:ongoing',                 'connection', 'status:ongoing', '{"status":"ongoing"}', md5('user1')::uuid, NULL, 0),
  ('one-week range',                 'connection', 'connected_after:"2026-05-01T00:00:00Z" connected_before:"2026-05-07T23:59:59Z"', '{"connected_after":"2026-05-01T00:00:00Z","connected_before":"2026-05-07T23:59:59Z"}', md5('user1')::uuid, NULL, 0),
  ('offset 2000',                    'connection', '', '{}', md5('user1')::uuid, NULL, 2000),
  ('org auditor x2: no filter',      'connection', '', '{}', md5('user8')::uuid, ARRAY[md5('org9')::uuid, md5('org16')::uuid], 0),
  ('org auditor x2: type:ssh',       'connection', 'type:ssh', '{"type":"ssh"}', md5('user8')::uuid, ARRAY[md5('org9')::uuid, md5('org16')::uuid], 0),
  ('org auditor x2: workspace_owner','connection', 'workspace_owner:olivia28', '{"workspace_owner":"olivia28"}', md5('user8')::uuid, ARRAY[md5('org9')::uuid, md5('org16')::uuid], 0);
-- Organization-scoped readers × every audit filter of the owner's: each reads the organizations it audits (the
-- orgs of Coder's RBAC clause), so "vs owner" compares the same filter between the two kinds of reader.
INSERT INTO scenario (name, log, q, coder, actor, orgs, off)
SELECT format('org auditor x%s: %s', r.k, replace(f.name, ' (owner)', '')), 'audit', f.q, f.coder,
       md5('user' || r.u)::uuid,
       (SELECT array_agg(organization_id ORDER BY organization_id) FROM organization_members
         WHERE user_id = md5('user' || r.u)::uuid AND 'organization-auditor' = ANY (roles)), f.off
FROM (VALUES (1, 13), (2, 8), (8, 48)) r(k, u)
CROSS JOIN (SELECT * FROM scenario WHERE log = 'audit' AND orgs IS NULL ORDER BY n) f
ORDER BY r.k, f.n;
