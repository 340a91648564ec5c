//! The entries of the detail pane, field by field: the seven audit fields of the
//! Execute Action Audit Standard (reference 004) in its order, numbered, then
//! reversibility. An absent field reads `⚠ MISSING` when the standard requires it of
//! this event and `— not recorded` otherwise. Every value is event text and goes
//! through `untrusted` or `json::compact`; labels are our own.

use super::super::theme::Theme;
use super::cells::{duration, own, untrusted};
use super::json::{compact, BUDGET};
use super::stream::outcome;
use crate::event::{ApprovalMode, Event, ReversibilityClass};
use ratatui::style::Style;
use ratatui::text::Span;

/// One labelled entry of the pane. Its value wraps under itself (a hanging indent), so
/// the labels stay a clean column; an entry without a label uses the full width.
pub struct Entry {
    pub label: String,
    pub label_style: Style,
    pub value: Vec<Span<'static>>,
}

pub fn field(label: &str, value: Vec<Span<'static>>, theme: &Theme) -> Entry {
    Entry {
        label: label.to_string(),
        label_style: theme.muted,
        value,
    }
}

/// A numbered audit field's first entry: `3 ai output`, in title style.
pub fn audit(n: u8, label: &str, value: Vec<Span<'static>>, theme: &Theme) -> Entry {
    Entry {
        label: format!("{n} {label}"),
        label_style: theme.title,
        value,
    }
}

pub fn full_width(value: Vec<Span<'static>>) -> Entry {
    Entry {
        label: String::new(),
        label_style: Style::default(),
        value,
    }
}

pub fn sep(theme: &Theme) -> Span<'static> {
    own(" · ", theme.muted)
}

/// Joins the present parts with ` · `; the parts are already escaped spans.
pub fn joined(parts: Vec<Vec<Span<'static>>>, theme: &Theme) -> Vec<Span<'static>> {
    let mut out = Vec::new();
    for part in parts.into_iter().filter(|p| !p.is_empty()) {
        if !out.is_empty() {
            out.push(sep(theme));
        }
        out.extend(part);
    }
    out
}

/// `label value` (or just `value` when `label` is empty), nothing when absent.
pub fn opt(label: &str, value: Option<&String>, theme: &Theme) -> Vec<Span<'static>> {
    match value {
        Some(v) if label.is_empty() => vec![untrusted(v, theme.base)],
        Some(v) => vec![
            own(&format!("{label} "), theme.muted),
            untrusted(v, theme.base),
        ],
        None => Vec::new(),
    }
}

/// `v7`, `v2.4.1`: a version glued to its `v` (one the producer wrote as `v14` keeps
/// its own).
pub fn version(value: Option<&String>, theme: &Theme) -> Vec<Span<'static>> {
    value.map_or_else(Vec::new, |v| {
        let mut chars = v.chars();
        let has_v = matches!(
            (chars.next(), chars.next()),
            (Some('v' | 'V'), Some(d)) if d.is_ascii_digit()
        );
        if has_v {
            vec![untrusted(v, theme.base)]
        } else {
            vec![own("v", theme.muted), untrusted(v, theme.base)]
        }
    })
}

/// What stands in for an absent field: MISSING when the standard requires it here.
pub fn absent(required: bool, theme: &Theme) -> Vec<Span<'static>> {
    if required {
        vec![own("⚠ MISSING", theme.incomplete)]
    } else {
        vec![own("— not recorded", theme.muted)]
    }
}

pub fn trigger(e: &Event, required: bool, theme: &Theme) -> Entry {
    let spans = match &e.trigger {
        Some(t) => {
            let kind = serde_json::to_value(t.kind).ok();
            let kind = kind
                .as_ref()
                .and_then(|v| v.as_str())
                .unwrap_or("?")
                .to_string();
            joined(
                vec![
                    vec![own(&kind, theme.base)],
                    opt("", t.reference.as_ref(), theme),
                ],
                theme,
            )
        }
        None => absent(required, theme),
    };
    audit(1, "trigger", spans, theme)
}

pub fn model(e: &Event, required: bool, theme: &Theme) -> Vec<Entry> {
    let m = match &e.model {
        Some(m) => {
            let params = m
                .params
                .as_ref()
                .map(|p| vec![untrusted(&compact(p, BUDGET), theme.base)]);
            let parts = vec![
                opt("", m.provider.as_ref(), theme),
                vec![untrusted(&m.name, theme.base)],
                opt("", m.version.as_ref(), theme),
                params.unwrap_or_default(),
            ];
            joined(parts, theme)
        }
        None => absent(required, theme),
    };
    let p = match &e.prompt {
        Some(p) => joined(
            vec![
                opt("template", p.template_id.as_ref(), theme),
                opt("sha256", p.sha256.as_ref(), theme),
            ],
            theme,
        ),
        None => absent(required, theme),
    };
    vec![audit(2, "model", m, theme), field("  prompt", p, theme)]
}

pub fn ai_output(e: &Event, required: bool, theme: &Theme) -> Vec<Entry> {
    let Some(o) = &e.ai_output else {
        return vec![audit(3, "ai output", absent(required, theme), theme)];
    };
    let summary = o
        .summary
        .as_ref()
        .map_or_else(|| absent(false, theme), |s| vec![untrusted(s, theme.base)]);
    let mut out = vec![audit(3, "ai output", summary, theme)];
    if let Some(r) = &o.reasoning {
        out.push(field("  reasoning", vec![untrusted(r, theme.base)], theme));
    }
    if let Some(c) = o.confidence {
        out.push(field(
            "  confidence",
            vec![own(&format!("{c:.2}"), theme.base)],
            theme,
        ));
    }
    for ev in &o.evidence {
        let parts = vec![
            vec![
                untrusted(&ev.kind, theme.muted),
                Span::raw(" "),
                untrusted(&ev.reference, theme.base),
            ],
            opt("sha256", ev.sha256.as_ref(), theme),
        ];
        out.push(field("  evidence", joined(parts, theme), theme));
    }
    out
}

pub fn action(e: &Event, required: bool, theme: &Theme) -> Vec<Entry> {
    let Some(a) = &e.action else {
        return vec![audit(4, "action", absent(required, theme), theme)];
    };
    let place = match (&a.target_system, &a.resource) {
        (Some(t), Some(r)) => vec![untrusted(&format!("{t}/{r}"), theme.base)],
        (Some(x), None) | (None, Some(x)) => vec![untrusted(x, theme.base)],
        (None, None) => Vec::new(),
    };
    let mut first = vec![untrusted(&a.kind, theme.base)];
    if !place.is_empty() {
        first.push(own(" → ", theme.muted));
        first.extend(place);
    }
    if let Some(env) = &a.environment {
        first.extend([
            sep(theme),
            own("env ", theme.muted),
            untrusted(env, theme.base),
        ]);
    }
    let mut out = vec![audit(4, "action", first, theme)];
    if let Some(p) = &a.params {
        out.push(field(
            "  params",
            vec![untrusted(&compact(p, BUDGET), theme.base)],
            theme,
        ));
    }
    if a.before.is_some() || a.after.is_some() {
        let show = |v: &Option<serde_json::Value>| match v {
            Some(v) => untrusted(&compact(v, BUDGET), theme.base),
            None => own("—", theme.muted),
        };
        let change = vec![show(&a.before), own(" → ", theme.accent), show(&a.after)];
        out.push(field("  change", change, theme));
    }
    out
}

pub fn approval(e: &Event, required: bool, theme: &Theme) -> Vec<Entry> {
    let first = match &e.approval {
        Some(a) if a.mode == ApprovalMode::None => {
            let mut s = vec![own("none — nobody approved this", theme.warning)];
            if let Some(j) = &a.justification {
                s.extend([sep(theme), untrusted(j, theme.base)]);
            }
            s
        }
        Some(a) => {
            let mode = if a.mode == ApprovalMode::Human {
                "human"
            } else {
                "rule"
            };
            let at =
                a.at.map(|t| vec![own("at ", theme.muted), own(&t.to_rfc3339(), theme.base)]);
            joined(
                vec![
                    vec![own(mode, theme.base)],
                    opt("by", a.approver.as_ref(), theme),
                    opt("as", a.role.as_ref(), theme),
                    opt("rule", a.rule_id.as_ref(), theme),
                    at.unwrap_or_default(),
                    opt("", a.justification.as_ref(), theme),
                ],
                theme,
            )
        }
        None => absent(required, theme),
    };
    let mut out = vec![audit(5, "approval", first, theme)];
    if let Some(p) = &e.policy {
        let decision = format!("{:?}", p.decision).to_lowercase();
        let parts = vec![
            opt("", p.id.as_ref(), theme),
            version(p.version.as_ref(), theme),
            vec![own(&decision, theme.base)],
            opt("rule", p.rule.as_ref(), theme),
        ];
        out.push(field("  policy", joined(parts, theme), theme));
    }
    out
}

pub fn context(e: &Event, required: bool, theme: &Theme) -> Vec<Entry> {
    let mut out = vec![audit(
        6,
        "time",
        vec![own(&e.time.to_rfc3339(), theme.base)],
        theme,
    )];
    let c = e.context.clone().unwrap_or_default();
    let place = joined(
        vec![
            opt("env", c.environment.as_ref(), theme),
            opt("job", c.job_id.as_ref(), theme),
            opt("app", c.app_version.as_ref(), theme),
        ],
        theme,
    );
    out.push(field(
        "  context",
        if place.is_empty() {
            absent(required, theme)
        } else {
            place
        },
        theme,
    ));
    let ids = joined(
        vec![
            opt("correlation", c.correlation_id.as_ref(), theme),
            opt("trace", c.trace_id.as_ref(), theme),
            opt("span", c.span_id.as_ref(), theme),
            opt("parent", c.parent_event_id.as_ref(), theme),
        ],
        theme,
    );
    if !ids.is_empty() {
        out.push(field("  ids", ids, theme));
    }
    out
}

pub fn result(e: &Event, required: bool, theme: &Theme) -> Vec<Entry> {
    let Some(o) = &e.outcome else {
        return vec![audit(7, "outcome", absent(required, theme), theme)];
    };
    let mut out = vec![audit(
        7,
        "outcome",
        joined(
            vec![vec![outcome(e, theme)], opt("", o.detail.as_ref(), theme)],
            theme,
        ),
        theme,
    )];
    if let Some(r) = &o.response {
        out.push(field(
            "  response",
            vec![untrusted(&compact(r, BUDGET), theme.base)],
            theme,
        ));
    }
    out
}

pub fn reversibility(e: &Event, theme: &Theme) -> Entry {
    let spans = match &e.reversibility {
        Some(r) => {
            let class = match r.class {
                ReversibilityClass::Full => own("full", theme.ok),
                ReversibilityClass::Partial => own("partial", theme.warning),
                ReversibilityClass::None => own("none — cannot be undone", theme.danger),
            };
            let window = r.undo_window_s.map(|s| {
                vec![own(
                    &format!("undo within {}", duration(s as i64 * 1000)),
                    theme.base,
                )]
            });
            let rollback = r.rollback.as_ref().map(|rb| {
                let mut s = vec![
                    own("rollback ", theme.muted),
                    untrusted(&rb.kind, theme.base),
                ];
                if let Some(x) = &rb.reference {
                    s.extend([Span::raw(" "), untrusted(x, theme.base)]);
                }
                s
            });
            joined(
                vec![
                    vec![class],
                    window.unwrap_or_default(),
                    rollback.unwrap_or_default(),
                ],
                theme,
            )
        }
        None => absent(false, theme),
    };
    field("reversibility", spans, theme)
}
