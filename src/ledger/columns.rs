//! The columns a store indexes next to each sealed record. They are derived from the
//! event, never supplied separately, and `verify` re-derives them from the sealed bytes:
//! a column edited to hide an event from a filter is tampering like any other.

use crate::event::Event;
use serde::Deserialize;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IndexedColumns {
    pub event_id: String,
    pub time: String,
    pub kind: String,
    pub tier: Option<String>,
    pub reason_code: Option<String>,
    pub agent_id: Option<String>,
    pub correlation_id: Option<String>,
    pub environment: Option<String>,
    pub outcome: Option<String>,
    pub exercise: bool,
}

impl IndexedColumns {
    pub fn of(e: &Event) -> Self {
        IndexedColumns {
            event_id: e.event_id.clone(),
            time: e.time.to_rfc3339(),
            kind: e.kind.clone(),
            tier: e.tier.map(|t| t.as_str().to_string()),
            reason_code: e.reason_code.clone(),
            agent_id: e.agent_id().map(str::to_string),
            correlation_id: e.correlation_id().map(str::to_string),
            environment: e.environment().map(str::to_string),
            outcome: e.outcome_status().map(|s| s.as_str().to_string()),
            exercise: e.exercise,
        }
    }

    /// Derives the columns from the top-level members of a sealed record without
    /// building the whole event (this runs once per record in `verify`).
    pub fn from_members(members: &[(&str, &[u8])]) -> Result<Self, String> {
        let mut c = IndexedColumns::default();
        let mut context_env = None;
        let mut action_env = None;
        for (key, raw) in members {
            let err = |e: serde_json::Error| format!("`{key}`: {e}");
            match *key {
                "event_id" => c.event_id = serde_json::from_slice(raw).map_err(err)?,
                "time" => c.time = serde_json::from_slice(raw).map_err(err)?,
                "kind" => c.kind = serde_json::from_slice(raw).map_err(err)?,
                "tier" => c.tier = serde_json::from_slice(raw).map_err(err)?,
                "reason_code" => c.reason_code = serde_json::from_slice(raw).map_err(err)?,
                "exercise" => c.exercise = serde_json::from_slice(raw).map_err(err)?,
                "agent" => c.agent_id = serde_json::from_slice::<IdOnly>(raw).map_err(err)?.id,
                "outcome" => {
                    c.outcome = serde_json::from_slice::<StatusOnly>(raw)
                        .map_err(err)?
                        .status
                }
                "action" => {
                    action_env = serde_json::from_slice::<EnvOnly>(raw)
                        .map_err(err)?
                        .environment
                }
                "context" => {
                    let ctx: ContextCols = serde_json::from_slice(raw).map_err(err)?;
                    c.correlation_id = ctx.correlation_id;
                    context_env = ctx.environment;
                }
                _ => {}
            }
        }
        c.environment = action_env.or(context_env);
        Ok(c)
    }
}

#[derive(Deserialize)]
struct IdOnly {
    id: Option<String>,
}

#[derive(Deserialize)]
struct StatusOnly {
    status: Option<String>,
}

#[derive(Deserialize)]
struct EnvOnly {
    environment: Option<String>,
}

#[derive(Deserialize)]
struct ContextCols {
    correlation_id: Option<String>,
    environment: Option<String>,
}

/// The line `/` search matches against: agent, action type, target system, resource,
/// reason code and the AI's summary, lower-cased and capped, so a scan stays cheap.
pub fn search_text(e: &Event) -> String {
    const CAP: usize = 240;
    let mut parts: Vec<&str> = Vec::with_capacity(8);
    if let Some(a) = &e.agent {
        parts.push(&a.id);
        if let Some(n) = &a.name {
            parts.push(n);
        }
    }
    parts.push(&e.kind);
    if let Some(a) = &e.action {
        parts.push(&a.kind);
        parts.extend(a.target_system.as_deref());
        parts.extend(a.resource.as_deref());
    }
    parts.extend(e.reason_code.as_deref());
    parts.extend(e.ai_output.as_ref().and_then(|o| o.summary.as_deref()));
    let mut text = parts.join(" ").to_lowercase();
    if text.len() > CAP {
        let mut cut = CAP;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
    }
    text
}
