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
