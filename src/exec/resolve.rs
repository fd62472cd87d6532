//! Names and RBAC, answered by Coder's tables: usernames and emails → user ids, and the organizations an
//! actor may read logs of.

use super::{from_uuid, spi, to_uuid};
use crate::plan::profile::{Profile, Table};
use crate::plan::{Access, Resolver};
use uuid::Uuid;

/// Looks names up in the Coder schema `qschema` (quoted).
pub struct LiveResolver<'a> {
    pub qschema: &'a str,
}

impl Resolver for LiveResolver<'_> {
    /// Coder: `SELECT id FROM users WHERE lower(username) = lower(@username) AND deleted = false`.
    fn user_by_username(&self, username: &str) -> Option<Uuid> {
        let sql =
            format!("SELECT id FROM {}.users WHERE lower(username) = lower($1) AND NOT deleted LIMIT 1", self.qschema);
        spi::one_kept::<pgrx::Uuid>(&sql, &[username.into()]).map(to_uuid)
    }

    /// `lower(email) = lower($1)`, read in three disjoint parts so that Coder's partial index on `lower(email)`
    /// (non-deleted users with an email) serves the first: a service account's empty email matches only `''`
    /// (a one-time filter, no scan otherwise), and deleted users, when included, are read by a scan that tests
    /// `deleted` before lowering anything (one is needed unless the advised `lower(email)` index exists).
    fn users_by_email(&self, email: &str, include_deleted: bool) -> Vec<Uuid> {
        let users = format!("{}.users", self.qschema);
        let deleted = if include_deleted {
            format!(" UNION ALL SELECT id FROM {users} WHERE deleted AND lower(email) = lower($1)")
        } else {
            String::new()
        };
        let sql = format!(
            "SELECT coalesce(array_agg(id ORDER BY id), '{{}}') FROM (\
             SELECT id FROM {users} WHERE lower(email) = lower($1) AND NOT deleted AND email <> '' \
             UNION ALL SELECT id FROM {users} WHERE $1 = '' AND email = '' AND NOT deleted{deleted}) u"
        );
        spi::one_kept::<Vec<pgrx::Uuid>>(&sql, &[email.into()]).unwrap_or_default().into_iter().map(to_uuid).collect()
    }
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
