//! The Now view on the pure update: the start read learns and picks the view, the tail
//! raises flags and seals what must be sealed, and a flag is paused or opened as an
//! incident in a few keys.
#![allow(clippy::unwrap_used)]

use super::app::{App, Overlay, Row, View};
use super::form::Purpose;
use super::keymap::Keymap;
use super::msg::{Effect, Msg};
use super::test_keys::{key, now, type_text};
use super::update::{init, update};
use crate::event::parse_line;
use crate::exec::Action as ExecAction;
use crate::respond::{Role, Roles};
use crossterm::event::KeyCode;

/// A restart by the remediator, `s` seconds before `now()`.
fn restart(seq: u64, s: i64) -> Row {
    let t = crate::event::Timestamp::from_millis(now().millis() - s * 1000).unwrap();
    let line = format!(
        r#"{{"event_id":"r{seq}","time":"{}","kind":"ai.action","tier":"T2","reason_code":"incident_remediation","agent":{{"id":"remediator"}},"action":{{"type":"k8s.rollout_restart","resource":"k8s://prod/shop/deployment/checkout-api","params":{{"replicas":6}}}},"approval":{{"mode":"rule","rule_id":"auto"}},"outcome":{{"status":"success"}},"ai_output":{{"summary":"restart attempt {seq}"}},"reversibility":{{"class":"full"}}}}"#,
        t.to_rfc3339()
    );
    Row {
        seq,
        hash: format!("{seq:064x}"),
        recorded_at: None,
        event: parse_line(line.as_bytes()).unwrap(),
        missing: vec![],
    }
}

fn pause_row(seq: u64) -> Row {
    let mut row = restart(seq, 1);
    row.event = parse_line(
        br#"{"event_id":"p1","time":"2026-11-23T11:59:59Z","kind":"control.pause","actor":{"type":"human","id":"maria"},"agent":{"id":"remediator"},"reason_code":"containment","justification":"loop","outcome":{"status":"success"}}"#,
    )
    .unwrap();
    row.event.sealed_by = Some(crate::event::SealedBy::Custody);
    row
}

fn console() -> App {
    let mut app = App::new(
        "sqlite:test".into(),
        "ana".into(),
        Keymap::default(),
        crate::event::DEFAULT_REASON_CODES
            .iter()
            .map(|s| s.to_string())
            .collect(),
        now(),
    );
    app.size = (120, 40);
    app.response.session = Some("s-1".into());
    app.response.playbooks = crate::playbook::builtin().playbooks;
    app.response.roles = Roles {
        default: Role::Responder,
        by_operator: Default::default(),
    };
    app
}

/// Opens the console and answers its start read with `rows`.
fn launched(rows: Vec<Row>) -> (App, Vec<Effect>) {
    let mut app = console();
    let effects = init(&mut app);
    assert!(
        effects.iter().any(|e| matches!(e, Effect::Learn { .. })),
        "{effects:?}"
    );
    let out = update(&mut app, Msg::Learned { rows, done: true }, now());
    (app, out)
}

#[test]
fn a_launch_on_a_running_loop_opens_on_the_now_view_with_the_loop_first() {
    let (app, _) = launched((1..=5).map(|n| restart(n, 200 - n as i64 * 20)).collect());
    assert_eq!(app.view, View::Now);
    let flags = app.detect.flags(app.now);
    assert_eq!(flags[0].rule, crate::detect::Rule::Loop);
    assert_eq!(flags[0].subject, "remediator");
    assert!(!app.now_view.learning);
}

#[test]
fn a_quiet_launch_stays_on_the_stream_and_a_key_pressed_early_is_respected() {
    let (app, _) = launched(vec![restart(1, 10)]);
    assert_eq!(app.view, View::Stream);
    let mut app = console();
    init(&mut app);
    key(&mut app, KeyCode::Char('3'));
    let rows = (1..=5).map(|n| restart(n, 100 - n as i64 * 10)).collect();
    update(&mut app, Msg::Learned { rows, done: true }, now());
    assert_eq!(app.view, View::Agents, "the operator chose a view already");
}

#[test]
fn pausing_from_a_flag_takes_two_keys_plus_the_justification() {
    let (mut app, _) = launched((1..=5).map(|n| restart(n, 200 - n as i64 * 20)).collect());
    assert_eq!(app.view, View::Now);
    key(&mut app, KeyCode::Char('P'));
    let Some(Overlay::Form(form)) = &app.overlay else {
        panic!("no dialog: {:?}", app.status);
    };
    assert_eq!(form.value(0), "containment", "reason filled from the flag");
    assert_eq!(form.focus, 1, "the cursor is in the justification");
    let Purpose::Contain { plan, .. } = &form.purpose else {
        panic!("{:?}", form.purpose);
    };
    assert_eq!(plan.request.action, ExecAction::Pause);
    assert_eq!(plan.request.agent, "remediator");
    assert_eq!(
        plan.request.target.as_ref().map(|t| t.event_id.as_str()),
        Some("r5"),
        "the newest event of the flag is the target"
    );
    type_text(&mut app, "restart loop on checkout-api");
    // The action button is a deliberate move away; Enter there runs it.
    key(&mut app, KeyCode::Tab);
    key(&mut app, KeyCode::Tab);
    let effects = key(&mut app, KeyCode::Enter);
    assert!(
        matches!(&effects[..], [Effect::Execute { .. }]),
        "{effects:?}"
    );
}

#[test]
fn o_on_a_flag_opens_an_incident_with_the_flag_as_trigger_and_a_playbook_picked() {
    let (mut app, _) = launched((1..=5).map(|n| restart(n, 200 - n as i64 * 20)).collect());
    key(&mut app, KeyCode::Char('O'));
    let Some(Overlay::Form(form)) = &app.overlay else {
        panic!("no dialog: {:?}", app.status);
    };
    assert!(
        form.value(0).starts_with("loop remediator"),
        "{}",
        form.value(0)
    );
    assert_eq!(form.focus, 1);
    let Purpose::OpenIncident {
        triggers, playbook, ..
    } = &form.purpose
    else {
        panic!("{:?}", form.purpose);
    };
    assert_eq!(
        triggers[0].event_id, "r4",
        "the attempt that made it a loop"
    );
    assert!(playbook.is_some(), "a playbook is picked");
    let playbook = playbook.clone();
    type_text(&mut app, "remediator is looping");
    key(&mut app, KeyCode::Tab);
    key(&mut app, KeyCode::Tab);
    let effects = key(&mut app, KeyCode::Enter);
    let Some(Effect::Seal { events, .. }) = effects.first() else {
        panic!("{effects:?}");
    };
    let params = events[0].action.as_ref().unwrap().params.as_ref().unwrap();
    assert_eq!(
        params["playbook"],
        serde_json::json!(playbook.clone().unwrap())
    );
}

#[test]
fn enter_on_a_flag_shows_the_agents_events() {
    let (mut app, _) = launched((1..=5).map(|n| restart(n, 200 - n as i64 * 20)).collect());
    let effects = key(&mut app, KeyCode::Enter);
    assert_eq!(app.view, View::Stream);
    assert_eq!(app.filter.agents, vec!["remediator".to_string()]);
    assert!(effects.iter().any(|e| matches!(e, Effect::LoadPage { .. })));
}

#[test]
fn a_violation_from_the_tail_is_sealed_once_and_ranks_first() {
    let (mut app, _) = launched((1..=5).map(|n| restart(n, 200 - n as i64 * 20)).collect());
    let mut rows = vec![pause_row(6)];
    rows.push(restart(7, 0));
    let effects = update(&mut app, Msg::Appended { rows, head_seq: 7 }, now());
    let sealed: Vec<&crate::event::Event> = effects
        .iter()
        .filter_map(|e| match e {
            Effect::SealDetections { events } => Some(events),
            _ => None,
        })
        .flatten()
        .collect();
    assert_eq!(sealed.len(), 1, "{effects:?}");
    assert_eq!(sealed[0].kind, "detection.violation");
    assert_eq!(
        app.detect.flags(app.now)[0].rule,
        crate::detect::Rule::Violation
    );
    assert_eq!(app.detect.violations("remediator"), 1);
    // Another action grows the flag; nothing more is sealed.
    let effects = update(
        &mut app,
        Msg::Appended {
            rows: vec![restart(8, 0)],
            head_seq: 8,
        },
        now(),
    );
    assert!(
        !effects
            .iter()
            .any(|e| matches!(e, Effect::SealDetections { .. })),
        "{effects:?}"
    );
}

#[test]
fn a_read_only_console_seals_nothing() {
    let mut app = console();
    app.read_only = true;
    init(&mut app);
    let rows = vec![pause_row(1), restart(2, 0)];
    let effects = update(&mut app, Msg::Learned { rows, done: true }, now());
    assert!(effects.is_empty(), "{effects:?}");
    assert_eq!(app.view, View::Now);
}
