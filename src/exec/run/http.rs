//! Sending a rendered request with ureq. `{env:NAME}` references are resolved here, just
//! before sending, and the resolved request is dropped when the call returns. Any HTTP
//! status is a response, never a transport error: success is a status in
//! `expect_status`, or any 2xx when that is empty. Redirects are not followed, so a 3xx
//! is reported as it came rather than silently re-sent elsewhere (a POST would turn
//! into a GET). The proxy environment variables (`HTTPS_PROXY`, `NO_PROXY`, …) apply.

use super::output::{self, Head};
use super::{elapsed_ms, human_duration, RunReport, RunStatus};
use crate::exec::RenderedRequest;
use sha2::{Digest, Sha256};
use std::io::{ErrorKind, Read};
use std::time::{Duration, Instant};

/// The most of a response body that is read (and hashed); the rest is left unread.
pub(super) const MAX_BODY_BYTES: u64 = 1024 * 1024;

/// Sends `req` with `{env:NAME}` filled from `env`, within `timeout` for the whole
/// exchange including the body.
pub(super) fn run_http(
    req: &RenderedRequest,
    timeout: Duration,
    env: impl Fn(&str) -> Option<String>,
) -> RunReport {
    let started = Instant::now();
    let resolved = match req.resolve_env(env) {
        Ok(resolved) => resolved,
        Err(missing) => {
            return RunReport::nothing(RunStatus::Error, started, format!("not sent: {missing}"))
        }
    };
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(timeout))
        .http_status_as_error(false)
        .max_redirects(0)
        .build()
        .into();
    let mut builder = ureq::http::Request::builder()
        .method(resolved.method.as_str())
        .uri(resolved.url.as_str());
    for (name, value) in &resolved.headers {
        builder = builder.header(name.as_str(), value.as_str());
    }
    let sent = match resolved.body {
        Some(body) => builder.body(body).map(|r| agent.run(r)),
        None => builder.body(()).map(|r| agent.run(r)),
    };
    let response = match sent {
        Ok(Ok(response)) => response,
        Ok(Err(e)) => return failed(e, &resolved.url, timeout, started),
        Err(e) => {
            return RunReport::nothing(RunStatus::Error, started, format!("bad request: {e}"))
        }
    };

    let status = response.status().as_u16();
    let (head, hash, body_note) = read_body(response.into_body());
    let (run_status, mut detail) = judge(status, &req.expect_status);
    if let Some(note) = body_note {
        detail.push_str("; ");
        detail.push_str(&note);
    }
    RunReport {
        status: run_status,
        exit_code: None,
        http_status: Some(status),
        duration_ms: elapsed_ms(started),
        output_sha256: hash,
        excerpt: output::excerpt(&head),
        output_bytes: head.total,
        detail,
    }
}

fn judge(status: u16, expect: &[u16]) -> (RunStatus, String) {
    let ok = if expect.is_empty() {
        (200..300).contains(&status)
    } else {
        expect.contains(&status)
    };
    match (ok, expect) {
        (true, _) => (RunStatus::Success, format!("HTTP {status}")),
        (false, []) => (
            RunStatus::Failure,
            format!("expected HTTP 2xx, got {status}"),
        ),
        (false, [one]) => (
            RunStatus::Failure,
            format!("expected HTTP {one}, got {status}"),
        ),
        (false, many) => {
            let list: Vec<String> = many.iter().map(u16::to_string).collect();
            (
                RunStatus::Failure,
                format!("expected HTTP {}, got {status}", list.join(" or ")),
            )
        }
    }
}

/// Reads up to `MAX_BODY_BYTES` of the body: its head, the hash of what was read, and a
/// note when the body was cut or could not be read to its end.
fn read_body(body: ureq::Body) -> (Head, String, Option<String>) {
    let mut reader = body.into_reader().take(MAX_BODY_BYTES + 1);
    let (mut head, mut hasher) = (Head::default(), Sha256::new());
    let mut buf = vec![0u8; 64 * 1024];
    let mut note = None;
    loop {
        match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                let room = usize::try_from(MAX_BODY_BYTES - head.total).unwrap_or(usize::MAX);
                let chunk = &buf[..n.min(room)];
                hasher.update(chunk);
                head.take(chunk);
                if n > room {
                    note = Some(format!("body past {MAX_BODY_BYTES} bytes not read"));
                    break;
                }
            }
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => {
                note = Some(format!("body cut after {} bytes: {e}", head.total));
                break;
            }
        }
    }
    (head, hex::encode(hasher.finalize()), note)
}

/// A request that got no response.
fn failed(e: ureq::Error, url: &str, timeout: Duration, started: Instant) -> RunReport {
    let (status, detail) = match &e {
        ureq::Error::Timeout(_) => (
            RunStatus::Timeout,
            format!(
                "timed out after {} (request abandoned)",
                human_duration(timeout)
            ),
        ),
        ureq::Error::Io(io) if io.kind() == ErrorKind::TimedOut => (
            RunStatus::Timeout,
            format!(
                "timed out after {} (request abandoned)",
                human_duration(timeout)
            ),
        ),
        ureq::Error::Io(io) if io.kind() == ErrorKind::ConnectionRefused => {
            (RunStatus::Error, format!("connection refused: {url}"))
        }
        ureq::Error::HostNotFound => (RunStatus::Error, format!("host not found: {url}")),
        other => (RunStatus::Error, format!("request failed: {other}")),
    };
    RunReport::nothing(status, started, detail)
}
