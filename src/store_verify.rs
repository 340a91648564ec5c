//! Verifying a whole store: pages of rows stream from the store into the pure checks
//! in `ledger::verify`. The row-local work (hashing, the canonical scan) runs on
//! workers while the next pages are read, and the chain walk takes the results back in
//! `seq` order. Memory stays bounded by the few pages in flight, whatever the length of
//! the log.
//!
//! One loop, two paces: `verify_store` (the `verify` command) reads the log in one
//! scan with a worker per core; `verify_paced` (the console's background check) reads
//! small pages one at a time on one worker, each only once the operator is idle, so it
//! never competes with them for the cores or the store.

use crate::ledger::note::{split_notes, NoteVerifier};
use crate::ledger::verify::{inspect, ChainChecker, ClaimedCheckpoint, RecordFacts, Report};
use crate::query::{Filter, Page};
use crate::store::{RecordPage, Store, StoreError};
use std::future::Future;
use std::sync::{Arc, Mutex};
use tokio::sync::{mpsc, oneshot, Semaphore};

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

/// How fast the loop goes.
enum Pace<F> {
    /// One scan of the whole log, a worker per core, pages read ahead.
    Full,
    /// Pages of `page` rows by key, one in flight at a time, on one worker; each is
    /// read only once `idle()` has returned.
    Paced { page: u32, idle: F },
}

/// A page to inspect, and where its facts go.
type Job = (RecordPage, oneshot::Sender<Inspected>);
type Inspected = Vec<RecordFacts>;

/// Verifies the whole store as fast as the machine allows.
pub async fn verify_store(
    store: &Store,
    input: &VerifyInput<'_>,
    progress: impl FnMut(u64),
) -> Result<Report, StoreError> {
    let full: Pace<fn() -> std::future::Ready<()>> = Pace::Full;
    walk(store, input, full, progress).await
}

/// Verifies the whole store in pages of `page` rows, one at a time, each read only once
/// `idle()` has returned: the same checks over the same rows in order, with memory at
/// about one small page.
pub async fn verify_paced<F, W>(
    store: &Store,
    input: &VerifyInput<'_>,
    page: u32,
    idle: F,
    progress: impl FnMut(u64),
) -> Result<Report, StoreError>
where
    F: Fn() -> W,
    W: Future<Output = ()>,
{
    walk(store, input, Pace::Paced { page, idle }, progress).await
}

/// The one verification loop: read pages, inspect them on workers, walk the chain in
/// `seq` order.
async fn walk<F, W>(
    store: &Store,
    input: &VerifyInput<'_>,
    pace: Pace<F>,
    mut progress: impl FnMut(u64),
) -> Result<Report, StoreError>
where
    F: Fn() -> W,
    W: Future<Output = ()>,
{
    let mut checker = checker_for(store, input).await?;
    let origin: Arc<str> = Arc::from(checker.origin());

    let paced = matches!(pace, Pace::Paced { .. });
    let workers = if paced {
        1
    } else {
        std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .min(8)
    };
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
    // Paced: the walk hands this back after each page, and the next read waits for it.
    let turn = &Semaphore::new(1);

    // Each stage ends when the one before it does; one that stops early makes the
    // stages before it stop at their next send.
    let scanning = async move {
        match pace {
            Pace::Full => store.scan(PAGE, page_tx).await,
            Pace::Paced { page, idle } => read_paced(store, page, idle, turn, page_tx).await,
        }
    };
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
            if paced {
                turn.add_permits(1);
            }
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

/// The paced reads: every row, oldest first, a page at a time by key (each page its
/// own short query, so no read transaction stays open beside the operator). A page is
/// read once the last one was walked and `idle()` has returned.
async fn read_paced<F, W>(
    store: &Store,
    page: u32,
    idle: F,
    turn: &Semaphore,
    pages: mpsc::Sender<RecordPage>,
) -> Result<(), StoreError>
where
    F: Fn() -> W,
    W: Future<Output = ()>,
{
    let all = Filter::default();
    let mut cursor = 0;
    loop {
        match turn.acquire().await {
            Ok(permit) => permit.forget(),
            Err(_) => return Ok(()),
        }
        idle().await;
        let rows = store.rows(&all, Page::oldest_first(cursor, page)).await?;
        let Some(last) = rows.last() else {
            return Ok(());
        };
        cursor = last.seq;
        if pages.send(RecordPage::Owned(rows)).await.is_err() {
            return Ok(());
        }
    }
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::demo::{history, DemoSpec};
    use crate::ledger::note::NoteSigner;
    use crate::store::SealContext;
    use std::sync::atomic::{AtomicU64, Ordering};

    const EVENTS: usize = 1500;

    /// A store of `EVENTS` demo events with its checkpoints, and the key that signed them.
    async fn sealed_store(dir: &std::path::Path) -> (Store, NoteVerifier) {
        let path = dir.join("verify.db");
        let store = Store::open(&path.display().to_string(), None)
            .await
            .unwrap();
        let signer = NoteSigner::generate("test").unwrap();
        let spec = DemoSpec {
            seed: 5,
            events: EVENTS,
            days: 2,
            until: "2026-11-20T12:00:00Z".parse().unwrap(),
        };
        let verifier = signer.verifier();
        let ctx = SealContext::new(signer, None);
        store
            .seal(history(&spec).collect(), &ctx, true)
            .await
            .unwrap();
        (store, verifier)
    }

    /// Deletes one record behind the store's back (its triggers dropped first).
    fn delete_record(dir: &std::path::Path, seq: u64) {
        let db = rusqlite::Connection::open(dir.join("verify.db")).unwrap();
        db.execute_batch("DROP TRIGGER events_no_delete;").unwrap();
        db.execute("DELETE FROM events WHERE seq = ?1", [seq as i64])
            .unwrap();
    }

    async fn both_paces(store: &Store, verifier: &NoteVerifier) -> (Report, Report) {
        let verifiers = [verifier.clone()];
        let input = VerifyInput {
            anchor: None,
            verifiers: &verifiers,
        };
        let full = verify_store(store, &input, |_| {}).await.unwrap();
        let paced = verify_paced(store, &input, 256, || async {}, |_| {})
            .await
            .unwrap();
        (full, paced)
    }

    #[tokio::test]
    async fn paced_and_full_verification_find_the_same_intact_log() {
        let dir = tempfile::tempdir().unwrap();
        let (store, verifier) = sealed_store(dir.path()).await;
        let (full, paced) = both_paces(&store, &verifier).await;
        assert!(full.intact() && full.records == EVENTS as u64, "{full:?}");
        assert!(full.checkpoints_checked > 0, "{full:?}");
        assert_eq!(format!("{paced:?}"), format!("{full:?}"));
    }

    #[tokio::test]
    async fn paced_and_full_verification_report_the_same_deleted_record() {
        let dir = tempfile::tempdir().unwrap();
        let (store, verifier) = sealed_store(dir.path()).await;
        delete_record(dir.path(), 700);
        let (full, paced) = both_paces(&store, &verifier).await;
        assert!(!full.intact(), "{full:?}");
        assert_eq!(format!("{paced:?}"), format!("{full:?}"));
    }

    #[tokio::test]
    async fn paced_verification_reads_a_page_only_once_the_last_is_walked_and_the_operator_is_idle()
    {
        let dir = tempfile::tempdir().unwrap();
        let (store, verifier) = sealed_store(dir.path()).await;
        let verifiers = [verifier];
        let input = VerifyInput {
            anchor: None,
            verifiers: &verifiers,
        };
        let walked = AtomicU64::new(0);
        // Rows walked each time the loop asked whether the operator is idle.
        let asked = Mutex::new(Vec::new());
        let idle = || {
            asked.lock().unwrap().push(walked.load(Ordering::SeqCst));
            async {}
        };
        let progress = |n| {
            walked.fetch_add(n, Ordering::SeqCst);
        };
        verify_paced(&store, &input, 256, idle, progress)
            .await
            .unwrap();
        // Before each of the six pages, and before the empty read that ends the walk.
        let expected: Vec<u64> = vec![0, 256, 512, 768, 1024, 1280, 1500];
        assert_eq!(asked.into_inner().unwrap(), expected);
    }
}
