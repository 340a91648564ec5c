//! The console driven in a real terminal (tmux): start it on a seeded store holding a
//! hostile event, filter to T3, open the detail, quit — and check that the terminal's
//! title, screen and clipboard were never touched by the event's escape sequences and
//! that the terminal is restored (normal screen, cooked mode) afterwards.
#![allow(clippy::unwrap_used)]

mod common;

use common::tmux::Tmux;
use common::Sandbox;

const HOSTILE: &str = "\u{1b}]0;pwned\u{7}\u{1b}[2J\u{1b}]52;c;ZWNobyBwd25lZA==\u{7}\u{202e}evil";

#[test]
fn console_filters_to_t3_shows_hostile_text_escaped_and_restores_the_terminal() {
    let sb = Sandbox::sqlite();
    sb.seed(2000);
    let mut event: serde_json::Value =
        serde_json::from_str(&common::event_line("hostile-1", "T3", HOSTILE)).unwrap();
    event["time"] = "2026-11-20T12:00:00.000Z".into();
    event["agent"]["id"] = format!("rogue{HOSTILE}").into();
    event["action"]["resource"] = HOSTILE.into();
    event["context"]["correlation_id"] = "hostile-trace".into();
    common::write(&sb.path("hostile.jsonl"), &format!("{event}\n"));
    sb.ok(&["ingest", sb.path("hostile.jsonl").to_str().unwrap()]);

    let script = format!(
        "XDG_CONFIG_HOME={d}/config XDG_DATA_HOME={d}/data {bin} --store {store} --color never; \
         echo; echo EXITED; stty -a | tr ' ' '\\n' | grep -x -- '-\\?icanon'; sleep 60",
        d = sb.dir.path().display(),
        bin = env!("CARGO_BIN_EXE_custody"),
        store = sb.store,
    );
    let tmux = Tmux::start("hostile", 120, 40, &script);
    tmux.run(&["set-option", "-g", "set-clipboard", "on"]);
    tmux.run(&["select-pane", "-t", "t", "-T", "before"]);
    tmux.wait_for("LIVE");
    // The ledger is verified in the background, every record of it: the seeded 2,000,
    // the hostile event and this console's session.
    tmux.wait_for("✓ verified to seq 2002");

    // Tier picker: T0 T1 T2 T3 — move to T3, toggle, apply.
    tmux.keys(&["t", "j", "j", "j", "Space", "Enter"]);
    let filtered = tmux.wait_for("tier T3");
    assert!(
        filtered.contains("rogue"),
        "the hostile T3 event should be listed:\n{filtered}"
    );

    // Detail pane of the newest (hostile) event.
    tmux.keys(&["g", "d"]);
    let detail = tmux.wait_for("\\u{1b}]0;pwned");
    assert!(detail.contains("\\u{202e}evil"), "{detail}");

    // Its trace, then back.
    tmux.keys(&["Enter"]);
    tmux.wait_for("hostile-trace");
    tmux.keys(&["Escape", "q"]);
    let after = tmux.wait_for("EXITED");

    let title = tmux.run(&["display-message", "-p", "-t", "t", "#{pane_title}"]);
    let buffers = tmux.run(&["list-buffers"]);
    let alternate = tmux.run(&["display-message", "-p", "-t", "t", "#{alternate_on}"]);
    assert_eq!(
        title.trim(),
        "before",
        "the event changed the terminal title"
    );
    assert!(
        !buffers.contains("echo pwned"),
        "the event wrote the clipboard: {buffers}"
    );
    assert_eq!(alternate.trim(), "0", "still on the alternate screen");
    assert!(
        after.lines().any(|l| l.trim() == "icanon"),
        "terminal left in raw mode:\n{after}"
    );
}

/// The Approvals view end to end: a T3 request waiting for two approvers (sealed as the
/// gate seals one, with a hostile parameter), approved by ana in the console with a
/// justification. The ledger then holds ana's `approval.vote` with that justification,
/// the request still waits for a second human, and the ledger verifies.
#[test]
fn a_pending_t3_request_approved_in_the_console_seals_the_operators_vote() {
    let sb = Sandbox::sqlite();
    sb.seed(50);
    let dir = sb.path("config").join("custody");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("config.toml"),
        "allow_operator_override = true\n[roles]\nana = \"approver\"\n",
    )
    .unwrap();
    let params = serde_json::json!({"table": "orders", "note": HOSTILE}).to_string();
    let id = common::gate::pending_t3(&sb, "exporter", "lee", 2, &params);

    let script = format!(
        "XDG_CONFIG_HOME={d}/config XDG_DATA_HOME={d}/data {bin} --store {store} --operator ana --color never; \
         echo; echo EXITED; sleep 60",
        d = sb.dir.path().display(),
        bin = env!("CARGO_BIN_EXE_custody"),
        store = sb.store,
    );
    let tmux = Tmux::start("approve", 120, 40, &script);
    tmux.run(&["select-pane", "-t", "t", "-T", "before"]);
    tmux.wait_for("⚖ 1 pending");
    tmux.keys(&["5"]);
    let view = tmux.wait_for("\\u001b]0;pwned");
    assert!(view.contains("exporter") && view.contains("0/2"), "{view}");
    let voted = common::gate::approve_first_in_console(&tmux, "checked the orders table is unused");
    assert!(voted.contains("1/2, waiting for 1 more"), "{voted}");
    tmux.keys(&["q"]);
    tmux.wait_for("EXITED");
    let title = tmux.run(&["display-message", "-p", "-t", "t", "#{pane_title}"]);
    assert_eq!(
        title.trim(),
        "before",
        "a parameter changed the terminal title"
    );

    let votes: Vec<serde_json::Value> = sb
        .ok(&["export"])
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|e| e["kind"] == "approval.vote")
        .collect();
    assert_eq!(votes.len(), 1, "{votes:?}");
    let v = &votes[0];
    assert_eq!(
        (
            v["actor"]["id"].as_str(),
            v["justification"].as_str(),
            v["context"]["parent_event_id"].as_str(),
            v["outcome"]["response"]["verdict"].as_str(),
        ),
        (
            Some("ana"),
            Some("checked the orders table is unused"),
            Some(id.as_str()),
            Some("approve")
        )
    );
    let pending = sb.ok(&["approvals", "list", "--json"]);
    assert!(
        pending.contains(&id) && pending.contains("\"approvals\":1"),
        "{pending}"
    );
    assert_eq!(sb.verify(&[]).0, 0, "the ledger must verify");
}
