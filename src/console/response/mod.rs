//! Responding from the console: incidents, their checklists, and containment actions,
//! as part of the pure update. Keys open a dialog (`dialogs`) only after the operator's
//! role and the checklist rules allow the change, so a refusal comes before any typing;
//! a confirmed dialog (`submit`) becomes an effect (`Seal` or `Execute`) the driver
//! carries out. Events are named here, purely (`ResponseState::next_id`).

pub mod bulk;
mod dialogs;
mod step_dialogs;
mod submit;

pub use dialogs::{contain, open_incident, open_incident_from_flag};
pub use step_dialogs::{close_incident, step_do, step_skip_or_fail};
pub use submit::form_key;

use super::app::{App, Overlay, View};
use super::keymap::Action;
use super::msg::{Effect, Status};
use crate::event::{Event, Tier, Timestamp};
use crate::exec::{Action as ExecAction, Executors};
use crate::incident::{Incident, StepWord};
use crate::playbook::Playbook;
use crate::respond::load::Situation;
use crate::respond::work;
use crate::respond::{self, Refused, Roles};
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

pub(super) fn refuse(app: &mut App, why: impl std::fmt::Display) -> Vec<Effect> {
    app.status = Some(Status::warning(format!("refused: {why}")));
    vec![]
}

pub(super) fn writable(app: &App) -> Result<(), Refused> {
    if app.read_only {
        Err(Refused::ReadOnly)
    } else {
        Ok(())
    }
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
    let before = selected_settled(app);
    app.response.situation = situation;
    list_controlled_agents(app);
    let len = app.response.playbook().map_or(0, |p| p.steps.len());
    app.response.selected_step = app.response.selected_step.min(len.saturating_sub(1));
    if before == Some(false) && selected_settled(app) == Some(true) {
        to_next_runnable_step(app);
    }
}

/// Whether the selected checklist step is done or skipped (`None`: no checklist).
fn selected_settled(app: &App) -> Option<bool> {
    let inc = app.response.incident()?;
    let pb = app.response.playbook()?;
    let step = pb.steps.get(app.response.selected_step)?;
    Some(inc.checklist(pb).step(&step.id)?.status.is_settled())
}

/// After the selected step completes: the next step that may start now (after it, else
/// from the top), else the next one not settled; the cursor stays when none is left.
fn to_next_runnable_step(app: &mut App) {
    let (Some(inc), Some(pb)) = (app.response.incident(), app.response.playbook()) else {
        return;
    };
    let list = inc.checklist(pb);
    let at = app.response.selected_step;
    let ready = list.ready();
    let index = |id: &str| pb.steps.iter().position(|s| s.id == id);
    let open = list
        .steps
        .iter()
        .enumerate()
        .filter(|(_, s)| !s.status.is_settled())
        .map(|(i, _)| i);
    let next = ready
        .iter()
        .filter_map(|id| index(id))
        .find(|i| *i > at)
        .or_else(|| ready.iter().find_map(|id| index(id)))
        .or_else(|| open.clone().find(|i| *i > at))
        .or_else(|| open.clone().next());
    if let Some(i) = next {
        app.response.selected_step = i;
    }
}

pub fn on_sealed(app: &mut App, what: String, result: Result<Vec<u64>, String>) -> Vec<Effect> {
    app.status = Some(match result {
        Ok(seqs) => {
            let seqs: Vec<String> = seqs.iter().map(u64::to_string).collect();
            Status::info(format!("{what} (sealed at seq {})", seqs.join(", ")))
        }
        Err(e) => Status::error(format!("{what} failed: nothing was recorded: {e}")),
    });
    vec![Effect::LoadSituation]
}

pub fn on_executed(app: &mut App, what: String, result: Result<String, String>) -> Vec<Effect> {
    app.response.running = None;
    app.status = Some(match result {
        Ok(report) => Status::info(format!("{what}: {report}")),
        Err(e) => Status::error(format!("{what} refused: {e}")),
    });
    vec![Effect::LoadSituation, Effect::LoadAgents]
}

/// Paused or revoked agents stay in the Agents view even when they have not acted within
/// its window: a quiet paused agent is exactly the one to keep in sight.
pub fn list_controlled_agents(app: &mut App) {
    if app.agents.loading && app.agents.agents.is_empty() {
        return;
    }
    let mut missing: Vec<&crate::incident::AgentControl> = app
        .response
        .situation
        .agents
        .values()
        .filter(|c| c.state() != crate::incident::ControlState::Active)
        .filter(|c| !app.agents.agents.iter().any(|a| a.id == c.agent))
        .collect();
    missing.sort_by(|a, b| a.agent.cmp(&b.agent));
    let extra: Vec<super::app::AgentSummary> = missing
        .into_iter()
        .map(|c| super::app::AgentSummary {
            id: c.agent.clone(),
            name: None,
            version: None,
            model: None,
            last_seq: 0,
            last_time: c.since().map(|m| m.at),
            last_action: None,
            by_tier: [0; 4],
            events: 0,
            failures: 0,
        })
        .collect();
    app.agents.agents.extend(extra);
}

/// A situation read from the store. One older than the situation shown (two reads
/// crossed) is dropped; an incident opened by id that it does not carry is kept.
pub fn on_loaded(app: &mut App, mut loaded: Situation) {
    if loaded.through < app.response.situation.through {
        return;
    }
    if let Some(id) = &app.response.focus {
        if loaded.incident(id).is_none() {
            if let Some(kept) = app.response.situation.incident(id).cloned() {
                loaded.incidents.insert(0, kept);
            }
        }
    }
    on_situation(app, loaded);
}

/// One incident read by id: shown in the Incident view, or a warning when there is none.
pub fn on_incident(app: &mut App, id: String, incident: Option<Incident>) -> Vec<Effect> {
    let Some(incident) = incident else {
        app.status = Some(Status::warning(format!("no incident `{id}`")));
        return vec![];
    };
    if app.response.situation.incident(&id).is_none() {
        app.response.situation.incidents.insert(0, incident);
    }
    app.response.focus = Some(id);
    app.response.selected_step = 0;
    app.view = View::Incident;
    vec![]
}

/// Newly sealed response events from the live tail. Rollback marks are noted in memory;
/// events that can change an incident, a control state or an open intent make the
/// situation be read again from the store's projection (which the same transaction that
/// sealed them advanced), so nothing here grows with the history.
pub fn absorb(app: &mut App, rows: &[super::app::Row]) -> Vec<Effect> {
    let through = app.response.situation.through;
    let fresh: Vec<&Event> = rows
        .iter()
        .filter(|r| r.seq > through && is_response_kind(&r.event.kind))
        .map(|r| &r.event)
        .collect();
    let open: Vec<&str> = app
        .response
        .situation
        .unresolved
        .iter()
        .map(|(_, e)| e.event_id.as_str())
        .collect();
    let changes = fresh.iter().any(|e| {
        e.kind.starts_with("incident.")
            || e.kind == "detection.violation"
            || matches!(
                e.kind.as_str(),
                "control.pause" | "control.resume" | "control.revoke_token"
            )
            || e.outcome_status() == Some(crate::event::OutcomeStatus::Pending)
            || e.context
                .as_ref()
                .and_then(|c| c.parent_event_id.as_deref())
                .is_some_and(|p| open.contains(&p))
    });
    for r in rows.iter().filter(|r| r.seq > through) {
        let e = &r.event;
        if e.kind == "control.rollback"
            && e.is_trusted()
            && e.outcome_status() == Some(crate::event::OutcomeStatus::Success)
        {
            let target = e
                .action
                .as_ref()
                .and_then(|a| a.params.as_ref())
                .and_then(|p| p.get("target_event"))
                .and_then(|v| v.as_str());
            if let Some(t) = target {
                app.response
                    .situation
                    .rollbacks
                    .entry(t.to_string())
                    .or_insert(r.seq);
            }
        }
    }
    if changes {
        vec![Effect::LoadSituation]
    } else {
        vec![]
    }
}

/// Whether a new event may change incidents or control state.
pub fn is_response_kind(kind: &str) -> bool {
    kind.starts_with("incident.")
        || kind.starts_with("control.")
        || matches!(
            kind,
            "human.intervention" | "detection.violation" | "exercise.start" | "exercise.end"
        )
}

pub(super) fn seal(events: Vec<Event>, checkpoint: bool, what: String) -> Effect {
    Effect::Seal {
        events,
        checkpoint,
        what,
    }
}
