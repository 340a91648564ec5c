//! `POST /v1/actions/{id}/outcome`: what the agent reports after acting, and the
//! `ai.action` it is sealed as, pointing back to its proposal and carrying the
//! approval that let it run.

use super::proposal::BodyError;
use crate::event::{
    check_own, Action, Approval, Context, Event, Outcome, OutcomeStatus, Timestamp,
};
use serde::Deserialize;
use serde_json::{json, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutcomeStatusBody {
    Success,
    Failure,
    Error,
}

/// What the agent reports. `params` (and the target fields, when given) must be what was
/// approved: they are hashed against the grant's binding.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutcomeBody {
    /// The grant from the allow decision; used once.
    pub grant: String,
    pub status: OutcomeStatusBody,
    #[serde(default)]
    pub params: Option<Value>,
    #[serde(default)]
    pub detail: Option<String>,
    #[serde(default)]
    pub result_excerpt: Option<String>,
    #[serde(default)]
    pub result_sha256: Option<String>,
    #[serde(default)]
    pub after: Option<Value>,
    #[serde(default)]
    pub error: Option<String>,
}

impl OutcomeBody {
    /// The proposal's action with what the agent says it executed.
    pub fn executed(&self, proposed: &Action) -> Action {
        Action {
            params: self.params.clone().or_else(|| proposed.params.clone()),
            after: self.after.clone(),
            ..proposed.clone()
        }
    }
}

/// The `ai.action` for an outcome of `proposal`, allowed by `decision` (the grant).
pub fn outcome_event(
    proposal: &Event,
    decision: &Event,
    body: &OutcomeBody,
    event_id: String,
    time: Timestamp,
) -> Result<Event, BodyError> {
    if let Some(h) = &body.result_sha256 {
        if h.len() != 64 || !h.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(BodyError::new("result_sha256", "must be 64 hex digits"));
        }
    }
    let mut e = proposal.clone();
    e.event_id = event_id;
    e.time = time;
    e.kind = super::ACTION.into();
    e.action = proposal.action.as_ref().map(|a| body.executed(a));
    e.approval = decision.approval.clone().or(Some(Approval {
        mode: crate::event::ApprovalMode::None,
        approver: None,
        role: None,
        at: None,
        rule_id: None,
        justification: None,
    }));
    let ctx = e.context.get_or_insert_with(Context::default);
    ctx.parent_event_id = Some(proposal.event_id.clone());
    if ctx.correlation_id.is_none() {
        ctx.correlation_id = Some(proposal.event_id.clone());
    }
    e.outcome = Some(Outcome {
        status: match body.status {
            OutcomeStatusBody::Success => OutcomeStatus::Success,
            OutcomeStatusBody::Failure => OutcomeStatus::Failure,
            OutcomeStatusBody::Error => OutcomeStatus::Error,
        },
        detail: body.detail.clone().or_else(|| body.error.clone()),
        response: Some(json!({
            "grant": body.grant,
            "result_excerpt": body.result_excerpt,
            "result_sha256": body.result_sha256,
            "error": body.error,
        })),
    });
    check_own(&e)
        .map_err(|err| BodyError::new(err.field.unwrap_or_else(|| "body".into()), err.reason))?;
    Ok(e)
}
