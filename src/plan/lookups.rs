//! The part of Coder's response that needs the database: `is_deleted` and `resource_link`, which Coder's
//! handler looks up with one to three extra queries per row (`auditLogIsResourceDeleted`,
//! `auditLogResourceLink`). Here they are primary-key probes in the page's details statement
//! (`query::details`), evaluated for the page's rows only. The schema profile says which of Coder's tables
//! exist: a missing table's branch is left out, as Coder's handler of that generation has no case for it
//! (older Coder lacks `chats` or `user_secrets`; Coder G2 dropped `tasks`, so task rows have no link and
//! are not reported deleted). Everything else of the JSON is shaped in Rust (`crate::shape`).

use super::profile::{Profile, Table};

/// The `additional_fields` keys the links read, in the order the details statement takes them. Each is
/// passed as Go's partial decode into `audit.AdditionalFields` leaves it: the string, or "" (missing, null or
/// another type); see `shape::additional_field`.
pub const LINK_FIELDS: [&str; 3] = ["workspace_name", "build_number", "workspace_owner"];

/// Coder's `auditLogIsResourceDeleted` and `auditLogResourceLink` for the audit row `p`, whose columns are
/// `resource_id`, `resource_type` (text), `resource_target` and the `LINK_FIELDS`: a LATERAL subquery with
/// one UNION ALL branch per resource type that needs a look-up, each gated by the row's type (so only the
/// matching branch runs: one or two primary-key probes) and returning `(deleted, link)`. Returns the subquery
/// and the expressions for the two columns given its alias `b`: a missing row counts as deleted for the types
/// Coder looks up, and a deleted resource's link is dropped by `shape::audit_log`. Look-ups see what a
/// site-wide reader sees.
pub fn resource_state(p: &str, profile: &Profile) -> (String, String, String) {
    let s = profile.qschema.as_str();
    let has = |tables: &[Table]| tables.iter().all(|t| profile.has(*t));
    let rid = format!("{p}.resource_id");
    let target = format!("{p}.resource_target");
    let [af_ws, af_bn, af_owner] = LINK_FIELDS.map(|k| format!("{p}.{k}"));
    // (resource type, the tables it reads, whether a missing row means deleted, SELECT deleted, link FROM …
    // WHERE key = rid)
    use Table::{Groups, Organizations, Tasks, Templates, Users, WorkspaceBuilds, Workspaces};
    let candidates: Vec<(&str, &[Table], bool, String)> = vec![
        ("template", &[Templates], true, format!("SELECT t.deleted, '/templates/' || {target} FROM {s}.templates t WHERE t.id = {rid}")),
        ("user", &[Users], true, format!("SELECT u.deleted, '/users?filter=' || {target} FROM {s}.users u WHERE u.id = {rid}")),
        (
            "workspace",
            &[Workspaces, Users],
            true,
            format!("SELECT w.deleted, '/@' || o.username || '/' || {target} FROM {s}.workspaces w LEFT JOIN {s}.users o ON o.id = w.owner_id WHERE w.id = {rid}"),
        ),
        (
            "workspace_build",
            &[WorkspaceBuilds, Workspaces, Users],
            true,
            format!(
                "SELECT w.deleted, CASE WHEN {af_ws} = '' OR {af_bn} = '' THEN '' ELSE '/@' || o.username || '/' || {af_ws} || '/builds/' || {af_bn} END \
                 FROM {s}.workspace_builds wb JOIN {s}.workspaces w ON w.id = wb.workspace_id LEFT JOIN {s}.users o ON o.id = w.owner_id WHERE wb.id = {rid}"
            ),
        ),
        (
            "task",
            &[Tasks, Users],
            true,
            format!(
                "SELECT coalesce(t.deleted_at < now(), false), '/tasks/' || o.username || '/' || t.id \
                 FROM {s}.tasks t LEFT JOIN {s}.users o ON o.id = t.owner_id WHERE t.id = {rid}"
            ),
        ),
        (
            "group_ai_budget",
            &[Groups, Organizations],
            false,
            format!("SELECT false, '/organizations/' || o.name || '/groups/' || g.name FROM {s}.groups g JOIN {s}.organizations o ON o.id = g.organization_id WHERE g.id = {rid}"),
        ),
    ];
    let mut branches: Vec<(&str, bool, String)> =
        candidates.into_iter().filter(|b| has(b.1)).map(|(rt, _, missing, q)| (rt, missing, q)).collect();
    use Table::{
        Chats, OAuth2ProviderAppSecrets, OAuth2ProviderApps, UserSecrets, WorkspaceAgents, WorkspaceApps,
        WorkspaceResources,
    };
    if has(&[WorkspaceAgents, WorkspaceResources, WorkspaceBuilds, Workspaces, Users]) {
        // The workspace behind an agent (agent → resource → build by job → workspace). Without
        // additional fields Coder links by the owner's display name (workspaces_expanded.owner_name).
        let via_agent = |agent: &str| {
            format!(
                "SELECT w.deleted, CASE WHEN {af_owner} <> '' AND {af_ws} <> '' THEN '/@' || {af_owner} || '/' || {af_ws} \
                 ELSE '/@' || o.name || '/' || w.name END \
                 FROM {s}.workspace_agents ag JOIN {s}.workspace_resources wr ON wr.id = ag.resource_id \
                 JOIN {s}.workspace_builds wb ON wb.job_id = wr.job_id JOIN {s}.workspaces w ON w.id = wb.workspace_id \
                 LEFT JOIN {s}.users o ON o.id = w.owner_id WHERE ag.id = {agent}"
            )
        };
        branches.push(("workspace_agent", true, via_agent(&rid)));
        if has(&[WorkspaceApps]) {
            branches.push((
                "workspace_app",
                true,
                via_agent(&format!("(SELECT app.agent_id FROM {s}.workspace_apps app WHERE app.id = {rid})")),
            ));
        }
    }
    for (rt, table, link) in [
        ("oauth2_provider_app", OAuth2ProviderApps, format!("'/deployment/oauth2-provider/apps/' || {rid}")),
        (
            "oauth2_provider_app_secret",
            OAuth2ProviderAppSecrets,
            "'/deployment/oauth2-provider/apps/' || x.app_id".to_string(),
        ),
        ("chat", Chats, format!("'/agents/' || {rid}")),
        ("user_secret", UserSecrets, "''".to_string()),
    ] {
        if has(&[table]) {
            branches.push((rt, true, format!("SELECT false, {link} FROM {s}.{} x WHERE x.id = {rid}", table.name())));
        }
    }
    let union: Vec<String> =
        branches.iter().map(|(rt, _, q)| format!("({q} AND {p}.resource_type = '{rt}')")).collect();
    let missing_means_deleted: Vec<String> = branches.iter().filter(|b| b.1).map(|b| format!("'{}'", b.0)).collect();
    (
        format!("SELECT * FROM ({}) x(deleted, link) LIMIT 1", union.join(" UNION ALL ")),
        format!("coalesce(b.deleted, {p}.resource_type IN ({}))", missing_means_deleted.join(", ")),
        "coalesce(b.link, '')".to_string(),
    )
}
