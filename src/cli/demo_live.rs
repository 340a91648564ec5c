//! The demo's live agents, through the gate: each proposal the generator makes is
//! decided by the in-process gate (the shipped policy, pauses and revocations that bind),
//! and each action happens only when its proposal was allowed. So when a responder
//! pauses an agent in the demo its actions stop and its proposals show as refused, T2
//! and T3 proposals wait in the Approvals view, and the generator's own approval
//! decisions and recorded pauses are not replayed: the humans at the console make those.

use crate::demo::LiveGenerator;
use crate::event::{is_custody_kind, Approval, ApprovalMode, Event, SealedBy, Timestamp};
use crate::gate::{DecisionKind, RequestState};
use crate::respond::new_id;
use crate::serve::{decide, Gate};
use crate::store::gate::GateWrite;
use anyhow::Context;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

/// A proposal's actions the generator will make, keyed by correlation id.
struct Proposed {
    id: String,
    /// Actions that arrived while humans were still asked.
    held: Vec<Event>,
}

/// Keeps the demo's agents acting through `gate` until the task is dropped.
pub async fn run(gate: Arc<Gate>, mut generator: LiveGenerator) -> anyhow::Result<()> {
    let mut proposed: HashMap<String, Proposed> = HashMap::new();
    let mut tick = tokio::time::interval(Duration::from_millis(250));
    loop {
        tick.tick().await;
        let mut plain = Vec::new();
        for e in generator.tick(Timestamp::now()) {
            match e.kind.as_str() {
                // The gate makes these now; the user makes pauses and incidents.
                "approval.request" | "approval.decision" => {}
                k if is_custody_kind(k) => {}
                "ai.proposal" => {
                    seal_plain(&gate, &mut plain).await?;
                    let corr = e.correlation_id().unwrap_or(&e.event_id).to_string();
                    let d = decide(&gate, as_proposal(e), i64::MIN).await?;
                    proposed.insert(
                        corr,
                        Proposed {
                            id: d.request.id,
                            held: vec![],
                        },
                    );
                }
                "ai.action" if e.agent.is_some() => {
                    seal_plain(&gate, &mut plain).await?;
                    let corr = e.correlation_id().unwrap_or(&e.event_id).to_string();
                    match proposed.get_mut(&corr) {
                        Some(p) => p.held.push(e),
                        None => {
                            // An autonomous action: proposed and, if allowed, done at once.
                            let d = decide(&gate, as_proposal(e.clone()), i64::MIN).await?;
                            if matches!(d.kind, Some(DecisionKind::AllowedByRule)) {
                                act(&gate, e, &d.request.id, d.request.decision_id.as_deref())
                                    .await?;
                            }
                        }
                    }
                }
                _ => plain.push(e),
            }
        }
        seal_plain(&gate, &mut plain).await?;
        release(&gate, &mut proposed).await?;
    }
}

async fn seal_plain(gate: &Gate, plain: &mut Vec<Event>) -> anyhow::Result<()> {
    if plain.is_empty() {
        return Ok(());
    }
    gate.store
        .seal(std::mem::take(plain), &gate.ctx, false)
        .await
        .context("the live generator could not seal")?;
    Ok(())
}

/// The generator's proposal (or autonomous action) as the agent proposes it now.
fn as_proposal(mut e: Event) -> Event {
    e.event_id = new_id();
    e.time = Timestamp::now();
    e.kind = crate::gate::PROPOSAL.into();
    e.outcome = None;
    e.approval = None;
    e.policy = None;
    e.sealed_by = Some(SealedBy::Custody);
    if let Some(a) = e.action.as_mut() {
        a.after = None;
    }
    e
}

/// Actions whose proposals were decided: done when allowed (against the grant), dropped
/// when denied, expired or refused.
async fn release(gate: &Gate, proposed: &mut HashMap<String, Proposed>) -> anyhow::Result<()> {
    let mut done = Vec::new();
    for (corr, p) in proposed.iter_mut() {
        if p.held.is_empty() {
            continue;
        }
        let Some(r) = gate.store.request(&p.id).await? else {
            done.push(corr.clone());
            continue;
        };
        match r.state {
            RequestState::Pending => continue,
            RequestState::Approved => {
                for e in p.held.drain(..) {
                    act(gate, e, &p.id, r.decision_id.as_deref()).await?;
                }
            }
            _ => p.held.clear(),
        }
        done.push(corr.clone());
    }
    for corr in done {
        proposed.remove(&corr);
    }
    // Proposals whose actions never came (denied stories) are forgotten after a while.
    if proposed.len() > 10_000 {
        proposed.clear();
    }
    Ok(())
}

/// Seals the action as the outcome of proposal `proposal_id`, claiming its grant.
async fn act(
    gate: &Gate,
    mut e: Event,
    proposal_id: &str,
    grant: Option<&str>,
) -> anyhow::Result<()> {
    let now = Timestamp::now();
    e.time = now;
    if let Some(c) = e.context.as_mut() {
        c.parent_event_id = Some(proposal_id.to_string());
    }
    let decision = match grant {
        Some(g) => gate.store.event_by_id(g).await?,
        None => None,
    };
    e.approval = decision.and_then(|d| d.approval).or(Some(Approval {
        mode: ApprovalMode::None,
        approver: None,
        role: None,
        at: None,
        rule_id: None,
        justification: None,
    }));
    let side: Vec<GateWrite> = grant
        .map(|g| GateWrite::ClaimGrant {
            grant_id: g.to_string(),
            at: now,
            outcome_id: e.event_id.clone(),
        })
        .into_iter()
        .collect();
    let action = e.clone();
    gate.sealer
        .seal(vec![e], side)
        .await
        .context("the live generator could not seal an action")?;
    crate::serve::notify_t3_action(gate, &action);
    Ok(())
}
