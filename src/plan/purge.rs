//! Retention: Coder's dbpurge deletes, one bounded batch per statement, oldest rows first.
//!
//! Coder (`coderd/database/dbpurge`, queries `DeleteOldAuditLogs`, `DeleteOldAuditLogConnectionEvents`,
//! `DeleteOldConnectionLogs`) picks at most `limit` ids older than the cut-off, oldest first, and deletes
//! them; the audit purge leaves the deprecated connection events (`connect`, `disconnect`, `open`, `close`)
//! to their own purge.

/// What a purge deletes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purge {
    /// Audit rows older than the cut-off, except the deprecated connection events.
    AuditLogs,
    /// Only the deprecated connection events (`connect`, `disconnect`, `open`, `close`) of audit_logs.
    AuditConnectionEvents,
    /// Connection rows by `connect_time`.
    ConnectionLogs,
}

/// The actions Coder no longer writes to audit_logs (connections moved to connection_logs).
const CONNECTION_EVENTS: &str = "('connect', 'disconnect', 'open', 'close')";

impl Purge {
    /// The SQL function that runs this purge (named in errors).
    pub fn function(self) -> &'static std::ffi::CStr {
        match self {
            Purge::AuditLogs => c"purge_audit_logs",
            Purge::AuditConnectionEvents => c"purge_audit_connection_events",
            Purge::ConnectionLogs => c"purge_connection_logs",
        }
    }

    pub fn table(self) -> &'static str {
        match self {
            Purge::AuditLogs | Purge::AuditConnectionEvents => "audit_logs",
            Purge::ConnectionLogs => "connection_logs",
        }
    }

    /// `DELETE` of at most `$2` rows older than `$1` (timestamptz), oldest first, in the Coder schema
    /// `qschema` (quoted). Rows are matched by id and time, so a table partitioned by time prunes.
    pub fn statement(self, qschema: &str) -> String {
        let (time, only) = match self {
            Purge::AuditLogs => ("\"time\"", format!(" AND action NOT IN {CONNECTION_EVENTS}")),
            Purge::AuditConnectionEvents => ("\"time\"", format!(" AND action IN {CONNECTION_EVENTS}")),
            Purge::ConnectionLogs => ("connect_time", String::new()),
        };
        let t = format!("{qschema}.{}", self.table());
        format!(
            "WITH old AS (SELECT id, {time} AS t FROM {t} WHERE {time} < $1{only} ORDER BY {time} ASC LIMIT $2) \
             DELETE FROM {t} x USING old WHERE x.id = old.id AND x.{time} = old.t"
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_purge_is_one_bounded_oldest_first_delete() {
        assert_eq!(
            Purge::AuditLogs.statement("\"coder\""),
            "WITH old AS (SELECT id, \"time\" AS t FROM \"coder\".audit_logs WHERE \"time\" < $1 \
             AND action NOT IN ('connect', 'disconnect', 'open', 'close') ORDER BY \"time\" ASC LIMIT $2) \
             DELETE FROM \"coder\".audit_logs x USING old WHERE x.id = old.id AND x.\"time\" = old.t"
        );
        assert!(Purge::AuditConnectionEvents
            .statement("public")
            .contains("AND action IN ('connect', 'disconnect', 'open', 'close') ORDER BY"));
        assert_eq!(
            Purge::ConnectionLogs.statement("public"),
            "WITH old AS (SELECT id, connect_time AS t FROM public.connection_logs WHERE connect_time < $1 \
             ORDER BY connect_time ASC LIMIT $2) \
             DELETE FROM public.connection_logs x USING old WHERE x.id = old.id AND x.connect_time = old.t"
        );
    }
}
