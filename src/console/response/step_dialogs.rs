//! The Incident view's dialogs: run or check off the selected playbook step, skip or
//! fail it, and close the incident. Like `dialogs`, each checks role, read-only and the
//! checklist rules before any form opens.

use super::super::app::{App, Overlay};
use super::super::form::{Field, Form, Purpose};
use super::super::msg::Effect;
use super::dialogs::{open_contain_form, trigger_event};
use super::{refuse, writable};
use crate::event::Timestamp;
use crate::exec::Action as ExecAction;
use crate::incident::{Incident, StepWord};
use crate::playbook::{Playbook, StepKind, StepStatus};
use crate::respond::closing::Unfinished;
use crate::respond::{Permission, Refused};

/// The incident shown, its playbook and the selected step id, or a refusal.
fn selected_step(app: &App) -> Result<(Incident, Playbook, String), Refused> {
    let inc =
        app.response.incident().cloned().ok_or_else(|| {
            Refused::Incident("no incident: open one from an event with O".into())
        })?;
    let pb = app
        .response
        .playbook()
        .cloned()
        .ok_or_else(|| Refused::Incident("pick a playbook first (p)".into()))?;
    let step = pb
        .steps
        .get(app.response.selected_step)
        .map(|s| s.id.clone())
        .ok_or_else(|| Refused::Incident("no step selected".into()))?;
    Ok((inc, pb, step))
}

/// `x` / Enter in the Incident view: run an action step, or check off a manual one.
pub fn step_do(app: &mut App) -> Vec<Effect> {
    let picked = writable(app).and_then(|_| selected_step(app));
    let (inc, pb, step_id) = match picked {
        Ok(x) => x,
        Err(e) => return refuse(app, e),
    };
    let operator = app.header.operator.clone();
    if let Err(e) = app.response.roles.check(&operator, Permission::Respond) {
        return refuse(app, e);
    }
    let list = inc.checklist(&pb);
    let Some(state) = list.step(&step_id).cloned() else {
        return vec![];
    };
    let in_progress = matches!(state.status, StepStatus::InProgress { .. });
    let kind = state.step.kind;
    let action = ExecAction::for_step(kind);
    if let (Some(action), false) = (action, in_progress) {
        if let Err(e) = list.may_start(&step_id) {
            return refuse(app, e);
        }
        let Some(agent) = inc.agent.clone() else {
            return refuse(app, "the incident names no agent to act on");
        };
        let target = trigger_event(app, &inc);
        if action == ExecAction::Rollback {
            // Everything reversible since the misbehaviour began: the trigger's time when
            // it is at hand, else an hour before the response started.
            let since = target.as_ref().map(|t| t.time).unwrap_or_else(|| {
                Timestamp::from_millis(inc.started_at.millis() - 3_600_000)
                    .unwrap_or(inc.started_at)
            });
            let step = Some((pb.id.clone(), step_id, state.step.second_person));
            return super::bulk::start(app, agent, since, Some(&inc), step);
        }
        let step = Some((pb.id.clone(), step_id, state.step.second_person));
        return open_contain_form(app, action, agent, target, Some(&inc), step);
    }
    // A second-person manual step is started here and completed by someone else.
    if state.step.second_person && action.is_none() && !in_progress {
        if let Err(e) = list.may_start(&step_id) {
            return refuse(app, e);
        }
        return step_form(
            app,
            &inc,
            &pb,
            &step_id,
            StepWord::Started,
            "note",
            "optional; a second operator completes this step",
            false,
        );
    }
    // A manual step, a checkpoint, or an action step waiting for its second person.
    if let Err(e) = list.may_complete(&step_id, &operator, "-") {
        if matches!(e, crate::playbook::Refusal::SamePerson { .. }) {
            let how = second_person_how(&inc.id, &step_id);
            return refuse(app, format!("{e}: {how}"));
        }
        return refuse(app, e);
    }
    let checkpoint = kind == StepKind::Checkpoint;
    let hint = if checkpoint {
        "what this checkpoint closes (a signed checkpoint is sealed with it)"
    } else {
        "what was done (required)"
    };
    step_form(
        app,
        &inc,
        &pb,
        &step_id,
        StepWord::Done,
        "note",
        hint,
        checkpoint,
    )
}

/// `s` / `F`: skip or fail the selected step, with a reason.
pub fn step_skip_or_fail(app: &mut App, word: StepWord) -> Vec<Effect> {
    let picked = writable(app).and_then(|_| selected_step(app));
    let (inc, pb, step_id) = match picked {
        Ok(x) => x,
        Err(e) => return refuse(app, e),
    };
    let operator = app.header.operator.clone();
    let list = inc.checklist(&pb);
    let check = match word {
        StepWord::Failed => list.may_fail(&step_id, "-"),
        _ => list.may_skip(&step_id, &operator, "-"),
    };
    if let Err(e) = app
        .response
        .roles
        .check(&operator, Permission::Respond)
        .map_err(Refused::from)
        .and(check.map_err(Refused::from))
    {
        return refuse(app, e);
    }
    step_form(
        app,
        &inc,
        &pb,
        &step_id,
        word,
        "reason",
        "why (required)",
        false,
    )
}

/// How the second operator completes a step this console's operator started.
pub fn second_person_how(incident: &str, step: &str) -> String {
    format!(
        "another operator completes it in their own console (logged in as themselves) or with `custody incident step {incident} {step} --done NOTE`"
    )
}

#[allow(clippy::too_many_arguments)]
fn step_form(
    app: &mut App,
    inc: &Incident,
    pb: &Playbook,
    step_id: &str,
    word: StepWord,
    label: &str,
    hint: &str,
    checkpoint: bool,
) -> Vec<Effect> {
    let (verb, button) = match word {
        StepWord::Done => ("Check off", "Record"),
        StepWord::Skipped => ("Skip", "Skip step"),
        StepWord::Failed => ("Mark failed", "Record failure"),
        StepWord::Started => ("Start", "Start"),
    };
    let title = pb.step(step_id).map_or(step_id, |s| s.title.as_str());
    let mut form = Form::new(
        format!("{verb}: {title}"),
        Purpose::Step {
            incident: inc.id.clone(),
            playbook: pb.id.clone(),
            step: step_id.to_string(),
            word,
            checkpoint,
        },
        button,
        vec![if word == StepWord::Started {
            Field::optional(label, "", hint)
        } else {
            Field::new(label, "", hint)
        }],
    );
    form.info = vec![
        ("incident".into(), format!("{} · {}", inc.id, inc.title)),
        ("step".into(), format!("{step_id} ({})", pb.id)),
    ];
    if let Some(g) = pb.step(step_id).and_then(|s| s.guidance.clone()) {
        form.info.push(("guidance".into(), g));
    }
    app.overlay = Some(Overlay::Form(form));
    vec![]
}

/// The dialog field that forces a close over unfinished work.
pub const FORCE_FIELD: &str = "closing anyway because";

/// `C`: close the incident, with a summary; over unfinished work, with a justification
/// too (sealed with the close).
pub fn close_incident(app: &mut App) -> Vec<Effect> {
    let Some(inc) = app.response.incident().cloned() else {
        return refuse(app, "no incident to close");
    };
    if let Err(e) = writable(app) {
        return refuse(app, e);
    }
    let operator = app.header.operator.clone();
    if let Err(e) = app.response.roles.check(&operator, Permission::Close) {
        let hint = format!(
            "{e} (roles come from the config's [roles] table: an admin can add `{operator} = \"approver\"`)"
        );
        return refuse(app, hint);
    }
    let unfinished = Unfinished::of(&inc, app.response.playbook());
    let mut fields = vec![Field::new(
        "summary",
        "",
        "what happened and what was done (required)",
    )];
    if !unfinished.is_empty() {
        fields.push(Field::new(
            FORCE_FIELD,
            "",
            "why close with work left (required; sealed with the close)",
        ));
    }
    let mut form = Form::new(
        format!("Close {}", inc.id),
        Purpose::Close {
            incident: inc.id.clone(),
        },
        "Close incident",
        fields,
    );
    form.info = vec![
        ("incident".into(), format!("{} · {}", inc.id, inc.title)),
        ("state".into(), inc.state_word().to_string()),
        (
            "checklist".into(),
            if unfinished.is_empty() {
                "every step settled".into()
            } else {
                format!(
                    "{}: closing anyway needs a justification",
                    unfinished.describe()
                )
            },
        ),
    ];
    form.danger = !unfinished.is_empty();
    app.overlay = Some(Overlay::Form(form));
    vec![]
}
