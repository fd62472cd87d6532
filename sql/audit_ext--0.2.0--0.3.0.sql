-- audit_ext 0.2.0 → 0.3.0 (ALTER EXTENSION audit_ext UPDATE TO '0.3.0').
-- 0.3.0 reads Coder's schema generation from the catalog on every call (Coder G1, G2, G3). Changed objects:
-- - coder_schema_profile() is new;
-- - the AI-seat functions take a last argument `source` (Coder's ai_seat_state by default), so they are
--   dropped and created again with it;
-- - search_connection_logs() returns two more columns (connection_method, app_name);
-- - the `status:ongoing` index 0.2.0's index_advice() recommended (audit_ext_connection_logs_ongoing) holds
--   literals of Coder's connection_type enum in its predicate, which makes Coder's own connection-method
--   migration fail; it is dropped here (index_advice() now recommends audit_ext_connection_logs_open instead).
-- The statements for the functions are the ones the 0.3.0 install script runs; tests/pg_regress/sql/upgrade.sql
-- checks that an upgraded database equals a fresh install.
\echo Use "ALTER EXTENSION audit_ext UPDATE TO '0.3.0'" to load this file. \quit

DO $upgrade$
DECLARE
  schema text := coalesce(nullif(current_setting('audit_ext.coder_schema', true), ''), 'public');
  idx regclass;
BEGIN
  SELECT i.indexrelid::regclass INTO idx
    FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace
   WHERE n.nspname = schema AND c.relname = 'audit_ext_connection_logs_ongoing'
     AND pg_get_expr(i.indpred, i.indrelid) LIKE '%connection_type%';
  IF idx IS NOT NULL THEN
    EXECUTE format('DROP INDEX %s', idx);
    RAISE NOTICE 'audit_ext: dropped index % (its enum literals would make Coder''s connection-method migration fail); run audit_ext.index_advice() for its replacement', idx;
  END IF;
END
$upgrade$;

-- The AI-seat functions gain `source`; search_connection_logs() two columns.
DROP FUNCTION ai_seat_states_sql(boolean);
DROP FUNCTION count_ai_seat_users(boolean);
DROP FUNCTION get_user_ai_seat_states(uuid[], boolean);
DROP FUNCTION user_ai_seats(uuid[], boolean, integer, integer);
DROP FUNCTION audit_ext.search_connection_logs(text, uuid, int, int, text[]);

-- audit_ext::api::seats::ai_seat_states_sql
CREATE  FUNCTION "ai_seat_states_sql"(
	"latest_build_only" bool DEFAULT false, /* Option < bool > */
	"source" TEXT DEFAULT NULL /* Option < & str > */
) RETURNS TEXT /* String */
STABLE PARALLEL SAFE
SET search_path TO pg_catalog, pg_temp
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'ai_seat_states_sql_wrapper';

-- audit_ext::api::profile::coder_schema_profile
CREATE  FUNCTION "coder_schema_profile"() RETURNS jsonb /* JsonB */
STRICT STABLE PARALLEL SAFE
SET search_path TO pg_catalog, pg_temp
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'coder_schema_profile_wrapper';

-- audit_ext::api::seats::count_ai_seat_users
CREATE  FUNCTION "count_ai_seat_users"(
	"latest_build_only" bool DEFAULT false, /* Option < bool > */
	"source" TEXT DEFAULT NULL /* Option < & str > */
) RETURNS bigint /* i64 */
STABLE PARALLEL SAFE
SET search_path TO pg_catalog, pg_temp
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'count_ai_seat_users_wrapper';

-- audit_ext::api::seats::get_user_ai_seat_states
CREATE  FUNCTION "get_user_ai_seat_states"(
	"user_ids" uuid[], /* :: std :: option :: Option < Vec < Option < pgrx :: Uuid > > > */
	"latest_build_only" bool DEFAULT false, /* Option < bool > */
	"source" TEXT DEFAULT NULL /* Option < & str > */
) RETURNS SETOF uuid /* pgrx :: Uuid */
STABLE PARALLEL SAFE
SET search_path TO pg_catalog, pg_temp
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'get_user_ai_seat_states_wrapper';

-- audit_ext::api::seats::user_ai_seats
CREATE  FUNCTION "user_ai_seats"(
	"user_ids" uuid[] DEFAULT NULL, /* :: std :: option :: Option < Vec < Option < pgrx :: Uuid > > > */
	"latest_build_only" bool DEFAULT false, /* Option < bool > */
	"limit" INT DEFAULT 0, /* Option < i32 > */
	"offset" INT DEFAULT 0, /* Option < i32 > */
	"source" TEXT DEFAULT NULL /* Option < & str > */
) RETURNS TABLE (
	"user_id" uuid,  /* pgrx :: Uuid */
	"username" TEXT,  /* String */
	"has_ai_seat" bool,  /* bool */
	"reason" TEXT  /* Option < String > */
)
STABLE PARALLEL SAFE
SET search_path TO pg_catalog, pg_temp
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'user_ai_seats_wrapper';

CREATE FUNCTION audit_ext.search_connection_logs(q text DEFAULT '', actor uuid DEFAULT NULL,
                                                 "limit" int DEFAULT 100, "offset" int DEFAULT 0,
                                                 scopes text[] DEFAULT NULL)
RETURNS TABLE (connect_time timestamptz, disconnect_time timestamptz, type text, workspace_owner text,
               workspace_name text, agent_name text, username text, status text, code int, slug_or_port text,
               ip inet, user_agent text, disconnect_reason text, organization text, id uuid,
               connection_id uuid, workspace_id uuid, workspace_owner_id uuid, user_id uuid,
               organization_id uuid, connection_method text, app_name text)
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT (e->>'connect_time')::timestamptz, (e->'ssh_info'->>'disconnect_time')::timestamptz, e->>'type',
           e->>'workspace_owner_username', e->>'workspace_name', e->>'agent_name',
           e->'web_info'->'user'->>'username',
           CASE WHEN e ? 'ssh_info' THEN CASE WHEN e->'ssh_info' ? 'disconnect_time' THEN 'completed' ELSE 'ongoing' END END,
           coalesce(e->'web_info'->>'status_code', e->'ssh_info'->>'exit_code')::int,
           nullif(e->'web_info'->>'slug_or_port', ''), (e->>'ip')::inet, nullif(e->'web_info'->>'user_agent', ''),
           e->'ssh_info'->>'disconnect_reason', e->'organization'->>'name', (e->>'id')::uuid,
           (e->'ssh_info'->>'connection_id')::uuid, (e->>'workspace_id')::uuid,
           (e->>'workspace_owner_id')::uuid, (e->'web_info'->'user'->>'id')::uuid,
           (e->'organization'->>'id')::uuid,
           -- The method and client app in every Coder generation: before connection methods (Coder G3),
           -- vscode and jetbrains connections were ssh by that app.
           coalesce(e->>'connection_method', CASE WHEN e->>'type' IN ('vscode', 'jetbrains') THEN 'ssh' ELSE e->>'type' END),
           coalesce(e->>'app_name', CASE WHEN e->>'type' IN ('vscode', 'jetbrains') THEN e->>'type' END)
    FROM jsonb_array_elements(audit_ext.connection_logs($1, $2, $3, $4, 1, $5) -> 'connection_logs') AS e
$$;
COMMENT ON FUNCTION audit_ext.search_connection_logs(text, uuid, int, int, text[]) IS
    'One page of connection logs as columns for psql: same filter, RBAC and order as audit_ext.connection_logs(); type is Coder''s (deprecated from Coder G3 on), connection_method and app_name are given for every generation.';
