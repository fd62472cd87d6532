//! Stage 4 (as SQL): Coder's response shapes, built by the same statement that selects the page.
//!
//! Every expression here reproduces what Coder's Go handler does with a row (`convertAuditLog`,
//! `convertConnectionLog`, `db2sdk.User`, `auditLogDescription`, `auditLogResourceLink`,
//! `auditLogIsResourceDeleted`), so the JSON values equal Coder's. Per-row look-ups that Coder makes with
//! one to three extra queries each are correlated subqueries on primary keys here, evaluated only for the
//! page's rows. `s` is the Coder schema, quoted; `has` says whether an optional Coder table exists (older
//! Coder versions lack `chats` or `user_secrets`; a missing table's branch is left out).

/// Go's RFC 3339 (nano) form of a `timestamptz` in UTC: fraction trimmed of trailing zeros, `Z`.
pub fn go_time(x: &str) -> String {
    go_time_local(&format!("({x} AT TIME ZONE 'UTC')"))
}

/// The same for a `timestamp without time zone` (Coder's `users.last_seen_at`), read as UTC.
pub fn go_time_local(x: &str) -> String {
    format!(
        "(to_char({x}, 'YYYY-MM-DD\"T\"HH24:MI:SS') || rtrim(rtrim(to_char({x}, '.US'), '0'), '.') || 'Z')"
    )
}

/// An `inet` as Go's `netip.Addr` prints it after Coder's driver decoded it: the host address only,
/// IPv4-mapped IPv6 unmapped, IPv4-compatible IPv6 in hex groups. NULL stays NULL.
pub fn go_ip(x: &str) -> String {
    format!(
        "(CASE WHEN family({x}) = 6 AND host({x}) ~ '^::ffff:[0-9.]+$' THEN substr(host({x}), 8) \
              WHEN family({x}) = 6 AND host({x}) ~ '^::[0-9]+\\.[0-9]+\\.[0-9]+\\.[0-9]+$' THEN \
                 (SELECT '::' || to_hex(o[1]::int * 256 + o[2]::int) || ':' || to_hex(o[3]::int * 256 + o[4]::int) \
                    FROM regexp_match(host({x}), '^::([0-9]+)\\.([0-9]+)\\.([0-9]+)\\.([0-9]+)$') o) \
              ELSE host({x}) END)"
    )
}

/// `codersdk.User` as the log endpoints fill it (`db2sdk.User` with no organizations): `name` and
/// `avatar_url` omitted when empty, `is_service_account` and `theme_preference` never set,
/// `organization_ids` `[]`, `has_ai_seat` false, site roles with Coder's display names. `u` is a users
/// row alias (possibly all NULL from a LEFT JOIN: the zero values Go would print are used then), `id` the
/// user id to print.
pub fn user(u: &str, id: &str) -> String {
    let zero_time = "'0001-01-01T00:00:00Z'";
    format!(
        "(jsonb_build_object('id', {id}, 'username', coalesce({u}.username, ''), 'email', coalesce({u}.email, ''), \
           'created_at', coalesce({ct}, {zero_time}), 'updated_at', coalesce({ut}, {zero_time}), \
           'last_seen_at', coalesce({ls}, {zero_time}), \
           'status', coalesce({u}.status::text, ''), 'login_type', coalesce({u}.login_type::text, ''), \
           'organization_ids', '[]'::jsonb, \
           'roles', coalesce((SELECT jsonb_agg(jsonb_build_object('name', ro.name, 'display_name', \
                        CASE ro.name WHEN 'owner' THEN 'Owner' WHEN 'member' THEN 'Member' WHEN 'auditor' THEN 'Auditor' \
                                    WHEN 'template-admin' THEN 'Template Admin' WHEN 'user-admin' THEN 'User Admin' ELSE '' END) \
                        ORDER BY ro.ord) FROM unnest({u}.rbac_roles) WITH ORDINALITY ro(name, ord)), '[]'::jsonb), \
           'has_ai_seat', false) \
         || CASE WHEN {u}.name <> '' THEN jsonb_build_object('name', {u}.name) ELSE '{{}}' END \
         || CASE WHEN {u}.avatar_url <> '' THEN jsonb_build_object('avatar_url', {u}.avatar_url) ELSE '{{}}' END)",
        ct = go_time(&format!("{u}.created_at")),
        ut = go_time(&format!("{u}.updated_at")),
        ls = go_time_local(&format!("{u}.last_seen_at")),
    )
}

/// `MinimalOrganization`; `o` a (LEFT JOINed) organizations row.
fn organization(o: &str, id: &str) -> String {
    format!(
        "jsonb_build_object('id', {id}, 'name', coalesce({o}.name, ''), 'display_name', coalesce({o}.display_name, ''), \
         'icon', coalesce({o}.icon, ''))"
    )
}

/// The audit `diff` after Go's decode into `map[string]AuditDiffField` and re-encode: fields keep only
/// `old` and `new` (dropped when null) and `secret` (false unless a boolean says otherwise); a JSON null
/// stays null; anything but an object becomes `{}`.
fn diff(d: &str) -> String {
    format!(
        "(CASE jsonb_typeof({d}) WHEN 'null' THEN 'null'::jsonb WHEN 'object' THEN \
           (SELECT coalesce(jsonb_object_agg(f.key, \
               jsonb_build_object('secret', CASE WHEN jsonb_typeof(f.value -> 'secret') = 'boolean' THEN f.value -> 'secret' ELSE 'false'::jsonb END) \
               || CASE WHEN jsonb_typeof(f.value -> 'old') <> 'null' THEN jsonb_build_object('old', f.value -> 'old') ELSE '{{}}' END \
               || CASE WHEN jsonb_typeof(f.value -> 'new') <> 'null' THEN jsonb_build_object('new', f.value -> 'new') ELSE '{{}}' END), '{{}}') \
            FROM jsonb_each({d}) f) \
         ELSE '{{}}'::jsonb END)"
    )
}

/// The string value of an `additional_fields` key, as Go's partial decode into `audit.AdditionalFields`
/// leaves it: the string, or "" (missing, null or another type).
fn af(a: &str, key: &str) -> String {
    format!("(CASE WHEN jsonb_typeof({a} -> '{key}') = 'string' THEN {a} ->> '{key}' ELSE '' END)")
}

/// `additional_fields` as Coder returns it: unchanged, unless decoding it into `audit.AdditionalFields`
/// fails (not an object; a known key holding a non-string; an unparsable `workspace_id`), in which case
/// Coder's "unknown" object. Go matches JSON keys to struct fields case-insensitively.
fn additional_fields(a: &str) -> String {
    const UNKNOWN: &str = r#"{"workspace_name":"unknown","build_number":"unknown","build_reason":"unknown","workspace_owner":"unknown","workspace_id":"00000000-0000-0000-0000-000000000000"}"#;
    const UUID: &str = "^([{][0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}[}]|(urn:uuid:)?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{32})$";
    format!(
        "(CASE WHEN jsonb_typeof({a}) NOT IN ('object', 'null') OR EXISTS ( \
                 SELECT FROM jsonb_each(CASE jsonb_typeof({a}) WHEN 'object' THEN {a} ELSE '{{}}' END) f \
                  WHERE jsonb_typeof(f.value) <> 'null' AND ( \
                        (lower(f.key) IN ('workspace_name', 'build_number', 'build_reason', 'workspace_owner') AND jsonb_typeof(f.value) <> 'string') \
                     OR (lower(f.key) = 'workspace_id' AND NOT (jsonb_typeof(f.value) = 'string' AND (f.value #>> '{{}}') ~* '{UUID}')))) \
              THEN '{UNKNOWN}'::jsonb ELSE {a} END)"
    )
}

/// Coder's `AuditAction.Friendly()`.
fn friendly_action(act: &str) -> String {
    format!(
        "(CASE {act} WHEN 'create' THEN 'created' WHEN 'write' THEN 'updated' WHEN 'delete' THEN 'deleted' \
          WHEN 'start' THEN 'started' WHEN 'stop' THEN 'stopped' WHEN 'login' THEN 'logged in' \
          WHEN 'logout' THEN 'logged out' WHEN 'register' THEN 'registered' \
          WHEN 'request_password_reset' THEN 'password reset requested' WHEN 'connect' THEN 'connected' \
          WHEN 'disconnect' THEN 'disconnected' WHEN 'open' THEN 'opened' WHEN 'close' THEN 'closed' \
          ELSE 'unknown' END)"
    )
}

/// Coder's `ResourceType.FriendlyString()`: the label with `_` as spaces, except these.
fn friendly_resource(rt: &str) -> String {
    const SAME_AS_LABEL: &[&str] = &[
        "template", "user", "workspace", "group", "license", "organization", "task", "chat",
        // Coder keeps the underscores of these three.
        "health_settings", "notifications_settings", "prebuilds_settings",
    ];
    const SPACED: &[&str] = &[
        "template_version", "git_ssh_key", "workspace_proxy", "oauth2_provider_settings", "custom_role",
        "organization_member", "notification_template", "workspace_agent", "workspace_app", "ai_seat",
        "ai_provider", "ai_provider_key", "ai_gateway_key", "group_ai_budget", "user_ai_budget_override",
        "chat_project", "mcp_server_config", "chat_model_config", "user_secret", "user_skill",
        "chat_instruction_settings", "chat_operational_settings", "experiment_rule",
    ];
    let list = |v: &[&str]| v.iter().map(|s| format!("'{s}'")).collect::<Vec<_>>().join(", ");
    format!(
        "(CASE WHEN {rt} IN ({same}) THEN {rt} WHEN {rt} IN ({spaced}) THEN replace({rt}, '_', ' ') \
          WHEN {rt} = 'workspace_build' THEN 'workspace' WHEN {rt} = 'api_key' THEN 'token' \
          WHEN {rt} = 'convert_login' THEN 'login type conversion' \
          WHEN {rt} = 'oauth2_provider_app' THEN 'oauth2 app' WHEN {rt} = 'oauth2_provider_app_secret' THEN 'oauth2 app secret' \
          WHEN {rt} LIKE 'idp_sync_settings_%' THEN 'settings' ELSE 'unknown' END)",
        same = list(SAME_AS_LABEL),
        spaced = list(SPACED),
    )
}

/// Coder's `auditLogDescription`, with its `{user}` and `{target}` placeholders. `p` is the audit row.
fn description(p: &str) -> String {
    let (rt, act, sc, d) = (format!("{p}.resource_type::text"), format!("{p}.action::text"), format!("{p}.status_code"), format!("{p}.diff"));
    // Chat archive and sharing changes have their own wording.
    let chat = format!(
        "CASE WHEN {rt} = 'chat' AND {act} = 'write' AND {sc} < 400 AND {sc} <> 303 AND jsonb_typeof({d}) = 'object' THEN \
           CASE WHEN (SELECT array_agg(k) FROM jsonb_object_keys({d}) k) = '{{archived}}' \
                     AND jsonb_typeof({d} -> 'archived' -> 'old') = 'boolean' AND jsonb_typeof({d} -> 'archived' -> 'new') = 'boolean' THEN \
                  CASE WHEN NOT ({d} #>> '{{archived,old}}')::boolean AND ({d} #>> '{{archived,new}}')::boolean THEN 'archived chat {{target}}' \
                       WHEN ({d} #>> '{{archived,old}}')::boolean AND NOT ({d} #>> '{{archived,new}}')::boolean THEN 'unarchived chat {{target}}' END \
                WHEN (SELECT bool_and(k IN ('user_acl', 'group_acl')) FROM jsonb_object_keys({d}) k) THEN 'updated sharing for chat {{target}}' \
           END \
         END"
    );
    format!(
        "(CASE WHEN {act} = 'request_password_reset' THEN '' ELSE '{{user}} ' END || coalesce({chat}, \
           CASE WHEN {sc} = 303 THEN 'was redirected attempting to ' || {act} \
                WHEN {sc} >= 400 THEN 'unsuccessfully attempted to ' || {act} \
                ELSE {verb} END \
           || CASE WHEN {rt} = 'api_key' AND {act} IN ('login', 'logout', 'register') THEN '' \
                   WHEN {rt} = 'git_ssh_key' THEN ' the ' || {res} \
                   ELSE CASE WHEN {act} = 'request_password_reset' THEN ' for' ELSE ' ' || {res} END \
                        || CASE WHEN {rt} = 'convert_login' THEN ' to' ELSE '' END || ' {{target}}' END))",
        verb = friendly_action(&act),
        res = friendly_resource(&rt),
    )
}

/// Coder's `auditLogIsResourceDeleted` and `auditLogResourceLink` for audit row `p`, as columns
/// `deleted` and `link` of a LATERAL subquery. A missing row counts as deleted; a deleted resource has
/// no link. Look-ups see what a site-wide reader sees.
fn resource_state(p: &str, s: &str, has: &dyn Fn(&str) -> bool) -> String {
    let rid = format!("{p}.resource_id");
    let target = format!("{p}.resource_target");
    let a = format!("{p}.additional_fields");
    let (af_ws, af_bn, af_owner) = (af(&a, "workspace_name"), af(&a, "build_number"), af(&a, "workspace_owner"));
    // The workspace behind an agent (agent → resource → build by job → workspace), or an app.
    let agent_ws = |agent: &str| {
        format!(
            "FROM {s}.workspace_agents ag JOIN {s}.workspace_resources wr ON wr.id = ag.resource_id \
             JOIN {s}.workspace_builds wb ON wb.job_id = wr.job_id JOIN {s}.workspaces w ON w.id = wb.workspace_id \
             WHERE ag.id = {agent}"
        )
    };
    let mut deleted = vec![
        ("template".to_string(), format!("NOT EXISTS (SELECT FROM {s}.templates t WHERE t.id = {rid} AND NOT t.deleted)")),
        ("user".into(), format!("NOT EXISTS (SELECT FROM {s}.users u WHERE u.id = {rid} AND NOT u.deleted)")),
        ("workspace".into(), format!("NOT EXISTS (SELECT FROM {s}.workspaces w WHERE w.id = {rid} AND NOT w.deleted)")),
        (
            "workspace_build".into(),
            format!("NOT EXISTS (SELECT FROM {s}.workspace_builds wb JOIN {s}.workspaces w ON w.id = wb.workspace_id WHERE wb.id = {rid} AND NOT w.deleted)"),
        ),
        ("task".into(), format!("NOT EXISTS (SELECT FROM {s}.tasks t WHERE t.id = {rid} AND NOT coalesce(t.deleted_at < now(), false))")),
    ];
    let mut link = vec![
        ("template".to_string(), format!("'/templates/' || {target}")),
        ("user".into(), format!("'/users?filter=' || {target}")),
        (
            "workspace".into(),
            format!("(SELECT '/@' || u.username || '/' || {target} FROM {s}.workspaces w JOIN {s}.users u ON u.id = w.owner_id WHERE w.id = {rid})"),
        ),
        (
            "workspace_build".into(),
            format!(
                "CASE WHEN {af_ws} = '' OR {af_bn} = '' THEN '' ELSE \
                 (SELECT '/@' || u.username || '/' || {af_ws} || '/builds/' || {af_bn} FROM {s}.workspace_builds wb \
                  JOIN {s}.workspaces w ON w.id = wb.workspace_id JOIN {s}.users u ON u.id = w.owner_id WHERE wb.id = {rid}) END"
            ),
        ),
        ("oauth2_provider_app".into(), format!("'/deployment/oauth2-provider/apps/' || {rid}")),
        (
            "task".into(),
            format!("(SELECT '/tasks/' || u.username || '/' || t.id FROM {s}.tasks t JOIN {s}.users u ON u.id = t.owner_id WHERE t.id = {rid})"),
        ),
        ("chat".into(), format!("'/agents/' || {rid}")),
        (
            "group_ai_budget".into(),
            format!("(SELECT '/organizations/' || o.name || '/groups/' || g.name FROM {s}.groups g JOIN {s}.organizations o ON o.id = g.organization_id WHERE g.id = {rid})"),
        ),
    ];
    if has("workspace_agents") && has("workspace_resources") {
        // Coder links agents and apps by the workspace owner's display name (workspaces_expanded.owner_name).
        let by_agent = |agent: &str| format!("(SELECT '/@' || u.name || '/' || w.name {} LIMIT 1)", agent_ws(agent).replacen("WHERE", &format!("JOIN {s}.users u ON u.id = w.owner_id WHERE"), 1));
        deleted.push(("workspace_agent".into(), format!("NOT EXISTS (SELECT {} AND NOT w.deleted)", agent_ws(&rid))));
        link.push((
            "workspace_agent".into(),
            format!("CASE WHEN {af_owner} <> '' AND {af_ws} <> '' THEN '/@' || {af_owner} || '/' || {af_ws} ELSE {} END", by_agent(&rid)),
        ));
        if has("workspace_apps") {
            let app_agent = format!("(SELECT app.agent_id FROM {s}.workspace_apps app WHERE app.id = {rid})");
            deleted.push(("workspace_app".into(), format!("NOT EXISTS (SELECT {} AND NOT w.deleted)", agent_ws(&app_agent))));
            link.push((
                "workspace_app".into(),
                format!("CASE WHEN {af_owner} <> '' AND {af_ws} <> '' THEN '/@' || {af_owner} || '/' || {af_ws} ELSE {} END", by_agent(&app_agent)),
            ));
        }
    }
    for (rt, table) in [
        ("oauth2_provider_app", "oauth2_provider_apps"),
        ("oauth2_provider_app_secret", "oauth2_provider_app_secrets"),
        ("chat", "chats"),
        ("user_secret", "user_secrets"),
    ] {
        if has(table) {
            deleted.push((rt.into(), format!("NOT EXISTS (SELECT FROM {s}.{table} x WHERE x.id = {rid})")));
        }
    }
    if has("oauth2_provider_app_secrets") {
        link.push((
            "oauth2_provider_app_secret".into(),
            format!("(SELECT '/deployment/oauth2-provider/apps/' || x.app_id FROM {s}.oauth2_provider_app_secrets x WHERE x.id = {rid})"),
        ));
    }
    let case = |arms: &[(String, String)], other: &str| {
        let arms: Vec<String> = arms.iter().map(|(rt, e)| format!("WHEN '{rt}' THEN {e}")).collect();
        format!("CASE {p}.resource_type::text {} ELSE {other} END", arms.join(" "))
    };
    format!(
        "SELECT x.deleted, CASE WHEN x.deleted THEN '' ELSE coalesce({link}, '') END AS link FROM (SELECT {deleted} AS deleted) x",
        link = case(&link, "''"),
        deleted = case(&deleted, "false"),
    )
}

/// One audit row `p` (with users `u`, organizations `o`, resource state `r`) as Coder's `AuditLog`.
pub fn audit_log(s: &str, has: &dyn Fn(&str) -> bool) -> (String, String) {
    let p = "p";
    let element = format!(
        "jsonb_build_object('id', p.id, 'request_id', p.request_id, 'time', {time}, 'ip', coalesce({ip}, ''), \
           'user_agent', coalesce(p.user_agent, ''), 'resource_type', p.resource_type, 'resource_id', p.resource_id, \
           'resource_target', p.resource_target, 'resource_icon', p.resource_icon, 'action', p.action, \
           'diff', {diff}, 'status_code', p.status_code, 'additional_fields', {af}, 'description', {desc}, \
           'resource_link', r.link, 'is_deleted', r.deleted, 'organization_id', p.organization_id, \
           'user', CASE WHEN u.id IS NULL THEN 'null'::jsonb ELSE {user} END) \
         || CASE WHEN p.organization_id <> '00000000-0000-0000-0000-000000000000' \
                 THEN jsonb_build_object('organization', {org}) ELSE '{{}}' END",
        time = go_time("p.\"time\""),
        ip = go_ip("p.ip"),
        diff = diff("p.diff"),
        af = additional_fields("p.additional_fields"),
        desc = description(p),
        user = user("u", "p.user_id"),
        org = organization("o", "p.organization_id"),
    );
    let joins = format!(
        "LEFT JOIN {s}.users u ON u.id = p.user_id LEFT JOIN {s}.organizations o ON o.id = p.organization_id \
         CROSS JOIN LATERAL ({state}) r",
        state = resource_state(p, s, has)
    );
    (element, joins)
}

/// One connection row `p` (with owner `wo`, user `u`, organization `o`) as Coder's `ConnectionLog`:
/// `web_info` for web connections, `ssh_info` for the others Coder knows, `ip` omitted when NULL.
pub fn connection_log(s: &str) -> (String, String) {
    let element = format!(
        "jsonb_build_object('id', p.id, 'connect_time', {ct}, 'organization', {org}, \
           'workspace_owner_id', p.workspace_owner_id, 'workspace_owner_username', coalesce(wo.username, ''), \
           'workspace_id', p.workspace_id, 'workspace_name', p.workspace_name, 'agent_name', p.agent_name, 'type', p.type) \
         || CASE WHEN p.ip IS NOT NULL THEN jsonb_build_object('ip', {ip}) ELSE '{{}}' END \
         || CASE WHEN p.type::text IN ('workspace_app', 'port_forwarding', 'tunnel') THEN jsonb_build_object('web_info', \
                   jsonb_build_object('user_agent', coalesce(p.user_agent, ''), \
                     'user', CASE WHEN p.user_id IS NULL THEN 'null'::jsonb ELSE {user} END, \
                     'slug_or_port', coalesce(p.slug_or_port, ''), 'status_code', coalesce(p.code, 0))) \
                 WHEN p.type::text IN ('ssh', 'vscode', 'jetbrains', 'reconnecting_pty') THEN jsonb_build_object('ssh_info', \
                   jsonb_build_object('connection_id', coalesce(p.connection_id, '00000000-0000-0000-0000-000000000000')) \
                   || CASE WHEN p.disconnect_time IS NOT NULL THEN jsonb_build_object('disconnect_time', {dt}) ELSE '{{}}' END \
                   || CASE WHEN p.disconnect_reason <> '' THEN jsonb_build_object('disconnect_reason', p.disconnect_reason) ELSE '{{}}' END \
                   || CASE WHEN p.code IS NOT NULL THEN jsonb_build_object('exit_code', p.code) ELSE '{{}}' END) \
                 ELSE '{{}}' END",
        ct = go_time("p.connect_time"),
        dt = go_time("p.disconnect_time"),
        ip = go_ip("p.ip"),
        org = organization("o", "p.organization_id"),
        user = user("u", "p.user_id"),
    );
    let joins = format!(
        "LEFT JOIN {s}.users wo ON wo.id = p.workspace_owner_id LEFT JOIN {s}.users u ON u.id = p.user_id \
         LEFT JOIN {s}.organizations o ON o.id = p.organization_id"
    );
    (element, joins)
}
