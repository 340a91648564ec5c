//! Moves of the delivery and spend bots: the deploy bot (GitHub, Argo Rollouts,
//! LaunchDarkly, Terraform, cert-manager) and the cost optimizer (EC2, EBS, Snowflake,
//! savings plans, SaaS seats).

use super::Move;
use crate::demo::agents::Bot;
use crate::demo::forge::Forge;
use crate::demo::text::*;
use crate::event::{Tier, TriggerType};
use serde_json::json;

/// The one reason code outside the default registry; rare, so the console's flag for
/// unregistered codes has something to show.
pub(crate) const UNREGISTERED_REASON: &str = "license_reclaim";

const FLAGS: &[&str] = &[
    "checkout.new-pricing-engine",
    "search.semantic-ranking",
    "cart.persist-to-redis",
    "auth.passkeys",
    "payments.3ds2-frictionless",
    "notifications.batch-digest",
];

fn version(f: &mut Forge) -> (String, String) {
    let (major, minor, patch) = (f.int(1, 4), f.int(10, 60), f.int(0, 9));
    (
        format!("v{major}.{minor}.{patch}"),
        format!("v{major}.{}.0", minor + 1),
    )
}

pub(super) fn deploy_bot(f: &mut Forge) -> Move {
    let env = environment(f);
    let (svc, ns) = service(f);
    let engineer = f.pick(ENGINEERS);
    match f.weighted(&[5, 5, 2, 3, 2, 2]) {
        0 => {
            let pr = f.int(4_000, 9_800);
            let mut m = Move::new(
                Bot::DeployBot,
                "github.merge_pull_request",
                "github",
                env,
                format!("github://acme/{svc}/pull/{pr}"),
            )
            .triggered(
                TriggerType::UserInstruction,
                format!("slack:#deploys/{}", f.hex(5)),
            );
            m.tier = Tier::T1;
            m.reason = "user_request";
            m.on_behalf_of = Some(engineer.to_string());
            let title = f.pick(&[
                "fix: retry idempotent writes",
                "chore: bump grpc to 1.66",
                "feat: add order export endpoint",
                "perf: cache price lookups",
                "fix: nil check on empty cart",
            ]);
            m.summary = format!("Merge acme/{svc}#{pr} '{title}' (CI green, 2 approvals)");
            m.reasoning = format!(
                "{engineer} asked to merge when green. All {n} required checks passed, CODEOWNERS approved, and the branch is {b} commits \
                 behind main with no conflicts.",
                n = f.int(6, 14),
                b = f.int(0, 9)
            );
            m.params = json!({"repo": format!("acme/{svc}"), "pull_number": pr, "merge_method": "squash", "sha": f.hex(20)});
            m.before = Some(json!({"state": "open", "mergeable_state": "clean"}));
            m.after = Some(json!({"state": "merged"}));
            let run = format!(
                "https://github.com/acme/{svc}/actions/runs/{}",
                f.int(9_000_000_000, 9_999_999_999)
            );
            m.evidence = vec![evidence(f, "ci_run", run)];
            m.reversibility = reversible(
                604_800,
                "git",
                format!("gh pr revert {pr} --repo acme/{svc}"),
            );
            m.response = json!({"merged": true, "sha": f.hex(20)});
            m
        }
        1 => {
            let (old, new) = version(f);
            let weight = f.pick(&[5, 10, 25]);
            let mut m = Move::new(
                Bot::DeployBot,
                "argo.canary_deploy",
                "argo-rollouts",
                env,
                format!("argo://{ns}/rollout/{svc}"),
            )
            .tier_by_env(Tier::T1, Tier::T2)
            .triggered(TriggerType::Scheduled, "release-train:weekday 10:00 UTC");
            m.reason = "user_request";
            m.on_behalf_of = Some(engineer.to_string());
            m.summary = format!("Start canary of {svc} {new} at {weight}% in {env}");
            m.reasoning = format!(
                "{new} contains {n} merged PRs since {old}; integration tests passed in staging for {h} hours with no new error signatures. \
                 Starting at {weight}% with automated analysis against the baseline error rate of {base}%.",
                n = f.int(2, 30),
                h = f.int(2, 40),
                base = f.real(0.1, 0.6, 2)
            );
            m.params = json!({"rollout": svc, "namespace": ns, "image": format!("registry.acme.internal/{svc}:{new}"), "steps": [{"setWeight": weight}, {"pause": {"duration": "15m"}}, {"analysis": "error-rate-vs-baseline"}]});
            m.before = Some(json!({"image": format!("{svc}:{old}"), "canary_weight": 0}));
            m.after = Some(json!({"image": format!("{svc}:{new}"), "canary_weight": weight}));
            m.evidence = vec![dashboard(f, &format!("{svc}-release")), ticket(f, "REL")];
            m.reversibility = reversible(
                3_600,
                "argo",
                format!("kubectl argo rollouts abort {svc} -n {ns}"),
            );
            m.detail = format!("canary at {weight}%, analysis run started");
            m.failure =
                "rollout aborted: analysis 'error-rate-vs-baseline' failed (3 of 3 measurements)"
                    .into();
            m.rule_id = "canary-under-25pct-auto";
            m
        }
        2 => {
            let (old, new) = version(f);
            let err = f.real(2.0, 9.0, 1);
            let mut m = Move::new(
                Bot::DeployBot,
                "argo.rollback",
                "argo-rollouts",
                env,
                format!("argo://{ns}/rollout/{svc}"),
            )
            .tier_by_env(Tier::T1, Tier::T2)
            .triggered(TriggerType::Event, format!("argo:analysis-failed/{svc}"));
            m.reason = "rollback";
            m.summary = format!("Roll back {svc} from {new} to {old}: canary error rate {err}%");
            m.reasoning = format!(
                "Canary pods for {new} return {err}% 5xx against a {base}% baseline, all from the new /v2/quote handler. \
                 Rolling back is the documented response; the PR author has been notified.",
                base = f.real(0.1, 0.5, 2)
            );
            m.confidence = f.real(0.88, 0.99, 2);
            m.params = json!({"rollout": svc, "namespace": ns, "to_revision": old});
            m.before = Some(json!({"image": format!("{svc}:{new}")}));
            m.after = Some(json!({"image": format!("{svc}:{old}")}));
            m.evidence = vec![promql(f, format!("sum(rate(http_requests_total{{service=\"{svc}\",code=~\"5..\",rollouts_pod_template_hash=\"canary\"}}[2m]))"))];
            m.reversibility = reversible(
                3_600,
                "argo",
                format!("kubectl argo rollouts promote {svc} -n {ns}"),
            );
            m.rule_id = "rollback-always-allowed";
            m
        }
        3 => {
            let flag = f.pick(FLAGS);
            let (from, to) = f.pick(&[(0, 10), (10, 50), (50, 100), (100, 0)]);
            let mut m = Move::new(
                Bot::DeployBot,
                "launchdarkly.update_flag",
                "launchdarkly",
                env,
                format!("launchdarkly://acme/{env}/{flag}"),
            )
            .tier_by_env(Tier::T1, Tier::T2)
            .triggered(
                TriggerType::UserInstruction,
                format!("slack:#releases/{}", f.hex(5)),
            );
            m.on_behalf_of = Some(engineer.to_string());
            m.reason = if to == 0 {
                "latency_regression"
            } else {
                "user_request"
            };
            m.summary = format!("Set {flag} rollout from {from}% to {to}% in {env}");
            m.reasoning = if to == 0 {
                format!("Kill switch: p99 of requests with {flag} on is {ms} ms versus {base} ms with it off; turning it off while the owners investigate.", ms = f.int(600, 2_000), base = f.int(90, 250))
            } else {
                format!("{engineer} asked to widen {flag}. Guardrail metrics for the {from}% cohort are within 1% of control for {h} hours.", h = f.int(4, 72))
            };
            m.params = json!({"flag": flag, "environment": env, "instructions": [{"kind": "updateFallthroughVariationOrRollout", "rolloutWeights": {"on": to * 1000, "off": (100 - to) * 1000}}]});
            m.before = Some(json!({"on_pct": from}));
            m.after = Some(json!({"on_pct": to}));
            m.evidence = vec![dashboard(f, &format!("flag-{}", flag.replace('.', "-")))];
            m.reversibility = reversible(
                86_400,
                "launchdarkly",
                format!("set {flag} back to {from}%"),
            );
            m.rule_id = "flag-change-under-50pct-auto";
            m
        }
        4 => {
            let sg = format!("sg-0{}", f.hex(8));
            let port = f.pick(&[22, 5432, 6379, 9200]);
            let mut m = Move::new(
                Bot::DeployBot,
                "terraform.apply",
                "terraform",
                env,
                format!("terraform://infra-live/{env}/network/{sg}"),
            )
            .tier_by_env(Tier::T1, Tier::T2)
            .triggered(TriggerType::Scheduled, "cron:drift-check 0 * * * *");
            m.reason = "config_drift";
            m.summary = format!(
                "Re-apply infra-live/{env}/network: console edit opened port {port} on {sg}"
            );
            m.reasoning = format!(
                "Hourly plan shows 1 to change: an ingress rule for port {port} from 0.0.0.0/0 was added outside Terraform ({who} in the AWS console, per CloudTrail). \
                 Re-applying restores the reviewed state.",
                who = f.pick(ENGINEERS)
            );
            m.params = json!({"workspace": format!("infra-live/{env}/network"), "plan_sha256": f.sha256(), "auto_approve": true, "targets": [format!("aws_security_group.{svc}")]});
            m.before = Some(
                json!({"ingress": [{"from_port": 443, "cidr": "10.0.0.0/8"}, {"from_port": port, "cidr": "0.0.0.0/0"}]}),
            );
            m.after = Some(json!({"ingress": [{"from_port": 443, "cidr": "10.0.0.0/8"}]}));
            let plan = format!("s3://acme-tf-plans/{env}/network/{}.tfplan", f.hex(6));
            m.evidence = vec![
                evidence(
                    f,
                    "cloudtrail",
                    format!("AuthorizeSecurityGroupIngress {sg}"),
                ),
                evidence(f, "terraform_plan", plan),
            ];
            m.reversibility = reversible(
                86_400,
                "terraform",
                "apply the previous state version".into(),
            );
            m.detail = "Apply complete! Resources: 0 added, 1 changed, 0 destroyed.".into();
            m.failure = "Error acquiring the state lock: ConditionalCheckFailedException".into();
            m.rule_id = "drift-revert-auto";
            m
        }
        _ => {
            let host = format!(
                "{svc}.{}",
                f.pick(&["acme.com", "api.acme.com", "internal.acme.net"])
            );
            let mut m = Move::new(
                Bot::DeployBot,
                "cert.renew",
                "cert-manager",
                env,
                format!("k8s://{}/{ns}/certificate/{svc}-tls", cluster(f, env)),
            )
            .triggered(TriggerType::Scheduled, "cron:cert-renewal 30 4 * * *");
            m.reason = "scheduled_maintenance";
            m.summary = format!(
                "Renew TLS certificate for {host} ({d} days left)",
                d = f.int(7, 21)
            );
            m.reasoning = "Renewal window opened; ACME DNS-01 challenge is the standard path and the old certificate stays valid until rotation.".into();
            m.params = json!({"issuer": "letsencrypt-prod", "dns_names": [host], "key_algorithm": "ECDSA", "key_size": 256});
            m.before = Some(json!({"not_after": "in 14 days", "serial": f.hex(8)}));
            m.after = Some(json!({"not_after": "in 90 days", "serial": f.hex(8)}));
            m.reversibility = reversible(
                86_400,
                "cert-manager",
                "previous secret version kept".into(),
            );
            m
        }
    }
}

pub(super) fn cost_optimizer(f: &mut Forge) -> Move {
    let env = environment(f);
    if f.chance(0.03) {
        return license_reclaim(f);
    }
    match f.weighted(&[4, 2, 3, 1, 3]) {
        0 => {
            let id = format!("i-0{}", f.hex(8));
            let (from, to, save) = f.pick(&[
                ("m6i.2xlarge", "m6i.xlarge", 140),
                ("r6g.4xlarge", "r6g.2xlarge", 390),
                ("c6i.4xlarge", "c7g.2xlarge", 310),
                ("m5.xlarge", "t3.large", 95),
            ]);
            let mut m = Move::new(
                Bot::CostOptimizer,
                "terraform.rightsize_instance",
                "terraform",
                env,
                format!("aws://ec2/eu-west-1/{id}"),
            )
            .tier_by_env(Tier::T1, Tier::T2)
            .triggered(TriggerType::Scheduled, "cron:finops-sweep 0 6 * * 1-5");
            m.reason = "cost_optimization";
            let cpu = f.int(4, 22);
            m.summary = format!("Rightsize {id} from {from} to {to}, saving ${save}/month");
            m.reasoning = format!(
                "{id} peaked at {cpu}% CPU and {mem}% memory over 30 days. {to} covers the p99 with {head}% headroom; the change needs a stop/start \
                 that the ASG handles one instance at a time.",
                mem = f.int(10, 45),
                head = f.int(30, 60)
            );
            m.params = json!({"workspace": format!("infra-live/{env}/compute"), "resource": "aws_instance.worker", "instance_type": to, "plan_sha256": f.sha256()});
            m.before = Some(json!({"instance_type": from, "monthly_usd": save * 2}));
            m.after = Some(json!({"instance_type": to, "monthly_usd": save}));
            let report = format!(
                "https://cost.acme.internal/reports/rightsizing/{}",
                f.hex(4)
            );
            m.evidence = vec![
                evidence(f, "cost_report", report),
                promql(
                    f,
                    format!("max_over_time(node_cpu_utilisation{{instance_id=\"{id}\"}}[30d])"),
                ),
            ];
            m.reversibility = reversible(
                604_800,
                "terraform",
                format!("revert instance_type to {from}"),
            );
            m.rule_id = "rightsize-one-step-auto";
            m
        }
        1 => {
            let vol = format!("vol-0{}", f.hex(8));
            let gb = f.pick(&[200, 500, 1_000, 2_000]);
            let mut m = Move::new(
                Bot::CostOptimizer,
                "aws.delete_ebs_volume",
                "aws-ec2",
                env,
                format!("aws://ec2/eu-west-1/{vol}"),
            )
            .triggered(TriggerType::Scheduled, "cron:idle-resource-sweep 0 5 * * *");
            m.tier = Tier::T3;
            m.reason = "cost_optimization";
            m.summary = format!(
                "Delete unattached EBS volume {vol} ({gb} GiB, detached {d} days)",
                d = f.int(30, 400)
            );
            m.reasoning = format!(
                "{vol} has been detached since its instance was terminated; no snapshot policy references it and its tags name a decommissioned project. \
                 A final snapshot is taken first; deleting saves ${usd}/month.",
                usd = gb / 10 * 8 / 10
            );
            m.params = json!({"volume_id": vol, "final_snapshot": true, "tags": {"project": "legacy-search", "owner": "unknown"}});
            m.before = Some(json!({"state": "available", "size_gib": gb}));
            m.after = Some(json!({"state": "deleted", "snapshot": format!("snap-0{}", f.hex(8))}));
            m.evidence = vec![evidence(
                f,
                "aws_config",
                format!("arn:aws:config:eu-west-1:412907731004:config-rule/idle-ebs/{vol}"),
            )];
            m.reversibility = partly_reversible(
                2_592_000,
                "aws",
                "restore from the final snapshot (new volume id)".into(),
            );
            m.rule_id = "destructive-needs-human";
            m
        }
        2 => {
            let wh = f.pick(&["TRANSFORM_WH", "BI_WH", "ADHOC_WH", "DBT_WH"]);
            let (from, to) = f.pick(&[
                ("LARGE", "MEDIUM"),
                ("XLARGE", "LARGE"),
                ("MEDIUM", "SMALL"),
            ]);
            let mut m = Move::new(
                Bot::CostOptimizer,
                "snowflake.alter_warehouse",
                "snowflake",
                env,
                format!("snowflake://acme.eu-west-1/warehouse/{wh}"),
            )
            .triggered(TriggerType::Scheduled, "cron:finops-sweep 0 6 * * 1-5");
            m.tier = Tier::T1;
            m.reason = "cost_optimization";
            m.summary = format!("Resize {wh} from {from} to {to} and auto-suspend after 60 s");
            m.reasoning = format!(
                "{wh} queued 0 queries in 14 days and its p95 query time is {s} s; credits burned {c}/day mostly while idle before auto-suspend.",
                s = f.int(2, 40),
                c = f.int(20, 300)
            );
            m.params = json!({"statement": format!("ALTER WAREHOUSE {wh} SET WAREHOUSE_SIZE = '{to}' AUTO_SUSPEND = 60")});
            m.before = Some(json!({"size": from, "auto_suspend_s": 600}));
            m.after = Some(json!({"size": to, "auto_suspend_s": 60}));
            m.evidence = vec![evidence(f, "sql", "SELECT * FROM snowflake.account_usage.warehouse_metering_history WHERE start_time > dateadd(day, -14, current_date)".into())];
            m.reversibility = reversible(
                86_400,
                "sql",
                format!("ALTER WAREHOUSE {wh} SET WAREHOUSE_SIZE = '{from}' AUTO_SUSPEND = 600"),
            );
            m
        }
        3 => {
            let commit = f.pick(&[12.5, 25.0, 40.0]);
            let mut m = Move::new(
                Bot::CostOptimizer,
                "aws.purchase_savings_plan",
                "aws-billing",
                "prod",
                "aws://savingsplans/compute".into(),
            )
            .triggered(TriggerType::Scheduled, "cron:commitment-review 0 9 1 * *");
            m.tier = Tier::T3;
            m.reason = "cost_optimization";
            m.summary = format!("Buy a 1-year Compute Savings Plan at ${commit}/hour");
            m.reasoning = format!(
                "On-demand compute has not dropped below ${floor}/hour in 90 days. Committing ${commit}/hour covers {cov}% of that floor and saves \
                 an estimated ${save}k over the term. The purchase cannot be cancelled.",
                floor = commit * 1.6,
                cov = f.int(55, 80),
                save = f.int(20, 140)
            );
            m.params = json!({"savings_plan_type": "Compute", "term": "1yr", "payment_option": "No Upfront", "commitment_usd_per_hour": commit});
            m.after = Some(json!({"commitment_usd_per_hour": commit, "term_end": "in 365 days"}));
            m.evidence = vec![evidence(
                f,
                "cost_report",
                "https://cost.acme.internal/reports/coverage/compute-90d".into(),
            )];
            m.reversibility = irreversible();
            m.rule_id = "financial-commitment-needs-finance";
            m
        }
        _ => {
            let mut m = Move::new(
                Bot::CostOptimizer,
                "cost.query_report",
                "aws-cost-explorer",
                env,
                "aws://ce/cost-and-usage".into(),
            )
            .triggered(TriggerType::Scheduled, "cron:finops-daily 0 7 * * *");
            m.tier = Tier::T0;
            m.reason = "cost_optimization";
            let total = f.int(8_000, 30_000);
            m.summary = format!(
                "Daily spend report: ${total} yesterday, {d}% vs 7-day mean",
                d = f.int(-12, 18)
            );
            m.reasoning =
                "Read-only report; anomalies above 20% are escalated to #finops, none today."
                    .into();
            m.params = json!({"granularity": "DAILY", "group_by": ["SERVICE", "LINKED_ACCOUNT"], "metrics": ["UnblendedCost"]});
            m.response = json!({"total_usd": total, "top_service": f.pick(&["Amazon EC2", "Amazon RDS", "Snowflake", "Amazon S3"])});
            m
        }
    }
}

fn license_reclaim(f: &mut Forge) -> Move {
    let user = f.pick(ENGINEERS);
    let app = f.pick(&["Figma", "Datadog", "Zoom", "Miro"]);
    let mut m = Move::new(
        Bot::CostOptimizer,
        "saas.reclaim_seat",
        "okta",
        "prod",
        format!("okta://apps/{}/assignments/{user}", app.to_lowercase()),
    )
    .triggered(TriggerType::Scheduled, "cron:seat-review 0 8 * * 1");
    m.tier = Tier::T1;
    m.reason = UNREGISTERED_REASON;
    m.summary = format!("Reclaim unused {app} seat from {user}");
    m.reasoning = format!("{user} has not signed in to {app} for {d} days; reclaiming returns the seat to the pool and can be undone on request.", d = f.int(60, 200));
    m.params = json!({"app": app, "user": user, "notify": true});
    m.before = Some(json!({"assigned": true}));
    m.after = Some(json!({"assigned": false}));
    m.reversibility = reversible(2_592_000, "okta", format!("re-assign {app} to {user}"));
    m
}
