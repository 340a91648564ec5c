//! The events the gate seals besides the proposal itself: the approval request, each
//! vote, the decision (with its grant), and refusals. Pure builders: ids and times are
//! passed in.

use super::approval::{Ballot, Request, Tally, Voter};
use crate::event::{
    Actor, ActorType, Agent, Approval, ApprovalMode, Context, Event, Outcome, OutcomeStatus,
    Policy, PolicyDecision, Timestamp,
};
use serde_json::{json, Value};

/// The gate's own actor on the events it decides by rule.
pub const GATE_ACTOR: &str = "custody.gate";

fn base(kind: &str, event_id: String, time: Timestamp, proposal: &Event) -> Event {
    let mut e = Event::custody(
        kind,
        event_id,
        time,
        Actor::new(ActorType::Service, GATE_ACTOR),
    );
    e.agent = proposal.agent.clone();
    e.action = proposal.action.clone();
    e.reason_code = proposal.reason_code.clone();
    e.tier = proposal.tier;
    e.policy = proposal.policy.clone();
    e.context = Some(Context {
        environment: proposal.environment().map(str::to_string),
        correlation_id: Some(
            proposal
                .correlation_id()
                .unwrap_or(&proposal.event_id)
                .to_string(),
        ),
        parent_event_id: Some(proposal.event_id.clone()),
        ..Context::default()
    });
    e.exercise = proposal.exercise;
    e
}

/// `approval.request`: the proposal waits for `request.needs` humans until its expiry.
pub fn request_event(
    proposal: &Event,
    request: &Request,
    event_id: String,
    time: Timestamp,
) -> Event {
    let mut e = base(super::REQUEST, event_id, time, proposal);
    e.outcome = Some(Outcome {
        status: OutcomeStatus::Pending,
        detail: Some(format!(
            "waiting for {} distinct approver(s) ({}) until {}",
            request.needs,
            request.allowed(),
            request.expires_at.to_rfc3339()
        )),
        response: Some(json!({
            "request_id": request.id,
            "needs": request.needs,
            "roles": request.roles,
            "expires_at": request.expires_at.to_rfc3339(),
            "binding": request.binding,
        })),
    });
    e
}

fn human(voter: &Voter) -> Actor {
    Actor {
        authn: Some(voter.authn.clone()),
        ..Actor::new(ActorType::Human, voter.name.clone())
    }
}

/// `approval.vote`: one human's counted vote, with role, justification and how their
/// identity was established.
pub fn vote_event(
    proposal: &Event,
    request: &Request,
    voter: &Voter,
    ballot: &Ballot,
    tally: Tally,
    event_id: String,
    time: Timestamp,
) -> Event {
    let mut e = base(super::VOTE, event_id, time, proposal);
    e.actor = Some(human(voter));
    e.approval = Some(Approval {
        mode: ApprovalMode::Human,
        approver: Some(voter.name.clone()),
        role: Some(voter.role.as_str().into()),
        at: Some(time),
        rule_id: None,
        justification: Some(ballot.justification.clone()),
    });
    e.justification = Some(ballot.justification.clone());
    let approvals = match tally {
        Tally::Counted { approvals, .. } => approvals,
        Tally::Approved => request.approvals().saturating_add(1),
        Tally::Denied => request.approvals(),
    };
    e.outcome = Some(Outcome {
        status: OutcomeStatus::Success,
        detail: Some(format!(
            "{} {} request {} ({approvals} of {} approvals){}",
            voter.name,
            match ballot.verdict {
                super::Verdict::Approve => "approved",
                super::Verdict::Deny => "denied",
            },
            request.id,
            request.needs,
            if ballot.break_glass {
                ", BREAK-GLASS"
            } else {
                ""
            }
        )),
        response: Some(json!({
            "request_id": request.id,
            "verdict": ballot.verdict.as_str(),
            "approvals": approvals,
            "needs": request.needs,
            "break_glass": ballot.break_glass,
        })),
    });
    e
}

/// How a proposal was finally decided.
#[derive(Debug, Clone, PartialEq)]
pub enum DecisionKind {
    /// The policy allowed it without asking.
    AllowedByRule,
    /// The policy denied it.
    DeniedByRule { message: String },
    /// Enough humans approved (the last vote's voter and ballot).
    Approved {
        approvers: Vec<String>,
        break_glass: bool,
    },
    /// A human denied it.
    Denied { by: String, justification: String },
    /// Nobody decided before the expiry.
    Expired,
    /// The agent was paused or revoked while it waited.
    Refused { why: String },
}

impl DecisionKind {
    pub fn verdict(&self) -> &'static str {
        match self {
            DecisionKind::AllowedByRule | DecisionKind::Approved { .. } => "allow",
            DecisionKind::DeniedByRule { .. } | DecisionKind::Denied { .. } => "deny",
            DecisionKind::Expired => "expired",
            DecisionKind::Refused { .. } => "refused",
        }
    }

    pub fn allows(&self) -> bool {
        self.verdict() == "allow"
    }
}

/// `approval.decision`: the final answer to a proposal. When it allows, its event id is
/// the single-use grant the agent reports its outcome against.
pub fn decision_event(
    proposal: &Event,
    decided: &DecisionKind,
    binding: &str,
    event_id: String,
    time: Timestamp,
) -> Event {
    let mut e = base(super::DECISION, event_id.clone(), time, proposal);
    let (mode, approver, justification) = match decided {
        DecisionKind::Approved { approvers, .. } => {
            (ApprovalMode::Human, Some(approvers.join(",")), None)
        }
        DecisionKind::Denied { by, justification } => (
            ApprovalMode::Human,
            Some(by.clone()),
            Some(justification.clone()),
        ),
        _ => (ApprovalMode::Rule, None, None),
    };
    let rule_id = proposal
        .policy
        .as_ref()
        .and_then(|p| p.rule.clone().or_else(|| p.id.clone()));
    e.approval = Some(Approval {
        mode,
        approver,
        role: None,
        at: Some(time),
        rule_id,
        justification,
    });
    let detail = match decided {
        DecisionKind::AllowedByRule => "allowed by policy".to_string(),
        DecisionKind::DeniedByRule { message } => format!("denied by policy: {message}"),
        DecisionKind::Approved {
            approvers,
            break_glass,
        } => format!(
            "approved by {}{}",
            approvers.join(" and "),
            if *break_glass { " (BREAK-GLASS)" } else { "" }
        ),
        DecisionKind::Denied { by, .. } => format!("denied by {by}"),
        DecisionKind::Expired => "expired: nobody decided in time".into(),
        DecisionKind::Refused { why } => format!("refused: {why}"),
    };
    let mut response = json!({
        "verdict": decided.verdict(),
        "binding": binding,
    });
    if decided.allows() {
        response["grant"] = Value::String(event_id);
    }
    if let DecisionKind::Approved {
        break_glass: true, ..
    } = decided
    {
        response["break_glass"] = Value::Bool(true);
    }
    e.outcome = Some(Outcome {
        status: if decided.allows() {
            OutcomeStatus::Success
        } else {
            OutcomeStatus::Failure
        },
        detail: Some(detail),
        response: Some(response),
    });
    e
}

/// The policy's answer as the proposal records it.
pub fn policy_field(version: &str, decision: PolicyDecision, ids: &[String]) -> Policy {
    Policy {
        id: ids.first().cloned(),
        version: Some(version.into()),
        decision,
        rule: (!ids.is_empty()).then(|| ids.join(",")),
    }
}

/// Something the gate refused outside a vote count: a paused agent, a revoked or
/// unknown token, a reused grant, a changed outcome, a vote that does not count.
#[derive(Debug, Clone, PartialEq)]
pub struct Refusal {
    /// A short machine word: `paused`, `token_revoked`, `unknown_token`, `grant_reused`, …
    pub code: String,
    pub message: String,
    /// Who was refused: the agent (from its token) or the human.
    pub actor: Option<(ActorType, String)>,
    pub agent: Option<String>,
    /// The proposal or request concerned.
    pub about: Option<String>,
}

/// `gate.refusal` (or `gate.violation` when `violation`): every refusal is on the record.
pub fn refusal_event(
    refusal: &Refusal,
    violation: bool,
    event_id: String,
    time: Timestamp,
) -> Event {
    let kind = if violation {
        super::VIOLATION
    } else {
        super::REFUSAL
    };
    let actor = match &refusal.actor {
        Some((kind, id)) => Actor::new(*kind, id.clone()),
        None => Actor::new(ActorType::Service, GATE_ACTOR),
    };
    let mut e = Event::custody(kind, event_id, time, actor);
    e.agent = refusal.agent.clone().map(Agent::new);
    e.reason_code = Some(
        if violation {
            "policy_violation"
        } else {
            "security_risk"
        }
        .into(),
    );
    e.context = refusal.about.as_ref().map(|id| Context {
        parent_event_id: Some(id.clone()),
        correlation_id: Some(id.clone()),
        ..Context::default()
    });
    e.outcome = Some(Outcome {
        status: OutcomeStatus::Failure,
        detail: Some(refusal.message.clone()),
        response: Some(json!({ "code": refusal.code })),
    });
    e
}
