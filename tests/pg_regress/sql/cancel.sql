-- Cancellation: statement_timeout and pg_cancel_backend stop a long scan inside audit_ext's functions
-- promptly, with SQLSTATE 57014, and the session (and the cancelled backend) stays usable.
-- Two relations to scan, each in a fresh Coder schema:
--   * `cancel.audit_logs`, a real table of 2,000,000 rows: an exact count (count_cap => 0) of
--     `resource_target`, which no index serves, scans all of them (about 200 ms here), ten times the 20 ms
--     timeout, so the ERROR below can only appear if the scan was stopped midway (a finished count prints 0);
--   * `cancel_endless.audit_logs`, a view that generates 10^12 rows as they are read: a count over it never
--     finishes, so cancelling it from another session races with nothing.
\set schema cancel_endless
\i tests/fixture/empty_schema.sql
DROP TABLE audit_logs;
CREATE VIEW audit_logs AS
SELECT lpad(to_hex(i), 32, '0')::uuid AS id, timestamptz '2026-06-01 00:00:00+00' - i * interval '1 ms' AS "time",
       '00000000-0000-4000-8000-000000000001'::uuid AS user_id, '00000000-0000-4000-8000-000000000002'::uuid AS organization_id,
       NULL::inet AS ip, ''::varchar(256) AS user_agent, 'workspace'::resource_type AS resource_type,
       '00000000-0000-4000-8000-000000000003'::uuid AS resource_id, 'ws-' || i % 1000 AS resource_target,
       'start'::audit_action AS action, '{}'::jsonb AS diff, 200 AS status_code, '{}'::jsonb AS additional_fields,
       '00000000-0000-4000-8000-000000000004'::uuid AS request_id, ''::text AS resource_icon
FROM (SELECT generate_series(1, 1000000000000::bigint) AS i) s;
\set schema cancel
\i tests/fixture/empty_schema.sql
DROP INDEX idx_audit_log_organization_id, idx_audit_log_resource_id, idx_audit_log_user_id, idx_audit_logs_time_desc;
INSERT INTO audit_logs (id, "time", user_id, organization_id, resource_type, resource_id, resource_target, action,
                        diff, status_code, additional_fields, request_id, resource_icon)
SELECT lpad(to_hex(i), 32, '0')::uuid, timestamptz '2026-06-01 00:00:00+00' - i * interval '1 second',
       '00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-000000000002', 'workspace',
       lpad(to_hex(i % 1000), 32, '0')::uuid, 'ws-' || i % 1000, 'start', '{}', 200, '{}',
       '00000000-0000-4000-8000-000000000003', ''
FROM generate_series(1, 2000000) i;
ANALYZE audit_logs;
-- A small count answers normally.
SELECT audit_ext.count_audit_logs('resource_target:ws-7', NULL, 100);

-- statement_timeout, on the count and on the page.
SELECT clock_timestamp() AS t0 \gset
SET statement_timeout = '20ms';
SELECT audit_ext.count_audit_logs('resource_target:no-such-workspace', NULL, 0);
RESET statement_timeout;
SELECT clock_timestamp() - :'t0' < interval '2 seconds' AS stopped_within_2s;
SELECT clock_timestamp() AS t0 \gset
SET statement_timeout = '20ms';
SELECT audit_ext.audit_logs('resource_target:no-such-workspace', NULL, 25, 0, 0);
RESET statement_timeout;
SELECT clock_timestamp() - :'t0' < interval '2 seconds' AS stopped_within_2s;
-- An export of the 2,000,000 rows (2,000 keyset pages, seconds of work) stops midway too (whichever page it is
-- on: terse, without the PL/pgSQL line).
SELECT clock_timestamp() AS t0 \gset
SET statement_timeout = '200ms';
\set VERBOSITY terse
SELECT count(*) FROM audit_ext.export_audit_logs();
\set VERBOSITY default
RESET statement_timeout;
SELECT clock_timestamp() - :'t0' < interval '2 seconds' AS stopped_within_2s;
-- The session goes on.
SELECT audit_ext.count_audit_logs('resource_target:ws-7', NULL, 100);

-- pg_cancel_backend from another session: a second backend (dblink) runs the long count; this one cancels it
-- once it is running, and waits for the error.
CREATE EXTENSION IF NOT EXISTS dblink;
SELECT dblink_connect('victim', format('host=%s port=%s dbname=%s user=postgres',
                      '127.0.0.1', current_setting('port'), current_database()));
SELECT dblink_exec('victim', 'SET audit_ext.coder_schema = cancel_endless');
SELECT * FROM dblink('victim', 'SELECT pg_backend_pid()') AS t(pid int) \gset victim_
SELECT set_config('cancel_test.victim', :'victim_pid', false) IS NOT NULL AS noted;
SELECT dblink_send_query('victim', $$SELECT audit_ext.count_audit_logs('resource_target:no-such-workspace', NULL, 0)$$);
DO $$
BEGIN
  FOR i IN 1..200 LOOP   -- up to 10 s for the query to start
    EXIT WHEN EXISTS (SELECT 1 FROM pg_stat_activity WHERE pid = current_setting('cancel_test.victim')::int AND state = 'active'
                        AND query LIKE '%count_audit_logs%');
    PERFORM pg_sleep(0.05);
  END LOOP;
END $$;
SELECT pg_sleep(0.3);    -- well into the scan
SELECT clock_timestamp() AS t0 \gset
SELECT pg_cancel_backend(:victim_pid);
SELECT * FROM dblink_get_result('victim') AS t(n bigint);
SELECT clock_timestamp() - :'t0' < interval '2 seconds' AS stopped_within_2s;
SELECT * FROM dblink_get_result('victim') AS t(n bigint);   -- drains the connection
-- The cancelled backend answers the next call normally.
SELECT * FROM dblink('victim', $$SELECT audit_ext.count_audit_logs('', NULL, 100)$$) AS t(n bigint);
SELECT dblink_disconnect('victim');
DROP EXTENSION dblink;
SET client_min_messages = warning;
DROP SCHEMA cancel, cancel_endless CASCADE;
