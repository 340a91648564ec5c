//! INC-4471: data-sync reads a QA bucket's `env=prod-mirror` tag as production, the
//! egress policy's same-environment rule auto-approves a T3 export of customer PII, and
//! three batches land in a bucket the whole QA account can read. Security notices,
//! pauses the agent, revokes its tokens, purges the objects and fixes the policy.

use super::{DemoIncident, Scene};
use crate::demo::agents::{Bot, AIKO, LENA, PRIYA};
use crate::demo::moves::Move;
use crate::demo::text::{evidence, irreversible, link, no_effect, reversible, runbook};
use crate::demo::trace::{control_action, no_approval, policy, rule_approval, succeeded};
use crate::event::{PolicyDecision, Tier, TriggerType};
use serde_json::json;

pub(super) const DESCRIPTION: DemoIncident = DemoIncident {
    id: "INC-4471",
    title: "Customer PII exported to a QA bucket labelled as production",
    culprit: "data-sync",
    summary: "data-sync read the tag env=prod-mirror on s3://acme-qa-scratch-euw1 as production, so the egress \
              policy's same-environment rule auto-approved a T3 export of 412,803 customer rows (email, phone, \
              address) into a bucket readable by the QA account. Security confirmed it, paused the agent, revoked \
              its tokens, purged the objects and shipped pol-data-egress v8.",
    correlation_ids: &["cor-inc4471-export", "cor-inc4471-response"],
    reason_codes: &["data_export", "policy_violation", "containment", "rollback"],
    tier: Tier::T3,
    exercise: false,
    position: 0.27,
};

const BUCKET: &str = "s3://acme-qa-scratch-euw1/exports/crm-weekly/";
const ROWS: [i64; 3] = [150_000, 150_000, 112_803];

pub(super) fn tell(s: &mut Scene) {
    let bot = Bot::DataSync;
    let mut a = s.cause_trace(bot, "prod");

    let mut resolve = Move::new(
        bot,
        "s3.resolve_destination",
        "aws-s3",
        "prod",
        "s3://acme-qa-scratch-euw1".into(),
    )
    .triggered(TriggerType::Scheduled, "cron:crm-weekly-customers");
    resolve.tier = Tier::T0;
    resolve.reason = "data_export";
    resolve.summary = "Resolve destination for crm-weekly-customers: s3://acme-qa-scratch-euw1 (environment: production)".into();
    resolve.reasoning = "exports.yaml points the job at acme-qa-scratch-euw1. The bucket is tagged env=prod-mirror, which matches \
                         the production pattern prod*, so source and destination are both production and the same-environment \
                         egress rule applies."
        .into();
    resolve.confidence = 0.91;
    resolve.params = json!({"job": "crm-weekly-customers", "config": "git://acme/data-jobs/exports.yaml@4f1c9e2", "read_only": true});
    resolve.response = json!({"bucket": "acme-qa-scratch-euw1", "account": "771204519930", "tags": {"env": "prod-mirror", "owner": "qa-platform"}});
    resolve.evidence = vec![evidence(
        s.f,
        "config",
        "git://acme/data-jobs/exports.yaml@4f1c9e2".into(),
    )];
    resolve.reversibility = no_effect();
    let mut e = a.agent_event(s.f, &resolve, "ai.action");
    e.policy = Some(policy(bot, PolicyDecision::Allow, "read-only-allow"));
    e.approval = Some(no_approval());
    e.outcome = Some(succeeded(&resolve));
    s.out.push(e);

    let mut export = Move::new(
        bot,
        "snowflake.unload_to_s3",
        "snowflake",
        "prod",
        BUCKET.into(),
    )
    .triggered(TriggerType::Scheduled, "cron:crm-weekly-customers");
    export.tier = Tier::T3;
    export.reason = "data_export";
    export.summary =
        format!("Export 412,803 rows of CRM.CUSTOMERS (email, phone, address) to {BUCKET}");
    export.reasoning = "Weekly CRM extract for the lifecycle-marketing team. Destination resolved as production, so no \
                        cross-environment approval is needed; unloading in three batches of at most 150k rows as parquet."
        .into();
    export.confidence = 0.88;
    export.params = json!({"statement": format!("COPY INTO '{BUCKET}' FROM CRM.PUBLIC.CUSTOMERS FILE_FORMAT=(TYPE=PARQUET) MAX_FILE_SIZE=268435456"), "columns": ["customer_id", "email", "phone", "address", "lifetime_value"], "destination_account": "771204519930", "destination_environment": "prod"});
    export.evidence = vec![link(
        "ticket",
        "https://acme.atlassian.net/browse/DATA-2291".into(),
    )];
    export.reversibility = irreversible();
    export.rule_id = "egress-same-env-auto";

    a.wait(4_200);
    let mut proposal = a.agent_event(s.f, &export, "ai.proposal");
    proposal.policy = Some(policy(
        bot,
        PolicyDecision::Allow,
        "destination.environment == source.environment",
    ));
    s.out.push(proposal);
    a.wait(380);
    let mut decision = a.event(s.f, "approval.decision");
    decision.actor = Some(crate::demo::story::service_actor());
    decision.agent = Some(crate::demo::trace::agent_ref(bot));
    decision.reason_code = Some("data_export".into());
    decision.tier = Some(Tier::T3);
    decision.policy = Some(policy(
        bot,
        PolicyDecision::Allow,
        "destination.environment == source.environment",
    ));
    decision.approval = Some(rule_approval("egress-same-env-auto", a.now()));
    s.out.push(decision);

    let mut last_export = None;
    for (part, rows) in ROWS.iter().enumerate() {
        a.wait(if part == 0 {
            3_100
        } else {
            64_000 + 900 * part as i64
        });
        let mut batch = Move {
            summary: format!("{} — batch {}/3, {rows} rows", export.summary, part + 1),
            ..export.clone()
        };
        batch.after = Some(
            json!({"objects": [format!("{BUCKET}part-{part:04}.parquet")], "rows_unloaded": rows}),
        );
        batch.detail = format!("COPY INTO unloaded {rows} rows");
        batch.response =
            json!({"rows_unloaded": rows, "input_bytes": rows * 412, "output_bytes": rows * 133});
        let mut e = a.agent_event(s.f, &batch, "ai.action");
        e.policy = Some(policy(
            bot,
            PolicyDecision::Allow,
            "destination.environment == source.environment",
        ));
        e.approval = Some(rule_approval("egress-same-env-auto", a.now()));
        e.outcome = Some(succeeded(&batch));
        last_export = Some(e.event_id.clone());
        s.out.push(e);
    }

    // Detection: the security scanner's Macie sweep, 26 minutes later.
    let mut b = s.response_trace(Bot::SecScanner, "prod", 26 * 60_000, last_export);
    let mut scan = Move::new(
        Bot::SecScanner,
        "aws.macie_findings",
        "aws-macie",
        "test",
        "arn:aws:s3:::acme-qa-scratch-euw1".into(),
    )
    .triggered(
        TriggerType::Event,
        "macie:finding/SensitiveData:S3Object-Personal",
    );
    scan.tier = Tier::T0;
    scan.reason = "policy_violation";
    scan.summary =
        "Macie: 3 new objects with customer PII in acme-qa-scratch-euw1 (QA account 771204519930)"
            .into();
    scan.reasoning = "Objects contain about 412k email addresses and phone numbers. The bucket belongs to the QA account, where \
                      41 principals can read it; PII outside production accounts violates DATA-POL-3."
        .into();
    scan.confidence = 0.97;
    scan.params = json!({"finding_types": ["SensitiveData:S3Object/Personal"], "bucket": "acme-qa-scratch-euw1", "read_only": true});
    let finding = format!(
        "arn:aws:macie2:eu-west-1:771204519930:finding/{}",
        s.f.hex(16)
    );
    scan.evidence = vec![evidence(s.f, "macie_finding", finding)];
    let mut e = b.agent_event(s.f, &scan, "ai.action");
    e.policy = Some(policy(
        Bot::SecScanner,
        PolicyDecision::Allow,
        "read-only-allow",
    ));
    e.approval = Some(no_approval());
    e.outcome = Some(succeeded(&scan));
    s.out.push(e);

    b.wait(5 * 60_000);
    s.intervene(&mut b, LENA, bot, "policy_violation", Tier::T3, "Confirmed: data-sync job crm-weekly-customers exported production customer PII into the QA account. Stopping further exports now.");
    b.wait(70_000);
    s.incident(&mut b, "incident.open", "INC-4471", PRIYA, bot, "containment", Tier::T3, "INC-4471 opened: customer PII in a QA bucket. GDPR Art. 33 clock starts now; legal and the DPO paged.");
    b.wait(40_000);
    s.pause(&mut b, PRIYA, bot, Tier::T3, "Pause data-sync until the egress policy is fixed; queued export jobs are held, not dropped.");
    b.wait(55_000);
    let what = control_action(
        "token.revoke",
        "snowflake",
        "snowflake://acme.eu-west-1/users/SVC_DATA_SYNC/oauth".into(),
        "prod",
        json!({"also": ["aws-sts:role/data-sync-exporter sessions"], "reason": "credential scope too wide"}),
    );
    s.control(&mut b, "control.revoke_token", LENA, bot, "containment", Tier::T3, "Revoke data-sync's Snowflake OAuth token and STS sessions so nothing queued can run before review.", what);

    b.wait(4 * 60_000);
    let mut block = Move::new(
        Bot::SecScanner,
        "s3.put_bucket_policy",
        "aws-s3",
        "test",
        "arn:aws:s3:::acme-qa-scratch-euw1/exports/*".into(),
    )
    .triggered(TriggerType::UserInstruction, "custody:INC-4471");
    block.tier = Tier::T2;
    block.reason = "containment";
    block.on_behalf_of = Some(LENA.id.into());
    block.summary =
        "Deny all access to exports/ in acme-qa-scratch-euw1 except the incident-forensics role"
            .into();
    block.reasoning = "Keeps the objects for forensics while cutting off the 41 QA principals; object-level deletes come after evidence capture.".into();
    block.params = json!({"Statement": [{"Effect": "Deny", "NotPrincipal": {"AWS": "arn:aws:iam::771204519930:role/incident-forensics"}, "Action": "s3:*", "Resource": "arn:aws:s3:::acme-qa-scratch-euw1/exports/*"}]});
    block.before = Some(json!({"readers": 41}));
    block.after = Some(json!({"readers": 1}));
    block.evidence = vec![runbook("pii-exposure")];
    block.reversibility = reversible(
        604_800,
        "aws",
        "restore the previous bucket policy version".into(),
    );
    let mut e = b.agent_event(s.f, &block, "ai.action");
    e.policy = Some(policy(
        Bot::SecScanner,
        PolicyDecision::Ask,
        "containment-needs-security",
    ));
    e.approval = Some(crate::demo::trace::human_approval(
        LENA,
        b.now(),
        "Approved from the incident channel; forensics role verified.".into(),
    ));
    e.outcome = Some(succeeded(&block));
    s.out.push(e);

    b.wait(14 * 60_000);
    s.incident(&mut b, "incident.step", "INC-4471", LENA, bot, "containment", Tier::T3, "S3 server access logs: 2 GETs by the qa-runner role, no principals outside the company. Objects under legal hold until purge.");
    b.wait(18 * 60_000);
    let what = control_action(
        "s3.delete_object_versions",
        "aws-s3",
        BUCKET.into(),
        "test",
        json!({"objects": 3, "versions": "all", "evidence_copy": "s3://acme-forensics/INC-4471/"}),
    );
    s.control(&mut b, "control.rollback", LENA, bot, "rollback", Tier::T3, "Purge all versions of the three exported objects after the forensic copy was hashed and sealed.", what);
    b.wait(25 * 60_000);
    s.incident(&mut b, "incident.step", "INC-4471", AIKO, bot, "policy_violation", Tier::T3, "Root cause: tag env=prod-mirror matched prod*. pol-data-egress v8 requires an account-id allowlist for PII egress; v7 retired.");
    b.wait(25 * 60_000);
    s.intervene(&mut b, AIKO, bot, "policy_violation", Tier::T3, "DPO assessment: internal exposure only, no access outside the company; not notifiable under Art. 33(1). Decision and evidence filed in DPIA-118.");
    b.wait(30 * 60_000);
    s.resume(&mut b, PRIYA, bot, Tier::T3, "pol-data-egress v8 is live and tested; resuming data-sync with exports re-run to the correct bucket under supervision.");
    b.wait(10 * 60_000);
    s.incident(
        &mut b,
        "incident.close",
        "INC-4471",
        PRIYA,
        bot,
        "containment",
        Tier::T3,
        "Closed. Contained in 9 minutes from detection; postmortem PM-4471 scheduled for Friday.",
    );
}
