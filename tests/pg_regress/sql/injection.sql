-- Hostile input in every filter position and argument (pg_graphql's sqli file is the model): each gives a clean
-- 22023/54000 error or a correct filtered/empty result, and no table changes.
SET timezone = 'UTC';
\pset null '(null)'
CREATE TEMP TABLE before AS
SELECT (SELECT count(*) FROM audit_logs) AS audit, (SELECT count(*) FROM connection_logs) AS conn,
       (SELECT count(*) FROM users) AS users, (SELECT md5(string_agg(id::text, ',' ORDER BY id)) FROM audit_logs) AS audit_ids;

-- Values that look like SQL are only ever values: no match, no error.
SELECT audit_ext.count_audit_logs($q$resource_target:"x'); DROP TABLE audit_logs; --"$q$, NULL, 0) AS drop_table;
SELECT audit_ext.count_audit_logs($q$resource_target:"' OR 1=1 --"$q$, NULL, 0) AS or_1_1;
SELECT audit_ext.count_audit_logs($q$resource_target:"$$; SELECT pg_sleep(10); $$"$q$, NULL, 0) AS dollar_quotes;
SELECT audit_ext.count_audit_logs($q$resource_target:"/* */ -- \\ ;"$q$, NULL, 0) AS comments_backslashes;
-- A quote inside a quoted value ends it (Coder's tokenizer has no escapes): a clean validation error.
\set VERBOSITY default
SELECT audit_ext.count_audit_logs($q$resource_target:"a\" OR 1=1"$q$);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT audit_ext.count_audit_logs($q$username:"admin' --"$q$, NULL, 0) AS username_quote;
SELECT audit_ext.count_audit_logs($q$email:"x@y.z' OR ''='"$q$, NULL, 0) AS email_quote;
SELECT audit_ext.count_connection_logs($q$workspace_owner:"alice32'); DELETE FROM users; --"$q$, NULL, 0) AS owner_delete;
-- Enum-looking and unicode look-alike values are validated against the live enum types.
\set VERBOSITY default
SELECT audit_ext.count_audit_logs($q$action:"delete'::audit_action OR true --"$q$);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT audit_ext.count_audit_logs('resource_type:wоrkspace');  -- Cyrillic о
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT audit_ext.count_connection_logs('type:ssh;drop');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- uuids with trailing text, dates with time zones, NUL-adjacent bytes.
SELECT audit_ext.count_audit_logs('resource_id:6b8f2c3a-1111-4222-8333-444455556666;--');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT audit_ext.count_audit_logs('date_from:"2026-01-01T00:00:00+02:00"');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT audit_ext.count_audit_logs(E'resource_target:\x01\x7f', NULL, 0) AS control_bytes;
-- Huge or negative numbers for limit, offset and count_cap.
SELECT audit_ext.audit_logs('', NULL, 2147483647);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT audit_ext.audit_logs('', NULL, 10, -2147483648);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT audit_ext.count_audit_logs('', NULL, -1);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT jsonb_array_length(audit_ext.audit_logs('', NULL, 10, 2147483647)->'audit_logs') AS far_offset_rows;
SELECT audit_ext.count_audit_logs('action:delete', NULL, 2147483647);
SET audit_ext.max_count_cap = 0;   -- no ceiling: then the largest cap counts exactly
SELECT audit_ext.count_audit_logs('action:delete', NULL, 2147483647) = audit_ext.count_audit_logs('action:delete', NULL, 0) AS max_cap_is_exact;
RESET audit_ext.max_count_cap;
-- Hostile actors and scopes.
SELECT audit_ext.count_audit_logs('', '00000000-0000-0000-0000-000000000000') AS nil_actor,
       audit_ext.count_audit_logs('', md5('user1')::uuid, 2000, ARRAY[$s$audit_log:read' OR '1'='1$s$]) AS quoted_scope,
       audit_ext.count_audit_logs('', md5('user1')::uuid, 2000, ARRAY[NULL, 'AUDIT_LOG:READ']::text[]) AS null_and_upper_scope;
SELECT audit_ext.readable_organizations(md5('user1')::uuid, $o$audit_log'; DROP TABLE users; --$o$);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- Abuse: over-long filters and too many terms are 54000, before any parsing work.
SELECT audit_ext.count_audit_logs(repeat('x', 5000));
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT audit_ext.count_audit_logs(repeat('action:delete ', 40));
\echo SQLSTATE :LAST_ERROR_SQLSTATE

-- Nothing changed.
SELECT b.audit = (SELECT count(*) FROM audit_logs) AND b.conn = (SELECT count(*) FROM connection_logs)
       AND b.users = (SELECT count(*) FROM users)
       AND b.audit_ids = (SELECT md5(string_agg(id::text, ',' ORDER BY id)) FROM audit_logs) AS tables_unchanged
FROM before b;
