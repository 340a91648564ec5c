//! INC-4502: checkout-api v2.31.0 shrinks its database pool; readiness probes fail; the
//! remediator restarts the deployment, cold starts make it worse, and it restarts again,
//! 26 times in ten minutes under a threshold rule with no rate limit, while the
//! autoscaler piles on replicas. The on-call engineer pauses it and rolls back.

use super::{DemoIncident, Scene};
use crate::demo::agents::{Bot, DEV, MARIA, PRIYA};
use crate::demo::moves::{restart_move, Move};
use crate::demo::text::{dashboard, reversible};
use crate::demo::trace::{control_action, outcome, policy, rule_approval, succeeded};
use crate::event::{OutcomeStatus, PolicyDecision, Tier, TriggerType};
use serde_json::json;

pub(super) const DESCRIPTION: DemoIncident = DemoIncident {
    id: "INC-4502",
    title: "Remediator stuck in a restart loop on checkout-api",
    culprit: "remediator",
    summary: "After checkout-api v2.31.0 shrank its database pool, readiness probes failed and the remediator \
              restarted the deployment 26 times in about ten minutes under the rule remediation-auto-restart, which \
              had no rate limit; each cold start made latency worse and the autoscaler kept adding replicas. \
              On-call paused the remediator, rolled back to v2.30.4 and the rule now allows 3 restarts per hour.",
    correlation_ids: &["cor-inc4502-restart-loop", "cor-inc4502-response"],
    reason_codes: &["incident_remediation", "latency_regression", "capacity_surge", "containment", "rollback"],
    tier: Tier::T2,
    exercise: false,
    position: 0.62,
};

const RESTARTS: i64 = 26;

pub(super) fn tell(s: &mut Scene) {
    let bot = Bot::Remediator;
    let (cluster, ns, svc) = ("prod-eu-west-1", "shop", "checkout-api");
    let mut a = s.cause_trace(bot, "prod");
    let mut replicas = 6;
    let mut last = None;
    for n in 1..=RESTARTS {
        let mut m = restart_move(
            s.f,
            "prod",
            cluster,
            ns,
            svc,
            "alertmanager:CheckoutReadinessFailing".into(),
        );
        m.reason = if n % 3 == 0 {
            "latency_regression"
        } else {
            "incident_remediation"
        };
        m.summary = format!("Rollout restart {ns}/{svc} (attempt {n}): readiness probes failing on {} of {replicas} pods", replicas - 1);
        m.reasoning = if n == 1 {
            "Readiness probes fail with 'connection pool exhausted' since v2.31.0 rolled out. A rolling restart cleared the same symptom last month.".into()
        } else {
            format!(
                "Readiness still failing after restart {}. p99 is now {} ms. The previous restart completed, so the fix is to restart again; \
                 the rule remediation-auto-restart allows it.",
                n - 1,
                900 + 140 * n
            )
        };
        m.confidence = (0.82 - 0.01 * n as f64).max(0.55);
        let mut e = a.agent_event(s.f, &m, "ai.action");
        e.policy = Some(policy(
            bot,
            PolicyDecision::Allow,
            "remediation-auto-restart",
        ));
        e.approval = Some(rule_approval("remediation-auto-restart", a.now()));
        e.outcome = Some(if n % 7 == 0 {
            outcome(
                OutcomeStatus::Failure,
                "rollout stalled: progress deadline exceeded",
                Some(json!({"readyReplicas": 1})),
            )
        } else {
            succeeded(&m)
        });
        last = Some(e.event_id.clone());
        s.out.push(e);
        a.wait(18_000 + s.f.int(0, 9_000));

        if n % 9 == 4 {
            replicas *= 2;
            scale_up(s, &mut a, replicas);
        }
    }

    let mut b = s.response_trace(Bot::Triage, "prod", 9 * 60_000, last.clone());
    let mut esc = Move::new(
        Bot::Triage,
        "pagerduty.escalate",
        "pagerduty",
        "prod",
        "pagerduty://incidents/QX7T2".into(),
    )
    .triggered(TriggerType::Event, "pagerduty:QX7T2");
    esc.tier = Tier::T1;
    esc.reason = "incident_remediation";
    esc.summary =
        format!("Escalate QX7T2 to a human: remediator restarted {svc} 20+ times in 9 minutes");
    esc.reasoning = "The same automatic fix keeps repeating without the alert resolving; that is a loop, not progress. Paging the on-call engineer.".into();
    esc.params = json!({"incident": "QX7T2", "escalation_level": 2, "urgency": "high"});
    esc.reversibility = reversible(3_600, "pagerduty", "de-escalate".into());
    let mut e = b.agent_event(s.f, &esc, "ai.action");
    e.policy = Some(policy(
        Bot::Triage,
        PolicyDecision::Allow,
        "escalation-always-allowed",
    ));
    e.approval = Some(crate::demo::trace::no_approval());
    e.outcome = Some(succeeded(&esc));
    s.out.push(e);

    b.wait(75_000);
    s.intervene(&mut b, MARIA, bot, "latency_regression", Tier::T2, "Remediator is looping: every restart empties the DB pool warm-up and makes readiness worse. Stopping it.");
    b.wait(20_000);
    s.pause(&mut b, MARIA, bot, Tier::T2, "Pause remediator: 26 restarts of checkout-api in 10 minutes, each one extending the outage.");
    b.wait(45_000);
    s.incident(&mut b, "incident.open", "INC-4502", PRIYA, bot, "incident_remediation", Tier::T2, "INC-4502: checkout degraded, remediator restart loop. Remediator paused; investigating the v2.31.0 rollout.");
    b.wait(3 * 60_000);
    let what = control_action(
        "argo.rollback",
        "argo-rollouts",
        format!("argo://{ns}/rollout/{svc}"),
        "prod",
        json!({"from": "v2.31.0", "to": "v2.30.4"}),
    );
    s.control(&mut b, "control.rollback", MARIA, Bot::Deployer, "rollback", Tier::T2, "Roll checkout-api back to v2.30.4: v2.31.0 set DB_POOL_SIZE=5, the trigger for the probe failures.", what);
    b.wait(11 * 60_000);
    s.incident(&mut b, "incident.step", "INC-4502", MARIA, bot, "incident_remediation", Tier::T2, "Readiness green on all pods since the rollback; p99 back to 210 ms. Autoscaler returning to 6 replicas on its own.");
    b.wait(15 * 60_000);
    s.intervene(&mut b, DEV, bot, "incident_remediation", Tier::T2, "Rule remediation-auto-restart now allows at most 3 restarts per deployment per hour; the 4th asks a human.");
    b.wait(5 * 60_000);
    s.resume(
        &mut b,
        MARIA,
        bot,
        Tier::T2,
        "Resume remediator with the rate-limited rule (pol-remediation v10).",
    );
    b.wait(4 * 60_000);
    s.incident(&mut b, "incident.close", "INC-4502", PRIYA, bot, "incident_remediation", Tier::T2, "Closed. Customer impact 19 minutes of elevated checkout latency; time to contain 11 minutes from first restart.");
}

fn scale_up(s: &mut Scene, a: &mut crate::demo::trace::Trace, to: i64) {
    let bot = Bot::Autoscaler;
    let mut m = Move::new(
        bot,
        "k8s.scale_deployment",
        "kubernetes",
        "prod",
        "k8s://prod-eu-west-1/shop/deployment/checkout-api".into(),
    )
    .triggered(
        TriggerType::Event,
        "alertmanager:HighLatencyP99/checkout-api",
    );
    m.tier = Tier::T2;
    m.reason = "capacity_surge";
    m.summary = format!(
        "Scale shop/checkout-api from {} to {to} replicas on prod-eu-west-1",
        to / 2
    );
    m.reasoning = "p99 latency is above 1.5 s and half the pods are not ready; adding replicas to absorb traffic while the remediator restarts pods.".into();
    m.confidence = 0.71;
    m.params = json!({"cluster": "prod-eu-west-1", "namespace": "shop", "deployment": "checkout-api", "replicas": to});
    m.before = Some(json!({"replicas": to / 2}));
    m.after = Some(json!({"replicas": to}));
    m.evidence = vec![dashboard(s.f, "checkout-api-golden-signals")];
    m.reversibility = reversible(
        3_600,
        "kubectl",
        format!(
            "kubectl -n shop scale deploy/checkout-api --replicas={}",
            to / 2
        ),
    );
    m.detail = format!("scaled; {}/{to} ready", to / 3);
    let mut e = a.agent_event(s.f, &m, "ai.action");
    e.policy = Some(policy(bot, PolicyDecision::Allow, "scale-within-3x-auto"));
    e.approval = Some(rule_approval("scale-within-3x-auto", a.now()));
    e.outcome = Some(succeeded(&m));
    s.out.push(e);
    a.wait(2_000);
}
