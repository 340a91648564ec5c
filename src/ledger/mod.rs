//! The ledger: how a record becomes tamper-evident. Canonical bytes (RFC 8785),
//! leaf hashes and the Merkle tree (RFC 9162), signed checkpoints (C2SP), and the
//! pure verification logic. Nothing here knows about SQL or terminals.

pub mod checkpoint;
pub mod columns;
pub mod jcs;
pub mod keyfile;
pub mod merkle;
pub mod note;
pub mod seal;
pub mod verify;
