//! Checkpoints are signed at every 1,000 events, as the README says, even when ingest
//! seals 5,000 lines in one batch.
#![allow(clippy::unwrap_used)]

mod common;

use common::Sandbox;

/// Writes `n` demo events as producer JSONL and ingests them in one batch.
fn ingest_in_one_batch(sb: &Sandbox, n: usize) {
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
}

#[test]
fn one_batch_of_2500_events_signs_checkpoints_at_1000_2000_and_its_end() {
    let sb = Sandbox::sqlite();
    ingest_in_one_batch(&sb, 2_500);
    let (code, report) = sb.verify(&[]);
    assert_eq!(code, 0, "{report}");
    assert_eq!(report["checkpoints_checked"], 3, "{report}");
    assert_eq!(report["signed_size"], 2_500, "{report}");
}
