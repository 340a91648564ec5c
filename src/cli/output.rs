//! Progress on long work: a bar on a terminal, nothing when output is piped.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;

/// A progress bar on stderr counting `unit`s toward `total` (a spinner when unknown).
/// Hidden unless stderr is a terminal.
pub fn bar(total: Option<u64>, unit: &str) -> ProgressBar {
    let pb = match total {
        Some(t) => ProgressBar::new(t),
        None => ProgressBar::new_spinner(),
    };
    if !std::io::stderr().is_terminal() {
        pb.set_draw_target(ProgressDrawTarget::hidden());
        return pb;
    }
    let template = match (total, unit) {
        (Some(_), "bytes") => "{spinner} [{elapsed_precise}] {wide_bar} {bytes}/{total_bytes} ({bytes_per_sec}, {eta} left) {msg}".to_string(),
        (Some(_), u) => format!("{{spinner}} [{{elapsed_precise}}] {{wide_bar}} {{human_pos}}/{{human_len}} {u} ({{per_sec}}, {{eta}} left) {{msg}}"),
        (None, "bytes") => "{spinner} [{elapsed_precise}] {bytes} ({bytes_per_sec}) {msg}".to_string(),
        (None, u) => format!("{{spinner}} [{{elapsed_precise}}] {{human_pos}} {u} ({{per_sec}}) {{msg}}"),
    };
    if let Ok(style) = ProgressStyle::with_template(&template) {
        pb.set_style(style);
    }
    pb.enable_steady_tick(std::time::Duration::from_millis(200));
    pb
}

/// An error and its causes on one line, `a: b: c`, with each cause left out when the
/// message before it already says it: many errors write their source into their own
/// message (`cannot open the store …: {source}`) and also return it as `source()`, so
/// `{:#}` printed the same cause two or three times.
pub fn error_chain(e: &anyhow::Error) -> String {
    let mut out = String::new();
    for cause in e.chain() {
        let text = cause.to_string();
        if out.contains(&text) {
            continue;
        }
        if !out.is_empty() {
            out.push_str(": ");
        }
        out.push_str(&text);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::error_chain;

    #[derive(Debug, thiserror::Error)]
    #[error("cannot open the store x.db: {source}")]
    struct Open {
        source: std::io::Error,
    }

    #[test]
    fn a_cause_already_in_the_message_is_printed_once() {
        let io = std::io::Error::other("disk on fire");
        let e = anyhow::Error::new(Open { source: io }).context("ingest failed");
        assert_eq!(
            error_chain(&e),
            "ingest failed: cannot open the store x.db: disk on fire"
        );
    }
}
