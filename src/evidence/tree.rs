//! Every level of the RFC 9162 Merkle tree over a log's leaf hashes, kept so that
//! many inclusion proofs against one checkpoint cost O(log n) each instead of
//! re-hashing the tree per proof (`merkle::inclusion_proof` is O(n)).
//!
//! Level 0 is the leaves; each next level pairs neighbours with `node_hash`, and a
//! last node without a right neighbour moves up unchanged. That is exactly how RFC
//! 9162 splits a tree whose size is not a power of two, so the paths and the root
//! equal those of `merkle`.

use crate::ledger::merkle::{empty_root, node_hash, Hash, MerkleError};

#[derive(Debug, Clone)]
pub struct Levels {
    levels: Vec<Vec<Hash>>,
}

impl Levels {
    pub fn new(leaves: Vec<Hash>) -> Self {
        let mut levels = vec![leaves];
        while levels.last().is_some_and(|l| l.len() > 1) {
            let below = levels.last().map(Vec::as_slice).unwrap_or_default();
            let up: Vec<Hash> = below
                .chunks(2)
                .map(|pair| match pair {
                    [l, r] => node_hash(l, r),
                    [only] => *only,
                    _ => empty_root(),
                })
                .collect();
            levels.push(up);
        }
        Levels { levels }
    }

    pub fn size(&self) -> u64 {
        self.levels.first().map_or(0, |l| l.len() as u64)
    }

    pub fn leaf(&self, index: u64) -> Option<&Hash> {
        self.levels.first()?.get(usize::try_from(index).ok()?)
    }

    pub fn leaves(&self) -> &[Hash] {
        self.levels.first().map(Vec::as_slice).unwrap_or_default()
    }

    pub fn root(&self) -> Hash {
        match self.levels.last() {
            Some(top) if top.len() == 1 => top[0],
            _ => empty_root(),
        }
    }

    /// The inclusion path of leaf `index`, nearest sibling first.
    pub fn inclusion_proof(&self, index: u64) -> Result<Vec<Hash>, MerkleError> {
        let size = self.size();
        if index >= size {
            return Err(MerkleError::IndexOutOfRange { index, size });
        }
        let mut m = index as usize;
        let mut path = Vec::new();
        for level in &self.levels[..self.levels.len() - 1] {
            let sibling = m ^ 1;
            if let Some(h) = level.get(sibling) {
                path.push(*h);
            }
            m >>= 1;
        }
        Ok(path)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::ledger::merkle::{inclusion_proof, leaf_hash, root};

    #[test]
    fn root_and_every_path_equal_the_rfc_recursion() {
        for n in 0..=40u64 {
            let leaves: Vec<Hash> = (0..n).map(|i| leaf_hash(&i.to_be_bytes())).collect();
            let levels = Levels::new(leaves.clone());
            assert_eq!(levels.root(), root(&leaves), "size {n}");
            for i in 0..n {
                assert_eq!(
                    levels.inclusion_proof(i).unwrap(),
                    inclusion_proof(&leaves, i).unwrap(),
                    "size {n} index {i}"
                );
            }
            assert!(levels.inclusion_proof(n).is_err());
        }
    }
}
