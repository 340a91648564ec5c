//! The remediator's moves: rollout restarts, deleting crash-looping pods, draining
//! sick nodes, and annotating alerts it should not fix itself.

use super::Move;
use crate::demo::agents::Bot;
use crate::demo::forge::Forge;
use crate::demo::text::*;
use crate::event::{Tier, TriggerType};
use serde_json::json;

pub(super) fn remediator(f: &mut Forge) -> Move {
    let env = environment(f);
    let (svc, ns) = service(f);
    let cl = cluster(f, env);
    let incident = format!("pagerduty:Q{}", f.hex(4).to_uppercase());
    match f.weighted(&[4, 4, 2, 3]) {
        0 => restart_move(f, env, cl, ns, svc, incident),
        1 => {
            let pod = format!("{svc}-{}-{}", f.hex(5), f.hex(3));
            let restarts = f.int(6, 40);
            let mut m = Move::new(
                Bot::Remediator,
                "k8s.delete_pod",
                "kubernetes",
                env,
                format!("k8s://{cl}/{ns}/pod/{pod}"),
            )
            .triggered(
                TriggerType::Event,
                format!("alertmanager:KubePodCrashLooping/{pod}"),
            );
            m.tier = Tier::T1;
            m.reason = "incident_remediation";
            m.summary = format!("Delete crash-looping pod {pod} so it reschedules on another node");
            m.reasoning = format!(
                "{pod} has restarted {restarts} times with exit code 137 on node ip-10-{a}-{b}-{c}; its siblings on other nodes are healthy. \
                 The node shows memory pressure, so rescheduling elsewhere is the least invasive fix.",
                a = f.int(0, 3), b = f.int(0, 255), c = f.int(1, 254)
            );
            m.confidence = f.real(0.7, 0.95, 2);
            m.params = json!({"cluster": cl, "namespace": ns, "pod": pod, "grace_period_s": 30});
            m.before =
                Some(json!({"phase": "Running", "restarts": restarts, "last_state": "OOMKilled"}));
            m.after = Some(json!({"phase": "Terminated", "replacement": "pending-schedule"}));
            m.evidence = vec![
                logs(&format!("pod:{pod} OOMKilled")),
                promql(format!(
                    "kube_pod_container_status_restarts_total{{pod=\"{pod}\"}}"
                )),
            ];
            m.reversibility = partly_reversible(
                0,
                "controller",
                format!("ReplicaSet {svc} recreates the pod"),
            );
            m.detail = "pod deleted; replacement Running after 21 s".into();
            m.response = json!({"kind": "Status", "status": "Success"});
            m
        }
        2 => {
            let node = format!(
                "ip-10-{}-{}-{}.ec2.internal",
                f.int(0, 3),
                f.int(0, 255),
                f.int(1, 254)
            );
            let mut m = Move::new(
                Bot::Remediator,
                "k8s.cordon_drain_node",
                "kubernetes",
                env,
                format!("k8s://{cl}/node/{node}"),
            )
            .tier_by_env(Tier::T1, Tier::T2)
            .triggered(TriggerType::Event, incident);
            m.reason = "incident_remediation";
            let used = f.int(91, 99);
            m.summary = format!("Cordon and drain {node} (disk {used}% full, kubelet evicting)");
            m.reasoning = format!(
                "Node {node} reports DiskPressure with {used}% of /var/lib/containerd used; kubelet has started evicting pods at random. \
                 Draining moves {n} pods deliberately and honours PodDisruptionBudgets.",
                n = f.int(6, 28)
            );
            m.confidence = f.real(0.8, 0.96, 2);
            m.params = json!({"cluster": cl, "node": node, "ignore_daemonsets": true, "delete_emptydir_data": false, "timeout_s": 600});
            m.before = Some(json!({"schedulable": true, "conditions": {"DiskPressure": true}}));
            m.after = Some(json!({"schedulable": false, "drained": true}));
            m.evidence = vec![
                dashboard(f, "node-exporter-full"),
                runbook("node-disk-pressure"),
            ];
            m.reversibility = reversible(86_400, "kubectl", format!("kubectl uncordon {node}"));
            m.detail = "node cordoned; drain finished, all PDBs respected".into();
            m.failure =
                "drain timed out: cannot evict pod as it would violate the pod's disruption budget"
                    .into();
            m.rule_id = "drain-one-node-per-hour";
            m
        }
        _ => {
            let mut m = Move::new(
                Bot::Remediator,
                "pagerduty.add_note",
                "pagerduty",
                env,
                incident.clone(),
            )
            .triggered(TriggerType::Event, incident);
            m.tier = Tier::T0;
            m.reason = "incident_remediation";
            m.summary = format!("Annotate alert for {svc} with diagnosis, no automatic fix");
            m.reasoning = format!(
                "Error rate on {svc} is {e}% but the errors come from an upstream dependency ({dep}) that the remediator does not own. \
                 Posting the diagnosis to the incident for the owning team instead of acting.",
                e = f.real(1.0, 9.0, 1),
                dep = f.pick(&["stripe-api", "sendgrid", "a partner SFTP endpoint", "the shared Redis cluster"])
            );
            m.confidence = f.real(0.6, 0.9, 2);
            m.params = json!({"note": m.summary, "visibility": "responders"});
            m.evidence = vec![logs(&format!("service:{svc} status:5xx"))];
            m.detail = "note added".into();
            m.response = json!({"note": {"id": format!("P{}", f.hex(3).to_uppercase())}});
            m
        }
    }
}

/// A rollout restart; also what the remediator repeats in the restart-loop incident.
pub(crate) fn restart_move(
    f: &mut Forge,
    env: &'static str,
    cl: &str,
    ns: &str,
    svc: &str,
    incident: String,
) -> Move {
    let ready = f.int(1, 3);
    let total = ready + f.int(2, 5);
    let mut m = Move::new(
        Bot::Remediator,
        "k8s.rollout_restart",
        "kubernetes",
        env,
        format!("k8s://{cl}/{ns}/deployment/{svc}"),
    )
    .tier_by_env(Tier::T1, Tier::T2)
    .triggered(TriggerType::Event, incident);
    m.reason = "incident_remediation";
    m.summary =
        format!("Rollout restart {ns}/{svc}: {ready}/{total} pods ready, readiness probes failing");
    m.reasoning = format!(
        "Readiness probes on {svc} fail with 'connection pool exhausted' on {bad} of {total} pods since {mins} minutes ago. \
         The last restart cleared the same symptom; a rolling restart keeps at least {ready} pods serving.",
        bad = total - ready,
        mins = f.int(3, 25)
    );
    m.confidence = f.real(0.66, 0.9, 2);
    m.params = json!({"cluster": cl, "namespace": ns, "deployment": svc, "max_unavailable": 1, "annotation": "kubectl.kubernetes.io/restartedAt"});
    m.before = Some(json!({"ready": ready, "replicas": total, "generation": f.int(100, 900)}));
    m.after = Some(json!({"ready": total, "replicas": total}));
    m.evidence = vec![
        logs(&format!("service:{svc} \"pool exhausted\"")),
        dashboard(f, &format!("{svc}-golden-signals")),
    ];
    m.reversibility = partly_reversible(
        0,
        "none",
        "a restart cannot be undone; pods are replaced".into(),
    );
    m.detail = format!("rollout complete; {total}/{total} ready");
    m.response =
        json!({"kind": "Deployment", "status": {"readyReplicas": total, "updatedReplicas": total}});
    m.failure = "rollout stalled: progress deadline exceeded".into();
    m.rule_id = "remediation-auto-restart";
    m
}
