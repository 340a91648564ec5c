//! Playbooks: the TOML checklists responders follow during an incident, which ones apply
//! to an event (by tier and reason code), and the checklist rules (what may start, who may
//! complete it, what may be skipped). It owns loading and validating playbook files, with
//! errors that name file, line and field, so a bad playbook fails at load and never in the
//! middle of an incident. It never runs an executor, writes to the ledger or draws
//! anything: every function here decides or describes, the caller acts.

mod checklist;
mod graph;
mod load;
mod set;

pub use checklist::{Checklist, Refusal, StepChange, StepRecord, StepState, StepStatus};
pub use load::{parse, PlaybookError};
pub use set::{builtin, load_all, load_dir, PlaybookSet};

use crate::event::Tier;
use serde::Deserialize;
use std::fmt;

/// One playbook, validated: unique step ids, prerequisites that exist, come earlier and
/// form no cycle, at least one step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Playbook {
    /// Stable name, used by `:playbook NAME` and recorded in `incident.step` events.
    pub id: String,
    pub title: String,
    pub description: String,
    pub applies: Applies,
    /// When the agent should be disabled (paused and kept paused), one criterion a line.
    pub disable_agent_when: Vec<String>,
    /// In the order they are shown and usually done.
    pub steps: Vec<Step>,
    /// Where it came from: `builtin:rogue-agent.toml` or the file's path.
    pub source: String,
}

/// When a playbook applies. An empty list matches anything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Applies {
    pub tiers: Vec<Tier>,
    pub reason_codes: Vec<String>,
}

/// One checklist step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// Unique within the playbook; lowercase letters, digits, `-` and `_`.
    pub id: String,
    pub title: String,
    pub kind: StepKind,
    /// Steps that must be done or skipped before this one may start.
    pub needs: Vec<String>,
    /// Whoever starts this step may not complete it: a second operator must.
    pub second_person: bool,
    pub description: Option<String>,
    /// How to do it well: what to look at, what "done" means.
    pub guidance: Option<String>,
}

/// What a step is: a human check-off or an action that runs an executor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepKind {
    /// A human does it and checks it off with a note.
    Manual,
    /// Pause the agent: the gateway holds its actions.
    Pause,
    /// Let a paused agent act again.
    Resume,
    /// Revoke the agent's (or the exposed) credential.
    RevokeToken,
    /// Undo reversible actions.
    Rollback,
    /// Sign a ledger checkpoint so the record so far is fixed.
    Checkpoint,
    /// Tell people: page, post a status update, send a notice.
    Notify,
}

impl StepKind {
    pub const ALL: [StepKind; 7] = [
        StepKind::Manual,
        StepKind::Pause,
        StepKind::Resume,
        StepKind::RevokeToken,
        StepKind::Rollback,
        StepKind::Checkpoint,
        StepKind::Notify,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            StepKind::Manual => "manual",
            StepKind::Pause => "pause",
            StepKind::Resume => "resume",
            StepKind::RevokeToken => "revoke_token",
            StepKind::Rollback => "rollback",
            StepKind::Checkpoint => "checkpoint",
            StepKind::Notify => "notify",
        }
    }

    /// True for steps that run something rather than being checked off by hand.
    pub fn is_action(self) -> bool {
        self != StepKind::Manual
    }
}

impl fmt::Display for StepKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Playbook {
    pub fn step(&self, id: &str) -> Option<&Step> {
        self.steps.iter().find(|s| s.id == id)
    }

    /// Whether this playbook applies to an event of `tier` with `reason_code`.
    pub fn applies_to(&self, tier: Tier, reason_code: Option<&str>) -> bool {
        let tier_ok = self.applies.tiers.is_empty() || self.applies.tiers.contains(&tier);
        let reason_ok = self.applies.reason_codes.is_empty()
            || reason_code.is_some_and(|r| self.applies.reason_codes.iter().any(|c| c == r));
        tier_ok && reason_ok
    }

    /// Sort key for `applicable`: a playbook naming the reason code beats one that
    /// matches any reason, then one naming the tier beats any tier, then narrower lists
    /// beat broader ones. Smaller sorts first.
    fn specificity(&self) -> (bool, bool, usize, usize) {
        let a = &self.applies;
        (
            a.reason_codes.is_empty(),
            a.tiers.is_empty(),
            a.reason_codes.len(),
            a.tiers.len(),
        )
    }
}

/// The playbooks that apply to an event of `tier` and `reason_code`, most specific first
/// (ties broken by id, so the order is stable).
pub fn applicable<'a>(
    playbooks: &'a [Playbook],
    tier: Tier,
    reason_code: Option<&str>,
) -> Vec<&'a Playbook> {
    let mut found: Vec<&Playbook> = playbooks
        .iter()
        .filter(|p| p.applies_to(tier, reason_code))
        .collect();
    found.sort_by(|a, b| {
        a.specificity()
            .cmp(&b.specificity())
            .then_with(|| a.id.cmp(&b.id))
    });
    found
}

#[cfg(test)]
mod checklist_tests;
#[cfg(test)]
mod load_tests;
#[cfg(test)]
mod shipped_tests;
