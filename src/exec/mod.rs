//! The database side: catalog look-ups and read-only statements.

pub mod catalog;
pub mod resolve;
