//! Row-local checks: a record's bytes hash to the stored hash, are canonical RFC 8785,
//! carry this log's origin, and agree with the indexed columns. Each row is judged
//! without its neighbours, so callers may run this on several cores; it runs once per
//! record of the log and allocates nothing unless a row has a problem to describe.

use crate::ledger::columns::{ColumnCheck, IndexedColumns, StoredColumns};
use crate::ledger::jcs::{scan_canonical, scan_members};
use crate::ledger::merkle::{leaf_hash, Hash};

/// What inspection reads from a stored row, whatever store holds it. Bytes, not text:
/// bytes a tamperer left that are not UTF-8 make a modified record.
pub trait SealedRow {
    fn seq(&self) -> u64;
    /// The stored leaf hash, as 64 hex digits.
    fn hash(&self) -> &[u8];
    /// The stored canonical record.
    fn record(&self) -> &[u8];
    /// The indexed columns stored beside the record.
    fn columns(&self) -> StoredColumns<'_>;
}

/// What `inspect` learns from one row without looking at its neighbours.
#[derive(Debug, Clone)]
pub struct RecordFacts {
    pub row_seq: u64,
    pub stored_hash: Option<Hash>,
    pub sealed_seq: Option<u64>,
    /// The sealed `prev_hash`, when it is a string.
    pub prev_hash: Option<SealedLink>,
    /// The sealed `recorded_at`, which a checkpoint's `signed_at` may not precede.
    pub recorded_at: Option<RecordedAt>,
    pub problem: Option<String>,
}

/// A sealed `recorded_at` kept inline, so reading it costs no allocation per row.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct RecordedAt {
    len: u8,
    text: [u8; RecordedAt::MAX],
}

impl RecordedAt {
    /// Longer than any RFC 3339 time `seal` writes.
    const MAX: usize = 40;

    /// Reads a raw canonical JSON value; `None` unless it is a plain short string.
    fn read(raw: &[u8]) -> Option<RecordedAt> {
        let [b'"', text @ .., b'"'] = raw else {
            return None;
        };
        if text.len() > Self::MAX || text.contains(&b'\\') {
            return None;
        }
        let mut at = RecordedAt {
            len: text.len() as u8,
            text: [0; Self::MAX],
        };
        at.text[..text.len()].copy_from_slice(text);
        Some(at)
    }

    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.text[..usize::from(self.len)]).unwrap_or("")
    }

    /// Made-up facts for tests of the walk.
    #[cfg(test)]
    pub fn new(text: &str) -> RecordedAt {
        Self::read(format!("\"{text}\"").as_bytes()).unwrap_or(RecordedAt {
            len: 0,
            text: [0; Self::MAX],
        })
    }
}

impl std::fmt::Debug for RecordedAt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The link a record was sealed with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SealedLink {
    /// Exactly 64 lowercase hex digits, as `seal` writes links, naming this hash.
    Hash(Hash),
    /// Any other string, which links to nothing.
    Other,
}

impl SealedLink {
    /// Reads a raw canonical JSON value; `None` when it is not a string.
    fn read(raw: &[u8]) -> Option<SealedLink> {
        let [b'"', text @ .., b'"'] = raw else {
            return None;
        };
        Some(lower_hex(text).map_or(SealedLink::Other, SealedLink::Hash))
    }
}

/// Row-local checks on one stored row; `origin` is the log the records were sealed for.
pub fn inspect<R: SealedRow + ?Sized>(row: &R, origin: &str) -> RecordFacts {
    let computed = leaf_hash(row.record());
    let stored_hash = decode_hash(row.hash());
    let mut facts = RecordFacts {
        row_seq: row.seq(),
        stored_hash,
        sealed_seq: None,
        prev_hash: None,
        recorded_at: None,
        problem: None,
    };
    if stored_hash != Some(computed) {
        facts.problem = Some("its content no longer matches its hash".into());
    }
    let (mut sealed_seq, mut prev_hash, mut foreign, mut recorded_at) = (None, None, None, None);
    let mut columns = ColumnCheck::default();
    let scanned = scan_members(row.record(), |key, raw| {
        match key {
            "seq" => sealed_seq = std::str::from_utf8(raw).ok().and_then(|s| s.parse().ok()),
            "prev_hash" => prev_hash = SealedLink::read(raw),
            "recorded_at" => recorded_at = RecordedAt::read(raw),
            "origin" if !names(raw, origin) => foreign = Some(raw),
            _ => {}
        }
        columns.member(key, raw);
    });
    if let Err(e) = scanned {
        facts
            .problem
            .get_or_insert_with(|| format!("not canonical JSON ({e})"));
        return facts;
    }
    facts.sealed_seq = sealed_seq;
    facts.prev_hash = prev_hash;
    facts.recorded_at = recorded_at;
    if let Some(raw) = foreign {
        facts.problem.get_or_insert_with(|| {
            format!(
                "sealed for another log ({})",
                json_text(raw).unwrap_or_default()
            )
        });
    }
    if facts.problem.is_none() && (facts.sealed_seq.is_none() || facts.prev_hash.is_none()) {
        facts.problem = Some("its `seq` or `prev_hash` is missing or malformed".into());
    }
    if facts.problem.is_none() && !columns.agrees_with(&row.columns()) {
        facts.problem = column_problem(row);
    }
    facts
}

/// The full comparison of a row's columns with its sealed record, for the rare row the
/// plain check could not vouch for.
fn column_problem<R: SealedRow + ?Sized>(row: &R) -> Option<String> {
    let members = match scan_canonical(row.record()) {
        Ok(m) => m,
        Err(e) => return Some(format!("not canonical JSON ({e})")),
    };
    let columns = row.columns();
    match columns.compare_with_members(&members) {
        Ok(Some(sealed)) => Some(column_difference(&columns.to_owned_lossy(), &sealed)),
        Ok(None) => None,
        Err(e) => Some(format!("unreadable field {e}")),
    }
}

/// The origin a sealed record names, when it is canonical JSON with a string origin:
/// what a log's records say their log is, whatever the store's metadata now says.
pub fn sealed_origin(record: &[u8]) -> Option<String> {
    let mut origin = None;
    scan_members(record, |key, raw| {
        if key == "origin" {
            origin = json_text(raw);
        }
    })
    .ok()?;
    origin
}

/// Whether a raw canonical JSON value is the string `text`.
fn names(raw: &[u8], text: &str) -> bool {
    match raw {
        [b'"', plain @ .., b'"'] if !plain.contains(&b'\\') => plain == text.as_bytes(),
        _ => json_text(raw).as_deref() == Some(text),
    }
}

/// A JSON string value as text; plain strings (no escapes, the usual case in a
/// canonical record) are copied without running a JSON parser.
fn json_text(raw: &[u8]) -> Option<String> {
    match raw {
        [b'"', text @ .., b'"'] if !text.contains(&b'\\') => {
            std::str::from_utf8(text).ok().map(str::to_string)
        }
        _ => serde_json::from_slice(raw).ok(),
    }
}

/// 64 lowercase hex digits as the hash they spell.
fn lower_hex(text: &[u8]) -> Option<Hash> {
    /// Each byte's value as a lowercase hex digit, or 0xff.
    const DIGIT: [u8; 256] = {
        let mut t = [0xffu8; 256];
        let mut c = 0;
        while c < 10 {
            t[b'0' as usize + c] = c as u8;
            c += 1;
        }
        let mut c = 0;
        while c < 6 {
            t[b'a' as usize + c] = 10 + c as u8;
            c += 1;
        }
        t
    };
    if text.len() != 64 {
        return None;
    }
    let mut h = [0u8; 32];
    let mut bad = 0u8;
    for (byte, pair) in h.iter_mut().zip(text.chunks_exact(2)) {
        let (hi, lo) = (DIGIT[pair[0] as usize], DIGIT[pair[1] as usize]);
        bad |= hi | lo;
        *byte = hi << 4 | (lo & 0x0f);
    }
    (bad & 0xf0 == 0).then_some(h)
}

fn column_difference(stored: &IndexedColumns, sealed: &IndexedColumns) -> String {
    let pairs: [(&str, String, String); 10] = [
        ("event_id", stored.event_id.clone(), sealed.event_id.clone()),
        ("time", stored.time.clone(), sealed.time.clone()),
        ("kind", stored.kind.clone(), sealed.kind.clone()),
        (
            "tier",
            format!("{:?}", stored.tier),
            format!("{:?}", sealed.tier),
        ),
        (
            "reason_code",
            format!("{:?}", stored.reason_code),
            format!("{:?}", sealed.reason_code),
        ),
        (
            "agent_id",
            format!("{:?}", stored.agent_id),
            format!("{:?}", sealed.agent_id),
        ),
        (
            "correlation_id",
            format!("{:?}", stored.correlation_id),
            format!("{:?}", sealed.correlation_id),
        ),
        (
            "environment",
            format!("{:?}", stored.environment),
            format!("{:?}", sealed.environment),
        ),
        (
            "outcome",
            format!("{:?}", stored.outcome),
            format!("{:?}", sealed.outcome),
        ),
        (
            "exercise",
            stored.exercise.to_string(),
            sealed.exercise.to_string(),
        ),
    ];
    pairs
        .iter()
        .find(|(_, a, b)| a != b)
        .map(|(name, a, b)| {
            format!("indexed column `{name}` says {a} but the sealed record says {b}")
        })
        .unwrap_or_else(|| "indexed columns disagree with the sealed record".into())
}

fn decode_hash(s: &[u8]) -> Option<Hash> {
    let mut h = [0u8; 32];
    hex::decode_to_slice(s, &mut h).ok()?;
    Some(h)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn only_a_string_of_64_lowercase_hex_digits_names_a_hash() {
        let hash = [0xab; 32];
        let lower = format!("\"{}\"", hex::encode(hash));
        assert_eq!(
            SealedLink::read(lower.as_bytes()),
            Some(SealedLink::Hash(hash))
        );
        for other in [
            lower.to_uppercase(),
            format!("\"{}\"", "0".repeat(63)),
            "\"\"".into(),
        ] {
            assert_eq!(
                SealedLink::read(other.as_bytes()),
                Some(SealedLink::Other),
                "{other}"
            );
        }
        assert_eq!(SealedLink::read(b"null"), None);
    }
}
