//! The agent registry: each agent's owner, autonomy level (0–3, which the policy reads,
//! so autonomy is earned one level at a time) and optional Ed25519 public key. It has no
//! table of its own: every change is a sealed `agent.registry` event, and the registry is
//! the fold of those events, so who changed what, when and why is in the ledger.
//!
//! Only records custody sealed count (`Event::is_trusted`); a producer cannot register an
//! agent or raise its autonomy.

use crate::event::{Action, Actor, ActorType, Agent, Context, Event, Tier, Timestamp};
use base64::Engine;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

/// The event kind every registry change is sealed as.
pub const KIND: &str = "agent.registry";
/// The highest autonomy level.
pub const MAX_AUTONOMY: u8 = 3;

/// One agent's registry entry, as of its latest change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentEntry {
    pub owner: Option<String>,
    pub autonomy: Option<u8>,
    /// Base64 of the 32-byte Ed25519 public key the agent signs proposals with.
    pub public_key: Option<String>,
    /// The operator who made the latest change, and when.
    pub set_by: String,
    pub at: Timestamp,
}

/// Agent id → entry.
pub type Registry = BTreeMap<String, AgentEntry>;

/// What one `custody agent set` changes; fields left `None` keep their value.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Change {
    pub owner: Option<String>,
    pub autonomy: Option<u8>,
    pub public_key: Option<String>,
}

/// Why a change is refused before anything is sealed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BadChange {
    #[error("nothing to set: give --owner, --autonomy or --public-key")]
    Empty,
    #[error("--autonomy {0}: the levels are 0 to 3")]
    Autonomy(u8),
    #[error("--public-key: {0}")]
    PublicKey(String),
}

impl Change {
    /// Checks the change: something to set, autonomy 0–3, a real Ed25519 public key.
    pub fn check(&self) -> Result<(), BadChange> {
        if self.owner.is_none() && self.autonomy.is_none() && self.public_key.is_none() {
            return Err(BadChange::Empty);
        }
        if let Some(a) = self.autonomy.filter(|a| *a > MAX_AUTONOMY) {
            return Err(BadChange::Autonomy(a));
        }
        if let Some(key) = &self.public_key {
            check_public_key(key).map_err(BadChange::PublicKey)?;
        }
        Ok(())
    }
}

/// A base64 (standard or url-safe) Ed25519 public key: 32 bytes that are a valid point.
pub fn check_public_key(key: &str) -> Result<[u8; 32], String> {
    let engines = [
        base64::engine::general_purpose::STANDARD,
        base64::engine::general_purpose::URL_SAFE,
    ];
    let bytes = engines
        .iter()
        .find_map(|e| e.decode(key.trim()).ok())
        .ok_or_else(|| "not base64".to_string())?;
    let bytes: [u8; 32] = bytes
        .try_into()
        .map_err(|b: Vec<u8>| format!("{} bytes; an Ed25519 public key has 32", b.len()))?;
    ed25519_dalek::VerifyingKey::from_bytes(&bytes)
        .map_err(|_| "not a valid Ed25519 public key".to_string())?;
    Ok(bytes)
}

/// The `agent.registry` event recording `change` to `agent` by `operator`.
pub fn event(
    agent: &str,
    change: &Change,
    operator: &str,
    justification: &str,
    event_id: String,
    time: Timestamp,
) -> Event {
    let mut params = Map::new();
    if let Some(o) = &change.owner {
        params.insert("owner".into(), json!(o));
    }
    if let Some(a) = change.autonomy {
        params.insert("autonomy".into(), json!(a));
    }
    if let Some(k) = &change.public_key {
        params.insert("public_key".into(), json!(k.trim()));
    }
    let mut e = Event::custody(KIND, event_id, time, Actor::new(ActorType::Human, operator));
    e.agent = Some(Agent::new(agent));
    e.action = Some(Action {
        kind: "agent.registry.set".into(),
        target_system: Some("custody".into()),
        resource: Some(format!("agent://{agent}")),
        environment: None,
        params: Some(Value::Object(params)),
        before: None,
        after: None,
    });
    e.reason_code = Some("access_change".into());
    e.tier = Some(Tier::T1);
    e.context = Some(Context::default());
    e.justification = Some(justification.into());
    e
}

/// The registry as of the last of `events` (in ledger order). Anything that is not a
/// trusted `agent.registry` event with an agent id is ignored; a malformed value in a
/// trusted one leaves that field as it was.
pub fn fold<'a>(events: impl IntoIterator<Item = &'a Event>) -> Registry {
    let mut registry = Registry::new();
    for e in events {
        if e.kind != KIND || !e.is_trusted() {
            continue;
        }
        let Some(agent) = e.agent_id() else { continue };
        let params = e.action.as_ref().and_then(|a| a.params.as_ref());
        let text = |k: &str| params.and_then(|p| p.get(k)).and_then(Value::as_str);
        let set_by = e.actor.as_ref().map(|a| a.id.clone()).unwrap_or_default();
        let entry = registry
            .entry(agent.to_string())
            .or_insert_with(|| AgentEntry {
                owner: None,
                autonomy: None,
                public_key: None,
                set_by: set_by.clone(),
                at: e.time,
            });
        if let Some(o) = text("owner") {
            entry.owner = Some(o.to_string());
        }
        if let Some(a) = params
            .and_then(|p| p.get("autonomy"))
            .and_then(Value::as_u64)
            .and_then(|a| u8::try_from(a).ok())
            .filter(|a| *a <= MAX_AUTONOMY)
        {
            entry.autonomy = Some(a);
        }
        if let Some(k) = text("public_key").filter(|k| check_public_key(k).is_ok()) {
            entry.public_key = Some(k.to_string());
        }
        entry.set_by = set_by;
        entry.at = e.time;
    }
    registry
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn at(ms: i64) -> Timestamp {
        Timestamp::from_millis(ms).unwrap()
    }

    fn key() -> String {
        let sk = ed25519_dalek::SigningKey::from_bytes(&[7u8; 32]);
        base64::engine::general_purpose::STANDARD.encode(sk.verifying_key().as_bytes())
    }

    fn set(agent: &str, change: Change, by: &str, ms: i64) -> Event {
        event(agent, &change, by, "earned it", format!("e{ms}"), at(ms))
    }

    #[test]
    fn later_changes_update_only_the_fields_they_name() {
        let events = [
            set(
                "autoscaler",
                Change {
                    owner: Some("team-sre".into()),
                    autonomy: Some(1),
                    public_key: None,
                },
                "ana",
                1,
            ),
            set(
                "autoscaler",
                Change {
                    autonomy: Some(2),
                    public_key: Some(key()),
                    ..Change::default()
                },
                "bob",
                2,
            ),
        ];
        let r = fold(&events);
        let e = &r["autoscaler"];
        assert_eq!(e.owner.as_deref(), Some("team-sre"));
        assert_eq!(e.autonomy, Some(2));
        assert_eq!(e.public_key, Some(key()));
        assert_eq!((e.set_by.as_str(), e.at), ("bob", at(2)));
    }

    #[test]
    fn a_registry_event_custody_did_not_seal_changes_nothing() {
        let mut forged = set(
            "rogue",
            Change {
                autonomy: Some(3),
                ..Change::default()
            },
            "mallory",
            1,
        );
        forged.sealed_by = None;
        assert!(fold([&forged]).is_empty());
    }

    #[test]
    fn a_change_must_set_something_within_range_and_a_real_key() {
        assert_eq!(Change::default().check(), Err(BadChange::Empty));
        let too_high = Change {
            autonomy: Some(4),
            ..Change::default()
        };
        assert_eq!(too_high.check(), Err(BadChange::Autonomy(4)));
        let short = Change {
            public_key: Some("AAAA".into()),
            ..Change::default()
        };
        assert!(matches!(short.check(), Err(BadChange::PublicKey(_))));
        let good = Change {
            public_key: Some(key()),
            ..Change::default()
        };
        assert_eq!(good.check(), Ok(()));
    }
}
