//! Notifications delivered for real: an HTTP server on 127.0.0.1 started by each test
//! answers with a scripted series of statuses and records what arrived, and every
//! attempt and failure is read back from a real SQLite ledger.

#![allow(clippy::unwrap_used)]

use custody::event::Tier;
use custody::ledger::note::NoteSigner;
use custody::query::{Filter, Page};
use custody::store::{SealContext, Store};
use custody::webhook::{Format, Notice, Retry, Target, Trigger, Webhooks};
use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A server that answers request n with `script[n]` (the last status repeats after the
/// script ends, after `delay`) and keeps each request's path and body.
struct Server {
    url: String,
    received: Arc<Mutex<Vec<(String, String)>>>,
}

fn serve(script: &[u16], delay: Duration) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!(
        "http://{}/hook/s3cret-token",
        listener.local_addr().unwrap()
    );
    let received = Arc::new(Mutex::new(Vec::new()));
    let (script, log) = (script.to_vec(), received.clone());
    std::thread::spawn(move || {
        for (n, stream) in listener.incoming().enumerate() {
            let Ok(stream) = stream else { return };
            let request = read_request(&stream);
            log.lock().unwrap().push(request);
            std::thread::sleep(delay);
            let status = script[n.min(script.len() - 1)];
            let reply = format!(
                "HTTP/1.1 {status} Scripted\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            );
            let _ = (&stream).write_all(reply.as_bytes());
        }
    });
    Server { url, received }
}

fn read_request(stream: &TcpStream) -> (String, String) {
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line).unwrap();
    let path = line
        .split_whitespace()
        .nth(1)
        .unwrap_or_default()
        .to_string();
    let mut length = 0;
    loop {
        let mut header = String::new();
        reader.read_line(&mut header).unwrap();
        if header.trim_end().is_empty() {
            break;
        }
        if let Some((k, v)) = header.split_once(':') {
            if k.eq_ignore_ascii_case("content-length") {
                length = v.trim().parse().unwrap();
            }
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).unwrap();
    (path, String::from_utf8(body).unwrap())
}

async fn ledger(dir: &tempfile::TempDir) -> (Store, SealContext) {
    let store = Store::open(&dir.path().join("ledger.db").display().to_string(), None)
        .await
        .unwrap();
    let ctx = SealContext::new(NoteSigner::generate("test").unwrap(), None);
    (store, ctx)
}

/// The sealed records of `kind`, oldest first.
async fn sealed(store: &Store, kind: &str) -> Vec<Value> {
    let filter = Filter {
        kinds: vec![kind.into()],
        ..Filter::default()
    };
    let rows = store
        .rows(&filter, Page::oldest_first(0, 1000))
        .await
        .unwrap();
    rows.iter()
        .map(|r| serde_json::from_str(&r.record).unwrap())
        .collect()
}

fn target(name: &str, url: &str, format: Format) -> Target {
    Target {
        name: name.into(),
        url: url.into(),
        format,
        on: vec![Trigger::ApprovalRequest, Trigger::Pause],
    }
}

fn notice(n: u32) -> Notice {
    Notice {
        trigger: Trigger::ApprovalRequest,
        title: format!("Approval needed #{n}"),
        summary: "drop table <orders>".into(),
        agent: Some("dba-agent".into()),
        tier: Some(Tier::T3),
        request_id: Some(format!("req-{n}")),
        event_id: format!("evt-{n}"),
        decide: Some(format!("custody approve req-{n} --justification '…'")),
        expires_at: None,
    }
}

fn fast(attempts: u32) -> Retry {
    Retry {
        attempts,
        first_backoff: Duration::from_millis(20),
        timeout: Duration::from_secs(2),
    }
}

#[tokio::test]
async fn two_server_errors_then_success_seal_three_attempts_and_post_slack_blocks() {
    let dir = tempfile::tempdir().unwrap();
    let (store, ctx) = ledger(&dir).await;
    let server = serve(&[500, 500, 200], Duration::ZERO);
    let hooks = Webhooks::start(
        vec![target("oncall", &server.url, Format::Slack)],
        store.clone(),
        ctx,
        fast(5),
    );
    hooks.notify(notice(1));
    hooks.shutdown(Duration::from_secs(3)).await;

    let attempts = sealed(&store, "webhook.attempt").await;
    let statuses: Vec<_> = attempts
        .iter()
        .map(|a| a["outcome"]["response"]["http_status"].as_u64().unwrap())
        .collect();
    assert_eq!(statuses, [500, 500, 200]);
    let numbers: Vec<_> = attempts
        .iter()
        .map(|a| a["action"]["params"]["attempt"].as_u64().unwrap())
        .collect();
    assert_eq!(numbers, [1, 2, 3]);
    let last = &attempts[2];
    assert_eq!(last["outcome"]["status"], "success");
    assert_eq!(last["sealed_by"], "custody");
    assert_eq!(last["context"]["parent_event_id"], "evt-1");
    assert_eq!(last["context"]["correlation_id"], "req-1");
    assert_eq!(last["action"]["params"]["target"], "oncall");
    assert!(sealed(&store, "webhook.failed").await.is_empty());

    let received = server.received.lock().unwrap();
    assert_eq!(received.len(), 3);
    let body: Value = serde_json::from_str(&received[2].1).unwrap();
    assert!(body["blocks"].is_array() && body["text"].as_str().unwrap().contains("req-1"));
    assert!(received[2].1.contains("drop table &lt;orders&gt;"));
}

#[tokio::test]
async fn no_sealed_event_holds_the_secret_part_of_the_url() {
    let dir = tempfile::tempdir().unwrap();
    let (store, ctx) = ledger(&dir).await;
    let server = serve(&[404], Duration::ZERO);
    let hooks = Webhooks::start(
        vec![target("t", &server.url, Format::Json)],
        store.clone(),
        ctx,
        fast(3),
    );
    hooks.notify(notice(1));
    hooks.shutdown(Duration::from_secs(3)).await;
    let mut all = sealed(&store, "webhook.attempt").await;
    all.extend(sealed(&store, "webhook.failed").await);
    assert_eq!(all.len(), 2, "a 404 is final: one attempt, one failure");
    let text = serde_json::to_string(&all).unwrap();
    assert!(
        !text.contains("s3cret-token") && !text.contains("/hook/"),
        "{text}"
    );
    let host = server.url.split('/').nth(2).unwrap();
    assert_eq!(all[0]["action"]["params"]["host"], host);
}

#[tokio::test]
async fn a_target_that_always_fails_ends_in_one_sealed_failure_after_every_attempt() {
    let dir = tempfile::tempdir().unwrap();
    let (store, ctx) = ledger(&dir).await;
    let server = serve(&[503], Duration::ZERO);
    let hooks = Webhooks::start(
        vec![target("down", &server.url, Format::Teams)],
        store.clone(),
        ctx,
        fast(4),
    );
    hooks.notify(notice(7));
    hooks.shutdown(Duration::from_secs(3)).await;

    assert_eq!(sealed(&store, "webhook.attempt").await.len(), 4);
    let failed = sealed(&store, "webhook.failed").await;
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0]["action"]["params"]["attempts_made"], 4);
    assert_eq!(failed[0]["context"]["parent_event_id"], "evt-7");
    assert!(failed[0]["outcome"]["detail"]
        .as_str()
        .unwrap()
        .contains("after 4 attempts"));
    let received = server.received.lock().unwrap();
    let body: Value = serde_json::from_str(&received[0].1).unwrap();
    assert_eq!(
        body["attachments"][0]["contentType"],
        "application/vnd.microsoft.card.adaptive"
    );
}

#[tokio::test]
async fn a_429_with_retry_after_waits_that_long_before_the_next_attempt() {
    let dir = tempfile::tempdir().unwrap();
    let (store, ctx) = ledger(&dir).await;
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/h", listener.local_addr().unwrap());
    let arrivals = Arc::new(Mutex::new(Vec::new()));
    let log = arrivals.clone();
    std::thread::spawn(move || {
        for (n, stream) in listener.incoming().enumerate() {
            let Ok(stream) = stream else { return };
            read_request(&stream);
            log.lock().unwrap().push(Instant::now());
            let reply = if n == 0 {
                "HTTP/1.1 429 Slow down\r\nRetry-After: 1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            } else {
                "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            };
            let _ = (&stream).write_all(reply.as_bytes());
        }
    });
    let hooks = Webhooks::start(
        vec![target("t", &url, Format::Json)],
        store.clone(),
        ctx,
        fast(3),
    );
    hooks.notify(notice(1));
    hooks.shutdown(Duration::from_secs(4)).await;
    let at = arrivals.lock().unwrap().clone();
    assert_eq!(at.len(), 2);
    assert!(
        at[1] - at[0] >= Duration::from_millis(950),
        "{:?}",
        at[1] - at[0]
    );
    let attempts = sealed(&store, "webhook.attempt").await;
    assert_eq!(attempts[0]["outcome"]["response"]["retry_after_s"], 1);
}

#[tokio::test]
async fn shutdown_seals_what_it_could_not_deliver_in_its_grace_as_failed() {
    let dir = tempfile::tempdir().unwrap();
    let (store, ctx) = ledger(&dir).await;
    // Each answer takes 400 ms, so few of twenty notices get through in a 300 ms grace.
    let server = serve(&[200], Duration::from_millis(400));
    let hooks = Webhooks::start(
        vec![target("slow", &server.url, Format::Json)],
        store.clone(),
        ctx,
        fast(2),
    );
    for n in 0..20 {
        hooks.notify(notice(n));
    }
    let started = Instant::now();
    hooks.shutdown(Duration::from_millis(300)).await;
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );

    let attempts = sealed(&store, "webhook.attempt").await;
    let failed = sealed(&store, "webhook.failed").await;
    let delivered = attempts
        .iter()
        .filter(|a| a["outcome"]["status"] == "success")
        .count();
    assert_eq!(
        delivered + failed.len(),
        20,
        "every notice is delivered or sealed as failed"
    );
    assert!(failed.len() >= 10, "{} failed", failed.len());
    assert!(failed.iter().all(|f| f["outcome"]["detail"]
        .as_str()
        .unwrap()
        .contains("shut down")));
}

#[tokio::test]
async fn a_notice_after_shutdown_began_is_sealed_as_failed_not_dropped() {
    let dir = tempfile::tempdir().unwrap();
    let (store, ctx) = ledger(&dir).await;
    let server = serve(&[200], Duration::ZERO);
    let hooks = Webhooks::start(
        vec![target("t", &server.url, Format::Json)],
        store.clone(),
        ctx,
        fast(2),
    );
    let other = hooks.clone();
    hooks.shutdown(Duration::from_millis(100)).await;
    other.notify(notice(9));
    let until = Instant::now() + Duration::from_secs(3);
    let mut failed = sealed(&store, "webhook.failed").await;
    while failed.is_empty() && Instant::now() < until {
        tokio::time::sleep(Duration::from_millis(20)).await;
        failed = sealed(&store, "webhook.failed").await;
    }
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0]["action"]["params"]["attempts_made"], 0);
    assert!(server.received.lock().unwrap().is_empty());
}
