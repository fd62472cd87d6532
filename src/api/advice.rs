//! `index_advice()`: the indexes audit_ext recommends that this database lacks.

use crate::exec::spi;
use crate::guc;
use crate::oracle::catalog::LiveCatalog;
use crate::plan::advice::{
    applicable, drop_blocking, drop_superseded, statement, Advice, BLOCKING, EXISTING, HAS_EQUIVALENT, SUPERSEDED,
};
use pgrx::prelude::*;

/// `CREATE INDEX CONCURRENTLY IF NOT EXISTS …` statements (run them with psql's `\gexec`) for the indexes
/// that keep every filter fast on large tables, each with a comment naming the filters it serves. Only those
/// missing are returned: an index with the same columns under another name counts as present. Advice follows
/// the schema: nothing for a table or column Coder has dropped, and column names as this Coder has them.
/// First come `DROP INDEX CONCURRENTLY` statements for any of audit_ext's indexes that would block Coder's
/// migrations (one holding a literal of a Coder enum type, as 0.2.0's `status:ongoing` index did); last, one for
/// an index an earlier version advised that a newer advice replaces (`SUPERSEDED`), once the replacement (or an
/// equivalent) is in place and valid: a first `\gexec` builds the replacement, the next drops the old index, so
/// that its readers are never without one.
#[pg_extern(stable, parallel_safe)]
#[search_path(pg_catalog, pg_temp)]
fn index_advice() -> SetOfIterator<'static, String> {
    let schema = guc::coder_schema();
    let profile = LiveCatalog::new().profile;
    let blocking: Vec<String> = spi::select(BLOCKING, &[schema.clone().into()], |t| {
        t.map(|r| Ok(drop_blocking(&r.get::<String>(1)?.unwrap_or_default(), &r.get::<String>(2)?.unwrap_or_default())))
            .collect::<Result<Vec<_>, _>>()
    });
    let present = |a: &Advice| {
        let args = [
            a.table.name().into(),
            a.columns(&profile).into(),
            schema.clone().into(),
            a.predicate.map(|(_, printed)| printed).into(),
        ];
        spi::one::<bool>(HAS_EQUIVALENT, &args).unwrap_or(false)
    };
    // Each applicable advice is looked up once; what is in place decides both lists.
    let advised: Vec<(&Advice, bool)> = applicable(&profile).map(|a| (a, present(a))).collect();
    let missing: Vec<String> =
        advised.iter().filter(|(_, there)| !there).map(|(a, _)| statement(a, &profile)).collect();
    let superseded: Vec<String> = SUPERSEDED
        .iter()
        .filter(|(_, by)| advised.iter().any(|(a, there)| *there && a.name == *by))
        .filter_map(|(old, by)| {
            spi::one::<String>(EXISTING, &[schema.clone().into(), (*old).into()])
                .map(|index| drop_superseded(&index, by))
        })
        .collect();
    SetOfIterator::new(blocking.into_iter().chain(missing).chain(superseded))
}
