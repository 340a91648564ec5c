//! What the walk is asked to confirm before it starts: signed checkpoints (from the
//! store, with the columns stored beside them, and from an anchor file), the store's
//! cached Merkle frontier, and the origin the store names. Problems visible without
//! the records (a bad signature, a note for another log, a `tree_size` column that is
//! not the note's size) become verdicts here; the rest waits for the walk to reach the
//! claimed size.

use super::chain::ChainChecker;
use super::verdict::{CheckpointSource, Verdict};
use crate::ledger::checkpoint::Checkpoint;
use crate::ledger::merkle::{Frontier, Hash};
use crate::ledger::note::{self, NoteVerifier, SignatureCheck};

/// A signed checkpoint to check, and the columns a store keeps beside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimedCheckpoint {
    pub note: String,
    pub source: CheckpointSource,
    /// `(tree_size, signed_at)` as stored beside the note; `None` for an anchor.
    pub columns: Option<(u64, String)>,
}

impl ClaimedCheckpoint {
    pub fn anchored(note: &str) -> Self {
        ClaimedCheckpoint {
            note: note.to_string(),
            source: CheckpointSource::Anchor,
            columns: None,
        }
    }

    pub fn stored(note: &str, tree_size: u64, signed_at: &str) -> Self {
        ClaimedCheckpoint {
            note: note.to_string(),
            source: CheckpointSource::Store,
            columns: Some((tree_size, signed_at.to_string())),
        }
    }
}

/// A root claimed at some size, waiting for the walk to reach it.
#[derive(Debug, Clone)]
pub(super) struct Claim {
    pub root: Hash,
    pub kind: ClaimKind,
}

#[derive(Debug, Clone)]
pub(super) enum ClaimKind {
    /// A signed checkpoint; a stored one brings its `signed_at` column.
    Checkpoint {
        source: CheckpointSource,
        signed_at: Option<String>,
    },
    /// The store's cached frontier (`tree_state`).
    TreeState,
}

impl ChainChecker {
    /// `checkpoints` are signed notes with where they came from; `verifiers` are the
    /// trusted keys. Signature and format problems become verdicts right away.
    pub fn new(
        origin: &str,
        checkpoints: &[ClaimedCheckpoint],
        verifiers: &[NoteVerifier],
    ) -> Self {
        let mut checker = ChainChecker::empty(origin);
        for checkpoint in checkpoints {
            checker.admit(checkpoint, verifiers);
        }
        checker
    }

    /// Adds one signed checkpoint to check.
    pub fn admit(&mut self, claimed: &ClaimedCheckpoint, verifiers: &[NoteVerifier]) {
        let source = claimed.source;
        let bad = |detail: String| Verdict::BadCheckpoint { detail, source };
        let opened = match note::open(&claimed.note, verifiers) {
            Ok(o) => o,
            Err(e) => {
                return self
                    .report
                    .verdicts
                    .push(bad(format!("unreadable signed note ({e})")))
            }
        };
        let cp = match Checkpoint::parse(&opened.body) {
            Ok(cp) => cp,
            Err(e) => {
                return self
                    .report
                    .verdicts
                    .push(bad(format!("unreadable checkpoint ({e})")))
            }
        };
        if cp.origin != self.origin {
            return self.report.verdicts.push(bad(format!(
                "checkpoint of size {} is for log `{}`, not `{}`",
                cp.size, cp.origin, self.origin
            )));
        }
        let valid = opened
            .signatures
            .iter()
            .any(|(_, s)| *s == SignatureCheck::Valid);
        if !valid {
            let signer = opened
                .signatures
                .first()
                .map(|(n, _)| n.clone())
                .unwrap_or_else(|| "nobody".into());
            let bad_sig = opened
                .signatures
                .iter()
                .any(|(_, s)| *s == SignatureCheck::BadSignature);
            let size = cp.size;
            self.report.verdicts.push(if bad_sig {
                Verdict::BadSignature {
                    checkpoint_size: size,
                    signer,
                    source,
                }
            } else {
                Verdict::UnknownKey {
                    checkpoint_size: size,
                    signer,
                    source,
                }
            });
            return;
        }
        match source {
            CheckpointSource::Store => self.report.checkpoints_checked += 1,
            CheckpointSource::Anchor => self.report.anchored_checked += 1,
        }
        let mut signed_at = None;
        if let Some((tree_size, at)) = &claimed.columns {
            if *tree_size != cp.size {
                self.report.verdicts.push(Verdict::EditedCheckpoint {
                    checkpoint_size: cp.size,
                    detail: format!(
                        "its `tree_size` column says {tree_size} but the signed note says {}",
                        cp.size
                    ),
                });
            }
            signed_at = Some(at.clone());
        }
        if cp.size == 0 {
            return;
        }
        self.claims.entry(cp.size).or_default().push(Claim {
            root: cp.root,
            kind: ClaimKind::Checkpoint { source, signed_at },
        });
    }

    /// The store's cached Merkle frontier, `(size, encoded frontier)` as stored: it should
    /// reproduce the records' root at its size. A cache that does not is a warning, not
    /// tampering with the ledger: sealing checks it against the newest signed root and
    /// rebuilds it from the records, so it cannot get a wrong root signed.
    pub fn expect_tree_state(&mut self, size: u64, frontier: &str) {
        let wrong = |detail: String| {
            format!("the cached Merkle frontier (tree_state) at size {size} {detail}; sealing rebuilds it")
        };
        let decoded = match Frontier::decode(frontier) {
            Ok(f) => f,
            Err(e) => {
                return self
                    .report
                    .warnings
                    .push(wrong(format!("does not decode ({e})")))
            }
        };
        if decoded.size() != size {
            return self.report.warnings.push(wrong(format!(
                "holds {} leaves, not the {size} its size column says",
                decoded.size()
            )));
        }
        if size == 0 {
            return;
        }
        self.claims.entry(size).or_default().push(Claim {
            root: decoded.root(),
            kind: ClaimKind::TreeState,
        });
    }

    /// The store names its log `stored`, but the records were sealed for the origin this
    /// checker was made with: one finding, and the records are checked against their own.
    pub fn origin_changed(&mut self, stored: &str) {
        if stored != self.origin {
            self.report.verdicts.push(Verdict::OriginChanged {
                stored: stored.to_string(),
                sealed: self.origin.clone(),
            });
        }
    }
}
