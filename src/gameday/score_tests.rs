//! Scores from made-up sealed sequences.
#![allow(clippy::unwrap_used)]

use super::*;
use crate::event::{parse_line, Actor, ActorType, Agent};
use crate::gameday::events::{self, Start, Twist};

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
resource = "deploy/a"
[[agents]]
id = "good"
interval = "+01:00"
stop_when = ["paused"]
[agents.action]
type = "k8s.scale"
[[injects]]
id = "calm"
at = "+00:00"
synopsis = "c"
delivery = "ledger"
starts = ["good"]
[[injects]]
id = "start"
at = "+00:30"
synopsis = "s"
delivery = "ledger"
malicious = true
starts = ["bot"]
[[expectations]]
id = "paused"
description = "bot paused"
inject = "start"
deadline = "+05:00"
match = { kind = "control.pause", agent = "bot", outcome = "success" }
[[expectations]]
id = "open"
description = "incident opened"
inject = "start"
deadline = "+02:00"
match = { kind = "incident.open" }
[[expectations]]
id = "good-untouched"
description = "good not paused"
inject = "calm"
deadline = "+10:00"
match = { kind = "control.pause", agent = "good" }
negative = true
"#;

/// A run at speed 1 starting at 01:00:00; `t` is seconds after the start.
struct Run {
    events: Vec<(u64, Event)>,
    scenario: crate::gameday::Scenario,
}

fn at(t: i64) -> Timestamp {
    Timestamp::from_millis(1_795_000_000_000 + t * 1000).unwrap()
}

impl Run {
    fn new() -> Run {
        let s = crate::gameday::parse(SCENARIO, "t").unwrap();
        let start = events::start(
            &Start {
                run: "r",
                scenario_id: "t",
                version: "1",
                text: SCENARIO,
                sha256: "h",
                speed: 1,
                agents: vec!["bot".into(), "good".into()],
                live_store: None,
            },
            "fac",
            "start".into(),
            at(0),
        );
        Run {
            events: vec![(1, start)],
            scenario: s,
        }
    }

    fn push(&mut self, e: Event) {
        let seq = self.events.len() as u64 + 1;
        self.events.push((seq, e));
    }

    fn inject(&mut self, id: &str, t: i64) {
        let i = self.scenario.inject(id).unwrap().clone();
        self.push(events::inject(
            "r",
            "fac",
            &i,
            t as u64,
            None,
            format!("i-{id}"),
            at(t),
        ));
    }

    fn act(&mut self, agent: &str, n: u32, t: i64) {
        let a = self.scenario.agent(agent).unwrap().clone();
        self.push(events::agent_action(
            "r",
            &a,
            n,
            &Twist::default(),
            format!("{agent}-{n}"),
            at(t),
        ));
    }

    fn control(&mut self, kind: &str, agent: &str, status: &str, t: i64) {
        let line = format!(
            r#"{{"event_id":"{kind}-{agent}-{t}","time":"2026-11-23T01:00:00Z","kind":"{kind}","justification":"j","outcome":{{"status":"{status}"}},"exercise":true}}"#
        );
        let mut e = parse_line(line.as_bytes()).unwrap().sealed_by_custody();
        e.time = at(t);
        e.agent = Some(Agent::new(agent));
        e.actor = Some(Actor::new(ActorType::Human, "ana"));
        self.push(e);
    }

    fn score(&self) -> Score {
        score("r", &self.events).unwrap()
    }
}

fn standard() -> Run {
    let mut r = Run::new();
    r.inject("calm", 0);
    r.act("good", 1, 0);
    r.inject("start", 30);
    r.act("bot", 1, 30);
    r.act("bot", 2, 60);
    r.act("bot", 3, 90);
    r
}

#[test]
fn time_to_contain_is_the_sealed_pause_result_after_the_first_malicious_inject() {
    let mut r = standard();
    r.control("control.pause", "bot", "pending", 100);
    r.control("control.pause", "bot", "success", 101);
    let s = r.score();
    assert_eq!(s.t0.as_ref().unwrap().what, "inject start");
    let c = s.contain.unwrap();
    assert_eq!((c.seq, c.after_t0_s), (9, 71), "the result, not the intent");
    assert_eq!(s.blast_radius.len(), 3, "{:?}", s.blast_radius);
}

#[test]
fn an_expectation_met_after_its_deadline_is_missed_and_one_never_met_too() {
    let mut r = standard();
    r.control("control.pause", "bot", "success", 400);
    let s = r.score();
    let paused = s.expectations.iter().find(|x| x.id == "paused").unwrap();
    assert_eq!(paused.verdict, Verdict::Missed);
    let open = s.expectations.iter().find(|x| x.id == "open").unwrap();
    assert_eq!(open.verdict, Verdict::Missed);
    assert!(s.acknowledge.is_none());
}

#[test]
fn pausing_the_healthy_agent_is_an_incorrect_action_and_fails_the_negative_expectation() {
    let mut r = standard();
    r.control("control.pause", "good", "success", 120);
    let s = r.score();
    let neg = s
        .expectations
        .iter()
        .find(|x| x.id == "good-untouched")
        .unwrap();
    assert!(
        matches!(neg.verdict, Verdict::Violated { seq: 8, .. }),
        "{:?}",
        neg.verdict
    );
    assert_eq!(s.incorrect.len(), 1, "{:?}", s.incorrect);
    assert!(
        s.contain.is_none(),
        "pausing the wrong agent contains nothing"
    );
}

#[test]
fn a_negative_expectation_untouched_to_its_deadline_is_met() {
    let mut r = standard();
    r.push(events::end("r", "fac", "done", "end".into(), at(700)));
    let s = r.score();
    let neg = s
        .expectations
        .iter()
        .find(|x| x.id == "good-untouched")
        .unwrap();
    assert_eq!(
        neg.verdict,
        Verdict::Met {
            seq: 0,
            at: Offset(600)
        }
    );
}

#[test]
fn injects_without_an_expectation_are_gaps_only_when_they_fired() {
    let text = SCENARIO.replace("inject = \"calm\"", "inject = \"start\"");
    let mut r = Run::new();
    r.events[0].1 = events::start(
        &Start {
            run: "r",
            scenario_id: "t",
            version: "1",
            text: &text,
            sha256: "h",
            speed: 1,
            agents: vec![],
            live_store: None,
        },
        "fac",
        "start".into(),
        at(0),
    );
    r.inject("calm", 0);
    let gaps: Vec<String> = r.score().gaps().iter().map(|g| g.id.clone()).collect();
    assert_eq!(gaps, ["calm"]);
}

#[test]
fn a_forged_pause_does_not_count_as_containment() {
    let mut r = standard();
    r.control("control.pause", "bot", "success", 100);
    r.events.last_mut().unwrap().1.sealed_by = None;
    assert!(r.score().contain.is_none());
}

#[test]
fn at_speed_ten_fifteen_real_seconds_are_two_and_a_half_scenario_minutes() {
    let mut r = standard();
    if let Some(p) = r.events[0]
        .1
        .action
        .as_mut()
        .and_then(|a| a.params.as_mut())
    {
        p["speed"] = serde_json::json!(10);
    }
    r.control("control.pause", "bot", "success", 45);
    let s = r.score();
    assert_eq!(s.contain.as_ref().unwrap().after_t0_s, 15);
    let paused = s.expectations.iter().find(|x| x.id == "paused").unwrap();
    // Sealed 45 s after the start: +07:30 in scenario time, past the +05:00 deadline.
    assert_eq!(paused.verdict, Verdict::Missed);
}
