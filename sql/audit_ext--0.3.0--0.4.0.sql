-- audit_ext 0.3.0 → 0.4.0 (ALTER EXTENSION audit_ext UPDATE TO '0.4.0').
-- 0.4.0 goes beyond Coder, opt-in per call, without changing any answer Coder's API gives:
-- - keyset paging: audit_logs() and connection_logs() take `after` (NULL: offsets, Coder's response; '': the
--   first page of keyset paging) and then return "next_after";
-- - exports: export_audit_logs() and export_connection_logs() return every matching row, typed, page by page;
-- - the extended filter dialect: every function that takes a filter takes `dialect` ('coder' by default);
--   filter_keys() gains a dialect column;
-- - the typed rows of a page are composite types (audit_log_row, connection_log_row) that search_*(),
--   export_*() and the new *_log_rows(jsonb) return;
-- - every function gets its reference COMMENT again (copied at the end; index_advice()'s changed in 0.3.0).
-- Functions whose arguments or results change are dropped and created again: a view or function of yours that
-- depends on one of them (PostgreSQL records that for views) makes this update fail naming it; drop it first and
-- create it again afterwards. The statements for the functions are the ones the 0.4.0 install script runs;
-- tests/pg_regress/sql/upgrade.sql checks that an upgraded database equals a fresh install.
\echo Use "ALTER EXTENSION audit_ext UPDATE TO '0.4.0'" to load this file. \quit

DROP FUNCTION search_audit_logs(text, uuid, integer, integer, text[]);
DROP FUNCTION search_connection_logs(text, uuid, integer, integer, text[]);
DROP FUNCTION audit_logs(text, uuid, integer, integer, integer, text[]);
DROP FUNCTION connection_logs(text, uuid, integer, integer, integer, text[]);
DROP FUNCTION count_audit_logs(text, uuid, integer, text[]);
DROP FUNCTION count_connection_logs(text, uuid, integer, text[]);
DROP FUNCTION audit_predicate(text, uuid, text[]);
DROP FUNCTION connection_predicate(text, uuid, text[]);
DROP FUNCTION parse_audit_query(text);
DROP FUNCTION audit_query_errors(text);
DROP FUNCTION parse_connection_query(text);
DROP FUNCTION connection_query_errors(text);
DROP FUNCTION filter_keys();

-- audit_ext::api::query::audit_logs
CREATE  FUNCTION "audit_logs"(
	"q" TEXT DEFAULT '', /* Option < & str > */
	"actor" uuid DEFAULT NULL, /* Option < pgrx :: Uuid > */
	"limit" INT DEFAULT 0, /* Option < i32 > */
	"offset" INT DEFAULT 0, /* Option < i32 > */
	"count_cap" INT DEFAULT 2000, /* Option < i32 > */
	"scopes" TEXT[] DEFAULT NULL, /* :: std :: option :: Option < Vec < Option < String > > > */
	"after" TEXT DEFAULT NULL, /* Option < & str > */
	"dialect" TEXT DEFAULT 'coder' /* Option < & str > */
) RETURNS jsonb /* Jsonb */
STABLE PARALLEL SAFE 
SET search_path TO pg_catalog, pg_temp
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'audit_logs_v4_wrapper';

-- audit_ext::api::query::connection_logs
CREATE  FUNCTION "connection_logs"(
	"q" TEXT DEFAULT '', /* Option < & str > */
	"actor" uuid DEFAULT NULL, /* Option < pgrx :: Uuid > */
	"limit" INT DEFAULT 0, /* Option < i32 > */
	"offset" INT DEFAULT 0, /* Option < i32 > */
	"count_cap" INT DEFAULT 2000, /* Option < i32 > */
	"scopes" TEXT[] DEFAULT NULL, /* :: std :: option :: Option < Vec < Option < String > > > */
	"after" TEXT DEFAULT NULL, /* Option < & str > */
	"dialect" TEXT DEFAULT 'coder' /* Option < & str > */
) RETURNS jsonb /* Jsonb */
STABLE PARALLEL SAFE 
SET search_path TO pg_catalog, pg_temp
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'connection_logs_v4_wrapper';

-- audit_ext::api::query::count_audit_logs
CREATE  FUNCTION "count_audit_logs"(
	"q" TEXT DEFAULT '', /* Option < & str > */
	"actor" uuid DEFAULT NULL, /* Option < pgrx :: Uuid > */
	"count_cap" INT DEFAULT 2000, /* Option < i32 > */
	"scopes" TEXT[] DEFAULT NULL, /* :: std :: option :: Option < Vec < Option < String > > > */
	"dialect" TEXT DEFAULT 'coder' /* Option < & str > */
) RETURNS bigint /* i64 */
STABLE PARALLEL SAFE 
SET search_path TO pg_catalog, pg_temp
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'count_audit_logs_v4_wrapper';

-- audit_ext::api::query::count_connection_logs
CREATE  FUNCTION "count_connection_logs"(
	"q" TEXT DEFAULT '', /* Option < & str > */
	"actor" uuid DEFAULT NULL, /* Option < pgrx :: Uuid > */
	"count_cap" INT DEFAULT 2000, /* Option < i32 > */
	"scopes" TEXT[] DEFAULT NULL, /* :: std :: option :: Option < Vec < Option < String > > > */
	"dialect" TEXT DEFAULT 'coder' /* Option < & str > */
) RETURNS bigint /* i64 */
STABLE PARALLEL SAFE 
SET search_path TO pg_catalog, pg_temp
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'count_connection_logs_v4_wrapper';

-- audit_ext::api::predicate::audit_predicate
CREATE  FUNCTION "audit_predicate"(
	"q" TEXT, /* Option < & str > */
	"actor" uuid DEFAULT NULL, /* Option < pgrx :: Uuid > */
	"scopes" TEXT[] DEFAULT NULL, /* :: std :: option :: Option < Vec < Option < String > > > */
	"dialect" TEXT DEFAULT 'coder' /* Option < & str > */
) RETURNS TEXT /* Option < String > */
STABLE PARALLEL SAFE 
SET search_path TO pg_catalog, pg_temp
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'audit_predicate_v4_wrapper';

-- audit_ext::api::predicate::connection_predicate
CREATE  FUNCTION "connection_predicate"(
	"q" TEXT, /* Option < & str > */
	"actor" uuid DEFAULT NULL, /* Option < pgrx :: Uuid > */
	"scopes" TEXT[] DEFAULT NULL, /* :: std :: option :: Option < Vec < Option < String > > > */
	"dialect" TEXT DEFAULT 'coder' /* Option < & str > */
) RETURNS TEXT /* Option < String > */
STABLE PARALLEL SAFE 
SET search_path TO pg_catalog, pg_temp
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'connection_predicate_v4_wrapper';

-- audit_ext::api::dsl::parse_audit_query
CREATE  FUNCTION "parse_audit_query"(
	"q" TEXT, /* & str */
	"dialect" TEXT DEFAULT 'coder' /* & str */
) RETURNS jsonb /* JsonB */
STRICT STABLE PARALLEL SAFE 
SET search_path TO pg_catalog, pg_temp
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'parse_audit_query_v4_wrapper';

-- audit_ext::api::dsl::audit_query_errors
CREATE  FUNCTION "audit_query_errors"(
	"q" TEXT, /* & str */
	"dialect" TEXT DEFAULT 'coder' /* & str */
) RETURNS jsonb /* JsonB */
STRICT STABLE PARALLEL SAFE 
SET search_path TO pg_catalog, pg_temp
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'audit_query_errors_v4_wrapper';

-- audit_ext::api::dsl::parse_connection_query
CREATE  FUNCTION "parse_connection_query"(
	"q" TEXT, /* & str */
	"dialect" TEXT DEFAULT 'coder' /* & str */
) RETURNS jsonb /* JsonB */
STRICT STABLE PARALLEL SAFE 
SET search_path TO pg_catalog, pg_temp
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'parse_connection_query_v4_wrapper';

-- audit_ext::api::dsl::connection_query_errors
CREATE  FUNCTION "connection_query_errors"(
	"q" TEXT, /* & str */
	"dialect" TEXT DEFAULT 'coder' /* & str */
) RETURNS jsonb /* JsonB */
STRICT STABLE PARALLEL SAFE 
SET search_path TO pg_catalog, pg_temp
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'connection_query_errors_v4_wrapper';

-- audit_ext::api::dsl::filter_keys
CREATE  FUNCTION "filter_keys"() RETURNS TABLE (
	"dialect" TEXT,  /* String */
	"log" TEXT,  /* String */
	"key" TEXT,  /* String */
	"value" TEXT,  /* String */
	"description" TEXT  /* String */
)
IMMUTABLE STRICT PARALLEL SAFE 
SET search_path TO pg_catalog, pg_temp
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'filter_keys_v4_wrapper';

-- The typed rows, the psql views of a page and the exports.
CREATE TYPE audit_ext.audit_log_row AS (
    "time" timestamptz, username text, action text, resource_type text, resource_target text,
    description text, status_code int, organization text, ip inet, user_agent text, resource_link text,
    is_deleted boolean, id uuid, user_id uuid, resource_id uuid, organization_id uuid, request_id uuid);

CREATE TYPE audit_ext.connection_log_row AS (
    connect_time timestamptz, disconnect_time timestamptz, type text, workspace_owner text,
    workspace_name text, agent_name text, username text, status text, code int, slug_or_port text, ip inet,
    user_agent text, disconnect_reason text, organization text, id uuid, connection_id uuid, workspace_id uuid,
    workspace_owner_id uuid, user_id uuid, organization_id uuid, connection_method text, app_name text);

CREATE FUNCTION audit_ext.audit_log_rows(elements jsonb) RETURNS SETOF audit_ext.audit_log_row
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT (e->>'time')::timestamptz, e->'user'->>'username', e->>'action', e->>'resource_type',
           e->>'resource_target',
           replace(replace(e->>'description', '{user}', coalesce(e->'user'->>'username', 'unknown user')),
                   '{target}', e->>'resource_target'),
           (e->>'status_code')::int, e->'organization'->>'name', nullif(e->>'ip', '')::inet,
           nullif(e->>'user_agent', ''), nullif(e->>'resource_link', ''), (e->>'is_deleted')::boolean,
           (e->>'id')::uuid, (e->'user'->>'id')::uuid, (e->>'resource_id')::uuid,
           (e->>'organization_id')::uuid, (e->>'request_id')::uuid
    FROM jsonb_array_elements($1) WITH ORDINALITY AS a(e, n) ORDER BY a.n
$$;

CREATE FUNCTION audit_ext.connection_log_rows(elements jsonb) RETURNS SETOF audit_ext.connection_log_row
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
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
    FROM jsonb_array_elements($1) WITH ORDINALITY AS a(e, n) ORDER BY a.n
$$;

CREATE FUNCTION audit_ext.search_audit_logs(q text DEFAULT '', actor uuid DEFAULT NULL, "limit" int DEFAULT 100,
                                            "offset" int DEFAULT 0, scopes text[] DEFAULT NULL,
                                            dialect text DEFAULT 'coder')
RETURNS SETOF audit_ext.audit_log_row
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT * FROM audit_ext.audit_log_rows(audit_ext.audit_logs($1, $2, $3, $4, 1, $5, NULL, $6) -> 'audit_logs')
$$;

CREATE FUNCTION audit_ext.search_connection_logs(q text DEFAULT '', actor uuid DEFAULT NULL,
                                                 "limit" int DEFAULT 100, "offset" int DEFAULT 0,
                                                 scopes text[] DEFAULT NULL, dialect text DEFAULT 'coder')
RETURNS SETOF audit_ext.connection_log_row
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT * FROM audit_ext.connection_log_rows(
        audit_ext.connection_logs($1, $2, $3, $4, 1, $5, NULL, $6) -> 'connection_logs')
$$;

CREATE FUNCTION audit_ext.export_audit_logs(q text DEFAULT '', actor uuid DEFAULT NULL, scopes text[] DEFAULT NULL,
                                            dialect text DEFAULT 'coder')
RETURNS SETOF audit_ext.audit_log_row
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    size int;
    after text := '';
    page jsonb;
BEGIN
    -- Loads the library (which defines audit_ext.max_limit) before the setting is read.
    PERFORM audit_ext.version();
    size := least(1000, current_setting('audit_ext.max_limit')::int);
    LOOP
        page := audit_ext.audit_logs(q, actor, size, 0, 1, scopes, after, dialect);
        RETURN QUERY SELECT * FROM audit_ext.audit_log_rows(page -> 'audit_logs');
        after := page ->> 'next_after';
        EXIT WHEN after IS NULL;
    END LOOP;
END
$$;

CREATE FUNCTION audit_ext.export_connection_logs(q text DEFAULT '', actor uuid DEFAULT NULL,
                                                 scopes text[] DEFAULT NULL, dialect text DEFAULT 'coder')
RETURNS SETOF audit_ext.connection_log_row
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    size int;
    after text := '';
    page jsonb;
BEGIN
    -- Loads the library (which defines audit_ext.max_limit) before the setting is read.
    PERFORM audit_ext.version();
    size := least(1000, current_setting('audit_ext.max_limit')::int);
    LOOP
        page := audit_ext.connection_logs(q, actor, size, 0, 1, scopes, after, dialect);
        RETURN QUERY SELECT * FROM audit_ext.connection_log_rows(page -> 'connection_logs');
        after := page ->> 'next_after';
        EXIT WHEN after IS NULL;
    END LOOP;
END
$$;

-- The reference comments (sql/comments.sql).
-- The per-function reference of audit_ext: one COMMENT for every function and the procedure in schema
-- audit_ext, so that `\df+ audit_ext.*` (or obj_description) documents each one. This file is the one source:
-- src/api/comments.rs includes it in the install script after every function exists, and
-- sql/audit_ext--0.3.0--0.4.0.sql ends with a copy of it. tests/pg_regress/sql/reference.sql prints every
-- signature with its comment (tests/pg_regress/expected/reference.out is the generated reference) and fails
-- for a function without one.
--
-- The errors every function that reads Coder's tables can raise (42501, 42P01/42703, 57014) are spelled out
-- once, in count_audit_logs's comment; the others name the codes and point there.

-- The filter language ------------------------------------------------------------------------------------

COMMENT ON FUNCTION audit_ext.filter_keys() IS
'Every key of both logs in each filter dialect: dialect (coder or extended), log (audit or connection), key, the
value it takes (for extended, also the forms: several values, negation), and what it matches. Read from the
one key table that also drives the parser, the order of validations and the HINT of a 22023.
In audit filters, bare words (no key) mean resource_type; in connection filters they are an error, as in Coder.
The dialect is chosen per call by the dialect argument of every function that takes a filter: ''coder'' (the
default) is Coder''s language byte for byte; ''extended'' (opt-in) also takes several values of a key, comma
separated, any of which matches (action:create,delete), a key''s negation, the rows its positive form does not
match, NULLs included (-action:login), ip: with an address or a CIDR block, matched by containment
(ip:10.0.0.0/8; both logs), and status_code: with a number or a comparison (=, <, <=, >, >=; audit logs). Dates
and times take one value and no negation; each of key and -key may be given once; Coder''s "no filter" values
(the nil uuid, the zero date) cannot be listed or negated. Every filter Coder accepts means the same in both.
IMMUTABLE; reads no table.';

COMMENT ON FUNCTION audit_ext.parse_audit_query(text, text) IS
'The normalized audit filter as jsonb, with the field names of Coder''s AuditLogsFilter: organization resolved
to organization_id (a uuid, or the name of a non-deleted organization, case-insensitively), enum values
(resource_type, action, build_reason) checked against the live database''s enum types, dates as RFC 3339 UTC
instants with date_to moved to 23:59:59 of its day as Coder reports it, "me" kept as "me". STRICT.
The language is Coder''s searchTerms: split on spaces outside double quotes; key:value tokens, the other tokens
joined into one free-text element meaning resource_type; a value containing ":" must be quoted; key:"" counts
as absent; the nil uuid and the date 0001-01-01 mean no filter (Coder''s sentinels); dates are 2006-01-02 (UTC)
and a bad one carries Go''s own time.Parse text. Keys: audit_ext.filter_keys().
dialect (default ''coder''): ''extended'' also takes the forms filter_keys() lists for it; a list normalizes
to an array of values, a negated key to its field prefixed with "-" ({"-action": "login"}), ip: to its network
(10.1.2.3 to 10.1.2.3/32) and status_code: to its comparison (">=400"). Another dialect is a 22023.
Errors: 22023 "Invalid audit search query." with every problem at once as Coder''s validations JSON
[{"field": ..., "detail": ...}] in DETAIL (keys in Coder''s parse order, then unknown keys; only the first
tokenizer problem, as in Coder) and the valid keys in HINT; 54000 when q is longer than
audit_ext.max_query_length bytes or has more than audit_ext.max_query_terms terms.
Differs from Coder on purpose: (1) keys and enum values match case-insensitively, email compares
case-insensitively and resource_target exactly as typed (Coder lower-cases the whole query, so mixed-case stored
values never match; messages still show keys and values lower-cased, as Coder''s do); (2) unknown keys are
reported in the order they appear (Coder''s order is random); (3) "me" needs an actor: the query and predicate
functions report "me" without one as a 22023 validation, not an empty result; (4) date_to includes its whole
day (< next midnight; Coder''s <= 23:59:59 misses the last second).';

COMMENT ON FUNCTION audit_ext.audit_query_errors(text, text) IS
'Coder''s validations for an audit filter as a jsonb array [{"field": ..., "detail": ...}], [] when q is valid:
what parse_audit_query would put in the DETAIL of its 22023, for API layers that answer HTTP 400 themselves.
Never raises for a bad filter; still raises 54000 for input over audit_ext.max_query_length or
audit_ext.max_query_terms. STRICT.';

COMMENT ON FUNCTION audit_ext.parse_connection_query(text, text) IS
'The normalized connection-log filter as jsonb, with Coder''s field names, as parse_audit_query does for audit
logs: organization resolved to its id, enum values checked against the live database, connected_after and
connected_before as RFC 3339 instants (quote them: they contain ":"), "me" kept as "me". Free
text is an error, as in Coder. Where connection logs record methods (Coder G3), type: takes Coder''s
compatibility categories (jetbrains, port_forwarding, reconnecting_pty, ssh, tunnel, vscode, workspace_app);
status: is ongoing or completed. Keys: audit_ext.filter_keys(). STRICT.
Errors: 22023 "Invalid connection search query." with Coder''s validations in DETAIL and the valid keys in
HINT; 54000 over audit_ext.max_query_length or audit_ext.max_query_terms. Deliberate differences from Coder as
in parse_audit_query (user_email and workspace_owner_email compare case-insensitively).';

COMMENT ON FUNCTION audit_ext.connection_query_errors(text, text) IS
'Coder''s validations for a connection-log filter as a jsonb array, [] when q is valid (see audit_query_errors).
Never raises for a bad filter; still raises 54000 for input over the length or term limits. STRICT.';

-- Counts and pages ----------------------------------------------------------------------------------------

COMMENT ON FUNCTION audit_ext.count_audit_logs(text, uuid, integer, text[], text) IS
'Coder''s capped count of the audit rows q matches that the caller may read: it stops after count_cap + 1
matching rows, so it returns at most count_cap + 1 (Coder''s UI shows "2,000+"). count_cap => 0 counts exactly,
up to audit_ext.max_count_cap (beyond it the count stops there, as a cap of that size would). The count reads
only audit_logs, plus the probes the filter itself needs (e.g. build_reason): none of the joins Coder''s count
carries. q NULL or '''' = no filter; actor and scopes as in audit_logs (actor => NULL: no Coder RBAC; an actor
who may read nothing gets 0, never an error); dialect as in parse_audit_query (''coder'' by default).
Errors: 22023 for a bad filter (see parse_audit_query), "me" without an actor, a negative count_cap or one
above audit_ext.max_count_cap; 54000 for a filter over the limits; and the errors of every function that reads
Coder''s tables: 42501 when the role may not SELECT them (SECURITY INVOKER), 42P01 / 42703 naming the table or
column when Coder''s core tables are missing from audit_ext.coder_schema (wrong schema, or a Coder older than G1),
57014 when cancelled or timed out.';

COMMENT ON FUNCTION audit_ext.count_connection_logs(text, uuid, integer, text[], text) IS
'Coder''s capped count of the connection rows q matches that the caller may read; the same arguments, defaults
and errors as count_audit_logs (scopes granting a read here: coder:all, all, no_user_data, *:*,
connection_log:read, connection_log:*).';

COMMENT ON FUNCTION audit_ext.audit_logs(text, uuid, integer, integer, integer, text[], text, text) IS
'What Coder''s GET /api/v2/audit returns (AuditLogResponse): {"audit_logs": [...], "count": n, "count_cap": c},
in one statement: the capped count first (as count_audit_logs), the page only when the count is not 0; rows
newest first, id (descending) breaking ties of time. Each element is Coder''s AuditLog: id, request_id, time
(RFC 3339 UTC, fraction trimmed as Go prints it), ip (as Go''s netip.Addr: host only, IPv4-mapped addresses
unmapped, "" when NULL), user_agent ("" when NULL), resource_type, resource_id, resource_target, resource_icon,
action, diff (reshaped as Go''s decode/encode does: only old/new, null ones dropped, and secret), status_code,
additional_fields (as stored, or Coder''s "unknown" object where Coder''s decode would fail), description,
resource_link, is_deleted, the deprecated organization_id, organization (omitted for the nil organization) and
user (Coder''s User: name and avatar_url omitted when empty, site roles with Coder''s display names,
organization_ids [], has_ai_seat false; null when no users row matches). description, resource_link and
is_deleted are computed in the same statement for the page''s rows, where Coder''s handler issues one to three
queries per row; from Coder G2 on, task rows have no link and are not reported deleted, as in Coder''s handler.
Arguments: q (NULL or '''' = no filter; see parse_audit_query). actor: the Coder user on whose behalf the query
runs; NULL = no Coder RBAC, the database role''s own privileges are the only limit (psql administrators and
trusted services; an API layer acting for a user must pass the user''s id). With an actor, RBAC is Coder''s
(see readable_organizations): owners and site auditors read every row, organization admins and auditors (and
custom roles granting read) their organizations'' rows, everyone else and deleted, suspended or unknown actors
nothing: an empty page and a count of 0, never an error. scopes: the API key''s scopes, narrowing the roles like
Coder''s effective scope (roles and scopes); granting a read of audit logs: coder:all, all, no_user_data, *:*,
audit_log:read, audit_log:*; anything else (e.g. workspace:read, the coder:workspaces.* composites, ''{}'')
reads nothing, even for an owner; scopes never widen the roles; NULL = not a scoped token (Coder''s per-key
resource allow-lists are not modelled: they do not list the logs). "limit": 0 (default) means 100, at most
audit_ext.max_limit; "offset" >= 0; count_cap as in count_audit_logs.
after (keyset paging, beyond Coder): NULL (default) pages by offset and returns exactly Coder''s response; ''''
asks for the first page of keyset paging and a cursor: the response then also holds "next_after", an opaque
text to pass as after for the next page (null after the last page). A page after a cursor holds the filter''s
readable rows older than the cursor''s row in the page order: stable while rows are inserted (no row twice, none
skipped), and as fast at any depth (the time index is entered at the cursor). The count is still the whole
filter''s. A cursor binds no filter and grants nothing (RBAC and scopes apply to every page); offset must be 0
with it. dialect as in parse_audit_query (''coder'' by default).
Errors: 22023 for a bad filter (Coder''s validations in DETAIL; an API layer maps it to HTTP 400), "me" without
an actor, a negative limit, offset or count_cap, or one above its GUC (named in the message), a text that is not a
cursor of this log, an offset with a cursor, an unknown dialect; 54000 for a filter
over the limits; 22008 when a row of the page (or its user) holds a time outside the years 0 to 9999 that
Coder''s JSON carries (e.g. infinity), naming the row and the field: the page fails whole, pages without such a
row render; XX001 when a stored diff or additional_fields is not valid jsonb, naming the row and the field;
42501, 42P01/42703, 57014 as count_audit_logs.';

COMMENT ON FUNCTION audit_ext.connection_logs(text, uuid, integer, integer, integer, text[], text, text) IS
'What Coder''s GET /api/v2/connectionlog returns (ConnectionLogResponse): {"connection_logs": [...], "count": n,
"count_cap": c}, newest connect_time first (id breaking ties), with the arguments, defaults, RBAC and errors of
audit_logs, keyset paging (after, next_after) and dialect included (scopes granting a read here: coder:all, all,
no_user_data, *:*, connection_log:read, connection_log:*). Elements: id, connect_time, organization, workspace_owner_id, workspace_owner_username,
workspace_id, workspace_name, agent_name, ip (omitted when NULL), type, and as Coder shapes them web_info
(workspace_app, port_forwarding, tunnel: user_agent, user or null, slug_or_port, status_code or 0) or ssh_info
(ssh, vscode, jetbrains, reconnecting_pty: connection_id, and disconnect_time, disconnect_reason and exit_code
only when set). Where connection logs record methods (Coder G3): connection_method; app_name and
app_display_name for ssh and reconnecting_pty rows with a client app (Coder''s app registry); type as Coder''s
deprecated compatibility string (vscode or jetbrains for ssh by an app of that family); web_info''s
slug_or_port from app_name_or_port; client_session_id where that column exists. A method label audit_ext has
never seen is reported as is, with neither web_info nor ssh_info. Coder inner-joins the owner and the
organization; the foreign keys make that the same as audit_ext''s left joins.';

COMMENT ON FUNCTION audit_ext.search_audit_logs(text, uuid, integer, integer, text[], text) IS
'One page of audit logs as typed columns for psql (\x friendly): the filter, RBAC, order, dialect and errors
of audit_logs(), whose page it reads with a count cap of 1 (so its count stops at the second match). Rows of
type audit_ext.audit_log_row (see audit_log_rows). "limit" defaults to 100 here (0 also means 100, at most
audit_ext.max_limit). For every row of a filter, use export_audit_logs.';

COMMENT ON FUNCTION audit_ext.audit_log_rows(jsonb) IS
'The "audit_logs" array of an audit_logs() response as typed rows (audit_ext.audit_log_row), in array order:
time, username, action, resource_type, resource_target, description (with {user} and {target} filled in),
status_code, organization (its name), ip, user_agent, resource_link, is_deleted, id, user_id, resource_id,
organization_id, request_id. search_audit_logs and export_audit_logs return these rows. IMMUTABLE, STRICT.';

COMMENT ON FUNCTION audit_ext.export_audit_logs(text, uuid, text[], text) IS
'Every audit row q matches that the caller may read, newest first (id breaking ties), as typed rows
(audit_ext.audit_log_row): for compliance exports, with no page limit, e.g.
COPY (SELECT * FROM audit_ext.export_audit_logs(''date_from:2026-01-01 date_to:2026-03-31'')) TO STDOUT (FORMAT
csv, HEADER), or psql''s \copy. It walks keyset pages of audit_logs() (up to 1,000 rows each, or
audit_ext.max_limit): memory stays flat however many rows (PostgreSQL collects a function''s rows in a
tuplestore that spills to a temporary file past work_mem), every page costs the same, and (in a transaction
that has not written) all pages read the calling statement''s snapshot, so rows inserted meanwhile neither appear
nor shift the export. The same rows as
audit_logs() pages, in the same order; q, actor, scopes and dialect as there. Cancellable (57014) at any page.
Errors as audit_logs.';

COMMENT ON FUNCTION audit_ext.search_connection_logs(text, uuid, integer, integer, text[], text) IS
'One page of connection logs as typed columns for psql: the filter, RBAC, order, dialect and errors of
connection_logs(), whose page it reads with a count cap of 1. Rows of type audit_ext.connection_log_row (see
connection_log_rows). "limit" defaults to 100 here. For every row of a filter, use export_connection_logs.';

COMMENT ON FUNCTION audit_ext.connection_log_rows(jsonb) IS
'The "connection_logs" array of a connection_logs() response as typed rows (audit_ext.connection_log_row), in
array order. Columns: connect_time, disconnect_time, type
(Coder''s; deprecated from Coder G3 on), workspace_owner, workspace_name, agent_name, username (web
connections), status (ongoing or completed for SSH-like connections), code (HTTP status or exit code),
slug_or_port, ip, user_agent, disconnect_reason, organization, the ids (id, connection_id, workspace_id,
workspace_owner_id, user_id, organization_id), and connection_method and app_name in every generation (before
Coder G3, vscode and jetbrains connections are ssh by that app, as Coder''s G3 migration converts them).
IMMUTABLE, STRICT.';

COMMENT ON FUNCTION audit_ext.export_connection_logs(text, uuid, text[], text) IS
'Every connection row q matches that the caller may read, newest connect_time first, as typed rows
(audit_ext.connection_log_row), with no page limit: what export_audit_logs is for audit logs (keyset pages of
connection_logs(), flat memory, one snapshot, cancellable). Errors as connection_logs.';

-- Predicates and RBAC -------------------------------------------------------------------------------------

COMMENT ON FUNCTION audit_ext.audit_predicate(text, uuid, text[], text) IS
'The WHERE clause (filter and RBAC) for FROM <audit_ext.coder_schema>.audit_logs that the audit functions run,
with every value a typed literal quoted by PostgreSQL''s own quote_literal: runnable as is, for EXPLAIN, psql,
or services that splice it into their own SQL. Only the predicates the filter uses appear (no CASE WHEN
sentinels). Names resolve at call time: username to the id of the non-deleted user (as in Coder, a deleted
user''s events are not found by username; an unknown name gives false), email to the ids of the users with that
email, case-insensitively, deleted users included (as in Coder), me to actor, organization to its id. date_to
covers its whole day ("time" < next midnight). build_reason keeps Coder''s meaning (the reason of the build for
workspace_build rows, of build 1 for workspace create rows) as two EXISTS probes on unique indexes instead of
Coder''s three LEFT JOINs. RBAC: nothing for site-wide readers and for actor => NULL (no Coder RBAC),
organization_id = ''...''::uuid for one readable organization, organization_id = ANY (''{...}''::uuid[]) for
several, false for an actor who may read nothing; scopes and dialect as in audit_logs (the extended forms: a
list as (... OR ...), a negation as (...) IS NOT TRUE, ip: as ip <<= ''...''::inet). q NULL gives NULL.
Errors: 22023 for a bad filter or "me" without an actor; 54000 over the filter limits; 42501,
42P01/42703, 57014 as count_audit_logs.';

COMMENT ON FUNCTION audit_ext.connection_predicate(text, uuid, text[], text) IS
'The WHERE clause (filter and RBAC) for FROM <audit_ext.coder_schema>.connection_logs, as audit_predicate
gives it for audit logs. Connection times round toward the bound (connected_after up, connected_before down,
to the microsecond), so nanosecond bounds stay exact. status:ongoing|completed tests disconnect_time and
excludes web connections (workspace_app, port_forwarding), as Coder does. q NULL gives NULL. Errors as
audit_predicate.';

COMMENT ON FUNCTION audit_ext.readable_organizations(uuid, text) IS
'Coder''s RBAC decision for the actor reading object (audit_log, the default, or connection_log): NULL for every
row, else the ids of the organizations whose rows it may read (possibly none). Site roles come from
users.rbac_roles (owner and auditor read everything), organization roles from organization_members.roles
(organization-admin and organization-auditor read their organizations), custom roles (custom_roles, by name;
org_permissions for organization roles, site_permissions for site-wide ones) through their permissions
{"resource_type": object or "*", "action": "read" or "*", "negate": ...}. As in Coder''s policy each level
votes: at the site level a matching negated permission in any site role denies everything (even organizations
the actor administers), else a matching positive one (or owner, auditor) allows every row; then per
organization, a matching negated permission in any of the actor''s roles there denies it, else
organization-admin, organization-auditor or a matching positive custom permission allows it. Everyone else
(members, template and user admins) reads nothing, and so does a deleted, suspended or unknown actor; dormant
users count as active (Coder reactivates them on use). Site-level rows (nil organization) are visible only to
site-wide readers. API-key scopes are not applied here (the query functions apply them). STRICT: a NULL actor
gives NULL, matching actor => NULL (no Coder RBAC) in the query functions.
Errors: 22023 for any other object; 42501, 42P01/42703, 57014 as count_audit_logs.';

-- AI seats ------------------------------------------------------------------------------------------------

COMMENT ON FUNCTION audit_ext.get_user_ai_seat_states(uuid[], boolean, text) IS
'Coder''s GetUserAISeatStates for the page of users an API layer is about to show: of user_ids, those holding an
AI seat, each at most once, in input order; ids not in the input never; NULL or ''{}'' gives no rows; duplicates
and NULL elements are fine. Cost follows the number of ids, never the size of the tables (index probes only).
source => ''state'' (the default wherever Coder has its ai_seat_state table, Coder since mid-2026): Coder''s own
rule, the ids with an ai_seat_state row whose user is active, not deleted and not a system user (service
accounts count; Coder never deletes the rows, so a seat is released only by the user''s status).
source => ''usage'': the derived rule of Coder''s first AI-seat PR (#23291), which audit_ext 0.2.0 computed:
initiators of AI Bridge interceptions (aibridge_interceptions), and owners of non-deleted workspaces with a
build where has_ai_task is true (any build; each workspace''s latest build only with latest_build_only => true,
which alone also selects this source); like that query it does not look at users. Where Coder has dropped
has_ai_task (Coder G2 on), the usage rule counts AI Bridge usage alone. The default is usage where
ai_seat_state is missing. ai_seat_states_sql() shows the statement.
Errors: 22023 for an unknown source, source => ''state'' with latest_build_only => true, or ''state'' where
ai_seat_state is missing; 42501, 42P01/42703, 57014 as count_audit_logs.';

COMMENT ON FUNCTION audit_ext.user_ai_seats(uuid[], boolean, integer, integer, text) IS
'The AI-seat rule of get_user_ai_seat_states (same latest_build_only and source) per user, as rows (user_id,
username, has_ai_seat, reason). reason: from ai_seat_state, its last_event_type (aibridge or task); from usage,
aibridge, task or both; NULL without a seat. With user_ids: those users (deleted ones included, unknown ids
skipped), in input order; with NULL: every non-deleted user, by username. One page: "limit" 0 (default) means
100, at most audit_ext.max_limit, from "offset".
Errors: 22023 for the source cases of get_user_ai_seat_states and a negative limit or offset, or a limit above
audit_ext.max_limit; 42501, 42P01/42703, 57014 as count_audit_logs.';

COMMENT ON FUNCTION audit_ext.count_ai_seat_users(boolean, text) IS
'The number of users holding an AI seat, for the entitlement check, by the rule of get_user_ai_seat_states (same
latest_build_only and source): from ai_seat_state, Coder''s GetActiveAISeatCount (one join, the same rule); from
usage, one pair of probes per non-deleted user, no list of ids built. Equals the number of has_ai_seat rows of
user_ai_seats(). Errors as get_user_ai_seat_states.';

COMMENT ON FUNCTION audit_ext.ai_seat_states_sql(boolean, text) IS
'The statement get_user_ai_seat_states runs for this latest_build_only and source, with $1 the uuid[] of ids,
for EXPLAIN: per id, primary-key probes (state) or LIMIT 1 probes on Coder''s stock indexes written as scalar
subqueries, so the planner cannot turn them into hashed scans of whole tables (usage). Errors as
get_user_ai_seat_states.';

-- Operations ----------------------------------------------------------------------------------------------

COMMENT ON FUNCTION audit_ext.index_advice() IS
'CREATE INDEX CONCURRENTLY IF NOT EXISTS statements (run them with psql''s \gexec) for the indexes that keep
filters fast on large tables, each preceded by a comment naming the filters it serves, and only those this
database lacks (an index with the same columns under another name counts as present). On audit_logs:
(organization_id, time), (organization_id, action, time), (user_id, time), (resource_type, action, time),
(action, time), (resource_target, time), (request_id). On connection_logs: (organization_id, connect_time),
(organization_id, <method>, connect_time), (workspace_owner_id, connect_time), (user_id, connect_time),
(<method>, connect_time), and (connect_time) INCLUDE (<method>) WHERE disconnect_time IS NULL (the open
connections: status:ongoing''s count reads the index alone), where <method> is type, or connection_method from
Coder G3. On users: lower(email) over all users (deleted ones included). On workspace_builds: (reason, id)
INCLUDE (workspace_id, build_number) for build_reason:, and, where has_ai_task exists, a partial index on AI-task
builds. No predicate holds a literal of Coder''s enums (ALTER COLUMN ... TYPE re-parses a predicate, and one
would make Coder''s migrations fail); any audit_ext_ index that does (0.2.0''s audit_ext_connection_logs_ongoing)
is first advised to be dropped (DROP INDEX CONCURRENTLY IF EXISTS). Advice follows the schema: nothing for a
table or column Coder has dropped. On a partitioned table PostgreSQL refuses CONCURRENTLY: run the statement
without it, or build per partition (tests/README.md). STRICT; errors: 42501,
42P01/42703, 57014 as count_audit_logs.';

COMMENT ON FUNCTION audit_ext.purge_audit_logs(timestamp with time zone, integer) IS
'Coder''s DeleteOldAuditLogs, one bounded batch: deletes up to batch audit rows with time < before, oldest first,
except the deprecated connection events (purge_audit_connection_events), and returns the number deleted; call
again until it returns less than batch (or use CALL audit_ext.purge_logs). The purges are the only functions
that write; VOLATILE, STRICT (a NULL before deletes nothing and returns NULL).
Errors: 22023 unless 1 <= batch <= 100000; 42501 unless the caller owns Coder''s table (or is a superuser), even
with DELETE granted; 25006 in a read-only transaction or on a hot standby; nothing is deleted on an error.';

COMMENT ON FUNCTION audit_ext.purge_audit_connection_events(timestamp with time zone, integer) IS
'Coder''s DeleteOldAuditLogConnectionEvents, one bounded batch: deletes up to batch of the deprecated
connect, disconnect, open and close audit rows with time < before (Coder purges them at 90 days), oldest first,
and returns the number deleted. STRICT; the batch bound and errors of purge_audit_logs.';

COMMENT ON FUNCTION audit_ext.purge_connection_logs(timestamp with time zone, integer) IS
'Coder''s DeleteOldConnectionLogs, one bounded batch: deletes up to batch connection rows with
connect_time < before, oldest first, and returns the number deleted. STRICT; the batch bound and errors of
purge_audit_logs.';

COMMENT ON PROCEDURE audit_ext.purge_logs(timestamp with time zone, timestamp with time zone, integer, timestamp with time zone) IS
'Runs Coder''s three retention purges to the end: audit rows older than audit_before, deprecated connection
events older than connection_events_before (default NULL) and connection rows older than connection_before, in
batches of batch rows (default 1000), committing after every batch; a NULL cut-off skips that log. It commits,
so CALL it outside a transaction block. Errors as purge_audit_logs.';

-- Introspection -------------------------------------------------------------------------------------------

COMMENT ON FUNCTION audit_ext.coder_schema_profile() IS
'What audit_ext reads of Coder''s schema now, as jsonb: schema (audit_ext.coder_schema), generation (G1, G2, G3,
or unsupported, with missing naming what is absent), tables (those audit_ext can use), connection_logs
(method_column, method_type, app_column, client_session_id, and which type: values the filter takes),
has_ai_task, and ai_seat_source (the AI-seat default). The profile is read from PostgreSQL''s system caches,
kept per backend and dropped by invalidation when Coder''s schema changes, so it follows Coder''s migrations
without reconnecting. A missing core table is reported (generation unsupported, missing), not raised.';

COMMENT ON FUNCTION audit_ext.version() IS
'The extension''s version (the crate version, which is also the control file''s default_version). IMMUTABLE.';
