//! Notifications: custody telling people about gate events (an approval request, a T3
//! action, a pause, a revocation) through webhook targets in the config file
//! (`[[webhooks]]`): a Slack incoming webhook, a Microsoft Teams Workflows webhook, or
//! plain JSON.
//!
//! `config` reads and checks the targets, `payload` renders a notice for a format (pure),
//! `send` makes one HTTP attempt, `events` builds the `webhook.*` events, and `deliver`
//! runs the queue: every attempt is sealed as `webhook.attempt`, every final failure as
//! `webhook.failed`, and nothing is dropped without a record.
//!
//! This module never decides anything: a notice tells people where to decide (custody's
//! console, CLI or API), and no payload carries a button that would decide in chat. It
//! never records a target's URL, which is a secret; only the target's name and host.

pub mod config;
pub mod deliver;
pub mod events;
pub mod payload;
pub mod send;

pub use config::{targets, WebhookConfig, WebhookUrl};
pub use deliver::{Stats, Webhooks};
pub use payload::payload;

use crate::event::{Tier, Timestamp};
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// How a target wants its message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    /// A Slack incoming webhook: Block Kit `blocks` with a `text` fallback.
    Slack,
    /// A Microsoft Teams Workflows webhook: a message holding one Adaptive Card.
    Teams,
    /// The notice itself as plain JSON, for any receiver.
    Json,
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Slack => "slack",
            Format::Teams => "teams",
            Format::Json => "json",
        }
    }
}

/// What a notice is about; a target names the ones it wants in `on`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Trigger {
    /// An action waits for a human's approval.
    ApprovalRequest,
    /// A T3 action was proposed or carried out.
    T3Action,
    /// An agent was paused.
    Pause,
    /// An agent's token was revoked.
    Revoke,
}

impl Trigger {
    pub const ALL: [Trigger; 4] = [
        Trigger::ApprovalRequest,
        Trigger::T3Action,
        Trigger::Pause,
        Trigger::Revoke,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Trigger::ApprovalRequest => "approval_request",
            Trigger::T3Action => "t3_action",
            Trigger::Pause => "pause",
            Trigger::Revoke => "revoke",
        }
    }
}

/// One place notices go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// What the ledger records for this target (its URL never is).
    pub name: String,
    /// The URL, possibly holding `{env:NAME}` references resolved just before sending.
    pub url: String,
    pub format: Format,
    pub on: Vec<Trigger>,
}

impl Target {
    pub fn wants(&self, trigger: Trigger) -> bool {
        self.on.contains(&trigger)
    }
}

/// What custody tells people. Text fields may come from agents and are hostile: the
/// payload renderers escape and bound them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Notice {
    pub trigger: Trigger,
    pub title: String,
    pub summary: String,
    pub agent: Option<String>,
    pub tier: Option<Tier>,
    pub request_id: Option<String>,
    /// The event this notice is about; webhook events point to it.
    pub event_id: String,
    /// The command that decides it, e.g. `custody approve 0193… --justification '…'`.
    pub decide: Option<String>,
    pub expires_at: Option<Timestamp>,
}

/// How hard delivery tries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retry {
    /// Attempts per notice and target, the first included.
    pub attempts: u32,
    /// The wait before the second attempt; it doubles for each later one.
    pub first_backoff: Duration,
    /// The most one attempt may take, the response body included.
    pub timeout: Duration,
}

impl Default for Retry {
    fn default() -> Retry {
        Retry {
            attempts: 5,
            first_backoff: Duration::from_secs(1),
            timeout: Duration::from_secs(10),
        }
    }
}
