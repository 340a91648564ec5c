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

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn h(s: &str) -> Hash {
        let mut out = [0u8; 32];
        hex::decode_to_slice(s, &mut out).unwrap();
        out
    }

    // The classic RFC 6962 test tree: eight leaf inputs and the heads of every
    // prefix. Published in transparency-dev/merkle, testonly/constants.go
    // (LeafInputs, RootHashes), the same values as google/certificate-transparency's
    // merkle tree tests.
    const LEAF_INPUTS: [&str; 8] = [
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    ];
    const ROOTS: [&str; 9] = [
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ];

    fn vector_leaves() -> Vec<Hash> {
        LEAF_INPUTS
            .iter()
            .map(|s| leaf_hash(&hex::decode(s).unwrap()))
            .collect()
    }

    /// Synthetic leaves for the property tests.
    fn leaves(n: usize) -> Vec<Hash> {
        (0..n as u64).map(|i| leaf_hash(&i.to_be_bytes())).collect()
    }

    fn flip(hash: &Hash, bit: usize) -> Hash {
        let mut out = *hash;
        out[bit / 8] ^= 1 << (bit % 8);
        out
    }

    #[test]
    fn roots_match_the_rfc6962_vectors_for_every_prefix() {
        let leaves = vector_leaves();
        for (size, want) in ROOTS.iter().enumerate() {
            assert_eq!(root(&leaves[..size]), h(want), "size {size}");
        }
    }

    #[test]
    fn frontier_matches_the_rfc6962_vectors_for_every_prefix() {
        let mut f = Frontier::new();
        assert_eq!(f.root(), h(ROOTS[0]));
        for (i, leaf) in vector_leaves().into_iter().enumerate() {
            f.push(leaf);
            assert_eq!(f.root(), h(ROOTS[i + 1]), "size {}", i + 1);
        }
    }

    #[test]
    fn empty_root_is_sha256_of_nothing() {
        assert_eq!(empty_root(), h(ROOTS[0]));
    }

    // Inclusion vectors: transparency-dev/merkle, proof/verify_test.go
    // (inclusionProofs, 1-based leaf numbers there) and testonly/reference_test.go
    // (TestRefInclusionProof, 0-based).
    #[test]
    fn inclusion_proofs_match_the_published_vectors() {
        let cases: [(u64, usize, &[&str]); 7] = [
            (0, 1, &[]),
            (
                0,
                8,
                &[
                    "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                    "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
                ],
            ),
            (
                5,
                8,
                &[
                    "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
                    "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
                ],
            ),
            (
                2,
                3,
                &["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"],
            ),
            (
                1,
                5,
                &[
                    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
                    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                    "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
                ],
            ),
            (
                0,
                2,
                &["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"],
            ),
            (
                1,
                2,
                &["6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"],
            ),
        ];
        let leaves = vector_leaves();
        for (index, size, want) in cases {
            let want: Vec<Hash> = want.iter().map(|s| h(s)).collect();
            let got = inclusion_proof(&leaves[..size], index).unwrap();
            assert_eq!(got, want, "index {index} size {size}");
            let leaf = leaves[index as usize];
            assert!(verify_inclusion(
                &leaf,
                index,
                size as u64,
                &got,
                &h(ROOTS[size])
            ));
        }
    }

    // Consistency vectors: transparency-dev/merkle, proof/verify_test.go
    // (consistencyProofs) and testonly/reference_test.go (TestRefConsistencyProof).
    #[test]
    fn consistency_proofs_match_the_published_vectors() {
        let cases: [(u64, usize, &[&str]); 5] = [
            (1, 1, &[]),
            (
                1,
                8,
                &[
                    "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                    "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
                ],
            ),
            (
                6,
                8,
                &[
                    "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
                    "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
                ],
            ),
            (
                2,
                5,
                &[
                    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                    "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
                ],
            ),
            (
                6,
                7,
                &[
                    "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
                    "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
                    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
                ],
            ),
        ];
        let leaves = vector_leaves();
        for (old, new, want) in cases {
            let want: Vec<Hash> = want.iter().map(|s| h(s)).collect();
            let got = consistency_proof(&leaves[..new], old).unwrap();
            assert_eq!(got, want, "{old} -> {new}");
            let (old_root, new_root) = (h(ROOTS[old as usize]), h(ROOTS[new]));
            assert!(verify_consistency(
                old, new as u64, &old_root, &new_root, &got
            ));
        }
    }

    #[test]
    fn frontier_root_equals_tree_root_for_sizes_0_to_300() {
        let all = leaves(300);
        let mut f = Frontier::new();
        for n in 0..=300 {
            assert_eq!(f.size(), n as u64);
            assert_eq!(f.root(), root(&all[..n]), "size {n}");
            if n < 300 {
                f.push(all[n]);
            }
        }
    }

    #[test]
    fn frontier_survives_encode_decode_and_keeps_growing() {
        let all = leaves(70);
        for n in [0, 1, 2, 3, 7, 8, 33, 69] {
            let f = Frontier::from_leaves(&all[..n]);
            let mut back = Frontier::decode(&f.encode()).unwrap();
            assert_eq!(back, f);
            back.push(all[n]);
            assert_eq!(back.root(), root(&all[..=n]));
        }
        assert_eq!(Frontier::new().encode(), "0:");
    }

    #[test]
    fn frontier_decode_rejects_damaged_rows() {
        let good = Frontier::from_leaves(&leaves(3)).encode();
        let (size, peaks) = good.split_once(':').unwrap();
        let one_peak = peaks.split(',').next().unwrap();
        for bad in [
            String::new(),
            "3".to_string(),
            format!("4:{peaks}"),
            format!("03:{peaks}"),
            format!("{size}:{one_peak}"),
            format!("{size}:{peaks},"),
            format!("{size}:{}", peaks.replace('a', "g")),
            format!("-1:{peaks}"),
            "99999999999999999999:".to_string(),
        ] {
            assert!(
                Frontier::decode(&bad).is_err(),
                "{bad:?} should be rejected"
            );
        }
    }

    #[test]
    fn every_inclusion_proof_verifies_and_any_flipped_bit_fails() {
        for size in 1..=40usize {
            let all = leaves(size);
            let head = root(&all);
            for index in 0..size as u64 {
                let proof = inclusion_proof(&all, index).unwrap();
                let leaf = all[index as usize];
                assert!(verify_inclusion(&leaf, index, size as u64, &proof, &head));
                for i in 0..proof.len() {
                    let mut bad = proof.clone();
                    bad[i] = flip(&bad[i], (i * 37 + 5) % 256);
                    assert!(!verify_inclusion(&leaf, index, size as u64, &bad, &head));
                }
                assert!(!verify_inclusion(
                    &flip(&leaf, 0),
                    index,
                    size as u64,
                    &proof,
                    &head
                ));
                assert!(!verify_inclusion(
                    &leaf,
                    index,
                    size as u64,
                    &proof,
                    &flip(&head, 255)
                ));
                if size > 1 {
                    let other = (index + 1) % size as u64;
                    assert!(!verify_inclusion(&leaf, other, size as u64, &proof, &head));
                }
            }
        }
    }

    #[test]
    fn inclusion_proof_with_extra_or_missing_hashes_fails() {
        let all = leaves(13);
        let head = root(&all);
        let proof = inclusion_proof(&all, 6).unwrap();
        let mut longer = proof.clone();
        longer.push(head);
        assert!(!verify_inclusion(&all[6], 6, 13, &longer, &head));
        assert!(!verify_inclusion(
            &all[6],
            6,
            13,
            &proof[..proof.len() - 1],
            &head
        ));
        assert!(!verify_inclusion(&all[6], 13, 13, &proof, &head));
    }

    #[test]
    fn every_consistency_proof_verifies_and_any_flipped_bit_fails() {
        for new in 1..=40usize {
            let all = leaves(new);
            let new_root = root(&all);
            for old in 0..=new as u64 {
                let old_root = root(&all[..old as usize]);
                let proof = consistency_proof(&all, old).unwrap();
                assert!(
                    verify_consistency(old, new as u64, &old_root, &new_root, &proof),
                    "{old} -> {new}"
                );
                for i in 0..proof.len() {
                    let mut bad = proof.clone();
                    bad[i] = flip(&bad[i], (i * 53 + 3) % 256);
                    assert!(!verify_consistency(
                        old, new as u64, &old_root, &new_root, &bad
                    ));
                }
                if old > 0 && old < new as u64 {
                    let (o, n) = (flip(&old_root, 9), flip(&new_root, 9));
                    assert!(!verify_consistency(old, new as u64, &o, &new_root, &proof));
                    assert!(!verify_consistency(old, new as u64, &old_root, &n, &proof));
                    assert!(!verify_consistency(
                        old,
                        new as u64,
                        &old_root,
                        &new_root,
                        &[]
                    ));
                }
            }
        }
    }

    #[test]
    fn a_rewritten_history_is_not_consistent() {
        let honest = leaves(20);
        let mut forked = honest.clone();
        forked[4] = leaf_hash(b"rewritten");
        let proof = consistency_proof(&forked, 10).unwrap();
        assert!(!verify_consistency(
            10,
            20,
            &root(&honest[..10]),
            &root(&forked),
            &proof
        ));
    }

    #[test]
    fn size_zero_is_consistent_only_with_the_empty_head() {
        let all = leaves(5);
        assert!(verify_consistency(0, 5, &empty_root(), &root(&all), &[]));
        assert!(!verify_consistency(0, 5, &all[0], &root(&all), &[]));
        assert!(!verify_consistency(3, 2, &all[0], &all[1], &[]));
    }

    #[test]
    fn proofs_reject_impossible_requests() {
        let all = leaves(4);
        assert_eq!(
            inclusion_proof(&all, 4),
            Err(MerkleError::IndexOutOfRange { index: 4, size: 4 })
        );
        assert_eq!(
            consistency_proof(&all, 5),
            Err(MerkleError::OldSizeTooLarge {
                old_size: 5,
                new_size: 4
            })
        );
        assert!(!verify_inclusion(&all[0], 0, 0, &[], &empty_root()));
    }
}
