//! Agent control state — active, paused, token-revoked — folded from `control.pause`,
//! `control.resume` and `control.revoke_token` events, with who, when and why.
//!
//! Only changes that took effect count: an event whose outcome is `success`, or that has
//! no outcome (a `builtin` record is itself the state the gateway enforces). A write-ahead
//! intent (`pending`) or a failed attempt changes nothing. `control.resume` clears both
//! the pause and a revocation: resuming is the operator's statement that the agent is back
//! in service, which after a revocation means it was given a new credential.
//!
//! Exercise events are folded separately, so a drill never makes a real agent look paused.
//! Only control events custody sealed count (`Event::is_trusted`): a forged
//! `control.resume` from a producer does not make a paused agent active.

use crate::event::{Event, OutcomeStatus, Timestamp};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ControlState {
    Active,
    Paused,
    /// Its credential is revoked; it cannot act even if resumed at the gateway.
    TokenRevoked,
}

impl ControlState {
    pub fn as_str(self) -> &'static str {
        match self {
            ControlState::Active => "active",
            ControlState::Paused => "paused",
            ControlState::TokenRevoked => "token-revoked",
        }
    }
}

/// Who changed an agent's control state, when and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ControlMark {
    pub by: String,
    pub at: Timestamp,
    pub reason_code: Option<String>,
    pub justification: Option<String>,
    pub event_id: String,
    /// Links the change to its incident.
    pub correlation_id: Option<String>,
}

/// One agent's control state. Agents never paused or revoked do not appear: they are active.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentControl {
    pub agent: String,
    pub paused: Option<ControlMark>,
    pub token_revoked: Option<ControlMark>,
    /// The last resume, kept so the view can say "active again since … by …".
    pub resumed: Option<ControlMark>,
}

impl AgentControl {
    /// A revoked token outranks a pause: the agent cannot act either way, and the token
    /// is the harder thing to restore.
    pub fn state(&self) -> ControlState {
        if self.token_revoked.is_some() {
            ControlState::TokenRevoked
        } else if self.paused.is_some() {
            ControlState::Paused
        } else {
            ControlState::Active
        }
    }

    /// The change that put the agent in its current state.
    pub fn since(&self) -> Option<&ControlMark> {
        match self.state() {
            ControlState::TokenRevoked => self.token_revoked.as_ref(),
            ControlState::Paused => self.paused.as_ref(),
            ControlState::Active => self.resumed.as_ref(),
        }
    }
}

/// Control state of every agent real (non-exercise) events have paused, revoked or
/// resumed. Pass events in ledger order.
pub fn agent_states<'a>(
    events: impl IntoIterator<Item = &'a Event>,
) -> HashMap<String, AgentControl> {
    fold(events.into_iter().filter(|e| !e.exercise))
}

/// The same fold over exercise events only: the sandbox's view during a game day.
pub fn exercise_agent_states<'a>(
    events: impl IntoIterator<Item = &'a Event>,
) -> HashMap<String, AgentControl> {
    fold(events.into_iter().filter(|e| e.exercise))
}

fn fold<'a>(events: impl Iterator<Item = &'a Event>) -> HashMap<String, AgentControl> {
    let mut agents: HashMap<String, AgentControl> = HashMap::new();
    for e in events {
        apply(&mut agents, e);
    }
    agents
}

/// One event folded into `agents`, for a reader that follows the live tail (the gate)
/// rather than refolding. Events that change nothing are ignored; pass them in order.
pub fn apply(agents: &mut HashMap<String, AgentControl>, e: &Event) {
    if !e.is_trusted() {
        return;
    }
    let kind = e.kind.as_str();
    if !matches!(
        kind,
        "control.pause" | "control.resume" | "control.revoke_token"
    ) {
        return;
    }
    if e.outcome_status()
        .is_some_and(|s| s != OutcomeStatus::Success)
    {
        return;
    }
    let Some(agent) = target_agent(e) else {
        return;
    };
    let entry = agents.entry(agent.clone()).or_insert_with(|| AgentControl {
        agent,
        paused: None,
        token_revoked: None,
        resumed: None,
    });
    let mark = Some(ControlMark {
        by: e.actor.as_ref().map_or("unknown", |a| a.id.as_str()).into(),
        at: e.time,
        reason_code: e.reason_code.clone(),
        justification: e.justification.clone(),
        event_id: e.event_id.clone(),
        correlation_id: e.correlation_id().map(str::to_string),
    });
    match kind {
        "control.pause" => entry.paused = mark,
        "control.revoke_token" => entry.token_revoked = mark,
        _ => {
            entry.paused = None;
            entry.token_revoked = None;
            entry.resumed = mark;
        }
    }
}

/// The agent a control event acts on: its `agent`, else an `agent://ID` resource.
pub fn target_agent(e: &Event) -> Option<String> {
    e.agent_id()
        .or_else(|| {
            e.action
                .as_ref()?
                .resource
                .as_deref()?
                .strip_prefix("agent://")
        })
        .map(str::to_string)
}
