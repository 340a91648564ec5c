//! Verification: recomputes every hash, link and Merkle root from the stored rows and
//! says what is wrong, each problem as its own verdict naming the first `seq` involved.
//! Pure: the caller streams rows in `seq` order from whatever store it has.
//!
//! - `verdict`: what can be wrong, as values with a stable class.
//! - `inspect`: row-local work (hashes, canonical form, columns), independent per row
//!   so callers may run it on several cores.
//! - `claims`: what the walk must confirm (signed checkpoints, the frontier cache,
//!   the origin the store names).
//! - `chain`: the sequential walk (`ChainChecker`): links, gaps, roots at claimed sizes.
//! - `anchor`: reading an anchor file, or saying why it cannot be checked against.
//!
//! It never reads a store or a file; the store's row types implement [`SealedRow`].

mod anchor;
mod chain;
mod claims;
mod inspect;
mod verdict;

#[cfg(test)]
mod tests;

pub use anchor::{anchored_checkpoints, AnchorError};
pub use chain::{ChainChecker, Report};
pub use claims::ClaimedCheckpoint;
pub use inspect::{inspect, sealed_origin, RecordFacts, RecordedAt, SealedLink, SealedRow};
pub use verdict::{ChainBreak, CheckpointSource, Verdict};
