//! Reading what responders need from the store: the events incidents and control state
//! are derived from, and single events by id. Derivation itself is pure (`incident`).

use super::events::CONTROL_KINDS;
use crate::event::Event;
use crate::incident::{self, AgentControl, Incident};
use crate::ledger::seal::event_from_record;
use crate::query::{Filter, Page};
use crate::store::projection::{Projected, ProjectedIncidents, ProjectionState};
use crate::store::{Store, StoreError};
use std::collections::HashMap;

/// Every kind incidents and control state are folded from.
pub fn response_kinds() -> Vec<String> {
    let mut kinds: Vec<String> = ["incident.open", "incident.step", "incident.close"]
        .into_iter()
        .chain(CONTROL_KINDS)
        .chain([
            "human.intervention",
            "detection.violation",
            "exercise.start",
            "exercise.end",
        ])
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

/// The response side of the ledger, derived: read from the store's projection
/// (`situation`), or folded from events (`Situation::derive`, for tests and tools).
#[derive(Debug, Clone, Default)]
pub struct Situation {
    /// The newest `seq` this situation reflects: response events after it are not in it.
    pub through: u64,
    /// Incidents in the order they were opened: every one not closed, and the newest
    /// closed ones (`CLOSED_SHOWN`); others are read by id on demand.
    pub incidents: Vec<Incident>,
    pub agents: HashMap<String, AgentControl>,
    /// Control intents no result points to, with their `seq`.
    pub unresolved: Vec<(u64, Event)>,
    /// Events already rolled back: target event id → the rollback's `seq`.
    pub rollbacks: HashMap<String, u64>,
    /// The highest `N` of any incident `INC-N` in the ledger, carried or not.
    pub highest_incident: Option<u64>,
    /// A game day is running on this store (see `exercise_running`).
    pub exercise_running: bool,
}

/// Closed incidents a situation read from the store carries besides the open ones.
pub const CLOSED_SHOWN: u32 = 20;

impl Situation {
    /// The pure folds over response events in ledger order, with their `seq`. Records of
    /// custody's kinds that custody did not seal change nothing derived.
    pub fn derive(events: Vec<(u64, Event)>) -> Situation {
        let derived = super::derived::derive(&events);
        let unresolved = events
            .iter()
            .filter(|(_, e)| derived.unresolved.contains(&e.event_id))
            .cloned()
            .collect();
        Situation {
            through: events.last().map_or(0, |(seq, _)| *seq),
            incidents: derived.incidents,
            agents: derived.agents,
            unresolved,
            rollbacks: derived.rolled_back,
            highest_incident: None,
            exercise_running: exercise_running(events.iter().map(|(_, e)| e)),
        }
    }

    /// A situation as the store's projection holds it.
    pub fn from_projection(p: Projected) -> Situation {
        Situation {
            through: p.head,
            incidents: p.incidents,
            agents: p.agents,
            unresolved: p.unresolved,
            rollbacks: p.rolled_back,
            highest_incident: p.highest_incident,
            exercise_running: false,
        }
    }

    /// The next free `INC-N` id, counting incidents this situation does not carry.
    pub fn next_incident_id(&self) -> String {
        let carried = super::work::next_incident_id(&self.incidents);
        let carried: u64 = carried
            .strip_prefix("INC-")
            .and_then(|n| n.parse().ok())
            .unwrap_or(1000);
        let next = self
            .highest_incident
            .map_or(carried, |h| carried.max(h + 1));
        format!("INC-{next}")
    }

    /// The `seq` of a successful `control.rollback` of `event_id`, if it was rolled back.
    pub fn rolled_back(&self, event_id: &str) -> Option<u64> {
        self.rollbacks.get(event_id).copied()
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

    /// A game day is running on this store.
    pub fn exercise_running(&self) -> bool {
        self.exercise_running
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

/// Incidents, control state, open intents and rollback marks, read from the store's
/// projection (rebuilt from the ledger first when it is missing or behind): what opening
/// the console costs does not grow with the history.
pub async fn situation(store: &Store) -> Result<Situation, StoreError> {
    situation_of(store, ProjectedIncidents::OpenAndRecent(CLOSED_SHOWN)).await
}

/// `situation`, with the incidents `which` asks for. A projection that is behind is
/// rebuilt first; on a store opened for reading it cannot be, and the situation is
/// folded from the ledger's response events instead.
pub async fn situation_of(
    store: &Store,
    which: ProjectedIncidents,
) -> Result<Situation, StoreError> {
    if store.projection_state().await? != ProjectionState::Current {
        if store.check_writable().is_err() {
            let events = all_response_events(store, u64::MAX).await?;
            return Ok(Situation::derive(events));
        }
        store
            .rebuild_projection(false, REBUILD_CHUNK, |_, _| {})
            .await?;
    }
    let mut situation = Situation::from_projection(store.projected(which).await?);
    let runs = Filter {
        kinds: vec!["exercise.start".into(), "exercise.end".into()],
        ..Filter::default()
    };
    let runs = all_events(store, &runs, |e| e).await?;
    situation.exercise_running = exercise_running(runs.iter().map(|(_, e)| e));
    Ok(situation)
}

/// An `exercise.start` custody sealed with no `exercise.end` of the same run (the run id
/// is the correlation id).
fn exercise_running<'a>(events: impl Iterator<Item = &'a Event> + Clone) -> bool {
    let run = |e: &Event| e.correlation_id().map(str::to_string);
    let trusted = || events.clone().filter(|e| e.is_trusted());
    trusted()
        .filter(|e| e.kind == "exercise.start")
        .any(|s| !trusted().any(|e| e.kind == "exercise.end" && run(e) == run(s)))
}

/// Every `control.*` state change (pause, resume, revocation), oldest first: for readers
/// that fold real and exercise control state themselves (a game day's runner).
pub async fn control_events(store: &Store) -> Result<Vec<(u64, Event)>, StoreError> {
    let filter = Filter {
        kinds: ["control.pause", "control.resume", "control.revoke_token"]
            .map(str::to_string)
            .to_vec(),
        ..Filter::default()
    };
    all_events(store, &filter, |e| e).await
}

/// Response events folded per write transaction when the projection is rebuilt.
pub const REBUILD_CHUNK: usize = 2000;

/// One incident by id, open or closed long ago, from the projection.
pub async fn incident(store: &Store, id: &str) -> Result<Option<Incident>, StoreError> {
    store.projected_incident(id).await
}

/// Every response event up to `through`, oldest first, trimmed (`slim`): what the
/// projection is checked against.
pub async fn all_response_events(
    store: &Store,
    through: u64,
) -> Result<Vec<(u64, Event)>, StoreError> {
    let filter = Filter {
        kinds: response_kinds(),
        ..Filter::default()
    };
    let mut events = all_events(store, &filter, slim).await?;
    events.retain(|(seq, _)| *seq <= through);
    Ok(events)
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
