//! Fuzz target: stored row values → `shape::audit_log` / `shape::connection_log`, the pure response path of
//! every audit_ext page (after `exec::page` read the rows, before `exec::jsonb` encodes the result). From the
//! input bytes it builds an `AuditRow` or a `ConnectionRow` and a `Joined` that may or may not hold the row's
//! users and organization, with values PostgreSQL can store (text without NUL, jsonb without `\u0000` and with
//! finite numbers, int4 status codes, timestamps from -infinity to infinity) and then some it cannot (unparsable
//! `host()` text, NULL in NOT NULL columns). On every input it checks:
//!
//! * nothing panics (the profile keeps overflow checks and debug assertions on);
//! * shaping fails (`Unrenderable`) exactly when a timestamp that goes into the entry lies outside the years
//!   0–9999 that Go's `Time.MarshalJSON` can print (±infinity, 4713 BC, 294276 AD: Coder's handler fails on
//!   them too), and the error names one of those values;
//! * shaping is deterministic: the same row again, with the same `Joined` (its user cache now warm) and with a
//!   fresh one, gives the same JSON;
//! * the JSON serializes, and parses back (without serde_json's depth limit) equal;
//! * `link_fields` returns, for each key, "" or a string value of the object under that key (ASCII case aside);
//! * (once per process) a row with `diff` and `additional_fields` nested 16,000 deep, as deep as PostgreSQL
//!   stores jsonb at its default max_stack_depth, shapes on an 8 MB stack without overflowing it;
//! * the entry is valid against the client tier's JSON Schemas (tests/client/*.schema.json, formats asserted
//!   as the Python tier asserts them): `AuditLog`, `ConnectionLog` of connection_log.schema.json for
//!   `Connections::Types` (Coder G1, G2), of connection_log_g3.schema.json for `Connections::Methods` (G3).
//!
//! Before validation, a few values that no schema can describe are checked for audit_ext's exact behaviour and
//! then replaced by a schema value (a *tolerance*, listed below, reported on stderr the first time it applies; with AUDIT_EXT_FUZZ_STRICT=1 in the environment any tolerance fails the input instead):
//!
//! * `ip`: text that is no address (`host()` never returns such text): passed through verbatim;
//! * `label`: an enum label the schema does not list (a resource type, action, user status, login type, build
//!   reason newer than the schema, or `carrier_pigeon`): passed through verbatim, as Coder's Go does;
//! * `kind`: a connection type / method audit_ext does not know: the label verbatim in `type` (and
//!   `connection_method`), and neither `web_info` nor `ssh_info`, as Coder's enum-era switch does;
//! * `app_name`: a G3 app name that is not what Coder's write path stores (normalised): passed through verbatim;
//! * `app_name_ecma`: a normalised G3 app name with U+2028 / U+2029 inside or U+FEFF at an end, which Coder
//!   keeps but the schema's `^\S(.*\S)?$` rejects under ECMA-262 regex semantics (`.` excludes line
//!   terminators, `\s` includes U+FEFF): a schema disagreement;
//! * `zero_user`: the zero `User` Coder and audit_ext send for a connection's user without a users row has
//!   `status` "", which the schema's `UserStatus` does not list (a schema disagreement; also a NULL status).
//!
//! Input layout (every read past the end gives 0, so a short input is a simple row; tests/fuzz/seeds.py writes
//! the seed corpus in this layout): byte 0 mod 3 selects the log: 0 audit, 1 connection (Types), 2 connection
//! (Methods); then the row's fields in struct order, then the `Joined` users and organizations. A choice is
//! one byte mod the number of choices; a uuid, time, text or JSON value starts with its kind (see the functions
//! below).
//!
//! With AUDIT_EXT_FUZZ_TIMING=1 in the environment, every new slowest input is reported on stderr
//! (microseconds of CPU time and length), and each tolerance the first time it applies; with
//! AUDIT_EXT_FUZZ_DEBUG=1 each input's row, joined values and entry are printed (to read a seed or a crash).
#![no_main]

use audit_ext::dsl::apps;
use audit_ext::dsl::gotime::Instant;
use audit_ext::plan::lookups::LINK_FIELDS;
use audit_ext::plan::profile::Connections;
use audit_ext::shape::{self, AuditRow, ConnectionRow, Joined, Organization, Unrenderable, UserRow};
use libfuzzer_sys::fuzz_target;
use serde::Deserialize;
use serde_json::{json, Map, Number, Value};
use std::net::IpAddr;
use std::sync::{Mutex, OnceLock};
use timing::{env_on, timing};
use uuid::Uuid;

#[path = "timing.rs"]
mod timing;

// ------------------------------------------------------------------------------------------------ input

/// The fuzzer's bytes, read front to back; past the end every read is 0. `deep`: whether this input has had
/// its one deeply nested JSON chain (each costs milliseconds to build, clone, print, parse and drop).
struct In<'a> {
    b: &'a [u8],
    deep: bool,
}

impl In<'_> {
    fn byte(&mut self) -> u8 {
        match self.b.split_first() {
            Some((&b, rest)) => {
                self.b = rest;
                b
            }
            None => 0,
        }
    }
    /// One of `n` (≤ 256) choices.
    fn pick(&mut self, n: usize) -> usize {
        usize::from(self.byte()) % n
    }
    fn flag(&mut self) -> bool {
        self.byte() & 1 == 1
    }
    fn array<const N: usize>(&mut self) -> [u8; N] {
        std::array::from_fn(|_| self.byte())
    }
    fn u16(&mut self) -> u16 {
        u16::from_le_bytes(self.array())
    }
    fn u32(&mut self) -> u32 {
        u32::from_le_bytes(self.array())
    }
    fn u64(&mut self) -> u64 {
        u64::from_le_bytes(self.array())
    }
    fn take(&mut self, n: usize) -> &[u8] {
        let (a, b) = self.b.split_at(n.min(self.b.len()));
        self.b = b;
        a
    }
    fn one<'s>(&mut self, from: &[&'s str]) -> &'s str {
        from[self.pick(from.len())]
    }
    fn opt<T>(&mut self, f: impl FnOnce(&mut Self) -> T) -> Option<T> {
        self.flag().then(|| f(self))
    }
}

// ------------------------------------------------------------------------------------------------ values

const ALICE: Uuid = Uuid::from_u128(0xa11ce000_0000_4000_8000_000000000001);
const BOB: Uuid = Uuid::from_u128(0xb0b00000_0000_4000_8000_000000000001);
const ORG: Uuid = Uuid::from_u128(0x9f3a6c1e_0000_4000_8000_000000000001);

/// 0 nil, 1 alice, 2 bob, 3 an organization, 4 all ones, else 16 bytes.
fn uuid(r: &mut In) -> Uuid {
    match r.pick(8) {
        0 => Uuid::nil(),
        1 => ALICE,
        2 => BOB,
        3 => ORG,
        4 => Uuid::max(),
        _ => Uuid::from_bytes(r.array()),
    }
}

/// PostgreSQL's timestamptz range in microseconds since 2000-01-01 (`MIN_TIMESTAMP`, 4714-11-24 BC, and
/// `END_TIMESTAMP`, 294277-01-01, exclusive); -infinity and infinity are i64::MIN and i64::MAX.
const PG_MIN: i64 = -211_813_488_000_000_000;
const PG_END: i64 = 9_223_371_331_200_000_000;
/// What Go's `Time.MarshalJSON` can print: years 0 to 9999.
const GO_MIN: i64 = -63_113_904_000_000_000;
const GO_END: i64 = 252_455_616_000_000_000;
/// Go's zero time, 0001-01-01T00:00:00Z.
const GO_ZERO: i64 = -63_082_281_600_000_000;

fn go_years(t: i64) -> bool {
    (GO_MIN..GO_END).contains(&t)
}

fn in_range(r: &mut In, lo: i64, end: i64) -> i64 {
    let span = (i128::from(end) - i128::from(lo)) as u64;
    (i128::from(lo) + i128::from(r.u64() % span)) as i64
}

/// 0 is 2000-01-01; then ±infinity, PostgreSQL's and Go's range ends (each side), Go's zero time, any time
/// Go can print, any PostgreSQL can store, any i64.
fn time(r: &mut In) -> i64 {
    match r.pick(16) {
        0 => 0,
        1 => i64::MIN,
        2 => i64::MAX,
        3 => PG_MIN,
        4 => PG_END - 1,
        5 => GO_MIN,
        6 => GO_MIN - 1,
        7 => GO_END - 1,
        8 => GO_END,
        9 => GO_ZERO,
        10 => -1,
        11..=13 => in_range(r, GO_MIN, GO_END),
        14 => in_range(r, PG_MIN, PG_END),
        _ => r.u64() as i64,
    }
}

const STATUS: &[i32] = &[200, 201, 204, 0, -1, 1, 100, 199, 302, 303, 304, 399, 400, 401, 403, 404, 499, 500, 599, i32::MIN, i32::MIN + 1, i32::MAX];

/// An int4: one of the codes around Coder's thresholds (200 first), or any.
fn status(r: &mut In) -> i32 {
    match r.pick(4) {
        3 => r.u32() as i32,
        _ => STATUS[r.pick(STATUS.len())],
    }
}

/// Strings that exercised something somewhere: empty, space, quotes, escapes, placeholders, case folding (ſ,
/// the Kelvin sign, dotted İ, ß), combining marks, line and paragraph separators, BOM, zero-width space,
/// controls (C0, DEL, C1), surrogate neighbours, the last code point, 4-byte characters.
const WORDS: &[&str] = &[
    "", "alice", " ", "a", "coder", "é", "e\u{301}", "\u{2028}", "\u{2029}", "\u{85}", "\u{7f}", "\u{1}", "\t", "\n",
    "\r\n", "\"", "\\", "'", "{user}", "{target}", "😀", "\u{10ffff}", "\u{fffd}", "\u{feff}", "\u{200b}", "\u{e000}",
    "\u{d7ff}", "ſ", "\u{212a}", "İ", "ß", "%s", "<script>", "null", "../", "0", "-1", "1e308", "Ω", "\u{1f}", "\u{9f}",
    "👩\u{200d}👩\u{200d}👧", "🇺🇳", "a\u{300}\u{301}\u{302}\u{303}", "\u{202e}abc", "ﬁ", "ǅ", "\u{1d400}",
];

/// Multi-byte characters of every width (2: é, U+0301; 3: U+2028, €, U+FEFF, U+FFFD; 4: 😀, U+10FFFF).
const WIDE: &[char] = &['é', '\u{301}', '\u{2028}', '€', '\u{feff}', '\u{fffd}', '😀', '\u{10ffff}', 'ſ', '\u{212a}'];

/// Code point ranges to draw characters from.
const RANGES: &[(u32, u32)] = &[
    (0x20, 0x7e),
    (0x01, 0x1f),
    (0x7f, 0x9f),
    (0xa0, 0x2ff),
    (0x300, 0x36f),
    (0x2000, 0x206f),
    (0xd7f0, 0xd7ff),
    (0xe000, 0xe0ff),
    (0xfff0, 0xffff),
    (0x10000, 0x1ffff),
    (0x10fff0, 0x10ffff),
    (0x01, 0x10ffff),
];

fn chr(r: &mut In) -> char {
    let (lo, hi) = RANGES[r.pick(RANGES.len())];
    let c = lo + r.u32() % (hi - lo + 1);
    char::from_u32(c).filter(|&c| c != '\0').unwrap_or('\u{fffd}')
}

/// A uuid in one of Go's accepted forms (`urn:uuid:…` 45 bytes, `{…}` 38, canonical 36, bare 32; any case),
/// unchanged, or with a multi-byte character replacing bytes at some offset (the same length), inserted
/// (longer), or cut short.
fn uuid_text(r: &mut In) -> String {
    let id = uuid(r);
    let h = id.hyphenated().to_string();
    let mut s = match r.pick(6) {
        0 => h,
        1 => format!("urn:uuid:{h}"),
        2 => format!("{{{h}}}"),
        3 => id.simple().to_string(),
        4 => format!("URN:UUID:{}", h.to_uppercase()),
        _ => h.to_uppercase(),
    };
    // All ASCII so far: every byte offset is a character boundary.
    match r.pick(4) {
        0 => {}
        1 => {
            let c = WIDE[r.pick(WIDE.len())];
            let n = c.len_utf8();
            let at = usize::from(r.byte()) % (s.len() - n + 1);
            s.replace_range(at..at + n, c.encode_utf8(&mut [0; 4]));
        }
        2 => {
            let c = WIDE[r.pick(WIDE.len())];
            let at = usize::from(r.byte()) % (s.len() + 1);
            s.insert(at, c);
        }
        _ => {
            let at = usize::from(r.byte()) % (s.len() + 1);
            s.truncate(at);
        }
    }
    s
}

/// Text PostgreSQL can store (valid UTF-8 without NUL): 0 empty, a word, lossy bytes, a uuid-like form,
/// drawn characters, a concatenation, a repetition (up to 4096 bytes).
fn text(r: &mut In, depth: u8) -> String {
    let s = match r.pick(10) {
        0 => String::new(),
        1 | 2 => r.one(WORDS).to_string(),
        3 => {
            let n = usize::from(r.byte());
            String::from_utf8_lossy(r.take(n)).into_owned()
        }
        4 | 5 => uuid_text(r),
        6 => (0..r.pick(24)).map(|_| chr(r)).collect(),
        7 if depth < 2 => (0..2 + r.pick(2)).map(|_| text(r, depth + 1)).collect(),
        8 if depth < 2 => {
            let piece = text(r, 2);
            let n = usize::from(r.u16()) % 4096;
            piece.repeat(n.min(4096 / piece.len().max(1)))
        }
        _ => r.one(WORDS).to_string(),
    };
    s.replace('\0', "")
}

/// An enum label: one of `known` (6 in 8, the first for 0), one audit_ext has never seen, or any text (what a
/// newer Coder's enum could hold).
const UNSEEN: &[&str] = &[
    "carrier_pigeon", "frozen", "egress", "file_transfer", "idp_sync_settings_", "idp_sync_settings_scim", "CREATE",
    "Workspace", "api_key ", "", "unknown", "vscode", "jetbrains", "ssh ", "SSH", "port_forward", "x",
];

fn label(r: &mut In, known: &[&str]) -> String {
    match r.pick(8) {
        0..=5 => r.one(known).to_string(),
        6 => r.one(UNSEEN).to_string(),
        _ => text(r, 1),
    }
}

const RESOURCE_TYPES: &[&str] = &[
    "workspace", "template", "template_version", "user", "workspace_build", "git_ssh_key", "api_key", "group",
    "license", "convert_login", "health_settings", "notifications_settings", "prebuilds_settings",
    "oauth2_provider_settings", "workspace_proxy", "organization", "oauth2_provider_app", "oauth2_provider_app_secret",
    "custom_role", "organization_member", "notification_template", "idp_sync_settings_organization",
    "idp_sync_settings_group", "idp_sync_settings_role", "workspace_agent", "workspace_app", "task", "ai_seat", "chat",
    "ai_provider", "user_secret", "experiment_rule",
];
const ACTIONS: &[&str] = &[
    "create", "write", "delete", "start", "stop", "login", "logout", "register", "request_password_reset", "connect",
    "disconnect", "open", "close",
];
const BUILD_REASONS: &[&str] = &[
    "initiator", "autostart", "autostop", "dormancy", "failedstop", "autodelete", "dashboard", "cli", "ssh_connection",
    "vscode_connection", "jetbrains_connection", "task_auto_pause", "task_manual_pause", "task_resume", "unknown",
];
const USER_STATUS: &[&str] = &["active", "dormant", "suspended"];
const LOGIN_TYPES: &[&str] = &["password", "github", "oidc", "token", "none", "oauth2_provider_app"];
const ROLES: &[&str] = &["member", "owner", "auditor", "template-admin", "user-admin", "organization-admin", "custom"];
const TYPES: &[&str] = &["ssh", "vscode", "jetbrains", "reconnecting_pty", "workspace_app", "port_forwarding", "tunnel"];
const METHODS: &[&str] = &["ssh", "reconnecting_pty", "workspace_app", "port_forwarding", "tunnel"];
/// G3 app names (registry, down-migration members, unknown) and web slugs / ports.
const APP_NAMES: &[&str] = &[
    "vscode", "cursor", "pycharm", "jetbrains", "zed", "ssh", "reconnecting_pty", "code_server", "my_tool", "8080",
    "code-server", "Cursor", " vscode", "vscode ", "vs\u{1}code", "app", "é", "\u{2028}", "a\u{2028}b",
];

/// An IPv4 or IPv6 address as PostgreSQL's `host()` prints it (and as Rust does), IPv4-mapped and -compatible
/// forms, odd ones, and text `host()` never returns (masks, zones, garbage).
const ODD_IPS: &[&str] = &[
    "::ffff:1.2.3.4", "::0.2.0.3", "::", "::1", "0.0.0.0", "255.255.255.255", "FE80::1", "64:ff9b::1.2.3.4", "::ffff:0:0",
    "fe80::1%eth0", "1.2.3.4/24", "::1/128", "1.2.3", "01.2.3.4", "::ffff:999.1.1.1", "", "localhost", "1.2.3.4 ",
    "1:2:3:4:5:6:7:8:9", "::ffff:1.2.3.4/120", "[::1]",
];

fn ip(r: &mut In) -> String {
    match r.pick(10) {
        0 => std::net::Ipv4Addr::from(r.array::<4>()).to_string(),
        1 => std::net::Ipv6Addr::from(r.array::<16>()).to_string(),
        2 => {
            let a = std::net::Ipv6Addr::from(r.array::<16>()).segments();
            a.map(|x| format!("{x:x}")).join(":")
        }
        3 => format!("::ffff:{}", std::net::Ipv4Addr::from(r.array::<4>())),
        4 => format!("::{}", std::net::Ipv4Addr::from(r.array::<4>())),
        5 | 6 => r.one(ODD_IPS).to_string(),
        7 => format!("{}/{}", std::net::Ipv4Addr::from(r.array::<4>()), r.byte() % 40),
        8 => format!("{}/{}", std::net::Ipv6Addr::from(r.array::<16>()), r.byte()),
        _ => text(r, 1),
    }
}

/// A jsonb number: integers at the ends of i64 / u64, f64's extremes, the smallest subnormal, -0, any.
fn number(r: &mut In) -> Number {
    let f = |x: f64| Number::from_f64(x).unwrap_or_else(|| Number::from(0));
    match r.pick(16) {
        0 => Number::from(0),
        1 => Number::from(u64::MAX),
        2 => Number::from(i64::MIN),
        3 => Number::from(i64::MAX),
        4 => f(1e308),
        5 => f(f64::MAX),
        6 => f(-f64::MAX),
        7 => f(f64::MIN_POSITIVE),
        8 => f(5e-324),
        9 => f(-0.0),
        10 => f(0.1),
        11 => Number::from(r.u64()),
        12 => Number::from(r.u64() as i64),
        13 => Number::from(i64::from(r.u32() as i32)),
        _ => f(f64::from_bits(r.u64())), // non-finite → 0: jsonb numbers are finite
    }
}

const KEYS: &[&str] = &[
    "old", "new", "secret", "name", "archived", "user_acl", "group_acl", "OLD", "New", "Secret", "ſecret", "workspace_id",
    "Workspace_ID", "workspace_name", "", " ", "a", "A", "é", "\u{2028}", "😀", "ttl",
];

fn key(r: &mut In) -> String {
    match r.pick(4) {
        3 => text(r, 1),
        _ => r.one(KEYS).to_string(),
    }
}

/// An object as jsonb stores it: of duplicate keys the last kept, keys ordered shorter first, then bytewise
/// (exec::jsonb decodes them in that order).
fn jsonb_object(mut entries: Vec<(String, Value)>) -> Value {
    entries.sort_by(|a, b| a.0.len().cmp(&b.0.len()).then_with(|| a.0.as_bytes().cmp(b.0.as_bytes())));
    let mut m = Map::new();
    for (k, v) in entries {
        m.insert(k, v); // equal keys are adjacent and in input order: the last one stays
    }
    Value::Object(m)
}

const MAX_DEPTH: u8 = 5;

/// Any jsonb document: null, a boolean, a number, a string, an array, an object, or (once per input) a chain
/// nested up to 2047 deep (around a scalar) (arrays, objects under one key, or `old`/`new` objects that the diff shaping keeps).
fn json(r: &mut In, depth: u8) -> Value {
    match r.pick(if depth >= MAX_DEPTH { 4 } else { 10 }) {
        0 => Value::Null,
        1 => Value::Bool(r.flag()),
        2 => Value::Number(number(r)),
        3 => Value::String(text(r, 1)),
        4 | 5 => Value::Array((0..r.pick(6)).map(|_| json(r, depth + 1)).collect()),
        6 | 7 => jsonb_object((0..r.pick(6)).map(|_| (key(r), json(r, depth + 1))).collect()),
        8 if !r.deep => {
            r.deep = true;
            let (n, how) = (usize::from(r.u16()) % 2048, r.pick(3));
            let mut v = json(r, MAX_DEPTH);
            for i in 0..n {
                v = match how {
                    0 => Value::Array(vec![v]),
                    1 => Value::Object(Map::from_iter([("a".to_string(), v)])), // not json!: it would copy v
                    _ => jsonb_object(vec![(if i % 2 == 0 { "new" } else { "old" }.to_string(), v)]),
                };
            }
            v
        }
        _ => Value::String(r.one(WORDS).to_string()),
    }
}

const FIELD_KEYS: &[&str] = &["old", "new", "secret", "OLD", "New", "Secret", "SECRET", "ſecret", "oLd", "extra", ""];

/// An audit diff: usually an object of fields shaped like `AuditDiffField` (any case, any values), else any
/// document.
fn diff(r: &mut In) -> Value {
    match r.pick(4) {
        1 => json(r, 0),
        2 => Value::Null,
        _ => jsonb_object((0..r.pick(5)).map(|_| (key(r), diff_field(r))).collect()),
    }
}

fn diff_field(r: &mut In) -> Value {
    match r.pick(4) {
        1 => json(r, 1),
        2 => json!({"old": r.flag(), "new": r.flag()}),
        _ => jsonb_object(
            (0..r.pick(4))
                .map(|_| {
                    let k = r.one(FIELD_KEYS).to_string();
                    let v = if r.flag() { Value::Bool(r.flag()) } else { json(r, 2) };
                    (k, v)
                })
                .collect(),
        ),
    }
}

const AF_KEYS: &[&str] = &[
    "workspace_name", "build_number", "build_reason", "workspace_owner", "workspace_id", "Workspace_ID", "WORKSPACE_NAME",
    "Build_Number", "BUILD_REASON", "Workspace_Owner", "workſpace_name", "wor\u{212a}space_id", "workspace_id ",
    "workspace", "extra", "",
];

/// `additional_fields`: null, any document, or an object of Coder's keys (in any case) and others, holding
/// strings, uuids in every form, build reasons, or anything else.
fn additional_fields(r: &mut In) -> Value {
    match r.pick(5) {
        0 => Value::Null,
        1 => json(r, 0),
        _ => jsonb_object(
            (0..r.pick(6))
                .map(|_| {
                    let k = if r.pick(4) == 3 { key(r) } else { r.one(AF_KEYS).to_string() };
                    let v = match r.pick(8) {
                        0 => Value::String(text(r, 0)),
                        1 => Value::String(uuid_text(r)),
                        2 => Value::String(label(r, BUILD_REASONS)),
                        3 => Value::Null,
                        4 => Value::Number(number(r)),
                        5 => Value::Bool(r.flag()),
                        6 => json(r, 1),
                        _ => Value::String(r.one(WORDS).to_string()),
                    };
                    (k, v)
                })
                .collect(),
        ),
    }
}

fn user_row(r: &mut In) -> UserRow {
    UserRow {
        username: r.opt(|r| text(r, 0)),
        name: r.opt(|r| text(r, 0)),
        email: r.opt(|r| text(r, 0)),
        created_at: r.opt(time),
        updated_at: r.opt(time),
        last_seen_at: r.opt(time),
        status: r.opt(|r| label(r, USER_STATUS)),
        login_type: r.opt(|r| label(r, LOGIN_TYPES)),
        roles: (0..r.pick(4)).map(|_| label(r, ROLES)).collect(),
        avatar_url: r.opt(|r| text(r, 0)),
    }
}

fn organization(r: &mut In) -> Organization {
    Organization { name: r.opt(|r| text(r, 0)), display_name: r.opt(|r| text(r, 0)), icon: r.opt(|r| text(r, 0)) }
}

fn audit_row(r: &mut In) -> AuditRow {
    AuditRow {
        id: uuid(r),
        request_id: uuid(r),
        time: time(r),
        ip: r.opt(ip),
        user_agent: r.opt(|r| text(r, 0)),
        resource_type: label(r, RESOURCE_TYPES),
        resource_id: uuid(r),
        resource_target: text(r, 0),
        resource_icon: text(r, 0),
        action: label(r, ACTIONS),
        diff: diff(r),
        status_code: status(r),
        additional_fields: additional_fields(r),
        organization_id: uuid(r),
        user_id: uuid(r),
        is_deleted: r.flag(),
        resource_link: text(r, 0),
    }
}

fn connection_row(r: &mut In, conn: Connections) -> ConnectionRow {
    ConnectionRow {
        id: uuid(r),
        connect_time: time(r),
        organization_id: uuid(r),
        workspace_owner_id: uuid(r),
        workspace_id: uuid(r),
        workspace_name: text(r, 0),
        agent_name: text(r, 0),
        ip: r.opt(ip),
        kind: label(r, if conn == Connections::Types { TYPES } else { METHODS }),
        code: r.opt(status),
        user_agent: r.opt(|r| text(r, 0)),
        user_id: r.opt(uuid),
        slug_or_port: r.opt(|r| if r.pick(3) == 2 { text(r, 0) } else { r.one(APP_NAMES).to_string() }),
        connection_id: r.opt(uuid),
        disconnect_time: r.opt(time),
        disconnect_reason: r.opt(|r| text(r, 0)),
        client_session_id: r.opt(|r| text(r, 0)),
    }
}

/// Up to 3 users (0: the row's user, 1: the workspace owner, 2: alice, 3: any) and 2 organizations (0: the
/// row's, 1: any); a later entry for the same id replaces an earlier one.
fn joined(r: &mut In, user: Option<Uuid>, owner: Option<Uuid>, org: Uuid) -> Joined {
    let mut j = Joined::default();
    for _ in 0..r.pick(4) {
        let id = match r.pick(4) {
            0 => user.unwrap_or(ALICE),
            1 => owner.unwrap_or(BOB),
            2 => ALICE,
            _ => uuid(r),
        };
        j.users.insert(id, user_row(r));
    }
    for _ in 0..r.pick(3) {
        let id = if r.flag() { uuid(r) } else { org };
        j.organizations.insert(id, organization(r));
    }
    j
}

// ------------------------------------------------------------------------------------------------ schemas

struct Schemas {
    audit: jsonschema::Validator,
    types: jsonschema::Validator,
    methods: jsonschema::Validator,
    resource_types: Vec<String>,
    actions: Vec<String>,
    build_reasons: Vec<String>,
    user_status: Vec<String>,
    login_types: Vec<String>,
    conn_types: Vec<String>,
    conn_methods: Vec<String>,
}

fn enum_of(schema: &Value, def: &str) -> Vec<String> {
    let e = schema["$defs"][def]["enum"].as_array().unwrap_or_else(|| panic!("the schema has no enum $defs/{def}"));
    e.iter().map(|v| v.as_str().expect("a string label").to_string()).collect()
}

/// The three schema files, compiled once with their cross-file `$ref`s resolved among themselves (no
/// retrieval), asserting formats (uuid, date-time, ipv4, ipv6) as the client tier does.
fn schemas() -> &'static Schemas {
    static S: OnceLock<Schemas> = OnceLock::new();
    S.get_or_init(|| {
        let parse = |text: &str| -> Value { serde_json::from_str(text).expect("a schema file is JSON") };
        let audit = parse(include_str!("../../client/audit_log.schema.json"));
        let conn = parse(include_str!("../../client/connection_log.schema.json"));
        let g3 = parse(include_str!("../../client/connection_log_g3.schema.json"));
        let id = |s: &Value| s["$id"].as_str().expect("a schema $id").to_string();
        let (audit_id, conn_id, g3_id) = (id(&audit), id(&conn), id(&g3));
        let registry = jsonschema::Registry::new()
            .add(&audit_id, audit.clone())
            .and_then(|b| b.add(&conn_id, conn.clone()))
            .and_then(|b| b.add(&g3_id, g3.clone()))
            .and_then(|b| b.prepare())
            .expect("the schemas register");
        let registry: &'static jsonschema::Registry<'static> = Box::leak(Box::new(registry));
        let build = |id: &str, def: &str| {
            jsonschema::options()
                .with_draft(jsonschema::Draft::Draft202012)
                .should_validate_formats(true)
                .with_registry(registry)
                .build(&json!({ "$ref": format!("{id}#/$defs/{def}") }))
                .unwrap_or_else(|e| panic!("{id}#/$defs/{def} does not compile: {e}"))
        };
        // The time constants above, as audit_ext prints them.
        assert_eq!(shape::go_time(GO_MIN), "0000-01-01T00:00:00Z");
        assert_eq!(shape::go_time(GO_END - 1), "9999-12-31T23:59:59.999999Z");
        assert_eq!(shape::go_time(GO_ZERO), "0001-01-01T00:00:00Z");
        assert_eq!(shape::go_time(PG_END - 1), "294276-12-31T23:59:59.999999Z");
        assert_eq!(Instant::from_pg_micros(PG_MIN).year(), -4713); // 4714 BC, Gregorian
        Schemas {
            audit: build(&audit_id, "AuditLog"),
            types: build(&conn_id, "ConnectionLog"),
            methods: build(&g3_id, "ConnectionLog"),
            resource_types: enum_of(&audit, "ResourceType"),
            actions: enum_of(&audit, "AuditAction"),
            build_reasons: enum_of(&audit, "BuildReason"),
            user_status: enum_of(&audit, "UserStatus"),
            login_types: enum_of(&audit, "LoginType"),
            conn_types: enum_of(&conn, "ConnectionType"),
            conn_methods: enum_of(&g3, "ConnectionLogMethod"),
        }
    })
}

// ------------------------------------------------------------------------------------------------ checks

fn strict() -> bool {
    static ON: OnceLock<bool> = OnceLock::new();
    *ON.get_or_init(|| env_on("AUDIT_EXT_FUZZ_STRICT"))
}

fn debug() -> bool {
    static ON: OnceLock<bool> = OnceLock::new();
    *ON.get_or_init(|| env_on("AUDIT_EXT_FUZZ_DEBUG"))
}

/// At most `n` bytes of `s` (on a character boundary), for messages about huge values.
fn short(s: String, n: usize) -> String {
    if s.len() <= n {
        return s;
    }
    let cut = (0..=n).rev().find(|&i| s.is_char_boundary(i)).unwrap_or(0);
    format!("{}… ({} bytes)", &s[..cut], s.len())
}

/// The tolerances applied to one entry (see the header).
#[derive(Default)]
struct Tol(Vec<&'static str>);

impl Tol {
    fn note(&mut self, what: &'static str) {
        static SEEN: Mutex<Vec<&'static str>> = Mutex::new(Vec::new());
        if timing() {
            let mut seen = SEEN.lock().unwrap_or_else(|e| e.into_inner());
            if !seen.contains(&what) {
                seen.push(what);
                eprintln!("audit_ext-fuzz: tolerated: {what}");
            }
        }
        self.0.push(what);
    }
}

fn obj<'v>(v: &'v mut Value, what: &str) -> &'v mut Map<String, Value> {
    v.as_object_mut().unwrap_or_else(|| panic!("{what} is not an object"))
}

/// A time field printed from `t` (in Go's years: anything else made the entry unrenderable).
fn time_field(m: &Map<String, Value>, key: &str, t: i64) {
    assert!(go_years(t), "{key} = {t} rendered");
    assert_eq!(m.get(key), Some(&json!(shape::go_time(t))), "{key} of {t}");
}

/// The timestamps of a row that go into its entry and that Go cannot print: (field, id named, value).
type Bad = Vec<(&'static str, Uuid, i64)>;

fn bad_user_times(bad: &mut Bad, id: Uuid, u: Option<&UserRow>) {
    if let Some(u) = u {
        for (f, t) in [("created_at", u.created_at), ("updated_at", u.updated_at), ("last_seen_at", u.last_seen_at)] {
            bad.extend(t.filter(|&t| !go_years(t)).map(|t| (f, id, t)));
        }
    }
}

fn bad_audit_times(row: &AuditRow, j: &Joined) -> Bad {
    let mut bad: Bad = Vec::new();
    bad.extend(Some(row.time).filter(|&t| !go_years(t)).map(|t| ("time", row.id, t)));
    bad_user_times(&mut bad, row.user_id, j.users.get(&row.user_id));
    bad
}

fn bad_connection_times(row: &ConnectionRow, conn: Connections, j: &Joined) -> Bad {
    let mut bad: Bad = Vec::new();
    bad.extend(Some(row.connect_time).filter(|&t| !go_years(t)).map(|t| ("connect_time", row.id, t)));
    let ssh = match row.kind.as_str() {
        "ssh" | "reconnecting_pty" => true,
        "vscode" | "jetbrains" => conn == Connections::Types,
        "workspace_app" | "port_forwarding" | "tunnel" => {
            if let Some(id) = row.user_id {
                bad_user_times(&mut bad, id, j.users.get(&id));
            }
            false
        }
        _ => false,
    };
    if ssh {
        bad.extend(row.disconnect_time.filter(|&t| !go_years(t)).map(|t| ("disconnect_time", row.id, t)));
    }
    bad
}

/// The entry, or the error that names one of the unprintable times (and there must be one).
fn rendered(got: Result<Value, Unrenderable>, bad: &Bad, row: &dyn std::fmt::Debug) -> Option<Value> {
    match got {
        Ok(v) => {
            assert!(bad.is_empty(), "rendered despite the times {bad:?}: {}", short(format!("{row:?}"), 2000));
            Some(v)
        }
        Err(u) => {
            let named = bad.iter().any(|&(field, id, t)| {
                let value = match t {
                    i64::MAX => "infinity".to_string(),
                    i64::MIN => "-infinity".to_string(),
                    t => format!("year {}", Instant::from_pg_micros(t).year()),
                };
                u.value == value && u.what.contains(field) && u.what.contains(&id.to_string())
            });
            assert!(named, "{u:?} names none of the unprintable times {bad:?}: {}", short(format!("{row:?}"), 2000));
            None
        }
    }
}

/// An address field printed from `host`: text that is no address stays verbatim (then replaced by `fill`).
fn ip_field(m: &mut Map<String, Value>, host: &str, fill: &str, tol: &mut Tol) {
    let out = shape::go_ip(host);
    assert_eq!(m.get("ip"), Some(&json!(out)), "ip of {host:?}");
    if out.parse::<IpAddr>().is_err() {
        assert_eq!(out, host, "an unparsable address is passed through");
        tol.note("ip");
        m.insert("ip".into(), json!(fill));
    } else {
        assert!(host.parse::<IpAddr>().is_ok(), "{host:?} became the address {out:?}");
    }
}

/// A label field that must be `label` verbatim: one the schema does not list is replaced by `fill`.
fn label_field(m: &mut Map<String, Value>, key: &str, label: &str, listed: &[String], fill: &str, tol: &mut Tol) {
    assert_eq!(m.get(key), Some(&json!(label)), "{key} is the stored label");
    if !listed.iter().any(|l| l == label) {
        tol.note("label");
        m.insert(key.into(), json!(fill));
    }
}

/// A shaped `User` of `row` (`None`: no users row, Go's zero values).
fn user_entry(u: &mut Value, row: Option<&UserRow>, tol: &mut Tol) {
    let s = schemas();
    let m = obj(u, "user");
    let zero = UserRow::default();
    let row = row.unwrap_or(&zero);
    for (k, t) in [("created_at", row.created_at), ("updated_at", row.updated_at), ("last_seen_at", row.last_seen_at)] {
        time_field(m, k, t.unwrap_or(GO_ZERO));
    }
    match row.status.as_deref() {
        None => {
            assert_eq!(m.get("status"), Some(&json!("")));
            tol.note("zero_user");
            m.insert("status".into(), json!("active"));
        }
        Some(st) => label_field(m, "status", st, &s.user_status, "active", tol),
    }
    label_field(m, "login_type", row.login_type.as_deref().unwrap_or(""), &s.login_types, "", tol);
}

/// An audit entry made valid where the schema cannot describe it (each replacement checked and noted).
fn audit_entry(row: &AuditRow, joined: &Joined, e: &mut Value, tol: &mut Tol) {
    let s = schemas();
    let m = obj(e, "an audit entry");
    time_field(m, "time", row.time);
    if let Some(host) = &row.ip {
        ip_field(m, host, "", tol);
    }
    label_field(m, "resource_type", &row.resource_type, &s.resource_types, "workspace", tol);
    label_field(m, "action", &row.action, &s.actions, "create", tol);
    if let Some(Value::Object(af)) = m.get_mut("additional_fields") {
        if let Some(Value::String(br)) = af.get("build_reason") {
            if !s.build_reasons.contains(br) {
                tol.note("label");
                af.insert("build_reason".into(), json!("unknown"));
            }
        }
    }
    match m.get_mut("user") {
        Some(Value::Null) => assert!(!joined.users.contains_key(&row.user_id), "user null with a users row"),
        Some(u) => user_entry(u, Some(joined.users.get(&row.user_id).expect("a user without a users row")), tol),
        None => panic!("no user field"),
    }
    assert_eq!(m.contains_key("organization"), !row.organization_id.is_nil(), "organization iff not the nil one");
}

/// Whether Coder's write path could have stored `s` as a G3 app name (a fixed point of its normalisation:
/// control characters stripped, white space trimmed, lower case, '-' → '_', at most 64 runes, not empty).
fn coder_normalised(s: &str) -> bool {
    !s.is_empty()
        && s.chars().count() <= 64
        && s.trim() == s
        && s.chars().all(|c| !c.is_control() && c != '-' && c.to_lowercase().eq(std::iter::once(c)))
}

fn connection_entry(row: &ConnectionRow, conn: Connections, joined: &Joined, e: &mut Value, tol: &mut Tol) {
    let s = schemas();
    let methods = conn == Connections::Methods;
    let m = obj(e, "a connection entry");
    time_field(m, "connect_time", row.connect_time);
    match &row.ip {
        Some(host) => ip_field(m, host, "127.0.0.1", tol),
        None => assert!(!m.contains_key("ip"), "ip for a NULL address"),
    }
    if let Some(Value::Object(ssh)) = m.get("ssh_info") {
        if let Some(t) = row.disconnect_time {
            time_field(ssh, "disconnect_time", t);
        }
    }
    if let Some(Value::Object(web)) = m.get_mut("web_info") {
        match (web.get_mut("user"), row.user_id) {
            (Some(Value::Null), None) => {}
            (Some(u), Some(id)) => user_entry(u, joined.users.get(&id), tol),
            (u, id) => panic!("web_info.user {u:?} for user_id {id:?}"),
        }
    }
    if let Some(app) = m.get("app_name").and_then(Value::as_str).map(str::to_string) {
        assert_eq!(Some(app.as_str()), row.slug_or_port.as_deref(), "app_name is the stored app");
        assert_eq!(m.get("app_display_name"), Some(&json!(apps::display_name(&app))));
        // Normalised names the schema's `^\S(.*\S)?$` still rejects under ECMA-262 regex semantics (JSON
        // Schema's, jsonschema-rs's; Python's `re` accepts both): U+2028 / U+2029 inside (`.` excludes line
        // terminators; Go trims them only at the ends) and U+FEFF at an end (ECMA's `\s` includes it, Go's
        // TrimSpace does not). A schema disagreement, reported.
        let ecma = app.contains(['\u{2028}', '\u{2029}']) || app.starts_with('\u{feff}') || app.ends_with('\u{feff}');
        if !coder_normalised(&app) || ecma {
            tol.note(if coder_normalised(&app) { "app_name_ecma" } else { "app_name" });
            m.insert("app_name".into(), json!("my_tool"));
            m.insert("app_display_name".into(), json!("my_tool"));
        }
    }
    let session = row.client_session_id.as_ref().filter(|s| !s.is_empty()).map(|s| json!(s));
    assert_eq!(m.get("client_session_id"), session.as_ref(), "client_session_id: the stored one, omitted when empty");
    let kinds = if methods { &s.conn_methods } else { &s.conn_types };
    if !kinds.contains(&row.kind) {
        // audit_ext's documented behaviour for a kind it does not know (Coder's enum-era switch agrees).
        for k in ["web_info", "ssh_info", "app_name", "app_display_name"] {
            assert!(!m.contains_key(k), "{k} for the unknown kind {:?}", row.kind);
        }
        assert_eq!(m.get("type"), Some(&json!(row.kind)));
        if methods {
            assert_eq!(m.get("connection_method"), Some(&json!(row.kind)));
            m.insert("connection_method".into(), json!("ssh"));
        }
        tol.note("kind");
        m.insert("type".into(), json!("ssh"));
        m.insert("ssh_info".into(), json!({ "connection_id": Uuid::nil() }));
    }
}

/// The JSON prints, and parses back equal (deep documents included).
fn round_trip(v: &Value) {
    let text = serde_json::to_string(v).expect("the entry serializes");
    let mut de = serde_json::Deserializer::from_str(&text);
    de.disable_recursion_limit();
    let back = Value::deserialize(&mut de).unwrap_or_else(|e| panic!("the entry does not parse back: {e}: {}", short(text.clone(), 2000)));
    de.end().expect("one document");
    assert!(&back == v, "the entry parses back different: {}", short(text, 2000));
}

/// `link_fields` gives, per key, "" or a string the object holds under that key (ASCII case aside).
/// Whether Go's `encoding/json` assigns the object key `k` to the struct field `field` (lower-case ASCII): equal
/// under Go's `foldName`, where ASCII letters fold by case and, of the other runes, only ſ, ı, İ and the Kelvin
/// sign fold into ASCII (to S, I, I, K).
fn go_matches(k: &str, field: &str) -> bool {
    let fold = |c: char| match c {
        'ſ' => 'S',
        'ı' | 'İ' => 'I',
        '\u{212a}' => 'K',
        c => c.to_ascii_uppercase(),
    };
    k.chars().map(fold).eq(field.chars().map(fold))
}

fn check_link_fields(af: &Value) {
    let got = shape::link_fields(af, LINK_FIELDS);
    for (key, v) in LINK_FIELDS.iter().zip(&got) {
        if v.is_empty() {
            continue;
        }
        let Value::Object(m) = af else { panic!("link field {key} = {v:?} from a non-object") };
        assert!(
            m.iter().any(|(k, x)| go_matches(k, key) && x.as_str() == Some(v)),
            "link field {key} = {v:?} is no value of the object"
        );
    }
}

fn validate(v: &jsonschema::Validator, entry: &Value, what: &str, row: &dyn std::fmt::Debug) {
    let errs: Vec<String> = v.iter_errors(entry).map(|e| format!("{}: {e}", e.instance_path())).collect();
    if !errs.is_empty() {
        panic!(
            "{what} is not valid against the schema:\n  {}\nentry (after the tolerances): {}\nrow: {}",
            errs.join("\n  "),
            short(entry.to_string(), 4000),
            short(format!("{row:?}"), 4000)
        );
    }
}

fn one(data: &[u8]) {
    let s = schemas();
    let mut r = In { b: data, deep: false };
    let mut tol = Tol::default();
    match r.pick(3) {
        0 => {
            let row = audit_row(&mut r);
            let j = joined(&mut r, Some(row.user_id), None, row.organization_id);
            check_link_fields(&row.additional_fields);
            let first = shape::audit_log(row.clone(), &j);
            if debug() {
                eprintln!("row: {row:?}\njoined: {:?} {:?}\nentry: {first:?}", j.users, j.organizations);
            }
            assert_eq!(shape::audit_log(row.clone(), &j), first, "the second shaping (cached user)");
            let mut fresh = Joined::default();
            fresh.users = j.users.clone();
            fresh.organizations = j.organizations.clone();
            if !j.users.is_empty() {
                assert_eq!(shape::audit_log(row.clone(), &fresh), first, "shaping with a fresh Joined");
            }
            let Some(first) = rendered(first, &bad_audit_times(&row, &j), &row) else { return };
            round_trip(&first);
            let mut e = first;
            audit_entry(&row, &j, &mut e, &mut tol);
            validate(&s.audit, &e, "AuditLog", &row);
        }
        sel => {
            let conn = if sel == 1 { Connections::Types } else { Connections::Methods };
            let row = connection_row(&mut r, conn);
            let j = joined(&mut r, row.user_id, Some(row.workspace_owner_id), row.organization_id);
            let first = shape::connection_log(row.clone(), conn, &j);
            if debug() {
                eprintln!("row: {row:?}\njoined: {:?} {:?}\nentry: {first:?}", j.users, j.organizations);
            }
            assert_eq!(shape::connection_log(row.clone(), conn, &j), first, "the second shaping (cached user)");
            let Some(first) = rendered(first, &bad_connection_times(&row, conn, &j), &row) else { return };
            round_trip(&first);
            let mut e = first;
            connection_entry(&row, conn, &j, &mut e, &mut tol);
            let (v, what) = if conn == Connections::Types { (&s.types, "ConnectionLog (G1/G2)") } else { (&s.methods, "ConnectionLog (G3)") };
            validate(v, &e, what, &row);
        }
    }
    if debug() && !tol.0.is_empty() {
        eprintln!("tolerated: {:?}", tol.0);
    }
    assert!(!strict() || tol.0.is_empty(), "AUDIT_EXT_FUZZ_STRICT=1 and the entry needed tolerances {:?}", tol.0);
}

// Documents deeper than the fuzzed chains (as deep as Go decodes, 10,000 levels, and deeper) are checked by
// the unit test `shape::tests::documents_as_deep_as_go_decodes_shape_on_a_small_stack` and the golden
// tests/pg_regress/sql/deep_documents.sql.

fuzz_target!(|data: &[u8]| {
    let _ = schemas(); // compiled once, before the first input is timed
    timing::run(data, one);
});
