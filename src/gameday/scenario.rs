//! A game-day scenario as loaded and checked: the header (objectives, tags,
//! participants), the safety limits, the injects in the MSEL shape, the scripted agents
//! and the expectations. Plain data; `load` builds it from TOML and refuses what is wrong.

use crate::event::Tier;
use std::fmt;

/// A time into the exercise, in scenario seconds (`--speed N` makes N of them pass per
/// real second).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Offset(pub u64);

impl Offset {
    /// `+MM:SS`, `MM:SS` or `H:MM:SS`.
    pub fn parse(s: &str) -> Option<Offset> {
        let s = s.trim().strip_prefix('+').unwrap_or(s.trim());
        let parts: Vec<&str> = s.split(':').collect();
        if parts.len() < 2 || parts.len() > 3 || parts.iter().any(|p| p.is_empty()) {
            return None;
        }
        let nums: Option<Vec<u64>> = parts.iter().map(|p| p.parse().ok()).collect();
        let nums = nums?;
        if nums[1..].iter().any(|&n| n >= 60) {
            return None;
        }
        Some(Offset(nums.iter().fold(0, |acc, n| acc * 60 + n)))
    }

    pub fn secs(self) -> u64 {
        self.0
    }
}

impl fmt::Display for Offset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (h, m, s) = (self.0 / 3600, self.0 / 60 % 60, self.0 % 60);
        if h > 0 {
            write!(f, "+{h}:{m:02}:{s:02}")
        } else {
            write!(f, "+{m:02}:{s:02}")
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    pub id: String,
    pub title: String,
    pub version: String,
    pub description: String,
    pub objectives: Vec<Objective>,
    pub tags: Tags,
    pub participants: Participants,
    pub expected_duration: Offset,
    pub seed: u64,
    pub safety: Safety,
    pub agents: Vec<ScriptedAgent>,
    pub injects: Vec<Inject>,
    pub expectations: Vec<Expectation>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Objective {
    pub id: String,
    pub capability: String,
    /// 1 is the highest.
    pub priority: u8,
}

/// OWASP agentic threat ids and MITRE ATLAS technique ids.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Tags {
    pub owasp: Vec<String>,
    pub atlas: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Participants {
    pub facilitator: Vec<String>,
    pub responders: Vec<String>,
    pub observers: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Safety {
    /// Run only in a sandbox store (the default, and the only value shipped scenarios use).
    pub sandbox: bool,
    /// Targets the scenario's events may name (globs over `action.resource`).
    pub allowed_targets: Vec<String>,
    /// The run ends at this offset whatever happens.
    pub wall_clock_cap: Offset,
    pub cleanup: Vec<String>,
}

/// How an inject reaches the players.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// Events appear in the ledger (what responders see in the console).
    Ledger,
    /// The facilitator says or shows it.
    Facilitator,
    /// Something changes in the environment (the store slows down, a token leaks).
    Environment,
}

impl Delivery {
    pub fn as_str(self) -> &'static str {
        match self {
            Delivery::Ledger => "ledger",
            Delivery::Facilitator => "facilitator",
            Delivery::Environment => "environment",
        }
    }
}

/// When an inject fires.
#[derive(Debug, Clone, PartialEq)]
pub enum Fire {
    /// At an offset from the start.
    At(Offset),
    /// `delay` after another inject fired, if `when` holds then (else never).
    After {
        inject: String,
        delay: Offset,
        when: Condition,
    },
    /// `delay` after an expectation missed its deadline (a contingency inject).
    Contingency { expectation: String, delay: Offset },
}

#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    Always,
    /// The scripted agent is neither paused nor revoked.
    AgentActive(String),
    /// The scripted agent is paused or revoked.
    AgentContained(String),
}

/// What an inject does to the environment of the exercise.
#[derive(Debug, Clone, PartialEq)]
pub enum EnvAction {
    /// The scripted producers' writes reach the store this many seconds late.
    DelayWrites(u64),
    /// The sandbox store refuses every write (its file made read-only): sealing fails
    /// closed, for responders too.
    RefuseWrites,
    /// The sandbox store takes writes again.
    RestoreWrites,
    /// The named agent's next action carries a malformed explanation.
    CorruptExplanation(String),
    /// The named agent's token is used from elsewhere: its next actions come from a
    /// foreign session and environment.
    LeakToken(String),
}

impl EnvAction {
    pub fn describe(&self) -> String {
        match self {
            EnvAction::DelayWrites(s) => format!("delay-writes {s}s"),
            EnvAction::RefuseWrites => "refuse-writes".into(),
            EnvAction::RestoreWrites => "restore-writes".into(),
            EnvAction::CorruptExplanation(a) => format!("corrupt-explanation {a}"),
            EnvAction::LeakToken(a) => format!("leak-token {a}"),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Inject {
    pub id: String,
    pub fire: Fire,
    pub synopsis: String,
    pub expected_response: String,
    pub objective: Option<String>,
    pub delivery: Delivery,
    /// Who sees it: `responders`, `facilitator`, `observers`.
    pub audience: Vec<String>,
    pub notes: String,
    /// The adversary acts here; the first malicious inject is T0 of the scores.
    pub malicious: bool,
    pub events: Vec<EventTemplate>,
    pub env: Option<EnvAction>,
    /// Scripted agents this inject sets acting.
    pub starts: Vec<String>,
}

/// One event an inject or a scripted agent emits. `{n}` in text fields is the agent's
/// action count.
#[derive(Debug, Clone, PartialEq)]
pub struct EventTemplate {
    pub kind: String,
    pub agent: Option<String>,
    pub action_type: String,
    pub target_system: Option<String>,
    pub resource: Option<String>,
    pub environment: Option<String>,
    pub tier: Option<Tier>,
    pub reason_code: Option<String>,
    pub summary: Option<String>,
    pub reasoning: Option<String>,
    /// Where data went, for exports (`action.params.destination`).
    pub destination: Option<String>,
    /// Full reversibility with a rollback reference, so responders can roll it back.
    pub reversible: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopWhen {
    Paused,
    TokenRevoked,
}

/// A rogue agent that acts on its interval until responders stop it.
#[derive(Debug, Clone, PartialEq)]
pub struct ScriptedAgent {
    pub id: String,
    pub name: Option<String>,
    pub interval: Offset,
    pub action: EventTemplate,
    pub escalation: Option<Escalation>,
    pub stop_when: Vec<StopWhen>,
    /// A safety bound on how many actions it takes at most.
    pub max_actions: u32,
}

/// After `after` actions, the agent's actions become `tier` (and `action_type`, if given).
#[derive(Debug, Clone, PartialEq)]
pub struct Escalation {
    pub after: u32,
    pub tier: Tier,
    pub action_type: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Validation {
    Automatic,
    /// The facilitator decides (`exercise.validate`); the matcher is evidence only.
    Manual,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Expectation {
    pub id: String,
    pub description: String,
    /// The inject it answers; the clock for it starts when that inject fires.
    pub inject: String,
    /// An offset from the start of the exercise.
    pub deadline: Offset,
    pub matcher: Matcher,
    pub validation: Validation,
    /// Met when nothing matches by the deadline (an action that must not happen).
    pub negative: bool,
    pub objective: Option<String>,
}

/// Which ledger events meet an expectation. Every set field must match; `kind` may end
/// in `*` (`detection.*`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Matcher {
    pub kind: Option<String>,
    /// `actor.id`, or `human` / `agent` for any actor of that type.
    pub actor: Option<String>,
    pub agent: Option<String>,
    /// `action.resource`.
    pub target: Option<String>,
    /// `action.params.step` (a playbook step).
    pub step: Option<String>,
    /// `outcome.status`; a control intent (`pending`) is not the action done.
    pub outcome: Option<String>,
}

/// The fields a matcher may name, for the error that lists them.
pub const MATCHER_FIELDS: [&str; 6] = ["kind", "actor", "agent", "target", "step", "outcome"];

impl Scenario {
    pub fn inject(&self, id: &str) -> Option<&Inject> {
        self.injects.iter().find(|i| i.id == id)
    }

    pub fn expectation(&self, id: &str) -> Option<&Expectation> {
        self.expectations.iter().find(|e| e.id == id)
    }

    pub fn agent(&self, id: &str) -> Option<&ScriptedAgent> {
        self.agents.iter().find(|a| a.id == id)
    }
}
