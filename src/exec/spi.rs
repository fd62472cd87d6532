//! Read-only statements with native-typed parameters.
//!
//! pgrx's `Spi::get_one_with_args` runs every statement as a write (it assigns a transaction id), which a
//! hot standby refuses. Everything audit_ext reads goes through `select` here instead: `SPI_execute_with_args`
//! with `read_only` set whenever the transaction has not written, and each value bound as a parameter of
//! its own type (uuid, uuid[], text, timestamptz, the Coder enum). Statements are planned per call with the
//! actual values (a custom plan), so repeated calls in one session never fall back to a generic plan.

use super::catalog::LiveCatalog;
use crate::plan::Param;
use pgrx::datum::DatumWithOid;
use pgrx::prelude::*;
use pgrx::spi::{SpiClient, SpiError, SpiTupleTable};

/// `params` as SPI arguments. An enum label must exist (the parser checked it against the same catalog).
pub fn bind(params: &[Param], catalog: &LiveCatalog) -> Vec<DatumWithOid<'static>> {
    params
        .iter()
        .map(|p| match p {
            Param::Uuid(u) => super::from_uuid(*u).into(),
            Param::UuidArray(v) => v.iter().copied().map(super::from_uuid).collect::<Vec<_>>().into(),
            Param::Text(s) => s.clone().into(),
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
    Spi::connect(|client: &SpiClient| client.select(sql, None, args).and_then(f))
        .unwrap_or_else(|e| error!("audit_ext: a read of Coder's tables failed: {e}"))
}

/// The first column of the first row, or `None` when there is no row or it is NULL.
pub fn one<T: FromDatum + IntoDatum>(sql: &str, args: &[DatumWithOid]) -> Option<T> {
    select(sql, args, |t| if t.is_empty() { Ok(None) } else { t.first().get_one::<T>() })
}

/// Runs one writing statement and returns how many rows it processed. Only the purge functions write.
pub fn write(sql: &str, args: &[DatumWithOid]) -> u64 {
    Spi::connect_mut(|client| client.update(sql, None, args).map(|t| t.len() as u64))
        .unwrap_or_else(|e| error!("audit_ext: a write to Coder's tables failed: {e}"))
}
