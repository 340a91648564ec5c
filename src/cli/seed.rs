//! `custody seed` and `custody demo`: realistic history for trying custody out, for
//! scripts and for benchmarks. Demo data goes to its own store file unless `--store`
//! says otherwise, so it never mixes with a real log.

use super::{output, Env};
use crate::demo::{history, DemoSpec};
use crate::event::{is_custody_kind, Event, Timestamp};
use crate::store::{SealContext, Store};
use anyhow::Context;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

const BATCH: usize = 2000;

#[derive(Debug, clap::Args)]
#[command(
    after_help = "The history is deterministic for a given --seed and --until: the same events, ids \
  and times every run. Without --until it ends now."
)]
pub struct SeedArgs {
    /// How many events to generate.
    #[arg(long, default_value_t = 10_000)]
    pub events: usize,
    /// Days of history, ending at --until.
    #[arg(long, default_value_t = 30)]
    pub days: u32,
    /// Random seed; the same seed and --until give the same history.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Time of the last event (RFC 3339). Default: now.
    #[arg(long, value_name = "TIME")]
    pub until: Option<Timestamp>,
    /// Append each new signed checkpoint to this file (default: `anchor` from config).
    #[arg(long, value_name = "FILE")]
    pub anchor: Option<PathBuf>,
    /// Write the events as producer JSONL to FILE (`-` for stdout) instead of sealing them.
    #[arg(long, value_name = "FILE")]
    pub jsonl: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// Events of history to generate when the demo store is empty.
    #[arg(long, default_value_t = 50_000)]
    pub events: usize,
    /// Days of history.
    #[arg(long, default_value_t = 14)]
    pub days: u32,
    /// Random seed of the history and the live generator.
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
    /// Do not run the live generator.
    #[arg(long)]
    pub no_live: bool,
    /// Replay this incident first: restart-loop, secret-leak or export (or its id).
    #[arg(long, value_name = "NAME")]
    pub incident: Option<String>,
    /// Seconds after launch the first incident replay begins.
    #[arg(long, value_name = "SECONDS", default_value_t = 90)]
    pub incident_in: u64,
    #[command(flatten)]
    pub look: super::console::LookArgs,
}

pub async fn seed(env: &Env, args: SeedArgs) -> anyhow::Result<ExitCode> {
    let spec = DemoSpec {
        seed: args.seed,
        events: args.events,
        days: args.days,
        until: args.until.unwrap_or_else(Timestamp::now),
    };
    if let Some(path) = &args.jsonl {
        write_jsonl(&spec, path)?;
        return Ok(ExitCode::SUCCESS);
    }
    let seal = SealContext::new(env.signer()?, env.anchor(args.anchor.as_ref()));
    let store = env.open_store().await?;
    let sealed = fill(&store, &seal, &spec).await;
    store.close().await;
    let (sealed, duplicates) = sealed?;
    println!(
        "seeded {sealed} events ({duplicates} already present) into {}",
        env.store_url
    );
    Ok(ExitCode::SUCCESS)
}

/// Writes the history as the JSONL a producer would send, for `custody ingest`: the
/// producers' events only, since custody's own kinds (control, incident, session…) are
/// sealed by custody and refused at ingest.
fn write_jsonl(spec: &DemoSpec, path: &Path) -> anyhow::Result<()> {
    use std::io::Write;
    let sink: Box<dyn Write> = if path.as_os_str() == "-" {
        Box::new(std::io::stdout().lock())
    } else {
        Box::new(
            std::fs::File::create(path)
                .with_context(|| format!("cannot create {}", path.display()))?,
        )
    };
    let mut out = std::io::BufWriter::with_capacity(1 << 20, sink);
    for e in history(spec).filter(|e| !is_custody_kind(&e.kind)) {
        serde_json::to_writer(&mut out, &e)?;
        out.write_all(b"\n")?;
    }
    out.flush()?;
    Ok(())
}

/// Streams the history into the store in batches, with a progress bar.
async fn fill(store: &Store, seal: &SealContext, spec: &DemoSpec) -> anyhow::Result<(u64, u64)> {
    let bar = output::bar(Some(spec.events as u64), "events");
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Vec<Event>>(2);
    let spec_for_thread = DemoSpec {
        seed: spec.seed,
        events: spec.events,
        days: spec.days,
        until: spec.until,
    };
    let generator = std::thread::spawn(move || {
        let mut batch = Vec::with_capacity(BATCH);
        for e in history(&spec_for_thread) {
            batch.push(e);
            if batch.len() == BATCH
                && tx
                    .blocking_send(std::mem::replace(&mut batch, Vec::with_capacity(BATCH)))
                    .is_err()
            {
                return;
            }
        }
        let _ = tx.blocking_send(batch);
    });
    let (mut sealed, mut duplicates) = (0u64, 0u64);
    let mut pending = rx.recv().await;
    while let Some(batch) = pending {
        pending = rx.recv().await;
        let n = batch.len() as u64;
        let outcome = store.seal(batch, seal, pending.is_none()).await?;
        if let Some(message) = &outcome.anchor_error {
            anyhow::bail!("a signed checkpoint could not be appended to the anchor file {message}");
        }
        sealed += outcome.sealed.len() as u64;
        duplicates += outcome.duplicates.len() as u64;
        bar.inc(n);
    }
    bar.finish_and_clear();
    let _ = generator.join();
    Ok((sealed, duplicates))
}

pub async fn demo(
    env: &Env,
    args: DemoArgs,
    console: &super::console::ConsoleArgs,
) -> anyhow::Result<ExitCode> {
    // A bad incident name is refused before anything is opened or seeded.
    let generator = crate::demo::LiveGenerator::starting_with(
        args.seed,
        args.incident.as_deref().unwrap_or("restart-loop"),
        i64::try_from(args.incident_in.saturating_mul(1000)).unwrap_or(i64::MAX),
    )
    .map_err(anyhow::Error::msg)?;
    let seal = SealContext::new(env.signer()?, None);
    let url = if env.store_url == env.dirs.default_store().display().to_string() {
        env.dirs.data.join("demo.db").display().to_string()
    } else {
        env.store_url.clone()
    };
    let store = Store::open(&url, Some("custody.local/demo"))
        .await
        .with_context(|| format!("opening {url}"))?;
    if store.head_seq().await? == 0 {
        eprintln!(
            "custody demo: seeding {} events of history into {url} …",
            args.events
        );
        let spec = DemoSpec {
            seed: args.seed,
            events: args.events,
            days: args.days,
            until: Timestamp::now(),
        };
        fill(&store, &seal, &spec).await?;
    }
    let live = if args.no_live {
        None
    } else {
        // The demo's agents act through an in-process gate, so pauses bind and T2/T3
        // proposals wait for the people at the console.
        let gate = crate::serve::start_gate(
            store.clone(),
            seal,
            env.config.roles(),
            env.config.executor_set.clone(),
            None,
            crate::webhook::targets(&env.config.webhooks),
        )
        .await?;
        Some(tokio::spawn(super::demo_live::run(gate, generator)))
    };
    let shown = if std::io::IsTerminal::is_terminal(&std::io::stdout()) {
        let console = super::console::ConsoleArgs {
            read_only: console.read_only,
            look: args.look.or(&console.look),
        };
        super::console::open(env, &console, store.clone()).await
    } else {
        // Not a terminal (a pipe, a script): show the live stream as text instead.
        eprintln!("custody demo: live events from {url} (Ctrl-C to stop)");
        let tail_args = super::tail::TailArgs::default();
        tokio::select! {
            r = super::tail::follow(&store, &tail_args) => r,
            _ = tokio::signal::ctrl_c() => Ok(()),
        }
    };
    if let Some(live) = live {
        live.abort();
    }
    store.close().await;
    shown?;
    Ok(ExitCode::SUCCESS)
}
