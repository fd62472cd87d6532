//! `purge_audit_logs`, `purge_audit_connection_events`, `purge_connection_logs`: Coder's retention deletes,
//! one bounded batch per call, for the table's owner (or a superuser). The only functions that write.

use crate::api::query::invalid_argument;
use crate::exec::spi;
use crate::oracle::catalog::LiveCatalog;
use crate::plan::purge::Purge;
use pgrx::pg_sys::panic::ErrorReport;
use pgrx::prelude::*;

/// The largest batch one call deletes.
const MAX_BATCH: i32 = 100_000;

fn purge(p: Purge, before: TimestampWithTimeZone, batch: i32) -> i64 {
    if !(1..=MAX_BATCH).contains(&batch) {
        invalid_argument(
            format!("batch must be between 1 and {MAX_BATCH}, got {batch}"),
            "Delete in batches and call again until fewer rows than the batch are deleted.",
        );
    }
    // A read-only transaction, and every transaction on a hot standby, refuses the purge with 25006 before
    // anything asks for a transaction id (which a standby answers with an internal error).
    // SAFETY: a NUL-terminated static name; PostgreSQL raises an ERROR (caught by pgrx) or returns.
    unsafe { pg_sys::PreventCommandIfReadOnly(p.function().as_ptr()) };
    let qschema = LiveCatalog::for_logs().profile.qschema;
    let table = format!("{qschema}.{}", p.table());
    // Deleting Coder's history is for Coder's own database user (the table's owner) or a superuser, even
    // where a role has been granted DELETE.
    let owner = spi::one::<bool>(
        "SELECT pg_has_role(relowner, 'USAGE') FROM pg_class WHERE oid = to_regclass($1)",
        &[table.as_str().into()],
    );
    if owner == Some(false) {
        ErrorReport::new(
            PgSqlErrorCode::ERRCODE_INSUFFICIENT_PRIVILEGE,
            format!("must be owner of table {table} to purge it"),
            "audit_ext",
        )
        .set_hint("Run the purge as the role that owns Coder's tables, or as a superuser.")
        .report(PgLogLevel::ERROR);
    }
    spi::write(&p.statement(&qschema), &[before.into(), batch.into()]) as i64
}

/// Deletes up to `batch` audit rows older than `before`, oldest first (Coder's `DeleteOldAuditLogs`: the
/// deprecated connection events are left to `purge_audit_connection_events`). Returns the rows deleted.
#[pg_extern(volatile, strict, parallel_unsafe)]
#[search_path(pg_catalog, pg_temp)]
fn purge_audit_logs(before: TimestampWithTimeZone, batch: default!(i32, 1000)) -> i64 {
    purge(Purge::AuditLogs, before, batch)
}

/// Deletes up to `batch` of the deprecated `connect`/`disconnect`/`open`/`close` audit rows older than
/// `before` (Coder's `DeleteOldAuditLogConnectionEvents`, which Coder runs at 90 days).
#[pg_extern(volatile, strict, parallel_unsafe)]
#[search_path(pg_catalog, pg_temp)]
fn purge_audit_connection_events(before: TimestampWithTimeZone, batch: default!(i32, 1000)) -> i64 {
    purge(Purge::AuditConnectionEvents, before, batch)
}

/// Deletes up to `batch` connection rows that connected before `before`, oldest first (Coder's
/// `DeleteOldConnectionLogs`). Returns the rows deleted.
#[pg_extern(volatile, strict, parallel_unsafe)]
#[search_path(pg_catalog, pg_temp)]
fn purge_connection_logs(before: TimestampWithTimeZone, batch: default!(i32, 1000)) -> i64 {
    purge(Purge::ConnectionLogs, before, batch)
}

// Everything older than a cut-off, in batches that each commit: `CALL audit_ext.purge_logs(…)` outside a
// transaction block. NULL skips that log. A procedure that commits may not have a SET clause, so this one
// does not pin search_path; it calls only schema-qualified functions, and pg_catalog (searched first when
// a path does not list it) answers `coalesce` and `<`.
pgrx::extension_sql!(
    r#"
CREATE PROCEDURE purge_logs(audit_before timestamptz, connection_before timestamptz,
                            batch int DEFAULT 1000, connection_events_before timestamptz DEFAULT NULL)
LANGUAGE plpgsql
AS $$
DECLARE
  n bigint;
BEGIN
  LOOP
    n := coalesce(audit_ext.purge_audit_logs(audit_before, batch), 0);
    COMMIT;
    EXIT WHEN n < batch;
  END LOOP;
  LOOP
    n := coalesce(audit_ext.purge_audit_connection_events(connection_events_before, batch), 0);
    COMMIT;
    EXIT WHEN n < batch;
  END LOOP;
  LOOP
    n := coalesce(audit_ext.purge_connection_logs(connection_before, batch), 0);
    COMMIT;
    EXIT WHEN n < batch;
  END LOOP;
END
$$;
"#,
    name = "purge_logs",
    requires = [purge_audit_logs, purge_audit_connection_events, purge_connection_logs]
);

#[cfg(any(test, feature = "pg_test"))]
#[pg_schema]
mod tests {
    use crate::api::testing::{load_fixture, sql_error};
    use pgrx::prelude::*;

    fn one(sql: &str) -> i64 {
        Spi::get_one::<i64>(sql).unwrap().unwrap()
    }

    #[pg_test]
    fn purges_delete_oldest_first_in_bounded_batches() {
        load_fixture(2000);
        let cut = "timestamptz '2026-01-01 00:00:00+00'";
        let old = one(&format!("SELECT count(*) FROM audit_logs WHERE time < {cut} AND action NOT IN ('connect','disconnect','open','close')"));
        let events = one(&format!(
            "SELECT count(*) FROM audit_logs WHERE time < {cut} AND action IN ('connect','disconnect','open','close')"
        ));
        let newer = one(&format!("SELECT count(*) FROM audit_logs WHERE time >= {cut}"));
        assert!(old > 100, "the fixture has old rows");
        // The oldest 100 go first.
        Spi::run(&format!(
            "CREATE TEMP TABLE oldest AS SELECT id FROM audit_logs WHERE time < {cut} \
             AND action NOT IN ('connect','disconnect','open','close') ORDER BY time LIMIT 100"
        ))
        .unwrap();
        assert_eq!(one(&format!("SELECT audit_ext.purge_audit_logs({cut}, 100)")), 100);
        assert_eq!(one("SELECT count(*) FROM audit_logs WHERE id IN (SELECT id FROM oldest)"), 0);
        assert_eq!(one("SELECT count(*) FROM audit_logs"), old + events + newer - 100);
        let mut total = 100;
        loop {
            let n = one(&format!("SELECT audit_ext.purge_audit_logs({cut}, 500)"));
            assert!(n <= 500);
            total += n;
            if n < 500 {
                break;
            }
        }
        assert_eq!(total, old);
        assert_eq!(one(&format!("SELECT count(*) FROM audit_logs WHERE time < {cut} AND action NOT IN ('connect','disconnect','open','close')")), 0);
        assert_eq!(
            one(&format!("SELECT count(*) FROM audit_logs WHERE time < {cut}")),
            events,
            "connection events stay"
        );
        assert_eq!(one(&format!("SELECT count(*) FROM audit_logs WHERE time >= {cut}")), newer, "newer rows stay");
        assert_eq!(one(&format!("SELECT audit_ext.purge_audit_connection_events({cut}, 100000)")), events);
        let conns = one(&format!("SELECT count(*) FROM connection_logs WHERE connect_time < {cut}"));
        assert_eq!(one(&format!("SELECT audit_ext.purge_connection_logs({cut}, 100000)")), conns);
        assert_eq!(one(&format!("SELECT count(*) FROM connection_logs WHERE connect_time < {cut}")), 0);
        assert_eq!(sql_error(&format!("SELECT audit_ext.purge_audit_logs({cut}, 0)")).0, "22023");
        assert_eq!(sql_error(&format!("SELECT audit_ext.purge_connection_logs({cut}, 100001)")).0, "22023");
    }
}
