-- AI seats (Coder's GetUserAISeatStates, derived form): hand-made users covering each case, then the plan
-- for a page of 100 users over 100k interceptions and 100k builds: index look-ups only, no scan of either table.
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
SELECT u AS seat_user
  FROM audit_ext.get_user_ai_seat_states(ARRAY[
       '0b000000-0000-4000-8000-000000000008', '0b000000-0000-4000-8000-000000000001',
       '0b000000-0000-4000-8000-000000000002', '0b000000-0000-4000-8000-000000000003',
       '0b000000-0000-4000-8000-000000000004', '0b000000-0000-4000-8000-000000000005',
       '0b000000-0000-4000-8000-000000000006', '0b000000-0000-4000-8000-000000000007',
       '0b000000-0000-4000-8000-000000000001', NULL, 'ffffffff-0000-4000-8000-000000000000']::uuid[]) u;
-- Only each workspace's latest build: user 6 drops out.
SELECT u AS seat_user_latest_build
  FROM audit_ext.get_user_ai_seat_states(
       (SELECT array_agg(id ORDER BY id) FROM seats.users), latest_build_only => true) u;
SELECT count(*) AS from_null FROM audit_ext.get_user_ai_seat_states(NULL);
SELECT count(*) AS from_empty FROM audit_ext.get_user_ai_seat_states('{}');

-- The per-user table (every non-deleted user, by username), and the total that matches it.
SELECT username, has_ai_seat, reason FROM audit_ext.user_ai_seats();
SELECT username, has_ai_seat, reason FROM audit_ext.user_ai_seats(latest_build_only => true);
SELECT username, has_ai_seat, reason
  FROM audit_ext.user_ai_seats(ARRAY['0b000000-0000-4000-8000-000000000008', 'ffffffff-0000-4000-8000-000000000000',
                                     '0b000000-0000-4000-8000-000000000004']::uuid[]);
SELECT username FROM audit_ext.user_ai_seats("limit" => 2, "offset" => 3);
SELECT audit_ext.count_ai_seat_users() AS seats, audit_ext.count_ai_seat_users(true) AS seats_latest_build;

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
SELECT audit_ext.ai_seat_states_sql() AS seat_sql \gset
PREPARE seat_page(uuid[]) AS :seat_sql;
EXPLAIN (COSTS OFF) EXECUTE seat_page(:'page_ids');
SELECT audit_ext.ai_seat_states_sql(true) AS seat_sql_latest \gset
PREPARE seat_page_latest(uuid[]) AS :seat_sql_latest;
EXPLAIN (COSTS OFF) EXECUTE seat_page_latest(:'page_ids');
-- The function agrees with Coder's own query (PR #23291's UNION over the whole tables) for every user.
SELECT (SELECT array_agg(u ORDER BY u) FROM audit_ext.get_user_ai_seat_states((SELECT array_agg(id) FROM users)) u)
     = (SELECT array_agg(user_id ORDER BY user_id) FROM (
          SELECT DISTINCT initiator_id AS user_id FROM aibridge_interceptions
          UNION
          SELECT DISTINCT workspaces.owner_id FROM workspaces JOIN workspace_builds ON workspace_builds.workspace_id = workspaces.id
           WHERE workspace_builds.has_ai_task = true AND workspaces.deleted = false) coder
         WHERE user_id = ANY (ARRAY(SELECT id FROM users))) AS same_as_coder;
SELECT audit_ext.count_ai_seat_users() = (SELECT count(*) FROM audit_ext.user_ai_seats("limit" => 1000, "offset" => 0) WHERE has_ai_seat)
     + (SELECT count(*) FROM audit_ext.user_ai_seats("limit" => 1000, "offset" => 1000) WHERE has_ai_seat)
     + (SELECT count(*) FROM audit_ext.user_ai_seats("limit" => 1000, "offset" => 2000) WHERE has_ai_seat) AS total_matches_table;
-- 10,000 ids in one call (2,000 real ones, each five times): each seat user once.
SELECT count(*) AS seat_users_from_10000_ids
  FROM audit_ext.get_user_ai_seat_states((SELECT array_agg(md5('bulk-user' || (1 + i % 2000))::uuid) FROM generate_series(1, 10000) i));

RESET audit_ext.coder_schema;
RESET search_path;
SET client_min_messages = warning;
DROP SCHEMA seats CASCADE;
