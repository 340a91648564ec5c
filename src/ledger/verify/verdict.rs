//! The verdicts `verify` can reach: each names one problem and the first `seq` it
//! involves, with a short stable class for scripts and a sentence for people. Nothing
//! here looks at rows; `inspect` and `chain` decide which verdicts apply.

use std::fmt;

/// Where a checkpoint being checked came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckpointSource {
    /// The store's own checkpoints table.
    Store,
    /// An anchor file kept outside the database.
    Anchor,
}

impl fmt::Display for CheckpointSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CheckpointSource::Store => "stored",
            CheckpointSource::Anchor => "anchored",
        })
    }
}

/// How a link in the chain was broken, judged from the `seq` each record was sealed with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChainBreak {
    /// Records are missing: a gap in `seq`, or later records renumbered down.
    Deleted,
    /// Extra records appear: later records sit one or more places above where they were sealed.
    Inserted,
    /// Records sit in a different order than they were sealed in.
    Reordered,
    /// A record does not follow its predecessor: one of them was rewritten or forged.
    Rewritten,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// The record's bytes no longer match its hash, are not canonical, or disagree with
    /// the indexed columns the console filters on.
    ModifiedRecord { seq: u64, detail: String },
    /// `prev_hash` does not match the previous record, for the rows `seq..=last`.
    BrokenChain {
        seq: u64,
        last: u64,
        cause: ChainBreak,
    },
    /// `seq` values `from..=to` are missing.
    Gap { from: u64, to: u64 },
    /// A checkpoint covers more records than the ledger has.
    Truncated {
        ledger_size: u64,
        checkpoint_size: u64,
        source: CheckpointSource,
    },
    /// The Merkle root at a checkpoint's size differs from the signed one.
    Fork {
        first_seq: u64,
        checkpoint_size: u64,
        source: CheckpointSource,
    },
    /// A checkpoint whose signature does not verify.
    BadSignature {
        checkpoint_size: u64,
        signer: String,
        source: CheckpointSource,
    },
    /// A checkpoint signed only by keys we do not know.
    UnknownKey {
        checkpoint_size: u64,
        signer: String,
        source: CheckpointSource,
    },
    /// A checkpoint that cannot be read, or is for another log.
    BadCheckpoint {
        detail: String,
        source: CheckpointSource,
    },
    /// A column stored beside a signed checkpoint (`tree_size`, `signed_at`) disagrees
    /// with the note or with the records it covers.
    EditedCheckpoint {
        checkpoint_size: u64,
        detail: String,
    },
    /// The store's recorded origin is not the one its records were sealed for: one
    /// finding, rather than every record reported as sealed for another log.
    OriginChanged { stored: String, sealed: String },
    /// The engine's own consistency check (`verify --deep`) failed.
    Integrity { detail: String },
}

impl Verdict {
    /// The first `seq` the problem involves (0 when no record is involved).
    pub fn first_seq(&self) -> u64 {
        match self {
            Verdict::ModifiedRecord { seq, .. } | Verdict::BrokenChain { seq, .. } => *seq,
            Verdict::Gap { from, .. } => *from,
            Verdict::Truncated { ledger_size, .. } => ledger_size + 1,
            Verdict::Fork { first_seq, .. } => *first_seq,
            Verdict::BadSignature {
                checkpoint_size, ..
            }
            | Verdict::UnknownKey {
                checkpoint_size, ..
            }
            | Verdict::EditedCheckpoint {
                checkpoint_size, ..
            } => *checkpoint_size,
            Verdict::BadCheckpoint { .. }
            | Verdict::OriginChanged { .. }
            | Verdict::Integrity { .. } => 0,
        }
    }

    /// Whether the verdict is about checkpoints (or other state beside the records)
    /// rather than the records themselves.
    pub fn is_checkpoint_level(&self) -> bool {
        !matches!(
            self,
            Verdict::ModifiedRecord { .. } | Verdict::BrokenChain { .. } | Verdict::Gap { .. }
        )
    }

    /// A short stable name for scripts and tests.
    pub fn class(&self) -> &'static str {
        match self {
            Verdict::ModifiedRecord { .. } => "modified",
            Verdict::BrokenChain {
                cause: ChainBreak::Deleted,
                ..
            } => "deleted",
            Verdict::BrokenChain {
                cause: ChainBreak::Inserted,
                ..
            } => "inserted",
            Verdict::BrokenChain {
                cause: ChainBreak::Reordered,
                ..
            } => "reordered",
            Verdict::BrokenChain {
                cause: ChainBreak::Rewritten,
                ..
            } => "broken-chain",
            Verdict::Gap { .. } => "gap",
            Verdict::Truncated { .. } => "truncated",
            Verdict::Fork { .. } => "fork",
            Verdict::BadSignature { .. } => "bad-signature",
            Verdict::UnknownKey { .. } => "unknown-key",
            Verdict::BadCheckpoint { .. } => "bad-checkpoint",
            Verdict::EditedCheckpoint { .. } => "edited-checkpoint",
            Verdict::OriginChanged { .. } => "origin-changed",
            Verdict::Integrity { .. } => "integrity",
        }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Verdict::ModifiedRecord { seq, detail } => write!(f, "modified record at seq {seq}: {detail}"),
            Verdict::BrokenChain { seq, last, cause } => {
                let rows = if seq == last { format!("seq {seq}") } else { format!("seq {seq}–{last}") };
                let why = match cause {
                    ChainBreak::Deleted => "records were deleted",
                    ChainBreak::Inserted => "a record was inserted",
                    ChainBreak::Reordered => "records were reordered",
                    ChainBreak::Rewritten => "a record does not follow its predecessor (rewritten or forged)",
                };
                write!(f, "broken chain at {rows}: {why}")
            }
            Verdict::Gap { from, to } if from == to => write!(f, "gap in seq: {from} is missing"),
            Verdict::Gap { from, to } => write!(f, "gap in seq: {from}–{to} are missing"),
            Verdict::Truncated { ledger_size, checkpoint_size, source } => write!(
                f,
                "truncated: a {source} checkpoint covers {checkpoint_size} records but the ledger ends at seq {ledger_size}; seq {} onward are gone",
                ledger_size + 1
            ),
            Verdict::Fork { first_seq, checkpoint_size, source } => write!(
                f,
                "fork: the Merkle root at size {checkpoint_size} differs from the {source} checkpoint; records from seq {first_seq} to {checkpoint_size} were rewritten"
            ),
            Verdict::BadSignature { checkpoint_size, signer, source } => write!(
                f,
                "bad signature: {source} checkpoint at size {checkpoint_size} claims to be signed by {signer} but the signature does not verify"
            ),
            Verdict::UnknownKey { checkpoint_size, signer, source } => write!(
                f,
                "unknown key: {source} checkpoint at size {checkpoint_size} is signed only by {signer}, which is not a trusted key"
            ),
            Verdict::BadCheckpoint { detail, source } => write!(f, "bad {source} checkpoint: {detail}"),
            Verdict::EditedCheckpoint { checkpoint_size, detail } => write!(
                f,
                "edited checkpoint: the stored checkpoint at size {checkpoint_size}: {detail}"
            ),
            Verdict::OriginChanged { stored, sealed } => write!(
                f,
                "origin changed: the store names its log `{stored}`, but its records were sealed for `{sealed}` (checked against `{sealed}`)"
            ),
            Verdict::Integrity { detail } => write!(f, "integrity: {detail}"),
        }
    }
}
