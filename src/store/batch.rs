//! Planning one sealing batch, with no IO: which events are duplicates, the sealed
//! records in order, the new Merkle frontier, and whether a checkpoint is due. The
//! engine modules run this inside their single-writer transaction.

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

/// A duplicate: the index of the event in the batch and its id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Duplicate {
    pub index: usize,
    pub event_id: String,
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
    let TipState {
        mut head,
        mut frontier,
        last_checkpoint,
    } = tip;
    let mut seen: HashSet<String> = HashSet::new();
    let mut sealed = Vec::with_capacity(events.len());
    let mut duplicates = Vec::new();
    for (index, event) in events.into_iter().enumerate() {
        if existing.contains(&event.event_id) || !seen.insert(event.event_id.clone()) {
            duplicates.push(Duplicate {
                index,
                event_id: event.event_id,
            });
            continue;
        }
        let record = seal(event, &mut head, input.origin, input.now);
        frontier.push(record.hash);
        sealed.push((index, record));
    }
    let size = frontier.size();
    let (last_size, last_ms) = last_checkpoint.unwrap_or((0, i64::MIN / 2));
    let grown = size > last_size;
    let due = grown
        && (input.force_checkpoint
            || size - last_size >= CHECKPOINT_EVERY
            || input.now.millis() - last_ms >= CHECKPOINT_MAX_AGE_MS);
    let checkpoint = if due {
        let body = Checkpoint {
            origin: input.origin.to_string(),
            size,
            root: frontier.root(),
        }
        .body();
        Some((size, input.signer.sign(&body)?))
    } else {
        None
    };
    Ok(BatchPlan {
        sealed,
        duplicates,
        frontier,
        checkpoint,
    })
}

/// Rebuilds a frontier from leaf hashes, for when the cached one is missing or stale.
pub fn frontier_of(hashes: impl IntoIterator<Item = Hash>) -> Frontier {
    let mut f = Frontier::new();
    for h in hashes {
        f.push(h);
    }
    f
}
