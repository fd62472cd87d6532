//! Go's `time.Parse`, for the two layouts Coder's filters use: `2006-01-02` (audit `date_from`/`date_to`) and
//! `time.RFC3339Nano` (connection `connected_after`/`connected_before`). It accepts exactly what Go accepts
//! (a one-digit hour, any number of fraction digits, offsets up to 24:60) and fails with Go's own
//! `time.ParseError` text, which Coder puts verbatim into its validation detail.

use super::gocompat::time_quote;

pub const DATE_LAYOUT: &str = "2006-01-02";
pub const RFC3339_NANO: &str = "2006-01-02T15:04:05.999999999Z07:00";

/// An instant as Go's time.Time would hold it: seconds since 0001-01-01T00:00:00Z plus nanoseconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Instant {
    pub secs: i64,
    pub nanos: u32,
}

const SECS_PER_DAY: i64 = 86_400;
/// Days from 0001-01-01 to 2000-01-01 (PostgreSQL's epoch).
const DAYS_0001_TO_2000: i64 = 730_119;

impl Instant {
    /// Go's `time.Time.IsZero`: Coder treats the zero time (0001-01-01T00:00:00Z) as "no filter".
    pub fn is_zero(self) -> bool {
        self.secs == 0 && self.nanos == 0
    }

    pub fn add_secs(self, secs: i64) -> Instant {
        Instant { secs: self.secs + secs, nanos: self.nanos }
    }

    /// Microseconds since 2000-01-01 UTC (a PostgreSQL timestamptz), rounded down: for `col <= t` the
    /// microsecond-precision column satisfies it exactly when `col <= floor(t)`.
    pub fn pg_micros_floor(self) -> i64 {
        (self.secs - DAYS_0001_TO_2000 * SECS_PER_DAY) * 1_000_000 + i64::from(self.nanos / 1000)
    }

    /// The instant a PostgreSQL timestamptz (microseconds since 2000-01-01 UTC) stands for.
    pub fn from_pg_micros(micros: i64) -> Instant {
        Instant {
            secs: micros.div_euclid(1_000_000) + DAYS_0001_TO_2000 * SECS_PER_DAY,
            nanos: (micros.rem_euclid(1_000_000) * 1000) as u32,
        }
    }

    /// Rounded up: `col >= t` exactly when `col >= ceil(t)`.
    pub fn pg_micros_ceil(self) -> i64 {
        self.pg_micros_floor() + i64::from(!self.nanos.is_multiple_of(1000))
    }

    /// The (proleptic Gregorian) year, 0 for 1 BC.
    pub fn year(self) -> i64 {
        civil_from_days(self.secs.div_euclid(SECS_PER_DAY)).0
    }

    /// RFC 3339 in UTC as Go's `time.RFC3339Nano` prints it (fraction without trailing zeros).
    pub fn to_rfc3339(self) -> String {
        let days = self.secs.div_euclid(SECS_PER_DAY);
        let rem = self.secs.rem_euclid(SECS_PER_DAY);
        let (y, m, d) = civil_from_days(days);
        use std::fmt::Write;
        let mut s = String::with_capacity(32);
        // Writing to a String cannot fail.
        let _ = write!(s, "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}", rem / 3600, rem / 60 % 60, rem % 60);
        if self.nanos != 0 {
            let mut frac = self.nanos;
            let mut digits = 9;
            while frac.is_multiple_of(10) {
                frac /= 10;
                digits -= 1;
            }
            let _ = write!(s, ".{frac:0digits$}");
        }
        s.push('Z');
        s
    }
}

/// Days since 0001-01-01 of a proleptic Gregorian date (year 0 = 1 BC, as in Go and PostgreSQL).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    // Howard Hinnant's algorithm, shifted from 1970-01-01 to 0001-01-01.
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (i64::from(m) + 9) % 12;
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468 + 719_162
}

fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days - 719_162 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

fn is_leap(y: i64) -> bool {
    y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)
}

fn days_in(m: i64, y: i64) -> i64 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// One element of a layout: a literal prefix, then a standard field.
#[derive(Clone, Copy, PartialEq)]
enum Std {
    LongYear,
    ZeroMonth,
    ZeroDay,
    Hour,
    ZeroMinute,
    ZeroSecond,
    FracSecond9,
    Iso8601ColonTz,
}

fn chunks(layout: &str) -> &'static [(&'static str, Std, &'static str)] {
    use Std::*;
    const DATE: &[(&str, Std, &str)] = &[("", LongYear, "2006"), ("-", ZeroMonth, "01"), ("-", ZeroDay, "02")];
    const RFC: &[(&str, Std, &str)] = &[
        ("", LongYear, "2006"),
        ("-", ZeroMonth, "01"),
        ("-", ZeroDay, "02"),
        ("T", Hour, "15"),
        (":", ZeroMinute, "04"),
        (":", ZeroSecond, "05"),
        ("", FracSecond9, ".999999999"),
        ("", Iso8601ColonTz, "Z07:00"),
    ];
    if layout == DATE_LAYOUT {
        DATE
    } else {
        RFC
    }
}

fn is_digit(s: &[u8], i: usize) -> bool {
    s.get(i).is_some_and(u8::is_ascii_digit)
}

/// Go's getnum: one or two digits (exactly two when `fixed`).
fn getnum(s: &[u8], fixed: bool) -> Option<(i64, &[u8])> {
    if !is_digit(s, 0) {
        return None;
    }
    if !is_digit(s, 1) {
        if fixed {
            return None;
        }
        return Some((i64::from(s[0] - b'0'), &s[1..]));
    }
    Some((i64::from(s[0] - b'0') * 10 + i64::from(s[1] - b'0'), &s[2..]))
}

/// A one- or two-digit field (exactly two when `fixed`) into `out`, with Go's range check (the day is
/// checked against its month only after the whole value is read, as Go does). False when there is no number.
fn num(
    v: &mut &[u8],
    fixed: bool,
    out: &mut i64,
    range: std::ops::RangeInclusive<i64>,
    what: &'static str,
    range_err: &mut Option<&'static str>,
) -> bool {
    match getnum(v, fixed) {
        Some((n, rest)) => {
            *out = n;
            *v = rest;
            if !range.contains(&n) {
                *range_err = Some(what);
            }
            true
        }
        None => false,
    }
}

/// Byte-slice → str; the slices here always cut the input at ASCII positions or its end, except where a
/// multi-byte rune follows a field, in which case the lossy form is what Go's byte-wise quote would show too.
fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Go's `time.Parse(layout, value)` in UTC for `DATE_LAYOUT` and `RFC3339_NANO`. The error is Go's
/// `ParseError.Error()` text.
pub fn parse(layout: &str, value: &str) -> Result<Instant, String> {
    let cannot = |value_elem: &[u8], layout_elem: &str| {
        format!(
            "parsing time {} as {}: cannot parse {} as {}",
            time_quote(value),
            time_quote(layout),
            time_quote(&text(value_elem)),
            time_quote(layout_elem)
        )
    };
    let with_msg = |msg: String| format!("parsing time {}{}", time_quote(value), msg);

    let mut v = value.as_bytes();
    let (mut year, mut month, mut day) = (0i64, -1i64, -1i64);
    let (mut hour, mut min, mut sec, mut nsec) = (0i64, 0i64, 0i64, 0i64);
    let mut offset: i64 = 0;

    for &(prefix, std, stdstr) in chunks(layout) {
        // Literal prefix: each byte must match.
        for p in prefix.bytes() {
            if v.first() != Some(&p) {
                return Err(cannot(v, prefix));
            }
            v = &v[1..];
        }
        let hold = v;
        let mut range_err: Option<&'static str> = None;
        let ok: bool = match std {
            Std::LongYear => {
                if v.len() < 4 || !is_digit(v, 0) || !v[..4].iter().all(u8::is_ascii_digit) {
                    false
                } else {
                    year = std::str::from_utf8(&v[..4]).unwrap().parse().unwrap();
                    v = &v[4..];
                    true
                }
            }
            Std::ZeroMonth => num(&mut v, true, &mut month, 1..=12, "month", &mut range_err),
            Std::ZeroDay => num(&mut v, true, &mut day, 0..=99, "day", &mut range_err),
            Std::Hour => num(&mut v, false, &mut hour, 0..=23, "hour", &mut range_err),
            Std::ZeroMinute => num(&mut v, true, &mut min, 0..=59, "minute", &mut range_err),
            Std::ZeroSecond => num(&mut v, true, &mut sec, 0..=59, "second", &mut range_err),
            Std::FracSecond9 => {
                if v.len() >= 2 && (v[0] == b'.' || v[0] == b',') && v[1].is_ascii_digit() {
                    let mut i = 0;
                    while i + 1 < v.len() && v[i + 1].is_ascii_digit() {
                        i += 1;
                    }
                    // Go reads at most 9 digits, scaled to nanoseconds; further digits are skipped.
                    let digits = &v[1..(1 + i).min(10)];
                    let mut ns: i64 = std::str::from_utf8(digits).unwrap().parse().unwrap();
                    for _ in digits.len()..9 {
                        ns *= 10;
                    }
                    nsec = ns;
                    v = &v[1 + i..];
                }
                true
            }
            Std::Iso8601ColonTz => {
                if v.first() == Some(&b'Z') {
                    v = &v[1..];
                    true
                } else if v.len() < 6 || v[3] != b':' {
                    false
                } else {
                    let (sign, hh, mm) = (v[0], &v[1..3], &v[4..6]);
                    match (getnum(hh, true), getnum(mm, true)) {
                        (Some((h, _)), Some((m, _))) if sign == b'+' || sign == b'-' => {
                            if h > 24 {
                                range_err = Some("time zone offset hour");
                            }
                            if m > 60 {
                                range_err = Some("time zone offset minute");
                            }
                            offset = (h * 60 + m) * 60 * if sign == b'-' { -1 } else { 1 };
                            v = &v[6..];
                            true
                        }
                        _ => false,
                    }
                }
            }
        };
        if let Some(what) = range_err {
            return Err(with_msg(format!(": {what} out of range")));
        }
        if !ok {
            return Err(cannot(hold, stdstr));
        }
    }
    if !v.is_empty() {
        return Err(with_msg(format!(": extra text: {}", time_quote(&text(v)))));
    }
    if day < 1 || day > days_in(month, year) {
        return Err(with_msg(": day out of range".into()));
    }
    let days = days_from_civil(year, month as u32, day as u32);
    let secs = days * SECS_PER_DAY + hour * 3600 + min * 60 + sec - offset;
    Ok(Instant { secs, nanos: nsec as u32 })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(layout: &str, v: &str) -> String {
        parse(layout, v).unwrap().to_rfc3339()
    }
    fn err(layout: &str, v: &str) -> String {
        parse(layout, v).unwrap_err()
    }

    #[test]
    fn dates() {
        assert_eq!(ok(DATE_LAYOUT, "2026-01-02"), "2026-01-02T00:00:00Z");
        assert_eq!(ok(DATE_LAYOUT, "2024-02-29"), "2024-02-29T00:00:00Z");
        assert!(parse(DATE_LAYOUT, "0001-01-01").unwrap().is_zero());
        assert_eq!(ok(DATE_LAYOUT, "0000-03-01"), "0000-03-01T00:00:00Z");
        assert_eq!(ok(DATE_LAYOUT, "9999-12-31"), "9999-12-31T00:00:00Z");
    }

    #[test]
    fn date_errors_are_gos() {
        assert_eq!(
            err(DATE_LAYOUT, "yesterday"),
            r#"parsing time "yesterday" as "2006-01-02": cannot parse "yesterday" as "2006""#
        );
        assert_eq!(err(DATE_LAYOUT, "2026-13-01"), r#"parsing time "2026-13-01": month out of range"#);
        assert_eq!(err(DATE_LAYOUT, "2026-02-30"), r#"parsing time "2026-02-30": day out of range"#);
        assert_eq!(err(DATE_LAYOUT, "2025-02-29"), r#"parsing time "2025-02-29": day out of range"#);
        assert_eq!(
            err(DATE_LAYOUT, "2026-1-01"),
            r#"parsing time "2026-1-01" as "2006-01-02": cannot parse "1-01" as "01""#
        );
        assert_eq!(
            err(DATE_LAYOUT, "2026/01/01"),
            r#"parsing time "2026/01/01" as "2006-01-02": cannot parse "/01/01" as "-""#
        );
        assert_eq!(err(DATE_LAYOUT, "2026-01-01x"), r#"parsing time "2026-01-01x": extra text: "x""#);
        assert_eq!(
            err(DATE_LAYOUT, "2026-01-01t00:00:00z"),
            r#"parsing time "2026-01-01t00:00:00z": extra text: "t00:00:00z""#
        );
        assert_eq!(err(DATE_LAYOUT, ""), r#"parsing time "" as "2006-01-02": cannot parse "" as "2006""#);
        assert_eq!(
            err(DATE_LAYOUT, "20x6-01-01"),
            r#"parsing time "20x6-01-01" as "2006-01-02": cannot parse "20x6-01-01" as "2006""#
        );
        assert_eq!(err(DATE_LAYOUT, "2026-00-10"), r#"parsing time "2026-00-10": month out of range"#);
        assert_eq!(err(DATE_LAYOUT, "2026-01-00"), r#"parsing time "2026-01-00": day out of range"#);
        assert_eq!(
            err(DATE_LAYOUT, "2026-01-é"),
            r#"parsing time "2026-01-\xc3\xa9" as "2006-01-02": cannot parse "\xc3\xa9" as "02""#
        );
    }

    #[test]
    fn rfc3339() {
        assert_eq!(ok(RFC3339_NANO, "2026-01-02T03:04:05Z"), "2026-01-02T03:04:05Z");
        assert_eq!(ok(RFC3339_NANO, "2026-01-02T03:04:05.5Z"), "2026-01-02T03:04:05.5Z");
        assert_eq!(ok(RFC3339_NANO, "2026-01-02T03:04:05.123456789123+00:00"), "2026-01-02T03:04:05.123456789Z");
        assert_eq!(ok(RFC3339_NANO, "2026-01-02T01:00:00+02:00"), "2026-01-01T23:00:00Z");
        assert_eq!(ok(RFC3339_NANO, "2026-01-02T23:00:00-01:30"), "2026-01-03T00:30:00Z");
        assert_eq!(ok(RFC3339_NANO, "2026-01-02T3:04:05Z"), "2026-01-02T03:04:05Z"); // Go allows 1-digit hours
        assert_eq!(ok(RFC3339_NANO, "2026-01-02T03:04:05,25Z"), "2026-01-02T03:04:05.25Z");
    }

    #[test]
    fn rfc3339_errors_are_gos() {
        assert_eq!(
            err(RFC3339_NANO, "2026-01-02"),
            r#"parsing time "2026-01-02" as "2006-01-02T15:04:05.999999999Z07:00": cannot parse "" as "T""#
        );
        assert_eq!(
            err(RFC3339_NANO, "2026-01-02T25:00:00Z"),
            r#"parsing time "2026-01-02T25:00:00Z": hour out of range"#
        );
        assert_eq!(
            err(RFC3339_NANO, "2026-01-02T10:00:00"),
            r#"parsing time "2026-01-02T10:00:00" as "2006-01-02T15:04:05.999999999Z07:00": cannot parse "" as "Z07:00""#
        );
        assert_eq!(
            err(RFC3339_NANO, "2026-01-02T10:00:00+0200"),
            r#"parsing time "2026-01-02T10:00:00+0200" as "2006-01-02T15:04:05.999999999Z07:00": cannot parse "+0200" as "Z07:00""#
        );
        assert_eq!(
            err(RFC3339_NANO, "2026-01-02T10:00:00+25:00"),
            r#"parsing time "2026-01-02T10:00:00+25:00": time zone offset hour out of range"#
        );
        assert_eq!(
            err(RFC3339_NANO, "2026-01-02T10:00:00ZZ"),
            r#"parsing time "2026-01-02T10:00:00ZZ": extra text: "Z""#
        );
        assert_eq!(
            err(RFC3339_NANO, "2026-01-02T10:60:00Z"),
            r#"parsing time "2026-01-02T10:60:00Z": minute out of range"#
        );
    }

    #[test]
    fn micros_round_toward_the_bound() {
        let t = parse(RFC3339_NANO, "2000-01-01T00:00:00.0000015Z").unwrap();
        assert_eq!(t.pg_micros_floor(), 1);
        assert_eq!(t.pg_micros_ceil(), 2);
        let t = parse(DATE_LAYOUT, "1999-12-31").unwrap();
        assert_eq!(t.pg_micros_floor(), -86_400_000_000);
        assert_eq!(t.pg_micros_ceil(), -86_400_000_000);
    }
}
