//! audit_ext: Coder's audit-log, connection-log and AI-seat queries inside PostgreSQL.
//!
//! Data flows one way: `dsl` (filter text → typed filter, pure Rust) → `exec` (the database: catalog
//! look-ups and read-only statements) → `api` (the SQL-callable functions, and nothing else).

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
