//! Opt-in timing marks for benchmarks: when `CUSTODY_TIMINGS=FILE` is set, moments
//! such as "first frame drawn" are appended to FILE as `<ms since start> <label>`.
//! Off (and free) otherwise; never written to the terminal.

use std::io::Write;
use std::sync::OnceLock;
use std::time::Instant;

static START: OnceLock<Instant> = OnceLock::new();
static FILE: OnceLock<Option<std::sync::Mutex<std::fs::File>>> = OnceLock::new();

/// Fixes the zero point; call first thing in `main`.
pub fn start() {
    START.get_or_init(Instant::now);
}

pub fn enabled() -> bool {
    sink().is_some()
}

fn sink() -> Option<&'static std::sync::Mutex<std::fs::File>> {
    FILE.get_or_init(|| {
        let path = std::env::var_os("CUSTODY_TIMINGS")?;
        let f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .ok()?;
        Some(std::sync::Mutex::new(f))
    })
    .as_ref()
}

/// Records `label` at the current moment.
pub fn mark(label: &str) {
    if let Some(m) = sink() {
        let ms = START.get_or_init(Instant::now).elapsed().as_secs_f64() * 1000.0;
        if let Ok(mut f) = m.lock() {
            let _ = writeln!(f, "{ms:.3} {label}");
        }
    }
}
