//! The `control.*` events a containment action writes, both halves of the write-ahead
//! pair, and the fold that finds intents left without a result.
//!
//! - The **intent** (`outcome.status = pending`) is sealed before anything runs. It names
//!   the operator, reason code, justification, incident and playbook step, the executor,
//!   and in `action.params.run` the exact argv or request (with `{env:NAME}` references
//!   left unresolved, so secrets never reach the ledger).
//! - The **result** is sealed after, with the same kind, agent and correlation id and
//!   `context.parent_event_id` = the intent's id. `outcome.status` is `success`,
//!   `failure` (it ran and the target said no, or verify failed) or `error` (it could not
//!   run, or timed out); `outcome.response` holds the exit code or HTTP status, the
//!   duration, the SHA-256 of the full output and a bounded excerpt.
//!
//! Only the result changes an agent's control state (`incident::agent_states` ignores
//! pending events), so a crash between the two leaves the agent as it was and an intent
//! that `unresolved_intents` reports.

use super::plan::Plan;
use crate::event::{
    Action, Actor, ActorType, Agent, Context, Event, Outcome, OutcomeStatus, Reversibility,
    SealedBy, Timestamp,
};
use crate::exec::run::{RunReport, RunStatus};
use serde_json::{json, Map, Value};
use std::collections::HashSet;

/// The control kinds a containment action writes.
pub const CONTROL_KINDS: [&str; 5] = [
    "control.pause",
    "control.resume",
    "control.revoke_token",
    "control.rollback",
    "control.notify",
];

/// The intent for `plan`, sealed before its executor runs.
pub fn intent(plan: &Plan, event_id: String, time: Timestamp, session: Option<&str>) -> Event {
    let r = &plan.request;
    let target = r.target.as_ref();
    let mut params = Map::new();
    params.insert("executor".into(), json!(plan.executor_name));
    params.insert("executor_type".into(), json!(plan.executor_type()));
    params.insert("run".into(), plan.prepared.to_json());
    params.insert("timeout_s".into(), json!(plan.invocation.timeout_s));
    if let Some(i) = &r.incident {
        params.insert("incident".into(), json!(i));
    }
    if let Some((playbook, step)) = &r.step {
        params.insert("playbook".into(), json!(playbook));
        params.insert("step".into(), json!(step));
    }
    if let Some(t) = target {
        params.insert("target_event".into(), json!(t.event_id));
    }
    if let Some(v) = &plan.vars.token_ref {
        params.insert("token_ref".into(), json!(v));
    }
    let resource = match r.action {
        crate::exec::Action::Rollback => target
            .and_then(|t| t.action.as_ref())
            .and_then(|a| a.resource.clone()),
        _ => None,
    }
    .unwrap_or_else(|| format!("agent://{}", r.agent));
    let correlation_id = r
        .incident
        .clone()
        .or_else(|| target.and_then(|t| t.correlation_id()).map(str::to_string))
        .unwrap_or_else(|| event_id.clone());
    Event {
        event_id,
        time,
        kind: format!("control.{}", r.action.as_str()),
        trigger: None,
        actor: Some(Actor {
            kind: ActorType::Human,
            id: r.operator.clone(),
            on_behalf_of: None,
            session: session.map(str::to_string),
            authn: None,
        }),
        agent: Some(Agent {
            id: r.agent.clone(),
            name: None,
            version: None,
        }),
        model: None,
        prompt: None,
        ai_output: None,
        action: Some(Action {
            kind: format!("agent.{}", r.action.as_str()),
            target_system: Some(plan.executor_type().to_string()),
            resource: Some(resource),
            environment: target.and_then(|t| t.environment()).map(str::to_string),
            params: Some(Value::Object(params)),
            before: None,
            after: None,
        }),
        reason_code: Some(r.reason_code.clone()),
        tier: r.tier,
        risk_score: None,
        policy: None,
        approval: None,
        context: Some(Context {
            correlation_id: Some(correlation_id),
            parent_event_id: target.map(|t| t.event_id.clone()),
            ..Context::default()
        }),
        outcome: Some(Outcome {
            status: OutcomeStatus::Pending,
            detail: Some(format!("about to run: {}", plan.executor_name)),
            response: None,
        }),
        reversibility: Some(Reversibility {
            class: plan.reversibility,
            undo_window_s: None,
            rollback: None,
        }),
        justification: Some(r.justification.clone()),
        exercise: r.exercise,
        sealed_by: Some(SealedBy::Custody),
    }
}

/// The result of `intent`, sealed after the executor (and its verify check) finished.
pub fn result(
    intent: &Event,
    report: &RunReport,
    verify: Option<&RunReport>,
    event_id: String,
    time: Timestamp,
) -> Event {
    let mut e = intent.clone();
    e.event_id = event_id;
    e.time = time;
    let status = match report.status {
        RunStatus::Success => OutcomeStatus::Success,
        RunStatus::Failure => OutcomeStatus::Failure,
        RunStatus::Error | RunStatus::Timeout => OutcomeStatus::Error,
    };
    let mut response = report_json(report);
    if let (Some(v), Value::Object(o)) = (verify, &mut response) {
        o.insert("verify".into(), report_json(v));
    }
    e.outcome = Some(Outcome {
        status,
        detail: Some(report.detail.clone()),
        response: Some(response),
    });
    if let Some(ctx) = e.context.as_mut() {
        ctx.parent_event_id = Some(intent.event_id.clone());
    }
    e
}

fn report_json(r: &RunReport) -> Value {
    let mut o = Map::new();
    o.insert("status".into(), json!(r.status.as_str()));
    if let Some(c) = r.exit_code {
        o.insert("exit_code".into(), json!(c));
    }
    if let Some(s) = r.http_status {
        o.insert("http_status".into(), json!(s));
    }
    o.insert("duration_ms".into(), json!(r.duration_ms));
    o.insert("output_sha256".into(), json!(r.output_sha256));
    o.insert("output_bytes".into(), json!(r.output_bytes));
    o.insert("excerpt".into(), json!(r.excerpt));
    Value::Object(o)
}

/// Intents no result points to, in ledger order: a crash or a lost store between the
/// two halves. Pass `control.*` events in ledger order.
pub fn unresolved_intents<'a>(events: impl IntoIterator<Item = &'a Event>) -> Vec<&'a Event> {
    let events: Vec<&Event> = events
        .into_iter()
        .filter(|e| e.kind.starts_with("control."))
        .collect();
    let answered: HashSet<&str> = events
        .iter()
        .filter(|e| e.outcome_status() != Some(OutcomeStatus::Pending))
        .filter_map(|e| e.context.as_ref()?.parent_event_id.as_deref())
        .collect();
    events
        .into_iter()
        .filter(|e| e.outcome_status() == Some(OutcomeStatus::Pending))
        .filter(|e| !answered.contains(e.event_id.as_str()))
        .collect()
}

/// `console.session`: a console opened (`state = "open"`) or closed by an operator.
/// `session` is the console's id, also written as `actor.session` on what it seals.
pub fn session(
    operator: &str,
    session: &str,
    state: &str,
    read_only: bool,
    event_id: String,
    time: Timestamp,
) -> Event {
    Event {
        event_id,
        time,
        kind: "console.session".into(),
        trigger: None,
        actor: Some(Actor {
            kind: ActorType::Human,
            id: operator.into(),
            on_behalf_of: None,
            session: Some(session.into()),
            authn: None,
        }),
        agent: None,
        model: None,
        prompt: None,
        ai_output: None,
        action: Some(Action {
            kind: format!("console.{state}"),
            target_system: Some("custody".into()),
            resource: Some(format!("console://{session}")),
            environment: None,
            params: Some(json!({ "state": state, "read_only": read_only })),
            before: None,
            after: None,
        }),
        reason_code: None,
        tier: Some(crate::event::Tier::T0),
        risk_score: None,
        policy: None,
        approval: None,
        context: Some(Context {
            correlation_id: Some(session.into()),
            ..Context::default()
        }),
        outcome: None,
        reversibility: None,
        justification: None,
        exercise: false,
        sealed_by: Some(SealedBy::Custody),
    }
}
