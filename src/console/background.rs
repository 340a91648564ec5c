//! The console's background work: following the head of the log, verifying the whole
//! ledger, recounting tiers and ticking the clock. Each loop only sends messages; none
//! touches the terminal or the state. Verification yields to the operator: it holds off
//! while they wait for the store and for a moment after each key press or click.

use super::app::LedgerStatus;
use super::msg::{Msg, Status};
use super::perform::decode_rows;
use super::update::ledger_from_report;
use crate::event::Timestamp;
use crate::ledger::note::NoteVerifier;
use crate::query::{Filter, Page};
use crate::store::Store;
use crate::store_verify::{verify_paced, VerifyInput};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc::UnboundedSender;
use tokio::sync::Notify;
use tokio::task::JoinHandle;

/// Rows per page of the console's background verification: small, so the check holds
/// little memory beside the operator's work (the `custody verify` command uses more).
const VERIFY_PAGE: u32 = 256;
/// Background verification pauses this long after each key press or click.
const QUIET_AFTER_INPUT_MS: u64 = 300;

/// Whether the operator is at work: store requests they are waiting for (pages,
/// searches, traces, agents) and their last key or click. Background verification holds
/// off while any request is in flight and for a moment after input, so on a small
/// machine it does not compete with the operator for the cores or the store.
#[derive(Clone)]
pub struct Foreground(Arc<ForegroundState>);

struct ForegroundState {
    started: std::time::Instant,
    in_flight: AtomicUsize,
    /// Milliseconds after `started` of the last input.
    last_input_ms: AtomicU64,
}

/// One foreground request in flight; dropping it (also when its task is aborted) ends it.
pub struct Busy(Foreground);

impl Foreground {
    pub fn new() -> Self {
        Foreground(Arc::new(ForegroundState {
            started: std::time::Instant::now(),
            in_flight: AtomicUsize::new(0),
            last_input_ms: AtomicU64::new(0),
        }))
    }

    pub fn busy(&self) -> Busy {
        self.0.in_flight.fetch_add(1, Ordering::AcqRel);
        Busy(self.clone())
    }

    fn now_ms(&self) -> u64 {
        u64::try_from(self.0.started.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    /// Notes a key press or mouse event.
    pub fn input(&self) {
        self.0.last_input_ms.store(self.now_ms(), Ordering::Release);
    }

    /// Returns once nothing is in flight and no input came for `QUIET_AFTER_INPUT_MS`.
    async fn wait_idle(&self) {
        loop {
            let quiet = self
                .now_ms()
                .saturating_sub(self.0.last_input_ms.load(Ordering::Acquire));
            if self.0.in_flight.load(Ordering::Acquire) == 0 && quiet >= QUIET_AFTER_INPUT_MS {
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        self.0 .0.in_flight.fetch_sub(1, Ordering::AcqRel);
    }
}

/// What the background verification checks against.
pub struct VerifyWith {
    pub verifiers: Vec<NoteVerifier>,
    /// Contents of the anchor file.
    pub anchor: Option<String>,
}

/// The running loops; dropping this stops them all.
pub struct Background {
    tasks: Vec<JoinHandle<()>>,
}

impl Drop for Background {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

/// Starts the tail, verification, count and tick loops. Verification starts once
/// `first_page` is notified (the first page is on screen) or after two seconds.
pub fn start(
    store: &Arc<Store>,
    tx: &UnboundedSender<Msg>,
    check: VerifyWith,
    first_page: Arc<Notify>,
    foreground: Foreground,
    window_ms: i64,
) -> Background {
    let tasks = vec![
        tokio::spawn(tail_loop(store.clone(), tx.clone())),
        tokio::spawn(verify_loop(
            store.clone(),
            tx.clone(),
            check,
            first_page,
            foreground,
        )),
        tokio::spawn(count_loop(store.clone(), tx.clone(), window_ms)),
        tokio::spawn(tick_loop(tx.clone())),
    ];
    Background { tasks }
}

/// Follows the head of the log and sends every new row (the update filters).
async fn tail_loop(store: Arc<Store>, tx: UnboundedSender<Msg>) {
    let mut last = store.head_seq().await.unwrap_or(0);
    let _ = tx.send(Msg::Appended {
        rows: vec![],
        head_seq: last,
    });
    loop {
        if store
            .wait_for_new(last, Duration::from_secs(1))
            .await
            .is_err()
        {
            tokio::time::sleep(Duration::from_secs(1)).await;
            continue;
        }
        match store
            .rows(&Filter::default(), Page::oldest_first(last, 1000))
            .await
        {
            Ok(stored) if !stored.is_empty() => {
                last = stored.last().map_or(last, |r| r.seq);
                if tx
                    .send(Msg::Appended {
                        rows: decode_rows(&stored),
                        head_seq: last,
                    })
                    .is_err()
                {
                    return;
                }
            }
            Ok(_) => {}
            Err(e) => {
                let _ = tx.send(Msg::Status(Status::error(format!("live tail: {e}"))));
                tokio::time::sleep(Duration::from_secs(2)).await;
            }
        }
    }
}

/// Verifies the whole ledger in the background, reporting progress to the header, then
/// keeps the header's checkpoint size fresh.
async fn verify_loop(
    store: Arc<Store>,
    tx: UnboundedSender<Msg>,
    check: VerifyWith,
    first_page: Arc<Notify>,
    foreground: Foreground,
) {
    let _ = tokio::time::timeout(Duration::from_secs(2), first_page.notified()).await;
    let total = store.head_seq().await.unwrap_or(0);
    if let Ok(Some(cp)) = store.latest_checkpoint().await {
        let _ = tx.send(Msg::CheckpointSize(cp.tree_size));
    }
    if check.verifiers.is_empty() {
        let _ = tx.send(Msg::Ledger(LedgerStatus::Unknown("no verifier key".into())));
        return;
    }
    let input = VerifyInput {
        anchor: check.anchor.as_deref(),
        verifiers: &check.verifiers,
    };
    // Progress in steps of about 1% (each step redraws the header).
    let step = (total / 100).max(u64::from(VERIFY_PAGE));
    let (mut done, mut shown) = (0u64, 0u64);
    let progress_tx = tx.clone();
    let foreground = &foreground;
    let result = verify_paced(
        &store,
        &input,
        VERIFY_PAGE,
        || foreground.wait_idle(),
        |n| {
            done += n;
            if done - shown >= step {
                shown = done;
                let _ = progress_tx.send(Msg::Ledger(LedgerStatus::Verifying { done, total }));
            }
        },
    )
    .await;
    let status = match result {
        Ok(report) => ledger_from_report(&report),
        Err(e) => LedgerStatus::Unknown(e.to_string()),
    };
    let _ = tx.send(Msg::Ledger(status));
    loop {
        tokio::time::sleep(Duration::from_secs(15)).await;
        if let Ok(Some(cp)) = store.latest_checkpoint().await {
            let _ = tx.send(Msg::CheckpointSize(cp.tree_size));
        }
    }
}

/// Refreshes the header's tier counts now and then (live rows also bump them).
async fn count_loop(store: Arc<Store>, tx: UnboundedSender<Msg>, window_ms: i64) {
    loop {
        tokio::time::sleep(Duration::from_secs(30)).await;
        if let Some(since) = Timestamp::from_millis(Timestamp::now().millis() - window_ms) {
            if let Ok(c) = store.tier_counts(since).await {
                let _ = tx.send(Msg::TierCounts(c));
            }
        }
    }
}

/// A tick a second: clocks and incident timers move on.
async fn tick_loop(tx: UnboundedSender<Msg>) {
    let mut every = tokio::time::interval(Duration::from_secs(1));
    loop {
        every.tick().await;
        if tx.send(Msg::Tick).is_err() {
            return;
        }
    }
}
