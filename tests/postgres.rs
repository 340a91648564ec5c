//! The same ledger on a real PostgreSQL server: seal, verify, detect tampering, the
//! append-only triggers (TRUNCATE included), and a live tail woken by NOTIFY.
#![allow(clippy::unwrap_used)]

mod common;

use common::{event_line, verdicts, Sandbox};
use sqlx::{Connection, PgConnection};
use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::time::{Duration, Instant};

#[test]
fn a_seeded_postgres_ledger_verifies_intact() {
    let sb = Sandbox::postgres("seed");
    sb.seed(20_000);
    let (code, report) = sb.verify(&[]);
    assert_eq!(
        (code, report["records"].as_u64()),
        (0, Some(20_000)),
        "{report}"
    );
}

#[tokio::test]
async fn postgres_refuses_update_delete_and_truncate() {
    let sb = Sandbox::postgres("append");
    sb.seed(50);
    let mut conn = PgConnection::connect(&sb.store).await.unwrap();
    for sql in [
        "UPDATE events SET tier = 'T0'",
        "DELETE FROM events WHERE seq = 3",
        "TRUNCATE events",
        "TRUNCATE checkpoints",
    ] {
        let err = sqlx::query(sql)
            .execute(&mut conn)
            .await
            .unwrap_err()
            .to_string();
        assert!(err.contains("append-only"), "{sql}: {err}");
    }
}

#[tokio::test]
async fn tampering_on_postgres_is_found_with_its_seq() {
    let sb = Sandbox::postgres("tamper");
    sb.seed(1200);
    let mut conn = PgConnection::connect(&sb.store).await.unwrap();
    sqlx::query("ALTER TABLE events DISABLE TRIGGER events_append_only")
        .execute(&mut conn)
        .await
        .unwrap();
    sqlx::query(
        "UPDATE events SET record = replace(record, '\"kind\":\"', '\"kind\":\"x') WHERE seq = 321",
    )
    .execute(&mut conn)
    .await
    .unwrap();
    sqlx::query("DELETE FROM events WHERE seq = 900")
        .execute(&mut conn)
        .await
        .unwrap();
    let (code, report) = sb.verify(&[]);
    let v = verdicts(&report);
    assert_eq!(code, 1);
    assert_eq!(v[0], ("modified".to_string(), 321), "{v:?}");
    assert!(v.contains(&("gap".to_string(), 900)), "{v:?}");
}

#[test]
fn concurrent_ingesters_interleave_into_one_unbroken_chain() {
    let sb = Sandbox::postgres("concurrent");
    sb.ok(&["key"]);
    let mut children = Vec::new();
    for w in 0..3 {
        let file = sb.path(&format!("w{w}.jsonl"));
        let lines: Vec<String> = (0..400)
            .map(|i| event_line(&format!("w{w}-{i}"), "T1", "x"))
            .collect();
        common::write(&file, &(lines.join("\n") + "\n"));
        children.push(
            sb.cmd()
                .args(["ingest", "--batch", "7", file.to_str().unwrap()])
                .stdout(Stdio::null())
                .spawn()
                .unwrap(),
        );
    }
    for mut c in children {
        assert!(c.wait().unwrap().success());
    }
    let (code, report) = sb.verify(&[]);
    assert_eq!(
        (code, report["records"].as_u64()),
        (0, Some(1200)),
        "{report}"
    );
}

#[test]
fn the_live_tail_on_postgres_shows_a_new_event_quickly() {
    let sb = Sandbox::postgres("tail");
    sb.seed(10);
    let mut tail = sb
        .cmd()
        .args(["tail", "-n", "0"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(tail.stdout.take().unwrap()).lines();
    std::thread::sleep(Duration::from_millis(500));
    let file = sb.path("one.jsonl");
    common::write(&file, &format!("{}\n", event_line("live-1", "T3", "fresh")));
    let sent = Instant::now();
    sb.ok(&["ingest", file.to_str().unwrap()]);
    let line = lines.next().unwrap().unwrap();
    let waited = sent.elapsed();
    tail.kill().unwrap();
    tail.wait().unwrap();
    assert!(line.contains("autoscaler") && line.contains("T3"), "{line}");
    assert!(waited < Duration::from_secs(10), "tail took {waited:?}");
}

#[test]
fn an_incident_and_a_pause_on_postgres_are_sealed_write_ahead_and_verify() {
    let sb = Sandbox::postgres("respond");
    common::write(
        &sb.path("e.jsonl"),
        &format!("{}\n", event_line("pg-t3", "T3", "scaled prod to zero")),
    );
    sb.ok(&["ingest", sb.path("e.jsonl").to_str().unwrap()]);
    let opened = sb.ok(&[
        "incident",
        "open",
        "--event",
        "pg-t3",
        "--justification",
        "prod scaled to zero",
    ]);
    let incident = opened.split_whitespace().nth(1).unwrap().to_string();
    let paused = sb.ok(&[
        "pause",
        "autoscaler",
        "--reason",
        "containment",
        "--justification",
        "stop scaling",
        "--incident",
        &incident,
        "--yes",
        "--event",
        "pg-t3",
        "--confirm-agent",
        "autoscaler",
    ]);
    assert!(paused.contains("success"), "{paused}");
    let ledger: Vec<serde_json::Value> = sb
        .ok(&["export"])
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let kinds: Vec<(&str, &str)> = ledger
        .iter()
        .map(|e| {
            (
                e["kind"].as_str().unwrap(),
                e["outcome"]["status"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        kinds[1..],
        [
            ("incident.open", ""),
            ("control.pause", "pending"),
            ("control.pause", "success")
        ]
    );
    assert_eq!(
        ledger[3]["context"]["parent_event_id"],
        ledger[2]["event_id"]
    );
    let list = sb.ok(&["incident", "list"]);
    assert!(
        list.contains(&incident) && list.contains("contained"),
        "{list}"
    );
    assert_eq!(sb.verify(&[]).0, 0);
}

/// The grants the README gives each role ("PostgreSQL roles"), for `role` on `db`.
fn grants(role: &str, db: &str, writes: bool) -> Vec<String> {
    let mut sql = vec![
        format!("CREATE ROLE {role} LOGIN"),
        format!("GRANT CONNECT ON DATABASE {db} TO {role}"),
        format!("GRANT USAGE ON SCHEMA public TO {role}"),
        format!(
            "GRANT SELECT ON events, checkpoints, ledger_meta, tree_state, search_text, \
             _sqlx_migrations TO {role}"
        ),
        format!("GRANT SELECT ON projection_meta, projection_incidents, projection_links, projection_agents, projection_rollbacks, projection_intents TO {role}"),
    ];
    if writes {
        sql.push(format!(
            "GRANT INSERT ON events, search_text, checkpoints TO {role}"
        ));
        sql.push(format!("GRANT INSERT, UPDATE ON tree_state TO {role}"));
        sql.push(format!(
            "GRANT SELECT, INSERT, UPDATE (revoked_at, revoked_by) ON credentials TO {role}"
        ));
        sql.push(format!("GRANT INSERT, UPDATE, DELETE ON projection_meta, projection_incidents, projection_links, projection_agents, projection_rollbacks, projection_intents TO {role}"));
    }
    sql
}

fn database_name(url: &str) -> &str {
    url.rsplit('/').next().unwrap()
}

/// A sandbox sharing `owner`'s directories (so the same signing key) on another URL.
fn as_role(owner: &Sandbox, role: &str) -> std::process::Command {
    owner.cmd_on(&common::pg::as_role(&owner.store, role))
}

#[test]
fn a_reader_role_with_only_select_can_verify_export_tail_and_checkpoint() {
    let sb = Sandbox::postgres("reader");
    sb.seed(120);
    let role = format!("reader_{}", std::process::id());
    common::pg::admin(&sb.store, &grants(&role, database_name(&sb.store), false));
    for args in [
        &["verify"][..],
        &["export"][..],
        &["tail", "--no-follow"][..],
        &["checkpoint"][..],
        &["incident", "list"][..],
    ] {
        let out = as_role(&sb, &role).args(args).output().unwrap();
        assert!(
            out.status.success(),
            "{args:?} as a reader: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let export = as_role(&sb, &role).arg("export").output().unwrap();
    assert_eq!(export.stdout.iter().filter(|b| **b == b'\n').count(), 120);
    // And it is only a reader: sealing is refused by the database.
    common::write(&sb.path("one.jsonl"), &event_line("r-1", "T1", "x"));
    let ingest = as_role(&sb, &role)
        .args(["ingest", sb.path("one.jsonl").to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(ingest.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&ingest.stderr).contains("permission denied"));
}

#[tokio::test]
async fn an_ingester_role_can_ingest_but_not_update_or_delete() {
    let sb = Sandbox::postgres("ingester");
    sb.seed(30);
    let role = format!("ingester_{}", std::process::id());
    common::pg::admin(&sb.store, &grants(&role, database_name(&sb.store), true));
    let lines: Vec<String> = (0..5)
        .map(|i| event_line(&format!("ing-{i}"), "T1", "scale"))
        .collect();
    common::write(&sb.path("in.jsonl"), &lines.join("\n"));
    let out = as_role(&sb, &role)
        .args(["ingest", sb.path("in.jsonl").to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut conn = PgConnection::connect(&common::pg::as_role(&sb.store, &role))
        .await
        .unwrap();
    for sql in ["UPDATE events SET tier = 'T0'", "DELETE FROM events"] {
        let err = sqlx::query(sql).execute(&mut conn).await.unwrap_err();
        assert!(
            err.to_string().contains("permission denied"),
            "{sql}: {err}"
        );
    }
    assert_eq!(sb.verify(&[]).0, 0);
}

#[test]
fn an_operator_role_seals_a_pause_through_the_cli() {
    let sb = Sandbox::postgres("operator");
    common::write(
        &sb.path("e.jsonl"),
        &format!("{}\n", event_line("op-t2", "T2", "scaled prod")),
    );
    sb.ok(&["ingest", sb.path("e.jsonl").to_str().unwrap()]);
    let role = format!("operator_{}", std::process::id());
    common::pg::admin(&sb.store, &grants(&role, database_name(&sb.store), true));
    let out = as_role(&sb, &role)
        .args([
            "pause",
            "autoscaler",
            "--reason",
            "containment",
            "--justification",
            "stop scaling",
            "--yes",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let kinds: Vec<String> = sb
        .ok(&["export"])
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["kind"].to_string())
        .collect();
    assert!(
        kinds.iter().filter(|k| k.contains("control.pause")).count() == 2,
        "{kinds:?}"
    );
}

#[test]
fn reading_commands_on_a_database_without_a_ledger_create_nothing() {
    let sb = Sandbox::postgres("empty");
    sb.ok(&["key"]);
    for args in [&["verify"][..], &["export"][..], &["checkpoint"][..]] {
        let out = sb.run(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("holds no custody ledger"),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // Still no schema: a writer creates it, from seq 1.
    sb.seed(5);
    assert_eq!(sb.verify(&[]).1["records"], 5);
}

#[test]
fn a_refused_connection_is_reported_at_once() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let sb = Sandbox::on(format!("postgres://postgres@127.0.0.1:{port}/nothing"));
    sb.ok(&["key"]);
    let started = Instant::now();
    let out = sb.run(&["export"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr).to_lowercase();
    assert!(err.contains("connection refused"), "{err}");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn a_server_stopped_mid_ingest_is_an_error_saying_what_was_committed() {
    let server = common::pg::PrivateServer::start("-stop");
    let sb = Sandbox::on(server.database("stopped"));
    let mut child = sb
        .cmd()
        .args(["ingest", "--batch", "5", "--verbose", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let mut committed = BufReader::new(child.stdout.take().unwrap()).lines();
    use std::io::Write;
    for i in 0..10 {
        writeln!(stdin, "{}", event_line(&format!("s-{i}"), "T1", "x")).unwrap();
    }
    stdin.flush().unwrap();
    for _ in 0..2 {
        let line = committed.next().unwrap().unwrap();
        assert!(line.starts_with("committed through line"), "{line}");
    }
    server.stop();
    for i in 10..15 {
        let _ = writeln!(stdin, "{}", event_line(&format!("s-{i}"), "T1", "x"));
    }
    drop(stdin);
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("lost the connection") && err.contains("committed 10 record(s)"),
        "{err}"
    );
}

#[test]
fn on_postgres_one_batch_signs_a_checkpoint_at_every_thousand() {
    let sb = Sandbox::postgres("cadence");
    let file = sb.path("events.jsonl");
    sb.ok(&[
        "seed",
        "--events",
        "3200",
        "--seed",
        "3",
        "--until",
        "2026-11-20T12:00:00Z",
        "--jsonl",
        file.to_str().unwrap(),
    ]);
    sb.ok(&["ingest", "--batch", "5000", file.to_str().unwrap()]);
    let (code, report) = sb.verify(&[]);
    assert_eq!(code, 0, "{report}");
    assert_eq!(report["checkpoints_checked"], 3, "{report}");
}
