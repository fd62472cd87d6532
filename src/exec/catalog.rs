//! The parser's `Catalog`, answered by the live database. Enum labels come from PostgreSQL's own system
//! cache (pg_enum by type and label), which is per backend and invalidated by PostgreSQL itself, so a value
//! Coder adds with `ALTER TYPE … ADD VALUE` is accepted at once and nothing is hard-coded.

use crate::dsl::Catalog;
use crate::guc;
use pgrx::prelude::*;
use pgrx::spi::quote_identifier;
use std::ffi::CString;

pub struct LiveCatalog {
    schema: String,
}

impl LiveCatalog {
    pub fn new() -> Self {
        LiveCatalog { schema: guc::coder_schema() }
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
    /// Whether the Coder schema has a table (or view) `name`.
    pub fn has_table(&self, name: &str) -> bool {
        let (Some(nsp), Ok(rel)) = (self.namespace_oid(), CString::new(name)) else { return false };
        unsafe { pg_sys::get_relname_relid(rel.as_ptr(), nsp) != pg_sys::InvalidOid }
    }

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

    /// Whether `log`'s table has a valid, complete (not partial) btree index whose first key columns are
    /// `columns`, in that order: one that can walk them in order for every row.
    fn has_index_led_by(&self, log: crate::dsl::Log, columns: &[&str]) -> bool {
        const SQL: &str = "SELECT EXISTS (SELECT FROM pg_index i \
             JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am am ON am.oid = c.relam AND am.amname = 'btree' \
             WHERE i.indrelid = to_regclass($1) AND i.indisvalid AND i.indpred IS NULL \
               AND (SELECT array_agg(a.attname::text ORDER BY k.n) \
                      FROM unnest(i.indkey::int2[]) WITH ORDINALITY k(attnum, n) \
                      JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum \
                     WHERE k.n <= cardinality($2) AND k.n <= i.indnkeyatts) = $2)";
        let table = format!("{}.{}", quote_identifier(&self.schema), crate::plan::table(log));
        let columns: Vec<String> = columns.iter().map(|c| c.to_string()).collect();
        super::spi::one_kept::<bool>(SQL, &[table.into(), columns.into()]).unwrap_or(false)
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

impl Catalog for LiveCatalog {
    fn enum_has(&self, type_name: &str, label: &str) -> bool {
        self.enum_value(type_name, label).is_some()
    }

    /// Coder's `GetOrganizationByName`: case-insensitive, non-deleted.
    fn organization_by_name(&self, name: &str) -> Option<uuid::Uuid> {
        let sql = format!(
            "SELECT id FROM {}.organizations WHERE lower(name) = lower($1) AND NOT deleted LIMIT 1",
            quote_identifier(&self.schema)
        );
        super::spi::one_kept::<pgrx::Uuid>(&sql, &[name.into()]).map(super::to_uuid)
    }
}
