-- Time-partitioned audit_logs and connection_logs. Schema "part" gets a copy of every row of the fixture
-- (public, plain tables) and then the conversion an operator runs: monthly declarative range partitions (UTC
-- months), the primary key widened to include the partition key, Coder's indexes re-created on the parent.
-- Every audit_ext function must answer exactly as on the plain tables, and a date filter must scan only the
-- matching months' partitions.
SET timezone = 'UTC';
\pset null '(null)'
-- Coder's tables, empty, in schema part (search_path and audit_ext.coder_schema); run from the repository root.
\set schema part
\i tests/fixture/empty_schema.sql

-- The fixture's rows, table by table, through their text form (part has its own enum types). Foreign keys
-- are not checked while copying (session_replication_role), so the order of the tables does not matter.
SET session_replication_role = replica;
DO $$
DECLARE t text; cols text;
BEGIN
  FOR t IN SELECT tablename FROM pg_tables WHERE schemaname = 'part' ORDER BY tablename LOOP
    SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) INTO cols
      FROM pg_attribute WHERE attrelid = format('part.%I', t)::regclass AND attnum > 0 AND NOT attisdropped
                          AND attgenerated = '';
    EXECUTE format('INSERT INTO part.%1$I (%2$s) SELECT %2$s FROM (SELECT (r::text::part.%1$I).* FROM public.%1$I r) x',
                   t, cols);
  END LOOP;
END $$;
RESET session_replication_role;

-- ---------------------------------------------------------------------------------------------------------
-- The conversion of audit_logs, as an operator runs it (in one transaction; run it as the role that owns
-- Coder's tables). A partitioned table's primary key must contain the partition key: (id) becomes
-- (id, "time"). Bounds are written in UTC so that the months are UTC months whatever the session's timezone.
BEGIN;
ALTER TABLE audit_logs RENAME TO audit_logs_unpartitioned;
CREATE TABLE audit_logs (LIKE audit_logs_unpartitioned INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING COMMENTS)
  PARTITION BY RANGE ("time");
SELECT format('CREATE TABLE %I PARTITION OF audit_logs FOR VALUES FROM (%L) TO (%L)', 'audit_logs_' || to_char(m, 'YYYY_MM'),
              to_char(m, 'YYYY-MM-DD 00:00:00+00'), to_char(m + interval '1 month', 'YYYY-MM-DD 00:00:00+00'))
  FROM generate_series(timestamptz '2025-06-01 00:00:00+00', timestamptz '2026-06-01 00:00:00+00', interval '1 month') m
\gexec
CREATE TABLE audit_logs_default PARTITION OF audit_logs DEFAULT;
INSERT INTO audit_logs SELECT * FROM audit_logs_unpartitioned;
DROP TABLE audit_logs_unpartitioned;
ALTER TABLE audit_logs ADD CONSTRAINT audit_logs_pkey PRIMARY KEY (id, "time");
CREATE INDEX idx_audit_log_organization_id ON audit_logs USING btree (organization_id);
CREATE INDEX idx_audit_log_resource_id ON audit_logs USING btree (resource_id);
CREATE INDEX idx_audit_log_user_id ON audit_logs USING btree (user_id);
CREATE INDEX idx_audit_logs_time_desc ON audit_logs USING btree ("time" DESC);
COMMIT;

-- The same for connection_logs, by connect_time. Coder's unique index (connection_id, workspace_id,
-- agent_name) cannot exist on the partitioned table: a unique index there must contain connect_time too.
BEGIN;
ALTER TABLE connection_logs RENAME TO connection_logs_unpartitioned;
CREATE TABLE connection_logs (LIKE connection_logs_unpartitioned INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING COMMENTS)
  PARTITION BY RANGE (connect_time);
SELECT format('CREATE TABLE %I PARTITION OF connection_logs FOR VALUES FROM (%L) TO (%L)', 'connection_logs_' || to_char(m, 'YYYY_MM'),
              to_char(m, 'YYYY-MM-DD 00:00:00+00'), to_char(m + interval '1 month', 'YYYY-MM-DD 00:00:00+00'))
  FROM generate_series(timestamptz '2025-06-01 00:00:00+00', timestamptz '2026-06-01 00:00:00+00', interval '1 month') m
\gexec
CREATE TABLE connection_logs_default PARTITION OF connection_logs DEFAULT;
INSERT INTO connection_logs SELECT * FROM connection_logs_unpartitioned;
DROP TABLE connection_logs_unpartitioned;
ALTER TABLE connection_logs ADD CONSTRAINT connection_logs_pkey PRIMARY KEY (id, connect_time);
ALTER TABLE connection_logs ADD FOREIGN KEY (organization_id) REFERENCES organizations (id) ON DELETE CASCADE;
ALTER TABLE connection_logs ADD FOREIGN KEY (workspace_owner_id) REFERENCES users (id) ON DELETE CASCADE;
ALTER TABLE connection_logs ADD FOREIGN KEY (workspace_id) REFERENCES workspaces (id) ON DELETE CASCADE;
CREATE INDEX idx_connection_logs_connect_time_desc ON connection_logs USING btree (connect_time DESC);
CREATE INDEX idx_connection_logs_organization_id ON connection_logs USING btree (organization_id);
CREATE INDEX idx_connection_logs_workspace_id ON connection_logs USING btree (workspace_id);
CREATE INDEX idx_connection_logs_workspace_owner_id ON connection_logs USING btree (workspace_owner_id);
SAVEPOINT unique_index;
CREATE UNIQUE INDEX idx_connection_logs_connection_id_workspace_id_agent_name
    ON connection_logs USING btree (connection_id, workspace_id, agent_name);
ROLLBACK TO SAVEPOINT unique_index;
CREATE UNIQUE INDEX idx_connection_logs_connection_id_workspace_id_agent_name
    ON connection_logs USING btree (connection_id, workspace_id, agent_name, connect_time);
COMMIT;
-- Statistics for every table of part (partitioned parents and their partitions included).
DO $$ DECLARE t text; BEGIN
  FOR t IN SELECT tablename FROM pg_tables WHERE schemaname = 'part' LOOP EXECUTE format('ANALYZE part.%I', t); END LOOP;
END $$;

-- What the conversion produced: the keys, and the rows per month (the fixture spans 2025-06-01 to 2026-06-01).
SELECT conrelid::regclass AS "table", conname, pg_get_constraintdef(oid) AS definition
  FROM pg_constraint WHERE conrelid IN ('part.audit_logs'::regclass, 'part.connection_logs'::regclass) AND contype IN ('p', 'u')
 ORDER BY 1::text;
SELECT indexrelid::regclass AS index, pg_get_indexdef(indexrelid) ~ 'UNIQUE' AS "unique", indisvalid
  FROM pg_index WHERE indrelid IN ('part.audit_logs'::regclass, 'part.connection_logs'::regclass) ORDER BY 1::text;
SELECT month, coalesce(a.n, 0) AS audit_rows, coalesce(c.n, 0) AS connection_rows
  FROM (SELECT regexp_replace(inhrelid::regclass::text, '^audit_logs_', '') AS month
          FROM pg_inherits WHERE inhparent = 'part.audit_logs'::regclass) m
  LEFT JOIN (SELECT regexp_replace(tableoid::regclass::text, '^audit_logs_', '') AS month, count(*) AS n
               FROM part.audit_logs GROUP BY 1) a USING (month)
  LEFT JOIN (SELECT regexp_replace(tableoid::regclass::text, '^connection_logs_', '') AS month, count(*) AS n
               FROM part.connection_logs GROUP BY 1) c USING (month)
 ORDER BY month;
SELECT (SELECT count(*) FROM public.audit_logs) AS plain_audit_rows, (SELECT count(*) FROM part.audit_logs) AS part_audit_rows,
       (SELECT count(*) FROM public.connection_logs) AS plain_connection_rows,
       (SELECT count(*) FROM part.connection_logs) AS part_connection_rows;

-- ---------------------------------------------------------------------------------------------------------
-- The same answers. pg_temp.under(schema, sql) runs a statement with audit_ext.coder_schema = schema and
-- returns its whole result as text (rows in the order returned); the schema's own name is masked, since
-- predicates and index advice name it (e.g. 'delete'::part.audit_action). pg_temp.value(schema, sql) returns
-- the single value a statement answers (a count, a page's jsonb); pg_temp.predicate_rows(schema, q, actor) counts the rows the rendered
-- clause selects from that schema's audit_logs.
CREATE FUNCTION pg_temp.under(schema text, query text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE r text;
BEGIN
  PERFORM set_config('audit_ext.coder_schema', schema, true);
  EXECUTE format('SELECT coalesce(string_agg(x::text, E''\n''), '''') FROM (%s) x', query) INTO r;
  RETURN regexp_replace(r, '\m' || schema || '\.', '<schema>.', 'g');
END $$;
CREATE FUNCTION pg_temp.value(schema text, query text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE r text;
BEGIN
  PERFORM set_config('audit_ext.coder_schema', schema, true);
  EXECUTE query INTO r;
  RETURN r;
END $$;
CREATE FUNCTION pg_temp.predicate_rows(schema text, q text, actor uuid) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE r bigint;
BEGIN
  PERFORM set_config('audit_ext.coder_schema', schema, true);
  EXECUTE format('SELECT count(*) FROM %I.audit_logs WHERE %s', schema, audit_ext.audit_predicate(q, actor)) INTO r;
  RETURN r;
END $$;

-- Counts (exact and capped), every kind of actor, date ranges inside one month, across months, at the edges.
SELECT q, actor, cap, plain::bigint AS count, plain = part AS same
  FROM (VALUES
    ('', NULL, 0), ('', NULL, 2000), ('', 'owner', 0), ('', 'site auditor', 0), ('', 'org auditor', 0),
    ('', 'org admin', 0), ('', 'custom role', 0), ('', 'member', 0),
    ('date_from:2026-01-01 date_to:2026-01-31', NULL, 0), ('date_from:2025-12-20 date_to:2026-01-10', NULL, 0),
    ('date_to:2025-06-30', NULL, 0), ('date_from:2026-05-31', NULL, 0), ('date_from:2026-06-01', NULL, 0),
    ('date_from:2026-02-01 date_to:2026-02-28', 'org auditor', 0), ('action:delete', 'org auditor', 0),
    ('workspace_build action:start build_reason:autostart', 'owner', 0), ('workspace action:create build_reason:cli', NULL, 0),
    ('username:bob17', 'site auditor', 0), ('email:CAROL18@example.com', NULL, 0), ('organization:org-08', 'custom role', 0),
    ('organization:org-10', 'custom role', 0),
    ('resource_target:docker date_from:2026-03-01 date_to:2026-03-31', 'org admin', 0)
  ) c(q, actor, cap),
  LATERAL (SELECT CASE actor WHEN 'owner' THEN md5('user1') WHEN 'site auditor' THEN md5('user2')
                             WHEN 'org admin' THEN md5('user7') WHEN 'org auditor' THEN md5('user8')
                             WHEN 'custom role' THEN md5('user9') WHEN 'member' THEN md5('user10') END AS uid) a,
  LATERAL (SELECT format('SELECT audit_ext.count_audit_logs(%L, %L::uuid, %s)', q, uid, cap) AS call) s,
  LATERAL (SELECT pg_temp.value('public', call) AS plain, pg_temp.value('part', call) AS part) r;

SELECT q, actor, plain::bigint AS count, plain = part AS same
  FROM (VALUES
    ('', NULL), ('', 'org auditor'), ('', 'custom role'), ('', 'member'), ('type:ssh', 'org admin'),
    ('status:ongoing', NULL), ('status:completed type:vscode', 'custom role'),
    ('connected_after:"2026-02-01T00:00:00Z" connected_before:"2026-02-28T23:59:59Z"', NULL),
    ('connected_after:"2025-11-30T12:00:00Z" connected_before:"2025-12-01T12:00:00Z"', 'owner'),
    ('workspace_owner:bob17', 'owner'), ('organization:coder type:workspace_app', NULL)
  ) c(q, actor),
  LATERAL (SELECT CASE actor WHEN 'owner' THEN md5('user1') WHEN 'org admin' THEN md5('user7')
                             WHEN 'org auditor' THEN md5('user8') WHEN 'custom role' THEN md5('user9')
                             WHEN 'member' THEN md5('user10') END AS uid) a,
  LATERAL (SELECT format('SELECT audit_ext.count_connection_logs(%L, %L::uuid, 0)', q, uid) AS call) s,
  LATERAL (SELECT pg_temp.value('public', call) AS plain, pg_temp.value('part', call) AS part) r;

-- Pages (the JSON, every field, compared whole): pages inside one month, pages that cross a month boundary
-- (about 830 audit and 170 connection rows a month), ties on "time" broken by id, empty pages.
SELECT q, actor, "limit", "offset", (p->>'count')::int AS count, jsonb_array_length(p->'audit_logs') AS rows,
       p->'audit_logs'->0->>'time' AS newest, p->'audit_logs'->-1->>'time' AS oldest, plain = part AS same
  FROM (VALUES
    ('', NULL, 100, 0), ('', NULL, 100, 780), ('', NULL, 100, 4950), ('', 'owner', 25, 9990),
    ('', 'org auditor', 50, 0), ('action:delete', 'org auditor', 50, 20), ('', 'custom role', 25, 100),
    ('', 'member', 10, 0), ('date_from:2026-01-01 date_to:2026-01-31', NULL, 100, 760),
    ('date_from:2025-12-20 date_to:2026-01-10', 'site auditor', 100, 150), ('date_to:2025-06-30', NULL, 50, 800),
    ('workspace_build action:start build_reason:autostart', 'owner', 100, 0), ('username:bob17', 'site auditor', 100, 0),
    ('email:CAROL18@example.com', NULL, 100, 0), ('resource_target:docker', 'org auditor', 100, 0),
    ('request_id:' || md5('req1000')::uuid, NULL, 10, 0)
  ) c(q, actor, "limit", "offset"),
  LATERAL (SELECT CASE actor WHEN 'owner' THEN md5('user1') WHEN 'site auditor' THEN md5('user2')
                             WHEN 'org admin' THEN md5('user7') WHEN 'org auditor' THEN md5('user8')
                             WHEN 'custom role' THEN md5('user9') WHEN 'member' THEN md5('user10') END AS uid) a,
  LATERAL (SELECT format('SELECT audit_ext.audit_logs(%L, %L::uuid, %s, %s)', q, uid, "limit", "offset") AS call) s,
  LATERAL (SELECT pg_temp.value('public', call) AS plain, pg_temp.value('part', call) AS part) r,
  LATERAL (SELECT plain::jsonb AS p) x;

SELECT q, actor, "limit", "offset", (p->>'count')::int AS count, jsonb_array_length(p->'connection_logs') AS rows,
       p->'connection_logs'->0->>'connect_time' AS newest, p->'connection_logs'->-1->>'connect_time' AS oldest,
       plain = part AS same
  FROM (VALUES
    ('', NULL, 100, 0), ('', NULL, 50, 150), ('', 'org auditor', 25, 0), ('type:ssh', 'org admin', 100, 0),
    ('status:ongoing', NULL, 100, 100), ('status:completed type:vscode', 'custom role', 100, 0),
    ('connected_after:"2026-02-01T00:00:00Z" connected_before:"2026-02-28T23:59:59Z"', NULL, 100, 100),
    ('workspace_owner:bob17', 'owner', 100, 0), ('', 'member', 10, 0)
  ) c(q, actor, "limit", "offset"),
  LATERAL (SELECT CASE actor WHEN 'owner' THEN md5('user1') WHEN 'org admin' THEN md5('user7')
                             WHEN 'org auditor' THEN md5('user8') WHEN 'custom role' THEN md5('user9')
                             WHEN 'member' THEN md5('user10') END AS uid) a,
  LATERAL (SELECT format('SELECT audit_ext.connection_logs(%L, %L::uuid, %s, %s)', q, uid, "limit", "offset") AS call) s,
  LATERAL (SELECT pg_temp.value('public', call) AS plain, pg_temp.value('part', call) AS part) r,
  LATERAL (SELECT plain::jsonb AS p) x;

-- Every other function, called the same way under each schema.
SELECT call, array_length(string_to_array(plain, E'\n'), 1) AS lines, plain = part AS same
  FROM (VALUES
    ($$SELECT * FROM audit_ext.search_audit_logs('action:delete', md5('user8')::uuid, 100, 10)$$),
    ($$SELECT * FROM audit_ext.search_audit_logs('date_from:2025-09-25 date_to:2025-10-05', NULL, 1000)$$),
    ($$SELECT * FROM audit_ext.search_connection_logs('', md5('user9')::uuid, 100, 30)$$),
    ($$SELECT * FROM audit_ext.search_connection_logs('type:ssh connected_before:"2025-08-01T00:00:00Z"', NULL, 1000)$$),
    ($$SELECT * FROM audit_ext.export_audit_logs('action:delete,login', md5('user8')::uuid, dialect => 'extended')$$),
    ($$SELECT * FROM audit_ext.export_audit_logs('date_from:2025-12-20 date_to:2026-01-10')$$),
    ($$SELECT * FROM audit_ext.export_connection_logs('-type:ssh', md5('user9')::uuid, dialect => 'extended')$$),
    ($$SELECT p FROM (SELECT audit_ext.audit_logs('', NULL, 300, after => '')->>'next_after' AS c) x,
       LATERAL (SELECT audit_ext.audit_logs('', NULL, 300, after => x.c) AS p) y$$),
    ($$SELECT audit_ext.audit_predicate('username:bob17 action:login date_from:2026-01-01', md5('user8')::uuid)$$),
    ($$SELECT audit_ext.connection_predicate('status:ongoing type:ssh', md5('user9')::uuid)$$),
    ($$SELECT audit_ext.parse_audit_query('workspace_build action:start build_reason:autostart organization:coder date_from:2026-01-01')$$),
    ($$SELECT audit_ext.parse_connection_query('workspace_owner:bob17 type:ssh status:ongoing')$$),
    ($$SELECT audit_ext.audit_query_errors('resource_type:spaceship colour:red date_to:tomorrow')$$),
    ($$SELECT audit_ext.connection_query_errors('type:telnet')$$),
    ($$SELECT audit_ext.readable_organizations(md5('user8')::uuid), audit_ext.readable_organizations(md5('user9')::uuid, 'connection_log')$$),
    ($$SELECT * FROM audit_ext.get_user_ai_seat_states(ARRAY(SELECT md5('user' || u)::uuid FROM generate_series(1, 60) u), source => 'usage')$$),
    ($$SELECT * FROM audit_ext.user_ai_seats(NULL, true, 100)$$),
    ($$SELECT audit_ext.count_ai_seat_users(), audit_ext.count_ai_seat_users(true)$$),
    ($$SELECT audit_ext.ai_seat_states_sql()$$),
    ($$SELECT * FROM audit_ext.filter_keys()$$),
    ($$SELECT * FROM audit_ext.index_advice()$$),
    ($$SELECT audit_ext.version()$$)
  ) c(call),
  LATERAL (SELECT pg_temp.under('public', call) AS plain, pg_temp.under('part', call) AS part) r;

-- Control: a difference is seen when there is one (a row of 2026-02-11 deleted from part only, rolled back).
BEGIN;
DELETE FROM part.audit_logs WHERE id = md5('audit3000')::uuid;
SELECT pg_temp.value('public', $$SELECT audit_ext.count_audit_logs('', NULL, 0)$$)::bigint AS plain_count,
       pg_temp.value('part', $$SELECT audit_ext.count_audit_logs('', NULL, 0)$$)::bigint AS part_count,
       pg_temp.value('public', $$SELECT audit_ext.audit_logs('date_from:2026-02-11 date_to:2026-02-11', NULL, 100)$$)
         = pg_temp.value('part', $$SELECT audit_ext.audit_logs('date_from:2026-02-11 date_to:2026-02-11', NULL, 100)$$) AS same_page;
ROLLBACK;

-- The rendered clauses (organization auditor) select the same rows from either table.
SELECT q, plain AS rows, plain = part AS same
  FROM (VALUES ('date_from:2025-12-20 date_to:2026-01-10'), ('workspace_build action:delete'), ('build_reason:autostart')) c(q),
  LATERAL (SELECT pg_temp.predicate_rows('public', q, md5('user8')::uuid) AS plain,
                  pg_temp.predicate_rows('part', q, md5('user8')::uuid) AS part) r;

-- ---------------------------------------------------------------------------------------------------------
-- Pruning. The clause audit_ext runs for a date filter, rendered with literals: only January 2026 is scanned.
SELECT format('EXPLAIN (COSTS OFF) SELECT count(*) FROM part.audit_logs WHERE %s',
              audit_ext.audit_predicate('date_from:2026-01-01 date_to:2026-01-31')) \gexec
-- A page for an organization auditor over ten days across a month boundary: two partitions, newest first.
SELECT format('EXPLAIN (COSTS OFF) SELECT * FROM part.audit_logs WHERE %s ORDER BY "time" DESC, id DESC LIMIT 25',
              audit_ext.audit_predicate('action:delete date_from:2026-02-25 date_to:2026-03-05', md5('user8')::uuid)) \gexec
SELECT format('EXPLAIN (COSTS OFF) SELECT count(*) FROM part.connection_logs WHERE %s',
              audit_ext.connection_predicate('connected_after:"2026-03-01T00:00:00Z" connected_before:"2026-03-31T23:59:59Z"')) \gexec

-- The shape audit_ext sends: the values bound as parameters of their own types (here the capped count).
-- audit_ext plans each call with its values (a custom plan), so pruning happens at plan time; a generic plan
-- prunes the same partitions when the executor starts ("Subplans Removed").
PREPARE capped_count(timestamptz, timestamptz, bigint) AS
  SELECT count(*) FROM (SELECT FROM part.audit_logs WHERE audit_logs."time" >= $1 AND audit_logs."time" < $2 LIMIT $3) capped;
SET plan_cache_mode = force_custom_plan;
EXPLAIN (COSTS OFF) EXECUTE capped_count('2026-01-01 00:00:00+00', '2026-02-01 00:00:00+00', 2001);
SET plan_cache_mode = force_generic_plan;
EXPLAIN (COSTS OFF) EXECUTE capped_count('2026-01-01 00:00:00+00', '2026-02-01 00:00:00+00', 2001);
RESET plan_cache_mode;
DEALLOCATE capped_count;

-- The real calls: the partitions they read, from this transaction's own table statistics (pending statistics
-- are flushed first, so that only this transaction's scans are counted).
DO $$ BEGIN PERFORM pg_stat_force_next_flush(); END $$;
BEGIN;
SELECT audit_ext.count_audit_logs('date_from:2026-01-01 date_to:2026-01-31', NULL, 0) AS january,
       audit_ext.audit_logs('date_from:2026-01-01 date_to:2026-01-31', md5('user8')::uuid, 10)->>'count' AS org_auditor_january,
       (SELECT count(*) FROM audit_ext.search_audit_logs('date_from:2026-01-25 date_to:2026-01-31', NULL, 1000)) AS last_week_of_january,
       audit_ext.count_connection_logs('connected_after:"2026-03-01T00:00:00Z" connected_before:"2026-03-31T23:59:59Z"', NULL, 0) AS march_connections;
SELECT relname AS partition_read FROM pg_stat_xact_user_tables
 WHERE schemaname = 'part' AND relname ~ '^(audit|connection)_logs_' AND seq_scan + coalesce(idx_scan, 0) > 0
 ORDER BY 1;
COMMIT;

-- ---------------------------------------------------------------------------------------------------------
-- Index advice on a partitioned table: the same statements, but CREATE INDEX CONCURRENTLY is refused on a
-- partitioned table. Build the index on the parent without CONCURRENTLY (or per partition, see the README);
-- an index on the parent counts as present once every partition has it.
SELECT count(*) AS advised FROM audit_ext.index_advice() a WHERE a ~ 'part\.audit_logs ';
SELECT a FROM audit_ext.index_advice() a WHERE a ~ 'audit_ext_audit_logs_request_id' \gexec
CREATE INDEX audit_ext_audit_logs_request_id ON part.audit_logs (request_id);
SELECT count(*) AS advised FROM audit_ext.index_advice() a WHERE a ~ 'part\.audit_logs ';

-- ---------------------------------------------------------------------------------------------------------
-- What the wider primary key means. On the plain table a second row with the same id is refused; on the
-- partitioned table only (id, "time") is unique, so the same id at another time is accepted (Coder's ids are
-- random v4 uuids, so this does not arise from Coder itself), and audit_ext shows both rows, as two elements
-- with the same id.
INSERT INTO public.audit_logs SELECT * FROM public.audit_logs WHERE id = md5('audit1')::uuid;
BEGIN;
INSERT INTO part.audit_logs SELECT id, "time" - interval '1 month', user_id, organization_id, ip, user_agent, resource_type, resource_id,
       resource_target, action, diff, status_code, additional_fields, request_id, resource_icon
  FROM part.audit_logs WHERE id = md5('audit1')::uuid;
SELECT tableoid::regclass AS partition, "time" FROM part.audit_logs WHERE id = md5('audit1')::uuid ORDER BY "time";
SELECT e->>'id' AS id, e->>'time' AS "time"
  FROM jsonb_array_elements(audit_ext.audit_logs('request_id:' || md5('req0')::uuid, NULL, 10)->'audit_logs') e;
ROLLBACK;
-- Coder's connection-log upsert (UpsertConnectionLog) names (connection_id, workspace_id, agent_name) as its
-- conflict target, which no longer has a unique index: on a partitioned connection_logs it fails, so Coder's
-- own writes need a change before connection_logs can be partitioned (Coder only INSERTs into audit_logs and
-- DELETEs old rows, which work unchanged).
INSERT INTO part.connection_logs (id, connect_time, organization_id, workspace_owner_id, workspace_id, workspace_name,
                                  agent_name, type, connection_id)
SELECT md5('conn-new')::uuid, '2026-05-31 23:59:00+00', organization_id, owner_id, id, name, 'main', 'ssh', md5('connid-new')::uuid
  FROM part.workspaces WHERE id = md5('ws3')::uuid
ON CONFLICT (connection_id, workspace_id, agent_name) DO UPDATE SET disconnect_time = EXCLUDED.connect_time;

RESET audit_ext.coder_schema;
RESET search_path;
SET client_min_messages = warning;
DROP SCHEMA part CASCADE;
