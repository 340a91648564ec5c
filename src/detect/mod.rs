//! Detection: what is abnormal in the last minutes, computed incrementally from events in
//! ledger order, never by rescanning. The console's "Now" view ranks the flags; the
//! responder pauses or opens an incident from one. Pure: it folds events it is handed and
//! never reads a store, a clock or a terminal (time comes from the events and the `now`
//! the caller passes).
//!
//! The rules (thresholds in `[detect]`, see `DetectConfig`):
//!
//! | rule | raised when |
//! |---|---|
//! | `violation` | an agent acts (`ai.action`) after its pause or token revocation was sealed: an alarm, not a statistic |
//! | `loop` | the same agent, action and resource repeat `loop_count` times within `loop_window_s` |
//! | `risky_unapproved` | a T3 action with approval mode `none` (or no approval recorded) |
//! | `failure_burst` | `failure_count` failures in `failure_window_s`, at least `failure_share` of the agent's outcomes then, and three times its usual share |
//! | `never_seen` | a new environment, target system, model version or principal (`on_behalf_of`) for an agent custody has learned, or a new resource for a T3 action |
//! | `rate_spike` | an agent's actions in one minute reach `spike_min` and `spike_factor` × its moving average (EWMA over 30 minutes) |
//! | `interventions` | an operator's overrides and rollbacks within `intervention_window_s` reach `intervention_count` and `intervention_factor` × their usual rate |
//!
//! Memory is bounded by the number of agents and operators: windows keep only what their
//! rule needs, and the sets of values seen stop growing at `SEEN_CAP` per agent.

mod config;
pub mod events;
mod track;

pub use config::DetectConfig;

#[cfg(test)]
mod tests;

use crate::event::{Event, Tier, Timestamp};
use crate::incident::AgentControl;
use std::collections::HashMap;
use track::{AgentTrack, OperatorTrack};

/// Values kept per agent and dimension for `never_seen`.
pub const SEEN_CAP: usize = 4096;
/// Evidence event ids kept per flag: the first and the newest.
pub const EVIDENCE_CAP: usize = 12;

/// Which rule raised a flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Rule {
    Violation,
    Loop,
    RiskyUnapproved,
    FailureBurst,
    NeverSeen,
    RateSpike,
    Interventions,
}

impl Rule {
    pub fn as_str(self) -> &'static str {
        match self {
            Rule::Violation => "violation",
            Rule::Loop => "loop",
            Rule::RiskyUnapproved => "risky_unapproved",
            Rule::FailureBurst => "failure_burst",
            Rule::NeverSeen => "never_seen",
            Rule::RateSpike => "rate_spike",
            Rule::Interventions => "interventions",
        }
    }

    /// The short label the Now view shows.
    pub fn label(self) -> &'static str {
        match self {
            Rule::Violation => "VIOLATION",
            Rule::Loop => "loop",
            Rule::RiskyUnapproved => "T3 unapproved",
            Rule::FailureBurst => "failures",
            Rule::NeverSeen => "never seen",
            Rule::RateSpike => "rate spike",
            Rule::Interventions => "interventions",
        }
    }

    /// The reason code a containment started from this flag is filed under.
    pub fn reason_code(self) -> &'static str {
        match self {
            Rule::Violation | Rule::RiskyUnapproved => "policy_violation",
            Rule::NeverSeen => "security_risk",
            _ => "containment",
        }
    }

    /// Whether a flag of this rule is put on the record when a console raises it live.
    /// Rate spikes and operators' patterns are shown, not sealed.
    pub fn sealed(self) -> bool {
        !matches!(self, Rule::RateSpike | Rule::Interventions)
    }

    fn weight(self) -> i64 {
        match self {
            Rule::Violation => 1000,
            Rule::Loop | Rule::RiskyUnapproved => 60,
            Rule::FailureBurst | Rule::NeverSeen => 45,
            Rule::RateSpike => 35,
            Rule::Interventions => 30,
        }
    }
}

/// One thing that looks wrong, with the reason and the events that show it.
#[derive(Debug, Clone, PartialEq)]
pub struct Flag {
    /// Stable while the same thing keeps happening: rule, subject and detail.
    pub id: String,
    pub rule: Rule,
    /// The agent (or, for `interventions`, the operator) it is about.
    pub subject: String,
    /// Whether `subject` is an agent (containment keys act on it) or an operator.
    pub agent: bool,
    /// Why it was flagged, in one line of plain text (values come from events: render
    /// through `untrusted`).
    pub why: String,
    /// The summary of the newest event that fed it.
    pub last_summary: Option<String>,
    pub count: u64,
    /// When it was first raised: the time of the event that crossed the threshold.
    pub raised_at: Timestamp,
    /// The seq of that event, so time to detect can be measured.
    pub raised_seq: u64,
    pub last_at: Timestamp,
    pub last_seq: u64,
    /// Event ids that show it: the first ones and the newest (at most `EVIDENCE_CAP`).
    pub evidence: Vec<String>,
    pub tier: Option<Tier>,
    pub reason_code: Option<String>,
    pub correlation_id: Option<String>,
    /// Raised from exercise events: a drill, never a real alarm.
    pub exercise: bool,
    /// The newest event that fed it, for the containment dialog's target and tier.
    pub last_event: Option<Box<Event>>,
    /// The first, for an incident's trigger.
    pub first_event: Option<Box<Event>>,
}

impl Flag {
    /// Higher ranks first: the rule's weight, the tier, and how fresh it is.
    pub fn score(&self, now: Timestamp) -> i64 {
        let age_s = (now.millis() - self.last_at.millis()) / 1000;
        let fresh = if age_s <= 120 {
            30
        } else if age_s <= 300 {
            15
        } else {
            0
        };
        let tier = self.tier.map_or(0, |t| t as i64 * 10);
        self.rule.weight() + tier + fresh
    }

    fn add_evidence(&mut self, seq: u64, e: &Event) {
        self.count += 1;
        self.last_at = self.last_at.max(e.time);
        self.last_seq = seq;
        if let Some(s) = e.ai_output.as_ref().and_then(|o| o.summary.clone()) {
            self.last_summary = Some(s);
        }
        if self.tier < e.tier {
            self.tier = e.tier;
        }
        if self.evidence.len() >= EVIDENCE_CAP {
            // Keep the first four, then a sliding window of the newest.
            self.evidence.remove(4);
        }
        self.evidence.push(e.event_id.clone());
        if self.first_event.is_none() {
            self.first_event = Some(Box::new(e.clone()));
        }
        self.last_event = Some(Box::new(e.clone()));
    }
}

/// The detector's state: per-agent and per-operator windows, control state, and the
/// flags raised so far.
#[derive(Debug, Clone, Default)]
pub struct Detector {
    config: DetectConfig,
    agents: HashMap<String, AgentTrack>,
    operators: HashMap<String, OperatorTrack>,
    /// Control state (real and exercise apart), to tell a violation.
    control: HashMap<String, AgentControl>,
    exercise_control: HashMap<String, AgentControl>,
    flags: HashMap<String, Flag>,
    last_seq: u64,
    /// Violations by agent since the newest pause or revocation, for the Agents view.
    violations: HashMap<String, u64>,
}

/// What one event did to the flags.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    /// A new flag (its id).
    Raised(String),
    /// More evidence for a flag already raised.
    Grew(String),
}

impl Detector {
    pub fn new(config: DetectConfig) -> Self {
        Detector {
            config,
            ..Detector::default()
        }
    }

    pub fn config(&self) -> &DetectConfig {
        &self.config
    }

    /// The newest seq folded in.
    pub fn last_seq(&self) -> u64 {
        self.last_seq
    }

    /// Folds one sealed event in. Events at or below the last seq seen are ignored, so a
    /// page read at start and the live tail can overlap.
    pub fn observe(&mut self, seq: u64, e: &Event) -> Vec<Change> {
        if seq <= self.last_seq {
            return Vec::new();
        }
        self.last_seq = seq;
        let mut changes = Vec::new();
        if is_intervention(e) {
            let cfg = self.config;
            if let Some(actor) = e.actor.as_ref().map(|a| a.id.clone()) {
                let track = self.operators.entry(actor.clone()).or_default();
                if let Some(why) = track.observe(e, &cfg) {
                    let id = format!("interventions:{actor}");
                    changes.push(self.raise(id, Rule::Interventions, &actor, false, why, seq, e));
                }
            }
            return changes;
        }
        if e.kind.starts_with("control.") {
            let control = if e.exercise {
                &mut self.exercise_control
            } else {
                &mut self.control
            };
            let before = control.get(agent_key(e)).map(AgentControl::state);
            crate::incident::apply_control(control, e);
            let after = control.get(agent_key(e)).map(AgentControl::state);
            if before != after {
                self.violations.remove(agent_key(e));
            }
            return changes;
        }
        let Some(agent) = e.agent_id().map(str::to_string) else {
            return changes;
        };
        let is_action = e.kind == "ai.action";
        if !is_action && e.kind != "ai.proposal" {
            return changes;
        }
        if is_action {
            if let Some((id, why)) = self.violation(&agent, e) {
                *self.violations.entry(agent.clone()).or_default() += 1;
                changes.push(self.raise(id, Rule::Violation, &agent, true, why, seq, e));
            }
        }
        let cfg = self.config;
        let track = self.agents.entry(agent.clone()).or_default();
        let found = track.observe(e, is_action, &cfg);
        for (rule, detail, why) in found {
            let id = format!("{}:{agent}:{detail}", rule.as_str());
            let change = self.raise(id, rule, &agent, true, why, seq, e);
            if let (Change::Raised(id), Rule::Loop) = (&change, rule) {
                // A loop is raised on its nth repetition: count them all.
                if let Some(f) = self.flags.get_mut(id) {
                    f.count = u64::from(self.config.loop_count);
                }
            }
            changes.push(change);
        }
        changes
    }

    /// The flag id and reason when `agent` is paused or revoked (in the events' own
    /// world: exercise control binds exercise actions only).
    fn violation(&self, agent: &str, e: &Event) -> Option<(String, String)> {
        let control = if e.exercise {
            &self.exercise_control
        } else {
            &self.control
        };
        let c = control.get(agent)?;
        let state = c.state();
        if state == crate::incident::ControlState::Active {
            return None;
        }
        let mark = c.since()?;
        let why = format!(
            "acted after it was {} by {} (event {})",
            state.as_str(),
            mark.by,
            mark.event_id
        );
        Some((format!("violation:{agent}:{}", mark.event_id), why))
    }

    #[allow(clippy::too_many_arguments)]
    fn raise(
        &mut self,
        id: String,
        rule: Rule,
        subject: &str,
        agent: bool,
        why: String,
        seq: u64,
        e: &Event,
    ) -> Change {
        let quiet = self.config.quiet_after_s * 1000;
        // A flag quiet for long is a new episode when it comes back.
        let stale = self
            .flags
            .get(&id)
            .is_some_and(|f| e.time.millis() - f.last_at.millis() > quiet);
        if stale {
            self.flags.remove(&id);
        }
        if let Some(flag) = self.flags.get_mut(&id) {
            flag.why = why;
            flag.add_evidence(seq, e);
            return Change::Grew(id);
        }
        let mut flag = Flag {
            id: id.clone(),
            rule,
            subject: subject.to_string(),
            agent,
            why,
            last_summary: None,
            count: 0,
            raised_at: e.time,
            raised_seq: seq,
            last_at: e.time,
            last_seq: seq,
            evidence: Vec::new(),
            tier: e.tier,
            reason_code: e.reason_code.clone(),
            correlation_id: e.correlation_id().map(str::to_string),
            exercise: e.exercise,
            last_event: None,
            first_event: None,
        };
        flag.add_evidence(seq, e);
        self.flags.insert(id.clone(), flag);
        self.prune(e.time);
        Change::Raised(id)
    }

    /// Drops flags long quiet, so the map stays small on a long-running console.
    fn prune(&mut self, now: Timestamp) {
        let keep = self.config.quiet_after_s * 1000 * 4;
        self.flags
            .retain(|_, f| now.millis() - f.last_at.millis() <= keep);
    }

    /// The flags worth showing at `now`, best first: violations always; the rest while
    /// they have had evidence within `quiet_after_s`.
    pub fn flags(&self, now: Timestamp) -> Vec<&Flag> {
        let quiet = self.config.quiet_after_s * 1000;
        let mut out: Vec<&Flag> = self
            .flags
            .values()
            .filter(|f| f.rule == Rule::Violation || now.millis() - f.last_at.millis() <= quiet)
            .collect();
        out.sort_by(|a, b| {
            b.score(now)
                .cmp(&a.score(now))
                .then(b.last_seq.cmp(&a.last_seq))
        });
        out
    }

    pub fn flag(&self, id: &str) -> Option<&Flag> {
        self.flags.get(id)
    }

    /// Actions an agent took since its current pause or revocation (0 when active).
    pub fn violations(&self, agent: &str) -> u64 {
        self.violations.get(agent).copied().unwrap_or(0)
    }

    /// The agent's actions per minute over the last `minutes`, oldest first.
    pub fn sparkline(&self, agent: &str, now: Timestamp, minutes: usize) -> Vec<u64> {
        self.agents
            .get(agent)
            .map(|t| t.per_minute(now, minutes))
            .unwrap_or_else(|| vec![0; minutes])
    }

    /// Agents and operators tracked (for memory checks).
    pub fn tracked(&self) -> usize {
        self.agents.len() + self.operators.len()
    }
}

fn agent_key(e: &Event) -> &str {
    e.agent_id()
        .or_else(|| {
            e.action
                .as_ref()?
                .resource
                .as_deref()?
                .strip_prefix("agent://")
        })
        .unwrap_or("")
}

/// A person overriding or undoing an agent: interventions and rollbacks.
fn is_intervention(e: &Event) -> bool {
    let human = e
        .actor
        .as_ref()
        .is_some_and(|a| a.kind == crate::event::ActorType::Human);
    human && (e.kind == "human.intervention" || e.kind == "control.rollback")
}
