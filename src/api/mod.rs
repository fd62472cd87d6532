//! The SQL-callable functions, and nothing else: each one reads its arguments, calls the pipeline and
//! turns failures into PostgreSQL errors with a SQLSTATE.

mod advice;
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
                2 => [json!(0), json!(-1), json!(200), json!(i64::MIN), json!(i64::MAX), json!(u64::MAX)]
                    [self.below(6) as usize]
                    .clone(),
                3 => [json!(0.5), json!(-1e-7), json!(1.7976931348623157e308), json!(123456.789)]
                    [self.below(4) as usize]
                    .clone(),
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
            let theirs =
                unsafe { pgrx::direct_function_call_as_datum(pg_sys::jsonb_in, &[text.as_c_str().into_datum()]) };
            assert_eq!(bytes(Jsonb::from(v).datum()), bytes(theirs.unwrap()), "{v}");
        };
        let wide: serde_json::Map<_, _> = (0..70).map(|i| ("k".repeat(i % 7) + &i.to_string(), json!(i))).collect();
        for v in [
            json!({}),
            json!([]),
            json!([[], {}, [{}]]),
            json!({"b": 1, "a": [null, true, "x"], "aa": {"": 0.5}}),
            json!(wide),
            json!((0..100).collect::<Vec<_>>()),
        ] {
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

    /// Log rows' `diff` and `additional_fields` are read with the decoder: it gives back the stored
    /// document, for stored values of every header kind (short, 4-byte, compressed, out of line) and raw
    /// scalar documents, and the values pgrx's `jsonb_out` + serde path gives where that path can read them.
    #[pg_test]
    fn jsonb_decoding_gives_back_the_document() {
        use crate::exec::jsonb::Decoded;
        use serde_json::{json, Value};
        Spi::run("CREATE TEMP TABLE docs (n int, v jsonb); ALTER TABLE docs ALTER v SET STORAGE EXTERNAL").unwrap();
        let mut docs = vec![
            json!(null),
            json!(true),
            json!(false),
            json!(0),
            json!(-0.5),
            json!(1e300),
            json!(u64::MAX),
            json!(f64::MAX),
            json!("é"),
            json!(""),
            json!({}),
            json!([]),
            json!({"a": [1, {"b": null}], "": "x"}),
            json!({"big": "y".repeat(5000)}),
            json!(["z".repeat(3000), 2.5]),
        ];
        let mut rng = Rng(0x2545_F491_4F6C_DD1D);
        docs.extend((0..200).map(|_| rng.doc(0)));
        for (n, v) in docs.iter().enumerate() {
            Spi::run_with_args(
                "INSERT INTO docs VALUES ($1, $2::text::jsonb)",
                &[(n as i32).into(), v.to_string().into()],
            )
            .unwrap();
        }
        // The 3-5 kB documents went out of line uncompressed (EXTERNAL); copies under EXTENDED are compressed.
        Spi::run(
            "ALTER TABLE docs ALTER v SET STORAGE EXTENDED; INSERT INTO docs SELECT n + 1000, v::text::jsonb FROM docs",
        )
        .unwrap();
        let compressed = Spi::get_one::<i64>(
            "SELECT count(*) FROM docs WHERE n >= 1000 AND pg_column_size(v) < octet_length(v::text) / 2",
        )
        .unwrap();
        assert!(compressed.unwrap_or(0) > 0);
        let read = |sql: &str| -> Vec<(i32, Value)> {
            Spi::connect(|c| {
                c.select(sql, None, &[])
                    .unwrap()
                    .map(|r| (r.get::<i32>(1).unwrap().unwrap(), r.get::<Decoded>(2).unwrap().unwrap().0.unwrap()))
                    .collect()
            })
        };
        let all = read("SELECT n, v FROM docs ORDER BY n");
        assert_eq!(all.len(), 2 * docs.len());
        for (n, ours) in all {
            assert_eq!(ours, docs[n as usize % 1000], "document {n}");
        }
        // Numbers as jsonb keeps them, and nested containers, as pgrx's text path reads them.
        let sql = "SELECT 0, '[1.0, 1e2, -0, 12345678901234567890123, -1e-7, {\"k\": {\"k\": [0.5]}}]'::jsonb";
        let ours = read(sql).remove(0).1;
        let theirs = Spi::get_one::<pgrx::JsonB>(&sql.replace("SELECT 0, ", "SELECT ")).unwrap().unwrap().0;
        assert_eq!(ours, theirs);
        assert_eq!(ours, json!([1.0, 100, 0, 12345678901234567890123.0, -1e-7, {"k": {"k": [0.5]}}]));
        // Beyond f64: null (pgrx's path raises an error for the whole page).
        assert_eq!(read("SELECT 0, '[1e400]'::jsonb").remove(0).1, json!([null]));
    }
}
