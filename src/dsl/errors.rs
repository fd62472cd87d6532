//! Coder's validation errors (`codersdk.ValidationError`), with its exact wording. Every text a filter can
//! produce is built here and nowhere else.

use super::gocompat::{go_lower, go_quote};
use serde::Serialize;

/// `{"field": ..., "detail": ...}`, serialized in that key order as Coder does.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Validation {
    pub field: String,
    pub detail: String,
}

impl Validation {
    fn new(field: &str, detail: String) -> Self {
        Validation { field: field.to_string(), detail }
    }

    /// Tokenizer problems. Coder lower-cases the whole query before it tokenizes, so the element is shown
    /// lower-cased.
    pub fn query_element(element: &str, problem: &str) -> Self {
        Self::new("q", format!("Query element {} {problem}", go_quote(&go_lower(element))))
    }

    pub fn duplicate(key: &str, times: usize) -> Self {
        Self::new(
            key,
            format!(
                "Query param {} provided more than once, found {times} times. Only provide 1 instance of this query param.",
                go_quote(key)
            ),
        )
    }

    pub fn bad_uuid(key: &str) -> Self {
        Self::new(key, format!("Query param {} must be a valid uuid", go_quote(key)))
    }

    /// `go_error` is Go's `time.ParseError` text (see `gotime`).
    pub fn bad_time(key: &str, layout: &str, go_error: &str) -> Self {
        Self::new(key, format!("Query param {} must be a valid date format ({layout}): {go_error}", go_quote(key)))
    }

    pub fn bad_enum(key: &str, value: &str) -> Self {
        Self::invalid_value(key, &format!("{} is not a valid value", go_quote(value)))
    }

    pub fn unknown_organization(key: &str, name: &str) -> Self {
        Self::invalid_value(
            key,
            &format!("organization {} either does not exist, or you are unauthorized to view it", go_quote(name)),
        )
    }

    /// `me` needs an actor: Coder always has one (the caller); audit_ext's `actor => NULL` does not.
    pub fn me_without_actor(key: &str) -> Self {
        Self::invalid_value(key, "\"me\" needs an actor: pass the calling user's id as actor")
    }

    /// Extended dialect: `-date_from:…` and the like (a range bound has no negation).
    pub fn not_negatable(key: &str) -> Self {
        Self::invalid_value(key, &format!("{} cannot be negated", go_quote(key.trim_start_matches('-'))))
    }

    /// Extended dialect: `action:create,` (an empty value in a list).
    pub fn empty_in_list(key: &str, raw: &str) -> Self {
        Self::invalid_value(key, &format!("{} has an empty value between commas", go_quote(raw)))
    }

    /// Extended dialect: Coder's "no filter" value (the nil uuid, the zero time) listed or negated.
    pub fn sentinel_in_list(key: &str, value: &str) -> Self {
        Self::invalid_value(key, &format!("{} means no filter, which cannot be negated or listed", go_quote(value)))
    }

    /// Extended dialect: `ip:` takes an address or a CIDR block.
    pub fn bad_network(key: &str, value: &str) -> Self {
        Self::invalid_value(key, &format!("{} is not an IP address or CIDR block", go_quote(value)))
    }

    /// Extended dialect: `status_code:` takes a number or a comparison with one.
    pub fn bad_number(key: &str, value: &str) -> Self {
        Self::invalid_value(
            key,
            &format!("{} is not a number or a comparison with one (=, <, <=, >, >=)", go_quote(value)),
        )
    }

    fn invalid_value(key: &str, why: &str) -> Self {
        Self::new(key, format!("Query param {} has invalid value: {why}", go_quote(key)))
    }

    pub fn unknown_key(key: &str) -> Self {
        Self::new(key, format!("{} is not a valid query param", go_quote(key)))
    }
}

/// The validations as Coder's JSON array.
pub fn to_json(v: &[Validation]) -> serde_json::Value {
    serde_json::to_value(v).expect("validations serialize")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_are_coders() {
        assert_eq!(
            Validation::duplicate("action", 2).detail,
            r#"Query param "action" provided more than once, found 2 times. Only provide 1 instance of this query param."#
        );
        assert_eq!(Validation::bad_uuid("resource_id").detail, r#"Query param "resource_id" must be a valid uuid"#);
        assert_eq!(
            Validation::bad_enum("resource_type", "foo bar").detail,
            r#"Query param "resource_type" has invalid value: "foo bar" is not a valid value"#
        );
        assert_eq!(
            Validation::unknown_organization("organization", "nope").detail,
            r#"Query param "organization" has invalid value: organization "nope" either does not exist, or you are unauthorized to view it"#
        );
        let u = Validation::unknown_key("colour");
        assert_eq!((u.field.as_str(), u.detail.as_str()), ("colour", r#""colour" is not a valid query param"#));
        assert_eq!(
            to_json(&[u]).to_string(),
            r#"[{"field":"colour","detail":"\"colour\" is not a valid query param"}]"#
        );
    }
}
