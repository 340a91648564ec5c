//! The scenario file as TOML gives it, before any check: every value a check may need
//! to place at a line is `Spanned`. Unknown keys are refused by serde, with their line.

use crate::event::Tier;
use serde::Deserialize;
use toml::Spanned;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawScenario {
    pub id: Spanned<String>,
    pub title: String,
    pub version: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub objectives: Vec<RawObjective>,
    #[serde(default)]
    pub tags: RawTags,
    #[serde(default)]
    pub participants: RawParticipants,
    pub expected_duration: Spanned<String>,
    #[serde(default)]
    pub seed: u64,
    pub safety: RawSafety,
    #[serde(default)]
    pub agents: Vec<RawAgent>,
    pub injects: Spanned<Vec<RawInject>>,
    #[serde(default)]
    pub expectations: Vec<RawExpectation>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawObjective {
    pub id: Spanned<String>,
    pub capability: String,
    pub priority: Spanned<u8>,
}

#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawTags {
    #[serde(default)]
    pub owasp: Vec<String>,
    #[serde(default)]
    pub atlas: Vec<String>,
}

#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawParticipants {
    #[serde(default)]
    pub facilitator: Vec<String>,
    #[serde(default)]
    pub responders: Vec<String>,
    #[serde(default)]
    pub observers: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSafety {
    pub sandbox: Spanned<bool>,
    #[serde(default)]
    pub allowed_targets: Vec<String>,
    pub wall_clock_cap: Spanned<String>,
    #[serde(default)]
    pub cleanup: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawTemplate {
    #[serde(default = "ai_action")]
    pub kind: Spanned<String>,
    pub agent: Option<Spanned<String>>,
    #[serde(rename = "type")]
    pub action_type: String,
    pub target_system: Option<String>,
    pub resource: Option<Spanned<String>>,
    pub environment: Option<String>,
    pub tier: Option<Tier>,
    pub reason_code: Option<String>,
    pub summary: Option<String>,
    pub reasoning: Option<String>,
    pub destination: Option<String>,
    #[serde(default)]
    pub reversible: bool,
}

fn ai_action() -> Spanned<String> {
    Spanned::new(0..0, "ai.action".to_string())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawEscalation {
    pub after: u32,
    pub tier: Tier,
    #[serde(rename = "type")]
    pub action_type: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawAgent {
    pub id: Spanned<String>,
    pub name: Option<String>,
    pub interval: Spanned<String>,
    pub action: RawTemplate,
    pub escalation: Option<RawEscalation>,
    pub stop_when: Spanned<Vec<Spanned<String>>>,
    #[serde(default = "max_actions")]
    pub max_actions: u32,
}

fn max_actions() -> u32 {
    200
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawInject {
    pub id: Spanned<String>,
    pub at: Option<Spanned<String>>,
    pub after: Option<Spanned<String>>,
    pub contingency: Option<Spanned<String>>,
    pub delay: Option<Spanned<String>>,
    pub when: Option<Spanned<String>>,
    pub synopsis: String,
    #[serde(default)]
    pub expected_response: String,
    pub objective: Option<Spanned<String>>,
    pub delivery: Spanned<String>,
    #[serde(default)]
    pub audience: Vec<String>,
    #[serde(default)]
    pub notes: String,
    #[serde(default)]
    pub malicious: bool,
    #[serde(default)]
    pub events: Vec<RawTemplate>,
    pub env: Option<Spanned<String>>,
    #[serde(default)]
    pub starts: Vec<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawMatcher {
    pub kind: Option<String>,
    pub actor: Option<String>,
    pub agent: Option<Spanned<String>>,
    pub target: Option<String>,
    pub step: Option<String>,
    pub outcome: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawExpectation {
    pub id: Spanned<String>,
    pub description: String,
    pub inject: Spanned<String>,
    pub deadline: Spanned<String>,
    #[serde(rename = "match")]
    pub matcher: Spanned<RawMatcher>,
    #[serde(default)]
    pub validation: Option<Spanned<String>>,
    #[serde(default)]
    pub negative: bool,
    pub objective: Option<Spanned<String>>,
}
