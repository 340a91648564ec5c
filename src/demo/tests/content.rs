//! What the events say: validity, coverage of tiers and reason codes, traces,
//! approvals, completeness, size and the cast of agents.

use super::*;
use crate::demo::{agents, history, UNREGISTERED_REASON};
use crate::event::{missing_fields, parse_line, ApprovalMode, Tier, DEFAULT_REASON_CODES};
use std::collections::BTreeSet;

#[test]
fn every_generated_event_passes_validation() {
    let rejects: Vec<String> = history(&spec(11, 4_000))
        .chain(live_minute(11))
        .filter_map(|e| {
            parse_line(&bytes(&e))
                .err()
                .map(|err| format!("{}: {err}", e.kind))
        })
        .collect();
    assert!(rejects.is_empty(), "{rejects:?}");
}

#[test]
fn twenty_thousand_events_cover_every_tier() {
    let tiers: BTreeSet<Tier> = week().iter().filter_map(|e| e.tier).collect();
    assert_eq!(tiers.into_iter().collect::<Vec<_>>(), Tier::ALL.to_vec());
}

#[test]
fn twenty_thousand_events_cover_every_default_reason_code() {
    let seen: BTreeSet<&str> = week()
        .iter()
        .filter_map(|e| e.reason_code.as_deref())
        .collect();
    let missing: Vec<&&str> = DEFAULT_REASON_CODES
        .iter()
        .filter(|c| !seen.contains(**c))
        .collect();
    assert!(missing.is_empty(), "missing {missing:?}");
}

#[test]
fn an_unregistered_reason_code_appears_but_rarely() {
    let n = week()
        .iter()
        .filter(|e| e.reason_code.as_deref() == Some(UNREGISTERED_REASON))
        .count();
    assert!(
        (1..100).contains(&n),
        "{n} events with {UNREGISTERED_REASON}"
    );
}

#[test]
fn a_few_actions_are_incomplete() {
    let actions: Vec<&Event> = week().iter().filter(|e| e.kind == "ai.action").collect();
    let incomplete = actions
        .iter()
        .filter(|e| !missing_fields(e).is_empty())
        .count();
    let share = incomplete as f64 / actions.len() as f64;
    assert!(
        (0.01..=0.05).contains(&share),
        "{incomplete} of {} incomplete",
        actions.len()
    );
}

#[test]
fn autonomous_low_tier_actions_record_approval_none_explicitly() {
    let explicit_none = week().iter().any(|e| {
        e.kind == "ai.action"
            && matches!(e.tier, Some(Tier::T0 | Tier::T1))
            && e.approval
                .as_ref()
                .is_some_and(|a| a.mode == ApprovalMode::None)
    });
    assert!(explicit_none);
}

#[test]
fn approvals_come_from_people_with_roles_and_from_threshold_rules() {
    let decisions: Vec<_> = week()
        .iter()
        .filter(|e| e.kind == "approval.decision")
        .filter_map(|e| e.approval.as_ref())
        .collect();
    let human = decisions
        .iter()
        .any(|a| a.mode == ApprovalMode::Human && a.role.is_some());
    let rule = decisions
        .iter()
        .any(|a| a.mode == ApprovalMode::Rule && a.rule_id.is_some());
    assert!(human && rule);
}

#[test]
fn gated_traces_run_proposal_request_decision_action_under_one_correlation_id() {
    let gated = [
        "ai.proposal",
        "approval.request",
        "approval.decision",
        "ai.action",
    ];
    let action = week()
        .iter()
        .find(|e| {
            e.kind == "ai.action"
                && e.tier == Some(Tier::T3)
                && !e.correlation_id().unwrap().starts_with("cor-inc")
        })
        .unwrap();
    let kinds: Vec<&str> = week()
        .iter()
        .filter(|e| {
            e.correlation_id() == action.correlation_id() && gated.contains(&e.kind.as_str())
        })
        .map(|e| e.kind.as_str())
        .collect();
    assert_eq!(kinds[..4], gated);
}

#[test]
fn a_typical_action_is_one_to_two_kilobytes() {
    let mut sizes: Vec<usize> = week()
        .iter()
        .filter(|e| e.kind == "ai.action")
        .map(|e| bytes(e).len())
        .collect();
    sizes.sort_unstable();
    let median = sizes[sizes.len() / 2];
    assert!(
        (1_000..=2_000).contains(&median),
        "median ai.action is {median} bytes"
    );
}

#[test]
fn there_are_at_least_eight_agents_on_different_models() {
    let models: BTreeSet<(&str, &str)> = agents()
        .iter()
        .map(|a| (a.model_name, a.model_version))
        .collect();
    assert!(
        agents().len() >= 8 && models.len() >= 8,
        "{} agents, {} models",
        agents().len(),
        models.len()
    );
}

#[test]
fn every_agent_acts_in_the_history() {
    let acting: BTreeSet<&str> = week()
        .iter()
        .filter(|e| e.kind == "ai.action")
        .filter_map(|e| e.agent_id())
        .collect();
    let idle: Vec<&str> = agents()
        .iter()
        .map(|a| a.id)
        .filter(|id| !acting.contains(id))
        .collect();
    assert!(idle.is_empty(), "idle: {idle:?}");
}
