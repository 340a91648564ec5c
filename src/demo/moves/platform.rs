//! Moves of the platform bots: the autoscaler, the remediator, the database maintainer
//! and the triage bot (Kubernetes, Postgres, PagerDuty, Statuspage).

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
    match f.weighted(&[6, 3, 3]) {
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
            m.params = json!({"cluster": cl, "namespace": ns, "hpa": svc, "patch": {"spec": {"metrics": [{"type": "Resource", "resource": {"name": "cpu", "target": {"averageUtilization": new_target}}}]}}});
            m.before = Some(
                json!({"minReplicas": lo, "maxReplicas": hi, "targetCPUUtilizationPercentage": target}),
            );
            m.after = Some(
                json!({"minReplicas": lo, "maxReplicas": hi, "targetCPUUtilizationPercentage": new_target}),
            );
            let q = format!("histogram_quantile(0.99, sum by (le) (rate(http_server_duration_seconds_bucket{{service=\"{svc}\"}}[5m])))");
            m.evidence = vec![promql(f, q), dashboard(f, &format!("{svc}-latency"))];
            m.reversibility = reversible(86_400, "kubectl", format!("kubectl -n {ns} patch hpa {svc} --type merge -p '{{\"spec\":{{\"targetCPUUtilizationPercentage\":{target}}}}}'"));
            m.detail = "HPA patched; next evaluation in 15 s".into();
            m.response = json!({"kind": "HorizontalPodAutoscaler", "metadata": {"resourceVersion": f.int(10_000_000, 99_999_999).to_string()}});
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
            .triggered(
                TriggerType::Scheduled,
                "cron:capacity-forecast */15 * * * *",
            );
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
            m.evidence = vec![promql(
                f,
                format!("sum(rate(http_requests_total{{service=\"{svc}\"}}[5m]))"),
            )];
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
    m.params = json!({"cluster": cl, "namespace": ns, "deployment": svc, "replicas": after, "strategy": "RollingUpdate", "max_surge": "25%", "dry_run": false});
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
            promql(f, format!("avg(rate(container_cpu_usage_seconds_total{{namespace=\"{ns}\",pod=~\"{svc}-.*\"}}[5m]))")),
            dashboard(f, &format!("{svc}-golden-signals")),
        ];
        m.rule_id = "scale-within-3x-auto";
    } else {
        m.reason = "cost_optimization";
        m = m.triggered(TriggerType::Scheduled, "cron:rightsizing-sweep 0 */2 * * *");
        m.summary = format!("Scale {ns}/{svc} down from {before} to {after} replicas (idle)");
        m.reasoning = format!(
            "{svc} has run at {cpu}% CPU for {h} hours with p99 {p99} ms, far under the 300 ms SLO. Going from {before} to {after} replicas \
             saves about ${usd}/month and keeps the two-zone spread.",
            h = f.int(6, 72),
            usd = f.int(120, 2_400)
        );
        m.evidence = vec![
            dashboard(f, "cluster-efficiency"),
            logs(f, &format!("service:{svc} level:warn")),
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
    m.response = json!({"kind": "Scale", "apiVersion": "autoscaling/v1", "spec": {"replicas": after}, "status": {"replicas": after}});
    m.failure = format!("admission webhook \"quota.acme.io\" denied the request: namespace {ns} exceeds its CPU quota");
    m
}

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
                logs(f, &format!("pod:{pod} OOMKilled")),
                promql(
                    f,
                    format!("kube_pod_container_status_restarts_total{{pod=\"{pod}\"}}"),
                ),
            ];
            m.reversibility = partly_reversible(
                0,
                "controller",
                format!("ReplicaSet {svc} recreates the pod"),
            );
            m.detail = "pod deleted; replacement Running after 21 s".into();
            m.response = json!({"kind": "Status", "status": "Success", "details": {"name": pod, "kind": "pods"}});
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
            m.evidence = vec![logs(f, &format!("service:{svc} status:5xx"))];
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
        logs(f, &format!("service:{svc} \"pool exhausted\"")),
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

pub(super) fn db_maintainer(f: &mut Forge) -> Move {
    let env = environment(f);
    let db = f.pick(DATABASES);
    let table = f.pick(TABLES);
    let host = format!("pg-{db}-{env}-{}", f.int(1, 3));
    let resource = format!("postgres://{host}/{db}");
    match f.weighted(&[4, 3, 2, 1, 3]) {
        0 => {
            let dead = f.int(2, 40);
            let mut m = Move::new(
                Bot::DbMaintainer,
                "postgres.vacuum_analyze",
                "postgres",
                env,
                format!("{resource}/{table}"),
            )
            .triggered(TriggerType::Scheduled, "cron:nightly-vacuum 0 2 * * *");
            m.reason = "scheduled_maintenance";
            m.summary = format!("VACUUM (ANALYZE) {db}.{table}: {dead}M dead tuples");
            m.reasoning = format!(
                "{table} carries {dead}M dead tuples ({pct}% of the heap) and autovacuum has not finished a pass in {h} hours. \
                 Running it in the 02:00 window avoids lock contention with checkout traffic.",
                pct = f.int(8, 35),
                h = f.int(20, 90)
            );
            m.params = json!({"statement": format!("VACUUM (ANALYZE, VERBOSE) public.{table}"), "lock_timeout_ms": 5_000, "statement_timeout_ms": 3_600_000});
            m.before = Some(json!({"n_dead_tup": dead * 1_000_000, "last_autovacuum": null}));
            m.after = Some(json!({"n_dead_tup": f.int(0, 40_000)}));
            m.evidence = vec![evidence(
                f,
                "sql",
                format!("SELECT n_dead_tup FROM pg_stat_user_tables WHERE relname = '{table}'"),
            )];
            m.reversibility = no_effect();
            m.detail = format!("vacuum finished in {} s", f.int(40, 1_800));
            m
        }
        1 => {
            let col = f.pick(&[
                "customer_id",
                "created_at",
                "status",
                "merchant_id",
                "external_ref",
            ]);
            let ms = f.int(300, 4_000);
            let mut m = Move::new(
                Bot::DbMaintainer,
                "postgres.create_index",
                "postgres",
                env,
                format!("{resource}/{table}"),
            )
            .tier_by_env(Tier::T1, Tier::T2)
            .triggered(
                TriggerType::Event,
                format!("pganalyze:slow-query/{}", f.hex(4)),
            );
            m.reason = "latency_regression";
            m.summary = format!("CREATE INDEX CONCURRENTLY on {db}.{table}({col})");
            m.reasoning = format!(
                "The query filtering {table} by {col} now takes {ms} ms at p95 after the table passed {rows}M rows; the plan shows a sequential scan. \
                 A concurrent btree index avoids blocking writes and should bring it under 20 ms.",
                rows = f.int(5, 300)
            );
            m.confidence = f.real(0.78, 0.95, 2);
            m.params = json!({"statement": format!("CREATE INDEX CONCURRENTLY idx_{table}_{col} ON public.{table} ({col})"), "maintenance_work_mem": "2GB"});
            m.before = Some(json!({"p95_ms": ms, "plan": "Seq Scan"}));
            m.after = Some(json!({"p95_ms": f.int(2, 18), "plan": "Index Scan"}));
            let plan = format!("pganalyze://{host}/queries/{}", f.int(10_000, 99_999));
            m.evidence = vec![evidence(f, "explain_plan", plan)];
            m.reversibility = reversible(
                604_800,
                "sql",
                format!("DROP INDEX CONCURRENTLY idx_{table}_{col}"),
            );
            m.detail = "index built and valid".into();
            m.failure = "canceling statement due to lock timeout".into();
            m.rule_id = "concurrent-index-auto";
            m
        }
        2 => {
            let (param, from, to) = f.pick(&[
                ("work_mem", "16MB", "64MB"),
                ("max_connections", "400", "600"),
                ("shared_buffers", "8GB", "12GB"),
                ("random_page_cost", "4", "1.1"),
            ]);
            let mut m = Move::new(
                Bot::DbMaintainer,
                "postgres.set_parameter",
                "postgres",
                env,
                resource,
            )
            .tier_by_env(Tier::T1, Tier::T2)
            .triggered(TriggerType::Autonomous, "loop:db-capacity");
            m.reason = "capacity_surge";
            m.summary = format!("Set {param} = {to} on {host} (was {from})");
            m.reasoning = format!(
                "Connections peaked at {pk}% of max_connections during the last surge and temp files of {tmp} GB were written for sorts. \
                 Raising {param} from {from} to {to} fits within instance memory with {head}% headroom.",
                pk = f.int(85, 99),
                tmp = f.int(2, 40),
                head = f.int(15, 35)
            );
            m.params = json!({"parameter_group": format!("{db}-{env}-pg16"), "name": param, "value": to, "apply": "pending-reboot"});
            m.before = Some(json!({ param: from }));
            m.after = Some(json!({ param: to }));
            m.evidence = vec![
                dashboard(f, &format!("postgres-{db}")),
                promql(
                    f,
                    format!("pg_stat_database_numbackends{{datname=\"{db}\"}}"),
                ),
            ];
            m.reversibility = reversible(86_400, "aws", format!("aws rds modify-db-parameter-group --parameters ParameterName={param},ParameterValue={from}"));
            m.detail = "parameter group updated".into();
            m.rule_id = "param-change-staging-auto";
            m
        }
        3 => {
            let idx = format!(
                "idx_{table}_{}",
                f.pick(&[
                    "legacy_status",
                    "old_ref",
                    "tmp_backfill",
                    "created_at_brin"
                ])
            );
            let size = f.int(2, 90);
            let mut m = Move::new(
                Bot::DbMaintainer,
                "postgres.drop_index",
                "postgres",
                env,
                format!("{resource}/{table}"),
            )
            .tier_by_env(Tier::T2, Tier::T3)
            .triggered(TriggerType::Scheduled, "cron:index-hygiene 0 3 * * 0");
            m.reason = "cost_optimization";
            m.summary = format!("DROP INDEX {idx} ({size} GB, 0 scans in 90 days)");
            m.reasoning = format!(
                "{idx} has had 0 index scans since stats were reset 90 days ago, costs {size} GB and slows writes to {table} by about {w}%. \
                 No query in the last 30 days of pg_stat_statements references it.",
                w = f.int(3, 15)
            );
            m.params = json!({"statement": format!("DROP INDEX CONCURRENTLY {idx}"), "definition_saved_to": format!("s3://acme-db-ddl/{db}/{idx}.sql")});
            m.before = Some(json!({"index": idx, "size_gb": size, "idx_scan": 0}));
            m.after = Some(json!({"index": null}));
            m.evidence = vec![evidence(
                f,
                "sql",
                format!("SELECT idx_scan FROM pg_stat_user_indexes WHERE indexrelname = '{idx}'"),
            )];
            m.reversibility = partly_reversible(
                0,
                "sql",
                format!("s3://acme-db-ddl/{db}/{idx}.sql (rebuild takes hours)"),
            );
            m.detail = "index dropped".into();
            m.rule_id = "drop-index-needs-dba";
            m
        }
        _ => {
            let ms = f.int(200, 9_000);
            let mut m = Move::new(
                Bot::DbMaintainer,
                "postgres.explain",
                "postgres",
                env,
                resource,
            )
            .triggered(
                TriggerType::Event,
                format!("pganalyze:slow-query/{}", f.hex(4)),
            );
            m.tier = Tier::T0;
            m.reason = "latency_regression";
            m.summary = format!("EXPLAIN slow query on {db}.{table} ({ms} ms)");
            m.reasoning = format!("Read-only diagnosis: the planner misestimates rows on {table} by {x}x after a bulk load; recommending ANALYZE, no change made.", x = f.int(10, 500));
            m.params = json!({"statement": format!("EXPLAIN (ANALYZE false, FORMAT json) SELECT … FROM {table} …"), "read_only": true});
            let plan = format!("pganalyze://{host}/queries/{}", f.int(10_000, 99_999));
            m.evidence = vec![evidence(f, "explain_plan", plan)];
            m.detail = "plan captured".into();
            m
        }
    }
}

pub(super) fn triage_bot(f: &mut Forge) -> Move {
    let (svc, _) = service(f);
    let incident = format!("Q{}", f.hex(4).to_uppercase());
    let env = "prod";
    match f.weighted(&[5, 3, 2]) {
        0 => {
            let mut m = Move::new(
                Bot::TriageBot,
                "pagerduty.acknowledge",
                "pagerduty",
                env,
                format!("pagerduty://incidents/{incident}"),
            )
            .triggered(TriggerType::Event, format!("pagerduty:{incident}"));
            m.reason = "incident_remediation";
            m.summary =
                format!("Acknowledge {incident} ({svc} error budget burn) and link the runbook");
            m.reasoning = format!(
                "Alert matches the known pattern '{svc} error budget burn' seen {n} times this month; acknowledging stops re-paging while \
                 the remediator investigates. Owner team paged in parallel.",
                n = f.int(2, 14)
            );
            m.params = json!({"incident": incident, "status": "acknowledged", "escalation_policy": "PXK2L0Q"});
            m.before = Some(json!({"status": "triggered"}));
            m.after = Some(json!({"status": "acknowledged"}));
            m.evidence = vec![runbook(&format!("{svc}-error-budget"))];
            m.reversibility = reversible(
                3_600,
                "pagerduty",
                format!("PUT /incidents/{incident} status=triggered"),
            );
            m
        }
        1 => {
            let mut m = Move::new(
                Bot::TriageBot,
                "jira.create_issue",
                "jira",
                env,
                "jira://OPS".into(),
            )
            .triggered(TriggerType::Event, format!("pagerduty:{incident}"));
            m.reason = "incident_remediation";
            m.summary = format!(
                "Open follow-up for {incident}: {svc} alert fired {n} times in 24 h",
                n = f.int(3, 12)
            );
            m.reasoning = "Repeated alert without a lasting fix; a tracked follow-up beats another silent acknowledge.".into();
            let key = ticket_key(f, "OPS");
            m.params = json!({"project": "OPS", "type": "Task", "labels": ["ai-triage", svc], "priority": "P3"});
            m.after = Some(json!({"issue": key}));
            m.evidence = vec![logs(f, &format!("service:{svc} alert:fired"))];
            m.reversibility = reversible(604_800, "jira", format!("close {key} as duplicate"));
            m.response = json!({"key": key, "self": format!("https://acme.atlassian.net/rest/api/3/issue/{key}")});
            m
        }
        _ => {
            let mut m = Move::new(
                Bot::TriageBot,
                "statuspage.post_update",
                "statuspage",
                env,
                "statuspage://acme-status/components/checkout".into(),
            )
            .triggered(TriggerType::Event, format!("pagerduty:{incident}"));
            m.tier = Tier::T2;
            m.reason = "incident_remediation";
            m.summary =
                "Post 'degraded performance' notice for Checkout on the public status page".into();
            m.reasoning = format!(
                "Checkout error rate has been above 2% for {m} minutes and support has {t} open tickets mentioning failed payments; \
                 customers should hear it from us first.",
                m = f.int(10, 40),
                t = f.int(5, 60)
            );
            m.params = json!({"component": "checkout", "status": "degraded_performance", "body": "We are investigating elevated error rates at checkout."});
            m.before = Some(json!({"status": "operational"}));
            m.after = Some(json!({"status": "degraded_performance"}));
            m.evidence = vec![dashboard(f, "checkout-slo"), ticket(f, "SUP")];
            m.reversibility = partly_reversible(
                0,
                "statuspage",
                "resolve the notice; it stays in history".into(),
            );
            m.rule_id = "public-comms-need-ic";
            m
        }
    }
}
