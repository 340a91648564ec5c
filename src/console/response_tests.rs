//! Responding from the console, on the pure update: refusals come before any dialog,
//! the dialog defaults to Cancel, and a confirmed dialog becomes exactly one effect.
#![allow(clippy::unwrap_used)]

use super::app::{App, Overlay, Row, View};
use super::keymap::Keymap;
use super::msg::{Effect, Msg, Status};
use super::test_keys::{key, now, type_text};
use super::update::{init, update};
use crate::event::parse_line;
use crate::respond::load::Situation;
use crate::respond::{Role, Roles};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

fn row(seq: u64, tier: &str) -> Row {
    let line = format!(
        r#"{{"event_id":"e{seq}","time":"2026-11-23T11:00:00Z","kind":"ai.action","tier":"{tier}","reason_code":"data_export","agent":{{"id":"data-sync"}},"action":{{"type":"s3.export","resource":"s3://x"}},"reversibility":{{"class":"full"}}}}"#
    );
    Row {
        seq,
        hash: format!("{seq:064x}"),
        recorded_at: None,
        event: parse_line(line.as_bytes()).unwrap(),
        missing: vec![],
    }
}

pub(super) fn console(operator: &str, tier: &str) -> App {
    let mut app = App::new(
        "sqlite:test".into(),
        operator.into(),
        Keymap::default(),
        vec![],
        super::test_keys::now(),
    );
    app.size = (120, 40);
    app.response.session = Some("s-1".into());
    app.response.playbooks = crate::playbook::builtin().playbooks;
    app.response.roles = Roles {
        default: Role::Responder,
        by_operator: [("vic".to_string(), Role::Viewer)].into_iter().collect(),
    };
    let request = match &init(&mut app)[0] {
        Effect::LoadPage { request, .. } => *request,
        other => panic!("{other:?}"),
    };
    let msg = Msg::Page {
        request,
        rows: vec![row(7, tier)],
        replace: true,
        at_oldest: true,
    };
    update(&mut app, msg, now());
    app
}

pub(super) fn form_error(app: &App) -> Option<String> {
    match &app.overlay {
        Some(Overlay::Form(f)) => f.error.clone(),
        _ => None,
    }
}

#[test]
fn a_viewer_is_refused_before_any_dialog_opens() {
    let mut app = console("vic", "T2");
    assert!(key(&mut app, KeyCode::Char('P')).is_empty());
    assert!(app.overlay.is_none());
    let status = app.status.clone().unwrap();
    assert!(status.text.contains("vic is a viewer"), "{status}");
}

#[test]
fn read_only_refuses_containment() {
    let mut app = console("ana", "T2");
    app.read_only = true;
    key(&mut app, KeyCode::Char('P'));
    assert!(app.overlay.is_none());
    assert!(app.status.unwrap().text.contains("read-only"));
}

#[test]
fn enter_through_the_confirm_dialog_cancels_and_runs_nothing() {
    let mut app = console("ana", "T2");
    key(&mut app, KeyCode::Char('P'));
    assert!(matches!(app.overlay, Some(Overlay::Form(_))));
    // The cursor starts in the justification: the reason code is filled in.
    type_text(&mut app, "stop it");
    let mut effects = key(&mut app, KeyCode::Enter);
    assert!(matches!(app.overlay, Some(Overlay::Form(_))));
    effects.extend(key(&mut app, KeyCode::Enter));
    assert!(effects.is_empty(), "{effects:?}");
    assert!(app.overlay.is_none());
    assert_eq!(app.status, Some(Status::info("cancelled: nothing ran")));
}

#[test]
fn a_missing_justification_keeps_the_dialog_open_with_the_reason() {
    let mut app = console("ana", "T2");
    key(&mut app, KeyCode::Char('P'));
    key(&mut app, KeyCode::BackTab);
    for _ in 0..3 {
        key(&mut app, KeyCode::Tab);
    }
    assert!(key(&mut app, KeyCode::Enter).is_empty());
    assert!(form_error(&app)
        .unwrap()
        .contains("justification is required"));
}

#[test]
fn a_t3_target_needs_the_agent_id_typed_then_runs_one_action() {
    let mut app = console("ana", "T3");
    key(&mut app, KeyCode::Char('P'));
    type_text(&mut app, "exporting prod data to a test bucket");
    key(&mut app, KeyCode::Tab);
    type_text(&mut app, "data-syn");
    key(&mut app, KeyCode::Tab);
    key(&mut app, KeyCode::Tab);
    assert!(key(&mut app, KeyCode::Enter).is_empty());
    assert!(form_error(&app)
        .unwrap()
        .contains("type the agent id `data-sync`"));
    // The refusal put the cursor back in the agent field.
    key(&mut app, KeyCode::End);
    type_text(&mut app, "c");
    key(&mut app, KeyCode::Tab);
    key(&mut app, KeyCode::Tab);
    let effects = key(&mut app, KeyCode::Enter);
    let [Effect::Execute { plan, step, .. }] = effects.as_slice() else {
        panic!("{effects:?}");
    };
    assert_eq!(plan.request.agent, "data-sync");
    assert_eq!(
        plan.request.justification,
        "exporting prod data to a test bucket"
    );
    assert_eq!(plan.request.reason_code, "containment");
    assert!(plan.intent_id.is_some() && step.is_none());
}

#[test]
fn rollback_of_an_action_that_cannot_be_undone_is_refused_up_front() {
    let mut app = console("ana", "T2");
    app.stream.rows[0].event.reversibility = None;
    key(&mut app, KeyCode::Char('U'));
    assert!(app.overlay.is_none());
    assert!(app.status.unwrap().text.contains("cannot be undone"));
}

#[test]
fn opening_an_incident_seals_one_event_and_shows_the_incident_view() {
    let mut app = console("ana", "T3");
    key(&mut app, KeyCode::Char('O'));
    key(&mut app, KeyCode::Tab);
    type_text(&mut app, "prod data went to a test bucket");
    key(&mut app, KeyCode::Tab);
    key(&mut app, KeyCode::Right);
    let effects = key(&mut app, KeyCode::Enter);
    let [Effect::Seal { events, .. }] = effects.as_slice() else {
        panic!("{effects:?}");
    };
    assert_eq!(events[0].kind, "incident.open");
    assert_eq!(events[0].actor.as_ref().unwrap().id, "ana");
    assert!(!events[0].event_id.is_empty());
    assert_eq!(app.view, View::Incident);

    // The ledger answers; the checklist refuses a step whose prerequisite is pending.
    let situation = Situation::derive(vec![(8, events[0].clone())]);
    update(&mut app, Msg::Situation(Box::new(situation)), now());
    let effects = update(
        &mut app,
        Msg::Key(KeyEvent::new(KeyCode::Char(':'), KeyModifiers::NONE)),
        now(),
    );
    assert!(effects.is_empty());
    type_text(&mut app, "playbook wrong-destination-export");
    let effects = key(&mut app, KeyCode::Enter);
    let [Effect::Seal { events: picked, .. }] = effects.as_slice() else {
        panic!("{effects:?}");
    };
    let situation = Situation::derive(vec![(8, events[0].clone()), (9, picked[0].clone())]);
    update(&mut app, Msg::Situation(Box::new(situation)), now());
    let pb = app.response.playbook().unwrap().clone();
    let blocked = pb.steps.iter().position(|s| !s.needs.is_empty()).unwrap();
    app.response.selected_step = blocked;
    key(&mut app, KeyCode::Char('x'));
    assert!(app.overlay.is_none());
    let status = app.status.clone().unwrap();
    assert!(status.text.contains("cannot start yet"), "{status}");
}

#[test]
fn rollback_since_lists_what_cannot_be_undone_and_runs_the_rest_in_one_effect() {
    let mut app = console("ana", "T2");
    update(
        &mut app,
        Msg::Key(KeyEvent::new(KeyCode::Char(':'), KeyModifiers::NONE)),
        now(),
    );
    type_text(&mut app, "rollback since 2h");
    let effects = key(&mut app, KeyCode::Enter);
    let [Effect::LoadRollback {
        request,
        since,
        step,
    }] = effects.as_slice()
    else {
        panic!("{effects:?}");
    };
    assert_eq!(request.agent, "data-sync");
    assert_eq!(since.millis(), now().millis() - 2 * 3_600_000);
    let mut irreversible = row(5, "T2").event;
    irreversible.event_id = "e5".into();
    irreversible.reversibility = None;
    let msg = Msg::RollbackCandidates {
        request: request.clone(),
        since: *since,
        actions: vec![row(7, "T2").event, irreversible],
        step: step.clone(),
    };
    update(&mut app, msg, now());
    let Some(Overlay::Form(form)) = &app.overlay else {
        panic!("no dialog: {:?}", app.status);
    };
    let info: Vec<String> = form.info.iter().map(|(l, t)| format!("{l}: {t}")).collect();
    assert!(
        info.iter()
            .any(|l| l.starts_with("cannot undo:") && l.contains("e5")),
        "{info:?}"
    );
    assert!(
        info.iter()
            .any(|l| l.starts_with("will undo:") && l.contains("e7")),
        "{info:?}"
    );
    key(&mut app, KeyCode::Tab);
    type_text(&mut app, "undo the export run");
    key(&mut app, KeyCode::Enter);
    key(&mut app, KeyCode::Right);
    let effects = key(&mut app, KeyCode::Enter);
    let [Effect::ExecuteMany { plans, .. }] = effects.as_slice() else {
        panic!("{effects:?}");
    };
    assert_eq!(plans.len(), 1);
    assert_eq!(plans[0].request.target.as_ref().unwrap().event_id, "e7");
    assert_eq!(plans[0].request.justification, "undo the export run");
}

#[test]
fn an_action_already_rolled_back_is_not_offered_again() {
    let mut app = console("ana", "T2");
    let done = parse_line(
        br#"{"event_id":"r-1","time":"2026-11-23T11:30:00Z","kind":"control.rollback","agent":{"id":"data-sync"},"actor":{"type":"human","id":"bob"},"action":{"type":"agent.rollback","params":{"target_event":"e7"}},"outcome":{"status":"success"},"justification":"undo"}"#,
    )
    .unwrap()
    .sealed_by_custody();
    update(
        &mut app,
        Msg::Situation(Box::new(Situation::derive(vec![(9, done)]))),
        now(),
    );
    key(&mut app, KeyCode::Char('U'));
    assert!(app.overlay.is_none());
    assert!(app
        .status
        .unwrap()
        .text
        .contains("already rolled back (seq 9)"));
}

#[test]
fn a_paused_agent_stays_in_the_agents_view_even_when_quiet() {
    let mut app = console("ana", "T2");
    let paused = parse_line(
        br#"{"event_id":"p-1","time":"2026-11-20T11:30:00Z","kind":"control.pause","agent":{"id":"quiet-bot"},"actor":{"type":"human","id":"bob"},"outcome":{"status":"success"},"justification":"hold"}"#,
    )
    .unwrap()
    .sealed_by_custody();
    update(
        &mut app,
        Msg::Situation(Box::new(Situation::derive(vec![(9, paused)]))),
        now(),
    );
    update(&mut app, Msg::Agents(vec![]), now());
    let ids: Vec<&str> = app.agents.agents.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(ids, ["quiet-bot"]);
}

#[test]
fn an_incident_the_situation_does_not_carry_is_read_by_id_and_shown() {
    let mut app = console("ana", "T3");
    key(&mut app, KeyCode::Char(':'));
    type_text(&mut app, "incident INC-1001");
    let effects = key(&mut app, KeyCode::Enter);
    let [Effect::LoadIncident { id }] = effects.as_slice() else {
        panic!("{effects:?}");
    };
    assert_eq!(id, "INC-1001");

    // Closed long ago: the store reads it by id, the view shows it, and a fresh
    // situation without it (open and recent incidents only) keeps it in view.
    let opening = crate::incident::record::open(
        "ev-open".into(),
        now(),
        "ana",
        crate::incident::IncidentParams::new("INC-1001"),
        &[],
        "An old one.",
    );
    let incident = crate::incident::derive([&opening]).remove(0);
    update(
        &mut app,
        Msg::Incident {
            id: "INC-1001".into(),
            incident: Some(Box::new(incident)),
        },
        now(),
    );
    assert_eq!(app.view, View::Incident);
    assert_eq!(app.response.incident().unwrap().id, "INC-1001");
    let later = Situation {
        through: 50,
        ..Situation::default()
    };
    update(&mut app, Msg::Situation(Box::new(later)), now());
    assert_eq!(app.response.incident().unwrap().id, "INC-1001");

    // No such incident: a warning, and the view stays as it was.
    update(
        &mut app,
        Msg::Incident {
            id: "INC-9".into(),
            incident: None,
        },
        now(),
    );
    assert!(app
        .status
        .clone()
        .unwrap()
        .text
        .contains("no incident `INC-9`"));
}

#[test]
fn a_response_event_on_the_tail_reads_the_situation_again_from_the_store() {
    let mut app = console("ana", "T3");
    let mut pause = row(60, "T2");
    pause.event = serde_json::from_str(
        r#"{"event_id":"p1","time":"2026-11-23T11:00:00Z","kind":"control.pause","agent":{"id":"data-sync"},"outcome":{"status":"success"},"sealed_by":"custody"}"#,
    )
    .unwrap();
    let effects = update(
        &mut app,
        Msg::Appended {
            rows: vec![row(59, "T1"), pause],
            head_seq: 60,
        },
        now(),
    );
    assert!(effects.contains(&Effect::LoadSituation), "{effects:?}");
    // An agent's own action changes no incident: nothing is read.
    let effects = update(
        &mut app,
        Msg::Appended {
            rows: vec![row(61, "T1")],
            head_seq: 61,
        },
        now(),
    );
    assert!(!effects.contains(&Effect::LoadSituation), "{effects:?}");
}

fn ctrl_s(app: &mut App) -> Vec<Effect> {
    update(
        app,
        Msg::Key(KeyEvent::new(KeyCode::Char('s'), KeyModifiers::CONTROL)),
        now(),
    )
}

fn form_focus(app: &App) -> usize {
    match &app.overlay {
        Some(Overlay::Form(f)) => f.focus,
        other => panic!("no dialog: {other:?}"),
    }
}

#[test]
fn ctrl_s_submits_a_pause_from_the_justification_in_one_key() {
    let mut app = console("ana", "T2");
    key(&mut app, KeyCode::Char('P'));
    // The dialog opens with the cursor in the justification.
    type_text(&mut app, "restart loop");
    let effects = ctrl_s(&mut app);
    let [Effect::Execute { plan, .. }] = effects.as_slice() else {
        panic!("{effects:?}");
    };
    assert_eq!(plan.request.justification, "restart loop");
}

#[test]
fn ctrl_s_keeps_the_t3_rule_and_puts_the_cursor_in_the_agent_field() {
    let mut app = console("ana", "T3");
    key(&mut app, KeyCode::Char('P'));
    type_text(&mut app, "exporting prod data");
    assert!(ctrl_s(&mut app).is_empty());
    assert_eq!(form_focus(&app), 2, "the blank agent field");
    type_text(&mut app, "data-syn");
    assert!(ctrl_s(&mut app).is_empty());
    assert!(form_error(&app).unwrap().contains("`data-sync`"));
    assert_eq!(form_focus(&app), 2, "the mistyped agent field");
    type_text(&mut app, "c");
    assert_eq!(ctrl_s(&mut app).len(), 1);
}

#[test]
fn a_refusal_on_the_action_button_focuses_the_missing_field() {
    let mut app = console("ana", "T2");
    key(&mut app, KeyCode::Char('P'));
    for _ in 0..3 {
        key(&mut app, KeyCode::Tab);
    }
    assert!(key(&mut app, KeyCode::Enter).is_empty());
    assert_eq!(form_focus(&app), 1, "the justification");
}
