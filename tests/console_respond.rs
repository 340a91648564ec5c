//! Incident response end to end (README, Incident response) in a real terminal (tmux),
//! on the demo store: open an incident from a T3 event, pick the rogue-agent playbook,
//! check off a manual step, pause the agent through a `command` executor that writes a
//! file, roll back one reversible action through an `http` executor against a local
//! server, close the incident. Then the ledger must hold every step in order —
//! operator, reason and justification on each, every intent before its result — and
//! `custody verify` must report it intact.
#![allow(clippy::unwrap_used)]

mod common;
#[allow(dead_code)]
#[path = "respond/fixture.rs"]
mod fixture;

use common::tmux::Tmux;
use fixture::Desk;
use serde_json::Value;

/// Two events of one misbehaving agent, a minute old: the T3 trigger (irreversible) and a
/// reversible T2 change to roll back.
fn rogue_events() -> String {
    let now = chrono::Utc::now();
    let at = |mins: i64| {
        (now - chrono::TimeDelta::minutes(mins))
            .format("%Y-%m-%dT%H:%M:%S%.3fZ")
            .to_string()
    };
    let trigger = serde_json::json!({
        "event_id": "rogue-trigger-1", "time": at(2), "kind": "ai.action", "tier": "T3",
        "reason_code": "data_export", "agent": {"id": "rogue-bot", "version": "1.0"},
        "action": {"type": "s3.export", "resource": "s3://partner-feed/customers.csv", "environment": "prod"},
        "reversibility": {"class": "none"},
        "context": {"environment": "prod", "correlation_id": "rogue-run-1"}
    });
    let change = serde_json::json!({
        "event_id": "rogue-change-1", "time": at(1), "kind": "ai.action", "tier": "T2",
        "reason_code": "config_drift", "agent": {"id": "rogue-bot", "version": "1.0"},
        "action": {"type": "k8s.scale", "resource": "k8s://prod/shop/deployment/checkout-api",
                   "before": {"replicas": 6}, "after": {"replicas": 1}},
        "reversibility": {"class": "full", "rollback": {"type": "command", "ref": "kubectl scale --replicas=6"}},
        "context": {"environment": "prod", "correlation_id": "rogue-run-1"}
    });
    format!("{trigger}\n{change}\n")
}

/// Sends `keys`, then confirms the open dialog: Enter from the last field lands on
/// Cancel, → moves to the action button, Enter presses it.
fn confirm(tmux: &Tmux) {
    tmux.keys(&["Enter", "Right", "Enter"]);
}

#[test]
fn an_incident_walked_in_the_console_is_sealed_step_by_step_and_verifies() {
    let desk = Desk::new(200);
    let file = desk.sb.path("rogue.jsonl");
    common::write(&file, &rogue_events());
    desk.sb.ok(&["ingest", file.to_str().unwrap()]);
    let before = desk.ledger().len();

    let d = desk.sb.dir.path().display();
    let script = format!(
        "env -u HTTP_PROXY -u http_proxy -u HTTPS_PROXY -u https_proxy -u ALL_PROXY -u all_proxy \
         XDG_CONFIG_HOME={d}/config XDG_DATA_HOME={d}/data NO_COLOR=1 \
         {bin} --store {store} --operator ana; echo; echo EXITED; sleep 60",
        bin = env!("CARGO_BIN_EXE_custody"),
        store = desk.sb.store,
    );
    let tmux = Tmux::start("respond", 140, 45, &script);
    tmux.wait_for("LIVE");

    // 1. Open an incident from the T3 event.
    tmux.keys(&[":"]);
    tmux.type_text("agent rogue-bot");
    tmux.keys(&["Enter", ":"]);
    tmux.type_text("tier T3");
    tmux.keys(&["Enter"]);
    tmux.wait_for("s3.export");
    tmux.keys(&["g", "O"]);
    tmux.wait_for("Open incident");
    tmux.keys(&["Tab"]);
    tmux.type_text("rogue-bot exported customer data to a partner bucket");
    confirm(&tmux);
    let opened = tmux.wait_for("opened INC-");
    let incident = opened
        .split("opened ")
        .nth(1)
        .and_then(|s| s.split_whitespace().next())
        .unwrap()
        .to_string();

    // 2. The rogue-agent playbook: it applies (T3), listed after the more specific
    // data-export one; picked by name.
    tmux.keys(&["p"]);
    let list = tmux.wait_for("applies");
    assert!(list.contains("rogue-agent"), "{list}");
    tmux.keys(&["Escape", ":"]);
    tmux.type_text("playbook rogue-agent");
    tmux.keys(&["Enter"]);
    tmux.wait_for("playbook rogue-agent —");

    // 3. Check off the manual triage step with a note.
    tmux.keys(&["x"]);
    tmux.wait_for("Check off");
    tmux.type_text("out of scope: exported prod data; 1 resource touched");
    confirm(&tmux);
    tmux.wait_for("checked off `triage`");
    // The checklist shows it done, and the cursor has moved on to the next step that
    // may start (page-owner).
    tmux.wait_for("✓ done");

    // 4. Pause the agent: the pause-agent step runs the command executor.
    tmux.keys(&["Down", "x"]);
    tmux.wait_for("Pause rogue-bot");
    tmux.type_text("stop further exports");
    tmux.keys(&["Tab"]);
    tmux.type_text("rogue-bot");
    confirm(&tmux);
    let paused = tmux.wait_for("intent seq");
    assert!(paused.contains("pause rogue-bot: success"), "{paused}");
    assert_eq!(desk.paused_text(), "paused rogue-bot by ana\n");

    // 5. Roll back the reversible change through the http executor.
    tmux.keys(&["1", ":"]);
    tmux.type_text("tier T2");
    tmux.keys(&["Enter", ":"]);
    tmux.type_text("kind ai.action");
    tmux.keys(&["Enter"]);
    tmux.wait_for("k8s.scale");
    tmux.keys(&["g", "U"]);
    tmux.wait_for("Roll back an action of rogue-bot");
    tmux.type_text("undo the scale-down of checkout-api");
    confirm(&tmux);
    let rolled = tmux.wait_for("rollback rogue-bot:");
    assert!(rolled.contains("rollback rogue-bot: success"), "{rolled}");
    let requests = desk.server.requests();
    assert_eq!(requests.len(), 1, "{requests:?}");
    assert_eq!(requests[0].line, "POST /rollback/rogue-change-1 HTTP/1.1");

    // 6. Close the incident from the Incident view.
    tmux.keys(&["i", "C"]);
    tmux.wait_for(&format!("Close {incident}"));
    tmux.type_text("paused rogue-bot, rolled back the scale-down; export reported to legal");
    // Steps are left: closing anyway takes a justification, sealed with the close.
    tmux.keys(&["Tab"]);
    tmux.wait_for("closing anyway because");
    tmux.type_text("resume and postmortem are tracked in the ticket");
    confirm(&tmux);
    tmux.wait_for(&format!("closed {incident}"));
    tmux.keys(&["q"]);
    tmux.wait_for("EXITED");

    let sealed: Vec<Value> = desk.ledger().split_off(before);
    let kinds: Vec<String> = sealed
        .iter()
        .map(|e| {
            let status = e["outcome"]["status"].as_str().unwrap_or("");
            let step = e["action"]["params"]["status"].as_str().unwrap_or("");
            format!("{} {status}{step}", e["kind"].as_str().unwrap())
                .trim()
                .to_string()
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "console.session",
            "incident.open",
            "incident.step",
            "incident.step done",
            "incident.step started",
            "control.pause pending",
            "control.pause success",
            "incident.step done",
            "control.rollback pending",
            "control.rollback success",
            "incident.close",
            "console.session",
        ],
        "{sealed:#?}"
    );
    for e in &sealed {
        assert_eq!(e["actor"]["id"], "ana", "{e:#}");
        if e["kind"] != "console.session" {
            assert!(
                !e["justification"].as_str().unwrap_or("").is_empty(),
                "{e:#}"
            );
        }
    }
    for (i, e) in sealed.iter().enumerate() {
        if e["kind"].as_str().unwrap().starts_with("control.")
            && e["outcome"]["status"] != "pending"
        {
            let intent = &sealed[i - 1];
            assert_eq!(e["context"]["parent_event_id"], intent["event_id"]);
            assert_eq!(intent["outcome"]["status"], "pending");
            assert!(intent["seq"].as_u64() < e["seq"].as_u64());
            assert!(e["reason_code"].is_string() && e["justification"].is_string());
        }
    }
    let pause = &sealed[6];
    assert_eq!(pause["outcome"]["response"]["exit_code"], 0);
    assert_eq!(pause["action"]["params"]["incident"], incident.as_str());
    let rollback = &sealed[9];
    assert_eq!(rollback["outcome"]["response"]["http_status"], 200);
    assert_eq!(
        rollback["action"]["params"]["target_event"],
        "rogue-change-1"
    );

    let (code, report) = desk.sb.verify(&[]);
    assert_eq!(code, 0, "{report:#}");
}

/// Starts the console as ana on the desk's store, filtered to one T1 action.
fn console_on_t1_action(desk: &Desk, name: &str) -> Tmux {
    let d = desk.sb.dir.path().display();
    let script = format!(
        "XDG_CONFIG_HOME={d}/config XDG_DATA_HOME={d}/data NO_COLOR=1 \
         {bin} --store {store} --operator ana; echo; echo EXITED; sleep 60",
        bin = env!("CARGO_BIN_EXE_custody"),
        store = desk.sb.store,
    );
    let tmux = Tmux::start(name, 140, 45, &script);
    tmux.wait_for("LIVE");
    tmux.keys(&[":"]);
    tmux.type_text("tier T1");
    tmux.keys(&["Enter", ":"]);
    tmux.type_text("kind ai.action");
    tmux.keys(&["Enter"]);
    tmux.wait_for("[kind ai.action]");
    tmux.keys(&["g"]);
    tmux
}

/// Presses P on the selection and confirms with a justification; returns the screen
/// once the console answered.
fn pause_selection(tmux: &Tmux) -> String {
    tmux.keys(&["P"]);
    tmux.wait_for("Pause ");
    tmux.type_text("contain it");
    confirm(tmux);
    tmux.wait_for("refused")
}

#[test]
fn a_store_made_read_only_or_removed_under_the_console_refuses_and_runs_nothing() {
    use std::os::unix::fs::PermissionsExt;
    let desk = Desk::new(200);
    let db = std::path::PathBuf::from(&desk.sb.store);
    let tmux = console_on_t1_action(&desk, "readonly");
    let before = desk.ledger();

    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o444)).unwrap();
    let screen = pause_selection(&tmux);
    assert!(
        screen.contains("nothing ran: the intent could not be sealed")
            && screen.contains("is read-only"),
        "{screen}"
    );
    assert_eq!(desk.paused_text(), "", "the executor ran");
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o644)).unwrap();
    assert_eq!(desk.ledger(), before, "something was sealed");

    let aside = desk.sb.path("moved.db");
    std::fs::rename(&db, &aside).unwrap();
    let screen = pause_selection(&tmux);
    assert!(screen.contains("is gone"), "{screen}");
    assert_eq!(desk.paused_text(), "", "the executor ran");
    std::fs::rename(&aside, &db).unwrap();
    assert_eq!(desk.ledger(), before, "something was sealed");

    tmux.keys(&["q"]);
    tmux.wait_for("EXITED");
    let (code, report) = desk.sb.verify(&[]);
    assert_eq!(code, 0, "{report:#}");
}
