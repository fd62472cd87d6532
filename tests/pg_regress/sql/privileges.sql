-- The privilege model: SECURITY INVOKER everywhere (a caller sees no more than its role may SELECT), the
-- extension schema grants USAGE (never CREATE), and objects planted on a caller's search_path are never used.
SET timezone = 'UTC';
\pset null '(null)'
-- No function is SECURITY DEFINER and every function pins search_path (also listed in extension.sql). The one
-- procedure, purge_logs, commits between batches, which a SET clause forbids; it calls only qualified names.
SELECT count(*) FILTER (WHERE p.prosecdef) AS security_definer,
       count(*) FILTER (WHERE NOT coalesce(p.proconfig @> ARRAY['search_path=pg_catalog, pg_temp'], false)
                          AND p.prokind <> 'p') AS unpinned,
       string_agg(p.proname, ', ') FILTER (WHERE p.proconfig IS NULL) AS unpinned_procedures
FROM pg_proc p WHERE p.pronamespace = 'audit_ext'::regnamespace;
SELECT has_schema_privilege('public', 'audit_ext', 'USAGE') AS public_usage,
       has_schema_privilege('public', 'audit_ext', 'CREATE') AS public_create;

-- A role with no SELECT on Coder's tables gets a permission error, not data.
SET client_min_messages = warning;
DROP ROLE IF EXISTS audit_ext_nobody;
CREATE ROLE audit_ext_nobody;
RESET client_min_messages;
SET ROLE audit_ext_nobody;
\set VERBOSITY default
SELECT audit_ext.count_audit_logs();
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT audit_ext.audit_logs('', NULL, 1);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
RESET ROLE;
-- With SELECT on the tables it reads, the same role gets answers.
GRANT SELECT ON audit_logs, users, organizations, organization_members, custom_roles, workspaces, workspace_builds,
      templates, tasks, groups, workspace_agents, workspace_resources, workspace_apps, oauth2_provider_apps,
      oauth2_provider_app_secrets, chats, user_secrets TO audit_ext_nobody;
SET ROLE audit_ext_nobody;
SELECT audit_ext.count_audit_logs('action:delete', md5('user1')::uuid) > 0 AS reads_when_granted;
RESET ROLE;

-- The purge functions are the only ones that write, and only for the table's owner (or a superuser): a role
-- granted DELETE is still refused, and nothing is deleted. In a read-only transaction even the owner is refused.
GRANT DELETE ON audit_logs, connection_logs TO audit_ext_nobody;
GRANT SELECT ON connection_logs TO audit_ext_nobody;
SELECT count(*) AS audit_rows_before FROM audit_logs \gset
SET ROLE audit_ext_nobody;
SELECT audit_ext.purge_audit_logs(now(), 10);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT audit_ext.purge_connection_logs(now(), 10);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
CALL audit_ext.purge_logs(now(), now(), 10);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
RESET ROLE;
BEGIN READ ONLY;
SELECT audit_ext.purge_audit_logs(now(), 10);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
ROLLBACK;
SELECT count(*) = :audit_rows_before AS nothing_deleted FROM audit_logs;
-- Which functions may write: exactly the purges (every other function is STABLE or IMMUTABLE).
SELECT p.proname, p.prokind, p.provolatile FROM pg_proc p
WHERE p.pronamespace = 'audit_ext'::regnamespace AND p.provolatile = 'v' ORDER BY 1;

-- Objects planted in a schema that comes first on the caller's search_path are never picked up: a fake
-- audit_logs table, a lower() that maps every name to 'admin', and a uuid = operator that is always true.
SET client_min_messages = warning;
DROP SCHEMA IF EXISTS evil CASCADE;
RESET client_min_messages;
CREATE SCHEMA evil;
CREATE TABLE evil.audit_logs (LIKE public.audit_logs);
CREATE FUNCTION evil.lower(text) RETURNS text LANGUAGE sql AS $$ SELECT 'admin' $$;
CREATE FUNCTION evil.always(uuid, uuid) RETURNS boolean LANGUAGE sql AS $$ SELECT true $$;
CREATE OPERATOR evil.= (LEFTARG = uuid, RIGHTARG = uuid, FUNCTION = evil.always);
SELECT audit_ext.count_audit_logs('username:bob17', NULL, 0) AS bob17_normal,
       audit_ext.count_audit_logs('', md5('user8')::uuid, 0) AS org_auditor_normal \gset
SET search_path = evil, public, pg_catalog;
SELECT audit_ext.count_audit_logs('username:bob17', NULL, 0) = :bob17_normal AS same_username_count,
       audit_ext.count_audit_logs('', md5('user8')::uuid, 0) = :org_auditor_normal AS same_rbac_count,
       audit_ext.count_audit_logs('', md5('user8')::uuid, 0) > 0 AS not_the_empty_fake_table;
RESET search_path;
SET client_min_messages = warning;
DROP SCHEMA evil CASCADE;
REVOKE ALL ON connection_logs FROM audit_ext_nobody;
REVOKE ALL ON audit_logs, users, organizations, organization_members, custom_roles, workspaces, workspace_builds,
      templates, tasks, groups, workspace_agents, workspace_resources, workspace_apps, oauth2_provider_apps,
      oauth2_provider_app_secrets, chats, user_secrets FROM audit_ext_nobody;
DROP ROLE audit_ext_nobody;
