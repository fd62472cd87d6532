-- Coder's response shapes, field by field, on hand-made rows whose expected JSON was worked out from
-- Coder's Go handlers (convertAuditLog, convertConnectionLog, db2sdk.User, auditLogDescription,
-- auditLogResourceLink, auditLogIsResourceDeleted). The rows live in their own schema "golden", which
-- also exercises audit_ext.coder_schema.
SET timezone = 'UTC';
\pset null '(null)'
-- Coder's tables, empty, in schema golden (search_path and audit_ext.coder_schema); run from the repository root.
\set schema golden
\i tests/fixture/empty_schema.sql

INSERT INTO organizations (id, name, description, created_at, updated_at, display_name, icon) VALUES
  ('0a000000-0000-4000-8000-000000000001', 'acme', '', '2026-01-01', '2026-01-01', 'Acme Inc.', '/emojis/1f3e2.png');
INSERT INTO users (id, email, username, hashed_password, created_at, updated_at, status, rbac_roles, login_type,
                   avatar_url, deleted, last_seen_at, name) VALUES
  -- an owner with a display name, an avatar and a custom site role
  ('0b000000-0000-4000-8000-000000000001', 'Alice@Example.com', 'alice', '', '2026-01-02 03:04:05.123+00',
   '2026-02-01', 'active', '{owner,custom-x}', 'oidc', 'https://a.example/1.png', false, '2026-03-01 10:00:00', 'Alice A.'),
  -- a deleted, suspended member without a name
  ('0b000000-0000-4000-8000-000000000002', 'bob@example.com', 'bob', '', '2026-01-03', '2026-01-03', 'suspended',
   '{}', 'password', '', true, '0001-01-01 00:00:00', ''),
  -- an organization auditor of acme
  ('0b000000-0000-4000-8000-000000000003', 'carol@example.com', 'carol', '', '2026-01-04', '2026-01-04', 'active',
   '{}', 'password', '', false, '2026-03-01 00:00:00', 'Carol');
INSERT INTO organization_members (user_id, organization_id, created_at, updated_at, roles) VALUES
  ('0b000000-0000-4000-8000-000000000003', '0a000000-0000-4000-8000-000000000001', '2026-01-04', '2026-01-04', '{organization-auditor}');
INSERT INTO templates (id, created_at, updated_at, organization_id, name, active_version_id, created_by) VALUES
  ('0c000000-0000-4000-8000-000000000001', '2026-01-05', '2026-01-05', '0a000000-0000-4000-8000-000000000001', 'docker',
   '0c000000-0000-4000-8000-0000000000ff', '0b000000-0000-4000-8000-000000000001');
INSERT INTO workspaces (id, created_at, updated_at, owner_id, organization_id, template_id, deleted, name) VALUES
  ('0d000000-0000-4000-8000-000000000001', '2026-01-06', '2026-01-06', '0b000000-0000-4000-8000-000000000001',
   '0a000000-0000-4000-8000-000000000001', '0c000000-0000-4000-8000-000000000001', false, 'dev'),
  ('0d000000-0000-4000-8000-000000000002', '2026-01-06', '2026-01-06', '0b000000-0000-4000-8000-000000000002',
   '0a000000-0000-4000-8000-000000000001', '0c000000-0000-4000-8000-000000000001', true, 'old');
INSERT INTO workspace_builds (id, created_at, updated_at, workspace_id, template_version_id, build_number, transition,
                              initiator_id, job_id, reason) VALUES
  ('0e000000-0000-4000-8000-000000000001', '2026-01-06', '2026-01-06', '0d000000-0000-4000-8000-000000000001',
   '0c000000-0000-4000-8000-0000000000ff', 1, 'start', '0b000000-0000-4000-8000-000000000001',
   '0f000000-0000-4000-8000-000000000001', 'cli'),
  ('0e000000-0000-4000-8000-000000000002', '2026-01-06', '2026-01-06', '0d000000-0000-4000-8000-000000000002',
   '0c000000-0000-4000-8000-0000000000ff', 3, 'delete', '0b000000-0000-4000-8000-000000000002',
   '0f000000-0000-4000-8000-000000000002', 'initiator');

INSERT INTO audit_logs (id, "time", user_id, organization_id, ip, user_agent, resource_type, resource_id,
                        resource_target, action, diff, status_code, additional_fields, request_id, resource_icon) VALUES
  -- 1: alice creates workspace dev: mapped IPv6 address, no user agent, a secret and a null old value
  ('a0000000-0000-4000-8000-000000000001', '2026-04-01 12:00:00.120000+00', '0b000000-0000-4000-8000-000000000001',
   '0a000000-0000-4000-8000-000000000001', '::ffff:10.0.0.1', NULL, 'workspace', '0d000000-0000-4000-8000-000000000001',
   'dev', 'create', '{"name": {"old": null, "new": "dev", "secret": false}, "token": {"secret": true}, "ttl": {"new": 3600, "extra": 1}}',
   201, '{}', 'c0000000-0000-4000-8000-000000000001', '/icon/docker.svg'),
  -- 2: the deleted user bob starts build 3 of his deleted workspace: is_deleted, no link
  ('a0000000-0000-4000-8000-000000000002', '2026-04-01 11:00:00+00', '0b000000-0000-4000-8000-000000000002',
   '0a000000-0000-4000-8000-000000000001', '10.1.2.3/8', 'curl/8', 'workspace_build', '0e000000-0000-4000-8000-000000000002',
   'old', 'delete', '{}', 200,
   '{"workspace_name": "old", "build_number": "3", "build_reason": "initiator", "workspace_owner": "bob"}',
   'c0000000-0000-4000-8000-000000000002', ''),
  -- 3: build 1 of alice's live workspace: the link uses the owner's username and the additional fields
  ('a0000000-0000-4000-8000-000000000003', '2026-04-01 10:00:00+00', '0b000000-0000-4000-8000-000000000001',
   '0a000000-0000-4000-8000-000000000001', '2001:db8::1', 'Coder CLI', 'workspace_build', '0e000000-0000-4000-8000-000000000001',
   'dev', 'start', '{}', 200,
   '{"workspace_name": "dev", "build_number": "1", "build_reason": "cli", "workspace_owner": "alice", "workspace_id": "0d000000-0000-4000-8000-000000000001"}',
   'c0000000-0000-4000-8000-000000000003', ''),
  -- 4: a failed login by a user id that is not in users, site-level: user null, organization omitted
  ('a0000000-0000-4000-8000-000000000004', '2026-04-01 09:00:00+00', '0b000000-0000-4000-8000-0000000000ff',
   '00000000-0000-0000-0000-000000000000', NULL, 'Mozilla/5.0', 'api_key', '0b100000-0000-4000-8000-000000000001',
   '', 'login', 'null', 401, 'null', 'c0000000-0000-4000-8000-000000000004', ''),
  -- 5: a password reset request: no "{user}", "for"; an IPv4-compatible IPv6 address; additional_fields that
  --    fail Coder's decode (a number where a string belongs) → Coder's "unknown" object
  ('a0000000-0000-4000-8000-000000000005', '2026-04-01 08:00:00+00', '0b000000-0000-4000-8000-000000000003',
   '00000000-0000-0000-0000-000000000000', '::0.2.0.3', '', 'user', '0b000000-0000-4000-8000-000000000003',
   'carol', 'request_password_reset', '[1, 2]', 200, '{"build_number": 5}', 'c0000000-0000-4000-8000-000000000005', ''),
  -- 6: a template update redirected (303), and a git ssh key and a chat archive in the same org
  ('a0000000-0000-4000-8000-000000000006', '2026-04-01 07:00:00+00', '0b000000-0000-4000-8000-000000000001',
   '0a000000-0000-4000-8000-000000000001', '192.168.0.1', '', 'template', '0c000000-0000-4000-8000-000000000001',
   'docker', 'write', '{}', 303, '{}', 'c0000000-0000-4000-8000-000000000006', '/icon/docker.svg'),
  ('a0000000-0000-4000-8000-000000000007', '2026-04-01 07:00:00+00', '0b000000-0000-4000-8000-000000000001',
   '0a000000-0000-4000-8000-000000000001', '192.168.0.1', '', 'git_ssh_key', '0b000000-0000-4000-8000-000000000001',
   'alice', 'delete', '{}', 200, '{}', 'c0000000-0000-4000-8000-000000000007', ''),
  ('a0000000-0000-4000-8000-000000000008', '2026-04-01 06:00:00+00', '0b000000-0000-4000-8000-000000000001',
   '0a000000-0000-4000-8000-000000000001', '192.168.0.1', '', 'chat', '0b200000-0000-4000-8000-000000000001',
   'Fix CI', 'write', '{"archived": {"old": false, "new": true}}', 200, '{}', 'c0000000-0000-4000-8000-000000000008', '');


-- The whole response for an owner, newest first; rows 6 and 7 share a time, so id decides (descending).
SELECT jsonb_pretty(audit_ext.audit_logs('', '0b000000-0000-4000-8000-000000000001'));

-- The organization auditor of acme: only acme's rows; the site-level rows 4 and 5 stay hidden.
SELECT e->>'id' AS id, e->'organization'->>'name' AS org
  FROM jsonb_array_elements(audit_ext.audit_logs('', '0b000000-0000-4000-8000-000000000003')->'audit_logs') e;
SELECT audit_ext.count_audit_logs('', '0b000000-0000-4000-8000-000000000003') AS org_auditor_count;

-- The deleted member reads nothing: Coder's empty page, no page query.
SELECT audit_ext.audit_logs('', '0b000000-0000-4000-8000-000000000002');
SELECT audit_ext.audit_logs('', gen_random_uuid()) AS unknown_actor;

-- A count cap of 2 over 8 rows: count 3 (cap + 1), count_cap 2, the page still full.
SELECT r->'count' AS count, r->'count_cap' AS count_cap, jsonb_array_length(r->'audit_logs') AS rows
  FROM audit_ext.audit_logs('', NULL, 0, 0, 2) r;

-- The psql table: description filled in, types for humans.
\x on
SELECT * FROM audit_ext.search_audit_logs('workspace_build', NULL, 1);
\x off
SELECT "time", username, description, resource_link, is_deleted FROM audit_ext.search_audit_logs();

-- Connection logs: an ongoing SSH session, a finished one with exit code 0, an anonymous app request, a
-- port forward by a user id with no users row (Coder builds a zero-valued user), and no address.
INSERT INTO connection_logs (id, connect_time, organization_id, workspace_owner_id, workspace_id, workspace_name,
                             agent_name, type, ip, code, user_agent, user_id, slug_or_port, connection_id,
                             disconnect_time, disconnect_reason) VALUES
  ('b0000000-0000-4000-8000-000000000001', '2026-04-02 10:00:00.5+00', '0a000000-0000-4000-8000-000000000001',
   '0b000000-0000-4000-8000-000000000001', '0d000000-0000-4000-8000-000000000001', 'dev', 'main', 'ssh',
   '10.0.0.9', NULL, NULL, NULL, NULL, 'c1000000-0000-4000-8000-000000000001', NULL, NULL),
  ('b0000000-0000-4000-8000-000000000002', '2026-04-02 09:00:00+00', '0a000000-0000-4000-8000-000000000001',
   '0b000000-0000-4000-8000-000000000001', '0d000000-0000-4000-8000-000000000001', 'dev', 'main', 'vscode',
   '10.0.0.9', 0, NULL, NULL, NULL, 'c1000000-0000-4000-8000-000000000002', '2026-04-02 09:30:00+00', 'client disconnected'),
  ('b0000000-0000-4000-8000-000000000003', '2026-04-02 08:00:00+00', '0a000000-0000-4000-8000-000000000001',
   '0b000000-0000-4000-8000-000000000001', '0d000000-0000-4000-8000-000000000001', 'dev', 'main', 'workspace_app',
   NULL, NULL, 'Safari', NULL, 'code-server', NULL, NULL, NULL),
  ('b0000000-0000-4000-8000-000000000004', '2026-04-02 07:00:00+00', '0a000000-0000-4000-8000-000000000001',
   '0b000000-0000-4000-8000-000000000001', '0d000000-0000-4000-8000-000000000001', 'dev', 'main', 'port_forwarding',
   '10.0.0.10', 502, 'curl/8', '0b000000-0000-4000-8000-0000000000fe', '8080', NULL, NULL, NULL);
INSERT INTO connection_logs (id, connect_time, organization_id, workspace_owner_id, workspace_id, workspace_name,
                             agent_name, type, ip, code, user_agent, user_id, slug_or_port)
SELECT 'b0000000-0000-4000-8000-000000000005', '2026-04-02 06:00:00+00', organization_id, workspace_owner_id,
       workspace_id, workspace_name, agent_name, 'workspace_app', '10.0.0.11', 200, 'Firefox',
       '0b000000-0000-4000-8000-000000000003', 'jupyter'
  FROM connection_logs WHERE id = 'b0000000-0000-4000-8000-000000000003';
SELECT jsonb_pretty(audit_ext.connection_logs());
SELECT * FROM audit_ext.search_connection_logs('type:ssh');
SELECT audit_ext.count_connection_logs('status:completed') AS completed,
       audit_ext.count_connection_logs('', '0b000000-0000-4000-8000-000000000003') AS org_auditor,
       audit_ext.count_connection_logs('', '0b000000-0000-4000-8000-000000000001', 0, '{workspace:read}') AS owner_token_without_scope;

-- Links read additional_fields as Go's json.Unmarshal into audit.AdditionalFields does: keys match
-- case-insensitively (of two matches, the later in jsonb's key order wins), and a workspace_id that is not a
-- uuid stops the decode, so later keys (workspace_name) stay empty and the build link is dropped.
INSERT INTO audit_logs (id, "time", user_id, organization_id, ip, resource_type, resource_id, resource_target,
                        action, diff, status_code, additional_fields, request_id, resource_icon) VALUES
  ('a0000000-0000-4000-8000-000000000011', '2026-03-01 00:00:03+00', '0b000000-0000-4000-8000-000000000001',
   '0a000000-0000-4000-8000-000000000001', '10.0.0.1', 'workspace_build', '0e000000-0000-4000-8000-000000000001',
   'dev', 'start', '{}', 200, '{"Workspace_Name": "dev", "BUILD_NUMBER": "7"}', 'c0000000-0000-4000-8000-000000000011', ''),
  ('a0000000-0000-4000-8000-000000000012', '2026-03-01 00:00:02+00', '0b000000-0000-4000-8000-000000000001',
   '0a000000-0000-4000-8000-000000000001', '10.0.0.1', 'workspace_build', '0e000000-0000-4000-8000-000000000001',
   'dev', 'start', '{}', 200, '{"WORKSPACE_NAME": "upper", "workspace_name": "lower", "build_number": "8"}',
   'c0000000-0000-4000-8000-000000000012', ''),
  ('a0000000-0000-4000-8000-000000000013', '2026-03-01 00:00:01+00', '0b000000-0000-4000-8000-000000000001',
   '0a000000-0000-4000-8000-000000000001', '10.0.0.1', 'workspace_build', '0e000000-0000-4000-8000-000000000001',
   'dev', 'start', '{}', 200, '{"workspace_name": "dev", "build_number": "9", "workspace_id": "not-a-uuid"}',
   'c0000000-0000-4000-8000-000000000013', '');
SELECT e->>'id' AS id, e->>'resource_link' AS resource_link, e->'additional_fields' AS additional_fields
  FROM jsonb_array_elements(audit_ext.audit_logs('date_to:2026-03-01', NULL)->'audit_logs') e;

-- The per-row look-ups are kept statements (planned once per session, run with a generic plan): the
-- caller's plan_cache_mode is untouched, also when a kept statement fails, and DDL on a table they read is
-- picked up by the next call (a renamed column fails cleanly, an added one is ignored).
SET plan_cache_mode = force_custom_plan;
SELECT jsonb_array_length(audit_ext.audit_logs('', NULL, 3)->'audit_logs') AS page_rows,
       current_setting('plan_cache_mode') AS plan_cache_mode;
ALTER TABLE organizations RENAME COLUMN icon TO icon_renamed;
SELECT audit_ext.audit_logs('', NULL, 1);
SELECT current_setting('plan_cache_mode') AS after_an_error;
RESET plan_cache_mode;
ALTER TABLE organizations RENAME COLUMN icon_renamed TO icon;
ALTER TABLE users ADD COLUMN audit_ext_probe int;
SELECT e->>'id' AS id, e->'organization'->>'icon' AS org_icon, e->'user'->>'username' AS username
  FROM jsonb_array_elements(audit_ext.audit_logs('', NULL, 2)->'audit_logs') e;
ALTER TABLE users DROP COLUMN audit_ext_probe;

-- Read-only all the way: the functions run in a READ ONLY transaction and take no transaction id (so a
-- hot standby can serve them).
BEGIN READ ONLY;
SELECT audit_ext.count_audit_logs('action:delete') AS deletes,
       jsonb_array_length(audit_ext.audit_logs('', NULL, 3)->'audit_logs') AS page_rows,
       audit_ext.count_connection_logs() AS connections;
SELECT txid_current_if_assigned() IS NULL AS no_transaction_id;
COMMIT;

-- Bad paging: 22023, naming the limit or the GUC.
\set VERBOSITY default
SELECT audit_ext.audit_logs('', NULL, -1);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT audit_ext.connection_logs('', NULL, 10, -5);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT audit_ext.audit_logs('', NULL, 1001);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT audit_ext.count_audit_logs('', NULL, -1);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- Keyset paging: the response gains next_after (the cursor of the page's last row when the page is full, null
-- after the last page); a cursor is its log's, and does not mix with an offset.
SELECT jsonb_path_query_array(p, '$.audit_logs[*].id') AS ids, p->'count' AS count, p->>'next_after' AS next_after
FROM (SELECT audit_ext.audit_logs('', NULL, 2, after => '') p) x \gset first_
SELECT :'first_next_after' AS first_cursor;
SELECT jsonb_path_query_array(p, '$.audit_logs[*].id') AS second_ids, p->>'next_after' AS next_after
FROM (SELECT audit_ext.audit_logs('', NULL, 2, after => :'first_next_after') p) x;
SELECT jsonb_path_query_array(audit_ext.audit_logs('', NULL, 4), '$.audit_logs[*].id') AS the_same_four_by_offset;
SELECT audit_ext.audit_logs('', NULL, 2, 2, after => '');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT audit_ext.audit_logs('', NULL, 2, after => 'not a cursor');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT audit_ext.connection_logs('', NULL, 2, after => :'first_next_after');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- An export as an auditor takes it from psql: every row, newest first, as CSV.
\copy (SELECT "time", username, action, resource_type, resource_target, description, status_code, organization FROM audit_ext.export_audit_logs()) TO STDOUT (FORMAT csv, HEADER)
\copy (SELECT connect_time, type, workspace_owner, status, code, connection_method, app_name FROM audit_ext.export_connection_logs('-type:ssh', dialect => 'extended')) TO STDOUT (FORMAT csv, HEADER)
-- Nothing was written by any call above.
SELECT count(*) AS audit_rows FROM golden.audit_logs;

RESET audit_ext.coder_schema;
RESET search_path;
SET client_min_messages = warning;
DROP SCHEMA golden CASCADE;
