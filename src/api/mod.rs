//! The SQL-callable functions, and nothing else: each one reads its arguments, calls the pipeline and
//! turns failures into PostgreSQL errors with a SQLSTATE.

mod advice;
mod dsl;
mod predicate;
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

    /// A small deterministic generator (xorshift) for the encoder's comparison documents.
    struct Rng(u64);
    impl Rng {
        fn below(&mut self, n: u64) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0 % n
        }
        /// A document: containers of 0–69 entries near the top (past jsonb's offset stride of 32), smaller
        /// deeper; keys and strings of every length class, multi-byte text, and integers, big and fractional
        /// numbers.
        fn doc(&mut self, depth: u32) -> serde_json::Value {
            use serde_json::{json, Map, Value};
            let kind = if depth == 0 { 4 + self.below(2) } else { self.below(if depth > 3 { 4 } else { 6 }) };
            let size = |r: &mut Rng| r.below(if depth < 2 { 70 } else { 6 }) as usize;
            let text = |r: &mut Rng| match r.below(6) {
                0 => String::new(),
                1 => "é→😀".repeat(r.below(4) as usize + 1),
                2 => "x".repeat(r.below(300) as usize),
                _ => format!("k{}", r.below(1000)),
            };
            match kind {
                0 => [Value::Null, json!(true), json!(false)][self.below(3) as usize].clone(),
                1 => Value::String(text(self)),
                2 => [json!(0), json!(-1), json!(200), json!(i64::MIN), json!(i64::MAX), json!(u64::MAX)][self.below(6) as usize].clone(),
                3 => [json!(0.5), json!(-1e-7), json!(1.7976931348623157e308), json!(123456.789)][self.below(4) as usize].clone(),
                4 => Value::Array((0..size(self)).map(|_| self.doc(depth + 1)).collect()),
                _ => Value::Object((0..size(self)).map(|_| (text(self), self.doc(depth + 1))).collect::<Map<_, _>>()),
            }
        }
    }

    /// The response encoder writes the very bytes `jsonb_in` makes from the same document's text.
    #[pg_test]
    fn jsonb_encoding_is_byte_identical_to_jsonb_in() {
        use crate::exec::jsonb::Jsonb;
        use serde_json::json;
        // SAFETY: both datums are jsonb varlenas palloc'd in this call's memory context.
        let bytes = |d: pg_sys::Datum| unsafe {
            let p = d.cast_mut_ptr::<pg_sys::varlena>();
            std::slice::from_raw_parts(p as *const u8, pgrx::varsize_any(p)).to_vec()
        };
        let check = |v: &serde_json::Value| {
            let text = std::ffi::CString::new(v.to_string()).unwrap();
            // SAFETY: jsonb_in(cstring) on valid JSON text.
            let theirs = unsafe { pgrx::direct_function_call_as_datum(pg_sys::jsonb_in, &[text.as_c_str().into_datum()]) };
            assert_eq!(bytes(Jsonb::from(v).datum()), bytes(theirs.unwrap()), "{v}");
        };
        let wide: serde_json::Map<_, _> = (0..70).map(|i| ("k".repeat(i % 7) + &i.to_string(), json!(i))).collect();
        for v in [json!({}), json!([]), json!([[], {}, [{}]]), json!({"b": 1, "a": [null, true, "x"], "aa": {"": 0.5}}),
                  json!(wide), json!((0..100).collect::<Vec<_>>())] {
            check(&v);
        }
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        for _ in 0..300 {
            check(&rng.doc(0));
        }
        // And a real response.
        crate::api::testing::load_fixture(300);
        let page = Spi::get_one::<pgrx::JsonB>("SELECT audit_ext.audit_logs('', NULL, 100)").unwrap().unwrap().0;
        assert_eq!(page["audit_logs"].as_array().map(Vec::len), Some(100));
        check(&page);
    }
}
