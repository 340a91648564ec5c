//! The `detection.*` events: a flag put on the record, so time to detect can be measured
//! from sealed events and an incident can name what triggered it.
//!
//! | kind | when | `action.params` |
//! |---|---|---|
//! | `detection.violation` | an agent acted after its pause or revocation (sealed as soon as a console sees it) | `rule`, `flag`, `why`, `count`, `evidence` (event ids), `raised_seq`, optional `incident` |
//! | `detection.flag` | a responder opened an incident or contained an agent from a flag | the same |
//!
//! The actor is the service `custody.detect`; `time` is when the flag was raised (the
//! time of the event that tripped the rule), so `recorded_at − time` is the delay before
//! someone acted on it. The event id is derived from the flag and the seq that raised it,
//! so two consoles that see the same violation seal it once (the second is a duplicate).

use super::{Flag, Rule};
use crate::event::{Action, Actor, ActorType, Agent, Context, Event};
use serde_json::json;

pub const DETECT_ACTOR: &str = "custody.detect";

/// The record of `flag`, linked to `incident` when one is open for it.
pub fn flag_event(flag: &Flag, incident: Option<&str>) -> Event {
    let kind = if flag.rule == Rule::Violation {
        "detection.violation"
    } else {
        "detection.flag"
    };
    let mut e = Event::custody(
        kind,
        flag_event_id(flag),
        flag.raised_at,
        Actor::new(ActorType::Service, DETECT_ACTOR),
    );
    let resource = if flag.agent {
        e.agent = Some(Agent::new(flag.subject.clone()));
        format!("agent://{}", flag.subject)
    } else {
        format!("operator://{}", flag.subject)
    };
    let mut params = json!({
        "rule": flag.rule.as_str(),
        "flag": flag.id,
        "why": flag.why,
        "count": flag.count,
        "evidence": flag.evidence,
        "raised_seq": flag.raised_seq,
    });
    if let (Some(id), Some(map)) = (incident, params.as_object_mut()) {
        map.insert("incident".into(), id.into());
    }
    e.action = Some(Action {
        kind: format!("detection.{}", flag.rule.as_str()),
        target_system: Some("custody".into()),
        resource: Some(resource),
        environment: None,
        params: Some(params),
        before: None,
        after: None,
    });
    e.tier = flag.tier;
    e.reason_code = flag.reason_code.clone();
    e.context = Some(Context {
        correlation_id: incident
            .map(str::to_string)
            .or_else(|| flag.correlation_id.clone()),
        parent_event_id: flag.evidence.first().cloned(),
        ..Context::default()
    });
    e.exercise = flag.exercise;
    e
}

/// A UUIDv7 from the raising time and a digest of the flag: the same flag episode always
/// gets the same id. A violation's flag id names the pause or revocation it broke, so it
/// is sealed once per episode whichever action a console saw first; other flags add the
/// seq that raised them.
pub fn flag_event_id(flag: &Flag) -> String {
    use sha2::{Digest, Sha256};
    let mut digest = Sha256::new()
        .chain_update(b"custody.detect\0")
        .chain_update(flag.id.as_bytes());
    if flag.rule != Rule::Violation {
        digest = digest.chain_update(flag.raised_seq.to_be_bytes());
    }
    let digest = digest.finalize();
    if flag.rule == Rule::Violation {
        // Not time-ordered: the episode's id must not depend on which action was seen first.
        let mut bytes = [0u8; 16];
        bytes.copy_from_slice(&digest[..16]);
        return uuid::Builder::from_random_bytes(bytes)
            .into_uuid()
            .to_string();
    }
    let mut bits = [0u8; 10];
    bits.copy_from_slice(&digest[..10]);
    let ms = u64::try_from(flag.raised_at.millis()).unwrap_or_default();
    uuid::Builder::from_unix_timestamp_millis(ms, &bits)
        .into_uuid()
        .to_string()
}

/// The flag a `detection.*` event records, read back: (rule, flag id, incident).
pub fn read(e: &Event) -> Option<(String, String, Option<String>)> {
    if !e.kind.starts_with("detection.") || !e.is_trusted() {
        return None;
    }
    let p = e.action.as_ref()?.params.as_ref()?;
    let s = |k: &str| p.get(k).and_then(|v| v.as_str()).map(str::to_string);
    Some((s("rule")?, s("flag")?, s("incident")))
}
