//! `custody ingest` never changes a value on the way in: a number a double cannot hold
//! and a time UTC milliseconds cannot hold are rejected with the line and field named,
//! and what is sealed reads back as sent.
#![allow(clippy::unwrap_used)]

mod common;

use common::Sandbox;

fn line(id: &str, time: &str, params: &str) -> String {
    format!(
        r#"{{"event_id":"{id}","time":"{time}","kind":"ai.action","model":{{"name":"m","params":{params}}}}}"#
    )
}

#[test]
fn numbers_and_times_that_would_be_altered_are_rejected_and_exact_ones_are_kept() {
    let sb = Sandbox::sqlite();
    let t = "2026-11-20T10:00:00.000Z";
    let lines = [
        line(
            "exact",
            "2026-11-20T10:00:00.123456Z",
            r#"{"n":9007199254740992,"f":0.1}"#,
        ), // 1
        line("plus-one", t, r#"{"n":9007199254740993}"#), // 2
        line("thirty", t, r#"{"n":123456789012345678901234567890}"#), // 3
        line("tiny", t, r#"{"n":1e-400}"#),               // 4
        line("huge", t, r#"{"n":1e400}"#),                // 5
        line("leap", "2016-12-31T23:59:60Z", "{}"),       // 6
        line("old", "1900-01-01T00:00:00Z", "{}"),        // 7
        line("as-text", t, r#"{"n":"9007199254740993"}"#), // 8
    ];
    let file = sb.path("values.jsonl");
    common::write(&file, &(lines.join("\n") + "\n"));

    let out = sb.run(&["ingest", file.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    for (n, field, words) in [
        (2, "model.params.n", "9007199254740992"),
        (3, "model.params.n", "1.2345678901234568e+29"),
        (4, "model.params.n", "stored as 0"),
        (5, "model.params.n", ""),
        (6, "time", "leap second"),
        (7, "time", "1970"),
    ] {
        let reject = stderr
            .lines()
            .find(|l| l.starts_with(&format!("line {n}:")))
            .unwrap_or_else(|| panic!("no reject for line {n}: {stderr}"));
        assert!(
            reject.contains(&format!("field `{field}`")) && reject.contains(words),
            "line {n}: {reject}"
        );
    }
    assert!(
        stderr
            .lines()
            .any(|l| l.starts_with("line 2:") && l.contains("as a string")),
        "{stderr}"
    );

    let export = sb.ok(&["export"]);
    let sealed: Vec<&str> = export.lines().collect();
    assert_eq!(sealed.len(), 2, "{export}");
    assert!(
        sealed[0].contains(r#""n":9007199254740992"#),
        "{}",
        sealed[0]
    );
    // Digits below the millisecond are truncated, as the README says.
    assert!(
        sealed[0].contains(r#""time":"2026-11-20T10:00:00.123Z""#),
        "{}",
        sealed[0]
    );
    assert!(
        sealed[1].contains(r#""n":"9007199254740993""#),
        "{}",
        sealed[1]
    );
    assert_eq!(sb.verify(&[]).0, 0);
}
