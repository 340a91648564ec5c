//! Incident state, timers and checklists, derived from `incident.*` and linked events.
#![allow(clippy::unwrap_used)]

use super::record::{close, open, update};
use super::*;
use crate::playbook::StepChange;
use serde_json::json;

const ID: &str = "INC-7";

/// Minutes after 01:00 on a fixed day.
fn at(minute: i64) -> Timestamp {
    Timestamp::from_millis(1_795_000_000_000 + minute * 60_000).unwrap()
}

fn event(v: serde_json::Value) -> Event {
    serde_json::from_value(v).unwrap()
}

/// The agent's own T3 export that starts it all.
fn trigger() -> Event {
    event(json!({
        "event_id": "ev-export", "time": at(-3).to_rfc3339(), "kind": "ai.action",
        "agent": {"id": "data-sync"}, "tier": "T3", "reason_code": "data_export",
        "context": {"correlation_id": "cor-export"}
    }))
}

fn opening(minute: i64) -> Event {
    let mut params = IncidentParams::new(ID);
    params.title = Some("PII exported to QA bucket".into());
    let t = trigger();
    open(
        format!("ev-open-{minute}"),
        at(minute),
        "ana",
        params,
        &[&t],
        "Customer PII in a QA bucket.",
    )
}

fn state(minute: i64, s: DeclaredState) -> Event {
    let mut params = IncidentParams::new(ID);
    params.state = Some(s);
    update(
        format!("ev-state-{minute}"),
        at(minute),
        "ana",
        &opened(),
        params,
        "declared",
    )
}

/// The incident as its opening alone makes it: what the builders write against.
fn opened() -> Incident {
    derive(&[opening(0)]).remove(0)
}

fn step(minute: i64, who: &str, step: &str, change: StepChange) -> Event {
    let params = IncidentParams::step(ID, "rogue-agent", step, &change);
    let text = match &change {
        StepChange::Complete { note } => note.clone(),
        _ => "why".into(),
    };
    update(
        format!("ev-step-{minute}"),
        at(minute),
        who,
        &opened(),
        params,
        &text,
    )
}

/// A control event by a responder, correlated with `correlation`, as custody seals it.
fn control(minute: i64, kind: &str, status: &str, correlation: &str) -> Event {
    event(json!({
        "event_id": format!("ev-{kind}-{minute}"), "time": at(minute).to_rfc3339(), "kind": kind,
        "actor": {"type": "human", "id": "ben"}, "agent": {"id": "data-sync"},
        "context": {"correlation_id": correlation},
        "outcome": {"status": status}, "justification": "stop it"
    }))
    .sealed_by_custody()
}

/// The same event as a producer could have ingested it before ingest refused the kind.
fn forged(mut e: Event) -> Event {
    e.sealed_by = None;
    e
}

#[test]
fn a_forged_close_does_not_close_the_incident() {
    let incident = only(&[opening(0), forged(close_at(5))]);
    assert_eq!(incident.state, IncidentState::Open);
}

#[test]
fn a_forged_opening_opens_no_incident() {
    assert!(derive(&[forged(opening(0))]).is_empty());
}

#[test]
fn a_forged_pause_does_not_contain_the_incident() {
    let pause = forged(control(3, "control.pause", "success", ID));
    assert_eq!(only(&[opening(0), pause]).contained_at, None);
}

fn close_at(minute: i64) -> Event {
    close(
        format!("ev-close-{minute}"),
        at(minute),
        "ana",
        &opened(),
        "done",
    )
}

fn only(events: &[Event]) -> Incident {
    let mut all = derive(events);
    assert_eq!(all.len(), 1, "expected one incident");
    all.remove(0)
}

#[test]
fn an_opened_incident_is_open() {
    assert_eq!(only(&[opening(0)]).state, IncidentState::Open);
}

#[test]
fn severity_comes_from_the_triggering_tier() {
    assert_eq!(only(&[opening(0)]).severity, Severity::Sev1);
}

#[test]
fn an_explicit_severity_overrides_the_tier() {
    let mut e = opening(0);
    e.action.as_mut().unwrap().params.as_mut().unwrap()["severity"] = json!("SEV3");
    assert_eq!(only(&[e]).severity, Severity::Sev3);
}

#[test]
fn the_operator_who_opens_it_is_commander() {
    assert_eq!(only(&[opening(0)]).commander, "ana");
}

#[test]
fn the_opening_records_the_triggering_events() {
    assert_eq!(only(&[opening(0)]).triggers, vec!["ev-export"]);
}

#[test]
fn the_opening_names_the_suspected_agent() {
    assert_eq!(only(&[opening(0)]).agent.as_deref(), Some("data-sync"));
}

#[test]
fn a_successful_linked_pause_contains_the_incident() {
    let i = only(&[opening(0), control(4, "control.pause", "success", ID)]);
    assert_eq!(
        (i.state, i.contained_at),
        (IncidentState::Contained, Some(at(4)))
    );
}

#[test]
fn a_pause_intent_without_its_result_does_not_contain() {
    let i = only(&[opening(0), control(4, "control.pause", "pending", ID)]);
    assert_eq!(i.state, IncidentState::Open);
}

#[test]
fn a_failed_token_revocation_does_not_contain() {
    let i = only(&[
        opening(0),
        control(4, "control.revoke_token", "failure", ID),
    ]);
    assert_eq!(i.state, IncidentState::Open);
}

#[test]
fn a_control_on_another_correlation_is_not_linked() {
    let i = only(&[
        opening(0),
        control(4, "control.pause", "success", "cor-other"),
    ]);
    assert_eq!(i.events, vec!["ev-open-0"]);
}

#[test]
fn the_commander_can_declare_it_contained() {
    let i = only(&[opening(0), state(6, DeclaredState::Contained)]);
    assert_eq!(i.contained_at, Some(at(6)));
}

#[test]
fn a_declared_resolution_resolves_it() {
    let i = only(&[
        opening(0),
        state(6, DeclaredState::Contained),
        state(30, DeclaredState::Resolved),
    ]);
    assert_eq!(
        (i.state, i.resolved_at),
        (IncidentState::Resolved, Some(at(30)))
    );
}

#[test]
fn closing_it_closes_it_with_the_summary() {
    let i = only(&[
        opening(0),
        close(
            "ev-close".into(),
            at(60),
            "ana",
            &opened(),
            "Purged; no reads.",
        ),
    ]);
    assert_eq!(
        (i.state, i.summary.as_deref()),
        (IncidentState::Closed, Some("Purged; no reads."))
    );
}

#[test]
fn closing_an_unresolved_incident_resolves_it_at_the_close() {
    let i = only(&[
        opening(0),
        close("ev-close".into(), at(60), "ana", &opened(), "done"),
    ]);
    assert_eq!(
        (i.contained_at, i.resolved_at),
        (Some(at(60)), Some(at(60)))
    );
}

#[test]
fn state_only_moves_forwards() {
    let i = only(&[
        opening(0),
        state(10, DeclaredState::Resolved),
        state(20, DeclaredState::Contained),
    ]);
    assert_eq!(i.state, IncidentState::Resolved);
}

#[test]
fn timers_measure_from_the_opening() {
    let i = only(&[
        opening(0),
        control(5, "control.pause", "success", ID),
        state(45, DeclaredState::Resolved),
    ]);
    let t = i.timers(at(50));
    let minutes = |d: Option<TimeDelta>| d.map(|d| d.num_minutes());
    assert_eq!(
        (
            t.open_for.num_minutes(),
            minutes(t.to_contain),
            minutes(t.to_resolve)
        ),
        (50, Some(5), Some(45))
    );
}

#[test]
fn the_open_timer_stops_at_the_close() {
    let i = only(&[
        opening(0),
        close("ev-close".into(), at(90), "ana", &opened(), "done"),
    ]);
    assert_eq!(i.timers(at(500)).open_for.num_minutes(), 90);
}

#[test]
fn an_open_incident_has_no_containment_time_yet() {
    assert_eq!(only(&[opening(0)]).timers(at(10)).to_contain, None);
}

#[test]
fn a_pause_before_the_opening_starts_the_clock_there() {
    let i = only(&[control(-2, "control.pause", "success", ID), opening(0)]);
    assert_eq!(i.timers(at(10)).open_for.num_minutes(), 12);
}

#[test]
fn events_of_an_incident_never_opened_are_ignored() {
    assert!(derive(&[state(5, DeclaredState::Resolved)]).is_empty());
}

#[test]
fn a_second_opening_with_the_same_id_is_not_a_second_incident() {
    assert_eq!(derive(&[opening(0), opening(1)]).len(), 1);
}

#[test]
fn a_step_started_but_not_done_still_blocks_the_next_one() {
    let i = only(&[
        opening(0),
        step(
            1,
            "ana",
            "triage",
            StepChange::Complete {
                note: "loop on restarts".into(),
            },
        ),
        step(2, "ana", "pause-agent", StepChange::Start),
    ]);
    let pb = crate::playbook::builtin()
        .get("rogue-agent")
        .cloned()
        .unwrap();
    assert_eq!(
        i.checklist(&pb).may_start("verify-paused"),
        Err(crate::playbook::Refusal::Prerequisites {
            step: "verify-paused".into(),
            pending: vec!["pause-agent".into()]
        })
    );
}

#[test]
fn a_recorded_step_keeps_its_operator_and_note() {
    let i = only(&[
        opening(0),
        step(
            1,
            "ben",
            "triage",
            StepChange::Complete {
                note: "loop on restarts".into(),
            },
        ),
    ]);
    let pb = crate::playbook::builtin()
        .get("rogue-agent")
        .cloned()
        .unwrap();
    let status = i.checklist(&pb).step("triage").unwrap().status.clone();
    assert_eq!(
        status,
        crate::playbook::StepStatus::Done {
            by: "ben".into(),
            at: at(1),
            note: "loop on restarts".into()
        }
    );
}

#[test]
fn a_step_event_can_hand_over_command() {
    let mut params = IncidentParams::new(ID);
    params.commander = Some("chen".into());
    let handover = update(
        "ev-h".into(),
        at(3),
        "ana",
        &opened(),
        params,
        "handing over to chen",
    );
    assert_eq!(only(&[opening(0), handover]).commander, "chen");
}

#[test]
fn an_incident_opened_from_an_exercise_event_is_an_exercise() {
    let mut t = trigger();
    t.exercise = true;
    let e = open(
        "ev-open".into(),
        at(0),
        "ana",
        IncidentParams::new(ID),
        &[&t],
        "drill",
    );
    assert!(only(&[e]).exercise);
}

#[test]
fn the_written_events_carry_the_incident_id_as_correlation() {
    assert_eq!(opening(0).correlation_id(), Some(ID));
}

#[test]
fn a_step_written_for_an_exercise_incident_is_an_exercise_event() {
    let mut t = trigger();
    t.exercise = true;
    let drill_open = open(
        "ev-open".into(),
        at(0),
        "ana",
        IncidentParams::new(ID),
        &[&t],
        "drill",
    );
    let drill = derive(&[drill_open]).remove(0);
    let e = update(
        "ev-s".into(),
        at(1),
        "ana",
        &drill,
        IncidentParams::new(ID),
        "note",
    );
    assert!(e.exercise);
}

#[test]
fn a_step_event_carries_the_incident_tier_for_filters() {
    let e = step(1, "ana", "triage", StepChange::Start);
    assert_eq!(e.tier, Some(Tier::T3));
}
