//! The detail pane: everything about the selected event, the seven audit fields of the
//! Execute Action Audit Standard numbered and labelled, what is missing called out.
//!
//! ```text
//! │ detail · seq 9120
//! │seq 9120 · ai.action · ▲ T3 · risk 0.91
//! │⚠ incomplete: missing ai_output
//! │who           remediator (Remediator v2.4.1) · for sre-oncall
//! │reason        incident_remediation      (an unknown one: `vibes ⚠ unregistered`)
//! │1 trigger     event · alert/PD-4411
//! │2 model       anthropic · claude-sonnet · 2026-09 · {temperature: 0.2}
//! │  prompt      template remediate-v3 · sha256 9f2c
//! │3 ai output   ⚠ MISSING
//! │4 action      sql.drop_table → pg-main/sessions · env prod
//! │  params      {cascade: true}
//! │  change      {rows: 1200000} → —
//! │5 approval    none — nobody approved this
//! │…             (6 time + context, 7 outcome, reversibility, justification)
//! │ledger        seq 9120 · recorded 2026-11-23T01:13:45.200Z (· sealed by custody)
//! │hash          3f9a… (all 64 hex digits, wrapped)
//! │checkpoint    ✓ covered by signed checkpoint 9200
//! ```
//!
//! Beside the table (wide terminals) it has a left border; below it, a top border.
//! Values wrap under themselves (a hanging indent) so the labels stay a column; when the
//! pane is too short, it scrolls (`J`/`K`, `ctrl-d`/`ctrl-u`, the wheel over it) and its
//! first and last lines say how many lines are above and below. The entries themselves
//! are built in `fields.rs`.
//!
//! A record of a kind only custody seals (`control.*`, `incident.*`, …) that custody did
//! not mark as its own gets a `⚠ forged-looking` line under the title: it changes no
//! control state and no incident, and the reader should know why.

use super::super::app::{App, Row};
use super::super::keymap::Action;
use super::super::theme::{tier_glyph, Theme};
use super::cells::{own, untrusted, wrap};
use super::fields::{
    absent, action, ai_output, approval, context, field, full_width, joined, model, opt, result,
    reversibility, sep, trigger, version, Entry,
};
use crate::event::{is_registered_reason, ActorType, AuditField, Event};
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use ratatui::Frame;

const LABEL: usize = 14;

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Theme, beside: bool) {
    let mut block = pane(beside).border_style(theme.border);
    let row = app.selected_row();
    let title = row.map_or(" detail ".to_string(), |r| {
        format!(" detail · seq {} ", r.seq)
    });
    block = block.title(own(&title, theme.title));
    let inner = block.inner(area);
    let lines = match row {
        Some(row) => lines(row, app, theme, inner.width),
        None => vec![Line::from(own("no event selected", theme.muted))],
    };
    let w = window(lines.len(), usize::from(inner.height), app.detail_offset());
    let mut shown: Vec<Line> = Vec::with_capacity(usize::from(inner.height));
    // The first key bound to each way, as the keymap (and the user's config) has it.
    let key = |action| app.keymap.keys_for(action).into_iter().next();
    let hint = |action| key(action).map_or(String::new(), |k| format!(" ({k})"));
    if w.shown.start > 0 && w.marks {
        let above = w.shown.start;
        let hint = hint(Action::DetailUp);
        shown.push(Line::from(own(
            &format!("↑ {above} more lines{hint}"),
            theme.muted,
        )));
    }
    shown.extend(lines.into_iter().skip(w.shown.start).take(w.shown.len()));
    if w.below > 0 && w.marks {
        let below = w.below;
        let hint = hint(Action::DetailDown);
        shown.push(Line::from(own(
            &format!("… {below} more lines{hint}"),
            theme.muted,
        )));
    }
    frame.render_widget(Paragraph::new(shown).block(block), area);
}

fn pane(beside: bool) -> Block<'static> {
    let borders = if beside { Borders::LEFT } else { Borders::TOP };
    Block::default().borders(borders)
}

/// The detail scroll of the selected event, no further than the pane in `area` can
/// use (for `update` to store back, so scrolling up after overshooting moves at once).
pub fn clamped_offset(area: Rect, app: &App, beside: bool) -> usize {
    let inner = pane(beside).inner(area);
    let total = app.selected_row().map_or(0, |row| {
        lines(row, app, &Theme::default(), inner.width).len()
    });
    window(total, usize::from(inner.height), app.detail_offset())
        .shown
        .start
}

/// Which of `total` lines a pane `height` rows high shows when scrolled `offset` lines,
/// and how many lie below. When `marks`, a first row says how many lines are above
/// (when any) and a last row how many are below (when any).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Window {
    pub shown: std::ops::Range<usize>,
    pub below: usize,
    pub marks: bool,
}

pub fn window(total: usize, height: usize, offset: usize) -> Window {
    if total <= height {
        return Window {
            shown: 0..total,
            below: 0,
            marks: false,
        };
    }
    // Too short for marks: plain lines, as far down as the last one.
    if height < 3 {
        let first = offset.min(total - height);
        return Window {
            shown: first..first + height,
            below: total - (first + height),
            marks: false,
        };
    }
    // Scrolled to the end, the last line sits on the bottom row under the "above" mark.
    let first = offset.min(total + 1 - height);
    let top = usize::from(first > 0);
    let rows = height - top;
    let (end, below) = if first + rows >= total {
        (total, 0)
    } else {
        let end = first + rows - 1;
        (end, total - end)
    };
    Window {
        shown: first..end,
        below,
        marks: true,
    }
}

pub(super) fn render(entry: Entry, width: u16) -> Vec<Line<'static>> {
    let width = usize::from(width);
    if entry.label.is_empty() || width < LABEL + 12 {
        let mut value = entry.value;
        if !entry.label.is_empty() {
            value.insert(0, own(&format!("{} ", entry.label), entry.label_style));
        }
        return wrap(value, width).into_iter().map(Line::from).collect();
    }
    let mut out = Vec::new();
    for (i, chunk) in wrap(entry.value, width - LABEL).into_iter().enumerate() {
        let label = if i == 0 {
            own(&format!("{:<LABEL$}", entry.label), entry.label_style)
        } else {
            Span::raw(" ".repeat(LABEL))
        };
        let mut spans = vec![label];
        spans.extend(chunk);
        out.push(Line::from(spans));
    }
    out
}

/// The pane's lines for `row`, wrapped to `width` columns.
pub fn lines(row: &Row, app: &App, theme: &Theme, width: u16) -> Vec<Line<'static>> {
    entries(row, app, theme)
        .into_iter()
        .flat_map(|e| render(e, width))
        .collect()
}

fn entries(row: &Row, app: &App, theme: &Theme) -> Vec<Entry> {
    let e = &row.event;
    let missing = |f: AuditField| row.missing.contains(&f);
    let mut out = vec![full_width(title_line(row, theme))];
    if !row.missing.is_empty() {
        let names: Vec<&str> = row.missing.iter().map(|f| f.label()).collect();
        let text = format!("⚠ incomplete: missing {}", names.join(", "));
        out.push(full_width(vec![own(&text, theme.incomplete)]));
    }
    if e.is_forged_looking() {
        let text = format!(
            "⚠ forged-looking: only custody seals `{}` events and custody did not seal this one; \
             it changes no control state or incident",
            e.kind
        );
        out.push(full_width(vec![untrusted(&text, theme.danger)]));
    }
    out.push(field("who", who(e, theme), theme));
    out.push(field("reason", reason(e, app, theme), theme));
    out.push(trigger(e, missing(AuditField::Trigger), theme));
    out.extend(model(e, missing(AuditField::ModelAndPrompt), theme));
    out.extend(ai_output(e, missing(AuditField::AiOutput), theme));
    out.extend(action(e, missing(AuditField::Action), theme));
    out.extend(approval(e, missing(AuditField::Approval), theme));
    out.extend(context(e, missing(AuditField::TimeAndContext), theme));
    out.extend(result(e, missing(AuditField::Outcome), theme));
    out.push(reversibility(e, theme));
    if let Some(j) = &e.justification {
        out.push(field(
            "justification",
            vec![untrusted(j, theme.base)],
            theme,
        ));
    }
    out.extend(ledger(row, app, theme));
    out
}

/// The reason code, and `⚠ unregistered` when it is not in the registry (kept, flagged).
fn reason(e: &Event, app: &App, theme: &Theme) -> Vec<Span<'static>> {
    let Some(code) = &e.reason_code else {
        return vec![own("—", theme.muted)];
    };
    let mut spans = vec![untrusted(code, theme.base)];
    if !is_registered_reason(code, &app.reason_codes) {
        spans.push(own(" ⚠ unregistered", theme.warning));
    }
    spans
}

/// The agent and the actor in one entry: `remediator (Remediator v2.4.1) · for sre-oncall`.
fn who(e: &Event, theme: &Theme) -> Vec<Span<'static>> {
    let mut parts = Vec::new();
    if let Some(a) = &e.agent {
        let mut s = vec![untrusted(&a.id, theme.base)];
        let mut about = opt("", a.name.as_ref(), theme);
        let v = version(a.version.as_ref(), theme);
        if !about.is_empty() && !v.is_empty() {
            about.push(Span::raw(" "));
        }
        about.extend(v);
        if !about.is_empty() {
            s.push(own(" (", theme.muted));
            s.extend(about);
            s.push(own(")", theme.muted));
        }
        parts.push(s);
    }
    if let Some(a) = &e.actor {
        let same = e.agent.as_ref().is_some_and(|g| g.id == a.id) && a.kind == ActorType::Agent;
        if !same {
            let kind = format!("{:?}", a.kind).to_lowercase();
            let style = if a.kind == ActorType::Human {
                theme.accent
            } else {
                theme.base
            };
            parts.push(vec![
                own(&format!("{kind} "), theme.muted),
                untrusted(&a.id, style),
            ]);
        }
        parts.push(opt("for", a.on_behalf_of.as_ref(), theme));
        parts.push(opt("session", a.session.as_ref(), theme));
    }
    let out = joined(parts, theme);
    if out.is_empty() {
        absent(false, theme)
    } else {
        out
    }
}

fn title_line(row: &Row, theme: &Theme) -> Vec<Span<'static>> {
    let e = &row.event;
    let mut spans = vec![
        own(&format!("seq {}", row.seq), theme.title),
        sep(theme),
        untrusted(&e.kind, theme.title),
    ];
    if let Some(t) = e.tier {
        spans.push(sep(theme));
        let badge = format!("{} {}", tier_glyph(t), t.as_str());
        spans.push(own(&badge, theme.tier(t)));
    }
    if let Some(r) = e.risk_score {
        spans.extend([sep(theme), own(&format!("risk {r:.2}"), theme.base)]);
    }
    if e.exercise {
        spans.extend([sep(theme), own("EXERCISE", theme.warning)]);
    }
    spans
}

fn ledger(row: &Row, app: &App, theme: &Theme) -> Vec<Entry> {
    let recorded = row.recorded_at.map(|t| {
        vec![
            own("recorded ", theme.muted),
            own(&t.to_rfc3339(), theme.base),
        ]
    });
    let sealed_by = match row.event.sealed_by {
        Some(_) => vec![own("sealed by custody", theme.ok)],
        None => Vec::new(),
    };
    let facts = joined(
        vec![
            vec![own(&format!("seq {}", row.seq), theme.base)],
            recorded.unwrap_or_default(),
            sealed_by,
        ],
        theme,
    );
    let signed = app.header.checkpoint_size;
    let covered = if row.seq <= signed {
        own(
            &format!("✓ covered by signed checkpoint {signed}"),
            theme.ok,
        )
    } else if signed == 0 {
        own("◌ not yet covered by a signed checkpoint", theme.warning)
    } else {
        own(
            &format!("◌ not yet covered (latest signed checkpoint: {signed})"),
            theme.warning,
        )
    };
    vec![
        field("ledger", facts, theme),
        field("hash", vec![untrusted(&row.hash, theme.base)], theme),
        field("checkpoint", vec![covered], theme),
    ]
}

#[cfg(test)]
#[path = "detail_marks_tests.rs"]
mod marks_tests;

#[cfg(test)]
mod tests {
    use super::{window, Window};

    fn w(shown: std::ops::Range<usize>, below: usize, marks: bool) -> Window {
        Window {
            shown,
            below,
            marks,
        }
    }

    #[test]
    fn a_pane_that_holds_everything_never_scrolls() {
        assert_eq!(window(5, 10, 3), w(0..5, 0, false));
    }

    #[test]
    fn at_the_top_the_last_row_counts_the_lines_below() {
        // 9 lines on 9 rows, the 10th row says "11 more".
        assert_eq!(window(20, 10, 0), w(0..9, 11, true));
    }

    #[test]
    fn in_the_middle_both_marks_show() {
        // Row 1 "↑ 5 more", 8 lines, row 10 "… 7 more".
        assert_eq!(window(20, 10, 5), w(5..13, 7, true));
    }

    #[test]
    fn scrolling_stops_with_the_last_line_on_the_bottom_row() {
        assert_eq!(window(20, 10, 11), w(11..20, 0, true));
        assert_eq!(window(20, 10, 500), w(11..20, 0, true));
    }

    #[test]
    fn a_pane_too_short_for_marks_still_scrolls() {
        assert_eq!(window(20, 2, 4), w(4..6, 14, false));
        assert_eq!(window(20, 2, 99), w(18..20, 0, false));
    }
}
