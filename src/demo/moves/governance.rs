//! Moves of the bots that touch people, money and data: the access reviewer (AWS IAM,
//! Okta, GitHub), data sync (Postgres, Snowflake, S3), the refund assistant (Stripe) and
//! the security scanner (GitHub, Vault, AWS, WAF).

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
    match f.weighted(&[4, 4, 1, 2, 2]) {
        0 => {
            let n = f.int(40, 400);
            let mut m = Move::new(
                Bot::AccessReviewer,
                "iam.review_access",
                "aws-iam",
                env,
                format!("aws://iam/{account}"),
            )
            .triggered(TriggerType::Scheduled, "cron:access-review 0 */6 * * *");
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
            .triggered(TriggerType::Scheduled, "cron:access-review 0 */6 * * *");
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
            m.evidence = vec![evidence(
                f,
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
            .triggered(TriggerType::Scheduled, "cron:access-review 0 */6 * * *");
            m.tier = Tier::T2;
            m.reason = "access_change";
            m.summary = format!("Downgrade {user} from org owner to member in github.com/acme");
            m.reasoning = "Org owners should be at most 5 break-glass accounts; this one has no owner-only actions in the audit log for 120 days.".into();
            m.params = json!({"org": "acme", "username": user, "role": "member"});
            m.before = Some(json!({"role": "admin"}));
            m.after = Some(json!({"role": "member"}));
            m.evidence = vec![evidence(
                f,
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

pub(super) fn data_sync(f: &mut Forge) -> Move {
    let env = environment(f);
    let db = f.pick(DATABASES);
    let table = f.pick(TABLES);
    match f.weighted(&[6, 2, 2, 3]) {
        0 => {
            let rows = f.int(10_000, 4_000_000);
            let mut m = Move::new(
                Bot::DataSync,
                "snowflake.sync_table",
                "snowflake",
                env,
                format!(
                    "snowflake://acme.eu-west-1/RAW/{}/{}",
                    db.to_uppercase(),
                    table.to_uppercase()
                ),
            )
            .triggered(TriggerType::Scheduled, "cron:cdc-sync */10 * * * *");
            m.tier = Tier::T1;
            m.reason = "scheduled_maintenance";
            m.summary = format!("Sync {db}.{table} to Snowflake RAW: {rows} changed rows");
            m.reasoning = format!("CDC slot lag is {lag} MB; merging the last window keeps dashboards under the 15-minute freshness SLA.", lag = f.int(5, 900));
            m.params = json!({"source": format!("postgres://pg-{db}-{env}-1/{db}.public.{table}"), "mode": "merge", "key": "id", "slot": format!("dsync_{db}")});
            m.before = Some(json!({"lag_s": f.int(300, 1_500)}));
            m.after = Some(json!({"lag_s": f.int(5, 60), "rows_merged": rows}));
            m.evidence = vec![dashboard(f, "data-freshness")];
            m.reversibility = reversible(
                86_400,
                "snowflake",
                format!(
                    "time travel: CLONE {} AT(OFFSET => -3600)",
                    table.to_uppercase()
                ),
            );
            m
        }
        1 => {
            let partner = f.pick(&["northwind-logistics", "contoso-ads", "fabrikam-tax"]);
            let pii = f.chance(0.35);
            let rows = f.int(5_000, 900_000);
            let mut m = Move::new(
                Bot::DataSync,
                "s3.export_partner_feed",
                "aws-s3",
                "prod",
                format!("s3://acme-partner-{partner}/feeds/"),
            )
            .triggered(
                TriggerType::Scheduled,
                format!("cron:partner-feed/{partner} 0 1 * * *"),
            );
            m.tier = if pii { Tier::T3 } else { Tier::T2 };
            m.reason = "data_export";
            let cols = if pii {
                "order_id, email, shipping_address, total"
            } else {
                "order_id, country, sku, total"
            };
            m.summary = format!(
                "Export {rows} {table} rows to {partner} ({})",
                if pii {
                    "contains PII"
                } else {
                    "aggregated, no PII"
                }
            );
            m.reasoning = format!(
                "Daily feed under DPA-{dpa} with {partner}. Columns: {cols}. Destination bucket is in the partner's account and encrypted with their KMS key; \
                 row count is within {d}% of yesterday.",
                dpa = f.int(100, 999),
                d = f.int(1, 9)
            );
            m.params = json!({"query_sha256": f.sha256(), "columns": cols.split(", ").collect::<Vec<_>>(), "format": "parquet", "kms_key": format!("arn:aws:kms:eu-west-1:590183326712:key/{}", f.hex(8)), "destination_environment": "prod"});
            m.after = Some(json!({"objects": f.int(1, 40), "rows": rows}));
            m.evidence = vec![
                ticket(f, "DPA"),
                evidence(
                    f,
                    "data_contract",
                    format!("https://catalog.acme.internal/contracts/{partner}-feed"),
                ),
            ];
            m.reversibility = irreversible();
            m.rule_id = if pii {
                "pii-export-needs-governance"
            } else {
                "aggregate-export-auto"
            };
            m
        }
        2 => {
            let mut m = Move::new(
                Bot::DataSync,
                "postgres.refresh_masked_snapshot",
                "postgres",
                "staging",
                format!("postgres://pg-{db}-staging-1/{db}"),
            )
            .triggered(TriggerType::Scheduled, "cron:staging-refresh 0 4 * * 6");
            m.tier = Tier::T1;
            m.reason = "scheduled_maintenance";
            m.summary = format!("Refresh staging {db} from masked prod snapshot");
            m.reasoning = "Weekly refresh; the masking job replaced emails, names and addresses and its checksum report is attached.".into();
            m.params = json!({"snapshot": format!("rds:{db}-prod-masked-{}", f.hex(4)), "masking_profile": "pii-v3", "restore_target": format!("pg-{db}-staging-1")});
            let report = format!("s3://acme-masking-reports/{db}/{}.json", f.hex(6));
            m.evidence = vec![evidence(f, "masking_report", report)];
            m.reversibility = partly_reversible(
                604_800,
                "rds",
                "restore the previous staging snapshot".into(),
            );
            m
        }
        _ => {
            let rows = f.int(100_000, 50_000_000);
            let mut m = Move::new(
                Bot::DataSync,
                "snowflake.reconcile_counts",
                "snowflake",
                env,
                format!("snowflake://acme.eu-west-1/RAW/{}", db.to_uppercase()),
            )
            .triggered(TriggerType::Scheduled, "cron:reconcile 30 * * * *");
            m.tier = Tier::T0;
            m.reason = "data_export";
            m.summary = format!(
                "Reconcile {db}.{table}: {rows} rows in Postgres vs Snowflake, delta {d}",
                d = f.int(0, 40)
            );
            m.reasoning = "Read-only count comparison after the last export; deltas under 0.01% are in-flight CDC.".into();
            m.params = json!({"tables": [table], "tolerance": 0.0001, "read_only": true});
            m.response = json!({"postgres": rows, "snowflake": rows - f.int(0, 40)});
            m
        }
    }
}

pub(super) fn refund_assistant(f: &mut Forge) -> Move {
    let ticket_no = f.int(180_000, 260_000);
    let customer = format!("cus_{}", f.hex(7));
    let support = f.pick(SUPPORT_AGENTS);
    let why = f.pick(&[
        "parcel lost in transit",
        "double charge at checkout",
        "item arrived damaged",
        "subscription renewed after cancellation",
        "late delivery SLA breach",
    ]);
    let mut m = match f.weighted(&[6, 2, 3]) {
        0 => {
            let cents = if f.chance(0.18) {
                f.int(50_100, 240_000)
            } else {
                f.int(900, 49_900)
            };
            let charge = format!("ch_3P{}", f.hex(10));
            let mut m = Move::new(
                Bot::RefundAssistant,
                "stripe.create_refund",
                "stripe",
                "prod",
                format!("stripe://charges/{charge}"),
            );
            m.tier = if cents > 50_000 { Tier::T3 } else { Tier::T2 };
            let amount = format!("${}.{:02}", cents / 100, cents % 100);
            m.summary = format!("Refund {amount} to {customer} on {charge} ({why})");
            m.reasoning = format!(
                "Ticket #{ticket_no}: customer reports {why}. Carrier tracking and the order history confirm it; the customer has {n} prior refunds \
                 in 12 months, below the abuse threshold. Refunding the full line amount of {amount}.",
                n = f.int(0, 2)
            );
            m.params = json!({"charge": charge, "amount": cents, "currency": "usd", "reason": "requested_by_customer", "metadata": {"ticket": ticket_no}});
            m.before = Some(
                json!({"amount_refunded": 0, "invoice": format!("INV-2026-{:05}", f.int(1, 99_999))}),
            );
            m.after =
                Some(json!({"amount_refunded": cents, "refund": format!("re_3P{}", f.hex(10))}));
            m.reversibility = irreversible();
            m.rule_id = "refund-under-500-auto";
            m.failure = "charge_already_refunded: Charge has already been refunded.".into();
            m
        }
        1 => {
            let cents = f.int(500, 10_000);
            let mut m = Move::new(
                Bot::RefundAssistant,
                "stripe.credit_balance",
                "stripe",
                "prod",
                format!("stripe://customers/{customer}/balance"),
            );
            m.tier = Tier::T2;
            m.summary = format!(
                "Credit ${}.{:02} to {customer} account balance ({why})",
                cents / 100,
                cents % 100
            );
            m.reasoning = format!("Ticket #{ticket_no}: goodwill credit per support policy SP-7 for {why}; credit is applied to the next invoice, not paid out.");
            m.params = json!({"customer": customer, "amount": -cents, "currency": "usd", "description": format!("Goodwill credit, ticket #{ticket_no}")});
            m.before = Some(json!({"balance": 0}));
            m.after = Some(json!({"balance": -cents}));
            m.reversibility = reversible(
                2_592_000,
                "stripe",
                format!("reverse balance transaction on {customer}"),
            );
            m.rule_id = "credit-under-100-auto";
            m
        }
        _ => {
            let mut m = Move::new(
                Bot::RefundAssistant,
                "stripe.retrieve_charges",
                "stripe",
                "prod",
                format!("stripe://customers/{customer}/charges"),
            );
            m.tier = Tier::T0;
            m.summary = format!("Look up charges for {customer} on ticket #{ticket_no}");
            m.reasoning =
                "Read-only lookup to ground the reply in the actual charge history.".into();
            m.params = json!({"customer": customer, "limit": 20});
            m.response = json!({"object": "list", "count": f.int(1, 20)});
            m
        }
    };
    m = m.triggered(
        TriggerType::UserInstruction,
        format!("zendesk:#{ticket_no}"),
    );
    m.reason = "user_request";
    m.on_behalf_of = Some(support.to_string());
    m.confidence = f.real(0.7, 0.98, 2);
    let t = evidence(
        f,
        "ticket",
        format!("https://acme.zendesk.com/agent/tickets/{ticket_no}"),
    );
    m.evidence.push(t);
    m.evidence.push(logs(f, &format!("customer:{customer}")));
    m.detail = "Stripe confirmed (HTTP 200)".into();
    if m.response == json!({"status": "ok"}) {
        m.response =
            json!({"id": format!("re_3P{}", f.hex(10)), "object": "refund", "status": "succeeded"});
    }
    m
}

pub(super) fn sec_scanner(f: &mut Forge) -> Move {
    let env = environment(f);
    let (svc, _) = service(f);
    match f.weighted(&[5, 3, 1, 2, 3]) {
        0 => {
            let mut m = Move::new(
                Bot::SecScanner,
                "github.secret_scan",
                "github",
                env,
                format!("github://acme/{svc}"),
            )
            .triggered(
                TriggerType::Event,
                format!("github:push/acme/{svc}/{}", f.hex(7)),
            );
            m.tier = Tier::T0;
            m.reason = "security_risk";
            m.summary = format!(
                "Secret scan of acme/{svc} push: {n} findings",
                n = f.pick(&[0, 0, 0, 1])
            );
            m.reasoning = "Scanned the diff with 212 detectors and entropy checks; test fixtures matching the allow-list were ignored.".into();
            m.params =
                json!({"repo": format!("acme/{svc}"), "commits": f.int(1, 12), "detectors": 212});
            m.response = json!({"scan_id": f.hex(8), "duration_ms": f.int(400, 9_000)});
            m
        }
        1 => {
            let path = format!("database/creds/{svc}-{env}");
            let mut m = Move::new(
                Bot::SecScanner,
                "vault.rotate_secret",
                "vault",
                env,
                format!("vault://{path}"),
            )
            .tier_by_env(Tier::T1, Tier::T2)
            .triggered(TriggerType::Scheduled, "cron:secret-rotation 0 3 * * *");
            m.reason = "scheduled_maintenance";
            m.summary = format!(
                "Rotate {path} ({d} days old, policy max 30)",
                d = f.int(29, 45)
            );
            m.reasoning = format!("Credential age exceeds policy. {svc} reads it through the Vault agent sidecar, which picks up the new lease within 60 s; the old lease is revoked after 15 minutes.");
            m.params = json!({"path": path, "ttl": "720h", "revoke_previous_after_s": 900});
            m.before = Some(json!({"lease_id": format!("{path}/{}", f.hex(6)), "age_days": 31}));
            m.after = Some(json!({"lease_id": format!("{path}/{}", f.hex(6)), "age_days": 0}));
            m.reversibility =
                partly_reversible(900, "vault", "previous lease valid for 15 minutes".into());
            m.rule_id = "rotation-auto";
            m
        }
        2 => {
            let key = format!("AKIA{}", f.hex(8).to_uppercase());
            let user = f.pick(ENGINEERS);
            let mut m = Move::new(
                Bot::SecScanner,
                "aws.deactivate_access_key",
                "aws-iam",
                "prod",
                format!("arn:aws:iam::412907731004:user/{user}"),
            )
            .triggered(
                TriggerType::Event,
                format!("github:secret-scanning-alert/{}", f.int(100, 999)),
            );
            m.tier = Tier::T3;
            m.reason = "containment";
            m.summary = format!("Deactivate access key {key} of {user}: found in a public gist");
            m.reasoning = format!(
                "{key} appeared in a public gist {h} minutes ago; CloudTrail shows {calls} calls from an unknown ASN since. Deactivating stops use \
                 immediately; the owner can create a new key after review.",
                h = f.int(3, 50),
                calls = f.int(0, 30)
            );
            m.params = json!({"user": user, "access_key_id": key, "status": "Inactive"});
            m.before = Some(json!({"status": "Active"}));
            m.after = Some(json!({"status": "Inactive"}));
            let gist = format!("https://gist.github.com/{}", f.hex(16));
            m.evidence = vec![
                evidence(f, "gist", gist),
                evidence(f, "cloudtrail", format!("accessKeyId={key}")),
            ];
            m.reversibility = reversible(
                604_800,
                "aws",
                format!("aws iam update-access-key --access-key-id {key} --status Active"),
            );
            m.rule_id = "credential-containment-needs-security";
            m
        }
        3 => {
            let n = f.int(12, 900);
            let mut m = Move::new(
                Bot::SecScanner,
                "waf.block_ips",
                "aws-waf",
                "prod",
                "aws://wafv2/global/ipset/credential-stuffing".into(),
            )
            .triggered(TriggerType::Event, "waf:rate-rule/login-burst");
            m.tier = Tier::T2;
            m.reason = "security_risk";
            m.summary = format!("Block {n} IPs hammering /login with credential stuffing");
            m.reasoning = format!("{n} addresses from {asn} hosting ranges made {r}k failed logins in 10 minutes with a 0.4% success rate, a credential-stuffing signature. Block for 24 h.", asn = f.int(3, 20), r = f.int(20, 400));
            m.params = json!({"ip_set": "credential-stuffing", "addresses": n, "ttl_h": 24});
            m.before = Some(json!({"addresses": f.int(0, 200)}));
            m.after = Some(json!({"addresses_added": n}));
            m.evidence = vec![
                logs(f, "path:/login status:401"),
                dashboard(f, "auth-abuse"),
            ];
            m.reversibility = reversible(
                86_400,
                "aws",
                "remove the added addresses from the IP set".into(),
            );
            m.rule_id = "waf-block-under-1000-auto";
            m
        }
        _ => {
            let rule = f.pick(&[
                "s3-encryption-enabled",
                "rds-public-access-disabled",
                "ebs-snapshot-not-public",
                "sg-no-open-ssh",
            ]);
            let mut m = Move::new(
                Bot::SecScanner,
                "aws.config_check",
                "aws-config",
                env,
                format!("aws://config/eu-west-1/{rule}"),
            )
            .triggered(TriggerType::Scheduled, "cron:posture-scan 15 * * * *");
            m.tier = Tier::T0;
            m.reason = if f.chance(0.5) {
                "config_drift"
            } else {
                "policy_violation"
            };
            m.summary = format!(
                "Posture check {rule}: {n} non-compliant resources",
                n = f.int(0, 4)
            );
            m.reasoning = "Read-only evaluation; non-compliant resources get tickets for their owners, nothing is changed automatically.".into();
            m.params = json!({"rule": rule, "read_only": true});
            m.response = json!({"evaluated": f.int(20, 600)});
            m
        }
    }
}
