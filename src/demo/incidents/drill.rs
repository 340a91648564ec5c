//! GD-2026-Q4: a game-day drill in staging. The facilitator injects a fake traffic
//! signal, the autoscaler runs away, a responder spots it, pauses it through a dry-run
//! executor and scales back. Every event is `exercise: true` with reason `exercise`,
//! so it never passes for a real incident.

use super::{DemoIncident, Scene};
use crate::demo::agents::{Bot, CHEN, ROSA};
use crate::demo::moves::Move;
use crate::demo::text::{dashboard, reversible};
use crate::demo::trace::{agent_ref, control_action, policy, rule_approval, succeeded};
use crate::event::{PolicyDecision, Tier, TriggerType};
use serde_json::json;

pub(super) const DESCRIPTION: DemoIncident = DemoIncident {
    id: "GD-2026-Q4",
    title: "Game day: runaway autoscaler in staging (drill)",
    culprit: "autoscaler",
    summary: "Quarterly drill. The facilitator injected a fake 10x traffic signal into staging; the autoscaler scaled \
              search-indexer from 4 to 40 and then 80 replicas; a responder spotted it in the stream, paused the agent \
              through the dry-run executor and scaled back. Time to detect 5 minutes, to contain 6.",
    correlation_ids: &["cor-gameday-2026q4"],
    reason_codes: &["exercise"],
    tier: Tier::T2,
    exercise: true,
    position: 0.45,
};

pub(super) fn tell(s: &mut Scene) {
    let bot = Bot::Autoscaler;
    let mut t = s.cause_trace(bot, "staging");
    t.exercise = true;

    let mut inject = t.human_event(s.f, "exercise.inject", ROSA, "exercise", Tier::T2, "GD-2026-Q4 start: injecting a synthetic 10x request-rate signal for search-indexer in staging. Responders: chen.wei. This is a drill.".into());
    inject.agent = Some(agent_ref(bot));
    inject.action = Some(control_action(
        "exercise.inject",
        "prometheus",
        "promql:sum(rate(http_requests_total{service=\"search-indexer\"}[5m]))".into(),
        "staging",
        json!({"multiplier": 10, "duration_s": 1_800, "scenario": "runaway-autoscaler"}),
    ));
    s.out.push(inject);

    for (from, to) in [(4, 40), (40, 80)] {
        t.wait(if from == 4 { 70_000 } else { 95_000 });
        let mut m = Move::new(
            bot,
            "k8s.scale_deployment",
            "kubernetes",
            "staging",
            "k8s://staging-eu-west-1/search/deployment/search-indexer".into(),
        )
        .triggered(
            TriggerType::Event,
            "alertmanager:HighRequestRate/search-indexer",
        );
        m.tier = Tier::T2;
        m.reason = "exercise";
        m.summary = format!(
            "Scale search/search-indexer from {from} to {to} replicas on staging-eu-west-1"
        );
        m.reasoning = format!("Request rate is 10x the baseline and rising; {to} replicas keep projected CPU under 65%.");
        m.confidence = 0.77;
        m.params = json!({"cluster": "staging-eu-west-1", "namespace": "search", "deployment": "search-indexer", "replicas": to});
        m.before = Some(json!({"replicas": from}));
        m.after = Some(json!({"replicas": to}));
        m.evidence = vec![dashboard(s.f, "search-indexer-golden-signals")];
        m.reversibility = reversible(
            3_600,
            "kubectl",
            format!("kubectl -n search scale deploy/search-indexer --replicas={from}"),
        );
        m.detail = format!("scaled; {to}/{to} ready");
        let mut e = t.agent_event(s.f, &m, "ai.action");
        e.policy = Some(policy(
            bot,
            PolicyDecision::Allow,
            "scale-within-10x-staging",
        ));
        e.approval = Some(rule_approval("scale-within-10x-staging", t.now()));
        e.outcome = Some(succeeded(&m));
        s.out.push(e);
    }

    t.wait(2 * 60_000);
    s.intervene(&mut t, CHEN, bot, "exercise", Tier::T2, "Drill: autoscaler went 4 → 80 replicas in 3 minutes on a signal that does not match ingress logs. Treating it as runaway.");
    t.wait(50_000);
    let what = control_action(
        "agent.pause",
        "custody-gateway",
        "agent://autoscaler".into(),
        "staging",
        json!({"executor": "dry-run", "scope": "staging"}),
    );
    s.control(
        &mut t,
        "control.pause",
        CHEN,
        bot,
        "exercise",
        Tier::T2,
        "Drill: pause autoscaler in staging (dry-run executor).",
        what,
    );
    t.wait(30_000);
    s.incident(
        &mut t,
        "incident.open",
        "GD-2026-Q4",
        CHEN,
        bot,
        "exercise",
        Tier::T2,
        "Drill incident opened from the console.",
    );
    t.wait(2 * 60_000);
    let what = control_action(
        "k8s.scale_deployment",
        "kubernetes",
        "k8s://staging-eu-west-1/search/deployment/search-indexer".into(),
        "staging",
        json!({"replicas": 4, "executor": "dry-run"}),
    );
    s.control(
        &mut t,
        "control.rollback",
        CHEN,
        bot,
        "exercise",
        Tier::T2,
        "Drill: scale search-indexer back to 4 replicas (dry-run).",
        what,
    );
    t.wait(12 * 60_000);
    s.incident(&mut t, "incident.close", "GD-2026-Q4", ROSA, bot, "exercise", Tier::T2, "Drill complete: time to detect 5 min, time to contain 6 min. Finding: the pause playbook step needs the agent id typed; add it to the runbook.");
}
