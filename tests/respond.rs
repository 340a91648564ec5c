//! Incident response from the command line, on the demo store, with real executors: a
//! script the `command` executor runs and a local HTTP server the `http` executor calls.
//! Every action seals its intent before it runs and its result after; every refusal
//! exits 2 with one `custody: refused: …` line and seals nothing.
#![allow(clippy::unwrap_used)]

mod common;
#[path = "respond/fixture.rs"]
mod fixture;

#[path = "respond/refusals.rs"]
mod refusals;

use fixture::{agent, id, pause_args, rollback_args, show, undoable, Desk, JUSTIFY};
use refusals::refused;
use serde_json::Value;

#[test]
fn pause_runs_the_command_executor_and_seals_the_intent_before_the_result() {
    let desk = Desk::new(200);
    let out = desk.ok("raj", &pause_args("deploy-bot", &[]));
    assert_eq!(desk.paused_text(), "paused deploy-bot by raj\n");
    let sealed = desk.sealed_since_seed();
    let [intent, result] = sealed.as_slice() else {
        panic!("expected an intent and a result, got {sealed:#?}");
    };
    assert_eq!(
        (
            intent["kind"].as_str(),
            intent["outcome"]["status"].as_str()
        ),
        (Some("control.pause"), Some("pending"))
    );
    assert_eq!(result["outcome"]["status"], "success");
    assert_eq!(result["outcome"]["response"]["exit_code"], 0);
    assert_eq!(result["context"]["parent_event_id"], intent["event_id"]);
    for e in [intent, result] {
        assert_eq!(e["actor"]["id"], "raj");
        assert_eq!(e["reason_code"], "containment");
        assert_eq!(e["justification"], JUSTIFY);
    }
    assert_eq!(intent["action"]["params"]["run"]["argv"][1], "deploy-bot");
    let (seq_i, seq_r) = (
        intent["seq"].as_u64().unwrap(),
        result["seq"].as_u64().unwrap(),
    );
    assert!(
        out.contains(&format!("intent         seq {seq_i}"))
            && out.contains(&format!("result         seq {seq_r}: success")),
        "{out}"
    );
}

#[test]
fn rollback_of_one_action_sends_the_rendered_request_to_the_http_executor() {
    let desk = Desk::new(200);
    let target = desk.seeded_action(|e| undoable(e) && e["tier"] == "T2");
    let out = desk.ok(
        "raj",
        &rollback_args(agent(&target), &["--event", id(&target)]),
    );
    let requests = desk.server.requests();
    let [req] = requests.as_slice() else {
        panic!("expected one request, got {requests:#?}");
    };
    assert_eq!(req.line, format!("POST /rollback/{} HTTP/1.1", id(&target)));
    let body: Value = serde_json::from_str(&req.body).unwrap();
    assert_eq!(body["resource"], target["action"]["resource"]);
    assert_eq!(body["ref"], target["reversibility"]["rollback"]["ref"]);
    assert!(req
        .headers
        .contains(&("idempotency-key".into(), format!("custody-{}", id(&target)))));
    let result = desk.ledger().pop().unwrap();
    assert_eq!(result["outcome"]["response"]["http_status"], 200, "{out}");
    assert_eq!(
        desk.sb.verify(&[]).0,
        0,
        "the ledger verifies after the rollback"
    );

    // The same action again: refused, nothing sent or sealed.
    let args = rollback_args(agent(&target), &["--event", id(&target)]);
    refused(&desk, "raj", &args, &["already rolled back"]);
}

#[test]
fn a_rollback_the_target_rejects_exits_1_with_the_failure_sealed() {
    let desk = Desk::new(409);
    let target = desk.seeded_action(undoable);
    let out = desk.run(
        "raj",
        &rollback_args(
            agent(&target),
            &["--event", id(&target), "--confirm-agent", agent(&target)],
        ),
    );
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    let sealed = desk.sealed_since_seed();
    assert_eq!(sealed.len(), 2, "intent and result");
    assert_eq!(sealed[1]["outcome"]["status"], "failure");
    assert_eq!(sealed[1]["outcome"]["response"]["http_status"], 409);
}

#[test]
fn rollback_since_a_time_lists_what_cannot_be_undone_and_undoes_the_rest_newest_first() {
    let desk = Desk::new(200);
    let mut actions: Vec<&Value> = desk
        .seeded
        .iter()
        .filter(|e| e["kind"] == "ai.action" && e["agent"]["id"] == "autoscaler")
        .collect();
    actions.sort_by_key(|e| e["time"].as_str().unwrap().to_string());
    // The shortest tail of its history holding two undoable actions and one that is not.
    let from = (0..actions.len())
        .rev()
        .find(|&i| {
            let tail = &actions[i..];
            tail.iter().filter(|e| undoable(e)).count() >= 2 && tail.iter().any(|e| !undoable(e))
        })
        .unwrap();
    let since = actions[from]["time"].as_str().unwrap();
    let mut expected: Vec<&Value> = actions[from..]
        .iter()
        .copied()
        .filter(|e| undoable(e))
        .collect();
    expected.sort_by(|a, b| b["time"].as_str().cmp(&a["time"].as_str()));
    let out = desk.ok(
        "raj",
        &rollback_args(
            "autoscaler",
            &["--since", since, "--confirm-agent", "autoscaler"],
        ),
    );
    let cannot = actions[from..].iter().find(|e| !undoable(e)).unwrap();
    let listed = out
        .find(id(cannot))
        .expect("the action that cannot be undone is listed");
    assert!(
        listed < out.find("[1/").unwrap(),
        "listed before anything runs\n{out}"
    );
    let sent: Vec<String> = desk.server.requests().into_iter().map(|r| r.line).collect();
    let wanted: Vec<String> = expected
        .iter()
        .map(|e| format!("POST /rollback/{} HTTP/1.1", id(e)))
        .collect();
    assert_eq!(sent, wanted);
    let kinds: Vec<_> = desk
        .sealed_since_seed()
        .iter()
        .map(|e| e["outcome"]["status"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        kinds,
        ["pending", "success"].repeat(expected.len()),
        "one intent/result pair each"
    );
}

#[test]
fn the_cli_walks_an_incident_from_a_t3_event_to_closed_and_the_ledger_verifies() {
    let desk = Desk::new(200);
    // A T3 action by an agent that also has an action that can be rolled back.
    let t3 = desk.seeded_action(|t| {
        t["tier"] == "T3"
            && desk
                .seeded
                .iter()
                .any(|e| e["kind"] == "ai.action" && e["agent"] == t["agent"] && undoable(e))
    });
    let who = agent(&t3);
    let undo = desk.seeded_action(|e| e["agent"]["id"] == who && undoable(e));
    let inc = desk.open_incident(id(&t3), None);
    desk.ok("raj", &["incident", "playbook", &inc, "rogue-agent"]);
    desk.ok(
        "raj",
        &[
            "incident",
            "step",
            &inc,
            "triage",
            "--done",
            "loop confirmed",
        ],
    );
    desk.ok(
        "raj",
        &pause_args(
            who,
            &[
                "--incident",
                &inc,
                "--step",
                "pause-agent",
                "--confirm-agent",
                who,
            ],
        ),
    );
    desk.ok(
        "raj",
        &["incident", "step", &inc, "verify-paused", "--start"],
    );
    desk.ok(
        "ana",
        &[
            "incident",
            "step",
            &inc,
            "verify-paused",
            "--done",
            "no actions for 2 minutes",
        ],
    );
    desk.ok(
        "raj",
        &[
            "incident",
            "step",
            &inc,
            "assess-damage",
            "--done",
            "one change to undo",
        ],
    );
    desk.ok(
        "raj",
        &rollback_args(
            who,
            &[
                "--event",
                id(&undo),
                "--incident",
                &inc,
                "--step",
                "rollback",
                "--confirm-agent",
                who,
            ],
        ),
    );
    desk.ok(
        "ana",
        &[
            "incident",
            "step",
            &inc,
            "rollback",
            "--done",
            "reverted, checked",
        ],
    );
    refused(
        &desk,
        "raj",
        &["incident", "close", &inc, "--summary", "done"],
        &["raj is a responder", "an approver"],
    );
    // Steps are still pending: closing needs --force with a justification, sealed.
    refused(
        &desk,
        "ana",
        &[
            "incident",
            "close",
            &inc,
            "--summary",
            "paused and rolled back",
        ],
        &["steps not done or skipped", "`postmortem`", "--force"],
    );
    desk.ok(
        "ana",
        &[
            "incident",
            "close",
            &inc,
            "--summary",
            "paused and rolled back",
            "--force",
            "postmortem tracked in the ticket",
        ],
    );
    let closed = desk.sealed_since_seed();
    let close = closed.last().unwrap();
    assert_eq!(
        close["action"]["params"]["forced"]["justification"],
        "postmortem tracked in the ticket"
    );

    let kinds: Vec<String> = desk
        .sealed_since_seed()
        .iter()
        .map(|e| {
            let kind = e["kind"].as_str().unwrap();
            let step = e["action"]["params"]["step"]
                .as_str()
                .filter(|_| kind.starts_with("incident."))
                .map(|s| format!(" {s}"))
                .unwrap_or_default();
            let status = e["action"]["params"]["status"]
                .as_str()
                .or(e["outcome"]["status"].as_str())
                .unwrap_or("");
            format!(
                "{} {kind}{step} {status}",
                e["actor"]["id"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "raj incident.open ",
            "raj incident.step ",
            "raj incident.step triage done",
            "raj incident.step pause-agent started",
            "raj control.pause pending",
            "raj control.pause success",
            "raj incident.step pause-agent done",
            "raj incident.step verify-paused started",
            "ana incident.step verify-paused done",
            "raj incident.step assess-damage done",
            "raj incident.step rollback started",
            "raj control.rollback pending",
            "raj control.rollback success",
            "ana incident.step rollback done",
            "ana incident.close ",
        ]
    );
    assert!(desk
        .sealed_since_seed()
        .iter()
        .all(|e| e["justification"].as_str().is_some_and(|j| !j.is_empty())));
    assert_eq!(desk.paused_text(), format!("paused {who} by raj\n"));
    assert_eq!(desk.server.requests().len(), 1);

    let shown = desk.ok("vic", &["incident", "show", &inc]);
    assert!(shown.contains("state      closed"), "{shown}");
    assert!(
        shown.contains("timers     was open for") && shown.contains("time to contain"),
        "{shown}"
    );
    assert!(
        shown.contains("[x] verify-paused") && shown.contains("done by ana"),
        "{shown}"
    );
    let listed = desk.ok("vic", &["incident", "list"]);
    assert!(
        listed
            .lines()
            .any(|l| l.starts_with(&inc) && l.contains("closed")),
        "{listed}"
    );
    assert_eq!(
        desk.sb.verify(&[]).0,
        0,
        "the ledger is intact after the walk"
    );
}

#[test]
fn checking_off_a_checkpoint_step_signs_a_checkpoint() {
    let desk = Desk::new(200);
    let t2 = desk.seeded_action(|e| e["tier"] == "T2");
    let inc = desk.open_incident(id(&t2), Some("rogue-agent"));
    for step in [
        "triage",
        "pause-agent",
        "verify-paused",
        "assess-damage",
        "rollback",
        "verify-recovery",
    ] {
        desk.ok(
            "raj",
            &[
                "incident",
                "step",
                &inc,
                step,
                "--skip",
                "a drill of the checkpoint step",
            ],
        );
    }
    let out = desk.ok(
        "raj",
        &[
            "incident",
            "step",
            &inc,
            "checkpoint",
            "--done",
            "record fixed",
        ],
    );
    let head = desk.ledger().len();
    assert!(
        out.contains(&format!("signed checkpoint at tree size {head}")),
        "{out}"
    );
    let note = desk.sb.ok(&["checkpoint"]);
    assert_eq!(
        note.lines().nth(1),
        Some(head.to_string().as_str()),
        "{note}"
    );
}

#[test]
fn incident_list_flags_an_intent_left_without_a_result() {
    let desk = Desk::new(200);
    // An executor that hangs, so custody can be killed between the intent and the result.
    let config = desk.sb.path("config").join("custody").join("config.toml");
    std::fs::write(
        &config,
        "allow_operator_override = true\n[roles]\nraj = \"responder\"\nvic = \"viewer\"\n\n[[executors]]\naction = \"pause\"\nagents = \"*\"\ntype = \"command\"\nargv = [\"sleep\", \"30\"]\ntimeout_s = 60\n",
    )
    .unwrap();
    let mut pause = desk
        .sb
        .cmd()
        .args(["--operator", "raj"])
        .args(pause_args("deploy-bot", &[]))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let intent = loop {
        if let Some(e) = desk.sealed_since_seed().pop() {
            break e;
        }
        assert!(std::time::Instant::now() < deadline, "no intent sealed");
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    pause.kill().unwrap();
    pause.wait().unwrap();
    assert_eq!(intent["outcome"]["status"], "pending");
    let listed = desk.ok("vic", &["incident", "list"]);
    assert!(
        listed.contains("! 1 control intent(s) without a result"),
        "{listed}"
    );
    assert!(
        listed.contains(&format!("seq {}", desk.ledger().len())) && listed.contains(id(&intent)),
        "{listed}"
    );
}

#[test]
fn hostile_text_in_events_is_escaped_when_printed() {
    let desk = Desk::new(200);
    let t2 = desk.seeded_action(|e| e["tier"] == "T2");
    let title = "evil\u{1b}]0;pwned\u{7}\u{1b}[2J title";
    let opened = desk.ok(
        "raj",
        &[
            "incident",
            "open",
            "--event",
            id(&t2),
            "--title",
            title,
            "--justification",
            JUSTIFY,
        ],
    );
    let inc = opened.split_whitespace().nth(1).unwrap();
    for args in [&["incident", "list"][..], &["incident", "show", inc][..]] {
        let out = desk.ok("vic", args);
        assert!(!out.contains('\u{1b}') && !out.contains('\u{7}'), "{out:?}");
        assert!(out.contains("evil\\u{1b}]0;pwned\\u{7}"), "{out}");
    }
}

#[test]
fn pausing_an_agent_never_seen_is_refused_unless_forced() {
    let desk = Desk::new(200);
    let out = desk.run("raj", &pause_args("deploy-bto", &[]));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("agent `deploy-bto` has never been seen"),
        "{stderr}"
    );
    assert!(desk.sealed_since_seed().is_empty());
    desk.ok("raj", &pause_args("deploy-bto", &["--force"]));
    assert_eq!(desk.paused_text(), "paused deploy-bto by raj\n");
}
