//! Checkpoints are signed at every 1,000 events, as the README says, even when ingest
//! seals 5,000 lines in one batch.
#![allow(clippy::unwrap_used)]

mod common;

use common::Sandbox;

/// Writes `n` demo events as producer JSONL (custody's own kinds left out) and ingests
/// them in one batch; returns how many lines were ingested.
fn ingest_in_one_batch(sb: &Sandbox, n: usize) -> u64 {
    let file = sb.path("events.jsonl");
    sb.ok(&[
        "seed",
        "--events",
        &n.to_string(),
        "--seed",
        "3",
        "--until",
        "2026-11-20T12:00:00Z",
        "--jsonl",
        file.to_str().unwrap(),
    ]);
    sb.ok(&["ingest", "--batch", "5000", file.to_str().unwrap()]);
    std::fs::read_to_string(&file).unwrap().lines().count() as u64
}

#[test]
fn one_batch_of_over_2000_events_signs_checkpoints_at_1000_2000_and_its_end() {
    let sb = Sandbox::sqlite();
    // 3,200 demo events hold about 2,140 producer lines (the rest are custody's kinds).
    let lines = ingest_in_one_batch(&sb, 3_200);
    assert!((2_001..3_000).contains(&lines), "{lines} producer lines");
    let (code, report) = sb.verify(&[]);
    assert_eq!(code, 0, "{report}");
    assert_eq!(report["checkpoints_checked"], 3, "{report}");
    assert_eq!(report["signed_size"], lines, "{report}");
}
