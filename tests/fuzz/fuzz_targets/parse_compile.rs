//! Fuzz target: filter text → `dsl::parse` → `Filter::to_json` → `plan::compile` → `plan::render::render`,
//! the pure path behind every audit_ext SQL function, with invariants checked on every result:
//!
//! * nothing panics (including arithmetic overflow: the profile keeps overflow checks on);
//! * a parse error carries at least one validation, a limit error names a real excess;
//! * compile fails only for `me` without an actor;
//! * the fragment's `$n` placeholders are exactly `$1 … $len(params)`, each used;
//! * the fragment's SQL is fixed text: no quote, comment, semicolon or backslash, and every word in it is a
//!   known keyword, table, column, type or enum constant — user text is only ever a bound parameter;
//! * the rendered SQL (parameters spliced in with PostgreSQL's `quote_literal` rules) lexes back into the
//!   same fixed text plus well-formed literals: no value can break out of its quotes.
//!
//! Input layout: byte 0 selects the context, the rest (UTF-8, lossily) is the filter text.
//!   bit 0      log: 0 audit, 1 connection
//!   bits 1–2   access: 0 all, 1 no organizations, 2 organization "coder", 3 two organizations
//!   bit 3      actor: 0 none (so `me` is an error), 1 alice
//!   bits 4–5   Coder's schema generation: 0 G1, 1 G2, 2–3 G3 (connection methods)
//!   bit 6      schema: 0 `public`, 1 `"My Schema"`
//! so the seeds' ASCII digits mean: `0` audit/all, `1` connection/all, `4`/`5` org-scoped, `8`/`9` with an
//! actor; letters (bit 6 set) use the quoted schema.
//!
//! With AUDIT_EXT_FUZZ_TIMING=1 in the environment, every new slowest input is reported on stderr
//! (microseconds of CPU time and length), to show the time per input stays bounded.
#![no_main]

use audit_ext::dsl::parse::Value;
use audit_ext::dsl::{self, Catalog, Limits, Log, ParseError};
use audit_ext::plan::{self, profile::Profile, render::render, Access, Fragment, Resolver};
use libfuzzer_sys::fuzz_target;
use uuid::Uuid;

#[path = "timing.rs"]
mod timing;

/// The GUC defaults (audit_ext.max_query_length, audit_ext.max_query_terms).
const LIMITS: Limits = Limits { max_length: 4096, max_terms: 32 };

const ORG_CODER: Uuid = Uuid::from_u128(0x9f3a6c1e_0000_4000_8000_000000000001);
const ORG_ACME: Uuid = Uuid::from_u128(0x9f3a6c1e_0000_4000_8000_000000000002);
const ALICE: Uuid = Uuid::from_u128(0xa11ce000_0000_4000_8000_000000000001);
const ALICE_OLD: Uuid = Uuid::from_u128(0xa11ce000_0000_4000_8000_000000000002);
const BOB: Uuid = Uuid::from_u128(0xb0b00000_0000_4000_8000_000000000001);

/// Coder's enum labels (tests/fixture/schema.sql) and two organizations; `methods` when connection logs
/// record methods (Coder G3).
struct FuzzCatalog {
    methods: bool,
}

impl Catalog for FuzzCatalog {
    fn enum_has(&self, type_name: &str, label: &str) -> bool {
        let labels: &[&str] = match type_name {
            "resource_type" => &[
                "organization", "template", "template_version", "user", "workspace", "git_ssh_key", "api_key",
                "group", "workspace_build", "license", "workspace_proxy", "convert_login", "health_settings",
                "oauth2_provider_app", "oauth2_provider_app_secret", "custom_role", "organization_member",
                "notifications_settings", "notification_template", "idp_sync_settings_organization",
                "idp_sync_settings_group", "idp_sync_settings_role", "workspace_agent", "workspace_app",
                "prebuilds_settings", "task", "ai_seat", "chat",
            ],
            "audit_action" => &[
                "create", "write", "delete", "start", "stop", "login", "logout", "register", "request_password_reset",
                "connect", "disconnect", "open", "close",
            ],
            "build_reason" => &[
                "initiator", "autostart", "autostop", "dormancy", "failedstop", "autodelete", "dashboard", "cli",
                "ssh_connection", "vscode_connection", "jetbrains_connection", "task_auto_pause", "task_manual_pause",
                "task_resume",
            ],
            "connection_log_method" if self.methods => &["ssh", "reconnecting_pty", "workspace_app", "port_forwarding", "tunnel"],
            "connection_type" if !self.methods => {
                &["ssh", "vscode", "jetbrains", "reconnecting_pty", "workspace_app", "port_forwarding", "tunnel"]
            }
            other => panic!("the parser asked for an unknown enum type {other:?}"),
        };
        labels.contains(&label)
    }

    fn connection_methods(&self) -> bool {
        self.methods
    }

    fn organization_by_name(&self, name: &str) -> Option<Uuid> {
        match name {
            "coder" => Some(ORG_CODER),
            "acme" => Some(ORG_ACME),
            _ => None,
        }
    }
}

/// Users: alice (plus a deleted alice with the same email), bob; no match, one id and several ids.
struct FuzzResolver;

impl Resolver for FuzzResolver {
    fn user_by_username(&self, username: &str) -> Option<Uuid> {
        match username {
            "alice" => Some(ALICE),
            "bob" => Some(BOB),
            _ => None,
        }
    }

    fn users_by_email(&self, email: &str, include_deleted: bool) -> Vec<Uuid> {
        if email.eq_ignore_ascii_case("alice@example.com") {
            if include_deleted {
                vec![ALICE, ALICE_OLD]
            } else {
                vec![ALICE]
            }
        } else if email.eq_ignore_ascii_case("bob@x.io") {
            vec![BOB]
        } else {
            vec![]
        }
    }

    /// Coder's stock indexes lead with these; request_id and resource_target have none (no advice applied), so
    /// both forms of an organization reader's clause are compiled.
    fn leads_an_index(&self, _log: Log, column: &str) -> bool {
        matches!(column, "user_id" | "resource_id" | "workspace_owner_id" | "workspace_id" | "connection_id")
    }
}

/// Every word the compiled SQL may contain. Anything else would be user text spliced into the SQL.
const WORDS: &[&str] = &[
    // SQL
    "AND", "OR", "NOT", "IN", "IS", "NULL", "TRUE", "ANY", "EXISTS", "SELECT", "FROM", "WHERE", "JOIN", "ON", "true",
    "false", "1", "OFFSET", "0", "LATERAL", "ALL",
    // tables and aliases
    "audit_logs", "connection_logs", "workspace_builds", "workspaces", "wb", "w",
    // columns
    "request_id", "resource_id", "resource_target", "user_id", "time", "organization_id", "resource_type",
    "action", "workspace_owner_id", "type", "connect_time", "workspace_id", "connection_id", "disconnect_time",
    "id", "reason", "build_number", "slug_or_port", "connection_method", "app_name_or_port", "ip", "status_code",
    // types (schema-qualified enum constants; uuid / timestamptz / text[] casts of rendered literals)
    "audit_action", "connection_type", "connection_log_method", "build_reason", "uuid", "timestamptz", "text", "inet",
    // the schema as passed
    "public", "S",
];

/// The enum constants the compiler writes itself (never user input), as they appear in the raw fragment.
const CONSTANTS: &[&str] = &["'workspace_build'::", "'workspace'::", "'create'::", "'workspace_app'::", "'port_forwarding'::"];

/// Checks that `sql` (with the schema already replaced by `S`, literals and placeholders removed) is fixed
/// text: only known words, no quotes, comments, statement separators or escapes.
fn assert_fixed_text(sql: &str, q: &str, what: &str) {
    for bad in ["'", ";", "--", "/*", "*/", "\\", "$$", "\0"] {
        assert!(!sql.contains(bad), "{what}: {bad:?} in fixed SQL text for {q:?}: {sql}");
    }
    let mut depth = 0i32;
    for c in sql.chars() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                assert!(depth >= 0, "{what}: unbalanced ')' for {q:?}: {sql}");
            }
            'a'..='z' | 'A'..='Z' | '0'..='9' | '_' | ' ' | '.' | '"' | '=' | '<' | '>' | ',' | ':' | '[' | ']' | '$' => {}
            other => panic!("{what}: unexpected character {other:?} in fixed SQL text for {q:?}: {sql}"),
        }
    }
    assert_eq!(depth, 0, "{what}: unbalanced '(' for {q:?}: {sql}");
    assert_eq!(sql.matches('"').count() % 2, 0, "{what}: unbalanced '\"' for {q:?}: {sql}");
    // A number is a rendered `status_code:` value (extended dialect): digits only, which change no syntax.
    for word in sql
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty() && !w.bytes().all(|b| b.is_ascii_digit()))
    {
        assert!(WORDS.contains(&word), "{what}: unexpected word {word:?} in SQL for {q:?}: {sql}");
    }
}

/// The placeholders of `sql` in order of appearance, and `sql` with each one replaced by `$`.
fn placeholders(sql: &str) -> (Vec<usize>, String) {
    let b = sql.as_bytes();
    let (mut ns, mut rest) = (Vec::new(), String::with_capacity(sql.len()));
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'$' && i + 1 < b.len() && b[i + 1].is_ascii_digit() {
            let mut j = i + 1;
            while j < b.len() && b[j].is_ascii_digit() {
                j += 1;
            }
            ns.push(sql[i + 1..j].parse().expect("placeholder number"));
            rest.push('$');
            i = j;
        } else {
            rest.push(b[i] as char); // checked to be ASCII before this is called
            i += 1;
        }
    }
    (ns, rest)
}

/// PostgreSQL's `quote_literal` (what `*_predicate()` uses): `''` for `'`, and `E'...'` with doubled
/// backslashes when there are any.
fn pg_quote(s: &str) -> String {
    let body = s.replace('\\', "\\\\").replace('\'', "''");
    if s.contains('\\') {
        format!("E'{body}'")
    } else {
        format!("'{body}'")
    }
}

/// Lexes rendered SQL as PostgreSQL does (standard_conforming_strings = on): removes every string literal
/// (`'...'` with `''`, `E'...'` with `''` and backslash escapes) and returns what is left, with the number
/// of literals. Panics on an unterminated literal.
fn strip_literals(sql: &str, q: &str) -> (String, usize) {
    let b = sql.as_bytes();
    let mut out = String::with_capacity(sql.len());
    let mut n = 0;
    let mut i = 0;
    while i < b.len() {
        let escaped = b[i] == b'E' && b.get(i + 1) == Some(&b'\'') && (i == 0 || !b[i - 1].is_ascii_alphanumeric() && b[i - 1] != b'_');
        if b[i] == b'\'' || escaped {
            i += if escaped { 2 } else { 1 };
            loop {
                match b.get(i) {
                    None => panic!("unterminated literal in rendered SQL for {q:?}: {sql}"),
                    Some(b'\\') if escaped => i += 2,
                    Some(b'\'') if b.get(i + 1) == Some(&b'\'') => i += 2,
                    Some(b'\'') => {
                        i += 1;
                        break;
                    }
                    Some(_) => i += 1,
                }
            }
            n += 1;
            out.push_str(" L ");
        } else {
            let c = sql[i..].chars().next().expect("in bounds");
            out.push(c);
            i += c.len_utf8();
        }
    }
    (out, n)
}

fn check_fragment(frag: &Fragment, qschema: &str, q: &str) {
    assert!(frag.sql.is_ascii(), "non-ASCII SQL for {q:?}: {}", frag.sql);
    let sql = frag.sql.replace(qschema, "S");
    let (ns, mut fixed) = placeholders(&sql);
    let n = frag.params.len();
    for &p in &ns {
        assert!((1..=n).contains(&p), "placeholder ${p} with {n} params for {q:?}: {}", frag.sql);
    }
    for p in 1..=n {
        assert!(ns.contains(&p), "param ${p} of {n} never used for {q:?}: {}", frag.sql);
    }
    for c in CONSTANTS {
        fixed = fixed.replace(c, " ::");
    }
    assert_fixed_text(&fixed, q, "fragment");

    // `build_reason:` alone: the count's FROM clauses are fixed text too, and bind only the fragment's parameters.
    if let Some(builds) = &frag.builds {
        for from in &builds.from {
            let from = from.replace(qschema, "S");
            let (bs, mut fixed) = placeholders(&from);
            assert!(bs.iter().all(|p| (1..=n).contains(p)), "placeholder beyond {n} params for {q:?}: {from}");
            for c in CONSTANTS {
                fixed = fixed.replace(c, " ::");
            }
            assert_fixed_text(&fixed.replace("audit_logs.*", "audit_logs"), q, "builds");
        }
    }

    // Rendered: every parameter becomes exactly one literal (a build_reason label is used twice).
    let rendered = render(frag, qschema, &pg_quote);
    let rendered = rendered.replace(qschema, "S");
    let (outside, literals) = strip_literals(&rendered, q);
    let constants: usize = CONSTANTS.iter().map(|c| sql.matches(c).count()).sum();
    // Numbers render bare, not quoted.
    let numbers = ns.iter().filter(|&&p| matches!(frag.params[p - 1], plan::Param::Int(_))).count();
    assert_eq!(literals + numbers, ns.len() + constants, "literal count for {q:?}: {rendered}");
    let outside = outside.replace(" L ", " ");
    assert_fixed_text(&outside, q, "rendered");
}

fn one(data: &[u8]) {
    let Some((&sel, text)) = data.split_first() else { return };
    let q = String::from_utf8_lossy(text);
    let log = if sel & 1 == 0 { Log::Audit } else { Log::Connection };
    let access = match (sel >> 1) & 3 {
        0 => Access::All,
        1 => Access::Organizations(vec![]),
        2 => Access::Organizations(vec![ORG_CODER]),
        _ => Access::Organizations(vec![ORG_CODER, ORG_ACME]),
    };
    let actor = (sel & 8 != 0).then_some(ALICE);
    let qschema = if sel & 64 == 0 { "public" } else { "\"My Schema\"" };
    let generation = ((sel >> 4) & 3).clamp(0, 2) + 1;
    let profile = Profile::generation_for_tests(qschema, generation);

    let dialect = if sel & 128 == 0 { dsl::Dialect::Coder } else { dsl::Dialect::Extended };
    let filter = match dsl::parse_in(dialect, log, &q, LIMITS, &FuzzCatalog { methods: generation == 3 }) {
        Ok(f) => f,
        Err(ParseError::Invalid(v)) => {
            assert!(!v.is_empty(), "invalid without validations for {q:?}");
            let _ = dsl::errors::to_json(&v).to_string();
            return;
        }
        Err(ParseError::Limit { found, max, .. }) => {
            assert!(found > max, "limit error within the limit ({found} <= {max}) for {q:?}");
            return;
        }
    };
    assert_eq!(filter.log, log);
    assert!(filter.terms.len() <= LIMITS.max_terms);
    let _ = filter.to_json().to_string();

    let has_me = filter.terms.iter().any(|t| match &t.value {
        Value::Any(vs) => vs.contains(&Value::Me),
        v => *v == Value::Me,
    });
    match plan::compile(&filter, &access, actor, &profile, &FuzzResolver) {
        Ok(frag) => check_fragment(&frag, qschema, &q),
        Err(v) => {
            assert!(!v.is_empty(), "compile failed without validations for {q:?}");
            assert!(actor.is_none() && has_me, "compile failed other than for `me` without an actor for {q:?}: {v:?}");
        }
    }
}

fuzz_target!(|data: &[u8]| timing::run(data, one));
