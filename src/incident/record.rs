//! The `incident.*` events, both ways: builders the console and CLI use to write them
//! (pure: the caller supplies the event id and the time), and the reading `derive` does.
//! The shapes are documented in the parent module.

use super::{DeclaredState as State, Incident, IncidentState, IncidentStep, Severity};
use crate::event::{Action, Actor, ActorType, Agent, Context, Event, SealedBy, Timestamp};
use crate::playbook::{StepChange, StepRecord};
use serde::{Deserialize, Serialize};

/// `action.params` of an `incident.*` event. Unknown keys are ignored when reading, so
/// later versions can add some.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncidentParams {
    pub incident: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity: Option<Severity>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commander: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub triggers: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub playbook: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<StepWord>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<State>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub control_event: Option<String>,
}

/// A checklist change as written in `params.status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepWord {
    Started,
    Done,
    Skipped,
    Failed,
}

/// A state the commander declares in `params.state`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeclaredState {
    Contained,
    Resolved,
}

impl IncidentParams {
    pub fn new(incident: &str) -> Self {
        IncidentParams {
            incident: incident.into(),
            ..IncidentParams::default()
        }
    }

    /// Params recording a checklist change; its note or reason goes in the justification.
    pub fn step(incident: &str, playbook: &str, step: &str, change: &StepChange) -> Self {
        let status = match change {
            StepChange::Start => StepWord::Started,
            StepChange::Complete { .. } => StepWord::Done,
            StepChange::Skip { .. } => StepWord::Skipped,
            StepChange::Fail { .. } => StepWord::Failed,
        };
        IncidentParams {
            playbook: Some(playbook.into()),
            step: Some(step.into()),
            status: Some(status),
            ..IncidentParams::new(incident)
        }
    }
}

/// `incident.open`, from the events that triggered it (tier, reason code and agent come
/// from the highest-tier one; any exercise trigger makes it an exercise).
pub fn open(
    event_id: String,
    time: Timestamp,
    operator: &str,
    mut params: IncidentParams,
    triggers: &[&Event],
    justification: &str,
) -> Event {
    params.triggers = triggers.iter().map(|e| e.event_id.clone()).collect();
    let worst = triggers.iter().max_by_key(|e| e.tier);
    let mut e = base(
        "incident.open",
        event_id,
        time,
        operator,
        params,
        justification,
    );
    e.tier = worst.and_then(|w| w.tier);
    e.reason_code = worst.and_then(|w| w.reason_code.clone());
    e.agent = worst.and_then(|w| w.agent.clone());
    e.exercise = triggers.iter().any(|t| t.exercise);
    if let Some(ctx) = e.context.as_mut() {
        ctx.parent_event_id = triggers.first().map(|t| t.event_id.clone());
    }
    e
}

/// `incident.step`: a checklist change, a picked playbook, a declared state, a hand-over.
/// It carries the incident's id, tier, reason code, agent and exercise flag, so it sits
/// beside the incident in every filter and a drill's steps never pass for real ones.
pub fn update(
    event_id: String,
    time: Timestamp,
    operator: &str,
    incident: &Incident,
    mut params: IncidentParams,
    justification: &str,
) -> Event {
    params.incident = incident.id.clone();
    let e = base(
        "incident.step",
        event_id,
        time,
        operator,
        params,
        justification,
    );
    like(e, incident)
}

/// `incident.close`, with the closing summary as justification.
pub fn close(
    event_id: String,
    time: Timestamp,
    operator: &str,
    incident: &Incident,
    summary: &str,
) -> Event {
    let params = IncidentParams::new(&incident.id);
    let e = base("incident.close", event_id, time, operator, params, summary);
    like(e, incident)
}

fn like(mut e: Event, incident: &Incident) -> Event {
    e.tier = incident.tier;
    e.reason_code = incident.reason_code.clone();
    e.agent = incident.agent.as_ref().map(|id| Agent {
        id: id.clone(),
        name: None,
        version: None,
    });
    e.exercise = incident.exercise;
    e
}

fn base(
    kind: &str,
    event_id: String,
    time: Timestamp,
    operator: &str,
    params: IncidentParams,
    justification: &str,
) -> Event {
    let resource = format!("incident://{}", params.incident);
    let correlation_id = Some(params.incident.clone());
    Event {
        event_id,
        time,
        kind: kind.into(),
        trigger: None,
        actor: Some(Actor {
            kind: ActorType::Human,
            id: operator.into(),
            on_behalf_of: None,
            session: None,
            authn: None,
        }),
        agent: None,
        model: None,
        prompt: None,
        ai_output: None,
        action: Some(Action {
            kind: kind.into(),
            target_system: Some("custody".into()),
            resource: Some(resource),
            environment: None,
            params: serde_json::to_value(&params).ok(),
            before: None,
            after: None,
        }),
        reason_code: None,
        tier: None,
        risk_score: None,
        policy: None,
        approval: None,
        context: Some(Context {
            correlation_id,
            ..Context::default()
        }),
        outcome: None,
        reversibility: None,
        justification: Some(justification.into()),
        exercise: false,
        sealed_by: Some(SealedBy::Custody),
    }
}

/// The params of an `incident.*` event, read leniently: the id from `params.incident`,
/// else `action.resource` (`incident://ID`), else the correlation id; params that do not
/// parse count as empty rather than hiding the event.
pub(super) fn read(e: &Event) -> Option<IncidentParams> {
    let action = e.action.as_ref();
    let raw = action.and_then(|a| a.params.as_ref());
    let mut params = raw
        .and_then(|p| IncidentParams::deserialize(p).ok())
        .unwrap_or_default();
    if params.incident.is_empty() {
        params.incident = raw
            .as_ref()
            .and_then(|p| p.get("incident")?.as_str().map(str::to_string))
            .or_else(|| {
                let r = action?.resource.as_deref()?;
                r.strip_prefix("incident://").map(str::to_string)
            })
            .or_else(|| e.correlation_id().map(str::to_string))?;
    }
    Some(params)
}

/// A new incident from its opening event.
pub(super) fn opened(e: &Event, p: IncidentParams) -> Incident {
    let opener = e.actor.as_ref().map_or("unknown", |a| a.id.as_str());
    let mut links = vec![p.incident.clone()];
    if let Some(c) = e.correlation_id().filter(|c| *c != p.incident) {
        links.push(c.to_string());
    }
    Incident {
        title: p
            .title
            .clone()
            .unwrap_or_else(|| first_sentence(e.justification.as_deref().unwrap_or(""))),
        severity: p
            .severity
            .or(e.tier.map(Severity::from_tier))
            .unwrap_or(Severity::Sev3),
        commander: p.commander.clone().unwrap_or_else(|| opener.into()),
        opened_by: opener.into(),
        agent: e.agent_id().map(str::to_string),
        tier: e.tier,
        reason_code: e.reason_code.clone(),
        triggers: p.triggers.clone(),
        playbook: p.playbook.clone(),
        state: IncidentState::Open,
        started_at: e.time,
        opened_at: e.time,
        contained_at: None,
        resolved_at: None,
        closed_at: None,
        summary: None,
        exercise: e.exercise,
        steps: Vec::new(),
        events: Vec::new(),
        links,
        breached_at: None,
        breaches: 0,
        id: p.incident,
    }
}

/// What an `incident.step` changes: the checklist, the playbook, the state, the command.
pub(super) fn apply_step(incident: &mut Incident, e: &Event, p: IncidentParams) {
    if let Some(playbook) = &p.playbook {
        incident.playbook = Some(playbook.clone());
    }
    if let Some(commander) = p.commander {
        incident.commander = commander;
    }
    if let Some(severity) = p.severity {
        incident.severity = severity;
    }
    if let (Some(step), Some(word)) = (p.step, p.status) {
        let text = e.justification.clone().unwrap_or_default();
        let change = match word {
            StepWord::Started => StepChange::Start,
            StepWord::Done => StepChange::Complete { note: text },
            StepWord::Skipped => StepChange::Skip { reason: text },
            StepWord::Failed => StepChange::Fail { reason: text },
        };
        let by = e.actor.as_ref().map_or("unknown", |a| a.id.as_str());
        incident.steps.push(IncidentStep {
            playbook: p.playbook,
            record: StepRecord {
                step,
                change,
                by: by.into(),
                at: e.time,
            },
            event_id: e.event_id.clone(),
        });
    }
    match p.state {
        Some(State::Contained) => incident.reach(IncidentState::Contained, e.time),
        Some(State::Resolved) => incident.reach(IncidentState::Resolved, e.time),
        None => {}
    }
}

/// A title for events written without one: the justification up to its first full stop.
fn first_sentence(text: &str) -> String {
    let end = text.find(". ").map_or(text.len(), |i| i + 1);
    let sentence: String = text[..end].chars().take(80).collect();
    sentence.trim().to_string()
}
