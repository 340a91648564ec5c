//! The events an exercise writes, all flagged `exercise` (a hashed field, so the flag
//! cannot be removed later):
//!
//! | kind | by | `action.params` |
//! |---|---|---|
//! | `exercise.start` | the facilitator | `run`, `scenario` (id), `version`, `scenario_sha256`, `scenario_text`, `speed`, `agents`, `live_store` |
//! | `exercise.inject` | the facilitator | `run`, `inject`, `offset_s`, `synopsis`, `expected_response`, `delivery`, `audience`, `malicious`, `contingency_for`, `env` |
//! | `exercise.note` | the facilitator | `run`, `note` (also the justification) |
//! | `exercise.validate` | the facilitator | `run`, `expectation`, `verdict` (`met` / `missed`) |
//! | `exercise.control` | the facilitator | `run`, `control` (`abort`) |
//! | `exercise.end` | the facilitator | `run`, `reason` |
//!
//! `exercise.*` kinds are custody's own (sealed with `sealed_by: custody`); the scripted
//! agents' actions are ordinary `ai.action` events, as a producer would send them.
//! Every event of a run carries `context.correlation_id` = the run id (agent actions:
//! `RUN:AGENT`). Builders take the id and time, so this stays pure.

use super::scenario::{EventTemplate, Inject, ScriptedAgent};
use crate::event::{
    Action, Actor, ActorType, Agent, AiOutput, Approval, ApprovalMode, Context, Event, Model,
    Outcome, OutcomeStatus, Reversibility, ReversibilityClass, RollbackRef, Timestamp, Trigger,
    TriggerType,
};
use serde_json::{json, Value};

/// A facilitator's event of the run.
fn facilitator(
    kind: &str,
    run: &str,
    operator: &str,
    params: Value,
    id: String,
    time: Timestamp,
) -> Event {
    let mut e = Event::custody(kind, id, time, Actor::new(ActorType::Human, operator));
    e.action = Some(Action {
        kind: kind.into(),
        target_system: Some("custody".into()),
        resource: Some(format!("exercise://{run}")),
        environment: Some("exercise".into()),
        params: Some(params),
        before: None,
        after: None,
    });
    e.reason_code = Some("exercise".into());
    e.tier = Some(crate::event::Tier::T0);
    e.context = Some(Context {
        correlation_id: Some(run.into()),
        ..Context::default()
    });
    e.exercise = true;
    e
}

/// What `exercise.start` records about the run.
pub struct Start<'a> {
    pub run: &'a str,
    pub scenario_id: &'a str,
    pub version: &'a str,
    pub text: &'a str,
    pub sha256: &'a str,
    pub speed: u32,
    pub agents: Vec<String>,
    /// The justification given with `--into-live-store`.
    pub live_store: Option<&'a str>,
}

pub fn start(s: &Start<'_>, operator: &str, id: String, time: Timestamp) -> Event {
    let params = json!({
        "run": s.run, "scenario": s.scenario_id, "version": s.version,
        "scenario_sha256": s.sha256, "scenario_text": s.text, "speed": s.speed,
        "agents": s.agents, "live_store": s.live_store.is_some(),
    });
    let mut e = facilitator("exercise.start", s.run, operator, params, id, time);
    e.justification = Some(match s.live_store {
        Some(why) => format!("game day {} in a live store: {why}", s.scenario_id),
        None => format!("game day {} in a sandbox store", s.scenario_id),
    });
    e
}

pub fn inject(
    run: &str,
    operator: &str,
    i: &Inject,
    offset_s: u64,
    contingency_for: Option<&str>,
    id: String,
    time: Timestamp,
) -> Event {
    let params = json!({
        "run": run, "inject": i.id, "offset_s": offset_s, "synopsis": i.synopsis,
        "expected_response": i.expected_response, "delivery": i.delivery.as_str(),
        "audience": i.audience, "malicious": i.malicious, "contingency_for": contingency_for,
        "env": i.env.as_ref().map(|e| e.describe()),
    });
    let mut e = facilitator("exercise.inject", run, operator, params, id, time);
    e.justification = Some(format!("inject {}: {}", i.id, i.synopsis));
    e
}

pub fn note(run: &str, operator: &str, text: &str, id: String, time: Timestamp) -> Event {
    let mut e = facilitator(
        "exercise.note",
        run,
        operator,
        json!({"run": run, "note": text}),
        id,
        time,
    );
    e.justification = Some(text.into());
    e
}

pub fn validate(
    run: &str,
    operator: &str,
    expectation: &str,
    met: bool,
    why: &str,
    id: String,
    time: Timestamp,
) -> Event {
    let verdict = if met { "met" } else { "missed" };
    let params = json!({"run": run, "expectation": expectation, "verdict": verdict});
    let mut e = facilitator("exercise.validate", run, operator, params, id, time);
    e.justification = Some(why.into());
    e
}

pub fn control(
    run: &str,
    operator: &str,
    control: &str,
    why: &str,
    id: String,
    time: Timestamp,
) -> Event {
    let params = json!({"run": run, "control": control});
    let mut e = facilitator("exercise.control", run, operator, params, id, time);
    e.justification = Some(why.into());
    e
}

pub fn end(run: &str, operator: &str, reason: &str, id: String, time: Timestamp) -> Event {
    let mut e = facilitator(
        "exercise.end",
        run,
        operator,
        json!({"run": run, "reason": reason}),
        id,
        time,
    );
    e.justification = Some(format!("exercise ended: {reason}"));
    e
}

/// How a scripted action differs from the template this time.
#[derive(Debug, Clone, Default)]
pub struct Twist {
    /// The agent's token is used from elsewhere.
    pub leaked: bool,
    /// The explanation is malformed.
    pub corrupt: bool,
}

/// One scripted agent's `n`-th action (1-based), escalated once `n` passes the
/// escalation's count.
pub fn agent_action(
    run: &str,
    a: &ScriptedAgent,
    n: u32,
    twist: &Twist,
    id: String,
    time: Timestamp,
) -> Event {
    let mut t = a.action.clone();
    if let Some(esc) = a.escalation.as_ref().filter(|e| n > e.after) {
        t.tier = Some(esc.tier);
        if let Some(kind) = &esc.action_type {
            t.action_type = kind.clone();
        }
    }
    let mut e = from_template(run, &t, n, id, time);
    if let Some(name) = &a.name {
        if let Some(agent) = e.agent.as_mut() {
            agent.name = Some(name.clone());
        }
    }
    if twist.leaked {
        if let Some(actor) = e.actor.as_mut() {
            actor.session = Some("unrecognised-client".into());
        }
        if let Some(ctx) = e.context.as_mut() {
            ctx.environment = Some("unknown-network".into());
        }
    }
    if twist.corrupt {
        e.ai_output = Some(AiOutput {
            summary: None,
            reasoning: Some("\u{1b}[2J}}{{ \"because\": [unterminated".into()),
            confidence: None,
            evidence: vec![],
        });
    }
    e
}

/// An event from a template; `{n}` in its texts becomes `n`.
pub fn from_template(run: &str, t: &EventTemplate, n: u32, id: String, time: Timestamp) -> Event {
    let fill = |s: &Option<String>| s.as_ref().map(|s| s.replace("{n}", &n.to_string()));
    let agent = t.agent.clone().unwrap_or_else(|| "scenario".into());
    let mut params = serde_json::Map::new();
    params.insert("run".into(), json!(run));
    params.insert("n".into(), json!(n));
    if let Some(d) = &t.destination {
        params.insert("destination".into(), json!(d));
    }
    let mut e = Event::custody(
        &t.kind,
        id.clone(),
        time,
        Actor::new(ActorType::Agent, agent.clone()),
    );
    e.sealed_by = None; // a producer's event, as the agent would send it
    e.trigger = Some(Trigger {
        kind: TriggerType::Autonomous,
        reference: None,
    });
    e.agent = Some(Agent::new(agent.clone()));
    e.model = Some(Model {
        provider: Some("scripted".into()),
        name: "gameday-script".into(),
        version: None,
        params: None,
    });
    e.ai_output = Some(AiOutput {
        summary: fill(&t.summary),
        reasoning: fill(&t.reasoning),
        confidence: Some(0.9),
        evidence: vec![],
    });
    e.action = Some(Action {
        kind: t.action_type.clone(),
        target_system: t.target_system.clone(),
        resource: fill(&t.resource),
        environment: t.environment.clone(),
        params: Some(Value::Object(params)),
        before: None,
        after: None,
    });
    e.reason_code = t.reason_code.clone();
    e.tier = t.tier;
    e.approval = Some(Approval {
        mode: ApprovalMode::None,
        approver: None,
        role: None,
        at: None,
        rule_id: None,
        justification: None,
    });
    e.context = Some(Context {
        correlation_id: Some(format!("{run}:{agent}")),
        environment: t.environment.clone(),
        ..Context::default()
    });
    e.outcome = Some(Outcome {
        status: OutcomeStatus::Success,
        detail: None,
        response: None,
    });
    e.reversibility = Some(Reversibility {
        class: if t.reversible {
            ReversibilityClass::Full
        } else {
            ReversibilityClass::None
        },
        undo_window_s: None,
        rollback: t.reversible.then(|| RollbackRef {
            kind: "revert".into(),
            reference: Some(format!("undo:{id}")),
        }),
    });
    e.exercise = true;
    e
}
