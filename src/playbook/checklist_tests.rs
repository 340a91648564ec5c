//! The checklist rules: prerequisites, the second person, reasons and notes.
#![allow(clippy::unwrap_used)]

use super::*;
use crate::event::Timestamp;

const PLAYBOOK: &str = r#"id = "t"
title = "T"
description = "For tests."

[[steps]]
id = "triage"
title = "Triage"
kind = "manual"

[[steps]]
id = "pause"
title = "Pause"
kind = "pause"
needs = ["triage"]

[[steps]]
id = "verify"
title = "Verify paused"
kind = "manual"
needs = ["pause"]
second_person = true
"#;

fn playbook() -> Playbook {
    parse(PLAYBOOK, "t.toml").unwrap()
}

fn record(step: &str, change: StepChange, by: &str) -> StepRecord {
    StepRecord {
        step: step.into(),
        change,
        by: by.into(),
        at: "2026-11-23T01:00:00Z".parse::<Timestamp>().unwrap(),
    }
}

fn done(step: &str, by: &str) -> StepRecord {
    record(step, StepChange::Complete { note: "ok".into() }, by)
}

/// The checklist after these records.
fn after(records: &[StepRecord]) -> Checklist {
    Checklist::replay(&playbook(), records)
}

#[test]
fn a_new_checklist_has_every_step_pending() {
    let list = Checklist::new(&playbook());
    assert!(list.steps.iter().all(|s| s.status == StepStatus::Pending));
}

#[test]
fn a_step_cannot_start_before_its_prerequisites_are_done() {
    assert_eq!(
        after(&[]).may_start("pause"),
        Err(Refusal::Prerequisites {
            step: "pause".into(),
            pending: vec!["triage".into()]
        })
    );
}

#[test]
fn the_prerequisite_refusal_names_the_missing_steps() {
    let refusal = after(&[]).may_start("pause").unwrap_err();
    assert_eq!(
        refusal.to_string(),
        "step `pause` cannot start yet: it needs `triage` done or skipped first"
    );
}

#[test]
fn a_step_may_start_once_its_prerequisites_are_done() {
    assert_eq!(after(&[done("triage", "ana")]).may_start("pause"), Ok(()));
}

#[test]
fn a_skipped_prerequisite_counts_as_settled() {
    let skip = record(
        "triage",
        StepChange::Skip {
            reason: "obvious culprit".into(),
        },
        "ana",
    );
    assert_eq!(after(&[skip]).may_start("pause"), Ok(()));
}

#[test]
fn checking_off_an_unstarted_step_also_needs_its_prerequisites() {
    let refusal = after(&[])
        .may_complete("pause", "ana", "paused by hand")
        .unwrap_err();
    assert!(
        matches!(refusal, Refusal::Prerequisites { .. }),
        "{refusal}"
    );
}

#[test]
fn a_second_person_step_cannot_be_completed_by_whoever_started_it() {
    let list = after(&[
        done("triage", "ana"),
        done("pause", "ana"),
        record("verify", StepChange::Start, "ana"),
    ]);
    assert_eq!(
        list.may_complete("verify", "ana", "quiet for 5 min"),
        Err(Refusal::SamePerson {
            step: "verify".into(),
            operator: "ana".into(),
            verb: "complete"
        })
    );
}

#[test]
fn a_second_person_step_can_be_completed_by_another_operator() {
    let list = after(&[
        done("triage", "ana"),
        done("pause", "ana"),
        record("verify", StepChange::Start, "ana"),
    ]);
    assert_eq!(
        list.may_complete("verify", "ben", "quiet for 5 min"),
        Ok(())
    );
}

#[test]
fn a_second_person_step_must_be_started_before_it_is_completed() {
    let list = after(&[done("triage", "ana"), done("pause", "ana")]);
    assert_eq!(
        list.may_complete("verify", "ben", "quiet"),
        Err(Refusal::NotStartedBySomeoneElse {
            step: "verify".into()
        })
    );
}

#[test]
fn a_second_person_step_cannot_be_skipped_by_whoever_started_it() {
    let list = after(&[
        done("triage", "ana"),
        done("pause", "ana"),
        record("verify", StepChange::Start, "ana"),
    ]);
    let refusal = list.may_skip("verify", "ana", "no time").unwrap_err();
    assert!(matches!(refusal, Refusal::SamePerson { .. }), "{refusal}");
}

#[test]
fn skipping_needs_a_reason() {
    assert_eq!(
        after(&[]).may_skip("triage", "ana", "  "),
        Err(Refusal::ReasonRequired {
            step: "triage".into(),
            verb: "skipping"
        })
    );
}

#[test]
fn skipping_with_a_reason_is_allowed_before_prerequisites() {
    assert_eq!(
        after(&[]).may_skip("pause", "ana", "agent already stopped by owner"),
        Ok(())
    );
}

#[test]
fn checking_off_a_manual_step_needs_a_note() {
    assert_eq!(
        after(&[]).may_complete("triage", "ana", ""),
        Err(Refusal::NoteRequired {
            step: "triage".into()
        })
    );
}

#[test]
fn a_done_step_cannot_be_changed_again() {
    let refusal = after(&[done("triage", "ana")])
        .may_skip("triage", "ben", "oops")
        .unwrap_err();
    assert_eq!(refusal.to_string(), "step `triage` is already done");
}

#[test]
fn a_step_in_progress_cannot_be_started_twice() {
    let list = after(&[
        done("triage", "ana"),
        record("pause", StepChange::Start, "ana"),
    ]);
    assert!(matches!(
        list.may_start("pause"),
        Err(Refusal::AlreadyStarted { .. })
    ));
}

#[test]
fn only_a_step_in_progress_can_fail() {
    assert_eq!(
        after(&[]).may_fail("triage", "timeout"),
        Err(Refusal::NotInProgress {
            step: "triage".into()
        })
    );
}

#[test]
fn a_failed_step_may_be_started_again() {
    let list = after(&[
        done("triage", "ana"),
        record("pause", StepChange::Start, "ana"),
        record(
            "pause",
            StepChange::Fail {
                reason: "kubectl timed out".into(),
            },
            "ana",
        ),
    ]);
    assert_eq!(list.may_start("pause"), Ok(()));
}

#[test]
fn decide_dispatches_on_the_change() {
    let change = StepChange::Skip {
        reason: String::new(),
    };
    assert!(matches!(
        after(&[]).decide("triage", &change, "ana"),
        Err(Refusal::ReasonRequired { .. })
    ));
}

#[test]
fn an_unknown_step_is_refused_by_name() {
    assert_eq!(
        after(&[]).may_start("reboot").unwrap_err().to_string(),
        "there is no step `reboot` in this playbook"
    );
}

#[test]
fn replay_keeps_who_started_and_who_completed() {
    let list = after(&[
        done("triage", "ana"),
        done("pause", "ana"),
        record("verify", StepChange::Start, "ana"),
        done("verify", "ben"),
    ]);
    let verify = list.step("verify").unwrap();
    let completed_by = match &verify.status {
        StepStatus::Done { by, .. } => by.as_str(),
        _ => "",
    };
    assert_eq!(
        (verify.started_by.as_deref(), completed_by),
        (Some("ana"), "ben")
    );
}

#[test]
fn ready_lists_the_steps_that_may_start_now() {
    assert_eq!(after(&[done("triage", "ana")]).ready(), vec!["pause"]);
}

#[test]
fn a_checklist_is_finished_when_every_step_is_done_or_skipped() {
    let list = after(&[
        done("triage", "ana"),
        done("pause", "ana"),
        record(
            "verify",
            StepChange::Skip {
                reason: "owner confirmed".into(),
            },
            "ben",
        ),
    ]);
    assert!(list.is_finished());
}
