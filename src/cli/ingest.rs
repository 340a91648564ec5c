//! `custody ingest [FILE|-]`: rejects go to stderr by line and field; a summary to stdout.

use super::{output, Env};
use crate::event::LineError;
use crate::ingest::{ingest, IngestOptions, Progress, DEFAULT_BATCH};
use crate::store::SealContext;
use crate::text::escape_untrusted;
use anyhow::Context;
use indicatif::ProgressBar;
use std::io::{BufReader, Write};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
#[command(
    after_help = "Each line is one custody.event/v1 JSON object. A rejected line is reported as\n\
  `line N: field F: reason` and nothing of it is stored; the other lines are sealed in order.\n\
  A repeated event_id is stored once and reported as a duplicate, not an error.\n\
  Exit status: 0 all lines accepted, 1 some line rejected, 2 the store or input failed."
)]
pub struct IngestArgs {
    /// JSONL file to read; `-` or nothing reads standard input.
    #[arg(value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// Events sealed per transaction.
    #[arg(long, default_value_t = DEFAULT_BATCH)]
    pub batch: usize,
    /// Append each new signed checkpoint to this file (default: `anchor` from config).
    #[arg(long, value_name = "FILE")]
    pub anchor: Option<PathBuf>,
    /// Print a line to stdout after each committed batch (`committed through line N`).
    #[arg(short, long)]
    pub verbose: bool,
}

struct Reporter {
    bar: ProgressBar,
    verbose: bool,
    duplicates_shown: u64,
    /// Checkpoints that could not be appended to the anchor file, and the first reason.
    anchor_failures: (u64, Option<String>),
}

impl Progress for Reporter {
    fn rejected(&mut self, line: u64, error: &LineError) {
        let msg = format!("line {line}: {}", escape_untrusted(&error.to_string()));
        self.bar.suspend(|| eprintln!("{msg}"));
    }

    fn duplicate(&mut self, line: u64, event_id: &str) {
        self.duplicates_shown += 1;
        if self.duplicates_shown <= 20 {
            let msg = format!(
                "line {line}: duplicate event_id {} (already stored; skipped)",
                escape_untrusted(event_id)
            );
            self.bar.suspend(|| eprintln!("{msg}"));
        }
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

pub async fn run(env: &Env, args: IngestArgs) -> anyhow::Result<ExitCode> {
    let seal = SealContext::new(env.signer()?, env.anchor(args.anchor.as_ref()));
    let store = env.open_store().await?;
    let options = IngestOptions {
        seal: &seal,
        batch: args.batch,
    };
    let from_stdin = args.file.as_ref().is_none_or(|f| f.as_os_str() == "-");
    let (input, size): (Box<dyn std::io::BufRead + Send>, Option<u64>) = if from_stdin {
        (
            Box::new(BufReader::with_capacity(1 << 20, std::io::stdin())),
            None,
        )
    } else {
        let path = args.file.as_ref().context("no input file")?;
        let file =
            std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
        let size = file.metadata().ok().map(|m| m.len());
        (Box::new(BufReader::with_capacity(1 << 20, file)), size)
    };
    let mut reporter = Reporter {
        bar: output::bar(size, "bytes"),
        verbose: args.verbose,
        duplicates_shown: 0,
        anchor_failures: (0, None),
    };
    let result = ingest(input, &store, &options, &mut reporter).await;
    reporter.bar.finish_and_clear();
    store.close().await;
    let summary = result?;
    if reporter.duplicates_shown > 20 {
        eprintln!("… and {} more duplicates", reporter.duplicates_shown - 20);
    }
    let range = match (summary.first_seq, summary.last_seq) {
        (Some(a), Some(b)) => format!(" (seq {a}–{b})"),
        _ => String::new(),
    };
    println!(
        "{} lines: {} sealed{range}, {} duplicate, {} rejected",
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
    Ok(if summary.rejected > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
