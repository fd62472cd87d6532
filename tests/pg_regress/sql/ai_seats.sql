-- AI seats. First the usage-derived rule (source => 'usage', Coder's first AI-seat PR): hand-made users covering
-- each case, then the plan for a page of 100 users over 100k interceptions and 100k builds: index look-ups only,
-- no scan of either table. Then Coder's own rule (the default, ai_seat_state), and the usage rule once Coder
-- drops workspace_builds.has_ai_task (G2), in this same session.
SET timezone = 'UTC';
\pset null '(null)'
-- Coder's tables, empty, in schema seats (search_path and audit_ext.coder_schema); run from the repository root.
\set schema seats
\i tests/fixture/empty_schema.sql

INSERT INTO organizations (id, name, description, created_at, updated_at, display_name)
VALUES ('0a000000-0000-4000-8000-000000000001', 'acme', '', now(), now(), 'Acme');
-- Users: 1 interceptions only, 2 AI-task build only, 3 both, 4 neither, 5 only an AI build of a deleted
-- workspace, 6 an old AI build but a latest build without, 7 only has_ai_task NULL builds, 8 deleted user with
-- interceptions.
INSERT INTO users (id, email, username, hashed_password, created_at, updated_at, deleted)
SELECT ('0b000000-0000-4000-8000-00000000000' || n)::uuid, 'u' || n || '@example.com', 'u' || n, '', now(), now(), n = 8
FROM generate_series(1, 8) n;
INSERT INTO templates (id, created_at, updated_at, organization_id, name, active_version_id, created_by)
VALUES ('0c000000-0000-4000-8000-000000000001', now(), now(), '0a000000-0000-4000-8000-000000000001', 'docker',
        '0c000000-0000-4000-8000-0000000000ff', '0b000000-0000-4000-8000-000000000001');
INSERT INTO workspaces (id, created_at, updated_at, owner_id, organization_id, template_id, deleted, name)
SELECT ('0d000000-0000-4000-8000-00000000000' || n)::uuid, now(), now(),
       ('0b000000-0000-4000-8000-00000000000' || n)::uuid, '0a000000-0000-4000-8000-000000000001',
       '0c000000-0000-4000-8000-000000000001', n = 5, 'ws' || n
FROM generate_series(2, 7) n;
-- builds: (workspace of user n, build number, has_ai_task)
INSERT INTO workspace_builds (id, created_at, updated_at, workspace_id, template_version_id, build_number,
                              transition, initiator_id, job_id, has_ai_task)
SELECT gen_random_uuid(), now(), now(), ('0d000000-0000-4000-8000-00000000000' || b.n)::uuid,
       '0c000000-0000-4000-8000-0000000000ff', b.num, 'start', ('0b000000-0000-4000-8000-00000000000' || b.n)::uuid,
       gen_random_uuid(), b.ai
FROM (VALUES (2, 1, false), (2, 2, true), (3, 1, true), (4, 1, false), (4, 2, NULL), (5, 1, true),
             (6, 1, true), (6, 2, false), (7, 1, NULL), (7, 2, NULL)) AS b(n, num, ai);
INSERT INTO aibridge_interceptions (id, initiator_id, provider, model, started_at)
SELECT gen_random_uuid(), ('0b000000-0000-4000-8000-00000000000' || n)::uuid, 'anthropic', 'claude', now()
FROM (VALUES (1), (1), (3), (8)) AS i(n);

-- Input: every user, one twice, a NULL and an id that is nobody's. Output: each seat user once, in input order.
SELECT ARRAY[
       '0b000000-0000-4000-8000-000000000008', '0b000000-0000-4000-8000-000000000001',
       '0b000000-0000-4000-8000-000000000002', '0b000000-0000-4000-8000-000000000003',
       '0b000000-0000-4000-8000-000000000004', '0b000000-0000-4000-8000-000000000005',
       '0b000000-0000-4000-8000-000000000006', '0b000000-0000-4000-8000-000000000007',
       '0b000000-0000-4000-8000-000000000001', NULL, 'ffffffff-0000-4000-8000-000000000000']::uuid[]::text AS every_user \gset
SELECT u AS seat_user FROM audit_ext.get_user_ai_seat_states(:'every_user', source => 'usage') u;
-- Only each workspace's latest build: user 6 drops out.
SELECT u AS seat_user_latest_build
  FROM audit_ext.get_user_ai_seat_states(
       (SELECT array_agg(id ORDER BY id) FROM seats.users), latest_build_only => true) u;
SELECT count(*) AS from_null FROM audit_ext.get_user_ai_seat_states(NULL);
SELECT count(*) AS from_empty FROM audit_ext.get_user_ai_seat_states('{}');

-- The per-user table (every non-deleted user, by username), and the total that matches it.
SELECT username, has_ai_seat, reason FROM audit_ext.user_ai_seats(source => 'usage');
SELECT username, has_ai_seat, reason FROM audit_ext.user_ai_seats(latest_build_only => true);
SELECT username, has_ai_seat, reason
  FROM audit_ext.user_ai_seats(ARRAY['0b000000-0000-4000-8000-000000000008', 'ffffffff-0000-4000-8000-000000000000',
                                     '0b000000-0000-4000-8000-000000000004']::uuid[], source => 'usage');
SELECT username FROM audit_ext.user_ai_seats("limit" => 2, "offset" => 3, source => 'usage');
SELECT audit_ext.count_ai_seat_users(source => 'usage') AS seats, audit_ext.count_ai_seat_users(true) AS seats_latest_build;
-- Bad sources are 22023.
SELECT audit_ext.count_ai_seat_users(source => 'vibes');
SELECT audit_ext.count_ai_seat_users(true, 'state');

-- 100k interceptions and 100k builds over 2,000 more users.
INSERT INTO users (id, email, username, hashed_password, created_at, updated_at)
SELECT md5('bulk-user' || u)::uuid, 'bulk' || u || '@example.com', 'bulk' || u, '', now(), now()
FROM generate_series(1, 2000) u;
INSERT INTO workspaces (id, created_at, updated_at, owner_id, organization_id, template_id, deleted, name)
SELECT md5('bulk-ws' || w)::uuid, now(), now(), md5('bulk-user' || (1 + w % 2000))::uuid,
       '0a000000-0000-4000-8000-000000000001', '0c000000-0000-4000-8000-000000000001', w % 10 = 0, 'ws' || w
FROM generate_series(1, 20000) w;
INSERT INTO workspace_builds (id, created_at, updated_at, workspace_id, template_version_id, build_number,
                              transition, initiator_id, job_id, has_ai_task)
SELECT md5('bulk-b' || w || '-' || b)::uuid, now(), now(), md5('bulk-ws' || w)::uuid,
       '0c000000-0000-4000-8000-0000000000ff', b, 'start', md5('bulk-user' || (1 + w % 2000))::uuid,
       md5('bulk-job' || w || '-' || b)::uuid, (w + b) % 50 = 0
FROM generate_series(1, 20000) w, generate_series(1, 5) b;
INSERT INTO aibridge_interceptions (id, initiator_id, provider, model, started_at)
SELECT md5('bulk-i' || i)::uuid, md5('bulk-user' || (1 + i % 400))::uuid, 'openai', 'gpt-5', now()
FROM generate_series(1, 100000) i;
SET default_statistics_target = 1000;  -- statistics from every row: the same plan on every run
ANALYZE;
RESET default_statistics_target;
SELECT (SELECT count(*) FROM aibridge_interceptions) AS interceptions, (SELECT count(*) FROM workspace_builds) AS builds;

-- The statement get_user_ai_seat_states runs, planned for a page of 100 users.
SELECT array_agg(md5('bulk-user' || u)::uuid)::text AS page_ids FROM generate_series(1, 100) u \gset
SELECT audit_ext.ai_seat_states_sql(source => 'usage') AS seat_sql \gset
PREPARE seat_page(uuid[]) AS :seat_sql;
EXPLAIN (COSTS OFF) EXECUTE seat_page(:'page_ids');
SELECT audit_ext.ai_seat_states_sql(true) AS seat_sql_latest \gset
PREPARE seat_page_latest(uuid[]) AS :seat_sql_latest;
EXPLAIN (COSTS OFF) EXECUTE seat_page_latest(:'page_ids');
-- The function agrees with Coder's own query (PR #23291's UNION over the whole tables) for every user.
SELECT (SELECT array_agg(u ORDER BY u) FROM audit_ext.get_user_ai_seat_states((SELECT array_agg(id) FROM users), source => 'usage') u)
     = (SELECT array_agg(user_id ORDER BY user_id) FROM (
          SELECT DISTINCT initiator_id AS user_id FROM aibridge_interceptions
          UNION
          SELECT DISTINCT workspaces.owner_id FROM workspaces JOIN workspace_builds ON workspace_builds.workspace_id = workspaces.id
           WHERE workspace_builds.has_ai_task = true AND workspaces.deleted = false) coder
         WHERE user_id = ANY (ARRAY(SELECT id FROM users))) AS same_as_coder;
SELECT audit_ext.count_ai_seat_users(source => 'usage') = (SELECT count(*) FROM audit_ext.user_ai_seats("limit" => 1000, "offset" => 0, source => 'usage') WHERE has_ai_seat)
     + (SELECT count(*) FROM audit_ext.user_ai_seats("limit" => 1000, "offset" => 1000, source => 'usage') WHERE has_ai_seat)
     + (SELECT count(*) FROM audit_ext.user_ai_seats("limit" => 1000, "offset" => 2000, source => 'usage') WHERE has_ai_seat) AS total_matches_table;
-- 10,000 ids in one call (2,000 real ones, each five times): each seat user once.
SELECT count(*) AS seat_users_from_10000_ids
  FROM audit_ext.get_user_ai_seat_states((SELECT array_agg(md5('bulk-user' || (1 + i % 2000))::uuid) FROM generate_series(1, 10000) i), source => 'usage');

-- Coder's own rule (the default): an ai_seat_state row, and an active, non-deleted, non-system user. Users 1-8 get
-- rows (1-3 aibridge, 4-8 task); 4 is suspended, 5 dormant, 6 a system user, 8 deleted: they hold no seat. User 7
-- has a row although it never had AI usage (Coder keeps rows forever), so the two rules differ on purpose.
UPDATE users SET status = CASE id WHEN '0b000000-0000-4000-8000-000000000004' THEN 'suspended'::user_status
                                  WHEN '0b000000-0000-4000-8000-000000000005' THEN 'dormant' ELSE 'active' END,
                 is_system = id = '0b000000-0000-4000-8000-000000000006'
 WHERE username LIKE 'u_';
INSERT INTO ai_seat_state (user_id, first_used_at, last_used_at, last_event_type, last_event_description, updated_at)
SELECT ('0b000000-0000-4000-8000-00000000000' || n)::uuid, now(), now(),
       (CASE WHEN n <= 3 THEN 'aibridge' ELSE 'task' END)::ai_seat_usage_reason, '', now()
FROM generate_series(1, 8) n;
-- 1,000 of the bulk users hold a seat too (every other one), for the plan below.
INSERT INTO ai_seat_state (user_id, first_used_at, last_used_at, last_event_type, last_event_description, updated_at)
SELECT md5('bulk-user' || u)::uuid, now(), now(), 'aibridge', '', now() FROM generate_series(1, 2000, 2) u;
ANALYZE ai_seat_state;
SELECT u AS state_seat_user FROM audit_ext.get_user_ai_seat_states(:'every_user') u;
SELECT username, has_ai_seat, reason FROM audit_ext.user_ai_seats(:'every_user');
-- Coder's GetUserAISeatStates and GetActiveAISeatCount, verbatim in meaning, over every user.
SELECT (SELECT array_agg(u ORDER BY u) FROM audit_ext.get_user_ai_seat_states((SELECT array_agg(id) FROM users)) u)
     = (SELECT array_agg(ais.user_id ORDER BY ais.user_id) FROM ai_seat_state ais JOIN users u ON ais.user_id = u.id
         WHERE u.status = 'active' AND u.deleted = false AND u.is_system = false) AS same_as_coder,
       audit_ext.count_ai_seat_users() AS seats,
       audit_ext.count_ai_seat_users() = (SELECT count(*) FROM ai_seat_state ais JOIN users u ON ais.user_id = u.id
         WHERE u.status = 'active' AND u.deleted = false AND u.is_system = false) AS count_same_as_coder;
-- Page-scoped, as the function runs it (kept, with a generic plan): primary-key probes of ai_seat_state and users
-- per id, never a scan. (Coder's `= ANY` join is cheaper per call at 10M, 0.17 against 0.28 ms, but with 1,000 seat
-- rows its generic plan scans the whole table: not taken.)
SELECT audit_ext.ai_seat_states_sql() AS state_sql \gset
PREPARE state_page(uuid[]) AS :state_sql;
SET plan_cache_mode = force_generic_plan;
EXPLAIN (COSTS OFF) EXECUTE state_page(:'page_ids');
RESET plan_cache_mode;
-- Seat holders in the order of their first appearance, each once; NULLs and users without a seat skipped.
SELECT array_agg(u) AS seat_holders_in_input_order
FROM audit_ext.get_user_ai_seat_states(ARRAY['0b000000-0000-4000-8000-000000000007', NULL,
                                              '0b000000-0000-4000-8000-000000000002', '0b000000-0000-4000-8000-000000000008',
                                              '0b000000-0000-4000-8000-000000000007', '0b000000-0000-4000-8000-000000000001']::uuid[]) u;

-- Coder G2 drops workspace_builds.has_ai_task: this session's next calls follow. Coder's rule is unchanged; the
-- usage rule counts AI Bridge alone (latest_build_only changes nothing any more).
ALTER TABLE workspace_builds DROP COLUMN has_ai_task;
SELECT audit_ext.coder_schema_profile() ->> 'generation' AS generation, audit_ext.coder_schema_profile() ->> 'ai_seat_source' AS seats_from;
SELECT u AS usage_seat_user_g2 FROM audit_ext.get_user_ai_seat_states(:'every_user', source => 'usage') u;
SELECT audit_ext.count_ai_seat_users(source => 'usage') = (SELECT count(DISTINCT initiator_id) FROM aibridge_interceptions i JOIN users u ON u.id = i.initiator_id WHERE NOT u.deleted) AS usage_is_aibridge_alone,
       audit_ext.count_ai_seat_users(true) = audit_ext.count_ai_seat_users(source => 'usage') AS latest_build_only_changes_nothing,
       audit_ext.count_ai_seat_users() AS seats;
SELECT position('has_ai_task' IN audit_ext.ai_seat_states_sql(source => 'usage')) AS names_has_ai_task;

RESET audit_ext.coder_schema;
RESET search_path;
SET client_min_messages = warning;
DROP SCHEMA seats CASCADE;
