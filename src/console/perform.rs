//! Running effects: the one function that turns every `Effect` into IO. Store work is
//! spawned and answers with a message; the clipboard is written here, on the terminal.
//! What to do was decided by the pure update; nothing here changes the state.

use super::app::{AgentSummary, Row, PAGE_ROWS};
use super::approvals_io::Approvals;
use super::background::Foreground;
use super::effect::Effect;
use super::msg::{Msg, Status};
use super::respond_io::{Responder, Sealing};
use super::search_scan::{search_scan, SearchScan};
use super::terminal::{copy_osc52, Screen};
use crate::event::Timestamp;
use crate::query::{Filter, Page};
use crate::store::{Store, StoreError, StoredRow};
use std::path::PathBuf;
use std::sync::Arc;
use tokio::sync::mpsc::UnboundedSender;
use tokio::task::JoinHandle;

/// What running effects needs besides the terminal.
pub struct Io {
    pub store: Arc<Store>,
    pub tx: UnboundedSender<Msg>,
    /// The running search, aborted when a newer one starts.
    pub search: Option<JoinHandle<()>>,
    /// Where `y` also saves the copied text, for terminals without OSC 52.
    pub clipboard_file: PathBuf,
    pub foreground: Foreground,
    pub sealing: Sealing,
    /// Who votes from this console (see `ConsoleOptions::voter`).
    pub voter: crate::gate::Voter,
}

/// Runs one effect; `window_ms` is the header's window for tier counts.
pub fn perform(effect: Effect, io: &mut Io, screen: &mut Screen, window_ms: i64) {
    let (store, tx) = (io.store.clone(), io.tx.clone());
    let responder = Responder {
        store: &io.store,
        tx: &io.tx,
        sealing: &io.sealing,
    };
    let approvals = || Approvals {
        store: &io.store,
        tx: &io.tx,
        sealing: &io.sealing,
        voter: &io.voter,
    };
    match effect {
        Effect::LoadPage {
            request,
            filter,
            before,
            replace,
        } => {
            let busy = io.foreground.busy();
            tokio::spawn(async move {
                let _busy = busy;
                let msg = match store
                    .rows(&filter, Page::newest_first(before, PAGE_ROWS))
                    .await
                {
                    Ok(stored) => {
                        let at_oldest = stored.len() < PAGE_ROWS as usize;
                        Msg::Page {
                            request,
                            rows: decode_rows(&stored),
                            replace,
                            at_oldest,
                        }
                    }
                    Err(e) => Msg::Status(Status::error(e.to_string())),
                };
                let _ = tx.send(msg);
            });
        }
        Effect::Search {
            request,
            query,
            filter,
        } => {
            if crate::timing::enabled() {
                crate::timing::mark(&format!("search start request={request}"));
            }
            if let Some(previous) = io.search.take() {
                previous.abort(); // newest wins
            }
            let scan = SearchScan {
                store,
                tx,
                request,
                filter,
                busy: io.foreground.busy(),
            };
            io.search = Some(tokio::spawn(search_scan(scan, query)));
        }
        Effect::LoadTrace { correlation_id } => {
            let busy = io.foreground.busy();
            tokio::spawn(async move {
                let _busy = busy;
                let filter = Filter {
                    correlation_id: Some(correlation_id.clone()),
                    ..Filter::default()
                };
                let msg = match store.rows(&filter, Page::oldest_first(0, 5000)).await {
                    Ok(stored) => Msg::Trace {
                        correlation_id,
                        rows: decode_rows(&stored),
                    },
                    Err(e) => Msg::Status(Status::error(e.to_string())),
                };
                let _ = tx.send(msg);
            });
        }
        Effect::LoadAgents => {
            let busy = io.foreground.busy();
            tokio::spawn(async move {
                let _busy = busy;
                let msg = match load_agents(&store).await {
                    Ok(a) => Msg::Agents(a),
                    Err(e) => Msg::Status(Status::error(e.to_string())),
                };
                let _ = tx.send(msg);
            });
        }
        Effect::CountTiers => {
            tokio::spawn(async move {
                if let Some(since) = Timestamp::from_millis(Timestamp::now().millis() - window_ms) {
                    if let Ok(c) = store.tier_counts(since).await {
                        let _ = tx.send(Msg::TierCounts(c));
                    }
                }
            });
        }
        Effect::Copy { text, what } => {
            let clipboard_file = &io.clipboard_file;
            let saved = std::fs::write(clipboard_file, &text).is_ok();
            copy_osc52(screen, &text);
            let where_ = if saved {
                format!("; also saved to {}", clipboard_file.display())
            } else {
                String::new()
            };
            let _ = tx.send(Msg::Status(Status::info(format!(
                "copied {what} (OSC 52{where_})"
            ))));
        }
        Effect::LoadSituation => responder.load_situation(),
        Effect::LoadIncident { id } => responder.load_incident(id),
        Effect::Seal {
            events,
            checkpoint,
            what,
        } => responder.seal(events, checkpoint, what),
        Effect::Execute { plan, step, what } => responder.execute(plan, step, what),
        Effect::LoadRollback {
            request,
            since,
            step,
        } => responder.load_rollback(request, since, step),
        Effect::ExecuteMany { plans, step, what } => responder.execute_many(plans, step, what),
        Effect::Learn { since } => {
            tokio::spawn(learn(store, tx, since));
        }
        Effect::SealDetections { events } => responder.seal_detections(events),
        Effect::LoadApprovals => approvals().load(),
        Effect::LoadAgentRecord { agent } => approvals().load_record(agent),
        Effect::Vote {
            requests,
            ballot,
            what,
        } => approvals().vote(requests, ballot, what),
    }
}

/// Rows per chunk of detection's start read.
const LEARN_ROWS: u32 = 2000;

/// `Effect::Learn`: the events since `since`, oldest first, in chunks.
async fn learn(store: Arc<Store>, tx: UnboundedSender<Msg>, since: Timestamp) {
    let filter = Filter {
        since: Some(since),
        ..Filter::default()
    };
    let mut after = 0;
    loop {
        match store
            .rows(&filter, Page::oldest_first(after, LEARN_ROWS))
            .await
        {
            Ok(stored) => {
                let done = stored.len() < LEARN_ROWS as usize;
                after = stored.last().map_or(after, |r| r.seq);
                let rows = decode_rows(&stored);
                if tx.send(Msg::Learned { rows, done }).is_err() || done {
                    return;
                }
            }
            Err(e) => {
                let _ = tx.send(Msg::Status(Status::error(format!(
                    "detection could not read recent history, it learns from the live tail only: {e}"
                ))));
                let _ = tx.send(Msg::Learned {
                    rows: Vec::new(),
                    done: true,
                });
                return;
            }
        }
    }
}

/// The stored rows that decode, in the order given (a record that does not decode is
/// left out; verification reports it).
pub(super) fn decode_rows(stored: &[StoredRow]) -> Vec<Row> {
    stored.iter().filter_map(decode_row).collect()
}

fn decode_row(row: &StoredRow) -> Option<Row> {
    Row::from_record(row.seq, &row.hash, &row.record)
}

/// The Agents view: each agent seen in the last week, with its last action.
async fn load_agents(store: &Store) -> Result<Vec<AgentSummary>, StoreError> {
    // The last week: bounded work on a year of history, and what an on-call engineer asks.
    let since = Timestamp::from_millis(Timestamp::now().millis() - 7 * 86_400_000)
        .unwrap_or(Timestamp::now());
    let totals = store.agent_totals(since).await?;
    let mut out = Vec::with_capacity(totals.len());
    for t in totals {
        let last = store.rows_by_seq(&[t.last_seq]).await?;
        let row = last.first().and_then(decode_row);
        let e = row.as_ref().map(|r| &r.event);
        out.push(AgentSummary {
            id: t.agent_id,
            name: e.and_then(|e| e.agent.as_ref()?.name.clone()),
            version: e.and_then(|e| e.agent.as_ref()?.version.clone()),
            model: e.and_then(|e| {
                let m = e.model.as_ref()?;
                Some(match &m.version {
                    Some(v) => format!("{} {v}", m.name),
                    None => m.name.clone(),
                })
            }),
            last_seq: t.last_seq,
            last_time: e.map(|e| e.time),
            last_action: e.map(|e| e.action.as_ref().map_or(e.kind.clone(), |a| a.kind.clone())),
            by_tier: t.by_tier,
            events: t.events,
            failures: t.failures,
        });
    }
    Ok(out)
}
