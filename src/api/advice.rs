//! `index_advice()`: the indexes audit_ext recommends that this database lacks.

use crate::exec::{qschema, spi};
use crate::guc;
use crate::plan::advice::{statement, ADVICE, HAS_EQUIVALENT};
use pgrx::prelude::*;

/// `CREATE INDEX CONCURRENTLY IF NOT EXISTS …` statements (run them with psql's `\gexec`) for the indexes
/// that keep every filter fast on large tables, each with a comment naming the filters it serves. Only those
/// missing are returned: an index with the same columns under another name counts as present.
#[pg_extern(stable, parallel_safe)]
#[search_path(pg_catalog, pg_temp)]
fn index_advice() -> SetOfIterator<'static, String> {
    let (schema, qschema) = (guc::coder_schema(), qschema());
    let missing: Vec<String> = ADVICE
        .iter()
        .filter(|a| {
            let args = [a.table.into(), a.columns.into(), schema.clone().into(), a.predicate.map(|(_, printed)| printed).into()];
            !spi::one::<bool>(HAS_EQUIVALENT, &args).unwrap_or(false)
        })
        .map(|a| statement(a, &qschema))
        .collect();
    SetOfIterator::new(missing)
}
