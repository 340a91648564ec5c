//! Group commit for the gate: requests that arrive while a batch is being sealed wait
//! for the next one, so many proposals share one transaction (and one fsync) instead of
//! queueing for one each. Each caller still gets its own answer: its own seqs, or the
//! error of its own events when a guarded change conflicted.

use crate::event::Event;
use crate::respond::{seal_with, SealError};
use crate::store::gate::GateWrite;
use crate::store::{SealContext, Store};
use tokio::sync::{mpsc, oneshot};

/// Jobs taken into one transaction at most.
const MAX_JOBS: usize = 512;

struct Job {
    events: Vec<Event>,
    side: Vec<GateWrite>,
    reply: oneshot::Sender<Result<Vec<u64>, SealError>>,
}

/// The handle callers seal through.
#[derive(Clone)]
pub struct Sealer {
    jobs: mpsc::Sender<Job>,
}

impl Sealer {
    /// Starts the sealing task on `store`.
    pub fn start(store: Store, ctx: SealContext) -> Sealer {
        let (jobs, receive) = mpsc::channel(4 * MAX_JOBS);
        tokio::spawn(run(store, ctx, receive));
        Sealer { jobs }
    }

    /// Seals `events` with `side`, in a shared transaction; returns their seqs.
    pub async fn seal(
        &self,
        events: Vec<Event>,
        side: Vec<GateWrite>,
    ) -> Result<Vec<u64>, SealError> {
        let (reply, answer) = oneshot::channel();
        let gone = || SealError::Conflict("the gate's sealer has stopped".into());
        self.jobs
            .send(Job {
                events,
                side,
                reply,
            })
            .await
            .map_err(|_| gone())?;
        answer.await.map_err(|_| gone())?
    }
}

async fn run(store: Store, ctx: SealContext, mut receive: mpsc::Receiver<Job>) {
    while let Some(first) = receive.recv().await {
        let mut jobs = vec![first];
        while jobs.len() < MAX_JOBS {
            match receive.try_recv() {
                Ok(job) => jobs.push(job),
                Err(_) => break,
            }
        }
        seal_jobs(&store, &ctx, jobs).await;
    }
}

async fn seal_jobs(store: &Store, ctx: &SealContext, jobs: Vec<Job>) {
    if jobs.len() == 1 {
        for job in jobs {
            let out = seal_with(store, ctx, job.events, false, &job.side).await;
            let _ = job.reply.send(out);
        }
        return;
    }
    let counts: Vec<usize> = jobs.iter().map(|j| j.events.len()).collect();
    let events: Vec<Event> = jobs.iter().flat_map(|j| j.events.clone()).collect();
    let side: Vec<GateWrite> = jobs.iter().flat_map(|j| j.side.clone()).collect();
    match seal_with(store, ctx, events, false, &side).await {
        Ok(seqs) => {
            let mut rest = seqs.as_slice();
            for (job, n) in jobs.into_iter().zip(counts) {
                let (mine, more) = rest.split_at(n.min(rest.len()));
                rest = more;
                let _ = job.reply.send(Ok(mine.to_vec()));
            }
        }
        // One job's guard (or event) failed the shared batch: seal each on its own, so
        // only that job sees the failure.
        Err(
            SealError::Conflict(_) | SealError::Invalid { .. } | SealError::AlreadySealed { .. },
        ) => {
            for job in jobs {
                let out = seal_with(store, ctx, job.events, false, &job.side).await;
                let _ = job.reply.send(out);
            }
        }
        Err(e) => {
            for job in jobs {
                let _ = job.reply.send(Err(e.clone()));
            }
        }
    }
}
