//! The console's loop: it turns input and answers into messages, runs `update`, has the
//! effects performed, and draws — once per burst of messages. The terminal is set up and
//! restored in `terminal`, the store's background work runs in `background`, and effects
//! run in `perform`; this is the only place that reads the wall clock for `update`.

use super::app::App;
use super::background::{self, Foreground, VerifyWith};
use super::msg::{Level, Msg, Status};
use super::perform::{perform, Io};
use super::terminal::{self, Screen};
use super::theme::Theme;
use super::update::{init, update};
use crate::event::Timestamp;
use crate::ledger::note::NoteVerifier;
use crate::store::Store;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use tokio::sync::mpsc;
use tokio::sync::Notify;

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
    /// The operator as a voter on approval requests: built where the operator's
    /// identity is established (the command line), never from the console's state.
    pub voter: crate::gate::Voter,
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
            crate::untrusted::escape_untrusted(line)
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
        voter,
    } = options;
    let (_guard, mut screen) = terminal::open(app.mouse)?;
    let size = screen.size()?;
    app.size = (size.width, size.height);
    log(
        &log_file,
        &format!(
            "console opened on {} by {}",
            app.header.store, app.header.operator
        ),
    );

    let (tx, mut rx) = mpsc::unbounded_channel::<Msg>();
    terminal::spawn_input(tx.clone());
    let store = Arc::new(store);
    let operator = app.header.operator.clone();
    if let Err(e) =
        super::respond_io::session_event(&store, &sealing, &operator, "open", app.read_only).await
    {
        app.status = Some(Status::error(format!(
            "this session is not recorded in the ledger: {e}"
        )));
        log(&log_file, &format!("console.session open not sealed: {e}"));
    }
    let foreground = Foreground::new();
    // Verification starts once the first page is on screen (it is the larger job).
    let first_page = Arc::new(Notify::new());
    let background = background::start(
        &store,
        &tx,
        VerifyWith { verifiers, anchor },
        first_page.clone(),
        foreground.clone(),
        app.header.window_ms(),
    );
    let mut io = Io {
        store,
        tx,
        search: None,
        clipboard_file,
        foreground,
        sealing,
        voter,
    };

    let first = init(&mut app);
    perform_all(first, &mut io, &mut screen, &app);
    terminal::draw(&mut screen, &app, &theme)?;
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
        perform_all(effects, &mut io, &mut screen, &app);
        if let Some(s) = app.status.as_ref().filter(|s| s.level == Level::Error) {
            log(&log_file, &s.to_string());
        }
        terminal::draw(&mut screen, &app, &theme)?;
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
    drop(background);
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

fn perform_all(effects: Vec<super::effect::Effect>, io: &mut Io, screen: &mut Screen, app: &App) {
    for effect in effects {
        perform(effect, io, screen, app.header.window_ms());
    }
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
