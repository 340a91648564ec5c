//! Deciding approval requests, end to end: the one path by which the console, the
//! command line and `custody serve` vote, expire and refuse requests. The rules are
//! `gate`'s; this edge reads the request, applies them, and seals the vote, the decision
//! and the queue change in one transaction. A vote that does not count is sealed too, as
//! a `gate.refusal` naming why.

use crate::event::{ActorType, Event, Timestamp};
use crate::gate::{
    decision_event, refusal_event, vote_event, Ballot, DecisionKind, Refusal, Request,
    RequestState, Tally, Verdict, VoteRefusal, Voter,
};
use crate::respond::{new_id, seal_with, SealError};
use crate::store::gate::GateWrite;
use crate::store::{SealContext, Store, StoreError};

/// How many times a vote is re-decided when another writer changed the request first.
const RETRIES: usize = 5;

/// Why a vote was not counted.
#[derive(Debug, thiserror::Error)]
pub enum VoteError {
    #[error("no approval request {0}")]
    NotFound(String),
    /// Refused by the rules; the refusal is sealed (its seq given when it was).
    #[error("refused: {refusal}")]
    Refused {
        refusal: VoteRefusal,
        sealed: Option<u64>,
    },
    #[error(transparent)]
    Seal(#[from] SealError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A counted vote: what it did and the seqs sealed.
#[derive(Debug, Clone)]
pub struct Voted {
    pub request: Request,
    pub tally: Tally,
    /// The allow decision's event id, when this vote approved the request.
    pub grant: Option<String>,
    pub seqs: Vec<u64>,
}

/// Casts `ballot` by `voter` on request `id`, sealing the vote (and the decision, when
/// this vote decides). A refused vote is sealed as a refusal and returned as an error.
pub async fn vote(
    store: &Store,
    ctx: &SealContext,
    id: &str,
    voter: &Voter,
    ballot: &Ballot,
) -> Result<Voted, VoteError> {
    let mut last_conflict = String::new();
    for _ in 0..RETRIES {
        let request = store
            .request(id)
            .await?
            .ok_or_else(|| VoteError::NotFound(id.to_string()))?;
        let now = Timestamp::now();
        let tally = match request.vote(voter, ballot, now) {
            Ok(t) => t,
            Err(refusal) => {
                if matches!(refusal, VoteRefusal::Expired { .. }) {
                    // Settle it now, so every reader sees it expired.
                    let _ = expire(store, ctx, &request).await;
                }
                let sealed = seal_refusal(store, ctx, &request, voter, &refusal).await;
                return Err(VoteError::Refused { refusal, sealed });
            }
        };
        let proposal = proposal_of(store, &request).await?;
        let vote_id = new_id();
        let mut events = vec![vote_event(
            &proposal,
            &request,
            voter,
            ballot,
            tally,
            vote_id.clone(),
            now,
        )];
        let mut side = vec![GateWrite::Vote {
            request_id: request.id.clone(),
            operator: voter.name.clone(),
            verdict: ballot.verdict,
            at: now,
            event_id: vote_id,
            seen: request.approvals(),
        }];
        let mut grant = None;
        let decided = match tally {
            Tally::Counted { .. } => None,
            Tally::Approved => {
                let mut approvers: Vec<String> =
                    request.votes.iter().map(|v| v.operator.clone()).collect();
                approvers.push(voter.name.clone());
                Some(DecisionKind::Approved {
                    approvers,
                    break_glass: ballot.break_glass,
                })
            }
            Tally::Denied => Some(DecisionKind::Denied {
                by: voter.name.clone(),
                justification: ballot.justification.clone(),
            }),
        };
        if let Some(decided) = decided {
            let decision_id = new_id();
            events.push(decision_event(
                &proposal,
                &decided,
                &request.binding,
                decision_id.clone(),
                now,
            ));
            side.push(GateWrite::Settle {
                request_id: request.id.clone(),
                state: if decided.allows() {
                    RequestState::Approved
                } else {
                    RequestState::Denied
                },
                decision_id: decision_id.clone(),
            });
            if decided.allows() {
                side.push(GateWrite::InsertGrant {
                    grant_id: decision_id.clone(),
                    proposal_id: request.id.clone(),
                    agent: request.agent.clone(),
                    binding: request.binding.clone(),
                    at: now,
                });
                grant = Some(decision_id);
            }
        }
        match seal_with(store, ctx, events, false, &side).await {
            Ok(seqs) => {
                return Ok(Voted {
                    request,
                    tally,
                    grant,
                    seqs,
                })
            }
            Err(SealError::Conflict(why)) => last_conflict = why,
            Err(e) => return Err(e.into()),
        }
    }
    Err(VoteError::Seal(SealError::Conflict(format!(
        "gave up after {RETRIES} attempts: {last_conflict}"
    ))))
}

async fn proposal_of(store: &Store, request: &Request) -> Result<Event, StoreError> {
    store.event_by_id(&request.id).await?.ok_or_else(|| {
        StoreError::Corrupt(format!(
            "approval request {} has no sealed proposal",
            request.id
        ))
    })
}

async fn seal_refusal(
    store: &Store,
    ctx: &SealContext,
    request: &Request,
    voter: &Voter,
    refusal: &VoteRefusal,
) -> Option<u64> {
    let event = refusal_event(
        &Refusal {
            code: refusal.code().into(),
            message: refusal.to_string(),
            actor: Some((ActorType::Human, voter.name.clone())),
            agent: Some(request.agent.clone()),
            about: Some(request.id.clone()),
        },
        false,
        new_id(),
        Timestamp::now(),
    );
    crate::respond::seal(store, ctx, vec![event], false)
        .await
        .ok()
        .and_then(|s| s.first().copied())
}

/// Settles a pending request with a final decision that is not a vote (expiry, or a
/// refusal because its agent was paused or revoked). Returns false when it was already
/// settled by someone else.
pub async fn settle(
    store: &Store,
    ctx: &SealContext,
    request: &Request,
    decided: DecisionKind,
) -> Result<bool, VoteError> {
    let proposal = proposal_of(store, request).await?;
    let decision_id = new_id();
    let state = match decided {
        DecisionKind::Expired => RequestState::Expired,
        DecisionKind::Refused { .. } => RequestState::Refused,
        _ => RequestState::Denied,
    };
    let event = decision_event(
        &proposal,
        &decided,
        &request.binding,
        decision_id.clone(),
        Timestamp::now(),
    );
    let side = [GateWrite::Settle {
        request_id: request.id.clone(),
        state,
        decision_id,
    }];
    match seal_with(store, ctx, vec![event], false, &side).await {
        Ok(_) => Ok(true),
        Err(SealError::Conflict(_)) => Ok(false),
        Err(e) => Err(e.into()),
    }
}

/// Marks `request` expired (sealed), if still pending.
pub async fn expire(
    store: &Store,
    ctx: &SealContext,
    request: &Request,
) -> Result<bool, VoteError> {
    settle(store, ctx, request, DecisionKind::Expired).await
}

/// Expires every pending request whose time has passed; returns their ids.
pub async fn expire_due(store: &Store, ctx: &SealContext) -> Result<Vec<String>, VoteError> {
    let now = Timestamp::now();
    let mut done = Vec::new();
    for r in store.pending_requests().await? {
        if r.is_expired(now) && expire(store, ctx, &r).await? {
            done.push(r.id);
        }
    }
    Ok(done)
}

/// A request as the API and `approvals list --json` show it.
pub fn request_json(r: &Request) -> serde_json::Value {
    serde_json::json!({
        "id": r.id,
        "agent": r.agent,
        "tier": r.tier.map(|t| t.to_string()),
        "summary": r.summary,
        "state": r.state.as_str(),
        "needs": r.needs,
        "approvals": r.approvals(),
        "voters": r.votes.iter().map(|v| v.operator.clone()).collect::<Vec<_>>(),
        "roles": r.roles,
        "on_behalf_of": r.on_behalf_of,
        "proposer": r.proposer,
        "created_at": r.created_at.to_rfc3339(),
        "expires_at": r.expires_at.to_rfc3339(),
        "policy_ids": r.policy_ids,
    })
}

/// Verdict words for messages.
pub fn verdict_word(v: Verdict) -> &'static str {
    match v {
        Verdict::Approve => "approved",
        Verdict::Deny => "denied",
    }
}

#[cfg(test)]
mod tests;
