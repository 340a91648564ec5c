//! Delivery: a bounded queue of notices and the task that sends each to the targets
//! that want it, retrying with exponential backoff, sealing every attempt and every
//! final failure (`events`).
//!
//! `notify` never blocks the caller. When the queue is full, or custody is shutting
//! down, the notice goes to an overflow list that a second task seals as
//! `webhook.failed`; past that list's own bound the notices are counted, and the count
//! is sealed. `shutdown` lets deliveries run until its grace ends, then seals every
//! notice and attempt it could not finish as failed.
//!
//! Sealing can itself fail (a store that is gone); those are counted in `Stats`, the
//! one thing the caller can still report.

use super::events;
use super::send::{post, Attempt, Verdict};
use super::{payload, Notice, Retry, Target};
use crate::event::{Event, Timestamp};
use crate::respond::{new_id, seal};
use crate::store::{SealContext, Store};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use tokio::sync::{mpsc, watch, Notify, Semaphore};
use tokio::task::{JoinHandle, JoinSet};
use tokio::time::Instant;

/// Notices waiting to be sent.
const QUEUE: usize = 1_024;
/// Notices that did not fit the queue, kept to be sealed as failed one by one.
const OVERFLOW: usize = 1_024;
/// Deliveries in flight at once (each may hold a blocking thread for one attempt).
const IN_FLIGHT: usize = 8;
/// The longest wait between attempts, whatever the backoff says.
const MAX_BACKOFF: Duration = Duration::from_secs(300);

/// What delivery has done so far, for `/metrics` and for the operator.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// Notices taken into the queue.
    pub queued: u64,
    /// Deliveries (notice × target) the target took.
    pub delivered: u64,
    /// Deliveries sealed as `webhook.failed`.
    pub failed: u64,
    /// Events that could not be sealed (the store refused them).
    pub unsealed: u64,
}

/// The handle to the delivery tasks. Clones share them.
#[derive(Clone)]
pub struct Webhooks {
    tx: mpsc::Sender<Notice>,
    shared: Arc<Shared>,
    tasks: Arc<Mutex<Option<Tasks>>>,
}

/// The queue's worker and the overflow sealer, until `shutdown` takes them.
struct Tasks {
    worker: JoinHandle<()>,
    overflow: JoinHandle<()>,
}

struct Shared {
    targets: Vec<Target>,
    store: Store,
    ctx: SealContext,
    retry: Retry,
    /// When delivery must stop; `None` until `shutdown`.
    deadline: watch::Sender<Option<Instant>>,
    closing: AtomicBool,
    /// Set when `shutdown` has returned: the overflow task is gone, so a late notice is
    /// sealed by a task of its own.
    done: AtomicBool,
    overflow: Mutex<Overflow>,
    overflow_wake: Notify,
    queued: AtomicU64,
    delivered: AtomicU64,
    failed: AtomicU64,
    unsealed: AtomicU64,
}

#[derive(Default)]
struct Overflow {
    notices: Vec<(Notice, &'static str)>,
    lost: u64,
}

impl Webhooks {
    /// Starts the delivery tasks on the current tokio runtime.
    pub fn start(targets: Vec<Target>, store: Store, ctx: SealContext, retry: Retry) -> Webhooks {
        Webhooks::start_with_queue(targets, store, ctx, retry, QUEUE)
    }

    /// `start` with a queue of `queue` notices (tests use a tiny one).
    pub(crate) fn start_with_queue(
        targets: Vec<Target>,
        store: Store,
        ctx: SealContext,
        retry: Retry,
        queue: usize,
    ) -> Webhooks {
        let (tx, rx) = mpsc::channel(queue.max(1));
        // The worker's receiver exists before `shutdown` can change the value, so the
        // change is seen even when the worker first runs after it.
        let (deadline, stop) = watch::channel(None);
        let shared = Arc::new(Shared {
            targets,
            store,
            ctx,
            retry,
            deadline,
            closing: AtomicBool::new(false),
            done: AtomicBool::new(false),
            overflow: Mutex::new(Overflow::default()),
            overflow_wake: Notify::new(),
            queued: AtomicU64::new(0),
            delivered: AtomicU64::new(0),
            failed: AtomicU64::new(0),
            unsealed: AtomicU64::new(0),
        });
        let worker = tokio::spawn(run(shared.clone(), rx, stop));
        let overflow = tokio::spawn({
            let shared = shared.clone();
            async move {
                // Never aborted mid-seal: notices it took would be lost. `shutdown`
                // wakes it once more after setting `closing`, and it ends there.
                loop {
                    shared.overflow_wake.notified().await;
                    shared.seal_overflow().await;
                    if shared.closing.load(Ordering::SeqCst) {
                        return;
                    }
                }
            }
        });
        Webhooks {
            tx,
            shared,
            tasks: Arc::new(Mutex::new(Some(Tasks { worker, overflow }))),
        }
    }

    /// Queues `notice` for the targets that want its trigger. Never blocks: a notice
    /// that does not fit is sealed as failed by the overflow task.
    pub fn notify(&self, notice: Notice) {
        if !self.shared.targets.iter().any(|t| t.wants(notice.trigger)) {
            return;
        }
        if self.shared.closing.load(Ordering::SeqCst) {
            self.shared
                .overflowed(notice, "not sent: custody was shutting down");
            if self.shared.done.load(Ordering::SeqCst) {
                let shared = self.shared.clone();
                tokio::spawn(async move { shared.seal_overflow().await });
            }
            return;
        }
        match self.tx.try_send(notice) {
            Ok(()) => {
                self.shared.queued.fetch_add(1, Ordering::Relaxed);
            }
            Err(mpsc::error::TrySendError::Full(n)) => self
                .shared
                .overflowed(n, "not sent: the notification queue was full"),
            Err(mpsc::error::TrySendError::Closed(n)) => self
                .shared
                .overflowed(n, "not sent: custody was shutting down"),
        }
    }

    pub fn stats(&self) -> Stats {
        let s = &self.shared;
        Stats {
            queued: s.queued.load(Ordering::Relaxed),
            delivered: s.delivered.load(Ordering::Relaxed),
            failed: s.failed.load(Ordering::Relaxed),
            unsealed: s.unsealed.load(Ordering::Relaxed),
        }
    }

    /// Stops taking notices, lets deliveries (and the queue behind them) run for up to
    /// `grace`, then seals whatever was not delivered as failed and returns.
    pub async fn shutdown(self, grace: Duration) {
        self.shared.closing.store(true, Ordering::SeqCst);
        self.shared
            .deadline
            .send_replace(Some(Instant::now() + grace));
        let tasks = self
            .tasks
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(Tasks { worker, overflow }) = tasks {
            // The worker ends once the queue is drained and every delivery has ended,
            // which the deadline bounds.
            let _ = worker.await;
            self.shared.overflow_wake.notify_one();
            let _ = overflow.await;
        }
        self.shared.done.store(true, Ordering::SeqCst);
        self.shared.seal_overflow().await;
    }
}

impl Shared {
    fn overflowed(&self, notice: Notice, why: &'static str) {
        {
            let mut o = self.overflow.lock().unwrap_or_else(PoisonError::into_inner);
            if o.notices.len() < OVERFLOW {
                o.notices.push((notice, why));
            } else {
                o.lost += 1;
            }
        }
        self.overflow_wake.notify_one();
    }

    async fn seal_overflow(&self) {
        let taken =
            std::mem::take(&mut *self.overflow.lock().unwrap_or_else(PoisonError::into_inner));
        let mut batch = Vec::new();
        for (notice, why) in &taken.notices {
            for t in self.targets.iter().filter(|t| t.wants(notice.trigger)) {
                batch.push(events::failed(
                    t,
                    notice,
                    0,
                    why,
                    new_id(),
                    Timestamp::now(),
                ));
            }
        }
        let failed = batch.len() as u64;
        if taken.lost > 0 {
            batch.push(events::lost_count(taken.lost, new_id(), Timestamp::now()));
        }
        if !batch.is_empty() {
            self.failed
                .fetch_add(failed + taken.lost, Ordering::Relaxed);
            self.seal(batch).await;
        }
    }

    async fn seal(&self, events: Vec<Event>) {
        let n = events.len() as u64;
        if seal(&self.store, &self.ctx, events, false).await.is_err() {
            self.unsealed.fetch_add(n, Ordering::Relaxed);
        }
    }

    /// Resolves when the shutdown deadline has passed; never before `shutdown`.
    async fn deadline(&self) {
        let mut rx = self.deadline.subscribe();
        loop {
            let at = *rx.borrow_and_update();
            if let Some(at) = at {
                return tokio::time::sleep_until(at).await;
            }
            if rx.changed().await.is_err() {
                return std::future::pending().await;
            }
        }
    }

    fn past_deadline(&self) -> bool {
        self.deadline
            .borrow()
            .is_some_and(|at| Instant::now() >= at)
    }

    fn backoff(&self, after_attempt: u32) -> Duration {
        let doubled = self
            .retry
            .first_backoff
            .saturating_mul(1u32 << after_attempt.saturating_sub(1).min(20));
        let jitter = doubled.mul_f64(rand::random::<f64>() * 0.1);
        (doubled + jitter).min(MAX_BACKOFF)
    }
}

/// The queue's consumer: one delivery task per notice and target, at most `IN_FLIGHT`
/// at once. Returns when the queue is closed and drained and every delivery ended.
async fn run(
    shared: Arc<Shared>,
    mut rx: mpsc::Receiver<Notice>,
    mut stop: watch::Receiver<Option<Instant>>,
) {
    let permits = Arc::new(Semaphore::new(IN_FLIGHT));
    let mut deliveries = JoinSet::new();
    let mut closed = false;
    loop {
        tokio::select! {
            next = rx.recv() => {
                let Some(notice) = next else { break };
                for (i, _) in shared.targets.iter().enumerate().filter(|(_, t)| t.wants(notice.trigger)) {
                    let Ok(permit) = permits.clone().acquire_owned().await else { break };
                    let (shared, notice) = (shared.clone(), notice.clone());
                    deliveries.spawn(async move {
                        deliver(&shared, i, &notice).await;
                        drop(permit);
                    });
                }
                while deliveries.try_join_next().is_some() {}
            }
            _ = stop.changed(), if !closed => {
                // Shutdown: take nothing new; what is queued is still received.
                closed = true;
                rx.close();
            }
        }
    }
    while deliveries.join_next().await.is_some() {}
}

/// Sends `notice` to target `i` until it is taken, refused for good, out of attempts
/// or out of time, sealing each attempt and the failure if there is one.
async fn deliver(shared: &Shared, i: usize, notice: &Notice) {
    let target = &shared.targets[i];
    let body = match serde_json::to_vec(&payload(target.format, notice)) {
        Ok(b) => Arc::new(b),
        Err(e) => {
            return fail(
                shared,
                target,
                notice,
                0,
                &format!("payload not built: {e}"),
            )
            .await
        }
    };
    let of = shared.retry.attempts.max(1);
    for n in 1..=of {
        if shared.past_deadline() {
            let why = format!("not delivered: custody shut down before attempt {n}");
            return fail(shared, target, notice, n - 1, &why).await;
        }
        let started = std::time::Instant::now();
        let sending = tokio::task::spawn_blocking({
            let (url, body, timeout) = (target.url.clone(), body.clone(), shared.retry.timeout);
            move || post(&url, &body, timeout, |name| std::env::var(name).ok())
        });
        let a = tokio::select! {
            joined = sending => joined.unwrap_or_else(|e| lost_attempt(started, format!("the attempt's task failed: {e}"))),
            () = shared.deadline() => lost_attempt(started, "abandoned: custody shut down mid-attempt; the target may or may not have received it".into()),
        };
        let mut batch = vec![events::attempt(
            target,
            notice,
            n,
            of,
            &a,
            new_id(),
            Timestamp::now(),
        )];
        let why = match a.verdict {
            Verdict::Delivered => {
                shared.delivered.fetch_add(1, Ordering::Relaxed);
                return shared.seal(batch).await;
            }
            Verdict::Final => Some(format!(
                "not delivered: attempt {n} ended it ({})",
                a.detail
            )),
            Verdict::Retry if n == of => Some(format!(
                "not delivered after {n} attempts (last: {})",
                a.detail
            )),
            Verdict::Retry => None,
        };
        if let Some(why) = why {
            shared.failed.fetch_add(1, Ordering::Relaxed);
            batch.push(events::failed(
                target,
                notice,
                n,
                &why,
                new_id(),
                Timestamp::now(),
            ));
            return shared.seal(batch).await;
        }
        shared.seal(batch).await;
        let wait = a
            .retry_after
            .unwrap_or_else(|| shared.backoff(n))
            .min(MAX_BACKOFF);
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            () = shared.deadline() => {
                let why = format!("not delivered: custody shut down after {n} attempts (last: {})", a.detail);
                return fail(shared, target, notice, n, &why).await;
            }
        }
    }
}

async fn fail(shared: &Shared, target: &Target, notice: &Notice, attempts: u32, why: &str) {
    shared.failed.fetch_add(1, Ordering::Relaxed);
    let e = events::failed(target, notice, attempts, why, new_id(), Timestamp::now());
    shared.seal(vec![e]).await;
}

/// An attempt that ended without its result: final, since custody is going away or
/// its own task broke.
fn lost_attempt(started: std::time::Instant, detail: String) -> Attempt {
    Attempt {
        verdict: Verdict::Final,
        http_status: None,
        detail,
        retry_after: None,
        duration_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        host: "-".into(),
    }
}

#[cfg(test)]
#[path = "deliver_tests.rs"]
mod tests;
