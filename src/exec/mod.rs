//! The database side: catalog look-ups and read-only statements.

pub mod catalog;
pub mod jsonb;
pub mod page;
pub mod resolve;
pub mod spi;

/// pgrx's uuid → the `uuid` crate's, and back.
pub fn to_uuid(u: pgrx::Uuid) -> uuid::Uuid {
    uuid::Uuid::from_bytes(*u.as_bytes())
}

pub fn from_uuid(u: uuid::Uuid) -> pgrx::Uuid {
    pgrx::Uuid::from_bytes(*u.as_bytes())
}
