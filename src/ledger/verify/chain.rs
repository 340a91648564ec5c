//! The chain walk: rows' facts arrive in `seq` order and the walk checks what no row can
//! check alone: links, gaps, `seq` shifts, and the Merkle root at every size a checkpoint
//! or the frontier cache claims. Sequential and cheap; the hashing is done before, in
//! `inspect`. What the claims are and how they are admitted is `claims`.

use super::claims::{Claim, ClaimKind};
use super::inspect::{RecordFacts, SealedLink};
use super::verdict::{ChainBreak, Verdict};
use crate::event::Timestamp;
use crate::ledger::merkle::{Frontier, Hash};
use crate::ledger::seal::GENESIS_PREV;
use std::collections::BTreeMap;

/// How far a checkpoint's `signed_at` may precede the record it covers: a sealer takes
/// its time before waiting for the writer lock, so with concurrent writers a checkpoint
/// can carry a time a little earlier than records another writer sealed meanwhile.
const SIGNED_AT_SLACK_MS: i64 = 5 * 60 * 1000;

/// An open run of consecutive broken links.
#[derive(Debug, Clone)]
struct BreakRun {
    first: u64,
    last: u64,
    after_gap: Option<u64>,
    saw_offset: bool,
    /// The sealed seq of the first row found above its sealed place: where an
    /// inserted record went.
    shifted_from: Option<u64>,
}

/// The summary of a finished walk.
#[derive(Debug, Clone, Default)]
pub struct Report {
    pub records: u64,
    pub head_seq: u64,
    pub head_hash: Option<Hash>,
    pub root: Option<Hash>,
    pub checkpoints_checked: usize,
    pub anchored_checked: usize,
    /// Largest tree size covered by a valid signed checkpoint that matched.
    pub signed_size: u64,
    pub verdicts: Vec<Verdict>,
    /// Problems beside the ledger that are not tampering with it: a cached Merkle
    /// frontier that disagrees with the records (sealing rebuilds it before signing).
    pub warnings: Vec<String>,
}

impl Report {
    pub fn intact(&self) -> bool {
        self.verdicts.is_empty()
    }
}

/// Walks the rows in order: links, gaps, seq shifts, and Merkle roots at checkpoint sizes.
pub struct ChainChecker {
    /// The log the records were sealed for.
    pub(super) origin: String,
    expected: u64,
    prev: Hash,
    offset: i64,
    frontier: Frontier,
    run: Option<BreakRun>,
    pub(super) claims: BTreeMap<u64, Vec<Claim>>,
    last_good_size: u64,
    pub(super) report: Report,
}

impl ChainChecker {
    /// A walk of the log sealed for `origin`, with nothing claimed yet (see `admit`).
    pub fn empty(origin: &str) -> Self {
        ChainChecker {
            origin: origin.to_string(),
            expected: 1,
            prev: GENESIS_PREV,
            offset: 0,
            frontier: Frontier::new(),
            run: None,
            claims: BTreeMap::new(),
            last_good_size: 0,
            report: Report::default(),
        }
    }

    /// The log the records are checked against: what `inspect` needs as its origin.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// Feeds the next row's facts, in `seq` order.
    pub fn absorb(&mut self, facts: &RecordFacts) {
        let row = facts.row_seq;
        self.report.records += 1;
        let gap = (row > self.expected).then_some(self.expected);
        if let Some(from) = gap {
            self.report
                .verdicts
                .push(Verdict::Gap { from, to: row - 1 });
        }
        if let Some(problem) = &facts.problem {
            self.report.verdicts.push(Verdict::ModifiedRecord {
                seq: row,
                detail: problem.clone(),
            });
        }
        let stored = facts.stored_hash.unwrap_or([0u8; 32]);
        // A record too damaged to read its `prev_hash` is already a modified record;
        // its link is unknown rather than broken.
        // Only the exact lowercase hex `seal` writes links.
        let linked = match facts.prev_hash {
            None => true,
            Some(SealedLink::Hash(h)) => h == self.prev,
            Some(SealedLink::Other) => false,
        };
        let offset = facts.sealed_seq.map_or(0, |s| row as i64 - s as i64);
        if linked && gap.is_none() {
            self.close_run(offset);
        } else if !linked {
            match &mut self.run {
                Some(run) => {
                    run.last = row;
                    run.saw_offset |= offset != 0;
                }
                None => {
                    self.run = Some(BreakRun {
                        first: row,
                        last: row,
                        after_gap: gap,
                        saw_offset: offset != 0,
                        shifted_from: None,
                    })
                }
            }
        }
        if let Some(run) = &mut self.run {
            if offset > 0 && run.shifted_from.is_none() {
                run.shifted_from = facts.sealed_seq;
            }
        }
        self.offset = offset;
        self.expected = row + 1;
        self.prev = stored;
        self.frontier.push(stored);
        self.report.head_seq = row;
        self.report.head_hash = Some(stored);
        self.check_claims_at(row, facts);
    }

    fn close_run(&mut self, offset_after: i64) {
        let Some(run) = self.run.take() else { return };
        let (seq, cause) = if let Some(from) = run.after_gap {
            (from, ChainBreak::Deleted)
        } else if offset_after > 0 {
            // Rows after the break sit above where they were sealed: records were slipped
            // in at the place the first shifted row was sealed at.
            (run.shifted_from.unwrap_or(run.first), ChainBreak::Inserted)
        } else if offset_after < 0 {
            (run.first, ChainBreak::Deleted)
        } else if run.saw_offset {
            (run.first, ChainBreak::Reordered)
        } else {
            (run.first, ChainBreak::Rewritten)
        };
        self.report.verdicts.push(Verdict::BrokenChain {
            seq,
            last: run.last,
            cause,
        });
    }

    /// Checks what is claimed at this size against the tree so far and the record at it.
    fn check_claims_at(&mut self, size: u64, facts: &RecordFacts) {
        let Some(claims) = self.claims.remove(&size) else {
            return;
        };
        let root = self.frontier.root();
        let mut all_good = true;
        let mut signed = false;
        for claim in claims {
            match claim.kind {
                ClaimKind::Checkpoint { source, signed_at } => {
                    signed = true;
                    if claim.root != root {
                        all_good = false;
                        self.report.verdicts.push(Verdict::Fork {
                            first_seq: self.last_good_size + 1,
                            checkpoint_size: size,
                            source,
                        });
                    }
                    // Only the record sealed at this size says when it was recorded;
                    // after a fork the row here may be another.
                    if let Some(signed_at) = signed_at.filter(|_| claim.root == root) {
                        self.check_signed_at(size, &signed_at, facts);
                    }
                }
                ClaimKind::TreeState if claim.root != root => {
                    self.report.warnings.push(format!(
                        "the cached Merkle frontier (tree_state) at size {size} does not reproduce \
                         the records' root there; sealing rebuilds it from the records before signing"
                    ));
                }
                ClaimKind::TreeState => {}
            }
        }
        if signed && all_good {
            self.last_good_size = size;
            self.report.signed_size = size;
        }
    }

    /// A checkpoint is signed in the batch that sealed its last record, or later: a
    /// stored `signed_at` well before that record's `recorded_at` was edited.
    fn check_signed_at(&mut self, size: u64, signed_at: &str, facts: &RecordFacts) {
        let edited = |detail: String| Verdict::EditedCheckpoint {
            checkpoint_size: size,
            detail,
        };
        let Ok(signed) = signed_at.parse::<Timestamp>() else {
            let shown = signed_at.chars().take(60).collect::<String>();
            return self.report.verdicts.push(edited(format!(
                "its `signed_at` column ({shown:?}) is not a time"
            )));
        };
        let recorded = facts
            .recorded_at
            .and_then(|r| r.as_str().parse::<Timestamp>().ok());
        if let Some(recorded) =
            recorded.filter(|r| signed.millis() + SIGNED_AT_SLACK_MS < r.millis())
        {
            self.report.verdicts.push(edited(format!(
                "its `signed_at` column says {} but seq {size}, the last record it covers, was recorded at {}",
                signed.to_rfc3339(),
                recorded.to_rfc3339()
            )));
        }
    }

    pub fn finish(mut self) -> Report {
        let offset = self.offset;
        self.close_run(offset);
        let size = self.frontier.size();
        for (claimed_size, claims) in std::mem::take(&mut self.claims) {
            for claim in claims {
                match claim.kind {
                    ClaimKind::Checkpoint { source, .. } => {
                        self.report.verdicts.push(Verdict::Truncated {
                            ledger_size: size,
                            checkpoint_size: claimed_size,
                            source,
                        })
                    }
                    ClaimKind::TreeState => self.report.warnings.push(format!(
                        "the cached Merkle frontier (tree_state) covers {claimed_size} records, \
                         more than the ledger's {size}"
                    )),
                }
            }
        }
        self.report.root = (size > 0).then(|| self.frontier.root());
        self.narrow_forks();
        self.report
            .verdicts
            .sort_by_key(|v| (v.first_seq(), v.is_checkpoint_level()));
        self.report
    }

    /// A fork only says "something at or below this size changed since it was signed".
    /// When a record-level verdict inside that range already names the change, the
    /// fork starts there rather than at the previous good checkpoint.
    fn narrow_forks(&mut self) {
        let record_seqs: Vec<u64> = self
            .report
            .verdicts
            .iter()
            .filter(|v| !v.is_checkpoint_level())
            .map(Verdict::first_seq)
            .collect();
        for v in &mut self.report.verdicts {
            if let Verdict::Fork {
                first_seq,
                checkpoint_size,
                ..
            } = v
            {
                if let Some(s) = record_seqs
                    .iter()
                    .copied()
                    .filter(|s| *s >= *first_seq && *s <= *checkpoint_size)
                    .min()
                {
                    *first_seq = s;
                }
            }
        }
    }
}
