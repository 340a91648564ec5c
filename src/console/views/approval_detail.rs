//! The selected approval request in full, under the Approvals list: what the agent
//! wants to do and with exactly which parameters, how risky and reversible it is, which
//! policy asked, who it is for, who voted, and the agent's record (its newest actions
//! and how its earlier requests ended).
//!
//! ```text
//! ─ request 019a7c… ─────────────────────────────────────────────
//! action        db.drop on orders · env prod · target pg-main
//! agent         exporter · for lee · proposed by —
//! risk          ▲ T3 · risk 0.91 · reversibility none
//! policy        t3-two-approvers (version 7)
//! decision      needs 2 (an approver or admin) · expires 12:05:00, in 4m 12s
//! votes         1/2: ana approved 12:01:02
//! params        {
//!                 "table": "orders"
//!               }
//! recent        12:00:01 k8s.scale on deploy/web success
//! earlier       3 allowed · 1 denied · 2 expired · 0 refused (1 break-glass)
//!               approved by ana and raj
//! ```
//!
//! Everything here is event text and goes through `untrusted` or `json::pretty`.

use super::super::app::App;
use super::super::approvals::{left_ms, AgentRecord, Pending};
use super::super::theme::Theme;
use super::approvals::{countdown, reversibility, risk, voted};
use super::cells::{clock, own, tier_badge, untrusted};
use super::detail::render;
use super::fields::{field, joined, Entry};
use super::json::pretty;
use super::stream::outcome;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders};
use ratatui::Frame;

/// Parameter lines shown before the rest is counted.
const PARAM_LINES: usize = 60;

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let Some(p) = app.approvals.current() else {
        return;
    };
    let title = format!(" request {} ", p.request.id);
    let block = Block::default()
        .borders(Borders::TOP)
        .border_style(theme.border)
        .title(untrusted(&title, theme.title));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let record = app
        .approvals
        .record
        .as_ref()
        .filter(|r| r.agent == p.request.agent);
    let mut lines: Vec<Line<'static>> = entries(p, record, app, theme)
        .into_iter()
        .flat_map(|e| render(e, inner.width))
        .collect();
    let room = usize::from(inner.height);
    if lines.len() > room && room > 0 {
        let cut = lines.len() - (room - 1);
        lines.truncate(room - 1);
        lines.push(Line::from(own(
            &format!("… {cut} more lines (A/D show the parameters in full)"),
            theme.muted,
        )));
    }
    for (i, line) in lines.into_iter().enumerate() {
        let y = inner.y + i as u16;
        frame.render_widget(
            line,
            Rect {
                y,
                height: 1,
                ..inner
            },
        );
    }
}

fn text(s: &str, theme: &Theme) -> Vec<Span<'static>> {
    vec![untrusted(s, theme.base)]
}

fn entries(p: &Pending, record: Option<&AgentRecord>, app: &App, theme: &Theme) -> Vec<Entry> {
    let r = &p.request;
    let e = p.proposal.as_ref();
    let mut out = Vec::new();
    let action = e.and_then(|e| e.action.as_ref());
    out.push(field(
        "action",
        joined(
            vec![
                text(&r.summary, theme),
                e.and_then(|e| e.environment()).map_or(vec![], |env| {
                    vec![own("env ", theme.muted), untrusted(env, theme.base)]
                }),
                action
                    .and_then(|a| a.target_system.as_deref())
                    .map_or(vec![], |t| {
                        vec![own("target ", theme.muted), untrusted(t, theme.base)]
                    }),
            ],
            theme,
        ),
        theme,
    ));
    let person = |label: &str, who: &Option<String>| match who {
        Some(w) => vec![own(label, theme.muted), untrusted(w, theme.base)],
        None => vec![own(label, theme.muted), own("—", theme.muted)],
    };
    out.push(field(
        "agent",
        joined(
            vec![
                text(&r.agent, theme),
                person("for ", &r.on_behalf_of),
                person("proposed by ", &r.proposer),
            ],
            theme,
        ),
        theme,
    ));
    out.push(field(
        "risk",
        joined(
            vec![
                vec![tier_badge(r.tier, theme)],
                vec![own("risk ", theme.muted), risk(p, theme)],
                vec![own("reversibility ", theme.muted), reversibility(p, theme)],
            ],
            theme,
        ),
        theme,
    ));
    let policies = if r.policy_ids.is_empty() {
        "—".to_string()
    } else {
        r.policy_ids.join(", ")
    };
    out.push(field(
        "policy",
        text(&format!("{policies} (version {})", r.policy_version), theme),
        theme,
    ));
    let left = left_ms(r.expires_at, app.now);
    out.push(field(
        "decision",
        vec![
            untrusted(
                &format!(
                    "needs {} ({}) · expires {} · ",
                    r.needs,
                    r.allowed(),
                    clock(&r.expires_at, &app.now)
                ),
                theme.base,
            ),
            countdown(left, theme),
        ],
        theme,
    ));
    let mut votes = vec![own(&format!("{}/{}", r.approvals(), r.needs), theme.base)];
    if r.votes.is_empty() {
        votes.push(own(" · nobody has voted", theme.muted));
    }
    for v in &r.votes {
        votes.push(own(" · ", theme.muted));
        votes.push(untrusted(&v.operator, theme.base));
        votes.push(own(
            &format!(" {} {}", voted(v.verdict), clock(&v.at, &app.now)),
            theme.base,
        ));
    }
    out.push(field("votes", votes, theme));
    match action.and_then(|a| a.params.as_ref()) {
        Some(params) => {
            for (i, line) in pretty(params, PARAM_LINES).into_iter().enumerate() {
                let label = if i == 0 { "params" } else { " " };
                // Already escaped by `pretty`; `own` keeps the indentation as it is.
                out.push(field(label, vec![own(&line, theme.base)], theme));
            }
        }
        None if e.is_none() => out.push(field(
            "params",
            vec![own("⚠ the proposal could not be read", theme.danger)],
            theme,
        )),
        None => out.push(field("params", vec![own("— none", theme.muted)], theme)),
    }
    if let Some(summary) = e.and_then(|e| e.ai_output.as_ref()?.summary.clone()) {
        out.push(field("ai says", text(&summary, theme), theme));
    }
    out.extend(record_entries(record, app, theme));
    out
}

fn record_entries(record: Option<&AgentRecord>, app: &App, theme: &Theme) -> Vec<Entry> {
    let Some(rec) = record else {
        return vec![field("recent", vec![own("loading…", theme.muted)], theme)];
    };
    let mut out = Vec::new();
    if rec.recent.is_empty() {
        out.push(field(
            "recent",
            vec![own("no actions recorded", theme.muted)],
            theme,
        ));
    }
    for (i, row) in rec.recent.iter().enumerate() {
        let label = if i == 0 { "recent" } else { " " };
        let e = &row.event;
        out.push(field(
            label,
            vec![
                own(&format!("{} ", clock(&e.time, &app.now)), theme.muted),
                untrusted(&e.what_on(), theme.base),
                Span::raw(" "),
                outcome(e, theme),
            ],
            theme,
        ));
    }
    let o = rec.outcomes;
    let mut counts = format!(
        "{} allowed · {} denied · {} expired · {} refused",
        o.allowed, o.denied, o.expired, o.refused
    );
    if o.break_glass > 0 {
        counts.push_str(&format!(" ({} BREAK-GLASS)", o.break_glass));
    }
    if o.total() == 0 {
        counts = "no earlier approval requests".into();
    }
    out.push(field("earlier", vec![own(&counts, theme.base)], theme));
    for row in &rec.decisions {
        let detail = row
            .event
            .outcome
            .as_ref()
            .and_then(|o| o.detail.clone())
            .unwrap_or_default();
        out.push(field(
            " ",
            vec![
                own(
                    &format!("{} ", clock(&row.event.time, &app.now)),
                    theme.muted,
                ),
                untrusted(&row.event.what_on(), theme.base),
                own(": ", theme.muted),
                untrusted(&detail, theme.base),
            ],
            theme,
        ));
    }
    out
}
