//! Assembling a bundle's files from records already read: each in-scope record's bytes
//! and its tlog-proof against the one checkpoint, leaf hashes and proofs for the
//! out-of-scope records of a range, the checkpoint copied byte for byte, the verifier
//! key hint, the README and, last, the manifest hashing everything else.
//!
//! It refuses to build a bundle that would not verify: a record whose bytes do not hash
//! to the leaf the tree holds, or a tree whose root is not the checkpoint's.

use super::manifest::{self, CheckpointRef, Entry, LeftOut, Manifest, Scope, SeqRange, Status};
use super::tlog_proof::TlogProof;
use super::tree::Levels;
use crate::ledger::checkpoint::Checkpoint;
use crate::ledger::merkle::leaf_hash;
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use thiserror::Error;

#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum BuildError {
    #[error("the tree of {size} leaves has a root other than the checkpoint's: the store disagrees with its own signed checkpoint; run `custody verify`")]
    RootMismatch { size: u64 },
    #[error(
        "the record at seq {seq} does not hash to the leaf the tree holds: run `custody verify`"
    )]
    LeafMismatch { seq: u64 },
    #[error("seq {seq} is not covered by the checkpoint of tree size {size}")]
    NotCovered { seq: u64, size: u64 },
}

/// One record to put in the bundle with its bytes.
#[derive(Debug, Clone)]
pub struct Record {
    pub seq: u64,
    /// The exact canonical bytes that were hashed (the store's `record` column).
    pub bytes: Vec<u8>,
    pub status: Status,
}

#[derive(Debug, Clone)]
pub struct Plan {
    pub scope: Scope,
    /// The signed checkpoint note, byte for byte.
    pub checkpoint_note: String,
    pub checkpoint: Checkpoint,
    /// Records with bytes (included and boundary), in seq order.
    pub records: Vec<Record>,
    /// Seqs held as leaf hashes only, in seq order.
    pub out_of_scope: Vec<u64>,
    pub left_out: Option<LeftOut>,
    /// The verifier key, as a hint only.
    pub vkey: String,
}

/// The files of the bundle (path → bytes) and its manifest.
pub fn build(
    plan: &Plan,
    tree: &Levels,
) -> Result<(BTreeMap<String, Vec<u8>>, Manifest), BuildError> {
    let size = plan.checkpoint.size;
    if tree.size() != size || tree.root() != plan.checkpoint.root {
        return Err(BuildError::RootMismatch { size });
    }
    let mut files = BTreeMap::new();
    let mut entries = Vec::new();
    let proof_for =
        |seq: u64, files: &mut BTreeMap<String, Vec<u8>>| -> Result<String, BuildError> {
            let index = seq
                .checked_sub(1)
                .ok_or(BuildError::NotCovered { seq, size })?;
            let path = tree
                .inclusion_proof(index)
                .map_err(|_| BuildError::NotCovered { seq, size })?;
            let proof = TlogProof {
                extra: None,
                index,
                path,
                checkpoint: plan.checkpoint_note.clone(),
            };
            let name = manifest::proof_file(seq);
            files.insert(name.clone(), proof.encode().into_bytes());
            Ok(name)
        };
    let mut with_bytes = plan.records.iter().peekable();
    let mut hashes_only = plan.out_of_scope.iter().peekable();
    loop {
        let take_record = match (with_bytes.peek(), hashes_only.peek()) {
            (Some(r), Some(s)) => r.seq < **s,
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (None, None) => break,
        };
        if take_record {
            let Some(r) = with_bytes.next() else { break };
            let leaf = leaf_hash(&r.bytes);
            let index = r
                .seq
                .checked_sub(1)
                .ok_or(BuildError::NotCovered { seq: r.seq, size })?;
            match tree.leaf(index) {
                None => return Err(BuildError::NotCovered { seq: r.seq, size }),
                Some(held) if *held != leaf => return Err(BuildError::LeafMismatch { seq: r.seq }),
                Some(_) => {}
            }
            let event = manifest::event_file(r.seq);
            files.insert(event.clone(), r.bytes.clone());
            let proof = proof_for(r.seq, &mut files)?;
            entries.push(Entry {
                seq: r.seq,
                index,
                leaf_hash: hex::encode(leaf),
                status: r.status,
                event: Some(event),
                proof,
            });
        } else {
            let Some(&seq) = hashes_only.next() else {
                break;
            };
            let index = seq
                .checked_sub(1)
                .ok_or(BuildError::NotCovered { seq, size })?;
            let leaf = *tree
                .leaf(index)
                .ok_or(BuildError::NotCovered { seq, size })?;
            let proof = proof_for(seq, &mut files)?;
            entries.push(Entry {
                seq,
                index,
                leaf_hash: hex::encode(leaf),
                status: Status::OutOfScope,
                event: None,
                proof,
            });
        }
    }
    let seq_range = match (entries.first(), entries.last()) {
        (Some(first), Some(last)) => Some(SeqRange {
            first: first.seq,
            last: last.seq,
            contiguous: entries.windows(2).all(|w| w[1].seq == w[0].seq + 1),
        }),
        _ => None,
    };
    let checkpoint_file = manifest::checkpoint_file(size);
    files.insert(
        checkpoint_file.clone(),
        plan.checkpoint_note.clone().into_bytes(),
    );
    files.insert(
        manifest::VKEY.to_string(),
        format!("{}\n", plan.vkey).into_bytes(),
    );
    let mut m = Manifest {
        media_type: manifest::MEDIA_TYPE.to_string(),
        origin: plan.checkpoint.origin.clone(),
        leaf_hash: manifest::LEAF_HASH_RULE.to_string(),
        completeness: plan.scope.completeness().to_string(),
        scope: plan.scope.clone(),
        seq_range,
        checkpoint: CheckpointRef {
            file: checkpoint_file,
            size,
            root: STANDARD.encode(plan.checkpoint.root),
        },
        left_out: plan.left_out.clone(),
        entries,
        files: BTreeMap::new(),
    };
    files.insert(
        manifest::README.to_string(),
        manifest::readme(&m).into_bytes(),
    );
    m.files = files
        .iter()
        .map(|(k, v)| (k.clone(), hex::encode(Sha256::digest(v))))
        .collect();
    files.insert(manifest::MANIFEST.to_string(), m.canonical());
    Ok((files, m))
}
