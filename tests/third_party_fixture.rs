//! Proves a third party can check a custody ledger without custody: a small
//! ledger built only from the ledger library (RFC 8785 bytes, RFC 9162 leaf
//! hashes, the hash chain, a C2SP signed checkpoint) is written out in the
//! export formats and handed to `tests/third_party/verify.py`, an independent
//! Python verifier that shares no code with this crate.
#![allow(clippy::unwrap_used)]

use custody::ledger::checkpoint::Checkpoint;
use custody::ledger::jcs;
use custody::ledger::merkle::{leaf_hash, root, Hash};
use custody::ledger::note::NoteSigner;
use serde_json::{json, Value};
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Command;

const ORIGIN: &str = "custody.test/third-party";

/// Event bodies chosen to trip a careless canonicalizer: non-ASCII text,
/// escaped controls, numbers whose ES6 spelling differs from Rust's and
/// Python's, integers past 2^53, and member names whose UTF-16 order differs
/// from their UTF-8 byte order.
fn awkward_events() -> Vec<Value> {
    vec![
        json!({
            "event_id": "0190a1b2-0000-7000-8000-000000000001",
            "kind": "ai.action",
            "time": "2026-11-23T01:00:00.000Z",
            "tier": "T3",
            "action": {"type": "shell", "params": {"argv": ["rm", "-rf", "/var/data"]}},
            "ai_output": {"summary": "Löschen — naïve café ✓ 日本語 😀", "confidence": 0.1},
        }),
        json!({
            "event_id": "0190a1b2-0000-7000-8000-000000000002",
            "kind": "ai.action",
            "justification": "tab\there, newline\nbell\u{7} esc\u{1b}[31m del\u{7f} nul\u{0} ls\u{2028} quote\" back\\ slash/",
            "numbers": [0.1, 1e21, 1e20, -0.0, 1.5e-7, 1e-7, 0.000001, 5e-324, 1.7976931348623157e308,
                        9007199254740993u64, -9223372036854775808i64, 18446744073709551615u64, 333.0, 4.5],
        }),
        json!({
            "event_id": "0190a1b2-0000-7000-8000-000000000003",
            "kind": "human.intervention",
            "sorting": {
                "\u{ff61}": "halfwidth ideographic full stop (U+FF61)",
                "\u{1f600}": "astral, sorts first in UTF-16",
                "\u{e000}": "private use (U+E000)",
                "\u{10000}": "linear B (U+10000)",
                "z": {"\u{fb33}": 1, "\u{1d11e}": 2, "a": [{"\u{ffff}": null, "\u{10ffff}": true}]},
                "": "empty name",
                "\u{80}": "C1 control as a name",
            },
        }),
        json!({
            "event_id": "0190a1b2-0000-7000-8000-000000000004",
            "kind": "control.pause",
            "nested": [[[], {}], {"deep": {"deeper": {"deepest": [1, [2, [3, [4.25]]]]}}}],
        }),
    ]
}

struct Fixture {
    _dir: tempfile::TempDir,
    leaves: Vec<Hash>,
    export: PathBuf,
    checkpoint: PathBuf,
    key: PathBuf,
}

/// Seals the events the way the ledger does and writes the three files a
/// third party receives: the export, the signed checkpoint, the verifier key.
fn write_fixture() -> Fixture {
    let mut prev = "0".repeat(64);
    let mut leaves: Vec<Hash> = Vec::new();
    let mut export = String::new();
    for (i, event) in awkward_events().into_iter().enumerate() {
        let mut record = event.as_object().unwrap().clone();
        record.insert("seq".into(), json!(i + 1));
        record.insert(
            "recorded_at".into(),
            json!(format!("2026-11-23T01:00:0{i}.000Z")),
        );
        record.insert("origin".into(), json!(ORIGIN));
        record.insert("prev_hash".into(), json!(prev));
        let leaf = leaf_hash(&jcs::canonicalize(&Value::Object(record.clone())));
        leaves.push(leaf);
        prev = hex::encode(leaf);
        record.insert("hash".into(), json!(prev));
        // Written with serde_json, not canonically, so the verifier must do
        // its own canonicalization rather than hash the line it was given.
        export.push_str(&serde_json::to_string(&Value::Object(record)).unwrap());
        export.push('\n');
    }
    let signer = NoteSigner::from_seed(ORIGIN, [42; 32]).unwrap();
    let checkpoint = Checkpoint {
        origin: ORIGIN.to_string(),
        size: leaves.len() as u64,
        root: root(&leaves),
    };
    let note = signer.sign(&checkpoint.body()).unwrap();

    let dir = tempfile::tempdir().unwrap();
    let fixture = Fixture {
        export: dir.path().join("export.jsonl"),
        checkpoint: dir.path().join("checkpoint.txt"),
        key: dir.path().join("verifier.key"),
        leaves,
        _dir: dir,
    };
    std::fs::write(&fixture.export, export).unwrap();
    std::fs::write(&fixture.checkpoint, note).unwrap();
    std::fs::write(&fixture.key, signer.verifier().encode() + "\n").unwrap();
    fixture
}

/// Runs the Python verifier with the key given as a file; returns its exit
/// code and output.
fn run_verifier(f: &Fixture) -> (i32, String) {
    run_verifier_with_key(f, f.key.as_os_str())
}

fn run_verifier_with_key(f: &Fixture, key: &OsStr) -> (i32, String) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/third_party/verify.py");
    let out = Command::new("python3")
        .arg(script)
        .args([f.export.as_os_str(), f.checkpoint.as_os_str(), key])
        .output()
        .expect("python3 must be installed to run the third-party verifier");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr);
    (out.status.code().unwrap_or(-1), format!("{stdout}{stderr}"))
}

#[test]
fn an_independent_python_verifier_accepts_the_ledger() {
    let fixture = write_fixture();
    let (code, output) = run_verifier(&fixture);
    assert_eq!(code, 0, "{output}");
    assert!(
        output.contains("OK: 4 records, chain intact, root matches, signature valid"),
        "{output}"
    );
}

#[test]
fn the_python_verifier_takes_the_key_as_text_too() {
    let fixture = write_fixture();
    let key_text = std::fs::read_to_string(&fixture.key).unwrap();
    let (code, output) = run_verifier_with_key(&fixture, OsStr::new(key_text.trim()));
    assert_eq!(code, 0, "{output}");
}

#[test]
fn the_python_verifier_catches_one_altered_byte() {
    let fixture = write_fixture();
    let export = std::fs::read_to_string(&fixture.export).unwrap();
    // "-rf" → "-rF" in the first record: still valid JSON, different bytes.
    let altered = export.replacen("\"-rf\"", "\"-rF\"", 1);
    assert_ne!(altered, export);
    std::fs::write(&fixture.export, altered).unwrap();
    let (code, output) = run_verifier(&fixture);
    assert_eq!(code, 1, "{output}");
    assert!(
        output.contains("FAIL: line 1: record does not match its hash"),
        "{output}"
    );
}

#[test]
fn the_python_verifier_catches_a_checkpoint_rewritten_without_the_key() {
    let fixture = write_fixture();
    let note = std::fs::read_to_string(&fixture.checkpoint).unwrap();
    let signatures = note.split_once("\n\n").unwrap().1;
    // A self-consistent checkpoint for a truncated log, under the old signature.
    let truncated = Checkpoint {
        origin: ORIGIN.to_string(),
        size: 3,
        root: root(&fixture.leaves[..3]),
    };
    let forged = format!("{}\n{signatures}", truncated.body());
    std::fs::write(&fixture.checkpoint, forged).unwrap();
    let (code, output) = run_verifier(&fixture);
    assert_eq!(code, 1, "{output}");
    assert!(output.contains("does not verify"), "{output}");
}
