//! A shaped response (`serde_json::Value`) → a `jsonb` datum, built with PostgreSQL's own `JsonbValue` API
//! (`pushJsonbValue`, `JsonbValueToJsonb`) instead of printing JSON text and parsing it again with
//! `jsonb_in`, which took a sixth of a page call. The result is the same jsonb: keys sorted and unique
//! (PostgreSQL sorts them as `jsonb_in` does), numbers through `numeric_in` from serde_json's own text.

use pgrx::prelude::*;
use pgrx::{direct_function_call_as_datum, impl_sql_translatable};
use serde_json::Value;
use std::ffi::CString;
use std::ptr;

/// A finished `jsonb` datum, returned as SQL `jsonb`.
pub struct Jsonb(pg_sys::Datum);

impl_sql_translatable!(Jsonb, "jsonb");

// SAFETY: the datum is a finished jsonb varlena in the function's memory context, returned as is.
unsafe impl pgrx::callconv::BoxRet for Jsonb {
    unsafe fn box_into<'fcx>(self, fcinfo: &mut pgrx::callconv::FcInfo<'fcx>) -> pgrx::datum::Datum<'fcx> {
        unsafe { fcinfo.return_raw_datum(self.0) }
    }
}

impl From<&Value> for Jsonb {
    fn from(v: &Value) -> Self {
        match v {
            Value::Object(_) | Value::Array(_) => {
                let mut state: *mut pg_sys::JsonbParseState = ptr::null_mut();
                // SAFETY: a fresh parse state, fed a well-formed sequence of tokens; every string the
                // JsonbValues point at is borrowed from `v`, which outlives `JsonbValueToJsonb`, which copies
                // them into the palloc'd result.
                unsafe {
                    let root = push(&mut state, v, pg_sys::JsonbIteratorToken::WJB_ELEM);
                    Jsonb(pg_sys::Datum::from(pg_sys::JsonbValueToJsonb(root)))
                }
            }
            // A scalar document (never a response): through jsonb_in.
            _ => Jsonb(pgrx::JsonB(v.clone()).into_datum().expect("jsonb")),
        }
    }
}

/// The largest string a jsonb entry can hold (`JENTRY_OFFLENMASK`); `jsonb_in` refuses longer ones too.
const MAX_STRING: usize = (1 << 28) - 1;

fn string(s: &str) -> pg_sys::JsonbValue {
    if s.len() > MAX_STRING {
        ereport!(
            ERROR,
            PgSqlErrorCode::ERRCODE_PROGRAM_LIMIT_EXCEEDED,
            format!("string too long to represent as jsonb string ({} bytes)", s.len())
        );
    }
    let mut jv = pg_sys::JsonbValue { type_: pg_sys::jbvType::jbvString, val: unsafe { std::mem::zeroed() } };
    jv.val.string = pg_sys::JsonbValue__bindgen_ty_1__bindgen_ty_1 { len: s.len() as i32, val: s.as_ptr() as *mut _ };
    jv
}

fn scalar(v: &Value) -> pg_sys::JsonbValue {
    let mut jv = pg_sys::JsonbValue { type_: pg_sys::jbvType::jbvNull, val: unsafe { std::mem::zeroed() } };
    match v {
        Value::String(s) => return string(s),
        Value::Bool(b) => {
            jv.type_ = pg_sys::jbvType::jbvBool;
            jv.val.boolean = *b;
        }
        Value::Number(n) => {
            jv.type_ = pg_sys::jbvType::jbvNumeric;
            jv.val.numeric = match n.as_i64() {
                // SAFETY: builds a palloc'd numeric.
                Some(i) => unsafe { pg_sys::int64_to_numeric(i) },
                None => {
                    let text = CString::new(n.to_string()).expect("a number has no NUL");
                    // SAFETY: numeric_in(cstring, oid, typmod) on serde_json's text of a finite number.
                    let d = unsafe {
                        direct_function_call_as_datum(
                            pg_sys::numeric_in,
                            &[text.as_c_str().into_datum(), pg_sys::InvalidOid.into_datum(), (-1i32).into_datum()],
                        )
                    };
                    d.expect("numeric_in returns a value").cast_mut_ptr()
                }
            };
        }
        _ => {} // null
    }
    jv
}

/// Pushes `v` (as `token` when it is a scalar) and returns what `pushJsonbValue` returned last.
unsafe fn push(st: &mut *mut pg_sys::JsonbParseState, v: &Value, token: pg_sys::JsonbIteratorToken::Type) -> *mut pg_sys::JsonbValue {
    use pg_sys::JsonbIteratorToken::*;
    unsafe {
        match v {
            Value::Object(m) => {
                pg_sys::pushJsonbValue(st, WJB_BEGIN_OBJECT, ptr::null_mut());
                for (k, e) in m {
                    let mut key = string(k);
                    pg_sys::pushJsonbValue(st, WJB_KEY, &mut key);
                    push(st, e, WJB_VALUE);
                }
                pg_sys::pushJsonbValue(st, WJB_END_OBJECT, ptr::null_mut())
            }
            Value::Array(a) => {
                pg_sys::pushJsonbValue(st, WJB_BEGIN_ARRAY, ptr::null_mut());
                for e in a {
                    push(st, e, WJB_ELEM);
                }
                pg_sys::pushJsonbValue(st, WJB_END_ARRAY, ptr::null_mut())
            }
            _ => {
                let mut jv = scalar(v);
                pg_sys::pushJsonbValue(st, token, &mut jv)
            }
        }
    }
}
