//! Pending requests for the Approvals tests: a T3 proposal with parameters, risk and
//! reversibility, waiting for two approvers, built as the gate would.
#![allow(clippy::unwrap_used)]

use super::Pending;
use crate::event::{parse_line, Tier, Timestamp};
use crate::gate::{Request, RequestState};

/// A proposal by `agent` whose params carry `param`.
pub fn proposal(id: &str, agent: &str, param: &str) -> crate::event::Event {
    let v = serde_json::json!({
        "event_id": id, "time": "2026-11-23T11:58:00Z", "kind": "ai.proposal", "tier": "T3",
        "agent": {"id": agent}, "risk_score": 0.91,
        "action": {"type": "db.drop", "target_system": "pg-main", "resource": "orders",
                   "environment": "prod", "params": {"table": "orders", "note": param}},
        "reversibility": {"class": "none"},
        "ai_output": {"summary": "drop the old orders table"},
        "actor": {"type": "agent", "id": agent, "on_behalf_of": "lee"}
    });
    parse_line(v.to_string().as_bytes()).unwrap()
}

/// A pending T3 request created `age_ms` before `now`, expiring `left_ms` after it.
pub fn pending(id: &str, agent: &str, now: Timestamp, age_ms: i64, left_ms: i64) -> Pending {
    let at = |ms: i64| Timestamp::from_millis(now.millis() + ms).unwrap();
    Pending {
        request: Request {
            id: id.into(),
            agent: agent.into(),
            binding: "b".repeat(64),
            tier: Some(Tier::T3),
            needs: 2,
            roles: vec![],
            proposer: None,
            on_behalf_of: Some("lee".into()),
            created_at: at(-age_ms),
            expires_at: at(left_ms),
            state: RequestState::Pending,
            votes: vec![],
            policy_version: "v7".into(),
            policy_ids: vec!["t3-two-approvers".into()],
            summary: "db.drop on orders".into(),
            decision_id: None,
        },
        proposal: Some(proposal(id, agent, "keep the audit rows")),
    }
}
