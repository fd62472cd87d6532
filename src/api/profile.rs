//! `coder_schema_profile()`: what audit_ext sees of Coder's schema, and so which generation it serves.

use crate::oracle::catalog::LiveCatalog;
use crate::plan::profile::{Connections, Table};
use crate::plan::seats::Source;
use pgrx::prelude::*;
use pgrx::JsonB;
use serde_json::json;

/// Coder's schema as audit_ext reads it now: the generation it recognises (G1, G2, G3), the tables it can
/// use, how connection logs name a connection's method and app, and where AI seats come from by default.
/// Read from the system caches on every call, so it changes with Coder's migrations.
#[pg_extern(stable, parallel_safe)]
#[search_path(pg_catalog, pg_temp)]
fn coder_schema_profile() -> JsonB {
    let p = LiveCatalog::new().profile;
    let tables: Vec<&str> = Table::ALL.iter().filter(|t| p.has(**t)).map(|t| t.name()).collect();
    let connections = p.connections.map(|c| {
        json!({
            "method_column": c.method_column(),
            "method_type": c.method_type(),
            "app_column": c.app_column(),
            "client_session_id": p.client_session_id,
            "type_filter": if c == Connections::Methods { "compatibility categories" } else { "connection_type labels" },
        })
    });
    let seats = match Source::choose(None, false, &p) {
        Ok(Source::State) => "state",
        _ if p.has_ai_task => "usage (AI Bridge and has_ai_task builds)",
        _ => "usage (AI Bridge only)",
    };
    let missing = p.missing_core().map(|m| match m {
        crate::plan::profile::Missing::Table(t) => t.to_string(),
        crate::plan::profile::Missing::Column(t, c) => format!("{t}.{c}"),
    });
    JsonB(json!({
        "schema": crate::guc::coder_schema(),
        "generation": if missing.is_some() { "unsupported" } else { p.generation() },
        "missing": missing,
        "tables": tables,
        "connection_logs": connections,
        "has_ai_task": p.has_ai_task,
        "ai_seat_source": seats,
    }))
}
