//! A SIGKILL in the middle of a large ingest loses no event that ingest had reported
//! as committed, and the ledger verifies afterwards.
#![allow(clippy::unwrap_used)]

mod common;

use common::Sandbox;
use custody::demo::{history, DemoSpec};
use std::io::{BufRead, BufReader, Write};
use std::process::Stdio;

#[test]
fn sigkill_during_ingest_keeps_every_acknowledged_event() {
    let sb = Sandbox::sqlite();
    let file = sb.path("big.jsonl");
    let spec = DemoSpec {
        seed: 5,
        events: 40_000,
        days: 7,
        until: "2026-11-20T12:00:00Z".parse().unwrap(),
    };
    let mut out = std::io::BufWriter::new(std::fs::File::create(&file).unwrap());
    let mut lines = 0u64;
    // Producer events only: the kinds custody seals itself are refused at ingest.
    for e in history(&spec).filter(|e| !custody::event::is_custody_kind(&e.kind)) {
        writeln!(out, "{}", serde_json::to_string(&e).unwrap()).unwrap();
        lines += 1;
    }
    out.flush().unwrap();
    drop(out);

    let mut child = sb
        .cmd()
        .args([
            "ingest",
            "--verbose",
            "--batch",
            "500",
            file.to_str().unwrap(),
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut acknowledged = 0u64;
    let mut commits = 0;
    for line in BufReader::new(child.stdout.take().unwrap()).lines() {
        let line = line.unwrap();
        if let Some(rest) = line.strip_prefix("committed through line ") {
            acknowledged = rest.split_whitespace().next().unwrap().parse().unwrap();
            commits += 1;
            if commits == 8 {
                child.kill().unwrap(); // SIGKILL
                break;
            }
        }
    }
    child.wait().unwrap();
    assert!(
        acknowledged >= 4000,
        "ingest acknowledged only {acknowledged} lines before the kill"
    );
    assert!(
        acknowledged < lines,
        "ingest finished before it could be killed"
    );

    // Every input line is a distinct valid event, so line N is seq N.
    let tail = sb.ok(&["tail", "--no-follow", "-n", "1"]);
    let head: u64 = tail.split_whitespace().next().unwrap().parse().unwrap();
    assert!(
        head >= acknowledged,
        "acknowledged {acknowledged} but only {head} survived"
    );
    let (code, report) = sb.verify(&[]);
    assert_eq!(code, 0, "{report}");

    // Resuming the same file stores the rest exactly once.
    let summary = sb.ok(&["ingest", file.to_str().unwrap()]);
    assert!(
        summary.contains(&format!("{} duplicate", head)),
        "{summary}"
    );
    let (code, report) = sb.verify(&[]);
    assert_eq!((code, report["records"].as_u64()), (0, Some(lines)));
}
