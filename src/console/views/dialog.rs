//! Dialogs: the confirm dialog of a containment action (what will run, exactly), the
//! forms that open an incident or record a checklist note, and the playbook list.
//!
//! ```text
//! ┌ Pause deploy-bot ───────────────────────────────────────────┐
//! │ executor       pause for "deploy-*"                         │
//! │ will run       kubectl --context prod scale deploy/x …      │
//! │ reversibility  full: it can be undone                       │
//! │                                                             │
//! │ reason code    containment▏                                 │
//! │ justification  ▏                                            │
//! │ why, for the record (required)                              │
//! │                                  [ Cancel ]   [ Run ]       │
//! └─────────────────────────────────────────────────────────────┘
//! ```
//!
//! Everything inside comes from events or config and is drawn escaped; the focused
//! button is drawn selected and Cancel is where Enter lands after the last field.

use super::super::form::Form;
use super::super::theme::Theme;
use super::cells::{centered, own, row_rect, untrusted, wrap};
use super::scroll::visible;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear};
use ratatui::Frame;

const LABEL: usize = 15;

pub fn draw(frame: &mut Frame, area: Rect, form: &Form, theme: &Theme) {
    let width = area.width.saturating_sub(4).min(100);
    let text_w = usize::from(width.saturating_sub(2)).saturating_sub(LABEL);
    let mut lines: Vec<Line<'static>> = Vec::new();
    for (label, text) in &form.info {
        for (i, part) in text.lines().enumerate() {
            let wrapped = wrap(vec![untrusted(part, theme.base)], text_w.max(10));
            for (j, w) in wrapped.into_iter().enumerate() {
                let head = if i == 0 && j == 0 { label.as_str() } else { "" };
                let mut spans = vec![own(&format!("{head:<LABEL$}"), theme.muted)];
                spans.extend(w);
                lines.push(Line::from(spans));
            }
        }
    }
    lines.push(Line::default());
    for (i, field) in form.fields.iter().enumerate() {
        let focused = form.focus == i;
        let mut spans = vec![own(
            &format!("{:<LABEL$}", field.label),
            if focused { theme.accent } else { theme.muted },
        )];
        let (before, after) = field
            .edit
            .text
            .split_at(field.edit.cursor.min(field.edit.text.len()));
        // Long text scrolls so the cursor stays in view.
        let room = text_w.saturating_sub(2).max(8);
        let shown: String = if before.chars().count() > room {
            let tail: String = before
                .chars()
                .rev()
                .take(room - 1)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            format!("…{tail}")
        } else {
            before.to_string()
        };
        spans.push(untrusted(&shown, theme.base));
        if focused {
            spans.push(own("▏", theme.accent));
        }
        spans.push(untrusted(after, theme.base));
        lines.push(Line::from(spans));
    }
    let hint = form.fields.get(form.focus).map_or(
        "Tab/→ moves between the buttons · Enter presses · Esc cancels",
        |f| f.hint.as_str(),
    );
    lines.push(Line::from(own(
        &format!("{:LABEL$}{hint}", ""),
        theme.muted,
    )));
    if let Some(e) = &form.error {
        lines.push(Line::from(vec![
            own("refused: ", theme.danger),
            untrusted(e, theme.danger),
        ]));
    }
    let button = |text: &str, focused: bool, style| {
        let s = if focused { theme.selection } else { style };
        own(&format!("[ {text} ]"), s)
    };
    lines.push(Line::default());
    let action_style = if form.danger {
        theme.danger
    } else {
        theme.accent
    };
    lines.push(
        Line::from(vec![
            button("Cancel", form.focus == form.cancel_index(), theme.base),
            Span::raw("   "),
            button(
                &form.action,
                form.focus == form.action_index(),
                action_style,
            ),
        ])
        .right_aligned(),
    );
    let height = (lines.len() as u16 + 2).min(area.height);
    let popup = centered(area, width, height);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(if form.danger {
            theme.danger
        } else {
            theme.border
        })
        .style(theme.base)
        .title(untrusted(&format!(" {} ", form.title), theme.title));
    let inner = block.inner(popup);
    frame.render_widget(Clear, popup);
    frame.render_widget(block, popup);
    // When the terminal is short, keep the fields and buttons and drop info from the top.
    let skip = lines.len().saturating_sub(usize::from(inner.height));
    for (i, line) in lines.into_iter().skip(skip).enumerate() {
        frame.render_widget(line, row_rect(inner, i as u16));
    }
}

/// The playbook list: applicable ones are marked.
pub fn draw_playbooks(
    frame: &mut Frame,
    area: Rect,
    options: &[(String, bool, String)],
    cursor: usize,
    theme: &Theme,
) {
    let width = area.width.saturating_sub(4).min(90);
    let height = (options.len() as u16 + 3).min(area.height.saturating_sub(2));
    let popup = centered(area, width, height);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border)
        .style(theme.base)
        .title(own(" playbook ", theme.title));
    let inner = block.inner(popup);
    frame.render_widget(Clear, popup);
    frame.render_widget(block, popup);
    let list_height = usize::from(inner.height.saturating_sub(1));
    let range = visible(cursor, 0, list_height, options.len());
    for (i, (id, applies, title)) in options[range.clone()].iter().enumerate() {
        let here = range.start + i == cursor;
        let mut line = Line::from(vec![
            own(if here { "› " } else { "  " }, theme.accent),
            untrusted(&format!("{id:<28}"), theme.base),
            own(if *applies { "applies  " } else { "         " }, theme.ok),
            untrusted(title, theme.muted),
        ]);
        if here {
            line = super::cells::selected(line, theme);
        }
        frame.render_widget(line, row_rect(inner, i as u16));
    }
    if inner.height > 0 {
        let hint = Line::from(own("↑↓ choose · enter pick · esc cancel", theme.muted));
        frame.render_widget(hint, row_rect(inner, inner.height - 1));
    }
}
