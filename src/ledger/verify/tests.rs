//! The chain walk on made-up record facts, one table row per kind of tampering: the
//! facts as a store would hand them over, the checkpoints claimed, and the verdicts
//! (class and first `seq`) the walk must reach. No store, no hashing of real records.
#![allow(clippy::unwrap_used)]

use super::*;
use crate::ledger::checkpoint::Checkpoint;
use crate::ledger::merkle::{root, Frontier, Hash};
use crate::ledger::note::NoteSigner;
use crate::ledger::seal::GENESIS_PREV;

const ORIGIN: &str = "custody.test/log";
const RECORDED: &str = "2026-11-20T12:00:00.000Z";

fn leaf(seq: u64) -> Hash {
    let mut h = [0u8; 32];
    h[..8].copy_from_slice(&seq.to_be_bytes());
    h[31] = 0x5e;
    h
}

/// The facts of record `seq` as sealed, sitting at row `seq`.
fn sealed(seq: u64) -> RecordFacts {
    let prev = if seq == 1 {
        GENESIS_PREV
    } else {
        leaf(seq - 1)
    };
    RecordFacts {
        row_seq: seq,
        stored_hash: Some(leaf(seq)),
        sealed_seq: Some(seq),
        prev_hash: Some(SealedLink::Hash(prev)),
        recorded_at: Some(RecordedAt::new(RECORDED)),
        problem: None,
    }
}

/// A ledger of `n` records, untouched.
fn ledger(n: u64) -> Vec<RecordFacts> {
    (1..=n).map(sealed).collect()
}

/// Rows after tampering are renumbered from 1, as an attacker who rewrote the table would.
fn renumbered(mut rows: Vec<RecordFacts>) -> Vec<RecordFacts> {
    for (i, f) in rows.iter_mut().enumerate() {
        f.row_seq = i as u64 + 1;
    }
    rows
}

fn signer() -> NoteSigner {
    NoteSigner::from_seed("custody.test/key", [5; 32]).unwrap()
}

/// A stored checkpoint over the first `size` untouched records.
fn checkpoint(size: u64) -> ClaimedCheckpoint {
    let leaves: Vec<Hash> = (1..=size).map(leaf).collect();
    signed(size, root(&leaves), size, RECORDED)
}

fn signed(size: u64, root: Hash, column_size: u64, signed_at: &str) -> ClaimedCheckpoint {
    let body = Checkpoint {
        origin: ORIGIN.into(),
        size,
        root,
    }
    .body();
    ClaimedCheckpoint::stored(&signer().sign(&body).unwrap(), column_size, signed_at)
}

struct Case {
    name: &'static str,
    rows: Vec<RecordFacts>,
    checkpoints: Vec<ClaimedCheckpoint>,
    /// Extra setup on the checker before the walk.
    prime: fn(&mut ChainChecker),
    want: Vec<(&'static str, u64)>,
}

fn case(name: &'static str, rows: Vec<RecordFacts>, want: &[(&'static str, u64)]) -> Case {
    Case {
        name,
        rows,
        checkpoints: vec![checkpoint(3)],
        prime: |_| {},
        want: want.to_vec(),
    }
}

fn walk(c: &Case) -> Vec<(&'static str, u64)> {
    let mut checker = ChainChecker::new(ORIGIN, &c.checkpoints, &[signer().verifier()]);
    (c.prime)(&mut checker);
    for f in &c.rows {
        checker.absorb(f);
    }
    checker
        .finish()
        .verdicts
        .iter()
        .map(|v| (v.class(), v.first_seq()))
        .collect()
}

#[test]
fn each_kind_of_tampering_is_its_verdict_at_its_first_seq() {
    let mut deleted = ledger(10);
    deleted.remove(4);
    let mut swapped = ledger(10);
    swapped.swap(3, 4);
    let mut forged = sealed(4);
    forged.stored_hash = Some([0xf0; 32]);
    let mut inserted = ledger(10);
    inserted.insert(3, forged);
    let mut bad_first = ledger(10);
    bad_first[0].prev_hash = Some(SealedLink::Hash([9; 32]));
    let mut modified = ledger(10);
    modified[6].problem = Some("its content no longer matches its hash".into());
    let mut rewritten_forward = ledger(10);
    rewritten_forward[5].prev_hash = Some(SealedLink::Other);

    let cases = vec![
        case("intact", ledger(10), &[]),
        case("a deleted record", deleted, &[("gap", 5), ("deleted", 5)]),
        case(
            "two records swapped",
            renumbered(swapped),
            &[("reordered", 4)],
        ),
        case(
            "a record slipped in",
            renumbered(inserted),
            &[("inserted", 4)],
        ),
        case("a bad first record", bad_first, &[("broken-chain", 1)]),
        case("a modified record", modified, &[("modified", 7)]),
        case(
            "a link that names no hash",
            rewritten_forward,
            &[("broken-chain", 6)],
        ),
        Case {
            checkpoints: vec![checkpoint(3), checkpoint(10)],
            ..case("the last records removed", ledger(8), &[("truncated", 9)])
        },
        Case {
            checkpoints: vec![checkpoint(3), signed(6, [7; 32], 6, RECORDED)],
            ..case(
                "a checkpoint whose root differs",
                ledger(10),
                &[("fork", 4)],
            )
        },
        Case {
            checkpoints: vec![signed(3, root(&[leaf(1), leaf(2), leaf(3)]), 5, RECORDED)],
            ..case(
                "an edited tree_size column",
                ledger(10),
                &[("edited-checkpoint", 3)],
            )
        },
        Case {
            checkpoints: vec![signed(
                3,
                root(&[leaf(1), leaf(2), leaf(3)]),
                3,
                "2020-01-01T00:00:00.000Z",
            )],
            ..case(
                "a signed_at column before the records it covers",
                ledger(10),
                &[("edited-checkpoint", 3)],
            )
        },
        Case {
            checkpoints: vec![signed(
                3,
                root(&[leaf(1), leaf(2), leaf(3)]),
                3,
                "yesterday",
            )],
            ..case(
                "a signed_at column that is not a time",
                ledger(10),
                &[("edited-checkpoint", 3)],
            )
        },
        Case {
            prime: |c| {
                let mut wrong = Frontier::new();
                (1..=5).for_each(|s| wrong.push(leaf(s + 100)));
                c.expect_tree_state(5, &wrong.encode());
            },
            ..case(
                "a frontier cache that is not the records' is a warning, not a verdict",
                ledger(10),
                &[],
            )
        },
        Case {
            prime: |c| {
                let right = Frontier::from_leaves(&(1..=5).map(leaf).collect::<Vec<_>>());
                c.expect_tree_state(5, &right.encode());
            },
            ..case("a frontier cache that is the records'", ledger(10), &[])
        },
        Case {
            prime: |c| c.origin_changed("custody.test/renamed"),
            ..case("a changed origin", ledger(10), &[("origin-changed", 0)])
        },
    ];
    for c in &cases {
        assert_eq!(walk(c), c.want, "{}", c.name);
    }
}

#[test]
fn a_frontier_cache_that_disagrees_with_the_records_is_a_warning() {
    let mut checker = ChainChecker::new(ORIGIN, &[checkpoint(3)], &[signer().verifier()]);
    let wrong = Frontier::from_leaves(&(101..=105).map(leaf).collect::<Vec<_>>());
    checker.expect_tree_state(5, &wrong.encode());
    checker.expect_tree_state(3, "not a frontier");
    ledger(10).iter().for_each(|f| checker.absorb(f));
    let report = checker.finish();
    assert_eq!(
        (report.verdicts.len(), report.warnings.len()),
        (0, 2),
        "{report:?}"
    );
}

#[test]
fn a_checkpoint_after_a_good_one_forks_from_the_good_size() {
    let c = Case {
        checkpoints: vec![
            checkpoint(3),
            checkpoint(6),
            signed(9, [1; 32], 9, RECORDED),
        ],
        ..case("", ledger(10), &[])
    };
    assert_eq!(walk(&c), vec![("fork", 7)]);
}

#[test]
fn signed_size_is_the_largest_checkpoint_the_records_reproduce() {
    let mut checker = ChainChecker::new(
        ORIGIN,
        &[checkpoint(3), checkpoint(8)],
        &[signer().verifier()],
    );
    ledger(10).iter().for_each(|f| checker.absorb(f));
    let report = checker.finish();
    assert_eq!((report.signed_size, report.checkpoints_checked), (8, 2));
}
