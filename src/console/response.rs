//! Responding from the console: incidents, their checklists, and containment actions,
//! as part of the pure update. Keys open a dialog (`form`) only after the operator's role
//! and the checklist rules allow the change, so a refusal comes before any typing; a
//! confirmed dialog becomes an effect (`Seal` or `Execute`) the driver carries out.
//! Event ids are left empty here and stamped by the driver when it seals.

use super::app::{App, Overlay, View};
use super::form::{Field, Form, FormKey, Purpose};
use super::keymap::Action;
use super::msg::Effect;
use crate::event::{Event, Tier, Timestamp};
use crate::exec::{Action as ExecAction, Executors};
use crate::incident::{Incident, StepWord};
use crate::playbook::{Playbook, StepChange, StepKind, StepStatus};
use crate::respond::load::Situation;
use crate::respond::work::{self, Opening};
use crate::respond::{self, Confirmation, Permission, Refused, Request, Roles};
use crossterm::event::KeyEvent;

/// Everything responding needs, beside the stream.
#[derive(Debug, Clone, Default)]
pub struct ResponseState {
    pub situation: Situation,
    pub playbooks: Vec<Playbook>,
    pub roles: Roles,
    pub executors: Executors,
    /// The incident the Incident view shows; else the newest open one.
    pub focus: Option<String>,
    /// The cursor in the checklist.
    pub selected_step: usize,
    /// A containment action is running: what, since when.
    pub running: Option<String>,
    /// The console session id, recorded in the events it writes.
    pub session: Option<String>,
    /// Events this console has named so far (see `next_id`).
    pub named: u64,
}

impl ResponseState {
    /// A fresh event id, made purely from the session and a counter.
    pub fn next_id(&mut self, now: Timestamp) -> String {
        self.named += 1;
        respond::derived_id(
            now,
            self.session.as_deref().unwrap_or("console"),
            self.named,
        )
    }

    /// The incident the Incident view and the header show.
    pub fn incident(&self) -> Option<&Incident> {
        match &self.focus {
            Some(id) => self.situation.incident(id),
            None => self.situation.active_incident(),
        }
    }

    /// The playbook the incident follows.
    pub fn playbook(&self) -> Option<&Playbook> {
        let id = self.incident()?.playbook.as_deref()?;
        self.playbooks.iter().find(|p| p.id == id)
    }

    /// Playbooks for the incident: those that apply first (most specific first), then
    /// the rest, with whether each applies.
    pub fn playbook_choices(&self) -> Vec<(String, bool)> {
        let applies: Vec<String> = match self.incident() {
            Some(i) => crate::playbook::applicable(
                &self.playbooks,
                i.tier.unwrap_or(Tier::T2),
                i.reason_code.as_deref(),
            )
            .iter()
            .map(|p| p.id.clone())
            .collect(),
            None => Vec::new(),
        };
        let mut out: Vec<(String, bool)> = applies.iter().map(|id| (id.clone(), true)).collect();
        out.extend(
            self.playbooks
                .iter()
                .filter(|p| !applies.contains(&p.id))
                .map(|p| (p.id.clone(), false)),
        );
        out
    }
}

fn refuse(app: &mut App, why: impl std::fmt::Display) -> Vec<Effect> {
    app.status = Some(format!("refused: {why}"));
    vec![]
}

fn writable(app: &App) -> Result<(), Refused> {
    if app.read_only {
        Err(Refused::ReadOnly)
    } else {
        Ok(())
    }
}

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
    let id = work::next_incident_id(&app.response.situation.incidents);
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

/// The agent and event a containment key acts on in the current view.
fn action_target(app: &App) -> Option<(String, Option<Event>)> {
    match app.view {
        View::Agents => app
            .agents
            .agents
            .get(app.agents.selected)
            .map(|a| (a.id.clone(), None)),
        View::Incident => {
            let i = app.response.incident()?;
            Some((i.agent.clone()?, trigger_event(app, i)))
        }
        _ => {
            let e = app.selected_row()?.event.clone();
            Some((e.agent_id()?.to_string(), Some(e)))
        }
    }
}

/// The incident's first trigger, when the response events hold it.
fn trigger_event(app: &App, i: &Incident) -> Option<Event> {
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
        if let Err(why) = respond::undoable(t) {
            return refuse(app, format!("this action cannot be undone: {why}"));
        }
    }
    let incident = app
        .response
        .incident()
        .filter(|i| i.state != crate::incident::IncidentState::Closed)
        .filter(|i| i.agent.as_deref() == Some(agent.as_str()))
        .cloned();
    open_contain_form(app, action, agent, target, incident.as_ref(), None)
}

fn default_reason(action: ExecAction) -> &'static str {
    match action {
        ExecAction::Rollback => "rollback",
        ExecAction::Resume => "incident_remediation",
        _ => "containment",
    }
}

fn open_contain_form(
    app: &mut App,
    action: ExecAction,
    agent: String,
    target: Option<Event>,
    incident: Option<&Incident>,
    step: Option<(String, String, bool)>,
) -> Vec<Effect> {
    // What is at stake is the event acted on; without one, the incident's tier.
    let tier = target
        .as_ref()
        .and_then(|t| t.tier)
        .or(incident.and_then(|i| i.tier));
    let request = Request {
        action,
        agent: agent.clone(),
        operator: app.header.operator.clone(),
        reason_code: default_reason(action).into(),
        justification: String::new(),
        incident: incident.map(|i| i.id.clone()),
        step: step.as_ref().map(|(p, s, _)| (p.clone(), s.clone())),
        exercise: target.as_ref().is_some_and(|t| t.exercise)
            || incident.is_some_and(|i| i.exercise),
        target,
        tier,
        token_ref: None,
    };
    let plan = match respond::plan(request, &app.response.executors, &app.response.roles) {
        Ok(p) => {
            let now = app.now.unwrap_or_else(Timestamp::now);
            let id = app.response.next_id(now);
            p.with_intent_id(id)
        }
        Err(e) => return refuse(app, e),
    };
    let mut fields = vec![
        Field::new(
            "reason code",
            default_reason(action),
            "from the registry, e.g. containment",
        ),
        Field::new("justification", "", "why, for the record (required)"),
    ];
    if plan.needs_typed_agent() {
        fields.push(Field::new(
            "type agent id",
            "",
            &format!("T3 target: type {agent} to confirm"),
        ));
    }
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
        let what = t
            .action
            .as_ref()
            .map_or(t.kind.as_str(), |a| a.kind.as_str());
        info.push(("target".into(), format!("{what} ({})", t.event_id)));
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
    app.overlay = Some(Overlay::Form(form));
    vec![]
}

/// Keys while a dialog is open.
pub fn form_key(app: &mut App, key: KeyEvent, mut form: Form, now: Timestamp) -> Vec<Effect> {
    match form.key(&key) {
        FormKey::Cancel => {
            app.status = Some("cancelled: nothing ran".into());
            vec![]
        }
        FormKey::Stay => {
            show_live_command(&mut form);
            app.overlay = Some(Overlay::Form(form));
            vec![]
        }
        FormKey::Submit => match submit(app, &form, now) {
            Ok(effects) => effects,
            Err(e) => {
                form.error = Some(e.to_string());
                form.focus = 0;
                app.overlay = Some(Overlay::Form(form));
                vec![]
            }
        },
    }
}

/// A confirmed dialog: checks it once more and turns it into an effect.
fn submit(app: &mut App, form: &Form, now: Timestamp) -> Result<Vec<Effect>, Refused> {
    writable(app)?;
    let operator = app.header.operator.clone();
    let roles = app.response.roles.clone();
    match &form.purpose {
        Purpose::Contain { plan, step } => {
            let confirmation = Confirmation {
                reason_code: form.value(0).trim().to_string(),
                justification: form.value(1).trim().to_string(),
                typed_agent: form.value(2).trim().to_string(),
            };
            let mut request = plan.request.clone();
            request.reason_code = confirmation.reason_code.clone();
            request.justification = confirmation.justification.clone();
            let intent_id = plan
                .intent_id
                .clone()
                .unwrap_or_else(|| app.response.next_id(now));
            let plan =
                respond::plan(request, &app.response.executors, &roles)?.with_intent_id(intent_id);
            respond::check_confirmation(&plan, &confirmation)?;
            let what = format!("{} {}", plan.request.action, plan.request.agent);
            app.response.running = Some(what.clone());
            app.status = Some(format!("running {what}: intent sealed first…"));
            Ok(vec![Effect::Execute {
                plan: Box::new(plan),
                step: step.clone(),
                what,
            }])
        }
        Purpose::OpenIncident { id, triggers } => {
            let opening = Opening {
                id: id.clone(),
                title: form.value(0).to_string(),
                justification: form.value(1).trim().to_string(),
                severity: None,
                playbook: None,
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
            Ok(vec![seal(vec![e], *checkpoint, format!("{done} `{step}`"))])
        }
        Purpose::Close { incident } => {
            let inc = app
                .response
                .situation
                .incident(incident)
                .cloned()
                .ok_or_else(|| Refused::Incident(format!("no incident {incident}")))?;
            let id = app.response.next_id(now);
            let e = work::close(&roles, &operator, &inc, form.value(0), id, now)?;
            Ok(vec![seal(vec![e], true, format!("closed {incident}"))])
        }
    }
}

fn seal(events: Vec<Event>, checkpoint: bool, what: String) -> Effect {
    Effect::Seal {
        events,
        checkpoint,
        what,
    }
}

fn incident_and_playbook(
    app: &App,
    incident: &str,
    playbook: &str,
) -> Result<(Incident, Playbook), Refused> {
    let inc = app
        .response
        .situation
        .incident(incident)
        .cloned()
        .ok_or_else(|| Refused::Incident(format!("no incident {incident}")))?;
    let pb = app
        .response
        .playbooks
        .iter()
        .find(|p| p.id == playbook)
        .cloned()
        .ok_or_else(|| Refused::Incident(format!("no playbook {playbook}")))?;
    Ok((inc, pb))
}

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
            match &target {
                Some(t) if respond::undoable(t).is_ok() => {}
                _ => {
                    return refuse(
                        app,
                        "the trigger cannot be rolled back from here: select the action in the Stream or Trace view and press U, then check this step off",
                    )
                }
            }
        }
        let step = Some((pb.id.clone(), step_id, state.step.second_person));
        return open_contain_form(app, action, agent, target, Some(&inc), step);
    }
    // A manual step, a checkpoint, or an action step waiting for its second person.
    if let Err(e) = list.may_complete(&step_id, &operator, "-") {
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
        vec![Field::new(label, "", hint)],
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

/// `p`: choose the incident's playbook.
pub fn pick_playbook(app: &mut App) -> Vec<Effect> {
    if let Err(e) = writable(app) {
        return refuse(app, e);
    }
    if app.response.incident().is_none() {
        return refuse(app, "no incident: open one from an event with O");
    }
    let options: Vec<String> = app
        .response
        .playbook_choices()
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    app.overlay = Some(Overlay::Playbooks { options, cursor: 0 });
    vec![]
}

/// `:playbook NAME` or Enter in the playbook list.
pub fn choose_playbook(app: &mut App, name: &str, now: Timestamp) -> Vec<Effect> {
    let Some(inc) = app.response.incident().cloned() else {
        return refuse(app, "no incident: open one from an event with O");
    };
    let Some(pb) = app
        .response
        .playbooks
        .iter()
        .find(|p| p.id == name)
        .cloned()
    else {
        let known: Vec<&str> = app
            .response
            .playbooks
            .iter()
            .map(|p| p.id.as_str())
            .collect();
        return refuse(
            app,
            format!("no playbook `{name}` (known: {})", known.join(", ")),
        );
    };
    let operator = app.header.operator.clone();
    let id = app.response.next_id(now);
    let picked = writable(app)
        .and_then(|_| work::pick_playbook(&app.response.roles, &operator, &inc, &pb, id, now));
    match picked {
        Ok(e) => {
            app.view = View::Incident;
            app.response.selected_step = 0;
            vec![seal(vec![e], false, format!("{}: playbook {name}", inc.id))]
        }
        Err(e) => refuse(app, e),
    }
}

/// `C`: close the incident, with a summary.
pub fn close_incident(app: &mut App) -> Vec<Effect> {
    let Some(inc) = app.response.incident().cloned() else {
        return refuse(app, "no incident to close");
    };
    let check = writable(app).and_then(|_| {
        app.response
            .roles
            .check(&app.header.operator, Permission::Close)
            .map_err(Refused::from)
    });
    if let Err(e) = check {
        return refuse(app, e);
    }
    let mut form = Form::new(
        format!("Close {}", inc.id),
        Purpose::Close {
            incident: inc.id.clone(),
        },
        "Close incident",
        vec![Field::new(
            "summary",
            "",
            "what happened and what was done (required)",
        )],
    );
    let list = app.response.playbook().map(|pb| inc.checklist(pb));
    let open_steps = list.map_or(0, |l| {
        l.steps.iter().filter(|s| !s.status.is_settled()).count()
    });
    form.info = vec![
        ("incident".into(), format!("{} · {}", inc.id, inc.title)),
        ("state".into(), inc.state.as_str().to_string()),
        (
            "checklist".into(),
            if open_steps == 0 {
                "every step settled".into()
            } else {
                format!("{open_steps} steps not done or skipped")
            },
        ),
    ];
    app.overlay = Some(Overlay::Form(form));
    vec![]
}

/// Keys in the playbook list.
pub fn playbooks_key(
    app: &mut App,
    key: KeyEvent,
    options: Vec<String>,
    mut cursor: usize,
    now: Timestamp,
) -> Vec<Effect> {
    use crossterm::event::KeyCode;
    match key.code {
        KeyCode::Esc => return vec![],
        KeyCode::Enter => {
            return match options.get(cursor) {
                Some(name) => choose_playbook(app, &name.clone(), now),
                None => vec![],
            }
        }
        KeyCode::Up | KeyCode::Char('k') => cursor = cursor.saturating_sub(1),
        KeyCode::Down | KeyCode::Char('j') => {
            cursor = (cursor + 1).min(options.len().saturating_sub(1))
        }
        _ => {}
    }
    app.overlay = Some(Overlay::Playbooks { options, cursor });
    vec![]
}

/// The Incident view's cursor.
pub fn move_step(app: &mut App, delta: i64) {
    let len = app.response.playbook().map_or(0, |p| p.steps.len());
    if len == 0 {
        return;
    }
    let s = app.response.selected_step as i64 + delta;
    app.response.selected_step = s.clamp(0, len as i64 - 1) as usize;
}

/// The keys responding owns; `None` leaves the key to the general update.
pub fn act(app: &mut App, action: Action) -> Option<Vec<Effect>> {
    let incident_view = app.view == View::Incident;
    Some(match action {
        Action::ViewIncident => {
            app.view = View::Incident;
            vec![Effect::LoadSituation]
        }
        Action::OpenIncident if !incident_view => open_incident(app),
        Action::Pause => contain(app, ExecAction::Pause),
        Action::Resume => contain(app, ExecAction::Resume),
        Action::RevokeToken => contain(app, ExecAction::RevokeToken),
        Action::Rollback => contain(app, ExecAction::Rollback),
        Action::StepDo | Action::Open if incident_view => step_do(app),
        Action::StepSkip if incident_view => step_skip_or_fail(app, StepWord::Skipped),
        Action::StepFail if incident_view => step_skip_or_fail(app, StepWord::Failed),
        Action::PickPlaybook if incident_view => pick_playbook(app),
        Action::CloseIncident if incident_view => close_incident(app),
        Action::Up if incident_view => {
            move_step(app, -1);
            vec![]
        }
        Action::Down if incident_view => {
            move_step(app, 1);
            vec![]
        }
        Action::Top if incident_view => {
            move_step(app, i64::MIN / 2);
            vec![]
        }
        Action::Bottom if incident_view => {
            move_step(app, i64::MAX / 2);
            vec![]
        }
        _ => return None,
    })
}

/// A fresh derivation from the ledger.
pub fn on_situation(app: &mut App, situation: Situation) {
    app.response.situation = situation;
    let len = app.response.playbook().map_or(0, |p| p.steps.len());
    app.response.selected_step = app.response.selected_step.min(len.saturating_sub(1));
}

pub fn on_sealed(app: &mut App, what: String, result: Result<Vec<u64>, String>) -> Vec<Effect> {
    app.status = Some(match result {
        Ok(seqs) => {
            let seqs: Vec<String> = seqs.iter().map(u64::to_string).collect();
            format!("{what} (sealed at seq {})", seqs.join(", "))
        }
        Err(e) => format!("{what} failed: nothing was recorded: {e}"),
    });
    vec![Effect::LoadSituation]
}

pub fn on_executed(app: &mut App, what: String, result: Result<String, String>) -> Vec<Effect> {
    app.response.running = None;
    app.status = Some(match result {
        Ok(report) => format!("{what}: {report}"),
        Err(e) => format!("{what} refused: {e}"),
    });
    vec![Effect::LoadSituation, Effect::LoadAgents]
}

/// Whether a new event may change incidents or control state.
pub fn is_response_kind(kind: &str) -> bool {
    kind.starts_with("incident.") || kind.starts_with("control.") || kind == "human.intervention"
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
