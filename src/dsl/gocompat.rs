//! Go-compatible text: Coder's validation messages embed Go's `%q` quoting, `strings.ToLower`/`ToUpper` and
//! `time.Parse` error texts, so they are reproduced here to make our messages byte-for-byte Coder's.

/// Go's `strconv.Quote` (what `fmt`'s `%q` prints for a string).
///
/// Printable runes stay as they are; `"` and `\` are escaped; control characters use `\a \b \f \n \r \t \v`
/// or `\xNN`; other non-printable runes use `\uNNNN` / `\UNNNNNNNN`. "Printable" follows Go's
/// `unicode.IsPrint` for every assigned category we can tell apart with std: controls, separators other than
/// U+0020, format characters, private use and noncharacters are escaped. (Unassigned code points, which Go
/// also escapes, are printed as they are: std has no table of them.)
pub fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if is_go_print(c) => out.push(c),
            '\u{07}' => out.push_str("\\a"),
            '\u{08}' => out.push_str("\\b"),
            '\u{0C}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{0B}' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => out.push_str(&format!("\\x{:02x}", c as u32)),
            c if (c as u32) < 0x10000 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push_str(&format!("\\U{:08x}", c as u32)),
        }
    }
    out.push('"');
    out
}

fn is_go_print(c: char) -> bool {
    let u = c as u32;
    if c == ' ' {
        return true;
    }
    if c.is_control() || c.is_whitespace() {
        return false;
    }
    // Format characters (Cf), private use (Co) and noncharacters.
    !matches!(u,
        0x00AD | 0x0600..=0x0605 | 0x061C | 0x06DD | 0x070F | 0x0890..=0x0891 | 0x08E2 | 0x180E
        | 0x200B..=0x200F | 0x2028..=0x202E | 0x2060..=0x2064 | 0x2066..=0x206F | 0xFEFF | 0xFFF9..=0xFFFB
        | 0x110BD | 0x110CD | 0x13430..=0x1343F | 0x1BCA0..=0x1BCA3 | 0x1D173..=0x1D17A | 0xE0001
        | 0xE0020..=0xE007F | 0xE000..=0xF8FF | 0xF0000..=0x10FFFF | 0xFDD0..=0xFDEF)
        && (u & 0xFFFE) != 0xFFFE
}

/// The `quote` of Go's time package (used inside `time.ParseError` texts): ASCII printable characters as
/// they are with `"` and `\` escaped, every byte of anything else as `\xNN`.
pub fn time_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        if (c as u32) >= 0x80 || c < ' ' {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("\\x{b:02x}"));
            }
        } else {
            if c == '"' || c == '\\' {
                out.push('\\');
            }
            out.push(c);
        }
    }
    out.push('"');
    out
}

/// Go's `strings.ToLower`: a simple (one rune to one rune) mapping, unlike Rust's `to_lowercase`, which
/// applies the context-sensitive final sigma rule and multi-character mappings.
pub fn go_lower(s: &str) -> String {
    if s.is_ascii() {
        return s.to_ascii_lowercase();
    }
    s.chars().map(|c| single(c.to_lowercase()).unwrap_or(c)).collect()
}

/// Go's `strings.ToUpper`, with the same simple mapping.
pub fn go_upper(s: &str) -> String {
    if s.is_ascii() {
        return s.to_ascii_uppercase();
    }
    s.chars().map(|c| single(c.to_uppercase()).unwrap_or(c)).collect()
}

fn single(mut it: impl Iterator<Item = char>) -> Option<char> {
    let first = it.next()?;
    it.next().is_none().then_some(first)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quote_matches_go() {
        assert_eq!(go_quote("abc"), r#""abc""#);
        assert_eq!(go_quote(r#"a"b\c"#), r#""a\"b\\c""#);
        assert_eq!(go_quote("tab\there\n"), r#""tab\there\n""#);
        assert_eq!(go_quote("\u{1}\u{7f}"), r#""\x01\x7f""#);
        assert_eq!(go_quote("zero\u{200b}width"), r#""zero\u200bwidth""#);
        assert_eq!(go_quote("nbsp\u{a0}"), r#""nbsp\u00a0""#);
        assert_eq!(go_quote("héllo 世界 🙂"), "\"héllo 世界 🙂\"");
        assert_eq!(go_quote("\u{10ffff}"), r#""\U0010ffff""#);
    }

    #[test]
    fn time_quote_matches_go() {
        assert_eq!(time_quote("2026-01-01"), r#""2026-01-01""#);
        assert_eq!(time_quote("é\"x"), r#""\xc3\xa9\"x""#);
    }

    #[test]
    fn lower_upper_are_simple_mappings() {
        assert_eq!(go_lower("ABC"), "abc");
        assert_eq!(go_lower("ΟΔΟΣ"), "οδοσ"); // Go has no final-sigma rule
        assert_eq!(go_upper("2026-01-01t00:00:00z"), "2026-01-01T00:00:00Z");
        assert_eq!(go_upper("ß"), "ß"); // no single-rune upper case
    }
}
