//! The console driven in a real terminal (tmux): start it on a seeded store holding a
//! hostile event, filter to T3, open the detail, quit — and check that the terminal's
//! title, screen and clipboard were never touched by the event's escape sequences and
//! that the terminal is restored (normal screen, cooked mode) afterwards.
#![allow(clippy::unwrap_used)]

mod common;

use common::Sandbox;
use std::process::Command;
use std::time::{Duration, Instant};

struct Tmux {
    socket: String,
}

impl Tmux {
    fn cmd(&self) -> Command {
        let mut c = Command::new("tmux");
        c.args(["-L", &self.socket, "-f", "/dev/null"]);
        c
    }

    fn run(&self, args: &[&str]) -> String {
        let out = self
            .cmd()
            .args(args)
            .output()
            .expect("tmux must be installed (.ci/run installs it)");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn screen(&self) -> String {
        self.run(&["capture-pane", "-p", "-t", "t"])
    }

    fn keys(&self, keys: &[&str]) {
        for k in keys {
            self.run(&["send-keys", "-t", "t", k]);
            std::thread::sleep(Duration::from_millis(150));
        }
    }

    fn wait_for(&self, what: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let screen = self.screen();
            if screen.contains(what) {
                return screen;
            }
            assert!(
                Instant::now() < deadline,
                "waited for {what:?}; screen:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.cmd().args(["kill-server"]).output();
    }
}

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

    let tmux = Tmux {
        socket: format!("custody-test-{}", std::process::id()),
    };
    let script = format!(
        "XDG_CONFIG_HOME={d}/config XDG_DATA_HOME={d}/data {bin} --store {store} --color never; \
         echo; echo EXITED; stty -a | tr ' ' '\\n' | grep -x -- '-\\?icanon'; sleep 60",
        d = sb.dir.path().display(),
        bin = env!("CARGO_BIN_EXE_custody"),
        store = sb.store,
    );
    tmux.run(&[
        "new-session",
        "-d",
        "-s",
        "t",
        "-x",
        "120",
        "-y",
        "40",
        "sh",
        "-c",
        &script,
    ]);
    tmux.run(&["set-option", "-g", "set-clipboard", "on"]);
    tmux.run(&["select-pane", "-t", "t", "-T", "before"]);
    tmux.wait_for("LIVE");

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
