//! Coder's `searchTerms`: the query is split on spaces outside double quotes; tokens holding a `:` are
//! `key:value` elements, all other tokens are joined with single spaces into one trailing free-text
//! element. Each element is then split on `:` outside quotes with surrounding quotes trimmed.
//!
//! Quirks kept on purpose, because Coder has them: a quote toggles the quoted state wherever it stands; a
//! free-text element keeps its quotes; a `:` inside quotes does not split (`"a:b"` is free text); only the
//! first tokenizer problem is reported.

use super::errors::Validation;

/// One element of a query, in the order Coder adds it to its `url.Values`.
#[derive(Debug, PartialEq, Eq)]
pub enum Element<'q> {
    /// `key:value`, with the key as typed (callers lower-case it) and the value with quotes trimmed.
    Pair { key: &'q str, value: &'q str },
    /// Free text: every token without a `:`, joined with single spaces (quotes kept).
    Bare(String),
}

/// Go's `strings.FieldsFunc` with the quote-toggling separator of `splitQueryParameterByDelimiter`.
fn split_outside_quotes(s: &str, delim: char) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut quoted = false;
    let mut start: Option<usize> = None;
    for (i, c) in s.char_indices() {
        if c == '"' {
            quoted = !quoted;
        }
        let sep = !quoted && c == delim;
        match (sep, start) {
            (true, Some(st)) => {
                parts.push(&s[st..i]);
                start = None;
            }
            (false, None) => start = Some(i),
            _ => {}
        }
    }
    if let Some(st) = start {
        parts.push(&s[st..]);
    }
    parts
}

fn check_colons(el: &str) -> Result<(), Validation> {
    if el.starts_with(':') || el.ends_with(':') {
        return Err(Validation::query_element(el, "cannot start or end with ':'"));
    }
    Ok(())
}

/// Splits a query into elements, or returns Coder's one tokenizer validation.
pub fn tokenize(query: &str) -> Result<Vec<Element<'_>>, Validation> {
    let tokens = split_outside_quotes(query, ' ');
    let (fields, bare): (Vec<&str>, Vec<&str>) = tokens.into_iter().partition(|t| t.contains(':'));
    let mut out = Vec::with_capacity(fields.len() + 1);
    for el in fields {
        check_colons(el)?;
        let parts = split_outside_quotes(el, ':');
        match parts.len() {
            // A `:` only inside quotes: free text, passed on with its quotes.
            0 | 1 => out.push(Element::Bare(el.to_string())),
            2 => out.push(Element::Pair { key: parts[0].trim_matches('"'), value: parts[1].trim_matches('"') }),
            _ => return Err(Validation::query_element(el, "can only contain 1 ':'")),
        }
    }
    if !bare.is_empty() {
        out.push(Element::Bare(bare.join(" ")));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use Element::*;

    fn pair<'a>(key: &'a str, value: &'a str) -> Element<'a> {
        Pair { key, value }
    }

    #[test]
    fn pairs_and_free_text() {
        assert_eq!(tokenize("").unwrap(), vec![]);
        assert_eq!(tokenize("   ").unwrap(), vec![]);
        assert_eq!(
            tokenize("workspace action:delete  foo username:alice").unwrap(),
            vec![pair("action", "delete"), pair("username", "alice"), Bare("workspace foo".into())]
        );
    }

    #[test]
    fn quotes() {
        assert_eq!(tokenize(r#"resource_target:"my ws""#).unwrap(), vec![pair("resource_target", "my ws")]);
        assert_eq!(
            tokenize(r#"connected_after:"2026-01-01T00:00:00Z""#).unwrap(),
            vec![pair("connected_after", "2026-01-01T00:00:00Z")]
        );
        // A quoted colon does not split; the element is free text and keeps its quotes.
        assert_eq!(tokenize(r#""a:b""#).unwrap(), vec![Bare(r#""a:b""#.into())]);
        assert_eq!(tokenize(r#""work space""#).unwrap(), vec![Bare(r#""work space""#.into())]);
        // An unbalanced quote runs to the end.
        assert_eq!(tokenize(r#"username:"al ice"#).unwrap(), vec![pair("username", "al ice")]);
        // key:"" is a pair with an empty value.
        assert_eq!(tokenize(r#"username:"""#).unwrap(), vec![pair("username", "")]);
    }

    #[test]
    fn colon_errors() {
        let e = tokenize("username:").unwrap_err();
        assert_eq!(
            (e.field.as_str(), e.detail.as_str()),
            ("q", r#"Query element "username:" cannot start or end with ':'"#)
        );
        let e = tokenize(":alice").unwrap_err();
        assert_eq!(e.detail, r#"Query element ":alice" cannot start or end with ':'"#);
        let e = tokenize("date_from:2026-01-01T00:00:00Z").unwrap_err();
        assert_eq!(e.detail, r#"Query element "date_from:2026-01-01t00:00:00z" can only contain 1 ':'"#);
        // Only the first problem is reported, as in Coder.
        let e = tokenize("a:b:c :x").unwrap_err();
        assert_eq!(e.detail, r#"Query element "a:b:c" can only contain 1 ':'"#);
    }

    #[test]
    fn unicode_and_long_input() {
        assert_eq!(tokenize("username:jörg").unwrap(), vec![pair("username", "jörg")]);
        let long = "x".repeat(100_000);
        assert_eq!(tokenize(&long).unwrap(), vec![Bare(long.clone())]);
    }
}
