//! Filter text → typed filter, with Coder's semantics: every problem is collected (in key-table order, then
//! unknown keys in the order they appear), `key:""` counts as absent, a repeated key is an error, and the
//! nil uuid and the zero time mean "no filter".

use super::errors::Validation;
use super::gocompat::{go_lower, go_quote, go_upper};
use super::gotime::{self, Instant, DATE_LAYOUT, RFC3339_NANO};
use super::keys::{Bound, Dialect, Key, Kind, Log};
use super::tokenize::{tokenize, Element};
use uuid::Uuid;

/// What the parser needs from the database: enum labels and organization names. The SQL functions read the
/// live catalog; unit tests pass a fixed one.
pub trait Catalog {
    fn enum_has(&self, type_name: &str, label: &str) -> bool;
    fn organization_by_name(&self, name: &str) -> Option<Uuid>;
    /// Whether connection logs record methods (Coder G3), so that `type:` takes the compatibility categories.
    fn connection_methods(&self) -> bool {
        false
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    Uuid(Uuid),
    Text(String),
    /// A username, lower-cased.
    User(String),
    /// `me`: the actor.
    Me,
    Time(Instant),
    /// An enum label or a fixed value.
    Label(String),
    /// A network, normalized (`10.0.0.0/8`; an address is its own /32 or /128).
    Network(String),
    /// A comparison with a whole number.
    Compare(Cmp, i64),
    /// Several values, any of which matches (extended dialect).
    Any(Vec<Value>),
}

/// A comparison of `Kind::Number`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cmp {
    Eq,
    Lt,
    Le,
    Gt,
    Ge,
}

impl Cmp {
    /// The SQL operator, which is also how the filter writes it (`=` only in SQL: a bare number means it).
    pub fn op(self) -> &'static str {
        match self {
            Cmp::Eq => "=",
            Cmp::Lt => "<",
            Cmp::Le => "<=",
            Cmp::Gt => ">",
            Cmp::Ge => ">=",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Term {
    pub key: &'static Key,
    pub value: Value,
    /// `-key:value` (extended dialect): the rows the positive form does not match.
    pub negated: bool,
}

impl Term {
    /// The column this term pins to a few rows (`Key::pinned_column`); a negation pins nothing.
    pub fn pinned_column(&self) -> Option<&'static str> {
        if self.negated {
            None
        } else {
            self.key.pinned_column()
        }
    }
}

/// A valid filter: the terms in use, in key-table order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Filter {
    pub log: Log,
    pub terms: Vec<Term>,
}

#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub max_length: usize,
    pub max_terms: usize,
}

#[derive(Debug, PartialEq, Eq)]
pub enum ParseError {
    /// Abusive input (SQLSTATE 54000): `what` is the limit's GUC.
    Limit { what: &'static str, found: usize, max: usize },
    /// Coder's validations (SQLSTATE 22023).
    Invalid(Vec<Validation>),
}

/// Parses `query` in Coder's dialect.
pub fn parse(log: Log, query: &str, limits: Limits, catalog: &dyn Catalog) -> Result<Filter, ParseError> {
    parse_in(Dialect::Coder, log, query, limits, catalog)
}

/// Parses `query` in `dialect` (see `Dialect`).
pub fn parse_in(
    dialect: Dialect,
    log: Log,
    query: &str,
    limits: Limits,
    catalog: &dyn Catalog,
) -> Result<Filter, ParseError> {
    if query.len() > limits.max_length {
        return Err(ParseError::Limit {
            what: "audit_ext.max_query_length",
            found: query.len(),
            max: limits.max_length,
        });
    }
    let elements = tokenize(query).map_err(|v| ParseError::Invalid(vec![v]))?;
    if elements.len() > limits.max_terms {
        return Err(ParseError::Limit {
            what: "audit_ext.max_query_terms",
            found: elements.len(),
            max: limits.max_terms,
        });
    }

    // Coder's url.Values, with keys in order of first appearance.
    let mut values: Vec<(String, Vec<String>)> = Vec::new();
    for el in elements {
        let (key, value) = match el {
            Element::Pair { key, value } => (go_lower(key), value.to_string()),
            Element::Bare(text) => (log.default_key().to_string(), text),
        };
        match values.iter_mut().find(|(k, _)| *k == key) {
            Some((_, vs)) => vs.push(value),
            None => values.push((key, vec![value])),
        }
    }

    let mut terms = Vec::new();
    let mut errors = Vec::new();
    // In the extended dialect, `-key` is the negation of `key`: a key of its own (each may be given once).
    let negations: &[bool] = match dialect {
        Dialect::Coder => &[false],
        Dialect::Extended => &[false, true],
    };
    for key in log.keys_in(dialect) {
        for &negated in negations {
            let name = if negated { format!("-{}", key.name) } else { key.name.to_string() };
            let Some((_, vs)) = values.iter().find(|(k, _)| *k == name) else { continue };
            if vs[0].is_empty() {
                continue;
            }
            if vs.len() > 1 {
                errors.push(Validation::duplicate(&name, vs.len()));
                continue;
            }
            let value = match dialect {
                Dialect::Coder => parse_value(key, &vs[0], catalog),
                Dialect::Extended => parse_extended(key, &name, negated, &vs[0], catalog),
            };
            match value {
                Ok(Some(value)) => terms.push(Term { key, value, negated }),
                Ok(None) => {}
                Err(v) => errors.push(v),
            }
        }
    }
    for (k, _) in &values {
        let name = match dialect {
            Dialect::Extended => k.strip_prefix('-').unwrap_or(k),
            Dialect::Coder => k,
        };
        if log.key_in(dialect, name).is_none() {
            errors.push(Validation::unknown_key(k));
        }
    }
    if errors.is_empty() {
        Ok(Filter { log, terms })
    } else {
        Err(ParseError::Invalid(errors))
    }
}

/// A value of the extended dialect (`name` is the key as given, `-` included): several values, comma-separated,
/// for a kind that lists (`Kind::lists_and_negates`), each read as Coder reads one. Coder's "no filter"
/// sentinels (the nil uuid, the zero time) stand alone: in a list or negated they would mean everything or
/// nothing, so there they are a validation.
fn parse_extended(
    key: &'static Key,
    name: &str,
    negated: bool,
    raw: &str,
    catalog: &dyn Catalog,
) -> Result<Option<Value>, Validation> {
    if negated && !key.kind.lists_and_negates() {
        return Err(Validation::not_negatable(name));
    }
    let parts: Vec<&str> = if key.kind.lists_and_negates() { raw.split(',').collect() } else { vec![raw] };
    // A value's validation names the key as given (`-action`).
    let named = |v: Validation| Validation {
        field: name.to_string(),
        detail: v.detail.replacen(&go_quote(key.name), &go_quote(name), 1),
    };
    if parts.len() == 1 {
        return match parse_value(key, raw, catalog).map_err(named)? {
            None if negated => Err(Validation::sentinel_in_list(name, raw)),
            v => Ok(v),
        };
    }
    let mut values = Vec::with_capacity(parts.len());
    for part in parts {
        if part.is_empty() {
            return Err(Validation::empty_in_list(name, raw));
        }
        match parse_value(key, part, catalog) {
            Ok(Some(v)) if !values.contains(&v) => values.push(v),
            Ok(Some(_)) => {}
            Ok(None) => return Err(Validation::sentinel_in_list(name, part)),
            Err(v) => return Err(named(v)),
        }
    }
    Ok(Some(if values.len() == 1 { values.remove(0) } else { Value::Any(values) }))
}

/// One value; `Ok(None)` where Coder's sentinel means "no filter".
fn parse_value(key: &'static Key, raw: &str, catalog: &dyn Catalog) -> Result<Option<Value>, Validation> {
    let lower = || go_lower(raw);
    let time = |layout: &str, text: String| match gotime::parse(layout, &text) {
        Ok(t) if t.is_zero() => Ok(None),
        Ok(t) => Ok(Some(Value::Time(t))),
        Err(e) => Err(Validation::bad_time(key.name, layout, &e)),
    };
    match key.kind {
        Kind::Uuid => match Uuid::parse_str(&lower()) {
            Ok(u) if u.is_nil() => Ok(None),
            Ok(u) => Ok(Some(Value::Uuid(u))),
            Err(_) => Err(Validation::bad_uuid(key.name)),
        },
        Kind::Text | Kind::Email { .. } => Ok(Some(Value::Text(raw.to_string()))),
        Kind::User => {
            let v = lower();
            Ok(Some(if v == "me" { Value::Me } else { Value::User(v) }))
        }
        Kind::Date(_) => time(DATE_LAYOUT, lower()),
        // Coder lower-cases the query, then upper-cases these values so that `T` and `Z` parse.
        Kind::Time(_) => time(RFC3339_NANO, go_upper(&lower())),
        Kind::Organization => {
            let v = lower();
            if let Ok(u) = Uuid::parse_str(&v) {
                return Ok((!u.is_nil()).then_some(Value::Uuid(u)));
            }
            match catalog.organization_by_name(&v) {
                Some(id) => Ok(Some(Value::Uuid(id))),
                None => Err(Validation::unknown_organization(key.name, &v)),
            }
        }
        Kind::Enum(type_name) => label(key, lower(), |v| catalog.enum_has(type_name, v)),
        Kind::OneOf(allowed) => label(key, lower(), |v| allowed.contains(&v)),
        // A category, whose method (vscode, jetbrains and ssh are ssh connections) this database has.
        Kind::ConnectionType if catalog.connection_methods() => label(key, lower(), |v| {
            super::apps::CATEGORIES.contains(&v) && catalog.enum_has("connection_log_method", super::apps::method_of(v))
        }),
        Kind::ConnectionType => label(key, lower(), |v| catalog.enum_has("connection_type", v)),
        Kind::Network => {
            network(raw).map(|n| Some(Value::Network(n))).ok_or_else(|| Validation::bad_network(key.name, raw))
        }
        Kind::Number => comparison(raw)
            .map(|(c, n)| Some(Value::Compare(c, n)))
            .ok_or_else(|| Validation::bad_number(key.name, raw)),
    }
}

/// An IP address or CIDR block, normalized to its network (`10.1.2.3/8` → `10.0.0.0/8`; an address alone is
/// its own /32 or /128), as PostgreSQL's `cidr` prints it.
fn network(raw: &str) -> Option<String> {
    use std::net::IpAddr;
    let (addr, bits) = match raw.split_once('/') {
        Some((a, b)) if !b.is_empty() && b.len() <= 3 && b.bytes().all(|c| c.is_ascii_digit()) => (a, b.parse().ok()?),
        Some(_) => return None,
        None => (raw, u8::MAX),
    };
    let network = match addr.parse::<IpAddr>().ok()? {
        IpAddr::V4(a) => {
            let bits = if bits == u8::MAX { 32 } else { bits };
            let mask = u32::MAX.checked_shl(32u32.checked_sub(u32::from(bits))?).unwrap_or(0);
            format!("{}/{bits}", std::net::Ipv4Addr::from(u32::from(a) & mask))
        }
        IpAddr::V6(a) => {
            let bits = if bits == u8::MAX { 128 } else { bits };
            let mask = u128::MAX.checked_shl(128u32.checked_sub(u32::from(bits))?).unwrap_or(0);
            format!("{}/{bits}", std::net::Ipv6Addr::from(u128::from(a) & mask))
        }
    };
    Some(network)
}

/// `400`, `=400`, `<400`, `<=400`, `>400`, `>=400`: a comparison with a number that fits an `int`.
fn comparison(raw: &str) -> Option<(Cmp, i64)> {
    // Two-character operators first, so that `>=` is not read as `>` and `=…`.
    let (cmp, n) = [Cmp::Ge, Cmp::Le, Cmp::Gt, Cmp::Lt, Cmp::Eq]
        .into_iter()
        .find_map(|c| raw.strip_prefix(c.op()).map(|n| (c, n)))
        .unwrap_or((Cmp::Eq, raw));
    if n.is_empty() || n.len() > 10 || !n.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let n: i64 = n.parse().ok()?;
    (n <= i64::from(i32::MAX)).then_some((cmp, n))
}

/// A label `valid` accepts, or Coder's invalid-value validation.
fn label(key: &Key, v: String, valid: impl Fn(&str) -> bool) -> Result<Option<Value>, Validation> {
    if valid(&v) {
        Ok(Some(Value::Label(v)))
    } else {
        Err(Validation::bad_enum(key.name, &v))
    }
}

impl Filter {
    /// The normalized filter as JSON: Coder's field names; times in RFC 3339 UTC, `date_to` at 23:59:59 of
    /// its day as Coder reports it; `me` kept as "me"; organizations as ids.
    pub fn to_json(&self) -> serde_json::Value {
        let mut m = serde_json::Map::new();
        for t in &self.terms {
            let field = if t.negated { format!("-{}", t.key.field) } else { t.key.field.to_string() };
            m.insert(field, value_json(t.key, &t.value));
        }
        serde_json::Value::Object(m)
    }
}

/// One normalized value: a string, or (several values) an array of them.
fn value_json(key: &Key, value: &Value) -> serde_json::Value {
    let s = match value {
        Value::Any(vs) => return serde_json::Value::Array(vs.iter().map(|v| value_json(key, v)).collect()),
        Value::Uuid(u) => u.to_string(),
        Value::Text(s) | Value::User(s) | Value::Label(s) | Value::Network(s) => s.clone(),
        Value::Me => "me".to_string(),
        Value::Time(i) => match key.kind {
            Kind::Date(Bound::To) => i.add_secs(86_399).to_rfc3339(),
            _ => i.to_rfc3339(),
        },
        Value::Compare(Cmp::Eq, n) => n.to_string(),
        Value::Compare(c, n) => format!("{}{n}", c.op()),
    };
    serde_json::Value::String(s)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A catalog with Coder's enum values of spring 2026 and two organizations.
    pub struct FixedCatalog;

    pub const ORG_ID: &str = "9f3a6c1e-0000-4000-8000-000000000001";

    impl Catalog for FixedCatalog {
        fn enum_has(&self, type_name: &str, label: &str) -> bool {
            let labels: &[&str] = match type_name {
                "resource_type" => {
                    &["organization", "template", "user", "workspace", "workspace_build", "api_key", "group"]
                }
                "audit_action" => &["create", "write", "delete", "start", "stop", "login", "logout", "connect"],
                "build_reason" => &["initiator", "autostart", "autostop", "dormancy", "cli", "dashboard"],
                "connection_type" => {
                    &["ssh", "vscode", "jetbrains", "reconnecting_pty", "workspace_app", "port_forwarding"]
                }
                "connection_log_method" => &["ssh", "reconnecting_pty", "workspace_app", "port_forwarding", "tunnel"],
                _ => &[],
            };
            labels.contains(&label)
        }
        fn organization_by_name(&self, name: &str) -> Option<Uuid> {
            (name == "coder").then(|| Uuid::parse_str(ORG_ID).unwrap())
        }
    }

    const LIMITS: Limits = Limits { max_length: 4096, max_terms: 32 };

    pub fn audit(q: &str) -> Result<Filter, ParseError> {
        parse(Log::Audit, q, LIMITS, &FixedCatalog)
    }
    fn conn(q: &str) -> Result<Filter, ParseError> {
        parse(Log::Connection, q, LIMITS, &FixedCatalog)
    }
    fn json(r: Result<Filter, ParseError>) -> String {
        r.unwrap().to_json().to_string()
    }
    /// The validations as `field: detail` lines.
    fn errs(r: Result<Filter, ParseError>) -> Vec<String> {
        match r {
            Err(ParseError::Invalid(v)) => v.into_iter().map(|v| format!("{}: {}", v.field, v.detail)).collect(),
            other => panic!("expected validations, got {other:?}"),
        }
    }

    #[test]
    fn every_audit_key() {
        assert_eq!(json(audit("")), "{}");
        assert_eq!(
            json(audit(
                "request_id:6B8F2C3A-1111-4222-8333-444455556666 resource_id:{6b8f2c3a-1111-4222-8333-444455556667} \
                 resource_target:My-WS username:Alice email:Alice@Example.COM date_from:2026-01-01 date_to:2026-01-31 \
                 organization:Coder resource_type:Workspace action:DELETE build_reason:cli"
            )),
            r#"{"request_id":"6b8f2c3a-1111-4222-8333-444455556666","resource_id":"6b8f2c3a-1111-4222-8333-444455556667","resource_target":"My-WS","username":"alice","email":"Alice@Example.COM","date_from":"2026-01-01T00:00:00Z","date_to":"2026-01-31T23:59:59Z","organization_id":"9f3a6c1e-0000-4000-8000-000000000001","resource_type":"workspace","action":"delete","build_reason":"cli"}"#
        );
    }

    #[test]
    fn every_connection_key() {
        assert_eq!(
            json(conn(
                "organization:9f3a6c1e-0000-4000-8000-000000000001 workspace_owner:me workspace_owner_email:Bob@x.io \
                 type:SSH username:carol user_email:c@x.io connected_after:\"2026-01-01T10:00:00+02:00\" \
                 connected_before:\"2026-01-02t00:00:00.5z\" workspace_id:6b8f2c3a-1111-4222-8333-444455556666 \
                 connection_id:6b8f2c3a11114222833344445555666f status:Ongoing"
            )),
            r#"{"organization_id":"9f3a6c1e-0000-4000-8000-000000000001","workspace_owner":"me","workspace_owner_email":"Bob@x.io","type":"ssh","username":"carol","user_email":"c@x.io","connected_after":"2026-01-01T08:00:00Z","connected_before":"2026-01-02T00:00:00.5Z","workspace_id":"6b8f2c3a-1111-4222-8333-444455556666","connection_id":"6b8f2c3a-1111-4222-8333-44445555666f","status":"ongoing"}"#
        );
    }

    #[test]
    fn bare_words_mean_resource_type() {
        assert_eq!(json(audit("workspace action:create")), r#"{"resource_type":"workspace","action":"create"}"#);
        assert_eq!(
            errs(audit("foo bar")),
            [r#"resource_type: Query param "resource_type" has invalid value: "foo bar" is not a valid value"#]
        );
        // Two ways of saying resource_type is a duplicate.
        assert_eq!(
            errs(audit("workspace resource_type:user")),
            [
                r#"resource_type: Query param "resource_type" provided more than once, found 2 times. Only provide 1 instance of this query param."#
            ]
        );
        assert_eq!(errs(conn("alice")), [r#"search: "search" is not a valid query param"#]);
    }

    #[test]
    fn sentinels_and_empty_values_mean_no_filter() {
        assert_eq!(
            json(audit(r#"username:"" resource_id:00000000-0000-0000-0000-000000000000 date_from:0001-01-01"#)),
            "{}"
        );
        assert_eq!(json(audit("organization:00000000-0000-0000-0000-000000000000")), "{}");
        assert_eq!(json(conn(r#"connected_after:"0001-01-01T00:00:00Z""#)), "{}");
        // key:"" first wins over a later value, as in Coder.
        assert_eq!(json(audit(r#"username:"" username:bob"#)), "{}");
    }

    #[test]
    fn keys_are_case_insensitive_and_values_keep_case_where_it_matters() {
        assert_eq!(
            json(audit("ACTION:Write Resource_Target:ReadMe")),
            r#"{"resource_target":"ReadMe","action":"write"}"#
        );
    }

    #[test]
    fn all_errors_at_once_in_coders_order() {
        assert_eq!(
            errs(audit(
                "zeta:1 build_reason:nope action:explode date_to:2026-02-30 resource_id:xyz organization:acme alpha:2 \
                 date_from:yesterday request_id:1 action:write"
            )),
            [
                r#"request_id: Query param "request_id" must be a valid uuid"#,
                r#"resource_id: Query param "resource_id" must be a valid uuid"#,
                r#"date_from: Query param "date_from" must be a valid date format (2006-01-02): parsing time "yesterday" as "2006-01-02": cannot parse "yesterday" as "2006""#,
                r#"date_to: Query param "date_to" must be a valid date format (2006-01-02): parsing time "2026-02-30": day out of range"#,
                r#"organization: Query param "organization" has invalid value: organization "acme" either does not exist, or you are unauthorized to view it"#,
                r#"action: Query param "action" provided more than once, found 2 times. Only provide 1 instance of this query param."#,
                r#"build_reason: Query param "build_reason" has invalid value: "nope" is not a valid value"#,
                r#"zeta: "zeta" is not a valid query param"#,
                r#"alpha: "alpha" is not a valid query param"#,
            ]
        );
    }

    #[test]
    fn connection_errors() {
        assert_eq!(
            errs(conn("type:telnet status:done connected_after:2026-01-01 workspace_id:x resource_type:user")),
            [
                r#"type: Query param "type" has invalid value: "telnet" is not a valid value"#,
                r#"connected_after: Query param "connected_after" must be a valid date format (2006-01-02T15:04:05.999999999Z07:00): parsing time "2026-01-01" as "2006-01-02T15:04:05.999999999Z07:00": cannot parse "" as "T""#,
                r#"workspace_id: Query param "workspace_id" must be a valid uuid"#,
                r#"status: Query param "status" has invalid value: "done" is not a valid value"#,
                r#"resource_type: "resource_type" is not a valid query param"#,
            ]
        );
    }

    #[test]
    fn tokenizer_errors_stop_everything() {
        assert_eq!(errs(audit("action: bogus:1")), [r#"q: Query element "action:" cannot start or end with ':'"#]);
        assert_eq!(
            errs(audit("Date_From:2026-01-01T00:00:00Z")),
            [r#"q: Query element "date_from:2026-01-01t00:00:00z" can only contain 1 ':'"#]
        );
    }

    #[test]
    fn hostile_values_are_only_values() {
        assert_eq!(
            json(audit(r#"resource_target:"'; DROP TABLE audit_logs; --""#)),
            r#"{"resource_target":"'; DROP TABLE audit_logs; --"}"#
        );
        assert_eq!(
            errs(audit("action:delete'--")),
            [r#"action: Query param "action" has invalid value: "delete'--" is not a valid value"#]
        );
        assert_eq!(
            errs(audit("resource_type:wörkspace\u{200b}")),
            ["resource_type: Query param \"resource_type\" has invalid value: \"wörkspace\\u200b\" is not a valid value"]
        );
    }

    fn ext(q: &str) -> Result<Filter, ParseError> {
        parse_in(Dialect::Extended, Log::Audit, q, LIMITS, &FixedCatalog)
    }

    #[test]
    fn the_extended_dialect_lists_negates_and_compares() {
        assert_eq!(
            json(ext("action:Create,delete,create -resource_type:workspace ip:10.1.2.3/8 status_code:>=400")),
            r#"{"resource_type":"workspace","action":["create","delete"],"ip":"10.0.0.0/8","status_code":">=400"}"#
                .replace(r#""resource_type""#, r#""-resource_type""#)
        );
        // A key and its negation are two keys, each given once; both may be given.
        assert_eq!(json(ext("action:create -action:delete")), r#"{"action":"create","-action":"delete"}"#);
        assert_eq!(json(ext(r#"ip:"2001:DB8::1" status_code:404"#)), r#"{"ip":"2001:db8::1/128","status_code":"404"}"#);
        assert_eq!(json(ext(r#"ip:"10.0.0.1,::1/0""#)), r#"{"ip":["10.0.0.1/32","::/0"]}"#);
        assert_eq!(json(ext("status_code:<200,>=500,=302")), r#"{"status_code":["<200",">=500","302"]}"#);
        // Coder's forms mean the same in both dialects.
        let coder = "workspace action:delete username:alice date_from:2026-01-01 organization:coder";
        assert_eq!(ext(coder).unwrap(), audit(coder).unwrap());
    }

    #[test]
    fn the_extended_dialect_rejects_in_coders_words() {
        assert_eq!(
            errs(ext("-date_from:2026-01-01 action:create, ip:10.0.0.0/33 status_code:>=-1 resource_id:00000000-0000-0000-0000-000000000000,6b8f2c3a-1111-4222-8333-444455556666 -bogus:1 -action:x -action:y")),
            [
                r#"resource_id: Query param "resource_id" has invalid value: "00000000-0000-0000-0000-000000000000" means no filter, which cannot be negated or listed"#,
                r#"-date_from: Query param "-date_from" has invalid value: "date_from" cannot be negated"#,
                r#"action: Query param "action" has invalid value: "create," has an empty value between commas"#,
                r#"-action: Query param "-action" provided more than once, found 2 times. Only provide 1 instance of this query param."#,
                r#"ip: Query param "ip" has invalid value: "10.0.0.0/33" is not an IP address or CIDR block"#,
                r#"status_code: Query param "status_code" has invalid value: ">=-1" is not a number or a comparison with one (=, <, <=, >, >=)"#,
                r#"-bogus: "-bogus" is not a valid query param"#,
            ]
        );
        // A bad value in a list is reported as one would be alone, naming the key as given.
        assert_eq!(
            errs(ext("action:create,explode")),
            [r#"action: Query param "action" has invalid value: "explode" is not a valid value"#]
        );
        assert_eq!(
            errs(ext("-action:explode -request_id:x,y")),
            [
                r#"-request_id: Query param "-request_id" must be a valid uuid"#,
                r#"-action: Query param "-action" has invalid value: "explode" is not a valid value"#,
            ]
        );
        assert_eq!(errs(ext("status_code:2147483648")).len(), 1);
        assert_eq!(errs(ext("date_to:2026-01-01,2026-01-02")).len(), 1);
        // The Coder dialect knows none of it.
        assert_eq!(
            errs(audit("-action:login ip:10.0.0.0/8")),
            [r#"-action: "-action" is not a valid query param"#, r#"ip: "ip" is not a valid query param"#]
        );
    }

    #[test]
    fn limits() {
        let long = "a".repeat(5000);
        assert_eq!(audit(&long), Err(ParseError::Limit { what: "audit_ext.max_query_length", found: 5000, max: 4096 }));
        let many: String = (0..40).map(|i| format!("k{i}:v ")).collect();
        assert_eq!(audit(&many), Err(ParseError::Limit { what: "audit_ext.max_query_terms", found: 40, max: 32 }));
    }
}

/// Random and adversarial inputs: every string parses or fails with validations / a limit, never panics,
/// and work stays linear in the input. (The long coverage-guided fuzz run is a separate command.)
#[cfg(test)]
mod robustness {
    use super::tests::FixedCatalog;
    use super::*;

    /// xorshift64*: deterministic, no dependency.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
        }
    }

    const PIECES: &[&str] = &[
        " ",
        ":",
        "\"",
        "'",
        "\\",
        "-",
        "T",
        "Z",
        "+",
        ".",
        ",",
        "0",
        "1",
        "2",
        "9",
        "me",
        "ME",
        "a",
        "é",
        "İ",
        "Σ",
        "\u{200b}",
        "\u{feff}",
        "🙂",
        "\t",
        "\n",
        "$$",
        ";",
        "--",
        "/*",
        "*/",
        "%",
        "_",
        "{",
        "}",
        "action",
        "username",
        "date_from",
        "date_to",
        "resource_type",
        "organization",
        "build_reason",
        "request_id",
        "email",
        "coder",
        "workspace",
        "delete",
        "2026-01-01",
        "2026-02-30",
        "00000000-0000-0000-0000-000000000000",
        "6b8f2c3a-1111-4222-8333-444455556666",
        "status",
        "type",
        "ssh",
        "connected_after",
        "ongoing",
        "OR 1=1",
        "ip",
        "status_code",
        "10.0.0.0/8",
        ">=",
        "<",
        "/",
        "::1",
        "4294967296",
    ];

    #[test]
    fn random_queries_never_panic() {
        let limits = Limits { max_length: 4096, max_terms: 32 };
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        let mut outcomes = [0usize; 3];
        for _ in 0..100_000 {
            let n = (rng.next() % 24) as usize;
            let q: String = (0..n).map(|_| PIECES[(rng.next() % PIECES.len() as u64) as usize]).collect();
            for (log, dialect) in [Log::Audit, Log::Connection].into_iter().flat_map(|l| Dialect::ALL.map(|d| (l, d))) {
                match parse_in(dialect, log, &q, limits, &FixedCatalog) {
                    Ok(f) => {
                        outcomes[0] += 1;
                        let _ = f.to_json();
                    }
                    Err(ParseError::Invalid(v)) => {
                        outcomes[1] += 1;
                        assert!(!v.is_empty(), "{q:?}: invalid with no validations");
                    }
                    Err(ParseError::Limit { .. }) => outcomes[2] += 1,
                }
            }
        }
        // The generator reaches both valid filters and every kind of validation.
        assert!(outcomes[0] > 1000 && outcomes[1] > 1000, "{outcomes:?}");
    }

    #[test]
    fn a_megabyte_parses_in_linear_time() {
        let limits = Limits { max_length: 2 << 20, max_terms: 1 << 20 };
        let t = std::time::Instant::now();
        let bare = "workspace ".repeat(100_000); // 1 MB of free text
        assert!(matches!(parse(Log::Audit, &bare, limits, &FixedCatalog), Err(ParseError::Invalid(_))));
        let quotes = "\"".repeat(1 << 20);
        let _ = parse(Log::Audit, &quotes, limits, &FixedCatalog);
        let pairs = "k:v ".repeat(250_000);
        assert!(matches!(parse(Log::Audit, &pairs, limits, &FixedCatalog), Err(ParseError::Invalid(_))));
        assert!(t.elapsed().as_secs() < 20, "took {:?}", t.elapsed());
    }
}
