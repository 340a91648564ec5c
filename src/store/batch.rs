//! Planning one sealing batch, with no IO: which events are duplicates, the sealed
//! records in order, the new Merkle frontier, and whether a checkpoint is due. The
//! engine modules run this inside their single-writer transaction.
//!
//! The cached frontier (`tree_state`) is not trusted: it is kept at the size of the
//! newest signed checkpoint and must reproduce that checkpoint's root, or it is
//! rebuilt from the records' hashes, which must reproduce it in turn. A checkpoint is
//! never signed over a root the ledger does not reproduce, and never for an origin
//! other than the one the last checkpoint was signed for.

use super::{signed_at_ms, StoreError};
use crate::event::{Event, Timestamp};
use crate::ledger::checkpoint::Checkpoint;
use crate::ledger::merkle::{Frontier, Hash};
use crate::ledger::note::{self, NoteSigner};
use crate::ledger::seal::{seal, ChainHead, SealedRecord};
use std::collections::HashSet;

/// Sign a checkpoint at every tree size that is a multiple of this, even inside one
/// batch (ingest seals 5,000 at a time)…
pub const CHECKPOINT_EVERY: u64 = 1000;
/// …or this often while records arrive.
pub const CHECKPOINT_MAX_AGE_MS: i64 = 60_000;

/// The ledger's tip as read inside the write transaction.
#[derive(Debug, Clone)]
pub struct TipState {
    pub head: ChainHead,
    pub frontier: Frontier,
    /// Size and signing time (ms) of the latest checkpoint.
    pub last_checkpoint: Option<(u64, i64)>,
    /// The frontier at the latest checkpoint's size (checked against its root): what
    /// `tree_state` keeps until the next checkpoint.
    pub checkpointed: Frontier,
}

/// A duplicate: the index of the event in the batch, its id, and the event itself (so
/// the caller can tell an identical re-send from a conflicting body).
#[derive(Debug, Clone, PartialEq)]
pub struct Duplicate {
    pub index: usize,
    pub event_id: String,
    pub event: Event,
}

#[derive(Debug)]
pub struct BatchPlan {
    /// Sealed records with the index each event had in the batch.
    pub sealed: Vec<(usize, SealedRecord)>,
    pub duplicates: Vec<Duplicate>,
    /// The frontier to cache in `tree_state`: at the newest checkpoint's size.
    pub frontier: Frontier,
    /// Records in the ledger after this batch.
    pub size: u64,
    /// `(tree_size, signed note)` of the checkpoints due, oldest first.
    pub checkpoints: Vec<(u64, String)>,
}

pub struct PlanInput<'a> {
    pub origin: &'a str,
    pub signer: &'a NoteSigner,
    pub now: Timestamp,
    /// Sign even if the cadence does not require it (end of an ingest run).
    pub force_checkpoint: bool,
}

pub fn plan_batch(
    events: Vec<Event>,
    existing: &HashSet<String>,
    tip: TipState,
    input: &PlanInput<'_>,
) -> Result<BatchPlan, crate::ledger::note::NoteError> {
    let (fresh, duplicates) = split_duplicates(events, existing);
    let mut planner = Planner::new(tip, input.origin, input.now);
    let sealed = planner.seal(fresh);
    let size = planner.frontier.size();
    let (frontier, checkpoints) = planner.finish(input.signer, input.force_checkpoint)?;
    Ok(BatchPlan {
        sealed,
        duplicates,
        frontier,
        size,
        checkpoints,
    })
}

/// Sets apart the events whose id is already stored or repeats an earlier one in the
/// batch; the rest keep their index in the batch, in order.
pub fn split_duplicates(
    events: Vec<Event>,
    existing: &HashSet<String>,
) -> (Vec<(usize, Event)>, Vec<Duplicate>) {
    let mut seen: HashSet<String> = HashSet::with_capacity(events.len());
    let mut fresh = Vec::with_capacity(events.len());
    let mut duplicates = Vec::new();
    for (index, event) in events.into_iter().enumerate() {
        if existing.contains(&event.event_id) || !seen.insert(event.event_id.clone()) {
            duplicates.push(Duplicate {
                index,
                event_id: event.event_id.clone(),
                event,
            });
        } else {
            fresh.push((index, event));
        }
    }
    (fresh, duplicates)
}

/// Seals one batch a slice at a time, so that an engine can write a sealed slice
/// while the next one is sealed. Owns everything it needs, so a slice can be sealed
/// on another thread.
#[derive(Debug)]
pub struct Planner {
    origin: String,
    now: Timestamp,
    head: ChainHead,
    frontier: Frontier,
    last_checkpoint: Option<(u64, i64)>,
    /// `(size, root)` at each multiple of `CHECKPOINT_EVERY` reached in this batch.
    boundaries: Vec<(u64, Hash)>,
    /// The frontier at the newest checkpoint's size (signed before, or due in this batch).
    checkpointed: Frontier,
}

impl Planner {
    pub fn new(tip: TipState, origin: &str, now: Timestamp) -> Self {
        Planner {
            origin: origin.to_string(),
            now,
            head: tip.head,
            frontier: tip.frontier,
            last_checkpoint: tip.last_checkpoint,
            boundaries: Vec::new(),
            checkpointed: tip.checkpointed,
        }
    }

    /// Seals the next events of the batch (duplicates already set apart), in order.
    pub fn seal(&mut self, events: Vec<(usize, Event)>) -> Vec<(usize, SealedRecord)> {
        events
            .into_iter()
            .map(|(index, event)| {
                let record = seal(event, &mut self.head, &self.origin, self.now);
                self.frontier.push(record.hash);
                let size = self.frontier.size();
                if size.is_multiple_of(CHECKPOINT_EVERY) {
                    self.boundaries.push((size, self.frontier.root()));
                    self.checkpointed = self.frontier.clone();
                }
                (index, record)
            })
            .collect()
    }

    /// The frontier to cache (at the newest checkpoint's size), and the signed checkpoints due: one at each multiple of
    /// `CHECKPOINT_EVERY` the batch reached, and one at its end when forced, when
    /// `CHECKPOINT_EVERY` records are unsigned, or when the last is `CHECKPOINT_MAX_AGE_MS`
    /// old. Signing costs microseconds; the roots at the boundaries were taken as the
    /// records were sealed.
    #[allow(clippy::type_complexity)]
    pub fn finish(
        self,
        signer: &NoteSigner,
        force_checkpoint: bool,
    ) -> Result<(Frontier, Vec<(u64, String)>), crate::ledger::note::NoteError> {
        let size = self.frontier.size();
        let (last_size, last_ms) = match self.boundaries.last() {
            Some((at, _)) => (*at, self.now.millis()),
            None => self.last_checkpoint.unwrap_or((0, i64::MIN / 2)),
        };
        let grown = size > last_size;
        let due = grown
            && (force_checkpoint
                || size - last_size >= CHECKPOINT_EVERY
                || self.now.millis() - last_ms >= CHECKPOINT_MAX_AGE_MS);
        let mut roots = self.boundaries;
        if due {
            roots.push((size, self.frontier.root()));
        }
        let checkpoints = roots
            .into_iter()
            .map(|(size, root)| {
                let body = Checkpoint {
                    origin: self.origin.clone(),
                    size,
                    root,
                }
                .body();
                signer.sign(&body).map(|note| (size, note))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let cached = if due {
            self.frontier
        } else {
            self.checkpointed
        };
        Ok((cached, checkpoints))
    }
}

/// The rows a `TipState` is read from, as both engines select them inside the
/// sealing transaction.
pub struct TipRows {
    /// `(seq, hash)` of the newest record.
    pub head: Option<(i64, String)>,
    /// `(size, frontier)` from `tree_state`.
    pub cached: Option<(i64, String)>,
    /// `(tree_size, signed_at, note)` of the newest checkpoint.
    pub last_checkpoint: Option<(i64, String, String)>,
}

impl TipRows {
    /// The head of the chain.
    pub fn head(&self) -> Result<ChainHead, StoreError> {
        Ok(match &self.head {
            Some((seq, hash)) => ChainHead {
                seq: *seq as u64,
                hash: decode_hash(hash)?,
            },
            None => ChainHead::genesis(),
        })
    }

    /// The newest checkpoint's size and root, read from its note (not its columns),
    /// after checking that it was signed for `origin` and that its `tree_size` column
    /// is the note's size.
    fn signed(&self, origin: &str) -> Result<Option<(u64, Hash)>, StoreError> {
        let Some((column, _, text)) = &self.last_checkpoint else {
            return Ok(None);
        };
        let unreadable = |e: String| {
            StoreError::RefuseToSign(format!("the newest stored checkpoint is unreadable ({e})"))
        };
        let opened = note::open(text, &[]).map_err(|e| unreadable(e.to_string()))?;
        let cp = Checkpoint::parse(&opened.body).map_err(|e| unreadable(e.to_string()))?;
        if cp.origin != origin {
            return Err(StoreError::OriginChanged {
                stored: origin.to_string(),
                signed: cp.origin,
            });
        }
        if *column != cp.size as i64 {
            return Err(StoreError::RefuseToSign(format!(
                "the newest stored checkpoint's tree_size column says {column} but its note says {}",
                cp.size
            )));
        }
        Ok(Some((cp.size, cp.root)))
    }

    /// The cached frontier, when it decodes, agrees with its size column and
    /// reproduces the newest checkpoint's root at its size: where the hashes read for
    /// the tip may start. `None` means read them all.
    pub fn trusted_start(&self, origin: &str) -> Result<Option<Frontier>, StoreError> {
        let signed = self.signed(origin)?;
        let Some((size, text)) = self.cached.as_ref() else {
            return Ok(None);
        };
        let Some(cached) = Frontier::decode(text)
            .ok()
            .filter(|f| f.size() == *size as u64)
        else {
            return Ok(None);
        };
        Ok(match signed {
            Some((signed_size, root)) => {
                (cached.size() == signed_size && cached.root() == root).then_some(cached)
            }
            None => (cached.size() == 0).then_some(cached),
        })
    }

    /// The tip: `start` (from `trusted_start`) extended by the stored hashes of the
    /// records after it, oldest first. Refuses when the records do not end at the
    /// head or do not reproduce the newest signed root.
    pub fn tip(
        self,
        origin: &str,
        start: Option<Frontier>,
        hashes_after: &[String],
    ) -> Result<TipState, StoreError> {
        let head = self.head()?;
        let signed = self.signed(origin)?;
        let signed_size = signed.map_or(0, |(size, _)| size);
        let mut frontier = start.unwrap_or_default();
        let mut checkpointed = (frontier.size() == signed_size).then(|| frontier.clone());
        for h in hashes_after {
            frontier.push(decode_hash(h)?);
            if frontier.size() == signed_size {
                checkpointed = Some(frontier.clone());
            }
        }
        let checkpointed = match (checkpointed, signed) {
            (Some(f), Some((size, root))) if f.root() != root => {
                return Err(StoreError::RefuseToSign(format!(
                    "the stored records do not reproduce the signed checkpoint at size {size}"
                )))
            }
            (Some(f), _) => f,
            (None, _) => {
                return Err(StoreError::RefuseToSign(format!(
                    "the ledger holds {} records, fewer than its newest checkpoint's {signed_size}",
                    frontier.size()
                )))
            }
        };
        if frontier.size() != head.seq {
            return Err(StoreError::RefuseToSign(format!(
                "the ledger holds {} records but its head is seq {}",
                frontier.size(),
                head.seq
            )));
        }
        Ok(TipState {
            head,
            frontier,
            last_checkpoint: self
                .last_checkpoint
                .map(|(size, at, _)| (size as u64, signed_at_ms(&at))),
            checkpointed,
        })
    }
}

/// A leaf hash as stored: 64 hex digits.
pub fn decode_hash(text: &str) -> Result<Hash, StoreError> {
    let mut h = [0u8; 32];
    hex::decode_to_slice(text, &mut h)
        .map_err(|_| StoreError::Corrupt(format!("stored hash `{text}` is not 64 hex digits")))?;
    Ok(h)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::event::parse_line;

    fn events(n: usize) -> Vec<(usize, Event)> {
        (0..n)
            .map(|i| {
                let line = format!(
                    r#"{{"event_id":"e-{i}","time":"2026-11-23T01:00:00Z","kind":"ai.action"}}"#
                );
                (i, parse_line(line.as_bytes()).unwrap())
            })
            .collect()
    }

    fn planner(size: u64, last_checkpoint: Option<(u64, i64)>, now: Timestamp) -> Planner {
        let mut planner = Planner::new(
            TipState {
                head: ChainHead::genesis(),
                frontier: Frontier::new(),
                last_checkpoint,
                checkpointed: Frontier::new(),
            },
            "test/log",
            now,
        );
        planner.seal(events(size as usize));
        planner.boundaries.clear();
        planner.last_checkpoint = last_checkpoint;
        planner
    }

    fn sizes(checkpoints: &[(u64, String)]) -> Vec<u64> {
        checkpoints.iter().map(|(size, _)| *size).collect()
    }

    #[test]
    fn a_batch_signs_a_checkpoint_at_every_thousand_it_crosses() {
        let signer = NoteSigner::from_seed("test", [3; 32]).unwrap();
        let now = Timestamp::now();
        let mut p = planner(0, None, now);
        p.seal(events(2_500));
        let (_, checkpoints) = p.finish(&signer, false).unwrap();
        assert_eq!(sizes(&checkpoints), [1000, 2000]);
    }

    #[test]
    fn the_end_of_an_ingest_is_signed_after_the_boundaries() {
        let signer = NoteSigner::from_seed("test", [3; 32]).unwrap();
        let now = Timestamp::now();
        let mut p = planner(900, Some((900, now.millis())), now);
        p.seal(events(1_200).into_iter().skip(900).collect());
        let (_, checkpoints) = p.finish(&signer, true).unwrap();
        assert_eq!(sizes(&checkpoints), [1000, 1200]);
    }

    #[test]
    fn a_boundary_checkpoint_signs_the_root_at_its_own_size() {
        let signer = NoteSigner::from_seed("test", [3; 32]).unwrap();
        let now = Timestamp::now();
        let mut whole = planner(0, None, now);
        whole.seal(events(1_000));
        let root_at_1000 = whole.frontier.root();
        let mut p = planner(0, None, now);
        p.seal(events(1_700));
        let (_, checkpoints) = p.finish(&signer, false).unwrap();
        let body = Checkpoint {
            origin: "test/log".into(),
            size: 1000,
            root: root_at_1000,
        }
        .body();
        assert!(checkpoints[0].1.starts_with(&body), "{}", checkpoints[0].1);
    }
}
