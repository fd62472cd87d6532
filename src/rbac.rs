//! RBAC, in one place: what an actor may read of a log, as Coder's policy decides it (`readable`, answered by
//! Coder's role tables), narrowed by an API key's scopes (`Access::within_scopes`), and the one question the
//! query functions ask (`access`). The SQL compiler (`plan::compile`) turns an `Access` into a native-uuid
//! `organization_id` clause.

use crate::dsl::Log;
use crate::exec::{from_uuid, spi, to_uuid};
use crate::plan::profile::{Profile, Table};
use uuid::Uuid;

/// What RBAC allows: every row, or only rows of these organizations (possibly none).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Access {
    All,
    Organizations(Vec<Uuid>),
}

impl Access {
    /// Narrows access by an API key's scopes (Coder's effective scope = roles ∩ scopes): keys whose
    /// scopes grant no read of `log` read nothing. `None` = not a scoped token.
    pub fn within_scopes(self, scopes: Option<&[String]>, log: Log) -> Access {
        match scopes {
            Some(s) if !scopes_grant_read(s, log) => Access::Organizations(Vec::new()),
            _ => self,
        }
    }
}

/// Whether any of an API key's scopes grants read of `log`'s RBAC object. Coder expands every scope to
/// site-level permissions: `coder:all` (and its legacy alias `all`) and `no_user_data` grant everything
/// but user data; a low-level `resource:action` grants that pair, `resource:*` every action on it, and
/// `*:*` everything. The composite `coder:workspaces.*` / `coder:templates.*` / `coder:apikeys.*` scopes
/// and `application_connect` grant no log read. Unknown names grant nothing.
pub fn scopes_grant_read(scopes: &[String], log: Log) -> bool {
    let object = log.rbac_object();
    scopes.iter().any(|s| match s.as_str() {
        "coder:all" | "all" | "no_user_data" | "*:*" => true,
        s => match s.split_once(':') {
            Some((res, act)) => res == object && (act == "read" || act == "*"),
            None => false,
        },
    })
}

/// What `actor` (`None`: no Coder RBAC, the database role's privileges are the only limit) holding an API key
/// with `scopes` (`None`: not a scoped key) may read of `log`.
pub fn access(actor: Option<Uuid>, scopes: Option<&[String]>, log: Log, profile: &Profile) -> Access {
    let roles = match actor {
        None => Access::All,
        Some(a) => readable(a, log.rbac_object(), profile),
    };
    roles.within_scopes(scopes, log)
}

/// What `actor` may read of `object` (`audit_log` or `connection_log`), as Coder's RBAC decides it.
/// Coder's policy votes level by level: at the site level, then in the row's organization, a matching
/// negated permission in any of the actor's roles denies, else a matching positive one allows, else the
/// next level decides (the user level never matches a log row: logs have no owner). Site roles `owner` and
/// `auditor` and site-wide custom roles vote at the site level; org roles `organization-admin` and
/// `organization-auditor` and the organization's custom roles vote in that organization. So a site-level
/// allow → every row; a site-level deny → nothing; else the organizations whose vote allows. A deleted,
/// suspended or unknown actor reads nothing. The organizations' votes are read only when the site level
/// has not decided. Custom roles count where Coder has them (`custom_roles`).
pub fn readable(actor: Uuid, object: &str, profile: &Profile) -> Access {
    let s = profile.qschema.as_str();
    // The votes (`true` = negated) of a permission list's entries that match (object or *, read or *).
    let votes = |col: &str| {
        format!(
            "SELECT p->'negate' = 'true'::jsonb \
               FROM jsonb_array_elements(CASE jsonb_typeof({col}) WHEN 'array' THEN {col} ELSE '[]' END) p \
              WHERE p->>'resource_type' IN ($2, '*') AND p->>'action' IN ('read', '*')"
        )
    };
    // Without custom_roles, the built-in roles alone (an empty set of custom votes).
    let (site_custom, org_custom) = if profile.has(Table::CustomRoles) {
        (
            format!(
                " UNION ALL SELECT v.neg FROM u, {s}.custom_roles cr, LATERAL ({}) v(neg) \
                 WHERE cr.organization_id IS NULL AND cr.name = ANY (u.rbac_roles)",
                votes("cr.site_permissions")
            ),
            format!(
                " UNION ALL SELECT v.neg FROM {s}.custom_roles cr, LATERAL ({}) v(neg) \
                 WHERE cr.organization_id = om.organization_id AND cr.name = ANY (om.roles)",
                votes("cr.org_permissions")
            ),
        )
    } else {
        (String::new(), String::new())
    };
    let sql = format!(
        "WITH u AS (SELECT rbac_roles FROM {s}.users WHERE id = $1 AND NOT deleted AND status::text <> 'suspended'), \
         site AS (SELECT coalesce(bool_or(neg), false) AS deny, coalesce(bool_or(NOT neg), false) AS allow \
                    FROM (SELECT false AS neg FROM u WHERE u.rbac_roles && ARRAY['owner', 'auditor']{site_custom}) x) \
         SELECT site.allow AND NOT site.deny, \
                (SELECT coalesce(array_agg(DISTINCT om.organization_id ORDER BY om.organization_id), '{{}}') \
                   FROM u, {s}.organization_members om, \
                        LATERAL (SELECT coalesce(bool_or(neg), false) AS deny, coalesce(bool_or(NOT neg), false) AS allow \
                                   FROM (SELECT false AS neg WHERE om.roles && ARRAY['organization-admin', 'organization-auditor']{org_custom}) x) vote \
                  WHERE om.user_id = $1 AND NOT (site.allow OR site.deny) AND vote.allow AND NOT vote.deny) \
           FROM site"
    );
    let (site, orgs) = spi::select_kept(&sql, &[from_uuid(actor).into(), object.into()], |t| {
        t.first().get_two::<bool, Vec<pgrx::Uuid>>()
    });
    match site {
        Some(true) => Access::All,
        _ => Access::Organizations(orgs.unwrap_or_default().into_iter().map(to_uuid).collect()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_narrow_access() {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        for yes in [
            &["coder:all"][..],
            &["all"],
            &["audit_log:read"],
            &["audit_log:*"],
            &["workspace:read", "audit_log:read"],
            &["*:*"],
        ] {
            assert!(scopes_grant_read(&s(yes), Log::Audit), "{yes:?}");
        }
        for no in [
            &[][..],
            &["workspace:read"],
            &["connection_log:read"],
            &["audit_log:create"],
            &["coder:workspaces.access"],
            &["application_connect"],
            &["audit_log"],
            &["AUDIT_LOG:READ"],
        ] {
            assert!(!scopes_grant_read(&s(no), Log::Audit), "{no:?}");
        }
        assert!(scopes_grant_read(&s(&["connection_log:*"]), Log::Connection));
        assert!(!scopes_grant_read(&s(&["audit_log:read"]), Log::Connection));
        assert_eq!(Access::All.within_scopes(Some(&s(&["workspace:read"])), Log::Audit), Access::Organizations(vec![]));
        assert_eq!(Access::All.within_scopes(Some(&s(&["audit_log:read"])), Log::Audit), Access::All);
        assert_eq!(Access::All.within_scopes(None, Log::Audit), Access::All);
    }
}
