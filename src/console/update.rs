//! The console's update: a pure function from state and message to new state and
//! effects. It never performs IO; the driver runs the effects and feeds the answers
//! back as messages. Tests drive it with key events and no terminal or database.

use super::app::{
    App, DetailScroll, LedgerStatus, LineEdit, Overlay, Picker, PickerKind, Row, View, WINDOW_ROWS,
};
use super::input;
use super::keymap::Action;
use super::msg::{Effect, Msg};
use super::response;
use crate::event::{Tier, Timestamp};
use crate::store::Filter;
use crossterm::event::{KeyEvent, MouseButton, MouseEvent, MouseEventKind};

/// Effects to run when the console opens.
pub fn init(app: &mut App) -> Vec<Effect> {
    vec![reload(app), Effect::CountTiers, Effect::LoadSituation]
}

pub fn update(app: &mut App, msg: Msg, now: Timestamp) -> Vec<Effect> {
    app.now = Some(now);
    let effects = route(app, msg, now);
    settle_scroll(app);
    effects
}

/// Keeps each list's first visible row such that its cursor stays on screen, with the
/// same arithmetic the lists are drawn with, so the cursor moves within the window
/// instead of dragging the list along.
fn settle_scroll(app: &mut App) {
    use super::views::{agents, detail, layout, list_rows, scroll_offset, search, trace};
    let areas = layout(
        ratatui::layout::Rect::new(0, 0, app.size.0, app.size.1),
        app,
    );
    let height = list_rows(&areas, app);
    let s = &mut app.stream;
    s.offset = scroll_offset(s.selected, s.offset, height, s.rows.len());
    app.search.offset = search::first_row(areas.table, app);
    app.agents.offset = agents::first_row(areas.table, app);
    app.trace.offset = trace::first_line(areas.table, app);
    if let Some(pane) = areas.detail {
        let beside = pane.y == areas.table.y;
        app.detail_at.lines = detail::clamped_offset(pane, app, beside);
    }
}

fn route(app: &mut App, msg: Msg, now: Timestamp) -> Vec<Effect> {
    match msg {
        Msg::Key(key) => on_key(app, key, now),
        Msg::Mouse(m) => on_mouse(app, m),
        Msg::Resize(w, h) => {
            app.size = (w, h);
            vec![]
        }
        Msg::Page {
            request,
            rows,
            replace,
            at_oldest,
        } => {
            on_page(app, request, rows, replace, at_oldest);
            vec![]
        }
        Msg::Appended { rows, head_seq } => {
            response::absorb(app, &rows);
            on_appended(app, rows, head_seq);
            vec![]
        }
        Msg::SearchHits {
            request,
            hits,
            scanned,
            done,
        } => {
            if request == app.search.request {
                app.search.hits = hits;
                app.search.scanned = scanned;
                app.search.scanning = !done;
                app.search.selected = app
                    .search
                    .selected
                    .min(app.search.hits.len().saturating_sub(1));
            }
            vec![]
        }
        Msg::Trace {
            correlation_id,
            rows,
        } => {
            if correlation_id == app.trace.correlation_id {
                let keep = app.selected_row().map(|r| r.seq);
                app.trace.selected = keep
                    .and_then(|s| rows.iter().position(|r| r.seq == s))
                    .unwrap_or(0);
                app.trace.rows = rows;
                app.trace.loading = false;
            }
            vec![]
        }
        Msg::Agents(agents) => {
            app.agents.agents = agents;
            response::list_controlled_agents(app);
            app.agents.loading = false;
            app.agents.selected = app
                .agents
                .selected
                .min(app.agents.agents.len().saturating_sub(1));
            vec![]
        }
        Msg::TierCounts(c) => {
            app.header.tier_counts = c;
            vec![]
        }
        Msg::Ledger(status) => {
            app.header.ledger = status;
            vec![]
        }
        Msg::CheckpointSize(size) => {
            app.header.checkpoint_size = size;
            vec![]
        }
        Msg::Status(s) => {
            app.status = Some(s);
            vec![]
        }
        Msg::Tick => vec![],
        Msg::Situation(situation) => {
            response::on_loaded(app, *situation);
            vec![]
        }
        Msg::Sealed { what, result } => response::on_sealed(app, what, result),
        Msg::Executed { what, result } => response::on_executed(app, what, result),
        Msg::RollbackCandidates {
            request,
            since,
            actions,
            step,
        } => {
            response::bulk::candidates(app, *request, since, actions, step);
            vec![]
        }
    }
}

pub(super) fn next_request(app: &mut App) -> u64 {
    app.next_request += 1;
    app.next_request
}

/// Starts a new stream window for the current filter (newest first).
pub(super) fn reload(app: &mut App) -> Effect {
    let request = next_request(app);
    let s = &mut app.stream;
    s.request = request;
    s.loading = true;
    s.at_oldest = false;
    s.trimmed_newer = false;
    s.held.clear();
    s.arrived_while_frozen = 0;
    Effect::LoadPage {
        request,
        filter: app.filter.clone(),
        before: None,
        replace: true,
    }
}

fn load_older(app: &mut App) -> Vec<Effect> {
    let s = &app.stream;
    if s.loading || s.at_oldest {
        return vec![];
    }
    let before = s.rows.last().map(|r| r.seq);
    let request = next_request(app);
    app.stream.request = request;
    app.stream.loading = true;
    vec![Effect::LoadPage {
        request,
        filter: app.filter.clone(),
        before,
        replace: false,
    }]
}

fn on_page(app: &mut App, request: u64, rows: Vec<Row>, replace: bool, at_oldest: bool) {
    let s = &mut app.stream;
    if request != s.request {
        return; // an answer to a request that a newer one replaced
    }
    s.loading = false;
    s.at_oldest = at_oldest;
    if replace {
        s.rows = rows;
        s.selected = 0;
        s.offset = 0;
        return;
    }
    s.rows.extend(rows);
    if s.rows.len() > WINDOW_ROWS {
        // Deep in history: drop the newest rows to stay bounded, and stop inserting live
        // rows above them (Top reloads).
        let drop = s.rows.len() - WINDOW_ROWS;
        s.rows.drain(..drop);
        s.selected = s.selected.saturating_sub(drop);
        s.offset = s.offset.saturating_sub(drop);
        s.trimmed_newer = true;
        s.frozen = true;
    }
}

/// Whether a row passes the filter (for live rows; pages are filtered by the store).
pub fn matches(f: &Filter, row: &Row) -> bool {
    let e = &row.event;
    let any = |list: &[String], v: Option<&str>| {
        list.is_empty() || v.is_some_and(|v| list.iter().any(|x| x == v))
    };
    (f.tiers.is_empty() || e.tier.is_some_and(|t| f.tiers.contains(&t)))
        && any(&f.reasons, e.reason_code.as_deref())
        && any(&f.agents, e.agent_id())
        && any(&f.kinds, Some(e.kind.as_str()))
        && any(&f.environments, e.environment())
        && f.correlation_id
            .as_deref()
            .is_none_or(|c| e.correlation_id() == Some(c))
        && f.since.is_none_or(|t| e.time >= t)
        && f.until.is_none_or(|t| e.time < t)
}

fn on_appended(app: &mut App, rows: Vec<Row>, head_seq: u64) {
    app.header.head_seq = app.header.head_seq.max(head_seq);
    for r in &rows {
        if let Some(t) = r.event.tier {
            app.header.tier_counts[t as usize] += 1;
        }
    }
    if app.view == View::Trace {
        let id = app.trace.correlation_id.clone();
        app.trace.rows.extend(
            rows.iter()
                .filter(|r| r.event.correlation_id() == Some(id.as_str()))
                .cloned(),
        );
    }
    let s = &mut app.stream;
    let newest_loaded = s.rows.first().map_or(0, |r| r.seq);
    let fresh: Vec<Row> = rows
        .into_iter()
        .filter(|r| r.seq > newest_loaded && matches(&app.filter, r))
        .collect();
    if fresh.is_empty() {
        return;
    }
    if s.frozen {
        s.arrived_while_frozen += fresh.len() as u64;
        if !s.trimmed_newer {
            s.held.extend(fresh);
        }
        return;
    }
    insert_newest(s, fresh);
}

/// Inserts rows (oldest first) at the top; a cursor that left the top stays on its row.
fn insert_newest(s: &mut super::app::StreamState, fresh: Vec<Row>) {
    let n = fresh.len();
    let follow = s.selected == 0;
    s.rows.splice(0..0, fresh.into_iter().rev());
    if !follow {
        s.selected += n;
        s.offset += n;
    }
    if s.rows.len() > WINDOW_ROWS {
        s.rows.truncate(WINDOW_ROWS);
        s.at_oldest = false;
        s.selected = s.selected.min(WINDOW_ROWS - 1);
    }
}

pub(super) fn toggle_freeze(app: &mut App, frozen: bool) -> Vec<Effect> {
    let s = &mut app.stream;
    if s.frozen == frozen {
        return vec![];
    }
    s.frozen = frozen;
    if frozen {
        return vec![];
    }
    if s.trimmed_newer {
        return vec![reload(app)];
    }
    let held = std::mem::take(&mut s.held);
    s.arrived_while_frozen = 0;
    insert_newest(s, held);
    vec![]
}

fn on_key(app: &mut App, key: KeyEvent, now: Timestamp) -> Vec<Effect> {
    app.status = None;
    match app.overlay.take() {
        Some(Overlay::Help { scroll }) => input::help_key(app, key, scroll),
        Some(Overlay::Picker(kind, picker)) => input::picker_key(app, key, kind, picker),
        Some(Overlay::Command(edit)) => input::command_key(app, key, edit, now),
        Some(Overlay::Search) => input::search_key(app, key),
        Some(Overlay::Form(form)) => response::form_key(app, key, form, now),
        Some(Overlay::Playbooks { options, cursor }) => {
            response::playbooks_key(app, key, options, cursor, now)
        }
        None => match app.keymap.action(&key) {
            Some(action) => response::act(app, action).unwrap_or_else(|| act(app, action)),
            None => vec![],
        },
    }
}

/// Rows visible in the body, for page moves.
fn page_rows(app: &App) -> usize {
    usize::from(app.size.1.saturating_sub(6)).max(1)
}

fn act(app: &mut App, action: Action) -> Vec<Effect> {
    match action {
        Action::Quit => {
            app.quit = true;
            vec![]
        }
        Action::Help => {
            app.overlay = Some(Overlay::Help { scroll: 0 });
            vec![]
        }
        Action::Up => move_cursor(app, -1),
        Action::Down => move_cursor(app, 1),
        Action::PageUp => move_cursor(app, -(page_rows(app) as i64)),
        Action::PageDown => move_cursor(app, page_rows(app) as i64),
        Action::Top => {
            if app.view == View::Stream && app.stream.trimmed_newer {
                app.stream.frozen = false;
                return vec![reload(app)];
            }
            move_cursor(app, i64::MIN / 2)
        }
        Action::Bottom => move_cursor(app, i64::MAX / 2),
        Action::Open => open(app),
        Action::Back => {
            if app.detail {
                app.detail = false;
            } else if app.view != View::Stream {
                app.view = View::Stream;
            }
            vec![]
        }
        Action::Search => {
            app.overlay = Some(Overlay::Search);
            vec![]
        }
        Action::Command => {
            app.overlay = Some(Overlay::Command(LineEdit::default()));
            app.history_pos = None;
            vec![]
        }
        Action::TierFilter => {
            let options = Tier::ALL
                .iter()
                .map(|t| {
                    (
                        format!("{t}  {}", t.describe()),
                        app.filter.tiers.contains(t),
                    )
                })
                .collect();
            app.overlay = Some(Overlay::Picker(
                PickerKind::Tier,
                Picker {
                    title: "tiers".into(),
                    options,
                    cursor: 0,
                },
            ));
            vec![]
        }
        Action::ReasonFilter => {
            let mut codes = app.reason_codes.clone();
            codes.extend(
                app.filter
                    .reasons
                    .iter()
                    .filter(|r| !app.reason_codes.contains(r))
                    .cloned(),
            );
            let options = codes
                .into_iter()
                .map(|c| {
                    let on = app.filter.reasons.contains(&c);
                    (c, on)
                })
                .collect();
            app.overlay = Some(Overlay::Picker(
                PickerKind::Reason,
                Picker {
                    title: "reason codes".into(),
                    options,
                    cursor: 0,
                },
            ));
            vec![]
        }
        Action::Freeze => {
            let frozen = !app.stream.frozen;
            toggle_freeze(app, frozen)
        }
        Action::ClearFilters => {
            if app.filter.is_empty() {
                app.status = Some("no filters to clear".into());
                return vec![];
            }
            app.filter = Filter::default();
            vec![reload(app), Effect::CountTiers]
        }
        Action::ToggleDetail => {
            app.detail = !app.detail;
            vec![]
        }
        Action::DetailDown => scroll_detail(app, 1),
        Action::DetailUp => scroll_detail(app, -1),
        Action::Copy => match app.selected_row() {
            Some(row) => {
                let mut value = serde_json::to_value(&row.event).unwrap_or_default();
                if let Some(map) = value.as_object_mut() {
                    map.insert("seq".into(), row.seq.into());
                    map.insert("hash".into(), row.hash.clone().into());
                }
                let text = serde_json::to_string_pretty(&value).unwrap_or_default();
                vec![Effect::Copy {
                    text,
                    what: format!("event seq {}", row.seq),
                }]
            }
            None => vec![],
        },
        Action::ViewStream => {
            app.view = View::Stream;
            vec![]
        }
        Action::ViewTrace => {
            if app.trace.correlation_id.is_empty() {
                return open(app);
            }
            app.view = View::Trace;
            vec![]
        }
        Action::ViewAgents => show_agents(app),
        Action::NextView => match app.view {
            View::Stream if !app.trace.correlation_id.is_empty() => {
                app.view = View::Trace;
                vec![]
            }
            View::Stream | View::Trace => show_agents(app),
            View::Agents => {
                app.view = View::Incident;
                vec![Effect::LoadSituation]
            }
            View::Incident => {
                app.view = View::Stream;
                vec![]
            }
        },
        // Handled by `response::act`.
        Action::ViewIncident
        | Action::OpenIncident
        | Action::Pause
        | Action::Resume
        | Action::RevokeToken
        | Action::Rollback
        | Action::StepDo
        | Action::StepSkip
        | Action::StepFail
        | Action::PickPlaybook
        | Action::CloseIncident => vec![],
    }
}

pub(super) fn show_agents(app: &mut App) -> Vec<Effect> {
    app.view = View::Agents;
    app.agents.loading = true;
    vec![Effect::LoadAgents]
}

fn move_cursor(app: &mut App, delta: i64) -> Vec<Effect> {
    let (len, sel) = match app.view {
        View::Stream => (app.stream.rows.len(), &mut app.stream.selected),
        View::Trace => (app.trace.rows.len(), &mut app.trace.selected),
        View::Agents => (app.agents.agents.len(), &mut app.agents.selected),
        View::Incident => {
            response::move_step(app, delta);
            return vec![];
        }
    };
    if len == 0 {
        return vec![];
    }
    let target = (*sel as i64).saturating_add(delta).clamp(0, len as i64 - 1) as usize;
    *sel = target;
    // Near the end of the loaded window: fetch the next older page.
    if app.view == View::Stream && target + 50 >= len {
        return load_older(app);
    }
    vec![]
}

fn open(app: &mut App) -> Vec<Effect> {
    match app.view {
        View::Agents => {
            let Some(agent) = app.agents.agents.get(app.agents.selected) else {
                return vec![];
            };
            app.filter.agents = vec![agent.id.clone()];
            app.view = View::Stream;
            vec![reload(app)]
        }
        View::Trace => {
            app.detail = !app.detail;
            vec![]
        }
        View::Incident => vec![],
        View::Stream => match app
            .selected_row()
            .and_then(|r| r.event.correlation_id().map(str::to_string))
        {
            Some(id) => open_trace(app, id),
            None => {
                app.detail = !app.detail;
                if app.selected_row().is_some() {
                    app.status = Some("no correlation id on this event: showing its detail".into());
                }
                vec![]
            }
        },
    }
}

pub(super) fn open_trace(app: &mut App, correlation_id: String) -> Vec<Effect> {
    app.view = View::Trace;
    app.trace.correlation_id = correlation_id.clone();
    app.trace.rows.clear();
    app.trace.loading = true;
    vec![Effect::LoadTrace { correlation_id }]
}

fn on_mouse(app: &mut App, m: MouseEvent) -> Vec<Effect> {
    if !app.mouse || app.overlay.is_some() {
        return vec![];
    }
    match m.kind {
        MouseEventKind::ScrollUp | MouseEventKind::ScrollDown => {
            let area = ratatui::layout::Rect::new(0, 0, app.size.0, app.size.1);
            let over_detail = super::views::layout(area, app)
                .detail
                .is_some_and(|d| d.contains(ratatui::layout::Position::new(m.column, m.row)));
            let down = m.kind == MouseEventKind::ScrollDown;
            match (over_detail, down) {
                (true, _) => scroll_detail_by(app, if down { 3 } else { -3 }),
                (false, true) => move_cursor(app, 3),
                (false, false) => move_cursor(app, -3),
            }
        }
        MouseEventKind::Down(MouseButton::Left) => {
            let area = ratatui::layout::Rect::new(0, 0, app.size.0, app.size.1);
            let areas = super::views::layout(area, app);
            if let Some(i) = super::views::table_row_at(&areas, app, m.row) {
                match app.view {
                    View::Stream => app.stream.selected = i,
                    View::Trace => app.trace.selected = i,
                    View::Agents => app.agents.selected = i,
                    View::Incident => app.response.selected_step = i,
                }
            }
            vec![]
        }
        _ => vec![],
    }
}

/// Scrolls the detail pane half its height: `direction` 1 down, -1 up.
fn scroll_detail(app: &mut App, direction: i64) -> Vec<Effect> {
    let area = ratatui::layout::Rect::new(0, 0, app.size.0, app.size.1);
    let Some(pane) = super::views::layout(area, app).detail else {
        app.status = Some("the detail pane is hidden (d shows it)".into());
        return vec![];
    };
    let half = i64::from(pane.height / 2).max(1);
    scroll_detail_by(app, direction * half)
}

/// Scrolls the detail pane by `lines` (negative is up); `settle_scroll` keeps the
/// last line from rising above the bottom of the pane.
fn scroll_detail_by(app: &mut App, lines: i64) -> Vec<Effect> {
    if let Some(seq) = app.selected_row().map(|r| r.seq) {
        let now = app.detail_offset() as i64;
        app.detail_at = DetailScroll {
            seq,
            lines: (now + lines).max(0) as usize,
        };
    }
    vec![]
}

/// Marks the ledger state after a verification pass (used by tests and the driver).
pub fn ledger_from_report(report: &crate::ledger::verify::Report) -> LedgerStatus {
    match report.verdicts.first() {
        None => LedgerStatus::Verified {
            head: report.head_seq,
            signed: report.signed_size,
        },
        Some(v) => LedgerStatus::Broken {
            seq: v.first_seq(),
            class: v.class().to_string(),
            verdicts: report.verdicts.len(),
        },
    }
}
