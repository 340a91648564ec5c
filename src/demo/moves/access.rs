//! The access reviewer's moves across AWS IAM, Okta, GitHub and S3 bucket policies.

use super::Move;
use crate::demo::agents::Bot;
use crate::demo::forge::Forge;
use crate::demo::text::*;
use crate::event::{Tier, TriggerType};
use serde_json::json;

const AWS_ACCOUNTS: &[&str] = &["412907731004", "590183326712", "771204519930"];

pub(super) fn access_reviewer(f: &mut Forge) -> Move {
    let env = environment(f);
    let user = f.pick(ENGINEERS);
    let account = f.pick(AWS_ACCOUNTS);
    match f.weighted(&[6, 4, 1, 2, 2]) {
        0 => {
            let n = f.int(40, 400);
            let mut m = Move::new(
                Bot::AccessReviewer,
                "iam.review_access",
                "aws-iam",
                env,
                format!("aws://iam/{account}"),
            )
            .triggered(TriggerType::Scheduled, "cron:access-review");
            m.tier = Tier::T0;
            m.reason = "access_change";
            m.summary = format!(
                "Reviewed {n} principals in account {account}: {s} stale, {a} over-privileged",
                s = f.int(0, 6),
                a = f.int(0, 3)
            );
            m.reasoning = "Read-only pass over IAM credential reports and Access Analyzer findings; findings queue follow-up actions.".into();
            m.params = json!({"account": account, "sources": ["credential-report", "access-analyzer", "cloudtrail-90d"], "read_only": true});
            m.response = json!({"principals": n, "report_id": f.hex(8)});
            m
        }
        1 => {
            let group = f.pick(&[
                "prod-db-readonly",
                "prod-kubectl-admin",
                "billing-viewers",
                "pagerduty-responders",
                "snowflake-analysts",
            ]);
            let days = f.int(60, 180);
            let mut m = Move::new(
                Bot::AccessReviewer,
                "okta.remove_group_member",
                "okta",
                env,
                format!("okta://groups/{group}/users/{user}"),
            )
            .tier_by_env(Tier::T1, Tier::T2)
            .triggered(TriggerType::Scheduled, "cron:access-review");
            m.reason = "access_change";
            m.summary = format!("Remove {user} from Okta group {group} (no use in {days} days)");
            m.reasoning = format!(
                "{user} has not used {group} in {days} days and moved teams {w} weeks ago per Workday. Least privilege says remove; \
                 the user can re-request through the access portal.",
                w = f.int(3, 20)
            );
            m.params = json!({"group": group, "user": format!("{user}@acme.com"), "notify_user": true, "notify_manager": true});
            m.before = Some(json!({"member": true, "last_used": format!("{days} days ago")}));
            m.after = Some(json!({"member": false}));
            m.evidence = vec![link(
                "okta_log",
                format!("https://acme.okta.com/report/system_log_2?search={user}"),
            )];
            m.reversibility = reversible(2_592_000, "okta", format!("add {user} back to {group}"));
            m.rule_id = "stale-access-removal-auto";
            m
        }
        2 => {
            let role = f.pick(&[
                "ci-legacy-deployer",
                "data-migration-2023",
                "contractor-support",
                "lambda-batch-exec",
            ]);
            let mut m = Move::new(
                Bot::AccessReviewer,
                "iam.detach_role_policy",
                "aws-iam",
                "prod",
                format!("arn:aws:iam::{account}:role/{role}"),
            )
            .triggered(
                TriggerType::Event,
                format!("access-analyzer:finding/{}", f.hex(8)),
            );
            m.tier = Tier::T3;
            m.reason = "security_risk";
            m.summary =
                format!("Detach AdministratorAccess from role {role}; attach scoped policy");
            m.reasoning = format!(
                "{role} holds AdministratorAccess but CloudTrail shows it used {n} actions in 90 days, all s3:GetObject/PutObject and ecr:*. \
                 Replacing it with a generated least-privilege policy removes iam:* and kms:* exposure.",
                n = f.int(4, 19)
            );
            m.params = json!({"role": role, "detach": "arn:aws:iam::aws:policy/AdministratorAccess", "attach": format!("arn:aws:iam::{account}:policy/{role}-scoped")});
            m.before = Some(
                json!({"policies": ["arn:aws:iam::aws:policy/AdministratorAccess"], "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}),
            );
            m.after = Some(
                json!({"policies": [format!("{role}-scoped")], "Statement": [{"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject", "ecr:BatchGetImage"], "Resource": format!("arn:aws:s3:::acme-{role}/*")}]}),
            );
            m.evidence = vec![evidence(
                f,
                "cloudtrail",
                format!(
                    "lookup-events --lookup-attributes AttributeKey=Username,AttributeValue={role}"
                ),
            )];
            m.reversibility = reversible(604_800, "aws", format!("aws iam attach-role-policy --role-name {role} --policy-arn arn:aws:iam::aws:policy/AdministratorAccess"));
            m.rule_id = "iam-privilege-change-needs-security";
            m
        }
        3 => {
            let mut m = Move::new(
                Bot::AccessReviewer,
                "github.update_org_membership",
                "github",
                "prod",
                format!("github://orgs/acme/members/{user}"),
            )
            .triggered(TriggerType::Scheduled, "cron:access-review");
            m.tier = Tier::T2;
            m.reason = "access_change";
            m.summary = format!("Downgrade {user} from org owner to member in github.com/acme");
            m.reasoning = "Org owners should be at most 5 break-glass accounts; this one has no owner-only actions in the audit log for 120 days.".into();
            m.params = json!({"org": "acme", "username": user, "role": "member"});
            m.before = Some(json!({"role": "admin"}));
            m.after = Some(json!({"role": "member"}));
            m.evidence = vec![link(
                "github_audit_log",
                format!(
                    "https://github.com/organizations/acme/settings/audit-log?q=actor%3A{user}"
                ),
            )];
            m.reversibility = reversible(2_592_000, "github", format!("set {user} back to admin"));
            m.rule_id = "org-role-change-needs-security";
            m
        }
        _ => {
            let bucket = format!(
                "acme-{}-{}",
                f.pick(&[
                    "marketing-assets",
                    "tmp-share",
                    "partner-drop",
                    "qa-fixtures"
                ]),
                env
            );
            let mut m = Move::new(
                Bot::AccessReviewer,
                "s3.put_public_access_block",
                "aws-s3",
                env,
                format!("arn:aws:s3:::{bucket}"),
            )
            .tier_by_env(Tier::T1, Tier::T2)
            .triggered(
                TriggerType::Event,
                format!("aws-config:s3-bucket-public-read-prohibited/{bucket}"),
            );
            m.reason = "policy_violation";
            m.summary = format!(
                "Block public access on s3://{bucket} (bucket policy allows Principal '*')"
            );
            m.reasoning = format!("Policy SEC-014 forbids public buckets outside the CDN account; {bucket} allows s3:GetObject to '*' and served {n} anonymous GETs this week.", n = f.int(0, 5_000));
            m.params = json!({"bucket": bucket, "BlockPublicAcls": true, "IgnorePublicAcls": true, "BlockPublicPolicy": true, "RestrictPublicBuckets": true});
            m.before = Some(json!({"public": true, "policy_principal": "*"}));
            m.after = Some(json!({"public": false}));
            m.evidence = vec![evidence(f, "aws_config", format!("arn:aws:config:eu-west-1:{account}:config-rule/s3-bucket-public-read-prohibited"))];
            m.reversibility = reversible(
                604_800,
                "aws",
                format!("aws s3api delete-public-access-block --bucket {bucket}"),
            );
            m.rule_id = "public-bucket-block-auto";
            m
        }
    }
}
