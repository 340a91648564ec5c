//! Closing an incident, decided purely. An incident with work left — checklist steps
//! neither done nor skipped, or (once detection reports it) its agent acting after it was
//! contained — closes only when the operator forces it with a justification; the close
//! event then carries `params.forced` (the justification and what was left), sealed
//! like the rest of it, so a reviewer sees the incident was closed over open work.

use super::roles::{Permission, Roles};
use super::Refused;
use crate::event::{Event, Timestamp};
use crate::incident::{record, Incident, IncidentState};
use crate::playbook::Playbook;

/// What is left when an incident closes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Unfinished {
    /// Checklist steps neither done nor skipped, in playbook order.
    pub steps: Vec<String>,
    /// The incident's agent acted after its pause or token revocation was sealed: a
    /// `detection.violation` folded into the incident (`Incident::breached_at`).
    pub agent_acted_after_containment: bool,
}

impl Unfinished {
    /// The steps of `playbook`'s checklist not settled for `incident`.
    pub fn of(incident: &Incident, playbook: Option<&Playbook>) -> Unfinished {
        let steps = playbook.map_or_else(Vec::new, |pb| {
            incident
                .checklist(pb)
                .steps
                .iter()
                .filter(|s| !s.status.is_settled())
                .map(|s| s.step.id.clone())
                .collect()
        });
        Unfinished {
            steps,
            agent_acted_after_containment: incident.breached_at.is_some(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.steps.is_empty() && !self.agent_acted_after_containment
    }

    /// `2 steps not done or skipped (`a`, `b`)`, and the breach when there is one.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if !self.steps.is_empty() {
            let ids: Vec<String> = self.steps.iter().map(|s| format!("`{s}`")).collect();
            let n = self.steps.len();
            let word = if n == 1 { "step" } else { "steps" };
            parts.push(format!(
                "{n} {word} not done or skipped ({})",
                ids.join(", ")
            ));
        }
        if self.agent_acted_after_containment {
            parts.push("its agent acted after containment".into());
        }
        parts.join("; ")
    }
}

/// What the operator gives to close.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Closing {
    pub summary: String,
    /// `--force` / the dialog's justification for closing over `Unfinished` work.
    pub force: Option<String>,
}

/// Closes the incident with its summary; over unfinished work only when forced with a
/// justification, which the event carries in `params.forced`.
pub fn close(
    roles: &Roles,
    operator: &str,
    incident: &Incident,
    closing: &Closing,
    unfinished: &Unfinished,
    event_id: String,
    now: Timestamp,
) -> Result<Event, Refused> {
    roles.check(operator, Permission::Close)?;
    if incident.state == IncidentState::Closed {
        return Err(Refused::Incident(format!(
            "incident {} is closed",
            incident.id
        )));
    }
    if closing.summary.trim().is_empty() {
        return Err(Refused::Incident(
            "closing needs a summary: what happened and what was done".into(),
        ));
    }
    let forced = match closing.force.as_deref().map(str::trim) {
        _ if unfinished.is_empty() => None,
        None => {
            return Err(Refused::Incident(format!(
                "{} has {}: close anyway with --force and a justification (it is sealed with the close)",
                incident.id,
                unfinished.describe()
            )))
        }
        Some("") => {
            return Err(Refused::Incident(format!(
                "closing {} over {} needs a justification",
                incident.id,
                unfinished.describe()
            )))
        }
        Some(why) => Some(serde_json::json!({
            "justification": why,
            "pending_steps": unfinished.steps,
            "agent_acted_after_containment": unfinished.agent_acted_after_containment,
        })),
    };
    let mut e = record::close(event_id, now, operator, incident, &closing.summary);
    if let (Some(forced), Some(params)) = (
        forced,
        e.action
            .as_mut()
            .and_then(|a| a.params.as_mut())
            .and_then(|p| p.as_object_mut()),
    ) {
        params.insert("forced".into(), forced);
    }
    Ok(e)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::respond::Role;

    fn incident() -> Incident {
        let open = crate::event::parse_line(
            br#"{"event_id":"i-1","time":"2026-11-23T11:00:00Z","kind":"incident.open","actor":{"type":"human","id":"ana"},"action":{"type":"incident.open","params":{"incident":"INC-1000","title":"loop"}},"justification":"loop"}"#,
        )
        .unwrap()
        .sealed_by_custody();
        let s = crate::respond::load::Situation::derive(vec![(1, open)]);
        s.incident("INC-1000").unwrap().clone()
    }

    fn roles() -> Roles {
        Roles {
            default: Role::Approver,
            by_operator: Default::default(),
        }
    }

    fn pending() -> Unfinished {
        Unfinished {
            steps: vec!["notify-owner".into(), "review".into()],
            agent_acted_after_containment: false,
        }
    }

    fn closing(force: Option<&str>) -> Closing {
        Closing {
            summary: "paused and rolled back".into(),
            force: force.map(str::to_string),
        }
    }

    fn close_it(force: Option<&str>, left: &Unfinished) -> Result<Event, Refused> {
        let now = "2026-11-23T12:00:00Z".parse().unwrap();
        let (i, c) = (incident(), closing(force));
        close(&roles(), "ana", &i, &c, left, "c-1".into(), now)
    }

    #[test]
    fn closing_with_steps_pending_is_refused_without_force_and_names_them() {
        let why = close_it(None, &pending()).unwrap_err().to_string();
        assert!(
            why.contains("2 steps not done or skipped (`notify-owner`, `review`)")
                && why.contains("--force"),
            "{why}"
        );
    }

    #[test]
    fn forcing_needs_a_justification() {
        let why = close_it(Some("  "), &pending()).unwrap_err().to_string();
        assert!(why.contains("needs a justification"), "{why}");
    }

    #[test]
    fn a_forced_close_carries_the_justification_and_what_was_left() {
        let e = close_it(Some("owner notified by phone"), &pending()).unwrap();
        let forced = &e.action.unwrap().params.unwrap()["forced"];
        assert_eq!(forced["justification"], "owner notified by phone");
        assert_eq!(forced["pending_steps"][1], "review");
    }

    #[test]
    fn an_agent_acting_after_containment_needs_force_too() {
        let breached = Unfinished {
            steps: vec![],
            agent_acted_after_containment: true,
        };
        let why = close_it(None, &breached).unwrap_err().to_string();
        assert!(why.contains("acted after containment"), "{why}");
    }

    #[test]
    fn nothing_left_closes_without_force() {
        let e = close_it(None, &Unfinished::default()).unwrap();
        assert!(e.action.unwrap().params.unwrap().get("forced").is_none());
    }
}
