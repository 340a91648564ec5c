//! Data sync's moves: CDC into Snowflake, partner exports to S3 (T3 when they carry
//! PII), masked staging refreshes and read-only reconciliation.

use super::Move;
use crate::demo::agents::Bot;
use crate::demo::forge::Forge;
use crate::demo::text::*;
use crate::event::{Tier, TriggerType};
use serde_json::json;

pub(super) fn data_sync(f: &mut Forge) -> Move {
    let env = environment(f);
    let db = f.pick(DATABASES);
    let table = f.pick(TABLES);
    match f.weighted(&[6, 2, 2, 4]) {
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
            .triggered(TriggerType::Scheduled, "cron:cdc-sync");
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
                format!("cron:partner-feed/{partner}"),
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
                link(
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
            .triggered(TriggerType::Scheduled, "cron:staging-refresh");
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
            .triggered(TriggerType::Scheduled, "cron:reconcile");
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
