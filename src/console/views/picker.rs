//! The multi-select picker (tiers with `t`, reason codes with `r`): a centred popup with
//! a checkbox list, the cursor on one line, and the keys at the bottom.
//!
//! ```text
//! ┌ tiers ─────────────────────────────────────┐
//! │ › [x] ▲ T3  destructive, irreversible, …   │
//! │   [x] ● T2  customer-facing or costly, …   │
//! │   [ ] ○ T1  internal, reversible           │
//! │   [ ] · T0  read-only, no effect           │
//! │ space toggle · enter apply · esc cancel …  │
//! └────────────────────────────────────────────┘
//! ```
//!
//! Tier options show their glyph and meaning; other labels (reason codes, possibly from
//! configuration) are escaped like event text.

use super::super::app::{Picker, PickerKind};
use super::super::theme::{tier_glyph, Theme};
use super::cells::{centered, fit, own, row_rect, untrusted};
use super::footer::PICKER_HINT;
use super::scroll::visible;
use crate::event::{is_registered_reason, Tier};
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear};
use ratatui::Frame;

pub fn draw(frame: &mut Frame, area: Rect, kind: &PickerKind, picker: &Picker, theme: &Theme) {
    let widest = picker
        .options
        .iter()
        .map(|(l, _)| label(kind, l, theme).iter().map(Span::width).sum::<usize>())
        .max()
        .unwrap_or(0);
    let width = (widest + 10)
        .max(PICKER_HINT.chars().count() + 4)
        .min(usize::from(area.width)) as u16;
    let height = (picker.options.len() as u16 + 3).min(area.height.saturating_sub(2));
    let popup = centered(area, width, height);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border)
        .style(theme.base)
        .title(untrusted(&format!(" {} ", picker.title), theme.title));
    let inner = block.inner(popup);
    frame.render_widget(Clear, popup);
    frame.render_widget(block, popup);

    let list_height = usize::from(inner.height.saturating_sub(1));
    let range = visible(picker.cursor, 0, list_height, picker.options.len());
    for (i, (text, on)) in picker.options[range.clone()].iter().enumerate() {
        let here = range.start + i == picker.cursor;
        let mut spans = vec![
            own(if here { "› " } else { "  " }, theme.accent),
            own(if *on { "[x] " } else { "[ ] " }, theme.base),
        ];
        spans.extend(label(kind, text, theme));
        let mut line = Line::from(fit(spans, usize::from(inner.width)));
        if here {
            line = super::cells::selected(line, theme);
        }
        frame.render_widget(line, row_rect(inner, i as u16));
    }
    if inner.height > 0 {
        let hint = Line::from(own(PICKER_HINT, theme.muted));
        frame.render_widget(hint, row_rect(inner, inner.height - 1));
    }
}

fn label(kind: &PickerKind, text: &str, theme: &Theme) -> Vec<Span<'static>> {
    match (kind, text.parse::<Tier>()) {
        (PickerKind::Tier, Ok(t)) => vec![
            own(
                &format!("{} {}  ", tier_glyph(t), t.as_str()),
                theme.tier(t),
            ),
            own(t.describe(), theme.muted),
        ],
        (PickerKind::Reason, _) if !is_registered_reason(text, &[]) => {
            vec![
                untrusted(text, theme.base),
                own(" (configured)", theme.muted),
            ]
        }
        _ => vec![untrusted(text, theme.base)],
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::super::fixtures::{app, find, has_style, render, screen_text};
    use super::*;
    use crate::console::app::Overlay;

    fn tier_picker(cursor: usize) -> Picker {
        Picker {
            title: "tiers".into(),
            options: vec![
                ("T3".into(), true),
                ("T2".into(), false),
                ("T1".into(), false),
                ("T0".into(), false),
            ],
            cursor,
        }
    }

    #[test]
    fn the_picker_shows_checkboxes_and_its_keys() {
        let mut app = app();
        app.overlay = Some(Overlay::Picker(PickerKind::Tier, tier_picker(0)));
        let text = screen_text(&render(&app, &Theme::default(), 80, 24));
        assert!(
            text.contains("[x] ▲ T3") && text.contains("[ ] ● T2") && text.contains(PICKER_HINT),
            "{text}"
        );
    }

    #[test]
    fn the_cursor_line_is_selected() {
        let mut app = app();
        app.overlay = Some(Overlay::Picker(PickerKind::Tier, tier_picker(1)));
        let buf = render(&app, &Theme::default(), 80, 24);
        let (x, y) = find(&buf, "› [ ] ● T2").unwrap();
        assert!(has_style(&buf, (x + 1, y), Theme::default().selection));
    }
}
