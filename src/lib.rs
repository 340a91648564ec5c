//! custody: a tamper-evident audit store for the actions AI agents take on real
//! systems, and the pieces the console and command line are built from.
//!
//! The layout follows the data flow: `event` (what a producer sends) → `ledger`
//! (sealing, hashing, Merkle tree, signed checkpoints, verification) → `store`
//! (SQLite / PostgreSQL through sqlx) → `ingest` and `cli` at the edges. The domain
//! modules (`event`, `ledger`) never touch a terminal or SQL.

pub mod cli;
pub mod config;
pub mod console;
pub mod demo;
pub mod event;
pub mod exec;
pub mod incident;
pub mod ingest;
pub mod ledger;
pub mod playbook;
pub mod query;
pub mod respond;
pub mod store;
pub mod store_verify;
pub mod timing;
pub mod untrusted;
