//! Test fixtures for the views: events as the JSON a producer would send, Apps built
//! from them by hand, and rendering into ratatui's `TestBackend`.

#![allow(clippy::unwrap_used)]

use super::super::app::{App, Row};
use super::super::keymap::Keymap;
use super::super::theme::Theme;
use crate::event::{missing_fields, parse_line, DEFAULT_REASON_CODES};
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::style::Style;
use ratatui::Terminal;

/// A complete T3 `ai.action` with every audit field.
pub const FULL_ACTION: &str = r#"{"event_id":"01J-full","time":"2026-11-23T01:13:45.123Z","kind":"ai.action",
"trigger":{"type":"event","ref":"alert/PD-4411"},
"actor":{"type":"agent","id":"remediator","on_behalf_of":"sre-oncall"},
"agent":{"id":"remediator","name":"Remediator","version":"2.4.1"},
"model":{"provider":"anthropic","name":"claude-sonnet","version":"2026-09","params":{"temperature":0.2}},
"prompt":{"template_id":"remediate-v3","sha256":"9f2c"},
"ai_output":{"summary":"drop table sessions to free disk","reasoning":"disk at 97%","confidence":0.82,
  "evidence":[{"kind":"metric","ref":"grafana/disk-usage","sha256":"ab12"}]},
"action":{"type":"sql.drop_table","target_system":"pg-main","resource":"sessions","environment":"prod",
  "params":{"cascade":true},"before":{"rows":1200000},"after":null},
"reason_code":"incident_remediation","tier":"T3","risk_score":0.91,
"policy":{"id":"db-guard","version":"7","decision":"allow","rule":"disk-emergency"},
"approval":{"mode":"none"},
"context":{"environment":"prod","job_id":"job-77","app_version":"1.9.0","correlation_id":"inc-42","trace_id":"t-99"},
"outcome":{"status":"failure","detail":"permission denied"},
"reversibility":{"class":"none"}}"#;

/// An `ai.action` that lacks trigger, ai_output and outcome, with an unregistered reason.
pub const INCOMPLETE_ACTION: &str = r#"{"event_id":"01J-inc","time":"2026-11-23T01:13:20.000Z","kind":"ai.action",
"agent":{"id":"scaler"},"model":{"name":"m1"},"prompt":{"template_id":"p"},
"action":{"type":"k8s.scale","target_system":"k8s-prod","resource":"deploy/api"},
"reason_code":"vibes","tier":"T1","approval":{"mode":"rule","rule_id":"r1"},
"context":{"environment":"prod","correlation_id":"inc-42"}}"#;

/// A human stepping in, four minutes and twelve seconds after FULL_ACTION.
pub const HUMAN_STEP: &str = r#"{"event_id":"01J-hum","time":"2026-11-23T01:17:57.123Z","kind":"human.intervention",
"actor":{"type":"human","id":"alice"},"reason_code":"containment","tier":"T2",
"action":{"type":"pause","target_system":"custody","resource":"remediator"},
"justification":"stop the bleeding","context":{"correlation_id":"inc-42"},
"outcome":{"status":"success"}}"#;

/// Strings an attacker would like to reach a terminal.
pub const HOSTILE: [&str; 4] = [
    "\u{1b}]0;pwned\u{7}",
    "\u{1b}[2J",
    "\u{1b}]52;c;ZWNobw==\u{7}",
    "\u{202e}",
];

/// A `FULL_ACTION` whose summary, agent id, resource and reasoning carry `HOSTILE`.
pub fn hostile_action() -> String {
    let all: String = HOSTILE.concat();
    let mut v: serde_json::Value = serde_json::from_str(FULL_ACTION).unwrap();
    v["ai_output"]["summary"] = format!("rm {all} done").into();
    v["ai_output"]["reasoning"] = all.clone().into();
    v["agent"]["id"] = format!("evil{all}").into();
    v["action"]["resource"] = all.clone().into();
    v["action"]["params"] = serde_json::json!({ "x": all });
    v["context"]["correlation_id"] = format!("inc{all}").into();
    v.to_string()
}

pub fn row(seq: u64, json: &str) -> Row {
    let event = parse_line(json.replace('\n', "").as_bytes()).unwrap();
    let missing = missing_fields(&event);
    Row {
        seq,
        hash: format!("{seq:064x}"),
        recorded_at: Some(event.time),
        event,
        missing,
    }
}

fn reason_codes() -> Vec<String> {
    DEFAULT_REASON_CODES.iter().map(|s| s.to_string()).collect()
}

pub fn app() -> App {
    App::new(
        "sqlite:///var/lib/custody/custody.db".into(),
        "alice".into(),
        Keymap::default(),
        reason_codes(),
        "2026-11-23T12:00:00Z".parse().unwrap(),
    )
}

/// An App whose stream holds `events`, newest first (the first gets the highest seq).
pub fn app_with_rows(events: &[&str]) -> App {
    let mut app = app();
    let n = events.len() as u64;
    app.stream.rows = events
        .iter()
        .enumerate()
        .map(|(i, e)| row(n - i as u64, e))
        .collect();
    app.header.head_seq = n;
    app
}

pub fn render(app: &App, theme: &Theme, width: u16, height: u16) -> Buffer {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal.draw(|f| super::draw(f, app, theme)).unwrap();
    terminal.backend().buffer().clone()
}

/// The screen as text, one line per row.
pub fn screen_text(buf: &Buffer) -> String {
    let mut out = String::new();
    for y in 0..buf.area.height {
        for x in 0..buf.area.width {
            out.push_str(buf[(x, y)].symbol());
        }
        out.push('\n');
    }
    out
}

/// The screen position where `needle` starts, searching row by row.
pub fn find(buf: &Buffer, needle: &str) -> Option<(u16, u16)> {
    let first = needle.chars().next()?;
    for y in 0..buf.area.height {
        for x in 0..buf.area.width {
            if !buf[(x, y)].symbol().starts_with(first) {
                continue;
            }
            let mut s = String::new();
            let mut cx = x;
            while cx < buf.area.width && s.chars().count() < needle.chars().count() {
                s.push_str(buf[(cx, y)].symbol());
                cx += 1;
            }
            if s.starts_with(needle) {
                return Some((x, y));
            }
        }
    }
    None
}

/// Whether the cell at (x, y) carries everything `style` sets.
pub fn has_style(buf: &Buffer, (x, y): (u16, u16), style: Style) -> bool {
    let cell = &buf[(x, y)];
    let fg_ok = style.fg.is_none_or(|c| cell.fg == c);
    let bg_ok = style.bg.is_none_or(|c| cell.bg == c);
    fg_ok && bg_ok && cell.modifier.contains(style.add_modifier)
}
