//! The security scanner's moves: secret scans, Vault rotation, deactivating leaked
//! AWS keys, WAF blocks and read-only posture checks.

use super::Move;
use crate::demo::agents::Bot;
use crate::demo::forge::Forge;
use crate::demo::text::*;
use crate::event::{Tier, TriggerType};
use serde_json::json;

pub(super) fn sec_scanner(f: &mut Forge) -> Move {
    let env = environment(f);
    let (svc, _) = service(f);
    match f.weighted(&[7, 3, 1, 2, 4]) {
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
            .triggered(TriggerType::Scheduled, "cron:secret-rotation");
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
                link("gist", gist),
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
            m.evidence = vec![logs("path:/login status:401"), dashboard(f, "auth-abuse")];
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
            .triggered(TriggerType::Scheduled, "cron:posture-scan");
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
