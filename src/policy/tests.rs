//! The policy engine as a specification: each rule of the shipped default, the
//! combination rules (forbid wins, default deny, strictest ask), and load errors that
//! name the file, line and policy id.
#![allow(clippy::unwrap_used)]

use super::*;
use crate::event::Tier;

fn facts(tier: Tier) -> Facts {
    Facts {
        agent: "autoscaler".into(),
        autonomy: 0,
        action_type: "k8s.scale".into(),
        tier,
        environment: Some("production".into()),
        reason_code: Some("capacity_surge".into()),
        target_system: Some("k8s".into()),
        resource: Some("deploy/web".into()),
        destination: None,
        amount: None,
        hour_utc: 10,
        on_behalf_of: None,
    }
}

fn export(tier: Tier, destination: Option<&str>) -> Facts {
    Facts {
        action_type: "warehouse.export".into(),
        reason_code: Some("data_export".into()),
        destination: destination.map(str::to_string),
        ..facts(tier)
    }
}

fn refund(value: &str, currency: &str) -> Facts {
    Facts {
        action_type: "payments.refund".into(),
        reason_code: Some("user_request".into()),
        amount: Some(Amount {
            value: value.into(),
            currency: currency.into(),
        }),
        ..facts(Tier::T2)
    }
}

fn shipped(f: &Facts) -> Decision {
    Policy::shipped_default().decide(f)
}

fn ask(approvers: u8, minutes: u64, roles: &[&str]) -> Verdict {
    Verdict::Ask(Requirement {
        approvers,
        roles: roles.iter().map(|r| r.to_string()).collect(),
        expiry: Duration::from_secs(minutes * 60),
    })
}

const SCHEMA: &str = include_str!("../../assets/policy/policies.cedarschema");

fn custom(policies: &str) -> Result<Policy, PolicyError> {
    Policy::from_texts(policies, SCHEMA, "conf/policy")
}

#[test]
fn the_shipped_default_compiles_and_is_versioned_by_its_bytes() {
    let p = Policy::shipped_default();
    assert_eq!(p.version(), version_of(SHIPPED_POLICIES, SHIPPED_SCHEMA));
    assert_eq!(p.version().len(), 64);
}

#[test]
fn t0_and_t1_are_allowed() {
    for tier in [Tier::T0, Tier::T1] {
        let d = shipped(&facts(tier));
        assert_eq!(
            (d.verdict, d.policy_ids),
            (Verdict::Allow, vec!["t0-t1-allowed".into()])
        );
    }
}

#[test]
fn t2_asks_one_approver_for_fifteen_minutes() {
    let d = shipped(&facts(Tier::T2));
    assert_eq!(
        (d.verdict, d.policy_ids),
        (ask(1, 15, &[]), vec!["t2-asks-one-approver".into()])
    );
}

#[test]
fn t3_asks_two_approvers_for_five_minutes_from_approvers_or_admins() {
    let d = shipped(&facts(Tier::T3));
    assert_eq!(
        (d.verdict, d.policy_ids),
        (
            ask(2, 5, &["admin", "approver"]),
            vec!["t3-two-approvers".into()]
        )
    );
}

#[test]
fn a_production_export_to_an_unlisted_bucket_is_denied_even_at_t0() {
    let d = shipped(&export(Tier::T0, Some("s3://acme-test-exports")));
    assert!(matches!(&d.verdict, Verdict::Deny { message } if message.contains("allow-listed")));
    assert_eq!(d.policy_ids, vec!["prod-export-allowlist".to_string()]);
}

#[test]
fn a_production_export_without_a_destination_is_denied() {
    let d = shipped(&export(Tier::T1, None));
    assert_eq!(d.policy_ids, vec!["prod-export-allowlist".to_string()]);
}

#[test]
fn an_export_action_type_alone_makes_it_an_export() {
    let f = Facts {
        reason_code: None,
        ..export(Tier::T1, Some("s3://elsewhere"))
    };
    assert_eq!(shipped(&f).verdict.word(), "deny");
}

#[test]
fn a_production_export_to_a_listed_bucket_follows_its_tier() {
    let d = shipped(&export(Tier::T1, Some("s3://acme-prod-exports")));
    assert_eq!(d.verdict, Verdict::Allow);
}

#[test]
fn a_staging_export_anywhere_follows_its_tier() {
    let f = Facts {
        environment: Some("staging".into()),
        ..export(Tier::T2, Some("s3://anywhere"))
    };
    assert_eq!(shipped(&f).verdict, ask(1, 15, &[]));
}

#[test]
fn a_refund_under_100_usd_is_allowed_at_t2() {
    let d = shipped(&refund("99.99", "USD"));
    assert_eq!(
        (d.verdict, d.policy_ids),
        (Verdict::Allow, vec!["t2-small-refunds-allowed".into()])
    );
}

#[test]
fn a_refund_of_100_usd_or_in_another_currency_asks() {
    assert_eq!(shipped(&refund("100", "USD")).verdict, ask(1, 15, &[]));
    assert_eq!(shipped(&refund("100.0001", "USD")).verdict, ask(1, 15, &[]));
    assert_eq!(shipped(&refund("5.00", "EUR")).verdict, ask(1, 15, &[]));
}

#[test]
fn an_amount_that_is_not_a_decimal_is_denied_naming_the_field() {
    for bad in ["12,50", "1e3", "0.00001", "", "99999999999999999999"] {
        let d = shipped(&refund(bad, "USD"));
        assert!(
            matches!(&d.verdict, Verdict::Deny { message } if message.contains("action.params.amount.value")),
            "{bad}: {:?}",
            d.verdict
        );
    }
}

#[test]
fn earned_autonomy_lets_t2_scheduled_maintenance_through() {
    let maintenance = |autonomy| Facts {
        autonomy,
        reason_code: Some("scheduled_maintenance".into()),
        ..facts(Tier::T2)
    };
    assert_eq!(shipped(&maintenance(2)).verdict, Verdict::Allow);
    assert_eq!(shipped(&maintenance(1)).verdict, ask(1, 15, &[]));
}

#[test]
fn forbid_wins_over_every_permit() {
    let p = custom(
        r#"@id("all") permit(principal, action, resource);
           @id("no-nights") @message("not at night")
           forbid(principal, action, resource) when { context.hour < 6 };"#,
    )
    .unwrap();
    let night = Facts {
        hour_utc: 3,
        ..facts(Tier::T0)
    };
    let d = p.decide(&night);
    assert_eq!(
        (d.verdict, d.policy_ids),
        (
            Verdict::Deny {
                message: "not at night".into()
            },
            vec!["no-nights".into()]
        )
    );
}

#[test]
fn nothing_permitted_is_denied_by_default() {
    let p = custom(r#"@id("t0") permit(principal, action, resource) when { context.tier == 0 };"#)
        .unwrap();
    let d = p.decide(&facts(Tier::T1));
    assert!(matches!(&d.verdict, Verdict::Deny { message } if message.contains("default deny")));
    assert!(d.policy_ids.is_empty());
}

#[test]
fn an_ask_without_expiry_waits_fifteen_minutes_or_five_at_t3() {
    let p = custom(r#"@id("ask") @ask("1") permit(principal, action, resource);"#).unwrap();
    assert_eq!(p.decide(&facts(Tier::T2)).verdict, ask(1, 15, &[]));
    assert_eq!(p.decide(&facts(Tier::T3)).verdict, ask(1, 5, &[]));
}

#[test]
fn a_syntax_error_names_the_file_line_and_policy() {
    let err = custom(
        "@id(\"fine\")\npermit(principal, action, resource);\n\n@id(\"broken\")\npermit(principal, action, resource)\n  when { context.tier == };\n",
    )
    .unwrap_err();
    let p = &err.problems()[0];
    assert_eq!(
        (p.file.as_str(), p.line, p.policy_id.as_deref()),
        ("conf/policy/policies.cedar", Some(6), Some("broken")),
        "{err}"
    );
}

#[test]
fn comparing_the_tier_to_a_string_is_refused_naming_the_policy() {
    let err = custom(
        "@id(\"ok\") permit(principal, action, resource);\n@id(\"typo\")\npermit(principal, action, resource)\n  when { context.tier == \"T3\" };\n",
    )
    .unwrap_err();
    let p = &err.problems()[0];
    assert_eq!(
        (p.line, p.policy_id.as_deref()),
        (Some(4), Some("typo")),
        "{err}"
    );
    assert!(
        err.to_string()
            .starts_with("conf/policy/policies.cedar:4: policy `typo`"),
        "{err}"
    );
}

#[test]
fn reading_an_optional_field_without_has_is_refused() {
    let err = custom(
        r#"@id("env") permit(principal, action, resource) when { context.environment == "prod" };"#,
    )
    .unwrap_err();
    assert_eq!(err.problems()[0].policy_id.as_deref(), Some("env"), "{err}");
}

#[test]
fn a_malformed_annotation_or_a_reused_id_is_refused_with_its_line() {
    let err = custom("@id(\"a\") permit(principal, action, resource);\n@id(\"b\") @ask(\"lots\") permit(principal, action, resource);\n@id(\"a\") permit(principal, action, resource);\n")
        .unwrap_err();
    let found: Vec<(Option<usize>, Option<&str>)> = err
        .problems()
        .iter()
        .map(|p| (p.line, p.policy_id.as_deref()))
        .collect();
    assert_eq!(
        found,
        vec![(Some(2), Some("b")), (Some(3), Some("a"))],
        "{err}"
    );
}

#[test]
fn a_schema_custody_cannot_fill_is_refused_naming_the_schema_file() {
    let schema = SCHEMA.replace("hour: Long,", "");
    let err = Policy::from_texts(SHIPPED_POLICIES, &schema, "conf/policy").unwrap_err();
    assert_eq!(
        err.problems()[0].file,
        "conf/policy/policies.cedarschema",
        "{err}"
    );
}

#[test]
fn a_broken_schema_names_its_line() {
    let err = Policy::from_texts(
        SHIPPED_POLICIES,
        "entity Agent = {\n autonomy: Long\n\n",
        "c",
    )
    .unwrap_err();
    let p = &err.problems()[0];
    assert_eq!(p.file, "c/policies.cedarschema", "{err}");
    assert!(p.line.is_some(), "{err}");
}

#[test]
fn facts_come_from_a_proposal_with_the_agent_and_autonomy_given() {
    let line = r#"{"event_id":"p1","time":"2026-11-20T23:15:00.000Z","kind":"ai.proposal","tier":"T2",
        "reason_code":"user_request","agent":{"id":"typed-in-body"},
        "actor":{"type":"agent","id":"billing","on_behalf_of":"ana"},
        "action":{"type":"payments.refund","target_system":"stripe","resource":"ch_1","environment":"production",
                  "params":{"amount":{"value":12.5,"currency":"USD"},"destination":"acct_9"}}}"#
        .replace('\n', " ");
    let event = crate::event::parse_line(line.as_bytes()).unwrap();
    let f = Facts::from_event(&event, "billing", 2);
    assert_eq!(
        f,
        Facts {
            agent: "billing".into(),
            autonomy: 2,
            action_type: "payments.refund".into(),
            tier: Tier::T2,
            environment: Some("production".into()),
            reason_code: Some("user_request".into()),
            target_system: Some("stripe".into()),
            resource: Some("ch_1".into()),
            destination: Some("acct_9".into()),
            amount: Some(Amount {
                value: "12.5".into(),
                currency: "USD".into()
            }),
            hour_utc: 23,
            on_behalf_of: Some("ana".into()),
        }
    );
    assert_eq!(shipped(&f).verdict, Verdict::Allow);
}

#[test]
fn a_proposal_without_a_tier_is_treated_as_t3() {
    let line = r#"{"event_id":"p2","time":"2026-11-20T10:00:00Z","kind":"ai.proposal","action":{"type":"db.drop"}}"#;
    let event = crate::event::parse_line(line.as_bytes()).unwrap();
    assert_eq!(Facts::from_event(&event, "a", 0).tier, Tier::T3);
}

#[test]
fn load_reads_a_directory_and_its_fingerprint_changes_with_the_files() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(POLICY_FILE), SHIPPED_POLICIES).unwrap();
    assert!(fingerprint(dir.path()).is_none());
    assert!(matches!(
        Policy::load(dir.path()),
        Err(PolicyError::Read { .. })
    ));
    std::fs::write(dir.path().join(SCHEMA_FILE), SCHEMA).unwrap();
    let before = fingerprint(dir.path()).unwrap();
    let p = Policy::load(dir.path()).unwrap();
    assert_eq!(p.version(), Policy::shipped_default().version());
    std::fs::write(
        dir.path().join(POLICY_FILE),
        format!("{SHIPPED_POLICIES}\n"),
    )
    .unwrap();
    assert_ne!(fingerprint(dir.path()).unwrap(), before);
}

#[test]
fn a_policy_can_be_shared_across_threads() {
    fn shareable<T: Send + Sync>() {}
    shareable::<Policy>();
}
