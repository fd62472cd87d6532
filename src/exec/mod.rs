//! Execution: read-only statements with native-typed parameters (`spi`), a page statement and its details
//! into rows (`page`), and jsonb both ways (`jsonb`).

// Stored rows reach this code: nothing in it may panic on any value (see tests/README.md, "Guarantees"). Where an
// index, slice or unwrap is provably in range, the line says why in a comment and allows it.
#![cfg_attr(
    not(test),
    deny(
        clippy::indexing_slicing,
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::string_slice,
        clippy::panic,
        clippy::unreachable
    )
)]

pub mod jsonb;
pub mod page;
pub mod spi;

/// pgrx's uuid → the `uuid` crate's, and back.
pub fn to_uuid(u: pgrx::Uuid) -> uuid::Uuid {
    uuid::Uuid::from_bytes(*u.as_bytes())
}

pub fn from_uuid(u: uuid::Uuid) -> pgrx::Uuid {
    pgrx::Uuid::from_bytes(*u.as_bytes())
}
