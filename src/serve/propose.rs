//! `POST /v1/actions`: a proposal in, the policy's answer out, both sealed before the
//! agent hears it. A paused agent gets 423 naming the pause; everything the gate refuses
//! is on the record. `decide` is the transport-free core the demo's agents use too.

use super::auth;
use super::error::ApiError;
use super::state::Gate;
use super::status::{answer, Answer};
use crate::event::{Action, Event, PolicyDecision, Timestamp, TriggerType};
use crate::gate::{
    binding, decision_event, parse_body, policy_field, proposal_event, request_event, signature,
    DecisionKind, Request, RequestState,
};
use crate::policy::{Facts, Verdict as PolicyVerdict};
use crate::respond::{new_id, SealError};
use crate::store::gate::GateWrite;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use std::sync::Arc;
use std::time::Instant;

pub async fn propose(
    State(gate): State<Arc<Gate>>,
    headers: HeaderMap,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<Answer, ApiError> {
    let started = Instant::now();
    let caller = auth::agent(&gate, &headers).await?;
    let body = super::body_bytes(&gate, body, &caller.agent).await?;
    let parsed = match parse_body(&body) {
        Ok(b) => b,
        Err(e) => return Err(super::bad_body(&gate, e, &caller.agent).await),
    };
    let id = parsed.event_id.clone().unwrap_or_else(new_id);
    if let Some(existing) = gate.store.request(&id).await.map_err(ApiError::internal)? {
        // The same proposal again (a retry): its current answer, never a second decision.
        if existing.agent != caller.agent {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "id_taken",
                format!("event id {id} is already used"),
            ));
        }
        return answer(&gate, &existing).await;
    }
    let mut proposal = match proposal_event(&parsed, &caller.agent, id, Timestamp::now()) {
        Ok(e) => e,
        Err(e) => return Err(super::bad_body(&gate, e, &caller.agent).await),
    };
    if let Some(key) = gate.key_of(&caller.agent) {
        match signature::verify(&body, parsed.signature.as_deref(), &key) {
            Ok(evidence) => signature::record(&mut proposal, evidence),
            Err(e) => return Err(super::bad_signature(&gate, e, &caller.agent).await),
        }
    }
    let decided = decide(&gate, proposal, caller.created_ms)
        .await
        .map_err(|e| ApiError::internal(format!("the proposal could not be sealed: {e}")))?;
    gate.metrics.decision.observe(started.elapsed());
    if let Some(DecisionKind::Refused { why }) = &decided.kind {
        return Err(ApiError::new(StatusCode::LOCKED, "paused", why.clone())
            .with_event(decided.request.decision_id.clone()));
    }
    answer(&gate, &decided.request).await
}

/// A `[tools]` rule that names the action's type sets a floor under its tier: the policy
/// (and the sealed proposal) get the higher of the declared and the mapped tier, so an
/// agent cannot make `db.drop_table` a T0 by saying so. A type no rule names keeps the
/// declared tier; the map's default tier is for callers that declare none (spans, MCP).
pub fn apply_tool_map(proposal: &mut Event, map: &crate::toolmap::ToolMap) {
    let Some(kind) = proposal.action.as_ref().map(|a| a.kind.as_str()) else {
        return;
    };
    let mapped = map.lookup(kind);
    if mapped.is_mapped() {
        proposal.tier = Some(proposal.tier.map_or(mapped.tier, |t| t.max(mapped.tier)));
    }
}

/// What the gate decided about one proposal: the queue entry, and the final decision
/// (`None` while humans are asked).
#[derive(Debug, Clone)]
pub struct Decided {
    pub request: Request,
    pub kind: Option<DecisionKind>,
    pub proposal: Event,
}

/// Decides `proposal` (an `ai.proposal` by its agent, already checked) and seals it with
/// the decision or the approval request, in one group-committed transaction. A paused or
/// revoked agent (tokens made before `token_created_ms`) is refused before the policy is
/// asked.
pub async fn decide(
    gate: &Gate,
    mut proposal: Event,
    token_created_ms: i64,
) -> Result<Decided, SealError> {
    apply_tool_map(&mut proposal, &gate.tool_map());
    let agent = proposal.agent_id().unwrap_or_default().to_string();
    let now = proposal.time;
    let id = proposal.event_id.clone();
    let policy = gate.policy();
    let action = proposal.action.clone().unwrap_or_else(|| Action {
        kind: String::new(),
        target_system: None,
        resource: None,
        environment: None,
        params: None,
        before: None,
        after: None,
    });
    let bound = binding(&agent, &action, policy.version(), &id);
    let proposer = proposal
        .trigger
        .as_ref()
        .filter(|t| t.kind == TriggerType::UserInstruction)
        .and_then(|t| t.reference.clone());
    let mut request = Request {
        id: id.clone(),
        agent: agent.clone(),
        binding: bound.clone(),
        tier: proposal.tier,
        needs: 0,
        roles: vec![],
        proposer,
        on_behalf_of: proposal.actor.as_ref().and_then(|a| a.on_behalf_of.clone()),
        created_at: now,
        expires_at: now,
        state: RequestState::Pending,
        votes: vec![],
        policy_version: policy.version().to_string(),
        policy_ids: vec![],
        summary: proposal.what_on(),
        decision_id: None,
    };
    let kind = if let Some(b) = gate.blocked(&agent, token_created_ms) {
        proposal.policy = Some(policy_field(policy.version(), PolicyDecision::Deny, &[]));
        Some(DecisionKind::Refused {
            why: format!(
                "{agent} is {} ({}, event {})",
                b.state.as_str(),
                b.reason,
                b.event_id
            ),
        })
    } else {
        let facts = Facts::from_event(&proposal, &agent, gate.autonomy_of(&agent));
        let d = policy.decide(&facts);
        request.policy_ids = d.policy_ids.clone();
        let (decision, kind) = match d.verdict {
            PolicyVerdict::Allow => (PolicyDecision::Allow, Some(DecisionKind::AllowedByRule)),
            PolicyVerdict::Deny { message } => (
                PolicyDecision::Deny,
                Some(DecisionKind::DeniedByRule { message }),
            ),
            PolicyVerdict::Ask(req) => {
                request.needs = req.approvers.max(1);
                request.roles = req.roles.clone();
                let ms = i64::try_from(req.expiry.as_millis()).unwrap_or(i64::MAX / 4);
                request.expires_at =
                    Timestamp::from_millis(now.millis().saturating_add(ms)).unwrap_or(now);
                (PolicyDecision::Ask, None)
            }
        };
        proposal.policy = Some(policy_field(policy.version(), decision, &d.policy_ids));
        kind
    };
    let mut events = vec![proposal.clone()];
    let mut side = Vec::new();
    match &kind {
        None => {
            events.push(request_event(&proposal, &request, new_id(), now));
            side.push(GateWrite::InsertRequest {
                request: Box::new(request.clone()),
                decision_id: None,
            });
        }
        Some(k) => {
            let decision_id = new_id();
            events.push(decision_event(
                &proposal,
                k,
                &bound,
                decision_id.clone(),
                now,
            ));
            request.state = match k {
                DecisionKind::AllowedByRule => RequestState::Approved,
                DecisionKind::Refused { .. } => RequestState::Refused,
                _ => RequestState::Denied,
            };
            request.decision_id = Some(decision_id.clone());
            side.push(GateWrite::InsertRequest {
                request: Box::new(request.clone()),
                decision_id: Some(decision_id.clone()),
            });
            if k.allows() {
                side.push(GateWrite::InsertGrant {
                    grant_id: decision_id,
                    proposal_id: id.clone(),
                    agent: agent.clone(),
                    binding: bound.clone(),
                    at: now,
                });
            }
        }
    }
    let sealing = Instant::now();
    gate.sealer.seal(events, side).await?;
    gate.metrics.seal.observe(sealing.elapsed());
    gate.metrics.count(kind.as_ref());
    if kind.is_none() {
        gate.bump();
        super::notify_request(gate, &proposal, &request);
    }
    Ok(Decided {
        request,
        kind,
        proposal,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::event::Tier;
    use crate::toolmap::{ToolMap, ToolMapConfig, ToolRule};

    fn proposal(tier: &str, kind: &str) -> Event {
        let body = format!(r#"{{"tier":"{tier}","action":{{"type":"{kind}"}}}}"#);
        let body = crate::gate::parse_body(body.as_bytes()).unwrap();
        crate::gate::proposal_event(&body, "a", "p-1".into(), Timestamp::now()).unwrap()
    }

    #[test]
    fn a_mapped_tool_cannot_be_declared_below_its_tier_and_unmapped_ones_keep_theirs() {
        let rule = |pattern: &str, tier| ToolRule {
            pattern: pattern.into(),
            tier,
            reason_code: None,
            target_system: None,
            environment: None,
            reversibility: None,
        };
        let config = ToolMapConfig {
            default_tier: Some(Tier::T3),
            default_reason: None,
            map: vec![rule("db.drop*", Tier::T3), rule("clock.*", Tier::T0)],
        };
        let map = ToolMap::from_config(&config, &[]).unwrap();
        let tier_of = |declared, kind| {
            let mut p = proposal(declared, kind);
            apply_tool_map(&mut p, &map);
            p.tier.unwrap()
        };
        assert_eq!(tier_of("T0", "db.drop_table"), Tier::T3);
        // The map raises, never lowers.
        assert_eq!(tier_of("T2", "clock.now"), Tier::T2);
        assert_eq!(tier_of("T0", "clock.now"), Tier::T0);
        // The default tier is not a floor for types no rule names.
        assert_eq!(tier_of("T1", "k8s.scale"), Tier::T1);
    }
}
