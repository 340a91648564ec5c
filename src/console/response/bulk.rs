//! Rolling back every reversible action of an agent since a time: the playbook's
//! rollback step, or `:rollback since 2h`. The agent's actions are loaded first (an
//! effect), then one dialog lists what will be undone, newest first, and what cannot be,
//! before anything runs.

use super::super::app::{App, Overlay, View};
use super::super::form::{Form, Purpose};
use super::super::msg::{Effect, Status};
use super::dialogs::{contain_fields, request_for};
use super::{refuse, writable};
use crate::event::{Event, Timestamp};
use crate::exec::Action as ExecAction;
use crate::incident::{Incident, IncidentState};
use crate::respond::{self, Permission, Plan, Refused, Request};

/// Lines of targets the dialog lists before summarising the rest.
const LISTED: usize = 8;

/// Asks the driver for the agent's actions since `since`.
pub fn start(
    app: &mut App,
    agent: String,
    since: Timestamp,
    incident: Option<&Incident>,
    step: Option<(String, String, bool)>,
) -> Vec<Effect> {
    let allowed = writable(app).and_then(|_| {
        app.response
            .roles
            .check(&app.header.operator, Permission::Contain)
            .map_err(Refused::from)
    });
    if let Err(e) = allowed {
        return refuse(app, e);
    }
    let request = request_for(
        app,
        ExecAction::Rollback,
        agent,
        None,
        incident,
        step.as_ref(),
    );
    let step = step.and_then(|(_, _, second)| Some((incident?.id.clone(), second)));
    app.status = Some(Status::info(format!(
        "finding {}'s actions since {since}…",
        request.agent
    )));
    vec![Effect::LoadRollback {
        request: Box::new(request),
        since,
        step,
    }]
}

/// `:rollback since 2h`: the agent of the selection (or of the incident in its view).
pub fn since(app: &mut App, since: Timestamp) -> Vec<Effect> {
    let agent = match app.view {
        View::Incident => app.response.incident().and_then(|i| i.agent.clone()),
        View::Agents => app
            .agents
            .agents
            .get(app.agents.selected)
            .map(|a| a.id.clone()),
        _ => app
            .selected_row()
            .and_then(|r| r.event.agent_id().map(str::to_string)),
    };
    let Some(agent) = agent else {
        return refuse(app, "select an agent, or an event with an agent, first");
    };
    let incident = app
        .response
        .incident()
        .filter(|i| i.state != IncidentState::Closed && i.agent.as_deref() == Some(&agent))
        .cloned();
    start(app, agent, since, incident.as_ref(), None)
}

/// The actions arrived: plan each undoable one and open the dialog.
pub fn candidates(
    app: &mut App,
    request: Request,
    since: Timestamp,
    actions: Vec<Event>,
    step: Option<(String, bool)>,
) {
    let total = actions.len();
    let (can, cannot) = app.response.situation.split_rollback(actions);
    let agent = request.agent.clone();
    if can.is_empty() {
        let why = if total == 0 {
            format!("{agent} took no actions since {since}")
        } else {
            format!("none of the {total} actions of {agent} since {since} can be undone")
        };
        refuse(app, Refused::NothingToRollBack(why));
        return;
    }
    let now = app.now;
    let mut plans: Vec<Plan> = Vec::new();
    for target in can {
        let r = Request {
            tier: target.tier.or(request.tier),
            target: Some(target),
            ..request.clone()
        };
        match respond::plan(r, &app.response.executors, &app.response.roles) {
            Ok(p) => {
                let id = app.response.next_id(now);
                plans.push(p.with_intent_id(id));
            }
            Err(e) => {
                refuse(app, e);
                return;
            }
        }
    }
    let typed = plans.iter().any(Plan::needs_typed_agent);
    let mut info = vec![(
        "undo".to_string(),
        format!(
            "{} of {total} actions since {since}, newest first; stops at the first failure",
            plans.len()
        ),
    )];
    if let Some(first) = plans.first() {
        info.push(("executor".into(), first.executor_name.clone()));
    }
    for p in plans.iter().take(LISTED) {
        let what = p.request.target.as_ref().map_or(String::new(), describe);
        info.push(("will undo".into(), what));
        info.push(("  will run".into(), p.display()));
    }
    if plans.len() > LISTED {
        info.push(("".into(), format!("… and {} more", plans.len() - LISTED)));
    }
    for (e, why) in cannot.iter().take(LISTED) {
        info.push(("cannot undo".into(), format!("{}: {why}", describe(e))));
    }
    if cannot.len() > LISTED {
        info.push((
            "".into(),
            format!("… and {} more that cannot be undone", cannot.len() - LISTED),
        ));
    }
    if let Some((incident, _)) = &step {
        info.push(("incident".into(), incident.clone()));
    }
    let mut form = Form::new(
        format!("Roll back {} actions of {agent}", plans.len()),
        Purpose::ContainMany { plans, step },
        "Run",
        contain_fields(ExecAction::Rollback, &agent, typed),
    );
    form.info = info;
    form.danger = true;
    app.status = None;
    app.overlay = Some(Overlay::Form(form));
}

fn describe(e: &Event) -> String {
    format!("{} {} ({})", e.time.to_rfc3339(), e.what_on(), e.event_id)
}
