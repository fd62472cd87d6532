-- Coder's own query shapes, written from coder-audit-semantics.md §2 and §4 (post-#23835: capped counts,
-- native-uuid RBAC), for the side-by-side benchmark. Filter values are spliced in as literals, which is what
-- PostgreSQL's custom plans for Coder's bound parameters see (the sentinel CASEs fold the same way).
CREATE SCHEMA IF NOT EXISTS bench;

-- A filter value or Coder's sentinel for "no filter".
CREATE OR REPLACE FUNCTION bench.t(f jsonb, k text) RETURNS text LANGUAGE sql IMMUTABLE
AS $$ SELECT quote_literal(coalesce(f->>k, '')) $$;
CREATE OR REPLACE FUNCTION bench.u(f jsonb, k text) RETURNS text LANGUAGE sql IMMUTABLE
AS $$ SELECT quote_literal(coalesce(f->>k, '00000000-0000-0000-0000-000000000000')) || '::uuid' $$;
CREATE OR REPLACE FUNCTION bench.ts(f jsonb, k text) RETURNS text LANGUAGE sql IMMUTABLE
AS $$ SELECT quote_literal(coalesce(f->>k, '0001-01-01 00:00:00Z')) || '::timestamptz' $$;

-- Coder's authorize filter for an org-scoped reader; '' for site-wide readers (Coder skips the filter).
CREATE OR REPLACE FUNCTION bench.rbac(tbl text, orgs uuid[]) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN orgs IS NULL THEN '' ELSE
    format(' AND (((%1$s.organization_id IS NOT NULL) AND (%1$s.organization_id = ANY(ARRAY [%2$s]))) OR (false))',
           tbl, (SELECT string_agg(quote_literal(o) || '::uuid', ',') FROM unnest(orgs) o)) END $$;

-- GetAuditLogsOffset / CountAuditLogs.
CREATE OR REPLACE FUNCTION bench.coder_audit(what text, f jsonb, orgs uuid[], lim int, off int, cap int) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT (CASE what WHEN 'page' THEN
    'SELECT audit_logs.*, users.username AS user_username, users.name AS user_name, users.email AS user_email,
            users.created_at AS user_created_at, users.updated_at AS user_updated_at, users.last_seen_at AS user_last_seen_at,
            users.status AS user_status, users.login_type AS user_login_type, users.rbac_roles AS user_roles,
            users.avatar_url AS user_avatar_url, users.deleted AS user_deleted, users.quiet_hours_schedule AS user_quiet_hours_schedule,
            COALESCE(organizations.name, '''') AS organization_name, COALESCE(organizations.display_name, '''') AS organization_display_name,
            COALESCE(organizations.icon, '''') AS organization_icon'
    ELSE 'SELECT COUNT(*) AS count FROM (SELECT 1' END) || '
    FROM audit_logs
    LEFT JOIN users ON audit_logs.user_id = users.id
    LEFT JOIN organizations ON audit_logs.organization_id = organizations.id
    LEFT JOIN workspaces ON audit_logs.resource_type = ''workspace'' AND audit_logs.resource_id = workspaces.id
    LEFT JOIN workspace_builds wb_build ON audit_logs.resource_type = ''workspace_build'' AND audit_logs.resource_id = wb_build.id
    LEFT JOIN workspace_builds wb_workspace ON audit_logs.resource_type = ''workspace'' AND audit_logs.action = ''create''
         AND workspaces.id = wb_workspace.workspace_id AND wb_workspace.build_number = 1
    WHERE CASE WHEN ' || bench.t(f, 'resource_type') || ' != '''' THEN resource_type = ' || bench.t(f, 'resource_type') || '::text::resource_type ELSE true END
      AND CASE WHEN ' || bench.u(f, 'resource_id') || ' != ''00000000-0000-0000-0000-000000000000''::uuid THEN resource_id = ' || bench.u(f, 'resource_id') || ' ELSE true END
      AND CASE WHEN ' || bench.u(f, 'organization_id') || ' != ''00000000-0000-0000-0000-000000000000''::uuid THEN audit_logs.organization_id = ' || bench.u(f, 'organization_id') || ' ELSE true END
      AND CASE WHEN ' || bench.t(f, 'resource_target') || ' != '''' THEN resource_target = ' || bench.t(f, 'resource_target') || ' ELSE true END
      AND CASE WHEN ' || bench.t(f, 'action') || ' != '''' THEN action = ' || bench.t(f, 'action') || '::text::audit_action ELSE true END
      AND CASE WHEN ' || bench.u(f, 'user_id') || ' != ''00000000-0000-0000-0000-000000000000''::uuid THEN user_id = ' || bench.u(f, 'user_id') || ' ELSE true END
      AND CASE WHEN ' || bench.t(f, 'username') || ' != '''' THEN user_id = (SELECT id FROM users WHERE lower(username) = lower(' || bench.t(f, 'username') || ') AND deleted = false) ELSE true END
      AND CASE WHEN ' || bench.t(f, 'email') || ' != '''' THEN users.email = ' || bench.t(f, 'email') || ' ELSE true END
      AND CASE WHEN ' || bench.ts(f, 'date_from') || ' != ''0001-01-01 00:00:00Z''::timestamptz THEN "time" >= ' || bench.ts(f, 'date_from') || ' ELSE true END
      AND CASE WHEN ' || bench.ts(f, 'date_to') || ' != ''0001-01-01 00:00:00Z''::timestamptz THEN "time" <= ' || bench.ts(f, 'date_to') || ' ELSE true END
      AND CASE WHEN ' || bench.t(f, 'build_reason') || ' != '''' THEN COALESCE(wb_build.reason::text, wb_workspace.reason::text) = ' || bench.t(f, 'build_reason') || ' ELSE true END
      AND CASE WHEN ' || bench.u(f, 'request_id') || ' != ''00000000-0000-0000-0000-000000000000''::uuid THEN audit_logs.request_id = ' || bench.u(f, 'request_id') || ' ELSE true END
      ' || bench.rbac('audit_logs', orgs) ||
    CASE what WHEN 'page' THEN format(' ORDER BY "time" DESC LIMIT COALESCE(NULLIF(%s, 0), 100) OFFSET %s', lim, off)
              ELSE format(' LIMIT NULLIF(%s, 0) + 1) AS limited_count', cap) END $$;

-- Connection logs of generation G3 (coder-generations.md) record a connection_method and an app_name_or_port;
-- G1 and G2 a connection_type. The clause of Coder's `type:` filter for the literal `v`, and of the web types
-- that `status:` leaves out, in the database's generation. G3's deprecated `type:` takes a compatibility
-- category: vscode and jetbrains are ssh connections from an app of that family (the registry and the down
-- migration's names, as the spec lists them), ssh is one from neither family, the rest are methods.
CREATE OR REPLACE FUNCTION bench.g3() RETURNS boolean LANGUAGE sql STABLE
AS $$ SELECT to_regtype('connection_log_method') IS NOT NULL $$;
CREATE OR REPLACE FUNCTION bench.connection_type(v text) RETURNS text LANGUAGE sql STABLE AS $$
  SELECT CASE WHEN NOT bench.g3() THEN format('type = %s::text::connection_type', v) ELSE
    format('CASE %1$s WHEN ''vscode'' THEN connection_method = ''ssh'' AND app_name_or_port = ANY (%2$L::text[])
                      WHEN ''jetbrains'' THEN connection_method = ''ssh'' AND app_name_or_port = ANY (%3$L::text[])
                      WHEN ''ssh'' THEN connection_method = ''ssh'' AND (app_name_or_port IS NULL OR app_name_or_port <> ALL (%4$L::text[]))
                      ELSE connection_method = %1$s::text::connection_log_method END',
           v, vscode, jetbrains, vscode || jetbrains) END
  FROM (SELECT '{vscode,vscode_insiders,vscode_web,code_server,cursor,windsurf,positron,vscodium,codium,antigravity,trae,kiro,devin,code_oss,vscodium_insiders,devin_next,trae_cn}'::text[] AS vscode,
               '{jetbrains,intellij,pycharm,goland,webstorm,phpstorm,rubymine,clion,rider,rustrover,datagrip,dataspell,mps,android_studio}'::text[] AS jetbrains) families $$;
CREATE OR REPLACE FUNCTION bench.not_web() RETURNS text LANGUAGE sql STABLE AS $$
  SELECT CASE WHEN bench.g3()
    THEN 'connection_logs.connection_method NOT IN (''workspace_app''::connection_log_method, ''port_forwarding''::connection_log_method)'
    ELSE 'connection_logs.type NOT IN (''workspace_app''::connection_type, ''port_forwarding''::connection_type)' END $$;

-- GetConnectionLogsOffset / CountConnectionLogs.
CREATE OR REPLACE FUNCTION bench.coder_connection(what text, f jsonb, orgs uuid[], lim int, off int, cap int) RETURNS text
LANGUAGE sql STABLE AS $$
  SELECT (CASE what WHEN 'page' THEN
    'SELECT connection_logs.*, users.username AS user_username, users.name AS user_name, users.email AS user_email,
            users.created_at AS user_created_at, users.updated_at AS user_updated_at, users.last_seen_at AS user_last_seen_at,
            users.status AS user_status, users.login_type AS user_login_type, users.rbac_roles AS user_roles,
            users.avatar_url AS user_avatar_url, users.deleted AS user_deleted, users.quiet_hours_schedule AS user_quiet_hours_schedule,
            workspace_owner.username AS workspace_owner_username,
            organizations.name AS organization_name, organizations.display_name AS organization_display_name,
            organizations.icon AS organization_icon'
    ELSE 'SELECT COUNT(*) AS count FROM (SELECT 1' END) || '
    FROM connection_logs
    JOIN users AS workspace_owner ON connection_logs.workspace_owner_id = workspace_owner.id
    LEFT JOIN users ON connection_logs.user_id = users.id
    JOIN organizations ON connection_logs.organization_id = organizations.id
    WHERE CASE WHEN ' || bench.u(f, 'organization_id') || ' != ''00000000-0000-0000-0000-000000000000''::uuid THEN connection_logs.organization_id = ' || bench.u(f, 'organization_id') || ' ELSE true END
      AND CASE WHEN ' || bench.t(f, 'workspace_owner') || ' != '''' THEN workspace_owner_id = (SELECT id FROM users WHERE lower(username) = lower(' || bench.t(f, 'workspace_owner') || ') AND deleted = false) ELSE true END
      AND CASE WHEN ' || bench.u(f, 'workspace_owner_id') || ' != ''00000000-0000-0000-0000-000000000000''::uuid THEN workspace_owner_id = ' || bench.u(f, 'workspace_owner_id') || ' ELSE true END
      AND CASE WHEN ' || bench.t(f, 'workspace_owner_email') || ' != '''' THEN workspace_owner_id = (SELECT id FROM users WHERE email = ' || bench.t(f, 'workspace_owner_email') || ' AND deleted = false) ELSE true END
      AND CASE WHEN ' || bench.t(f, 'type') || ' != '''' THEN ' || bench.connection_type(bench.t(f, 'type')) || ' ELSE true END
      AND CASE WHEN ' || bench.u(f, 'user_id') || ' != ''00000000-0000-0000-0000-000000000000''::uuid THEN user_id = ' || bench.u(f, 'user_id') || ' ELSE true END
      AND CASE WHEN ' || bench.t(f, 'username') || ' != '''' THEN user_id = (SELECT id FROM users WHERE lower(username) = lower(' || bench.t(f, 'username') || ') AND deleted = false) ELSE true END
      AND CASE WHEN ' || bench.t(f, 'user_email') || ' != '''' THEN users.email = ' || bench.t(f, 'user_email') || ' ELSE true END
      AND CASE WHEN ' || bench.ts(f, 'connected_after') || ' != ''0001-01-01 00:00:00Z''::timestamptz THEN connect_time >= ' || bench.ts(f, 'connected_after') || ' ELSE true END
      AND CASE WHEN ' || bench.ts(f, 'connected_before') || ' != ''0001-01-01 00:00:00Z''::timestamptz THEN connect_time <= ' || bench.ts(f, 'connected_before') || ' ELSE true END
      AND CASE WHEN ' || bench.u(f, 'workspace_id') || ' != ''00000000-0000-0000-0000-000000000000''::uuid THEN connection_logs.workspace_id = ' || bench.u(f, 'workspace_id') || ' ELSE true END
      AND CASE WHEN ' || bench.u(f, 'connection_id') || ' != ''00000000-0000-0000-0000-000000000000''::uuid THEN connection_logs.connection_id = ' || bench.u(f, 'connection_id') || ' ELSE true END
      AND CASE WHEN ' || bench.t(f, 'status') || ' != '''' THEN ((' || bench.t(f, 'status') || ' = ''ongoing'' AND disconnect_time IS NULL) OR
               (' || bench.t(f, 'status') || ' = ''completed'' AND disconnect_time IS NOT NULL)) AND
               ' || bench.not_web() || ' ELSE true END
      ' || bench.rbac('connection_logs', orgs) ||
    CASE what WHEN 'page' THEN format(' ORDER BY connect_time DESC LIMIT COALESCE(NULLIF(%s, 0), 100) OFFSET %s', lim, off)
              ELSE format(' LIMIT NULLIF(%s, 0) + 1) AS limited_count', cap) END $$;

-- Coder's GetUserAISeatStates (current: ai_seat_state of active, non-deleted, non-system users) for the ids $1.
CREATE OR REPLACE FUNCTION bench.coder_ai_seats(ids uuid[]) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT format('SELECT ais.user_id FROM ai_seat_state ais JOIN users u ON ais.user_id = u.id
                 WHERE ais.user_id = ANY(%L::uuid[]) AND u.status = ''active''::user_status AND u.deleted = false
                   AND u.is_system = false', ids) $$;

-- The usage-derived GetUserAISeatStates of Coder's first AI-seat PR (#23291), for audit_ext's source => 'usage';
-- from G2 on, where Coder has dropped workspace_builds.has_ai_task, AI Bridge usage alone.
CREATE OR REPLACE FUNCTION bench.coder_ai_seats_usage(ids uuid[]) RETURNS text LANGUAGE sql STABLE AS $$
  SELECT format('SELECT user_id FROM (SELECT DISTINCT initiator_id AS user_id FROM aibridge_interceptions%s) AS ai_seat_users
                 WHERE user_id = ANY(%L::uuid[])',
                CASE WHEN EXISTS (SELECT FROM pg_attribute WHERE attrelid = 'workspace_builds'::regclass
                                   AND attname = 'has_ai_task' AND NOT attisdropped)
                THEN ' UNION SELECT DISTINCT workspaces.owner_id FROM workspaces JOIN workspace_builds
                   ON workspace_builds.workspace_id = workspaces.id
                 WHERE workspace_builds.has_ai_task = true AND workspaces.deleted = false' ELSE '' END, ids) $$;

-- Median wall time in ms of running `sql` `runs` times (after one warm-up run).
CREATE OR REPLACE FUNCTION bench.median_ms(sql text, runs int DEFAULT 5) RETURNS numeric LANGUAGE plpgsql AS $$
DECLARE t0 timestamptz; times numeric[] := '{}';
BEGIN
  EXECUTE sql;
  FOR i IN 1..runs LOOP
    t0 := clock_timestamp();
    EXECUTE sql;
    times := times || (extract(epoch FROM clock_timestamp() - t0) * 1000)::numeric;
  END LOOP;
  RETURN (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY x) FROM unnest(times) x)::numeric(12, 2);
END $$;

-- What Coder's audit handler does after the page query, row by row: the look-ups of auditLogIsResourceDeleted
-- and auditLogResourceLink (GetTemplateByID, GetUserByID, GetWorkspaceByID, GetWorkspaceBuildByID,
-- GetWorkspaceByAgentID, GetTaskByID, …), each its own statement. Plans are cached (PL/pgSQL), and there is
-- no network round trip or dbauthz check per look-up, so this is a lower bound of Coder's real cost.
CREATE OR REPLACE FUNCTION bench.coder_audit_lookups(page_sql text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE r record; ws uuid; owner uuid;
BEGIN
  FOR r IN EXECUTE page_sql LOOP
    CASE r.resource_type::text
      WHEN 'template' THEN PERFORM deleted FROM templates WHERE id = r.resource_id;
      WHEN 'user' THEN PERFORM deleted FROM users WHERE id = r.resource_id;
      WHEN 'workspace' THEN
        PERFORM deleted FROM workspaces WHERE id = r.resource_id;
        SELECT owner_id INTO owner FROM workspaces WHERE id = r.resource_id;
        PERFORM username FROM users WHERE id = owner;
      WHEN 'workspace_build' THEN
        SELECT workspace_id INTO ws FROM workspace_builds WHERE id = r.resource_id;
        PERFORM deleted FROM workspaces WHERE id = ws;
        SELECT workspace_id INTO ws FROM workspace_builds WHERE id = r.resource_id;
        SELECT owner_id INTO owner FROM workspaces WHERE id = ws;
        PERFORM username FROM users WHERE id = owner;
      WHEN 'workspace_agent' THEN
        PERFORM w.deleted FROM workspace_agents ag JOIN workspace_resources wr ON wr.id = ag.resource_id
          JOIN workspace_builds wb ON wb.job_id = wr.job_id JOIN workspaces w ON w.id = wb.workspace_id WHERE ag.id = r.resource_id;
      WHEN 'workspace_app' THEN
        PERFORM w.deleted FROM workspace_apps app JOIN workspace_agents ag ON ag.id = app.agent_id
          JOIN workspace_resources wr ON wr.id = ag.resource_id JOIN workspace_builds wb ON wb.job_id = wr.job_id
          JOIN workspaces w ON w.id = wb.workspace_id WHERE app.id = r.resource_id;
      WHEN 'task' THEN
        -- From G2 on, Coder has no tasks table (old rows keep the label) and nothing to look up.
        IF to_regclass('tasks') IS NOT NULL THEN
          PERFORM deleted_at FROM tasks WHERE id = r.resource_id;
          SELECT owner_id INTO owner FROM tasks WHERE id = r.resource_id;
          PERFORM username FROM users WHERE id = owner;
        END IF;
      WHEN 'oauth2_provider_app' THEN PERFORM id FROM oauth2_provider_apps WHERE id = r.resource_id;
      WHEN 'chat' THEN PERFORM id FROM chats WHERE id = r.resource_id;
      ELSE NULL;
    END CASE;
  END LOOP;
END $$;
