//! `custody projection verify|rebuild`: the derived incident and control state kept
//! beside the ledger (`store::projection`), checked against the ledger's own fold or
//! rebuilt from it with a progress bar.

use super::{output, Env};
use crate::respond::derived;
use crate::respond::load::REBUILD_CHUNK;
use crate::store::projection::ProjectionState;
use crate::store::Store;
use std::process::ExitCode;

#[derive(Debug, clap::Subcommand)]
pub enum ProjectionCommand {
    /// Re-derive incidents, control state, rollback marks and open intents from the
    /// ledger and list every difference with the projection; exit 1 if any.
    Verify,
    /// Rebuild the projection from the ledger (it is derived data: nothing is lost).
    Rebuild,
}

pub async fn run(env: &Env, cmd: ProjectionCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        ProjectionCommand::Verify => {
            let store = env.open_store_read_only().await?;
            let found = report(&store).await;
            store.close().await;
            Ok(if found? {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        ProjectionCommand::Rebuild => {
            let store = env.open_store().await?;
            let done = rebuild(&store, true).await;
            store.close().await;
            let through = done?;
            println!("projection rebuilt from the ledger through seq {through}");
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Prints the projection's differences from the ledger; whether it agrees.
pub async fn report(store: &Store) -> anyhow::Result<bool> {
    if let ProjectionState::Behind { through } = store.projection_state().await? {
        println!(
            "! the projection is behind (folded through seq {through}): \
             run `custody projection rebuild`, or open the console, to bring it up to date"
        );
        return Ok(true);
    }
    let diffs = derived::check(store).await?;
    for d in &diffs {
        println!("✗ projection: {}", crate::untrusted::escape_untrusted(d));
    }
    if diffs.is_empty() {
        println!("projection agrees with the ledger");
    } else {
        println!(
            "the projection differs from the ledger in {} place(s): run `custody projection rebuild`",
            diffs.len()
        );
    }
    Ok(diffs.is_empty())
}

/// Rebuilds the projection (from scratch when `reset`), with a progress bar over seqs.
pub async fn rebuild(store: &Store, reset: bool) -> anyhow::Result<u64> {
    let head = store.head_seq().await?;
    let bar = output::bar(Some(head), "seq");
    bar.set_message("rebuilding incidents and control state from the ledger");
    let through = store
        .rebuild_projection(reset, REBUILD_CHUNK, |at, head| {
            bar.set_length(head);
            bar.set_position(at);
        })
        .await;
    bar.finish_and_clear();
    Ok(through?)
}

/// Brings a projection that is missing or behind up to date before the console opens,
/// with a progress bar (a store made before the projection existed, or one whose
/// rebuild was interrupted).
pub async fn catch_up(store: &Store) -> anyhow::Result<()> {
    if store.projection_state().await? != ProjectionState::Current {
        eprintln!("bringing the incident and control state up to date with the ledger…");
        rebuild(store, false).await?;
    }
    Ok(())
}
