//! The database as oracle: what Coder's schema holds (`catalog`: the schema profile, enum labels, organizations
//! by name) and names → ids (`resolve`). Everything the statements are written from; nothing here runs a
//! filter's statement.

pub mod catalog;
pub mod resolve;
