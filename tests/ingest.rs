//! `custody ingest` on bad input: every malformed line gets one clear reject naming its
//! line and field, nothing of it is stored, the good lines around it are, and the ledger
//! still verifies.
#![allow(clippy::unwrap_used)]

mod common;

#[path = "ingest/messages.rs"]
mod messages;
#[path = "ingest/stream.rs"]
mod stream;
#[path = "ingest/trust.rs"]
mod trust;

use common::{event_line, Sandbox};

#[test]
fn a_mix_of_good_and_malformed_lines_stores_exactly_the_good_ones() {
    let sb = Sandbox::sqlite();
    let huge = "x".repeat(10 * 1024 * 1024);
    let mut input: Vec<u8> = Vec::new();
    let mut push = |line: &[u8]| {
        input.extend_from_slice(line);
        input.push(b'\n');
    };
    push(event_line("good-1", "T1", "scaled web").as_bytes()); // 1
    push(b"this is not json"); // 2
    push(
        event_line("good-2", "T2", "ok")
            .replace("\"T2\"", "2")
            .as_bytes(),
    ); // 3: wrong type
    push(event_line("good-3", "T9", "ok").as_bytes()); // 4: unknown tier
    push(
        event_line("", "T1", "ok")
            .replace("\"event_id\":\"\",", "")
            .as_bytes(),
    ); // 5: missing event_id
    let mut bad_utf8 = event_line("good-4", "T1", "ok").into_bytes();
    bad_utf8[30] = 0xff;
    push(&bad_utf8); // 6: invalid UTF-8
    push(event_line("big", "T1", &huge).as_bytes()); // 7: a 10 MB field
    push(
        event_line("ctl", "T1", "ok")
            .replace("ok", "o\u{1b}]0;pwned\u{7}k")
            .as_bytes(),
    ); // 8: raw control chars
    push(event_line("good-5", "T3", "escaped \u{1b}[2J is fine").as_bytes()); // 9: escaped controls are data
    push(b""); // 10: blank lines are skipped
    push(event_line("good-1", "T1", "scaled web").as_bytes()); // 11: duplicate
    push(event_line("good-6", "T0", "last").as_bytes()); // 12
    let file = sb.path("mixed.jsonl");
    std::fs::write(&file, &input).unwrap();

    let out = sb.run(&["ingest", file.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let rejects: Vec<&str> = stderr
        .lines()
        .filter(|l| !l.contains("duplicate"))
        .collect();
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(
        rejects
            .iter()
            .map(|l| l.split(':').next().unwrap())
            .collect::<Vec<_>>(),
        ["line 2", "line 3", "line 4", "line 5", "line 6", "line 7", "line 8"],
        "{stderr}"
    );
    assert!(
        rejects[1].contains("field `tier`") && rejects[2].contains("field `tier`"),
        "{stderr}"
    );
    assert!(rejects[3].contains("field `event_id`"), "{stderr}");
    assert!(rejects[5].contains("field `ai_output.summary`"), "{stderr}");
    assert!(
        !stderr.contains('\u{1b}'),
        "a reject message let an escape byte through: {stderr:?}"
    );
    assert!(
        stderr.contains("line 11: duplicate event_id good-1"),
        "{stderr}"
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("3 sealed"), "{stdout}");
    let (code, _) = sb.verify(&[]);
    assert_eq!(code, 0);
}

#[test]
fn ingesting_the_same_file_twice_stores_each_event_once() {
    let sb = Sandbox::sqlite();
    let file = sb.path("twice.jsonl");
    common::write(
        &file,
        &format!(
            "{}\n{}\n",
            event_line("a", "T1", "x"),
            event_line("b", "T1", "y")
        ),
    );
    sb.ok(&["ingest", file.to_str().unwrap()]);
    let second = sb.ok(&["ingest", file.to_str().unwrap()]);
    assert!(
        second.contains("0 sealed") && second.contains("2 duplicate"),
        "{second}"
    );
}

#[test]
fn ingest_reads_standard_input() {
    use std::io::Write;
    let sb = Sandbox::sqlite();
    let mut child = sb
        .cmd()
        .args(["ingest", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{}\n", event_line("s1", "T2", "from a pipe")).as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("1 sealed"));
}

#[test]
fn tail_shows_hostile_text_escaped() {
    let sb = Sandbox::sqlite();
    let file = sb.path("hostile.jsonl");
    let mut event: serde_json::Value = serde_json::from_str(&event_line("h1", "T3", "x")).unwrap();
    event["action"]["resource"] =
        "\u{1b}]0;pwned\u{7}\u{1b}[2J\u{1b}]52;c;ZWNobw==\u{7}\u{202e}".into();
    common::write(&file, &format!("{event}\n"));
    sb.ok(&["ingest", file.to_str().unwrap()]);
    let out = sb.ok(&["tail", "--no-follow"]);
    assert!(
        !out.contains('\u{1b}') && !out.contains('\u{7}') && !out.contains('\u{202e}'),
        "{out:?}"
    );
    assert!(out.contains("autoscaler"), "{out}");
}
