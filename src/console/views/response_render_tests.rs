//! What responding looks like on screen: the header's incident and open-intent flags, the
//! checklist with glyphs and words, the Agents view's control state, and the confirm
//! dialog showing exactly what will run — with event text escaped.
#![allow(clippy::unwrap_used)]

use super::fixtures::{app, render, screen_text};
use crate::console::app::{AgentSummary, App, Overlay, View};
use crate::console::theme::Theme;
use crate::event::parse_line;
use crate::respond::load::Situation;

const OPEN: &str = r#"{"event_id":"i-1","time":"2026-11-23T11:00:00Z","kind":"incident.open","tier":"T3",
 "reason_code":"data_export","agent":{"id":"data-sync"},"actor":{"type":"human","id":"alice"},
 "action":{"type":"incident.open","resource":"incident://INC-7","params":{"incident":"INC-7","title":"partner feed got prod data","playbook":"rogue-agent"}},
 "context":{"correlation_id":"INC-7"},"justification":"prod data in a test bucket"}"#;
const STEP: &str = r#"{"event_id":"i-2","time":"2026-11-23T11:02:00Z","kind":"incident.step","tier":"T3",
 "actor":{"type":"human","id":"alice"},
 "action":{"type":"incident.step","params":{"incident":"INC-7","playbook":"rogue-agent","step":"triage","status":"done"}},
 "context":{"correlation_id":"INC-7"},"justification":"one bucket touched"}"#;
const INTENT: &str = r#"{"event_id":"c-1","time":"2026-11-23T11:03:00Z","kind":"control.pause","tier":"T3",
 "reason_code":"containment","agent":{"id":"data-sync"},"actor":{"type":"human","id":"alice"},
 "outcome":{"status":"pending"},"context":{"correlation_id":"INC-7"},"justification":"stop it"}"#;
const PAUSED: &str = r#"{"event_id":"c-3","time":"2026-11-23T10:00:00Z","kind":"control.pause",
 "reason_code":"containment","agent":{"id":"refund-bot"},"actor":{"type":"human","id":"bob"},
 "outcome":{"status":"success"},"context":{"parent_event_id":"c-2"},"justification":"loop"}"#;

fn responding_app() -> App {
    let mut app = app();
    app.now = "2026-11-23T11:10:00Z".parse().unwrap();
    app.response.playbooks = crate::playbook::builtin().playbooks;
    let events = [OPEN, STEP, INTENT, PAUSED]
        .iter()
        .enumerate()
        .map(|(i, j)| {
            let e = parse_line(j.replace('\n', "").as_bytes()).unwrap();
            let e = e.sealed_by_custody();
            (i as u64 + 10, e)
        })
        .collect();
    app.response.situation = Situation::derive(events);
    app
}

fn screen(app: &App) -> String {
    screen_text(&render(app, &Theme::default(), 140, 40))
}

#[test]
fn the_header_flags_the_active_incident_and_an_intent_without_result() {
    let text = screen(&responding_app());
    let header: String = text.lines().take(2).collect::<Vec<_>>().join("\n");
    assert!(header.contains("⚠ 1 intent without result"), "{header}");
    assert!(header.contains("⚑ INC-7 SEV1 open 10m 0s"), "{header}");
}

#[test]
fn the_incident_view_shows_timers_and_the_checklist_in_glyphs_and_words() {
    let mut app = responding_app();
    app.view = View::Incident;
    let text = screen(&app);
    assert!(
        text.contains("INC-7  SEV1  OPEN  commander alice  open 10m 0s"),
        "{text}"
    );
    assert!(
        text.contains("⚠ intent without result: control.pause data-sync at seq 12"),
        "{text}"
    );
    let triage = text.lines().find(|l| l.contains("triage")).unwrap();
    assert!(
        triage.contains("✓ done") && triage.contains("alice 11:02:00"),
        "{triage}"
    );
    let verify = text.lines().find(|l| l.contains("verify-paused")).unwrap();
    assert!(
        verify.contains("○ pending")
            && verify.contains("⚑2")
            && verify.contains("needs pause-agent"),
        "{verify}"
    );
}

#[test]
fn the_agents_view_shows_control_state_from_the_ledger() {
    let mut app = responding_app();
    app.view = View::Agents;
    let agent = |id: &str| AgentSummary {
        id: id.into(),
        name: None,
        version: None,
        model: None,
        last_seq: 1,
        last_time: None,
        last_action: None,
        by_tier: [0; 4],
        events: 1,
        failures: 0,
    };
    app.agents.agents = vec![agent("refund-bot"), agent("data-sync")];
    let text = screen(&app);
    let line = |id: &str| text.lines().find(|l| l.contains(id)).unwrap().to_string();
    assert!(line("refund-bot").contains("⏸ paused"), "{text}");
    // A pending intent changes nothing: data-sync is still active.
    assert!(line("data-sync").contains("active"), "{text}");
}

#[test]
fn the_confirm_dialog_shows_the_exact_command_with_event_text_escaped() {
    use crate::console::form::{Field, Form, Purpose};
    use crate::exec::Executors;
    use crate::respond::{plan, Request, Roles};
    let config = "[[executors]]\naction = \"pause\"\nagents = \"*\"\ntype = \"command\"\nargv = [\"kubectl\", \"scale\", \"deploy/{agent}\", \"--replicas=0\"]\n";
    let executors = Executors::parse(config).unwrap();
    let request = Request {
        action: crate::exec::Action::Pause,
        agent: "evil\u{1b}]0;pwned\u{7}".into(),
        operator: "alice".into(),
        reason_code: "containment".into(),
        justification: String::new(),
        incident: None,
        step: None,
        target: None,
        tier: None,
        token_ref: None,
        exercise: false,
    };
    let p = plan(request, &executors, &Roles::default()).unwrap();
    let mut form = Form::new(
        "Pause evil".into(),
        Purpose::Contain {
            plan: Box::new(p.clone()),
            step: None,
        },
        "Run",
        vec![Field::new("justification", "", "")],
    );
    form.info = vec![("will run".into(), p.display())];
    let mut app = app();
    app.overlay = Some(Overlay::Form(form));
    let text = screen(&app);
    assert!(
        text.contains(
            "will run       kubectl scale 'deploy/evil\\u{1b}]0;pwned\\u{7}' --replicas=0"
        ),
        "{text}"
    );
    assert!(text.contains("[ Cancel ]   [ Run ]"), "{text}");
}
