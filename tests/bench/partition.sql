-- Converts audit_logs to monthly range partitions by "time" (UTC), following the README's "converting by
-- copying" recipe: the benchmark's partitioned case. Run in a copy of the benchmark database.
\set ON_ERROR_STOP on
SET timezone = 'UTC';
BEGIN;
ALTER TABLE audit_logs RENAME TO audit_logs_unpartitioned;
CREATE TABLE audit_logs (LIKE audit_logs_unpartitioned INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING COMMENTS)
  PARTITION BY RANGE ("time");
DO $$
DECLARE m timestamptz;
BEGIN
  FOR m IN SELECT generate_series(date_trunc('month', min("time")), date_trunc('month', max("time")) + interval '3 months',
                                  interval '1 month')
           FROM audit_logs_unpartitioned LOOP
    EXECUTE format('CREATE TABLE %I PARTITION OF audit_logs FOR VALUES FROM (%L) TO (%L)',
                   'audit_logs_' || to_char(m, 'YYYY_MM'), m, m + interval '1 month');
  END LOOP;
END $$;
CREATE TABLE audit_logs_default PARTITION OF audit_logs DEFAULT;
INSERT INTO audit_logs SELECT * FROM audit_logs_unpartitioned;
DROP TABLE audit_logs_unpartitioned;
ALTER TABLE audit_logs ADD CONSTRAINT audit_logs_pkey PRIMARY KEY (id, "time");
CREATE INDEX idx_audit_log_organization_id ON audit_logs (organization_id);
CREATE INDEX idx_audit_log_resource_id ON audit_logs (resource_id);
CREATE INDEX idx_audit_log_user_id ON audit_logs (user_id);
CREATE INDEX idx_audit_logs_time_desc ON audit_logs ("time" DESC);
COMMIT;
VACUUM ANALYZE audit_logs;
SELECT count(*) AS partitions FROM pg_inherits WHERE inhparent = 'audit_logs'::regclass;
