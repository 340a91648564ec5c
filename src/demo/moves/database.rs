//! The database maintainer's moves on the Postgres fleet: vacuum, concurrent indexes,
//! parameter changes, dropping unused indexes, and read-only plan diagnosis.

use super::Move;
use crate::demo::agents::Bot;
use crate::demo::forge::Forge;
use crate::demo::text::*;
use crate::event::{Tier, TriggerType};
use serde_json::json;

pub(super) fn db_maintainer(f: &mut Forge) -> Move {
    let env = environment(f);
    let db = f.pick(DATABASES);
    let table = f.pick(TABLES);
    let host = format!("pg-{db}-{env}-{}", f.int(1, 3));
    let resource = format!("postgres://{host}/{db}");
    match f.weighted(&[4, 3, 2, 1, 4]) {
        0 => {
            let dead = f.int(2, 40);
            let mut m = Move::new(
                Bot::DbMaintainer,
                "postgres.vacuum_analyze",
                "postgres",
                env,
                format!("{resource}/{table}"),
            )
            .triggered(TriggerType::Scheduled, "cron:vacuum-sweep");
            m.reason = "scheduled_maintenance";
            m.summary = format!("VACUUM (ANALYZE) {db}.{table}: {dead}M dead tuples");
            m.reasoning = format!(
                "{table} carries {dead}M dead tuples ({pct}% of the heap) and autovacuum has not finished a pass in {h} hours. \
                 A manual pass with a 5 s lock timeout is safe under traffic and backs off on contention.",
                pct = f.int(8, 35),
                h = f.int(20, 90)
            );
            m.params = json!({"statement": format!("VACUUM (ANALYZE, VERBOSE) public.{table}"), "lock_timeout_ms": 5_000, "statement_timeout_ms": 3_600_000});
            m.before = Some(json!({"n_dead_tup": dead * 1_000_000, "last_autovacuum": null}));
            m.after = Some(json!({"n_dead_tup": f.int(0, 40_000)}));
            m.evidence = vec![evidence(
                f,
                "sql",
                format!("SELECT n_dead_tup FROM pg_stat_user_tables WHERE relname = '{table}'"),
            )];
            m.reversibility = no_effect();
            m.detail = format!("vacuum finished in {} s", f.int(40, 1_800));
            m
        }
        1 => {
            let col = f.pick(&[
                "customer_id",
                "created_at",
                "status",
                "merchant_id",
                "external_ref",
            ]);
            let ms = f.int(300, 4_000);
            let mut m = Move::new(
                Bot::DbMaintainer,
                "postgres.create_index",
                "postgres",
                env,
                format!("{resource}/{table}"),
            )
            .tier_by_env(Tier::T1, Tier::T2)
            .triggered(
                TriggerType::Event,
                format!("pganalyze:slow-query/{}", f.hex(4)),
            );
            m.reason = "latency_regression";
            m.summary = format!("CREATE INDEX CONCURRENTLY on {db}.{table}({col})");
            m.reasoning = format!(
                "The query filtering {table} by {col} now takes {ms} ms at p95 after the table passed {rows}M rows; the plan shows a sequential scan. \
                 A concurrent btree index avoids blocking writes and should bring it under 20 ms.",
                rows = f.int(5, 300)
            );
            m.confidence = f.real(0.78, 0.95, 2);
            m.params = json!({"statement": format!("CREATE INDEX CONCURRENTLY idx_{table}_{col} ON public.{table} ({col})"), "maintenance_work_mem": "2GB"});
            m.before = Some(json!({"p95_ms": ms, "plan": "Seq Scan"}));
            m.after = Some(json!({"p95_ms": f.int(2, 18), "plan": "Index Scan"}));
            let plan = format!("pganalyze://{host}/queries/{}", f.int(10_000, 99_999));
            m.evidence = vec![evidence(f, "explain_plan", plan)];
            m.reversibility = reversible(
                604_800,
                "sql",
                format!("DROP INDEX CONCURRENTLY idx_{table}_{col}"),
            );
            m.detail = "index built and valid".into();
            m.failure = "canceling statement due to lock timeout".into();
            m.rule_id = "concurrent-index-auto";
            m
        }
        2 => {
            let (param, from, to) = f.pick(&[
                ("work_mem", "16MB", "64MB"),
                ("max_connections", "400", "600"),
                ("shared_buffers", "8GB", "12GB"),
                ("random_page_cost", "4", "1.1"),
            ]);
            let mut m = Move::new(
                Bot::DbMaintainer,
                "postgres.set_parameter",
                "postgres",
                env,
                resource,
            )
            .tier_by_env(Tier::T1, Tier::T2)
            .triggered(TriggerType::Autonomous, "loop:db-capacity");
            m.reason = "capacity_surge";
            m.summary = format!("Set {param} = {to} on {host} (was {from})");
            m.reasoning = format!(
                "Connections peaked at {pk}% of max_connections during the last surge and temp files of {tmp} GB were written for sorts. \
                 Raising {param} from {from} to {to} fits within instance memory with {head}% headroom.",
                pk = f.int(85, 99),
                tmp = f.int(2, 40),
                head = f.int(15, 35)
            );
            m.params = json!({"parameter_group": format!("{db}-{env}-pg16"), "name": param, "value": to, "apply": "pending-reboot"});
            m.before = Some(json!({ param: from }));
            m.after = Some(json!({ param: to }));
            m.evidence = vec![
                dashboard(f, &format!("postgres-{db}")),
                promql(format!("pg_stat_database_numbackends{{datname=\"{db}\"}}")),
            ];
            m.reversibility = reversible(86_400, "aws", format!("aws rds modify-db-parameter-group --parameters ParameterName={param},ParameterValue={from}"));
            m.detail = "parameter group updated".into();
            m.rule_id = "param-change-staging-auto";
            m
        }
        3 => {
            let idx = format!(
                "idx_{table}_{}",
                f.pick(&[
                    "legacy_status",
                    "old_ref",
                    "tmp_backfill",
                    "created_at_brin"
                ])
            );
            let size = f.int(2, 90);
            let mut m = Move::new(
                Bot::DbMaintainer,
                "postgres.drop_index",
                "postgres",
                env,
                format!("{resource}/{table}"),
            )
            .tier_by_env(Tier::T2, Tier::T3)
            .triggered(TriggerType::Scheduled, "cron:index-hygiene");
            m.reason = "cost_optimization";
            m.summary = format!("DROP INDEX {idx} ({size} GB, 0 scans in 90 days)");
            m.reasoning = format!(
                "{idx} has had 0 index scans since stats were reset 90 days ago, costs {size} GB and slows writes to {table} by about {w}%. \
                 No query in the last 30 days of pg_stat_statements references it.",
                w = f.int(3, 15)
            );
            m.params = json!({"statement": format!("DROP INDEX CONCURRENTLY {idx}"), "definition_saved_to": format!("s3://acme-db-ddl/{db}/{idx}.sql")});
            m.before = Some(json!({"index": idx, "size_gb": size, "idx_scan": 0}));
            m.after = Some(json!({"index": null}));
            m.evidence = vec![evidence(
                f,
                "sql",
                format!("SELECT idx_scan FROM pg_stat_user_indexes WHERE indexrelname = '{idx}'"),
            )];
            m.reversibility = partly_reversible(
                0,
                "sql",
                format!("s3://acme-db-ddl/{db}/{idx}.sql (rebuild takes hours)"),
            );
            m.detail = "index dropped".into();
            m.rule_id = "drop-index-needs-dba";
            m
        }
        _ => {
            let ms = f.int(200, 9_000);
            let mut m = Move::new(
                Bot::DbMaintainer,
                "postgres.explain",
                "postgres",
                env,
                resource,
            )
            .triggered(
                TriggerType::Event,
                format!("pganalyze:slow-query/{}", f.hex(4)),
            );
            m.tier = Tier::T0;
            m.reason = "latency_regression";
            m.summary = format!("EXPLAIN slow query on {db}.{table} ({ms} ms)");
            m.reasoning = format!("Read-only diagnosis: the planner misestimates rows on {table} by {x}x after a bulk load; recommending ANALYZE, no change made.", x = f.int(10, 500));
            m.params = json!({"statement": format!("EXPLAIN (ANALYZE false, FORMAT json) SELECT … FROM {table} …"), "read_only": true});
            let plan = format!("pganalyze://{host}/queries/{}", f.int(10_000, 99_999));
            m.evidence = vec![evidence(f, "explain_plan", plan)];
            m.detail = "plan captured".into();
            m
        }
    }
}
