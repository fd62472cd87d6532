//! audit_ext: Coder's audit-log, connection-log and AI-seat queries inside PostgreSQL (README.md: what it is,
//! who calls it and how; tests/README.md: the test tiers and guarantees; tests/bench/README.md: performance).
//!
//! This is the map of the code and how it runs.
//!
//! # Layout
//!
//! Data flows one way: filter text → typed filter → SQL with bound parameters → rows → Coder's JSON.
//!
//! ```text
//! src/dsl/        filter text → typed filter (pure Rust): tokenize.rs, keys.rs (the one key table of both dialects:
//!                 parser, validation order, HINT and filter_keys() all read it), apps.rs (Coder's app registry, G3),
//!                 parse.rs, errors.rs (Coder's validation texts), gotime.rs and gocompat.rs (Go-compatible time
//!                 parsing and %q quoting)
//! src/plan/       typed filter + RBAC + scopes → SQL fragment with native-typed parameters (mod.rs); the schema
//!                 profile statements are written from (profile.rs); the count and page statements (query.rs);
//!                 Coder's per-row look-ups as SQL (lookups.rs); AI-seat statements (seats.rs); index advice
//!                 (advice.rs); literal rendering for *_predicate (render.rs); retention deletes (purge.rs)
//! src/rbac.rs     what an actor may read of a log (Coder's policy over its role tables), narrowed by API-key scopes
//! src/oracle/     the database as oracle: catalog.rs (the schema profile, kept per backend and dropped by
//!                 invalidation callbacks; enum labels via PostgreSQL's syscache; organizations by name),
//!                 resolve.rs (usernames and emails → ids)
//! src/exec/       running statements: spi.rs (read-only statements with native-typed parameters, custom-planned
//!                 or kept, each result read in a scratch memory context; the purges' one write), page.rs (a page statement and its details statements → rows),
//!                 jsonb.rs (the response → jsonb, jsonb columns → values)
//! src/shape/      rows → Coder's JSON (AuditLog, ConnectionLog, User, descriptions), pure Rust
//! src/api/        the SQL-callable functions only, with their #[pg_test]s; comments.rs includes sql/comments.sql;
//!                 compat.rs keeps 0.3.0's entry points for a database not yet updated
//! src/guc.rs      configuration
//! sql/            install scripts of released versions, the upgrade scripts between them, comments.sql (the
//!                 per-function reference, COMMENT statements)
//! tests/          fixture/ (Coder-shaped schema.sql and deterministic seed.sql = G1; g2.sql, g3.sql: Coder's
//!                 migrations; seed_recent.sql), pg_regress/ (golden files), client/ (psycopg 3 tier), bench/,
//!                 load/, fuzz/ (cargo-fuzz targets and corpora), scripts/ (setup, cluster, fixture_db, demo, test,
//!                 client, standby, fuzz, package); see tests/README.md
//! ```
//!
//! `src/shape` and `src/exec` read stored rows, so nothing in them may panic on any value: outside tests they deny
//! `clippy::indexing_slicing`, `unwrap_used`, `expect_used`, `string_slice`, `panic` and `unreachable` (`make test`
//! runs `cargo clippy -- -D warnings`); a line where an index or unwrap is provably in range says why and allows it.
//! A page renders whole or fails naming the value: a time outside the years 0–9999 that Go's JSON carries is `22008`
//! naming the row (or user) and field; a stored jsonb value that breaks jsonb's format is `XX001` naming the row and
//! field.
//!
//! # How the functions run
//!
//! Each call parses and compiles the filter, then runs read-only statements through SPI with every value bound as a
//! parameter of its own type (`uuid`, `uuid[]`, `text`, `timestamptz`, the Coder enum types by oid). Apart from the
//! purges, nothing writes and no transaction id is taken, so the functions work in `READ ONLY` transactions and on hot
//! standbys (pinned in `pages.sql` and by the standby tier). Two kinds of statement:
//!
//! - **The filter's own statement** — the capped count, or for a page the count and the page's rows from the log table
//!   in one statement — is planned per call with the actual values (a custom plan): a value that matches most of the
//!   table gets its own plan, and a session that calls a function a thousand times never falls back to a generic one.
//!   The page query runs only when the count is not 0 (a one-time filter on the count, visible in EXPLAIN as
//!   `One-Time Filter`).
//!   - For a reader of 2 to 8 organizations, when the log table has a complete btree index starting with
//!     `(organization_id, time)` (advised), the page walks each organization's rows newest first and merges them.
//!   - For a reader of some organizations whose filter pins a column an index leads with (a user by `username:`,
//!     `email:` or `workspace_owner:`, a `resource_target`, `resource_id`, `request_id`, `workspace_id` or
//!     `connection_id`), that index finds the few matching rows and the organizations only filter them: the clause
//!     is written `(organization_id = …) IS TRUE`, which no index serves (the same rows: the column is never NULL).
//!     Otherwise PostgreSQL ANDed the organization index's bitmap (~500,000 rows at 10M) with the user's (~2,000),
//!     or walked each organization's rows looking for the user's: 36–40 ms for an auditor's `username:` page at
//!     10M with the advice, 1.0–1.3 ms now (`tests/bench/README.md`, round C).
//!   - A filter that is `build_reason:` alone is served from the reason's builds: its capped count probes
//!     `audit_logs.resource_id` build by build and stops at `cap + 1` matches, instead of reading the log until it has
//!     seen that many (4% of the rows match a common reason, so ~50,000 rows were read for a count at 10M); its page,
//!     when the matches number at most 2,000, sorts them as read from the builds (a rare reason's newest matches may
//!     be anywhere in the log), and otherwise walks the log newest first, checking each `workspace_build` row's build
//!     in the advised `(reason, id)` index. For a reader of some organizations each build's probe also tests the
//!     organizations, and the walk is its organizations' (10M rows, auditors of 1, 2 and 8 organizations: 170–290 ms
//!     with the plain predicate, which read the organizations' rows until 2,001 matched, 23–102 ms now). The
//!     predicate form keeps Coder's meaning — the reason of the build for `workspace_build` rows, of build 1 for
//!     workspace `create` rows — as two EXISTS probes on unique indexes instead of Coder's three LEFT JOINs (checked
//!     row for row against Coder's join form in a `#[pg_test]`, for site-wide readers and readers of one and two
//!     organizations).
//!   - A deep page of an unfiltered reader (`offset` ≥ 500, no filter) finds the time of its first row, and how many
//!     rows are newer, in one index-only read of an index in time order, then reads only its own rows (ties in time
//!     handled by rank): the rows it skips are never fetched from the table. For a site-wide reader that index is
//!     Coder's stock `time DESC` / `connect_time DESC`; for a reader of one organization, or of a few (each read in
//!     turn, merged), the advised `(organization_id, time)` (10M rows, `offset 2000`: 30–43 → 12–16 ms). Only with
//!     a complete btree index led by those columns; one catalog check for "a complete btree index led by these
//!     columns" serves organization walks, deep pages and pinned filters, its answers kept per backend beside the
//!     schema profile and dropped with it.
//! - **Statements whose best plan does not depend on the values** — RBAC, names → ids, and a page's *details* — are
//!   prepared once per backend and kept (`SPI_keepplan`), and run with a generic plan (`plan_cache_mode =
//!   force_generic_plan`, set only around their execution and restored even on an error). PostgreSQL re-plans them
//!   after DDL on the tables they read. This took ~3 ms of planning off every page call. The details are three
//!   statements fed arrays of keys: the page's *distinct* users (and, for connection logs, workspace owners) and
//!   organizations, one LATERAL primary-key probe each (`= ANY` got a bitmap scan) — a page filtered by `username:`
//!   or `workspace_owner:` names one user a hundred times — and, for audit logs, Coder's `is_deleted` /
//!   `resource_link` look-ups per row. Each user's JSON is built once and copied into the rows that name it. RBAC
//!   skips the organization votes once the site level decides.
//!
//! Names resolve at call time: `username` → the id of the non-deleted user, `email` → the ids of the users with that
//! email, case-insensitively (deleted users included; live users through Coder's partial `lower(email)` index,
//! deleted ones by a scan of `users` that tests `deleted` before lowering any email), `me` → `actor`, `organization`
//! → its id. `date_to` covers its whole day as `"time" < next midnight`. Connection times round toward the bound
//! (`connected_after` up, `connected_before` down, to the microsecond), so nanosecond bounds stay exact.
//!
//! The page's JSON is written directly in jsonb's binary format (`src/exec/jsonb.rs`), in one pass and one
//! allocation, not printed as text and re-parsed by `jsonb_in` (which took a sixth of a page call) nor assembled with
//! PostgreSQL's `pushJsonbValue` (a sixth still); the layout constants come from pgrx's bindings of `utils/jsonb.h`. A
//! `#[pg_test]` checks that the bytes are exactly the ones `jsonb_in` makes from the same document, for 300 generated
//! documents (containers past jsonb's 32-entry offset stride, multi-byte keys, big and fractional numbers) and a real
//! page. The other way, each row's `diff` and `additional_fields` are read from jsonb's binary form, not printed by
//! `jsonb_out` and parsed again (which also reads numbers serde calls out of range, like `f64::MAX`, which used to
//! fail the whole page); another `#[pg_test]` checks that this gives back the stored documents (short, compressed and
//! out-of-line values, raw scalars, numbers as jsonb keeps them).
//!
//! # Beyond Coder (0.4.0), opt-in per call
//!
//! - **Keyset cursors** (`plan::query::Cursor`): `after` adds `time <= at AND (time < at OR id < id0)` to whichever walk
//!   the page takes (plain, per organization, from the builds), so the index in time order is entered at the cursor;
//!   the count stays the whole filter's, and the response gains `next_after`.
//! - **Exports** are SQL (`api/query.rs`): a PL/pgSQL loop over keyset pages of 1,000 through `audit_logs()` /
//!   `connection_logs()`, typed by `audit_log_rows()` / `connection_log_rows()` as the search functions are, so an
//!   export is exactly its pages. pgrx reads SPI values in the parent of the current memory context (the
//!   transaction's, inside SPI); `exec::spi` reads every result under a scratch context, or each page would leave
//!   ~30 KB there until commit (`memory.sql`).
//! - **The extended dialect** (`dsl::Dialect`): `-key` is a key of its own; a term holds `Value::Any` for a list and
//!   `negated`; `plan::compile` ORs a list and writes a negation as `(…) IS NOT TRUE`, which keeps rows where the
//!   positive form is NULL. A negation pins no rows and a listed or negated `build_reason:` is not "alone", so neither
//!   takes those fast paths. The Coder dialect's parse is unchanged (its keys come first in the table, so its
//!   validation order is the same).
//!
//! # The schema profile
//!
//! audit_ext reads a profile of Coder's schema from PostgreSQL's syscache (which tables exist, with which columns),
//! writes every statement from it, and never names a table or column the profile has not shown. The profile is kept
//! per backend and dropped by PostgreSQL's own invalidation callbacks (relcache and `pg_namespace`, registered in
//! `_PG_init`), which fire for DDL committed by any session and for DDL a hot standby replays; each call first takes
//! in pending invalidations (event triggers do not fire on a standby, so only in-process invalidation would do).
//! Features follow columns, not names (`tasks` without `owner_id` is served from what exists; `client_session_id` is
//! read when present). No audit_ext object depends on Coder's tables or types: its SQL functions are not `BEGIN
//! ATOMIC` and their signatures use only built-in types, and no advised index predicate holds a literal of one of
//! Coder's enums (`ALTER COLUMN … TYPE` re-parses it; 0.2.0's `status:ongoing` index made Coder's G2 → G3 migration
//! fail that way).
//!
//! # AI seats
//!
//! `get_user_ai_seat_states` with `source => 'state'` is a primary-key probe of `ai_seat_state` and of `users` per id;
//! with `source => 'usage'`, each user is two `LIMIT 1` probes on Coder's stock indexes
//! (`aibridge_interceptions(initiator_id)`, the partial `workspaces(owner_id, lower(name)) WHERE deleted = false`,
//! `workspace_builds(workspace_id, build_number)`), written as scalar subqueries so the planner cannot turn them into
//! hashed scans of whole tables. `tests/pg_regress/sql/ai_seats.sql` pins both plans.
//!
//! # The purge procedure
//!
//! A procedure that commits may not have a `SET` clause, so `purge_logs` does not pin `search_path`; it calls only
//! schema-qualified functions, and `pg_catalog` (searched first when a path does not list it) answers `coalesce` and
//! `<`. Every function pins `search_path = pg_catalog, pg_temp`.

pub mod dsl;
pub mod plan;
pub mod shape;

mod api;
mod exec;
mod guc;
mod oracle;
mod rbac;

pgrx::pg_module_magic!(name, version);

#[pgrx::pg_guard]
pub extern "C-unwind" fn _PG_init() {
    guc::register();
    oracle::catalog::register_invalidation();
}

/// Required by `cargo pgrx test`.
#[cfg(test)]
pub mod pg_test {
    pub fn setup(_options: Vec<&str>) {}

    pub fn postgresql_conf_options() -> Vec<&'static str> {
        vec!["timezone = 'UTC'"]
    }
}
