//! Every rule on made-up event sequences: it fires on the pattern, stays quiet on
//! ordinary traffic, and a violation is an alarm whatever else happens.
#![allow(clippy::unwrap_used)]

use super::*;
use crate::event::Timestamp;
use serde_json::{json, Value};

const T0_MS: i64 = 1_795_000_000_000;

fn at(s: i64) -> Timestamp {
    Timestamp::from_millis(T0_MS + s * 1000).unwrap()
}

/// An `ai.action` by `agent` at second `s`.
fn action(s: i64, agent: &str, kind: &str, resource: &str, tier: &str) -> Event {
    event(json!({
        "event_id": format!("e{s}-{agent}-{kind}"), "time": at(s).to_rfc3339(), "kind": "ai.action",
        "actor": {"type": "agent", "id": agent}, "agent": {"id": agent},
        "model": {"name": "gpt-x", "version": "2026-01"},
        "action": {"type": kind, "target_system": "kubernetes", "resource": resource, "environment": "prod"},
        "tier": tier, "reason_code": "incident_remediation",
        "approval": {"mode": "rule", "rule_id": "auto"},
        "ai_output": {"summary": format!("{kind} {resource}")},
        "outcome": {"status": "success"}
    }))
}

fn event(v: Value) -> Event {
    serde_json::from_value(v).unwrap()
}

fn control(s: i64, kind: &str, agent: &str) -> Event {
    let mut e = event(json!({
        "event_id": format!("c{s}"), "time": at(s).to_rfc3339(), "kind": kind,
        "actor": {"type": "human", "id": "maria"}, "agent": {"id": agent},
        "reason_code": "containment", "justification": "loop", "outcome": {"status": "success"}
    }));
    e.sealed_by = Some(crate::event::SealedBy::Custody);
    e
}

struct Feed {
    d: Detector,
    seq: u64,
}

impl Feed {
    fn new() -> Feed {
        Feed::with(DetectConfig::default())
    }
    fn with(config: DetectConfig) -> Feed {
        Feed {
            d: Detector::new(config),
            seq: 0,
        }
    }
    fn push(&mut self, e: &Event) -> Vec<Change> {
        self.seq += 1;
        self.d.observe(self.seq, e)
    }
    fn rules(&self, now: i64) -> Vec<Rule> {
        self.d.flags(at(now)).iter().map(|f| f.rule).collect()
    }
}

/// An agent's ordinary day: varied actions on varied resources, a few a minute.
fn ordinary(feed: &mut Feed, agent: &str, from_s: i64, minutes: i64) {
    for m in 0..minutes {
        for k in 0..3 {
            let s = from_s + m * 60 + k * 17;
            let res = format!("k8s://prod/shop/deploy/svc-{}", (m * 3 + k) % 50);
            feed.push(&action(s, agent, "k8s.scale", &res, "T1"));
        }
    }
}

#[test]
fn a_loop_is_flagged_at_the_nth_repeat_with_count_period_and_summary() {
    let mut f = Feed::new();
    let res = "k8s://prod/shop/deployment/checkout-api";
    for n in 0..3 {
        f.push(&action(
            n * 20,
            "remediator",
            "k8s.rollout_restart",
            res,
            "T2",
        ));
    }
    assert!(f.rules(60).is_empty(), "three restarts are not yet a loop");
    let changes = f.push(&action(60, "remediator", "k8s.rollout_restart", res, "T2"));
    assert!(matches!(&changes[..], [Change::Raised(_)]), "{changes:?}");
    let flags = f.d.flags(at(61));
    let flag = flags[0];
    assert_eq!(flag.rule, Rule::Loop);
    assert_eq!(flag.subject, "remediator");
    assert!(
        flag.why.contains("4×") && flag.why.contains("every ~20s"),
        "{}",
        flag.why
    );
    assert_eq!(flag.raised_seq, 4);
    assert!(flag
        .last_summary
        .as_deref()
        .unwrap()
        .contains("checkout-api"));
    // It grows, it does not multiply.
    f.push(&action(80, "remediator", "k8s.rollout_restart", res, "T2"));
    assert_eq!(f.d.flags(at(81)).len(), 1);
    assert_eq!(f.d.flags(at(81))[0].count, 5, "every repetition counts");
}

#[test]
fn repeats_spread_wider_than_the_window_or_read_only_are_not_a_loop() {
    let mut f = Feed::new();
    let res = "k8s://prod/shop/deployment/web";
    for n in 0..6 {
        f.push(&action(
            n * 200,
            "remediator",
            "k8s.rollout_restart",
            res,
            "T2",
        ));
    }
    for n in 0..10 {
        f.push(&action(2000 + n, "reader", "k8s.get", res, "T0"));
    }
    assert!(f.rules(2010).is_empty(), "{:?}", f.rules(2010));
}

#[test]
fn a_rate_spike_is_flagged_against_the_agents_own_baseline() {
    let mut f = Feed::new();
    ordinary(&mut f, "autoscaler", 0, 45);
    assert!(f.rules(45 * 60).is_empty(), "{:?}", f.rules(45 * 60));
    let base = 46 * 60;
    for k in 0..40 {
        let res = format!("k8s://prod/shop/deploy/svc-{}", k % 50);
        f.push(&action(base + k, "autoscaler", "k8s.scale", &res, "T1"));
    }
    let flags = f.d.flags(at(base + 40));
    let spike = flags.iter().find(|f| f.rule == Rule::RateSpike).unwrap();
    assert!(spike.why.contains("actions in one minute"), "{}", spike.why);
    let spark = f.d.sparkline("autoscaler", at(base + 40), 30);
    assert_eq!(spark.len(), 30);
    assert!(spark[28] + spark[29] >= 40 && spark[0] <= 3, "{spark:?}");
}

#[test]
fn a_busy_agent_that_is_always_busy_does_not_spike() {
    let mut f = Feed::new();
    for m in 0..90 {
        for k in 0..40 {
            let res = format!("k8s://prod/shop/deploy/svc-{}", k % 50);
            f.push(&action(m * 60 + k, "batch", "k8s.label", &res, "T1"));
        }
    }
    assert!(!f.rules(90 * 60).contains(&Rule::RateSpike));
}

#[test]
fn a_failure_burst_is_flagged_and_usual_failures_are_not() {
    let mut f = Feed::new();
    ordinary(&mut f, "deployer", 0, 30);
    let base = 31 * 60;
    for k in 0..6 {
        let mut e = action(
            base + k * 10,
            "deployer",
            "argo.sync",
            &format!("argo://app-{k}"),
            "T2",
        );
        e.outcome = Some(crate::event::Outcome {
            status: crate::event::OutcomeStatus::Failure,
            detail: Some("sync failed".into()),
            response: None,
        });
        f.push(&e);
    }
    let flags = f.d.flags(at(base + 60));
    let burst = flags.iter().find(|f| f.rule == Rule::FailureBurst).unwrap();
    assert!(burst.why.contains("failed in 5m"), "{}", burst.why);

    // An agent that always fails half the time is not bursting.
    let mut g = Feed::new();
    for m in 0..60 {
        for k in 0..4 {
            let mut e = action(
                m * 60 + k,
                "flaky",
                "probe.http",
                &format!("url://{k}-{m}"),
                "T1",
            );
            if k % 2 == 0 {
                e.outcome.as_mut().unwrap().status = crate::event::OutcomeStatus::Failure;
            }
            g.push(&e);
        }
    }
    assert!(
        !g.rules(3600).contains(&Rule::FailureBurst),
        "{:?}",
        g.rules(3600)
    );
}

#[test]
fn a_t3_action_with_approval_none_is_flagged_and_an_approved_one_is_not() {
    let mut f = Feed::new();
    let approved = action(1, "data-sync", "s3.export", "s3://a", "T3");
    f.push(&approved);
    assert!(!f.rules(2).contains(&Rule::RiskyUnapproved));
    let mut none = action(2, "data-sync", "s3.export", "s3://a", "T3");
    none.approval = Some(crate::event::Approval {
        mode: crate::event::ApprovalMode::None,
        approver: None,
        role: None,
        at: None,
        rule_id: None,
        justification: None,
    });
    f.push(&none);
    let mut missing = action(3, "data-sync", "s3.export", "s3://a", "T3");
    missing.approval = None;
    f.push(&missing);
    let flags = f.d.flags(at(4));
    let risky = flags
        .iter()
        .find(|f| f.rule == Rule::RiskyUnapproved)
        .unwrap();
    assert_eq!(risky.count, 2);
    assert!(risky.why.contains("approval mode none"));
}

#[test]
fn any_action_after_a_pause_or_revocation_is_a_violation_until_resumed() {
    let mut f = Feed::new();
    let res = "k8s://prod/shop/deployment/checkout-api";
    f.push(&action(1, "remediator", "k8s.rollout_restart", res, "T2"));
    f.push(&control(2, "control.pause", "remediator"));
    assert_eq!(f.d.violations("remediator"), 0);
    f.push(&action(3, "remediator", "k8s.rollout_restart", res, "T2"));
    let flags = f.d.flags(at(4));
    assert_eq!(flags[0].rule, Rule::Violation, "a violation ranks first");
    assert!(
        flags[0].why.contains("after it was paused by maria"),
        "{}",
        flags[0].why
    );
    assert_eq!(f.d.violations("remediator"), 1);
    // Still an alarm an hour later: violations never go quiet.
    assert!(f.rules(3600 * 5).contains(&Rule::Violation));
    // A revocation is a new episode; a proposal is an attempt, not an action.
    f.push(&control(10, "control.revoke_token", "remediator"));
    let mut proposal = action(11, "remediator", "k8s.rollout_restart", res, "T2");
    proposal.kind = "ai.proposal".into();
    f.push(&proposal);
    assert_eq!(f.d.violations("remediator"), 0);
    f.push(&action(12, "remediator", "k8s.delete_pod", res, "T2"));
    assert_eq!(f.d.violations("remediator"), 1);
    let v: Vec<&Flag> =
        f.d.flags(at(13))
            .into_iter()
            .filter(|f| f.rule == Rule::Violation)
            .collect();
    assert_eq!(v.len(), 2);
    assert!(v.iter().any(|f| f.why.contains("token-revoked")));
    // Resumed: acting is allowed again.
    f.push(&control(20, "control.resume", "remediator"));
    f.push(&action(21, "remediator", "k8s.rollout_restart", res, "T2"));
    assert_eq!(f.d.violations("remediator"), 0);
}

#[test]
fn a_forged_or_exercise_pause_does_not_make_real_actions_violations() {
    let mut f = Feed::new();
    let mut forged = control(1, "control.pause", "remediator");
    forged.sealed_by = None;
    f.push(&forged);
    let mut drill = control(2, "control.pause", "remediator");
    drill.exercise = true;
    f.push(&drill);
    f.push(&action(
        3,
        "remediator",
        "k8s.rollout_restart",
        "k8s://x",
        "T2",
    ));
    assert_eq!(f.d.violations("remediator"), 0);
    let mut drill_action = action(4, "remediator", "k8s.rollout_restart", "k8s://x", "T2");
    drill_action.exercise = true;
    f.push(&drill_action);
    let flags = f.d.flags(at(5));
    assert!(flags
        .iter()
        .any(|f| f.rule == Rule::Violation && f.exercise));
}

#[test]
fn something_new_for_a_learned_agent_is_flagged_once() {
    let mut f = Feed::new();
    ordinary(&mut f, "deployer", 0, 20);
    assert!(f.rules(20 * 60).is_empty(), "{:?}", f.rules(20 * 60));
    let mut staging = action(
        1300,
        "deployer",
        "k8s.scale",
        "k8s://prod/shop/deploy/svc-1",
        "T1",
    );
    staging.action.as_mut().unwrap().environment = Some("staging".into());
    f.push(&staging);
    let mut delegated = action(
        1301,
        "deployer",
        "github.rerun_workflow",
        "github://a/b",
        "T2",
    );
    delegated.actor.as_mut().unwrap().on_behalf_of = Some("github:ext-contrib-4471".into());
    delegated.action.as_mut().unwrap().target_system = Some("github".into());
    f.push(&delegated);
    let mut model = action(
        1302,
        "deployer",
        "k8s.scale",
        "k8s://prod/shop/deploy/svc-1",
        "T1",
    );
    model.model.as_mut().unwrap().version = Some("2026-09".into());
    f.push(&model);
    let flags = f.d.flags(at(1303));
    let whys: Vec<&str> = flags.iter().map(|f| f.why.as_str()).collect();
    for want in [
        "first environment staging",
        "first principal github:ext-contrib-4471",
        "first target system github",
        "first model gpt-x@2026-09",
    ] {
        assert!(whys.iter().any(|w| w.starts_with(want)), "{want}: {whys:?}");
    }
    let before = flags.len();
    f.push(&delegated.clone_with_id("again"));
    assert_eq!(f.d.flags(at(1304)).len(), before, "seen once is seen");
}

#[test]
fn a_new_agent_is_learned_before_anything_about_it_is_new() {
    let mut f = Feed::new();
    ordinary(&mut f, "newcomer", 0, 5);
    assert!(f.rules(300).is_empty(), "{:?}", f.rules(300));
}

#[test]
fn an_operator_overriding_far_more_than_usual_is_flagged() {
    let mut f = Feed::new();
    let intervene = |s: i64, id: &str| {
        event(json!({
            "event_id": id, "time": at(s).to_rfc3339(), "kind": "human.intervention",
            "actor": {"type": "human", "id": "dev"}, "agent": {"id": "deployer"},
            "reason_code": "manual_override", "justification": "override"
        }))
    };
    // One an hour for six hours, then eight in twenty minutes.
    for h in 0..6 {
        f.push(&intervene(h * 3600, &format!("h{h}")));
    }
    for k in 0..8 {
        f.push(&intervene(6 * 3600 + k * 150, &format!("k{k}")));
    }
    let flags = f.d.flags(at(6 * 3600 + 1200));
    let flag = flags
        .iter()
        .find(|f| f.rule == Rule::Interventions)
        .unwrap();
    assert_eq!(flag.subject, "dev");
    assert!(!flag.agent);
    assert!(flag.why.contains("overrides and rollbacks"), "{}", flag.why);
}

#[test]
fn flags_go_quiet_and_the_tail_can_overlap_the_start_read() {
    let mut f = Feed::new();
    let res = "k8s://x";
    for n in 0..4 {
        f.push(&action(n, "remediator", "k8s.rollout_restart", res, "T2"));
    }
    assert_eq!(f.rules(10), vec![Rule::Loop]);
    assert!(f.rules(10 + 901).is_empty(), "quiet after 15 minutes");
    // The same seqs again (a start read overlapping the tail) change nothing.
    let again = f.d.observe(
        2,
        &action(1, "remediator", "k8s.rollout_restart", res, "T2"),
    );
    assert!(again.is_empty());
}

#[test]
fn a_detection_event_names_the_flag_and_is_the_same_for_the_same_episode() {
    let mut f = Feed::new();
    f.push(&control(1, "control.pause", "remediator"));
    f.push(&action(
        2,
        "remediator",
        "k8s.rollout_restart",
        "k8s://x",
        "T2",
    ));
    let flag = f.d.flags(at(3))[0].clone();
    let e = events::flag_event(&flag, Some("INC-1"));
    assert_eq!(e.kind, "detection.violation");
    assert!(crate::event::check_own(&e).is_ok());
    assert!(e.is_trusted());
    let (rule, id, incident) = events::read(&e).unwrap();
    assert_eq!(
        (rule.as_str(), id.as_str()),
        ("violation", flag.id.as_str())
    );
    assert_eq!(incident.as_deref(), Some("INC-1"));
    assert_eq!(e.event_id, events::flag_event(&flag, None).event_id);
    assert_eq!(
        e.time,
        at(2),
        "the time it was raised, not when it was sealed"
    );
}

#[test]
fn the_config_section_has_defaults_and_names_a_bad_value() {
    assert!(DetectConfig::default().check().is_ok());
    let bad = DetectConfig {
        loop_count: 1,
        ..DetectConfig::default()
    };
    assert!(bad.check().unwrap_err().starts_with("detect.loop_count"));
    let bad = DetectConfig {
        failure_share: 1.5,
        ..DetectConfig::default()
    };
    assert!(bad.check().unwrap_err().starts_with("detect.failure_share"));
}

trait CloneWithId {
    fn clone_with_id(&self, id: &str) -> Event;
}

impl CloneWithId for Event {
    fn clone_with_id(&self, id: &str) -> Event {
        let mut e = self.clone();
        e.event_id = id.into();
        e
    }
}

/// Over the demo's 14 days of history, ordinary traffic raises few flags, and each of
/// the embedded incidents is flagged. Prints what was raised (`--nocapture`).
#[test]
fn the_demo_history_is_quiet_except_for_its_incidents() {
    use crate::demo::{history, DemoSpec};
    let spec = DemoSpec {
        seed: 7,
        events: 50_000,
        days: 14,
        until: Timestamp::from_millis(1_795_000_000_000).unwrap(),
    };
    let mut d = Detector::new(DetectConfig::default());
    let mut raised: Vec<Flag> = Vec::new();
    let mut first: Option<Timestamp> = None;
    let mut last = None;
    let mut starts: std::collections::HashMap<String, Timestamp> = Default::default();
    for (i, e) in history(&spec).enumerate() {
        first.get_or_insert(e.time);
        if let Some(c) = e.correlation_id() {
            starts.entry(c.to_string()).or_insert(e.time);
        }
        last = Some(e.time);
        for c in d.observe(i as u64 + 1, &e) {
            if let Change::Raised(id) = c {
                raised.push(d.flag(&id).unwrap().clone());
            }
        }
    }
    let hours = (last.unwrap().millis() - first.unwrap().millis()) as f64 / 3_600_000.0;
    for f in &raised {
        println!(
            "{} {:?} {} {} :: {}",
            f.raised_at.to_rfc3339(),
            f.rule,
            f.subject,
            f.correlation_id.as_deref().unwrap_or("-"),
            f.why
        );
    }
    let mut by_rule: std::collections::BTreeMap<&str, usize> = Default::default();
    for f in &raised {
        *by_rule.entry(f.rule.as_str()).or_default() += 1;
    }
    println!("{} flags over {hours:.0} hours: {by_rule:?}", raised.len());
    assert!(
        (raised.len() as f64) / hours < 5.0,
        "{} flags in {hours:.0} hours",
        raised.len()
    );
    for inc in crate::demo::incidents() {
        let cause = inc.correlation_ids[0];
        let flag = raised
            .iter()
            .find(|f| f.correlation_id.as_deref() == Some(cause))
            .unwrap_or_else(|| panic!("{} was not flagged", inc.id));
        let delay = (flag.raised_at.millis() - starts[cause].millis()) / 1000;
        println!(
            "{}: {:?} {delay} s after its first event",
            inc.id, flag.rule
        );
    }
}

#[test]
fn a_loop_of_proposals_behind_the_gate_is_a_loop_and_allowed_attempts_count_once() {
    let mut f = Feed::new();
    let res = "k8s://prod/shop/deployment/checkout-api";
    for n in 0..3 {
        let mut p = action(n * 20, "remediator", "k8s.rollout_restart", res, "T2");
        p.kind = "ai.proposal".into();
        f.push(&p);
        // Allowed: its action follows, and the pair is still one attempt.
        f.push(&action(
            n * 20 + 1,
            "remediator",
            "k8s.rollout_restart",
            res,
            "T2",
        ));
    }
    assert!(f.rules(60).is_empty(), "{:?}", f.rules(60));
    let mut p = action(60, "remediator", "k8s.rollout_restart", res, "T2");
    p.kind = "ai.proposal".into();
    f.push(&p);
    let flags = f.d.flags(at(61));
    assert_eq!(flags.len(), 1);
    assert!(flags[0].why.contains("proposed 4×"), "{}", flags[0].why);
}
