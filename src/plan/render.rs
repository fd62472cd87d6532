//! A fragment with its parameters spliced in as literals of their native types, for `*_predicate()`:
//! copy-paste runnable, and injection-proof because every text goes through `quote` (PostgreSQL's own
//! `quote_literal` in the extension).

use super::{Fragment, Param};
use crate::dsl::gotime::Instant;

/// Renders `frag` with `$n` replaced by typed literals. `qschema` qualifies enum types.
pub fn render(frag: &Fragment, qschema: &str, quote: &dyn Fn(&str) -> String) -> String {
    let lit = |p: &Param| -> String {
        match p {
            Param::Uuid(u) => format!("'{u}'::uuid"),
            Param::UuidArray(v) => {
                let items: Vec<String> = v.iter().map(|u| u.to_string()).collect();
                format!("'{{{}}}'::uuid[]", items.join(","))
            }
            Param::Text(s) => quote(s),
            // One array literal, each element double-quoted with `"` and `\` escaped (array input syntax).
            Param::TextArray(v) => {
                let items: Vec<String> =
                    v.iter().map(|t| format!("\"{}\"", t.replace('\\', "\\\\").replace('"', "\\\""))).collect();
                format!("{}::text[]", quote(&format!("{{{}}}", items.join(","))))
            }
            Param::Int(n) => n.to_string(),
            Param::Timestamptz(us) => format!("'{}'::timestamptz", iso_timestamptz(*us)),
            Param::Enum { type_name, label } => format!("{}::{qschema}.{type_name}", quote(label)),
        }
    };
    let sql = frag.sql.as_bytes();
    let mut out = String::with_capacity(frag.sql.len() + 64);
    let mut i = 0;
    while i < sql.len() {
        if sql[i] == b'$' && i + 1 < sql.len() && sql[i + 1].is_ascii_digit() {
            let mut j = i + 1;
            while j < sql.len() && sql[j].is_ascii_digit() {
                j += 1;
            }
            let n: usize = frag.sql[i + 1..j].parse().expect("placeholder number");
            out.push_str(&lit(&frag.params[n - 1]));
            i = j;
        } else {
            let ch = frag.sql[i..].chars().next().expect("in bounds");
            out.push(ch);
            i += ch.len_utf8();
        }
    }
    out
}

/// ISO 8601 in UTC as PostgreSQL reads it regardless of DateStyle: `2026-01-01 00:00:00.5+00`, with `BC`
/// for years before 1.
fn iso_timestamptz(micros: i64) -> String {
    let t = Instant::from_pg_micros(micros);
    let s = t.to_rfc3339(); // YYYY-MM-DDTHH:MM:SS[.frac]Z, year 0 = 1 BC
    let (date, rest) = s.split_at(10);
    let time = rest.trim_start_matches('T').trim_end_matches('Z');
    let year: i64 = date[..4].parse().unwrap_or(1);
    if s.starts_with('-') || year == 0 {
        // Only reachable for year 0 (1 BC): Go's 4-digit layouts cannot name earlier years.
        return format!("0001{} {time}+00 BC", &date[4..]);
    }
    format!("{date} {time}+00")
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    /// PostgreSQL's quote_literal rules: '' for ', and E'' with doubled backslashes when there are any.
    fn pg_quote(s: &str) -> String {
        let body = s.replace('\\', "\\\\").replace('\'', "''");
        if s.contains('\\') {
            format!("E'{body}'")
        } else {
            format!("'{body}'")
        }
    }

    #[test]
    fn literals_of_every_type() {
        let u = Uuid::parse_str("6b8f2c3a-1111-4222-8333-444455556666").unwrap();
        let f = Fragment {
            sql: "a = $1 AND b = ANY ($2) AND c = $3 AND d >= $4 AND e = $5 AND f = $6 AND g = $7 AND h = $8 AND i = $9 AND j = $10".into(),
            params: vec![
                Param::Uuid(u),
                Param::UuidArray(vec![u, u]),
                Param::Text(r"it's a \ back'slash".into()),
                Param::Timestamptz(crate::dsl::gotime::parse(crate::dsl::gotime::RFC3339_NANO, "2026-01-01T00:00:00.5Z").unwrap().pg_micros_floor()),
                Param::Enum { type_name: "resource_type", label: "workspace".into() },
                Param::Text("6".into()),
                Param::Text("7".into()),
                Param::Text("8".into()),
                Param::Text("9".into()),
                Param::Text("ten".into()),
            ],
            ..Default::default()
        };
        assert_eq!(
            render(&f, "public", &pg_quote),
            "a = '6b8f2c3a-1111-4222-8333-444455556666'::uuid AND b = ANY ('{6b8f2c3a-1111-4222-8333-444455556666,6b8f2c3a-1111-4222-8333-444455556666}'::uuid[]) \
             AND c = E'it''s a \\\\ back''slash' AND d >= '2026-01-01 00:00:00.5+00'::timestamptz AND e = 'workspace'::public.resource_type \
             AND f = '6' AND g = '7' AND h = '8' AND i = '9' AND j = 'ten'"
        );
    }

    #[test]
    fn year_zero_is_1_bc() {
        let first = crate::dsl::gotime::parse(crate::dsl::gotime::DATE_LAYOUT, "0001-01-01").unwrap();
        assert_eq!(iso_timestamptz(first.pg_micros_floor()), "0001-01-01 00:00:00+00");
        let bc = crate::dsl::gotime::parse(crate::dsl::gotime::DATE_LAYOUT, "0000-03-01").unwrap();
        assert_eq!(iso_timestamptz(bc.pg_micros_floor()), "0001-03-01 00:00:00+00 BC");
    }
}
