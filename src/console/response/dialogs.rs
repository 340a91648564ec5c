//! Opening dialogs: each checks role, read-only and the checklist rules first, then
//! fills a form with what the operator must read before confirming.

use super::super::app::{App, Overlay, View};
use super::super::form::{Field, Form, Purpose};
use super::super::msg::Effect;
use super::{refuse, writable};
use crate::event::{Event, Tier};
use crate::exec::Action as ExecAction;
use crate::incident::Incident;
use crate::respond::work;
use crate::respond::{self, Permission, Refused, Request};

/// `O`: a dialog to open an incident from the selected event.
pub fn open_incident(app: &mut App) -> Vec<Effect> {
    let check = writable(app).and_then(|_| {
        app.response
            .roles
            .check(&app.header.operator, Permission::Respond)
            .map_err(Refused::from)
    });
    if let Err(e) = check {
        return refuse(app, e);
    }
    let Some(row) = app.selected_row().cloned() else {
        return refuse(app, "select the event the incident is about first");
    };
    let e = row.event;
    let id = app.response.situation.next_incident_id();
    let tier = e.tier.unwrap_or(Tier::T2);
    let suggested: Vec<String> =
        crate::playbook::applicable(&app.response.playbooks, tier, e.reason_code.as_deref())
            .iter()
            .map(|p| p.id.clone())
            .collect();
    let mut form = Form::new(
        format!("Open incident {id}"),
        Purpose::OpenIncident {
            id: id.clone(),
            triggers: vec![e.clone()],
            playbook: None,
        },
        "Open",
        vec![
            Field::new(
                "title",
                &work::default_title(&e),
                "a short title people will search for",
            ),
            Field::new("justification", "", "why this is an incident (required)"),
        ],
    );
    form.info = vec![
        (
            "trigger".into(),
            format!(
                "seq {} · {} · {}",
                row.seq,
                e.kind,
                e.agent_id().unwrap_or("-")
            ),
        ),
        (
            "severity".into(),
            format!(
                "{} (from tier {})",
                crate::incident::Severity::from_tier(tier),
                tier.as_str()
            ),
        ),
        ("commander".into(), app.header.operator.clone()),
        (
            "playbooks".into(),
            if suggested.is_empty() {
                "none apply".into()
            } else {
                suggested.join(", ")
            },
        ),
    ];
    app.overlay = Some(Overlay::Form(form));
    vec![]
}

/// `O` on a flag: open an incident with the flag's first event as its trigger, its
/// reason in the title and the most specific playbook that applies already picked.
pub fn open_incident_from_flag(app: &mut App) -> Vec<Effect> {
    let check = writable(app).and_then(|_| {
        app.response
            .roles
            .check(&app.header.operator, Permission::Respond)
            .map_err(Refused::from)
    });
    if let Err(e) = check {
        return refuse(app, e);
    }
    let Some(flag) = super::super::now::selected(app).cloned() else {
        return refuse(
            app,
            "nothing is flagged: pick an event in the Stream and press O",
        );
    };
    let Some(first) = flag.first_event.as_deref().cloned() else {
        return refuse(app, "this flag has no event to open an incident from");
    };
    if let Some(open) = super::super::now::open_incident_of(app, &flag.subject) {
        return refuse(
            app,
            format!(
                "{} is already in {} ({}): press 4 to work it",
                flag.subject, open.id, open.title
            ),
        );
    }
    let id = work::next_incident_id(&app.response.situation.incidents);
    let tier = flag.tier.unwrap_or(Tier::T2);
    let reason = flag.rule.reason_code();
    let playbook = crate::playbook::applicable(&app.response.playbooks, tier, Some(reason))
        .first()
        .map(|p| p.id.clone())
        .or_else(|| {
            crate::playbook::applicable(&app.response.playbooks, tier, flag.reason_code.as_deref())
                .first()
                .map(|p| p.id.clone())
        });
    let title: String = format!("{} {}: {}", flag.rule.label(), flag.subject, flag.why)
        .chars()
        .take(120)
        .collect();
    let mut form = Form::new(
        format!("Open incident {id}"),
        Purpose::OpenIncident {
            id: id.clone(),
            triggers: vec![first],
            playbook: playbook.clone(),
        },
        "Open",
        vec![
            Field::new("title", &title, "a short title people will search for"),
            Field::new("justification", "", "why this is an incident (required)"),
        ],
    );
    form.focus = 1;
    form.info = vec![
        (
            "flag".into(),
            format!(
                "{} · {} events · raised at seq {}",
                flag.rule.label(),
                flag.count,
                flag.raised_seq
            ),
        ),
        (
            "severity".into(),
            format!(
                "{} (from tier {})",
                crate::incident::Severity::from_tier(tier),
                tier.as_str()
            ),
        ),
        ("commander".into(), app.header.operator.clone()),
        (
            "playbook".into(),
            playbook.unwrap_or_else(|| "none applies (pick one later with p)".into()),
        ),
    ];
    app.overlay = Some(Overlay::Form(form));
    vec![]
}

/// The agent and event a containment key acts on in the current view.
fn action_target(app: &App) -> Option<(String, Option<Event>)> {
    match app.view {
        View::Agents => app
            .agents
            .agents
            .get(app.agents.selected)
            .map(|a| (a.id.clone(), None)),
        View::Approvals => {
            let p = app.approvals.current()?;
            Some((p.request.agent.clone(), None))
        }
        View::Incident => {
            let i = app.response.incident()?;
            Some((i.agent.clone()?, trigger_event(app, i)))
        }
        View::Now => {
            let flag = super::super::now::selected(app).filter(|f| f.agent)?;
            Some((flag.subject.clone(), flag.last_event.as_deref().cloned()))
        }
        _ => {
            let e = app.selected_row()?.event.clone();
            Some((e.agent_id()?.to_string(), Some(e)))
        }
    }
}

/// The incident's first trigger, when the response events hold it.
pub(super) fn trigger_event(app: &App, i: &Incident) -> Option<Event> {
    let first = i.triggers.first()?;
    app.stream
        .rows
        .iter()
        .map(|r| &r.event)
        .chain(app.trace.rows.iter().map(|r| &r.event))
        .find(|e| &e.event_id == first)
        .cloned()
}

/// `P`, `R`, `T`, `U`: the confirm dialog for a containment action on the selection.
pub fn contain(app: &mut App, action: ExecAction) -> Vec<Effect> {
    if let Err(e) = writable(app) {
        return refuse(app, e);
    }
    let Some((agent, target)) = action_target(app) else {
        return refuse(app, "select an agent, or an event with an agent, first");
    };
    if action == ExecAction::Rollback {
        let Some(t) = &target else {
            return refuse(
                app,
                "select the action to roll back in the Stream or Trace view",
            );
        };
        if let Some(seq) = app.response.situation.rolled_back(&t.event_id) {
            return refuse(
                app,
                format!("this action was already rolled back (seq {seq})"),
            );
        }
        if let Err(why) = respond::undoable(t) {
            return refuse(app, format!("this action cannot be undone: {why}"));
        }
    }
    let incident = super::super::now::open_incident_of(app, &agent).cloned();
    let reason = match app.view {
        View::Now if action != ExecAction::Resume => {
            super::super::now::selected(app).map(|f| f.rule.reason_code())
        }
        _ => None,
    };
    let effects = open_contain_form(app, action, agent, target, incident.as_ref(), None);
    // Filled in: the reason from the flag.
    if let Some(Overlay::Form(form)) = app.overlay.as_mut() {
        if let (Some(code), Some(field)) = (reason, form.fields.first_mut()) {
            field.edit = super::super::app::LineEdit {
                text: code.to_string(),
                cursor: code.len(),
            };
        }
    }
    effects
}

fn default_reason(action: ExecAction) -> &'static str {
    match action {
        ExecAction::Rollback => "rollback",
        ExecAction::Resume => "incident_remediation",
        _ => "containment",
    }
}

/// The request a containment key or step makes, before reason and justification are typed.
pub(super) fn request_for(
    app: &App,
    action: ExecAction,
    agent: String,
    target: Option<Event>,
    incident: Option<&Incident>,
    step: Option<&(String, String, bool)>,
) -> Request {
    // What is at stake is the event acted on; without one, the incident's tier.
    let tier = target
        .as_ref()
        .and_then(|t| t.tier)
        .or(incident.and_then(|i| i.tier));
    Request {
        action,
        agent,
        operator: app.header.operator.clone(),
        reason_code: default_reason(action).into(),
        justification: String::new(),
        incident: incident.map(|i| i.id.clone()),
        step: step.map(|(p, s, _)| (p.clone(), s.clone())),
        exercise: target.as_ref().is_some_and(|t| t.exercise)
            || incident.is_some_and(|i| i.exercise),
        target,
        tier,
        token_ref: None,
    }
}

/// Reason code, justification and, for a T3 target, the typed agent id.
pub(super) fn contain_fields(action: ExecAction, agent: &str, typed_agent: bool) -> Vec<Field> {
    let mut fields = vec![
        Field::new(
            "reason code",
            default_reason(action),
            "from the registry, e.g. containment",
        ),
        Field::new("justification", "", "why, for the record (required)"),
    ];
    if typed_agent {
        fields.push(Field::new(
            "type agent id",
            "",
            &format!("T3 target: type {agent} to confirm"),
        ));
    }
    fields
}

pub(super) fn open_contain_form(
    app: &mut App,
    action: ExecAction,
    agent: String,
    target: Option<Event>,
    incident: Option<&Incident>,
    step: Option<(String, String, bool)>,
) -> Vec<Effect> {
    let request = request_for(app, action, agent.clone(), target, incident, step.as_ref());
    let plan = match respond::plan(request, &app.response.executors, &app.response.roles) {
        Ok(p) => {
            let now = app.now;
            let id = app.response.next_id(now);
            p.with_intent_id(id)
        }
        Err(e) => return refuse(app, e),
    };
    let fields = contain_fields(action, &agent, plan.needs_typed_agent());
    let verb = match action {
        ExecAction::Pause => "Pause",
        ExecAction::Resume => "Resume",
        ExecAction::RevokeToken => "Revoke token of",
        ExecAction::Rollback => "Roll back an action of",
        ExecAction::Notify => "Notify about",
    };
    let mut info = vec![
        ("executor".to_string(), plan.executor_name.clone()),
        ("will run".into(), plan.display()),
        ("timeout".into(), format!("{} s", plan.invocation.timeout_s)),
        ("reversibility".into(), plan.reversibility_text()),
    ];
    if let Some(t) = &plan.request.target {
        info.push(("target".into(), format!("{} ({})", t.what_on(), t.event_id)));
        if action == ExecAction::Rollback {
            let undo = match respond::undoable(t) {
                Ok(class) => format!("{} undo", class.as_str()),
                Err(why) => format!("cannot be undone: {why}"),
            };
            info.push(("undo".into(), undo));
        }
    }
    if let Some(i) = incident {
        info.push(("incident".into(), format!("{} · {}", i.id, i.title)));
    }
    if let Some(t) = plan.request.tier {
        info.push(("tier".into(), t.as_str().to_string()));
    }
    let step_ctx =
        step.map(|(_, _, second)| (plan.request.incident.clone().unwrap_or_default(), second));
    let mut form = Form::new(
        format!("{verb} {agent}"),
        Purpose::Contain {
            plan: Box::new(plan),
            step: step_ctx,
        },
        "Run",
        fields,
    );
    form.info = info;
    form.danger = true;
    // The reason code is filled in; what is left to type is why.
    form.focus = 1;
    app.overlay = Some(Overlay::Form(form));
    vec![]
}
