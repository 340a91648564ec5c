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
