//! The `:` command line, drawn in place of the footer while it is open, with the
//! terminal cursor where the next character goes.
//!
//! ```text
//! :agent remediator▏
//! ```
//!
//! The text is escaped like event text (a paste can carry anything), and the cursor
//! column is measured on the escaped text. When the text is wider than the line, its
//! start scrolls out of view so the cursor stays visible.

use super::super::app::LineEdit;
use super::super::theme::Theme;
use super::cells::{char_width, own};
use crate::untrusted::escape_untrusted;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::Frame;

pub fn draw(frame: &mut Frame, area: Rect, edit: &LineEdit, theme: &Theme) {
    let (line, cursor_x) = input_line(":", edit, area.width, theme);
    frame.render_widget(line, area);
    frame.set_cursor_position(Position::new(area.x + cursor_x, area.y));
}

/// `prompt` and the escaped input, cut to `width` so the cursor shows; returns the line
/// and the cursor's column within it.
pub fn input_line(
    prompt: &str,
    edit: &LineEdit,
    width: u16,
    theme: &Theme,
) -> (Line<'static>, u16) {
    let cursor = edit.cursor.min(edit.text.len());
    let (before, after) = match (edit.text.get(..cursor), edit.text.get(cursor..)) {
        (Some(b), Some(a)) => (b, a),
        _ => (edit.text.as_str(), ""),
    };
    let before = escape_untrusted(before).into_owned();
    let after = escape_untrusted(after).into_owned();
    let prompt_w = prompt.chars().count();
    let room = usize::from(width).saturating_sub(prompt_w + 1);
    // Drop characters from the front until the cursor fits.
    let mut shown_before: Vec<char> = before.chars().collect();
    let mut used: usize = shown_before.iter().map(|c| char_width(*c)).sum();
    let mut cut = false;
    while used > room && !shown_before.is_empty() {
        used -= char_width(shown_before.remove(0));
        cut = true;
    }
    let shown: String = shown_before.into_iter().collect();
    let mut spans = vec![own(prompt, theme.accent)];
    if cut {
        spans.push(own("…", theme.muted));
        used += 1;
    }
    spans.push(Span::styled(shown, theme.base));
    spans.push(Span::styled(after, theme.base));
    let x = (prompt_w + used).min(usize::from(width.saturating_sub(1)));
    (Line::from(spans), x as u16)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::super::fixtures::{app, render, screen_text};
    use super::*;
    use crate::console::app::Overlay;
    use ratatui::backend::TestBackend;
    use ratatui::Terminal;

    fn edit(text: &str, cursor: usize) -> LineEdit {
        LineEdit {
            text: text.into(),
            cursor,
        }
    }

    #[test]
    fn the_command_line_replaces_the_footer() {
        let mut app = app();
        app.overlay = Some(Overlay::Command(edit("agent remediator", 16)));
        let text = screen_text(&render(&app, &Theme::default(), 80, 24));
        assert!(
            text.lines()
                .last()
                .unwrap_or("")
                .starts_with(":agent remediator"),
            "{text}"
        );
    }

    #[test]
    fn the_cursor_sits_after_the_text_before_it() {
        let mut app = app();
        app.overlay = Some(Overlay::Command(edit("since 2h", 5)));
        let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
        terminal
            .draw(|f| super::super::draw(f, &app, &Theme::default()))
            .unwrap();
        let pos = terminal.get_cursor_position().unwrap();
        assert_eq!((pos.x, pos.y), (6, 23));
    }

    #[test]
    fn a_long_line_scrolls_to_keep_the_cursor_visible() {
        let text = "x".repeat(200);
        let (_, x) = input_line(":", &edit(&text, 200), 80, &Theme::default());
        assert!(x < 80);
    }

    #[test]
    fn pasted_escape_sequences_are_shown_escaped() {
        let (line, _) = input_line(":", &edit("a\u{1b}[2J", 5), 80, &Theme::default());
        let s: String = line.spans.iter().map(|s| s.content.as_ref()).collect();
        assert_eq!(s, ":a\\u{1b}[2J");
    }
}
