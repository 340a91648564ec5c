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
    agent_states, apply as apply_control, exercise_agent_states, target_agent, AgentControl,
    ControlMark, ControlState,
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncidentStep {
    pub playbook: Option<String>,
    pub record: StepRecord,
    pub event_id: String,
}

/// One incident as the ledger tells it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
    #[serde(default)]
    pub breached_at: Option<Timestamp>,
    #[serde(default)]
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

    /// A later state implies the earlier ones, at the latest when it was reached: the
    /// incident as `derive` returns it. `Fold` holds incidents before this step.
    pub fn settled(mut self) -> Incident {
        if self.resolved_at.is_none() {
            self.resolved_at = self.closed_at;
        }
        if self.contained_at.is_none() {
            self.contained_at = self.resolved_at;
        }
        self
    }
}

/// Every incident the events open, in the order they were opened. Pass events in ledger
/// (`seq`) order; events of incidents that were never opened are ignored, and so are
/// `incident.*` and `control.*` records custody did not seal (`Event::is_trusted`).
pub fn derive<'a>(events: impl IntoIterator<Item = &'a Event>) -> Vec<Incident> {
    let events: Vec<&Event> = events.into_iter().filter(|e| e.is_trusted()).collect();
    let mut fold = Fold::default();
    for e in &events {
        fold.open(e);
    }
    for e in events {
        fold.apply(e);
    }
    fold.finish()
}

/// The state `derive` folds, kept open so a reader can advance it a batch at a time (the
/// store's projection): `derive` is `open` over every event, then `apply` over every
/// event, then `finish`. Incidents are held unsettled (see `Incident::settled`).
#[derive(Debug, Clone, Default)]
pub struct Fold {
    pub incidents: Vec<Incident>,
    /// Which incident each link names: the first incident to claim a link keeps it.
    pub by_link: HashMap<String, usize>,
}

impl Fold {
    /// Opens the incident `e` opens (an `incident.open` custody sealed, for an id no
    /// incident links yet); its index, or `None` when it opens nothing new.
    pub fn open(&mut self, e: &Event) -> Option<usize> {
        if e.kind != "incident.open" || !e.is_trusted() {
            return None;
        }
        let params = record::read(e)?;
        if self.by_link.contains_key(&params.incident) {
            return None;
        }
        let i = self.incidents.len();
        let incident = record::opened(e, params);
        for link in &incident.links {
            self.by_link.entry(link.clone()).or_insert(i);
        }
        self.incidents.push(incident);
        Some(i)
    }

    /// Folds one event into the incident it belongs to; the incident's index, or `None`
    /// when it belongs to none. Pass events in ledger order.
    pub fn apply(&mut self, e: &Event) -> Option<usize> {
        let i = self.target(e)?;
        let params = e
            .kind
            .starts_with("incident.")
            .then(|| record::read(e))
            .flatten();
        let incident = self.incidents.get_mut(i)?;
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
            ("detection.violation", _) => {
                incident.breaches += 1;
                incident.breached_at.get_or_insert(e.time);
            }
            (kind, _) if contains(kind, e) => incident.reach(IncidentState::Contained, e.time),
            _ => {}
        }
        Some(i)
    }

    /// The incident `apply` would fold `e` into, without folding it.
    pub fn target(&self, e: &Event) -> Option<usize> {
        if !e.is_trusted() {
            return None;
        }
        if e.kind.starts_with("incident.") {
            let params = record::read(e)?;
            self.by_link.get(&params.incident).copied()
        } else if is_linked_kind(&e.kind) {
            linked_incident(e, &self.by_link).copied()
        } else {
            None
        }
    }

    /// The incidents, settled, in the order they were opened.
    pub fn finish(self) -> Vec<Incident> {
        self.incidents.into_iter().map(Incident::settled).collect()
    }
}

/// The links an event may be looked up by when it is folded: the incident an
/// `incident.*` event names, or the incident and correlation id a linked event carries.
/// Empty for events no incident can hold.
pub fn link_keys(e: &Event) -> Vec<String> {
    if e.kind.starts_with("incident.") {
        let Some(p) = record::read(e) else {
            return Vec::new();
        };
        let mut keys = vec![p.incident];
        if e.kind == "incident.open" {
            keys.extend(e.correlation_id().map(str::to_string));
        }
        keys
    } else if is_linked_kind(&e.kind) {
        let named = e
            .action
            .as_ref()
            .and_then(|a| a.params.as_ref())
            .and_then(|p| p.get("incident"))
            .and_then(|v| v.as_str());
        named
            .into_iter()
            .chain(e.correlation_id())
            .map(str::to_string)
            .collect()
    } else {
        Vec::new()
    }
}

/// Events that belong to an incident by correlation: the responders' controls and calls.
fn is_linked_kind(kind: &str) -> bool {
    kind.starts_with("control.") || kind == "human.intervention" || kind == "detection.violation"
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
