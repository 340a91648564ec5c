//! The acceptance at full size: `custody seed --events 100000` then
//! `custody verify` reports intact, on SQLite and on a real PostgreSQL server.
#![allow(clippy::unwrap_used)]

mod common;

use common::Sandbox;

fn seed_and_verify(sb: &Sandbox) {
    sb.ok(&[
        "seed",
        "--events",
        "100000",
        "--seed",
        "1",
        "--until",
        "2026-11-20T12:00:00Z",
    ]);
    let (code, report) = sb.verify(&[]);
    assert_eq!(code, 0, "{report}");
    assert_eq!(report["records"].as_u64(), Some(100_000));
    assert_eq!(
        report["signed_size"].as_u64(),
        Some(100_000),
        "the whole seed is covered by a signed checkpoint"
    );
}

#[test]
fn a_hundred_thousand_events_verify_intact_on_sqlite() {
    seed_and_verify(&Sandbox::sqlite());
}

#[test]
fn a_hundred_thousand_events_verify_intact_on_postgres() {
    seed_and_verify(&Sandbox::postgres("hundredk"));
}
