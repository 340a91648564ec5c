//! The deploy bot's moves: merging PRs, canaries and rollbacks with Argo Rollouts,
//! LaunchDarkly flags, Terraform drift repair and certificate renewal.

use super::Move;
use crate::demo::agents::Bot;
use crate::demo::forge::Forge;
use crate::demo::text::*;
use crate::event::{Tier, TriggerType};
use serde_json::json;

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
    match f.weighted(&[5, 5, 2, 3, 2, 2, 5]) {
        6 => {
            let queued = f.int(0, 6);
            let mut m = Move::new(
                Bot::Deployer,
                "github.check_release",
                "github",
                env,
                format!("github://acme/{svc}/compare/release...main"),
            )
            .triggered(TriggerType::Scheduled, "release-train:canary");
            m.tier = Tier::T0;
            m.reason = "scheduled_maintenance";
            m.summary = format!("Release readiness for {svc}: {queued} PRs queued, main is green");
            m.reasoning = format!("Read-only check before the release train: {queued} merged PRs since the last tag, no failing checks, no open incident on {svc}.");
            m.params = json!({"repo": format!("acme/{svc}"), "base": "release", "head": "main"});
            m.response = json!({"ahead_by": queued, "status": "ahead"});
            m
        }
        0 => {
            let pr = f.int(4_000, 9_800);
            let mut m = Move::new(
                Bot::Deployer,
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
                "{engineer} asked to merge when green. All {n} required checks passed, CODEOWNERS approved, and the branch merges \
                 cleanly into main ({b} new commits there since it was cut).",
                n = f.int(6, 14),
                b = f.int(2, 30)
            );
            m.confidence = f.real(0.86, 0.99, 2);
            m.params = json!({"repo": format!("acme/{svc}"), "pull_number": pr, "merge_method": "squash", "sha": f.hex(20)});
            m.before = Some(json!({"state": "open", "mergeable_state": "clean"}));
            m.after = Some(json!({"state": "merged"}));
            let run = format!(
                "https://github.com/acme/{svc}/actions/runs/{}",
                f.int(9_000_000_000, 9_999_999_999)
            );
            m.evidence = vec![link("ci_run", run)];
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
                Bot::Deployer,
                "argo.canary_deploy",
                "argo-rollouts",
                env,
                format!("argo://{ns}/rollout/{svc}"),
            )
            .tier_by_env(Tier::T1, Tier::T2)
            .triggered(TriggerType::Scheduled, "release-train:readiness");
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
                Bot::Deployer,
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
            m.evidence = vec![promql(format!("sum(rate(http_requests_total{{service=\"{svc}\",code=~\"5..\",rollouts_pod_template_hash=\"canary\"}}[2m]))"))];
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
                Bot::Deployer,
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
                Bot::Deployer,
                "terraform.apply",
                "terraform",
                env,
                format!("terraform://infra-live/{env}/network/{sg}"),
            )
            .tier_by_env(Tier::T1, Tier::T2)
            .triggered(TriggerType::Scheduled, "cron:drift-check");
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
                Bot::Deployer,
                "cert.renew",
                "cert-manager",
                env,
                format!("k8s://{}/{ns}/certificate/{svc}-tls", cluster(f, env)),
            )
            .triggered(TriggerType::Scheduled, "cron:cert-renewal");
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
