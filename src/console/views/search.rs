//! Search (`/`): the input line at the top of the body, a status line, then the ranked
//! hits with the matched characters highlighted.
//!
//! ```text
//! / drop sess▏
//! 3 hits, best first · scanning… 412,000 records
//! ▲ T3 01:13:45  remediator sql.drop_table pg-main/sessions: drop table sessions…
//! ```
//!
//! `hit.indices` are character positions in `hit.text`, which is event text. Each
//! character is escaped on its own, so a highlighted position stays on the character it
//! belongs to even when an escape expands it into several visible characters.

use super::super::app::{App, Hit};
use super::super::theme::Theme;
use super::cells::{columns, own, row_rect, tier_badge, Clock, Col};
use super::command::input_line;
use super::scroll::{scroll_offset, visible};
use crate::untrusted::escape_untrusted;
use ratatui::layout::{Position, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::Frame;

/// Rows above the first hit: the input and the status line.
const TOP: u16 = 2;

fn list_height(area: Rect) -> usize {
    usize::from(area.height.saturating_sub(TOP))
}

/// The first hit to show in `area`, from the one shown last.
pub fn first_row(area: Rect, app: &App) -> usize {
    let s = &app.search;
    scroll_offset(s.selected, s.offset, list_height(area), s.hits.len())
}

/// The hit drawn at screen row `y` of `area`, if any.
pub fn row_at(area: Rect, app: &App, y: u16) -> Option<usize> {
    if y < area.y + TOP || y >= area.bottom() {
        return None;
    }
    let s = &app.search;
    let range = visible(s.selected, s.offset, list_height(area), s.hits.len());
    let i = range.start + usize::from(y - area.y - TOP);
    (i < range.end).then_some(i)
}

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let s = &app.search;
    let (mut input, cursor_x) = input_line("/ ", &s.input, area.width, theme);
    if s.replace {
        // The old query, selected: typing replaces it.
        for span in input.spans.iter_mut().skip(1) {
            span.style = span.style.patch(theme.selection);
        }
    }
    frame.render_widget(input, row_rect(area, 0));
    frame.set_cursor_position(Position::new(area.x + cursor_x, area.y));
    frame.render_widget(status(app, theme), row_rect(area, 1));

    let range = visible(s.selected, s.offset, list_height(area), s.hits.len());
    let slice = &s.hits[range.clone()];
    let clock = Clock::for_rows(slice.iter().map(|h| &h.row.event.time), &app.now);
    let time_w = clock.width();
    for (i, hit) in slice.iter().enumerate() {
        let time = clock.show(&hit.row.event.time);
        let used = 4 + time_w + 2;
        let mut line = columns(vec![
            Col::new(4, vec![tier_badge(hit.row.event.tier, theme)]),
            Col::new(time_w, vec![own(&time, theme.muted)]),
            Col::new(
                area.width.saturating_sub(used),
                highlighted(hit, theme.base, theme.match_highlight),
            ),
        ]);
        if range.start + i == s.selected {
            line = super::cells::selected(line, theme);
        }
        frame.render_widget(line, row_rect(area, TOP + i as u16));
    }
}

fn status(app: &App, theme: &Theme) -> Line<'static> {
    let s = &app.search;
    let mut spans = Vec::new();
    if s.input.text.is_empty() {
        spans.push(own(
            "type to search agent, action, target, reason and AI summary",
            theme.muted,
        ));
    } else if s.hits.is_empty() && !s.scanning {
        spans.push(own("no matches", theme.muted));
    } else {
        let plural = if s.hits.len() == 1 { "" } else { "s" };
        spans.push(own(
            &format!("{} hit{plural}, best first", s.hits.len()),
            theme.muted,
        ));
    }
    if s.scanning {
        spans.push(own(
            &format!(" · scanning… {} records", thousands(s.scanned)),
            theme.accent,
        ));
    }
    Line::from(spans)
}

/// `hit.text` escaped character by character, runs of matched characters in `matched`.
pub fn highlighted(hit: &Hit, plain: Style, matched: Style) -> Vec<Span<'static>> {
    let mut marks: Vec<usize> = hit.indices.clone();
    marks.sort_unstable();
    let mut spans: Vec<Span<'static>> = Vec::new();
    let mut run = String::new();
    let mut run_matched = false;
    for (i, c) in hit.text.chars().enumerate() {
        let is_match = marks.binary_search(&i).is_ok();
        if is_match != run_matched && !run.is_empty() {
            let style = if run_matched { matched } else { plain };
            spans.push(Span::styled(std::mem::take(&mut run), style));
        }
        run_matched = is_match;
        let mut buf = [0u8; 4];
        run.push_str(&escape_untrusted(c.encode_utf8(&mut buf)));
    }
    if !run.is_empty() {
        spans.push(Span::styled(run, if run_matched { matched } else { plain }));
    }
    spans
}

fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::super::fixtures::{app, find, has_style, render, row, screen_text, FULL_ACTION};
    use super::*;
    use crate::console::app::{LineEdit, Overlay};

    fn search_app(text: &str, indices: Vec<usize>) -> App {
        let mut app = app();
        app.overlay = Some(Overlay::Search);
        app.search.input = LineEdit {
            text: "drop".into(),
            cursor: 4,
        };
        app.search.hits = vec![Hit {
            row: row(1, FULL_ACTION),
            score: 10,
            text: text.into(),
            indices,
        }];
        app
    }

    #[test]
    fn matched_characters_get_the_match_style() {
        let app = search_app("remediator drop table", vec![11, 12, 13, 14]);
        let buf = render(&app, &Theme::default(), 80, 24);
        let (x, y) = find(&buf, "drop table").unwrap();
        let t = Theme::default();
        assert!(
            has_style(&buf, (x, y), t.match_highlight)
                && has_style(&buf, (x + 3, y), t.match_highlight)
        );
    }

    #[test]
    fn unmatched_characters_do_not_get_the_match_style() {
        let app = search_app("remediator drop table", vec![11, 12, 13, 14]);
        let buf = render(&app, &Theme::default(), 80, 24);
        let (x, y) = find(&buf, "drop table").unwrap();
        assert!(!has_style(
            &buf,
            (x + 5, y),
            Theme::default().match_highlight
        ));
    }

    #[test]
    fn highlighting_survives_escaped_characters_before_the_match() {
        let hit = Hit {
            row: row(1, FULL_ACTION),
            score: 1,
            text: "\u{1b}ab".into(),
            indices: vec![2],
        };
        let spans = highlighted(&hit, Style::default(), Theme::default().match_highlight);
        assert_eq!(spans.last().map(|s| s.content.as_ref()), Some("b"));
    }

    #[test]
    fn scanning_shows_the_record_count() {
        let mut app = search_app("x", vec![]);
        app.search.scanning = true;
        app.search.scanned = 412_000;
        let text = screen_text(&render(&app, &Theme::default(), 80, 24));
        assert!(text.contains("scanning… 412,000 records"), "{text}");
    }

    #[test]
    fn a_click_below_the_status_line_hits_the_first_hit() {
        let app = search_app("x", vec![]);
        let area = Rect::new(0, 2, 80, 21);
        assert_eq!(
            (row_at(area, &app, 3), row_at(area, &app, 4)),
            (None, Some(0))
        );
    }
}
