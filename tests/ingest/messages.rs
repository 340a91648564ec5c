//! What ingest says about awkward input: a re-sent event id with a different body, a
//! byte order mark, an array line, many rejects, an unregistered reason code.

use super::common::{event_line, write, Sandbox};

fn ingest_text(sb: &Sandbox, name: &str, text: &[u8], extra: &[&str]) -> std::process::Output {
    let file = sb.path(name);
    std::fs::write(&file, text).unwrap();
    let mut args = vec!["ingest", file.to_str().unwrap()];
    args.extend_from_slice(extra);
    sb.run(&args)
}

#[test]
fn the_same_event_id_with_a_different_body_is_a_reject_naming_the_stored_seq() {
    let sb = Sandbox::sqlite();
    let file = sb.path("first.jsonl");
    write(&file, &format!("{}\n", event_line("same", "T1", "first")));
    sb.ok(&["ingest", file.to_str().unwrap()]);
    let again = format!(
        "{}\n{}\n",
        event_line("same", "T1", "first"),
        event_line("same", "T3", "changed")
    );
    let out = ingest_text(&sb, "again.jsonl", again.as_bytes(), &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("line 1: duplicate event_id same"),
        "{stderr}"
    );
    assert!(
        stderr.contains(
            "line 2: field `event_id`: `same` is already stored at seq 1 with a different body"
        ),
        "{stderr}"
    );
    assert_eq!(sb.ok(&["export"]).lines().count(), 1);
}

#[test]
fn an_identical_re_send_stays_a_quiet_duplicate() {
    let sb = Sandbox::sqlite();
    let line = format!("{}\n", event_line("again", "T1", "same"));
    ingest_text(&sb, "a.jsonl", line.as_bytes(), &[]);
    let out = ingest_text(&sb, "b.jsonl", line.as_bytes(), &[]);
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn a_byte_order_mark_at_the_start_of_a_file_is_skipped() {
    let sb = Sandbox::sqlite();
    let mut text = b"\xEF\xBB\xBF".to_vec();
    text.extend_from_slice(format!("{}\n", event_line("bom", "T1", "x")).as_bytes());
    let out = ingest_text(&sb, "bom.jsonl", &text, &[]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn an_array_line_is_told_it_should_be_an_object() {
    let sb = Sandbox::sqlite();
    let out = ingest_text(&sb, "array.jsonl", b"[]\n", &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("line 1: expected an object"), "{stderr}");
}

#[test]
fn rejects_are_capped_on_stderr_and_all_written_to_the_rejects_file() {
    let sb = Sandbox::sqlite();
    let text = "not json\n".repeat(25);
    let rejects = sb.path("rejects.txt");
    let out = ingest_text(
        &sb,
        "bad.jsonl",
        text.as_bytes(),
        &["--rejects", rejects.to_str().unwrap()],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(
        stderr.lines().filter(|l| l.starts_with("line ")).count(),
        20,
        "{stderr}"
    );
    assert!(stderr.contains("… and 5 more rejects"), "{stderr}");
    let all = std::fs::read_to_string(&rejects).unwrap();
    assert_eq!(all.lines().count(), 25, "{all}");
    assert!(
        all.lines().last().unwrap().starts_with("line 25: "),
        "{all}"
    );
}

#[test]
fn an_unregistered_reason_code_is_kept_and_flagged() {
    let sb = Sandbox::sqlite();
    let line = event_line("u-1", "T1", "x").replace("capacity_surge", "vibes");
    let out = ingest_text(&sb, "u.jsonl", format!("{line}\n").as_bytes(), &[]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("line 1: reason_code `vibes` is not registered"),
        "{stderr}"
    );
    assert!(
        stdout.contains("1 sealed") && stdout.contains("1 with an unregistered reason code"),
        "{stdout}"
    );
}
