//! Checking a bundle offline, given its files and the verifier keys to trust: the
//! SHA-256 of every file against the manifest, each leaf hash recomputed from the
//! event bytes, each inclusion proof against the one signed checkpoint, the checkpoint's
//! signature and origin, the chain links between neighbouring records, and, for a time
//! range, that the seq range has no hole.
//!
//! Every problem is data naming the file and the seq it concerns, so the edge can
//! report per entry. Nothing in the manifest is trusted on its own: it is not signed.

use super::manifest::{self, Manifest, Status};
use super::tlog_proof::TlogProof;
use crate::ledger::checkpoint::Checkpoint;
use crate::ledger::jcs;
use crate::ledger::merkle::{leaf_hash, verify_inclusion, Hash};
use crate::ledger::note::{self, NoteVerifier, SignatureCheck};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};

/// One thing wrong with a bundle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// A short, stable name: `file-hash`, `missing-file`, `unlisted-file`, `modified`,
    /// `not-canonical`, `wrong-seq`, `bad-proof`, `proof-checkpoint`, `bad-signature`,
    /// `unknown-key`, `other-log`, `bad-checkpoint`, `hole`, `broken-chain`, `manifest`.
    pub class: &'static str,
    /// The entry it concerns, when it concerns one.
    pub seq: Option<u64>,
    /// The bundle file it concerns, when it concerns one.
    pub file: Option<String>,
    pub detail: String,
}

/// The verdict on one entry of the manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EntryVerdict {
    pub seq: u64,
    pub status: Status,
    /// True when its bytes, leaf hash and inclusion proof check out against a
    /// checkpoint whose signature verifies.
    pub proven: bool,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    pub origin: Option<String>,
    pub checkpoint_size: Option<u64>,
    pub completeness: Option<String>,
    pub entries: Vec<EntryVerdict>,
    pub problems: Vec<Problem>,
    /// Why the bundle could not be checked at all (exit 2).
    pub could_not_check: Option<String>,
}

impl Report {
    /// 0 intact, 1 tampering found, 2 could not check, like `custody verify`.
    pub fn exit_code(&self) -> u8 {
        if self.could_not_check.is_some() {
            2
        } else if self.problems.is_empty() {
            0
        } else {
            1
        }
    }

    fn problem(
        &mut self,
        class: &'static str,
        seq: Option<u64>,
        file: Option<&str>,
        detail: String,
    ) {
        self.problems.push(Problem {
            class,
            seq,
            file: file.map(str::to_string),
            detail,
        });
    }
}

/// Checks the bundle whose files (path → bytes, `/`-separated, relative to the bundle
/// root) are `files`, trusting checkpoints signed by `verifiers`.
pub fn check(files: &BTreeMap<String, Vec<u8>>, verifiers: &[NoteVerifier]) -> Report {
    let mut report = Report::default();
    let Some(manifest_bytes) = files.get(manifest::MANIFEST) else {
        report.could_not_check = Some("the bundle has no manifest.json".into());
        return report;
    };
    let m: Manifest = match serde_json::from_slice(manifest_bytes) {
        Ok(m) => m,
        Err(e) => {
            report.could_not_check = Some(format!("manifest.json is not a custody manifest: {e}"));
            return report;
        }
    };
    if m.media_type != manifest::MEDIA_TYPE {
        report.could_not_check = Some(format!(
            "manifest.json has media type {:?}, not {:?}",
            m.media_type,
            manifest::MEDIA_TYPE
        ));
        return report;
    }
    report.origin = Some(m.origin.clone());
    report.checkpoint_size = Some(m.checkpoint.size);
    report.completeness = Some(m.completeness.clone());
    if jcs::scan_canonical(manifest_bytes).is_err() {
        report.problem(
            "manifest",
            None,
            Some(manifest::MANIFEST),
            "manifest.json is not in RFC 8785 form".into(),
        );
    }
    let owner = owners(&m);
    check_file_hashes(files, &m, &owner, &mut report);
    let checkpoint = check_checkpoint(files, &m, verifiers, &mut report);
    let mut by_seq: BTreeMap<u64, Hash> = BTreeMap::new();
    for e in &m.entries {
        if let Some(h) = parse_hex(&e.leaf_hash) {
            by_seq.insert(e.seq, h);
        }
    }
    let before = report.problems.len();
    for e in &m.entries {
        let mark = report.problems.len();
        check_entry(files, &m, e, checkpoint.as_ref(), &by_seq, &mut report);
        let own_file_trouble = report.problems[..before]
            .iter()
            .any(|p| p.seq == Some(e.seq));
        report.entries.push(EntryVerdict {
            seq: e.seq,
            status: e.status,
            proven: checkpoint.is_some() && report.problems.len() == mark && !own_file_trouble,
        });
    }
    check_range(&m, &mut report);
    report
}

/// Which entry each file belongs to, to name the seq in a file's problem.
fn owners(m: &Manifest) -> BTreeMap<&str, u64> {
    let mut owner = BTreeMap::new();
    for e in &m.entries {
        if let Some(ev) = &e.event {
            owner.insert(ev.as_str(), e.seq);
        }
        owner.insert(e.proof.as_str(), e.seq);
    }
    owner
}

fn check_file_hashes(
    files: &BTreeMap<String, Vec<u8>>,
    m: &Manifest,
    owner: &BTreeMap<&str, u64>,
    report: &mut Report,
) {
    for (path, want) in &m.files {
        let seq = owner.get(path.as_str()).copied();
        match files.get(path) {
            None => report.problem(
                "missing-file",
                seq,
                Some(path),
                format!("{path} is listed in the manifest but missing"),
            ),
            Some(bytes) => {
                let got = hex::encode(Sha256::digest(bytes));
                if got != *want {
                    report.problem(
                        "file-hash",
                        seq,
                        Some(path),
                        format!("SHA-256 of {path} is {got}, the manifest says {want}"),
                    );
                }
            }
        }
    }
    for path in files.keys() {
        if path != manifest::MANIFEST && !m.files.contains_key(path) {
            let seq = owner.get(path.as_str()).copied();
            report.problem(
                "unlisted-file",
                seq,
                Some(path),
                format!("{path} is in the bundle but not in the manifest's file list"),
            );
        }
    }
    // Every file an entry or the checkpoint names must be hashed in the manifest.
    let named = m
        .entries
        .iter()
        .flat_map(|e| {
            e.event
                .iter()
                .chain(std::iter::once(&e.proof))
                .map(|f| (f, Some(e.seq)))
        })
        .chain(std::iter::once((&m.checkpoint.file, None)));
    for (f, seq) in named {
        if !m.files.contains_key(f) {
            report.problem(
                "manifest",
                seq,
                Some(f),
                format!("{f} is named by the manifest but has no SHA-256 in its file list"),
            );
        }
    }
}

/// The checkpoint, when its note opens, parses, names this origin and carries a valid
/// signature from a trusted key.
fn check_checkpoint(
    files: &BTreeMap<String, Vec<u8>>,
    m: &Manifest,
    verifiers: &[NoteVerifier],
    report: &mut Report,
) -> Option<(Checkpoint, String)> {
    let file = m.checkpoint.file.as_str();
    let Some(bytes) = files.get(file) else {
        report.problem(
            "missing-file",
            None,
            Some(file),
            format!("the checkpoint {file} is missing"),
        );
        return None;
    };
    let Ok(text) = std::str::from_utf8(bytes) else {
        report.problem(
            "bad-checkpoint",
            None,
            Some(file),
            "the checkpoint is not UTF-8".into(),
        );
        return None;
    };
    let opened = match note::open(text, verifiers) {
        Ok(o) => o,
        Err(e) => {
            report.problem("bad-checkpoint", None, Some(file), format!("{e}"));
            return None;
        }
    };
    let cp = match Checkpoint::parse(&opened.body) {
        Ok(cp) => cp,
        Err(e) => {
            report.problem("bad-checkpoint", None, Some(file), format!("{e}"));
            return None;
        }
    };
    let mut ok = true;
    if cp.origin != m.origin {
        report.problem(
            "other-log",
            None,
            Some(file),
            format!(
                "the checkpoint is for the log {:?}, the bundle for {:?}",
                cp.origin, m.origin
            ),
        );
        ok = false;
    }
    if cp.size != m.checkpoint.size {
        report.problem(
            "bad-checkpoint",
            None,
            Some(file),
            format!(
                "the checkpoint's tree size is {}, the manifest says {}",
                cp.size, m.checkpoint.size
            ),
        );
        ok = false;
    }
    let verdicts: Vec<SignatureCheck> = opened.signatures.iter().map(|(_, v)| *v).collect();
    if verdicts.contains(&SignatureCheck::BadSignature) {
        report.problem(
            "bad-signature",
            None,
            Some(file),
            "a signature by a trusted key does not verify".into(),
        );
        ok = false;
    } else if !verdicts.contains(&SignatureCheck::Valid) {
        let names: Vec<&str> = opened.signatures.iter().map(|(n, _)| n.as_str()).collect();
        report.problem(
            "unknown-key",
            None,
            Some(file),
            format!(
                "no signature by a trusted key (signed by {})",
                names.join(", ")
            ),
        );
        ok = false;
    }
    ok.then(|| (cp, text.to_string()))
}

fn check_entry(
    files: &BTreeMap<String, Vec<u8>>,
    m: &Manifest,
    e: &manifest::Entry,
    checkpoint: Option<&(Checkpoint, String)>,
    by_seq: &BTreeMap<u64, Hash>,
    report: &mut Report,
) {
    let seq = Some(e.seq);
    let Some(leaf) = parse_hex(&e.leaf_hash) else {
        report.problem(
            "manifest",
            seq,
            None,
            format!("leaf_hash {:?} is not 64 hex digits", e.leaf_hash),
        );
        return;
    };
    if e.seq == 0 || e.index != e.seq - 1 {
        report.problem(
            "manifest",
            seq,
            None,
            format!("index {} is not seq - 1", e.index),
        );
    }
    match (&e.event, e.status) {
        (None, Status::OutOfScope) => {}
        (None, _) => report.problem(
            "manifest",
            seq,
            None,
            "an in-scope entry names no event file".into(),
        ),
        (Some(path), _) => {
            if let Some(bytes) = files.get(path) {
                check_event(bytes, path, e.seq, &leaf, m, by_seq, report);
            } else if !m.files.contains_key(path) {
                report.problem(
                    "missing-file",
                    seq,
                    Some(path),
                    format!("{path} is missing"),
                );
            }
        }
    }
    let Some(proof_bytes) = files.get(&e.proof) else {
        if !m.files.contains_key(&e.proof) {
            report.problem(
                "missing-file",
                seq,
                Some(&e.proof),
                format!("{} is missing", e.proof),
            );
        }
        return;
    };
    let proof = match std::str::from_utf8(proof_bytes).ok().map(TlogProof::parse) {
        Some(Ok(p)) => p,
        Some(Err(err)) => {
            report.problem(
                "bad-proof",
                seq,
                Some(&e.proof),
                format!("not a tlog-proof@v1: {err}"),
            );
            return;
        }
        None => {
            report.problem("bad-proof", seq, Some(&e.proof), "not UTF-8".into());
            return;
        }
    };
    if proof.index != e.seq.wrapping_sub(1) {
        report.problem(
            "bad-proof",
            seq,
            Some(&e.proof),
            format!(
                "the proof is for index {}, not {}",
                proof.index,
                e.seq.wrapping_sub(1)
            ),
        );
        return;
    }
    let Some((cp, note_text)) = checkpoint else {
        return;
    };
    if proof.checkpoint != *note_text {
        report.problem(
            "proof-checkpoint",
            seq,
            Some(&e.proof),
            format!(
                "the checkpoint embedded in the proof is not {}",
                m.checkpoint.file
            ),
        );
        return;
    }
    if !verify_inclusion(&leaf, proof.index, cp.size, &proof.path, &cp.root) {
        report.problem(
            "bad-proof",
            seq,
            Some(&e.proof),
            format!(
                "the leaf hash does not lead to the root of the checkpoint (tree size {})",
                cp.size
            ),
        );
    }
}

fn check_event(
    bytes: &[u8],
    path: &str,
    seq: u64,
    leaf: &Hash,
    m: &Manifest,
    by_seq: &BTreeMap<u64, Hash>,
    report: &mut Report,
) {
    let at = Some(seq);
    if leaf_hash(bytes) != *leaf {
        report.problem(
            "modified",
            at,
            Some(path),
            "SHA-256(0x00 || event bytes) is not the entry's leaf hash".into(),
        );
    }
    if let Err(err) = jcs::scan_canonical(bytes) {
        report.problem(
            "not-canonical",
            at,
            Some(path),
            format!("not RFC 8785: {err}"),
        );
        return;
    }
    let Ok(record) = serde_json::from_slice::<serde_json::Value>(bytes) else {
        report.problem("not-canonical", at, Some(path), "not JSON".into());
        return;
    };
    if record.get("seq").and_then(serde_json::Value::as_u64) != Some(seq) {
        report.problem(
            "wrong-seq",
            at,
            Some(path),
            format!("the record's seq is not {seq}"),
        );
    }
    if record.get("origin").and_then(serde_json::Value::as_str) != Some(m.origin.as_str()) {
        report.problem(
            "other-log",
            at,
            Some(path),
            "the record's origin is not the bundle's".into(),
        );
    }
    let prev = record
        .get("prev_hash")
        .and_then(serde_json::Value::as_str)
        .and_then(parse_hex);
    if let Some(before) = seq.checked_sub(1).and_then(|s| by_seq.get(&s)) {
        if prev.as_ref() != Some(before) {
            report.problem(
                "broken-chain",
                at,
                Some(path),
                format!("prev_hash is not the leaf hash of seq {}", seq - 1),
            );
        }
    }
}

/// A time range must list every seq of its range; any bundle claiming a contiguous
/// range must hold one.
fn check_range(m: &Manifest, report: &mut Report) {
    let must = matches!(m.scope, manifest::Scope::TimeRange { .. })
        || m.seq_range.as_ref().is_some_and(|r| r.contiguous);
    if !must {
        return;
    }
    let Some(range) = &m.seq_range else {
        report.problem(
            "manifest",
            None,
            None,
            "a time-range bundle states no seq range".into(),
        );
        return;
    };
    let held: BTreeSet<u64> = m.entries.iter().map(|e| e.seq).collect();
    if held.first() != Some(&range.first) || held.last() != Some(&range.last) {
        report.problem(
            "hole",
            None,
            None,
            format!(
                "the entries do not span the stated seq range {}..={}",
                range.first, range.last
            ),
        );
    }
    let mut missing = (range.first..=range.last).filter(|s| !held.contains(s));
    if let Some(first) = missing.next() {
        let more = missing.count();
        report.problem(
            "hole",
            Some(first),
            None,
            format!(
                "seq {first} is missing from the range {}..={}{}",
                range.first,
                range.last,
                if more > 0 {
                    format!(" ({more} more)")
                } else {
                    String::new()
                }
            ),
        );
    }
}

fn parse_hex(text: &str) -> Option<Hash> {
    let mut h = [0u8; 32];
    (text.len() == 64 && hex::decode_to_slice(text, &mut h).is_ok()).then_some(h)
}
