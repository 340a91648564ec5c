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
        "--operator",
        "ana",
        "incident",
        "open",
        "--event",
        "pg-t3",
        "--justification",
        "prod scaled to zero",
    ]);
    let incident = opened.split_whitespace().nth(1).unwrap().to_string();
    let paused = sb.ok(&[
        "--operator",
        "ana",
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
