//! Helpers for `#[pg_test]`: the Coder-shaped fixture (the same files the demo and pg_regress load) and a
//! way to look at an error's SQLSTATE, message, detail and hint.

use pgrx::prelude::*;

/// Creates Coder's tables in `public` and seeds `audit_rows` audit rows, inside the test's transaction
/// (rolled back afterwards).
pub fn load_fixture(audit_rows: i32) {
    Spi::run(include_str!("../../tests/fixture/schema.sql")).expect("fixture schema");
    Spi::run(&format!("SET LOCAL audit_ext_fixture.audit_rows = {audit_rows}")).unwrap();
    Spi::run(include_str!("../../tests/fixture/seed.sql")).expect("fixture seed");
}

/// Coder's migration to generation `generation` (2: tasks and has_ai_task dropped; 3: connection methods),
/// as `tests/fixture/g2.sql` / `g3.sql` write it, applied in this backend's transaction after `load_fixture`.
/// (The rows a recent Coder writes, `seed_recent.sql`, use enum labels G2 adds, which PostgreSQL refuses to use
/// before the transaction that added them commits: the other tiers load them, each migration committed.)
pub fn migrate_to(generation: u8) {
    let migration = match generation {
        2 => include_str!("../../tests/fixture/g2.sql"),
        3 => include_str!("../../tests/fixture/g3.sql"),
        _ => panic!("no migration to G{generation}"),
    };
    Spi::run(migration).unwrap_or_else(|e| panic!("migration to G{generation}: {e}"));
}

/// The rows a recent Coder writes, for the generation the fixture is in (`tests/fixture/seed_recent.sql`).
pub fn seed_recent() {
    Spi::run(include_str!("../../tests/fixture/seed_recent.sql")).expect("seed_recent.sql");
}

/// Runs `sql` expecting an error; returns (sqlstate, message, detail, hint). The statement runs in a
/// PL/pgSQL block that catches the error, so the test's transaction stays usable.
pub fn sql_error(sql: &str) -> (String, String, String, String) {
    let block = format!(
        "DO $t$ DECLARE s text; m text; d text; h text; BEGIN
            EXECUTE {};
            RAISE EXCEPTION 'no error';
         EXCEPTION WHEN OTHERS THEN
            GET STACKED DIAGNOSTICS s = RETURNED_SQLSTATE, m = MESSAGE_TEXT, d = PG_EXCEPTION_DETAIL, h = PG_EXCEPTION_HINT;
            IF m = 'no error' THEN RAISE; END IF;
            PERFORM set_config('audit_ext_test.err', json_build_array(s, m, d, h)::text, true);
         END $t$",
        pgrx::spi::quote_literal(sql)
    );
    Spi::run(&block).unwrap();
    let j = Spi::get_one::<String>("SELECT current_setting('audit_ext_test.err')").unwrap().unwrap();
    let v: Vec<String> = serde_json::from_str(&j).unwrap();
    (v[0].clone(), v[1].clone(), v[2].clone(), v[3].clone())
}
