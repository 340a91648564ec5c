//! Streaming ingest acknowledges promptly and loses nothing on SIGTERM: the producer
//! writes through a pipe and the test polls the store.

use super::common::{event_line, Sandbox};
use std::io::Write;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

fn streaming(sb: &Sandbox, extra: &[&str]) -> Child {
    sb.cmd()
        .args(["ingest", "-"])
        .args(extra)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// How many records the store holds, polled until `want` or `limit` passes.
fn wait_for_records(sb: &Sandbox, want: usize, limit: Duration) -> usize {
    let until = Instant::now() + limit;
    loop {
        let n = sb.ok(&["export"]).lines().count();
        if n >= want || Instant::now() >= until {
            return n;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn a_line_written_to_a_waiting_pipe_is_sealed_while_the_pipe_stays_open() {
    let sb = Sandbox::sqlite();
    sb.ok(&["ingest", "/dev/null"]); // the store exists before the line is written
    let mut child = streaming(&sb, &[]);
    let mut stdin = child.stdin.take().unwrap();
    writeln!(
        stdin,
        "{}",
        event_line("slow-1", "T1", "one line, then quiet")
    )
    .unwrap();
    stdin.flush().unwrap();
    // The pipe stays open: only the time flush can seal the line before EOF.
    let n = wait_for_records(&sb, 1, Duration::from_secs(10));
    drop(stdin);
    child.wait().unwrap();
    assert_eq!(
        n, 1,
        "the waiting line was not sealed while the pipe stayed open"
    );
}

#[test]
fn sigterm_seals_the_lines_already_read_and_says_so() {
    let sb = Sandbox::sqlite();
    // No time flush: only the signal can get these lines sealed.
    let mut child = streaming(&sb, &["--flush-ms", "600000"]);
    let mut stdin = child.stdin.take().unwrap();
    wait_until_catching_sigterm(child.id());
    for i in 0..3 {
        writeln!(
            stdin,
            "{}",
            event_line(&format!("t-{i}"), "T1", "before the signal")
        )
        .unwrap();
    }
    stdin.flush().unwrap();
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(
        sb.ok(&["export"]).lines().count(),
        0,
        "sealed before the signal"
    );
    let pid = child.id().to_string();
    let kill = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    assert!(kill.success());
    let out = child.wait_with_output().unwrap();
    drop(stdin);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(143), "{stderr}");
    assert!(
        stderr.contains("stopped by SIGTERM: 3 events sealed"),
        "{stderr}"
    );
    assert_eq!(sb.ok(&["export"]).lines().count(), 3);
    let (code, _) = sb.verify(&[]);
    assert_eq!(code, 0);
}

/// Waits until the process has a SIGTERM handler (Linux: bit 15 of `SigCgt`), so the
/// signal is not delivered before ingest listens for it.
fn wait_until_catching_sigterm(pid: u32) {
    let until = Instant::now() + Duration::from_secs(10);
    loop {
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
        let caught = status
            .lines()
            .find_map(|l| l.strip_prefix("SigCgt:"))
            .and_then(|m| u64::from_str_radix(m.trim(), 16).ok())
            .is_some_and(|mask| mask & (1 << (15 - 1)) != 0);
        if caught {
            return;
        }
        assert!(Instant::now() < until, "ingest never listened for SIGTERM");
        std::thread::sleep(Duration::from_millis(20));
    }
}
