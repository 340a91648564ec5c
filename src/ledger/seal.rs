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
    let bytes = record_bytes(&event, seq, recorded_at, origin, &head.hash);
    let hash = leaf_hash(&bytes);
    // Canonical JSON written from Rust strings is always UTF-8.
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

/// The RFC 8785 bytes of the record: exactly `jcs::canonicalize(&record_value(…))`,
/// written in one pass from the event.
pub fn record_bytes(
    event: &Event,
    seq: u64,
    recorded_at: Timestamp,
    origin: &str,
    prev: &Hash,
) -> Vec<u8> {
    let mut texts = Vec::with_capacity(160);
    // Like every JCS number, `seq` is written as a double (exact below 2^53).
    let seq_at = {
        let start = texts.len();
        jcs::write_integer(i128::from(seq), &mut texts);
        start..texts.len()
    };
    let mut span = |text: &str| {
        let start = texts.len();
        jcs::write_string(text, &mut texts);
        start..texts.len()
    };
    let recorded = span(&recorded_at.to_rfc3339());
    let origin_at = span(origin);
    let prev_at = span(&hash_hex(prev));
    let extra: [(&'static str, &[u8]); 4] = [
        ("seq", &texts[seq_at]),
        ("recorded_at", &texts[recorded]),
        ("origin", &texts[origin_at]),
        ("prev_hash", &texts[prev_at]),
    ];
    let mut out = Vec::with_capacity(4096);
    match jcs::write_record(event, &extra, &mut out) {
        Ok(()) => out,
        // Nothing in an `Event` is refused; should that change, the slower path
        // through `Value` still gives the right bytes.
        Err(_) => jcs::canonicalize(&record_value(event, seq, recorded_at, origin, prev)),
    }
}

/// A hash as the 64 lowercase hex digits the ledger writes it with (`hex::encode`
/// builds its string a `char` at a time, which showed in sealing profiles).
pub fn hash_hex(hash: &Hash) -> String {
    let mut digits = [0u8; 64];
    match hex::encode_to_slice(hash, &mut digits) {
        Ok(()) => String::from_utf8_lossy(&digits).into_owned(),
        Err(_) => hex::encode(hash),
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
    if let Some(line) = splice_hash(canonical, hash_hex) {
        return line;
    }
    // Not canonical (a damaged row): re-canonicalise around the new member, as a
    // `Value` map insert would.
    match serde_json::from_str::<Value>(canonical) {
        Ok(Value::Object(mut map)) => {
            map.insert("hash".into(), Value::from(hash_hex));
            String::from_utf8(jcs::canonicalize(&Value::Object(map))).unwrap_or_default()
        }
        _ => canonical.to_string(),
    }
}

/// Writes `"hash":…` into canonical text at its sorted place among the top-level
/// members, reusing the scanned member spans instead of re-parsing the record. `None`
/// when the text is not canonical.
fn splice_hash(canonical: &str, hash_hex: &str) -> Option<String> {
    let members = jcs::scan_canonical(canonical.as_bytes()).ok()?;
    let base = canonical.as_ptr() as usize;
    let mut hash_member = Vec::with_capacity(hash_hex.len() + 10);
    jcs::write_string("hash", &mut hash_member);
    hash_member.push(b':');
    jcs::write_string(hash_hex, &mut hash_member);
    let hash_member = String::from_utf8(hash_member).ok()?;
    let mut line = String::with_capacity(canonical.len() + hash_member.len() + 1);
    line.push('{');
    let mut pending = Some(hash_member.as_str());
    for (key, value) in &members {
        // Raw key text compares with "hash" as the decoded name would: "hash" is
        // ASCII, and every JCS escape (and its backslash) sorts below its letters.
        if *key >= "hash" {
            if let Some(member) = pending.take() {
                push_member(&mut line, member);
            }
            if *key == "hash" {
                // Already present: replaced, as a map insert would.
                continue;
            }
        }
        let start = key.as_ptr() as usize - base - 1;
        let end = value.as_ptr() as usize - base + value.len();
        push_member(&mut line, canonical.get(start..end)?);
    }
    if let Some(member) = pending {
        push_member(&mut line, member);
    }
    line.push('}');
    Some(line)
}

fn push_member(line: &mut String, member: &str) {
    if line.len() > 1 {
        line.push(',');
    }
    line.push_str(member);
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

/// The one-pass writers must agree byte for byte with the `Value` route they replace.
#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod same_bytes {
    use super::*;
    use crate::demo::{history, DemoSpec};
    use crate::event::parse_line;

    /// The record bytes the way they were first defined: through `serde_json::Value`.
    fn via_value(e: &Event, seq: u64, at: Timestamp, origin: &str, prev: &Hash) -> Vec<u8> {
        jcs::canonicalize(&record_value(e, seq, at, origin, prev))
    }

    /// The export line the way it was first defined: parse, insert, re-canonicalise.
    fn export_via_value(canonical: &str, hash_hex: &str) -> String {
        let mut value: Value = serde_json::from_str(canonical).unwrap();
        value
            .as_object_mut()
            .unwrap()
            .insert("hash".into(), Value::from(hash_hex));
        String::from_utf8(jcs::canonicalize(&value)).unwrap()
    }

    fn check(e: &Event, seq: u64) {
        let at: Timestamp = "2026-11-23T01:00:00.123Z".parse().unwrap();
        let prev = [seq as u8; 32];
        let fast = record_bytes(e, seq, at, "custody.local/tést", &prev);
        let slow = via_value(e, seq, at, "custody.local/tést", &prev);
        assert_eq!(
            String::from_utf8_lossy(&fast),
            String::from_utf8_lossy(&slow),
            "event {}",
            e.event_id
        );
        let text = String::from_utf8(fast).unwrap();
        let hash = hex::encode(leaf_hash(text.as_bytes()));
        assert_eq!(export_line(&text, &hash), export_via_value(&text, &hash));
    }

    #[test]
    fn demo_history_records_are_the_bytes_the_value_route_gives() {
        let spec = DemoSpec {
            seed: 11,
            events: 3000,
            days: 3,
            until: "2026-11-20T12:00:00Z".parse().unwrap(),
        };
        for (i, e) in history(&spec).enumerate() {
            check(&e, i as u64 + 1);
        }
    }

    #[test]
    fn floats_integers_and_unicode_are_written_as_the_value_route_writes_them() {
        // Numbers JCS spells in unusual ways, integers past 2^53, member names that
        // sort differently in UTF-16 than in UTF-8 (astral vs U+E000..U+FFFF), and
        // every kind of string escape, in both typed fields and free-form values.
        let line = r#"{"event_id":"ünï-😀","time":"2026-11-23T01:00:00+01:00","kind":"ai.action",
            "risk_score":0.1,
            "ai_output":{"summary":"tab\there \"quoted\" back\\slash \u0001\u001f\u007f \u2028 é😀\uE000","confidence":1e-7},
            "model":{"name":"m","params":{"temperature":0.30000000000000004,"big":1e21,"tiny":5e-324,
                "max":1.7976931348623157e308,"neg":-0.0,"int":9007199254740993,"u":18446744073709551615,
                "i":-9223372036854775808,"\uE000":1,"😀":2,"é":3,"a":[1.5,"x",null,true,{"z":1,"b":2}],
                "":{},"e":[]}},
            "action":{"type":"t","params":{"b":1,"a":{"d":[],"c":"\n"}},"before":null,"after":[{"😀":1,"\uFFFF":2}]},
            "outcome":{"status":"success","response":{"k":"v\u0000"}},
            "exercise":true}"#
            .replace('\n', "");
        let e = parse_line(line.as_bytes()).unwrap();
        check(&e, 1);
        check(&e, (1 << 53) + 1);
        check(&event_with_id("plain"), 42);
    }

    fn event_with_id(id: &str) -> Event {
        let line =
            format!(r#"{{"event_id":"{id}","time":"2026-11-23T01:00:00Z","kind":"ai.action"}}"#);
        parse_line(line.as_bytes()).unwrap()
    }

    #[test]
    fn export_of_a_record_that_is_not_canonical_falls_back_to_recanonicalising() {
        let line = export_line(r#"{"seq":1, "a":2}"#, "ab");
        assert_eq!(line, r#"{"a":2,"hash":"ab","seq":1}"#);
    }

    #[test]
    fn export_replaces_a_hash_member_that_is_already_there() {
        let record = r#"{"a":1,"hash":"old","z":2}"#;
        assert_eq!(export_line(record, "new"), export_via_value(record, "new"));
        let record = r#"{"hash":"old"}"#;
        assert_eq!(export_line(record, "new"), export_via_value(record, "new"));
        assert_eq!(export_line("{}", "new"), export_via_value("{}", "new"));
    }
}
