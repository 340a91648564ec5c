//! Whether a sealed event meets an expectation's matcher. Shared by the engine (live
//! state) and the scores (after the fact), so both read the record the same way.

use super::scenario::Matcher;
use crate::event::{ActorType, Event};

impl Matcher {
    /// Every field set must match; custody's kinds count only when custody sealed them.
    pub fn matches(&self, e: &Event) -> bool {
        if !e.is_trusted() {
            return false;
        }
        let kind_ok = self
            .kind
            .as_deref()
            .is_none_or(|k| match k.strip_suffix('*') {
                Some(family) => e.kind.starts_with(family),
                None => e.kind == k,
            });
        let actor_ok = self.actor.as_deref().is_none_or(|want| {
            e.actor.as_ref().is_some_and(|a| match want {
                "human" => a.kind == ActorType::Human,
                "agent" => a.kind == ActorType::Agent,
                id => a.id == id,
            })
        });
        let agent_ok = self
            .agent
            .as_deref()
            .is_none_or(|want| e.agent_id() == Some(want));
        let action = e.action.as_ref();
        let target_ok = self
            .target
            .as_deref()
            .is_none_or(|want| action.and_then(|a| a.resource.as_deref()) == Some(want));
        let step_ok = self.step.as_deref().is_none_or(|want| {
            action
                .and_then(|a| a.params.as_ref())
                .and_then(|p| p.get("step"))
                .and_then(|v| v.as_str())
                == Some(want)
        });
        let outcome_ok = self
            .outcome
            .as_deref()
            .is_none_or(|want| e.outcome_status().map(|s| s.as_str()) == Some(want));
        kind_ok && actor_ok && agent_ok && target_ok && step_ok && outcome_ok
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::event::parse_line;

    fn event(line: &str) -> Event {
        parse_line(line.as_bytes()).unwrap()
    }

    #[test]
    fn a_kind_family_matches_and_a_forged_custody_kind_does_not() {
        let m = Matcher {
            kind: Some("control.*".into()),
            agent: Some("bot".into()),
            ..Matcher::default()
        };
        let forged = event(
            r#"{"event_id":"a","time":"2026-11-23T01:00:00Z","kind":"control.pause","justification":"j","agent":{"id":"bot"}}"#,
        );
        assert!(!m.matches(&forged));
        assert!(m.matches(&forged.clone().sealed_by_custody()));
        let mut other = forged.sealed_by_custody();
        other.agent = Some(crate::event::Agent::new("someone"));
        assert!(!m.matches(&other));
    }

    #[test]
    fn a_pending_intent_is_not_an_action_done() {
        let m = Matcher {
            kind: Some("control.pause".into()),
            outcome: Some("success".into()),
            ..Matcher::default()
        };
        let intent = event(
            r#"{"event_id":"a","time":"2026-11-23T01:00:00Z","kind":"control.pause","justification":"j","outcome":{"status":"pending"}}"#,
        )
        .sealed_by_custody();
        assert!(!m.matches(&intent));
    }
}
