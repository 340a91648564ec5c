//! Planning one sealing batch, with no IO: which events are duplicates, the sealed
//! records in order, the new Merkle frontier, and whether a checkpoint is due. The
//! engine modules run this inside their single-writer transaction.

use super::{signed_at_ms, StoreError};
use crate::event::{Event, Timestamp};
use crate::ledger::checkpoint::Checkpoint;
use crate::ledger::merkle::{Frontier, Hash};
use crate::ledger::note::NoteSigner;
use crate::ledger::seal::{seal, ChainHead, SealedRecord};
use std::collections::HashSet;

/// Sign at least every this many records…
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
    pub frontier: Frontier,
    /// `(tree_size, signed note)` when a checkpoint is due.
    pub checkpoint: Option<(u64, String)>,
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
    let (frontier, checkpoint) = planner.finish(input.signer, input.force_checkpoint)?;
    Ok(BatchPlan {
        sealed,
        duplicates,
        frontier,
        checkpoint,
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
}

impl Planner {
    pub fn new(tip: TipState, origin: &str, now: Timestamp) -> Self {
        Planner {
            origin: origin.to_string(),
            now,
            head: tip.head,
            frontier: tip.frontier,
            last_checkpoint: tip.last_checkpoint,
        }
    }

    /// Seals the next events of the batch (duplicates already set apart), in order.
    pub fn seal(&mut self, events: Vec<(usize, Event)>) -> Vec<(usize, SealedRecord)> {
        events
            .into_iter()
            .map(|(index, event)| {
                let record = seal(event, &mut self.head, &self.origin, self.now);
                self.frontier.push(record.hash);
                (index, record)
            })
            .collect()
    }

    /// The new frontier, and the signed checkpoint when one is due.
    #[allow(clippy::type_complexity)]
    pub fn finish(
        self,
        signer: &NoteSigner,
        force_checkpoint: bool,
    ) -> Result<(Frontier, Option<(u64, String)>), crate::ledger::note::NoteError> {
        let size = self.frontier.size();
        let (last_size, last_ms) = self.last_checkpoint.unwrap_or((0, i64::MIN / 2));
        let grown = size > last_size;
        let due = grown
            && (force_checkpoint
                || size - last_size >= CHECKPOINT_EVERY
                || self.now.millis() - last_ms >= CHECKPOINT_MAX_AGE_MS);
        let checkpoint = if due {
            let body = Checkpoint {
                origin: self.origin,
                size,
                root: self.frontier.root(),
            }
            .body();
            Some((size, signer.sign(&body)?))
        } else {
            None
        };
        Ok((self.frontier, checkpoint))
    }
}

/// The rows a `TipState` is read from, as both engines select them inside the
/// sealing transaction.
pub struct TipRows {
    /// `(seq, hash)` of the newest record.
    pub head: Option<(i64, String)>,
    /// `(size, frontier)` from `tree_state`.
    pub cached: Option<(i64, String)>,
    /// `(tree_size, signed_at)` of the newest checkpoint.
    pub last_checkpoint: Option<(i64, String)>,
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

    /// The cached frontier when it decodes, agrees with its size column and ends at
    /// `head`; `None` means rebuild it from the records' hashes.
    pub fn cached_frontier(&self, head: &ChainHead) -> Option<Frontier> {
        let (size, text) = self.cached.as_ref()?;
        Frontier::decode(text)
            .ok()
            .filter(|f| f.size() == *size as u64 && f.size() == head.seq)
    }

    /// The tip, given the head and the frontier settled from these rows.
    pub fn tip(self, head: ChainHead, frontier: Frontier) -> TipState {
        TipState {
            head,
            frontier,
            last_checkpoint: self
                .last_checkpoint
                .map(|(size, at)| (size as u64, signed_at_ms(&at))),
        }
    }
}

/// A leaf hash as stored: 64 hex digits.
pub fn decode_hash(text: &str) -> Result<Hash, StoreError> {
    let mut h = [0u8; 32];
    hex::decode_to_slice(text, &mut h)
        .map_err(|_| StoreError::Corrupt(format!("stored hash `{text}` is not 64 hex digits")))?;
    Ok(h)
}

/// Rebuilds a frontier from the records' stored hashes, oldest first, for when the
/// cached one is missing or stale.
pub fn frontier_of<S: AsRef<str>>(hashes: &[S]) -> Result<Frontier, StoreError> {
    let mut f = Frontier::new();
    for h in hashes {
        f.push(decode_hash(h.as_ref())?);
    }
    Ok(f)
}
