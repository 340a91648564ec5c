//! The incident and playbook step a containment command runs under (`--incident`,
//! `--step`): found in the ledger, checked against the command (a `pause` runs only a
//! pause step) and against the checklist (prerequisites settled, not already running).

use super::act::Ask;
use super::response::{refuse, Stop};
use crate::exec::Action;
use crate::incident::{Incident, IncidentState};
use crate::playbook::{Playbook, PlaybookSet, Step};
use crate::respond::load::Situation;
use crate::respond::StepRun;

/// The incident and playbook step an action is run under, checked against the command.
pub(super) struct Context {
    pub incident: Option<Incident>,
    pub step: Option<(Playbook, Step)>,
}

impl Context {
    pub fn load(
        ask: &Ask,
        situation: &Situation,
        playbooks: &PlaybookSet,
    ) -> Result<Context, Stop> {
        let Some(id) = &ask.flags.incident else {
            return Ok(Context {
                incident: None,
                step: None,
            });
        };
        let Some(incident) = situation.incident(id).cloned() else {
            return refuse(format!(
                "there is no incident `{id}` in this ledger (see `custody incident list`)"
            ));
        };
        if incident.state == IncidentState::Closed {
            return refuse(format!("incident {id} is closed"));
        }
        let step = match &ask.flags.step {
            Some(step_id) => Some(step_of(&incident, playbooks, step_id, ask.action)?),
            None => None,
        };
        Ok(Context {
            incident: Some(incident),
            step,
        })
    }

    /// The step's prerequisites are settled and it is not already running.
    pub fn check_step(&self) -> Result<(), Stop> {
        if let (Some(inc), Some((pb, step))) = (&self.incident, &self.step) {
            inc.checklist(pb).may_start(&step.id)?;
        }
        Ok(())
    }

    pub fn step_run(&self) -> Option<StepRun<'_>> {
        let inc = self.incident.as_ref()?;
        let (_, step) = self.step.as_ref()?;
        Some(StepRun {
            incident: inc,
            second_person: step.second_person,
        })
    }
}

fn step_of(
    incident: &Incident,
    playbooks: &PlaybookSet,
    step_id: &str,
    action: Action,
) -> Result<(Playbook, Step), Stop> {
    let Some(pb_id) = &incident.playbook else {
        return refuse(format!(
            "incident {} has no playbook yet: pick one with `custody incident playbook {} NAME`",
            incident.id, incident.id
        ));
    };
    let Some(pb) = playbooks.get(pb_id) else {
        return refuse(format!(
            "incident {} follows playbook `{pb_id}`, which is not loaded here",
            incident.id
        ));
    };
    let Some(step) = pb.step(step_id) else {
        return Err(crate::playbook::Refusal::UnknownStep {
            step: step_id.into(),
        }
        .into());
    };
    if Action::for_step(step.kind) != Some(action) {
        return refuse(format!(
            "step `{step_id}` of {pb_id} is a {} step, not {action}: use {}",
            step.kind,
            step_command(step, &incident.id)
        ));
    }
    Ok((pb.clone(), step.clone()))
}

/// The command that carries out a step of this kind.
fn step_command(step: &Step, incident: &str) -> String {
    match Action::for_step(step.kind) {
        Some(a) => format!(
            "`custody {} AGENT --incident {incident} --step {}`",
            a.as_str().replace('_', "-"),
            step.id
        ),
        None => format!("`custody incident step {incident} {} --done NOTE`", step.id),
    }
}
