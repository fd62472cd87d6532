//! jsonb's on-disk format (PostgreSQL's `src/backend/utils/adt/jsonb_util.c`), both ways, without JSON text:
//! - A shaped response (`serde_json::Value`) → a `jsonb` datum, written in one pass and one palloc
//!   (`convertToJsonb`). Printing JSON text and parsing it again with `jsonb_in` took a sixth of a page call;
//!   PostgreSQL's own builder (`pushJsonbValue` + `JsonbValueToJsonb`) a sixth still. The bytes are the ones
//!   `jsonb_in` makes from the same document (a `#[pg_test]` compares them): object keys sorted shorter first,
//!   then bytewise; each `JB_OFFSET_STRIDE`-th entry an end offset, the others lengths; numerics through
//!   PostgreSQL's own numeric code, 4-byte aligned; nested containers 4-byte aligned, the padding counted as
//!   theirs.
//! - A log row's `diff` or `additional_fields` datum → `serde_json::Value` (`decode`, as `fillJsonbValue`
//!   reads it), instead of pgrx's `jsonb_out` + `serde_json::from_str`. Numbers still go through `numeric_out`
//!   and serde's number parsing, so the values are the ones that path gives (a `#[pg_test]` compares them),
//!   except that a finite number serde calls out of range is read as Rust's `f64` parsing reads it.

use pgrx::prelude::*;
use pgrx::{direct_function_call_as_datum, impl_sql_translatable};
use serde_json::Value;
use std::ffi::CString;

/// A finished `jsonb` datum, returned as SQL `jsonb`.
pub struct Jsonb(pg_sys::Datum);

impl_sql_translatable!(Jsonb, "jsonb");

#[cfg(any(test, feature = "pg_test"))]
impl Jsonb {
    /// The datum (a `jsonb` varlena).
    pub fn datum(&self) -> pg_sys::Datum {
        self.0
    }
}

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
                let mut buf = vec![0u8; VARHDRSZ];
                encode(&mut buf, v);
                // SAFETY: a fresh palloc of the encoded length, the 4-byte varlena header set over the bytes
                // reserved for it.
                unsafe {
                    let p = pg_sys::palloc(buf.len()) as *mut u8;
                    std::ptr::copy_nonoverlapping(buf.as_ptr(), p, buf.len());
                    pgrx::set_varsize_4b(p as *mut pg_sys::varlena, buf.len() as i32);
                    Jsonb(pg_sys::Datum::from(p))
                }
            }
            // A scalar document (never a response): through jsonb_in, which always returns a datum.
            _ => match pgrx::JsonB(v.clone()).into_datum() {
                Some(d) => Jsonb(d),
                None => error!("audit_ext: jsonb_in returned NULL"),
            },
        }
    }
}

// jsonb's layout constants, from PostgreSQL's `utils/jsonb.h` (through pgrx's bindings).
use pg_sys::{
    JB_CMASK, JB_FARRAY, JB_FOBJECT, JB_FSCALAR, JENTRY_HAS_OFF, JENTRY_ISBOOL_FALSE, JENTRY_ISBOOL_TRUE,
    JENTRY_ISCONTAINER, JENTRY_ISNULL, JENTRY_ISNUMERIC, JENTRY_ISSTRING, JENTRY_TYPEMASK,
};
const VARHDRSZ: usize = 4;
/// `JENTRY_OFFLENMASK`: the largest length or offset an entry holds; the largest string, and container.
const MAX_LEN: usize = pg_sys::JENTRY_OFFLENMASK as usize;
const JB_OFFSET_STRIDE: usize = pg_sys::JB_OFFSET_STRIDE as usize;

/// Pads `buf` with zeros to a 4-byte boundary (relative to the varlena's start); returns the padding.
fn pad(buf: &mut Vec<u8>) -> usize {
    let n = buf.len().wrapping_neg() % 4;
    buf.resize(buf.len() + n, 0);
    n
}

fn too_long(what: &str, len: usize) -> ! {
    ereport!(
        ERROR,
        PgSqlErrorCode::ERRCODE_PROGRAM_LIMIT_EXCEEDED,
        format!("audit_ext: {what} too long to represent as jsonb ({len} bytes)")
    );
}

/// Appends the document `root` to `buf`, without recursion: one frame per open container on a heap stack, so a
/// document of any depth takes no more of the backend's stack than a flat one.
fn encode(buf: &mut Vec<u8>, root: &Value) {
    let mut stack = match begin(buf, root) {
        Step::Open(o) => vec![o],
        Step::Written(_) => return,
    };
    while let Some(top) = stack.last_mut() {
        let child = top.values.get(top.next).copied();
        top.next += 1;
        match child.map(|v| begin(buf, v)) {
            Some(Step::Open(o)) => stack.push(o),
            Some(Step::Written(e)) => top.entries.push(e),
            None => {
                let done = close(buf, stack.pop().unwrap_or_default());
                match stack.last_mut() {
                    Some(parent) => parent.entries.push(done),
                    None => return,
                }
            }
        }
    }
}

/// A container being written: where it starts, where its entries go, the `JEntry`s of the children written so
/// far (keys first for an object), and its values in the order they are written.
#[derive(Default)]
struct Open<'v> {
    start: usize,
    entries_at: usize,
    entries: Vec<u32>,
    values: Vec<&'v Value>,
    next: usize,
}

enum Step<'v> {
    /// A container whose header (and an object's keys) is written; its values come next.
    Open(Open<'v>),
    /// A scalar, written whole: its `JEntry` (type bits and the length of what was appended).
    Written(u32),
}

/// Starts `v` in `buf`: a scalar whole, a container's header, entry slots and (for an object) keys, in jsonb's
/// key order: shorter first, then bytewise.
fn begin<'v>(buf: &mut Vec<u8>, v: &'v Value) -> Step<'v> {
    let (flag, count) = match v {
        Value::Null => return Step::Written(JENTRY_ISNULL),
        Value::Bool(true) => return Step::Written(JENTRY_ISBOOL_TRUE),
        Value::Bool(false) => return Step::Written(JENTRY_ISBOOL_FALSE),
        Value::String(s) => return Step::Written(string(buf, s)),
        Value::Number(n) => {
            let padding = pad(buf);
            let numeric = numeric(n);
            // SAFETY: a palloc'd numeric varlena with a 4-byte header, as numeric_in and int64_to_numeric
            // make; its bytes are copied, then it is freed.
            let len = unsafe {
                let len = pgrx::varsize_any(numeric as *const pg_sys::varlena);
                buf.extend_from_slice(std::slice::from_raw_parts(numeric as *const u8, len));
                pg_sys::pfree(numeric as *mut std::ffi::c_void);
                len
            };
            return Step::Written(JENTRY_ISNUMERIC | (padding + len) as u32);
        }
        Value::Array(a) => (JB_FARRAY, a.len()),
        Value::Object(m) => (JB_FOBJECT, m.len()),
    };
    let start = buf.len();
    pad(buf);
    buf.extend_from_slice(&((count as u32) | flag).to_ne_bytes());
    let n = if flag == JB_FOBJECT { 2 * count } else { count };
    let entries_at = buf.len();
    buf.resize(entries_at + 4 * n, 0);
    let mut o = Open { start, entries_at, entries: Vec::with_capacity(n), values: Vec::with_capacity(count), next: 0 };
    match v {
        Value::Array(a) => o.values.extend(a),
        Value::Object(m) => {
            let mut pairs: Vec<(&String, &Value)> = m.iter().collect();
            pairs.sort_unstable_by(|a, b| a.0.len().cmp(&b.0.len()).then_with(|| a.0.as_bytes().cmp(b.0.as_bytes())));
            for (k, _) in &pairs {
                o.entries.push(string(buf, k));
            }
            o.values.extend(pairs.into_iter().map(|(_, v)| v));
        }
        _ => {}
    }
    Step::Open(o)
}

/// Finishes the container `o` once its children are written: fills in its entries (each `JB_OFFSET_STRIDE`-th
/// an end offset, the others lengths); returns its `JEntry`.
fn close(buf: &mut [u8], o: Open) -> u32 {
    let mut total = 0usize;
    for (i, &e) in o.entries.iter().enumerate() {
        total += (e & !JENTRY_TYPEMASK & !JENTRY_HAS_OFF) as usize;
        if total > MAX_LEN {
            too_long("a jsonb container", total);
        }
        let e = if i % JB_OFFSET_STRIDE == 0 { (e & JENTRY_TYPEMASK) | total as u32 | JENTRY_HAS_OFF } else { e };
        // In range: `begin` reserved an entry slot for each key and value from `entries_at`.
        if let Some(slot) = buf.get_mut(o.entries_at + 4 * i..o.entries_at + 4 * i + 4) {
            slot.copy_from_slice(&e.to_ne_bytes());
        }
    }
    let len = buf.len() - o.start;
    if len > MAX_LEN {
        too_long("a jsonb container", len);
    }
    JENTRY_ISCONTAINER | len as u32
}

fn string(buf: &mut Vec<u8>, s: &str) -> u32 {
    if s.len() > MAX_LEN {
        too_long("string", s.len());
    }
    buf.extend_from_slice(s.as_bytes());
    s.len() as u32
}

/// A palloc'd numeric of `n`.
fn numeric(n: &serde_json::Number) -> *mut pg_sys::NumericData {
    match n.as_i64() {
        // SAFETY: builds a palloc'd numeric.
        Some(i) => unsafe { pg_sys::int64_to_numeric(i) },
        None => {
            let Ok(text) = CString::new(n.to_string()) else { error!("audit_ext: a number printed with a NUL") };
            // SAFETY: numeric_in(cstring, oid, typmod) on serde_json's text of a finite number.
            let d = unsafe {
                direct_function_call_as_datum(
                    pg_sys::numeric_in,
                    &[text.as_c_str().into_datum(), pg_sys::InvalidOid.into_datum(), (-1i32).into_datum()],
                )
            };
            match d {
                Some(d) => d.cast_mut_ptr(),
                None => error!("audit_ext: numeric_in returned NULL"),
            }
        }
    }
}

/// A `jsonb` column as a `serde_json::Value`, read with `decode` (for `SpiHeapTupleData::get`); `Err` says
/// why not, for the caller to shape or report with the row and field.
pub struct Decoded(pub Result<Value, Undecodable>);

impl FromDatum for Decoded {
    unsafe fn from_polymorphic_datum(d: pg_sys::Datum, is_null: bool, _: pg_sys::Oid) -> Option<Self> {
        // SAFETY: a non-null datum of a jsonb column (`type_oid` below makes SPI check the type).
        (!is_null).then(|| Decoded(unsafe { decode(d, crate::shape::GO_MAX_DEPTH) }))
    }
}

impl IntoDatum for Decoded {
    fn into_datum(self) -> Option<pg_sys::Datum> {
        self.0.ok().map(|v| Jsonb::from(&v).0)
    }

    fn type_oid() -> pg_sys::Oid {
        pg_sys::JSONBOID
    }
}

/// Why a stored jsonb value is not read into a `serde_json::Value`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Undecodable {
    /// The bytes break PostgreSQL's format (a corrupt datum): what is wrong.
    Malformed(&'static str),
    /// Containers nest deeper than `max_depth`: a valid document that Go's `encoding/json` refuses to decode
    /// (`shape::GO_MAX_DEPTH`). Not read further, so no recursion here or later goes deeper than that.
    TooDeep,
}
use Undecodable::Malformed;

/// The `jsonb` datum `d` as a `serde_json::Value`, if its containers nest at most `max_depth` deep (a
/// top-level object or array is depth 1, as Go's scanner counts). Every read is bounds-checked: bytes that
/// break the format give `Malformed`, never a panic (and no allocation larger than the datum's bytes allow).
///
/// # Safety
/// `d` is a non-null `jsonb` datum that stays valid for the call.
pub unsafe fn decode(d: pg_sys::Datum, max_depth: usize) -> Result<Value, Undecodable> {
    // SAFETY: a jsonb varlena (detoasted to a 4-byte header if it is toasted, compressed or short), read
    // within the size its header gives.
    unsafe {
        let v = pg_sys::pg_detoast_datum(d.cast_mut_ptr());
        let bytes = std::slice::from_raw_parts(v as *const u8, pgrx::varsize_any(v));
        let root = match bytes.get(VARHDRSZ..) {
            Some(c) => read_document(c, max_depth),
            None => Err(Malformed("shorter than its header")),
        };
        if v != d.cast_mut_ptr() {
            pg_sys::pfree(v.cast());
        }
        root
    }
}

fn u32_at(b: &[u8], at: usize) -> Result<u32, Undecodable> {
    match b.get(at..at.saturating_add(4)).map(<[u8; 4]>::try_from) {
        Some(Ok(x)) => Ok(u32::from_ne_bytes(x)),
        _ => Err(Malformed("an entry past the end")),
    }
}

/// The document whose root container starts `c`, read without recursion: one frame per open container on a
/// heap stack, so a document of any depth takes no more of the backend's stack than a flat one.
fn read_document(c: &[u8], max_depth: usize) -> Result<Value, Undecodable> {
    let root = Reading::new(c, 1)?;
    let mut stack = vec![Reading { depth: if root.scalar { 0 } else { 1 }, ..root }];
    while let Some(top) = stack.last_mut() {
        if top.items.len() < top.n {
            let (kind, data, offset) = top.child()?;
            if kind == JENTRY_ISCONTAINER {
                let depth = top.depth + 1;
                if depth > max_depth {
                    return Err(Undecodable::TooDeep);
                }
                stack.push(Reading::new(aligned(data, offset)?, depth)?);
            } else {
                top.items.push(read_scalar(kind, data, offset)?);
            }
        } else {
            let done = stack.pop().map(Reading::finish).unwrap_or(Ok(Value::Null))?;
            match stack.last_mut() {
                Some(parent) => parent.items.push(done),
                None => return Ok(done),
            }
        }
    }
    Err(Malformed("no root container"))
}

/// A container being read: its bytes `c`, how deep it is (a top-level object or array is depth 1, as Go's
/// scanner counts), its children read so far (keys first for an object) and where the last one ended.
struct Reading<'a> {
    c: &'a [u8],
    depth: usize,
    object: bool,
    scalar: bool,
    count: usize,
    /// Its children: 2 × count for an object.
    n: usize,
    /// Where the children's data starts in `c`.
    base: usize,
    end: usize,
    items: Vec<Value>,
}

impl<'a> Reading<'a> {
    /// The container whose header starts `c`; a raw scalar document (`JB_FSCALAR`) is its one element.
    fn new(c: &'a [u8], depth: usize) -> Result<Self, Undecodable> {
        let header = u32_at(c, 0)?;
        let count = (header & JB_CMASK) as usize;
        let object = header & JB_FOBJECT != 0;
        let n = if object { 2 * count } else { count };
        let base = 4 + 4 * n;
        if base > c.len() {
            return Err(Malformed("an entry past the end"));
        }
        let scalar = header & JB_FSCALAR != 0;
        Ok(Reading { c, depth, object, scalar, count, n, base, end: 0, items: Vec::with_capacity(n) })
    }

    /// The next child's type, bytes (padding included) and offset in the container's data.
    fn child(&mut self) -> Result<(u32, &'a [u8], usize), Undecodable> {
        let e = u32_at(self.c, 4 + 4 * self.items.len())?;
        let start = self.end;
        let offlen = (e & MAX_LEN as u32) as usize;
        self.end = if e & JENTRY_HAS_OFF != 0 { offlen } else { start.saturating_add(offlen) };
        let data = self.c.get(self.base + start..self.base.saturating_add(self.end));
        Ok((e & JENTRY_TYPEMASK, data.ok_or(Malformed("a value past the end"))?, start))
    }

    /// The container's value, once every child is read.
    fn finish(self) -> Result<Value, Undecodable> {
        let mut items = self.items.into_iter();
        if self.object {
            let keys: Vec<Value> = items.by_ref().take(self.count).collect();
            let mut m = serde_json::Map::with_capacity(self.count);
            for (k, v) in keys.into_iter().zip(items) {
                match k {
                    Value::String(k) => m.insert(k, v),
                    _ => return Err(Malformed("an object key that is not a string")),
                };
            }
            Ok(Value::Object(m))
        } else if self.scalar {
            Ok(items.next().unwrap_or(Value::Null))
        } else {
            Ok(Value::Array(items.collect()))
        }
    }
}

/// A numeric's or container's bytes within `data` (a child's, starting at `offset` in its container's data):
/// they begin at the next 4-byte boundary.
fn aligned(data: &[u8], offset: usize) -> Result<&[u8], Undecodable> {
    data.get(offset.wrapping_neg() % 4..).ok_or(Malformed("a value shorter than its padding"))
}

/// A scalar child of type `kind`, whose bytes (padding included) are `data`, starting at `offset` in its
/// container's data.
fn read_scalar(kind: u32, data: &[u8], offset: usize) -> Result<Value, Undecodable> {
    Ok(match kind {
        JENTRY_ISSTRING => {
            Value::String(std::str::from_utf8(data).map_err(|_| Malformed("a string that is not UTF-8"))?.to_owned())
        }
        JENTRY_ISNUMERIC => {
            let numeric = aligned(data, offset)?;
            // numeric_out reads the varlena's own length: it must lie within the bytes jsonb gave it.
            // SAFETY: reads the 4-byte varlena header inside `numeric`.
            if numeric.len() < VARHDRSZ || unsafe { pgrx::varsize_any(numeric.as_ptr().cast()) } > numeric.len() {
                return Err(Malformed("a number longer than its entry"));
            }
            // SAFETY: numeric_out(numeric) on a numeric varlena (4-byte header, aligned) within its bytes.
            let text = unsafe {
                let d = pg_sys::Datum::from(numeric.as_ptr());
                let Some(out) = direct_function_call_as_datum(pg_sys::numeric_out, &[Some(d)]) else {
                    return Err(Malformed("a number numeric_out cannot print"));
                };
                let s = std::ffi::CStr::from_ptr(out.cast_mut_ptr()).to_string_lossy().into_owned();
                pg_sys::pfree(out.cast_mut_ptr());
                s
            };
            number(&text)
        }
        JENTRY_ISBOOL_TRUE => Value::Bool(true),
        JENTRY_ISBOOL_FALSE => Value::Bool(false),
        JENTRY_ISNULL => Value::Null,
        _ => return Err(Malformed("an entry of an unknown type")),
    })
}

/// `numeric_out`'s text of a jsonb number as serde reads it; serde reports some finite numbers printed with
/// hundreds of digits (`1.7976931348623157e308` as jsonb keeps it) as out of range, so those go through
/// Rust's exact `f64` parsing, as Go's decoder reads them. Only a number beyond `f64` (`1e400`) is null.
fn number(text: &str) -> Value {
    serde_json::from_str::<serde_json::Number>(text)
        .ok()
        .or_else(|| text.parse::<f64>().ok().and_then(serde_json::Number::from_f64))
        .map_or(Value::Null, Value::Number)
}

#[cfg(any(test, feature = "pg_test"))]
#[pg_schema]
mod tests {
    use pgrx::prelude::*;

    /// A document `levels` deep, arrays and objects in turn, with siblings before and after at every level (the
    /// encoder and decoder keep open containers on a heap stack).
    fn deep(levels: i64) -> serde_json::Value {
        use serde_json::{json, Map, Value};
        (0..levels).fold(json!("end"), |v, i| match i % 2 {
            0 => Value::Array(vec![json!(i), v, json!({"k": i})]),
            _ => Value::Object(Map::from_iter([("z".to_string(), v), ("a".to_string(), json!(i))])),
        })
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
            deep(2000),
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
            deep(2000),
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
