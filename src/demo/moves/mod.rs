//! Moves: one thing an agent decides to do, with everything an audit record says about
//! it (what it saw, why, what it will change from what to what, how to undo it). Each
//! bot has a repertoire; `routine` picks one move for one bot. Stories in `story` turn
//! a move into the events of a trace.

mod access;
mod autoscaler;
mod cost;
mod data_sync;
mod database;
mod deploy;
mod refunds;
mod remediator;
mod security;
mod triage;

use super::agents::Bot;
use super::forge::Forge;
use crate::event::{Evidence, Reversibility, Tier, Trigger, TriggerType};
use serde_json::Value;

#[derive(Clone)]
pub(crate) struct Move {
    pub bot: Bot,
    pub kind: &'static str,
    pub system: &'static str,
    pub resource: String,
    pub environment: &'static str,
    pub params: Value,
    pub before: Option<Value>,
    pub after: Option<Value>,
    pub summary: String,
    pub reasoning: String,
    pub confidence: f64,
    pub evidence: Vec<Evidence>,
    pub reason: &'static str,
    pub tier: Tier,
    pub trigger: Trigger,
    pub on_behalf_of: Option<String>,
    pub reversibility: Reversibility,
    /// What the target system says on success, and its response body (null: none).
    pub detail: String,
    pub response: Value,
    /// What the target system says when it refuses.
    pub failure: String,
    /// The threshold rule that may approve it without a human.
    pub rule_id: &'static str,
}

impl Move {
    pub(crate) fn new(
        bot: Bot,
        kind: &'static str,
        system: &'static str,
        environment: &'static str,
        resource: String,
    ) -> Self {
        Move {
            bot,
            kind,
            system,
            resource,
            environment,
            params: Value::Null,
            before: None,
            after: None,
            summary: String::new(),
            reasoning: String::new(),
            confidence: 0.9,
            evidence: Vec::new(),
            reason: "incident_remediation",
            tier: Tier::T1,
            trigger: Trigger {
                kind: TriggerType::Autonomous,
                reference: None,
            },
            on_behalf_of: None,
            reversibility: super::text::no_effect(),
            detail: "ok".into(),
            response: Value::Null,
            failure: format!("{system} returned 503 Service Unavailable"),
            rule_id: "t1-autonomous-within-bounds",
        }
    }

    pub(crate) fn triggered(mut self, kind: TriggerType, reference: impl Into<String>) -> Self {
        self.trigger = Trigger {
            kind,
            reference: Some(reference.into()),
        };
        self
    }

    /// The same move aimed at a bigger blast radius: production is customer-facing.
    pub(crate) fn tier_by_env(mut self, outside_prod: Tier, in_prod: Tier) -> Self {
        self.tier = if self.environment == "prod" {
            in_prod
        } else {
            outside_prod
        };
        self
    }
}

/// One ordinary move for `bot`.
pub(crate) fn routine(f: &mut Forge, bot: Bot) -> Move {
    match bot {
        Bot::Autoscaler => autoscaler::autoscaler(f),
        Bot::Remediator => remediator::remediator(f),
        Bot::DbMaintainer => database::db_maintainer(f),
        Bot::Triage => triage::triage_bot(f),
        Bot::Deployer => deploy::deploy_bot(f),
        Bot::CostOptimizer => cost::cost_optimizer(f),
        Bot::AccessReviewer => access::access_reviewer(f),
        Bot::DataSync => data_sync::data_sync(f),
        Bot::RefundAssistant => refunds::refund_assistant(f),
        Bot::SecScanner => security::sec_scanner(f),
    }
}

pub(crate) use cost::UNREGISTERED_REASON;
pub(crate) use remediator::restart_move;
