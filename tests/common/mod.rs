//! Shared test harness: a sandbox per test (its own XDG config and data directories,
//! so keys and stores never touch the developer's), the real `custody` binary, and a
//! real PostgreSQL server started on demand.
#![allow(dead_code, clippy::unwrap_used)]

pub mod gate;
pub mod pg;
pub mod tmux;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub struct Sandbox {
    pub dir: tempfile::TempDir,
    pub store: String,
}

impl Sandbox {
    /// A sandbox whose store is an SQLite file inside it.
    pub fn sqlite() -> Sandbox {
        let dir = tempfile::tempdir().unwrap();
        let store = dir.path().join("ledger.db").display().to_string();
        Sandbox { dir, store }
    }

    /// A sandbox whose store is a fresh database on the test PostgreSQL server.
    pub fn postgres(name: &str) -> Sandbox {
        let dir = tempfile::tempdir().unwrap();
        let store = pg::fresh_database(name);
        Sandbox { dir, store }
    }

    /// A sandbox on a store URL of the test's choosing.
    pub fn on(store: String) -> Sandbox {
        let dir = tempfile::tempdir().unwrap();
        Sandbox { dir, store }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// `custody` with this sandbox's directories and store.
    pub fn cmd(&self) -> Command {
        self.cmd_on(&self.store)
    }

    /// `custody` with this sandbox's directories, on another store URL.
    pub fn cmd_on(&self, store: &str) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_custody"));
        c.env("XDG_CONFIG_HOME", self.dir.path().join("config"))
            .env("XDG_DATA_HOME", self.dir.path().join("data"))
            .env("HOME", self.dir.path())
            .env_remove("CUSTODY_STORE")
            .env("NO_COLOR", "1")
            .arg("--store")
            .arg(store);
        c
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.cmd().args(args).output().unwrap()
    }

    /// Runs and insists on success, returning stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "custody {args:?} failed ({:?})\nstdout:\n{}\nstderr:\n{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    pub fn seed(&self, events: usize) {
        self.ok(&[
            "seed",
            "--events",
            &events.to_string(),
            "--seed",
            "3",
            "--until",
            "2026-11-20T12:00:00Z",
        ]);
    }

    /// `custody verify --json` parsed, with the exit code.
    pub fn verify(&self, extra: &[&str]) -> (i32, serde_json::Value) {
        let mut args = vec!["verify", "--json"];
        args.extend_from_slice(extra);
        let out = self.run(&args);
        let json = serde_json::from_slice(&out.stdout).unwrap_or_else(|_| {
            panic!(
                "verify printed no JSON\nstdout:\n{}\nstderr:\n{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            )
        });
        (out.status.code().unwrap_or(-1), json)
    }
}

/// The (class, first_seq) pairs of a verify report.
pub fn verdicts(report: &serde_json::Value) -> Vec<(String, u64)> {
    report["verdicts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            (
                v["class"].as_str().unwrap().to_string(),
                v["first_seq"].as_u64().unwrap(),
            )
        })
        .collect()
}

/// A valid producer event as one JSON line.
pub fn event_line(id: &str, tier: &str, summary: &str) -> String {
    serde_json::json!({
        "event_id": id,
        "time": "2026-11-20T10:00:00.000Z",
        "kind": "ai.action",
        "tier": tier,
        "reason_code": "capacity_surge",
        "agent": {"id": "autoscaler", "version": "2.1"},
        "ai_output": {"summary": summary},
        "action": {"type": "k8s.scale", "resource": "deploy/web", "before": {"replicas": 4}, "after": {"replicas": 12}},
        "context": {"environment": "prod", "correlation_id": "c-1"}
    })
    .to_string()
}

pub fn write(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap();
}
