//! `custody evidence export` and `evidence verify` through the real binary on real
//! SQLite stores: bundles that verify, and tampered bundles that fail naming the entry.
#![allow(clippy::unwrap_used)]

mod common;

use common::Sandbox;
use std::path::Path;

/// Ingests `n` events, a minute apart from 10:00; every third has correlation id `c-1`
/// and agent `db-bot`, the rest `c-2` and `autoscaler`.
fn ingest(sb: &Sandbox, n: u32) {
    let mut lines = String::new();
    for i in 1..=n {
        let (corr, agent) = if i % 3 == 0 {
            ("c-1", "db-bot")
        } else {
            ("c-2", "autoscaler")
        };
        let line = serde_json::json!({
            "event_id": format!("ev-{i}"),
            "time": format!("2026-11-20T10:{:02}:00.000Z", i),
            "kind": "ai.action",
            "tier": "T1",
            "reason_code": "capacity_surge",
            "agent": {"id": agent},
            "action": {"type": "k8s.scale", "resource": format!("deploy/web-{i}")},
            "context": {"environment": "prod", "correlation_id": corr}
        });
        lines.push_str(&line.to_string());
        lines.push('\n');
    }
    let file = sb.path("events.jsonl");
    common::write(&file, &lines);
    sb.ok(&["ingest", file.to_str().unwrap()]);
}

fn key(sb: &Sandbox) -> String {
    sb.ok(&["key"]).trim().to_string()
}

/// `evidence verify BUNDLE --vkey KEY`: exit code and standard output.
fn verify(sb: &Sandbox, bundle: &Path, key: &str) -> (i32, String) {
    let out = sb.run(&[
        "evidence",
        "verify",
        bundle.to_str().unwrap(),
        "--vkey",
        key,
    ]);
    (
        out.status.code().unwrap(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

fn manifest(bundle: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(bundle.join("manifest.json")).unwrap()).unwrap()
}

#[test]
fn a_correlation_bundle_verifies_and_a_changed_byte_names_the_entry() {
    let sb = Sandbox::sqlite();
    ingest(&sb, 10);
    let bundle = sb.path("bundle");
    sb.ok(&[
        "evidence",
        "export",
        "--correlation",
        "c-1",
        "-o",
        bundle.to_str().unwrap(),
    ]);
    let m = manifest(&bundle);
    let seqs: Vec<u64> = m["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["seq"].as_u64().unwrap())
        .collect();
    assert_eq!(seqs, vec![3, 6, 9]);
    assert_eq!(m["completeness"], "asserted");
    // The event files are exactly the stored records' bytes: `export` lines minus `hash`.
    let exported = sb.ok(&["export"]);
    let line: serde_json::Value = serde_json::from_str(exported.lines().nth(5).unwrap()).unwrap();
    let event = std::fs::read(bundle.join("events/6.json")).unwrap();
    let ev: serde_json::Value = serde_json::from_slice(&event).unwrap();
    assert_eq!(line["event_id"], ev["event_id"]);
    let proof = std::fs::read_to_string(bundle.join("proofs/6.tlog-proof")).unwrap();
    assert!(
        proof.starts_with("c2sp.org/tlog-proof@v1\nindex 5\n"),
        "{proof}"
    );
    let note = std::fs::read_to_string(bundle.join("checkpoints/10.note")).unwrap();
    assert!(proof.ends_with(&note));
    assert_eq!(note, sb.ok(&["checkpoint"]));

    let key = key(&sb);
    let (code, out) = verify(&sb, &bundle, &key);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("intact: 3 entries"), "{out}");

    let path = bundle.join("events/6.json");
    let mut bytes = std::fs::read(&path).unwrap();
    let at = bytes.len() - 5;
    bytes[at] ^= 1;
    std::fs::write(&path, bytes).unwrap();
    let (code, out) = verify(&sb, &bundle, &key);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("seq 6          included      FAILED"), "{out}");
    assert!(out.contains("seq 3          included      ok"), "{out}");
}

#[test]
fn a_time_range_bundle_holds_the_whole_seq_range_and_its_boundaries() {
    let sb = Sandbox::sqlite();
    ingest(&sb, 12);
    let bundle = sb.path("range");
    sb.ok(&[
        "evidence",
        "export",
        "--from",
        "2026-11-20T10:03:00Z",
        "--to",
        "2026-11-20T10:10:00Z",
        "--agent",
        "db-bot",
        "-o",
        bundle.to_str().unwrap(),
    ]);
    let m = manifest(&bundle);
    let entries: Vec<(u64, String)> = m["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["seq"].as_u64().unwrap(),
                e["status"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let want: Vec<(u64, &str)> = vec![
        (2, "boundary"),
        (3, "included"),
        (4, "out_of_scope"),
        (5, "out_of_scope"),
        (6, "included"),
        (7, "out_of_scope"),
        (8, "out_of_scope"),
        (9, "included"),
        (10, "boundary"),
    ];
    assert_eq!(
        entries,
        want.into_iter()
            .map(|(s, t)| (s, t.to_string()))
            .collect::<Vec<_>>()
    );
    assert_eq!(m["completeness"], "proven");
    assert_eq!(m["seq_range"]["contiguous"], true);
    assert!(!bundle.join("events/4.json").exists());
    let key = key(&sb);
    let (code, out) = verify(&sb, &bundle, &key);
    assert_eq!(code, 0, "{out}");
}

#[test]
fn verify_without_a_pinned_key_could_not_check() {
    let sb = Sandbox::sqlite();
    ingest(&sb, 4);
    let bundle = sb.path("b");
    sb.ok(&[
        "evidence",
        "export",
        "--correlation",
        "c-1",
        "-o",
        bundle.to_str().unwrap(),
    ]);
    // Another machine: no key of its own, nothing pinned.
    let elsewhere = Sandbox::sqlite();
    let out = elsewhere.run(&["evidence", "verify", bundle.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no pinned verifier key"));
    // With the key pinned it verifies there too.
    let (code, out) = verify(&elsewhere, &bundle, &key(&sb));
    assert_eq!(code, 0, "{out}");
    // A key of another log: no trusted signature.
    let (code, out) = verify(&elsewhere, &bundle, &key(&elsewhere));
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("unknown-key"), "{out}");
}

#[test]
fn an_unknown_scope_writes_nothing() {
    let sb = Sandbox::sqlite();
    ingest(&sb, 3);
    let bundle = sb.path("none");
    let out = sb.run(&[
        "evidence",
        "export",
        "--correlation",
        "nope",
        "-o",
        bundle.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(!bundle.exists());
}

/// The independent Python checker on a bundle: exit code and output.
fn third_party(bundle: &Path, key: &str) -> (i32, String) {
    let out = std::process::Command::new("python3")
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/third_party/check_bundle.py"
        ))
        .arg(bundle)
        .arg(key)
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &to.join(e.file_name()));
        } else {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

#[test]
fn both_checkers_accept_a_bundle_and_name_the_entry_of_each_tampering() {
    let sb = Sandbox::sqlite();
    ingest(&sb, 10);
    let good = sb.path("good");
    sb.ok(&[
        "evidence",
        "export",
        "--correlation",
        "c-1",
        "-o",
        good.to_str().unwrap(),
    ]);
    let key = key(&sb);
    assert_eq!(verify(&sb, &good, &key).0, 0);
    let (code, out) = third_party(&good, &key);
    assert_eq!(code, 0, "{out}");

    type Tamper = fn(&Path);
    let cases: [(&str, Tamper, &str); 5] = [
        (
            "changed-byte",
            |b| {
                let p = b.join("events/6.json");
                let mut bytes = std::fs::read(&p).unwrap();
                let at = bytes.len() - 5;
                bytes[at] ^= 1;
                std::fs::write(p, bytes).unwrap();
            },
            "seq 6",
        ),
        (
            "removed-file",
            |b| std::fs::remove_file(b.join("events/9.json")).unwrap(),
            "seq 9",
        ),
        (
            "swapped-proof",
            |b| {
                let (x, y) = (b.join("proofs/3.tlog-proof"), b.join("proofs/6.tlog-proof"));
                let (a, c) = (std::fs::read(&x).unwrap(), std::fs::read(&y).unwrap());
                std::fs::write(&x, c).unwrap();
                std::fs::write(&y, a).unwrap();
            },
            "seq 3",
        ),
        (
            "altered-signature",
            |b| {
                let p = b.join("checkpoints/10.note");
                let mut text = std::fs::read_to_string(&p).unwrap();
                let at = text.rfind(' ').unwrap() + 12;
                let c = if &text[at..=at] == "A" { "B" } else { "A" };
                text.replace_range(at..=at, c);
                std::fs::write(p, text).unwrap();
            },
            "signature",
        ),
        (
            "manifest-hash",
            |b| {
                let p = b.join("manifest.json");
                let mut m: serde_json::Value =
                    serde_json::from_slice(&std::fs::read(&p).unwrap()).unwrap();
                m["files"]["events/3.json"] = serde_json::Value::String("00".repeat(32));
                std::fs::write(p, serde_json::to_vec(&m).unwrap()).unwrap();
            },
            "seq 3",
        ),
    ];
    for (name, tamper, named) in cases {
        let b = sb.path(name);
        copy_dir(&good, &b);
        tamper(&b);
        let (code, out) = verify(&sb, &b, &key);
        assert_eq!(code, 1, "custody on {name}: {out}");
        assert!(
            out.contains(named) && out.contains("FAILED") || out.contains("bad-signature"),
            "custody on {name}: {out}"
        );
        let (code, out) = third_party(&b, &key);
        assert_eq!(code, 1, "python on {name}: {out}");
        assert!(out.contains(named), "python on {name}: {out}");
    }
}

#[test]
fn both_checkers_refuse_a_checkpoint_from_another_store() {
    let sb = Sandbox::sqlite();
    ingest(&sb, 10);
    let bundle = sb.path("b");
    sb.ok(&[
        "evidence",
        "export",
        "--correlation",
        "c-1",
        "-o",
        bundle.to_str().unwrap(),
    ]);
    // Another store on the same machine (same key, another origin), also at tree size 10.
    let other = sb.path("other.db").display().to_string();
    let file = sb.path("events.jsonl");
    let out = sb
        .cmd_on(&other)
        .args(["ingest", file.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(out.status.success());
    let note = sb.cmd_on(&other).arg("checkpoint").output().unwrap().stdout;
    std::fs::write(bundle.join("checkpoints/10.note"), note).unwrap();
    let key = key(&sb);
    let (code, out) = verify(&sb, &bundle, &key);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("other-log") || out.contains("bad-proof"),
        "{out}"
    );
    let (code, out) = third_party(&bundle, &key);
    assert_eq!(code, 1, "{out}");
}
