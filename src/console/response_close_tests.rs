//! Closing an incident and walking its checklist from the console, on the pure update.
#![allow(clippy::unwrap_used)]

use super::app::{App, Overlay};
use super::msg::{Effect, Msg};
use super::response_tests::{console, form_error};
use super::test_keys::{key, now, type_text};
use super::update::update;
use crate::event::Event;
use crate::respond::load::Situation;
use crate::respond::Role;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// Seals what the effects ask for (as the driver would) and feeds the ledger back.
fn sealed(app: &mut App, ledger: &mut Vec<(u64, Event)>, effects: Vec<Effect>) {
    for e in effects {
        if let Effect::Seal { events, .. } = e {
            for ev in events {
                let seq = ledger.len() as u64 + 8;
                ledger.push((seq, ev.sealed_by_custody()));
            }
        }
    }
    let situation = Situation::derive(ledger.clone());
    update(app, Msg::Situation(Box::new(situation)), now());
}

fn ctrl_s(app: &mut App) -> Vec<Effect> {
    update(
        app,
        Msg::Key(KeyEvent::new(KeyCode::Char('s'), KeyModifiers::CONTROL)),
        now(),
    )
}

/// An incident opened on the selected event, following `playbook`.
fn incident(app: &mut App, playbook: &str) -> Vec<(u64, Event)> {
    let mut ledger = Vec::new();
    key(app, KeyCode::Char('O'));
    key(app, KeyCode::Tab);
    type_text(app, "prod data went to a test bucket");
    let effects = ctrl_s(app);
    sealed(app, &mut ledger, effects);
    key(app, KeyCode::Char(':'));
    type_text(app, &format!("playbook {playbook}"));
    let effects = key(app, KeyCode::Enter);
    sealed(app, &mut ledger, effects);
    ledger
}

#[test]
fn a_responder_refused_on_close_is_told_about_roles() {
    let mut app = console("ana", "T2");
    incident(&mut app, "wrong-destination-export");
    key(&mut app, KeyCode::Char('C'));
    assert!(app.overlay.is_none());
    let status = app.status.clone().unwrap().text;
    assert!(
        status.contains("[roles]") && status.contains("ana = \"approver\""),
        "{status}"
    );
}

#[test]
fn closing_with_steps_pending_needs_a_justification_that_is_sealed() {
    let mut app = console("ana", "T2");
    incident(&mut app, "wrong-destination-export");
    app.response.roles.default = Role::Approver;
    key(&mut app, KeyCode::Char('C'));
    type_text(&mut app, "false alarm");
    assert!(ctrl_s(&mut app).is_empty());
    assert!(form_error(&app).unwrap().contains("closing anyway because"));
    type_text(&mut app, "the owner confirmed by phone");
    let effects = ctrl_s(&mut app);
    let [Effect::Seal { events, .. }] = effects.as_slice() else {
        panic!(
            "{effects:?} {:?}",
            app.overlay.as_ref().map(|_| form_error(&app))
        );
    };
    let params = events[0].action.as_ref().unwrap().params.as_ref().unwrap();
    assert_eq!(
        params["forced"]["justification"],
        "the owner confirmed by phone"
    );
    assert!(!matches!(app.overlay, Some(Overlay::Form(_))));
}

/// `x` on the selected step, `text` typed, Ctrl-S; the ledger fed back.
fn step_done(app: &mut App, ledger: &mut Vec<(u64, Event)>, text: &str) {
    key(app, KeyCode::Char('x'));
    assert!(
        matches!(app.overlay, Some(Overlay::Form(_))),
        "{:?}",
        app.status
    );
    type_text(app, text);
    let effects = ctrl_s(app);
    assert_eq!(effects.len(), 1, "{effects:?} {:?}", form_error(app));
    sealed(app, ledger, effects);
}

fn step_id(app: &App) -> String {
    let pb = app.response.playbook().unwrap();
    pb.steps[app.response.selected_step].id.clone()
}

#[test]
fn after_a_step_completes_the_cursor_moves_to_the_next_runnable_step() {
    let mut app = console("ana", "T2");
    let mut ledger = incident(&mut app, "wrong-destination-export");
    step_done(&mut app, &mut ledger, "prod data to a test bucket");
    assert_eq!(step_id(&app), "notify-privacy");
    // Nothing after block-destination may start yet: back to the first that may.
    let pb = app.response.playbook().unwrap().clone();
    app.response.selected_step = pb
        .steps
        .iter()
        .position(|s| s.id == "block-destination")
        .unwrap();
    step_done(&mut app, &mut ledger, "bucket policy denies writes");
    assert_eq!(step_id(&app), "notify-privacy");
}

#[test]
fn a_second_person_step_is_started_here_and_says_how_the_second_operator_completes_it() {
    let mut app = console("ana", "T2");
    let mut ledger = incident(&mut app, "rogue-agent");
    step_done(&mut app, &mut ledger, "restart loop");
    let pb = app.response.playbook().unwrap().clone();
    app.response.selected_step = pb.steps.iter().position(|s| s.id == "pause-agent").unwrap();
    key(&mut app, KeyCode::Char('s'));
    type_text(&mut app, "paused by the owner already");
    let effects = ctrl_s(&mut app);
    sealed(&mut app, &mut ledger, effects);
    assert_eq!(step_id(&app), "verify-paused");

    key(&mut app, KeyCode::Char('x'));
    let effects = ctrl_s(&mut app);
    let [Effect::Seal { events, what, .. }] = effects.as_slice() else {
        panic!("{effects:?} {:?}", app.status);
    };
    let params = events[0].action.as_ref().unwrap().params.as_ref().unwrap();
    assert_eq!(params["status"], "started");
    assert!(what.contains("another operator completes it"), "{what}");
    sealed(&mut app, &mut ledger, effects.clone());

    key(&mut app, KeyCode::Char('x'));
    let status = app.status.clone().unwrap().text;
    assert!(
        status.contains("someone else must complete it")
            && status.contains("custody incident step"),
        "{status}"
    );
}
