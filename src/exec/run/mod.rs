//! Running one configured executor invocation: a command (argv, never a shell), an HTTP
//! request, or the two that run nothing (`builtin`, `dry-run`). `Prepared` is the exact
//! thing that will run, shown in the confirm dialog and sealed in the intent event; `run`
//! performs it, blocking, within its timeout, and returns a `RunReport` for the result
//! event: status, exit or HTTP status, duration, output hash and a bounded excerpt.
//!
//! This module never writes to the ledger and never decides whether to run: the caller
//! seals the intent first (README, Incident response). Secrets (`{env:NAME}`) are resolved only inside
//! the HTTP runner, just before sending, so they never reach a `Prepared` or a report.

mod command;
mod http;
mod output;

pub use output::EXCERPT_BYTES;

use super::config::{
    display_argv, render_argv, render_http, Invocation, RenderedRequest, Run, Vars,
};
use serde_json::json;
use std::time::{Duration, Instant};

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RunStatus {
    /// It ran and reported success: exit 0, an expected HTTP status, or nothing to run.
    Success,
    /// It ran but reported failure: a non-zero exit or a signal, an unexpected HTTP
    /// status, or its verify check failed.
    Failure,
    /// It could not run: the program was not found, the connection was refused, a host
    /// did not resolve, an `{env:NAME}` variable is not set.
    Error,
    /// It did not finish within its timeout; a command was killed, a request abandoned.
    /// The action may or may not have taken effect.
    Timeout,
}

impl RunStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Success => "success",
            RunStatus::Failure => "failure",
            RunStatus::Error => "error",
            RunStatus::Timeout => "timeout",
        }
    }
}

impl std::fmt::Display for RunStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What one run produced: everything the result event records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunReport {
    pub status: RunStatus,
    /// The command's exit code; `None` for HTTP, a signal, a timeout or a failed start.
    pub exit_code: Option<i32>,
    /// The response status; `None` for commands or when no response came.
    pub http_status: Option<u16>,
    pub duration_ms: u64,
    /// Hex SHA-256 of the output. A command's output is all of stdout followed by all of
    /// stderr (no separator), whatever order they were written in; a request's output is
    /// the response body as received (up to `http::MAX_BODY_BYTES`).
    pub output_sha256: String,
    /// At most `EXCERPT_BYTES` of the output as lossy UTF-8, each cut marked
    /// `… (N more bytes)`. For a command both streams get a share, so an error on stderr
    /// stays visible after a long stdout.
    pub excerpt: String,
    /// Length of the output the hash covers.
    pub output_bytes: u64,
    /// One line for a human: `exit 0`, `HTTP 204`, `timed out after 30 s (killed)`.
    pub detail: String,
}

impl RunReport {
    /// A run that ran nothing and produced no output.
    fn nothing(status: RunStatus, started: Instant, detail: impl Into<String>) -> RunReport {
        RunReport {
            status,
            exit_code: None,
            http_status: None,
            duration_ms: elapsed_ms(started),
            output_sha256: output::sha256_hex(b""),
            excerpt: String::new(),
            output_bytes: 0,
            detail: detail.into(),
        }
    }
}

/// The exact thing that will run, for the confirm dialog and the intent event. Any
/// `{env:NAME}` reference is still unresolved, so showing or recording it leaks nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Prepared {
    /// Custody records the control state; the gateway enforces it.
    Builtin,
    /// Nothing runs (exercises).
    DryRun,
    /// A program and its arguments, placeholders substituted.
    Command { argv: Vec<String> },
    /// A request, placeholders substituted, secrets not yet resolved.
    Http(RenderedRequest),
}

impl Prepared {
    /// Substitutes `vars` into the invocation.
    pub fn from_invocation(inv: &Invocation, vars: &Vars) -> Prepared {
        match &inv.run {
            Run::Builtin => Prepared::Builtin,
            Run::DryRun => Prepared::DryRun,
            Run::Command { argv } => Prepared::Command {
                argv: render_argv(argv, vars),
            },
            Run::Http(req) => Prepared::Http(render_http(req, vars)),
        }
    }

    /// What the confirm dialog shows: the argv as a shell would quote it (it is never run
    /// through one), or the request line, headers and body.
    pub fn display(&self) -> String {
        match self {
            Prepared::Builtin => "builtin: record control state in the ledger".into(),
            Prepared::DryRun => "dry-run: nothing runs".into(),
            Prepared::Command { argv } => display_argv(argv),
            Prepared::Http(req) => req.to_string(),
        }
    }

    /// What the intent event records. Header values and body keep `{env:NAME}` as
    /// written, so secrets never reach the ledger.
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Prepared::Builtin => json!({ "type": "builtin" }),
            Prepared::DryRun => json!({ "type": "dry-run" }),
            Prepared::Command { argv } => json!({ "type": "command", "argv": argv }),
            Prepared::Http(req) => json!({
                "type": "http",
                "method": req.method,
                "url": req.url,
                "headers": req.headers.iter().map(|(k, v)| [k, v]).collect::<Vec<_>>(),
                "body": req.body,
                "expect_status": req.expect_status,
            }),
        }
    }
}

/// Runs a prepared invocation, blocking the calling thread until it ends or `timeout`
/// passes (a command may take up to `command::OUTPUT_GRACE` longer while its output
/// pipes drain). Builtin and dry-run succeed at once.
pub fn run(prepared: &Prepared, timeout: Duration) -> RunReport {
    let started = Instant::now();
    match prepared {
        Prepared::Builtin => {
            RunReport::nothing(RunStatus::Success, started, "recorded in the ledger")
        }
        Prepared::DryRun => RunReport::nothing(RunStatus::Success, started, "dry run: nothing ran"),
        Prepared::Command { argv } => command::run_command(argv, timeout),
        Prepared::Http(req) => http::run_http(req, timeout, |name| std::env::var(name).ok()),
    }
}

/// Runs `prepared` (the command or request recorded in the intent) within `timeout`, then
/// the `verify` check if there is one and the run succeeded. A failed verify (whatever
/// its own status) makes the overall status `Failure`, with a detail `ran, but verify
/// failed: …`; the verify's own report is returned beside the main one.
pub fn run_with_verify(
    prepared: &Prepared,
    timeout: Duration,
    verify: Option<&Invocation>,
    vars: &Vars,
) -> (RunReport, Option<RunReport>) {
    let mut main = run(prepared, timeout);
    let Some(verify) = verify.filter(|_| main.status == RunStatus::Success) else {
        return (main, None);
    };
    let check = run_invocation(verify, vars);
    if check.status != RunStatus::Success {
        main.status = RunStatus::Failure;
        main.detail = format!("ran, but verify failed: {}", check.detail);
    }
    (main, Some(check))
}

fn run_invocation(inv: &Invocation, vars: &Vars) -> RunReport {
    run(
        &Prepared::from_invocation(inv, vars),
        Duration::from_secs(inv.timeout_s),
    )
}

fn elapsed_ms(started: Instant) -> u64 {
    u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX)
}

/// `30 s`, or `200 ms` when not a whole number of seconds.
fn human_duration(d: Duration) -> String {
    if d.subsec_millis() == 0 && d.as_secs() > 0 {
        format!("{} s", d.as_secs())
    } else {
        format!("{} ms", d.as_millis())
    }
}

#[cfg(test)]
mod http_tests;
#[cfg(test)]
mod tests;
