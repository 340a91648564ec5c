//! `custody ingest [FILE|-]`: rejects go to stderr by line and field (the first few, and
//! all of them to `--rejects FILE`); a summary to stdout. SIGTERM and SIGINT seal what
//! was read, say how much, and exit 128 + the signal.

use super::{output, Env};
use crate::event::LineError;
use crate::ingest::{ingest, IngestOptions, Progress, Stop, DEFAULT_BATCH};
use crate::store::SealContext;
use crate::untrusted::escape_untrusted;
use anyhow::Context;
use indicatif::ProgressBar;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

/// Rejects, duplicates and unregistered reason codes shown on stderr before "… and N more".
const SHOWN: u64 = 20;

#[derive(Debug, clap::Args)]
#[command(
    after_help = "Each line is one custody.event/v1 JSON object. A rejected line is reported as\n\
  `line N: field F: reason` and nothing of it is stored; the other lines are sealed in order.\n\
  The first 20 rejects are printed; `--rejects FILE` writes every one.\n\
  A repeated event_id with the same body is stored once and reported as a duplicate; with a\n\
  different body it is a reject naming the stored seq. Kinds only custody seals (control.*,\n\
  incident.*, console.session, approval.decision, …) are rejected. A UTF-8 byte order mark\n\
  at the start of the input is skipped. Unregistered reason codes are kept and flagged.\n\
  Lines are sealed when a batch fills or 200 ms after a line arrives with no more waiting.\n\
  SIGTERM / SIGINT: what was read is sealed, then custody exits 143 / 130.\n\
  Exit status: 0 all lines accepted, 1 some line rejected, 2 the store or input failed."
)]
pub struct IngestArgs {
    /// JSONL file to read; `-` or nothing reads standard input.
    #[arg(value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// Events sealed per transaction.
    #[arg(long, default_value_t = DEFAULT_BATCH)]
    pub batch: usize,
    /// Seal a partial batch once its first line has waited this long (milliseconds).
    #[arg(long, value_name = "MS", default_value_t = 200)]
    pub flush_ms: u64,
    /// Append each new signed checkpoint to this file (default: `anchor` from config).
    #[arg(long, value_name = "FILE")]
    pub anchor: Option<PathBuf>,
    /// Write every rejected line's message to this file (stderr shows the first 20).
    #[arg(long, value_name = "FILE")]
    pub rejects: Option<PathBuf>,
    /// Print a line to stdout after each committed batch (`committed through line N`).
    #[arg(short, long)]
    pub verbose: bool,
}

/// A count of messages of one sort, the first `SHOWN` of them printed.
#[derive(Default)]
struct Capped {
    seen: u64,
}

impl Capped {
    fn show(&mut self, bar: &ProgressBar, msg: impl FnOnce() -> String) {
        self.seen += 1;
        if self.seen <= SHOWN {
            let msg = msg();
            bar.suspend(|| eprintln!("{msg}"));
        }
    }

    fn more(&self, what: &str, hint: &str) {
        if self.seen > SHOWN {
            eprintln!("… and {} more {what}{hint}", self.seen - SHOWN);
        }
    }
}

struct Reporter {
    bar: ProgressBar,
    verbose: bool,
    rejects: Capped,
    duplicates: Capped,
    unregistered: Capped,
    rejects_file: Option<(PathBuf, std::io::BufWriter<std::fs::File>)>,
    rejects_file_error: Option<std::io::Error>,
    /// Checkpoints that could not be appended to the anchor file, and the first reason.
    anchor_failures: (u64, Option<String>),
}

impl Progress for Reporter {
    fn rejected(&mut self, line: u64, error: &LineError) {
        let msg = format!("line {line}: {}", escape_untrusted(&error.to_string()));
        if let Some((_, file)) = self.rejects_file.as_mut() {
            if let Err(e) = writeln!(file, "{msg}") {
                self.rejects_file_error.get_or_insert(e);
            }
        }
        self.rejects.show(&self.bar, || msg);
    }

    fn duplicate(&mut self, line: u64, event_id: &str) {
        self.duplicates.show(&self.bar, || {
            format!(
                "line {line}: duplicate event_id {} (already stored with the same body; skipped)",
                escape_untrusted(event_id)
            )
        });
    }

    fn unregistered_reason(&mut self, line: u64, code: &str) {
        self.unregistered.show(&self.bar, || {
            format!(
                "line {line}: reason_code `{}` is not registered (kept, and flagged as unregistered)",
                escape_untrusted(code)
            )
        });
    }

    fn committed(&mut self, through_line: u64, head_seq: u64, sealed: usize) {
        if self.verbose {
            let mut out = std::io::stdout().lock();
            let _ = writeln!(
                out,
                "committed through line {through_line} (head seq {head_seq}, {sealed} sealed)"
            );
            let _ = out.flush();
        }
    }

    fn advanced(&mut self, bytes: u64) {
        self.bar.inc(bytes);
    }

    fn anchor_failed(&mut self, message: &str) {
        self.anchor_failures.0 += 1;
        self.anchor_failures
            .1
            .get_or_insert_with(|| message.to_string());
    }
}

/// Resolves when SIGTERM or SIGINT arrives (never, if they cannot be watched).
async fn interrupted() -> Stop {
    use tokio::signal::unix::{signal, SignalKind};
    let term = signal(SignalKind::terminate());
    let int = signal(SignalKind::interrupt());
    match (term, int) {
        (Ok(mut term), Ok(mut int)) => tokio::select! {
            _ = term.recv() => Stop { signal: "SIGTERM", exit_code: 143 },
            _ = int.recv() => Stop { signal: "SIGINT", exit_code: 130 },
        },
        _ => std::future::pending().await,
    }
}

pub async fn run(env: &Env, args: IngestArgs) -> anyhow::Result<ExitCode> {
    let seal = SealContext::new(env.signer()?, env.anchor(args.anchor.as_ref()));
    let store = env.open_store().await?;
    let options = IngestOptions {
        seal: &seal,
        batch: args.batch,
        flush_after: Duration::from_millis(args.flush_ms),
        reason_codes: &env.config.reason_codes,
    };
    let from_stdin = args.file.as_ref().is_none_or(|f| f.as_os_str() == "-");
    let (input, size): (Box<dyn std::io::Read + Send>, Option<u64>) = if from_stdin {
        (Box::new(std::io::stdin()), None)
    } else {
        let path = args.file.as_ref().context("no input file")?;
        let file =
            std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
        let size = file.metadata().ok().map(|m| m.len());
        (Box::new(file), size)
    };
    let rejects_file = match &args.rejects {
        Some(path) => {
            let file = std::fs::File::create(path)
                .with_context(|| format!("cannot create the rejects file {}", path.display()))?;
            Some((path.clone(), std::io::BufWriter::new(file)))
        }
        None => None,
    };
    let mut reporter = Reporter {
        bar: output::bar(size, "bytes"),
        verbose: args.verbose,
        rejects: Capped::default(),
        duplicates: Capped::default(),
        unregistered: Capped::default(),
        rejects_file,
        rejects_file_error: None,
        anchor_failures: (0, None),
    };
    let result = ingest(input, &store, &options, &mut reporter, interrupted()).await;
    reporter.bar.finish_and_clear();
    store.close().await;
    let summary = result?;
    let hint = match &args.rejects {
        Some(path) => format!(" (all in {})", path.display()),
        None => " (--rejects FILE lists them all)".to_string(),
    };
    reporter.rejects.more("rejects", &hint);
    reporter.duplicates.more("duplicates", "");
    reporter.unregistered.more("unregistered reason codes", "");
    if let Some((path, mut file)) = reporter.rejects_file.take() {
        if let Err(e) = file.flush() {
            reporter.rejects_file_error.get_or_insert(e);
        }
        if let Some(e) = reporter.rejects_file_error.take() {
            eprintln!(
                "custody: the rejects file {} is incomplete: {e}",
                path.display()
            );
        }
    }
    let range = match (summary.first_seq, summary.last_seq) {
        (Some(a), Some(b)) => format!(" (seq {a}–{b})"),
        _ => String::new(),
    };
    let unregistered = match summary.unregistered {
        0 => String::new(),
        n => format!(", {n} with an unregistered reason code"),
    };
    println!(
        "{} lines: {} sealed{range}, {} duplicate, {} rejected{unregistered}",
        summary.lines, summary.sealed, summary.duplicates, summary.rejected
    );
    // The records are committed, but the copy outside the database that detects a
    // rewrite of the store is missing: that is a failure, not a warning.
    if let (n, Some(first)) = reporter.anchor_failures {
        anyhow::bail!(
            "{n} signed checkpoint(s) could not be appended to the anchor file {first} \
             (the records are committed in the store)"
        );
    }
    if let Some(stop) = summary.stopped {
        eprintln!(
            "custody: stopped by {}: {} events sealed from the {} lines read before it; the rest of the input was not read",
            stop.signal, summary.sealed, summary.lines
        );
        return Ok(ExitCode::from(stop.exit_code));
    }
    Ok(if summary.rejected > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
