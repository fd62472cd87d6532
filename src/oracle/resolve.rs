//! Names, answered by Coder's tables: usernames and emails → user ids; and which columns an index serves.

use crate::dsl::Log;
use crate::exec::{spi, to_uuid};
use crate::plan::Resolver;
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

    fn leads_an_index(&self, log: Log, column: &str) -> bool {
        super::catalog::index_led_by(self.qschema, log, &[column])
    }
}
