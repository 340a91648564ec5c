//! The autoscaler's moves: scaling deployments up on saturation and down when idle,
//! tuning HPA targets, and the read-only capacity forecasts it runs every 15 minutes.

use super::Move;
use crate::demo::agents::Bot;
use crate::demo::forge::Forge;
use crate::demo::text::*;
use crate::event::{Tier, TriggerType};
use serde_json::json;

pub(super) fn autoscaler(f: &mut Forge) -> Move {
    let env = environment(f);
    let (svc, ns) = service(f);
    let cl = cluster(f, env);
    let resource = format!("k8s://{cl}/{ns}/deployment/{svc}");
    match f.weighted(&[6, 3, 5]) {
        0 => scale(f, env, cl, ns, svc, resource),
        1 => {
            let (lo, hi, target) = (f.int(2, 4), f.int(8, 20), f.pick(&[70, 75, 80]));
            let new_target = target - f.pick(&[10, 15, 20]);
            let p99 = f.int(320, 900);
            let mut m = Move::new(
                Bot::Autoscaler,
                "k8s.patch_hpa",
                "kubernetes",
                env,
                resource,
            )
            .tier_by_env(Tier::T1, Tier::T2)
            .triggered(
                TriggerType::Event,
                format!("alertmanager:LatencySLOBurn/{svc}"),
            );
            m.reason = "latency_regression";
            m.summary =
                format!("Lower HPA CPU target for {ns}/{svc} from {target}% to {new_target}%");
            m.reasoning = format!(
                "{svc} breaches its 300 ms p99 ({p99} ms) before the HPA reacts: CPU only reaches {target}% once queues have built. \
                 Lowering the target to {new_target}% makes the HPA scale about {lead} s earlier at the cost of ~{extra} extra pods at peak.",
                lead = f.int(40, 180),
                extra = f.int(1, 4)
            );
            m.confidence = f.real(0.72, 0.93, 2);
            m.params = json!({"cluster": cl, "namespace": ns, "hpa": svc, "targetCPUUtilizationPercentage": new_target});
            m.before = Some(json!({"minReplicas": lo, "maxReplicas": hi, "targetCPU": target}));
            m.after = Some(json!({"targetCPU": new_target}));
            let q = format!("histogram_quantile(0.99, sum by (le) (rate(http_server_duration_seconds_bucket{{service=\"{svc}\"}}[5m])))");
            m.evidence = vec![promql(q), dashboard(f, &format!("{svc}-latency"))];
            m.reversibility = reversible(
                86_400,
                "kubectl",
                format!("kubectl -n {ns} patch hpa {svc} (target back to {target}%)"),
            );
            m.detail = "HPA patched; next evaluation in 15 s".into();
            m.response = json!({"resourceVersion": f.int(10_000_000, 99_999_999).to_string()});
            m.failure = format!("horizontalpodautoscalers.autoscaling \"{svc}\" is forbidden: User \"system:serviceaccount:agents:autoscaler\" cannot patch resource in namespace \"{ns}\"");
            m.rule_id = "hpa-target-delta-under-25";
            m
        }
        _ => {
            let rps = f.int(800, 9_000);
            let mut m = Move::new(
                Bot::Autoscaler,
                "k8s.read_capacity",
                "kubernetes",
                env,
                resource,
            )
            .triggered(TriggerType::Scheduled, "cron:capacity-forecast");
            m.tier = Tier::T0;
            m.reason = "capacity_surge";
            m.summary =
                format!("Capacity forecast for {ns}/{svc}: {rps} rps next hour, headroom OK");
            m.reasoning = format!(
                "Forecast peak {rps} rps against an estimated ceiling of {cap} rps at current replicas; no action needed. Re-check in 15 minutes.",
                cap = rps + f.int(400, 4_000)
            );
            m.confidence = f.real(0.8, 0.97, 2);
            m.params = json!({"cluster": cl, "namespace": ns, "deployment": svc, "window": "1h", "read_only": true});
            m.evidence = vec![promql(format!(
                "sum(rate(http_requests_total{{service=\"{svc}\"}}[5m]))"
            ))];
            m.detail = "forecast computed".into();
            m.response = json!({"forecast_rps": rps, "model": "prophet-weekly", "mape": f.real(0.03, 0.12, 3)});
            m
        }
    }
}

fn scale(
    f: &mut Forge,
    env: &'static str,
    cl: &str,
    ns: &str,
    svc: &str,
    resource: String,
) -> Move {
    let before = f.int(2, 10);
    let up = f.chance(0.7);
    let after = if up {
        before * f.int(2, 3)
    } else {
        (before / 2).max(2)
    };
    let (p99, cpu) = if up {
        (f.int(380, 1_400), f.int(78, 96))
    } else {
        (f.int(60, 180), f.int(9, 28))
    };
    let mut m = Move::new(
        Bot::Autoscaler,
        "k8s.scale_deployment",
        "kubernetes",
        env,
        resource,
    )
    .tier_by_env(Tier::T1, Tier::T2);
    m.params = json!({"cluster": cl, "namespace": ns, "deployment": svc, "replicas": after});
    m.before =
        Some(json!({"replicas": before, "ready": before, "avg_cpu_pct": cpu, "p99_ms": p99}));
    m.after = Some(json!({"replicas": after}));
    if up {
        m.reason = "capacity_surge";
        m = m.triggered(
            TriggerType::Event,
            format!("alertmanager:HighLatencyP99/{svc}"),
        );
        m.summary = format!("Scale {ns}/{svc} from {before} to {after} replicas on {cl}");
        m.reasoning = match f.int(0, 2) {
            0 => format!(
                "p99 latency on {svc} is {p99} ms against a 300 ms SLO and CPU averages {cpu}%. Request rate rose {rise}% in 15 minutes, \
                 consistent with the {cause}. {after} replicas keep projected CPU under 65%.",
                rise = f.int(30, 220),
                cause = f.pick(TRAFFIC_CAUSES)
            ),
            1 => format!(
                "{svc} pods are at {cpu}% CPU with {thr}% CFS throttling and a queue depth of {q}. The HPA is pinned at maxReplicas={before}, \
                 so a direct scale is needed until the ceiling is reviewed.",
                thr = f.int(12, 40),
                q = f.int(200, 4_000)
            ),
            _ => format!(
                "Traffic for the next hour is forecast {rise}% above the 7-day baseline ({cause}). {before} replicas serve about {cap} rps each \
                 at target utilisation; {after} covers the forecast with one zone lost.",
                rise = f.int(40, 160),
                cause = f.pick(TRAFFIC_CAUSES),
                cap = f.int(150, 600)
            ),
        };
        m.evidence = vec![
            promql(format!("avg(rate(container_cpu_usage_seconds_total{{namespace=\"{ns}\",pod=~\"{svc}-.*\"}}[5m]))")),
            dashboard(f, &format!("{svc}-golden-signals")),
        ];
        m.rule_id = "scale-within-3x-auto";
    } else {
        m.reason = "cost_optimization";
        m = m.triggered(TriggerType::Scheduled, "cron:rightsizing-sweep");
        m.summary = format!("Scale {ns}/{svc} down from {before} to {after} replicas (idle)");
        m.reasoning = format!(
            "{svc} has run at {cpu}% CPU for {h} hours with p99 {p99} ms, far under the 300 ms SLO. Going from {before} to {after} replicas \
             saves about ${usd}/month and keeps the two-zone spread.",
            h = f.int(6, 72),
            usd = f.int(120, 2_400)
        );
        m.evidence = vec![
            dashboard(f, "cluster-efficiency"),
            logs(&format!("service:{svc} level:warn")),
        ];
        m.rule_id = "scale-down-keeps-2-replicas";
    }
    m.confidence = f.real(0.74, 0.97, 2);
    m.reversibility = reversible(
        3_600,
        "kubectl",
        format!("kubectl -n {ns} scale deploy/{svc} --replicas={before}"),
    );
    m.detail = format!(
        "deployment scaled; {after}/{after} pods ready after {} s",
        f.int(8, 95)
    );
    m.response = json!({"kind": "Scale", "status": {"replicas": after}});
    m.failure = format!("admission webhook \"quota.acme.io\" denied the request: namespace {ns} exceeds its CPU quota");
    m
}
