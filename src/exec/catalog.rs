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

    /// The oid of type `name` in the Coder schema, if it exists.
    fn type_oid(&self, name: &str) -> Option<pg_sys::Oid> {
        let nsp = CString::new(self.schema.as_str()).ok()?;
        let typ = CString::new(name).ok()?;
        unsafe {
            let nsp_oid = pg_sys::get_namespace_oid(nsp.as_ptr(), true);
            if nsp_oid == pg_sys::InvalidOid {
                return None;
            }
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

impl Catalog for LiveCatalog {
    fn enum_has(&self, type_name: &str, label: &str) -> bool {
        // Labels are `name`s: at most NAMEDATALEN - 1 bytes, no NUL.
        if label.is_empty() || label.len() >= pg_sys::NAMEDATALEN as usize {
            return false;
        }
        let (Some(oid), Ok(label)) = (self.type_oid(type_name), CString::new(label)) else {
            return false;
        };
        unsafe {
            pg_sys::SearchSysCacheExists(
                pg_sys::SysCacheIdentifier::ENUMTYPOIDNAME as i32,
                pg_sys::Datum::from(oid),
                pg_sys::Datum::from(label.as_ptr()),
                pg_sys::Datum::from(0),
                pg_sys::Datum::from(0),
            )
        }
    }

    /// Coder's `GetOrganizationByName`: case-insensitive, non-deleted.
    fn organization_by_name(&self, name: &str) -> Option<uuid::Uuid> {
        let sql = format!(
            "SELECT id FROM {}.organizations WHERE lower(name) = lower($1) AND NOT deleted LIMIT 1",
            quote_identifier(&self.schema)
        );
        match Spi::get_one_with_args::<pgrx::Uuid>(&sql, &[name.into()]) {
            Ok(u) => u.map(super::to_uuid),
            Err(pgrx::spi::SpiError::InvalidPosition) => None, // no such organization
            Err(e) => error!("audit_ext: reading {}.organizations failed: {e}", self.schema),
        }
    }
}
