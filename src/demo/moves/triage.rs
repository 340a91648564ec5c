//! The triage bot's moves: acknowledging pages, opening follow-ups and posting to the
//! public status page (customer-facing, so a person approves).

use super::Move;
use crate::demo::agents::Bot;
use crate::demo::forge::Forge;
use crate::demo::text::*;
use crate::event::{Tier, TriggerType};
use serde_json::json;

pub(super) fn triage_bot(f: &mut Forge) -> Move {
    let (svc, _) = service(f);
    let incident = format!("Q{}", f.hex(4).to_uppercase());
    let env = "prod";
    match f.weighted(&[5, 3, 2, 5]) {
        3 => {
            let mut m = Move::new(
                Bot::Triage,
                "changelog.correlate",
                "github",
                env,
                format!("pagerduty://incidents/{incident}"),
            )
            .triggered(TriggerType::Event, format!("pagerduty:{incident}"));
            m.tier = Tier::T0;
            m.reason = "incident_remediation";
            let deploys = f.int(0, 3);
            m.summary = format!(
                "Correlate {incident} with changes to {svc}: {deploys} deploys in the last 2 h"
            );
            m.reasoning = if deploys == 0 {
                "No deploys, flag changes or config applies touched the service recently; likely an upstream or traffic cause.".into()
            } else {
                format!("{deploys} recent deploys to {svc}; the alert started {} minutes after the latest. Linking it on the incident.", f.int(2, 30))
            };
            m.params = json!({"service": svc, "window": "2h", "sources": ["argo", "launchdarkly", "terraform"]});
            m.response = json!({"changes": deploys});
            m
        }
        0 => {
            let mut m = Move::new(
                Bot::Triage,
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
                Bot::Triage,
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
            m.evidence = vec![logs(&format!("service:{svc} alert:fired"))];
            m.reversibility = reversible(604_800, "jira", format!("close {key} as duplicate"));
            m.response = json!({"key": key, "self": format!("https://acme.atlassian.net/rest/api/3/issue/{key}")});
            m
        }
        _ => {
            let mut m = Move::new(
                Bot::Triage,
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
