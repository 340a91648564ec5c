//! The projection checked against the ledger: every response event read again, folded by
//! the pure folds (`incident::derive`, `incident::agent_states`,
//! `respond::events::unresolved_intents`, the first successful rollback of each event),
//! and compared with what the store's projection holds. The projection is derived data:
//! this is what keeps it honest (`custody projection verify`, `custody verify --deep`).
//! It reads; it never repairs (`Store::rebuild_projection` does).

use super::events::unresolved_intents;
use super::load::all_response_events;
use crate::event::{Event, OutcomeStatus};
use crate::incident::{self, AgentControl, Incident};
use crate::store::projection::{Projected, ProjectedIncidents};
use crate::store::{Store, StoreError};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// What the pure folds make of the ledger's response events.
#[derive(Debug, Clone, Default)]
pub struct Derived {
    pub incidents: Vec<Incident>,
    pub agents: HashMap<String, AgentControl>,
    pub exercise_agents: HashMap<String, AgentControl>,
    /// Event ids of the intents no result points to.
    pub unresolved: BTreeSet<String>,
    pub rolled_back: HashMap<String, u64>,
}

/// The pure folds over response events in ledger order, with their `seq`.
pub fn derive(events: &[(u64, Event)]) -> Derived {
    let trusted = || events.iter().map(|(_, e)| e).filter(|e| e.is_trusted());
    let mut rolled_back = HashMap::new();
    for (seq, e) in events {
        if e.kind == "control.rollback"
            && e.is_trusted()
            && e.outcome_status() == Some(OutcomeStatus::Success)
        {
            if let Some(t) = target_event(e) {
                rolled_back.entry(t.to_string()).or_insert(*seq);
            }
        }
    }
    Derived {
        incidents: incident::derive(trusted()),
        agents: incident::agent_states(trusted()),
        exercise_agents: incident::exercise_agent_states(trusted()),
        unresolved: unresolved_intents(trusted())
            .into_iter()
            .map(|e| e.event_id.clone())
            .collect(),
        rolled_back,
    }
}

fn target_event(e: &Event) -> Option<&str> {
    e.action
        .as_ref()?
        .params
        .as_ref()?
        .get("target_event")?
        .as_str()
}

/// Every way `projected` differs from `derived`, one line each (empty when they agree).
pub fn differences(projected: &Projected, derived: &Derived) -> Vec<String> {
    let mut out = Vec::new();
    let stored: BTreeMap<&str, &Incident> = projected
        .incidents
        .iter()
        .map(|i| (i.id.as_str(), i))
        .collect();
    let folded: BTreeMap<&str, &Incident> = derived
        .incidents
        .iter()
        .map(|i| (i.id.as_str(), i))
        .collect();
    for (id, i) in &folded {
        match stored.get(id) {
            None => out.push(format!("incident {id} is missing from the projection")),
            Some(s) if s != i => out.push(format!(
                "incident {id} differs: the ledger says {} ({} events), the projection {} ({} events)",
                i.state.as_str(),
                i.events.len(),
                s.state.as_str(),
                s.events.len()
            )),
            Some(_) => {}
        }
    }
    for id in stored.keys().filter(|id| !folded.contains_key(*id)) {
        out.push(format!(
            "incident {id} is in the projection but not in the ledger"
        ));
    }
    let order_stored: Vec<&str> = projected.incidents.iter().map(|i| i.id.as_str()).collect();
    let order_folded: Vec<&str> = derived.incidents.iter().map(|i| i.id.as_str()).collect();
    if out.is_empty() && order_stored != order_folded {
        out.push("incidents are listed in another order than they were opened".into());
    }
    agents(&mut out, "agent", &projected.agents, &derived.agents);
    agents(
        &mut out,
        "drill agent",
        &projected.exercise_agents,
        &derived.exercise_agents,
    );
    let stored: BTreeSet<String> = projected
        .unresolved
        .iter()
        .map(|(_, e)| e.event_id.clone())
        .collect();
    for id in derived.unresolved.symmetric_difference(&stored) {
        let side = if stored.contains(id) {
            "the projection lists it as unresolved; the ledger has its result"
        } else {
            "the ledger has no result for it; the projection does not list it"
        };
        out.push(format!("intent {id}: {side}"));
    }
    let mut targets: BTreeSet<&String> = derived.rolled_back.keys().collect();
    targets.extend(projected.rolled_back.keys());
    for t in targets {
        let (a, b) = (derived.rolled_back.get(t), projected.rolled_back.get(t));
        if a != b {
            out.push(format!(
                "rollback mark of {t}: the ledger says {}, the projection {}",
                seq_or_none(a),
                seq_or_none(b)
            ));
        }
    }
    out
}

fn seq_or_none(s: Option<&u64>) -> String {
    s.map_or("none".into(), |s| format!("seq {s}"))
}

fn agents(
    out: &mut Vec<String>,
    what: &str,
    stored: &HashMap<String, AgentControl>,
    folded: &HashMap<String, AgentControl>,
) {
    let mut names: BTreeSet<&String> = stored.keys().collect();
    names.extend(folded.keys());
    for name in names {
        let (a, b) = (folded.get(name), stored.get(name));
        if a != b {
            let state = |c: Option<&AgentControl>| c.map_or("absent", |c| c.state().as_str());
            out.push(format!(
                "{what} {name}: the ledger says {}, the projection {}",
                state(a),
                state(b)
            ));
        }
    }
}

/// Re-derives the projection from the ledger and lists every difference. Reads every
/// response event (their bodies trimmed as the console's situation trims them).
pub async fn check(store: &Store) -> Result<Vec<String>, StoreError> {
    let projected = store.projected(ProjectedIncidents::All).await?;
    let events = all_response_events(store, projected.head).await?;
    Ok(differences(&projected, &derive(&events)))
}
