//! Agent control state: active, paused, token-revoked, with who, when and why.
#![allow(clippy::unwrap_used)]

use super::*;
use serde_json::json;

fn control(n: i64, kind: &str, agent: &str, status: Option<&str>) -> Event {
    let mut v = json!({
        "event_id": format!("c{n}"), "time": Timestamp::from_millis(1_795_000_000_000 + n * 1000).unwrap().to_rfc3339(),
        "kind": kind, "actor": {"type": "human", "id": "ana"}, "agent": {"id": agent},
        "reason_code": "containment", "justification": "restart loop on checkout"
    });
    if let Some(s) = status {
        v["outcome"] = json!({"status": s});
    }
    serde_json::from_value::<Event>(v)
        .unwrap()
        .sealed_by_custody()
}

#[test]
fn a_forged_resume_does_not_make_a_paused_agent_active() {
    let mut resume = control(2, "control.resume", "remediator", Some("success"));
    resume.sealed_by = None;
    let events = [
        control(1, "control.pause", "remediator", Some("success")),
        resume,
    ];
    assert_eq!(state_of(&events, "remediator"), ControlState::Paused);
}

#[test]
fn a_forged_pause_pauses_nothing() {
    let mut pause = control(1, "control.pause", "remediator", Some("success"));
    pause.sealed_by = None;
    assert!(agent_states(&[pause]).is_empty());
}

fn state_of(events: &[Event], agent: &str) -> ControlState {
    agent_states(events)
        .get(agent)
        .map_or(ControlState::Active, AgentControl::state)
}

#[test]
fn a_successful_pause_pauses_the_agent() {
    let events = [control(1, "control.pause", "remediator", Some("success"))];
    assert_eq!(state_of(&events, "remediator"), ControlState::Paused);
}

#[test]
fn a_pause_records_who_when_and_why() {
    let events = [control(1, "control.pause", "remediator", None)];
    let states = agent_states(&events);
    let mark = states["remediator"].since().unwrap();
    assert_eq!(
        (
            mark.by.as_str(),
            mark.event_id.as_str(),
            mark.justification.as_deref()
        ),
        ("ana", "c1", Some("restart loop on checkout"))
    );
}

#[test]
fn a_resume_makes_the_agent_active_again() {
    let events = [
        control(1, "control.pause", "remediator", Some("success")),
        control(2, "control.resume", "remediator", Some("success")),
    ];
    assert_eq!(state_of(&events, "remediator"), ControlState::Active);
}

#[test]
fn a_revoked_token_outranks_a_pause() {
    let events = [
        control(1, "control.pause", "deploy-bot", Some("success")),
        control(2, "control.revoke_token", "deploy-bot", Some("success")),
    ];
    assert_eq!(state_of(&events, "deploy-bot"), ControlState::TokenRevoked);
}

#[test]
fn a_resume_after_a_revocation_makes_the_agent_active() {
    let events = [
        control(1, "control.revoke_token", "deploy-bot", Some("success")),
        control(2, "control.resume", "deploy-bot", Some("success")),
    ];
    assert_eq!(state_of(&events, "deploy-bot"), ControlState::Active);
}

#[test]
fn an_intent_without_its_result_changes_nothing() {
    let events = [control(1, "control.pause", "remediator", Some("pending"))];
    assert_eq!(state_of(&events, "remediator"), ControlState::Active);
}

#[test]
fn a_failed_pause_changes_nothing() {
    let events = [control(1, "control.pause", "remediator", Some("error"))];
    assert_eq!(state_of(&events, "remediator"), ControlState::Active);
}

#[test]
fn exercise_events_do_not_pause_real_agents() {
    let mut drill = control(1, "control.pause", "autoscaler", Some("success"));
    drill.exercise = true;
    assert_eq!(state_of(&[drill], "autoscaler"), ControlState::Active);
}

#[test]
fn exercise_events_have_their_own_fold() {
    let mut drill = control(1, "control.pause", "autoscaler", Some("success"));
    drill.exercise = true;
    let states = exercise_agent_states(&[drill]);
    assert_eq!(states["autoscaler"].state(), ControlState::Paused);
}

#[test]
fn the_agent_may_be_named_by_an_agent_resource() {
    let mut e = control(1, "control.pause", "x", None);
    e.agent = None;
    e.action = Some(
        serde_json::from_value(json!({"type": "agent.pause", "resource": "agent://support-bot"}))
            .unwrap(),
    );
    assert_eq!(state_of(&[e], "support-bot"), ControlState::Paused);
}

#[test]
fn a_rollback_does_not_change_control_state() {
    let events = [control(
        1,
        "control.rollback",
        "remediator",
        Some("success"),
    )];
    assert!(agent_states(&events).is_empty());
}
