//! Stage 4: rows → Coder's JSON. Pure Rust over plain values (no PostgreSQL), so every rule of Coder's Go
//! handlers (`convertAuditLog`, `convertConnectionLog`, `db2sdk.User`, `auditLogDescription`) is a unit-tested
//! function here. The look-ups Coder makes per row (`is_deleted`, `resource_link`) are done by the page
//! statement itself (see `plan::lookups`) and arrive as columns.

// Stored rows reach this code: nothing in it may panic on any value (see tests/README.md, "Guarantees"). Where an
// index, slice or unwrap is provably in range, the line says why in a comment and allows it.
#![cfg_attr(
    not(test),
    deny(
        clippy::indexing_slicing,
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::string_slice,
        clippy::panic,
        clippy::unreachable
    )
)]

use crate::dsl::apps;
use crate::dsl::gotime::Instant;
use crate::plan::profile::Connections;
use serde_json::{json, Map, Value};
use std::cell::RefCell;
use std::collections::HashMap;
use uuid::Uuid;

/// Go's RFC 3339 (nano) form of a PostgreSQL timestamp (microseconds since 2000-01-01), in UTC.
pub fn go_time(pg_micros: i64) -> String {
    Instant::from_pg_micros(pg_micros).to_rfc3339()
}

/// A stored value Coder's JSON cannot carry. A page renders whole or not at all: the call fails naming it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unrenderable {
    /// Which value: `the time of audit log <id>`.
    pub what: String,
    /// The value, as PostgreSQL would print its kind (`infinity`, a year).
    pub value: String,
}

/// `go_time`, for a JSON field: Go's `time.Time.MarshalJSON` carries only the years 0 to 9999, so PostgreSQL's
/// `±infinity` and the years beyond make the value `Unrenderable` (Coder's handler fails on them too).
fn json_time(pg_micros: i64, what: impl FnOnce() -> String) -> Result<String, Unrenderable> {
    let t = Instant::from_pg_micros(pg_micros);
    match (pg_micros, t.year()) {
        (_, 0..=9999) => Ok(t.to_rfc3339()),
        (i64::MAX, _) => Err(Unrenderable { what: what(), value: "infinity".into() }),
        (i64::MIN, _) => Err(Unrenderable { what: what(), value: "-infinity".into() }),
        (_, year) => Err(Unrenderable { what: what(), value: format!("year {year}") }),
    }
}

/// An `inet` (as PostgreSQL's `host()` prints it) as Go's `netip.Addr` prints it after Coder's driver decoded
/// it: IPv4-mapped IPv6 unmapped, IPv6 in RFC 5952 form.
pub fn go_ip(host: &str) -> String {
    match host.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V6(v6)) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => v6.to_string(),
        },
        Ok(v4) => v4.to_string(),
        Err(_) => host.to_string(),
    }
}

/// Go's `encoding/json` refuses JSON whose objects and arrays nest deeper than this (its scanner's
/// `maxNestingDepth`), so Coder's decode of such a stored `diff` or `additional_fields` fails.
pub const GO_MAX_DEPTH: usize = 10_000;

/// What `AuditRow::diff` and `additional_fields` hold for a stored document nested deeper than `GO_MAX_DEPTH`
/// (which is not read further): like any JSON that is not an object, it fails Coder's decode, so `diff`
/// shapes to `{}` and `additional_fields` to Coder's "unknown" object.
pub fn beyond_go() -> Value {
    Value::String(format!("a document nested deeper than {GO_MAX_DEPTH} levels"))
}

/// The audit `diff` after Go's decode into `map[string]AuditDiffField` and re-encode (`diff_field`); JSON null
/// stays null; anything but an object becomes `{}`.
pub fn diff(d: Value) -> Value {
    match d {
        Value::Null => Value::Null,
        Value::Object(fields) => Value::Object(fields.into_iter().map(|(k, v)| (k, diff_field(v))).collect()),
        _ => json!({}),
    }
}

/// One field of the diff as Go's decode into `AuditDiffField` leaves it. Keys match its `old`, `new` and
/// `secret` as Go matches them (`go_folded`), in jsonb's key order, so a later match wins. A null `old` or
/// `new` unsets it (then omitted); a `secret` that is not a boolean leaves it as it was (false at first); a
/// field that is not an object is `{"secret": false}`. Values move, never clone: one may nest up to
/// `GO_MAX_DEPTH` levels.
fn diff_field(v: Value) -> Value {
    let (mut old, mut new, mut secret) = (None, None, false);
    if let Value::Object(m) = v {
        let mut entries: Vec<(String, Value)> = m.into_iter().collect();
        entries.sort_by(|x, y| jsonb_key_order(&x.0, &y.0));
        for (k, x) in entries {
            match go_folded(&k).as_ref() {
                "old" => old = Some(x).filter(|x| !x.is_null()),
                "new" => new = Some(x).filter(|x| !x.is_null()),
                "secret" => secret = x.as_bool().unwrap_or(secret),
                _ => {}
            }
        }
    }
    let mut f = Map::new();
    if let Some(x) = old {
        f.insert("old".into(), x);
    }
    if let Some(x) = new {
        f.insert("new".into(), x);
    }
    f.insert("secret".into(), Value::Bool(secret));
    Value::Object(f)
}

/// jsonb's order of object keys (shorter first, then bytewise): the order Go's decoder reads a stored object in.
fn jsonb_key_order(a: &str, b: &str) -> std::cmp::Ordering {
    a.len().cmp(&b.len()).then_with(|| a.as_bytes().cmp(b.as_bytes()))
}

/// An object key as Go's `encoding/json` compares it with a struct field's lower-case ASCII name: Go folds both
/// (`foldName`: ASCII letters upper-cased, any other rune to `ToUpper(ToLower(r))`), and the only other runes
/// that fold into ASCII are ſ (U+017F) → S, ı (U+0131) and İ (U+0130) → I, and the Kelvin sign (U+212A) → K.
/// Here, lower case: a key matches a field when this equals the field's name.
fn go_folded(key: &str) -> std::borrow::Cow<'_, str> {
    // Most keys are already folded (lower-case ASCII): no copy.
    if !key.bytes().any(|b| b.is_ascii_uppercase() || !b.is_ascii()) {
        return std::borrow::Cow::Borrowed(key);
    }
    key.chars()
        .map(|c| match c {
            '\u{17f}' => 's',
            '\u{131}' | '\u{130}' => 'i',
            '\u{212a}' => 'k',
            c => c.to_ascii_lowercase(),
        })
        .collect::<String>()
        .into()
}

/// Whether Go's `uuid.Parse` accepts `s`: 32 hex digits, the 36-character form, `{…}`, or `urn:uuid:…`. The
/// `uuid` crate parses the same four forms, except that Go compares the `urn:uuid:` prefix case-insensitively.
/// Bytes, not `str` slices: a stored string may hold multi-byte characters anywhere.
fn go_uuid_parses(s: &str) -> bool {
    let b = s.as_bytes();
    match b.split_at_checked(9) {
        Some((prefix, rest)) if b.len() == 45 && prefix.eq_ignore_ascii_case(b"urn:uuid:") => {
            Uuid::try_parse_ascii(rest).is_ok()
        }
        _ => Uuid::try_parse_ascii(b).is_ok(),
    }
}

/// `additional_fields` as Coder returns it: unchanged, unless Go's decode into `audit.AdditionalFields`
/// fails (not an object or null; a known key holding a non-string; an unparsable `workspace_id`; keys match
/// as Go matches them, `go_folded`), in which case Coder's "unknown" object.
pub fn additional_fields(a: Value) -> Value {
    let fails = match &a {
        Value::Null => false,
        Value::Object(m) => m.iter().any(|(k, v)| {
            let k = go_folded(k);
            match (k.as_ref(), v) {
                (_, Value::Null) => false,
                ("workspace_name" | "build_number" | "build_reason" | "workspace_owner", v) => !v.is_string(),
                ("workspace_id", v) => !v.as_str().is_some_and(go_uuid_parses),
                _ => false,
            }
        }),
        _ => true,
    };
    if fails {
        json!({"workspace_name": "unknown", "build_number": "unknown", "build_reason": "unknown",
               "workspace_owner": "unknown", "workspace_id": "00000000-0000-0000-0000-000000000000"})
    } else {
        a
    }
}

/// The `additional_fields` values Coder's links read (`keys`, lower case), as Go's `json.Unmarshal` into
/// `audit.AdditionalFields` leaves them on Coder's side: keys match as Go matches them (`go_folded`) and are
/// decoded in jsonb's key order (shorter first, then bytewise), so a later match wins; a null or non-string value
/// leaves the field as it was; a `workspace_id` string that is not a uuid stops the decode there. Missing → "".
pub fn link_fields<const N: usize>(a: &Value, keys: [&str; N]) -> [String; N] {
    let mut out: [String; N] = std::array::from_fn(|_| String::new());
    let Value::Object(m) = a else { return out };
    let mut entries: Vec<(&String, &Value)> = m.iter().collect();
    entries.sort_by(|x, y| jsonb_key_order(x.0, y.0));
    for (k, v) in entries {
        let k = go_folded(k);
        if k == "workspace_id" && v.as_str().is_some_and(|s| !go_uuid_parses(s)) {
            break;
        }
        if let (Some(slot), Some(s)) = (keys.iter().position(|&key| key == k).and_then(|i| out.get_mut(i)), v.as_str())
        {
            *slot = s.to_string();
        }
    }
    out
}

/// Coder's `AuditAction.Friendly()`.
fn friendly_action(action: &str) -> &'static str {
    match action {
        "create" => "created",
        "write" => "updated",
        "delete" => "deleted",
        "start" => "started",
        "stop" => "stopped",
        "login" => "logged in",
        "logout" => "logged out",
        "register" => "registered",
        "request_password_reset" => "password reset requested",
        "connect" => "connected",
        "disconnect" => "disconnected",
        "open" => "opened",
        "close" => "closed",
        _ => "unknown",
    }
}

/// Coder's `ResourceType.FriendlyString()`.
fn friendly_resource(rt: &str) -> String {
    match rt {
        "template"
        | "user"
        | "workspace"
        | "group"
        | "license"
        | "organization"
        | "task"
        | "chat"
        | "health_settings"
        | "notifications_settings"
        | "prebuilds_settings" => rt.to_string(),
        "template_version"
        | "git_ssh_key"
        | "workspace_proxy"
        | "oauth2_provider_settings"
        | "custom_role"
        | "organization_member"
        | "notification_template"
        | "workspace_agent"
        | "workspace_app"
        | "ai_seat"
        | "ai_provider"
        | "ai_provider_key"
        | "ai_gateway_key"
        | "group_ai_budget"
        | "user_ai_budget_override"
        | "chat_project"
        | "mcp_server_config"
        | "chat_model_config"
        | "user_secret"
        | "user_skill"
        | "chat_instruction_settings"
        | "chat_operational_settings"
        | "experiment_rule" => rt.replace('_', " "),
        "workspace_build" => "workspace".into(),
        "api_key" => "token".into(),
        "convert_login" => "login type conversion".into(),
        "oauth2_provider_app" => "oauth2 app".into(),
        "oauth2_provider_app_secret" => "oauth2 app secret".into(),
        _ if rt.starts_with("idp_sync_settings_") => "settings".into(),
        _ => "unknown".into(),
    }
}

/// Coder's wording for chat archive and sharing changes, when it applies.
fn chat_description(rt: &str, action: &str, status: i32, d: &Value) -> Option<&'static str> {
    if rt != "chat" || action != "write" || status >= 400 || status == 303 {
        return None;
    }
    let fields = d.as_object()?;
    if fields.len() == 1 {
        if let Some(a) = fields.get("archived") {
            return match (a.get("old").and_then(Value::as_bool), a.get("new").and_then(Value::as_bool)) {
                (Some(false), Some(true)) => Some("archived chat {target}"),
                (Some(true), Some(false)) => Some("unarchived chat {target}"),
                _ => None,
            };
        }
    }
    (!fields.is_empty() && fields.keys().all(|k| k == "user_acl" || k == "group_acl"))
        .then_some("updated sharing for chat {target}")
}

/// Coder's `auditLogDescription`, with its `{user}` and `{target}` placeholders.
pub fn description(rt: &str, action: &str, status: i32, d: &Value) -> String {
    let mut s = String::new();
    if action != "request_password_reset" {
        s.push_str("{user} ");
    }
    if let Some(chat) = chat_description(rt, action, status, d) {
        s.push_str(chat);
        return s;
    }
    match status {
        303 => s.push_str(&format!("was redirected attempting to {action}")),
        400.. => s.push_str(&format!("unsuccessfully attempted to {action}")),
        _ => s.push_str(friendly_action(action)),
    }
    if rt == "api_key" && matches!(action, "login" | "logout" | "register") {
        return s;
    }
    if rt == "git_ssh_key" {
        s.push_str(" the ");
        s.push_str(&friendly_resource(rt));
        return s;
    }
    if action == "request_password_reset" {
        s.push_str(" for");
    } else {
        s.push(' ');
        s.push_str(&friendly_resource(rt));
    }
    if rt == "convert_login" {
        s.push_str(" to");
    }
    s.push_str(" {target}");
    s
}

/// A users row as the details statement returns it.
#[derive(Clone, Debug, Default)]
pub struct UserRow {
    pub username: Option<String>,
    pub name: Option<String>,
    pub email: Option<String>,
    pub created_at: Option<i64>,
    pub updated_at: Option<i64>,
    pub last_seen_at: Option<i64>,
    pub status: Option<String>,
    pub login_type: Option<String>,
    pub roles: Vec<String>,
    pub avatar_url: Option<String>,
}

/// Coder's display names of site roles (`rbac.RoleByName` without an organization); others have none.
fn role_display_name(role: &str) -> &'static str {
    match role {
        "owner" => "Owner",
        "member" => "Member",
        "auditor" => "Auditor",
        "template-admin" => "Template Admin",
        "user-admin" => "User Admin",
        _ => "",
    }
}

/// `codersdk.User` as the log endpoints fill it (`db2sdk.User` with no organizations): `name` and `avatar_url`
/// omitted when empty, `is_service_account` and `theme_preference` never set, `organization_ids` `[]`,
/// `has_ai_seat` false; Go's zero values where the row is missing.
pub fn user(id: Uuid, u: &UserRow) -> Result<Value, Unrenderable> {
    const ZERO_TIME: &str = "0001-01-01T00:00:00Z";
    let time = |t: Option<i64>, field: &str| match t {
        Some(t) => json_time(t, || format!("the {field} of user {id}")),
        None => Ok(ZERO_TIME.into()),
    };
    let text = |t: &Option<String>| t.clone().unwrap_or_default();
    let mut m = Map::with_capacity(14);
    m.insert("id".into(), json!(id));
    m.insert("username".into(), json!(text(&u.username)));
    if let Some(n) = u.name.as_deref().filter(|n| !n.is_empty()) {
        m.insert("name".into(), json!(n));
    }
    if let Some(a) = u.avatar_url.as_deref().filter(|a| !a.is_empty()) {
        m.insert("avatar_url".into(), json!(a));
    }
    m.insert("email".into(), json!(text(&u.email)));
    m.insert("created_at".into(), json!(time(u.created_at, "created_at")?));
    m.insert("updated_at".into(), json!(time(u.updated_at, "updated_at")?));
    m.insert("last_seen_at".into(), json!(time(u.last_seen_at, "last_seen_at")?));
    m.insert("status".into(), json!(text(&u.status)));
    m.insert("login_type".into(), json!(text(&u.login_type)));
    m.insert("organization_ids".into(), json!([]));
    let roles: Vec<Value> = u.roles.iter().map(|r| json!({"name": r, "display_name": role_display_name(r)})).collect();
    m.insert("roles".into(), Value::Array(roles));
    m.insert("has_ai_seat".into(), json!(false));
    Ok(Value::Object(m))
}

/// An organizations row: `MinimalOrganization`'s names.
#[derive(Clone, Debug, Default)]
pub struct Organization {
    pub name: Option<String>,
    pub display_name: Option<String>,
    pub icon: Option<String>,
}

/// The users and organizations a page's rows refer to, by id, as the details statements found them (each
/// looked up once however many rows refer to it; `exec::page`). A user's JSON is likewise built once, on
/// first use, and copied into each further row that refers to it (the last takes it).
#[derive(Debug, Default)]
pub struct Joined {
    pub users: HashMap<Uuid, UserRow>,
    pub organizations: HashMap<Uuid, Organization>,
    shaped: RefCell<HashMap<Uuid, Value>>,
    /// How many more rows will ask for each user (`count_uses`): the last one takes the user's JSON instead of a
    /// copy, so a user named once is never copied. A user not counted is copied every time.
    uses: RefCell<HashMap<Uuid, usize>>,
}

impl Joined {
    /// Records that one row will ask for each of `ids` (with repeats).
    pub fn count_uses(&mut self, ids: impl Iterator<Item = Uuid>) {
        let uses = self.uses.get_mut();
        for id in ids {
            *uses.entry(id).or_default() += 1;
        }
    }

    /// `user(id, …)` of the users row `id`; `None` when there is none.
    fn user(&self, id: Uuid) -> Result<Option<Value>, Unrenderable> {
        let Some(u) = self.users.get(&id) else { return Ok(None) };
        let last = match self.uses.borrow_mut().get_mut(&id) {
            Some(n) => {
                *n = n.saturating_sub(1);
                *n == 0
            }
            None => false,
        };
        if last {
            let kept = self.shaped.borrow_mut().remove(&id);
            return match kept {
                Some(v) => Ok(Some(v)),
                None => user(id, u).map(Some),
            };
        }
        if let Some(v) = self.shaped.borrow().get(&id) {
            return Ok(Some(v.clone()));
        }
        let v = user(id, u)?;
        self.shaped.borrow_mut().insert(id, v.clone());
        Ok(Some(v))
    }

    /// `MinimalOrganization` of `id`: empty names when there is no such organization.
    fn organization(&self, id: Uuid) -> Value {
        let o = self.organizations.get(&id);
        let t = |f: fn(&Organization) -> &Option<String>| o.and_then(|o| f(o).clone()).unwrap_or_default();
        json!({"id": id, "name": t(|o| &o.name), "display_name": t(|o| &o.display_name), "icon": t(|o| &o.icon)})
    }
}

/// An audit row with its `is_deleted` and `resource_link` (looked up by the details statement).
#[derive(Clone, Debug, Default)]
pub struct AuditRow {
    pub id: Uuid,
    pub request_id: Uuid,
    pub time: i64,
    /// `host(ip)`.
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub resource_type: String,
    pub resource_id: Uuid,
    pub resource_target: String,
    pub resource_icon: String,
    pub action: String,
    pub diff: Value,
    pub status_code: i32,
    pub additional_fields: Value,
    pub organization_id: Uuid,
    pub user_id: Uuid,
    pub is_deleted: bool,
    pub resource_link: String,
}

/// Coder's `AuditLog`, `description` included; `organization` omitted for the nil organization, `user`
/// null when no users row matched.
pub fn audit_log(r: AuditRow, joined: &Joined) -> Result<Value, Unrenderable> {
    let mut m = Map::with_capacity(20);
    m.insert("id".into(), json!(r.id));
    m.insert("request_id".into(), json!(r.request_id));
    m.insert("time".into(), json!(json_time(r.time, || format!("the time of audit log {}", r.id))?));
    m.insert("ip".into(), json!(r.ip.as_deref().map(go_ip).unwrap_or_default()));
    m.insert("user_agent".into(), json!(r.user_agent.unwrap_or_default()));
    m.insert("description".into(), json!(description(&r.resource_type, &r.action, r.status_code, &r.diff)));
    m.insert("resource_type".into(), json!(r.resource_type));
    m.insert("resource_id".into(), json!(r.resource_id));
    m.insert("resource_target".into(), json!(r.resource_target));
    m.insert("resource_icon".into(), json!(r.resource_icon));
    m.insert("action".into(), json!(r.action));
    m.insert("diff".into(), diff(r.diff));
    m.insert("status_code".into(), json!(r.status_code));
    m.insert("additional_fields".into(), additional_fields(r.additional_fields));
    m.insert("resource_link".into(), json!(if r.is_deleted { String::new() } else { r.resource_link }));
    m.insert("is_deleted".into(), json!(r.is_deleted));
    m.insert("organization_id".into(), json!(r.organization_id));
    if !r.organization_id.is_nil() {
        m.insert("organization".into(), joined.organization(r.organization_id));
    }
    m.insert("user".into(), joined.user(r.user_id)?.unwrap_or(Value::Null));
    Ok(Value::Object(m))
}

/// A connection row.
#[derive(Clone, Debug)]
pub struct ConnectionRow {
    pub id: Uuid,
    pub connect_time: i64,
    pub organization_id: Uuid,
    pub workspace_owner_id: Uuid,
    pub workspace_id: Uuid,
    pub workspace_name: String,
    pub agent_name: String,
    pub ip: Option<String>,
    /// The connection's type (Coder G1, G2) or method (G3) label.
    pub kind: String,
    pub code: Option<i32>,
    pub user_agent: Option<String>,
    pub user_id: Option<Uuid>,
    /// `slug_or_port` (G1, G2) or `app_name_or_port` (G3).
    pub slug_or_port: Option<String>,
    pub connection_id: Option<Uuid>,
    pub disconnect_time: Option<i64>,
    pub disconnect_reason: Option<String>,
    /// Where Coder's schema has `connection_logs.client_session_id` (some branches).
    pub client_session_id: Option<String>,
}

/// Coder's `ConnectionLog`: `ip` omitted when NULL; `web_info` for web connections, `ssh_info` for the
/// others Coder knows; a missing user has Go's zero values. Where connection logs record methods (Coder G3),
/// `connection_method`, the client's `app_name` and `app_display_name` (ssh and reconnecting_pty rows), and
/// `type` as the deprecated compatibility category; a method audit_ext does not know gets neither info.
pub fn connection_log(mut r: ConnectionRow, conn: Connections, joined: &Joined) -> Result<Value, Unrenderable> {
    let mut m = Map::with_capacity(16);
    m.insert("id".into(), json!(r.id));
    let id = r.id;
    m.insert(
        "connect_time".into(),
        json!(json_time(r.connect_time, || format!("the connect_time of connection log {id}"))?),
    );
    m.insert("organization".into(), joined.organization(r.organization_id));
    m.insert("workspace_owner_id".into(), json!(r.workspace_owner_id));
    let owner = joined.users.get(&r.workspace_owner_id).and_then(|u| u.username.clone());
    m.insert("workspace_owner_username".into(), json!(owner.unwrap_or_default()));
    m.insert("workspace_id".into(), json!(r.workspace_id));
    m.insert("workspace_name".into(), json!(r.workspace_name));
    m.insert("agent_name".into(), json!(r.agent_name));
    if let Some(ip) = &r.ip {
        m.insert("ip".into(), json!(go_ip(ip)));
    }
    let methods = conn == Connections::Methods;
    if methods {
        m.insert("connection_method".into(), json!(r.kind));
        let app = r
            .slug_or_port
            .as_deref()
            .filter(|a| !a.is_empty() && matches!(r.kind.as_str(), "ssh" | "reconnecting_pty"));
        if let Some(app) = app {
            m.insert("app_name".into(), json!(app));
            m.insert("app_display_name".into(), json!(apps::display_name(app)));
        }
        m.insert("type".into(), json!(apps::compatibility_type(&r.kind, app)));
    } else {
        m.insert("type".into(), json!(r.kind));
    }
    if let Some(session) = r.client_session_id.take().filter(|s| !s.is_empty()) {
        m.insert("client_session_id".into(), json!(session));
    }
    let kind = std::mem::take(&mut r.kind);
    match kind.as_str() {
        "workspace_app" | "port_forwarding" | "tunnel" => {
            let mut w = Map::new();
            w.insert("user_agent".into(), json!(r.user_agent.unwrap_or_default()));
            let u = match r.user_id {
                Some(id) => Some(joined.user(id)?.map_or_else(|| user(id, &UserRow::default()), Ok)?),
                None => None,
            };
            w.insert("user".into(), u.unwrap_or(Value::Null));
            w.insert("slug_or_port".into(), json!(r.slug_or_port.unwrap_or_default()));
            w.insert("status_code".into(), json!(r.code.unwrap_or(0)));
            m.insert("web_info".into(), Value::Object(w));
        }
        "ssh" | "reconnecting_pty" => ssh_info(&mut m, r)?,
        "vscode" | "jetbrains" if !methods => ssh_info(&mut m, r)?,
        _ => {}
    }
    Ok(Value::Object(m))
}

/// Coder's `ConnectionLogSSHInfo`: the disconnect's time, reason and exit code once it is seen.
fn ssh_info(m: &mut Map<String, Value>, r: ConnectionRow) -> Result<(), Unrenderable> {
    let mut s = Map::new();
    s.insert("connection_id".into(), json!(r.connection_id.unwrap_or_default()));
    if let Some(t) = r.disconnect_time {
        s.insert(
            "disconnect_time".into(),
            json!(json_time(t, || format!("the disconnect_time of connection log {}", r.id))?),
        );
    }
    if let Some(reason) = r.disconnect_reason.filter(|x| !x.is_empty()) {
        s.insert("disconnect_reason".into(), json!(reason));
    }
    if let Some(code) = r.code {
        s.insert("exit_code".into(), json!(code));
    }
    m.insert("ssh_info".into(), Value::Object(s));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_and_addresses_print_as_go() {
        assert_eq!(go_time(0), "2000-01-01T00:00:00Z");
        assert_eq!(go_time(120_000), "2000-01-01T00:00:00.12Z");
        assert_eq!(go_ip("::ffff:10.0.0.1"), "10.0.0.1");
        assert_eq!(go_ip("::0.2.0.3"), "::2:3");
        assert_eq!(go_ip("2001:db8:0:0:1:0:0:1"), "2001:db8::1:0:0:1");
        assert_eq!(go_ip("10.1.2.3"), "10.1.2.3");
    }

    #[test]
    fn times_beyond_gos_json_are_unrenderable_and_named() {
        let micros =
            |rfc: &str| crate::dsl::gotime::parse(crate::dsl::gotime::RFC3339_NANO, rfc).unwrap().pg_micros_floor();
        assert_eq!(
            json_time(micros("9999-12-31T23:59:59.999999Z"), String::new),
            Ok("9999-12-31T23:59:59.999999Z".into())
        );
        assert_eq!(json_time(micros("0000-01-01T00:00:00Z"), String::new), Ok("0000-01-01T00:00:00Z".into()));
        assert_eq!(
            json_time(micros("9999-12-31T23:59:59.999999Z") + 1, || "t".into()).unwrap_err().value,
            "year 10000"
        );
        assert_eq!(json_time(micros("0000-01-01T00:00:00Z") - 1, || "t".into()).unwrap_err().value, "year -1");
        // PostgreSQL's ±infinity and range ends (4714-11-24 BC, i.e. year -4713, and 294276 AD).
        for (m, v) in [
            (i64::MAX, "infinity"),
            (i64::MIN, "-infinity"),
            (-211_813_488_000_000_000, "year -4713"),
            (9_223_371_331_200_000_000 - 1, "year 294276"),
        ] {
            assert_eq!(json_time(m, || "x".into()), Err(Unrenderable { what: "x".into(), value: v.into() }));
        }
        let id = Uuid::from_u128(7);
        let mut j = Joined::default();
        j.users.insert(id, UserRow { last_seen_at: Some(i64::MAX), ..Default::default() });
        assert_eq!(j.user(id).unwrap_err().what, format!("the last_seen_at of user {id}"));
    }

    #[test]
    fn uuids_parse_as_go_does_and_any_string_is_safe() {
        let id = "6b8f2c3a-1111-4222-8333-444455556666";
        for ok in [
            id.to_string(),
            id.replace('-', ""),
            format!("{{{id}}}"),
            format!("urn:uuid:{id}"),
            format!("URN:UUID:{}", id.to_uppercase()),
        ] {
            assert!(go_uuid_parses(&ok), "{ok}");
        }
        for bad in
            [&id[1..], "", "urn:uuid:", "{6b8f2c3a-1111-4222-8333-444455556666", "6b8f2c3a-1111-4222-8333-44445555666g"]
        {
            assert!(!go_uuid_parses(bad), "{bad}");
        }
        // The stored row that failed every page: 45 bytes with a two-byte character at byte 9.
        let hostile = format!("urn:uuid{}{}", 'é', "x".repeat(35));
        assert_eq!(hostile.len(), 45);
        assert!(!go_uuid_parses(&hostile));
        assert_eq!(additional_fields(json!({ "workspace_id": hostile }))["workspace_name"], "unknown");
        assert_eq!(link_fields(&json!({ "workspace_id": hostile, "workspace_name": "w" }), ["workspace_name"]), [""]);
        // A two-byte character at every offset of strings of every length around the forms'.
        for len in 30..48 {
            for at in 0..len {
                let s: String = (0..len).map(|i| if i == at { 'é' } else { 'a' }).collect();
                let _ = go_uuid_parses(&s);
            }
        }
    }

    #[test]
    fn link_fields_decode_as_go_does() {
        let keys = ["workspace_name", "build_number", "workspace_owner"];
        let f = |v: Value| link_fields(&v, keys);
        assert_eq!(f(json!({"workspace_name": "ws", "build_number": "7"})), ["ws", "7", ""]);
        // Not an object, null, or another type: nothing (or the field is left as it was).
        assert_eq!(f(json!(["ws"])), ["", "", ""]);
        assert_eq!(f(json!({"workspace_name": 3, "build_number": null, "workspace_owner": "o"})), ["", "", "o"]);
        // Case-insensitive keys; of two matches, the later in jsonb's order (length, then bytes) wins.
        assert_eq!(f(json!({"Workspace_Name": "a"})), ["a", "", ""]);
        assert_eq!(f(json!({"WORKSPACE_NAME": "upper", "workspace_name": "lower"})), ["lower", "", ""]);
        assert_eq!(f(json!({"workspace_name": "x", "WORKSPACE_NAME": 1})), ["x", "", ""]);
        // Go's folding beyond ASCII: ſ is s, ı and İ are i, the Kelvin sign is k; other letters never match.
        assert_eq!(f(json!({"workſpace_name": "long s", "buıld_number": "9"})), ["long s", "9", ""]);
        assert_eq!(f(json!({"wor\u{212a}space_owner": "kelvin", "bu\u{130}ld_number": "8"})), ["", "8", "kelvin"]);
        assert_eq!(f(json!({"workspace_nåme": "x", "workspace_nąme": "y"})), ["", "", ""]);
        // A workspace_id that is not a uuid stops the decode: later keys (jsonb order) stay empty.
        let bad = json!({"build_number": "7", "workspace_id": "nope", "workspace_name": "ws"});
        assert_eq!(f(bad), ["", "7", ""]);
        let good =
            json!({"build_number": "7", "workspace_id": "a1b2c3d4e5f60718293a4b5c6d7e8f90", "workspace_name": "ws"});
        assert_eq!(f(good), ["ws", "7", ""]);
    }

    #[test]
    fn diff_is_reshaped_as_go_does() {
        let d = json!({"name": {"old": null, "new": "dev", "secret": false}, "token": {"secret": true},
                       "ttl": {"new": 3600, "extra": 1}, "odd": "x", "s": {"secret": "yes"}});
        assert_eq!(
            diff(d),
            json!({"name": {"new": "dev", "secret": false}, "token": {"secret": true},
                                    "ttl": {"new": 3600, "secret": false}, "odd": {"secret": false}, "s": {"secret": false}})
        );
        // Keys as Go matches them (ASCII case, ſ, ı, İ, the Kelvin sign), read in jsonb's order (length, then
        // bytes) so the later match wins; a null unsets old/new; a secret that is not a boolean changes nothing.
        let d = json!({"a": {"OLD": 1, "old": 2}, "b": {"old": 1, "Old": null}, "c": {"ſecret": true, "New": "n"},
                       "d": {"secret": true, "SECRET": "x"}, "e": {"secret": true, "ſecret": false},
                       "f": {"nеw": 1, "neW": [2]}});
        assert_eq!(
            diff(d),
            json!({"a": {"old": 2, "secret": false}, "b": {"old": 1, "secret": false},
                   "c": {"new": "n", "secret": true}, "d": {"secret": true}, "e": {"secret": false},
                   "f": {"new": [2], "secret": false}})
        );
        assert_eq!(diff(Value::Null), Value::Null);
        assert_eq!(diff(json!([1, 2])), json!({}));
    }

    #[test]
    fn additional_fields_fall_back_like_coder() {
        let ok = json!({"workspace_name": "dev", "build_number": "1", "workspace_id": "0d000000-0000-4000-8000-000000000001", "extra": 5});
        assert_eq!(additional_fields(ok.clone()), ok);
        assert_eq!(additional_fields(Value::Null), Value::Null);
        for bad in [
            json!({"build_number": 5}),
            json!([1]),
            json!("x"),
            json!({"Workspace_Name": true}),
            json!({"workspace_id": "nope"}),
            json!({"wor\u{212a}space_id": "nope"}),
            json!({"workſpace_name": 1}),
        ] {
            assert_eq!(additional_fields(bad.clone())["workspace_name"], "unknown", "{bad}");
        }
        for id in [
            "{0d000000-0000-4000-8000-000000000001}",
            "urn:uuid:0d000000-0000-4000-8000-000000000001",
            "0d000000000040008000000000000001",
        ] {
            assert_eq!(additional_fields(json!({"workspace_id": id}))["workspace_id"], id);
        }
    }

    #[test]
    fn descriptions_follow_coder() {
        let none = json!({});
        assert_eq!(description("workspace", "create", 201, &none), "{user} created workspace {target}");
        assert_eq!(
            description("workspace", "create", 400, &none),
            "{user} unsuccessfully attempted to create workspace {target}"
        );
        assert_eq!(
            description("template", "write", 303, &none),
            "{user} was redirected attempting to write template {target}"
        );
        assert_eq!(description("api_key", "login", 200, &none), "{user} logged in");
        assert_eq!(description("api_key", "login", 401, &none), "{user} unsuccessfully attempted to login");
        assert_eq!(description("git_ssh_key", "delete", 200, &none), "{user} deleted the git ssh key");
        assert_eq!(description("user", "request_password_reset", 200, &none), "password reset requested for {target}");
        assert_eq!(
            description("convert_login", "create", 200, &none),
            "{user} created login type conversion to {target}"
        );
        assert_eq!(description("workspace_build", "start", 200, &none), "{user} started workspace {target}");
        assert_eq!(description("health_settings", "write", 200, &none), "{user} updated health_settings {target}");
        assert_eq!(description("idp_sync_settings_role", "write", 200, &none), "{user} updated settings {target}");
        let archive = json!({"archived": {"old": false, "new": true}});
        assert_eq!(description("chat", "write", 200, &archive), "{user} archived chat {target}");
        assert_eq!(
            description("chat", "write", 200, &json!({"user_acl": {"new": {}}})),
            "{user} updated sharing for chat {target}"
        );
        assert_eq!(description("chat", "write", 200, &json!({"title": {}})), "{user} updated chat {target}");
    }

    /// A document as deep as Go decodes (`GO_MAX_DEPTH`) shapes, and is dropped, within 1 MB of stack in a
    /// release build: a backend has 8, and nothing here checks the depth as PostgreSQL's own code does. (Deeper
    /// documents never get here: `exec::jsonb::decode` stops at that depth, and `beyond_go` shapes as Coder does.)
    #[test]
    fn documents_as_deep_as_go_decodes_shape_on_a_small_stack() {
        // Built by moves (`json!` with a Value inside would serialize it, recursively).
        let chain = |depth: usize, key: &str| {
            (0..depth).fold(json!(1), |v, _| Value::Object(Map::from_iter([(key.to_string(), v)])))
        };
        let doc = |key: &str, v| Value::Object(Map::from_iter([(key.to_string(), v)]));
        let run = move || {
            let row = |diff, additional_fields| AuditRow {
                resource_type: "workspace".into(),
                action: "write".into(),
                diff,
                status_code: 200,
                additional_fields,
                ..Default::default()
            };
            let deep = row(doc("f", chain(GO_MAX_DEPTH - 1, "new")), doc("extra", chain(GO_MAX_DEPTH - 1, "x")));
            let e = audit_log(deep, &Joined::default()).unwrap();
            let depth =
                |mut v: &Value| std::iter::from_fn(|| v.as_object()?.values().next().inspect(|x| v = x)).count();
            assert_eq!(depth(&e["diff"]), GO_MAX_DEPTH);
            assert_eq!(depth(&e["additional_fields"]), GO_MAX_DEPTH);
            assert_eq!(depth(&e["diff"]["f"]["new"]), GO_MAX_DEPTH - 2);
            let b = audit_log(row(beyond_go(), beyond_go()), &Joined::default()).unwrap();
            assert_eq!((&b["diff"], &b["additional_fields"]["workspace_name"]), (&json!({}), &json!("unknown")));
        };
        // Measured: a release build needs between 512 kB and 1 MB for it (dropping the values recurses), a debug
        // build between 2 and 4 MB.
        let stack = if cfg!(debug_assertions) { 4 << 20 } else { 1 << 20 };
        std::thread::Builder::new().stack_size(stack).spawn(run).unwrap().join().unwrap();
    }

    #[test]
    fn joined_rows_share_one_user_and_fill_what_is_missing() {
        let (alice, gone, org) = (Uuid::from_u128(1), Uuid::from_u128(2), Uuid::from_u128(3));
        let mut j = Joined::default();
        j.users.insert(
            alice,
            UserRow { username: Some("alice".into()), roles: vec!["owner".into()], ..Default::default() },
        );
        j.organizations.insert(org, Organization { name: Some("acme".into()), ..Default::default() });
        let row = |user_id, organization_id| AuditRow {
            id: Uuid::from_u128(9),
            resource_type: "workspace".into(),
            resource_target: "ws".into(),
            action: "create".into(),
            status_code: 200,
            organization_id,
            user_id,
            is_deleted: true,
            resource_link: "/@alice/ws".into(),
            ..Default::default()
        };
        let a = audit_log(row(alice, org), &j).unwrap();
        assert_eq!(a["user"], user(alice, &j.users[&alice]).unwrap());
        assert_eq!(a["user"]["roles"], json!([{"name": "owner", "display_name": "Owner"}]));
        assert_eq!(a["organization"], json!({"id": org, "name": "acme", "display_name": "", "icon": ""}));
        assert_eq!(a["resource_link"], "", "a deleted resource has no link");
        // The second row that names alice gets the same object; a missing user is null, a missing
        // organization has empty names, the nil organization none at all.
        assert_eq!(audit_log(row(alice, org), &j).unwrap()["user"], a["user"]);
        let b = audit_log(row(gone, Uuid::from_u128(4)), &j).unwrap();
        assert_eq!(b["user"], Value::Null);
        assert_eq!(b["organization"]["name"], "");
        assert!(audit_log(row(alice, Uuid::nil()), &j).unwrap().get("organization").is_none());
        // Connection logs: the owner's username, and Go's zero-valued user where the row is missing.
        let c = ConnectionRow {
            id: Uuid::nil(),
            connect_time: 0,
            organization_id: org,
            workspace_owner_id: alice,
            workspace_id: Uuid::nil(),
            workspace_name: "ws".into(),
            agent_name: "main".into(),
            ip: None,
            kind: "workspace_app".into(),
            code: Some(200),
            user_agent: None,
            user_id: Some(gone),
            slug_or_port: None,
            connection_id: None,
            disconnect_time: None,
            disconnect_reason: None,
            client_session_id: None,
        };
        let c = connection_log(c, Connections::Types, &j).unwrap();
        assert_eq!(c["workspace_owner_username"], "alice");
        assert_eq!(c["web_info"]["user"], user(gone, &UserRow::default()).unwrap());
        assert_eq!(c["web_info"]["user"]["created_at"], "0001-01-01T00:00:00Z");
    }

    #[test]
    fn connection_methods_are_shaped_as_coder_g3_does() {
        let row = |kind: &str, app: Option<&str>| ConnectionRow {
            id: Uuid::nil(),
            connect_time: 0,
            organization_id: Uuid::nil(),
            workspace_owner_id: Uuid::nil(),
            workspace_id: Uuid::nil(),
            workspace_name: "ws".into(),
            agent_name: "main".into(),
            ip: None,
            kind: kind.into(),
            code: None,
            user_agent: None,
            user_id: None,
            slug_or_port: app.map(str::to_string),
            connection_id: None,
            disconnect_time: Some(0),
            disconnect_reason: None,
            client_session_id: None,
        };
        let j = Joined::default();
        let g3 = |kind: &str, app: Option<&str>| connection_log(row(kind, app), Connections::Methods, &j).unwrap();
        let c = g3("ssh", Some("cursor"));
        assert_eq!(
            (&c["connection_method"], &c["type"], &c["app_name"], &c["app_display_name"]),
            (&json!("ssh"), &json!("vscode"), &json!("cursor"), &json!("Cursor"))
        );
        assert_eq!(c["ssh_info"]["disconnect_time"], "2000-01-01T00:00:00Z");
        assert!(c.get("web_info").is_none());
        let c = g3("ssh", Some("pycharm"));
        assert_eq!((&c["type"], &c["app_display_name"]), (&json!("jetbrains"), &json!("pycharm")));
        let c = g3("ssh", None);
        assert_eq!(c["type"], "ssh");
        assert!(c.get("app_name").is_none() && c.get("app_display_name").is_none());
        let c = g3("reconnecting_pty", Some("reconnecting_pty"));
        assert_eq!((&c["type"], &c["app_display_name"]), (&json!("reconnecting_pty"), &json!("Web Terminal")));
        // Web destinations go to web_info, never app_name.
        let c = g3("port_forwarding", Some("8080"));
        assert_eq!((&c["type"], &c["web_info"]["slug_or_port"]), (&json!("port_forwarding"), &json!("8080")));
        assert!(c.get("app_name").is_none() && c.get("ssh_info").is_none());
        let c = g3("tunnel", None);
        assert_eq!(
            (&c["type"], &c["web_info"]["slug_or_port"], &c["web_info"]["user"]),
            (&json!("tunnel"), &json!(""), &Value::Null)
        );
        // A method audit_ext has never seen: the label, and neither info.
        let c = g3("carrier_pigeon", Some("x"));
        assert_eq!((&c["connection_method"], &c["type"]), (&json!("carrier_pigeon"), &json!("carrier_pigeon")));
        assert!(c.get("web_info").is_none() && c.get("ssh_info").is_none());
        // Types (G1, G2): no method fields; vscode is an ssh_info type.
        let c = connection_log(row("vscode", None), Connections::Types, &j).unwrap();
        assert!(c.get("connection_method").is_none() && c["ssh_info"].is_object());
        let mut r = row("ssh", None);
        r.client_session_id = Some("s-1".into());
        assert_eq!(connection_log(r, Connections::Methods, &j).unwrap()["client_session_id"], "s-1");
    }

    #[test]
    fn users_omit_empty_names_and_use_zero_values() {
        let id = Uuid::nil();
        let u = user(id, &UserRow::default()).unwrap();
        assert_eq!(u["created_at"], "0001-01-01T00:00:00Z");
        assert_eq!(u["roles"], json!([]));
        assert!(u.get("name").is_none() && u.get("avatar_url").is_none());
        let u = user(
            id,
            &UserRow { roles: vec!["owner".into(), "custom".into()], name: Some("A".into()), ..Default::default() },
        )
        .unwrap();
        assert_eq!(
            u["roles"],
            json!([{"name": "owner", "display_name": "Owner"}, {"name": "custom", "display_name": ""}])
        );
        assert_eq!(u["name"], "A");
    }
}

/// Shaping speed: `cargo test --release --lib shape::speed -- --ignored --nocapture`. Not part of `make test`.
#[cfg(test)]
mod speed {
    use super::*;
    use std::time::Instant as Clock;

    #[test]
    #[ignore = "a benchmark"]
    fn shape_a_page_of_audit_rows() {
        let mut j = Joined::default();
        for u in 0..20u128 {
            j.users.insert(
                Uuid::from_u128(u),
                UserRow {
                    username: Some(format!("user{u}")),
                    name: Some("A Name".into()),
                    email: Some(format!("user{u}@example.com")),
                    created_at: Some(800_000_000_000_000),
                    updated_at: Some(800_000_000_000_000),
                    last_seen_at: Some(800_000_000_000_000),
                    status: Some("active".into()),
                    login_type: Some("password".into()),
                    roles: vec!["owner".into()],
                    avatar_url: None,
                },
            );
        }
        j.organizations.insert(Uuid::from_u128(100), Organization { name: Some("acme".into()), ..Default::default() });
        let row = |i: u128| AuditRow {
            id: Uuid::from_u128(1000 + i),
            request_id: Uuid::from_u128(2000 + i),
            time: 800_000_000_000_000 + i as i64,
            ip: Some("10.1.2.3".into()),
            user_agent: Some("Mozilla/5.0 (X11; Linux x86_64) Chrome/126.0".into()),
            resource_type: "workspace_build".into(),
            resource_target: "ws-32".into(),
            action: "start".into(),
            diff: json!({"name": {"old": "a", "new": "b", "secret": false}}),
            status_code: 200,
            additional_fields: json!({"workspace_name": "ws-32", "build_number": "3", "build_reason": "initiator",
                                      "workspace_owner": "alice", "workspace_id": "6b8f2c3a-1111-4222-8333-444455556666"}),
            organization_id: Uuid::from_u128(100),
            user_id: Uuid::from_u128(i % 20),
            resource_id: Uuid::from_u128(3000 + i),
            resource_icon: "/icon/docker.svg".into(),
            is_deleted: false,
            resource_link: "/@alice/ws-32/builds/3".into(),
        };
        let rows: Vec<AuditRow> = (0..100).map(row).collect();
        let n = 2000;
        let t = Clock::now();
        for _ in 0..n {
            j.count_uses(rows.iter().map(|r| r.user_id));
            let page: Vec<Value> = rows.iter().cloned().map(|r| audit_log(r, &j).unwrap()).collect();
            std::hint::black_box(page);
        }
        println!("shape 100 audit rows: {:.1} µs per page", t.elapsed().as_secs_f64() * 1e6 / f64::from(n));
    }
}
