//! The ledger: how a record becomes tamper-evident. Canonical bytes (RFC 8785),
//! leaf hashes and the Merkle tree (RFC 9162), signed checkpoints (C2SP), and the
//! pure verification logic. Nothing here knows about SQL or terminals, and nothing here
//! reads files (the key file is `config::keyfile`).

pub mod checkpoint;
pub mod columns;
pub mod jcs;
pub mod merkle;
pub mod note;
pub mod seal;
pub mod verify;
