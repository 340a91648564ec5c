//! Evidence bundles: a piece of the ledger that proves itself offline. The C2SP
//! `tlog-proof@v1` text of each inclusion proof, the manifest (RFC 8785) that lists
//! the entries and the SHA-256 of every file, the Merkle levels that make many proofs
//! against one checkpoint cheap, and the pure check of a bundle given its files.
//!
//! Pure domain code: it never reads a store, a file or a terminal. The edge
//! (`crate::bundle`) reads the store, writes and reads bundle files, and prints.

pub mod build;
pub mod check;
#[cfg(test)]
mod check_tests;
pub mod manifest;
pub mod tlog_proof;
pub mod tree;
