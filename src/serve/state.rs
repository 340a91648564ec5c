//! What the running gate holds: the store and its sealer, the loaded policy, and what it
//! follows from the ledger's tail (each agent's control state, autonomy levels, which
//! requests changed). Everything here is derived; the ledger and the gate's tables are
//! the truth, so a restart loses nothing.

use super::metrics::Metrics;
use super::sealer::Sealer;
use crate::incident::{AgentControl, ControlState};
use crate::respond::Roles;
use crate::store::{SealContext, Store};
use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use tokio::sync::watch;

/// Why an agent may not act now.
#[derive(Debug, Clone, PartialEq)]
pub struct Blocked {
    pub state: ControlState,
    pub event_id: String,
    pub reason: String,
    pub at: crate::event::Timestamp,
}

pub struct Gate {
    pub store: Store,
    pub ctx: SealContext,
    pub sealer: Sealer,
    pub policy: RwLock<Arc<crate::policy::Policy>>,
    pub policy_dir: Option<std::path::PathBuf>,
    pub roles: Roles,
    /// The containment executors from the config, for operators acting over HTTP.
    pub executors: crate::exec::Executors,
    pub control: RwLock<HashMap<String, AgentControl>>,
    pub autonomy: RwLock<HashMap<String, u8>>,
    /// Registered Ed25519 public keys (base64): those agents must sign their proposals.
    pub keys: RwLock<HashMap<String, String>>,
    /// Bumped whenever a request or an agent's state may have changed; waiters re-read.
    pub changed: watch::Sender<u64>,
    pub metrics: Metrics,
    /// Webhook delivery, when targets are configured.
    pub webhooks: Option<crate::webhook::Webhooks>,
    /// What bare tool names mean (`[tools]`), for OTLP spans.
    pub tool_map: RwLock<Arc<crate::toolmap::ToolMap>>,
}

impl Gate {
    pub fn policy(&self) -> Arc<crate::policy::Policy> {
        match self.policy.read() {
            Ok(p) => Arc::clone(&p),
            Err(poisoned) => Arc::clone(&poisoned.into_inner()),
        }
    }

    pub fn set_policy(&self, p: crate::policy::Policy) {
        match self.policy.write() {
            Ok(mut slot) => *slot = Arc::new(p),
            Err(poisoned) => *poisoned.into_inner() = Arc::new(p),
        }
    }

    pub fn tool_map(&self) -> Arc<crate::toolmap::ToolMap> {
        match self.tool_map.read() {
            Ok(t) => Arc::clone(&t),
            Err(poisoned) => Arc::clone(&poisoned.into_inner()),
        }
    }

    pub fn set_tool_map(&self, t: crate::toolmap::ToolMap) {
        match self.tool_map.write() {
            Ok(mut slot) => *slot = Arc::new(t),
            Err(poisoned) => *poisoned.into_inner() = Arc::new(t),
        }
    }

    pub fn key_of(&self, agent: &str) -> Option<String> {
        self.keys.read().ok()?.get(agent).cloned()
    }

    pub fn autonomy_of(&self, agent: &str) -> u8 {
        self.autonomy
            .read()
            .map(|a| a.get(agent).copied().unwrap_or(0))
            .unwrap_or(0)
    }

    /// Whether `agent` is paused or revoked now, and by which event. A revocation binds
    /// tokens created before it; a token created after is a new credential.
    pub fn blocked(&self, agent: &str, token_created_ms: i64) -> Option<Blocked> {
        let control = self.control.read().ok()?;
        let c = control.get(agent)?;
        if let Some(m) = &c.token_revoked {
            if token_created_ms <= m.at.millis() {
                return Some(Blocked {
                    state: ControlState::TokenRevoked,
                    event_id: m.event_id.clone(),
                    reason: describe(m),
                    at: m.at,
                });
            }
        }
        c.paused.as_ref().map(|m| Blocked {
            state: ControlState::Paused,
            event_id: m.event_id.clone(),
            reason: describe(m),
            at: m.at,
        })
    }

    /// Tells the configured webhook targets; never blocks.
    pub fn tell(&self, notice: crate::webhook::Notice) {
        if let Some(w) = &self.webhooks {
            w.notify(notice);
        }
    }

    pub fn bump(&self) {
        self.changed.send_modify(|n| *n = n.wrapping_add(1));
    }
}

fn describe(m: &crate::incident::ControlMark) -> String {
    let mut s = format!("by {}", m.by);
    if let Some(r) = &m.reason_code {
        s.push_str(&format!(" ({r})"));
    }
    if let Some(j) = &m.justification {
        s.push_str(&format!(": {j}"));
    }
    s
}
