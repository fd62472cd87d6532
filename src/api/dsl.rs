//! `parse_*_query`, `*_query_errors` and `filter_keys`: the filter language as SQL functions.

use crate::dsl::{self, errors, Dialect, Log, ParseError};
use crate::guc;
use crate::oracle::catalog::LiveCatalog;
use pgrx::pg_sys::panic::ErrorReport;
use pgrx::prelude::*;
use pgrx::JsonB;

fn invalid_message(log: Log) -> &'static str {
    match log {
        Log::Audit => "Invalid audit search query.",
        Log::Connection => "Invalid connection search query.",
    }
}

/// Raises a parse failure: 22023 with Coder's message, the validations as DETAIL and the valid keys as
/// HINT; or 54000 for abusive input.
pub(crate) fn raise(log: Log, dialect: Dialect, err: ParseError) -> ! {
    let report = match err {
        ParseError::Invalid(v) => {
            ErrorReport::new(PgSqlErrorCode::ERRCODE_INVALID_PARAMETER_VALUE, invalid_message(log), "audit_ext")
                .set_detail(errors::to_json(&v).to_string())
                .set_hint(log.hint_in(dialect))
        }
        ParseError::Limit { what, found, max } => ErrorReport::new(
            PgSqlErrorCode::ERRCODE_PROGRAM_LIMIT_EXCEEDED,
            format!("{} search query exceeds {what}", log.name()),
            "audit_ext",
        )
        .set_detail(format!("The query has {found}; the limit is {max}."))
        .set_hint(format!("A superuser can raise {what}.")),
    };
    report.report(PgLogLevel::ERROR);
    unreachable!("ERROR does not return")
}

/// The `dialect` argument: `coder` (also for NULL) or `extended`; anything else is 22023.
pub(crate) fn dialect(name: Option<&str>) -> Dialect {
    let name = name.unwrap_or("coder");
    Dialect::from_name(name).unwrap_or_else(|| {
        crate::api::query::invalid_argument(
            format!("unknown filter dialect {}", pgrx::spi::quote_literal(name)),
            "Pass 'coder' (Coder's filter language, the default) or 'extended' (several values, -negation, ip:, status_code:).",
        )
    })
}

/// Parses `q` for `log` in `dialect` against the live catalog, raising on any problem.
pub(crate) fn parse_or_raise(log: Log, dialect: Dialect, q: &str, catalog: &LiveCatalog) -> dsl::Filter {
    dsl::parse_in(dialect, log, q, guc::limits(), catalog).unwrap_or_else(|e| raise(log, dialect, e))
}

pub(crate) fn errors_json(log: Log, q: &str, d: &str) -> JsonB {
    let d = dialect(Some(d));
    match dsl::parse_in(d, log, q, guc::limits(), &LiveCatalog::new()) {
        Ok(_) => JsonB(serde_json::json!([])),
        Err(ParseError::Invalid(v)) => JsonB(errors::to_json(&v)),
        Err(e @ ParseError::Limit { .. }) => raise(log, d, e),
    }
}

pub(crate) fn parsed_json(log: Log, q: &str, d: &str) -> JsonB {
    JsonB(parse_or_raise(log, dialect(Some(d)), q, &LiveCatalog::new()).to_json())
}

/// The normalized audit filter; raises 22023 listing every problem.
#[pg_extern(stable, strict, parallel_safe, name = "parse_audit_query")]
#[search_path(pg_catalog, pg_temp)]
fn parse_audit_query_v4(q: &str, dialect: default!(&str, "'coder'")) -> JsonB {
    parsed_json(Log::Audit, q, dialect)
}

/// Coder's validations for an audit filter, `[]` when it is valid. Raises only for abusive input (54000).
#[pg_extern(stable, strict, parallel_safe, name = "audit_query_errors")]
#[search_path(pg_catalog, pg_temp)]
fn audit_query_errors_v4(q: &str, dialect: default!(&str, "'coder'")) -> JsonB {
    errors_json(Log::Audit, q, dialect)
}

/// The normalized connection-log filter; raises 22023 listing every problem.
#[pg_extern(stable, strict, parallel_safe, name = "parse_connection_query")]
#[search_path(pg_catalog, pg_temp)]
fn parse_connection_query_v4(q: &str, dialect: default!(&str, "'coder'")) -> JsonB {
    parsed_json(Log::Connection, q, dialect)
}

/// Coder's validations for a connection-log filter, `[]` when it is valid.
#[pg_extern(stable, strict, parallel_safe, name = "connection_query_errors")]
#[search_path(pg_catalog, pg_temp)]
fn connection_query_errors_v4(q: &str, dialect: default!(&str, "'coder'")) -> JsonB {
    errors_json(Log::Connection, q, dialect)
}

/// Every filter key of both logs in each dialect: what it takes (for `extended`, with the forms it accepts)
/// and what it matches.
#[pg_extern(immutable, parallel_safe, name = "filter_keys")]
#[search_path(pg_catalog, pg_temp)]
fn filter_keys_v4() -> TableIterator<
    'static,
    (name!(dialect, String), name!(log, String), name!(key, String), name!(value, String), name!(description, String)),
> {
    TableIterator::new(
        Dialect::ALL
            .into_iter()
            .flat_map(|d| key_rows(d).map(move |(log, key, value, doc)| (d.name().to_string(), log, key, value, doc))),
    )
}

/// The rows of `filter_keys()` for one dialect: log, key, the value it takes (and the forms), what it matches.
pub(crate) fn key_rows(d: Dialect) -> impl Iterator<Item = (String, String, String, String)> {
    [Log::Audit, Log::Connection].into_iter().flat_map(move |log| {
        log.keys_in(d)
            .map(move |k| (log.name().to_string(), k.name.to_string(), k.kind.describe_in(d), k.doc.to_string()))
    })
}

#[cfg(any(test, feature = "pg_test"))]
#[pg_schema]
mod tests {
    use crate::api::testing::{load_fixture, sql_error};
    use pgrx::prelude::*;

    #[pg_test]
    fn parse_resolves_organizations_and_enums_from_the_database() {
        load_fixture(200);
        let j = Spi::get_one::<pgrx::JsonB>(
            "SELECT audit_ext.parse_audit_query('workspace organization:Org-02 action:start')",
        )
        .unwrap()
        .unwrap();
        let org = Spi::get_one::<String>("SELECT id::text FROM organizations WHERE name = 'org-02'").unwrap().unwrap();
        assert_eq!(j.0, serde_json::json!({"organization_id": org, "resource_type": "workspace", "action": "start"}));
    }

    #[pg_test]
    fn a_new_enum_value_is_accepted_at_once() {
        load_fixture(200);
        let before = sql_error("SELECT audit_ext.parse_audit_query('resource_type:user_secret')");
        assert_eq!(before.0, "22023");
        Spi::run("ALTER TYPE resource_type ADD VALUE 'user_secret'").unwrap();
        let after = Spi::get_one::<pgrx::JsonB>("SELECT audit_ext.parse_audit_query('resource_type:user_secret')")
            .unwrap()
            .unwrap();
        assert_eq!(after.0, serde_json::json!({"resource_type": "user_secret"}));
    }

    #[pg_test]
    fn invalid_filters_raise_22023_with_coders_validations() {
        load_fixture(200);
        let (code, message, detail, hint) = sql_error("SELECT audit_ext.parse_audit_query('action:explode bogus:1')");
        assert_eq!(code, "22023");
        assert_eq!(message, "Invalid audit search query.");
        assert_eq!(
            detail,
            r#"[{"field":"action","detail":"Query param \"action\" has invalid value: \"explode\" is not a valid value"},{"field":"bogus","detail":"\"bogus\" is not a valid query param"}]"#
        );
        assert!(hint.starts_with("Valid keys: request_id,"), "{hint}");
        let errs =
            Spi::get_one::<pgrx::JsonB>("SELECT audit_ext.connection_query_errors('status:done')").unwrap().unwrap();
        assert_eq!(
            errs.0,
            serde_json::json!([{"field": "status", "detail": "Query param \"status\" has invalid value: \"done\" is not a valid value"}])
        );
    }

    #[pg_test]
    fn an_unknown_organization_is_a_validation_not_a_failure() {
        load_fixture(200);
        let errs = Spi::get_one::<pgrx::JsonB>("SELECT audit_ext.audit_query_errors('organization:nowhere')")
            .unwrap()
            .unwrap();
        assert_eq!(
            errs.0,
            serde_json::json!([{"field": "organization", "detail": "Query param \"organization\" has invalid value: organization \"nowhere\" either does not exist, or you are unauthorized to view it"}])
        );
        // A deleted organization is not found by name either.
        let deleted =
            Spi::get_one::<pgrx::JsonB>("SELECT audit_ext.audit_query_errors('organization:org-21')").unwrap().unwrap();
        assert_eq!(deleted.0.as_array().map(Vec::len), Some(1));
    }

    #[pg_test]
    fn over_long_filters_raise_54000() {
        load_fixture(200);
        let (code, ..) = sql_error("SELECT audit_ext.audit_query_errors(repeat('a', 5000))");
        assert_eq!(code, "54000");
    }
}
