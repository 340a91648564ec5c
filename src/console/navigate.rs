//! Moving around: the cursor in each view, page moves, the mouse, the detail pane's
//! scroll, and settling each list's first visible row after every update. Pure, like
//! the rest of the update; the screen size comes from the state.

use super::app::{App, DetailScroll, View};
use super::msg::{Effect, Status};
use super::response;
use super::views::{self, Areas};
use super::window::load_older;
use crossterm::event::{MouseButton, MouseEvent, MouseEventKind};
use ratatui::layout::{Position, Rect};

/// The areas of the screen as the next frame will draw them.
fn screen(app: &App) -> Areas {
    views::layout(Rect::new(0, 0, app.size.0, app.size.1), app)
}

/// Keeps each list's first visible row such that its cursor stays on screen, with the
/// same arithmetic the lists are drawn with, so the cursor moves within the window
/// instead of dragging the list along.
pub(super) fn settle_scroll(app: &mut App) {
    use super::views::{agents, approvals, detail, list_rows, now, scroll_offset, search, trace};
    let areas = screen(app);
    let height = list_rows(&areas, app);
    let s = &mut app.stream;
    s.offset = scroll_offset(s.selected, s.offset, height, s.rows.len());
    app.search.offset = search::first_row(areas.table, app);
    app.agents.offset = agents::first_row(areas.table, app);
    app.now_view.offset = now::first_row(areas.table, app);
    app.approvals.offset = approvals::first_row(areas.table, app);
    app.trace.offset = trace::first_line(areas.table, app);
    if let Some(pane) = areas.detail {
        let beside = pane.y == areas.table.y;
        app.detail_at.lines = detail::clamped_offset(pane, app, beside);
    }
}

/// Rows visible in the body, for page moves.
pub(super) fn page_rows(app: &App) -> usize {
    usize::from(app.size.1.saturating_sub(6)).max(1)
}

/// Moves the cursor of the current view by `delta` rows (negative is up).
pub(super) fn move_cursor(app: &mut App, delta: i64) -> Vec<Effect> {
    let (len, sel) = match app.view {
        View::Stream => (app.stream.rows.len(), &mut app.stream.selected),
        View::Trace => (app.trace.rows.len(), &mut app.trace.selected),
        View::Agents => (app.agents.agents.len(), &mut app.agents.selected),
        View::Incident => {
            response::move_step(app, delta);
            return vec![];
        }
        View::Approvals => return super::approvals::move_cursor(app, delta),
        View::Now => return vec![],
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

pub(super) fn on_mouse(app: &mut App, m: MouseEvent) -> Vec<Effect> {
    if !app.mouse || app.overlay.is_some() {
        return vec![];
    }
    match m.kind {
        MouseEventKind::ScrollUp | MouseEventKind::ScrollDown => {
            let over_detail = screen(app)
                .detail
                .is_some_and(|d| d.contains(Position::new(m.column, m.row)));
            let down = m.kind == MouseEventKind::ScrollDown;
            match (over_detail, down) {
                (true, _) => scroll_detail_by(app, if down { 3 } else { -3 }),
                (false, true) => move_cursor(app, 3),
                (false, false) => move_cursor(app, -3),
            }
        }
        MouseEventKind::Down(MouseButton::Left) => {
            if let Some(i) = views::table_row_at(&screen(app), app, m.row) {
                match app.view {
                    View::Stream => app.stream.selected = i,
                    View::Trace => app.trace.selected = i,
                    View::Agents => app.agents.selected = i,
                    View::Incident => app.response.selected_step = i,
                    View::Approvals => app.approvals.selected = i,
                    View::Now => app.now_view.selected = i,
                }
            }
            vec![]
        }
        _ => vec![],
    }
}

/// Scrolls the detail pane half its height: `direction` 1 down, -1 up.
pub(super) fn scroll_detail(app: &mut App, direction: i64) -> Vec<Effect> {
    let Some(pane) = screen(app).detail else {
        app.status = Some(Status::info("the detail pane is hidden (d shows it)"));
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
