//! `manifest.json`: what a bundle claims. The media type, the log's origin and leaf-hash
//! rule, the scope, the seq range and whether it is contiguous, the checkpoint used, the
//! entries, and the SHA-256 of every other file. Written in RFC 8785 form so it has one
//! spelling; it is not signed, so a checker trusts nothing in it that the checkpoint
//! signature and the proofs do not back.

use crate::ledger::jcs;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub const MEDIA_TYPE: &str = "application/vnd.custody.evidence-bundle.v1+json";
pub const LEAF_HASH_RULE: &str =
    "RFC 9162 leaf hash: SHA-256(0x00 || the bytes of events/<seq>.json), the RFC 8785 form of the record without `hash`; leaf index = seq - 1";
pub const MANIFEST: &str = "manifest.json";
pub const VKEY: &str = "verifier.vkey";
pub const README: &str = "README.txt";

/// What the bundle was asked to hold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Scope {
    Correlation {
        id: String,
    },
    Incident {
        id: String,
    },
    TimeRange {
        from: String,
        to: String,
        agent: Option<String>,
    },
}

impl Scope {
    /// Only a time range is proven complete (a contiguous seq range, every record in
    /// it accounted for); the others rest on the store's index, so completeness is
    /// only asserted.
    pub fn completeness(&self) -> &'static str {
        match self {
            Scope::TimeRange { .. } => "proven",
            _ => "asserted",
        }
    }
}

/// How an entry relates to the scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// In scope: event bytes and an inclusion proof.
    Included,
    /// The record just outside a time range, proving where it starts or ends.
    Boundary,
    /// Inside the seq range but not in scope: leaf hash and proof only.
    OutOfScope,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub seq: u64,
    pub index: u64,
    /// Lowercase hex.
    pub leaf_hash: String,
    pub status: Status,
    /// `events/<seq>.json`, absent for out-of-scope records.
    pub event: Option<String>,
    /// `proofs/<seq>.tlog-proof`.
    pub proof: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeqRange {
    pub first: u64,
    pub last: u64,
    pub contiguous: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckpointRef {
    /// `checkpoints/<size>.note`.
    pub file: String,
    pub size: u64,
    /// Standard base64, as in the note.
    pub root: String,
}

/// Records in scope that no checkpoint covered yet, so nothing can prove them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeftOut {
    pub count: u64,
    pub first_seq: u64,
    pub last_seq: u64,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub media_type: String,
    pub origin: String,
    pub leaf_hash: String,
    pub scope: Scope,
    pub completeness: String,
    pub seq_range: Option<SeqRange>,
    pub checkpoint: CheckpointRef,
    pub left_out: Option<LeftOut>,
    pub entries: Vec<Entry>,
    /// Every file but the manifest itself: path → lowercase hex SHA-256.
    pub files: BTreeMap<String, String>,
}

impl Manifest {
    /// The RFC 8785 bytes written as `manifest.json`.
    pub fn canonical(&self) -> Vec<u8> {
        // Serialising plain structs of strings, integers and maps cannot fail.
        let value = serde_json::to_value(self).unwrap_or_default();
        jcs::canonicalize(&value)
    }
}

pub fn event_file(seq: u64) -> String {
    format!("events/{seq}.json")
}

pub fn proof_file(seq: u64) -> String {
    format!("proofs/{seq}.tlog-proof")
}

pub fn checkpoint_file(size: u64) -> String {
    format!("checkpoints/{size}.note")
}

/// The README a person reads first: how to check the bundle by hand.
pub fn readme(m: &Manifest) -> String {
    format!(
        "custody evidence bundle\n\
         =======================\n\n\
         Log origin: {origin}\nScope: {scope}\nCompleteness: {completeness}\n\
         Checkpoint: {cp} (tree size {size})\n\n\
         Check it with custody:   custody evidence verify THIS_DIR --vkey KEY\n\
         or with any tool, by hand (nothing here is custody-specific):\n\n\
         1. Pin the log's verifier key out of band. verifier.vkey is only a hint;\n\
            a bundle can carry any key it likes.\n\
         2. manifest.json is RFC 8785 JSON. For every path in its \"files\", the\n\
            SHA-256 of that file must equal the hex value given.\n\
         3. checkpoints/*.note are C2SP signed notes (c2sp.org/signed-note) whose text\n\
            is a C2SP tlog-checkpoint: origin, tree size, base64 root. Verify the\n\
            Ed25519 signature line against the pinned key (key id = SHA-256(name ||\n\
            0x0A || 0x01 || public key)[:4]) and that the origin is the log you expect.\n\
         4. For each entry with an event file: events/<seq>.json are the exact bytes\n\
            that were hashed. SHA-256(0x00 || bytes) is the RFC 9162 leaf hash; it must\n\
            equal the entry's leaf_hash, and the record's \"seq\" must be the entry's seq.\n\
         5. proofs/<seq>.tlog-proof are C2SP tlog-proof@v1 files: 'index' is seq - 1,\n\
            then the RFC 9162 inclusion path (base64, one hash per line), an empty line,\n\
            and the checkpoint note verbatim (it must equal the checkpoint file). Hash\n\
            the leaf up the path (RFC 9162 section 2.1.3.2) to the checkpoint's root.\n\
         6. A time-range bundle lists every seq from seq_range.first to last, with no\n\
            hole; out-of-scope records appear as leaf hashes with their proofs only.\n",
        origin = m.origin,
        scope = serde_json::to_string(&m.scope).unwrap_or_default(),
        completeness = m.completeness,
        cp = m.checkpoint.file,
        size = m.checkpoint.size,
    )
}
