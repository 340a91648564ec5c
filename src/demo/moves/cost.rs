//! The cost optimizer's moves: EC2 rightsizing through Terraform, deleting idle EBS
//! volumes, Snowflake warehouse sizing, savings-plan purchases, spend reports, and the
//! rare SaaS seat reclaim filed under a reason code outside the registry.

use super::Move;
use crate::demo::agents::Bot;
use crate::demo::forge::Forge;
use crate::demo::text::*;
use crate::event::{Tier, TriggerType};
use serde_json::json;

/// The one reason code outside the default registry; rare, so the console's flag for
/// unregistered codes has something to show.
pub(crate) const UNREGISTERED_REASON: &str = "license_reclaim";

pub(super) fn cost_optimizer(f: &mut Forge) -> Move {
    let env = environment(f);
    if f.chance(0.03) {
        return license_reclaim(f);
    }
    match f.weighted(&[4, 2, 3, 1, 5]) {
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
            .triggered(TriggerType::Scheduled, "cron:finops-sweep");
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
                promql(format!(
                    "max_over_time(node_cpu_utilisation{{instance_id=\"{id}\"}}[30d])"
                )),
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
            .triggered(TriggerType::Scheduled, "cron:idle-resource-sweep");
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
            .triggered(TriggerType::Scheduled, "cron:finops-sweep");
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
            .triggered(TriggerType::Scheduled, "cron:commitment-review");
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
            .triggered(TriggerType::Scheduled, "cron:finops-daily");
            m.tier = Tier::T0;
            m.reason = "cost_optimization";
            let total = f.int(8_000, 30_000);
            m.summary = format!(
                "Spend check: ${total} yesterday, {d}% vs the 7-day mean",
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
    .triggered(TriggerType::Scheduled, "cron:seat-review");
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
