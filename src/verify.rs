//! Verifying a whole store: pages of rows stream from the store into the pure checks
//! in `ledger::verify`. The row-local work (hashing, the canonical scan) runs on one
//! worker per core while the next pages are read, and the chain walk takes the results
//! back in `seq` order. Memory stays bounded by the few pages in flight, whatever the
//! length of the log.

use crate::ledger::note::{split_notes, NoteVerifier};
use crate::ledger::verify::{inspect, ChainChecker, ClaimedCheckpoint, RecordFacts, Report};
use crate::store::{RecordPage, Store, StoreError};
use std::sync::{Arc, Mutex};
use tokio::sync::{mpsc, oneshot};

/// Rows per page: small enough that the first page read and the last one inspected,
/// which nothing overlaps, cost little.
const PAGE: usize = 1024;

/// Pages read ahead of the workers.
const AHEAD: usize = 2;

/// What to check against, besides the store's own checkpoints.
pub struct VerifyInput<'a> {
    /// Contents of an anchor file (signed notes appended one after another).
    pub anchor: Option<&'a str>,
    pub verifiers: &'a [NoteVerifier],
}

/// A page to inspect, and where its facts go.
type Job = (RecordPage, oneshot::Sender<Inspected>);
type Inspected = Vec<RecordFacts>;

pub async fn verify_store(
    store: &Store,
    input: &VerifyInput<'_>,
    mut progress: impl FnMut(u64),
) -> Result<Report, StoreError> {
    let mut checker = checker_for(store, input).await?;
    let origin: Arc<str> = Arc::from(checker.origin());

    let workers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(8);
    let (job_tx, job_rx) = mpsc::channel::<Job>(AHEAD);
    let job_rx = Arc::new(Mutex::new(job_rx));
    let pool: Vec<_> = (0..workers)
        .map(|_| {
            let (jobs, origin) = (job_rx.clone(), origin.clone());
            tokio::task::spawn_blocking(move || inspect_pages(&jobs, &origin))
        })
        .collect();
    let (page_tx, mut page_rx) = mpsc::channel::<RecordPage>(AHEAD);
    // Each page's answer, in page order, for the walk to wait on.
    let (order_tx, mut order_rx) = mpsc::channel::<oneshot::Receiver<Inspected>>(AHEAD + workers);

    // Each stage ends when the one before it does; one that stops early makes the
    // stages before it stop at their next send.
    let scanning = store.scan(PAGE, page_tx);
    let dispatching = async move {
        while let Some(page) = page_rx.recv().await {
            let (done, answer) = oneshot::channel();
            if order_tx.send(answer).await.is_err() || job_tx.send((page, done)).await.is_err() {
                return;
            }
        }
    };
    let walking = async move {
        while let Some(answer) = order_rx.recv().await {
            let facts = answer.await.map_err(|_| {
                StoreError::Corrupt("a verification worker stopped unexpectedly".into())
            })?;
            for f in &facts {
                checker.absorb(f);
            }
            progress(facts.len() as u64);
        }
        Ok::<_, StoreError>(checker)
    };
    let (scanned, (), walked) = tokio::join!(scanning, dispatching, walking);
    for worker in pool {
        let _ = worker.await;
    }
    scanned?;
    Ok(walked?.finish())
}

/// A chain checker primed with everything there is to check besides the records: the
/// store's checkpoints (with the columns beside them), the anchor file's, the cached
/// frontier, and the origin the records were sealed for.
pub async fn checker_for(
    store: &Store,
    input: &VerifyInput<'_>,
) -> Result<ChainChecker, StoreError> {
    let mut claims: Vec<ClaimedCheckpoint> = store
        .checkpoints()
        .await?
        .iter()
        .map(|c| ClaimedCheckpoint::stored(&c.note, c.tree_size, &c.signed_at))
        .collect();
    if let Some(anchor) = input.anchor {
        claims.extend(
            split_notes(anchor)
                .into_iter()
                .map(ClaimedCheckpoint::anchored),
        );
    }
    // Records name the log they were sealed for; a changed `ledger_meta` origin is one
    // finding, not every record sealed "for another log".
    let sealed = store.sealed_origin().await?;
    let origin = sealed.as_deref().unwrap_or(store.origin());
    let mut checker = ChainChecker::new(origin, &claims, input.verifiers);
    checker.origin_changed(store.origin());
    if let Some((size, frontier)) = store.tree_state().await? {
        checker.expect_tree_state(size, &frontier);
    }
    Ok(checker)
}

/// One worker: inspects pages until there are no more.
fn inspect_pages(jobs: &Mutex<mpsc::Receiver<Job>>, origin: &str) {
    loop {
        let job = match jobs.lock() {
            Ok(mut rx) => rx.blocking_recv(),
            Err(_) => None,
        };
        let Some((page, done)) = job else { return };
        let mut facts = Vec::with_capacity(page.len());
        page.for_each(|row| facts.push(inspect(&row, origin)));
        let _ = done.send(facts);
    }
}
