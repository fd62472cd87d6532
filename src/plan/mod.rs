//! Stage 2: typed filter (+ the actor's readable organizations) → one SQL boolean expression over the log
//! table, with every user-supplied value as a bound parameter of its native type. Only the predicates the
//! filter uses appear: no `CASE WHEN $p != ''` sentinels. Column references are qualified by the table's
//! own name (`audit_logs.`, `connection_logs.`), so the clause can stand in any `FROM <schema>.audit_logs`.
//!
//! Names (usernames, emails, `me`) are resolved to user ids before the SQL is built, through `Resolver`,
//! so the clause compares indexed uuid columns with constants.

pub mod advice;
pub mod lookups;
pub mod profile;
pub mod purge;
pub mod query;
pub mod render;
pub mod seats;

use crate::dsl::{Filter, Kind, Log, Pred, Validation, Value};
pub use crate::rbac::Access;
use profile::{Connections, Profile, Table};
use uuid::Uuid;

/// A bound parameter, in its native PostgreSQL type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Param {
    Uuid(Uuid),
    UuidArray(Vec<Uuid>),
    Text(String),
    TextArray(Vec<String>),
    Int(i64),
    /// Microseconds since 2000-01-01 UTC.
    Timestamptz(i64),
    /// A label of the Coder enum type `type_name`.
    Enum {
        type_name: &'static str,
        label: String,
    },
}

/// A boolean SQL expression with `$1 … $n` placeholders and their values.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Fragment {
    pub sql: String,
    pub params: Vec<Param>,
    /// When RBAC limits the rows to 2 to `MAX_ORG_WALKS` organizations, so that a page can walk each
    /// organization's rows in time order and merge them (`query::page`).
    pub orgs: Option<OrgWalks>,
    /// When the filter is `build_reason:` alone (and the reader reads something): its matches reached from the
    /// reason's builds.
    pub builds: Option<ByBuilds>,
    /// When the filter is empty: whose rows the fragment selects, if an index can walk them in time order (every
    /// row; one organization's, or a few organizations' one by one), so that a deep page counts its way to its
    /// first row in that index (`query::page`).
    pub unfiltered: Option<Scope>,
}

/// See `Fragment::unfiltered`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    Everything,
    Organizations,
}

/// The organizations of `Fragment::orgs`: the placeholder number of the `uuid[]` holding them, how many there
/// are, and the fragment's SQL without its `organization_id = ANY (…)` conjunct (which a walk replaces by
/// its own organization; keeping both would make PostgreSQL count the restriction twice and misjudge plans).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrgWalks {
    pub param: usize,
    pub count: usize,
    pub rest: String,
}

/// The audit rows `build_reason:` matches, reached from the reason's builds instead of found by reading the
/// log: each FROM clause (WHERE included) names its matching rows `audit_logs`, one way an audit row matches
/// per clause (disjoint: a `workspace_build` row of one of the reason's builds; a workspace `create` row of a
/// workspace whose first build has the reason). Each audit look-up is a LATERAL subquery with
/// `OFFSET 0`, so that it stays an index probe of `audit_logs.resource_id` per build: the capped count stops
/// after `cap + 1` matches, having read only their builds (`query::count`), and a page whose matches are few
/// is sorted from them (`query::page`), where walking the log in time order would read until the oldest match.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ByBuilds {
    pub from: [String; 2],
}

impl ByBuilds {
    /// Both kinds of matching rows, as `SELECT{columns}` of each clause (`columns` empty or starting with a space).
    pub fn union(&self, columns: &str) -> String {
        format!("SELECT{columns} FROM {} UNION ALL SELECT{columns} FROM {}", self.from[0], self.from[1])
    }
}

/// The most organizations a page walks one by one; an actor who may read more is served by one walk that
/// checks `organization_id = ANY (…)`.
pub const MAX_ORG_WALKS: usize = 8;

/// Name resolution, answered by the database (or by a fixed table in unit tests).
pub trait Resolver {
    /// The id of the non-deleted user with this username (case-insensitive).
    fn user_by_username(&self, username: &str) -> Option<Uuid>;
    /// The ids of users with this email (case-insensitive); deleted users too when `include_deleted`.
    fn users_by_email(&self, email: &str, include_deleted: bool) -> Vec<Uuid>;
    /// Whether `log`'s table has a valid btree index led by `column` (`Key::pinned_column`).
    fn leads_an_index(&self, log: Log, column: &str) -> bool;
}

/// The log's time column (unquoted): pages are newest first.
pub fn time_attname(log: Log) -> &'static str {
    match log {
        Log::Audit => "time",
        Log::Connection => "connect_time",
    }
}

pub fn table(log: Log) -> &'static str {
    match log {
        Log::Audit => "audit_logs",
        Log::Connection => "connection_logs",
    }
}

struct Builder<'a> {
    profile: &'a Profile,
    /// The Coder schema, already quoted as an identifier.
    qschema: &'a str,
    table: &'static str,
    parts: Vec<String>,
    params: Vec<Param>,
}

impl Builder<'_> {
    fn bind(&mut self, p: Param) -> String {
        self.params.push(p);
        format!("${}", self.params.len())
    }
    fn col(&self, c: &str) -> String {
        format!("{}.{}", self.table, ident(c))
    }
    fn q(&self, name: &str) -> String {
        format!("{}.{name}", self.qschema)
    }
    /// A fixed enum constant of the Coder schema (never user input).
    fn enum_const(&self, type_name: &str, label: &str) -> String {
        format!("'{label}'::{}", self.q(type_name))
    }
}

/// A fixed column name, double-quoted where it is a keyword.
pub(crate) fn ident(c: &str) -> String {
    match c {
        "time" | "type" => format!("\"{c}\""),
        _ => c.to_string(),
    }
}

/// Compiles `filter` for the rows `access` allows, in the Coder schema `profile` describes. `actor` stands
/// for `me`; without one, `me` is a validation error. Fails only with validations.
pub fn compile(
    filter: &Filter,
    access: &Access,
    actor: Option<Uuid>,
    profile: &Profile,
    resolver: &dyn Resolver,
) -> Result<Fragment, Vec<Validation>> {
    let qschema = profile.qschema.as_str();
    let mut b = Builder { profile, qschema, table: table(filter.log), parts: Vec::new(), params: Vec::new() };
    let mut errors = Vec::new();
    let mut orgs = None;
    // `build_reason:` alone: counted from its builds, and a page's walk probes each row's build (see ByBuilds).
    // For a reader of some organizations, each build's audit rows are probed with the organizations' condition
    // too: the count stops at `cap + 1` matches having read only their builds' rows, where the plain predicate
    // read every row of the organizations until it had seen as many (10M rows, an auditor of 8 organizations:
    // ~90 -> ~20 ms for the count). A reader of no organization reads nothing (the plain `false`). Each probe is
    // a look-up of `audit_logs.resource_id`: without an index led by it (Coder's stock one, dropped or renamed
    // away), a probe would read the whole log, so the plain predicate serves.
    let reads = match access {
        Access::All => true,
        Access::Organizations(ids) => !ids.is_empty(),
    };
    let alone = reads
        && matches!(filter.terms.as_slice(), [t] if t.key.pred == Pred::BuildReason && !t.negated && !matches!(t.value, Value::Any(_)))
        && resolver.leads_an_index(filter.log, "resource_id");
    // The organizations' condition on the log row, for the probes from the builds.
    let mut org_clause = None;
    let mut reason = None;
    for term in &filter.terms {
        let mut one = |b: &mut Builder, value: &Value| {
            value_sql(b, term.key, value, actor, resolver, alone).map(|(sql, p)| {
                reason = reason.take().or(p);
                sql
            })
        };
        let part = match &term.value {
            Value::Any(values) => values
                .iter()
                .map(|v| one(&mut b, v))
                .collect::<Result<Vec<_>, _>>()
                .map(|parts| format!("({})", parts.join(" OR "))),
            value => one(&mut b, value),
        };
        match part {
            // The complement of the positive form: `IS NOT TRUE` keeps the rows where it is NULL (no ip).
            Ok(part) if term.negated => b.parts.push(format!("({part}) IS NOT TRUE")),
            Ok(part) => b.parts.push(part),
            Err(v) => errors.push(v),
        }
    }
    // A filter that pins an indexed column to a user, a resource, a request or a workspace finds its few rows
    // through that column's index; RBAC's organizations then only filter them. Written as `(…) IS TRUE`, the
    // organization clause is no index condition (the same rows: organization_id is never NULL), so PostgreSQL
    // neither ANDs the organizations' large bitmap with the filter's small one nor walks each organization's
    // rows looking for the filter's (the cause of 36-40 ms pages for organization auditors with `username:`).
    let pinned =
        || filter.terms.iter().filter_map(|t| t.pinned_column()).any(|c| resolver.leads_an_index(filter.log, c));
    match access {
        Access::All => {}
        Access::Organizations(ids) if ids.is_empty() => b.parts.push("false".into()),
        Access::Organizations(ids) if pinned() => {
            let c = b.col("organization_id");
            let part = match ids.as_slice() {
                [one] => format!("({c} = {}) IS TRUE", b.bind(Param::Uuid(*one))),
                _ => format!("({c} = ANY ({})) IS TRUE", b.bind(Param::UuidArray(ids.clone()))),
            };
            b.parts.push(part);
        }
        Access::Organizations(ids) => {
            let c = b.col("organization_id");
            let clause = if let [one] = ids.as_slice() {
                let p = b.bind(Param::Uuid(*one));
                format!("{c} = {p}")
            } else {
                let rest = if b.parts.is_empty() { "true".to_string() } else { b.parts.join(" AND ") };
                let p = b.bind(Param::UuidArray(ids.clone()));
                if ids.len() <= MAX_ORG_WALKS {
                    orgs = Some(OrgWalks { param: b.params.len(), count: ids.len(), rest });
                }
                format!("{c} = ANY ({p})")
            };
            b.parts.push(clause.clone());
            org_clause = Some(clause);
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    // Every part is a conjunction or fully parenthesized (build_reason), so AND-joining needs no parentheses.
    let sql = if b.parts.is_empty() { "true".to_string() } else { b.parts.join(" AND ") };
    let builds = match (reason, access, org_clause) {
        (Some(p), Access::All, _) if alone => Some(by_builds(&b, &p, None)),
        (Some(p), Access::Organizations(_), Some(orgs)) if alone => Some(by_builds(&b, &p, Some(&orgs))),
        _ => None,
    };
    let unfiltered = match access {
        _ if !filter.terms.is_empty() => None,
        Access::All => Some(Scope::Everything),
        Access::Organizations(ids) if ids.len() == 1 || orgs.is_some() => Some(Scope::Organizations),
        Access::Organizations(_) => None,
    };
    Ok(Fragment { sql, params: b.params, orgs, builds, unfiltered })
}

/// One value of a term as SQL (the term's several values are ORed, its negation applied, by `compile`), and
/// for `build_reason:` the placeholder of the reason.
fn value_sql(
    b: &mut Builder,
    key: &'static crate::dsl::Key,
    value: &Value,
    actor: Option<Uuid>,
    resolver: &dyn Resolver,
    alone: bool,
) -> Result<(String, Option<String>), Validation> {
    let sql = match (key.pred, value) {
        (Pred::Eq(c), Value::Uuid(u)) => format!("{} = {}", b.col(c), b.bind(Param::Uuid(*u))),
        (Pred::Eq(c), Value::Text(s)) => format!("{} = {}", b.col(c), b.bind(Param::Text(s.clone()))),
        (Pred::Eq(c), Value::Label(l)) => match key.kind {
            Kind::Enum(t) => format!("{} = {}", b.col(c), b.bind(Param::Enum { type_name: t, label: l.clone() })),
            _ => unreachable!("only enum keys compare labels with a column"),
        },
        (Pred::Since(c), Value::Time(t)) => {
            format!("{} >= {}", b.col(c), b.bind(Param::Timestamptz(t.pg_micros_ceil())))
        }
        (Pred::Until(c), Value::Time(t)) => match key.kind {
            // A whole day: before the next midnight (Coder stops at 23:59:59 and misses its last second).
            Kind::Date(_) => {
                format!("{} < {}", b.col(c), b.bind(Param::Timestamptz(t.add_secs(86_400).pg_micros_floor())))
            }
            _ => format!("{} <= {}", b.col(c), b.bind(Param::Timestamptz(t.pg_micros_floor()))),
        },
        (Pred::UserId(c), v) => {
            let ids = match (v, key.kind) {
                (Value::Me, _) => match actor {
                    Some(a) => vec![a],
                    None => return Err(Validation::me_without_actor(key.name)),
                },
                (Value::User(name), _) => resolver.user_by_username(name).into_iter().collect(),
                (Value::Text(email), Kind::Email { include_deleted }) => {
                    resolver.users_by_email(email, include_deleted)
                }
                _ => unreachable!("user keys hold names, emails or me"),
            };
            match ids.as_slice() {
                [] => "false".to_string(),
                [one] => format!("{} = {}", b.col(c), b.bind(Param::Uuid(*one))),
                _ => format!("{} = ANY ({})", b.col(c), b.bind(Param::UuidArray(ids))),
            }
        }
        // Without Coder's builds (never seen), no row has a build reason.
        (Pred::BuildReason, Value::Label(_))
            if !(b.profile.has(Table::WorkspaceBuilds) && b.profile.has(Table::Workspaces)) =>
        {
            "false".to_string()
        }
        (Pred::BuildReason, Value::Label(l)) => {
            let (sql, p) = build_reason(b, l, alone);
            return Ok((sql, Some(p)));
        }
        (Pred::ConnectionStatus, Value::Label(l)) => connection_status(b, l),
        (Pred::ConnectionType, Value::Label(l)) => connection_type(b, l),
        // The parameter is text, cast to inet in the statement (PostgreSQL's own input function reads it).
        (Pred::Within(c), Value::Network(n)) => format!("{} <<= {}::inet", b.col(c), b.bind(Param::Text(n.clone()))),
        (Pred::Compare(c), Value::Compare(cmp, n)) => format!("{} {} {}", b.col(c), cmp.op(), b.bind(Param::Int(*n))),
        (p, v) => unreachable!("key {} ({p:?}) cannot hold {v:?}", key.name),
    };
    Ok((sql, None))
}

/// Coder's build_reason: the reason of the build a `workspace_build` row names, or of build 1 of the
/// workspace a workspace `create` row names. Written as two EXISTS probes instead of Coder's three LEFT JOINs;
/// returns the SQL and the reason's placeholder. The second, for the rare workspace-create rows, stays a
/// per-row probe of Coder's unique `(workspace_id, build_number)` index: its `OFFSET 0` keeps the planner from
/// hashing it instead, which meant reading every workspace on each call. The first is left to the planner
/// (a hash of the reason's build ids suits a long walk, e.g. a count with a date range), except `per_row`:
/// then a page walks newest first until its rows are found, and a probe per `workspace_build` row (of the
/// advised `(reason, id)` index, from the index alone) costs less than hashing every build of the reason.
fn build_reason(b: &mut Builder, label: &str, per_row: bool) -> (String, String) {
    let p = b.bind(Param::Enum { type_name: "build_reason", label: label.to_string() });
    let probe = if per_row { " OFFSET 0" } else { "" };
    let [build_row, create_row] = reason_rows(b);
    let sql = format!(
        "(({build_row} AND EXISTS (SELECT 1 FROM {builds} wb WHERE wb.id = {rid} AND wb.reason = {p}{probe})) OR \
         ({create_row} AND EXISTS (SELECT 1 FROM {builds} wb JOIN {workspaces} w ON w.id = wb.workspace_id \
         WHERE wb.workspace_id = {rid} AND wb.build_number = 1 AND wb.reason = {p} OFFSET 0)))",
        rid = b.col("resource_id"),
        builds = b.q("workspace_builds"),
        workspaces = b.q("workspaces"),
    );
    (sql, p)
}

/// The two kinds of audit rows a build reason can match: a `workspace_build` row (of the build it names), and
/// a workspace `create` row (of the workspace's build 1).
fn reason_rows(b: &Builder) -> [String; 2] {
    let rt = b.col("resource_type");
    [
        format!("{rt} = {}", b.enum_const("resource_type", "workspace_build")),
        format!(
            "{rt} = {} AND {} = {}",
            b.enum_const("resource_type", "workspace"),
            b.col("action"),
            b.enum_const("audit_action", "create")
        ),
    ]
}

/// `build_reason:`'s matches from the reason's builds (`p`): no other condition, or for a reader of some
/// organizations their condition on the log row (`orgs`), tested in each build's probe.
fn by_builds(b: &Builder, p: &str, orgs: Option<&str>) -> ByBuilds {
    let (logs, builds, workspaces) = (b.q("audit_logs"), b.q("workspace_builds"), b.q("workspaces"));
    let rid = b.col("resource_id");
    let [build_row, create_row] = reason_rows(b);
    let orgs = orgs.map(|o| format!(" AND {o}")).unwrap_or_default();
    let probe = |key: &str, kind: &str| {
        format!("LATERAL (SELECT audit_logs.* FROM {logs} WHERE {rid} = {key} AND {kind}{orgs} OFFSET 0) audit_logs")
    };
    ByBuilds {
        from: [
            format!("{builds} wb, {} WHERE wb.reason = {p}", probe("wb.id", &build_row)),
            format!(
                "{builds} wb JOIN {workspaces} w ON w.id = wb.workspace_id, {} WHERE wb.reason = {p} AND wb.build_number = 1",
                probe("wb.workspace_id", &create_row)
            ),
        ],
    }
}

/// Coder's status filter: by disconnect time, and never web connections.
fn connection_status(b: &Builder, label: &str) -> String {
    let null = if label == "ongoing" { "IS NULL" } else { "IS NOT NULL" };
    let conn = b.profile.conn();
    format!(
        "{} {null} AND {} NOT IN ({}, {})",
        b.col("disconnect_time"),
        b.col(conn.method_column()),
        b.enum_const(conn.method_type(), "workspace_app"),
        b.enum_const(conn.method_type(), "port_forwarding")
    )
}

/// `type:`. Where connection logs record types (Coder G1, G2), the type itself. Where they record methods
/// (G3), Coder's compatibility categories: `vscode` and `jetbrains` are `ssh` connections by an app of that
/// family, `ssh` those by any other app (or none), and every other category its method.
fn connection_type(b: &mut Builder, label: &str) -> String {
    use crate::dsl::apps::{family, Family};
    let conn = b.profile.conn();
    let (method, app) = (b.col(conn.method_column()), b.col(conn.app_column()));
    let is = |b: &mut Builder, label: &str| {
        format!("{method} = {}", b.bind(Param::Enum { type_name: conn.method_type(), label: label.to_string() }))
    };
    if conn == Connections::Types {
        return is(b, label);
    }
    let method = is(b, crate::dsl::apps::method_of(label));
    match label {
        "vscode" | "jetbrains" => {
            let apps = family(if label == "vscode" { Family::Vscode } else { Family::Jetbrains });
            format!("{method} AND {app} = ANY ({})", b.bind(Param::TextArray(apps)))
        }
        "ssh" => {
            let mut apps = family(Family::Vscode);
            apps.extend(family(Family::Jetbrains));
            format!("{method} AND ({app} IS NULL OR {app} <> ALL ({}))", b.bind(Param::TextArray(apps)))
        }
        _ => method,
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::dsl::gotime::Instant;
    use crate::dsl::parse::tests::{audit, FixedCatalog};
    use crate::dsl::{parse, Limits};

    pub fn g1(qschema: &str) -> Profile {
        Profile::generation_for_tests(qschema, 1)
    }

    pub struct FixedResolver;
    pub const ALICE: &str = "a11ce000-0000-4000-8000-000000000001";
    pub const ALICE_OLD: &str = "a11ce000-0000-4000-8000-000000000002";

    impl Resolver for FixedResolver {
        fn user_by_username(&self, u: &str) -> Option<Uuid> {
            (u == "alice").then(|| Uuid::parse_str(ALICE).unwrap())
        }
        fn users_by_email(&self, e: &str, include_deleted: bool) -> Vec<Uuid> {
            if e.eq_ignore_ascii_case("alice@example.com") {
                let mut v = vec![Uuid::parse_str(ALICE).unwrap()];
                if include_deleted {
                    v.push(Uuid::parse_str(ALICE_OLD).unwrap());
                }
                v
            } else {
                vec![]
            }
        }
        fn leads_an_index(&self, log: Log, column: &str) -> bool {
            // Coder's stock indexes, and the advised ones on resource_target and request_id.
            match log {
                Log::Audit => ["user_id", "resource_id", "resource_target", "request_id"].contains(&column),
                Log::Connection => ["workspace_owner_id", "workspace_id", "connection_id"].contains(&column),
            }
        }
    }

    fn frag(q: &str) -> Fragment {
        compile(&audit(q).unwrap(), &Access::All, None, &g1("public"), &FixedResolver).unwrap()
    }

    #[test]
    fn only_the_predicates_in_use() {
        assert_eq!(
            frag(""),
            Fragment { sql: "true".into(), unfiltered: Some(Scope::Everything), ..Default::default() }
        );
        let f = frag("resource_id:6b8f2c3a-1111-4222-8333-444455556666");
        assert_eq!(f.unfiltered, None);
        assert_eq!(f.sql, "audit_logs.resource_id = $1");
        assert_eq!(f.params, vec![Param::Uuid(Uuid::parse_str("6b8f2c3a-1111-4222-8333-444455556666").unwrap())]);
        let f = frag("workspace action:delete resource_target:\"it's\"");
        assert_eq!(
            f.sql,
            "audit_logs.resource_target = $1 AND audit_logs.resource_type = $2 AND audit_logs.action = $3"
        );
        assert_eq!(f.params[0], Param::Text("it's".into()));
        assert_eq!(f.params[2], Param::Enum { type_name: "audit_action", label: "delete".into() });
    }

    /// `q` in the extended dialect, compiled for `access`.
    fn extended(q: &str, access: &Access) -> Fragment {
        let limits = Limits { max_length: 4096, max_terms: 32 };
        let f = crate::dsl::parse_in(crate::dsl::Dialect::Extended, Log::Audit, q, limits, &FixedCatalog).unwrap();
        compile(&f, access, None, &g1("public"), &FixedResolver).unwrap()
    }

    #[test]
    fn extended_forms_are_ors_negations_and_comparisons() {
        let ext = |q: &str| extended(q, &Access::All);
        let f = ext("action:create,delete -username:alice ip:10.0.0.0/8 status_code:>=400");
        assert_eq!(
            f.sql,
            "(audit_logs.user_id = $1) IS NOT TRUE AND (audit_logs.action = $2 OR audit_logs.action = $3) \
             AND audit_logs.ip <<= $4::inet AND audit_logs.status_code >= $5"
        );
        assert_eq!(f.params[3], Param::Text("10.0.0.0/8".into()));
        assert_eq!(f.params[4], Param::Int(400));
        // Nobody of that name: the negation is every row.
        assert_eq!(ext("-username:nobody").sql, "(false) IS NOT TRUE");
        // A negated or listed build reason is no longer "build_reason: alone".
        assert!(ext("build_reason:cli").builds.is_some());
        assert!(ext("-build_reason:cli").builds.is_none());
        assert!(ext("build_reason:cli,autostart").builds.is_none());
        // A negation pins no row: RBAC's organizations stay an index condition.
        let org = Access::Organizations(vec![Uuid::parse_str("9f3a6c1e-0000-4000-8000-000000000001").unwrap()]);
        let f = extended("-resource_id:6b8f2c3a-1111-4222-8333-444455556666", &org);
        assert!(f.sql.ends_with("audit_logs.organization_id = $2"), "{}", f.sql);
        // A listed one still does.
        let f = extended("resource_id:6b8f2c3a-1111-4222-8333-444455556666,6b8f2c3a-1111-4222-8333-444455556667", &org);
        assert!(f.sql.ends_with("(audit_logs.organization_id = $3) IS TRUE"), "{}", f.sql);
    }

    #[test]
    fn dates_cover_whole_days() {
        let f = frag("date_from:2026-01-01 date_to:2026-01-01");
        assert_eq!(f.sql, r#"audit_logs."time" >= $1 AND audit_logs."time" < $2"#);
        let (Param::Timestamptz(a), Param::Timestamptz(b)) = (&f.params[0], &f.params[1]) else { panic!() };
        assert_eq!(Instant::from_pg_micros(*a).to_rfc3339(), "2026-01-01T00:00:00Z");
        assert_eq!(Instant::from_pg_micros(*b).to_rfc3339(), "2026-01-02T00:00:00Z");
    }

    #[test]
    fn connection_times_round_toward_the_bound() {
        let filter = parse(
            Log::Connection,
            r#"connected_after:"2026-01-01T00:00:00.0000001Z" connected_before:"2026-01-01T00:00:01.9999999Z""#,
            Limits { max_length: 4096, max_terms: 32 },
            &FixedCatalog,
        )
        .unwrap();
        let f = compile(&filter, &Access::All, None, &g1("public"), &FixedResolver).unwrap();
        assert_eq!(f.sql, "connection_logs.connect_time >= $1 AND connection_logs.connect_time <= $2");
        let (Param::Timestamptz(a), Param::Timestamptz(b)) = (&f.params[0], &f.params[1]) else { panic!() };
        assert_eq!(Instant::from_pg_micros(*a).to_rfc3339(), "2026-01-01T00:00:00.000001Z");
        assert_eq!(Instant::from_pg_micros(*b).to_rfc3339(), "2026-01-01T00:00:01.999999Z");
    }

    #[test]
    fn names_resolve_to_ids() {
        assert_eq!(frag("username:Alice").sql, "audit_logs.user_id = $1");
        assert_eq!(frag("username:nobody").sql, "false");
        let f = frag("email:ALICE@example.com");
        assert_eq!(f.sql, "audit_logs.user_id = ANY ($1)");
        assert_eq!(f.params.len(), 1);
        assert_eq!(frag("email:nobody@example.com").sql, "false");
    }

    #[test]
    fn me_needs_an_actor() {
        let filter = audit("username:me").unwrap();
        let err = compile(&filter, &Access::All, None, &g1("public"), &FixedResolver).unwrap_err();
        assert_eq!(err[0].field, "username");
        let actor = Uuid::parse_str(ALICE).unwrap();
        let f = compile(&filter, &Access::All, Some(actor), &g1("public"), &FixedResolver).unwrap();
        assert_eq!(f.params, vec![Param::Uuid(actor)]);
    }

    #[test]
    fn build_reason_probes_the_builds() {
        // Alone: a page's walk probes each row's build, and the count is driven from the builds.
        let f = frag("build_reason:cli");
        assert!(f.sql.starts_with("((audit_logs.resource_type = 'workspace_build'::public.resource_type AND EXISTS (SELECT 1 FROM public.workspace_builds wb WHERE wb.id = audit_logs.resource_id AND wb.reason = $1 OFFSET 0)) OR"), "{}", f.sql);
        assert_eq!(f.params, vec![Param::Enum { type_name: "build_reason", label: "cli".into() }]);
        // The workspace-create branch stays a per-row probe (OFFSET 0 keeps it from being hashed).
        assert!(f.sql.ends_with("wb.build_number = 1 AND wb.reason = $1 OFFSET 0)))"), "{}", f.sql);
        let b = f.builds.expect("build_reason alone is counted from its builds");
        assert_eq!(b.from[0], "public.workspace_builds wb, LATERAL (SELECT audit_logs.* FROM public.audit_logs WHERE audit_logs.resource_id = wb.id AND audit_logs.resource_type = 'workspace_build'::public.resource_type OFFSET 0) audit_logs WHERE wb.reason = $1");
        assert_eq!(b.from[1], "public.workspace_builds wb JOIN public.workspaces w ON w.id = wb.workspace_id, LATERAL (SELECT audit_logs.* FROM public.audit_logs WHERE audit_logs.resource_id = wb.workspace_id AND audit_logs.resource_type = 'workspace'::public.resource_type AND audit_logs.action = 'create'::public.audit_action OFFSET 0) audit_logs WHERE wb.reason = $1 AND wb.build_number = 1");
        // For a reader of some organizations, the same, each build's probe testing the organizations too (one
        // bound as a uuid, several as an array, the placeholder the predicate uses); a reader of none reads
        // nothing, from the builds or otherwise.
        let org = |n: u8| Uuid::parse_str(&format!("9f3a6c1e-0000-4000-8000-00000000000{n}")).unwrap();
        let for_orgs = |ids: Vec<Uuid>| {
            compile(
                &audit("build_reason:cli").unwrap(),
                &Access::Organizations(ids),
                None,
                &g1("public"),
                &FixedResolver,
            )
            .unwrap()
        };
        let f = for_orgs(vec![org(1)]);
        assert!(
            f.sql.contains("wb.reason = $1 OFFSET 0)) OR") && f.sql.ends_with(" AND audit_logs.organization_id = $2"),
            "{}",
            f.sql
        );
        let b = f.builds.expect("an organization reader's build_reason alone is counted from its builds");
        assert!(b.from[0].ends_with("'workspace_build'::public.resource_type AND audit_logs.organization_id = $2 OFFSET 0) audit_logs WHERE wb.reason = $1"), "{}", b.from[0]);
        assert!(
            b.from[1]
                .contains("'create'::public.audit_action AND audit_logs.organization_id = $2 OFFSET 0) audit_logs"),
            "{}",
            b.from[1]
        );
        let f = for_orgs(vec![org(1), org(2)]);
        assert!(f.sql.ends_with(" AND audit_logs.organization_id = ANY ($2)"), "{}", f.sql);
        let b = f.builds.expect("counted from its builds");
        assert!(
            b.from.iter().all(|from| from.contains(" AND audit_logs.organization_id = ANY ($2) OFFSET 0)")),
            "{b:?}"
        );
        assert_eq!(f.orgs.map(|o| o.count), Some(2), "the page walks each organization");
        let f = for_orgs(vec![]);
        assert!(f.sql.ends_with(" AND false"), "{}", f.sql);
        assert_eq!(f.builds, None);
        // Without an index led by audit_logs.resource_id, each probe would read the log: the plain predicate.
        struct NoResourceIndex;
        impl Resolver for NoResourceIndex {
            fn user_by_username(&self, u: &str) -> Option<Uuid> {
                FixedResolver.user_by_username(u)
            }
            fn users_by_email(&self, e: &str, include_deleted: bool) -> Vec<Uuid> {
                FixedResolver.users_by_email(e, include_deleted)
            }
            fn leads_an_index(&self, log: Log, column: &str) -> bool {
                column != "resource_id" && FixedResolver.leads_an_index(log, column)
            }
        }
        let f =
            compile(&audit("build_reason:cli").unwrap(), &Access::All, None, &g1("public"), &NoResourceIndex).unwrap();
        assert_eq!(f.builds, None);
        assert!(f.sql.contains("wb.reason = $1)) OR"), "the planner may hash the builds: {}", f.sql);
        // With another term, the planner chooses how to test the builds (a hash suits a long walk), and the
        // other term drives.
        let f = frag("build_reason:cli action:start");
        assert!(f.sql.contains("wb.reason = $2)) OR"), "{}", f.sql);
        assert_eq!(f.builds, None);
    }

    #[test]
    fn rbac_is_a_native_uuid_or_uuid_array() {
        let org = Uuid::parse_str("9f3a6c1e-0000-4000-8000-000000000001").unwrap();
        let filter = audit("action:delete").unwrap();
        // One organization: an equality, which an (organization_id, time) index walks in time order.
        let f = compile(&filter, &Access::Organizations(vec![org]), None, &g1("public"), &FixedResolver).unwrap();
        assert_eq!(f.sql, "audit_logs.action = $1 AND audit_logs.organization_id = $2");
        assert_eq!((f.params[1].clone(), f.orgs), (Param::Uuid(org), None));
        // A few: an array, and pages walk each one (orgs); many: the array alone.
        let f = compile(&filter, &Access::Organizations(vec![org; 2]), None, &g1("public"), &FixedResolver).unwrap();
        assert_eq!(f.sql, "audit_logs.action = $1 AND audit_logs.organization_id = ANY ($2)");
        assert_eq!(f.params[1], Param::UuidArray(vec![org; 2]));
        assert_eq!(f.orgs, Some(OrgWalks { param: 2, count: 2, rest: "audit_logs.action = $1".into() }));
        let many = Access::Organizations(vec![org; MAX_ORG_WALKS + 1]);
        assert_eq!(compile(&filter, &many, None, &g1("public"), &FixedResolver).unwrap().orgs, None);
        let f = compile(&filter, &Access::Organizations(vec![]), None, &g1("public"), &FixedResolver).unwrap();
        assert_eq!(f.sql, "audit_logs.action = $1 AND false");
        // Unfiltered, a reader of one organization or of a few (walked one by one) is a scope a deep page can
        // count through; of none or of many, not.
        let none = audit("").unwrap();
        let scope = |ids: Vec<Uuid>| {
            compile(&none, &Access::Organizations(ids), None, &g1("public"), &FixedResolver).unwrap().unfiltered
        };
        assert_eq!(scope(vec![org]), Some(Scope::Organizations));
        assert_eq!(scope(vec![org; MAX_ORG_WALKS]), Some(Scope::Organizations));
        assert_eq!(scope(vec![org; MAX_ORG_WALKS + 1]), None);
        assert_eq!(scope(vec![]), None);
        // A filter that pins an indexed column (a user): the organizations only filter its rows, and no
        // organization is walked.
        let pinned = |q: &str, log: Log, n: usize| {
            let filter = match log {
                Log::Audit => audit(q).unwrap(),
                Log::Connection => {
                    parse(Log::Connection, q, Limits { max_length: 4096, max_terms: 32 }, &MethodsCatalog(false))
                        .unwrap()
                }
            };
            compile(&filter, &Access::Organizations(vec![org; n]), None, &g1("public"), &FixedResolver).unwrap()
        };
        let f = pinned("username:alice action:delete", Log::Audit, 2);
        assert_eq!(
            f.sql,
            "audit_logs.user_id = $1 AND audit_logs.action = $2 AND (audit_logs.organization_id = ANY ($3)) IS TRUE"
        );
        assert_eq!(f.orgs, None);
        let f = pinned("resource_target:ws-1", Log::Audit, 1);
        assert_eq!(f.sql, "audit_logs.resource_target = $1 AND (audit_logs.organization_id = $2) IS TRUE");
        let f = pinned("workspace_owner:alice", Log::Connection, 2);
        assert!(f.sql.ends_with("(connection_logs.organization_id = ANY ($2)) IS TRUE"), "{}", f.sql);
        // Not when no index leads with the column (here connection_logs.user_id). A user not found pins the filter
        // all the same (it matches nothing).
        let f = pinned("username:alice", Log::Connection, 2);
        assert!(f.sql.ends_with("connection_logs.organization_id = ANY ($2)") && f.orgs.is_some(), "{}", f.sql);
        let f = pinned("username:nobody", Log::Audit, 1);
        assert_eq!(f.sql, "false AND (audit_logs.organization_id = $1) IS TRUE");
    }

    #[test]
    fn connection_types_follow_the_schema_generation() {
        let conn = |q: &str, generation: u8| {
            let methods = generation == 3;
            let filter =
                parse(Log::Connection, q, Limits { max_length: 4096, max_terms: 32 }, &MethodsCatalog(methods))
                    .unwrap();
            compile(&filter, &Access::All, None, &Profile::generation_for_tests("public", generation), &FixedResolver)
                .unwrap()
        };
        // Types (G1, G2): the enum column.
        let f = conn("type:vscode", 2);
        assert_eq!(f.sql, r#"connection_logs."type" = $1"#);
        assert_eq!(f.params, vec![Param::Enum { type_name: "connection_type", label: "vscode".into() }]);
        // Methods (G3): the categories.
        let f = conn("type:vscode", 3);
        assert_eq!(f.sql, "connection_logs.connection_method = $1 AND connection_logs.app_name_or_port = ANY ($2)");
        assert_eq!(f.params[0], Param::Enum { type_name: "connection_log_method", label: "ssh".into() });
        let Param::TextArray(apps) = &f.params[1] else { panic!("{:?}", f.params) };
        assert!(
            apps.contains(&"cursor".to_string())
                && apps.contains(&"code_oss".to_string())
                && !apps.contains(&"pycharm".to_string())
        );
        let f = conn("type:ssh", 3);
        assert_eq!(f.sql, "connection_logs.connection_method = $1 AND (connection_logs.app_name_or_port IS NULL OR connection_logs.app_name_or_port <> ALL ($2))");
        let Param::TextArray(apps) = &f.params[1] else { panic!() };
        assert_eq!(apps.len(), 31, "both families");
        let f = conn("type:tunnel", 3);
        assert_eq!(f.sql, "connection_logs.connection_method = $1");
        assert_eq!(f.params, vec![Param::Enum { type_name: "connection_log_method", label: "tunnel".into() }]);
        // status: names the method column and its type in every generation.
        assert_eq!(
            conn("status:ongoing", 3).sql,
            "connection_logs.disconnect_time IS NULL AND connection_logs.connection_method NOT IN ('workspace_app'::public.connection_log_method, 'port_forwarding'::public.connection_log_method)"
        );
        assert!(conn("status:completed", 1).sql.ends_with(r#"connection_logs."type" NOT IN ('workspace_app'::public.connection_type, 'port_forwarding'::public.connection_type)"#));
    }

    /// `FixedCatalog`, with or without connection methods.
    struct MethodsCatalog(bool);
    impl crate::dsl::Catalog for MethodsCatalog {
        fn enum_has(&self, t: &str, l: &str) -> bool {
            FixedCatalog.enum_has(t, l)
        }
        fn organization_by_name(&self, n: &str) -> Option<Uuid> {
            FixedCatalog.organization_by_name(n)
        }
        fn connection_methods(&self) -> bool {
            self.0
        }
    }

    #[test]
    fn build_reason_without_builds_matches_nothing() {
        let no_builds = Profile::read("public".into(), &|t, c| t != "workspace_builds" && c != "connection_method");
        let f = compile(&audit("build_reason:cli").unwrap(), &Access::All, None, &no_builds, &FixedResolver).unwrap();
        assert_eq!((f.sql.as_str(), f.builds), ("false", None));
    }

    #[test]
    fn the_schema_is_used_as_quoted() {
        let f = compile(&audit("build_reason:cli").unwrap(), &Access::All, None, &g1("\"My Schema\""), &FixedResolver)
            .unwrap();
        assert!(f.sql.contains("FROM \"My Schema\".workspace_builds wb"), "{}", f.sql);
        assert!(f.sql.contains("'workspace_build'::\"My Schema\".resource_type"), "{}", f.sql);
    }
}

/// Parser speed: `make bench-parser` (release build). Not part of `make test`: timings are printed, not
/// asserted.
#[cfg(test)]
mod speed {
    use super::tests::{g1, FixedResolver};
    use super::*;
    use crate::dsl::parse::tests::FixedCatalog;
    use crate::dsl::{parse, Limits};
    use std::time::Instant;

    #[test]
    #[ignore = "a benchmark: run with `make bench-parser`"]
    fn parse_and_compile_per_filter() {
        let limits = Limits { max_length: 4096, max_terms: 32 };
        let org = Uuid::parse_str("9f3a6c1e-0000-4000-8000-000000000001").unwrap();
        let cases: &[(Log, &str)] = &[
            (Log::Audit, ""),
            (Log::Audit, "workspace action:delete"),
            (Log::Audit, "username:alice resource_type:workspace_build"),
            (Log::Audit, "email:alice@example.com date_from:2026-01-01 date_to:2026-01-31"),
            (Log::Audit, "resource_target:\"my workspace\" build_reason:autostart"),
            (
                Log::Audit,
                "resource_id:6b8f2c3a-1111-4222-8333-444455556666 request_id:6b8f2c3a-1111-4222-8333-444455556667",
            ),
            (Log::Connection, "type:ssh status:ongoing workspace_owner:alice"),
            (Log::Connection, "connected_after:\"2026-01-01T00:00:00Z\" connected_before:\"2026-01-31T23:59:59.999Z\""),
        ];
        println!("{:<90} {:>10}", "filter (parse + compile, org-scoped RBAC)", "µs/op");
        for (log, q) in cases {
            let n = 200_000;
            let t = Instant::now();
            for _ in 0..n {
                let f = parse(*log, q, limits, &FixedCatalog).unwrap();
                let frag = compile(&f, &Access::Organizations(vec![org]), None, &g1("public"), &FixedResolver).unwrap();
                std::hint::black_box(frag);
            }
            let us = t.elapsed().as_secs_f64() * 1e6 / f64::from(n);
            println!("{:<90} {:>10.2}", format!("{}: {q:?}", log.name()), us);
        }
    }
}
