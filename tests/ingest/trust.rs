//! Producers cannot write the events only custody seals (README, What it records,
//! and why you can trust it).

use super::common::{event_line, Sandbox};

fn with_kind(id: &str, kind: &str) -> String {
    let mut e: serde_json::Value = serde_json::from_str(&event_line(id, "T1", "x")).unwrap();
    e["kind"] = kind.into();
    e["justification"] = "forged".into();
    e.to_string()
}

#[test]
fn custodys_own_kinds_are_rejected_at_ingest_naming_line_and_kind() {
    let sb = Sandbox::sqlite();
    let file = sb.path("forged.jsonl");
    let lines = [
        event_line("ok-1", "T1", "fine"),
        with_kind("f-1", "control.resume"),
        with_kind("f-2", "incident.close"),
        with_kind("f-3", "console.session"),
        with_kind("f-4", "approval.decision"),
    ];
    super::common::write(&file, &(lines.join("\n") + "\n"));
    let out = sb.run(&["ingest", file.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    for line in 2..=5 {
        assert!(
            stderr.contains(&format!("line {line}: field `kind`")),
            "{stderr}"
        );
    }
    assert!(stderr.contains("sealed only by custody"), "{stderr}");
    let exported = sb.ok(&["export"]);
    assert_eq!(exported.lines().count(), 1, "{exported}");
}

#[test]
fn a_producer_sending_the_seal_mark_is_rejected() {
    let sb = Sandbox::sqlite();
    let file = sb.path("marked.jsonl");
    let mut e: serde_json::Value = serde_json::from_str(&event_line("m-1", "T1", "x")).unwrap();
    e["sealed_by"] = "custody".into();
    super::common::write(&file, &format!("{e}\n"));
    let out = sb.run(&["ingest", file.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("line 1: field `sealed_by`"), "{stderr}");
}
