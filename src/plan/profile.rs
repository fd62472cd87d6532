//! The schema profile: which of Coder's tables, columns and enum types the database has, as the catalog showed
//! them at the start of a call (`oracle::catalog::LiveCatalog::profile`). Every statement audit_ext builds is
//! written from a profile, so no statement names a table or column the catalog has not shown to exist, and a
//! backend that answered before one of Coder's migrations answers from the new schema after it.
//!
//! Coder's generations (see the README's "Coder versions"):
//! - G1 (mid-2026): `tasks` and `workspace_builds.has_ai_task` exist; connection logs have `type`
//!   (enum `connection_type`) and `slug_or_port`.
//! - G2 (late 2026): `tasks` and `has_ai_task` are gone; connection logs as in G1.
//! - G3: connection logs have `connection_method` (enum `connection_log_method`) and `app_name_or_port`.
//!
//! Features follow the columns, not the generation's name: a database showing a mix (say `tasks` without its
//! `owner_id`) is served from what exists.

/// A Coder table audit_ext may read. The first five are the required core.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Table {
    AuditLogs,
    ConnectionLogs,
    Users,
    Organizations,
    OrganizationMembers,
    CustomRoles,
    Groups,
    Templates,
    Workspaces,
    WorkspaceBuilds,
    WorkspaceResources,
    WorkspaceAgents,
    WorkspaceApps,
    OAuth2ProviderApps,
    OAuth2ProviderAppSecrets,
    Tasks,
    Chats,
    UserSecrets,
    AiSeatState,
    AibridgeInterceptions,
}

impl Table {
    pub const ALL: [Table; 20] = [
        Table::AuditLogs,
        Table::ConnectionLogs,
        Table::Users,
        Table::Organizations,
        Table::OrganizationMembers,
        Table::CustomRoles,
        Table::Groups,
        Table::Templates,
        Table::Workspaces,
        Table::WorkspaceBuilds,
        Table::WorkspaceResources,
        Table::WorkspaceAgents,
        Table::WorkspaceApps,
        Table::OAuth2ProviderApps,
        Table::OAuth2ProviderAppSecrets,
        Table::Tasks,
        Table::Chats,
        Table::UserSecrets,
        Table::AiSeatState,
        Table::AibridgeInterceptions,
    ];

    /// The tables without which no log query can be answered.
    pub const CORE: [Table; 5] =
        [Table::AuditLogs, Table::ConnectionLogs, Table::Users, Table::Organizations, Table::OrganizationMembers];

    pub fn name(self) -> &'static str {
        match self {
            Table::AuditLogs => "audit_logs",
            Table::ConnectionLogs => "connection_logs",
            Table::Users => "users",
            Table::Organizations => "organizations",
            Table::OrganizationMembers => "organization_members",
            Table::CustomRoles => "custom_roles",
            Table::Groups => "groups",
            Table::Templates => "templates",
            Table::Workspaces => "workspaces",
            Table::WorkspaceBuilds => "workspace_builds",
            Table::WorkspaceResources => "workspace_resources",
            Table::WorkspaceAgents => "workspace_agents",
            Table::WorkspaceApps => "workspace_apps",
            Table::OAuth2ProviderApps => "oauth2_provider_apps",
            Table::OAuth2ProviderAppSecrets => "oauth2_provider_app_secrets",
            Table::Tasks => "tasks",
            Table::Chats => "chats",
            Table::UserSecrets => "user_secrets",
            Table::AiSeatState => "ai_seat_state",
            Table::AibridgeInterceptions => "aibridge_interceptions",
        }
    }

    /// The columns of this table that audit_ext's statements name. A core table missing one of them is an
    /// error; an optional table missing one is treated as absent (its feature drops out).
    pub fn columns(self) -> &'static [&'static str] {
        match self {
            // Every audit_logs column a statement names is a column of the page's row.
            Table::AuditLogs => super::query::AUDIT_ROW.names,
            // The method and app columns are read through `Connections`; these are the ones every
            // generation has.
            Table::ConnectionLogs => &[
                "id",
                "connect_time",
                "organization_id",
                "workspace_owner_id",
                "workspace_id",
                "workspace_name",
                "agent_name",
                "ip",
                "code",
                "user_agent",
                "user_id",
                "connection_id",
                "disconnect_time",
                "disconnect_reason",
            ],
            Table::Users => &[
                "id",
                "email",
                "username",
                "created_at",
                "updated_at",
                "status",
                "rbac_roles",
                "login_type",
                "avatar_url",
                "deleted",
                "last_seen_at",
                "quiet_hours_schedule",
                "name",
            ],
            Table::Organizations => &["id", "name", "display_name", "icon", "deleted"],
            Table::OrganizationMembers => &["user_id", "organization_id", "roles"],
            Table::CustomRoles => &["name", "organization_id", "site_permissions", "org_permissions"],
            Table::Groups => &["id", "name", "organization_id"],
            Table::Templates => &["id", "deleted"],
            Table::Workspaces => &["id", "owner_id", "deleted", "name"],
            Table::WorkspaceBuilds => &["id", "workspace_id", "build_number", "reason", "job_id"],
            Table::WorkspaceResources => &["id", "job_id"],
            Table::WorkspaceAgents => &["id", "resource_id"],
            Table::WorkspaceApps => &["id", "agent_id"],
            Table::OAuth2ProviderApps => &["id"],
            Table::OAuth2ProviderAppSecrets => &["id", "app_id"],
            Table::Tasks => &["id", "owner_id", "deleted_at"],
            Table::Chats => &["id"],
            Table::UserSecrets => &["id"],
            Table::AiSeatState => &["user_id", "last_event_type"],
            Table::AibridgeInterceptions => &["initiator_id"],
        }
    }

    fn bit(self) -> u32 {
        1 << (self as u32)
    }
}

/// How connection logs name the way a connection was made, and the app or port.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Connections {
    /// G1, G2: `type connection_type` (ssh, vscode, jetbrains, reconnecting_pty, workspace_app,
    /// port_forwarding, tunnel) and `slug_or_port`.
    Types,
    /// G3: `connection_method connection_log_method` (ssh, reconnecting_pty, workspace_app, port_forwarding,
    /// tunnel) and `app_name_or_port`; `vscode` and `jetbrains` became `ssh` rows with that app.
    Methods,
}

impl Connections {
    /// The column that holds the kind of connection.
    pub fn method_column(self) -> &'static str {
        match self {
            Connections::Types => "type",
            Connections::Methods => "connection_method",
        }
    }

    /// That column's enum type.
    pub fn method_type(self) -> &'static str {
        match self {
            Connections::Types => "connection_type",
            Connections::Methods => "connection_log_method",
        }
    }

    /// The column that holds the app (or, for web connections, the slug or port).
    pub fn app_column(self) -> &'static str {
        match self {
            Connections::Types => "slug_or_port",
            Connections::Methods => "app_name_or_port",
        }
    }
}

/// What the catalog showed of the Coder schema.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Profile {
    /// The Coder schema, quoted as an identifier for SQL text.
    pub qschema: String,
    /// Bit `Table as u32` is set when the table exists with every column of `Table::columns`.
    tables: u32,
    /// Core tables present but missing a column: (table, column), for the error.
    pub missing_core_columns: Vec<(Table, &'static str)>,
    /// `None` when connection_logs has neither form (or is missing).
    pub connections: Option<Connections>,
    /// `connection_logs.client_session_id`, seen in some of Coder's branches.
    pub client_session_id: bool,
    /// `workspace_builds.has_ai_task` (G1).
    pub has_ai_task: bool,
    /// `users.is_system` (Coder's AI-seat rule excludes system users).
    pub users_is_system: bool,
}

impl Profile {
    /// A profile from the facts the catalog gives: `table_columns(table, column)` says whether a column
    /// exists (`column` "" asks for the table itself).
    pub fn read(qschema: String, exists: &dyn Fn(&str, &str) -> bool) -> Profile {
        let mut tables = 0;
        let mut missing_core_columns = Vec::new();
        for t in Table::ALL {
            if !exists(t.name(), "") {
                continue;
            }
            let missing: Vec<&'static str> = t.columns().iter().copied().filter(|c| !exists(t.name(), c)).collect();
            if missing.is_empty() {
                tables |= t.bit();
            } else if Table::CORE.contains(&t) {
                missing_core_columns.extend(missing.into_iter().map(|c| (t, c)));
            }
        }
        let conn = |c: &str| exists("connection_logs", c);
        let connections = if conn("type") && conn("slug_or_port") {
            Some(Connections::Types)
        } else if conn("connection_method") && conn("app_name_or_port") {
            Some(Connections::Methods)
        } else {
            None
        };
        Profile {
            qschema,
            tables,
            missing_core_columns,
            connections,
            client_session_id: conn("client_session_id"),
            has_ai_task: tables & Table::WorkspaceBuilds.bit() != 0 && exists("workspace_builds", "has_ai_task"),
            users_is_system: exists("users", "is_system"),
        }
    }

    /// Whether `t` exists with every column audit_ext names.
    pub fn has(&self, t: Table) -> bool {
        self.tables & t.bit() != 0
    }

    /// `has` by name, for code that lists tables by name.
    pub fn has_named(&self, name: &str) -> bool {
        Table::ALL.iter().any(|t| t.name() == name && self.has(*t))
    }

    /// The connection-log columns of this schema. Only after `missing_core` found nothing.
    pub fn conn(&self) -> Connections {
        self.connections.unwrap_or(Connections::Types)
    }

    /// The first thing missing for a log query: a core table, a core table's column, or connection_logs'
    /// method columns. `None` when everything is there.
    pub fn missing_core(&self) -> Option<Missing> {
        if let Some(t) =
            Table::CORE.iter().find(|t| !self.has(**t) && !self.missing_core_columns.iter().any(|(m, _)| m == *t))
        {
            return Some(Missing::Table(t.name()));
        }
        if let Some((t, c)) = self.missing_core_columns.first() {
            return Some(Missing::Column(t.name(), c));
        }
        if self.connections.is_none() {
            return Some(Missing::Column("connection_logs", "type (or connection_method)"));
        }
        None
    }

    /// Coder's generation, as far as it shows (for `coder_schema_profile()` and errors).
    pub fn generation(&self) -> &'static str {
        match (self.connections, self.has(Table::Tasks) || self.has_ai_task) {
            (Some(Connections::Methods), _) => "G3",
            (_, true) => "G1",
            _ => "G2",
        }
    }

    /// A profile with everything of a generation, for unit tests and the fuzz target.
    pub fn generation_for_tests(qschema: &str, generation: u8) -> Profile {
        let exists = |t: &str, c: &str| match generation {
            1 => !matches!(c, "app_name_or_port" | "connection_method" | "client_session_id"),
            2 => {
                t != "tasks"
                    && !matches!(c, "has_ai_task" | "app_name_or_port" | "connection_method" | "client_session_id")
            }
            _ => t != "tasks" && !matches!(c, "has_ai_task" | "type" | "slug_or_port" | "client_session_id"),
        };
        Profile::read(qschema.to_string(), &exists)
    }
}

/// What a log query cannot do without.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Missing {
    Table(&'static str),
    Column(&'static str, &'static str),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generations_are_recognised_from_the_columns() {
        let g1 = Profile::generation_for_tests("public", 1);
        assert_eq!(
            (g1.generation(), g1.conn(), g1.has_ai_task, g1.has(Table::Tasks)),
            ("G1", Connections::Types, true, true)
        );
        assert_eq!(g1.missing_core(), None);
        let g2 = Profile::generation_for_tests("public", 2);
        assert_eq!(
            (g2.generation(), g2.conn(), g2.has_ai_task, g2.has(Table::Tasks)),
            ("G2", Connections::Types, false, false)
        );
        let g3 = Profile::generation_for_tests("public", 3);
        assert_eq!((g3.generation(), g3.conn()), ("G3", Connections::Methods));
        assert_eq!(g3.conn().method_column(), "connection_method");
        assert!(g3.has_named("workspace_builds") && !g3.has_named("tasks") && !g3.has_named("nope"));
    }

    #[test]
    fn a_table_without_one_of_its_columns_is_absent_and_a_core_one_is_an_error() {
        let p = Profile::read("public".into(), &|t, c| !(t == "tasks" && c == "owner_id") && c != "client_session_id");
        assert!(!p.has(Table::Tasks) && p.has(Table::Chats));
        assert_eq!(p.missing_core(), None);
        let p = Profile::read("public".into(), &|t, c| !(t == "audit_logs" && c == "resource_icon"));
        assert_eq!(p.missing_core(), Some(Missing::Column("audit_logs", "resource_icon")));
        let p = Profile::read("public".into(), &|t, _| t != "organization_members");
        assert_eq!(p.missing_core(), Some(Missing::Table("organization_members")));
        let p = Profile::read("public".into(), &|t, c| {
            !(t == "connection_logs" && (c == "type" || c == "connection_method"))
        });
        assert_eq!(p.missing_core(), Some(Missing::Column("connection_logs", "type (or connection_method)")));
        let nothing = Profile::read("public".into(), &|_, _| false);
        assert_eq!(nothing.missing_core(), Some(Missing::Table("audit_logs")));
    }
}
