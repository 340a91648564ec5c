//! Incidents and agent control state, derived from the ledger and from nothing else, so
//! every console and every reviewer sees the same state. It owns the shape of the
//! `incident.*` events (written by the console and CLI through `record`) and two pure
//! folds: `derive` (incidents with state and timers) and `agent_states` (active, paused,
//! token-revoked). It never reads a store, writes an event or touches a terminal.
//!
//! # The `incident.*` events
//!
//! All three are ordinary `custody.event/v1` events written by a person: `actor` is
//! `{type: human, id: OPERATOR}`, `justification` is mandatory, `context.correlation_id`
//! is the incident id, and `action` is `{type: KIND, target_system: "custody", resource:
//! "incident://ID", params: {…}}`. The params:
//!
//! | kind | `action.params` | `justification` |
//! |---|---|---|
//! | `incident.open` | `incident` (id), `title`, `triggers` (event ids), optional `severity` (`SEV1`…`SEV4`; else from `tier`), `commander` (else the actor), `playbook` | why it is opened |
//! | `incident.step` | `incident`, then any of: `playbook` + `step` + `status` (`started` / `done` / `skipped` / `failed`) for a checklist change; `playbook` alone to pick one; `state` (`contained` / `resolved`); `commander` (hand-over); `severity` (re-grade); `control_event` (the `control.*` intent the step ran) | the note (done), the reason (skipped, failed), or a log entry |
//! | `incident.close` | `incident` | the closing summary |
//!
//! `incident.open` also carries `tier` and `reason_code` of the triggering event (the
//! highest tier when there are several), `agent` (the suspected agent), and
//! `context.parent_event_id` = the first trigger; `incident.step` and `incident.close`
//! copy tier, reason code, agent and `exercise` from the incident, so a drill's events
//! stay exercise events and every filter shows them beside the incident. Events that
//! predate this shape (the demo's) are read too: the id falls back to `action.resource`,
//! then to the correlation id, and a missing title to the first sentence of the
//! justification.
//!
//! # How state is derived
//!
//! Open → contained → resolved → closed, only forwards. Contained: an `incident.step` with
//! `state = "contained"`, or a successful `control.pause` / `control.revoke_token` linked
//! to the incident (same correlation id as the incident or its opening event, or
//! `params.incident`). Resolved: `state = "resolved"`. Closed: `incident.close`. A later
//! state implies the earlier ones: closing an incident nobody marked resolved resolves it
//! at the close. The clock starts at the incident's first event, which is the opening
//! unless a responder acted (paused, intervened) before opening it.
//!
//! # Trust
//!
//! Both folds believe an `incident.*` or `control.*` record only when custody sealed it
//! (`sealed_by = "custody"`, see `event::is_custody_kind`): a producer cannot close an
//! incident or resume an agent by writing the event itself. Records without the mark
//! (older stores, or lines forged before ingest refused these kinds) are ignored here and
//! shown as forged-looking in the console.

mod control;
pub mod record;

pub use control::{
    agent_states, apply as apply_control, exercise_agent_states, AgentControl, ControlMark,
    ControlState,
};
pub use record::{DeclaredState, IncidentParams, StepWord};

use crate::event::{Event, OutcomeStatus, Tier, Timestamp};
use crate::playbook::{Checklist, Playbook, StepRecord};
use chrono::TimeDelta;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::fmt;

/// How bad it is, from the triggering tier unless the commander says otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Severity {
    #[serde(rename = "SEV1")]
    Sev1,
    #[serde(rename = "SEV2")]
    Sev2,
    #[serde(rename = "SEV3")]
    Sev3,
    #[serde(rename = "SEV4")]
    Sev4,
}

impl Severity {
    /// T3 → SEV1, T2 → SEV2, T1 → SEV3, T0 → SEV4.
    pub fn from_tier(tier: Tier) -> Severity {
        match tier {
            Tier::T3 => Severity::Sev1,
            Tier::T2 => Severity::Sev2,
            Tier::T1 => Severity::Sev3,
            Tier::T0 => Severity::Sev4,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Sev1 => "SEV1",
            Severity::Sev2 => "SEV2",
            Severity::Sev3 => "SEV3",
            Severity::Sev4 => "SEV4",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum IncidentState {
    Open,
    Contained,
    Resolved,
    Closed,
}

impl IncidentState {
    pub fn as_str(self) -> &'static str {
        match self {
            IncidentState::Open => "open",
            IncidentState::Contained => "contained",
            IncidentState::Resolved => "resolved",
            IncidentState::Closed => "closed",
        }
    }
}

/// A checklist change as the ledger recorded it, with the playbook it was made under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncidentStep {
    pub playbook: Option<String>,
    pub record: StepRecord,
    pub event_id: String,
}

/// One incident as the ledger tells it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Incident {
    pub id: String,
    pub title: String,
    pub severity: Severity,
    pub commander: String,
    pub opened_by: String,
    /// The suspected agent.
    pub agent: Option<String>,
    pub tier: Option<Tier>,
    pub reason_code: Option<String>,
    /// The event ids that triggered it.
    pub triggers: Vec<String>,
    /// The playbook picked last.
    pub playbook: Option<String>,
    pub state: IncidentState,
    /// When the response began: the opening, or an earlier linked human action.
    pub started_at: Timestamp,
    pub opened_at: Timestamp,
    pub contained_at: Option<Timestamp>,
    pub resolved_at: Option<Timestamp>,
    pub closed_at: Option<Timestamp>,
    /// The closing justification.
    pub summary: Option<String>,
    /// Opened from exercise events: shown as a drill, never as a real incident.
    pub exercise: bool,
    pub steps: Vec<IncidentStep>,
    /// Every event of the incident, in ledger order: its own and the linked ones.
    pub events: Vec<String>,
    /// Correlation ids that link events to it: its id and its opening event's.
    pub links: Vec<String>,
    /// When its agent first acted after containment (a `detection.violation`), and how
    /// often: the incident then reads "containment breached", never contained.
    pub breached_at: Option<Timestamp>,
    pub breaches: u64,
}

/// The clocks an incident view shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timers {
    /// From the start to the close, or to `now` while it is not closed.
    pub open_for: TimeDelta,
    pub to_contain: Option<TimeDelta>,
    pub to_resolve: Option<TimeDelta>,
}

impl Incident {
    /// The state as people read it: `containment breached` while its agent has acted
    /// after being contained and it is not resolved yet.
    pub fn state_word(&self) -> &'static str {
        if self.is_breached() {
            "containment breached"
        } else {
            self.state.as_str()
        }
    }

    /// Its agent acted after containment, and the incident is not resolved.
    pub fn is_breached(&self) -> bool {
        self.breached_at.is_some() && self.state < IncidentState::Resolved
    }

    pub fn timers(&self, now: Timestamp) -> Timers {
        let since = |t: Timestamp| (t.0 - self.started_at.0).max(TimeDelta::zero());
        Timers {
            open_for: since(self.closed_at.unwrap_or(now)),
            to_contain: self.contained_at.map(since),
            to_resolve: self.resolved_at.map(since),
        }
    }

    /// The checklist of `playbook` as this incident's steps leave it.
    pub fn checklist(&self, playbook: &Playbook) -> Checklist {
        let records = self
            .steps
            .iter()
            .filter(|s| s.playbook.as_deref().is_none_or(|p| p == playbook.id))
            .map(|s| &s.record);
        Checklist::replay(playbook, records)
    }

    fn reach(&mut self, state: IncidentState, at: Timestamp) {
        let slot = match state {
            IncidentState::Open => return,
            IncidentState::Contained => &mut self.contained_at,
            IncidentState::Resolved => &mut self.resolved_at,
            IncidentState::Closed => &mut self.closed_at,
        };
        if slot.is_none() {
            *slot = Some(at);
        }
        self.state = self.state.max(state);
    }

    /// A later state implies the earlier ones, at the latest when it was reached.
    fn settle(&mut self) {
        if self.resolved_at.is_none() {
            self.resolved_at = self.closed_at;
        }
        if self.contained_at.is_none() {
            self.contained_at = self.resolved_at;
        }
    }
}

/// Every incident the events open, in the order they were opened. Pass events in ledger
/// (`seq`) order; events of incidents that were never opened are ignored, and so are
/// `incident.*` and `control.*` records custody did not seal (`Event::is_trusted`).
pub fn derive<'a>(events: impl IntoIterator<Item = &'a Event>) -> Vec<Incident> {
    let events: Vec<&Event> = events.into_iter().filter(|e| e.is_trusted()).collect();
    let mut incidents: Vec<Incident> = Vec::new();
    let mut by_link: HashMap<String, usize> = HashMap::new();
    for e in events.iter().filter(|e| e.kind == "incident.open") {
        let Some(params) = record::read(e) else {
            continue;
        };
        if by_link.contains_key(&params.incident) {
            continue;
        }
        let i = incidents.len();
        let incident = record::opened(e, params);
        for link in &incident.links {
            by_link.entry(link.clone()).or_insert(i);
        }
        incidents.push(incident);
    }
    for e in events {
        let (params, target) = if e.kind.starts_with("incident.") {
            let params = record::read(e);
            let target = params.as_ref().and_then(|p| by_link.get(&p.incident));
            (params, target)
        } else if is_linked_kind(&e.kind) {
            (None, linked_incident(e, &by_link))
        } else if e.kind == "detection.violation" {
            let target = linked_incident(e, &by_link).copied().or_else(|| {
                let agent = e.agent_id()?;
                incidents.iter().rposition(|i| {
                    i.state != IncidentState::Closed && i.agent.as_deref() == Some(agent)
                })
            });
            if let Some(incident) = target.and_then(|i| incidents.get_mut(i)) {
                incident.events.push(e.event_id.clone());
                incident.breaches += 1;
                incident.breached_at.get_or_insert(e.time);
            }
            continue;
        } else {
            continue;
        };
        let Some(incident) = target.and_then(|&i| incidents.get_mut(i)) else {
            continue;
        };
        incident.events.push(e.event_id.clone());
        if e.time < incident.started_at {
            incident.started_at = e.time;
        }
        match (e.kind.as_str(), params) {
            ("incident.open", _) => {}
            ("incident.step", Some(p)) => record::apply_step(incident, e, p),
            ("incident.close", _) => {
                incident.reach(IncidentState::Closed, e.time);
                if incident.summary.is_none() {
                    incident.summary = e.justification.clone();
                }
            }
            (kind, _) if contains(kind, e) => incident.reach(IncidentState::Contained, e.time),
            _ => {}
        }
    }
    for incident in &mut incidents {
        incident.settle();
    }
    incidents
}

/// Events that belong to an incident by correlation: the responders' controls and calls.
fn is_linked_kind(kind: &str) -> bool {
    kind.starts_with("control.") || kind == "human.intervention"
}

fn linked_incident<'m>(e: &Event, by_link: &'m HashMap<String, usize>) -> Option<&'m usize> {
    let named = e
        .action
        .as_ref()
        .and_then(|a| a.params.as_ref())
        .and_then(|p| p.get("incident"))
        .and_then(|v| v.as_str());
    named
        .and_then(|id| by_link.get(id))
        .or_else(|| by_link.get(e.correlation_id()?))
}

/// A pause or token revocation that took effect contains the incident.
fn contains(kind: &str, e: &Event) -> bool {
    matches!(kind, "control.pause" | "control.revoke_token")
        && e.outcome_status()
            .is_none_or(|s| s == OutcomeStatus::Success)
}

#[cfg(test)]
mod control_tests;
#[cfg(test)]
mod demo_tests;
#[cfg(test)]
mod tests;
