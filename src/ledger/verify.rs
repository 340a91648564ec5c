//! Verification: recomputes every hash, link and Merkle root from the stored rows and
//! says what is wrong, each problem as its own verdict naming the first `seq` involved.
//! Pure: the caller streams rows in `seq` order from whatever store it has. Row-local
//! work (`inspect`) is independent per row so callers may run it on several cores; the
//! chain and tree walk (`ChainChecker`) is sequential and cheap.

use super::checkpoint::Checkpoint;
use super::columns::{ColumnCheck, IndexedColumns, StoredColumns};
use super::jcs::{scan_canonical, scan_members};
use super::merkle::{leaf_hash, Frontier, Hash};
use super::note::{self, NoteVerifier, SignatureCheck};
use super::seal::GENESIS_PREV;
use std::collections::BTreeMap;
use std::fmt;

/// One row as a store holds it.
#[derive(Debug, Clone)]
pub struct StoredRow {
    pub seq: u64,
    pub hash: String,
    pub record: String,
    pub columns: IndexedColumns,
}

impl StoredRow {
    pub fn view(&self) -> RowView<'_> {
        RowView {
            seq: self.seq,
            hash: self.hash.as_bytes(),
            record: self.record.as_bytes(),
            columns: self.columns.stored(),
        }
    }
}

/// One row borrowed from wherever a store keeps it: what [`inspect_view`] reads. Bytes,
/// not text: bytes a tamperer left that are not UTF-8 make a modified record.
#[derive(Debug, Clone, Copy)]
pub struct RowView<'a> {
    pub seq: u64,
    pub hash: &'a [u8],
    pub record: &'a [u8],
    pub columns: StoredColumns<'a>,
}

/// Where a checkpoint being checked came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckpointSource {
    /// The store's own checkpoints table.
    Store,
    /// An anchor file kept outside the database.
    Anchor,
}

impl fmt::Display for CheckpointSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CheckpointSource::Store => "stored",
            CheckpointSource::Anchor => "anchored",
        })
    }
}

/// How a link in the chain was broken, judged from the `seq` each record was sealed with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChainBreak {
    /// Records are missing: a gap in `seq`, or later records renumbered down.
    Deleted,
    /// Extra records appear: later records sit one or more places above where they were sealed.
    Inserted,
    /// Records sit in a different order than they were sealed in.
    Reordered,
    /// A record does not follow its predecessor: one of them was rewritten or forged.
    Rewritten,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// The record's bytes no longer match its hash, are not canonical, or disagree with
    /// the indexed columns the console filters on.
    ModifiedRecord { seq: u64, detail: String },
    /// `prev_hash` does not match the previous record, for the rows `seq..=last`.
    BrokenChain {
        seq: u64,
        last: u64,
        cause: ChainBreak,
    },
    /// `seq` values `from..=to` are missing.
    Gap { from: u64, to: u64 },
    /// A checkpoint covers more records than the ledger has.
    Truncated {
        ledger_size: u64,
        checkpoint_size: u64,
        source: CheckpointSource,
    },
    /// The Merkle root at a checkpoint's size differs from the signed one.
    Fork {
        first_seq: u64,
        checkpoint_size: u64,
        source: CheckpointSource,
    },
    /// A checkpoint whose signature does not verify.
    BadSignature {
        checkpoint_size: u64,
        signer: String,
        source: CheckpointSource,
    },
    /// A checkpoint signed only by keys we do not know.
    UnknownKey {
        checkpoint_size: u64,
        signer: String,
        source: CheckpointSource,
    },
    /// A checkpoint that cannot be read, or is for another log.
    BadCheckpoint {
        detail: String,
        source: CheckpointSource,
    },
}

impl Verdict {
    /// The first `seq` the problem involves (0 when no record is involved).
    pub fn first_seq(&self) -> u64 {
        match self {
            Verdict::ModifiedRecord { seq, .. } | Verdict::BrokenChain { seq, .. } => *seq,
            Verdict::Gap { from, .. } => *from,
            Verdict::Truncated { ledger_size, .. } => ledger_size + 1,
            Verdict::Fork { first_seq, .. } => *first_seq,
            Verdict::BadSignature {
                checkpoint_size, ..
            }
            | Verdict::UnknownKey {
                checkpoint_size, ..
            } => *checkpoint_size,
            Verdict::BadCheckpoint { .. } => 0,
        }
    }

    /// Whether the verdict is about checkpoints rather than the records themselves.
    pub fn is_checkpoint_level(&self) -> bool {
        !matches!(
            self,
            Verdict::ModifiedRecord { .. } | Verdict::BrokenChain { .. } | Verdict::Gap { .. }
        )
    }

    /// A short stable name for scripts and tests.
    pub fn class(&self) -> &'static str {
        match self {
            Verdict::ModifiedRecord { .. } => "modified",
            Verdict::BrokenChain {
                cause: ChainBreak::Deleted,
                ..
            } => "deleted",
            Verdict::BrokenChain {
                cause: ChainBreak::Inserted,
                ..
            } => "inserted",
            Verdict::BrokenChain {
                cause: ChainBreak::Reordered,
                ..
            } => "reordered",
            Verdict::BrokenChain {
                cause: ChainBreak::Rewritten,
                ..
            } => "broken-chain",
            Verdict::Gap { .. } => "gap",
            Verdict::Truncated { .. } => "truncated",
            Verdict::Fork { .. } => "fork",
            Verdict::BadSignature { .. } => "bad-signature",
            Verdict::UnknownKey { .. } => "unknown-key",
            Verdict::BadCheckpoint { .. } => "bad-checkpoint",
        }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Verdict::ModifiedRecord { seq, detail } => write!(f, "modified record at seq {seq}: {detail}"),
            Verdict::BrokenChain { seq, last, cause } => {
                let rows = if seq == last { format!("seq {seq}") } else { format!("seq {seq}–{last}") };
                let why = match cause {
                    ChainBreak::Deleted => "records were deleted",
                    ChainBreak::Inserted => "a record was inserted",
                    ChainBreak::Reordered => "records were reordered",
                    ChainBreak::Rewritten => "a record does not follow its predecessor (rewritten or forged)",
                };
                write!(f, "broken chain at {rows}: {why}")
            }
            Verdict::Gap { from, to } if from == to => write!(f, "gap in seq: {from} is missing"),
            Verdict::Gap { from, to } => write!(f, "gap in seq: {from}–{to} are missing"),
            Verdict::Truncated { ledger_size, checkpoint_size, source } => write!(
                f,
                "truncated: a {source} checkpoint covers {checkpoint_size} records but the ledger ends at seq {ledger_size}; seq {} onward are gone",
                ledger_size + 1
            ),
            Verdict::Fork { first_seq, checkpoint_size, source } => write!(
                f,
                "fork: the Merkle root at size {checkpoint_size} differs from the {source} checkpoint; records from seq {first_seq} to {checkpoint_size} were rewritten"
            ),
            Verdict::BadSignature { checkpoint_size, signer, source } => write!(
                f,
                "bad signature: {source} checkpoint at size {checkpoint_size} claims to be signed by {signer} but the signature does not verify"
            ),
            Verdict::UnknownKey { checkpoint_size, signer, source } => write!(
                f,
                "unknown key: {source} checkpoint at size {checkpoint_size} is signed only by {signer}, which is not a trusted key"
            ),
            Verdict::BadCheckpoint { detail, source } => write!(f, "bad {source} checkpoint: {detail}"),
        }
    }
}

/// What `inspect` learns from one row without looking at its neighbours.
#[derive(Debug, Clone)]
pub struct RecordFacts {
    pub row_seq: u64,
    pub stored_hash: Option<Hash>,
    pub sealed_seq: Option<u64>,
    /// The sealed `prev_hash`, when it is a string.
    pub prev_hash: Option<SealedLink>,
    pub problem: Option<String>,
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

/// Row-local checks: the bytes hash to the stored hash, are canonical RFC 8785, carry
/// this log's origin, and agree with the indexed columns.
pub fn inspect(row: &StoredRow, origin: &str) -> RecordFacts {
    inspect_view(row.view(), origin)
}

/// [`inspect`] on a borrowed row. It allocates nothing unless the row has a problem
/// to describe: it runs once per record of the log.
pub fn inspect_view(row: RowView<'_>, origin: &str) -> RecordFacts {
    let computed = leaf_hash(row.record);
    let stored_hash = decode_hash(row.hash);
    let mut facts = RecordFacts {
        row_seq: row.seq,
        stored_hash,
        sealed_seq: None,
        prev_hash: None,
        problem: None,
    };
    if stored_hash != Some(computed) {
        facts.problem = Some("its content no longer matches its hash".into());
    }
    let (mut sealed_seq, mut prev_hash, mut foreign) = (None, None, None);
    let mut columns = ColumnCheck::default();
    let scanned = scan_members(row.record, |key, raw| {
        match key {
            "seq" => sealed_seq = std::str::from_utf8(raw).ok().and_then(|s| s.parse().ok()),
            "prev_hash" => prev_hash = SealedLink::read(raw),
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
    if facts.problem.is_none() && !columns.agrees_with(&row.columns) {
        facts.problem = column_problem(row);
    }
    facts
}

/// The full comparison of a row's columns with its sealed record, for the rare row the
/// plain check could not vouch for.
fn column_problem(row: RowView<'_>) -> Option<String> {
    let members = match scan_canonical(row.record) {
        Ok(m) => m,
        Err(e) => return Some(format!("not canonical JSON ({e})")),
    };
    match row.columns.compare_with_members(&members) {
        Ok(Some(sealed)) => Some(column_difference(&row.columns.to_owned_lossy(), &sealed)),
        Ok(None) => None,
        Err(e) => Some(format!("unreadable field {e}")),
    }
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

/// A checkpoint claim waiting for the walk to reach its size.
#[derive(Debug, Clone)]
struct Claim {
    root: Hash,
    source: CheckpointSource,
}

/// An open run of consecutive broken links.
#[derive(Debug, Clone)]
struct BreakRun {
    first: u64,
    last: u64,
    after_gap: Option<u64>,
    saw_offset: bool,
    /// The sealed seq of the first row found above its sealed place: where an
    /// inserted record went.
    shifted_from: Option<u64>,
}

/// The summary of a finished walk.
#[derive(Debug, Clone, Default)]
pub struct Report {
    pub records: u64,
    pub head_seq: u64,
    pub head_hash: Option<Hash>,
    pub root: Option<Hash>,
    pub checkpoints_checked: usize,
    pub anchored_checked: usize,
    /// Largest tree size covered by a valid signed checkpoint that matched.
    pub signed_size: u64,
    pub verdicts: Vec<Verdict>,
}

impl Report {
    pub fn intact(&self) -> bool {
        self.verdicts.is_empty()
    }
}

/// Walks the rows in order: links, gaps, seq shifts, and Merkle roots at checkpoint sizes.
pub struct ChainChecker {
    expected: u64,
    prev: Hash,
    offset: i64,
    frontier: Frontier,
    run: Option<BreakRun>,
    claims: BTreeMap<u64, Vec<Claim>>,
    last_good_size: u64,
    report: Report,
}

impl ChainChecker {
    /// `checkpoints` are signed notes with where they came from; `verifiers` are the
    /// trusted keys. Signature and format problems become verdicts right away.
    pub fn new(
        origin: &str,
        checkpoints: &[(String, CheckpointSource)],
        verifiers: &[NoteVerifier],
    ) -> Self {
        let mut checker = ChainChecker {
            expected: 1,
            prev: GENESIS_PREV,
            offset: 0,
            frontier: Frontier::new(),
            run: None,
            claims: BTreeMap::new(),
            last_good_size: 0,
            report: Report::default(),
        };
        for (text, source) in checkpoints {
            checker.admit(origin, text, *source, verifiers);
        }
        checker
    }

    fn admit(
        &mut self,
        origin: &str,
        text: &str,
        source: CheckpointSource,
        verifiers: &[NoteVerifier],
    ) {
        let bad = |detail: String| Verdict::BadCheckpoint { detail, source };
        let opened = match note::open(text, verifiers) {
            Ok(o) => o,
            Err(e) => {
                return self
                    .report
                    .verdicts
                    .push(bad(format!("unreadable signed note ({e})")))
            }
        };
        let cp = match Checkpoint::parse(&opened.body) {
            Ok(cp) => cp,
            Err(e) => {
                return self
                    .report
                    .verdicts
                    .push(bad(format!("unreadable checkpoint ({e})")))
            }
        };
        if cp.origin != origin {
            return self.report.verdicts.push(bad(format!(
                "checkpoint of size {} is for log `{}`, not `{origin}`",
                cp.size, cp.origin
            )));
        }
        let valid = opened
            .signatures
            .iter()
            .any(|(_, s)| *s == SignatureCheck::Valid);
        if !valid {
            let signer = opened
                .signatures
                .first()
                .map(|(n, _)| n.clone())
                .unwrap_or_else(|| "nobody".into());
            let bad_sig = opened
                .signatures
                .iter()
                .any(|(_, s)| *s == SignatureCheck::BadSignature);
            let size = cp.size;
            self.report.verdicts.push(if bad_sig {
                Verdict::BadSignature {
                    checkpoint_size: size,
                    signer,
                    source,
                }
            } else {
                Verdict::UnknownKey {
                    checkpoint_size: size,
                    signer,
                    source,
                }
            });
            return;
        }
        match source {
            CheckpointSource::Store => self.report.checkpoints_checked += 1,
            CheckpointSource::Anchor => self.report.anchored_checked += 1,
        }
        if cp.size == 0 {
            return;
        }
        self.claims.entry(cp.size).or_default().push(Claim {
            root: cp.root,
            source,
        });
    }

    /// Feeds the next row's facts, in `seq` order.
    pub fn absorb(&mut self, facts: &RecordFacts) {
        let row = facts.row_seq;
        self.report.records += 1;
        let gap = (row > self.expected).then_some(self.expected);
        if let Some(from) = gap {
            self.report
                .verdicts
                .push(Verdict::Gap { from, to: row - 1 });
        }
        if let Some(problem) = &facts.problem {
            self.report.verdicts.push(Verdict::ModifiedRecord {
                seq: row,
                detail: problem.clone(),
            });
        }
        let stored = facts.stored_hash.unwrap_or([0u8; 32]);
        // A record too damaged to read its `prev_hash` is already a modified record;
        // its link is unknown rather than broken.
        // Only the exact lowercase hex `seal` writes links.
        let linked = match facts.prev_hash {
            None => true,
            Some(SealedLink::Hash(h)) => h == self.prev,
            Some(SealedLink::Other) => false,
        };
        let offset = facts.sealed_seq.map_or(0, |s| row as i64 - s as i64);
        if linked && gap.is_none() {
            self.close_run(offset);
        } else if !linked {
            match &mut self.run {
                Some(run) => {
                    run.last = row;
                    run.saw_offset |= offset != 0;
                }
                None => {
                    self.run = Some(BreakRun {
                        first: row,
                        last: row,
                        after_gap: gap,
                        saw_offset: offset != 0,
                        shifted_from: None,
                    })
                }
            }
        }
        if let Some(run) = &mut self.run {
            if offset > 0 && run.shifted_from.is_none() {
                run.shifted_from = facts.sealed_seq;
            }
        }
        self.offset = offset;
        self.expected = row + 1;
        self.prev = stored;
        self.frontier.push(stored);
        self.report.head_seq = row;
        self.report.head_hash = Some(stored);
        self.check_claims_at(row);
    }

    fn close_run(&mut self, offset_after: i64) {
        let Some(run) = self.run.take() else { return };
        let (seq, cause) = if let Some(from) = run.after_gap {
            (from, ChainBreak::Deleted)
        } else if offset_after > 0 {
            // Rows after the break sit above where they were sealed: records were slipped
            // in at the place the first shifted row was sealed at.
            (run.shifted_from.unwrap_or(run.first), ChainBreak::Inserted)
        } else if offset_after < 0 {
            (run.first, ChainBreak::Deleted)
        } else if run.saw_offset {
            (run.first, ChainBreak::Reordered)
        } else {
            (run.first, ChainBreak::Rewritten)
        };
        self.report.verdicts.push(Verdict::BrokenChain {
            seq,
            last: run.last,
            cause,
        });
    }

    fn check_claims_at(&mut self, size: u64) {
        let Some(claims) = self.claims.remove(&size) else {
            return;
        };
        let root = self.frontier.root();
        let mut all_good = true;
        for claim in claims {
            if claim.root != root {
                all_good = false;
                self.report.verdicts.push(Verdict::Fork {
                    first_seq: self.last_good_size + 1,
                    checkpoint_size: size,
                    source: claim.source,
                });
            }
        }
        if all_good {
            self.last_good_size = size;
            self.report.signed_size = size;
        }
    }

    pub fn finish(mut self) -> Report {
        let offset = self.offset;
        self.close_run(offset);
        let size = self.frontier.size();
        for (checkpoint_size, claims) in std::mem::take(&mut self.claims) {
            for claim in claims {
                self.report.verdicts.push(Verdict::Truncated {
                    ledger_size: size,
                    checkpoint_size,
                    source: claim.source,
                });
            }
        }
        self.report.root = (size > 0).then(|| self.frontier.root());
        self.narrow_forks();
        self.report
            .verdicts
            .sort_by_key(|v| (v.first_seq(), v.is_checkpoint_level()));
        self.report
    }

    /// A fork only says "something at or below this size changed since it was signed".
    /// When a record-level verdict inside that range already names the change, the
    /// fork starts there rather than at the previous good checkpoint.
    fn narrow_forks(&mut self) {
        let record_seqs: Vec<u64> = self
            .report
            .verdicts
            .iter()
            .filter(|v| !v.is_checkpoint_level())
            .map(Verdict::first_seq)
            .collect();
        for v in &mut self.report.verdicts {
            if let Verdict::Fork {
                first_seq,
                checkpoint_size,
                ..
            } = v
            {
                if let Some(s) = record_seqs
                    .iter()
                    .copied()
                    .filter(|s| *s >= *first_seq && *s <= *checkpoint_size)
                    .min()
                {
                    *first_seq = s;
                }
            }
        }
    }
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
