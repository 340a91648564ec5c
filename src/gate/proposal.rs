//! `POST /v1/actions`: the body an agent proposes, checked field by field, and the
//! `ai.proposal` event it becomes. The agent's id never comes from the body: it is the
//! token's, passed in by the caller.

use crate::event::{
    check_own, Action, Actor, ActorType, Agent, AiOutput, Context, Event, Model, Prompt,
    Reversibility, ReversibilityClass, RollbackRef, SealedBy, Tier, Timestamp, Trigger,
};
use serde::Deserialize;
use serde_json::Value;

/// Bodies above this are refused with 413 before they are parsed.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// What is wrong with a body, naming the field (`action.type`), for a 400.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct BodyError {
    pub field: String,
    pub message: String,
}

impl BodyError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> BodyError {
        BodyError {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// A proposal as the agent sends it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProposalBody {
    /// The agent's own id for the proposal (idempotency); custody makes one if absent.
    #[serde(default)]
    pub event_id: Option<String>,
    pub tier: Tier,
    pub action: ActionBody,
    #[serde(default)]
    pub reason_code: Option<String>,
    #[serde(default)]
    pub ai_output: Option<AiOutput>,
    #[serde(default)]
    pub model: Option<Model>,
    #[serde(default)]
    pub prompt: Option<Prompt>,
    #[serde(default)]
    pub trigger: Option<Trigger>,
    /// The human the agent acts for; that human may not approve the request.
    #[serde(default)]
    pub on_behalf_of: Option<String>,
    #[serde(default)]
    pub risk_score: Option<f64>,
    #[serde(default)]
    pub correlation_id: Option<String>,
    #[serde(default)]
    pub trace_id: Option<String>,
    #[serde(default)]
    pub span_id: Option<String>,
    /// Base64 Ed25519 signature over the RFC 8785 bytes of the body without this field,
    /// by the key registered for the agent.
    #[serde(default)]
    pub signature: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActionBody {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub target_system: Option<String>,
    #[serde(default)]
    pub resource: Option<String>,
    #[serde(default)]
    pub environment: Option<String>,
    #[serde(default)]
    pub params: Option<Value>,
    #[serde(default)]
    pub before: Option<Value>,
    #[serde(default)]
    pub reversibility: Option<ReversibilityClass>,
    #[serde(default)]
    pub undo_window_s: Option<u64>,
    #[serde(default)]
    pub rollback_ref: Option<RollbackRef>,
}

/// Parses a proposal body, naming the first bad field.
pub fn parse_body(bytes: &[u8]) -> Result<ProposalBody, BodyError> {
    let body: ProposalBody = parse_json(bytes)?;
    if body.action.kind.trim().is_empty() {
        return Err(BodyError::new("action.type", "must not be empty"));
    }
    if let Some(r) = body.risk_score {
        if !(0.0..=1.0).contains(&r) {
            return Err(BodyError::new("risk_score", "must be between 0.0 and 1.0"));
        }
    }
    Ok(body)
}

/// Any JSON body, with serde's complaint turned into the field it is about.
pub fn parse_json<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, BodyError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let field = if path == "." { "body".into() } else { path };
        BodyError::new(field, e.into_inner().to_string())
    })
}

/// The `ai.proposal` event for `body`, by `agent` (from its token). It passes the
/// same checks as an ingested line, so a hostile string is refused by field here too.
pub fn proposal_event(
    body: &ProposalBody,
    agent: &str,
    event_id: String,
    time: Timestamp,
) -> Result<Event, BodyError> {
    let a = &body.action;
    let event = Event {
        event_id,
        time,
        kind: super::PROPOSAL.into(),
        trigger: body.trigger.clone(),
        actor: Some(Actor {
            kind: ActorType::Agent,
            id: agent.into(),
            on_behalf_of: body.on_behalf_of.clone(),
            session: None,
            authn: None,
        }),
        agent: Some(Agent {
            id: agent.into(),
            name: None,
            version: None,
        }),
        model: body.model.clone(),
        prompt: body.prompt.clone(),
        ai_output: body.ai_output.clone(),
        action: Some(Action {
            kind: a.kind.clone(),
            target_system: a.target_system.clone(),
            resource: a.resource.clone(),
            environment: a.environment.clone(),
            params: a.params.clone(),
            before: a.before.clone(),
            after: None,
        }),
        reason_code: body.reason_code.clone(),
        tier: Some(body.tier),
        risk_score: body.risk_score,
        policy: None,
        approval: None,
        context: Some(Context {
            environment: a.environment.clone(),
            correlation_id: body.correlation_id.clone(),
            trace_id: body.trace_id.clone(),
            span_id: body.span_id.clone(),
            ..Context::default()
        }),
        outcome: None,
        reversibility: a.reversibility.map(|class| Reversibility {
            class,
            undo_window_s: a.undo_window_s,
            rollback: a.rollback_ref.clone(),
        }),
        justification: None,
        exercise: false,
        sealed_by: Some(SealedBy::Custody),
    };
    check_own(&event).map_err(|e| {
        BodyError::new(
            e.field.clone().unwrap_or_else(|| "body".into()),
            e.reason.clone(),
        )
    })?;
    Ok(event)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    const GOOD: &str = r#"{"tier":"T3","reason_code":"data_export",
        "action":{"type":"s3.copy","target_system":"aws","resource":"s3://prod","environment":"production",
                  "params":{"destination":"s3://partner"},"reversibility":"none"},
        "on_behalf_of":"lee","correlation_id":"c-1"}"#;

    #[test]
    fn a_good_body_becomes_a_proposal_by_the_tokens_agent() {
        let body = parse_body(GOOD.as_bytes()).unwrap();
        let e = proposal_event(&body, "exporter", "p-1".into(), Timestamp::now()).unwrap();
        assert_eq!(e.kind, "ai.proposal");
        assert_eq!(e.agent_id(), Some("exporter"));
        assert_eq!(
            e.actor.as_ref().unwrap().on_behalf_of.as_deref(),
            Some("lee")
        );
        assert_eq!(e.correlation_id(), Some("c-1"));
        assert_eq!(e.sealed_by, Some(SealedBy::Custody));
    }

    #[test]
    fn an_agent_field_in_the_body_is_refused_by_name() {
        let body = GOOD.replacen('{', r#"{"agent":{"id":"someone-else"},"#, 1);
        let err = parse_body(body.as_bytes()).unwrap_err();
        assert!(err.message.contains("unknown field `agent`"), "{err}");
    }

    #[test]
    fn a_wrong_type_names_the_nested_field() {
        let body = GOOD.replace(r#""type":"s3.copy""#, r#""type":7"#);
        assert_eq!(
            parse_body(body.as_bytes()).unwrap_err().field,
            "action.type"
        );
        let err = parse_body(br#"{"tier":"T9","action":{"type":"x"}}"#).unwrap_err();
        assert_eq!(err.field, "tier");
        let err = parse_body(b"not json").unwrap_err();
        assert_eq!(err.field, "body");
    }

    #[test]
    fn a_hostile_string_is_refused_naming_its_field() {
        let body = GOOD.replace("data_export", "\\u001b[2J");
        let body = parse_body(body.as_bytes()).unwrap();
        let err = proposal_event(&body, "exporter", "p-1".into(), Timestamp::now()).unwrap_err();
        assert_eq!(err.field, "reason_code", "{err}");
    }
}
