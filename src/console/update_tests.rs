//! Key handling and message handling, tested on the pure update function: no terminal,
//! no database, no async runtime.
#![allow(clippy::unwrap_used)]

use super::app::{App, Hit, Overlay, Row, View};
use super::keymap::Keymap;
use super::msg::{Effect, Msg};
use super::test_keys::{key, now, type_text};
use super::update::{init, update};
use crate::event::{parse_line, Tier};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

fn row(seq: u64, tier: &str, correlation: Option<&str>) -> Row {
    let ctx = correlation
        .map(|c| format!(r#","context":{{"correlation_id":"{c}"}}"#))
        .unwrap_or_default();
    let line = format!(
        r#"{{"event_id":"e{seq}","time":"2026-11-23T11:00:00Z","kind":"ai.action","tier":"{tier}","agent":{{"id":"bot"}}{ctx}}}"#
    );
    let event = parse_line(line.as_bytes()).unwrap();
    Row {
        seq,
        hash: format!("{seq:064x}"),
        recorded_at: None,
        event,
        missing: vec![],
    }
}

fn app_with_rows(n: u64) -> App {
    let mut app = App::new(
        "sqlite:test".into(),
        "ana".into(),
        Keymap::default(),
        vec!["data_export".into()],
        super::test_keys::now(),
    );
    app.size = (120, 40);
    let effects = init(&mut app);
    let request = match &effects[0] {
        Effect::LoadPage { request, .. } => *request,
        other => panic!("{other:?}"),
    };
    let rows = (1..=n)
        .rev()
        .map(|s| row(s, if s % 4 == 0 { "T3" } else { "T1" }, Some("c-1")))
        .collect();
    update(
        &mut app,
        Msg::Page {
            request,
            rows,
            replace: true,
            at_oldest: false,
        },
        now(),
    );
    app
}

fn keys(app: &mut App, codes: &[KeyCode]) -> Vec<Effect> {
    codes.iter().flat_map(|c| key(app, *c)).collect()
}

#[test]
fn the_tier_picker_applies_a_filter_that_runs_in_the_store() {
    let mut app = app_with_rows(10);
    let effects = keys(
        &mut app,
        &[
            KeyCode::Char('t'),
            KeyCode::Char('j'),
            KeyCode::Char('j'),
            KeyCode::Char('j'),
            KeyCode::Char(' '),
            KeyCode::Enter,
        ],
    );
    assert!(
        matches!(&effects[..], [Effect::LoadPage { filter, replace: true, before: None, .. }] if filter.tiers == vec![Tier::T3])
    );
}

#[test]
fn escape_cancels_the_picker_without_filtering() {
    let mut app = app_with_rows(10);
    let effects = keys(
        &mut app,
        &[KeyCode::Char('t'), KeyCode::Char(' '), KeyCode::Esc],
    );
    assert!(effects.is_empty() && app.filter.tiers.is_empty() && app.overlay.is_none());
}

#[test]
fn an_answer_to_a_replaced_request_is_ignored() {
    let mut app = app_with_rows(10);
    let stale = app.stream.request;
    key(&mut app, KeyCode::Char('c')); // nothing to clear: no new request
    type_text(&mut app, ":");
    type_text(&mut app, "agent bot");
    key(&mut app, KeyCode::Enter);
    update(
        &mut app,
        Msg::Page {
            request: stale,
            rows: vec![row(99, "T0", None)],
            replace: true,
            at_oldest: true,
        },
        now(),
    );
    assert_eq!(app.stream.rows.len(), 10);
}

#[test]
fn freezing_counts_new_events_and_keeps_the_cursor_still() {
    let mut app = app_with_rows(10);
    keys(
        &mut app,
        &[KeyCode::Char('j'), KeyCode::Char('j'), KeyCode::Char('f')],
    );
    let selected_seq = app.stream.rows[app.stream.selected].seq;
    update(
        &mut app,
        Msg::Appended {
            rows: vec![row(11, "T1", None), row(12, "T2", None)],
            head_seq: 12,
        },
        now(),
    );
    assert_eq!(
        (
            app.stream.arrived_while_frozen,
            app.stream.rows[app.stream.selected].seq,
            app.stream.rows.len()
        ),
        (2, selected_seq, 10)
    );
}

#[test]
fn unfreezing_inserts_what_arrived_meanwhile() {
    let mut app = app_with_rows(10);
    key(&mut app, KeyCode::Char('f'));
    update(
        &mut app,
        Msg::Appended {
            rows: vec![row(11, "T1", None)],
            head_seq: 11,
        },
        now(),
    );
    key(&mut app, KeyCode::Char('f'));
    assert_eq!(
        (app.stream.rows[0].seq, app.stream.arrived_while_frozen),
        (11, 0)
    );
}

#[test]
fn live_rows_keep_a_moved_cursor_on_its_row() {
    let mut app = app_with_rows(10);
    keys(
        &mut app,
        &[KeyCode::Char('j'), KeyCode::Char('j'), KeyCode::Char('j')],
    );
    let seq = app.stream.rows[app.stream.selected].seq;
    update(
        &mut app,
        Msg::Appended {
            rows: vec![row(11, "T1", None), row(12, "T1", None)],
            head_seq: 12,
        },
        now(),
    );
    assert_eq!(app.stream.rows[app.stream.selected].seq, seq);
}

#[test]
fn live_rows_outside_the_filter_are_not_inserted() {
    let mut app = app_with_rows(10);
    keys(
        &mut app,
        &[
            KeyCode::Char('t'),
            KeyCode::Char('j'),
            KeyCode::Char('j'),
            KeyCode::Char('j'),
            KeyCode::Char(' '),
            KeyCode::Enter,
        ],
    );
    let request = app.stream.request;
    update(
        &mut app,
        Msg::Page {
            request,
            rows: vec![row(8, "T3", None)],
            replace: true,
            at_oldest: true,
        },
        now(),
    );
    update(
        &mut app,
        Msg::Appended {
            rows: vec![row(11, "T1", None), row(12, "T3", None)],
            head_seq: 12,
        },
        now(),
    );
    assert_eq!(
        app.stream.rows.iter().map(|r| r.seq).collect::<Vec<_>>(),
        vec![12, 8]
    );
}

#[test]
fn since_on_the_command_line_filters_by_time() {
    let mut app = app_with_rows(3);
    type_text(&mut app, ":since 2h");
    let effects = key(&mut app, KeyCode::Enter);
    let since = app.filter.since.map(|t| t.to_rfc3339());
    assert_eq!(since.as_deref(), Some("2026-11-23T10:00:00.000Z"));
    assert!(matches!(
        &effects[..],
        [Effect::LoadPage { replace: true, .. }]
    ));
}

#[test]
fn a_bad_command_says_why_and_does_nothing() {
    let mut app = app_with_rows(3);
    type_text(&mut app, ":tier T9");
    let effects = key(&mut app, KeyCode::Enter);
    assert!(effects.is_empty());
    assert!(app.status.is_some_and(|s| s.text.contains("T9")));
}

#[test]
fn up_recalls_the_previous_command() {
    let mut app = app_with_rows(3);
    type_text(&mut app, ":agent bot");
    key(&mut app, KeyCode::Enter);
    type_text(&mut app, ":");
    key(&mut app, KeyCode::Up);
    assert!(matches!(&app.overlay, Some(Overlay::Command(edit)) if edit.text == "agent bot"));
}

#[test]
fn every_search_keystroke_is_a_newer_request_and_older_answers_lose() {
    let mut app = app_with_rows(3);
    key(&mut app, KeyCode::Char('/'));
    let effects = type_text(&mut app, "ex");
    let ids: Vec<u64> = effects
        .iter()
        .map(|e| match e {
            Effect::Search { request, .. } => *request,
            _ => 0,
        })
        .collect();
    assert!(ids.len() == 2 && ids[1] > ids[0]);
    let old_hit = Hit {
        row: row(1, "T1", None),
        score: 1,
        text: "x".into(),
        indices: vec![],
    };
    update(
        &mut app,
        Msg::SearchHits {
            request: ids[0],
            hits: vec![old_hit],
            scanned: 1,
            done: true,
        },
        now(),
    );
    assert!(app.search.hits.is_empty());
}

#[test]
fn enter_on_an_event_with_a_correlation_id_opens_its_trace() {
    let mut app = app_with_rows(3);
    let effects = key(&mut app, KeyCode::Enter);
    assert_eq!(app.view, View::Trace);
    assert_eq!(
        effects,
        vec![Effect::LoadTrace {
            correlation_id: "c-1".into()
        }]
    );
}

#[test]
fn escape_closes_the_detail_then_returns_to_the_stream() {
    let mut app = app_with_rows(3);
    keys(
        &mut app,
        &[KeyCode::Enter, KeyCode::Char('d'), KeyCode::Esc],
    );
    assert!(!app.detail && app.view == View::Trace);
    key(&mut app, KeyCode::Esc);
    assert_eq!(app.view, View::Stream);
}

#[test]
fn scrolling_near_the_end_loads_the_next_older_page() {
    let mut app = app_with_rows(60);
    let effects = key(&mut app, KeyCode::PageDown);
    assert!(matches!(
        &effects[..],
        [Effect::LoadPage {
            before: Some(1),
            replace: false,
            ..
        }]
    ));
}

#[test]
fn copy_puts_the_selected_event_as_json_on_the_clipboard() {
    let mut app = app_with_rows(3);
    let effects = key(&mut app, KeyCode::Char('y'));
    assert!(
        matches!(&effects[..], [Effect::Copy { text, .. }] if text.contains("\"event_id\": \"e3\""))
    );
}

#[test]
fn q_and_ctrl_c_quit() {
    let mut a = app_with_rows(1);
    key(&mut a, KeyCode::Char('q'));
    let mut b = app_with_rows(1);
    update(
        &mut b,
        Msg::Key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL)),
        now(),
    );
    assert!(a.quit && b.quit);
}

#[test]
fn the_agents_view_loads_and_enter_filters_the_stream_to_that_agent() {
    let mut app = app_with_rows(3);
    let effects = key(&mut app, KeyCode::Char('3'));
    assert_eq!(effects, vec![Effect::LoadAgents]);
    let agent = super::app::AgentSummary {
        id: "bot".into(),
        name: None,
        version: None,
        model: None,
        last_seq: 3,
        last_time: None,
        last_action: None,
        by_tier: [0, 2, 0, 1],
        events: 3,
        failures: 0,
    };
    update(&mut app, Msg::Agents(vec![agent]), now());
    let effects = key(&mut app, KeyCode::Enter);
    assert!(
        matches!(&effects[..], [Effect::LoadPage { filter, .. }] if filter.agents == vec!["bot".to_string()])
    );
}

fn agent(i: usize) -> super::app::AgentSummary {
    super::app::AgentSummary {
        id: format!("bot-{i:03}"),
        name: None,
        version: None,
        model: None,
        last_seq: i as u64,
        last_time: None,
        last_action: None,
        by_tier: [1, 0, 0, 0],
        events: 1,
        failures: 0,
    }
}

#[test]
fn moving_back_up_a_long_agent_list_moves_the_cursor_not_the_list() {
    let mut app = app_with_rows(3);
    key(&mut app, KeyCode::Char('3'));
    update(&mut app, Msg::Agents((0..100).map(agent).collect()), now());
    keys(&mut app, &[KeyCode::Down; 60]);
    assert_eq!(app.agents.selected, 60);
    let offset = app.agents.offset;
    assert!(offset > 0 && offset <= 60, "{offset}");
    keys(&mut app, &[KeyCode::Up; 3]);
    assert_eq!(app.agents.selected, 57);
    assert_eq!(app.agents.offset, offset, "the list stays put");
    // Climbing past the top row scrolls one row at a time.
    let climb = app.agents.selected - offset + 1;
    keys(&mut app, &vec![KeyCode::Up; climb]);
    assert_eq!(app.agents.offset, app.agents.selected);
    assert_eq!(app.agents.offset, offset - 1);
}

#[test]
fn moving_back_up_a_long_trace_moves_the_cursor_not_the_timeline() {
    let mut app = app_with_rows(3);
    key(&mut app, KeyCode::Enter);
    let rows = (1..=100).map(|s| row(s, "T1", Some("c-1"))).collect();
    update(
        &mut app,
        Msg::Trace {
            correlation_id: "c-1".into(),
            rows,
        },
        now(),
    );
    keys(&mut app, &[KeyCode::Down; 80]);
    let offset = app.trace.offset;
    assert!(offset > 0, "{offset}");
    keys(&mut app, &[KeyCode::Up; 2]);
    assert_eq!(app.trace.offset, offset, "the timeline stays put");
}
