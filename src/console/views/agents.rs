//! The agents view: one line per agent that has acted, with what it runs on, what it
//! did last, how much of its activity is dangerous and how often it fails.
//!
//! ```text
//! agent          name         model         ver     last action              ▲ T3  ● T2  ○ T1  · T0  events  fail
//! remediator     Remediator   claude-sonnet 2.4.1   01:13:45 sql.drop_table     3    12    40   210     265  12.1%
//! ```
//!
//! `name` needs 130 columns and `version` 100. A failure rate from 10% is drawn in
//! danger style, from 2% in warning style; the number is always there, so it reads
//! without colour. The state column (active, paused, token revoked) is folded from the
//! ledger's `control.*` events, so every console shows the same.

use super::super::app::{AgentSummary, App};
use super::super::theme::{tier_glyph, Theme};
use super::cells::{clock, columns, count, own, row_rect, untrusted, Col};
use super::scroll::{scroll_offset, visible};
use crate::event::{Tier, Timestamp};
use crate::incident::{AgentControl, ControlState};
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::Frame;

/// From this failure rate on the rate is drawn as a danger.
pub const HIGH_FAILURE_RATE: f64 = 0.10;
const ELEVATED_FAILURE_RATE: f64 = 0.02;

struct Widths {
    id: u16,
    name: u16,
    model: u16,
    version: u16,
    last: u16,
    tier: u16,
    events: u16,
    fail: u16,
    state: u16,
}

impl Widths {
    fn new(total: u16) -> Widths {
        let mut w = Widths {
            id: if total >= 100 { 16 } else { 14 },
            name: if total >= 130 { 14 } else { 0 },
            model: if total >= 100 { 16 } else { 12 },
            version: if total >= 100 { 8 } else { 0 },
            last: 0,
            tier: 5,
            events: 6,
            fail: 6,
            state: 10,
        };
        let fixed = [
            w.id,
            w.name,
            w.model,
            w.version,
            w.tier * 4,
            w.events,
            w.fail,
            w.state,
        ];
        let cols = fixed.iter().filter(|c| **c > 0).count() as u16 + 3 + 1;
        w.last = total.saturating_sub(fixed.iter().sum::<u16>() + cols - 1);
        w
    }
}

fn list_height(area: Rect) -> usize {
    usize::from(area.height.saturating_sub(1))
}

/// The first agent to show in `area`, from the one shown last.
pub fn first_row(area: Rect, app: &App) -> usize {
    let a = &app.agents;
    scroll_offset(a.selected, a.offset, list_height(area), a.agents.len())
}

/// The agent drawn at screen row `y` of `area`, if any (row 0 is the headings).
pub fn row_at(area: Rect, app: &App, y: u16) -> Option<usize> {
    if y <= area.y || y >= area.bottom() {
        return None;
    }
    let a = &app.agents;
    let range = visible(a.selected, a.offset, list_height(area), a.agents.len());
    let i = range.start + usize::from(y - area.y - 1);
    (i < range.end).then_some(i)
}

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let a = &app.agents;
    let w = Widths::new(area.width);
    frame.render_widget(headings(&w, theme), row_rect(area, 0));
    if a.agents.is_empty() {
        let text = if a.loading {
            "loading agents…"
        } else {
            "no agent has acted in the last 7 days"
        };
        let line = Line::from(own(text, theme.muted)).centered();
        frame.render_widget(line, row_rect(area, area.height / 2));
        return;
    }
    let now = a.agents.iter().filter_map(|s| s.last_time).max();
    let range = visible(a.selected, a.offset, list_height(area), a.agents.len());
    for (i, agent) in a.agents[range.clone()].iter().enumerate() {
        let control = app.response.situation.agents.get(&agent.id);
        let mut line = agent_line(agent, control, &w, now.as_ref(), theme);
        if range.start + i == a.selected {
            line = super::cells::selected(line, theme);
        }
        frame.render_widget(line, row_rect(area, 1 + i as u16));
    }
}

fn headings(w: &Widths, theme: &Theme) -> Line<'static> {
    let h = |width: u16, text: &str| Col::new(width, vec![own(text, theme.title)]);
    let tier = |t: Tier| {
        Col::new(
            w.tier,
            vec![own(
                &format!("{} {}", tier_glyph(t), t.as_str()),
                theme.tier(t),
            )],
        )
    };
    columns(vec![
        h(w.id, "agent"),
        h(w.state, "state"),
        h(w.name, "name"),
        h(w.model, "model"),
        h(w.version, "ver"),
        h(w.last, "last action"),
        tier(Tier::T3),
        tier(Tier::T2),
        tier(Tier::T1),
        tier(Tier::T0),
        h(w.events, "7d events"),
        h(w.fail, "fail"),
    ])
}

fn opt(value: &Option<String>, theme: &Theme) -> Vec<Span<'static>> {
    match value {
        Some(v) => vec![untrusted(v, theme.base)],
        None => vec![own("—", theme.muted)],
    }
}

fn right(text: String, width: u16, style: ratatui::style::Style) -> Vec<Span<'static>> {
    vec![Span::styled(
        format!("{text:>width$}", width = usize::from(width)),
        style,
    )]
}

/// `active`, `⏸ paused`, `⊘ revoked`: a glyph and a word, from the ledger's control events.
fn control_state(control: Option<&AgentControl>, theme: &Theme) -> Vec<Span<'static>> {
    match control.map(AgentControl::state) {
        Some(ControlState::Paused) => vec![own("⏸ paused", theme.warning)],
        Some(ControlState::TokenRevoked) => vec![own("⊘ revoked", theme.danger)],
        _ => vec![own("active", theme.muted)],
    }
}

fn agent_line(
    a: &AgentSummary,
    control: Option<&AgentControl>,
    w: &Widths,
    now: Option<&Timestamp>,
    theme: &Theme,
) -> Line<'static> {
    let mut last = Vec::new();
    if let (Some(t), Some(now)) = (a.last_time, now) {
        last.push(own(&format!("{} ", clock(&t, now)), theme.muted));
    }
    last.extend(opt(&a.last_action, theme));
    let tier = |t: Tier| {
        let n = a.by_tier[t as usize];
        let style = if n > 0 { theme.tier(t) } else { theme.muted };
        Col::new(w.tier, right(count(n), w.tier, style))
    };
    let rate = a.failure_rate();
    let fail_style = if rate >= HIGH_FAILURE_RATE {
        theme.danger
    } else if rate >= ELEVATED_FAILURE_RATE {
        theme.warning
    } else {
        theme.base
    };
    let fail = if a.events == 0 {
        "—".to_string()
    } else {
        format!("{:.1}%", rate * 100.0)
    };
    columns(vec![
        Col::new(w.id, vec![untrusted(&a.id, theme.base)]),
        Col::new(w.state, control_state(control, theme)),
        Col::new(w.name, opt(&a.name, theme)),
        Col::new(w.model, opt(&a.model, theme)),
        Col::new(w.version, opt(&a.version, theme)),
        Col::new(w.last, last),
        tier(Tier::T3),
        tier(Tier::T2),
        tier(Tier::T1),
        tier(Tier::T0),
        Col::new(w.events, right(count(a.events), w.events, theme.base)),
        Col::new(w.fail, right(fail, w.fail, fail_style)),
    ])
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::super::fixtures::{app, find, has_style, render, screen_text};
    use super::*;
    use crate::console::app::View;

    fn agent(id: &str, events: u64, failures: u64) -> AgentSummary {
        AgentSummary {
            id: id.into(),
            name: Some("Remediator".into()),
            version: Some("2.4.1".into()),
            model: Some("claude-sonnet".into()),
            last_seq: 9,
            last_time: "2026-11-23T01:13:45Z".parse().ok(),
            last_action: Some("sql.drop_table".into()),
            by_tier: [210, 40, 12, 3],
            events,
            failures,
        }
    }

    fn agents_app(list: Vec<AgentSummary>) -> App {
        let mut app = app();
        app.view = View::Agents;
        app.agents.agents = list;
        app
    }

    #[test]
    fn an_agent_shows_model_last_action_and_tier_counts() {
        let app = agents_app(vec![agent("remediator", 265, 1)]);
        let text = screen_text(&render(&app, &Theme::default(), 120, 40));
        let line = text
            .lines()
            .find(|l| l.contains("remediator"))
            .unwrap_or("");
        assert!(
            line.contains("claude-sonnet")
                && line.contains("01:13:45 sql.drop_table")
                && line.contains("  3    12    40   210"),
            "{line}"
        );
    }

    #[test]
    fn a_high_failure_rate_is_a_danger() {
        let app = agents_app(vec![agent("remediator", 100, 15)]);
        let buf = render(&app, &Theme::default(), 80, 24);
        let at = find(&buf, "15.0%").unwrap();
        assert!(has_style(&buf, at, Theme::default().danger));
    }

    #[test]
    fn tier_headings_carry_glyphs_at_80_columns() {
        let app = agents_app(vec![agent("remediator", 10, 0)]);
        let text = screen_text(&render(&app, &Theme::default(), 80, 24));
        assert!(text.contains("▲ T3  ● T2  ○ T1  · T0"), "{text}");
    }
}
