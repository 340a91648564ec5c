//! Requests sent for real to a one-shot HTTP server on 127.0.0.1 that records what
//! arrived and answers with a chosen status and body.

#![allow(clippy::unwrap_used)]

use super::http::run_http;
use super::*;
use crate::exec::{Body, HttpRequest};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::thread::{self, JoinHandle};

/// What the server received.
#[derive(Debug)]
struct Received {
    method: String,
    path: String,
    headers: Vec<(String, String)>,
    body: String,
}

impl Received {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Serves one request, answering `status` with `body`; the handle yields the request.
fn serve_once(status: u16, body: &'static str) -> (String, JoinHandle<Received>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let server = thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        let received = read_request(&stream);
        let length = if status == 204 {
            String::new()
        } else {
            format!("Content-Length: {}\r\n", body.len())
        };
        let reply =
            format!("HTTP/1.1 {status} Whatever\r\n{length}Connection: close\r\n\r\n{body}");
        (&stream).write_all(reply.as_bytes()).unwrap();
        received
    });
    (base, server)
}

fn read_request(stream: &TcpStream) -> Received {
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line).unwrap();
    let mut parts = line.split_whitespace();
    let (method, path) = (
        parts.next().unwrap().to_string(),
        parts.next().unwrap().to_string(),
    );
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        let (k, v) = line.split_once(':').unwrap();
        headers.push((k.trim().to_string(), v.trim().to_string()));
    }
    let length = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .map_or(0, |(_, v)| v.parse().unwrap());
    let mut body = vec![0; length];
    reader.read_exact(&mut body).unwrap();
    Received {
        method,
        path,
        headers,
        body: String::from_utf8(body).unwrap(),
    }
}

fn request(url: String, expect_status: Vec<u16>) -> HttpRequest {
    HttpRequest {
        method: "POST".into(),
        url,
        headers: vec![(
            "Authorization".into(),
            "Bearer {env:CUSTODY_TEST_TOKEN}".into(),
        )],
        body: Some(Body::Json(serde_json::json!({
            "agent": "{agent}",
            "reason": "{reason}",
        }))),
        expect_status,
        idempotency_key: Some("custody-{action_id}".into()),
    }
}

fn vars() -> Vars {
    Vars {
        agent: Some("data-7".into()),
        action_id: Some("01J9ZQ".into()),
        reason: Some("said \"stop\"".into()),
        ..Vars::default()
    }
}

fn prepared(url: String, expect_status: Vec<u16>) -> RenderedRequest {
    render_http(&request(url, expect_status), &vars())
}

fn token(name: &str) -> Option<String> {
    (name == "CUSTODY_TEST_TOKEN").then(|| "s3cret".to_string())
}

fn send(req: &RenderedRequest, timeout: Duration) -> RunReport {
    run_http(req, timeout, token)
}

#[test]
fn expected_status_is_success_and_the_request_arrives_as_rendered() {
    let (base, server) = serve_once(204, "");
    let report = send(
        &prepared(format!("{base}/agents/{{agent}}/pause"), vec![204]),
        Duration::from_secs(5),
    );
    let got = server.join().unwrap();
    assert_eq!(
        (report.status, report.http_status, report.detail.as_str()),
        (RunStatus::Success, Some(204), "HTTP 204")
    );
    assert_eq!(
        (got.method.as_str(), got.path.as_str()),
        ("POST", "/agents/data-7/pause")
    );
    assert_eq!(got.header("Idempotency-Key"), Some("custody-01J9ZQ"));
    assert_eq!(got.header("Content-Type"), Some("application/json"));
    assert_eq!(got.header("Authorization"), Some("Bearer s3cret"));
    let body: serde_json::Value = serde_json::from_str(&got.body).unwrap();
    assert_eq!(
        body,
        serde_json::json!({"agent": "data-7", "reason": "said \"stop\""})
    );
}

#[test]
fn the_intent_keeps_the_env_reference_not_the_secret() {
    let prepared = Prepared::Http(prepared("http://127.0.0.1:9/x".into(), vec![]));
    let json = prepared.to_json().to_string();
    assert!(json.contains("Bearer {env:CUSTODY_TEST_TOKEN}"), "{json}");
    assert!(!prepared.display().contains("s3cret"));
}

#[test]
fn server_error_is_failure_with_its_status_and_body() {
    let (base, server) = serve_once(500, "database on fire");
    let report = send(
        &prepared(format!("{base}/x"), vec![]),
        Duration::from_secs(5),
    );
    server.join().unwrap();
    assert_eq!(
        (report.status, report.http_status, report.detail.as_str()),
        (RunStatus::Failure, Some(500), "expected HTTP 2xx, got 500")
    );
    assert_eq!(report.excerpt, "database on fire");
    assert_eq!(
        report.output_sha256,
        super::output::sha256_hex(b"database on fire")
    );
}

#[test]
fn a_2xx_other_than_the_expected_status_is_failure() {
    let (base, server) = serve_once(200, "ok");
    let report = send(
        &prepared(format!("{base}/x"), vec![202, 204]),
        Duration::from_secs(5),
    );
    server.join().unwrap();
    assert_eq!(
        (report.status, report.detail.as_str()),
        (RunStatus::Failure, "expected HTTP 202 or 204, got 200")
    );
}

#[test]
fn a_redirect_is_reported_not_followed() {
    let (base, server) = serve_once(302, "");
    let report = send(
        &prepared(format!("{base}/x"), vec![]),
        Duration::from_secs(5),
    );
    server.join().unwrap();
    assert_eq!(
        (report.status, report.http_status),
        (RunStatus::Failure, Some(302))
    );
}

#[test]
fn connection_refused_is_an_error() {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let report = send(
        &prepared(format!("http://127.0.0.1:{port}/x"), vec![]),
        Duration::from_secs(5),
    );
    assert_eq!(
        (report.status, report.http_status),
        (RunStatus::Error, None)
    );
    assert!(
        report.detail.starts_with("connection refused"),
        "{}",
        report.detail
    );
}

#[test]
fn a_server_that_never_answers_times_out_within_the_timeout() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let silent = thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(3)))
            .unwrap();
        // Read until the client gives up and closes; never answer.
        let _ = stream.read_to_end(&mut Vec::new());
    });
    let started = Instant::now();
    let report = send(
        &prepared(format!("{base}/x"), vec![]),
        Duration::from_millis(300),
    );
    assert_eq!(report.status, RunStatus::Timeout);
    assert_eq!(report.detail, "timed out after 300 ms (request abandoned)");
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    silent.join().unwrap();
}

#[test]
fn a_missing_env_variable_is_an_error_and_nothing_is_sent() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let mut req = request(
        format!("http://{}/x", listener.local_addr().unwrap()),
        vec![],
    );
    req.headers = vec![(
        "X-Key".into(),
        "{env:CUSTODY_TEST_SURELY_UNSET_7F3A}".into(),
    )];
    let report = run(
        &Prepared::Http(render_http(&req, &vars())),
        Duration::from_secs(5),
    );
    assert_eq!(report.status, RunStatus::Error);
    assert!(
        report.detail.contains("CUSTODY_TEST_SURELY_UNSET_7F3A"),
        "{}",
        report.detail
    );
    assert!(listener.accept().is_err(), "a connection was made");
}

#[test]
fn a_large_body_is_read_only_up_to_the_cap() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let big = thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        read_request(&stream);
        let size = 2 * super::http::MAX_BODY_BYTES;
        let head = format!("HTTP/1.1 200 OK\r\nContent-Length: {size}\r\n\r\n");
        let mut stream = &stream;
        let _ = stream.write_all(head.as_bytes());
        // The client stops reading at the cap and closes: a write error then is expected.
        let _ = stream.write_all(&vec![b'z'; usize::try_from(size).unwrap()]);
    });
    let report = send(
        &prepared(format!("{base}/x"), vec![]),
        Duration::from_secs(5),
    );
    big.join().unwrap();
    let cap = super::http::MAX_BODY_BYTES;
    assert_eq!(
        (report.status, report.output_bytes),
        (RunStatus::Success, cap)
    );
    let expected = vec![b'z'; usize::try_from(cap).unwrap()];
    assert_eq!(report.output_sha256, super::output::sha256_hex(&expected));
    assert!(report.detail.ends_with("not read"), "{}", report.detail);
}
