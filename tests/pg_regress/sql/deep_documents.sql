-- Documents nested as deep as PostgreSQL stores them. Go's encoding/json refuses JSON nested deeper than 10,000
-- levels, so Coder shows such a diff as {} and such additional_fields as its "unknown" object. audit_ext does the
-- same and reads such a document no further: its Rust code would otherwise recurse as deep as the document goes,
-- and with max_stack_depth raised PostgreSQL stores documents deep enough to overflow a backend's stack.
SET timezone = 'UTC';
\set schema deep
\i tests/fixture/empty_schema.sql
-- A document whose containers nest n deep, of objects or of arrays.
CREATE FUNCTION pg_temp.objects(n int) RETURNS jsonb LANGUAGE sql AS $$
  SELECT (repeat('{"new": ', n) || '1' || repeat('}', n))::jsonb $$;
CREATE FUNCTION pg_temp.arrays(n int) RETURNS jsonb LANGUAGE sql AS $$
  SELECT (repeat('[', n) || '"x"' || repeat(']', n))::jsonb $$;
-- One audit row, its id from n, with a diff and additional_fields nested n deep.
CREATE FUNCTION pg_temp.row_nested(n int) RETURNS void LANGUAGE sql AS $$
  INSERT INTO audit_logs (id, "time", user_id, organization_id, resource_type, resource_id, resource_target, action,
                          diff, status_code, additional_fields, request_id, resource_icon)
  VALUES (md5('deep' || n)::uuid, timestamptz '2026-01-01' + n * interval '1 second', gen_random_uuid(),
          gen_random_uuid(), 'workspace', gen_random_uuid(), 'ws', 'write',
          jsonb_build_object('f', pg_temp.objects(n - 1)), 200,
          jsonb_build_object('workspace_name', 'ws', 'extra', pg_temp.arrays(n - 1)), gen_random_uuid(), '') $$;
SELECT pg_temp.row_nested(n) FROM unnest(ARRAY[2, 9999, 10000, 10001, 12000]) n;

-- Each row as audit_logs renders it: up to 10,000 levels the documents come back whole; deeper, Coder's {} and
-- "unknown" object.
CREATE TEMP TABLE page AS SELECT audit_ext.audit_logs('', NULL, 100) AS p;
SELECT n, e->'diff' = jsonb_build_object('f', a.diff->'f' || '{"secret": false}') AS diff_whole,
       e->'diff' = '{}' AS diff_empty,
       e->'additional_fields' = a.additional_fields AS fields_whole,
       e->'additional_fields'->>'workspace_name' AS workspace_name
FROM unnest(ARRAY[2, 9999, 10000, 10001, 12000]) n
JOIN audit_logs a ON a.id = md5('deep' || n)::uuid
JOIN page ON true, jsonb_array_elements(page.p->'audit_logs') e
WHERE (e->>'id')::uuid = a.id ORDER BY n;
SELECT count(*) AS rows_in_search FROM audit_ext.search_audit_logs('', NULL, 100);
DROP TABLE page;

-- With max_stack_depth raised, PostgreSQL stores 30,000 levels; the page still renders, and the backend stays up.
-- (Shaping without a depth limit overflowed an 8 MB stack at about 21,000 levels.)
SET max_stack_depth = '6MB';
SELECT pg_temp.row_nested(30000);
SELECT e->'diff' AS diff, e->'additional_fields'->>'build_reason' AS build_reason
FROM jsonb_array_elements(audit_ext.audit_logs('', NULL, 100)->'audit_logs') e
WHERE (e->>'id')::uuid = md5('deep30000')::uuid;
RESET max_stack_depth;
SELECT 'the backend is still up' AS alive;
