//! Names and RBAC, answered by Coder's tables: usernames and emails → user ids, and the organizations an
//! actor may read logs of.

use super::{from_uuid, spi, to_uuid};
use crate::plan::{Access, Resolver};
use uuid::Uuid;

/// Looks names up in the Coder schema `qschema` (quoted).
pub struct LiveResolver<'a> {
    pub qschema: &'a str,
}

impl Resolver for LiveResolver<'_> {
    /// Coder: `SELECT id FROM users WHERE lower(username) = lower(@username) AND deleted = false`.
    fn user_by_username(&self, username: &str) -> Option<Uuid> {
        let sql = format!("SELECT id FROM {}.users WHERE lower(username) = lower($1) AND NOT deleted LIMIT 1", self.qschema);
        spi::one::<pgrx::Uuid>(&sql, &[username.into()]).map(to_uuid)
    }

    fn users_by_email(&self, email: &str, include_deleted: bool) -> Vec<Uuid> {
        let deleted = if include_deleted { "" } else { " AND NOT deleted" };
        let sql = format!(
            "SELECT coalesce(array_agg(id ORDER BY id), '{{}}') FROM {}.users WHERE lower(email) = lower($1){deleted}",
            self.qschema
        );
        spi::one::<Vec<pgrx::Uuid>>(&sql, &[email.into()]).unwrap_or_default().into_iter().map(to_uuid).collect()
    }
}

/// What `actor` may read of `object` (`audit_log` or `connection_log`), as Coder's RBAC decides it:
/// site roles `owner` and `auditor`, or a site-wide custom role granting read → every row; org roles
/// `organization-admin` and `organization-auditor`, or an organization's custom role granting read → that
/// organization's rows; anyone else, and a deleted, suspended or unknown actor → nothing.
pub fn readable(actor: Uuid, object: &str, s: &str) -> Access {
    // A permission list grants read when it has a positive read (or *) entry and no negated one.
    let grants = |col: &str| {
        format!(
            "(EXISTS (SELECT 1 FROM jsonb_array_elements(CASE jsonb_typeof({col}) WHEN 'array' THEN {col} ELSE '[]' END) p \
                      WHERE p->>'resource_type' IN ($2, '*') AND p->>'action' IN ('read', '*') \
                        AND NOT coalesce((p->>'negate')::boolean, false)) \
              AND NOT EXISTS (SELECT 1 FROM jsonb_array_elements(CASE jsonb_typeof({col}) WHEN 'array' THEN {col} ELSE '[]' END) p \
                      WHERE p->>'resource_type' IN ($2, '*') AND p->>'action' IN ('read', '*') \
                        AND coalesce((p->>'negate')::boolean, false)))"
        )
    };
    let sql = format!(
        "WITH u AS (SELECT rbac_roles FROM {s}.users WHERE id = $1 AND NOT deleted AND status::text <> 'suspended') \
         SELECT EXISTS (SELECT 1 FROM u WHERE u.rbac_roles && ARRAY['owner', 'auditor'] \
                          OR EXISTS (SELECT 1 FROM {s}.custom_roles cr WHERE cr.organization_id IS NULL \
                                       AND cr.name = ANY (u.rbac_roles) AND {site})), \
                (SELECT coalesce(array_agg(DISTINCT om.organization_id ORDER BY om.organization_id), '{{}}') \
                   FROM u, {s}.organization_members om \
                  WHERE om.user_id = $1 \
                    AND (om.roles && ARRAY['organization-admin', 'organization-auditor'] \
                         OR EXISTS (SELECT 1 FROM {s}.custom_roles cr WHERE cr.organization_id = om.organization_id \
                                      AND cr.name = ANY (om.roles) AND {org})))",
        site = grants("cr.site_permissions"),
        org = grants("cr.org_permissions"),
    );
    let (site, orgs) = spi::select(&sql, &[from_uuid(actor).into(), object.into()], |t| t.first().get_two::<bool, Vec<pgrx::Uuid>>());
    match site {
        Some(true) => Access::All,
        _ => Access::Organizations(orgs.unwrap_or_default().into_iter().map(to_uuid).collect()),
    }
}
