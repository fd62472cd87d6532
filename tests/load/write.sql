-- One writer transaction: Coder recording an audit event and a connection to a workspace while readers read.
\set w random(1, 120)
INSERT INTO audit_logs (id, "time", user_id, organization_id, ip, user_agent, resource_type, resource_id,
                        resource_target, action, diff, status_code, additional_fields, request_id, resource_icon)
SELECT gen_random_uuid(), now(), w.owner_id, w.organization_id, '10.0.0.1', 'load', 'workspace', w.id, w.name,
       'start', '{}', 200, '{}', gen_random_uuid(), ''
FROM workspaces w WHERE w.id = md5('ws' || :w::int)::uuid;
INSERT INTO connection_logs (id, connect_time, organization_id, workspace_owner_id, workspace_id, workspace_name,
                             agent_name, type, ip, code, connection_id)
SELECT gen_random_uuid(), now(), w.organization_id, w.owner_id, w.id, w.name, 'main', 'ssh', '10.0.0.2', NULL,
       gen_random_uuid()
FROM workspaces w WHERE w.id = md5('ws' || :w::int)::uuid;
