//! The demo's agents act through the gate: a new user sees a pending approval within the
//! first minute, and once an agent is paused its actions stop and its proposals are
//! sealed as refused.
#![allow(clippy::unwrap_used)]

mod common;

use common::Sandbox;
use serde_json::Value;
use std::collections::HashMap;
use std::process::Stdio;
use std::time::{Duration, Instant};

fn records(s: &Sandbox) -> Vec<Value> {
    s.ok(&["export"])
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn the_demo_asks_humans_within_a_minute_and_a_pause_stops_the_agent() {
    let s = Sandbox::sqlite();
    let mut demo = s
        .cmd()
        .args(["demo", "--events", "1000"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let mut pending = 0;
    while started.elapsed() < Duration::from_secs(60) {
        std::thread::sleep(Duration::from_millis(500));
        if let Ok(out) = s.cmd().args(["approvals", "list", "--json"]).output() {
            pending = String::from_utf8_lossy(&out.stdout).lines().count();
            if pending > 0 {
                break;
            }
        }
    }
    assert!(pending > 0, "no pending approval within a minute");

    // The agent that acted most through the gate so far.
    let mut acted: HashMap<String, usize> = HashMap::new();
    for r in records(&s).iter().filter(|r| r["kind"] == "ai.proposal") {
        *acted
            .entry(r["agent"]["id"].as_str().unwrap().to_string())
            .or_default() += 1;
    }
    let agent = acted.into_iter().max_by_key(|(_, n)| *n).unwrap().0;
    s.ok(&[
        "pause",
        &agent,
        "--reason",
        "containment",
        "--justification",
        "demo drill",
        "--yes",
    ]);
    // The gate's tail applies the pause within its poll; give it a second.
    std::thread::sleep(Duration::from_secs(1));
    let head = records(&s).last().unwrap()["seq"].as_u64().unwrap();
    let deadline = Instant::now() + Duration::from_secs(45);
    let refused = loop {
        let after: Vec<Value> = records(&s)
            .into_iter()
            .filter(|r| r["seq"].as_u64().unwrap() > head && r["agent"]["id"] == agent.as_str())
            .collect();
        let refused = after
            .iter()
            .filter(|r| {
                r["kind"] == "approval.decision" && r["outcome"]["response"]["verdict"] == "refused"
            })
            .count();
        let actions = after.iter().filter(|r| r["kind"] == "ai.action").count();
        assert_eq!(actions, 0, "{agent} acted after its pause: {after:#?}");
        if refused > 0 || Instant::now() > deadline {
            break refused;
        }
        std::thread::sleep(Duration::from_millis(500));
    };
    let _ = demo.kill();
    let _ = demo.wait();
    assert!(
        refused > 0,
        "{agent} proposed nothing after its pause within 45 s"
    );
    assert_eq!(s.verify(&[]).0, 0);
}
