//! The Approvals view on the pure update: keys in, effects out, no terminal, store or
//! runtime. Votes reach the core only through one `Effect::Vote` from a confirmed
//! dialog that starts on Cancel's side and insists on a justification.
#![allow(clippy::unwrap_used)]

use super::fixtures::pending;
use super::*;
use crate::console::app::{App, Overlay};
use crate::console::form::Purpose;
use crate::console::keymap::Keymap;
use crate::console::msg::{Effect, Msg};
use crate::console::test_keys::{key, now, type_text};
use crate::console::update::update;
use crate::gate::{Ballot, Verdict};
use crate::respond::{Role, Roles};
use crossterm::event::KeyCode;

fn app_as(operator: &str) -> App {
    let mut app = App::new(
        "sqlite:test".into(),
        operator.into(),
        Keymap::default(),
        vec![],
        now(),
    );
    app.size = (120, 40);
    app.response.roles = Roles {
        default: Role::Responder,
        by_operator: [
            ("ana".to_string(), Role::Approver),
            ("root".into(), Role::Admin),
            ("vic".into(), Role::Viewer),
        ]
        .into_iter()
        .collect(),
    };
    app
}

/// The Approvals view as `operator`, showing the given requests.
fn showing(operator: &str, list: Vec<Pending>) -> App {
    let mut app = app_as(operator);
    key(&mut app, KeyCode::Char('5'));
    update(&mut app, Msg::Approvals(Ok(list)), now());
    app
}

fn one() -> Vec<Pending> {
    vec![pending("r-1", "exporter", now(), 60_000, 240_000)]
}

fn form(app: &App) -> &crate::console::form::Form {
    match &app.overlay {
        Some(Overlay::Form(f)) => f,
        other => panic!("expected a dialog, got {other:?}"),
    }
}

#[test]
fn five_opens_the_view_and_loads_the_queue_then_the_selected_agents_record() {
    let mut app = app_as("ana");
    let effects = key(&mut app, KeyCode::Char('5'));
    assert_eq!(
        (app.view, effects),
        (View::Approvals, vec![Effect::LoadApprovals])
    );
    let effects = update(&mut app, Msg::Approvals(Ok(one())), now());
    assert_eq!(
        effects,
        vec![Effect::LoadAgentRecord {
            agent: "exporter".into()
        }]
    );
}

#[test]
fn requests_are_listed_oldest_first_and_the_cursor_stays_on_its_request() {
    let mut app = showing(
        "ana",
        vec![
            pending("new", "a", now(), 1_000, 240_000),
            pending("old", "b", now(), 90_000, 240_000),
        ],
    );
    assert_eq!(app.approvals.current().unwrap().request.id, "old");
    key(&mut app, KeyCode::Char('j'));
    let again = vec![
        pending("new", "a", now(), 1_000, 240_000),
        pending("old", "b", now(), 90_000, 240_000),
        pending("older", "c", now(), 100_000, 240_000),
    ];
    update(&mut app, Msg::Approvals(Ok(again)), now());
    assert_eq!(app.approvals.current().unwrap().request.id, "new");
}

#[test]
fn an_approval_event_on_the_tail_reloads_the_queue_once_even_when_a_load_is_running() {
    let mut app = showing("ana", one());
    let row = |seq, kind: &str| {
        let line = format!(
            r#"{{"event_id":"e{seq}","time":"2026-11-23T11:00:00Z","kind":"{kind}","agent":{{"id":"x"}}}}"#
        );
        crate::console::app::Row {
            seq,
            hash: String::new(),
            recorded_at: None,
            event: crate::event::parse_line(line.as_bytes()).unwrap(),
            missing: vec![],
        }
    };
    let appended = |rows| Msg::Appended { rows, head_seq: 9 };
    let first = update(&mut app, appended(vec![row(7, "approval.request")]), now());
    let second = update(&mut app, appended(vec![row(8, "approval.vote")]), now());
    let other = update(&mut app, appended(vec![row(9, "ai.action")]), now());
    let landed = update(&mut app, Msg::Approvals(Ok(one())), now());
    assert_eq!(
        (first, second, other, landed),
        (
            vec![Effect::LoadApprovals],
            vec![],
            vec![],
            vec![Effect::LoadApprovals]
        )
    );
}

#[test]
fn the_approve_dialog_shows_the_params_and_enter_through_it_lands_on_cancel() {
    let mut app = showing("ana", one());
    key(&mut app, KeyCode::Char('A'));
    let info = form(&app).info.clone();
    assert!(
        info.iter()
            .any(|(l, t)| l == "params" && t.contains("\"note\": \"keep the audit rows\"")),
        "{info:?}"
    );
    type_text(&mut app, "checked the table is unused");
    let effects = key(&mut app, KeyCode::Enter);
    assert_eq!(form(&app).focus, form(&app).cancel_index());
    let cancelled = key(&mut app, KeyCode::Enter);
    assert!(effects.is_empty() && cancelled.is_empty() && app.overlay.is_none());
}

#[test]
fn a_vote_without_a_justification_is_refused_in_the_dialog() {
    let mut app = showing("ana", one());
    key(&mut app, KeyCode::Char('D'));
    key(&mut app, KeyCode::Enter);
    key(&mut app, KeyCode::Right);
    let effects = key(&mut app, KeyCode::Enter);
    assert!(effects.is_empty());
    assert!(form(&app)
        .error
        .as_deref()
        .unwrap()
        .contains("justification is required"));
}

#[test]
fn a_confirmed_approval_is_exactly_one_vote_effect() {
    let mut app = showing("ana", one());
    key(&mut app, KeyCode::Char('A'));
    type_text(&mut app, "read the migration");
    key(&mut app, KeyCode::Enter);
    key(&mut app, KeyCode::Right);
    let effects = key(&mut app, KeyCode::Enter);
    assert_eq!(
        effects,
        vec![Effect::Vote {
            requests: vec!["r-1".into()],
            ballot: Ballot {
                verdict: Verdict::Approve,
                justification: "read the migration".into(),
                break_glass: false,
            },
            what: "approve".into(),
        }]
    );
}

#[test]
fn a_viewer_is_refused_before_any_dialog() {
    let mut app = showing("vic", one());
    let effects = key(&mut app, KeyCode::Char('A'));
    let status = app.status.clone().unwrap().text;
    assert!(effects.is_empty() && app.overlay.is_none());
    assert!(status.contains("vic is a viewer"), "{status}");
}

#[test]
fn read_only_refuses_votes() {
    let mut app = showing("ana", one());
    app.read_only = true;
    key(&mut app, KeyCode::Char('D'));
    assert!(app.overlay.is_none());
    assert!(app.status.unwrap().text.contains("read-only"));
}

#[test]
fn only_an_admin_is_offered_break_glass_and_typing_yes_casts_it() {
    let mut app = showing("ana", one());
    key(&mut app, KeyCode::Char('A'));
    assert_eq!(form(&app).fields.len(), 1);
    let mut app = showing("root", one());
    key(&mut app, KeyCode::Char('A'));
    type_text(&mut app, "prod is down");
    key(&mut app, KeyCode::Tab);
    for _ in 0..2 {
        key(&mut app, KeyCode::Backspace);
    }
    type_text(&mut app, "yes");
    key(&mut app, KeyCode::Enter);
    key(&mut app, KeyCode::Right);
    let effects = key(&mut app, KeyCode::Enter);
    assert!(
        matches!(&effects[..], [Effect::Vote { ballot, .. }] if ballot.break_glass),
        "{effects:?}"
    );
}

#[test]
fn bulk_deny_without_marks_takes_the_stale_requests_one_vote_each() {
    let mut app = showing(
        "ana",
        vec![
            pending("stale-1", "a", now(), STALE_AFTER_MS + 1, 60_000),
            pending("fresh", "b", now(), 1_000, 240_000),
            pending("stale-2", "c", now(), STALE_AFTER_MS + 5, 60_000),
        ],
    );
    key(&mut app, KeyCode::Char('B'));
    type_text(&mut app, "clearing the queue");
    key(&mut app, KeyCode::Enter);
    key(&mut app, KeyCode::Right);
    let effects = key(&mut app, KeyCode::Enter);
    let Some(Effect::Vote {
        requests, ballot, ..
    }) = effects.first()
    else {
        panic!("{effects:?}")
    };
    assert_eq!(
        (requests.clone(), ballot.verdict),
        (vec!["stale-2".to_string(), "stale-1".into()], Verdict::Deny)
    );
}

#[test]
fn bulk_deny_takes_the_marked_requests_when_some_are_marked() {
    let mut app = showing(
        "ana",
        vec![
            pending("a", "a", now(), 3_000, 240_000),
            pending("b", "b", now(), 2_000, 240_000),
        ],
    );
    key(&mut app, KeyCode::Char('j'));
    key(&mut app, KeyCode::Char(' '));
    key(&mut app, KeyCode::Char('B'));
    let Purpose::Vote { requests, .. } = &form(&app).purpose else {
        panic!()
    };
    assert_eq!(requests, &vec!["b".to_string()]);
}

#[test]
fn a_new_t3_request_flashes_the_header_but_those_there_at_opening_do_not() {
    let mut app = showing("ana", one());
    assert!(!app.approvals.flashing(now()));
    let mut two = one();
    two.push(pending("r-2", "exporter", now(), 0, 300_000));
    update(&mut app, Msg::Approvals(Ok(two)), now());
    let later = |ms| crate::event::Timestamp::from_millis(now().millis() + ms).unwrap();
    assert!(app.approvals.flashing(later(1_000)) && !app.approvals.flashing(later(FLASH_MS)));
}

#[test]
fn the_vote_result_goes_to_the_status_line_and_the_queue_reloads() {
    let mut app = showing("ana", one());
    let effects = update(
        &mut app,
        Msg::Voted {
            what: "approve".into(),
            result: Ok("approved exporter's db.drop on orders: 1/2".into()),
        },
        now(),
    );
    assert!(effects.contains(&Effect::LoadApprovals));
    assert!(app.status.unwrap().text.contains("1/2"));
}

#[test]
fn a_failed_load_says_why_and_the_next_approval_event_loads_again() {
    let mut app = app_as("ana");
    key(&mut app, KeyCode::Char('5'));
    update(
        &mut app,
        Msg::Approvals(Err("database is locked".into())),
        now(),
    );
    assert!(app
        .status
        .clone()
        .unwrap()
        .text
        .contains("database is locked"));
    assert_eq!(
        key(&mut app, KeyCode::Char('5')),
        vec![Effect::LoadApprovals]
    );
}
