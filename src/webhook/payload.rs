//! The body each format gets for a notice. Pure: no IO, no clock.
//!
//! Agents write much of a notice (names, summaries), so every string is made one line,
//! its control and invisible characters replaced, escaped for the format (Slack mrkdwn
//! treats `<`, `>` and `&` as markup, so `<!channel>` would page everyone; Teams'
//! Adaptive Card markdown turns `[x](url)` into a link) and cut to the format's limits
//! (Slack: 3,000 characters a section, 2,000 a field; Teams: a card under 28 KB).
//!
//! No payload carries a button or action that would decide: decisions are made in
//! custody by an identified operator, and every payload says so beside the command.

use super::{Format, Notice};
use crate::untrusted::is_unsafe;
use serde_json::{json, Value};

/// The most characters of a title, after escaping.
const TITLE_MAX: usize = 150;
/// The most characters of a summary, after escaping (under Slack's 3,000 a section).
const SUMMARY_MAX: usize = 2_000;
/// The most characters of any other field (agent, ids, the command).
const FIELD_MAX: usize = 300;

/// Where decisions are made, said in every payload.
pub const DECIDED_IN_CUSTODY: &str =
    "Decide in custody (console, CLI or API) as an identified operator; nothing in this chat can approve or deny.";

/// The JSON body to POST to a target of `format`.
pub fn payload(format: Format, notice: &Notice) -> Value {
    match format {
        Format::Slack => slack(notice),
        Format::Teams => teams(notice),
        Format::Json => plain(notice),
    }
}

/// Label and value pairs shown under the summary, unescaped.
fn facts(n: &Notice) -> Vec<(&'static str, String)> {
    let mut out = vec![("Trigger", n.trigger.as_str().to_string())];
    if let Some(a) = &n.agent {
        out.push(("Agent", a.clone()));
    }
    if let Some(t) = n.tier {
        out.push(("Tier", format!("{} ({})", t.as_str(), t.describe())));
    }
    if let Some(r) = &n.request_id {
        out.push(("Request", r.clone()));
    }
    if let Some(e) = n.expires_at {
        out.push(("Expires", e.to_rfc3339()));
    }
    out.push(("Event", n.event_id.clone()));
    out
}

fn slack(n: &Notice) -> Value {
    let title = bounded(&n.title, TITLE_MAX, slack_char);
    let summary = bounded(&n.summary, SUMMARY_MAX, slack_char);
    let fields: Vec<Value> = facts(n)
        .into_iter()
        .map(|(k, v)| json!({"type": "mrkdwn", "text": format!("*{k}*\n{}", bounded(&v, FIELD_MAX, slack_char))}))
        .collect();
    let mut blocks = vec![
        json!({"type": "section", "text": {"type": "mrkdwn", "text": format!("*{title}*")}}),
        json!({"type": "section", "text": {"type": "mrkdwn", "text": summary}}),
        json!({"type": "section", "fields": fields}),
    ];
    let decide = match &n.decide {
        Some(cmd) => format!(
            "{DECIDED_IN_CUSTODY}\n```{}```",
            bounded(cmd, FIELD_MAX, slack_char)
        ),
        None => DECIDED_IN_CUSTODY.to_string(),
    };
    blocks.push(json!({"type": "section", "text": {"type": "mrkdwn", "text": decide}}));
    blocks.push(json!({"type": "context", "elements": [
        {"type": "mrkdwn", "text": format!("custody · {} · event {}", n.trigger.as_str(), bounded(&n.event_id, FIELD_MAX, slack_char))}
    ]}));
    json!({
        "text": fallback(n, slack_char),
        "blocks": blocks,
    })
}

fn teams(n: &Notice) -> Value {
    let mut body = vec![
        json!({"type": "TextBlock", "text": bounded(&n.title, TITLE_MAX, teams_char), "weight": "Bolder", "size": "Medium", "wrap": true}),
        json!({"type": "TextBlock", "text": bounded(&n.summary, SUMMARY_MAX, teams_char), "wrap": true}),
        json!({"type": "FactSet", "facts": facts(n).into_iter()
            .map(|(k, v)| json!({"title": k, "value": bounded(&v, FIELD_MAX, teams_char)}))
            .collect::<Vec<_>>()}),
        json!({"type": "TextBlock", "text": DECIDED_IN_CUSTODY, "wrap": true, "isSubtle": true}),
    ];
    if let Some(cmd) = &n.decide {
        body.push(json!({"type": "TextBlock", "text": bounded(cmd, FIELD_MAX, teams_char), "fontType": "Monospace", "wrap": true}));
    }
    json!({
        "type": "message",
        "summary": fallback(n, teams_char),
        "attachments": [{
            "contentType": "application/vnd.microsoft.card.adaptive",
            "contentUrl": null,
            "content": {
                "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                "type": "AdaptiveCard",
                "version": "1.4",
                "body": body,
            }
        }]
    })
}

/// The notice as it is, strings made one line and bounded; JSON escaping does the rest.
fn plain(n: &Notice) -> Value {
    let s = |text: &str, max| bounded(text, max, plain_char);
    json!({
        "schema": "custody.notice/v1",
        "trigger": n.trigger.as_str(),
        "title": s(&n.title, TITLE_MAX),
        "summary": s(&n.summary, SUMMARY_MAX),
        "agent": n.agent.as_deref().map(|a| s(a, FIELD_MAX)),
        "tier": n.tier.map(|t| t.as_str()),
        "request_id": n.request_id.as_deref().map(|r| s(r, FIELD_MAX)),
        "event_id": s(&n.event_id, FIELD_MAX),
        "decide": n.decide.as_deref().map(|d| s(d, FIELD_MAX)),
        "expires_at": n.expires_at.map(|e| e.to_rfc3339()),
        "decided_in": DECIDED_IN_CUSTODY,
    })
}

/// The one-line text notifications and screen readers show instead of the card.
fn fallback(n: &Notice, esc: fn(char, &mut String)) -> String {
    let mut text = bounded(&n.title, TITLE_MAX, esc);
    if let Some(r) = &n.request_id {
        text.push_str(" (request ");
        text.push_str(&bounded(r, FIELD_MAX, esc));
        text.push(')');
    }
    text
}

/// `s` on one line, each character written by `esc`, cut to at most `max` characters
/// of output with a final `…`. An escape is never cut in half.
pub(crate) fn bounded(s: &str, max: usize, esc: fn(char, &mut String)) -> String {
    let mut out = String::new();
    let (mut used, mut piece) = (0usize, String::new());
    let total = s.chars().count();
    for (i, c) in s.chars().enumerate() {
        piece.clear();
        esc(one_line(c), &mut piece);
        let n = piece.chars().count();
        let room = if i + 1 == total { max } else { max - 1 };
        if used + n > room {
            out.push('…');
            return out;
        }
        out.push_str(&piece);
        used += n;
    }
    out
}

/// Line breaks and tabs become spaces, other unsafe characters U+FFFD.
fn one_line(c: char) -> char {
    match c {
        '\n' | '\r' | '\t' => ' ',
        c if is_unsafe(c) => '\u{fffd}',
        c => c,
    }
}

fn plain_char(c: char, out: &mut String) {
    out.push(c);
}

/// Slack's three control characters as the entities Slack asks for.
fn slack_char(c: char, out: &mut String) {
    match c {
        '&' => out.push_str("&amp;"),
        '<' => out.push_str("&lt;"),
        '>' => out.push_str("&gt;"),
        c => out.push(c),
    }
}

/// Markdown's markup characters backslash-escaped, so hostile text stays text.
fn teams_char(c: char, out: &mut String) {
    if matches!(
        c,
        '\\' | '*' | '_' | '[' | ']' | '(' | ')' | '`' | '~' | '#' | '<' | '>' | '!'
    ) {
        out.push('\\');
    }
    out.push(c);
}

#[cfg(test)]
#[path = "payload_tests.rs"]
mod tests;
