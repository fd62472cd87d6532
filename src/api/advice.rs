//! `index_advice()`: the indexes audit_ext recommends that this database lacks.

use crate::exec::catalog::LiveCatalog;
use crate::exec::spi;
use crate::guc;
use crate::plan::advice::{applicable, statement, HAS_EQUIVALENT};
use pgrx::prelude::*;

/// `CREATE INDEX CONCURRENTLY IF NOT EXISTS …` statements (run them with psql's `\gexec`) for the indexes
/// that keep every filter fast on large tables, each with a comment naming the filters it serves. Only those
/// missing are returned: an index with the same columns under another name counts as present. Advice follows
/// the schema: nothing for a table or column Coder has dropped, and column names as this Coder has them.
#[pg_extern(stable, parallel_safe)]
#[search_path(pg_catalog, pg_temp)]
fn index_advice() -> SetOfIterator<'static, String> {
    let schema = guc::coder_schema();
    let profile = LiveCatalog::new().profile;
    let missing: Vec<String> = applicable(&profile)
        .filter(|a| {
            let args = [a.table.name().into(), a.columns(&profile).into(), schema.clone().into(), a.predicate.map(|(_, printed)| printed).into()];
            !spi::one::<bool>(HAS_EQUIVALENT, &args).unwrap_or(false)
        })
        .map(|a| statement(a, &profile))
        .collect();
    SetOfIterator::new(missing)
}
