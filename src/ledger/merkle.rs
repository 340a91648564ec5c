//! The RFC 9162 §2.1 Merkle tree over leaf hashes in `seq` order: tree heads,
//! the incremental frontier a writer keeps so each append costs O(log n), and
//! inclusion and consistency proofs with their verifiers.
//!
//! Everything here takes leaf hashes that were already computed with
//! [`leaf_hash`]; it never sees record bytes, never touches storage, and never
//! trusts a proof: the verifiers return `false` for anything malformed rather
//! than erroring, because to a caller a malformed proof and a wrong one mean the
//! same thing.

use sha2::{Digest, Sha256};
use std::fmt::Write as _;
use thiserror::Error;

/// A SHA-256 digest: a leaf hash, an interior node hash or a tree head.
pub type Hash = [u8; 32];

/// What can go wrong when asking for a proof or decoding a stored frontier.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum MerkleError {
    #[error("leaf index {index} is outside a tree of {size} leaves")]
    IndexOutOfRange { index: u64, size: u64 },
    #[error("old tree size {old_size} is larger than the new tree size {new_size}")]
    OldSizeTooLarge { old_size: u64, new_size: u64 },
    #[error("stored frontier {text:?} is malformed: {reason}")]
    BadFrontier { text: String, reason: &'static str },
}

/// SHA-256(0x00 ‖ data): the RFC 9162 leaf hash. The 0x00 prefix keeps a leaf
/// from ever being mistaken for an interior node (second-preimage defence).
pub fn leaf_hash(data: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([0x00]);
    h.update(data);
    h.finalize().into()
}

/// SHA-256(0x01 ‖ left ‖ right): the RFC 9162 interior node hash.
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut h = Sha256::new();
    h.update([0x01]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// The head of the empty tree: SHA-256 of the empty string (RFC 9162 §2.1.1).
pub fn empty_root() -> Hash {
    Sha256::digest([]).into()
}

/// The largest power of two strictly smaller than `n` (n ≥ 2): where RFC 9162
/// splits a tree of `n` leaves into its left and right subtrees.
fn split_point(n: u64) -> u64 {
    debug_assert!(n >= 2);
    1 << (63 - (n - 1).leading_zeros())
}

/// Splits `leaves` at the RFC 9162 split point.
fn split(leaves: &[Hash]) -> (&[Hash], &[Hash]) {
    // The split point is below `leaves.len()`, which already fits in usize.
    let k = split_point(leaves.len() as u64) as usize;
    leaves.split_at(k)
}

/// MTH(D[n]) over already leaf-hashed entries (RFC 9162 §2.1.1).
pub fn root(leaves: &[Hash]) -> Hash {
    match leaves {
        [] => empty_root(),
        [only] => *only,
        _ => {
            let (left, right) = split(leaves);
            node_hash(&root(left), &root(right))
        }
    }
}

/// The compact range `[0, size)`: the roots of the perfect subtrees that the
/// binary digits of `size` cut the log into, largest (leftmost) first. That is
/// all a writer must remember to keep appending and to produce the tree head.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Frontier {
    size: u64,
    /// One entry per set bit of `size`, from the most significant bit down.
    peaks: Vec<Hash>,
}

impl Frontier {
    pub fn new() -> Self {
        Self::default()
    }

    /// Builds the frontier of a whole list of leaf hashes.
    pub fn from_leaves(leaves: &[Hash]) -> Self {
        let mut f = Self::new();
        for leaf in leaves {
            f.push(*leaf);
        }
        f
    }

    /// Number of leaves appended so far.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Appends one leaf hash. Like incrementing a binary counter: every trailing
    /// one bit of the old size is a perfect subtree of the same height as the
    /// carry, so they merge.
    pub fn push(&mut self, leaf: Hash) {
        let mut carry = leaf;
        let mut bits = self.size;
        while bits & 1 == 1 {
            match self.peaks.pop() {
                Some(left) => carry = node_hash(&left, &carry),
                // Unreachable while the peaks/size invariant holds; stopping the
                // merge keeps the state self-consistent rather than panicking.
                None => break,
            }
            bits >>= 1;
        }
        self.peaks.push(carry);
        self.size += 1;
    }

    /// The tree head for the current size; equals [`root`] over the same leaves.
    /// RFC 9162 folds from the right: the smaller subtrees hang off the right
    /// edge of the larger ones.
    pub fn root(&self) -> Hash {
        let mut peaks = self.peaks.iter().rev();
        let Some(last) = peaks.next() else {
            return empty_root();
        };
        peaks.fold(*last, |acc, left| node_hash(left, &acc))
    }

    /// Compact text for a database column: `size:hex,hex,...` (`0:` when empty).
    pub fn encode(&self) -> String {
        let mut out = String::with_capacity(21 + self.peaks.len() * 65);
        // Writing into a String cannot fail.
        let _ = write!(out, "{}:", self.size);
        for (i, peak) in self.peaks.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(&hex::encode(peak));
        }
        out
    }

    /// Parses [`Frontier::encode`] output, checking the number of peaks matches
    /// the size so a damaged row cannot silently yield a wrong tree head.
    pub fn decode(s: &str) -> Result<Self, MerkleError> {
        let bad = |reason| MerkleError::BadFrontier {
            text: s.chars().take(80).collect(),
            reason,
        };
        let (size_text, peaks_text) = s.split_once(':').ok_or_else(|| bad("missing ':'"))?;
        if size_text.is_empty()
            || !size_text.bytes().all(|b| b.is_ascii_digit())
            || (size_text.len() > 1 && size_text.starts_with('0'))
        {
            return Err(bad("size is not a plain decimal number"));
        }
        let size: u64 = size_text
            .parse()
            .map_err(|_| bad("size does not fit in u64"))?;
        let mut peaks = Vec::with_capacity(size.count_ones() as usize);
        if !peaks_text.is_empty() {
            for part in peaks_text.split(',') {
                let mut peak = [0u8; 32];
                if part.len() != 64 {
                    return Err(bad("a peak is not 64 hex digits"));
                }
                hex::decode_to_slice(part, &mut peak).map_err(|_| bad("a peak is not hex"))?;
                peaks.push(peak);
            }
        }
        if peaks.len() != size.count_ones() as usize {
            return Err(bad("number of peaks does not match the size"));
        }
        Ok(Self { size, peaks })
    }
}

/// PATH(m, D[n]) from RFC 9162 §2.1.3.1: the sibling hashes from leaf `index`
/// up to the root of the tree formed by `leaves`, nearest sibling first.
pub fn inclusion_proof(leaves: &[Hash], index: u64) -> Result<Vec<Hash>, MerkleError> {
    let size = leaves.len() as u64;
    if index >= size {
        return Err(MerkleError::IndexOutOfRange { index, size });
    }
    let mut proof = Vec::with_capacity(64 - size.leading_zeros() as usize);
    path(index, leaves, &mut proof);
    Ok(proof)
}

fn path(m: u64, leaves: &[Hash], out: &mut Vec<Hash>) {
    if leaves.len() <= 1 {
        return;
    }
    let (left, right) = split(leaves);
    let k = left.len() as u64;
    if m < k {
        path(m, left, out);
        out.push(root(right));
    } else {
        path(m - k, right, out);
        out.push(root(left));
    }
}

/// Checks an inclusion proof (RFC 9162 §2.1.3.2): does `leaf` sit at `index` in
/// the tree of `size` leaves whose head is `root`?
pub fn verify_inclusion(leaf: &Hash, index: u64, size: u64, proof: &[Hash], root: &Hash) -> bool {
    if index >= size {
        return false;
    }
    let (mut fnode, mut snode) = (index, size - 1);
    let mut r = *leaf;
    for p in proof {
        if snode == 0 {
            // More proof than tree: reject rather than ignore the extra hashes.
            return false;
        }
        if fnode & 1 == 1 || fnode == snode {
            r = node_hash(p, &r);
            // A right-edge node with no sibling at this level is promoted
            // unchanged; skip the levels where that happens.
            while fnode & 1 == 0 && fnode != 0 {
                fnode >>= 1;
                snode >>= 1;
            }
        } else {
            r = node_hash(&r, p);
        }
        fnode >>= 1;
        snode >>= 1;
    }
    snode == 0 && r == *root
}

/// PROOF(m, D[n]) from RFC 9162 §2.1.4.1, where `leaves.len()` is n and
/// `old_size` is m. Empty when m is 0 or m equals n: nothing needs proving.
pub fn consistency_proof(leaves: &[Hash], old_size: u64) -> Result<Vec<Hash>, MerkleError> {
    let new_size = leaves.len() as u64;
    if old_size > new_size {
        return Err(MerkleError::OldSizeTooLarge { old_size, new_size });
    }
    let mut proof = Vec::new();
    if old_size > 0 && old_size < new_size {
        subproof(old_size, leaves, true, &mut proof);
    }
    Ok(proof)
}

/// SUBPROOF(m, D[n], b). `whole_old_tree` is the RFC's `b`: true while the
/// subtree being described still coincides with the old tree's root, whose hash
/// the verifier already has and so is left out.
fn subproof(m: u64, leaves: &[Hash], whole_old_tree: bool, out: &mut Vec<Hash>) {
    let n = leaves.len() as u64;
    if m == n {
        if !whole_old_tree {
            out.push(root(leaves));
        }
        return;
    }
    let (left, right) = split(leaves);
    let k = left.len() as u64;
    if m <= k {
        subproof(m, left, whole_old_tree, out);
        out.push(root(right));
    } else {
        subproof(m - k, right, false, out);
        out.push(root(left));
    }
}

/// Checks a consistency proof (RFC 9162 §2.1.4.2): is the tree of `new_size`
/// leaves with head `new_root` an append-only extension of the tree of
/// `old_size` leaves with head `old_root`?
///
/// Size 0 is consistent with every later tree, but only when `old_root` really
/// is the empty tree's head: a checkpoint claiming size 0 with another root is
/// itself evidence of tampering.
pub fn verify_consistency(
    old_size: u64,
    new_size: u64,
    old_root: &Hash,
    new_root: &Hash,
    proof: &[Hash],
) -> bool {
    if old_size > new_size {
        return false;
    }
    if old_size == new_size {
        return proof.is_empty() && old_root == new_root;
    }
    if old_size == 0 {
        return proof.is_empty() && *old_root == empty_root();
    }
    // When the old tree is a perfect subtree its head is the first node of the
    // path, so the proof omits it and we start from `old_root` instead.
    let (first, rest) = if old_size.is_power_of_two() {
        (old_root, proof)
    } else {
        match proof.split_first() {
            Some(split) => split,
            None => return false,
        }
    };
    let (mut fnode, mut snode) = (old_size - 1, new_size - 1);
    while fnode & 1 == 1 {
        fnode >>= 1;
        snode >>= 1;
    }
    let (mut fr, mut sr) = (*first, *first);
    for c in rest {
        if snode == 0 {
            return false;
        }
        if fnode & 1 == 1 || fnode == snode {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            while fnode & 1 == 0 && fnode != 0 {
                fnode >>= 1;
                snode >>= 1;
            }
        } else {
            sr = node_hash(&sr, c);
        }
        fnode >>= 1;
        snode >>= 1;
    }
    snode == 0 && fr == *old_root && sr == *new_root
}
