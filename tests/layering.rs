//! The layering in `src/lib.rs`'s module table, checked on the source: the domain
//! imports no store, SQL driver, terminal library or edge module, the ledger reads no
//! files, and the console's pure state, update and views import no store type.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};

fn rust_files(under: &Path) -> Vec<PathBuf> {
    if under.is_file() {
        return vec![under.to_path_buf()];
    }
    let mut out = Vec::new();
    for entry in std::fs::read_dir(under).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out
}

/// Every `file:line: text` under `paths` (relative to `src/`) that mentions a word in
/// `forbidden`, outside comments.
fn offending(paths: &[&str], forbidden: &[&str]) -> Vec<String> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut hits = Vec::new();
    for p in paths {
        let root = src.join(p);
        assert!(
            root.exists(),
            "{} is gone; update this test",
            root.display()
        );
        for file in rust_files(&root) {
            let text = std::fs::read_to_string(&file).unwrap();
            for (n, line) in text.lines().enumerate() {
                let code = line.trim_start();
                if code.starts_with("//") {
                    continue;
                }
                if forbidden.iter().any(|f| code.contains(f)) {
                    hits.push(format!("{}:{}: {}", file.display(), n + 1, code));
                }
            }
        }
    }
    hits
}

#[test]
fn the_domain_imports_no_store_sql_terminal_or_edge_module() {
    let hits = offending(
        &[
            "event", "ledger", "evidence", "playbook", "incident", "policy", "query.rs", "toolmap",
            "otlp", "gameday",
        ],
        &[
            "crate::store",
            "crate::console",
            "crate::cli",
            "crate::ingest",
            "crate::exec",
            "crate::respond",
            "crate::config",
            "crate::store_verify",
            "crate::exercise",
            "sqlx",
            "rusqlite",
            "ratatui",
            "crossterm",
        ],
    );
    assert!(hits.is_empty(), "{}", hits.join("\n"));
}

#[test]
fn the_ledger_reads_no_files() {
    let hits = offending(
        &["ledger", "evidence"],
        &["std::fs", "fs::read", "File::open"],
    );
    assert!(hits.is_empty(), "{}", hits.join("\n"));
}

/// Scenario files are read by the edge (`cli::gameday`); the game-day rules get text.
#[test]
fn the_game_day_rules_read_no_files() {
    let hits = offending(&["gameday"], &["std::fs", "fs::read", "File::open"]);
    assert!(hits.is_empty(), "{}", hits.join("\n"));
}

#[test]
fn the_consoles_pure_code_imports_no_store_type() {
    let hits = offending(
        &[
            "console/app.rs",
            "console/update.rs",
            "console/input.rs",
            "console/window.rs",
            "console/msg.rs",
            "console/effect.rs",
            "console/approvals",
            "console/views",
        ],
        &["crate::store", "sqlx", "rusqlite"],
    );
    assert!(hits.is_empty(), "{}", hits.join("\n"));
}

/// The gate's rules and the identity fold are domain code too. They name the operator's
/// role (`respond::Role`, a plain enum), and nothing else of the edges.
#[test]
fn the_gates_rules_and_identity_touch_no_store_sql_http_or_terminal() {
    let hits = offending(
        &["gate", "identity"],
        &[
            "crate::store",
            "crate::console",
            "crate::cli",
            "crate::serve",
            "crate::approvals",
            "crate::ingest",
            "crate::exec",
            "crate::config",
            "crate::respond::act",
            "crate::respond::load",
            "sqlx",
            "rusqlite",
            "axum",
            "ratatui",
            "crossterm",
        ],
    );
    assert!(hits.is_empty(), "{}", hits.join("\n"));
}
