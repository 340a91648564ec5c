//! The console's IO edge: the terminal (raw mode, alternate screen, mouse, restored on
//! exit and on panic), the store (pages, live tail, search, verification), and the
//! clipboard. It turns input and answers into messages, runs `update`, performs the
//! effects, and draws — once per burst of messages, inside a synchronized update.

use super::app::{AgentSummary, App, Hit, LedgerStatus, Row, PAGE_ROWS};
use super::msg::{Effect, Msg};
use super::search::Matcher;
use super::theme::Theme;
use super::update::{init, ledger_from_report, matches, update};
use super::views;
use crate::event::Timestamp;
use crate::ledger::note::NoteVerifier;
use crate::store::{Filter, Page, Store};
use crate::verify::{verify_store, VerifyInput};
use crossterm::event::{self, DisableMouseCapture, EnableMouseCapture, Event as TermEvent};
use crossterm::terminal::{self, EnterAlternateScreen, LeaveAlternateScreen};
use crossterm::{execute, queue};
use ratatui::backend::CrosstermBackend;
use ratatui::Terminal;
use std::io::{Stdout, Write};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc::{self, UnboundedSender};
use tokio::task::JoinHandle;

/// Hits kept for display; the scan stops once this many are found.
const MAX_HITS: usize = 200;
const SEARCH_CHUNK: u32 = 20_000;

pub struct ConsoleOptions {
    pub store: Store,
    pub app: App,
    pub theme: Theme,
    pub verifiers: Vec<NoteVerifier>,
    pub anchor: Option<String>,
    /// Where `y` also saves the copied JSON, for terminals without OSC 52.
    pub clipboard_file: PathBuf,
    pub log_file: PathBuf,
}

/// Restores the terminal when dropped, whatever path leaves the console.
struct TerminalGuard {
    mouse: bool,
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore_terminal(self.mouse);
    }
}

fn restore_terminal(mouse: bool) {
    let mut out = std::io::stdout();
    if mouse {
        let _ = execute!(out, DisableMouseCapture);
    }
    let _ = execute!(out, LeaveAlternateScreen, crossterm::cursor::Show);
    let _ = terminal::disable_raw_mode();
}

/// Appends a line to the console's log file (never to the screen).
pub fn log(path: &std::path::Path, line: &str) {
    if let Ok(mut f) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
    {
        let _ = writeln!(
            f,
            "{} {}",
            Timestamp::now(),
            crate::text::escape_untrusted(line)
        );
    }
}

pub async fn run(options: ConsoleOptions) -> anyhow::Result<()> {
    let ConsoleOptions {
        store,
        mut app,
        theme,
        verifiers,
        anchor,
        clipboard_file,
        log_file,
    } = options;
    let mouse = app.mouse;
    terminal::enable_raw_mode()?;
    let _guard = TerminalGuard { mouse };
    let previous_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore_terminal(mouse);
        previous_hook(info);
    }));
    let mut stdout = std::io::stdout();
    execute!(stdout, EnterAlternateScreen)?;
    if mouse {
        execute!(stdout, EnableMouseCapture)?;
    }
    let mut terminal = Terminal::new(CrosstermBackend::new(stdout))?;
    terminal.clear()?;
    let size = terminal.size()?;
    app.size = (size.width, size.height);
    log(
        &log_file,
        &format!(
            "console opened on {} by {}",
            app.header.store, app.header.operator
        ),
    );

    let (tx, mut rx) = mpsc::unbounded_channel::<Msg>();
    spawn_input(tx.clone());
    let store = Arc::new(store);
    let tail = tokio::spawn(tail_loop(store.clone(), tx.clone()));
    let verifying = tokio::spawn(verify_loop(store.clone(), tx.clone(), verifiers, anchor));
    let counting = tokio::spawn(count_loop(
        store.clone(),
        tx.clone(),
        app.header.window_ms(),
    ));
    let mut search: Option<JoinHandle<()>> = None;

    let first = init(&mut app);
    run_effects(
        first,
        &store,
        &tx,
        &mut search,
        &clipboard_file,
        &mut terminal,
        app.header.window_ms(),
    );
    draw(&mut terminal, &app, &theme)?;
    crate::timing::mark("frame first");
    while let Some(msg) = rx.recv().await {
        let mut marks = Vec::new();
        note(&msg, &mut marks);
        let mut effects = update(&mut app, msg, Timestamp::now());
        // Merge bursts: apply everything already queued, then draw once.
        while let Ok(more) = rx.try_recv() {
            note(&more, &mut marks);
            effects.extend(update(&mut app, more, Timestamp::now()));
        }
        if app.quit {
            break;
        }
        run_effects(
            effects,
            &store,
            &tx,
            &mut search,
            &clipboard_file,
            &mut terminal,
            app.header.window_ms(),
        );
        if let Some(s) = &app.status {
            if s.starts_with("error") {
                log(&log_file, s);
            }
        }
        draw(&mut terminal, &app, &theme)?;
        let drawn = Timestamp::now().millis();
        for (label, recorded_at) in marks {
            match recorded_at {
                Some(at) => crate::timing::mark(&format!("{label} lag_ms={}", drawn - at)),
                None => crate::timing::mark(&label),
            }
        }
    }
    tail.abort();
    verifying.abort();
    counting.abort();
    if let Some(s) = search {
        s.abort();
    }
    log(&log_file, "console closed");
    Ok(())
}

/// What a benchmark wants to know about a message once its frame is drawn.
/// Each mark is a label and, for live rows, when the row was sealed.
fn note(msg: &Msg, marks: &mut Vec<(String, Option<i64>)>) {
    if !crate::timing::enabled() {
        return;
    }
    match msg {
        Msg::Key(k) => crate::timing::mark(&format!("key {:?}", k.code)),
        Msg::Page { request, rows, .. } => marks.push((
            format!("frame page request={request} rows={}", rows.len()),
            None,
        )),
        Msg::SearchHits {
            request,
            hits,
            done,
            ..
        } => marks.push((
            format!(
                "frame search request={request} hits={} done={done}",
                hits.len()
            ),
            None,
        )),
        Msg::Appended { rows, .. } => {
            for r in rows {
                if let Some(at) = r.recorded_at {
                    marks.push((format!("frame appended seq={}", r.seq), Some(at.millis())));
                }
            }
        }
        _ => {}
    }
}

fn draw(
    terminal: &mut Terminal<CrosstermBackend<Stdout>>,
    app: &App,
    theme: &Theme,
) -> anyhow::Result<()> {
    queue!(terminal.backend_mut(), terminal::BeginSynchronizedUpdate)?;
    terminal.draw(|f| views::draw(f, app, theme))?;
    execute!(terminal.backend_mut(), terminal::EndSynchronizedUpdate)?;
    Ok(())
}

/// Terminal input on a thread of its own (crossterm's read blocks).
fn spawn_input(tx: UnboundedSender<Msg>) {
    std::thread::spawn(move || loop {
        let msg = match event::read() {
            Ok(TermEvent::Key(k)) if k.kind != event::KeyEventKind::Release => Msg::Key(k),
            Ok(TermEvent::Mouse(m)) => Msg::Mouse(m),
            Ok(TermEvent::Resize(w, h)) => Msg::Resize(w, h),
            Ok(_) => continue,
            Err(_) => return,
        };
        if tx.send(msg).is_err() {
            return;
        }
    });
}

fn rows_of(stored: &[crate::ledger::verify::StoredRow]) -> Vec<Row> {
    stored.iter().filter_map(Row::from_stored).collect()
}

fn run_effects(
    effects: Vec<Effect>,
    store: &Arc<Store>,
    tx: &UnboundedSender<Msg>,
    search: &mut Option<JoinHandle<()>>,
    clipboard_file: &std::path::Path,
    terminal: &mut Terminal<CrosstermBackend<Stdout>>,
    window_ms: i64,
) {
    for effect in effects {
        let (store, tx) = (store.clone(), tx.clone());
        match effect {
            Effect::LoadPage {
                request,
                filter,
                before,
                replace,
            } => {
                tokio::spawn(async move {
                    let msg = match store
                        .rows(&filter, Page::newest_first(before, PAGE_ROWS))
                        .await
                    {
                        Ok(stored) => {
                            let at_oldest = stored.len() < PAGE_ROWS as usize;
                            Msg::Page {
                                request,
                                rows: rows_of(&stored),
                                replace,
                                at_oldest,
                            }
                        }
                        Err(e) => Msg::Status(format!("error: {e}")),
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
                if let Some(previous) = search.take() {
                    previous.abort(); // newest wins
                }
                *search = Some(tokio::spawn(search_scan(store, tx, request, query, filter)));
            }
            Effect::LoadTrace { correlation_id } => {
                tokio::spawn(async move {
                    let filter = Filter {
                        correlation_id: Some(correlation_id.clone()),
                        ..Filter::default()
                    };
                    let msg = match store.rows(&filter, Page::oldest_first(0, 5000)).await {
                        Ok(stored) => Msg::Trace {
                            correlation_id,
                            rows: rows_of(&stored),
                        },
                        Err(e) => Msg::Status(format!("error: {e}")),
                    };
                    let _ = tx.send(msg);
                });
            }
            Effect::LoadAgents => {
                tokio::spawn(async move {
                    let msg = match load_agents(&store).await {
                        Ok(a) => Msg::Agents(a),
                        Err(e) => Msg::Status(format!("error: {e}")),
                    };
                    let _ = tx.send(msg);
                });
            }
            Effect::CountTiers => {
                tokio::spawn(async move {
                    if let Some(since) =
                        Timestamp::from_millis(Timestamp::now().millis() - window_ms)
                    {
                        if let Ok(c) = store.tier_counts(since).await {
                            let _ = tx.send(Msg::TierCounts(c));
                        }
                    }
                });
            }
            Effect::Copy { text, what } => {
                let saved = std::fs::write(clipboard_file, &text).is_ok();
                let osc = format!("\u{1b}]52;c;{}\u{7}", base64_encode(text.as_bytes()));
                let _ = terminal.backend_mut().write_all(osc.as_bytes());
                let _ = terminal.backend_mut().flush();
                let where_ = if saved {
                    format!("; also saved to {}", clipboard_file.display())
                } else {
                    String::new()
                };
                let _ = tx.send(Msg::Status(format!("copied {what} (OSC 52{where_})")));
            }
        }
    }
}

fn base64_encode(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// Newest-first scan of the search text, sending ranked hits as they accumulate.
async fn search_scan(
    store: Arc<Store>,
    tx: UnboundedSender<Msg>,
    request: u64,
    query: String,
    filter: Filter,
) {
    let matcher = Matcher::new(&query);
    if matcher.is_empty() {
        let _ = tx.send(Msg::SearchHits {
            request,
            hits: vec![],
            scanned: 0,
            done: true,
        });
        return;
    }
    let mut before = match store.head_seq().await {
        Ok(h) => h + 1,
        Err(e) => {
            let _ = tx.send(Msg::Status(format!("error: search: {e}")));
            return;
        }
    };
    let mut hits: Vec<Hit> = Vec::new();
    let mut scanned = 0u64;
    loop {
        let chunk = match store.search_chunk(before, SEARCH_CHUNK).await {
            Ok(c) => c,
            Err(e) => {
                let _ = tx.send(Msg::Status(format!("error: search: {e}")));
                return;
            }
        };
        let Some(last) = chunk.last() else { break };
        before = last.0;
        scanned += chunk.len() as u64;
        let found: Vec<(u64, i64, String, Vec<usize>)> = chunk
            .into_iter()
            .filter_map(|(seq, text)| {
                matcher
                    .score(&text)
                    .map(|(score, idx)| (seq, score, text, idx))
            })
            .collect();
        if !found.is_empty() {
            let seqs: Vec<u64> = found.iter().map(|f| f.0).collect();
            let rows = match store.rows_by_seq(&seqs).await {
                Ok(r) => rows_of(&r),
                Err(_) => vec![],
            };
            for (seq, score, text, indices) in found {
                if let Some(row) = rows.iter().find(|r| r.seq == seq) {
                    if matches(&filter, row) {
                        hits.push(Hit {
                            row: row.clone(),
                            score,
                            text,
                            indices,
                        });
                    }
                }
            }
            // Best score first; among equals, newest first.
            hits.sort_by(|a, b| b.score.cmp(&a.score).then(b.row.seq.cmp(&a.row.seq)));
            hits.truncate(MAX_HITS);
        }
        let done = hits.len() >= MAX_HITS;
        if tx
            .send(Msg::SearchHits {
                request,
                hits: hits.clone(),
                scanned,
                done,
            })
            .is_err()
            || done
        {
            return;
        }
    }
    let _ = tx.send(Msg::SearchHits {
        request,
        hits,
        scanned,
        done: true,
    });
}

async fn load_agents(store: &Store) -> Result<Vec<AgentSummary>, crate::store::StoreError> {
    let totals = store.agent_totals().await?;
    let mut out = Vec::with_capacity(totals.len());
    for t in totals {
        let last = store.rows_by_seq(&[t.last_seq]).await?;
        let row = last.first().and_then(Row::from_stored);
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

/// Follows the head of the log and sends every new row (the update filters).
async fn tail_loop(store: Arc<Store>, tx: UnboundedSender<Msg>) {
    let mut last = store.head_seq().await.unwrap_or(0);
    let _ = tx.send(Msg::Appended {
        rows: vec![],
        head_seq: last,
    });
    loop {
        if store
            .wait_for_new(last, Duration::from_secs(1))
            .await
            .is_err()
        {
            tokio::time::sleep(Duration::from_secs(1)).await;
            continue;
        }
        match store
            .rows(&Filter::default(), Page::oldest_first(last, 1000))
            .await
        {
            Ok(stored) if !stored.is_empty() => {
                last = stored.last().map_or(last, |r| r.seq);
                if tx
                    .send(Msg::Appended {
                        rows: rows_of(&stored),
                        head_seq: last,
                    })
                    .is_err()
                {
                    return;
                }
            }
            Ok(_) => {}
            Err(e) => {
                let _ = tx.send(Msg::Status(format!("error: live tail: {e}")));
                tokio::time::sleep(Duration::from_secs(2)).await;
            }
        }
    }
}

/// Verifies the whole ledger in the background, reporting progress to the header.
async fn verify_loop(
    store: Arc<Store>,
    tx: UnboundedSender<Msg>,
    verifiers: Vec<NoteVerifier>,
    anchor: Option<String>,
) {
    let total = store.head_seq().await.unwrap_or(0);
    if let Ok(Some(cp)) = store.latest_checkpoint().await {
        let _ = tx.send(Msg::CheckpointSize(cp.tree_size));
    }
    if verifiers.is_empty() {
        let _ = tx.send(Msg::Ledger(LedgerStatus::Unknown("no verifier key".into())));
        return;
    }
    let input = VerifyInput {
        anchor: anchor.as_deref(),
        verifiers: &verifiers,
    };
    let mut done = 0u64;
    let progress_tx = tx.clone();
    let result = verify_store(&store, &input, |n| {
        done += n;
        let _ = progress_tx.send(Msg::Ledger(LedgerStatus::Verifying { done, total }));
    })
    .await;
    let status = match result {
        Ok(report) => ledger_from_report(&report),
        Err(e) => LedgerStatus::Unknown(e.to_string()),
    };
    let _ = tx.send(Msg::Ledger(status));
    loop {
        tokio::time::sleep(Duration::from_secs(15)).await;
        if let Ok(Some(cp)) = store.latest_checkpoint().await {
            let _ = tx.send(Msg::CheckpointSize(cp.tree_size));
        }
    }
}

/// Refreshes the header's tier counts now and then (live rows also bump them).
async fn count_loop(store: Arc<Store>, tx: UnboundedSender<Msg>, window_ms: i64) {
    loop {
        tokio::time::sleep(Duration::from_secs(30)).await;
        if let Some(since) = Timestamp::from_millis(Timestamp::now().millis() - window_ms) {
            if let Ok(c) = store.tier_counts(since).await {
                let _ = tx.send(Msg::TierCounts(c));
            }
        }
    }
}
