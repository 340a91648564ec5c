//! The queue's bound: what does not fit is sealed as failed, never dropped.

#![allow(clippy::unwrap_used)]

use super::*;
use crate::ledger::note::NoteSigner;
use crate::query::{Filter, Page};
use crate::webhook::{Format, Trigger};

fn notice(n: u32) -> Notice {
    Notice {
        trigger: Trigger::Pause,
        title: format!("paused #{n}"),
        summary: "paused by ana".into(),
        agent: Some("deploy-bot".into()),
        tier: None,
        request_id: None,
        event_id: format!("evt-{n}"),
        decide: None,
        expires_at: None,
    }
}

#[tokio::test]
async fn notices_that_do_not_fit_the_queue_are_sealed_as_failed_and_the_caller_never_waits() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.db").display().to_string();
    let store = Store::open(&path, None).await.unwrap();
    let ctx = SealContext::new(NoteSigner::generate("test").unwrap(), None);
    // A listener that never answers: whatever is sent waits out its timeout.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let target = Target {
        name: "silent".into(),
        url: format!("http://{}/h", silent.local_addr().unwrap()),
        format: Format::Json,
        on: vec![Trigger::Pause],
    };
    let retry = Retry {
        attempts: 1,
        first_backoff: Duration::from_millis(10),
        timeout: Duration::from_millis(300),
    };
    let hooks = Webhooks::start_with_queue(vec![target], store.clone(), ctx, retry, 2);
    let started = std::time::Instant::now();
    for n in 0..20 {
        hooks.notify(notice(n));
    }
    assert!(started.elapsed() < Duration::from_millis(50));
    hooks.shutdown(Duration::ZERO).await;

    let filter = Filter {
        kinds: vec!["webhook.failed".into()],
        ..Filter::default()
    };
    let rows = store
        .rows(&filter, Page::oldest_first(0, 100))
        .await
        .unwrap();
    let details: Vec<String> = rows
        .iter()
        .map(|r| {
            let v: serde_json::Value = serde_json::from_str(&r.record).unwrap();
            v["outcome"]["detail"].as_str().unwrap().to_string()
        })
        .collect();
    assert_eq!(details.len(), 20, "{details:#?}");
    let full = details
        .iter()
        .filter(|d| d.contains("queue was full"))
        .count();
    assert_eq!(full, 18, "{details:#?}");
}
