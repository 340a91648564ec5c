//! Sealing: an accepted event plus the fields the store assigns (`seq`, `recorded_at`,
//! `origin`, `prev_hash`) becomes a record whose RFC 8785 bytes are hashed into the
//! chain. Pure: the store decides *when* to seal and persists the result.

use super::jcs;
use super::merkle::{leaf_hash, Hash};
use crate::event::{Event, Timestamp};
use serde_json::Value;

/// `prev_hash` of the first record.
pub const GENESIS_PREV: Hash = [0u8; 32];

/// The chain position a new record is sealed at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainHead {
    /// The `seq` of the last sealed record (0 for an empty log).
    pub seq: u64,
    /// Its hash (`GENESIS_PREV` for an empty log).
    pub hash: Hash,
}

impl ChainHead {
    pub fn genesis() -> Self {
        ChainHead {
            seq: 0,
            hash: GENESIS_PREV,
        }
    }
}

/// A sealed record ready to be stored: its canonical bytes and leaf hash.
#[derive(Debug, Clone)]
pub struct SealedRecord {
    pub seq: u64,
    pub recorded_at: Timestamp,
    pub hash: Hash,
    /// RFC 8785 bytes of the record without `hash`; exactly what was hashed.
    pub canonical: String,
    pub event: Event,
}

/// Seals `event` after `head`, advancing `head` to the new record.
pub fn seal(
    event: Event,
    head: &mut ChainHead,
    origin: &str,
    recorded_at: Timestamp,
) -> SealedRecord {
    let seq = head.seq + 1;
    let value = record_value(&event, seq, recorded_at, origin, &head.hash);
    let bytes = jcs::canonicalize(&value);
    let hash = leaf_hash(&bytes);
    // Canonical JSON of a serde_json::Value is always UTF-8.
    let canonical = String::from_utf8(bytes).unwrap_or_default();
    head.seq = seq;
    head.hash = hash;
    SealedRecord {
        seq,
        recorded_at,
        hash,
        canonical,
        event,
    }
}

/// The JSON object whose canonical bytes are hashed.
pub fn record_value(
    event: &Event,
    seq: u64,
    recorded_at: Timestamp,
    origin: &str,
    prev: &Hash,
) -> Value {
    let mut value = serde_json::to_value(event).unwrap_or(Value::Null);
    if let Value::Object(map) = &mut value {
        map.insert("seq".into(), Value::from(seq));
        map.insert("recorded_at".into(), Value::from(recorded_at.to_rfc3339()));
        map.insert("origin".into(), Value::from(origin));
        map.insert("prev_hash".into(), Value::from(hex::encode(prev)));
    }
    value
}

/// Adds `hash` to a record's canonical text: the line `custody export` writes. The
/// result is still canonical JSON (keys stay sorted), so a verifier that drops `hash`
/// and re-canonicalises gets the hashed bytes back.
pub fn export_line(canonical: &str, hash_hex: &str) -> String {
    // Sorted position of "hash" among the top-level keys is found by re-inserting.
    match serde_json::from_str::<Value>(canonical) {
        Ok(Value::Object(mut map)) => {
            map.insert("hash".into(), Value::from(hash_hex));
            String::from_utf8(jcs::canonicalize(&Value::Object(map))).unwrap_or_default()
        }
        _ => canonical.to_string(),
    }
}

/// Splits a stored record back into the event and its seal fields.
pub fn event_from_record(canonical: &str) -> Result<Event, serde_json::Error> {
    let mut value: Value = serde_json::from_str(canonical)?;
    if let Value::Object(map) = &mut value {
        for k in ["seq", "recorded_at", "origin", "prev_hash", "hash"] {
            map.remove(k);
        }
    }
    serde_json::from_value(value)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::event::parse_line;

    fn event(id: &str) -> Event {
        let line =
            format!(r#"{{"event_id":"{id}","time":"2026-11-23T01:00:00Z","kind":"ai.action"}}"#);
        parse_line(line.as_bytes()).unwrap()
    }

    #[test]
    fn records_chain_to_their_predecessor() {
        let mut head = ChainHead::genesis();
        let t = Timestamp::now();
        let a = seal(event("a"), &mut head, "test/log", t);
        let b = seal(event("b"), &mut head, "test/log", t);
        assert!(b
            .canonical
            .contains(&format!(r#""prev_hash":"{}""#, hex::encode(a.hash))));
        assert_eq!((a.seq, b.seq, head.seq), (1, 2, 2));
    }

    #[test]
    fn the_first_record_points_at_sixty_four_zeros() {
        let r = seal(
            event("a"),
            &mut ChainHead::genesis(),
            "test/log",
            Timestamp::now(),
        );
        assert!(r
            .canonical
            .contains(&format!(r#""prev_hash":"{}""#, "0".repeat(64))));
    }

    #[test]
    fn export_lines_round_trip_to_the_event() {
        let r = seal(
            event("a"),
            &mut ChainHead::genesis(),
            "test/log",
            Timestamp::now(),
        );
        let line = export_line(&r.canonical, &hex::encode(r.hash));
        assert_eq!(event_from_record(&line).unwrap(), r.event);
    }
}
