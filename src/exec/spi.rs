//! Read-only statements with native-typed parameters.
//!
//! pgrx's `Spi::get_one_with_args` runs every statement as a write (it assigns a transaction id), which a
//! hot standby refuses. Everything audit_ext reads goes through `select` here instead: `SPI_execute_with_args`
//! with `read_only` set whenever the transaction has not written, and each value bound as a parameter of
//! its own type (uuid, uuid[], text, timestamptz, the Coder enum).
//!
//! Two kinds of statement:
//! - `select`: the filter's own statements (the count and the page), planned per call with the actual values
//!   (a custom plan), so a value that matches most of the table gets its own plan and repeated calls never
//!   fall back to a generic one.
//! - `select_kept`: statements whose best plan does not depend on the values (primary-key and unique-index
//!   probes: RBAC, names → ids, a page's users, organizations and resources). Each is parsed and planned once
//!   per backend and kept (`SPI_keepplan`), with a generic plan; PostgreSQL's plan cache re-plans it after
//!   DDL on the tables it reads. This takes their planning (several ms for the look-ups) off every call.
//!
//! Both run with `jit = off`: they are short, LIMITed statements, where compiling with LLVM costs more than it
//! saves, and a JIT-compiled statement leaves memory behind in the backend (a 30-minute soak at 1M rows: reader
//! backends grew ~10 MB per 10 minutes with PostgreSQL's default `jit = on`; one reader at 200k rows held 21 MB
//! with it and 9 MB without).

use crate::oracle::catalog::LiveCatalog;
use crate::plan::Param;
use pgrx::datum::DatumWithOid;
use pgrx::memcxt::PgMemoryContexts;
use pgrx::prelude::*;
use pgrx::spi::{OwnedPreparedStatement, SpiClient, SpiError, SpiTupleTable};
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

/// `params` as SPI arguments. An enum label must exist (the parser checked it against the same catalog).
pub fn bind(params: &[Param], catalog: &LiveCatalog) -> Vec<DatumWithOid<'static>> {
    params
        .iter()
        .map(|p| match p {
            Param::Uuid(u) => super::from_uuid(*u).into(),
            Param::UuidArray(v) => v.iter().copied().map(super::from_uuid).collect::<Vec<_>>().into(),
            Param::Text(s) => s.clone().into(),
            Param::TextArray(v) => v.clone().into(),
            Param::Int(n) => (*n).into(),
            // SAFETY: a timestamptz datum is its microseconds since 2000-01-01, passed by value.
            Param::Timestamptz(us) => unsafe { DatumWithOid::new(*us, pg_sys::TIMESTAMPTZOID) },
            Param::Enum { type_name, label } => match catalog.enum_value(type_name, label) {
                // SAFETY: an enum datum is the oid of its pg_enum row, passed by value.
                Some((type_oid, value)) => unsafe { DatumWithOid::new(value, type_oid) },
                None => error!("audit_ext: {type_name} has no value {label:?} (was it dropped mid-call?)"),
            },
        })
        .collect()
}

/// Runs one read-only statement and hands its rows to `f`.
pub fn select<R>(
    sql: &str,
    args: &[DatumWithOid],
    f: impl for<'c> FnOnce(SpiTupleTable<'c>) -> Result<R, SpiError>,
) -> R {
    Spi::connect(|client: &SpiClient| with_settings(NO_JIT, || client.select(sql, None, args)).and_then(scratch(f)))
        .unwrap_or_else(|e| error!("audit_ext: a read of Coder's tables failed: {e}"))
}

/// `read` (which turns a result's rows into Rust values), run with a scratch memory context as the parent of the
/// current one. pgrx converts every value it reads in the parent of the current context, which inside SPI is the
/// transaction's: there a page's texts and arrays stayed until the transaction ended, ~30 KB a page of 1,000 rows
/// (an export of 10M rows grew its backend by ~300 MB). In the scratch context they are freed when `read`
/// returns; what it returns is owned Rust data.
fn scratch<T, R>(read: impl FnOnce(T) -> Result<R, SpiError>) -> impl FnOnce(T) -> Result<R, SpiError> {
    move |table| {
        let mut outer = PgMemoryContexts::new("audit_ext read");
        // SAFETY: both contexts live until the end of this closure, and nothing read in them outlives it (every
        // value is copied into a Rust type); each `switch_to` restores the previous context.
        unsafe {
            outer.switch_to(|_| {
                let mut inner = PgMemoryContexts::new("audit_ext read row");
                inner.switch_to(|_| read(table))
            })
        }
    }
}

/// The statement text and parameter types of a kept statement.
type KeptKey = (String, Vec<pg_sys::Oid>);

thread_local! {
    /// This backend's kept statements. The text is built from the Coder schema and the tables present, so a
    /// changed `audit_ext.coder_schema` or a new optional table makes a new entry; the map is emptied when it
    /// reaches `KEPT_MAX`, which bounds it.
    static KEPT: RefCell<HashMap<KeptKey, Rc<OwnedPreparedStatement>>> = RefCell::new(HashMap::new());
}
const KEPT_MAX: usize = 64;

/// Like `select`, for a statement whose plan does not depend on its values: prepared on first use, then
/// kept for the backend's life and run with its generic plan.
pub fn select_kept<R>(
    sql: &str,
    args: &[DatumWithOid],
    f: impl for<'c> FnOnce(SpiTupleTable<'c>) -> Result<R, SpiError>,
) -> R {
    Spi::connect(|client: &SpiClient| {
        let key: KeptKey = (sql.to_owned(), args.iter().map(|a| a.oid()).collect());
        let stmt = match KEPT.with(|k| k.borrow().get(&key).cloned()) {
            Some(stmt) => stmt,
            None => {
                let types: Vec<pg_sys::PgOid> = key.1.iter().map(|&o| pg_sys::PgOid::from_untagged(o)).collect();
                let stmt = Rc::new(client.prepare(sql, &types)?.keep());
                KEPT.with(|k| {
                    let mut k = k.borrow_mut();
                    if k.len() >= KEPT_MAX {
                        k.clear();
                    }
                    k.insert(key, stmt.clone());
                });
                stmt
            }
        };
        with_settings(GENERIC_NO_JIT, || client.select(&*stmt, None, args)).and_then(scratch(f))
    })
    .unwrap_or_else(|e| error!("audit_ext: a read of Coder's tables failed: {e}"))
}

type Settings = &'static [(&'static std::ffi::CStr, &'static std::ffi::CStr)];
const NO_JIT: Settings = &[(c"jit", c"off")];
const GENERIC_NO_JIT: Settings = &[(c"plan_cache_mode", c"force_generic_plan"), (c"jit", c"off")];

/// Runs `run` with `settings`, the way a function's `SET` clause does: a new GUC nest level, popped afterwards
/// (on an error, by the transaction's or subtransaction's abort).
fn with_settings<T>(settings: Settings, run: impl FnOnce() -> T) -> T {
    // SAFETY: plain GUC calls with static C strings; the nest level is popped on success here, and by the
    // (sub)transaction abort on an error.
    unsafe {
        let level = pg_sys::NewGUCNestLevel();
        for (name, value) in settings {
            pg_sys::set_config_option(
                name.as_ptr(),
                value.as_ptr(),
                pg_sys::GucContext::PGC_USERSET,
                pg_sys::GucSource::PGC_S_SESSION,
                pg_sys::GucAction::GUC_ACTION_SAVE,
                true,
                0,
                false,
            );
        }
        let r = run();
        pg_sys::AtEOXact_GUC(true, level);
        r
    }
}

/// The first column of the first row, or `None` when there is no row or it is NULL.
pub fn one<T: FromDatum + IntoDatum>(sql: &str, args: &[DatumWithOid]) -> Option<T> {
    select(sql, args, first)
}

/// `one` for a kept statement.
pub fn one_kept<T: FromDatum + IntoDatum>(sql: &str, args: &[DatumWithOid]) -> Option<T> {
    select_kept(sql, args, first)
}

fn first<T: FromDatum + IntoDatum>(t: SpiTupleTable) -> Result<Option<T>, SpiError> {
    if t.is_empty() {
        Ok(None)
    } else {
        t.first().get_one::<T>()
    }
}

/// Runs one writing statement and returns how many rows it processed. Only the purge functions write.
pub fn write(sql: &str, args: &[DatumWithOid]) -> u64 {
    Spi::connect_mut(|client| client.update(sql, None, args).map(|t| t.len() as u64))
        .unwrap_or_else(|e| error!("audit_ext: a write to Coder's tables failed: {e}"))
}
