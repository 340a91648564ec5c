//! `custody export`, `custody checkpoint` and `custody key`: what a third party needs to
//! check the ledger without custody, in standard formats.

use super::Env;
use crate::ledger::seal::export_line;
use crate::store::{Filter, Page};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
#[command(
    after_help = "Each line is one sealed record: the JSON object whose RFC 8785 canonical bytes were \
  hashed, plus its `hash`. Drop `hash`, canonicalise, and SHA-256(0x00 || bytes) gives `hash` back."
)]
pub struct ExportArgs {
    /// Start after this seq (default: from the first record).
    #[arg(long, value_name = "SEQ", default_value_t = 0)]
    pub after: u64,
    /// Write to FILE instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

pub async fn export(env: &Env, args: ExportArgs) -> anyhow::Result<ExitCode> {
    let store = env.open_store().await?;
    let sink: Box<dyn Write> = match &args.output {
        Some(p) => Box::new(std::fs::File::create(p)?),
        None => Box::new(std::io::stdout().lock()),
    };
    let mut out = std::io::BufWriter::with_capacity(1 << 20, sink);
    let mut cursor = args.after;
    loop {
        let rows = store
            .rows(&Filter::default(), Page::oldest_first(cursor, 5000))
            .await?;
        let Some(last) = rows.last() else { break };
        cursor = last.seq;
        for row in &rows {
            out.write_all(export_line(&row.record, &row.hash).as_bytes())?;
            out.write_all(b"\n")?;
        }
    }
    out.flush()?;
    store.close().await;
    Ok(ExitCode::SUCCESS)
}

pub async fn checkpoint(env: &Env) -> anyhow::Result<ExitCode> {
    let store = env.open_store().await?;
    let latest = store.latest_checkpoint().await?;
    store.close().await;
    match latest {
        Some(cp) => {
            print!("{}", cp.note);
            Ok(ExitCode::SUCCESS)
        }
        None => {
            eprintln!("custody: no checkpoint yet: the store is empty (checkpoints are signed as events are sealed)");
            Ok(ExitCode::from(1))
        }
    }
}

pub fn key(env: &Env) -> anyhow::Result<ExitCode> {
    println!("{}", env.signer()?.verifier().encode());
    Ok(ExitCode::SUCCESS)
}
