//! Following the ledger's tail: what `serve` learns from events sealed anywhere (this
//! process, the console, the command line, another `serve` on the same database). A
//! pause or revocation makes the agent's next proposal 423/401 and refuses its waiting
//! requests at once; a vote or decision wakes the agents long-polling; a registry change
//! updates autonomy. SQLite is polled every few milliseconds (one indexed `MAX(seq)`);
//! PostgreSQL wakes on NOTIFY.

use super::state::Gate;
use crate::gate::{DecisionKind, Request};
use crate::ledger::seal::event_from_record;
use crate::query::{Filter, Page};
use crate::store::{Store, StoreError};
use crate::webhook::{Notice, Trigger};
use std::sync::Arc;
use std::time::Duration;

/// How often SQLite's head is polled: well inside the 100 ms a pause has to bind.
const POLL: Duration = Duration::from_millis(10);
/// How often expired requests are settled.
const SWEEP: Duration = Duration::from_millis(500);
const PAGE: u32 = 1000;

/// The kinds the tail reads; everything else is skipped by the index.
fn kinds() -> Vec<String> {
    [
        "control.pause",
        "control.resume",
        "control.revoke_token",
        "approval.request",
        "approval.vote",
        "approval.decision",
        "agent.registry",
        "credential.revoke",
    ]
    .into_iter()
    .map(str::to_string)
    .collect()
}

/// Loads the control state and autonomy levels the tail then keeps current; returns the
/// head it starts after.
pub async fn load(gate: &Gate) -> Result<u64, StoreError> {
    let head = gate.store.head_seq().await?;
    let situation = crate::respond::load::situation(&gate.store).await?;
    if let Ok(mut c) = gate.control.write() {
        *c = situation.agents;
    }
    let registry = crate::respond::load::load_registry(&gate.store).await?;
    apply_registry(gate, &registry);
    Ok(head)
}

/// Each registered agent's autonomy level (0 when never set) and public key.
fn apply_registry(gate: &Gate, registry: &crate::identity::Registry) {
    if let Ok(mut a) = gate.autonomy.write() {
        *a = registry
            .iter()
            .map(|(agent, e)| (agent.clone(), e.autonomy.unwrap_or(0)))
            .collect();
    }
    if let Ok(mut k) = gate.keys.write() {
        *k = registry
            .iter()
            .filter_map(|(agent, e)| Some((agent.clone(), e.public_key.clone()?)))
            .collect();
    }
}

/// Starts following the tail after `head`, and the expiry sweep.
pub fn spawn(gate: Arc<Gate>, head: u64) {
    let g = Arc::clone(&gate);
    tokio::spawn(async move {
        let mut after = head;
        loop {
            match step(&g, after).await {
                Ok(next) => after = next,
                Err(e) => {
                    tracing_line(&format!("following the ledger: {e}"));
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        }
    });
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(SWEEP).await;
            match crate::approvals::expire_due(&gate.store, &gate.ctx).await {
                Ok(done) if !done.is_empty() => gate.bump(),
                Ok(_) => {}
                Err(e) => tracing_line(&format!("expiring requests: {e}")),
            }
        }
    });
}

fn tracing_line(message: &str) {
    eprintln!(
        "custody serve: {}",
        crate::untrusted::escape_untrusted(message)
    );
}

async fn wait(store: &Store, after: u64) -> Result<u64, StoreError> {
    match store {
        Store::Sqlite(_) => loop {
            let head = store.head_seq().await?;
            if head > after {
                return Ok(head);
            }
            tokio::time::sleep(POLL).await;
        },
        Store::Postgres(_) => {
            store.wait_for_new(after, Duration::from_secs(1)).await?;
            store.head_seq().await
        }
    }
}

/// One round: waits for records beyond `after`, applies those of the tail's kinds up to
/// the head it saw, and returns the new position.
async fn step(gate: &Gate, after: u64) -> Result<u64, StoreError> {
    let head = wait(&gate.store, after).await?;
    if head <= after {
        return Ok(after);
    }
    let filter = Filter {
        kinds: kinds(),
        ..Filter::default()
    };
    let rows = gate
        .store
        .rows(&filter, Page::oldest_first(after, PAGE))
        .await?;
    let full = rows.len() == PAGE as usize;
    let mut last = after;
    let mut woke = false;
    let mut blocked_agents = Vec::new();
    for row in rows.iter().filter(|r| r.seq <= head) {
        last = row.seq;
        let Ok(event) = event_from_record(&row.record) else {
            continue;
        };
        if !event.is_trusted() || event.exercise {
            continue;
        }
        match event.kind.as_str() {
            "control.pause" | "control.resume" | "control.revoke_token" => {
                if let Ok(mut c) = gate.control.write() {
                    crate::incident::apply_control(&mut c, &event);
                }
                if event.kind != "control.resume"
                    && event.outcome_status() == Some(crate::event::OutcomeStatus::Success)
                {
                    if let Some(agent) = event.agent_id() {
                        blocked_agents.push(agent.to_string());
                        notify_control(gate, &event);
                    }
                }
                woke = true;
            }
            "agent.registry" => {
                if let Ok(r) = crate::respond::load::load_registry(&gate.store).await {
                    apply_registry(gate, &r);
                }
            }
            _ => woke = true,
        }
    }
    if woke {
        gate.bump();
    }
    for agent in blocked_agents {
        refuse_waiting(gate, &agent).await;
    }
    Ok(if full { last } else { head })
}

/// Answers every request `agent` has waiting with the refusal, at once.
async fn refuse_waiting(gate: &Gate, agent: &str) {
    let Some(b) = gate.blocked(agent, i64::MIN) else {
        return;
    };
    let Ok(pending) = gate.store.pending_requests().await else {
        return;
    };
    let why = format!(
        "{agent} is {} ({}, event {})",
        b.state.as_str(),
        b.reason,
        b.event_id
    );
    let mut any = false;
    for r in pending.iter().filter(|r| r.agent == agent) {
        let decided = DecisionKind::Refused { why: why.clone() };
        if let Ok(true) = crate::approvals::settle(&gate.store, &gate.ctx, r, decided).await {
            any = true;
        }
    }
    if any {
        gate.bump();
    }
}

/// Tells people a request waits for them, with the command that decides it.
pub fn notify_request(gate: &Gate, proposal: &crate::event::Event, request: &Request) {
    gate.tell(Notice {
        trigger: Trigger::ApprovalRequest,
        title: format!(
            "{} approval needed: {} by {}",
            request.tier.map_or("-".into(), |t| t.to_string()),
            request.summary,
            request.agent
        ),
        summary: proposal
            .ai_output
            .as_ref()
            .and_then(|o| o.summary.clone())
            .unwrap_or_else(|| request.summary.clone()),
        agent: Some(request.agent.clone()),
        tier: request.tier,
        request_id: Some(request.id.clone()),
        event_id: request.id.clone(),
        decide: Some(format!(
            "custody approve {} --justification '…'  (or: custody deny {} --justification '…')",
            request.id, request.id
        )),
        expires_at: Some(request.expires_at),
    });
}

/// Tells people an agent was paused or its token revoked.
fn notify_control(gate: &Gate, event: &crate::event::Event) {
    let agent = event.agent_id().unwrap_or("?").to_string();
    let (trigger, what) = if event.kind == "control.pause" {
        (Trigger::Pause, "paused")
    } else {
        (Trigger::Revoke, "token revoked")
    };
    let by = event.actor.as_ref().map_or("?", |a| a.id.as_str());
    gate.tell(Notice {
        trigger,
        title: format!("{agent} {what} by {by}"),
        summary: event.justification.clone().unwrap_or_default(),
        agent: Some(agent.clone()),
        tier: event.tier,
        request_id: None,
        event_id: event.event_id.clone(),
        decide: Some(format!(
            "custody resume {agent} --reason … --justification '…'  (approver or above)"
        )),
        expires_at: None,
    });
}

/// Tells people a T3 action was carried out (its outcome sealed).
pub fn notify_t3_action(gate: &Gate, action: &crate::event::Event) {
    if action.tier != Some(crate::event::Tier::T3) {
        return;
    }
    gate.tell(Notice {
        trigger: Trigger::T3Action,
        title: format!(
            "T3 action {}: {} by {}",
            action.outcome_status().map_or("reported", |s| s.as_str()),
            action.what_on(),
            action.agent_id().unwrap_or("?")
        ),
        summary: action
            .ai_output
            .as_ref()
            .and_then(|o| o.summary.clone())
            .unwrap_or_default(),
        agent: action.agent_id().map(str::to_string),
        tier: action.tier,
        request_id: action
            .context
            .as_ref()
            .and_then(|c| c.parent_event_id.clone()),
        event_id: action.event_id.clone(),
        decide: None,
        expires_at: None,
    });
}
