//! The trace view: every event of one correlation id as a vertical timeline, oldest
//! first, with the silences between them made visible.
//!
//! ```text
//! trace inc-42 · 3 events over 4m 37s
//! │ 01:13:20 ○ T1 ai.action          scaler        k8s.scale k8s-prod/deploy/api  —
//! │ 01:13:45 ▲ T3 ai.action          remediator    sql.drop_table pg-main/sessions failure
//! ┆ 4m 12s later
//! ◆ 01:17:57 ● T2 human.intervention @alice        pause custody/remediator       success
//! ```
//!
//! Human interventions carry `◆` and the accent style. A gap marker appears between two
//! events more than `GAP_MARKER_MS` apart. The detail pane (drawn by `detail.rs`) shows
//! the selected trace row when it is open.

use super::super::app::{App, Row};
use super::super::theme::Theme;
use super::cells::{columns, duration, own, row_rect, tier_badge, untrusted, Clock, Col};
use super::scroll::scroll_offset;
use super::stream::{action, outcome, who};
use crate::event::{ActorType, Event};
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::Frame;

/// Events further apart than this get a gap marker between them.
pub const GAP_MARKER_MS: i64 = 60_000;

/// One line of the timeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Entry {
    Event(usize),
    Gap(i64),
}

fn entries(rows: &[Row]) -> Vec<Entry> {
    let mut out = Vec::with_capacity(rows.len() + 8);
    for (i, row) in rows.iter().enumerate() {
        if i > 0 {
            let gap = row.event.time.millis() - rows[i - 1].event.time.millis();
            if gap > GAP_MARKER_MS {
                out.push(Entry::Gap(gap));
            }
        }
        out.push(Entry::Event(i));
    }
    out
}

/// The timeline lines and the first visible one (keeping the selected event visible).
fn window(area: Rect, app: &App) -> (Vec<Entry>, usize, usize) {
    let lines = entries(&app.trace.rows);
    let height = usize::from(area.height.saturating_sub(1));
    let selected = lines
        .iter()
        .position(|e| *e == Entry::Event(app.trace.selected))
        .unwrap_or(0);
    let first = scroll_offset(selected, app.trace.offset, height, lines.len());
    (lines, first, height)
}

/// The first timeline line to show in `area`, from the one shown last.
pub fn first_line(area: Rect, app: &App) -> usize {
    window(area, app).1
}

/// The trace row drawn at screen row `y` of `area` (gap markers and the title hit none).
pub fn row_at(area: Rect, app: &App, y: u16) -> Option<usize> {
    if y <= area.y || y >= area.bottom() {
        return None;
    }
    let (lines, first, _) = window(area, app);
    match lines.get(first + usize::from(y - area.y - 1))? {
        Entry::Event(i) => Some(*i),
        Entry::Gap(_) => None,
    }
}

fn is_human(e: &Event) -> bool {
    e.kind.starts_with("human.") || e.actor.as_ref().is_some_and(|a| a.kind == ActorType::Human)
}

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let t = &app.trace;
    frame.render_widget(title(app, theme), row_rect(area, 0));
    if t.rows.is_empty() {
        let text = if t.loading {
            "loading trace…".to_string()
        } else if t.correlation_id.is_empty() {
            "no trace open: press Enter on an event that has a correlation id".to_string()
        } else {
            "no events carry this correlation id".to_string()
        };
        let line = Line::from(own(&text, theme.muted)).centered();
        frame.render_widget(line, row_rect(area, area.height / 2));
        return;
    }
    let (lines, first, height) = window(area, app);
    let clock = Clock::for_rows(t.rows.iter().map(|r| &r.event.time), &app.now);
    for (i, entry) in lines.iter().skip(first).take(height).enumerate() {
        let line = match *entry {
            Entry::Gap(ms) => Line::from(own(&format!("┆ {} later", duration(ms)), theme.muted)),
            Entry::Event(index) => {
                let row = &t.rows[index];
                let line = event_line(row, area.width, clock, theme);
                if index == t.selected {
                    super::cells::selected(line, theme)
                } else {
                    line
                }
            }
        };
        frame.render_widget(line, row_rect(area, 1 + i as u16));
    }
}

fn title(app: &App, theme: &Theme) -> Line<'static> {
    let t = &app.trace;
    let mut spans = vec![
        own("trace ", theme.title),
        untrusted(&t.correlation_id, theme.title),
    ];
    if let (Some(a), Some(b)) = (t.rows.first(), t.rows.last()) {
        let n = t.rows.len();
        let plural = if n == 1 { "" } else { "s" };
        let span = duration(b.event.time.millis() - a.event.time.millis());
        spans.push(own(
            &format!(" · {n} event{plural} over {span}"),
            theme.muted,
        ));
    }
    if t.loading {
        spans.push(own(" · loading…", theme.muted));
    }
    Line::from(spans)
}

fn event_line(row: &Row, width: u16, clock: Clock, theme: &Theme) -> Line<'static> {
    let e = &row.event;
    let human = is_human(e);
    let (mark, kind_style) = if human {
        (own("◆", theme.accent), theme.accent)
    } else {
        (own("│", theme.border), theme.base)
    };
    let (kind_w, who_w) = if width >= 90 { (18, 14) } else { (12, 10) };
    let time = clock.show(&e.time);
    let time_w = clock.width();
    let fixed = 1 + time_w + 4 + kind_w + who_w + 7 + 6;
    columns(vec![
        Col::new(1, vec![mark]),
        Col::new(time_w, vec![own(&time, theme.muted)]),
        Col::new(4, vec![tier_badge(e.tier, theme)]),
        Col::new(kind_w, vec![untrusted(&e.kind, kind_style)]),
        Col::new(who_w, vec![who(e, theme)]),
        Col::new(width.saturating_sub(fixed), action(e, theme)),
        Col::new(7, vec![outcome(e, theme)]),
    ])
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::super::fixtures::{
        app, find, has_style, render, row, screen_text, FULL_ACTION, HUMAN_STEP, INCOMPLETE_ACTION,
    };
    use super::*;
    use crate::console::app::View;

    fn trace_app() -> App {
        let mut app = app();
        app.view = View::Trace;
        app.trace.correlation_id = "inc-42".into();
        app.trace.rows = vec![
            row(1, INCOMPLETE_ACTION),
            row(2, FULL_ACTION),
            row(3, HUMAN_STEP),
        ];
        app
    }

    #[test]
    fn the_correlation_id_is_the_title() {
        let text = screen_text(&render(&trace_app(), &Theme::default(), 80, 24));
        assert!(
            text.contains("trace inc-42 · 3 events over 4m 37s"),
            "{text}"
        );
    }

    #[test]
    fn a_long_silence_gets_a_gap_marker() {
        let text = screen_text(&render(&trace_app(), &Theme::default(), 80, 24));
        assert!(text.contains("┆ 4m 12s later"), "{text}");
    }

    #[test]
    fn events_close_together_get_no_gap_marker() {
        let mut app = trace_app();
        app.trace.rows.pop();
        let text = screen_text(&render(&app, &Theme::default(), 80, 24));
        assert!(!text.contains("later"), "{text}");
    }

    #[test]
    fn human_interventions_are_marked() {
        let buf = render(&trace_app(), &Theme::default(), 120, 40);
        let at = find(&buf, "human.intervention").unwrap();
        assert!(has_style(&buf, at, Theme::default().accent) && buf[(0, at.1)].symbol() == "◆");
    }

    #[test]
    fn a_click_on_a_gap_marker_selects_nothing() {
        let app = trace_app();
        let area = Rect::new(0, 2, 80, 21);
        // Title, INCOMPLETE, FULL (25 s later), gap, HUMAN.
        assert_eq!(
            (
                row_at(area, &app, 3),
                row_at(area, &app, 5),
                row_at(area, &app, 6)
            ),
            (Some(0), None, Some(2))
        );
    }
}
