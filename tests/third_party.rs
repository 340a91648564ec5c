//! A third party can check the ledger without custody: from `custody export`,
//! `custody checkpoint` and `custody key`, an independent Python implementation of
//! RFC 8785, SHA-256, RFC 9162 and Ed25519 (tests/third_party/verify.py) reproduces
//! the leaf hashes, the chain, the Merkle root and the signature.
#![allow(clippy::unwrap_used)]

mod common;

use common::Sandbox;
use std::process::Command;

fn third_party(sb: &Sandbox, export: &str) -> std::process::Output {
    let dir = env!("CARGO_MANIFEST_DIR");
    Command::new("python3")
        .arg(format!("{dir}/tests/third_party/verify.py"))
        .arg(sb.path(export))
        .arg(sb.path("checkpoint.txt"))
        .arg(std::fs::read_to_string(sb.path("key.txt")).unwrap().trim())
        .output()
        .unwrap()
}

#[test]
fn an_independent_verifier_accepts_the_export_and_rejects_an_altered_one() {
    let sb = Sandbox::sqlite();
    sb.seed(3000);
    sb.ok(&["export", "-o", sb.path("export.jsonl").to_str().unwrap()]);
    common::write(&sb.path("checkpoint.txt"), &sb.ok(&["checkpoint"]));
    common::write(&sb.path("key.txt"), &sb.ok(&["key"]));

    let good = third_party(&sb, "export.jsonl");
    assert!(
        good.status.success(),
        "{}{}",
        String::from_utf8_lossy(&good.stdout),
        String::from_utf8_lossy(&good.stderr)
    );

    let export = std::fs::read_to_string(sb.path("export.jsonl")).unwrap();
    common::write(
        &sb.path("altered.jsonl"),
        &export.replacen("\"T3\"", "\"T2\"", 1),
    );
    let bad = third_party(&sb, "altered.jsonl");
    assert_eq!(
        bad.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&bad.stdout)
    );
}
