//! The gate on PostgreSQL is stateless: two `custody serve` processes on one database
//! serve the same queue, and a decision made through one wakes the agent waiting on the
//! other (the tail wakes on LISTEN/NOTIFY).
#![allow(clippy::unwrap_used)]

mod common;

use common::gate::{get, post, token_from, Serve};
use common::Sandbox;
use serde_json::json;
use std::time::{Duration, Instant};

#[test]
fn an_approval_through_one_serve_wakes_the_agent_waiting_on_the_other() {
    let s = Sandbox::postgres("gate_two");
    let dir = s.dir.path().join("config").join("custody");
    std::fs::create_dir_all(&dir).unwrap();
    // The test server's superuser is the operator on the command line (the session role).
    std::fs::write(dir.join("config.toml"), "[roles]\npostgres = \"admin\"\n").unwrap();
    let a = Serve::start(&s, &[]);
    let b = Serve::start(&s, &[]);
    let agent = token_from(&s.ok(&["agent", "token", "issue", "migrator"]));
    let ana = token_from(&s.ok(&["operator", "token", "issue", "ana", "--role", "approver"]));
    let raj = token_from(&s.ok(&["operator", "token", "issue", "raj", "--role", "approver"]));

    let proposal = json!({
        "tier": "T3",
        "action": {"type": "db.migrate", "resource": "db/orders", "environment": "production",
                   "params": {"migration": "0042"}},
    });
    let (status, asked) = post(&a.url("/v1/actions"), &agent, &proposal);
    assert_eq!(status, 202, "{asked}");
    let id = asked["id"].as_str().unwrap().to_string();
    // B serves the same queue.
    let (status, listed) = get(&b.url("/v1/approvals"), Some(&ana));
    assert_eq!(status, 200);
    assert!(listed.to_string().contains(&id), "{listed}");

    let waiter = {
        let url = b.url(&format!("/v1/actions/{id}?wait=30s"));
        let agent = agent.clone();
        std::thread::spawn(move || {
            let (status, answer) = get(&url, Some(&agent));
            (status, answer, Instant::now())
        })
    };
    std::thread::sleep(Duration::from_millis(300));
    let vote = json!({"justification": "reviewed the migration"});
    let (status, body) = post(&a.url(&format!("/v1/approvals/{id}/approve")), &ana, &vote);
    assert_eq!(status, 200, "{body}");
    let (status, body) = post(&a.url(&format!("/v1/approvals/{id}/approve")), &raj, &vote);
    let approved = Instant::now();
    assert_eq!(status, 200, "{body}");
    let (status, answer, answered) = waiter.join().unwrap();
    assert_eq!(
        (status, answer["decision"].as_str()),
        (200, Some("allow")),
        "{answer}"
    );
    assert!(answered.duration_since(approved) < Duration::from_secs(5));
    drop(a);
    drop(b);
    assert_eq!(s.verify(&[]).0, 0);
}
