//! `custody export`, `custody checkpoint` and `custody key`: what a third party needs to
//! check the ledger without custody, in standard formats.

use super::{Env, StdoutClosed};
use crate::ledger::seal::export_line;
use crate::query::{Filter, Page};
use crate::store::{Store, StoreError};
use anyhow::Context;
use std::io::Write;
use std::path::{Path, PathBuf};
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
    let store = env.open_store_read_only().await?;
    let written = match &args.output {
        Some(path) => export_to_file(&store, args.after, path).await,
        None => {
            let out = std::io::BufWriter::with_capacity(1 << 20, std::io::stdout().lock());
            write_records(&store, args.after, out)
                .await
                .map(drop)
                .map_err(|e| match e {
                    Failed::Write(io) if io.kind() == std::io::ErrorKind::BrokenPipe => {
                        anyhow::Error::new(StdoutClosed)
                    }
                    e => e.into(),
                })
        }
    };
    store.close().await;
    written?;
    Ok(ExitCode::SUCCESS)
}

/// Writes to a temporary file beside `path` and renames it into place only when every
/// record is written and synced, so an interrupted export never leaves a partial file
/// under the name asked for.
async fn export_to_file(store: &Store, after: u64, path: &Path) -> anyhow::Result<()> {
    let name = path
        .file_name()
        .with_context(|| format!("{} names no file", path.display()))?;
    let mut partial_name = std::ffi::OsString::from(".");
    partial_name.push(name);
    partial_name.push(format!(".partial-{}", std::process::id()));
    let partial = path.with_file_name(partial_name);
    let file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&partial)
        .with_context(|| format!("cannot create {}", partial.display()))?;
    let written = async {
        let out = std::io::BufWriter::with_capacity(1 << 20, file);
        let file = write_records(store, after, out).await?;
        file.sync_all().map_err(Failed::Write)?;
        Ok::<(), Failed>(())
    }
    .await
    .map_err(anyhow::Error::from)
    .and_then(|()| {
        std::fs::rename(&partial, path)
            .with_context(|| format!("cannot rename {} to {}", partial.display(), path.display()))
    });
    if written.is_err() {
        let _ = std::fs::remove_file(&partial);
    }
    written.with_context(|| {
        format!(
            "exporting to {} (nothing was left under that name)",
            path.display()
        )
    })
}

#[derive(Debug, thiserror::Error)]
enum Failed {
    #[error(transparent)]
    Read(#[from] StoreError),
    #[error("writing the export: {0}")]
    Write(std::io::Error),
}

/// Every record after `after`, one export line each; hands the sink back flushed.
async fn write_records<W: Write>(
    store: &Store,
    after: u64,
    mut out: std::io::BufWriter<W>,
) -> Result<W, Failed> {
    let mut cursor = after;
    loop {
        let rows = store
            .rows(&Filter::default(), Page::oldest_first(cursor, 5000))
            .await?;
        let Some(last) = rows.last() else { break };
        cursor = last.seq;
        for row in &rows {
            out.write_all(export_line(&row.record, &row.hash).as_bytes())
                .and_then(|()| out.write_all(b"\n"))
                .map_err(Failed::Write)?;
        }
    }
    out.into_inner().map_err(|e| Failed::Write(e.into_error()))
}

pub async fn checkpoint(env: &Env) -> anyhow::Result<ExitCode> {
    let store = env.open_store_read_only().await?;
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
