//! The database as oracle: the schema profile (which of Coder's tables and columns exist) and the parser's
//! `Catalog`. Everything here is read from PostgreSQL's own system caches (pg_class by name, pg_attribute by
//! name, pg_type by name, pg_enum by type and label), which are per backend and invalidated by PostgreSQL
//! itself: on a primary by the DDL's own invalidation messages, on a hot standby as it replays them.
//!
//! The profile is kept per backend and read again after any relation's (or schema's) invalidation reaches the
//! backend (`register_invalidation`: PostgreSQL calls our callbacks for every relcache and pg_namespace
//! invalidation, Coder's DDL included, committed by another session, made in this one, or replayed on a
//! standby), or when `audit_ext.coder_schema` changes; so are the index facts a page's plan asks about
//! (`index_led_by`). Each call first takes in pending invalidations, so a backend that answered before one of
//! Coder's migrations answers from the new schema after it, without reconnecting. Reading the profile anew costs
//! ~150 look-ups (~0.2 ms); a kept one, a copy. Nothing is hard-coded: a value Coder adds with `ALTER TYPE … ADD
//! VALUE` is accepted at once.

use crate::dsl::Catalog;
use crate::guc;
use crate::plan::profile::{Missing, Profile};
use pgrx::pg_sys::panic::ErrorReport;
use pgrx::prelude::*;
use pgrx::spi::quote_identifier;
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::ffi::CString;

pub struct LiveCatalog {
    schema: String,
    /// What the catalog showed of the Coder schema when this call began.
    pub profile: Profile,
}

impl LiveCatalog {
    pub fn new() -> Self {
        let schema = guc::coder_schema();
        let profile = kept_profile(&schema);
        LiveCatalog { schema, profile }
    }

    /// `new`, for the log queries: raises one clear error when Coder's core is missing (a wrong
    /// `audit_ext.coder_schema`, or a Coder older than audit_ext supports), instead of a raw error from
    /// inside a statement.
    pub fn for_logs() -> Self {
        let c = Self::new();
        if let Some(missing) = c.profile.missing_core() {
            let (code, what) = match missing {
                Missing::Table(t) => {
                    (PgSqlErrorCode::ERRCODE_UNDEFINED_TABLE, format!("table {}.{t}", quote_identifier(&c.schema)))
                }
                Missing::Column(t, col) => (
                    PgSqlErrorCode::ERRCODE_UNDEFINED_COLUMN,
                    format!("column {}.{t}.{col}", quote_identifier(&c.schema)),
                ),
            };
            ErrorReport::new(code, format!("audit_ext: Coder's {what} does not exist"), "audit_ext")
                .set_detail(format!(
                    "audit_ext reads Coder's tables from the schema audit_ext.coder_schema names ({}); it supports Coder's schema from \
                     generation G1 (mid-2026, dump.sql @0001d501) on.",
                    c.schema
                ))
                .set_hint("Set audit_ext.coder_schema to the schema that holds Coder's tables, or upgrade Coder.")
                .report(PgLogLevel::ERROR);
        }
        c
    }

    fn namespace_oid(&self) -> Option<pg_sys::Oid> {
        let nsp = CString::new(self.schema.as_str()).ok()?;
        let oid = unsafe { pg_sys::get_namespace_oid(nsp.as_ptr(), true) };
        (oid != pg_sys::InvalidOid).then_some(oid)
    }

    /// The oid of type `name` in the Coder schema, if it exists.
    fn type_oid(&self, name: &str) -> Option<pg_sys::Oid> {
        let nsp_oid = self.namespace_oid()?;
        let typ = CString::new(name).ok()?;
        unsafe {
            let oid = pg_sys::GetSysCacheOid(
                pg_sys::SysCacheIdentifier::TYPENAMENSP as i32,
                pg_sys::Anum_pg_type_oid as pg_sys::AttrNumber,
                pg_sys::Datum::from(typ.as_ptr()),
                pg_sys::Datum::from(nsp_oid),
                pg_sys::Datum::from(0),
                pg_sys::Datum::from(0),
            );
            (oid != pg_sys::InvalidOid).then_some(oid)
        }
    }
}

impl LiveCatalog {
    /// Whether `log`'s table has a valid index that starts with `(organization_id, <time column>)`, which lets
    /// a page walk each readable organization's rows in time order (`plan::query::page`); without one, a
    /// single walk of the time index serves several organizations better.
    pub fn walks_by_organization(&self, log: crate::dsl::Log) -> bool {
        self.has_index_led_by(log, &["organization_id", crate::plan::time_attname(log)])
    }

    /// Whether `log`'s table has an index led by its time column, which lets a deep page count its way to its
    /// first row in the index alone (`plan::query::DEEP_OFFSET`).
    pub fn walks_by_time(&self, log: crate::dsl::Log) -> bool {
        self.has_index_led_by(log, &[crate::plan::time_attname(log)])
    }

    fn has_index_led_by(&self, log: crate::dsl::Log, columns: &[&str]) -> bool {
        index_led_by(&quote_identifier(&self.schema), log, columns)
    }

    /// The enum type's oid and the oid of its value `label` (an enum datum), if both exist.
    pub fn enum_value(&self, type_name: &str, label: &str) -> Option<(pg_sys::Oid, pg_sys::Oid)> {
        // Labels are `name`s: at most NAMEDATALEN - 1 bytes, no NUL.
        if label.is_empty() || label.len() >= pg_sys::NAMEDATALEN as usize {
            return None;
        }
        let type_oid = self.type_oid(type_name)?;
        let label = CString::new(label).ok()?;
        let value = unsafe {
            pg_sys::GetSysCacheOid(
                pg_sys::SysCacheIdentifier::ENUMTYPOIDNAME as i32,
                pg_sys::Anum_pg_enum_oid as pg_sys::AttrNumber,
                pg_sys::Datum::from(type_oid),
                pg_sys::Datum::from(label.as_ptr()),
                pg_sys::Datum::from(0),
                pg_sys::Datum::from(0),
            )
        };
        (value != pg_sys::InvalidOid).then_some((type_oid, value))
    }
}

/// Whether `log`'s table in the Coder schema `qschema` (quoted) has a valid, complete (not partial) btree index
/// whose first key columns are `columns`, in that order: one that can walk them in order for every row.
///
/// Answers are kept per backend beside the profile, and forgotten with it: an index created, dropped or made
/// valid (`CREATE INDEX CONCURRENTLY`'s last step) invalidates its table's relcache entry, on a primary as on a
/// standby replaying it. A page asks up to two of these; kept, each is a hash look-up instead of a statement.
pub fn index_led_by(qschema: &str, log: crate::dsl::Log, columns: &[&str]) -> bool {
    let table = format!("{qschema}.{}", crate::plan::table(log));
    let key = format!("{table}({})", columns.join(","));
    // SAFETY: as in `kept_profile`: takes in committed catalog changes, running our callbacks for them.
    unsafe { pg_sys::AcceptInvalidationMessages() };
    if let Some(known) = INDEX_FACTS.with(|f| f.borrow().get(&key).copied()) {
        return known;
    }
    let before = INVALIDATIONS.with(Cell::get);
    let led = read_index_led_by(table, columns);
    if INVALIDATIONS.with(Cell::get) == before {
        INDEX_FACTS.with(|f| f.borrow_mut().insert(key, led));
    }
    led
}

/// `index_led_by`, read from pg_index.
fn read_index_led_by(table: String, columns: &[&str]) -> bool {
    const SQL: &str = "SELECT EXISTS (SELECT FROM pg_index i \
         JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am am ON am.oid = c.relam AND am.amname = 'btree' \
         WHERE i.indrelid = to_regclass($1) AND i.indisvalid AND i.indpred IS NULL \
           AND (SELECT array_agg(a.attname::text ORDER BY k.n) \
                  FROM unnest(i.indkey::int2[]) WITH ORDINALITY k(attnum, n) \
                  JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum \
                 WHERE k.n <= cardinality($2) AND k.n <= i.indnkeyatts) = $2)";
    let columns: Vec<String> = columns.iter().map(|c| c.to_string()).collect();
    crate::exec::spi::one_kept::<bool>(SQL, &[table.into(), columns.into()]).unwrap_or(false)
}

impl Catalog for LiveCatalog {
    fn enum_has(&self, type_name: &str, label: &str) -> bool {
        self.enum_value(type_name, label).is_some()
    }

    fn connection_methods(&self) -> bool {
        self.profile.connections == Some(crate::plan::profile::Connections::Methods)
    }

    /// Coder's `GetOrganizationByName`: case-insensitive, non-deleted.
    fn organization_by_name(&self, name: &str) -> Option<uuid::Uuid> {
        let sql = format!(
            "SELECT id FROM {}.organizations WHERE lower(name) = lower($1) AND NOT deleted LIMIT 1",
            quote_identifier(&self.schema)
        );
        crate::exec::spi::one_kept::<pgrx::Uuid>(&sql, &[name.into()]).map(crate::exec::to_uuid)
    }
}

thread_local! {
    /// This backend's profile, with the schema it describes; `None` once an invalidation arrived.
    static KEPT: RefCell<Option<(String, Profile)>> = const { RefCell::new(None) };
    /// `index_led_by`'s answers, by table and columns; emptied with the profile.
    static INDEX_FACTS: RefCell<HashMap<String, bool>> = RefCell::new(HashMap::new());
    /// How many invalidations have arrived: a profile or an index fact read while one arrives is not kept.
    static INVALIDATIONS: Cell<u64> = const { Cell::new(0) };
}

/// Forgets the kept profile and index facts: PostgreSQL's invalidation callbacks call this.
fn forget() {
    INVALIDATIONS.with(|n| n.set(n.get().wrapping_add(1)));
    KEPT.with(|k| k.borrow_mut().take());
    INDEX_FACTS.with(|f| f.borrow_mut().clear());
}

#[pg_guard]
unsafe extern "C-unwind" fn relcache_invalidated(_arg: pg_sys::Datum, _relid: pg_sys::Oid) {
    forget();
}

#[pg_guard]
unsafe extern "C-unwind" fn syscache_invalidated(_arg: pg_sys::Datum, _cache: std::ffi::c_int, _hash: u32) {
    forget();
}

/// Registers the callbacks that drop the kept profile: every relcache invalidation (a table created, dropped,
/// renamed, or its columns changed; also routine ones such as ANALYZE's, which cost one re-read) and every
/// pg_namespace one (a schema renamed). Called once per backend, from `_PG_init`.
pub fn register_invalidation() {
    // SAFETY: plain registrations of functions that live as long as the backend; PostgreSQL allows a fixed
    // number of callbacks per backend and raises an ERROR (caught by pgrx) when they run out.
    unsafe {
        pg_sys::CacheRegisterRelcacheCallback(Some(relcache_invalidated), pg_sys::Datum::from(0));
        pg_sys::CacheRegisterSyscacheCallback(
            pg_sys::SysCacheIdentifier::NAMESPACEOID as i32,
            Some(syscache_invalidated),
            pg_sys::Datum::from(0),
        );
    }
}

/// The profile of `schema`: the kept one, or read anew after the pending invalidations are taken in.
fn kept_profile(schema: &str) -> Profile {
    // SAFETY: takes in other sessions' committed catalog changes (and runs our callbacks for them), as
    // PostgreSQL does whenever it takes a lock.
    unsafe { pg_sys::AcceptInvalidationMessages() };
    if let Some(p) = KEPT.with(|k| k.borrow().as_ref().filter(|(s, _)| s == schema).map(|(_, p)| p.clone())) {
        return p;
    }
    let before = INVALIDATIONS.with(Cell::get);
    let p = read_profile(schema);
    if INVALIDATIONS.with(Cell::get) == before {
        KEPT.with(|k| *k.borrow_mut() = Some((schema.to_string(), p.clone())));
    }
    p
}

/// The profile of the Coder schema `schema`, from the system caches.
fn read_profile(schema: &str) -> Profile {
    let nsp = CString::new(schema).ok().map(|n| unsafe { pg_sys::get_namespace_oid(n.as_ptr(), true) });
    let nsp = nsp.filter(|o| *o != pg_sys::InvalidOid);
    let relids: RefCell<HashMap<String, pg_sys::Oid>> = RefCell::new(HashMap::new());
    let relid = |table: &str| -> pg_sys::Oid {
        if let Some(oid) = relids.borrow().get(table) {
            return *oid;
        }
        let oid = match (nsp, CString::new(table)) {
            // SAFETY: syscache look-ups by name with NUL-terminated strings; they return InvalidOid when absent.
            (Some(nsp), Ok(name)) => unsafe {
                let oid = pg_sys::get_relname_relid(name.as_ptr(), nsp);
                // Tables (plain or partitioned), views and foreign tables: what a statement can read from.
                const READABLE: [u8; 5] = [
                    pg_sys::RELKIND_RELATION,
                    pg_sys::RELKIND_PARTITIONED_TABLE,
                    pg_sys::RELKIND_VIEW,
                    pg_sys::RELKIND_MATVIEW,
                    pg_sys::RELKIND_FOREIGN_TABLE,
                ];
                let readable = oid != pg_sys::InvalidOid && READABLE.contains(&(pg_sys::get_rel_relkind(oid) as u8));
                if readable {
                    oid
                } else {
                    pg_sys::InvalidOid
                }
            },
            _ => pg_sys::InvalidOid,
        };
        relids.borrow_mut().insert(table.to_string(), oid);
        oid
    };
    let exists = |table: &str, column: &str| -> bool {
        let rel = relid(table);
        if rel == pg_sys::InvalidOid {
            return false;
        }
        if column.is_empty() {
            return true;
        }
        let Ok(col) = CString::new(column) else { return false };
        // SAFETY: a syscache look-up by (relid, name); InvalidAttrNumber for a missing or dropped column.
        unsafe { pg_sys::get_attnum(rel, col.as_ptr()) != pg_sys::InvalidAttrNumber as i16 }
    };
    Profile::read(quote_identifier(schema), &exists)
}
