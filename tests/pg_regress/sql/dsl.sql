-- The filter language: normalized filters, Coder's validation texts, SQLSTATEs, limits and live enums.
SET timezone = 'UTC';
\pset null '(null)'

-- Every audit key at once; organization resolved by name (case-insensitive), enum values checked
-- against the live enum types, date_to reported at 23:59:59 as Coder does.
SELECT jsonb_pretty(audit_ext.parse_audit_query(
  'request_id:11111111-2222-4333-8444-555555555555 resource_id:21111111-2222-4333-8444-555555555555 '
  'resource_target:"My Workspace" username:Alice email:Alice@Example.COM date_from:2026-01-01 '
  'date_to:2026-01-31 organization:CODER resource_type:workspace_build action:start build_reason:autostart'));

-- Bare words are resource_type; empty values, the nil uuid and the zero date mean "no filter".
SELECT audit_ext.parse_audit_query('workspace');
SELECT audit_ext.parse_audit_query('username:"" resource_id:00000000-0000-0000-0000-000000000000 date_from:0001-01-01');
SELECT audit_ext.parse_audit_query('');
SELECT audit_ext.parse_audit_query(NULL) IS NULL AS strict_null;

-- Every connection-log key; RFC 3339 times must be quoted and are converted to UTC.
SELECT jsonb_pretty(audit_ext.parse_connection_query(
  'organization:org-02 workspace_owner:me workspace_owner_email:Bob@x.io type:ssh username:carol '
  'user_email:c@x.io connected_after:"2026-03-01T09:30:00+01:00" connected_before:"2026-03-02T00:00:00.000000001Z" '
  'workspace_id:31111111-2222-4333-8444-555555555555 connection_id:41111111-2222-4333-8444-555555555555 status:completed'));

-- Every problem at once, in Coder's order (keys in parse order, then unknown keys as they appear).
SELECT jsonb_pretty(audit_ext.audit_query_errors(
  'colour:red request_id:nope date_from:2026-02-30 date_to:tomorrow organization:nowhere '
  'resource_type:spaceship action:write action:delete build_reason:whim'));
SELECT jsonb_pretty(audit_ext.connection_query_errors(
  'type:telnet status:done connected_after:2026-01-01 workspace_id:x bare words'));
SELECT audit_ext.audit_query_errors('action:delete') AS valid_filter_has_no_errors;

-- Tokenizer errors: only the first is reported, as in Coder.
SELECT audit_ext.audit_query_errors('username: action:delete');
SELECT audit_ext.audit_query_errors('date_from:2026-01-01T00:00:00Z');

-- A bad filter raises 22023 with the validations as DETAIL and the valid keys as HINT.
SELECT audit_ext.parse_audit_query('action:explode');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT audit_ext.parse_connection_query('alice');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- Abusive input raises 54000 before any parsing.
SELECT audit_ext.parse_audit_query(repeat('x', 5000));
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT audit_ext.audit_query_errors(repeat('k:v ', 40));
\echo SQLSTATE :LAST_ERROR_SQLSTATE

-- Enum values come from the live database: a value Coder adds is accepted at once.
BEGIN;
SELECT audit_ext.audit_query_errors('resource_type:user_secret');
ALTER TYPE resource_type ADD VALUE 'user_secret';
SELECT audit_ext.audit_query_errors('resource_type:user_secret');
ROLLBACK;

-- The extended dialect (opt-in per call): lists, negations, ip: and status_code:, normalized; Coder's forms
-- mean the same; its validations in Coder's words, all at once; the HINT names its forms.
SELECT audit_ext.parse_audit_query('action:Create,delete -resource_type:workspace ip:10.1.2.3/8 status_code:>=400', 'extended');
SELECT audit_ext.parse_connection_query('type:ssh,vscode -status:ongoing ip:"2001:db8::1"', 'extended');
SELECT audit_ext.parse_audit_query('workspace action:delete date_from:2026-01-01', 'extended')
     = audit_ext.parse_audit_query('workspace action:delete date_from:2026-01-01') AS coder_forms_mean_the_same;
SELECT jsonb_pretty(audit_ext.audit_query_errors(
  '-date_from:2026-01-01 action:create, ip:10.0.0.0/33 status_code:>>1 -bogus:1 -action:x -action:y', 'extended'));
SELECT audit_ext.parse_audit_query('-action:login', 'extended');
SELECT audit_ext.parse_audit_query('-action:nope', 'extended');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- The Coder dialect knows none of it, and an unknown dialect is an error.
SELECT audit_ext.audit_query_errors('-action:login ip:10.0.0.0/8 action:create,delete');
SELECT audit_ext.parse_audit_query('action:create', 'sql');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
\set VERBOSITY default

-- The key table, which also drives the HINT above and the README.
SELECT * FROM audit_ext.filter_keys();
