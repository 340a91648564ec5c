//! Commands run for real: `sh`, `true`, `sleep`, `printf`, `head`. Each argv is given
//! explicitly; the runner itself never uses a shell.

#![allow(clippy::unwrap_used)]

use super::output::{self, Head};
use super::*;
use crate::event::ReversibilityClass;
use crate::exec::{Action, Executor};

fn argv(args: &[&str]) -> Prepared {
    Prepared::Command {
        argv: args.iter().map(|a| a.to_string()).collect(),
    }
}

fn run_argv(args: &[&str]) -> RunReport {
    run(&argv(args), Duration::from_secs(5))
}

fn sh(script: &str) -> RunReport {
    run_argv(&["sh", "-c", script])
}

fn sha256(bytes: &[u8]) -> String {
    output::sha256_hex(bytes)
}

fn command(args: &[&str]) -> Invocation {
    Invocation {
        run: Run::Command {
            argv: args.iter().map(|a| a.to_string()).collect(),
        },
        timeout_s: 5,
    }
}

fn executor(run: Invocation, verify: Option<Invocation>) -> Executor {
    Executor {
        index: 0,
        line: None,
        action: Action::Pause,
        agents: "*".into(),
        run,
        verify,
        undo: None,
        reversibility: ReversibilityClass::Full,
    }
}

#[test]
fn exit_zero_is_success_with_empty_output() {
    let report = run_argv(&["true"]);
    assert_eq!(
        (report.status, report.exit_code, report.detail.as_str()),
        (RunStatus::Success, Some(0), "exit 0")
    );
    assert_eq!(
        (report.output_bytes, report.output_sha256),
        (0, sha256(b""))
    );
}

#[test]
fn non_zero_exit_is_failure_with_stdout_then_stderr() {
    let report = sh("echo hi; echo err >&2; exit 3");
    assert_eq!(
        (report.status, report.exit_code, report.detail.as_str()),
        (RunStatus::Failure, Some(3), "exit 3")
    );
    assert_eq!(report.excerpt, "hi\nerr\n");
    assert_eq!(report.output_sha256, sha256(b"hi\nerr\n"));
}

#[test]
fn hash_covers_stdout_before_stderr_whatever_order_they_were_written() {
    let report = sh("echo first >&2; sleep 0.05; echo second");
    assert_eq!(report.output_sha256, sha256(b"second\nfirst\n"));
    assert_eq!(report.output_bytes, 13);
}

#[test]
fn arguments_reach_the_program_whole_and_unexpanded() {
    let report = run_argv(&["printf", "%s|", "a b; echo pwned", "$HOME", "*"]);
    assert_eq!(report.excerpt, "a b; echo pwned|$HOME|*|");
}

#[test]
fn stdin_is_empty_so_a_reader_does_not_wait() {
    let report = run(&argv(&["cat"]), Duration::from_secs(2));
    assert_eq!(
        (report.status, report.output_bytes),
        (RunStatus::Success, 0)
    );
}

#[test]
fn a_missing_program_is_an_error_naming_it() {
    let report = run_argv(&["custody-no-such-program-7f3a", "--flag"]);
    assert_eq!(report.status, RunStatus::Error);
    assert_eq!(report.exit_code, None);
    assert!(
        report.detail.contains("custody-no-such-program-7f3a"),
        "{}",
        report.detail
    );
}

#[test]
fn a_command_past_its_timeout_is_killed() {
    let started = Instant::now();
    let report = run(&argv(&["sleep", "5"]), Duration::from_millis(200));
    assert_eq!(report.status, RunStatus::Timeout);
    assert_eq!(report.detail, "timed out after 200 ms (killed)");
    assert!(
        started.elapsed() < Duration::from_millis(1500),
        "{:?}",
        started.elapsed()
    );
}

#[test]
#[cfg(target_os = "linux")]
fn a_timeout_kills_the_whole_process_group_including_a_sleeping_grandchild() {
    let dir = tempfile::tempdir().unwrap();
    let pidfile = dir.path().join("pids");
    // `$$` is the shell, whose pid is the group id; `$!` the grandchild.
    let script = format!("sleep 30 & echo $$ $! > '{}'; wait", pidfile.display());
    let report = run(&argv(&["sh", "-c", &script]), Duration::from_secs(1));
    assert!(report.detail.starts_with("timed out"), "{}", report.detail);

    let pids = std::fs::read_to_string(&pidfile).unwrap();
    let (group, grandchild) = pids.trim().split_once(' ').unwrap();
    let (group, grandchild): (i32, i32) = (group.parse().unwrap(), grandchild.parse().unwrap());
    // SIGKILL is delivered asynchronously; allow the kernel a moment.
    let deadline = Instant::now() + Duration::from_secs(2);
    while (is_running(grandchild) || !living_members(group).is_empty()) && Instant::now() < deadline
    {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(
        (is_running(grandchild), living_members(group)),
        (false, vec![]),
        "grandchild {grandchild} or members of group {group} still alive"
    );
}

/// `(state, pgrp)` from `/proc/PID/stat`; `None` once the process is gone.
#[cfg(target_os = "linux")]
fn proc_stat(pid: &str) -> Option<(char, i32)> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name is in parentheses and may contain spaces: read after the last ')'.
    let mut fields = stat.get(stat.rfind(')')? + 1..)?.split_whitespace();
    let state = fields.next()?.chars().next()?;
    let pgrp = fields.nth(1)?.parse().ok()?;
    Some((state, pgrp))
}

/// Alive means present and not a zombie (an unreaped zombie runs nothing).
#[cfg(target_os = "linux")]
fn is_running(pid: i32) -> bool {
    proc_stat(&pid.to_string()).is_some_and(|(state, _)| state != 'Z')
}

#[cfg(target_os = "linux")]
fn living_members(group: i32) -> Vec<String> {
    std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
        .filter(|pid| proc_stat(pid).is_some_and(|(state, pgrp)| pgrp == group && state != 'Z'))
        .collect()
}

#[test]
fn large_output_is_hashed_in_full_and_excerpted_within_the_bound() {
    let report = sh("yes abcdefghij | head -c 5000000");
    let expected: Vec<u8> = b"abcdefghij\n"
        .iter()
        .copied()
        .cycle()
        .take(5_000_000)
        .collect();
    assert_eq!(report.output_sha256, sha256(&expected));
    assert_eq!(report.output_bytes, 5_000_000);
    let marker = format!("… ({} more bytes)", 5_000_000 - EXCERPT_BYTES);
    assert_eq!(
        report.excerpt,
        format!(
            "{}{marker}",
            String::from_utf8_lossy(&expected[..EXCERPT_BYTES])
        )
    );
}

#[test]
fn both_streams_flooding_at_once_do_not_deadlock() {
    let report = sh("head -c 3000000 /dev/zero >&2; head -c 3000000 /dev/zero; exit 0");
    assert_eq!(
        (report.status, report.output_bytes),
        (RunStatus::Success, 6_000_000)
    );
}

#[test]
fn stderr_past_the_pending_limit_while_stdout_is_open_is_counted_but_noted_unhashed() {
    let report = sh("head -c 17000000 /dev/zero >&2; echo done");
    assert_eq!(report.output_bytes, 17_000_005);
    assert!(
        report.detail.ends_with("bytes of stderr not hashed"),
        "{}",
        report.detail
    );
}

#[test]
fn stderr_stays_in_the_excerpt_after_a_long_stdout() {
    let report = sh("yes x | head -c 100000; echo 'error: forbidden' >&2; exit 1");
    assert!(
        report.excerpt.ends_with("error: forbidden\n"),
        "{}",
        report.excerpt
    );
}

#[test]
fn a_background_process_holding_the_output_does_not_hold_the_run() {
    let started = Instant::now();
    let report = sh("sleep 2 & echo started");
    assert_eq!(report.status, RunStatus::Success);
    assert!(
        report.detail.contains("output still open"),
        "{}",
        report.detail
    );
    assert!(started.elapsed() < Duration::from_millis(1500));
}

#[test]
fn excerpt_cuts_before_a_split_character() {
    let mut head = Head::default();
    head.take(&[b'a'; EXCERPT_BYTES - 1]);
    head.take("é and more".as_bytes());
    let excerpt = output::excerpt(&head);
    assert_eq!(
        excerpt,
        format!("{}… (11 more bytes)", "a".repeat(EXCERPT_BYTES - 1))
    );
}

#[test]
fn excerpt_of_invalid_utf8_is_lossy() {
    let mut head = Head::default();
    head.take(b"ok \xff\xfe done");
    assert_eq!(output::excerpt(&head), "ok \u{fffd}\u{fffd} done");
}

#[test]
fn builtin_and_dry_run_succeed_without_running_anything() {
    let builtin = run(&Prepared::Builtin, Duration::from_secs(1));
    let dry = run(&Prepared::DryRun, Duration::from_secs(1));
    assert_eq!(
        [
            (builtin.status, builtin.detail.as_str()),
            (dry.status, dry.detail.as_str())
        ],
        [
            (RunStatus::Success, "recorded in the ledger"),
            (RunStatus::Success, "dry run: nothing ran")
        ]
    );
}

#[test]
fn prepared_command_substitutes_vars_and_displays_quoted() {
    let vars = Vars {
        agent: Some("data 7".into()),
        ..Vars::default()
    };
    let prepared = Prepared::from_invocation(
        &command(&["kubectl", "scale", "deploy/{agent}", "--replicas=0"]),
        &vars,
    );
    assert_eq!(
        prepared.display(),
        "kubectl scale 'deploy/data 7' --replicas=0"
    );
    assert_eq!(
        prepared.to_json(),
        serde_json::json!({"type": "command", "argv": ["kubectl", "scale", "deploy/data 7", "--replicas=0"]})
    );
}

#[test]
fn verify_failure_makes_the_run_a_failure() {
    let exec = executor(command(&["true"]), Some(command(&["sh", "-c", "exit 4"])));
    let (main, verify) = verified(&exec);
    assert_eq!(
        (main.status, main.exit_code, main.detail.as_str()),
        (
            RunStatus::Failure,
            Some(0),
            "ran, but verify failed: exit 4"
        )
    );
    assert_eq!(verify.map(|v| v.status), Some(RunStatus::Failure));
}

#[test]
fn verify_passing_keeps_success() {
    let exec = executor(command(&["true"]), Some(command(&["true"])));
    let (main, verify) = verified(&exec);
    assert_eq!(
        (main.status, verify.map(|v| v.status)),
        (RunStatus::Success, Some(RunStatus::Success))
    );
}

#[test]
fn verify_is_skipped_when_the_run_failed() {
    let exec = executor(command(&["false"]), Some(command(&["true"])));
    let (main, verify) = verified(&exec);
    assert_eq!((main.status, verify), (RunStatus::Failure, None));
}

fn verified(exec: &Executor) -> (RunReport, Option<RunReport>) {
    let vars = Vars::default();
    let prepared = Prepared::from_invocation(&exec.run, &vars);
    let timeout = Duration::from_secs(exec.run.timeout_s);
    run_with_verify(&prepared, timeout, exec.verify.as_ref(), &vars)
}
