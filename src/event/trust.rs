//! Trust: which events only custody itself may seal, and the mark that says it did.
//!
//! Control, incident, session and decision events change what custody derives (an
//! agent's control state, an incident's life), so a producer must never be able to
//! write one. Ingest (and the gate) refuse these kinds; custody's own sealing paths
//! (the CLI's and console's responses, the demo's own history) set `sealed_by` on what
//! they seal. The mark is inside the hashed record, so it cannot be added afterwards
//! without breaking the chain, and producers may not send it. Derivations trust a record
//! of these kinds only when it carries the mark; one without it (an older store, or a
//! forged line ingested before this check existed) is ignored and shown as forged-looking.

use super::{Event, LineError};
use serde::{Deserialize, Serialize};

/// Kinds only custody seals: an exact kind, or a family written `family.*`.
pub const CUSTODY_KINDS: &[&str] = &[
    "control.*",
    "incident.*",
    "console.session",
    "approval.*",
    "gate.*",
    "policy.load",
    "detection.*",
    "redaction",
    "retention.*",
    "review.*",
    "exercise.*",
    "credential.*",
    "agent.*",
    "webhook.*",
];

/// Who sealed a record of a custody kind. Only custody's own sealing paths set it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SealedBy {
    Custody,
}

/// Whether `kind` is one only custody may seal.
pub fn is_custody_kind(kind: &str) -> bool {
    CUSTODY_KINDS.iter().any(|k| match k.strip_suffix('*') {
        Some(family) => kind.starts_with(family),
        None => kind == *k,
    })
}

/// Refuses what a producer may not send: a kind only custody seals, or the seal mark.
pub fn check_producer_event(e: &Event) -> Result<(), LineError> {
    if e.sealed_by.is_some() {
        return Err(LineError::field(
            "sealed_by",
            "is assigned by custody when it seals its own events; producers must not send it",
        ));
    }
    if e.actor.as_ref().is_some_and(|a| a.authn.is_some()) {
        return Err(LineError::field(
            "actor.authn",
            "is how custody established an operator's identity, asserted only by custody; producers must not send it",
        ));
    }
    if is_custody_kind(&e.kind) {
        return Err(LineError::field(
            "kind",
            format!(
                "`{}` events are sealed only by custody itself (its CLI and console); producers may not send them",
                e.kind
            ),
        ));
    }
    Ok(())
}

impl Event {
    /// Marks an event custody is about to seal as its own.
    pub fn sealed_by_custody(mut self) -> Event {
        self.sealed_by = Some(SealedBy::Custody);
        self
    }

    /// Whether derivations may believe this record: any producer kind, and custody's
    /// kinds only when custody sealed them.
    pub fn is_trusted(&self) -> bool {
        !self.is_forged_looking()
    }

    /// A record of a kind only custody seals that custody did not mark as its own.
    pub fn is_forged_looking(&self) -> bool {
        self.sealed_by.is_none() && is_custody_kind(&self.kind)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::event::parse_line;

    fn line(kind: &str, extra: &str) -> Event {
        let text = format!(
            r#"{{"event_id":"x","time":"2026-11-23T01:00:00Z","kind":"{kind}","justification":"j"{extra}}}"#
        );
        parse_line(text.as_bytes()).unwrap()
    }

    #[test]
    fn every_family_and_exact_kind_of_custody_is_recognised() {
        for kind in [
            "control.pause",
            "control.resume",
            "incident.close",
            "console.session",
            "approval.decision",
            "approval.request",
            "approval.vote",
            "gate.refusal",
            "policy.load",
            "detection.fired",
            "redaction",
            "retention.run",
            "review.note",
            "exercise.inject",
            "webhook.attempt",
        ] {
            assert!(is_custody_kind(kind), "{kind}");
        }
        for kind in [
            "ai.action",
            "ai.proposal",
            "human.intervention",
            "approvals",
            "controls",
            "redactions",
            "console.sessions",
        ] {
            assert!(!is_custody_kind(kind), "{kind}");
        }
    }

    #[test]
    fn a_producer_sending_a_custody_kind_is_refused_on_the_kind_field() {
        let err = check_producer_event(&line("control.resume", "")).unwrap_err();
        assert_eq!(err.field.as_deref(), Some("kind"));
        assert!(err.reason.contains("sealed only by custody"), "{err}");
    }

    #[test]
    fn a_producer_sending_the_seal_mark_is_refused_on_that_field() {
        let err =
            check_producer_event(&line("ai.action", r#","sealed_by":"custody""#)).unwrap_err();
        assert_eq!(err.field.as_deref(), Some("sealed_by"));
    }

    #[test]
    fn a_producer_asserting_how_a_human_was_authenticated_is_refused_on_that_field() {
        let e = line(
            "human.intervention",
            r#","actor":{"type":"human","id":"ana","authn":{"method":"os_user","os_user":"ana"}}"#,
        );
        let err = check_producer_event(&e).unwrap_err();
        assert_eq!(err.field.as_deref(), Some("actor.authn"));
    }

    #[test]
    fn credential_and_agent_registry_events_are_custody_kinds() {
        for kind in ["credential.issue", "credential.revoke", "agent.registry"] {
            assert!(is_custody_kind(kind), "{kind}");
        }
    }

    #[test]
    fn producer_kinds_pass_and_are_trusted() {
        let e = line("human.intervention", "");
        assert!(check_producer_event(&e).is_ok());
        assert!(e.is_trusted());
    }

    #[test]
    fn a_custody_kind_without_the_mark_looks_forged_and_with_it_is_trusted() {
        let e = line("incident.close", "");
        assert!(e.is_forged_looking());
        assert!(e.sealed_by_custody().is_trusted());
    }
}
