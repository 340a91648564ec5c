//! Game days at the edge: the sandbox store an exercise runs in (`sandbox`), the loop
//! that runs a scenario against a store, sealing what the engine decides and feeding it
//! what the ledger shows (`runner`), and the guard that makes every executor of a drill
//! a dry run (`in_drill`, called by `respond::act::execute`, the one path that runs
//! executors). The decisions are `crate::gameday`'s; this module only does the IO. It
//! never runs a command or a request of its own.

pub mod runner;
pub mod sandbox;

pub use runner::{run, RunOptions, RunSummary};

use crate::ledger::seal::event_from_record;
use crate::query::{Filter, Page};
use crate::store::Store;

/// Why an exercise could not run.
#[derive(Debug, thiserror::Error)]
pub enum ExerciseError {
    #[error("the store holds real (non-exercise) events, first at seq {seq} ({kind}); a game day runs in a sandbox: drop --store, or pass --into-live-store with --justification")]
    LiveStore { seq: u64, kind: String },
    #[error("--into-live-store needs --justification: say why a drill must run in a real store")]
    NoJustification,
    #[error("reading the store: {0}")]
    Store(#[from] crate::store::StoreError),
    #[error("sealing the exercise's events: {0}")]
    Seal(#[from] crate::respond::SealError),
    #[error("{0}")]
    Io(String),
}

/// Whether an action on `agent` in `store` belongs to a drill: the store is a game-day
/// sandbox (its origin says so), or an exercise sealed on it scripts the agent (running
/// or ended: a scenario's agents are never real ones). Fails closed: when the store
/// cannot be read, the answer is yes, so an executor never runs on a guess.
pub async fn in_drill(store: &Store, agent: &str) -> bool {
    if store.origin().starts_with(SANDBOX_ORIGIN) {
        return true;
    }
    match scripted_agents(store).await {
        Ok(agents) => agents.iter().any(|a| a == agent),
        Err(_) => true,
    }
}

/// The origin prefix of every sandbox store `gameday run` creates.
pub const SANDBOX_ORIGIN: &str = "custody/gameday/";

/// Every agent an `exercise.start` custody sealed on `store` scripts.
pub async fn scripted_agents(store: &Store) -> Result<Vec<String>, crate::store::StoreError> {
    let filter = Filter {
        kinds: vec!["exercise.start".into()],
        ..Filter::default()
    };
    let mut out = Vec::new();
    let mut after = 0;
    loop {
        let rows = store.rows(&filter, Page::oldest_first(after, 500)).await?;
        let Some(last) = rows.last() else { break };
        after = last.seq;
        for r in &rows {
            let Ok(e) = event_from_record(&r.record) else {
                continue;
            };
            if !e.is_trusted() {
                continue;
            }
            let agents = e
                .action
                .as_ref()
                .and_then(|a| a.params.as_ref())
                .and_then(|p| p.get("agents"));
            if let Some(list) = agents.and_then(|v| v.as_array()) {
                out.extend(list.iter().filter_map(|v| v.as_str().map(str::to_string)));
            }
        }
        if rows.len() < 500 {
            break;
        }
    }
    Ok(out)
}

pub use crate::gameday::offset as offset_of;

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use crate::event::Timestamp;
    use crate::gameday::events::{end, start, Start};
    use crate::respond::load::Situation;

    fn started(run: &str) -> crate::event::Event {
        let s = Start {
            run,
            scenario_id: "s",
            version: "1",
            text: "",
            sha256: "",
            speed: 1,
            agents: vec!["bot".into()],
            live_store: None,
        };
        start(&s, "fac", format!("start-{run}"), Timestamp::now())
    }

    #[test]
    fn the_console_banner_shows_while_a_run_has_started_and_not_ended() {
        let a = started("a");
        let b = started("b");
        let end_a = end("a", "fac", "done", "end-a".into(), Timestamp::now());
        assert!(Situation::derive(vec![(1, a.clone())]).exercise_running());
        assert!(!Situation::derive(vec![(1, a.clone()), (2, end_a.clone())]).exercise_running());
        assert!(Situation::derive(vec![(1, a), (2, b), (3, end_a)]).exercise_running());
        let mut forged = started("c");
        forged.sealed_by = None;
        assert!(!Situation::derive(vec![(1, forged)]).exercise_running());
    }
}
