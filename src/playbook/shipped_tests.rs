//! The three shipped playbooks load and are offered for the events they are written for.
#![allow(clippy::unwrap_used)]

use super::*;

fn ids(found: Vec<&Playbook>) -> Vec<&str> {
    found.into_iter().map(|p| p.id.as_str()).collect()
}

#[test]
fn the_shipped_playbooks_load_without_errors() {
    let set = builtin();
    let loaded: Vec<&str> = set.playbooks.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(
        (loaded, set.errors),
        (
            vec!["rogue-agent", "wrong-destination-export", "secret-exposure"],
            vec![]
        )
    );
}

#[test]
fn a_t3_data_export_suggests_the_wrong_destination_playbook_first() {
    let set = builtin();
    assert_eq!(
        ids(set.applicable(Tier::T3, Some("data_export"))),
        vec!["wrong-destination-export", "rogue-agent"]
    );
}

#[test]
fn a_t3_security_risk_suggests_the_secret_exposure_playbook_first() {
    let set = builtin();
    assert_eq!(
        ids(set.applicable(Tier::T3, Some("security_risk"))),
        vec!["secret-exposure", "rogue-agent"]
    );
}

#[test]
fn a_t2_capacity_surge_gets_the_rogue_agent_playbook() {
    let set = builtin();
    assert_eq!(
        ids(set.applicable(Tier::T2, Some("capacity_surge"))),
        vec!["rogue-agent"]
    );
}

#[test]
fn an_event_without_a_reason_code_still_gets_the_general_playbook() {
    let set = builtin();
    assert_eq!(ids(set.applicable(Tier::T3, None)), vec!["rogue-agent"]);
}

#[test]
fn a_t1_event_gets_no_playbook() {
    assert!(builtin()
        .applicable(Tier::T1, Some("data_export"))
        .is_empty());
}

#[test]
fn every_shipped_playbook_states_when_to_disable_the_agent() {
    assert!(builtin()
        .playbooks
        .iter()
        .all(|p| p.disable_agent_when.len() >= 3));
}

#[test]
fn every_shipped_playbook_has_a_second_person_step() {
    assert!(builtin()
        .playbooks
        .iter()
        .all(|p| p.steps.iter().any(|s| s.second_person)));
}

#[test]
fn every_shipped_playbook_contains_checkpoints_and_notifies() {
    let kinds = [
        StepKind::Pause,
        StepKind::Checkpoint,
        StepKind::Notify,
        StepKind::Rollback,
    ];
    assert!(builtin()
        .playbooks
        .iter()
        .all(|p| kinds.iter().all(|k| p.steps.iter().any(|s| s.kind == *k))));
}

#[test]
fn every_shipped_playbook_starts_with_triage_and_ends_with_a_postmortem() {
    assert!(builtin().playbooks.iter().all(|p| {
        p.steps.first().map(|s| s.id.as_str()) == Some("triage")
            && p.steps.last().map(|s| s.id.as_str()) == Some("postmortem")
    }));
}

#[test]
fn a_more_specific_user_playbook_ranks_above_a_general_one() {
    let general = Playbook {
        id: "a-general".into(),
        title: String::new(),
        description: String::new(),
        applies: Applies::default(),
        disable_agent_when: vec![],
        steps: vec![],
        source: String::new(),
    };
    let tiered = Playbook {
        id: "z-tiered".into(),
        applies: Applies {
            tiers: vec![Tier::T3],
            reason_codes: vec![],
        },
        ..general.clone()
    };
    let all = [general, tiered];
    assert_eq!(
        ids(applicable(&all, Tier::T3, None)),
        vec!["z-tiered", "a-general"]
    );
}
