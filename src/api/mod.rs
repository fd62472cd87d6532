//! The SQL-callable functions, and nothing else: each one reads its arguments, calls the pipeline and
//! turns failures into PostgreSQL errors with a SQLSTATE.

mod advice;
mod comments;
mod compat;
mod dsl;
mod predicate;
mod profile;
mod purge;
mod query;
mod seats;
#[cfg(any(test, feature = "pg_test"))]
pub(crate) mod testing;

use pgrx::prelude::*;

// Any role may call the functions: they are SECURITY INVOKER, so a caller reads only what its own role may
// SELECT. The schema grants USAGE, never CREATE.
pgrx::extension_sql!("GRANT USAGE ON SCHEMA audit_ext TO PUBLIC;", name = "schema_usage", finalize);

/// The extension's version (the crate version, which is also the control file's default_version).
#[pg_extern(immutable, parallel_safe)]
#[search_path(pg_catalog, pg_temp)]
fn version() -> &'static str {
    env!("CARGO_PKG_VERSION")
}

#[cfg(any(test, feature = "pg_test"))]
#[pg_schema]
mod tests {
    use pgrx::prelude::*;

    #[pg_test]
    fn version_is_the_crate_version() {
        let v = Spi::get_one::<String>("SELECT audit_ext.version()").unwrap().unwrap();
        assert_eq!(v, env!("CARGO_PKG_VERSION"));
    }
}
