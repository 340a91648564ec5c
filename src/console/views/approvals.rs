//! The Approvals view: the pending requests, oldest first, above the selected one in
//! full (`approval_detail`).
//!
//! ```text
//!   expires  tier  agent            votes risk  revers.  action
//! * 4m 12s   ▲ T3  exporter         1/2   0.91  none     db.drop on orders
//!   42s      ● T2  scaler           0/1   —     full     k8s.scale on deploy/web
//! ─ request 019a… ────────────────────────────────────────────────────────
//! agent         exporter · for lee
//! …
//! ```
//!
//! The countdown is drawn from `App::now` (the last tick), in danger style under a
//! minute and as the word `expired` after; `*` marks a request for a bulk deny. Every
//! value is event text and goes through `untrusted`.

use super::super::app::App;
use super::super::approvals::{left_ms, Pending};
use super::super::theme::Theme;
use super::cells::{columns, duration, own, row_rect, tier_badge, untrusted, Col};
use super::scroll::{scroll_offset, visible};
use crate::event::ReversibilityClass;
use crate::gate::Verdict;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::Frame;

/// Under this many milliseconds left, the countdown is a danger.
pub const URGENT_MS: i64 = 60_000;

/// The list's part of `area` (headings included); the detail gets the rest.
pub fn list_area(area: Rect, app: &App) -> Rect {
    let wanted = app.approvals.pending.len() as u16 + 1;
    let most = (area.height * 2 / 5).max(4);
    Rect {
        height: wanted.clamp(3, most).min(area.height),
        ..area
    }
}

fn list_height(area: Rect, app: &App) -> usize {
    usize::from(list_area(area, app).height.saturating_sub(1))
}

/// The first request to show in `area`, from the one shown last.
pub fn first_row(area: Rect, app: &App) -> usize {
    let a = &app.approvals;
    scroll_offset(
        a.selected,
        a.offset,
        list_height(area, app),
        a.pending.len(),
    )
}

/// The request drawn at screen row `y` of `area`, if any (row 0 is the headings).
pub fn row_at(area: Rect, app: &App, y: u16) -> Option<usize> {
    let list = list_area(area, app);
    if y <= list.y || y >= list.bottom() {
        return None;
    }
    let a = &app.approvals;
    let range = visible(
        a.selected,
        a.offset,
        list_height(area, app),
        a.pending.len(),
    );
    let i = range.start + usize::from(y - list.y - 1);
    (i < range.end).then_some(i)
}

/// `approved` / `denied`, for vote lists.
pub fn voted(v: Verdict) -> &'static str {
    match v {
        Verdict::Approve => "approved",
        Verdict::Deny => "denied",
    }
}

struct Widths {
    expires: u16,
    tier: u16,
    agent: u16,
    votes: u16,
    risk: u16,
    rev: u16,
    summary: u16,
}

impl Widths {
    fn new(total: u16) -> Widths {
        let mut w = Widths {
            expires: 8,
            tier: 4,
            agent: if total >= 100 { 18 } else { 12 },
            votes: 5,
            risk: 4,
            rev: if total >= 80 { 7 } else { 0 },
            summary: 0,
        };
        let fixed = [w.expires, w.tier, w.agent, w.votes, w.risk, w.rev];
        let gaps = fixed.iter().filter(|c| **c > 0).count() as u16 + 1;
        // Two columns for the mark before everything.
        w.summary = total.saturating_sub(fixed.iter().sum::<u16>() + gaps + 2);
        w
    }
}

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let a = &app.approvals;
    let list = list_area(area, app);
    let w = Widths::new(area.width);
    frame.render_widget(headings(&w, theme), row_rect(list, 0));
    if a.pending.is_empty() {
        let text = if a.loaded {
            "no pending approval requests"
        } else {
            "loading approval requests…"
        };
        let line = Line::from(own(text, theme.muted)).centered();
        frame.render_widget(line, row_rect(area, area.height / 2));
        return;
    }
    let range = visible(
        a.selected,
        a.offset,
        list_height(area, app),
        a.pending.len(),
    );
    for (i, p) in a.pending[range.clone()].iter().enumerate() {
        let marked = a.marked.contains(&p.request.id);
        let mut line = request_line(p, marked, &w, app, theme);
        if range.start + i == a.selected {
            line = super::cells::selected(line, theme);
        }
        frame.render_widget(line, row_rect(list, 1 + i as u16));
    }
    let detail = Rect {
        y: list.bottom(),
        height: area.height.saturating_sub(list.height),
        ..area
    };
    if detail.height > 1 {
        super::approval_detail::draw(frame, detail, app, theme);
    }
}

fn headings(w: &Widths, theme: &Theme) -> Line<'static> {
    let h = |width: u16, text: &str| Col::new(width, vec![own(text, theme.title)]);
    let mut line = vec![Span::raw("  ")];
    line.extend(
        columns(vec![
            h(w.expires, "expires"),
            h(w.tier, "tier"),
            h(w.agent, "agent"),
            h(w.votes, "votes"),
            h(w.risk, "risk"),
            h(w.rev, "revers."),
            h(w.summary, "action"),
        ])
        .spans,
    );
    Line::from(line)
}

/// `4m 12s`, `42s` (a danger under a minute) or `expired`.
pub fn countdown(left: i64, theme: &Theme) -> Span<'static> {
    if left <= 0 {
        own("expired", theme.danger)
    } else if left < URGENT_MS {
        own(&duration(left), theme.danger)
    } else {
        own(&duration(left), theme.base)
    }
}

/// `full`, `partial`, `none`, or `—` when the proposal says nothing.
pub fn reversibility(p: &Pending, theme: &Theme) -> Span<'static> {
    let class = p
        .proposal
        .as_ref()
        .and_then(|e| e.reversibility.as_ref())
        .map(|r| r.class);
    match class {
        Some(ReversibilityClass::Full) => own("full", theme.ok),
        Some(ReversibilityClass::Partial) => own("partial", theme.warning),
        Some(ReversibilityClass::None) => own("none", theme.danger),
        None => own("—", theme.muted),
    }
}

/// `0.91`, or `—`.
pub fn risk(p: &Pending, theme: &Theme) -> Span<'static> {
    match p.proposal.as_ref().and_then(|e| e.risk_score) {
        Some(r) if r >= 0.7 => own(&format!("{r:.2}"), theme.danger),
        Some(r) => own(&format!("{r:.2}"), theme.base),
        None => own("—", theme.muted),
    }
}

fn request_line(p: &Pending, marked: bool, w: &Widths, app: &App, theme: &Theme) -> Line<'static> {
    let r = &p.request;
    let left = left_ms(r.expires_at, app.now);
    let votes = format!("{}/{}", r.approvals(), r.needs);
    let mut spans = vec![own(if marked { "* " } else { "  " }, theme.accent)];
    spans.extend(
        columns(vec![
            Col::new(w.expires, vec![countdown(left, theme)]),
            Col::new(w.tier, vec![tier_badge(r.tier, theme)]),
            Col::new(w.agent, vec![untrusted(&r.agent, theme.base)]),
            Col::new(w.votes, vec![own(&votes, theme.base)]),
            Col::new(w.risk, vec![risk(p, theme)]),
            Col::new(w.rev, vec![reversibility(p, theme)]),
            Col::new(w.summary, vec![untrusted(&r.summary, theme.base)]),
        ])
        .spans,
    );
    Line::from(spans)
}
