//! Reading what responders need from the store: the events incidents and control state
//! are derived from, and single events by id. Derivation itself is pure (`incident`).

use super::events::{unresolved_intents, CONTROL_KINDS};
use crate::event::Event;
use crate::incident::{self, AgentControl, Incident};
use crate::ledger::seal::event_from_record;
use crate::query::{Filter, Page};
use crate::store::{Store, StoreError};
use std::collections::HashMap;

/// Every kind incidents and control state are folded from.
pub fn response_kinds() -> Vec<String> {
    let mut kinds: Vec<String> = ["incident.open", "incident.step", "incident.close"]
        .into_iter()
        .chain(CONTROL_KINDS)
        .chain(["human.intervention", "exercise.start", "exercise.end"])
        .map(str::to_string)
        .collect();
    kinds.sort();
    kinds
}

/// What the situation keeps of the many events that only link to incidents or mark an
/// action as rolled back (a busy log holds thousands of rollbacks and interventions):
/// who, when, which agent, the links and the outcome — not the payloads.
pub fn slim(mut e: Event) -> Event {
    if e.kind.starts_with("incident.")
        || matches!(
            e.kind.as_str(),
            "control.pause" | "control.resume" | "control.revoke_token"
        )
    {
        return e;
    }
    const KEEP: [&str; 3] = ["incident", "target_event", "playbook"];
    e.trigger = None;
    e.model = None;
    e.prompt = None;
    e.ai_output = None;
    e.policy = None;
    e.approval = None;
    e.reversibility = None;
    if let Some(a) = e.action.as_mut() {
        a.before = None;
        a.after = None;
        if let Some(serde_json::Value::Object(p)) = a.params.as_mut() {
            p.retain(|k, _| KEEP.contains(&k.as_str()));
        }
    }
    if let Some(o) = e.outcome.as_mut() {
        o.response = None;
        o.detail = None;
    }
    e
}

/// The response side of the ledger, derived.
#[derive(Debug, Clone, Default)]
pub struct Situation {
    /// The response events with their `seq`, in ledger order.
    pub events: Vec<(u64, Event)>,
    pub incidents: Vec<Incident>,
    pub agents: HashMap<String, AgentControl>,
    /// Control intents no result points to, with their `seq`.
    pub unresolved: Vec<(u64, Event)>,
}

impl Situation {
    /// Records of custody's kinds that custody did not seal are kept in `events` (the
    /// console shows them as forged-looking) but change nothing derived.
    pub fn derive(events: Vec<(u64, Event)>) -> Situation {
        let trusted = || events.iter().map(|(_, e)| e).filter(|e| e.is_trusted());
        let incidents = incident::derive(trusted());
        let agents = incident::agent_states(trusted());
        let open: Vec<&Event> = unresolved_intents(trusted());
        let unresolved = events
            .iter()
            .filter(|(_, e)| open.iter().any(|o| o.event_id == e.event_id))
            .cloned()
            .collect();
        Situation {
            events,
            incidents,
            agents,
            unresolved,
        }
    }

    /// The `seq` of a successful `control.rollback` of `event_id`, if it was rolled back.
    pub fn rolled_back(&self, event_id: &str) -> Option<u64> {
        self.events
            .iter()
            .filter(|(_, e)| {
                e.kind == "control.rollback"
                    && e.is_trusted()
                    && e.outcome_status() == Some(crate::event::OutcomeStatus::Success)
            })
            .find(|(_, e)| {
                e.action
                    .as_ref()
                    .and_then(|a| a.params.as_ref())
                    .and_then(|p| p.get("target_event"))
                    .and_then(|v| v.as_str())
                    == Some(event_id)
            })
            .map(|(seq, _)| *seq)
    }

    /// `plan::split_rollback`, with actions already rolled back moved to those that
    /// cannot be: undoing an undo twice is never what anyone meant.
    pub fn split_rollback(
        &self,
        actions: Vec<Event>,
    ) -> (Vec<Event>, Vec<(Event, super::plan::NotUndoable)>) {
        let (can, mut cannot) = super::plan::split_rollback(actions);
        let (again, can): (Vec<Event>, Vec<Event>) = can
            .into_iter()
            .partition(|e| self.rolled_back(&e.event_id).is_some());
        for e in again {
            let seq = self.rolled_back(&e.event_id).unwrap_or_default();
            cannot.push((e, super::plan::NotUndoable::AlreadyRolledBack { seq }));
        }
        (can, cannot)
    }

    /// A game day is running on this store: an `exercise.start` custody sealed with no
    /// `exercise.end` of the same run (the run id is the correlation id).
    pub fn exercise_running(&self) -> bool {
        let run = |e: &Event| e.correlation_id().map(str::to_string);
        let trusted = || {
            self.events
                .iter()
                .map(|(_, e)| e)
                .filter(|e| e.is_trusted())
        };
        trusted()
            .filter(|e| e.kind == "exercise.start")
            .any(|s| !trusted().any(|e| e.kind == "exercise.end" && run(e) == run(s)))
    }

    pub fn incident(&self, id: &str) -> Option<&Incident> {
        self.incidents.iter().find(|i| i.id == id)
    }

    /// The newest incident that is not closed (real ones before drills).
    pub fn active_incident(&self) -> Option<&Incident> {
        self.incidents
            .iter()
            .rev()
            .filter(|i| i.state != incident::IncidentState::Closed)
            .min_by_key(|i| i.exercise)
    }
}

/// Loads every response event and derives incidents, control state and open intents.
pub async fn situation(store: &Store) -> Result<Situation, StoreError> {
    let filter = Filter {
        kinds: response_kinds(),
        ..Filter::default()
    };
    let events = all_events(store, &filter, slim).await?;
    Ok(Situation::derive(events))
}

/// The agent registry, folded from the `agent.registry` events custody sealed.
pub async fn load_registry(store: &Store) -> Result<crate::identity::Registry, StoreError> {
    let filter = Filter {
        kinds: vec![crate::identity::registry::KIND.to_string()],
        ..Filter::default()
    };
    let events = all_events(store, &filter, |e| e).await?;
    Ok(crate::identity::registry::fold(
        events.iter().map(|(_, e)| e),
    ))
}

/// One event by its producer id, with its `seq`.
pub async fn event_by_id(
    store: &Store,
    event_id: &str,
) -> Result<Option<(u64, Event)>, StoreError> {
    let filter = Filter {
        event_ids: vec![event_id.to_string()],
        ..Filter::default()
    };
    let rows = store.rows(&filter, Page::oldest_first(0, 1)).await?;
    Ok(rows
        .first()
        .and_then(|r| Some((r.seq, event_from_record(&r.record).ok()?))))
}

/// An agent's actions since a time, oldest first: what a bulk rollback considers. Drill
/// (`exercise`) actions and real ones are never mixed: pass which kind is wanted.
pub async fn actions_since(
    store: &Store,
    agent: &str,
    since: crate::event::Timestamp,
    exercise: bool,
) -> Result<Vec<Event>, StoreError> {
    let filter = Filter {
        agents: vec![agent.to_string()],
        kinds: vec!["ai.action".into()],
        since: Some(since),
        ..Filter::default()
    };
    let events = all_events(store, &filter, |e| e).await?;
    Ok(events
        .into_iter()
        .map(|(_, e)| e)
        .filter(|e| e.exercise == exercise)
        .collect())
}

/// Every event matching `filter`, oldest first, with its `seq`, paged through the store;
/// `keep` trims each as it is read, so a page's full events never pile up.
async fn all_events(
    store: &Store,
    filter: &Filter,
    keep: fn(Event) -> Event,
) -> Result<Vec<(u64, Event)>, StoreError> {
    const PAGE: u32 = 5000;
    let mut events = Vec::new();
    let mut after = 0;
    loop {
        let rows = store.rows(filter, Page::oldest_first(after, PAGE)).await?;
        let Some(last) = rows.last() else { break };
        after = last.seq;
        let full = rows.len() == PAGE as usize;
        events.extend(
            rows.iter()
                .filter_map(|r| Some((r.seq, keep(event_from_record(&r.record).ok()?)))),
        );
        if !full {
            break;
        }
    }
    Ok(events)
}
