//! A confirmed dialog: the same checks once more, then exactly one effect.

use super::super::app::{App, Overlay, View};
use super::super::approvals;
use super::super::form::{Form, FormKey, Purpose};
use super::super::msg::{Effect, Status};
use super::{seal, writable};
use crate::event::{Event, Timestamp};
use crate::incident::{Incident, StepWord};
use crate::playbook::{Playbook, StepChange};
use crate::respond::closing::{self, Closing, Unfinished};
use crate::respond::work::{self, Opening};
use crate::respond::{self, Confirmation, Refused};
use crossterm::event::KeyEvent;

/// Keys while a dialog is open.
pub fn form_key(app: &mut App, key: KeyEvent, mut form: Form, now: Timestamp) -> Vec<Effect> {
    match form.key(&key) {
        FormKey::Cancel => {
            app.status = Some(Status::info("cancelled: nothing ran"));
            vec![]
        }
        FormKey::Stay => {
            show_live_command(&mut form);
            app.overlay = Some(Overlay::Form(form));
            vec![]
        }
        FormKey::Submit if !form.check_required() => {
            app.overlay = Some(Overlay::Form(form));
            vec![]
        }
        FormKey::Submit => match submit(app, &form, now) {
            Ok(effects) => effects,
            Err((why, field)) => {
                let field = field.and_then(|label| form.field(label));
                form.refuse(why, field);
                app.overlay = Some(Overlay::Form(form));
                vec![]
            }
        },
    }
}

/// A confirmed dialog: checks it once more and turns it into an effect (a vote is
/// `approvals`' to check). A refusal names the field to fix, when one is at fault.
fn submit(
    app: &mut App,
    form: &Form,
    now: Timestamp,
) -> Result<Vec<Effect>, (String, Option<&'static str>)> {
    if let Purpose::Vote { verdict, requests } = &form.purpose {
        return approvals::submit(app, form, *verdict, requests).map_err(|e| {
            let field = e.starts_with("break-glass").then_some("break-glass");
            (e, field)
        });
    }
    respond_submit(app, form, now).map_err(|e| {
        let field = match &e {
            Refused::NoReasonCode => Some("reason code"),
            Refused::NoJustification => Some("justification"),
            Refused::AgentNotTyped { .. } => Some("type agent id"),
            _ => None,
        };
        (e.to_string(), field)
    })
}

fn respond_submit(app: &mut App, form: &Form, now: Timestamp) -> Result<Vec<Effect>, Refused> {
    writable(app)?;
    let operator = app.header.operator.clone();
    let roles = app.response.roles.clone();
    match &form.purpose {
        Purpose::Contain { plan, step } => {
            let confirmation = confirmation(form);
            let plan = confirmed(app, plan, &confirmation, now)?;
            let what = format!("{} {}", plan.request.action, plan.request.agent);
            app.response.running = Some(what.clone());
            app.status = Some(Status::info(format!(
                "running {what}: intent sealed first…"
            )));
            Ok(vec![Effect::Execute {
                plan: Box::new(plan),
                step: step.clone(),
                what,
            }])
        }
        Purpose::ContainMany { plans, step } => {
            let confirmation = confirmation(form);
            let plans = plans
                .iter()
                .map(|p| confirmed(app, p, &confirmation, now))
                .collect::<Result<Vec<_>, _>>()?;
            let agent = plans.first().map_or("", |p| p.request.agent.as_str());
            let what = format!("rollback of {} actions of {agent}", plans.len());
            app.response.running = Some(what.clone());
            app.status = Some(Status::info(format!(
                "running {what}: each intent sealed first…"
            )));
            Ok(vec![Effect::ExecuteMany {
                plans,
                step: step.clone(),
                what,
            }])
        }
        Purpose::OpenIncident {
            id,
            triggers,
            playbook,
        } => {
            let opening = Opening {
                id: id.clone(),
                title: form.value(0).to_string(),
                justification: form.value(1).trim().to_string(),
                severity: None,
                playbook: playbook.clone(),
            };
            let refs: Vec<&Event> = triggers.iter().collect();
            let event_id = app.response.next_id(now);
            let e = work::open(&roles, &operator, opening, &refs, event_id, now)?;
            app.response.focus = Some(id.clone());
            app.response.selected_step = 0;
            app.view = View::Incident;
            Ok(vec![seal(vec![e], false, format!("opened {id}"))])
        }
        Purpose::Step {
            incident,
            playbook,
            step,
            word,
            checkpoint,
        } => {
            let (inc, pb) = incident_and_playbook(app, incident, playbook)?;
            let text = form.value(0).trim().to_string();
            let change = match word {
                StepWord::Done => StepChange::Complete { note: text },
                StepWord::Skipped => StepChange::Skip { reason: text },
                StepWord::Failed => StepChange::Fail { reason: text },
                StepWord::Started => StepChange::Start,
            };
            let id = app.response.next_id(now);
            let e = work::change_step(&roles, &operator, &inc, &pb, step, change, id, now)?;
            let done = match word {
                StepWord::Done => "checked off",
                StepWord::Skipped => "skipped",
                StepWord::Failed => "marked failed",
                StepWord::Started => "started",
            };
            let mut what = format!("{done} `{step}`");
            if *word == StepWord::Started {
                let how = super::step_dialogs::second_person_how(incident, step);
                what = format!("{what}; {how}");
            }
            Ok(vec![seal(vec![e], *checkpoint, what)])
        }
        Purpose::Close { incident } => {
            let inc = known_incident(app, incident)?;
            let playbook = inc
                .playbook
                .as_deref()
                .and_then(|p| app.response.playbooks.iter().find(|pb| pb.id == p));
            let unfinished = Unfinished::of(&inc, playbook);
            let closing = Closing {
                summary: form.value(0).to_string(),
                force: form
                    .field(super::step_dialogs::FORCE_FIELD)
                    .map(|i| form.value(i).to_string()),
            };
            let id = app.response.next_id(now);
            let e = closing::close(&roles, &operator, &inc, &closing, &unfinished, id, now)?;
            Ok(vec![seal(vec![e], true, format!("closed {incident}"))])
        }
        Purpose::Vote { .. } => Ok(vec![]),
    }
}

fn confirmation(form: &Form) -> Confirmation {
    Confirmation {
        reason_code: form.value(0).trim().to_string(),
        justification: form.value(1).trim().to_string(),
        typed_agent: form.value(2).trim().to_string(),
    }
}

/// The plan again with what the operator typed (the justification is `{reason}`), its
/// intent id kept, and the confirm dialog's rules checked.
fn confirmed(
    app: &mut App,
    plan: &respond::Plan,
    confirmation: &Confirmation,
    now: Timestamp,
) -> Result<respond::Plan, Refused> {
    let mut request = plan.request.clone();
    request.reason_code = confirmation.reason_code.clone();
    request.justification = confirmation.justification.clone();
    let intent_id = plan
        .intent_id
        .clone()
        .unwrap_or_else(|| app.response.next_id(now));
    let roles = app.response.roles.clone();
    let plan = respond::plan(request, &app.response.executors, &roles)?.with_intent_id(intent_id);
    respond::check_confirmation(&plan, confirmation)?;
    Ok(plan)
}

fn known_incident(app: &App, incident: &str) -> Result<Incident, Refused> {
    app.response
        .situation
        .incident(incident)
        .cloned()
        .ok_or_else(|| Refused::Incident(format!("no incident {incident}")))
}

fn incident_and_playbook(
    app: &App,
    incident: &str,
    playbook: &str,
) -> Result<(Incident, Playbook), Refused> {
    let inc = known_incident(app, incident)?;
    let pb = app
        .response
        .playbooks
        .iter()
        .find(|p| p.id == playbook)
        .cloned()
        .ok_or_else(|| Refused::Incident(format!("no playbook {playbook}")))?;
    Ok((inc, pb))
}

/// Keeps "will run" in the confirm dialog exact while the justification (`{reason}`) is
/// typed.
fn show_live_command(form: &mut Form) {
    let Purpose::Contain { plan, .. } = &form.purpose else {
        return;
    };
    let mut vars = plan.vars.clone();
    vars.reason = Some(form.value(1).trim().to_string());
    let text = crate::exec::run::Prepared::from_invocation(&plan.invocation, &vars).display();
    if let Some(line) = form.info.iter_mut().find(|(label, _)| label == "will run") {
        line.1 = text;
    }
}
