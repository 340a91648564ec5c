//! Verifying a whole store: streams rows through the pure checks in `ledger::verify`,
//! fetching the next page while the current one is inspected on every core. Memory
//! stays bounded by the page size whatever the length of the log.

use crate::ledger::note::{split_notes, NoteVerifier};
use crate::ledger::verify::{
    inspect, ChainChecker, CheckpointSource, RecordFacts, Report, StoredRow,
};
use crate::store::{Filter, Page, Store, StoreError};

const PAGE: u32 = 8192;

/// What to check against, besides the store's own checkpoints.
pub struct VerifyInput<'a> {
    /// Contents of an anchor file (signed notes appended one after another).
    pub anchor: Option<&'a str>,
    pub verifiers: &'a [NoteVerifier],
}

pub async fn verify_store(
    store: &Store,
    input: &VerifyInput<'_>,
    mut progress: impl FnMut(u64),
) -> Result<Report, StoreError> {
    let origin = store.origin().to_string();
    let mut notes: Vec<(String, CheckpointSource)> = store
        .checkpoints()
        .await?
        .into_iter()
        .map(|c| (c.note, CheckpointSource::Store))
        .collect();
    if let Some(anchor) = input.anchor {
        notes.extend(
            split_notes(anchor)
                .into_iter()
                .map(|n| (n.to_string(), CheckpointSource::Anchor)),
        );
    }
    let mut checker = ChainChecker::new(&origin, &notes, input.verifiers);
    let all = Filter::default();
    let mut next = store.rows(&all, Page::oldest_first(0, PAGE)).await?;
    while !next.is_empty() {
        let rows = std::mem::take(&mut next);
        let cursor = rows.last().map_or(0, |r| r.seq);
        let origin_for_inspect = origin.clone();
        let inspecting =
            tokio::task::spawn_blocking(move || inspect_all(&rows, &origin_for_inspect));
        let (fetched, facts) = tokio::join!(
            store.rows(&all, Page::oldest_first(cursor, PAGE)),
            inspecting
        );
        let facts =
            facts.map_err(|e| StoreError::Corrupt(format!("verification worker failed: {e}")))?;
        for f in &facts {
            checker.absorb(f);
        }
        progress(facts.len() as u64);
        next = fetched?;
    }
    Ok(checker.finish())
}

/// Row-local checks over a page, split across the available cores.
fn inspect_all(rows: &[StoredRow], origin: &str) -> Vec<RecordFacts> {
    let workers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(8);
    let chunk = rows.len().div_ceil(workers).max(1);
    std::thread::scope(|scope| {
        let handles: Vec<_> = rows
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || part.iter().map(|r| inspect(r, origin)).collect::<Vec<_>>())
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_default())
            .collect()
    })
}
