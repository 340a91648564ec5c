//! Drawing a frame from `&App` and `&Theme`: pure, no state changes, no IO. Each screen
//! element is its own file; this one lays them out and answers "what is under the
//! mouse" with the same arithmetic the drawing uses.
//!
//! ```text
//! ┌ header (2 lines): custody · store · ledger · LIVE/FROZEN · operator · READ-ONLY ──┐
//! │                   tier counts · filter chips                                     │
//! ├ body ────────────────────────────────┬ detail (≥120 columns: to the right) ─────┤
//! │ stream table / trace / agents /      │ the selected event, seven audit fields   │
//! │ search hits                          │ (narrower: below the table)              │
//! ├──────────────────────────────────────┴──────────────────────────────────────────┤
//! └ footer (1 line): keys that apply now and the status, or the `:` command line ───┘
//!   help and the pickers are popups drawn over everything.
//! ```
//!
//! Below 60×15 only a "terminal too small" message is drawn. Every string taken from an
//! event passes through `cells::untrusted` (that is, `escape_untrusted`) on its way in.

pub mod agents;
pub mod approval_detail;
pub mod approvals;
pub mod cells;
pub mod command;
pub mod detail;
pub mod dialog;
pub mod fields;
pub mod footer;
pub mod header;
pub mod help;
pub mod incident;
pub mod json;
pub mod now;
pub mod picker;
pub mod scroll;
pub mod search;
pub mod stream;
pub mod trace;

#[cfg(test)]
mod approvals_render_tests;
#[cfg(test)]
mod fixtures;
#[cfg(test)]
mod render_tests;
#[cfg(test)]
mod response_render_tests;

use super::app::{App, Overlay, View};
use super::theme::Theme;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Block, Paragraph, Wrap};
use ratatui::Frame;

pub use scroll::scroll_offset;

/// Below this the console only says it is too small.
pub const MIN_WIDTH: u16 = 60;
pub const MIN_HEIGHT: u16 = 15;
/// From this width on the detail pane sits beside the table instead of below it.
pub const WIDE: u16 = 120;

const HEADER_ROWS: u16 = 2;
const FOOTER_ROWS: u16 = 1;

/// Where each screen element was drawn, for mouse hit-testing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Areas {
    pub header: Rect,
    /// The body list: stream table, trace timeline, agents table or search hits.
    pub table: Rect,
    /// The detail pane, when shown.
    pub detail: Option<Rect>,
    pub footer: Rect,
}

/// Whether `area` is below the minimum size.
pub fn too_small(area: Rect) -> bool {
    area.width < MIN_WIDTH || area.height < MIN_HEIGHT
}

/// Whether the detail pane is shown in the current view.
pub fn shows_detail(app: &App) -> bool {
    app.detail && matches!(app.view, View::Stream | View::Trace)
}

/// The rectangles of the screen elements for a terminal of `area`. All empty when the
/// terminal is too small (nothing can be clicked then).
pub fn layout(area: Rect, app: &App) -> Areas {
    if too_small(area) {
        return Areas::default();
    }
    let header = Rect {
        height: HEADER_ROWS,
        ..area
    };
    let footer = Rect {
        y: area.bottom() - FOOTER_ROWS,
        height: FOOTER_ROWS,
        ..area
    };
    let body = Rect {
        y: area.y + HEADER_ROWS,
        height: area.height - HEADER_ROWS - FOOTER_ROWS,
        ..area
    };
    if !shows_detail(app) {
        return Areas {
            header,
            table: body,
            detail: None,
            footer,
        };
    }
    let (table, detail) = if area.width >= WIDE {
        let w = body.width * 3 / 5;
        (
            Rect { width: w, ..body },
            Rect {
                x: body.x + w,
                width: body.width - w,
                ..body
            },
        )
    } else {
        let h = (body.height * 2 / 5).max(5);
        (
            Rect { height: h, ..body },
            Rect {
                y: body.y + h,
                height: body.height - h,
                ..body
            },
        )
    };
    Areas {
        header,
        table,
        detail: Some(detail),
        footer,
    }
}

/// The index (into the list the body shows now: stream rows, search hits, trace rows or
/// agents) of the row drawn at screen row `y`, if any.
pub fn table_row_at(areas: &Areas, app: &App, y: u16) -> Option<usize> {
    let area = areas.table;
    if y < area.y || y >= area.bottom() {
        return None;
    }
    if matches!(app.overlay, Some(Overlay::Search)) {
        return search::row_at(area, app, y);
    }
    match app.view {
        View::Stream => stream::row_at(area, app, y),
        View::Trace => trace::row_at(area, app, y),
        View::Agents => agents::row_at(area, app, y),
        View::Incident => incident::row_at(area, app, y),
        View::Approvals => approvals::row_at(area, app, y),
        View::Now => now::row_at(area, app, y),
    }
}

/// How many list rows the body shows at once in the current view (its height less the
/// heading rows): the page size for PageUp/PageDown, and the `height` to give
/// `scroll_offset` when storing `StreamState.offset` after a cursor move.
pub fn list_rows(areas: &Areas, app: &App) -> usize {
    let above = if matches!(app.overlay, Some(Overlay::Search)) {
        2
    } else {
        1
    };
    usize::from(areas.table.height.saturating_sub(above))
}

/// Draws one frame.
pub fn draw(frame: &mut Frame, app: &App, theme: &Theme) {
    let area = frame.area();
    frame.render_widget(Block::default().style(theme.base), area);
    if too_small(area) {
        draw_too_small(frame, area, theme);
        return;
    }
    let areas = layout(area, app);
    header::draw(frame, areas.header, app, theme);
    if matches!(app.overlay, Some(Overlay::Search)) {
        search::draw(frame, areas.table, app, theme);
    } else {
        match app.view {
            View::Stream => stream::draw(frame, areas.table, app, theme),
            View::Trace => trace::draw(frame, areas.table, app, theme),
            View::Agents => agents::draw(frame, areas.table, app, theme),
            View::Incident => incident::draw(frame, areas.table, app, theme),
            View::Approvals => approvals::draw(frame, areas.table, app, theme),
            View::Now => now::draw(frame, areas.table, app, theme),
        }
    }
    if let Some(detail_area) = areas.detail {
        let beside = detail_area.y == areas.table.y;
        detail::draw(frame, detail_area, app, theme, beside);
    }
    match &app.overlay {
        Some(Overlay::Command(edit)) => command::draw(frame, areas.footer, edit, theme),
        _ => footer::draw(frame, areas.footer, app, theme),
    }
    match &app.overlay {
        Some(Overlay::Help { scroll }) => help::draw(frame, area, app, *scroll, theme),
        Some(Overlay::Picker(kind, picker)) => picker::draw(frame, area, kind, picker, theme),
        Some(Overlay::Form(form)) => dialog::draw(frame, area, form, theme),
        Some(Overlay::Playbooks { options, cursor }) => {
            let choices = app.response.playbook_choices();
            let rows: Vec<(String, bool, String)> = options
                .iter()
                .map(|id| {
                    let applies = choices.iter().any(|(c, a)| c == id && *a);
                    let title = app
                        .response
                        .playbooks
                        .iter()
                        .find(|p| &p.id == id)
                        .map_or(String::new(), |p| p.title.clone());
                    (id.clone(), applies, title)
                })
                .collect();
            dialog::draw_playbooks(frame, area, &rows, *cursor, theme)
        }
        _ => {}
    }
}

fn draw_too_small(frame: &mut Frame, area: Rect, theme: &Theme) {
    let text = format!(
        "terminal too small ({}×{}) — need at least {MIN_WIDTH}×{MIN_HEIGHT}",
        area.width, area.height
    );
    let height = if area.width as usize >= text.chars().count() {
        1
    } else {
        3
    };
    let p = Paragraph::new(Line::styled(text, theme.warning))
        .centered()
        .wrap(Wrap { trim: true });
    frame.render_widget(p, cells::centered(area, area.width, height));
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::fixtures::{app_with_rows, render, screen_text, FULL_ACTION};
    use super::*;
    use crate::console::app::App;

    #[test]
    fn a_tiny_terminal_gets_only_the_too_small_message() {
        let app = app_with_rows(&[FULL_ACTION]);
        let text = screen_text(&render(&app, &Theme::default(), 50, 10));
        assert!(
            text.contains("terminal too small (50×10)") && !text.contains("LIVE"),
            "{text}"
        );
    }

    #[test]
    fn wide_terminals_put_the_detail_beside_the_table() {
        let mut app = app_with_rows(&[FULL_ACTION]);
        app.detail = true;
        let areas = layout(Rect::new(0, 0, 120, 40), &app);
        assert_eq!(areas.detail.map(|d| d.y), Some(areas.table.y));
    }

    #[test]
    fn narrow_terminals_put_the_detail_below_the_table() {
        let mut app = app_with_rows(&[FULL_ACTION]);
        app.detail = true;
        let areas = layout(Rect::new(0, 0, 80, 24), &app);
        assert_eq!(areas.detail.map(|d| d.y), Some(areas.table.bottom()));
    }

    #[test]
    fn the_page_is_the_table_less_its_headings() {
        let app = app_with_rows(&[FULL_ACTION]);
        let areas = layout(Rect::new(0, 0, 80, 24), &app);
        assert_eq!(list_rows(&areas, &app), 24 - 2 - 1 - 1);
    }

    #[test]
    fn a_click_on_the_column_headings_hits_no_row() {
        let app = app_with_rows(&[FULL_ACTION, FULL_ACTION]);
        let areas = layout(Rect::new(0, 0, 80, 24), &app);
        assert_eq!(table_row_at(&areas, &app, areas.table.y), None);
    }

    #[test]
    fn a_click_maps_to_the_row_drawn_there_after_scrolling() {
        let rows = [FULL_ACTION; 100];
        let mut app: App = app_with_rows(&rows);
        app.stream.selected = 60;
        app.stream.offset = 0;
        let areas = layout(Rect::new(0, 0, 80, 24), &app);
        let visible = usize::from(areas.table.height) - 1;
        // The list scrolled just far enough for the cursor to sit on the last row, so
        // the first row drawn is 60 - (visible - 1).
        assert_eq!(
            table_row_at(&areas, &app, areas.table.y + 1),
            Some(61 - visible)
        );
    }
}
