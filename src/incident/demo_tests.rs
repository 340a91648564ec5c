//! The demo's incidents, written before this module fixed the `incident.*` shapes, still
//! derive: ids, titles, links and states come out right.
#![allow(clippy::unwrap_used)]

use super::*;
use serde_json::json;

fn at(minute: i64) -> Timestamp {
    Timestamp::from_millis(1_795_000_000_000 + minute * 60_000).unwrap()
}

/// An event as custody sealed it (the demo's history marks its own responders' events).
fn event(v: serde_json::Value) -> Event {
    serde_json::from_value::<Event>(v)
        .unwrap()
        .sealed_by_custody()
}

/// The demo's shape: no title, params `{incident, severity}`, a response correlation id
/// shared with the responders' control events.
#[test]
fn events_in_the_demo_shape_are_read_too() {
    let demo_open = event(json!({
        "event_id": "d1", "time": at(0).to_rfc3339(), "kind": "incident.open",
        "actor": {"type": "human", "id": "priya"}, "tier": "T3",
        "context": {"correlation_id": "cor-inc-response"},
        "action": {"type": "incident.open", "resource": "incident://INC-4471",
                   "params": {"incident": "INC-4471", "severity": "SEV2"}},
        "justification": "INC-4471 opened: PII in a QA bucket. Legal paged."
    }));
    let revoke = event(json!({
        "event_id": "d2", "time": at(3).to_rfc3339(), "kind": "control.revoke_token",
        "actor": {"type": "human", "id": "lena"}, "agent": {"id": "data-sync"},
        "context": {"correlation_id": "cor-inc-response"}, "outcome": {"status": "success"}
    }));
    let i = derive(&[demo_open, revoke]).remove(0);
    assert_eq!(
        (i.id.as_str(), i.title.as_str(), i.state),
        (
            "INC-4471",
            "INC-4471 opened: PII in a QA bucket.",
            IncidentState::Contained
        )
    );
}

/// The demo history, whose incidents predate this module's event shapes.
fn demo_events() -> Vec<Event> {
    let spec = crate::demo::DemoSpec {
        seed: 7,
        events: 3_000,
        days: 7,
        until: "2026-11-23T12:00:00Z".parse().unwrap(),
    };
    crate::demo::history(&spec).collect()
}

#[test]
fn the_demo_incidents_derive_as_closed() {
    let events = demo_events();
    let mut found: Vec<(String, IncidentState)> = derive(&events)
        .into_iter()
        .map(|i| (i.id, i.state))
        .collect();
    found.sort();
    let closed = |id: &str| (id.to_string(), IncidentState::Closed);
    assert_eq!(
        found,
        vec![
            closed("GD-2026-Q4"),
            closed("INC-4471"),
            closed("INC-4502"),
            closed("INC-4519")
        ]
    );
}

#[test]
fn the_demo_drill_leaves_no_real_agent_paused() {
    let events = demo_events();
    let states = agent_states(&events);
    assert_ne!(
        states.get("autoscaler").map(AgentControl::state),
        Some(ControlState::Paused)
    );
}
