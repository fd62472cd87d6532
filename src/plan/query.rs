//! Stage 3: a compiled filter → the statements audit_ext runs: the count, or the count and the page's rows, as
//! one read-only statement whose WHERE clause is the filter fragment (only the predicates in use, values bound as
//! parameters); for a page, then the details statements that look up what Coder joins to the page's rows.

use super::profile::Profile;
use super::{table, Fragment, Param};
use crate::dsl::Log;

/// A whole statement audit_ext runs: its text with `$1 … $n` and the values, in their native types. (A
/// `Fragment` is a WHERE clause; a statement is built around one.)
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Statement {
    pub sql: String,
    pub params: Vec<Param>,
}

impl Statement {
    /// Adds a parameter and returns its placeholder.
    pub fn bind(&mut self, p: Param) -> String {
        self.params.push(p);
        format!("${}", self.params.len())
    }
}

/// Coder's capped count: stop after `cap + 1` matching rows; `cap = 0` counts exactly. Reads only the
/// log table (and whatever the filter itself probes): no joins. `build_reason:` alone counts from its
/// builds (`ByBuilds`).
pub fn count(log: Log, qschema: &str, filter: Fragment, cap: i32) -> Statement {
    let t = table(log);
    let w = filter.sql;
    let mut stmt = Statement { sql: String::new(), params: filter.params };
    let rows = match filter.builds {
        Some(builds) => builds.union(""),
        None if cap == 0 => return Statement { sql: format!("SELECT count(*) FROM {qschema}.{t} WHERE {w}"), ..stmt },
        None => format!("SELECT FROM {qschema}.{t} WHERE {w}"),
    };
    stmt.sql = if cap == 0 {
        format!("SELECT count(*) FROM ({rows}) matches")
    } else {
        let limit = stmt.bind(Param::Int(i64::from(cap) + 1));
        format!("SELECT count(*) FROM ({rows} LIMIT {limit}) capped")
    };
    stmt
}

/// `build_reason:` alone: a page whose matches number at most this many sorts them, read from their builds;
/// with more, it walks the log newest first (and the walk is short: matches are common).
pub const FEW_BY_BUILDS: i32 = 2000;

/// A keyset cursor: the place of a page's last row in the log's order (newest first, `id` breaking ties), so
/// that the next page starts right after it whatever was inserted meanwhile, and costs the same at any depth
/// (the time index is entered at `time`, not counted through from the newest row).
///
/// As text it is opaque to callers: the log's letter (`a` audit, `c` connection), the row's time in
/// microseconds since 2000-01-01 UTC (16 hex digits, two's complement), and its id (32 hex digits). It binds
/// no filter and grants nothing: a page after a cursor is the filter's and the reader's rows older than it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cursor {
    pub time: i64,
    pub id: uuid::Uuid,
}

impl Cursor {
    fn letter(log: Log) -> char {
        match log {
            Log::Audit => 'a',
            Log::Connection => 'c',
        }
    }

    pub fn encode(&self, log: Log) -> String {
        format!("{}{:016x}{}", Self::letter(log), self.time as u64, self.id.simple())
    }

    /// The cursor `text` holds, if it is one of `log`'s.
    pub fn decode(log: Log, text: &str) -> Option<Cursor> {
        let rest = text.strip_prefix(Self::letter(log))?;
        if rest.len() != 48 || !rest.bytes().all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f')) {
            return None;
        }
        let time = u64::from_str_radix(&rest[..16], 16).ok()? as i64;
        let id = uuid::Uuid::parse_str(&rest[16..]).ok()?;
        Some(Cursor { time, id })
    }
}

/// Which page, and the count cap. `limit` is already defaulted (Coder's 0 → 100) and bounded.
#[derive(Clone, Copy, Debug, Default)]
pub struct Page {
    pub limit: i32,
    pub offset: i32,
    pub count_cap: i32,
    /// Keyset paging: the rows after this one (`offset` is then 0).
    pub after: Option<Cursor>,
    /// Whether an index walks the reader's rows in time order (for every row, one led by the time column, which
    /// Coder's stock schema has; for an organization reader's, one led by `(organization_id, time)`), which lets
    /// a deep page of an unfiltered reader (`Fragment::unfiltered`) count its way to its first row in the index
    /// alone (`DEEP_OFFSET`).
    pub time_index: bool,
}

/// A page at least this deep, of an unfiltered reader (every row, or its organizations' rows), finds the time of its
/// first row by counting through an index in time order (an index-only scan) instead of reading and discarding
/// every row before it; then it reads only its own rows.
pub const DEEP_OFFSET: i32 = 500;

/// The log's time column, quoted for SQL text.
fn time_column(log: Log) -> String {
    super::ident(super::time_attname(log))
}

/// A statement's columns, defined once: each name with its expression, in the order the SQL lists them.
/// `exec::page` reads a column by its name (`Columns::at`), never by a position agreed elsewhere.
pub struct Columns {
    /// The position of the first of these columns in the statement's row (1-based).
    first: usize,
    pub names: &'static [&'static str],
}

impl Columns {
    /// The position of column `name` in the row. The names are this module's constants, so a name that is not
    /// among them is a bug that every test reading that column finds (0 reads as a missing column).
    pub fn at(&self, name: &str) -> usize {
        self.names.iter().position(|n| *n == name).map_or(0, |i| self.first + i)
    }
}

/// The page statement's row: the count in column 1, then the log row's own columns.
pub const AUDIT_ROW: Columns = Columns {
    first: 2,
    names: &[
        "id",
        "request_id",
        "time",
        "ip",
        "user_agent",
        "resource_type",
        "resource_id",
        "resource_target",
        "resource_icon",
        "action",
        "diff",
        "status_code",
        "additional_fields",
        "organization_id",
        "user_id",
    ],
};

/// See `AUDIT_ROW`. `method` and `app` are the columns this generation of Coder has (`Connections`);
/// `client_session_id` is NULL where the column does not exist.
pub const CONNECTION_ROW: Columns = Columns {
    first: 2,
    names: &[
        "id",
        "connect_time",
        "organization_id",
        "workspace_owner_id",
        "workspace_id",
        "workspace_name",
        "agent_name",
        "ip",
        "method",
        "code",
        "user_agent",
        "user_id",
        "app",
        "connection_id",
        "disconnect_time",
        "disconnect_reason",
        "client_session_id",
    ],
};

/// The users statement's row (`Details::users`): the id in column 1, then these.
pub const USER_ROW: Columns = Columns {
    first: 2,
    names: &[
        "username",
        "name",
        "email",
        "created_at",
        "updated_at",
        "last_seen_at",
        "status",
        "login_type",
        "rbac_roles",
        "avatar_url",
    ],
};

/// The expression of a row column `name` of the log row `p` (text for inet and enums, as `exec::page` reads
/// them).
fn row_expr(log: Log, profile: &Profile, name: &str) -> String {
    match (log, name) {
        (_, "time") => "p.\"time\"".to_string(),
        (_, "ip") => "host(p.ip)".to_string(),
        (Log::Audit, "user_agent" | "resource_type" | "action") => format!("p.{name}::text"),
        (Log::Connection, "method") => format!("p.{}::text", super::ident(profile.conn().method_column())),
        (Log::Connection, "app") => format!("p.{}", profile.conn().app_column()),
        (Log::Connection, "client_session_id") if profile.client_session_id => "p.client_session_id::text".to_string(),
        (Log::Connection, "client_session_id") => "NULL::text".to_string(),
        (_, name) => format!("p.{name}"),
    }
}

/// The log row's own columns (`AUDIT_ROW` / `CONNECTION_ROW`) as SQL.
fn row_columns(log: Log, profile: &Profile) -> String {
    let columns = match log {
        Log::Audit => &AUDIT_ROW,
        Log::Connection => &CONNECTION_ROW,
    };
    columns.names.iter().map(|n| row_expr(log, profile, n)).collect::<Vec<_>>().join(", ")
}

/// Coder's count and page (`AuditLogResponse` / `ConnectionLogResponse` without what other tables add) in one
/// statement: the capped count first, then, only when it is not 0 (a one-time filter on the count), the
/// page's rows. One row per page row (newest first, `id` breaking ties) with the count in column 1, or a
/// single row with the count and NULLs when the page is empty. It reads the log table only; `details` adds
/// the rest for the page's rows.
///
/// When RBAC limits the rows to a few organizations (`Fragment::orgs`), the page walks each organization's
/// rows newest first (an index on `(organization_id, time)` serves each walk in order) and merges them:
/// PostgreSQL cannot walk `organization_id = ANY (…)` in time order, and would otherwise sort every match.
///
/// `build_reason:` alone (`Fragment::builds`): the count is read from the reason's builds, at least up to
/// `FEW_BY_BUILDS + 1`; at most `FEW_BY_BUILDS` matches are sorted as read from the builds, more are walked
/// (the other branch's one-time filter is false, so it never runs).
///
/// A deep page of every row (`DEEP_OFFSET`) starts from its first row's time, found in the time index alone.
pub fn page(log: Log, profile: &Profile, filter: Fragment, page: Page) -> Statement {
    let t = table(log);
    let time = time_column(log);
    let w = filter.sql.clone();
    let orgs = filter.orgs.clone();
    let builds = filter.builds.clone();
    let deep = page.time_index
        && page.offset >= DEEP_OFFSET
        && page.after.is_none()
        && builds.is_none()
        && filter.unfiltered.is_some();
    // From builds, count at least past FEW_BY_BUILDS, to know which way the page goes; the count reported
    // is still capped at `count_cap + 1`.
    let counting = match (&builds, page.count_cap) {
        (Some(_), cap) if cap > 0 => cap.max(FEW_BY_BUILDS),
        (_, cap) => cap,
    };
    let mut stmt = count(log, &profile.qschema, filter, counting);
    let counted = std::mem::take(&mut stmt.sql);
    let limit = stmt.bind(Param::Int(page.limit.into()));
    let offset = stmt.bind(Param::Int(page.offset.into()));
    let few = builds.as_ref().map(|_| stmt.bind(Param::Int(FEW_BY_BUILDS.into())));
    let gate = match &few {
        Some(few) => format!("(SELECT n FROM matched) > {few}"),
        None => "(SELECT n FROM matched) > 0".to_string(),
    };
    let order = format!("ORDER BY {t}.{time} DESC, {t}.id DESC");
    // After a cursor: `time <= at` bounds whichever index walks the rows in time order (Coder's on the time
    // column, or one led by the filter's or the organization's column, then time), so the walk starts at the
    // cursor; the rest excludes the cursor's own row and those before it at the same time.
    let after = match page.after {
        Some(c) => {
            let at = stmt.bind(Param::Timestamptz(c.time));
            let id = stmt.bind(Param::Uuid(c.id));
            format!(" AND {t}.{time} <= {at} AND ({t}.{time} < {at} OR {t}.id < {id})")
        }
        None => String::new(),
    };
    let s = Walk {
        t,
        qschema: &profile.qschema,
        time: &time,
        order: &order,
        gate: &gate,
        after: &after,
        limit: &limit,
        offset: &offset,
    };
    let (walk, boundary) = match orgs {
        _ if deep => s.deep(&w, orgs.as_ref()),
        Some(orgs) => {
            let first = stmt.bind(Param::Int(i64::from(page.limit) + i64::from(page.offset)));
            (s.organizations(&orgs, &first), String::new())
        }
        None => (s.plain(&w), String::new()),
    };
    let (rows, n) = match (builds, few) {
        (Some(builds), Some(few)) => {
            let n = match page.count_cap {
                0 => "m.n".to_string(),
                cap => format!("least(m.n, {})", stmt.bind(Param::Int(i64::from(cap) + 1))),
            };
            (s.or_from_builds(walk, &builds, &few), n)
        }
        _ => (walk, "m.n".to_string()),
    };
    let columns = row_columns(log, profile);
    stmt.sql = format!(
        "WITH matched(n) AS MATERIALIZED ({counted}){boundary}, page AS ({rows}) \
         SELECT {n}, {columns} FROM matched m LEFT JOIN page p ON true ORDER BY p.{time} DESC, p.id DESC"
    );
    stmt
}

/// What every way of walking a page shares: the log table `t`, its schema and time column, the page's order,
/// the one-time filter on the count (`gate`: no rows are read when nothing matches), and the placeholders of
/// the page's limit and offset. Each method is one strategy, and returns the page's rows as a SELECT.
struct Walk<'a> {
    t: &'static str,
    qschema: &'a str,
    time: &'a str,
    order: &'a str,
    gate: &'a str,
    /// Empty, or ` AND` the keyset condition of a cursor.
    after: &'a str,
    limit: &'a str,
    offset: &'a str,
}

impl Walk<'_> {
    /// The filter's rows newest first, skipping `offset`.
    fn plain(&self, w: &str) -> String {
        let Walk { t, qschema, order, gate, after, limit, offset, .. } = self;
        format!("SELECT {t}.* FROM {qschema}.{t} WHERE {w}{after} AND {gate} {order} LIMIT {limit} OFFSET {offset}")
    }

    /// RBAC limits the rows to a few organizations: each organization's rows newest first (an index on
    /// `(organization_id, time)` serves each walk in order; each stops after `first` = limit + offset rows),
    /// merged.
    fn organizations(&self, orgs: &super::OrgWalks, first: &str) -> String {
        let Walk { t, qschema, order, gate, after, limit, offset, .. } = self;
        let super::OrgWalks { param: k, count: n, rest } = orgs;
        let walks: Vec<String> = (1..=*n)
            .map(|i| {
                format!(
                    "(SELECT {t}.* FROM {qschema}.{t} WHERE {rest} AND {t}.organization_id = (${k})[{i}]{after} \
                     AND {gate} {order} LIMIT {first})"
                )
            })
            .collect();
        format!("SELECT {t}.* FROM ({}) {t} {order} LIMIT {limit} OFFSET {offset}", walks.join(" UNION ALL "))
    }

    /// A deep page of an unfiltered reader's rows (`w`: every row, or one organization's; `orgs`: a few
    /// organizations', each walked in turn): the time of its first row (at position `offset`, newest first) and
    /// how many rows are newer (its rank among the first `offset + 1` times, less one: more rows may share that
    /// time), from one read of an index in time order alone (`boundary`, the second string; for a few
    /// organizations, each one's newest `offset + 1` times, merged); then the rows that share that time from its
    /// place among them on, and older rows.
    fn deep(&self, w: &str, orgs: Option<&super::OrgWalks>) -> (String, String) {
        let Walk { t, qschema, time, order, gate, limit, offset, .. } = self;
        let at = "(SELECT at FROM boundary)";
        let (only, and) =
            if w == "true" { (String::new(), String::new()) } else { (format!(" WHERE {w}"), format!(" AND {w}")) };
        let (times, older) = match orgs {
            None => (
                format!("SELECT {t}.{time} FROM {qschema}.{t}{only} ORDER BY {t}.{time} DESC LIMIT {offset} + 1"),
                format!(
                    "SELECT {t}.* FROM {qschema}.{t} WHERE {t}.{time} < {at}{and} AND {gate} {order} LIMIT {limit}"
                ),
            ),
            Some(super::OrgWalks { param: k, count: n, .. }) => {
                let each = |i: usize, what: &str, and: &str, end: &str| {
                    format!("(SELECT {what} FROM {qschema}.{t} WHERE {t}.organization_id = (${k})[{i}]{and} {end})")
                };
                let newest = format!("ORDER BY {t}.{time} DESC LIMIT {offset} + 1");
                let times: Vec<String> = (1..=*n).map(|i| each(i, &format!("{t}.{time}"), "", &newest)).collect();
                let older_and = format!(" AND {t}.{time} < {at} AND {gate}");
                let olders: Vec<String> = (1..=*n)
                    .map(|i| each(i, &format!("{t}.*"), &older_and, &format!("{order} LIMIT {limit}")))
                    .collect();
                (
                    format!(
                        "SELECT x.at FROM ({}) x(at) ORDER BY x.at DESC LIMIT {offset} + 1",
                        times.join(" UNION ALL ")
                    ),
                    format!("SELECT {t}.* FROM ({}) {t} {order} LIMIT {limit}", olders.join(" UNION ALL ")),
                )
            }
        };
        let walk = format!(
            "SELECT {t}.* FROM ((SELECT {t}.* FROM {qschema}.{t} WHERE {t}.{time} = {at}{and} AND {gate} ORDER BY {t}.id DESC \
             LIMIT {limit} OFFSET {offset} - (SELECT above FROM boundary)) UNION ALL ({older})) {t} {order} LIMIT {limit}"
        );
        let boundary = format!(
            ", boundary(at, above) AS MATERIALIZED (SELECT at, rank() OVER (ORDER BY at DESC) - 1 \
             FROM ({times}) b(at) ORDER BY at DESC OFFSET {offset} LIMIT 1)"
        );
        (walk, boundary)
    }

    /// `build_reason:` alone: `walk` (whose gate lets it run only past `few` matches) or, with at most `few`
    /// matches, those read from the reason's builds and sorted.
    fn or_from_builds(&self, walk: String, builds: &super::ByBuilds, few: &str) -> String {
        let Walk { t, order, after, limit, offset, .. } = self;
        let sorted = format!(
            "SELECT {t}.* FROM ({}) {t} WHERE (SELECT n FROM matched) BETWEEN 1 AND {few}{after} {order} LIMIT {limit} OFFSET {offset}",
            builds.union(&format!(" {t}.*"))
        );
        format!("({walk}) UNION ALL ({sorted})")
    }
}

/// What Coder joins or looks up for a page's rows, as kept statements (`exec::spi::select_kept`): their plans
/// do not depend on the values (primary-key probes only), so each is planned once per backend. Users and
/// organizations are looked up once per distinct id of the page (`exec::page` collects them), not per row:
/// a page filtered by `username:` or `workspace_owner:` names one user a hundred times.
pub struct Details {
    /// Parameter `$1 uuid[]` (distinct ids); columns: the id, then the ten user columns `exec::page` reads;
    /// an id without a row has none.
    pub users: String,
    /// Parameter `$1 uuid[]` (distinct ids); columns: the id, name, display name and icon.
    pub organizations: String,
    /// Audit logs only: Coder's `is_deleted` and `resource_link` per row (`lookups::resource_state`).
    /// Parameters `resource_id uuid[], resource_type text[], resource_target text[]` and the
    /// `lookups::LINK_FIELDS` as `text[]`, one element per row in page order; columns `is_deleted`,
    /// `resource_link`, one row per element in the same order.
    pub resources: Option<String>,
}

pub fn details(log: Log, profile: &Profile) -> Details {
    let qschema = profile.qschema.as_str();
    let resources = (log == Log::Audit).then(|| {
        let (state, deleted, link) = super::lookups::resource_state("p", profile);
        let fields = super::lookups::LINK_FIELDS.join(", ");
        let arrays: Vec<String> = (1..=3 + super::lookups::LINK_FIELDS.len()).map(|i| format!("${i}")).collect();
        format!(
            "SELECT {deleted}, {link} \
             FROM unnest({}) WITH ORDINALITY p(resource_id, resource_type, resource_target, {fields}, n) \
             LEFT JOIN LATERAL ({state}) b ON true ORDER BY p.n",
            arrays.join(", "),
        )
    });
    Details {
        users: by_id(
            qschema,
            "users",
            &USER_ROW
                .names
                .iter()
                .map(|n| if matches!(*n, "status" | "login_type") { format!("u.{n}::text") } else { format!("u.{n}") })
                .collect::<Vec<_>>()
                .join(", "),
        ),
        organizations: by_id(qschema, "organizations", "o.name, o.display_name, o.icon"),
        resources,
    }
}

/// The rows of `table` (aliased by its initial) whose ids are in the array `$1`: `id` then `columns`. One
/// primary-key probe per id (a LATERAL subquery with LIMIT); `id = ANY ($1)` gets a bitmap scan in the
/// generic plan, which costs more for a page's worth of different ids.
fn by_id(qschema: &str, table: &str, columns: &str) -> String {
    let a = &table[..1];
    format!("SELECT k.id, {columns} FROM unnest($1) k(id) JOIN LATERAL (SELECT * FROM {qschema}.{table} x WHERE x.id = k.id LIMIT 1) {a} ON true")
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    fn g1(s: &str) -> Profile {
        Profile::generation_for_tests(s, 1)
    }

    fn f() -> Fragment {
        Fragment { sql: "audit_logs.user_id = $1".into(), params: vec![Param::Text("x".into())], ..Default::default() }
    }

    #[test]
    fn cursors_round_trip_and_refuse_anything_else() {
        let id = Uuid::parse_str("6b8f2c3a-1111-4222-8333-444455556666").unwrap();
        for time in [0, 1, -1, i64::MAX, i64::MIN, 830_000_000_000_000] {
            let c = Cursor { time, id };
            let text = c.encode(Log::Audit);
            assert_eq!(text.len(), 49);
            assert_eq!(Cursor::decode(Log::Audit, &text), Some(c));
            assert_eq!(Cursor::decode(Log::Connection, &text), None, "a cursor is its log's");
            assert_eq!(Cursor::decode(Log::Connection, &c.encode(Log::Connection)), Some(c));
        }
        let good = Cursor { time: 5, id }.encode(Log::Audit);
        for bad in ["", "a", &good[..48], &format!("{good}0"), &good.to_uppercase(), &good.replacen('a', "x", 1)] {
            assert_eq!(Cursor::decode(Log::Audit, bad), None, "{bad}");
        }
    }

    #[test]
    fn a_page_after_a_cursor_enters_the_time_index_there() {
        let after = Some(Cursor { time: 7, id: Uuid::nil() });
        let p = page(Log::Audit, &g1("public"), f(), Page { limit: 25, count_cap: 2000, after, ..Default::default() });
        assert!(
            p.sql.contains(
                r#"AND audit_logs."time" <= $5 AND (audit_logs."time" < $5 OR audit_logs.id < $6) AND (SELECT n FROM matched) > 0"#
            ),
            "{}",
            p.sql
        );
        assert_eq!(&p.params[4..], &[Param::Timestamptz(7), Param::Uuid(Uuid::nil())]);
        // The count is the whole filter's.
        assert!(p.sql.starts_with("WITH matched(n) AS MATERIALIZED (SELECT count(*) FROM (SELECT FROM public.audit_logs WHERE audit_logs.user_id = $1 LIMIT $2)"), "{}", p.sql);
        // A deep page never takes the offset shortcut after a cursor.
        let deep = Page { limit: 100, count_cap: 2000, time_index: true, after, ..Default::default() };
        let all =
            Fragment { sql: "true".into(), unfiltered: Some(crate::plan::Scope::Everything), ..Default::default() };
        assert!(!page(Log::Audit, &g1("public"), all, deep).sql.contains("boundary"));
    }

    #[test]
    fn counts_are_capped_and_join_free() {
        let c = count(Log::Audit, "public", f(), 2000);
        assert_eq!(
            c.sql,
            "SELECT count(*) FROM (SELECT FROM public.audit_logs WHERE audit_logs.user_id = $1 LIMIT $2) capped"
        );
        assert_eq!(c.params[1], Param::Int(2001));
        let exact = count(Log::Connection, "public", f(), 0);
        assert_eq!(exact.sql, "SELECT count(*) FROM public.connection_logs WHERE audit_logs.user_id = $1");
        assert_eq!(exact.params.len(), 1);
        assert_eq!(count(Log::Audit, "s", f(), i32::MAX).params[1], Param::Int(i64::from(i32::MAX) + 1));
    }

    #[test]
    fn pages_count_first_and_order_by_time_then_id() {
        let p =
            page(Log::Audit, &g1("public"), f(), Page { limit: 25, offset: 50, count_cap: 2000, ..Default::default() });
        assert!(p.sql.starts_with("WITH matched(n) AS MATERIALIZED (SELECT count(*) FROM (SELECT FROM public.audit_logs WHERE audit_logs.user_id = $1 LIMIT $2) capped), page AS (SELECT audit_logs.* FROM public.audit_logs WHERE audit_logs.user_id = $1 AND (SELECT n FROM matched) > 0"), "{}", p.sql);
        assert!(p.sql.contains(r#"ORDER BY audit_logs."time" DESC, audit_logs.id DESC LIMIT $3 OFFSET $4"#));
        assert_eq!(&p.params[1..], &[Param::Int(2001), Param::Int(25), Param::Int(50)]);
        // The page reads the log table only.
        assert_eq!(p.sql.matches("public.").count(), 2, "{}", p.sql);
        let exact =
            page(Log::Audit, &g1("public"), f(), Page { limit: 25, offset: 0, count_cap: 0, ..Default::default() });
        assert!(exact.sql.contains("MATERIALIZED (SELECT count(*) FROM public.audit_logs WHERE"));
        let c =
            page(Log::Connection, &g1("public"), f(), Page { limit: 1, offset: 0, count_cap: 5, ..Default::default() });
        assert!(c.sql.contains("ORDER BY connection_logs.connect_time DESC, connection_logs.id DESC"));
        assert!(c.sql.ends_with("ORDER BY p.connect_time DESC, p.id DESC"), "{}", c.sql);
    }

    #[test]
    fn build_reason_alone_counts_from_its_builds_and_sorts_few_matches() {
        let builds = super::super::ByBuilds { from: ["A".into(), "B".into()] };
        let f = || Fragment {
            sql: "R".into(),
            params: vec![Param::Text("r".into())],
            builds: Some(builds.clone()),
            ..Default::default()
        };
        let c = count(Log::Audit, "public", f(), 2000);
        assert_eq!(c.sql, "SELECT count(*) FROM (SELECT FROM A UNION ALL SELECT FROM B LIMIT $2) capped");
        assert_eq!(
            count(Log::Audit, "public", f(), 0).sql,
            "SELECT count(*) FROM (SELECT FROM A UNION ALL SELECT FROM B) matches"
        );
        // A page counts past FEW_BY_BUILDS (here the cap of 10), reports at most cap + 1, walks the log when
        // there are more matches, and sorts them otherwise.
        let p =
            page(Log::Audit, &g1("public"), f(), Page { limit: 25, offset: 50, count_cap: 10, ..Default::default() });
        assert!(p.sql.starts_with("WITH matched(n) AS MATERIALIZED (SELECT count(*) FROM (SELECT FROM A UNION ALL SELECT FROM B LIMIT $2) capped), page AS ((SELECT audit_logs.* FROM public.audit_logs WHERE R AND (SELECT n FROM matched) > $5 ORDER BY"), "{}", p.sql);
        assert!(p.sql.contains(") UNION ALL (SELECT audit_logs.* FROM (SELECT audit_logs.* FROM A UNION ALL SELECT audit_logs.* FROM B) audit_logs WHERE (SELECT n FROM matched) BETWEEN 1 AND $5 ORDER BY audit_logs.\"time\" DESC, audit_logs.id DESC LIMIT $3 OFFSET $4)) SELECT least(m.n, $6), p.id,"), "{}", p.sql);
        assert_eq!(
            &p.params[1..],
            &[
                Param::Int(i64::from(FEW_BY_BUILDS) + 1),
                Param::Int(25),
                Param::Int(50),
                Param::Int(FEW_BY_BUILDS.into()),
                Param::Int(11)
            ]
        );
        // An exact count is reported as is; a cap above FEW_BY_BUILDS is counted to.
        let exact =
            page(Log::Audit, &g1("public"), f(), Page { limit: 25, offset: 0, count_cap: 0, ..Default::default() });
        assert!(exact.sql.contains("SELECT m.n, p.id,") && exact.sql.contains("B) matches)"), "{}", exact.sql);
        assert_eq!(
            page(Log::Audit, &g1("public"), f(), Page { limit: 1, offset: 0, count_cap: 5000, ..Default::default() })
                .params[1],
            Param::Int(5001)
        );
    }

    #[test]
    fn organization_scoped_pages_merge_one_walk_per_organization() {
        let orgs = Some(super::super::OrgWalks { param: 1, count: 2, rest: "true".into() });
        let two = Fragment {
            sql: "audit_logs.organization_id = ANY ($1)".into(),
            params: vec![Param::UuidArray(vec![])],
            orgs,
            ..Default::default()
        };
        let p =
            page(Log::Audit, &g1("public"), two, Page { limit: 10, offset: 5, count_cap: 2000, ..Default::default() });
        for i in 1..=2 {
            assert!(p.sql.contains(&format!(
                "(SELECT audit_logs.* FROM public.audit_logs WHERE true AND audit_logs.organization_id = ($1)[{i}] AND (SELECT n FROM matched) > 0 ORDER BY audit_logs.\"time\" DESC, audit_logs.id DESC LIMIT $5)"
            )), "{}", p.sql);
        }
        assert!(!p.sql.contains("($1)[3]"));
        assert!(
            p.sql.contains(") audit_logs ORDER BY audit_logs.\"time\" DESC, audit_logs.id DESC LIMIT $3 OFFSET $4)"),
            "{}",
            p.sql
        );
        // Each walk stops after limit + offset rows.
        assert_eq!(p.params[4], Param::Int(15));
    }

    #[test]
    fn deep_pages_of_unfiltered_readers_start_from_an_index_in_time_order() {
        let all =
            || Fragment { sql: "true".into(), unfiltered: Some(super::super::Scope::Everything), ..Default::default() };
        let deep = Page { limit: 100, offset: DEEP_OFFSET, count_cap: 2000, time_index: true, after: None };
        let p = page(Log::Audit, &g1("public"), all(), deep);
        // $1 cap + 1, $2 limit, $3 offset.
        assert_eq!(p.params, vec![Param::Int(2001), Param::Int(100), Param::Int(DEEP_OFFSET.into())]);
        assert!(p.sql.contains(
            ", boundary(at, above) AS MATERIALIZED (SELECT at, rank() OVER (ORDER BY at DESC) - 1 \
             FROM (SELECT audit_logs.\"time\" FROM public.audit_logs ORDER BY audit_logs.\"time\" DESC LIMIT $3 + 1) b(at) \
             ORDER BY at DESC OFFSET $3 LIMIT 1), page AS ("
        ), "{}", p.sql);
        assert!(p.sql.contains("WHERE audit_logs.\"time\" = (SELECT at FROM boundary) AND (SELECT n FROM matched) > 0 ORDER BY audit_logs.id DESC LIMIT $2 OFFSET $3 - (SELECT above FROM boundary))"), "{}", p.sql);
        assert!(p.sql.contains("WHERE audit_logs.\"time\" < (SELECT at FROM boundary) AND (SELECT n FROM matched) > 0 ORDER BY audit_logs.\"time\" DESC, audit_logs.id DESC LIMIT $2)"), "{}", p.sql);
        let c = page(Log::Connection, &g1("public"), all(), deep);
        assert!(c.sql.contains("connection_logs.connect_time < (SELECT at FROM boundary)"), "{}", c.sql);
        // Not without an index in time order, not shallower, and not with a filter.
        let plain = |f: Fragment, p: Page| !page(Log::Audit, &g1("public"), f, p).sql.contains("boundary");
        assert!(plain(all(), Page { time_index: false, ..deep }));
        assert!(plain(all(), Page { offset: DEEP_OFFSET - 1, ..deep }));
        assert!(plain(f(), deep));
        // One organization's rows: from its (organization_id, time) index, in every part.
        let one = Fragment {
            sql: "audit_logs.organization_id = $1".into(),
            params: vec![Param::Uuid(Uuid::nil())],
            unfiltered: Some(super::super::Scope::Organizations),
            ..Default::default()
        };
        let p = page(Log::Audit, &g1("public"), one, deep);
        assert!(p.sql.contains("FROM (SELECT audit_logs.\"time\" FROM public.audit_logs WHERE audit_logs.organization_id = $1 ORDER BY audit_logs.\"time\" DESC LIMIT $4 + 1) b(at)"), "{}", p.sql);
        assert!(
            p.sql.contains(
                "WHERE audit_logs.\"time\" = (SELECT at FROM boundary) AND audit_logs.organization_id = $1 AND"
            ),
            "{}",
            p.sql
        );
        assert!(
            p.sql.contains(
                "WHERE audit_logs.\"time\" < (SELECT at FROM boundary) AND audit_logs.organization_id = $1 AND"
            ),
            "{}",
            p.sql
        );
        // A few organizations: each one's newest times, merged; each one's older rows, merged.
        let two = Fragment {
            sql: "audit_logs.organization_id = ANY ($1)".into(),
            params: vec![Param::UuidArray(vec![Uuid::nil(); 2])],
            orgs: Some(super::super::OrgWalks { param: 1, count: 2, rest: "true".into() }),
            unfiltered: Some(super::super::Scope::Organizations),
            ..Default::default()
        };
        let p = page(Log::Audit, &g1("public"), two, deep);
        for i in 1..=2 {
            assert!(p.sql.contains(&format!("(SELECT audit_logs.\"time\" FROM public.audit_logs WHERE audit_logs.organization_id = ($1)[{i}] ORDER BY audit_logs.\"time\" DESC LIMIT $4 + 1)")), "{}", p.sql);
            assert!(p.sql.contains(&format!("(SELECT audit_logs.* FROM public.audit_logs WHERE audit_logs.organization_id = ($1)[{i}] AND audit_logs.\"time\" < (SELECT at FROM boundary) AND (SELECT n FROM matched) > 0 ORDER BY audit_logs.\"time\" DESC, audit_logs.id DESC LIMIT $3)")), "{}", p.sql);
        }
        assert!(
            p.sql.contains(
                "WHERE audit_logs.\"time\" = (SELECT at FROM boundary) AND audit_logs.organization_id = ANY ($1) AND"
            ),
            "{}",
            p.sql
        );
        assert!(!p.sql.contains("($1)[3]") && p.params.len() == 4, "{:?}", p.params);
    }

    #[test]
    fn columns_are_named_once_and_read_by_name() {
        assert_eq!(
            row_columns(Log::Audit, &g1("public")),
            "p.id, p.request_id, p.\"time\", host(p.ip), p.user_agent::text, p.resource_type::text, p.resource_id, \
             p.resource_target, p.resource_icon, p.action::text, p.diff, p.status_code, p.additional_fields, \
             p.organization_id, p.user_id"
        );
        assert_eq!(
            row_columns(Log::Connection, &g1("public")),
            "p.id, p.connect_time, p.organization_id, p.workspace_owner_id, p.workspace_id, p.workspace_name, \
             p.agent_name, host(p.ip), p.\"type\"::text, p.code, p.user_agent, p.user_id, p.slug_or_port, p.connection_id, \
             p.disconnect_time, p.disconnect_reason, NULL::text"
        );
        assert!(row_columns(Log::Connection, &Profile::generation_for_tests("s", 3))
            .contains("p.connection_method::text, p.code, p.user_agent, p.user_id, p.app_name_or_port,"));
        assert_eq!((AUDIT_ROW.at("id"), AUDIT_ROW.at("user_id"), AUDIT_ROW.at("nope")), (2, 16, 0));
        assert_eq!((CONNECTION_ROW.at("method"), CONNECTION_ROW.at("client_session_id")), (10, 18));
        assert_eq!((USER_ROW.at("username"), USER_ROW.at("avatar_url")), (2, 11));
    }

    #[test]
    fn details_probe_by_key() {
        let d = details(Log::Audit, &g1("public"));
        assert!(
            d.users.starts_with(
                "SELECT k.id, u.username, u.name, u.email, u.created_at, u.updated_at, u.last_seen_at, u.status::text, \
                 u.login_type::text, u.rbac_roles, u.avatar_url FROM"
            ),
            "{}",
            d.users
        );
        assert!(
            d.users.ends_with(
                "FROM unnest($1) k(id) JOIN LATERAL (SELECT * FROM public.users x WHERE x.id = k.id LIMIT 1) u ON true"
            ),
            "{}",
            d.users
        );
        assert!(d.organizations.starts_with("SELECT k.id, o.name, o.display_name, o.icon FROM unnest($1) k(id) JOIN LATERAL (SELECT * FROM public.organizations x"), "{}", d.organizations);
        let r = d.resources.unwrap();
        assert!(r.contains("FROM unnest($1, $2, $3, $4, $5, $6) WITH ORDINALITY p(resource_id, resource_type, resource_target, workspace_name, build_number, workspace_owner, n)"), "{r}");
        assert!(r.ends_with("ORDER BY p.n"));
        assert!(!r.contains("$7"));
        // Optional tables are looked up only when present.
        assert!(r.contains("public.chats x"));
        let no_chats = Profile::read("public".into(), &|t, c| {
            t != "chats" && c != "client_session_id" && c != "connection_method"
        });
        assert!(!details(Log::Audit, &no_chats).resources.unwrap().contains("public.chats"));
        // Coder G2 dropped tasks: no task branch, and a task row is not reported deleted.
        let g2 = details(Log::Audit, &Profile::generation_for_tests("public", 2)).resources.unwrap();
        assert!(!g2.contains("public.tasks") && !g2.contains("'task'"), "{g2}");
        let c = details(Log::Connection, &g1("s"));
        assert!(c.resources.is_none());
        assert!(c.users.contains("FROM s.users x") && c.organizations.contains("FROM s.organizations x"));
    }
}
