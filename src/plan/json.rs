//! The part of Coder's response that needs the database: `is_deleted` and `resource_link`, which Coder's
//! handler looks up with one to three extra queries per row (`auditLogIsResourceDeleted`,
//! `auditLogResourceLink`). Here they are correlated subqueries on primary keys in the page statement,
//! evaluated for the page's rows only. `s` is the Coder schema, quoted; `has` says whether an optional Coder
//! table exists (older Coder versions lack `chats` or `user_secrets`; a missing table's branch is left out).
//! Everything else of the JSON is shaped in Rust (`crate::shape`).

/// The string value of an `additional_fields` key, as Go's partial decode into `audit.AdditionalFields`
/// leaves it: the string, or "" (missing, null or another type).
fn af(a: &str, key: &str) -> String {
    format!("(CASE WHEN jsonb_typeof({a} -> '{key}') = 'string' THEN {a} ->> '{key}' ELSE '' END)")
}

/// Coder's `auditLogIsResourceDeleted` and `auditLogResourceLink` for audit row `p`, as columns
/// `deleted` and `link` of a LATERAL subquery. A missing row counts as deleted. Look-ups see what a
/// site-wide reader sees. Each is a scalar subquery on a key, so it runs as one index probe per page row
/// (an `EXISTS` here lets the planner hash a whole table instead).
pub fn resource_state(p: &str, s: &str, has: &dyn Fn(&str) -> bool) -> String {
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
        ("template".to_string(), format!("coalesce((SELECT t.deleted FROM {s}.templates t WHERE t.id = {rid}), true)")),
        ("user".into(), format!("coalesce((SELECT u.deleted FROM {s}.users u WHERE u.id = {rid}), true)")),
        ("workspace".into(), format!("coalesce((SELECT w.deleted FROM {s}.workspaces w WHERE w.id = {rid}), true)")),
        (
            "workspace_build".into(),
            format!("coalesce((SELECT w.deleted FROM {s}.workspace_builds wb JOIN {s}.workspaces w ON w.id = wb.workspace_id WHERE wb.id = {rid}), true)"),
        ),
        ("task".into(), format!("coalesce((SELECT coalesce(t.deleted_at < now(), false) FROM {s}.tasks t WHERE t.id = {rid}), true)")),
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
        deleted.push(("workspace_agent".into(), format!("coalesce((SELECT w.deleted {} LIMIT 1), true)", agent_ws(&rid))));
        link.push((
            "workspace_agent".into(),
            format!("CASE WHEN {af_owner} <> '' AND {af_ws} <> '' THEN '/@' || {af_owner} || '/' || {af_ws} ELSE {} END", by_agent(&rid)),
        ));
        if has("workspace_apps") {
            let app_agent = format!("(SELECT app.agent_id FROM {s}.workspace_apps app WHERE app.id = {rid})");
            deleted.push(("workspace_app".into(), format!("coalesce((SELECT w.deleted {} LIMIT 1), true)", agent_ws(&app_agent))));
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
            deleted.push((rt.into(), format!("coalesce((SELECT false FROM {s}.{table} x WHERE x.id = {rid}), true)")));
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
        // A deleted resource has no link: `shape::audit_log` applies that, so `deleted` is evaluated once.
        "SELECT {deleted} AS deleted, coalesce({link}, '') AS link",
        link = case(&link, "''"),
        deleted = case(&deleted, "false"),
    )
}

