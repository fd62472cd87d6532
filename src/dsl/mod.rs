//! Stage 1: filter text → typed filter. Pure Rust; the database is reached only through `Catalog`.

pub mod apps;
pub mod errors;
pub mod gocompat;
pub mod gotime;
pub mod keys;
pub mod parse;
pub mod tokenize;

pub use errors::Validation;
pub use keys::{Dialect, Key, Kind, Log, Pred, KEYS};
pub use parse::{parse, parse_in, Catalog, Cmp, Filter, Limits, ParseError, Term, Value};
