//! Configuration. Everything that bounds work or decides which tables are read is superuser-only
//! (PGC_SUSET), as pgaudit does; `ALTER SYSTEM`, `ALTER DATABASE … SET` or a superuser's `SET` changes them.

use pgrx::guc::{GucContext, GucFlags, GucRegistry, GucSetting};
use std::ffi::CString;

pub static CODER_SCHEMA: GucSetting<Option<CString>> = GucSetting::<Option<CString>>::new(Some(c"public"));
pub static MAX_QUERY_LENGTH: GucSetting<i32> = GucSetting::<i32>::new(4096);
pub static MAX_QUERY_TERMS: GucSetting<i32> = GucSetting::<i32>::new(32);
pub static MAX_LIMIT: GucSetting<i32> = GucSetting::<i32>::new(1000);
pub static MAX_COUNT_CAP: GucSetting<i32> = GucSetting::<i32>::new(1_000_000);

pub fn register() {
    GucRegistry::define_string_guc(
        c"audit_ext.coder_schema",
        c"Schema that holds Coder's tables and enum types.",
        c"audit_ext reads audit_logs, connection_logs, users, organizations and the rest from this schema. Every statement it runs names the schema explicitly.",
        &CODER_SCHEMA,
        GucContext::Suset,
        GucFlags::default(),
    );
    GucRegistry::define_int_guc(
        c"audit_ext.max_query_length",
        c"Longest filter text accepted, in bytes.",
        c"Longer filters fail with SQLSTATE 54000 before they are parsed.",
        &MAX_QUERY_LENGTH,
        1,
        1 << 20,
        GucContext::Suset,
        GucFlags::default(),
    );
    GucRegistry::define_int_guc(
        c"audit_ext.max_query_terms",
        c"Most key:value terms (plus one for free text) accepted in a filter.",
        c"Filters with more terms fail with SQLSTATE 54000.",
        &MAX_QUERY_TERMS,
        1,
        1024,
        GucContext::Suset,
        GucFlags::default(),
    );
    GucRegistry::define_int_guc(
        c"audit_ext.max_limit",
        c"Largest page (limit) a query function returns.",
        c"A larger limit fails with SQLSTATE 22023. A limit of 0 means Coder's default page of 100.",
        &MAX_LIMIT,
        1,
        1_000_000,
        GucContext::Suset,
        GucFlags::default(),
    );
    GucRegistry::define_int_guc(
        c"audit_ext.max_count_cap",
        c"Largest count_cap, and the ceiling of an exact count (count_cap => 0); 0 = no ceiling.",
        c"A larger count_cap fails with SQLSTATE 22023. An exact count stops after this many rows plus one and reports it as capped, so no call counts more rows than this.",
        &MAX_COUNT_CAP,
        0,
        i32::MAX - 1,
        GucContext::Suset,
        GucFlags::default(),
    );
    unsafe { pgrx::pg_sys::MarkGUCPrefixReserved(c"audit_ext".as_ptr()) };
}

/// The Coder schema name (never empty: an empty setting means `public`).
pub fn coder_schema() -> String {
    match CODER_SCHEMA.get() {
        Some(s) if !s.as_bytes().is_empty() => s.to_string_lossy().into_owned(),
        _ => "public".to_string(),
    }
}

pub fn limits() -> crate::dsl::Limits {
    crate::dsl::Limits { max_length: MAX_QUERY_LENGTH.get() as usize, max_terms: MAX_QUERY_TERMS.get() as usize }
}
