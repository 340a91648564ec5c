//! A trace under construction: the shared context (correlation, trace and job ids, the
//! environment) and a clock that only moves forward, so every event of one story gets
//! its parent link and a time at or after the one before. Also the record shapes every
//! story needs: an agent's decision, a person's act, an approval, an outcome.

use super::agents::{Bot, Human};
use super::forge::Forge;
use super::moves::Move;
use crate::event::{
    is_custody_kind, Action, Actor, ActorType, Agent, AiOutput, Approval, ApprovalMode, Context,
    Event, Model, Outcome, OutcomeStatus, Policy, PolicyDecision, Prompt, SealedBy, Tier,
    Timestamp, TriggerType,
};
use chrono::DateTime;
use serde_json::{json, Value};

pub(crate) struct Trace {
    pub correlation_id: String,
    trace_id: String,
    environment: String,
    job_id: String,
    app_version: String,
    session: String,
    /// The event the next one is a child of.
    pub last_id: Option<String>,
    now: i64,
    pub exercise: bool,
}

impl Trace {
    /// A trace for one bot's job, with fresh ids.
    pub(crate) fn for_bot(f: &mut Forge, bot: Bot, environment: &str, start: i64) -> Self {
        let correlation_id = format!("cor-{}", f.hex(6));
        Trace::named(f, correlation_id, bot, environment, start)
    }

    /// A trace whose correlation id is fixed (the incidents', so docs can name it).
    pub(crate) fn named(
        f: &mut Forge,
        correlation_id: String,
        bot: Bot,
        environment: &str,
        start: i64,
    ) -> Self {
        let tuning = bot.tuning();
        Trace {
            correlation_id,
            trace_id: f.hex(16),
            environment: environment.to_string(),
            job_id: format!("{}-{}", tuning.job_prefix, f.int(100_000, 999_999)),
            app_version: format!("{}+{}", bot.agent().version, tuning.build),
            session: format!("sess-{}", f.hex(4)),
            last_id: None,
            now: start,
            exercise: false,
        }
    }

    pub(crate) fn wait(&mut self, ms: i64) {
        self.now += ms.max(0);
    }

    pub(crate) fn now(&self) -> i64 {
        self.now
    }

    /// A bare event at the trace's current time, linked to the previous one.
    pub(crate) fn event(&mut self, f: &mut Forge, kind: &str) -> Event {
        let millis = self.now();
        let event_id = f.event_id(millis);
        let context = Context {
            environment: Some(self.environment.clone()),
            job_id: Some(self.job_id.clone()),
            app_version: Some(self.app_version.clone()),
            correlation_id: Some(self.correlation_id.clone()),
            trace_id: Some(self.trace_id.clone()),
            span_id: Some(f.hex(8)),
            parent_event_id: self.last_id.replace(event_id.clone()),
        };
        Event {
            event_id,
            time: timestamp(millis),
            kind: kind.to_string(),
            trigger: None,
            actor: None,
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
            context: Some(context),
            outcome: None,
            reversibility: None,
            justification: None,
            exercise: self.exercise,
            // The demo's history stands in for custody's own responders.
            sealed_by: is_custody_kind(kind).then_some(SealedBy::Custody),
        }
    }

    /// What an agent records about a move: the decision (`ai.proposal`) or the execution
    /// (`ai.action`, which the caller completes with approval and outcome).
    pub(crate) fn agent_event(&mut self, f: &mut Forge, m: &Move, kind: &str) -> Event {
        let mut e = self.event(f, kind);
        let agent = m.bot.agent();
        let tuning = m.bot.tuning();
        e.trigger = Some(m.trigger.clone());
        e.actor = Some(Actor {
            kind: ActorType::Agent,
            id: agent.id.to_string(),
            on_behalf_of: m.on_behalf_of.clone(),
            // A session is a conversation with a person; scheduled and event-driven
            // runs are identified by their job id instead.
            session: (m.trigger.kind == TriggerType::UserInstruction).then(|| self.session.clone()),
            authn: None,
        });
        e.agent = Some(agent_ref(m.bot));
        e.model = Some(Model {
            provider: Some(agent.model_provider.to_string()),
            name: agent.model_name.to_string(),
            version: Some(agent.model_version.to_string()),
            params: Some(json!({
                "temperature": tuning.temperature,
                "top_p": tuning.top_p,
                "max_tokens": tuning.max_tokens,
            })),
        });
        e.prompt = Some(Prompt {
            template_id: Some(format!("{}@v{}", m.kind, tuning.prompt_version)),
            sha256: Some(f.sha256()),
        });
        e.ai_output = Some(AiOutput {
            summary: Some(m.summary.clone()),
            reasoning: Some(m.reasoning.clone()),
            confidence: Some(m.confidence),
            evidence: m.evidence.clone(),
        });
        e.action = Some(action(m));
        // The action names its environment; the context need not repeat it.
        if let Some(c) = e.context.as_mut() {
            c.environment = None;
        }
        e.reason_code = Some(m.reason.to_string());
        e.tier = Some(m.tier);
        e.risk_score = Some(risk(f, m.tier));
        // A read has nothing to undo; saying so on every read is noise.
        if m.tier != Tier::T0 {
            e.reversibility = Some(m.reversibility.clone());
        }
        e
    }

    /// What a person does at the console or in a runbook. Justification is always set:
    /// the contract requires it for interventions and control actions.
    pub(crate) fn human_event(
        &mut self,
        f: &mut Forge,
        kind: &str,
        who: Human,
        reason: &str,
        tier: Tier,
        justification: String,
    ) -> Event {
        let mut e = self.event(f, kind);
        e.actor = Some(Actor {
            kind: ActorType::Human,
            id: who.id.to_string(),
            on_behalf_of: None,
            session: Some(format!("console-{}", f.hex(3))),
            authn: None,
        });
        e.reason_code = Some(reason.to_string());
        e.tier = Some(tier);
        e.justification = Some(justification);
        e
    }
}

pub(crate) fn timestamp(millis: i64) -> Timestamp {
    Timestamp(DateTime::from_timestamp_millis(millis).unwrap_or(DateTime::UNIX_EPOCH))
}

pub(crate) fn agent_ref(bot: Bot) -> Agent {
    let a = bot.agent();
    Agent {
        id: a.id.to_string(),
        name: Some(a.name.to_string()),
        version: Some(a.version.to_string()),
    }
}

pub(crate) fn action(m: &Move) -> Action {
    Action {
        kind: m.kind.to_string(),
        target_system: Some(m.system.to_string()),
        resource: Some(m.resource.clone()),
        environment: Some(m.environment.to_string()),
        params: Some(m.params.clone()),
        before: m.before.clone(),
        after: m.after.clone(),
    }
}

/// A control or operator action on some system: what ran, where.
pub(crate) fn control_action(
    kind: &str,
    system: &str,
    resource: String,
    environment: &str,
    params: Value,
) -> Action {
    Action {
        kind: kind.to_string(),
        target_system: Some(system.to_string()),
        resource: Some(resource),
        environment: Some(environment.to_string()),
        params: Some(params),
        before: None,
        after: None,
    }
}

pub(crate) fn policy(bot: Bot, decision: PolicyDecision, rule: &str) -> Policy {
    let t = bot.tuning();
    Policy {
        id: Some(t.policy_id.to_string()),
        version: Some(t.policy_version.to_string()),
        decision,
        rule: Some(rule.to_string()),
    }
}

pub(crate) fn no_approval() -> Approval {
    Approval {
        mode: ApprovalMode::None,
        approver: None,
        role: None,
        at: None,
        rule_id: None,
        justification: None,
    }
}

pub(crate) fn rule_approval(rule_id: &str, at: i64) -> Approval {
    Approval {
        mode: ApprovalMode::Rule,
        approver: Some("policy-engine".into()),
        role: None,
        at: Some(timestamp(at)),
        rule_id: Some(rule_id.to_string()),
        justification: None,
    }
}

pub(crate) fn human_approval(who: Human, at: i64, justification: String) -> Approval {
    Approval {
        mode: ApprovalMode::Human,
        approver: Some(who.id.to_string()),
        role: Some(who.role.to_string()),
        at: Some(timestamp(at)),
        rule_id: None,
        justification: Some(justification),
    }
}

pub(crate) fn succeeded(m: &Move) -> Outcome {
    Outcome {
        status: OutcomeStatus::Success,
        detail: Some(m.detail.clone()),
        response: (!m.response.is_null()).then(|| m.response.clone()),
    }
}

pub(crate) fn outcome(
    status: OutcomeStatus,
    detail: impl Into<String>,
    response: Option<Value>,
) -> Outcome {
    Outcome {
        status,
        detail: Some(detail.into()),
        response,
    }
}

pub(crate) fn risk(f: &mut Forge, tier: Tier) -> f64 {
    match tier {
        Tier::T0 => f.real(0.01, 0.08, 2),
        Tier::T1 => f.real(0.08, 0.3, 2),
        Tier::T2 => f.real(0.3, 0.65, 2),
        Tier::T3 => f.real(0.62, 0.97, 2),
    }
}
