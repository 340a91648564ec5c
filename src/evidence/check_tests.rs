//! Bundles built from a small ledger made here, checked, and checked again after each
//! kind of tampering the issue names.
#![allow(clippy::unwrap_used)]

use super::build::{build, Plan, Record};
use super::check::check;
use super::manifest::{Scope, Status};
use super::tree::Levels;
use crate::ledger::checkpoint::Checkpoint;
use crate::ledger::jcs;
use crate::ledger::merkle::{leaf_hash, Hash};
use crate::ledger::note::{NoteSigner, NoteVerifier};
use std::collections::BTreeMap;

const ORIGIN: &str = "custody.test/ledger";

fn signer(seed: u8) -> NoteSigner {
    NoteSigner::from_seed(ORIGIN, [seed; 32]).unwrap()
}

/// `n` records chained like the ledger's, their tree, and a checkpoint over all of them.
fn ledger(n: u64, origin: &str, key: &NoteSigner) -> (Vec<Vec<u8>>, Levels, String, Checkpoint) {
    let mut prev: Hash = [0; 32];
    let mut records = Vec::new();
    for seq in 1..=n {
        let v = serde_json::json!({
            "seq": seq, "origin": origin, "prev_hash": hex::encode(prev),
            "kind": "ai.action", "event_id": format!("e{seq}"),
            "context": {"correlation_id": if seq % 3 == 0 { "c-1" } else { "c-2" }},
        });
        let bytes = jcs::canonicalize(&v);
        prev = leaf_hash(&bytes);
        records.push(bytes);
    }
    let tree = Levels::new(records.iter().map(|r| leaf_hash(r)).collect());
    let cp = Checkpoint {
        origin: origin.to_string(),
        size: n,
        root: tree.root(),
    };
    let note = key.sign(&cp.body()).unwrap();
    (records, tree, note, cp)
}

fn plan(
    records: &[Vec<u8>],
    note: &str,
    cp: &Checkpoint,
    with: &[(u64, Status)],
    hashes: &[u64],
    scope: Scope,
) -> Plan {
    Plan {
        scope,
        checkpoint_note: note.to_string(),
        checkpoint: cp.clone(),
        records: with
            .iter()
            .map(|&(seq, status)| Record {
                seq,
                bytes: records[(seq - 1) as usize].clone(),
                status,
            })
            .collect(),
        out_of_scope: hashes.to_vec(),
        left_out: None,
        vkey: signer(1).verifier().encode(),
    }
}

fn correlation_bundle() -> BTreeMap<String, Vec<u8>> {
    let (records, tree, note, cp) = ledger(11, ORIGIN, &signer(1));
    let with = [
        (3, Status::Included),
        (6, Status::Included),
        (9, Status::Included),
    ];
    let p = plan(
        &records,
        &note,
        &cp,
        &with,
        &[],
        Scope::Correlation { id: "c-1".into() },
    );
    build(&p, &tree).unwrap().0
}

fn range_bundle() -> BTreeMap<String, Vec<u8>> {
    let (records, tree, note, cp) = ledger(20, ORIGIN, &signer(1));
    let with = [
        (4, Status::Boundary),
        (6, Status::Included),
        (9, Status::Included),
        (10, Status::Boundary),
    ];
    let scope = Scope::TimeRange {
        from: "a".into(),
        to: "b".into(),
        agent: Some("x".into()),
    };
    let p = plan(&records, &note, &cp, &with, &[5, 7, 8], scope);
    build(&p, &tree).unwrap().0
}

fn trusted() -> Vec<NoteVerifier> {
    vec![signer(1).verifier()]
}

/// The (class, seq) of every problem.
fn problems(files: &BTreeMap<String, Vec<u8>>) -> (u8, Vec<(&'static str, Option<u64>)>) {
    let r = check(files, &trusted());
    (
        r.exit_code(),
        r.problems.iter().map(|p| (p.class, p.seq)).collect(),
    )
}

#[test]
fn an_untouched_bundle_verifies_with_every_entry_proven() {
    for files in [correlation_bundle(), range_bundle()] {
        let r = check(&files, &trusted());
        assert_eq!(r.exit_code(), 0, "{:#?}", r.problems);
        assert!(r.entries.iter().all(|e| e.proven), "{:#?}", r.entries);
    }
    let r = check(&range_bundle(), &trusted());
    assert_eq!(r.entries.len(), 7);
    assert_eq!(r.completeness.as_deref(), Some("proven"));
}

#[test]
fn a_changed_byte_in_an_event_file_names_its_entry() {
    let mut files = correlation_bundle();
    let bytes = files.get_mut("events/6.json").unwrap();
    let at = bytes.len() - 3;
    bytes[at] ^= 1;
    let (code, found) = problems(&files);
    assert_eq!(code, 1);
    assert!(found.contains(&("file-hash", Some(6))), "{found:?}");
    assert!(found.contains(&("modified", Some(6))), "{found:?}");
    assert!(found.iter().all(|(_, s)| *s == Some(6)), "{found:?}");
}

#[test]
fn a_removed_event_file_names_its_entry() {
    let mut files = correlation_bundle();
    files.remove("events/9.json");
    let (code, found) = problems(&files);
    assert_eq!(code, 1);
    assert_eq!(found, vec![("missing-file", Some(9))]);
}

#[test]
fn swapped_proofs_name_both_entries() {
    let mut files = correlation_bundle();
    let a = files.remove("proofs/3.tlog-proof").unwrap();
    let b = files.remove("proofs/6.tlog-proof").unwrap();
    files.insert("proofs/3.tlog-proof".into(), b);
    files.insert("proofs/6.tlog-proof".into(), a);
    let (code, found) = problems(&files);
    assert_eq!(code, 1);
    assert!(found.contains(&("bad-proof", Some(3))), "{found:?}");
    assert!(found.contains(&("bad-proof", Some(6))), "{found:?}");
}

#[test]
fn an_altered_checkpoint_signature_is_bad() {
    let mut files = correlation_bundle();
    let note = files.get_mut("checkpoints/11.note").unwrap();
    let text = String::from_utf8(note.clone()).unwrap();
    let sig_start = text.rfind(' ').unwrap() + 10;
    note[sig_start] = if note[sig_start] == b'A' { b'B' } else { b'A' };
    let (code, found) = problems(&files);
    assert_eq!(code, 1);
    assert!(found.contains(&("bad-signature", None)), "{found:?}");
    let r = check(&files, &trusted());
    assert!(r.entries.iter().all(|e| !e.proven));
}

#[test]
fn a_checkpoint_from_another_store_is_refused() {
    let mut files = correlation_bundle();
    let (_, _, other_note, _) = ledger(11, "other.test/ledger", &signer(1));
    files.insert("checkpoints/11.note".into(), other_note.into_bytes());
    let (code, found) = problems(&files);
    assert_eq!(code, 1);
    assert!(found.contains(&("other-log", None)), "{found:?}");
    // Signed by another key, it is not trusted at all.
    let mut files = correlation_bundle();
    let (_, _, foreign, _) = ledger(11, ORIGIN, &signer(2));
    files.insert("checkpoints/11.note".into(), foreign.into_bytes());
    let (_, found) = problems(&files);
    assert!(found.contains(&("unknown-key", None)), "{found:?}");
}

#[test]
fn a_manifest_whose_file_hash_no_longer_matches_names_the_file() {
    let files = correlation_bundle();
    let mut m: serde_json::Value = serde_json::from_slice(&files["manifest.json"]).unwrap();
    m["files"]["events/3.json"] = serde_json::Value::String("00".repeat(32));
    let mut files = files;
    files.insert("manifest.json".into(), jcs::canonicalize(&m));
    let (code, found) = problems(&files);
    assert_eq!(code, 1);
    assert_eq!(found, vec![("file-hash", Some(3))]);
}

#[test]
fn a_range_with_its_middle_record_removed_is_a_hole() {
    let files = range_bundle();
    let mut m: serde_json::Value = serde_json::from_slice(&files["manifest.json"]).unwrap();
    // Remove seq 7 cleanly: its entry, its proof and its file hash.
    let entries = m["entries"].as_array_mut().unwrap();
    entries.retain(|e| e["seq"] != 7);
    m["files"]
        .as_object_mut()
        .unwrap()
        .remove("proofs/7.tlog-proof");
    m["seq_range"]["contiguous"] = serde_json::Value::Bool(false);
    let mut files = files;
    files.remove("proofs/7.tlog-proof");
    files.insert("manifest.json".into(), jcs::canonicalize(&m));
    let (code, found) = problems(&files);
    assert_eq!(code, 1);
    assert_eq!(found, vec![("hole", Some(7))]);
}

#[test]
fn no_manifest_means_the_bundle_could_not_be_checked() {
    let mut files = correlation_bundle();
    files.remove("manifest.json");
    assert_eq!(check(&files, &trusted()).exit_code(), 2);
}

#[test]
fn the_builder_refuses_a_record_the_tree_does_not_hold() {
    let (mut records, tree, note, cp) = ledger(5, ORIGIN, &signer(1));
    records[1].push(b' ');
    let p = plan(
        &records,
        &note,
        &cp,
        &[(2, Status::Included)],
        &[],
        Scope::Correlation { id: "c".into() },
    );
    assert!(build(&p, &tree).is_err());
}
