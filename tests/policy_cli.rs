//! `custody policy test` through the built binary: proposals in, one decision per line
//! out, exit 2 naming the line and field of an unreadable proposal or the file, line and
//! policy id of a bad policy.
#![allow(clippy::unwrap_used)]

mod common;

use common::{write, Sandbox};
use serde_json::json;

fn proposal(id: &str, tier: &str, action: serde_json::Value, reason: &str) -> String {
    json!({
        "event_id": id,
        "time": "2026-11-20T10:00:00.000Z",
        "kind": "ai.proposal",
        "tier": tier,
        "reason_code": reason,
        "agent": {"id": "ops-bot"},
        "action": action,
    })
    .to_string()
}

fn proposals() -> String {
    [
        proposal("p-t1", "T1", json!({"type": "k8s.scale", "environment": "production"}), "capacity_surge"),
        proposal("p-t3", "T3", json!({"type": "db.drop", "environment": "production"}), "config_drift"),
        proposal(
            "p-export",
            "T1",
            json!({"type": "warehouse.export", "environment": "production",
                   "params": {"destination": "s3://acme-test-exports"}}),
            "data_export",
        ),
        proposal(
            "p-refund",
            "T2",
            json!({"type": "payments.refund", "params": {"amount": {"value": "42.10", "currency": "USD"}}}),
            "user_request",
        ),
        proposal("p-maint", "T2", json!({"type": "k8s.rollout"}), "scheduled_maintenance"),
    ]
    .join("\n")
}

#[test]
fn each_proposal_gets_its_verdict_policies_and_message() {
    let sandbox = Sandbox::sqlite();
    let file = sandbox.path("proposals.jsonl");
    write(&file, &format!("{}\n", proposals()));
    let out = sandbox.run(&[
        "policy",
        "test",
        file.to_str().unwrap(),
        "--autonomy",
        "ops-bot=2",
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(stderr.contains("shipped default"), "{stderr}");
    let expected = [
        "line 1: p-t1: allow [t0-t1-allowed]",
        "line 2: p-t3: ask 2 approvers 5m (roles admin, approver) [t3-two-approvers]",
        "line 3: p-export: deny [prod-export-allowlist]: production data exports may only go to an allow-listed destination (see prod-export-allowlist in the policy)",
        "line 4: p-refund: allow [t2-small-refunds-allowed]",
        "line 5: p-maint: allow [t2-maintenance-earned-autonomy]",
    ];
    assert_eq!(stdout.lines().collect::<Vec<_>>(), expected);
}

#[test]
fn an_unreadable_line_is_named_and_the_others_still_evaluated() {
    let sandbox = Sandbox::sqlite();
    let file = sandbox.path("proposals.jsonl");
    let bad =
        r#"{"event_id":"p-bad","time":"2026-11-20T10:00:00Z","kind":"ai.proposal","tier":"T9"}"#;
    write(
        &file,
        &format!(
            "{bad}\n{}\n",
            proposal("p-ok", "T0", json!({"type": "read"}), "user_request")
        ),
    );
    let out = sandbox.run(&["policy", "test", file.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("line 1: field `tier`"), "{stderr}");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "line 2: p-ok: allow [t0-t1-allowed]\n"
    );
}

#[test]
fn a_bad_policy_exits_2_naming_file_line_and_policy() {
    let sandbox = Sandbox::sqlite();
    // The user's policy in the config directory is used without --policy.
    let dir = sandbox.path("config/custody/policy");
    std::fs::create_dir_all(&dir).unwrap();
    write(
        &dir.join("policies.cedarschema"),
        include_str!("../assets/policy/policies.cedarschema"),
    );
    write(
        &dir.join("policies.cedar"),
        "@id(\"t0\")\npermit(principal, action, resource)\n  when { context.tier == \"T0\" };\n",
    );
    let file = sandbox.path("proposals.jsonl");
    write(&file, &proposals());
    let out = sandbox.run(&["policy", "test", file.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    let named = format!("{}:3: policy `t0`", dir.join("policies.cedar").display());
    assert!(stderr.contains(&named), "expected `{named}` in:\n{stderr}");
    assert!(out.stdout.is_empty());
}
