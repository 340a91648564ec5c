//! The ledger: how a record becomes tamper-evident. Canonical bytes (RFC 8785),
//! leaf hashes and the Merkle tree (RFC 9162), signed checkpoints (C2SP), and the
//! pure verification logic. Nothing here knows about SQL or terminals, and nothing here
//! reads files (the key file is `config::keyfile`).

pub mod checkpoint;
pub mod columns;
pub mod jcs;
pub mod merkle;
#[cfg(test)]
mod merkle_tests;
pub mod note;
#[cfg(test)]
mod note_tests;
pub mod seal;
pub mod verify;
