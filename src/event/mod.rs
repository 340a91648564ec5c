//! The event (`custody.event/v1`): what a producer sends, typed. It owns the field
//! shapes, the blast-radius tiers, the reason-code registry and the completeness check
//! of the Execute Action Audit Standard. It never touches storage or a terminal.

mod authn;
mod completeness;
mod reason;
mod tier;
mod time;
mod trust;
mod validate;

pub use authn::{Authn, Method as AuthnMethod};
pub use completeness::{missing_fields, AuditField};
pub use reason::{is_registered_reason, DEFAULT_REASON_CODES};
pub use tier::{Tier, TierRange};
pub use time::{TimeError, Timestamp};
pub use trust::{check_producer_event, is_custody_kind, SealedBy, CUSTODY_KINDS};
pub use validate::{check_own, parse_line, LineError, MAX_EVENT_BYTES};

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The schema name every record carries implicitly; exported in the JSON Schema.
pub const SCHEMA: &str = "custody.event/v1";

/// One event as the producer supplied it (validated). Store-assigned fields (`seq`,
/// `recorded_at`, `origin`, `prev_hash`, `hash`) are not part of it; see `ledger::seal`.
/// `sealed_by` is the one exception: custody sets it on the events it seals itself
/// (see `trust`), and a producer that sends it is refused.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Event {
    pub event_id: String,
    pub time: Timestamp,
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trigger: Option<Trigger>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor: Option<Actor>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent: Option<Agent>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<Model>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prompt: Option<Prompt>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ai_output: Option<AiOutput>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<Action>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tier: Option<Tier>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub risk_score: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<Policy>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approval: Option<Approval>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<Context>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<Outcome>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reversibility: Option<Reversibility>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub justification: Option<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub exercise: bool,
    /// Set only by custody's own sealing paths; never taken from input.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sealed_by: Option<SealedBy>,
}

/// What initiated the action.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Trigger {
    #[serde(rename = "type")]
    pub kind: TriggerType,
    #[serde(default, rename = "ref", skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TriggerType {
    Autonomous,
    UserInstruction,
    Scheduled,
    Event,
}

/// Who did it; `on_behalf_of` makes delegation explicit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Actor {
    #[serde(rename = "type")]
    pub kind: ActorType,
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_behalf_of: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session: Option<String>,
    /// How custody established a human's identity; set only by custody (see `trust`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authn: Option<Authn>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActorType {
    Agent,
    Human,
    Service,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Agent {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
}

/// The exact model version and decoding settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Model {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub params: Option<Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Prompt {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
}

/// What the AI decided before execution, and what it saw.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AiOutput {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reasoning: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confidence: Option<f64>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<Evidence>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Evidence {
    pub kind: String,
    #[serde(rename = "ref")]
    pub reference: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
}

/// Exactly what was executed; `before`/`after` hold the original and new values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Action {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_system: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub params: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    pub decision: PolicyDecision,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PolicyDecision {
    Allow,
    Ask,
    Deny,
}

/// Who or what approved. `none` is recorded explicitly, never implied.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Approval {
    pub mode: ApprovalMode,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approver: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub justification: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApprovalMode {
    Human,
    Rule,
    None,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Context {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub correlation_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trace_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub span_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_event_id: Option<String>,
}

/// What the target system confirmed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Outcome {
    pub status: OutcomeStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response: Option<Value>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutcomeStatus {
    Pending,
    Success,
    Failure,
    Error,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reversibility {
    pub class: ReversibilityClass,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub undo_window_s: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rollback: Option<RollbackRef>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReversibilityClass {
    Full,
    Partial,
    None,
}

impl ReversibilityClass {
    pub fn as_str(self) -> &'static str {
        match self {
            ReversibilityClass::Full => "full",
            ReversibilityClass::Partial => "partial",
            ReversibilityClass::None => "none",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RollbackRef {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default, rename = "ref", skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
}

impl Agent {
    /// An agent named by its id alone.
    pub fn new(id: impl Into<String>) -> Agent {
        Agent {
            id: id.into(),
            name: None,
            version: None,
        }
    }
}

impl Actor {
    /// An actor with only a kind and an id.
    pub fn new(kind: ActorType, id: impl Into<String>) -> Actor {
        Actor {
            kind,
            id: id.into(),
            on_behalf_of: None,
            session: None,
            authn: None,
        }
    }
}

impl Event {
    /// An event custody seals itself (`sealed_by: custody`), by `actor`, with every
    /// optional field empty for the caller to fill.
    pub fn custody(kind: &str, event_id: String, time: Timestamp, actor: Actor) -> Event {
        Event {
            event_id,
            time,
            kind: kind.into(),
            trigger: None,
            actor: Some(actor),
            agent: None,
            model: None,
            prompt: None,
            ai_output: None,
            action: None,
            reason_code: None,
            tier: None,
            risk_score: None,
            policy: None,
            approval: None,
            context: None,
            outcome: None,
            reversibility: None,
            justification: None,
            exercise: false,
            sealed_by: Some(SealedBy::Custody),
        }
    }

    pub fn agent_id(&self) -> Option<&str> {
        self.agent.as_ref().map(|a| a.id.as_str())
    }

    /// `k8s.scale on deploy/web`: what was done and to what (the kind when no action).
    pub fn what_on(&self) -> String {
        let a = self.action.as_ref();
        let what = a.map_or(self.kind.as_str(), |a| a.kind.as_str());
        match a.and_then(|a| a.resource.as_deref()) {
            Some(r) => format!("{what} on {r}"),
            None => what.to_string(),
        }
    }

    pub fn correlation_id(&self) -> Option<&str> {
        self.context.as_ref()?.correlation_id.as_deref()
    }

    /// The environment the action touched: the action's own, else the context's.
    pub fn environment(&self) -> Option<&str> {
        self.action
            .as_ref()
            .and_then(|a| a.environment.as_deref())
            .or_else(|| self.context.as_ref()?.environment.as_deref())
    }

    pub fn outcome_status(&self) -> Option<OutcomeStatus> {
        self.outcome.as_ref().map(|o| o.status)
    }
}

impl OutcomeStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            OutcomeStatus::Pending => "pending",
            OutcomeStatus::Success => "success",
            OutcomeStatus::Failure => "failure",
            OutcomeStatus::Error => "error",
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod schema_tests {
    /// The JSON Schema in assets/ describes exactly the fields the types accept.
    #[test]
    fn the_shipped_schema_lists_every_top_level_field() {
        let text = include_str!("../../assets/custody.event.v1.schema.json");
        let schema: serde_json::Value = serde_json::from_str(text).unwrap();
        let mut in_schema: Vec<&str> = schema["properties"]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        in_schema.sort();
        let mut in_types = vec![
            "event_id",
            "time",
            "kind",
            "trigger",
            "actor",
            "agent",
            "model",
            "prompt",
            "ai_output",
            "action",
            "reason_code",
            "tier",
            "risk_score",
            "policy",
            "approval",
            "context",
            "outcome",
            "reversibility",
            "justification",
            "exercise",
            // Listed so the schema can forbid it: only custody sets it (see `trust`).
            "sealed_by",
        ];
        in_types.sort();
        assert_eq!(in_schema, in_types);
        // Each listed field really is accepted by the types (deny_unknown_fields would reject it otherwise).
        let line = r#"{"event_id":"x","time":"2026-01-01T00:00:00Z","kind":"ai.action","exercise":true,"risk_score":0.5}"#;
        assert!(super::parse_line(line.as_bytes()).is_ok());
    }
}
