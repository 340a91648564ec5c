//! Evidence bundles at the edge: reading what a bundle needs from the store (the records
//! in scope, every leaf hash up to the checkpoint, the checkpoint itself), writing the
//! bundle's files into a directory, and reading a bundle back for `evidence verify`.
//! What goes into a bundle and how it is checked is `crate::evidence`; this module
//! only moves bytes.

pub mod files;

use crate::event::Timestamp;
use crate::evidence::build::{Plan, Record};
use crate::evidence::manifest::{LeftOut, Scope, Status};
use crate::evidence::tree::Levels;
use crate::ledger::checkpoint::Checkpoint;
use crate::ledger::merkle::Hash;
use crate::ledger::note;
use crate::query::{Filter, Page};
use crate::store::{Store, StoreError, StoredRow};
use thiserror::Error;

const PAGE: u32 = 5000;

#[derive(Debug, Error)]
pub enum GatherError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the store has no signed checkpoint yet, so nothing in it can be proven")]
    NoCheckpoint,
    #[error("the store's latest checkpoint is malformed: {0}")]
    BadCheckpoint(String),
    #[error("the stored hash of seq {seq} is not 64 hex digits: run `custody verify`")]
    BadHash { seq: u64 },
    #[error("the store has a gap at seq {seq} below its checkpoint: run `custody verify`")]
    Gap { seq: u64 },
    #[error("nothing in the store matches {0}")]
    Empty(String),
}

/// What to put in a bundle, as asked on the command line.
#[derive(Debug, Clone)]
pub struct Request {
    pub scope: Scope,
    pub since: Option<Timestamp>,
    pub until: Option<Timestamp>,
    pub agent: Option<String>,
}

impl Request {
    fn filter(&self) -> Filter {
        let mut f = Filter::default();
        match &self.scope {
            Scope::Correlation { id } | Scope::Incident { id } => {
                f.correlation_id = Some(id.clone());
            }
            Scope::TimeRange { .. } => {
                f.since = self.since;
                f.until = self.until;
                f.agents = self.agent.iter().cloned().collect();
            }
        }
        f
    }
}

/// The plan for a bundle and the tree it is proven against.
pub struct Gathered {
    pub plan: Plan,
    pub tree: Levels,
}

/// Reads what the bundle asked for needs. `vkey` is the hint written beside it.
pub async fn gather(store: &Store, req: &Request, vkey: String) -> Result<Gathered, GatherError> {
    let stored = store
        .latest_checkpoint()
        .await?
        .ok_or(GatherError::NoCheckpoint)?;
    let opened =
        note::open(&stored.note, &[]).map_err(|e| GatherError::BadCheckpoint(e.to_string()))?;
    let checkpoint =
        Checkpoint::parse(&opened.body).map_err(|e| GatherError::BadCheckpoint(e.to_string()))?;
    let size = checkpoint.size;
    let in_scope = rows_matching(store, &req.filter()).await?;
    if in_scope.is_empty() {
        return Err(GatherError::Empty(describe(&req.scope)));
    }
    let (covered, newer): (Vec<StoredRow>, Vec<StoredRow>) =
        in_scope.into_iter().partition(|r| r.seq <= size);
    let left_out = match (newer.first(), newer.last()) {
        (Some(first), Some(last)) => Some(LeftOut {
            count: newer.len() as u64,
            first_seq: first.seq,
            last_seq: last.seq,
            reason: format!(
                "sealed after the latest checkpoint (tree size {size}), so no signed checkpoint covers them yet; \
                 export with --checkpoint-now to seal one first"
            ),
        }),
        _ => None,
    };
    let tree = Levels::new(leaf_hashes(store, size).await?);
    let mut records: Vec<Record> = covered
        .iter()
        .map(|r| Record {
            seq: r.seq,
            bytes: r.record.clone().into_bytes(),
            status: Status::Included,
        })
        .collect();
    let mut out_of_scope = Vec::new();
    if let (Scope::TimeRange { .. }, Some(first), Some(last)) = (
        &req.scope,
        covered.first().map(|r| r.seq),
        covered.last().map(|r| r.seq),
    ) {
        let held: std::collections::BTreeSet<u64> = covered.iter().map(|r| r.seq).collect();
        out_of_scope = (first..=last).filter(|s| !held.contains(s)).collect();
        let edges: Vec<u64> = [
            first.checked_sub(1).filter(|&s| s >= 1),
            Some(last + 1).filter(|&s| s <= size),
        ]
        .into_iter()
        .flatten()
        .collect();
        for r in store.rows_by_seq(&edges).await? {
            records.push(Record {
                seq: r.seq,
                bytes: r.record.into_bytes(),
                status: Status::Boundary,
            });
        }
        records.sort_by_key(|r| r.seq);
    }
    Ok(Gathered {
        plan: Plan {
            scope: req.scope.clone(),
            checkpoint_note: stored.note,
            checkpoint,
            records,
            out_of_scope,
            left_out,
            vkey,
        },
        tree,
    })
}

fn describe(scope: &Scope) -> String {
    match scope {
        Scope::Correlation { id } => format!("correlation id {id:?}"),
        Scope::Incident { id } => format!("incident {id:?}"),
        Scope::TimeRange { from, to, agent } => match agent {
            Some(a) => format!("the time range {from} to {to} for agent {a:?}"),
            None => format!("the time range {from} to {to}"),
        },
    }
}

async fn rows_matching(store: &Store, filter: &Filter) -> Result<Vec<StoredRow>, StoreError> {
    let mut out = Vec::new();
    let mut cursor = 0;
    loop {
        let rows = store.rows(filter, Page::oldest_first(cursor, PAGE)).await?;
        let Some(last) = rows.last() else { break };
        cursor = last.seq;
        out.extend(rows);
    }
    Ok(out)
}

/// The stored leaf hashes of seq 1..=size, in order. The builder checks their root
/// against the checkpoint, so a wrong stored hash cannot slip into a bundle.
async fn leaf_hashes(store: &Store, size: u64) -> Result<Vec<Hash>, GatherError> {
    let mut out = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
    let mut cursor = 0;
    while cursor < size {
        let rows = store
            .rows(&Filter::default(), Page::oldest_first(cursor, PAGE))
            .await?;
        if rows.is_empty() {
            return Err(GatherError::Gap { seq: cursor + 1 });
        }
        for r in rows {
            if r.seq > size {
                return Ok(out);
            }
            if r.seq != cursor + 1 {
                return Err(GatherError::Gap { seq: cursor + 1 });
            }
            let mut h = [0u8; 32];
            if r.hash.len() != 64 || hex::decode_to_slice(&r.hash, &mut h).is_err() {
                return Err(GatherError::BadHash { seq: r.seq });
            }
            out.push(h);
            cursor = r.seq;
        }
    }
    Ok(out)
}
