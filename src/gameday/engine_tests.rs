#![allow(clippy::unwrap_used)]

use super::*;
use crate::event::parse_line;

const SCENARIO: &str = r#"id = "t"
title = "T"
version = "1"
expected_duration = "+10:00"
[safety]
sandbox = true
wall_clock_cap = "+20:00"
[[agents]]
id = "bot"
interval = "+00:30"
stop_when = ["paused"]
[agents.action]
type = "k8s.restart"
[[injects]]
id = "start"
at = "+00:30"
synopsis = "s"
delivery = "ledger"
malicious = true
starts = ["bot"]
[[injects]]
id = "nudge"
after = "start"
delay = "+01:00"
when = "agent-active:bot"
synopsis = "n"
delivery = "facilitator"
[[injects]]
id = "backup"
contingency = "paused"
delay = "+00:10"
synopsis = "b"
delivery = "facilitator"
[[expectations]]
id = "paused"
description = "d"
inject = "start"
deadline = "+05:00"
match = { kind = "control.pause", agent = "bot" }
"#;

fn engine() -> Engine {
    Engine::new(
        crate::gameday::parse(SCENARIO, "t.toml").unwrap(),
        "run-1".into(),
    )
}

fn acts(steps: &[Step]) -> Vec<u32> {
    steps
        .iter()
        .filter_map(|s| match s {
            Step::Act { n, .. } => Some(*n),
            _ => None,
        })
        .collect()
}

fn pause() -> Event {
    parse_line(
        br#"{"event_id":"p","time":"2026-11-23T01:00:00Z","kind":"control.pause","justification":"j","agent":{"id":"bot"},"outcome":{"status":"success"}}"#,
    )
    .unwrap()
    .sealed_by_custody()
}

#[test]
fn the_scripted_agent_acts_on_its_interval_until_the_ledger_shows_it_paused() {
    let mut e = engine();
    let free = HashMap::new();
    assert!(acts(&e.tick(Offset(10), &free, &[])).is_empty());
    assert_eq!(acts(&e.tick(Offset(95), &free, &[])), [1, 2, 3]);
    let paused = HashMap::from([(
        "bot".to_string(),
        Control {
            paused: true,
            revoked: false,
        },
    )]);
    let steps = e.tick(Offset(200), &paused, &[]);
    assert!(acts(&steps).is_empty());
    assert!(steps.contains(&Step::AgentStopped {
        agent: "bot".into()
    }));
    assert_eq!(
        acts(&e.tick(Offset(240), &free, &[])),
        Vec::<u32>::new(),
        "resumed: one interval first"
    );
    assert_eq!(acts(&e.tick(Offset(271), &free, &[])), [4]);
}

#[test]
fn a_matching_event_after_its_inject_meets_the_expectation_and_no_contingency_fires() {
    let mut e = engine();
    e.tick(Offset(40), &HashMap::new(), &[]);
    let p = pause();
    let seen = [Seen {
        seq: 9,
        at: Offset(100),
        event: &p,
    }];
    let steps = e.tick(Offset(100), &HashMap::new(), &seen);
    assert!(steps.contains(&Step::Expectation {
        id: "paused".into(),
        state: ExpState::Met {
            at: Offset(100),
            seq: 9
        }
    }));
    let later = e.tick(Offset(400), &HashMap::new(), &[]);
    assert!(!later
        .iter()
        .any(|s| matches!(s, Step::Inject { inject, .. } if inject == "backup")));
}

#[test]
fn a_missed_deadline_fires_its_contingency_after_the_delay() {
    let mut e = engine();
    e.tick(Offset(40), &HashMap::new(), &[]);
    let steps = e.tick(Offset(301), &HashMap::new(), &[]);
    assert!(steps.contains(&Step::Expectation {
        id: "paused".into(),
        state: ExpState::Missed
    }));
    assert!(!steps
        .iter()
        .any(|s| matches!(s, Step::Inject { inject, .. } if inject == "backup")));
    let steps = e.tick(Offset(311), &HashMap::new(), &[]);
    assert!(steps.contains(&Step::Inject {
        inject: "backup".into(),
        contingency_for: Some("paused".into())
    }));
}

#[test]
fn a_follower_whose_condition_fails_is_skipped() {
    let mut e = engine();
    e.tick(Offset(40), &HashMap::new(), &[]);
    let paused = HashMap::from([(
        "bot".to_string(),
        Control {
            paused: true,
            revoked: false,
        },
    )]);
    let steps = e.tick(Offset(95), &paused, &[]);
    assert!(steps.contains(&Step::Skipped {
        inject: "nudge".into()
    }));
}

#[test]
fn the_run_ends_at_the_wall_clock_cap() {
    let mut e = engine();
    let steps = e.tick(Offset(1200), &HashMap::new(), &[]);
    assert!(matches!(steps.last(), Some(Step::End { .. })));
    assert!(e.tick(Offset(1300), &HashMap::new(), &[]).is_empty());
}

#[test]
fn an_event_before_the_inject_fired_does_not_count() {
    let mut e = engine();
    let p = pause();
    let seen = [Seen {
        seq: 1,
        at: Offset(5),
        event: &p,
    }];
    e.tick(Offset(5), &HashMap::new(), &seen);
    assert_eq!(e.expectation("paused"), Some(&ExpState::Pending));
}
