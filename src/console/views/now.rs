//! The Now view: what detection flags, ranked, one line each, and the selected flag in
//! full below the list with the keys that act on it.
//!
//! ```text
//! rule           subject        why                                          events   last  min/30m
//! ‼ VIOLATION    remediator     acted after it was paused by maria (event …)      3    12s  ▁▁▂▇█
//!   loop         remediator     k8s.rollout_restart 5× on k8s://… (every ~22s)    5     3s  ▁▁▃▇▇
//! ```
//!
//! Everything an event put into a flag (agent ids, resources, summaries) is drawn through
//! `untrusted`; the rule words and counts are custody's own.

use super::super::app::App;
use super::super::theme::Theme;
use super::cells::{columns, count, duration, own, row_rect, tier_badge, untrusted, Col};
use super::scroll::{scroll_offset, visible};
use crate::detect::{Flag, Rule};
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::Frame;

/// Minutes the sparkline covers.
const SPARK_MINUTES: usize = 20;
const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

struct Widths {
    rule: u16,
    subject: u16,
    why: u16,
    events: u16,
    last: u16,
    spark: u16,
}

impl Widths {
    fn new(total: u16) -> Widths {
        let spark = if total >= 100 {
            SPARK_MINUTES as u16 + 1
        } else {
            0
        };
        let mut w = Widths {
            rule: 15,
            subject: if total >= 100 { 16 } else { 13 },
            why: 0,
            events: 6,
            last: 7,
            spark,
        };
        let fixed = w.rule + w.subject + w.events + w.last + w.spark;
        let gaps = if spark > 0 { 5 } else { 4 };
        w.why = total.saturating_sub(fixed + gaps);
        w
    }
}

/// Lines the selected flag's detail takes below the list.
const DETAIL_LINES: u16 = 7;

fn list_height(area: Rect) -> usize {
    usize::from(area.height.saturating_sub(1 + DETAIL_LINES))
}

/// The flag drawn at screen row `y` of `area`, if any (row 0 is the headings).
pub fn row_at(area: Rect, app: &App, y: u16) -> Option<usize> {
    if y <= area.y || y >= area.bottom() {
        return None;
    }
    let n = app.detect.flags(app.now).len();
    let v = &app.now_view;
    let range = visible(v.selected, v.offset, list_height(area), n);
    let i = range.start + usize::from(y - area.y - 1);
    (i < range.end).then_some(i)
}

/// The first flag to show in `area`, from the one shown last.
pub fn first_row(area: Rect, app: &App) -> usize {
    let n = app.detect.flags(app.now).len();
    scroll_offset(
        app.now_view.selected,
        app.now_view.offset,
        list_height(area),
        n,
    )
}

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let flags = app.detect.flags(app.now);
    let w = Widths::new(area.width);
    frame.render_widget(headings(&w, theme), row_rect(area, 0));
    if flags.is_empty() {
        draw_quiet(frame, area, app, theme);
        return;
    }
    let v = &app.now_view;
    let range = visible(v.selected, v.offset, list_height(area), flags.len());
    for (i, flag) in flags[range.clone()].iter().enumerate() {
        let mut line = flag_line(flag, app, &w, theme);
        if range.start + i == v.selected {
            line = line.style(theme.selection);
        }
        frame.render_widget(line, row_rect(area, 1 + i as u16));
    }
    if let Some(flag) = flags.get(v.selected) {
        let top = area.height.saturating_sub(DETAIL_LINES);
        draw_detail(frame, area, top, flag, app, theme);
    }
}

fn draw_quiet(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let v = &app.now_view;
    let hours = app.detect.config().learn_hours;
    let text = if v.learning {
        format!(
            "learning from the last {hours}h of history: {} events read…",
            count(v.learned)
        )
    } else {
        format!(
            "nothing looks wrong: {} events watched ({hours}h of history and the live tail). \
             Loops, rate spikes, failure bursts, unapproved T3 actions, actions after a pause \
             and first-time targets show here.",
            count(v.learned)
        )
    };
    let width = usize::from(area.width.saturating_sub(4));
    for (i, chunk) in super::cells::wrap(vec![own(&text, theme.muted)], width)
        .into_iter()
        .take(4)
        .enumerate()
    {
        let line = Line::from(chunk).centered();
        frame.render_widget(line, row_rect(area, area.height / 2 + i as u16));
    }
}

fn headings(w: &Widths, theme: &Theme) -> Line<'static> {
    let h = |width: u16, text: &str| Col::new(width, vec![own(text, theme.title)]);
    let mut cols = vec![
        h(w.rule, "rule"),
        h(w.subject, "agent"),
        h(w.why, "why"),
        Col::new(w.events, vec![own(" count", theme.title)]),
        Col::new(w.last, vec![own("   last", theme.title)]),
    ];
    if w.spark > 0 {
        cols.push(h(w.spark, &format!(" per min, {SPARK_MINUTES}m")));
    }
    columns(cols)
}

fn rule_style(rule: Rule, theme: &Theme) -> ratatui::style::Style {
    match rule {
        Rule::Violation => theme.danger,
        Rule::Loop | Rule::RiskyUnapproved => theme.warning,
        _ => theme.base,
    }
}

fn flag_line(flag: &Flag, app: &App, w: &Widths, theme: &Theme) -> Line<'static> {
    let glyph = if flag.rule == Rule::Violation {
        "‼ "
    } else {
        "  "
    };
    let mut label = format!("{glyph}{}", flag.rule.label());
    if flag.exercise {
        label.push_str(" (drill)");
    }
    let age = duration(app.now.millis() - flag.last_at.millis());
    let mut cols = vec![
        Col::new(w.rule, vec![own(&label, rule_style(flag.rule, theme))]),
        Col::new(w.subject, vec![untrusted(&flag.subject, theme.base)]),
        Col::new(w.why, vec![untrusted(&flag.why, theme.base)]),
        Col::new(
            w.events,
            vec![own(&format!("{:>6}", count(flag.count)), theme.base)],
        ),
        Col::new(w.last, vec![own(&format!("{age:>7}"), theme.muted)]),
    ];
    if w.spark > 0 && flag.agent {
        let spark = sparkline(&app.detect.sparkline(&flag.subject, app.now, SPARK_MINUTES));
        cols.push(Col::new(
            w.spark,
            vec![own(&format!(" {spark}"), theme.muted)],
        ));
    }
    columns(cols)
}

/// `▁▂▇█`: each minute's count against the largest.
pub fn sparkline(counts: &[u64]) -> String {
    let max = counts.iter().copied().max().unwrap_or(0).max(1);
    counts
        .iter()
        .map(|&c| {
            if c == 0 {
                ' '
            } else {
                BARS[((c * 7) / max) as usize]
            }
        })
        .collect()
}

fn draw_detail(frame: &mut Frame, area: Rect, top: u16, flag: &Flag, app: &App, theme: &Theme) {
    let width = usize::from(area.width);
    let rule = "─".repeat(width);
    frame.render_widget(Line::from(own(&rule, theme.muted)), row_rect(area, top));
    let mut lines: Vec<Line<'static>> = Vec::new();
    let mut head = vec![
        own(flag.rule.label(), rule_style(flag.rule, theme)),
        own("  ", theme.base),
        untrusted(&flag.subject, theme.title),
        own("  ", theme.base),
        tier_badge(flag.tier, theme),
    ];
    if let Some(code) = &flag.reason_code {
        head.push(own("  reason ", theme.muted));
        head.push(untrusted(code, theme.base));
    }
    head.push(own(
        &format!(
            "  raised {} ago at seq {}, {} events",
            duration(app.now.millis() - flag.raised_at.millis()),
            flag.raised_seq,
            count(flag.count)
        ),
        theme.muted,
    ));
    lines.push(Line::from(head));
    for chunk in super::cells::wrap(vec![untrusted(&flag.why, theme.base)], width)
        .into_iter()
        .take(2)
    {
        lines.push(Line::from(chunk));
    }
    if let Some(s) = &flag.last_summary {
        let mut spans = vec![own("last: ", theme.muted)];
        spans.push(untrusted(s, theme.base));
        lines.push(Line::from(super::cells::fit(spans, width)));
    }
    let keys = if app.read_only {
        "read-only console: Enter shows the agent's events".to_string()
    } else if flag.agent {
        "Enter events · P pause · T revoke token · O open incident · 0 back here".to_string()
    } else {
        "an operator's pattern: Enter says where to look · review with their team lead".into()
    };
    lines.push(Line::from(own(&keys, theme.muted)));
    for (i, line) in lines.into_iter().enumerate() {
        let y = top + 1 + i as u16;
        if y < area.height {
            frame.render_widget(line, row_rect(area, y));
        }
    }
}
