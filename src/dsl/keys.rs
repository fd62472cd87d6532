//! The one table of filter keys. It drives parsing (value kind), validation (order and texts), the SQL
//! predicate each key becomes, `audit_ext.filter_keys()` and the HINT of a failed filter, for audit and
//! connection logs alike. Row order is the order in which Coder's parser visits the keys, which is the order
//! in which their validations are reported.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Log {
    Audit,
    Connection,
}

impl Log {
    pub fn name(self) -> &'static str {
        match self {
            Log::Audit => "audit",
            Log::Connection => "connection",
        }
    }

    /// Coder's RBAC object for reading these logs.
    pub fn rbac_object(self) -> &'static str {
        match self {
            Log::Audit => "audit_log",
            Log::Connection => "connection_log",
        }
    }

    pub fn from_rbac_object(object: &str) -> Option<Log> {
        [Log::Audit, Log::Connection].into_iter().find(|l| l.rbac_object() == object)
    }

    /// The key bare words are filed under: Coder's `resource_type` for audit logs; for connection logs
    /// `search`, which no key consumes, so bare words are an error there.
    pub fn default_key(self) -> &'static str {
        match self {
            Log::Audit => "resource_type",
            Log::Connection => "search",
        }
    }

    /// Coder's keys for this log, in Coder's order.
    pub fn keys(self) -> impl Iterator<Item = &'static Key> {
        self.keys_in(Dialect::Coder)
    }

    /// The keys `dialect` accepts for this log: Coder's, then (extended) audit_ext's own.
    pub fn keys_in(self, dialect: Dialect) -> impl Iterator<Item = &'static Key> {
        KEYS.iter().filter(move |k| k.log == self && (dialect == Dialect::Extended || !k.extended_only))
    }

    pub fn key(self, name: &str) -> Option<&'static Key> {
        self.keys().find(|k| k.name == name)
    }

    pub fn key_in(self, dialect: Dialect, name: &str) -> Option<&'static Key> {
        self.keys_in(dialect).find(|k| k.name == name)
    }

    /// `Valid keys: a, b, …` (the HINT of a failed filter).
    pub fn hint(self) -> String {
        self.hint_in(Dialect::Coder)
    }

    /// The HINT of a failed filter in `dialect`.
    pub fn hint_in(self, dialect: Dialect) -> String {
        let names: Vec<&str> = self.keys_in(dialect).map(|k| k.name).collect();
        match dialect {
            Dialect::Coder => format!("Valid keys: {}.", names.join(", ")),
            Dialect::Extended => {
                format!("Valid keys: {}; several values as key:a,b, negation as -key:a.", names.join(", "))
            }
        }
    }
}

/// Which filter language a call speaks. `Coder` (the default) is Coder's, byte for byte: the same keys,
/// answers and validations. `Extended` is opt-in per call and only adds forms Coder rejects: several values
/// of a key (`action:create,delete`: any of them), negation (`-action:login`: rows the positive form does not
/// match), and the keys `ip:` (an address or CIDR block, by containment) and `status_code:` (a number or a
/// comparison such as `>=400`). Every filter Coder accepts means the same in both.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    Coder,
    Extended,
}

impl Dialect {
    pub const ALL: [Dialect; 2] = [Dialect::Coder, Dialect::Extended];

    pub fn name(self) -> &'static str {
        match self {
            Dialect::Coder => "coder",
            Dialect::Extended => "extended",
        }
    }

    pub fn from_name(name: &str) -> Option<Dialect> {
        Self::ALL.into_iter().find(|d| d.name() == name)
    }
}

/// Which end of a time range a date or time key sets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bound {
    From,
    To,
}

/// How a key's value is read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A uuid; the nil uuid means "no filter", as in Coder.
    Uuid,
    /// Text compared exactly as typed.
    Text,
    /// An email address, compared case-insensitively (Coder compares its lower-cased query exactly).
    Email { include_deleted: bool },
    /// A username (case-insensitive, non-deleted users only) or `me`.
    User,
    /// A date `2006-01-02` in UTC; `Bound::To` covers the whole day.
    Date(Bound),
    /// An RFC 3339 time with optional fraction and offset.
    Time(Bound),
    /// An organization id, or the name of a non-deleted organization.
    Organization,
    /// A label of a Coder enum type, checked against the live database.
    Enum(&'static str),
    /// One of a fixed list of values.
    OneOf(&'static [&'static str]),
    /// The kind of connection: a label of `connection_type` where connection logs record types (Coder G1,
    /// G2), else one of the compatibility categories (`apps::CATEGORIES`, Coder G3).
    ConnectionType,
    /// An IP address or a CIDR block (extended dialect).
    Network,
    /// A whole number, or a comparison with one: `=`, `<`, `<=`, `>`, `>=` (extended dialect).
    Number,
}

impl Kind {
    pub fn describe(self) -> String {
        match self {
            Kind::Uuid => "uuid".into(),
            Kind::Text => "text (exact)".into(),
            Kind::Email { .. } => "email (case-insensitive)".into(),
            Kind::User => "username or me".into(),
            Kind::Date(_) => "date 2006-01-02 (UTC)".into(),
            Kind::Time(_) => "RFC 3339 time (quote it)".into(),
            Kind::Organization => "organization name or uuid".into(),
            Kind::Enum(t) => format!("enum {t}"),
            Kind::OneOf(v) => v.join(" | "),
            Kind::ConnectionType => format!(
                "enum connection_type; where connection logs record methods (Coder G3): {}",
                super::apps::CATEGORIES.join(" | ")
            ),
            Kind::Network => "IP address or CIDR block (contained in)".into(),
            Kind::Number => "number, or =, <, <=, >, >= a number".into(),
        }
    }

    /// Whether the extended dialect takes several values of this kind (`key:a,b`) and its negation
    /// (`-key:a`): every kind but a date or time, which bounds a range.
    pub fn lists_and_negates(self) -> bool {
        !matches!(self, Kind::Date(_) | Kind::Time(_))
    }

    /// The value column of `filter_keys()` for `dialect`.
    pub fn describe_in(self, dialect: Dialect) -> String {
        match dialect {
            Dialect::Coder => self.describe(),
            Dialect::Extended if self.lists_and_negates() => {
                format!("{}; several: key:a,b (any); negated: -key:a", self.describe())
            }
            Dialect::Extended => format!("{}; one value, not negated", self.describe()),
        }
    }
}

/// The predicate a key becomes. Columns are the log table's own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pred {
    /// `column = value`
    Eq(&'static str),
    /// `column >= value`
    Since(&'static str),
    /// `column <= value`, or for a date `column < the next day`
    Until(&'static str),
    /// `column` is the id (or one of the ids) of the user the value names
    UserId(&'static str),
    /// Coder's build reason: of the build for `workspace_build` rows, of build 1 for workspace `create` rows
    BuildReason,
    /// `ongoing` / `completed` by `disconnect_time`, web connections excluded
    ConnectionStatus,
    /// The kind of connection: its type, or (Coder G3) its method and app
    ConnectionType,
    /// `column <<= network` (extended dialect)
    Within(&'static str),
    /// `column <op> number` (extended dialect)
    Compare(&'static str),
}

#[derive(Debug, PartialEq, Eq)]
pub struct Key {
    pub log: Log,
    pub name: &'static str,
    /// The field name in the normalized filter (Coder's filter struct's JSON name).
    pub field: &'static str,
    pub kind: Kind,
    pub pred: Pred,
    pub doc: &'static str,
    /// Only the extended dialect has this key (`Dialect`).
    pub extended_only: bool,
}

impl Key {
    /// The column this key's value pins to one value (or a few: a user's ids), when that picks out few rows: a
    /// user, a resource, a request, a workspace, a connection. `None` for keys whose values match many rows
    /// (an action, a type, a date, an organization).
    pub fn pinned_column(&self) -> Option<&'static str> {
        match (self.pred, self.kind) {
            (Pred::UserId(c), _) | (Pred::Eq(c), Kind::Uuid | Kind::Text) => Some(c),
            _ => None,
        }
    }
}

const fn key(log: Log, name: &'static str, field: &'static str, kind: Kind, pred: Pred, doc: &'static str) -> Key {
    Key { log, name, field, kind, pred, doc, extended_only: false }
}

/// A key of the extended dialect only.
const fn extended(log: Log, name: &'static str, kind: Kind, pred: Pred, doc: &'static str) -> Key {
    Key { log, name, field: name, kind, pred, doc, extended_only: true }
}

use Bound::*;
use Kind::*;
use Log::*;
use Pred::*;

pub static KEYS: &[Key] = &[
    key(Audit, "request_id", "request_id", Uuid, Eq("request_id"), "events of one API request"),
    key(Audit, "resource_id", "resource_id", Uuid, Eq("resource_id"), "events about one resource"),
    key(
        Audit,
        "resource_target",
        "resource_target",
        Text,
        Eq("resource_target"),
        "the resource's name as recorded, exact",
    ),
    key(Audit, "username", "username", User, UserId("user_id"), "events by this (non-deleted) user; me = the actor"),
    key(
        Audit,
        "email",
        "email",
        Email { include_deleted: true },
        UserId("user_id"),
        "events by the user(s) with this email",
    ),
    key(Audit, "date_from", "date_from", Date(From), Since("time"), "events from the start of this day (UTC)"),
    key(Audit, "date_to", "date_to", Date(To), Until("time"), "events up to the end of this day (UTC)"),
    key(Audit, "organization", "organization_id", Organization, Eq("organization_id"), "events in this organization"),
    key(
        Audit,
        "resource_type",
        "resource_type",
        Enum("resource_type"),
        Eq("resource_type"),
        "kind of resource; bare words mean this key",
    ),
    key(Audit, "action", "action", Enum("audit_action"), Eq("action"), "what was done"),
    key(Audit, "build_reason", "build_reason", Enum("build_reason"), BuildReason, "why a workspace build ran"),
    key(
        Connection,
        "organization",
        "organization_id",
        Organization,
        Eq("organization_id"),
        "connections in this organization",
    ),
    key(
        Connection,
        "workspace_owner",
        "workspace_owner",
        User,
        UserId("workspace_owner_id"),
        "workspaces of this (non-deleted) user; me = the actor",
    ),
    key(
        Connection,
        "workspace_owner_email",
        "workspace_owner_email",
        Email { include_deleted: false },
        UserId("workspace_owner_id"),
        "workspaces of the non-deleted user with this email",
    ),
    key(
        Connection,
        "type",
        "type",
        Kind::ConnectionType,
        Pred::ConnectionType,
        "kind of connection (vscode and jetbrains: ssh by an app of that family)",
    ),
    key(
        Connection,
        "username",
        "username",
        User,
        UserId("user_id"),
        "web connections by this (non-deleted) user; me = the actor",
    ),
    key(
        Connection,
        "user_email",
        "user_email",
        Email { include_deleted: true },
        UserId("user_id"),
        "web connections by the user(s) with this email",
    ),
    key(
        Connection,
        "connected_after",
        "connected_after",
        Time(From),
        Since("connect_time"),
        "connected at or after this time",
    ),
    key(
        Connection,
        "connected_before",
        "connected_before",
        Time(To),
        Until("connect_time"),
        "connected at or before this time",
    ),
    key(Connection, "workspace_id", "workspace_id", Uuid, Eq("workspace_id"), "connections to this workspace"),
    key(Connection, "connection_id", "connection_id", Uuid, Eq("connection_id"), "one agent connection id"),
    key(
        Connection,
        "status",
        "status",
        OneOf(&["ongoing", "completed"]),
        ConnectionStatus,
        "ongoing or completed (non-web connections only)",
    ),
    extended(Audit, "ip", Network, Within("ip"), "events from this address or network"),
    extended(Audit, "status_code", Number, Compare("status_code"), "the HTTP status of the request"),
    extended(Connection, "ip", Network, Within("ip"), "connections from this address or network"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_consistent() {
        for log in [Audit, Connection] {
            let names: Vec<&str> = log.keys().map(|k| k.name).collect();
            let mut dedup = names.clone();
            dedup.sort();
            dedup.dedup();
            assert_eq!(names.len(), dedup.len(), "duplicate key in {log:?}");
        }
        assert_eq!(Audit.keys().count(), 11);
        assert_eq!(Connection.keys().count(), 11);
        assert_eq!(Audit.keys_in(Dialect::Extended).count(), 13);
        assert_eq!(Connection.keys_in(Dialect::Extended).count(), 12);
        // Extended keys come after Coder's, so Coder's validation order is the same in both dialects.
        for log in [Audit, Connection] {
            let all: Vec<&Key> = log.keys_in(Dialect::Extended).collect();
            let coder: Vec<&Key> = log.keys().collect();
            assert_eq!(&all[..coder.len()], &coder[..]);
        }
        assert!(Audit.key(Audit.default_key()).is_some());
        assert!(Connection.key(Connection.default_key()).is_none());
        assert!(Audit.hint().starts_with("Valid keys: request_id, resource_id, resource_target, username,"));
    }
}
