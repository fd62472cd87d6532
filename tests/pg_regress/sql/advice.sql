-- index_advice(): CREATE INDEX CONCURRENTLY statements for what the database lacks, each saying what it serves;
-- an equivalent index under another name counts as present; after \gexec nothing is left to advise.
SET timezone = 'UTC';
-- Coder's tables, empty, in schema adv (search_path and audit_ext.coder_schema); run from the repository root.
\set schema adv
\i tests/fixture/empty_schema.sql

SELECT audit_ext.index_advice();
-- The same columns under another name: no longer advised.
CREATE INDEX my_org_time ON adv.audit_logs (organization_id, "time" DESC);
SELECT count(*) AS advised FROM audit_ext.index_advice();
SELECT audit_ext.index_advice() \gexec
SELECT count(*) AS advised_after_gexec FROM audit_ext.index_advice();
SELECT indexrelid::regclass AS index, indisvalid FROM pg_index WHERE indexrelid::regclass::text LIKE 'audit\_ext%' ORDER BY indexrelid::regclass::text;
-- The planner proves status:ongoing's predicate implies the partial index's (its count reads the index alone),
-- and uses the (organization_id, type, time) index for an organization reader's type:.
SET enable_seqscan = off; SET enable_bitmapscan = off;
SELECT format('EXPLAIN (COSTS OFF) SELECT count(*) FROM connection_logs WHERE %s',
              audit_ext.connection_predicate('status:ongoing')) \gexec
SELECT format('EXPLAIN (COSTS OFF) SELECT count(*) FROM connection_logs WHERE %s AND organization_id = %L',
              audit_ext.connection_predicate('type:ssh'), md5('org1')::uuid) \gexec
RESET enable_seqscan; RESET enable_bitmapscan;

-- 0.2.0 advised a status:ongoing index holding connection_type literals, which makes Coder's connection-method
-- migration fail. Where one is left (the 0.3.0 upgrade drops it), the advice is to drop it first; an index of
-- someone else's is never touched.
CREATE INDEX audit_ext_connection_logs_ongoing ON adv.connection_logs (connect_time DESC)
    WHERE disconnect_time IS NULL AND type NOT IN ('workspace_app', 'port_forwarding');
CREATE INDEX their_ongoing ON adv.connection_logs (connect_time DESC) WHERE type <> 'ssh';
SELECT audit_ext.index_advice();
SELECT audit_ext.index_advice() \gexec
SELECT to_regclass('adv.audit_ext_connection_logs_ongoing') AS old_index, to_regclass('adv.their_ongoing') AS theirs,
       count(*) AS advised_after_drop FROM audit_ext.index_advice();

-- 0.3.0 advised (organization_id, action, time); its replacement also holds resource_type. Where the old index is
-- left, the advice builds the replacement first and, once it is in place, drops the old one.
DROP INDEX adv.audit_ext_audit_logs_org_action_time_type;
CREATE INDEX audit_ext_audit_logs_org_action_time ON adv.audit_logs (organization_id, action, "time" DESC);
SELECT audit_ext.index_advice();
SELECT audit_ext.index_advice() \gexec
SELECT audit_ext.index_advice();
SELECT audit_ext.index_advice() \gexec
SELECT to_regclass('adv.audit_ext_audit_logs_org_action_time') AS old_index,
       to_regclass('adv.audit_ext_audit_logs_org_action_time_type') AS replacement,
       count(*) AS advised_after FROM audit_ext.index_advice();
-- An organization reader's resource_type + action count reads the replacement alone.
SET enable_seqscan = off; SET enable_bitmapscan = off;
SELECT format('EXPLAIN (COSTS OFF) SELECT count(*) FROM audit_logs WHERE %s AND organization_id = %L',
              audit_ext.audit_predicate('workspace action:delete'), md5('org1')::uuid) \gexec
RESET enable_seqscan; RESET enable_bitmapscan;

RESET audit_ext.coder_schema;
RESET search_path;
SET client_min_messages = warning;
DROP SCHEMA adv CASCADE;
