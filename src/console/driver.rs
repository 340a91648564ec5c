//! The console's IO edge: the terminal (raw mode, alternate screen, mouse, restored on
//! exit and on panic), the store (pages, live tail, search, verification), and the
//! clipboard. It turns input and answers into messages, runs `update`, performs the
//! effects, and draws — once per burst of messages, inside a synchronized update.

use super::app::{AgentSummary, App, Hit, LedgerStatus, Row, PAGE_ROWS};
use super::msg::{Effect, Msg};
use super::search::Matcher;
use super::theme::Theme;
use super::update::{init, ledger_from_report, update};
use super::views;
use super::window::matches;
use crate::event::Timestamp;
use crate::ledger::note::NoteVerifier;
use crate::ledger::verify::{inspect, Report};
use crate::store::{Filter, Page, Store, StoreError};
use crate::verify::VerifyInput;
use crossterm::event::{self, DisableMouseCapture, EnableMouseCapture, Event as TermEvent};
use crossterm::terminal::{self, EnterAlternateScreen, LeaveAlternateScreen};
use crossterm::{execute, queue};
use ratatui::backend::CrosstermBackend;
use ratatui::Terminal;
use std::io::{Stdout, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc::{self, UnboundedSender};
use tokio::sync::Notify;
use tokio::task::JoinHandle;

/// Hits kept for display; the scan stops once this many are found (and ranked over at
/// least `RANK_WINDOW` lines).
const MAX_HITS: usize = 200;
/// The newest lines every search ranks over before it may stop, however early it has
/// found `MAX_HITS`.
const RANK_WINDOW: u64 = 20_000;
/// Search lines read per chunk: the first chunk is small so the first results are on
/// screen quickly (as a partial answer); later chunks grow to amortise the per-query cost.
const SEARCH_FIRST_CHUNK: u32 = 2_000;
const SEARCH_MAX_CHUNK: u32 = 32_000;
/// Rows per page of the console's background verification: small, so the check holds
/// little memory beside the operator's work (the `custody verify` command uses more).
const VERIFY_PAGE: u32 = 256;
/// Background verification pauses this long after each key press or click.
const QUIET_AFTER_INPUT_MS: u64 = 300;

pub struct ConsoleOptions {
    pub store: Store,
    pub app: App,
    pub theme: Theme,
    pub verifiers: Vec<NoteVerifier>,
    pub anchor: Option<String>,
    /// Where `y` also saves the copied JSON, for terminals without OSC 52.
    pub clipboard_file: PathBuf,
    pub log_file: PathBuf,
    /// Signing key, anchor file and session id for what the console seals.
    pub sealing: super::respond_io::Sealing,
}

/// Whether the operator is at work: store requests they are waiting for (pages,
/// searches, traces, agents) and their last key or click. Background verification holds
/// off while any request is in flight and for a moment after input, so on a small
/// machine it does not compete with the operator for the cores or the store.
#[derive(Clone)]
struct Foreground(Arc<ForegroundState>);

struct ForegroundState {
    started: std::time::Instant,
    in_flight: AtomicUsize,
    /// Milliseconds after `started` of the last input.
    last_input_ms: AtomicU64,
}

/// One foreground request in flight; dropping it (also when its task is aborted) ends it.
struct Busy(Foreground);

impl Foreground {
    fn new() -> Self {
        Foreground(Arc::new(ForegroundState {
            started: std::time::Instant::now(),
            in_flight: AtomicUsize::new(0),
            last_input_ms: AtomicU64::new(0),
        }))
    }

    fn busy(&self) -> Busy {
        self.0.in_flight.fetch_add(1, Ordering::AcqRel);
        Busy(self.clone())
    }

    fn now_ms(&self) -> u64 {
        u64::try_from(self.0.started.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    /// Notes a key press or mouse event.
    fn input(&self) {
        self.0.last_input_ms.store(self.now_ms(), Ordering::Release);
    }

    /// Returns once nothing is in flight and no input came for `QUIET_AFTER_INPUT_MS`.
    async fn wait_idle(&self) {
        loop {
            let quiet = self
                .now_ms()
                .saturating_sub(self.0.last_input_ms.load(Ordering::Acquire));
            if self.0.in_flight.load(Ordering::Acquire) == 0 && quiet >= QUIET_AFTER_INPUT_MS {
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        self.0 .0.in_flight.fetch_sub(1, Ordering::AcqRel);
    }
}

/// What running effects needs besides the terminal.
struct Io {
    store: Arc<Store>,
    tx: UnboundedSender<Msg>,
    /// The running search, aborted when a newer one starts.
    search: Option<JoinHandle<()>>,
    clipboard_file: PathBuf,
    foreground: Foreground,
    sealing: super::respond_io::Sealing,
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
        sealing,
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
    let operator = app.header.operator.clone();
    if let Err(e) =
        super::respond_io::session_event(&store, &sealing, &operator, "open", app.read_only).await
    {
        app.status = Some(format!(
            "error: this session is not recorded in the ledger: {e}"
        ));
        log(&log_file, &format!("console.session open not sealed: {e}"));
    }
    let foreground = Foreground::new();
    // Verification starts once the first page is on screen (it is the larger job).
    let first_page = Arc::new(Notify::new());
    let tail = tokio::spawn(tail_loop(store.clone(), tx.clone()));
    let verifying = tokio::spawn(verify_loop(
        store.clone(),
        tx.clone(),
        verifiers,
        anchor,
        first_page.clone(),
        foreground.clone(),
    ));
    let counting = tokio::spawn(count_loop(
        store.clone(),
        tx.clone(),
        app.header.window_ms(),
    ));
    let ticking = {
        let tx = tx.clone();
        tokio::spawn(async move {
            let mut every = tokio::time::interval(Duration::from_secs(1));
            loop {
                every.tick().await;
                if tx.send(Msg::Tick).is_err() {
                    return;
                }
            }
        })
    };
    let mut io = Io {
        store,
        tx,
        search: None,
        clipboard_file,
        foreground,
        sealing,
    };

    let first = init(&mut app);
    run_effects(first, &mut io, &mut terminal, app.header.window_ms());
    draw(&mut terminal, &app, &theme)?;
    crate::timing::mark("frame first");
    let mut awaiting_first_page = true;
    while let Some(msg) = rx.recv().await {
        if matches!(msg, Msg::Key(_) | Msg::Mouse(_)) {
            io.foreground.input();
        }
        let mut marks = Vec::new();
        let mut page = matches!(msg, Msg::Page { .. });
        note(&msg, &mut marks);
        let mut effects = update(&mut app, msg, Timestamp::now());
        // Merge bursts: apply everything already queued, then draw once.
        while let Ok(more) = rx.try_recv() {
            page |= matches!(more, Msg::Page { .. });
            note(&more, &mut marks);
            effects.extend(update(&mut app, more, Timestamp::now()));
        }
        if app.quit {
            break;
        }
        run_effects(effects, &mut io, &mut terminal, app.header.window_ms());
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
        if awaiting_first_page && page {
            awaiting_first_page = false;
            first_page.notify_one();
        }
    }
    tail.abort();
    verifying.abort();
    counting.abort();
    ticking.abort();
    if let Some(s) = io.search.take() {
        s.abort();
    }
    if let Err(e) =
        super::respond_io::session_event(&io.store, &io.sealing, &operator, "close", app.read_only)
            .await
    {
        log(&log_file, &format!("console.session close not sealed: {e}"));
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

fn rows_of(stored: &[crate::store::StoredRow]) -> Vec<Row> {
    stored.iter().filter_map(Row::from_stored).collect()
}

fn run_effects(
    effects: Vec<Effect>,
    io: &mut Io,
    terminal: &mut Terminal<CrosstermBackend<Stdout>>,
    window_ms: i64,
) {
    for effect in effects {
        let (store, tx) = (io.store.clone(), io.tx.clone());
        let Some(effect) = super::respond_io::run(effect, store.clone(), tx.clone(), &io.sealing)
        else {
            continue;
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
                            rows: rows_of(&stored),
                        },
                        Err(e) => Msg::Status(format!("error: {e}")),
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
                        Err(e) => Msg::Status(format!("error: {e}")),
                    };
                    let _ = tx.send(msg);
                });
            }
            // Run by `respond_io::run` above.
            Effect::LoadSituation
            | Effect::Seal { .. }
            | Effect::Execute { .. }
            | Effect::LoadRollback { .. }
            | Effect::ExecuteMany { .. } => {}
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
                let clipboard_file = &io.clipboard_file;
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

/// One search request: where to look, where to answer, and what narrows it.
struct SearchScan {
    store: Arc<Store>,
    tx: UnboundedSender<Msg>,
    request: u64,
    filter: Filter,
    /// Marks the scan as foreground work for as long as it runs.
    busy: Busy,
}

/// Newest-first scan of the search text in growing chunks, sending the ranked hits so
/// far after each chunk (the first chunk is small, so first results come quickly).
async fn search_scan(scan: SearchScan, query: String) {
    let SearchScan {
        store,
        tx,
        request,
        filter,
        busy: _busy,
    } = scan;
    let send = |hits: Vec<Hit>, scanned: u64, done: bool| {
        tx.send(Msg::SearchHits {
            request,
            hits,
            scanned,
            done,
        })
        .is_ok()
    };
    let fail = |e: StoreError| {
        let _ = tx.send(Msg::Status(format!("error: search: {e}")));
    };
    let matcher = Matcher::new(&query);
    if matcher.is_empty() {
        send(vec![], 0, true);
        return;
    }
    // From the head down (no need to ask where the head is).
    let mut before = i64::MAX as u64;
    let mut hits: Vec<Hit> = Vec::new();
    let mut scanned = 0u64;
    let mut size = SEARCH_FIRST_CHUNK;
    loop {
        let chunk = match store.search_chunk(before, size).await {
            Ok(c) => c,
            Err(e) => return fail(e),
        };
        let Some(last) = chunk.last() else { break };
        before = last.0;
        scanned += chunk.len() as u64;
        size = size.saturating_mul(4).min(SEARCH_MAX_CHUNK);
        if let Some(rest) = RANK_WINDOW.checked_sub(scanned).filter(|r| *r > 0) {
            size = size.min(u32::try_from(rest).unwrap_or(u32::MAX));
        }
        // With the list full, a line must beat the last hit (equals lose: they are older).
        let floor = (hits.len() >= MAX_HITS)
            .then(|| hits.last().map(|h| h.score))
            .flatten();
        match best_of_chunk(&store, &matcher, &filter, chunk, floor).await {
            Ok(found) => hits.extend(found),
            Err(e) => return fail(e),
        }
        // Best score first; among equals, newest first.
        hits.sort_by(|a, b| b.score.cmp(&a.score).then(b.row.seq.cmp(&a.row.seq)));
        hits.truncate(MAX_HITS);
        let done = hits.len() >= MAX_HITS && scanned >= RANK_WINDOW;
        if !send(hits.clone(), scanned, done) || done {
            return;
        }
    }
    send(hits, scanned, true);
}

/// The chunk's matching lines scoring above `floor` as hits, best first. Only the best
/// `MAX_HITS` lines that pass the filter can make the list, so only their records are
/// read and decoded: a batch at a time, best first, while the filter turns some away.
async fn best_of_chunk(
    store: &Store,
    matcher: &Matcher,
    filter: &Filter,
    chunk: Vec<(u64, String)>,
    floor: Option<i64>,
) -> Result<Vec<Hit>, StoreError> {
    let mut ranked: Vec<(u64, i64, String)> = chunk
        .into_iter()
        .filter_map(|(seq, text)| matcher.rank(&text).map(|score| (seq, score, text)))
        .filter(|(_, score, _)| floor.is_none_or(|f| *score > f))
        .collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then(b.0.cmp(&a.0)));
    let mut candidates = ranked.into_iter();
    let mut out = Vec::new();
    while out.len() < MAX_HITS {
        let batch: Vec<(u64, i64, String)> = candidates.by_ref().take(MAX_HITS).collect();
        if batch.is_empty() {
            break;
        }
        let seqs: Vec<u64> = batch.iter().map(|c| c.0).collect();
        let mut rows: std::collections::HashMap<u64, Row> =
            rows_of(&store.rows_by_seq(&seqs).await?)
                .into_iter()
                .map(|r| (r.seq, r))
                .collect();
        for (seq, _, text) in batch {
            if out.len() >= MAX_HITS {
                break;
            }
            let Some(row) = rows.remove(&seq).filter(|r| matches(filter, r)) else {
                continue;
            };
            if let Some((score, indices)) = matcher.score(&text) {
                out.push(Hit {
                    row,
                    score,
                    text,
                    indices,
                });
            }
        }
    }
    Ok(out)
}

async fn load_agents(store: &Store) -> Result<Vec<AgentSummary>, crate::store::StoreError> {
    // The last week: bounded work on a year of history, and what an on-call engineer asks.
    let since = Timestamp::from_millis(Timestamp::now().millis() - 7 * 86_400_000)
        .unwrap_or(Timestamp::now());
    let totals = store.agent_totals(since).await?;
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

/// Verifies the whole ledger in the background, reporting progress to the header. It
/// starts once the first page is on screen (or after two seconds).
async fn verify_loop(
    store: Arc<Store>,
    tx: UnboundedSender<Msg>,
    verifiers: Vec<NoteVerifier>,
    anchor: Option<String>,
    first_page: Arc<Notify>,
    foreground: Foreground,
) {
    let _ = tokio::time::timeout(Duration::from_secs(2), first_page.notified()).await;
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
    // Progress in steps of about 1% (each step redraws the header).
    let step = (total / 100).max(u64::from(VERIFY_PAGE));
    let (mut done, mut shown) = (0u64, 0u64);
    let progress_tx = tx.clone();
    let result = verify_paced(&store, &input, &foreground, |n| {
        done += n;
        if done - shown >= step {
            shown = done;
            let _ = progress_tx.send(Msg::Ledger(LedgerStatus::Verifying { done, total }));
        }
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

/// `verify_store` paced for the console: the same checks over the same rows in order,
/// but in small pages inspected on one core, and each page waits while the operator is
/// waiting for a page or a search. Memory stays at about one small page.
async fn verify_paced(
    store: &Store,
    input: &VerifyInput<'_>,
    foreground: &Foreground,
    mut progress: impl FnMut(u64),
) -> Result<Report, StoreError> {
    let origin = store.origin().to_string();
    let mut checker = crate::verify::checker_for(store, input).await?;
    let all = Filter::default();
    let mut cursor = 0;
    loop {
        foreground.wait_idle().await;
        let rows = store
            .rows(&all, Page::oldest_first(cursor, VERIFY_PAGE))
            .await?;
        let Some(last) = rows.last() else { break };
        cursor = last.seq;
        let origin = origin.clone();
        let facts = tokio::task::spawn_blocking(move || {
            rows.iter().map(|r| inspect(r, &origin)).collect::<Vec<_>>()
        })
        .await
        .map_err(|e| StoreError::Corrupt(format!("verification worker failed: {e}")))?;
        for f in &facts {
            checker.absorb(f);
        }
        progress(facts.len() as u64);
    }
    Ok(checker.finish())
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
