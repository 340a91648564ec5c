//! Incident work, decided purely: opening an incident, picking a playbook, changing a
//! checklist step, declaring a state, closing. Each function checks the operator's role
//! and the checklist rules, and returns the `incident.*` event to seal, or a refusal. The
//! caller seals it (`act::record`); the ledger is the only place state lives.

use super::roles::{Permission, Roles};
use super::Refused;
use crate::event::{Event, Timestamp};
use crate::incident::{record, DeclaredState, Incident, IncidentParams, IncidentState, Severity};
use crate::playbook::{Playbook, StepChange};

/// The next free `INC-N` id: one above the highest numbered incident, at least 1000.
pub fn next_incident_id(incidents: &[Incident]) -> String {
    let highest = incidents
        .iter()
        .filter_map(|i| i.id.strip_prefix("INC-")?.parse::<u64>().ok())
        .max()
        .unwrap_or(999);
    format!("INC-{}", highest + 1)
}

/// Everything `incident.open` needs besides the triggers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Opening {
    pub id: String,
    pub title: String,
    pub justification: String,
    pub severity: Option<Severity>,
    pub playbook: Option<String>,
}

/// A title for an incident opened from `e`: its agent, action and resource.
pub fn default_title(e: &Event) -> String {
    let agent = e.agent_id().unwrap_or("unknown agent");
    format!("{agent}: {}", e.what_on())
}

pub fn open(
    roles: &Roles,
    operator: &str,
    opening: Opening,
    triggers: &[&Event],
    event_id: String,
    now: Timestamp,
) -> Result<Event, Refused> {
    roles.check(operator, Permission::Respond)?;
    if triggers.is_empty() {
        return Err(Refused::Incident(
            "an incident opens from at least one event: select it, or give --event".into(),
        ));
    }
    if opening.justification.trim().is_empty() {
        return Err(Refused::NoJustification);
    }
    let mut params = IncidentParams::new(&opening.id);
    params.title = Some(opening.title.trim().to_string()).filter(|t| !t.is_empty());
    params.severity = opening.severity;
    params.commander = Some(operator.into());
    params.playbook = opening.playbook;
    Ok(record::open(
        event_id,
        now,
        operator,
        params,
        triggers,
        &opening.justification,
    ))
}

fn still_open(incident: &Incident) -> Result<(), Refused> {
    if incident.state == IncidentState::Closed {
        return Err(Refused::Incident(format!(
            "incident {} is closed",
            incident.id
        )));
    }
    Ok(())
}

/// Picks the playbook the checklist follows.
pub fn pick_playbook(
    roles: &Roles,
    operator: &str,
    incident: &Incident,
    playbook: &Playbook,
    event_id: String,
    now: Timestamp,
) -> Result<Event, Refused> {
    roles.check(operator, Permission::Respond)?;
    still_open(incident)?;
    let params = IncidentParams {
        playbook: Some(playbook.id.clone()),
        ..IncidentParams::new(&incident.id)
    };
    let note = format!("playbook {}: {}", playbook.id, playbook.title);
    Ok(record::update(
        event_id, now, operator, incident, params, &note,
    ))
}

/// A checklist change by hand: start, check off (with a note), skip or fail (with a
/// reason). Action steps are started by running them (`act::execute`); by hand they may
/// only be skipped, failed, or checked off once started (the second person's check).
#[allow(clippy::too_many_arguments)]
pub fn change_step(
    roles: &Roles,
    operator: &str,
    incident: &Incident,
    playbook: &Playbook,
    step: &str,
    change: StepChange,
    event_id: String,
    now: Timestamp,
) -> Result<Event, Refused> {
    roles.check(operator, Permission::Respond)?;
    still_open(incident)?;
    let list = incident.checklist(playbook);
    list.decide(step, &change, operator)?;
    if let Some(s) = list.step(step) {
        let by_hand_start = matches!(change, StepChange::Start | StepChange::Complete { .. })
            && crate::exec::Action::for_step(s.step.kind).is_some()
            && !matches!(s.status, crate::playbook::StepStatus::InProgress { .. });
        if by_hand_start {
            return Err(Refused::Incident(format!(
                "step `{step}` is a {} action: run it (it seals an intent, runs the executor and records the result), or skip it with a reason",
                s.step.kind
            )));
        }
    }
    let text = match &change {
        StepChange::Start => "started".to_string(),
        StepChange::Complete { note } => note.clone(),
        StepChange::Skip { reason } | StepChange::Fail { reason } => reason.clone(),
    };
    let params = IncidentParams::step(&incident.id, &playbook.id, step, &change);
    Ok(record::update(
        event_id, now, operator, incident, params, &text,
    ))
}

/// Declares the incident contained or resolved.
pub fn declare(
    roles: &Roles,
    operator: &str,
    incident: &Incident,
    state: DeclaredState,
    note: &str,
    event_id: String,
    now: Timestamp,
) -> Result<Event, Refused> {
    roles.check(operator, Permission::Respond)?;
    still_open(incident)?;
    if note.trim().is_empty() {
        return Err(Refused::NoJustification);
    }
    let params = IncidentParams {
        state: Some(state),
        ..IncidentParams::new(&incident.id)
    };
    Ok(record::update(
        event_id, now, operator, incident, params, note,
    ))
}
