//! The Approvals view's IO: reading the queue with each request's proposal, an agent's
//! record, and casting votes through `crate::approvals::vote`, the one path every vote
//! takes (it enforces four-eyes and the rest, and seals the vote, or the refusal). What
//! to load or cast was decided by the pure update (`approvals`); each answer is a message.

use super::app::Row;
use super::approvals::{AgentRecord, Outcomes, Pending, RECENT_ACTIONS};
use super::msg::{Msg, Status};
use super::perform::decode_rows;
use super::respond_io::Sealing;
use crate::approvals::{vote, VoteError};
use crate::gate::{Ballot, Tally, Verdict, Voter};
use crate::query::{Filter, Page};
use crate::store::{Store, StoreError};
use std::sync::Arc;
use tokio::sync::mpsc::UnboundedSender;

/// At most this many pending requests are shown (oldest first); a queue that long is
/// itself the news.
const MAX_PENDING: usize = 500;
/// Decisions read to count an agent's earlier outcomes.
const DECISIONS_COUNTED: u32 = 200;
/// Decisions listed by their wording.
const DECISIONS_LISTED: usize = 3;

/// Runs the Approvals effects for `perform`.
pub struct Approvals<'a> {
    pub store: &'a Arc<Store>,
    pub tx: &'a UnboundedSender<Msg>,
    pub sealing: &'a Sealing,
    pub voter: &'a Voter,
}

impl Approvals<'_> {
    /// `Effect::LoadApprovals`.
    pub fn load(&self) {
        let (store, tx) = (self.store.clone(), self.tx.clone());
        tokio::spawn(async move {
            let result = pending(&store).await.map_err(|e| e.to_string());
            let _ = tx.send(Msg::Approvals(result));
        });
    }

    /// `Effect::LoadAgentRecord`.
    pub fn load_record(&self, agent: String) {
        let (store, tx) = (self.store.clone(), self.tx.clone());
        tokio::spawn(async move {
            let msg = match record(&store, agent.clone()).await {
                Ok(r) => Msg::AgentRecord(Box::new(r)),
                Err(e) => Msg::Status(Status::error(format!("loading {agent}'s record: {e}"))),
            };
            let _ = tx.send(msg);
        });
    }

    /// `Effect::Vote`: one vote per request, in order.
    pub fn vote(&self, requests: Vec<String>, ballot: Ballot, what: String) {
        let (store, tx) = (self.store.clone(), self.tx.clone());
        let (sealing, voter) = (self.sealing.clone(), self.voter.clone());
        tokio::spawn(async move {
            let result = match &sealing {
                Ok(ctx) => cast(&store, ctx, &voter, &requests, &ballot).await,
                Err(e) => Err(format!("nothing was recorded: {e}")),
            };
            let _ = tx.send(Msg::Voted { what, result });
        });
    }
}

/// The pending requests, oldest first, each with its proposal.
async fn pending(store: &Store) -> Result<Vec<Pending>, StoreError> {
    let mut out = Vec::new();
    for request in store
        .pending_requests()
        .await?
        .into_iter()
        .take(MAX_PENDING)
    {
        let proposal = store.event_by_id(&request.id).await?;
        out.push(Pending { request, proposal });
    }
    Ok(out)
}

/// The agent's newest actions and how its approval requests ended.
async fn record(store: &Store, agent: String) -> Result<AgentRecord, StoreError> {
    let of_kind = |kind: &str| Filter {
        agents: vec![agent.clone()],
        kinds: vec![kind.to_string()],
        ..Filter::default()
    };
    let recent = store
        .rows(
            &of_kind(crate::gate::ACTION),
            Page::newest_first(None, RECENT_ACTIONS),
        )
        .await?;
    let decisions = store
        .rows(
            &of_kind(crate::gate::DECISION),
            Page::newest_first(None, DECISIONS_COUNTED),
        )
        .await?;
    let decisions: Vec<Row> = decode_rows(&decisions);
    let mut outcomes = Outcomes::default();
    for d in &decisions {
        outcomes.count(&d.event);
    }
    Ok(AgentRecord {
        agent,
        recent: decode_rows(&recent),
        decisions: decisions.into_iter().take(DECISIONS_LISTED).collect(),
        outcomes,
    })
}

/// Casts the ballot on each request; the footer line says how each counted.
async fn cast(
    store: &Store,
    ctx: &crate::store::SealContext,
    voter: &Voter,
    requests: &[String],
    ballot: &Ballot,
) -> Result<String, String> {
    let mut counted = Vec::new();
    let mut refused = Vec::new();
    for id in requests {
        match vote(store, ctx, id, voter, ballot).await {
            Ok(done) => counted.push(counted_line(&done, ballot)),
            Err(VoteError::Refused { refusal, sealed }) => refused.push(format!(
                "refused: {refusal}{}",
                sealed.map_or(String::new(), |s| format!(" (sealed as seq {s})"))
            )),
            Err(e) => refused.push(e.to_string()),
        }
    }
    match (requests.len(), counted.is_empty()) {
        (1, false) => Ok(counted.remove(0)),
        (1, true) => Err(refused.remove(0)),
        (n, _) => {
            let mut line = format!("{} of {n} requests denied", counted.len());
            if let Some(first) = refused.first() {
                line.push_str(&format!("; {} not: {first}", refused.len()));
            }
            if counted.is_empty() {
                Err(line)
            } else {
                Ok(line)
            }
        }
    }
}

/// `approved exporter's db.drop on orders: 1/2, waiting for 1 more (seq 12)`.
fn counted_line(done: &crate::approvals::Voted, ballot: &Ballot) -> String {
    let r = &done.request;
    let word = crate::approvals::verdict_word(ballot.verdict);
    let seqs: Vec<String> = done.seqs.iter().map(u64::to_string).collect();
    let sealed = format!("sealed at seq {}", seqs.join(", "));
    let what = format!("{}'s {}", r.agent, r.summary);
    match done.tally {
        Tally::Counted { approvals, needs } => format!(
            "{word} {what}: {approvals}/{needs}, waiting for {} more ({sealed})",
            needs.saturating_sub(approvals)
        ),
        Tally::Approved => format!(
            "APPROVED{} {what} ({sealed})",
            if ballot.break_glass && ballot.verdict == Verdict::Approve {
                " by BREAK-GLASS"
            } else {
                ""
            }
        ),
        Tally::Denied => format!("DENIED {what} ({sealed})"),
    }
}
