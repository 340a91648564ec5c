//! Each kind of tampering on an SQLite ledger is found by `custody verify` with the
//! right verdict and the first `seq` involved. The triggers that keep the ledger
//! append-only are dropped first, as an attacker with the database file would.
#![allow(clippy::unwrap_used)]

mod common;

use common::{verdicts, Sandbox};
use sqlx::{Connection, SqliteConnection};

const EVENTS: usize = 3000;

async fn attacker(sb: &Sandbox) -> SqliteConnection {
    let mut conn = SqliteConnection::connect(&format!("sqlite:{}", sb.store))
        .await
        .unwrap();
    for t in [
        "events_no_update",
        "events_no_delete",
        "checkpoints_no_update",
        "checkpoints_no_delete",
    ] {
        sqlx::query(&format!("DROP TRIGGER {t}"))
            .execute(&mut conn)
            .await
            .unwrap();
    }
    conn
}

fn seeded() -> Sandbox {
    let sb = Sandbox::sqlite();
    sb.seed(EVENTS);
    let (code, report) = sb.verify(&[]);
    assert_eq!(code, 0, "fresh ledger should verify: {report}");
    sb
}

fn first_verdict(sb: &Sandbox, extra: &[&str]) -> (i32, Vec<(String, u64)>) {
    let (code, report) = sb.verify(extra);
    (code, verdicts(&report))
}

#[tokio::test]
async fn the_append_only_triggers_refuse_updates_and_deletes() {
    let sb = seeded();
    let mut conn = SqliteConnection::connect(&format!("sqlite:{}", sb.store))
        .await
        .unwrap();
    let update = sqlx::query("UPDATE events SET tier = 'T0' WHERE seq = 5")
        .execute(&mut conn)
        .await;
    let delete = sqlx::query("DELETE FROM events WHERE seq = 5")
        .execute(&mut conn)
        .await;
    assert!(update.is_err() && delete.is_err());
}

#[tokio::test]
async fn one_changed_byte_is_a_modified_record() {
    let sb = seeded();
    let mut conn = attacker(&sb).await;
    // One byte of one field: the first hex digit of the event id (UUIDv7 ids start with 0).
    let changed = sqlx::query(
        "UPDATE events SET record = replace(record, '\"event_id\":\"0', '\"event_id\":\"1') WHERE seq = 1234",
    )
    .execute(&mut conn)
    .await
    .unwrap();
    assert_eq!(changed.rows_affected(), 1);
    let (code, v) = first_verdict(&sb, &[]);
    assert_eq!((code, v), (1, vec![("modified".to_string(), 1234)]));
}

#[tokio::test]
async fn an_edited_index_column_is_a_modified_record() {
    let sb = seeded();
    let mut conn = attacker(&sb).await;
    // Hide an event from a tier filter without touching its sealed bytes.
    sqlx::query(
        "UPDATE events SET tier = CASE WHEN tier = 'T0' THEN 'T1' ELSE 'T0' END WHERE seq = 777",
    )
    .execute(&mut conn)
    .await
    .unwrap();
    let (code, v) = first_verdict(&sb, &[]);
    assert_eq!((code, v), (1, vec![("modified".to_string(), 777)]));
}

#[tokio::test]
async fn bytes_that_are_not_utf8_are_a_modified_record_not_a_failure_to_check() {
    let sb = seeded();
    let mut conn = attacker(&sb).await;
    for sql in [
        "UPDATE events SET record = CAST(X'ff' AS TEXT) || record WHERE seq = 100",
        "UPDATE events SET kind = kind || CAST(X'c3' AS TEXT) WHERE seq = 200",
    ] {
        sqlx::query(sql).execute(&mut conn).await.unwrap();
    }
    let (code, v) = first_verdict(&sb, &[]);
    assert_eq!(
        (code, v),
        (
            1,
            vec![("modified".to_string(), 100), ("modified".to_string(), 200)]
        )
    );
}

#[tokio::test]
async fn a_deleted_row_is_a_gap_and_a_deletion_at_its_seq() {
    let sb = seeded();
    let mut conn = attacker(&sb).await;
    sqlx::query("DELETE FROM events WHERE seq = 1500")
        .execute(&mut conn)
        .await
        .unwrap();
    let (code, v) = first_verdict(&sb, &[]);
    assert_eq!(code, 1);
    assert!(
        v.contains(&("gap".to_string(), 1500)) && v.contains(&("deleted".to_string(), 1500)),
        "{v:?}"
    );
    assert_eq!(v[0].1, 1500);
}

#[tokio::test]
async fn two_swapped_rows_are_a_reorder() {
    let sb = seeded();
    let mut conn = attacker(&sb).await;
    for sql in [
        "UPDATE events SET seq = -1 WHERE seq = 2000",
        "UPDATE events SET seq = 2000 WHERE seq = 2001",
        "UPDATE events SET seq = 2001 WHERE seq = -1",
    ] {
        sqlx::query(sql).execute(&mut conn).await.unwrap();
    }
    let (code, v) = first_verdict(&sb, &[]);
    assert_eq!(code, 1);
    assert_eq!(v[0], ("reordered".to_string(), 2000), "{v:?}");
}

#[tokio::test]
async fn a_forged_row_slipped_into_the_middle_is_an_insertion() {
    use custody::event::{parse_line, Timestamp};
    use custody::ledger::columns::IndexedColumns;
    use custody::ledger::seal::{seal, ChainHead};
    let sb = seeded();
    let mut conn = attacker(&sb).await;
    let (prev_hash, origin): (String, String) = sqlx::query_as(
        "SELECT hash, (SELECT value FROM ledger_meta WHERE key = 'origin') FROM events WHERE seq = 999",
    )
    .fetch_one(&mut conn)
    .await
    .unwrap();
    // A well-formed forgery: correct prev_hash, correct hash, canonical bytes.
    let mut head = ChainHead {
        seq: 999,
        hash: [0; 32],
    };
    hex::decode_to_slice(&prev_hash, &mut head.hash).unwrap();
    let event =
        parse_line(common::event_line("forged-1", "T0", "nothing to see").as_bytes()).unwrap();
    let forged = seal(event, &mut head, &origin, Timestamp::now());
    sqlx::query("UPDATE events SET seq = -(seq + 1) WHERE seq >= 1000")
        .execute(&mut conn)
        .await
        .unwrap();
    sqlx::query("UPDATE events SET seq = -seq WHERE seq < 0")
        .execute(&mut conn)
        .await
        .unwrap();
    let c = IndexedColumns::of(&forged.event);
    sqlx::query(
        "INSERT INTO events (seq, event_id, time, recorded_at, kind, tier, reason_code, agent_id, correlation_id, \
         environment, outcome, exercise, hash, record) VALUES (1000, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?)",
    )
    .bind(c.event_id)
    .bind(c.time)
    .bind(forged.recorded_at.to_rfc3339())
    .bind(c.kind)
    .bind(c.tier)
    .bind(c.reason_code)
    .bind(c.agent_id)
    .bind(c.correlation_id)
    .bind(c.environment)
    .bind(c.outcome)
    .bind(hex::encode(forged.hash))
    .bind(&forged.canonical)
    .execute(&mut conn)
    .await
    .unwrap();
    let (code, v) = first_verdict(&sb, &[]);
    assert_eq!(code, 1);
    assert_eq!(v[0], ("inserted".to_string(), 1000), "{v:?}");
}

#[tokio::test]
async fn removing_the_last_rows_is_truncation_against_the_anchor() {
    let sb = Sandbox::sqlite();
    let anchor = sb.path("anchor.txt");
    let anchor = anchor.to_str().unwrap();
    sb.ok(&[
        "seed",
        "--events",
        "2500",
        "--seed",
        "9",
        "--until",
        "2026-11-20T12:00:00Z",
        "--anchor",
        anchor,
    ]);
    let mut conn = attacker(&sb).await;
    // A careful attacker also removes the store's own checkpoints beyond the cut.
    sqlx::query("DELETE FROM events WHERE seq > 2490")
        .execute(&mut conn)
        .await
        .unwrap();
    sqlx::query("DELETE FROM checkpoints WHERE tree_size > 2490")
        .execute(&mut conn)
        .await
        .unwrap();
    let (code_without, _) = first_verdict(&sb, &[]);
    let (code, v) = first_verdict(&sb, &["--anchor", anchor]);
    assert_eq!(
        code_without, 0,
        "without the anchor the truncation is invisible"
    );
    assert_eq!((code, v), (1, vec![("truncated".to_string(), 2491)]));
}

#[tokio::test]
async fn a_checkpoint_with_a_bad_signature_is_reported() {
    let sb = seeded();
    let mut conn = attacker(&sb).await;
    let (size, note): (i64, String) = sqlx::query_as(
        "SELECT tree_size, note FROM checkpoints ORDER BY tree_size LIMIT 1 OFFSET 1",
    )
    .fetch_one(&mut conn)
    .await
    .unwrap();
    // Change one base64 character of the signature line.
    let sig_at = note.rfind(' ').unwrap() + 10;
    let mut bytes = note.into_bytes();
    bytes[sig_at] = if bytes[sig_at] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(bytes).unwrap();
    sqlx::query("UPDATE checkpoints SET note = ? WHERE tree_size = ?")
        .bind(tampered)
        .bind(size)
        .execute(&mut conn)
        .await
        .unwrap();
    let (code, v) = first_verdict(&sb, &[]);
    assert_eq!(
        (code, v),
        (1, vec![("bad-signature".to_string(), size as u64)])
    );
}

#[tokio::test]
async fn a_checkpoint_from_an_unknown_key_is_reported() {
    let sb = seeded();
    let stranger =
        custody::ledger::note::NoteSigner::from_seed("someone.else/key", [7; 32]).unwrap();
    let (code, v) = first_verdict(&sb, &["--key", &stranger.verifier().encode()]);
    assert_eq!(code, 1);
    assert!(
        v.iter().all(|(class, _)| class == "unknown-key") && !v.is_empty(),
        "{v:?}"
    );
}

/// The cached Merkle frontier is a convenience, not trusted: damaged or deleted, it is
/// rebuilt from the records, so what is sealed next still verifies (a wrong frontier
/// would sign checkpoints whose roots the records do not reproduce).
#[tokio::test]
async fn a_damaged_frontier_cache_is_rebuilt_not_trusted() {
    let sb = seeded();
    let mut conn = SqliteConnection::connect(&format!("sqlite:{}", sb.store))
        .await
        .unwrap();
    for (round, damage) in [
        "UPDATE tree_state SET frontier = 'not a frontier'",
        "UPDATE tree_state SET size = size - 1",
        "DELETE FROM tree_state",
    ]
    .iter()
    .enumerate()
    {
        sqlx::query(damage).execute(&mut conn).await.unwrap();
        let file = sb.path(&format!("more-{round}.jsonl"));
        std::fs::write(
            &file,
            common::event_line(&format!("after-damage-{round}"), "T1", "sealed on top"),
        )
        .unwrap();
        let out = sb.run(&["ingest", file.to_str().unwrap()]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let (code, report) = sb.verify(&[]);
        assert_eq!(code, 0, "after `{damage}`: {report}");
        assert_eq!(
            report["head_seq"].as_u64(),
            Some((EVENTS + round + 1) as u64),
            "{report}"
        );
    }
}

async fn drop_triggers(sb: &Sandbox, triggers: &[&str]) -> SqliteConnection {
    let mut conn = attacker(sb).await;
    for t in triggers {
        sqlx::query(&format!("DROP TRIGGER {t}"))
            .execute(&mut conn)
            .await
            .unwrap();
    }
    conn
}

fn ingest_one(sb: &Sandbox, id: &str) -> std::process::Output {
    let file = sb.path(&format!("{id}.jsonl"));
    std::fs::write(&file, common::event_line(id, "T1", "sealed on top")).unwrap();
    sb.run(&["ingest", file.to_str().unwrap()])
}

#[tokio::test]
async fn an_edited_checkpoint_column_is_an_edited_checkpoint() {
    let sb = seeded();
    let mut conn = attacker(&sb).await;
    let sizes: Vec<i64> =
        sqlx::query_scalar("SELECT tree_size FROM checkpoints ORDER BY tree_size")
            .fetch_all(&mut conn)
            .await
            .unwrap();
    sqlx::query(
        "UPDATE checkpoints SET signed_at = '2001-01-01T00:00:00.000Z' WHERE tree_size = ?",
    )
    .bind(sizes[0])
    .execute(&mut conn)
    .await
    .unwrap();
    sqlx::query("UPDATE checkpoints SET tree_size = tree_size + 7 WHERE tree_size = ?")
        .bind(sizes[1])
        .execute(&mut conn)
        .await
        .unwrap();
    let (code, v) = first_verdict(&sb, &[]);
    assert_eq!(
        (code, v),
        (
            1,
            vec![
                ("edited-checkpoint".to_string(), sizes[0] as u64),
                ("edited-checkpoint".to_string(), sizes[1] as u64)
            ]
        )
    );
}

#[tokio::test]
async fn a_changed_origin_is_one_finding_and_sealing_refuses_to_go_on() {
    let sb = seeded();
    let mut conn = drop_triggers(&sb, &["ledger_meta_no_update"]).await;
    sqlx::query("UPDATE ledger_meta SET value = 'custody.local/renamed' WHERE key = 'origin'")
        .execute(&mut conn)
        .await
        .unwrap();
    let (code, v) = first_verdict(&sb, &[]);
    assert_eq!((code, v), (1, vec![("origin-changed".to_string(), 0)]));
    let out = ingest_one(&sb, "after-rename");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.code() == Some(2) && stderr.contains("custody.local/renamed"),
        "{stderr}"
    );
    assert_eq!(sb.verify(&[]).1["head_seq"].as_u64(), Some(EVENTS as u64));
}

/// A frontier cache rewritten to other, well-formed hashes is noticed by verify (as a
/// warning: the cache is not the ledger) and never signed over: sealing rebuilds it.
#[tokio::test]
async fn a_rewritten_frontier_cache_is_rebuilt_before_the_next_checkpoint_is_signed() {
    let sb = seeded();
    let mut conn = SqliteConnection::connect(&format!("sqlite:{}", sb.store))
        .await
        .unwrap();
    let size: i64 = sqlx::query_scalar("SELECT size FROM tree_state")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    let wrong = custody::ledger::merkle::Frontier::from_leaves(&vec![[1u8; 32]; size as usize]);
    sqlx::query("UPDATE tree_state SET frontier = ?")
        .bind(wrong.encode())
        .execute(&mut conn)
        .await
        .unwrap();
    let (code, report) = sb.verify(&[]);
    assert_eq!(code, 0, "{report}");
    assert_eq!(
        report["warnings"].as_array().map(Vec::len),
        Some(1),
        "{report}"
    );
    let out = ingest_one(&sb, "after-rewrite");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (code, report) = sb.verify(&[]);
    assert_eq!(
        (code, report["signed_size"].as_u64()),
        (0, Some(EVENTS as u64 + 1)),
        "{report}"
    );
}

fn verify_exit(sb: &Sandbox, extra: &[&str]) -> (i32, String) {
    let mut args = vec!["verify"];
    args.extend_from_slice(extra);
    let out = sb.run(&args);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap_or(-1), text)
}

#[test]
fn an_anchor_that_cannot_be_checked_against_is_exit_2_not_tampering() {
    let sb = seeded();
    let elsewhere = custody::ledger::checkpoint::Checkpoint {
        origin: "custody.local/elsewhere".into(),
        size: 20,
        root: [4; 32],
    };
    let signer = custody::ledger::note::NoteSigner::from_seed("elsewhere/key", [9; 32]).unwrap();
    let other_anchor = sb.path("other-anchor.txt");
    std::fs::write(&other_anchor, signer.sign(&elsewhere.body()).unwrap()).unwrap();
    let empty = sb.path("empty.txt");
    let garbage = sb.path("garbage.txt");
    std::fs::write(&empty, "").unwrap();
    std::fs::write(&garbage, "hello\nthis is not an anchor\n").unwrap();
    for (anchor, says) in [
        (&empty, "holds no checkpoint"),
        (&garbage, "line 1"),
        (&other_anchor, "another store"),
    ] {
        let (code, text) = verify_exit(&sb, &["--anchor", anchor.to_str().unwrap()]);
        assert!(
            code == 2 && text.contains(says) && !text.contains("TAMPERED"),
            "{code}: {text}"
        );
    }
}

#[test]
fn a_failed_anchor_append_is_an_error_naming_the_anchor_file() {
    let sb = Sandbox::sqlite();
    let file = sb.path("one.jsonl");
    std::fs::write(&file, common::event_line("to-full-disk", "T1", "x")).unwrap();
    let out = sb.run(&["ingest", "--anchor", "/dev/full", file.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && stderr.contains("/dev/full"),
        "{:?}: {stderr}",
        out.status
    );
}

/// An index whose entries no longer match its table (here: its declared column changed
/// under it, as a damaged page would) passes the ledger's checks, which read the table;
/// `--deep` runs SQLite's integrity check and reports it.
#[tokio::test]
async fn a_corrupt_index_passes_plain_verify_and_fails_deep_verify() {
    let sb = seeded();
    {
        let mut conn = SqliteConnection::connect(&format!("sqlite:{}", sb.store))
            .await
            .unwrap();
        for sql in [
            "PRAGMA writable_schema = ON",
            "UPDATE sqlite_master SET sql = 'CREATE INDEX events_kind ON events (agent_id)' WHERE name = 'events_kind'",
        ] {
            sqlx::query(sql).execute(&mut conn).await.unwrap();
        }
        conn.close().await.unwrap();
    }
    let (plain, _) = sb.verify(&[]);
    let (deep, report) = sb.verify(&["--deep"]);
    assert_eq!(plain, 0);
    assert_eq!(
        (deep, verdicts(&report)),
        (1, vec![("integrity".to_string(), 0)]),
        "{report}"
    );
}
