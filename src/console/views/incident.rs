//! The Incident view: the incident's clocks and state, its playbook's checklist with who
//! did what and when, and the selected step's guidance.
//!
//! ```text
//! INC-1001  SEV1  OPEN  commander ana  open 12m 3s  contain —  resolve —
//! deploy-bot: k8s.scale on deployment/checkout-api            agent deploy-bot · ▲ T3
//! playbook rogue-agent — Rogue or looping agent
//!  ✓ done         triage         Confirm the culprit and the blast radius   manual    ana 12:05
//!  ◐ in progress  pause-agent    Pause the agent                            pause  ⚑2  ana 12:06
//!  ○ pending      verify-paused  Verify the agent has stopped     needs pause-agent
//! ```
//!
//! Every status has a glyph and a word, so it reads without colour; `⚑2` marks a step
//! that needs a second person.

use super::super::app::App;
use super::super::theme::Theme;
use super::cells::{clock, columns, duration, own, row_rect, tier_badge, untrusted, wrap, Col};
use super::scroll::visible;
use crate::event::Timestamp;
use crate::incident::{Incident, IncidentState};
use crate::playbook::{Checklist, StepState, StepStatus};
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::Frame;

/// Rows above the checklist: state, title, playbook, and a warning line.
const TOP_ROWS: u16 = 4;

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let r = &app.response;
    let now = app.now;
    let Some(inc) = r.incident() else {
        draw_history(frame, area, app, &now, theme);
        return;
    };
    frame.render_widget(state_line(inc, now, theme), row_rect(area, 0));
    frame.render_widget(title_line(inc, theme), row_rect(area, 1));
    let list = r.playbook().map(|pb| (pb, inc.checklist(pb)));
    let playbook = match &list {
        Some((pb, _)) => Line::from(vec![
            own("playbook ", theme.muted),
            own(&pb.id, theme.title),
            own(" — ", theme.muted),
            untrusted(&pb.title, theme.base),
        ]),
        None if inc.state == IncidentState::Closed => {
            Line::from(own("no playbook was picked for this incident", theme.muted))
        }
        None => {
            let suggested: Vec<String> = r
                .playbook_choices()
                .into_iter()
                .filter(|(_, applies)| *applies)
                .map(|(id, _)| id)
                .collect();
            Line::from(vec![
                own("no playbook yet: p to pick one", theme.warning),
                own(
                    &format!(
                        "  (suggested: {})",
                        if suggested.is_empty() {
                            "none".into()
                        } else {
                            suggested.join(", ")
                        }
                    ),
                    theme.muted,
                ),
            ])
        }
    };
    frame.render_widget(playbook, row_rect(area, 2));
    frame.render_widget(warning_line(app, theme), row_rect(area, 3));
    let Some((pb, list)) = list else { return };
    let body = Rect {
        y: area.y + TOP_ROWS,
        height: area.height.saturating_sub(TOP_ROWS),
        ..area
    };
    let guide_rows = (body.height / 3).clamp(3, 8);
    let list_height = usize::from(body.height.saturating_sub(guide_rows));
    let range = visible(r.selected_step, 0, list_height, list.steps.len());
    for (i, state) in list.steps[range.clone()].iter().enumerate() {
        let selected = range.start + i == r.selected_step;
        let mut line = step_line(state, &list, area.width, &now, theme);
        if selected {
            line = super::cells::selected(line, theme);
        }
        frame.render_widget(line, row_rect(body, i as u16));
    }
    if let Some(state) = list.steps.get(r.selected_step) {
        let guide = Rect {
            y: body.y + list_height as u16,
            height: guide_rows,
            ..body
        };
        draw_guidance(frame, guide, state, pb.disable_agent_when.first(), theme);
    }
}

/// No open incident: say how to open one, and list the past ones to review.
fn draw_history(frame: &mut Frame, area: Rect, app: &App, now: &Timestamp, theme: &Theme) {
    let incidents = &app.response.situation.incidents;
    let text = if incidents.is_empty() {
        "no incident yet: select an event in the Stream view and press O to open one"
    } else {
        "no open incident: select an event and press O to open one, or :incident ID to review one below"
    };
    frame.render_widget(Line::from(own(text, theme.muted)), row_rect(area, 0));
    let rows = usize::from(area.height.saturating_sub(2));
    for (i, inc) in incidents.iter().rev().take(rows).enumerate() {
        let state = if inc.exercise {
            format!("{} (drill)", inc.state_word())
        } else {
            inc.state_word().to_string()
        };
        let line = columns(vec![
            Col::new(12, vec![untrusted(&inc.id, theme.title)]),
            Col::new(5, vec![own(inc.severity.as_str(), theme.base)]),
            Col::new(16, vec![own(&state, theme.muted)]),
            Col::new(11, vec![own(&clock(&inc.opened_at, now), theme.muted)]),
            Col::new(
                area.width.saturating_sub(48),
                vec![untrusted(&inc.title, theme.base)],
            ),
        ]);
        frame.render_widget(line, row_rect(area, 2 + i as u16));
    }
}

fn state_line(inc: &Incident, now: Timestamp, theme: &Theme) -> Line<'static> {
    let timers = inc.timers(now);
    let state_style = match inc.state {
        _ if inc.is_breached() => theme.danger,
        IncidentState::Open => theme.danger,
        IncidentState::Contained => theme.warning,
        IncidentState::Resolved | IncidentState::Closed => theme.ok,
    };
    let clock_of = |d: Option<chrono::TimeDelta>| {
        d.map_or("—".to_string(), |d| duration(d.num_milliseconds()))
    };
    let mut spans = vec![
        untrusted(&inc.id, theme.title),
        own("  ", theme.base),
        own(inc.severity.as_str(), theme.danger),
        own("  ", theme.base),
        own(&inc.state_word().to_uppercase(), state_style),
    ];
    if inc.exercise {
        spans.push(own("  DRILL", theme.warning));
    }
    spans.extend([
        own("  commander ", theme.muted),
        untrusted(&inc.commander, theme.base),
        own("  open ", theme.muted),
        own(&duration(timers.open_for.num_milliseconds()), theme.base),
        own("  contain ", theme.muted),
        own(&clock_of(timers.to_contain), theme.base),
        own("  resolve ", theme.muted),
        own(&clock_of(timers.to_resolve), theme.base),
    ]);
    Line::from(spans)
}

fn title_line(inc: &Incident, theme: &Theme) -> Line<'static> {
    let mut spans = vec![untrusted(&inc.title, theme.base)];
    if let Some(agent) = &inc.agent {
        spans.push(own("   agent ", theme.muted));
        spans.push(untrusted(agent, theme.base));
    }
    spans.push(own("  ", theme.base));
    spans.push(tier_badge(inc.tier, theme));
    if let Some(reason) = &inc.reason_code {
        spans.push(own("  ", theme.base));
        spans.push(untrusted(reason, theme.muted));
    }
    Line::from(spans)
}

/// Control intents without a result, or what is running now, or nothing.
fn warning_line(app: &App, theme: &Theme) -> Line<'static> {
    let r = &app.response;
    if let Some(what) = &r.running {
        return Line::from(own(&format!("running {what}…"), theme.accent));
    }
    match r.situation.unresolved.as_slice() {
        [] => Line::default(),
        [(seq, e), rest @ ..] => {
            let more = if rest.is_empty() {
                String::new()
            } else {
                format!(" (+{} more)", rest.len())
            };
            Line::from(vec![
                own("⚠ intent without result: ", theme.danger),
                untrusted(
                    &format!("{} {} at seq {seq}", e.kind, e.agent_id().unwrap_or("-")),
                    theme.danger,
                ),
                own(
                    &format!("{more} — it may or may not have run; check the target system"),
                    theme.warning,
                ),
            ])
        }
    }
}

/// `(glyph, word)` of a step status: never colour alone.
pub fn status_mark(status: &StepStatus) -> (&'static str, &'static str) {
    match status {
        StepStatus::Pending => ("○", "pending"),
        StepStatus::InProgress { .. } => ("◐", "in progress"),
        StepStatus::Done { .. } => ("✓", "done"),
        StepStatus::Skipped { .. } => ("↷", "skipped"),
        StepStatus::Failed { .. } => ("✗", "failed"),
    }
}

fn step_line(
    state: &StepState,
    list: &Checklist,
    width: u16,
    now: &Timestamp,
    theme: &Theme,
) -> Line<'static> {
    let (glyph, word) = status_mark(&state.status);
    let style = match state.status {
        StepStatus::Done { .. } | StepStatus::Skipped { .. } => theme.ok,
        StepStatus::Failed { .. } => theme.danger,
        StepStatus::InProgress { .. } => theme.accent,
        StepStatus::Pending => theme.muted,
    };
    let who = match &state.status {
        StepStatus::Pending => {
            let waiting: Vec<&str> = state
                .step
                .needs
                .iter()
                .filter(|n| !list.step(n).is_some_and(|s| s.status.is_settled()))
                .map(String::as_str)
                .collect();
            if waiting.is_empty() {
                "ready".to_string()
            } else {
                format!("needs {}", waiting.join(", "))
            }
        }
        StepStatus::InProgress { by, at } => {
            let second = if state.step.second_person {
                " · awaiting 2nd person"
            } else {
                ""
            };
            format!("{by} {}{second}", clock(at, now))
        }
        StepStatus::Done { by, at, .. }
        | StepStatus::Skipped { by, at, .. }
        | StepStatus::Failed { by, at, .. } => {
            format!("{by} {}", clock(at, now))
        }
    };
    let kind = if state.step.second_person {
        format!("{} ⚑2", state.step.kind)
    } else {
        state.step.kind.to_string()
    };
    let title_w = width.saturating_sub(14 + 16 + 16 + 30 + 4).max(10);
    columns(vec![
        Col::new(14, vec![own(&format!(" {glyph} {word}"), style)]),
        Col::new(16, vec![untrusted(&state.step.id, theme.base)]),
        Col::new(title_w, vec![untrusted(&state.step.title, theme.base)]),
        Col::new(16, vec![own(&kind, theme.muted)]),
        Col::new(30, vec![untrusted(&who, theme.muted)]),
    ])
}

fn draw_guidance(
    frame: &mut Frame,
    area: Rect,
    state: &StepState,
    criterion: Option<&String>,
    theme: &Theme,
) {
    let mut text: Vec<Span<'static>> = Vec::new();
    let note = match &state.status {
        StepStatus::Done { note, .. } => Some(format!("note: {note}")),
        StepStatus::Skipped { reason, .. } => Some(format!("skipped: {reason}")),
        StepStatus::Failed { reason, .. } => Some(format!("failed: {reason}")),
        _ => None,
    };
    if let Some(n) = note {
        text.push(untrusted(&n, theme.accent));
        text.push(own("  ", theme.base));
    }
    if let Some(d) = &state.step.description {
        text.push(untrusted(d, theme.base));
        text.push(own(" ", theme.base));
    }
    if let Some(g) = &state.step.guidance {
        text.push(untrusted(g, theme.muted));
    }
    if state.step.id == "triage" {
        if let Some(c) = criterion {
            text.push(own("  disable when: ", theme.warning));
            text.push(untrusted(c, theme.muted));
        }
    }
    frame.render_widget(
        Line::from(own(&"─".repeat(usize::from(area.width)), theme.border)),
        row_rect(area, 0),
    );
    for (i, line) in wrap(text, usize::from(area.width))
        .into_iter()
        .take(usize::from(area.height.saturating_sub(1)))
        .enumerate()
    {
        frame.render_widget(Line::from(line), row_rect(area, 1 + i as u16));
    }
}

/// The step drawn at screen row `y`, if any.
pub fn row_at(area: Rect, app: &App, y: u16) -> Option<usize> {
    let len = app.response.playbook()?.steps.len();
    let top = area.y + TOP_ROWS;
    if y < top {
        return None;
    }
    let height = area.height.saturating_sub(TOP_ROWS);
    let list_height = usize::from(height.saturating_sub((height / 3).clamp(3, 8)));
    let range = visible(app.response.selected_step, 0, list_height, len);
    let i = range.start + usize::from(y - top);
    (i < range.end).then_some(i)
}
