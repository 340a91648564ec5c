//! Outcome reports, off the client's path. The client has its answer before anything is
//! reported. A report is held back briefly (`LINGER`) and sent together with the next
//! proposal, so both reach the gate's group commit at once and the next call does not
//! wait behind the previous call's seal; a session that goes quiet reports after
//! `LINGER`. Reports are awaited at shutdown, so none is lost when the client leaves.

use super::gate::GateClient;
use super::session::warn;
use serde_json::Value;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::task::JoinHandle;

/// How long a report waits for a proposal to travel with.
pub const LINGER: Duration = Duration::from_millis(20);

pub struct Outcomes {
    gate: Arc<GateClient>,
    deferred: Mutex<Vec<(String, Value)>>,
    tasks: Mutex<Vec<JoinHandle<()>>>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Outcomes {
    pub fn new(gate: Arc<GateClient>) -> Arc<Outcomes> {
        Arc::new(Outcomes {
            gate,
            deferred: Mutex::new(Vec::new()),
            tasks: Mutex::new(Vec::new()),
        })
    }

    /// Keeps `task` to await at shutdown.
    pub fn track(&self, task: JoinHandle<()>) {
        let mut tasks = lock(&self.tasks);
        tasks.retain(|t| !t.is_finished());
        tasks.push(task);
    }

    /// Reports `body` as the outcome of `proposal`, soon.
    pub fn defer(self: &Arc<Self>, proposal: String, body: Value) {
        lock(&self.deferred).push((proposal, body));
        let me = Arc::clone(self);
        self.track(tokio::spawn(async move {
            tokio::time::sleep(LINGER).await;
            me.flush();
        }));
    }

    /// Sends every held report now (each on its own connection, so they share a commit).
    pub fn flush(&self) {
        let held: Vec<(String, Value)> = std::mem::take(&mut *lock(&self.deferred));
        for (proposal, body) in held {
            let gate = Arc::clone(&self.gate);
            self.track(tokio::task::spawn_blocking(move || {
                if let Err(e) = gate.outcome(&proposal, &body) {
                    warn(&format!(
                        "the outcome of proposal {proposal} was not recorded: {e}"
                    ));
                }
            }));
        }
    }

    /// Sends what is held and waits for every report in flight.
    pub async fn finish(&self) {
        loop {
            self.flush();
            let tasks: Vec<JoinHandle<()>> = std::mem::take(&mut *lock(&self.tasks));
            if tasks.is_empty() {
                return;
            }
            for t in tasks {
                let _ = t.await;
            }
        }
    }
}
