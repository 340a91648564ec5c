//! Tests of `merkle`.
#![allow(clippy::unwrap_used)]

use super::merkle::*;

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
