-- audit_ext 0.1.0 → 0.2.0 (ALTER EXTENSION audit_ext UPDATE TO '0.2.0').
-- 0.2.0 adds the retention functions (the only ones that write) and the purge_logs procedure. Every
-- 0.1.0 object is unchanged. The statements below are the ones the 0.2.0 install script runs for the new
-- objects; tests/pg_regress/sql/upgrade.sql checks that an upgraded database equals a fresh install.
\echo Use "ALTER EXTENSION audit_ext UPDATE TO '0.2.0'" to load this file. \quit

-- audit_ext::api::purge::purge_audit_connection_events
CREATE  FUNCTION "purge_audit_connection_events"(
	"before" timestamp with time zone, /* TimestampWithTimeZone */
	"batch" INT DEFAULT 1000 /* i32 */
) RETURNS bigint /* i64 */
STRICT VOLATILE PARALLEL UNSAFE
SET search_path TO pg_catalog, pg_temp
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'purge_audit_connection_events_wrapper';

-- audit_ext::api::purge::purge_audit_logs
CREATE  FUNCTION "purge_audit_logs"(
	"before" timestamp with time zone, /* TimestampWithTimeZone */
	"batch" INT DEFAULT 1000 /* i32 */
) RETURNS bigint /* i64 */
STRICT VOLATILE PARALLEL UNSAFE
SET search_path TO pg_catalog, pg_temp
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'purge_audit_logs_wrapper';

-- audit_ext::api::purge::purge_connection_logs
CREATE  FUNCTION "purge_connection_logs"(
	"before" timestamp with time zone, /* TimestampWithTimeZone */
	"batch" INT DEFAULT 1000 /* i32 */
) RETURNS bigint /* i64 */
STRICT VOLATILE PARALLEL UNSAFE
SET search_path TO pg_catalog, pg_temp
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'purge_connection_logs_wrapper';

CREATE PROCEDURE purge_logs(audit_before timestamptz, connection_before timestamptz,
                            batch int DEFAULT 1000, connection_events_before timestamptz DEFAULT NULL)
LANGUAGE plpgsql
AS $$
DECLARE
  n bigint;
BEGIN
  LOOP
    n := coalesce(audit_ext.purge_audit_logs(audit_before, batch), 0);
    COMMIT;
    EXIT WHEN n < batch;
  END LOOP;
  LOOP
    n := coalesce(audit_ext.purge_audit_connection_events(connection_events_before, batch), 0);
    COMMIT;
    EXIT WHEN n < batch;
  END LOOP;
  LOOP
    n := coalesce(audit_ext.purge_connection_logs(connection_before, batch), 0);
    COMMIT;
    EXIT WHEN n < batch;
  END LOOP;
END
$$;
COMMENT ON PROCEDURE purge_logs(timestamptz, timestamptz, int, timestamptz) IS
  'Deletes audit rows older than audit_before, deprecated connection events older than connection_events_before and connection rows older than connection_before (NULL: skip), in batches of batch rows, each committed.';
