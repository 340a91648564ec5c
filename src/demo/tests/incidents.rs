//! The embedded incidents and the drill: present, caused by their culprit, contained,
//! carrying hostile text, and exercise events kept apart.

use super::*;
use crate::demo::{forge, game_day, incidents};
use crate::event::parse_line;
use std::collections::BTreeSet;

#[test]
fn every_incident_correlation_id_appears_in_the_history() {
    let seen: BTreeSet<&str> = week().iter().filter_map(|e| e.correlation_id()).collect();
    let all = incidents().into_iter().chain([game_day()]);
    let missing: Vec<&str> = all
        .flat_map(|i| i.correlation_ids.iter().copied())
        .filter(|c| !seen.contains(c))
        .collect();
    assert!(missing.is_empty(), "missing {missing:?}");
}

#[test]
fn each_incident_is_caused_by_its_named_culprit() {
    for incident in incidents() {
        let cause = incident.correlation_ids[0];
        let culprit_acts = week().iter().any(|e| {
            e.correlation_id() == Some(cause)
                && e.kind == "ai.action"
                && e.agent_id() == Some(incident.culprit)
        });
        assert!(
            culprit_acts,
            "{} has no ai.action by {}",
            incident.id, incident.culprit
        );
    }
}

#[test]
fn incidents_are_contained_with_pause_and_token_revocation() {
    let kinds: BTreeSet<&str> = week()
        .iter()
        .filter(|e| e.correlation_id().is_some_and(|c| c.starts_with("cor-inc")))
        .map(|e| e.kind.as_str())
        .collect();
    let needed = [
        "control.pause",
        "control.revoke_token",
        "control.rollback",
        "incident.open",
        "incident.step",
        "incident.close",
        "human.intervention",
    ];
    assert!(needed.iter().all(|k| kinds.contains(k)), "{kinds:?}");
}

#[test]
fn one_incident_carries_hostile_terminal_text_in_its_reasoning() {
    let hostile = week().iter().any(|e| {
        let r = e
            .ai_output
            .as_ref()
            .and_then(|o| o.reasoning.as_deref())
            .unwrap_or("");
        [
            "\u{1b}]0;pwned\u{7}",
            "\u{1b}[2J",
            "\u{1b}]52;c;ZWNobyBwd25lZA==\u{7}",
            "\u{202e}",
        ]
        .iter()
        .all(|s| r.contains(s))
    });
    assert!(hostile);
}

#[test]
fn exercise_events_are_all_drill_events_with_the_exercise_reason() {
    let drill: Vec<&Event> = week().iter().filter(|e| e.exercise).collect();
    let stray = drill
        .iter()
        .filter(|e| {
            e.reason_code.as_deref() != Some("exercise")
                || e.correlation_id() != Some(game_day().correlation_ids[0])
        })
        .count();
    assert!(
        drill.len() >= 5 && stray == 0,
        "{} drill events, {stray} stray",
        drill.len()
    );
}

#[test]
fn the_incidents_and_drill_survive_validation_too() {
    let mut events = Vec::new();
    for script in incidents::Script::ALL {
        let mut forge = forge::Forge::new(5);
        script.tell(&mut forge, until().millis(), "", &mut events);
    }
    let rejects = events
        .iter()
        .filter(|e| parse_line(&bytes(e)).is_err())
        .count();
    assert_eq!(rejects, 0);
}
