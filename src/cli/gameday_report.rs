//! `custody gameday report RUN`: the after-action report, computed from the sealed
//! record of the run (`gameday::score`) with the store's verify result beside it.

use super::response::{open_for_reading, refuse, Stop};
use super::Env;
use crate::event::Event;
use crate::gameday::report::{self, Context};
use crate::ledger::seal::event_from_record;
use crate::query::{Filter, Page};
use crate::store::Store;
use crate::store_verify::{verify_store, VerifyInput};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    /// The run id `gameday run` printed.
    pub run: String,
    #[arg(long, value_parser = ["md", "html"], default_value = "md")]
    pub format: String,
    /// Write to FILE instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

pub async fn report(env: &Env, args: ReportArgs) -> Result<ExitCode, Stop> {
    let store = open_for_reading(env).await?;
    let made = make(env, &store, &args).await;
    store.close().await;
    let text = made?;
    match &args.output {
        Some(path) => {
            std::fs::write(path, text)
                .map_err(|e| Stop::Error(format!("writing {}: {e}", path.display())))?;
            println!("wrote {}", path.display());
        }
        None => print!("{text}"),
    }
    Ok(ExitCode::SUCCESS)
}

async fn make(env: &Env, store: &Store, args: &ReportArgs) -> Result<String, Stop> {
    let events = run_events(store, &args.run).await?;
    if events.is_empty() {
        return refuse(format!(
            "no exercise run `{}` in {}",
            args.run,
            store.describe()
        ));
    }
    let score = crate::gameday::score::score(&args.run, &events)
        .map_err(|e| Stop::Refused(e.to_string()))?;
    let verify = verify_text(env, store).await;
    let checkpoint = store.latest_checkpoint().await?.map(|c| c.note);
    let ctx = Context {
        verify: &verify,
        checkpoint: checkpoint.as_deref(),
    };
    let blocks = report::blocks(&score, &ctx);
    Ok(match args.format.as_str() {
        "html" => report::html(&blocks),
        _ => report::markdown(&blocks),
    })
}

/// The run's events: from its `exercise.start` to its `exercise.end` (or the head).
async fn run_events(store: &Store, run: &str) -> Result<Vec<(u64, Event)>, Stop> {
    let filter = Filter {
        kinds: vec!["exercise.start".into()],
        correlation_id: Some(run.into()),
        ..Filter::default()
    };
    let Some(start) = store
        .rows(&filter, Page::oldest_first(0, 1))
        .await?
        .into_iter()
        .next()
    else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    let mut after = start.seq - 1;
    loop {
        let rows = store
            .rows(&Filter::default(), Page::oldest_first(after, 2000))
            .await?;
        let Some(last) = rows.last() else { break };
        after = last.seq;
        let mut ended = false;
        for r in &rows {
            let Ok(e) = event_from_record(&r.record) else {
                continue;
            };
            ended |= e.kind == "exercise.end" && e.correlation_id() == Some(run);
            out.push((r.seq, e));
            if ended {
                break;
            }
        }
        if ended || rows.len() < 2000 {
            break;
        }
    }
    Ok(out)
}

/// The whole store verified, as one line for the report.
async fn verify_text(env: &Env, store: &Store) -> String {
    let path = env.config.key_file(&env.dirs);
    let verifiers: Vec<_> = crate::config::keyfile::load(&path)
        .map(|k| k.verifier())
        .into_iter()
        .collect();
    let input = VerifyInput {
        anchor: None,
        verifiers: &verifiers,
    };
    match verify_store(store, &input, |_| {}).await {
        Ok(r) if r.intact() => format!(
            "intact: {} records, {} checkpoint(s) checked, signed to size {}",
            r.records, r.checkpoints_checked, r.signed_size
        ),
        Ok(r) => format!(
            "TAMPERING FOUND: {} verdict(s); run `custody verify` for details",
            r.verdicts.len()
        ),
        Err(e) => format!("could not check: {e}"),
    }
}
