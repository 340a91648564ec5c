//! Reading an anchor file before it is checked against a ledger. An anchor that holds
//! no checkpoint, holds text that is not a signed checkpoint, or belongs to another log
//! cannot say whether this ledger was altered: those are reasons `verify` could not
//! check (exit 2), named with the line they start at, never tampering.

use super::claims::ClaimedCheckpoint;
use crate::ledger::checkpoint::Checkpoint;
use crate::ledger::note;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AnchorError {
    #[error("the anchor file holds no checkpoint, so nothing could be checked against it")]
    Empty,
    #[error("line {line} of the anchor file is not a signed checkpoint: {detail}")]
    Unreadable { line: usize, detail: String },
    #[error("the checkpoint at line {line} of the anchor file is for log `{found}`, not this store's `{expected}`: an anchor from another store")]
    OtherLog {
        line: usize,
        found: String,
        expected: String,
    },
}

/// The checkpoints of an anchor file's text, each one readable and for `origin`.
/// Signatures are checked later, by the walk, where a bad one is tampering.
pub fn anchored_checkpoints(
    text: &str,
    origin: &str,
) -> Result<Vec<ClaimedCheckpoint>, AnchorError> {
    let mut out = Vec::new();
    for piece in note::split_notes(text) {
        let line = line_of(text, piece);
        let unreadable = |detail: String| AnchorError::Unreadable { line, detail };
        let opened = note::open(piece, &[]).map_err(|e| unreadable(e.to_string()))?;
        let cp = Checkpoint::parse(&opened.body).map_err(|e| unreadable(e.to_string()))?;
        if cp.origin != origin {
            return Err(AnchorError::OtherLog {
                line,
                found: cp.origin,
                expected: origin.to_string(),
            });
        }
        out.push(ClaimedCheckpoint::anchored(piece));
    }
    if out.is_empty() {
        // Text that split into no notes at all is not an anchor either.
        return match text.lines().position(|l| !l.trim().is_empty()) {
            Some(i) => Err(AnchorError::Unreadable {
                line: i + 1,
                detail: "no signed note found".into(),
            }),
            None => Err(AnchorError::Empty),
        };
    }
    Ok(out)
}

/// The 1-based line of `text` at which `piece`, a slice of it, starts.
fn line_of(text: &str, piece: &str) -> usize {
    let offset = (piece.as_ptr() as usize).saturating_sub(text.as_ptr() as usize);
    text.get(..offset)
        .map_or(0, |before| before.matches('\n').count())
        + 1
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::ledger::note::NoteSigner;

    fn signed(origin: &str, size: u64) -> String {
        let signer = NoteSigner::from_seed("test/key", [3; 32]).unwrap();
        let body = Checkpoint {
            origin: origin.into(),
            size,
            root: [1; 32],
        }
        .body();
        signer.sign(&body).unwrap()
    }

    #[test]
    fn an_empty_anchor_file_holds_no_checkpoint() {
        assert_eq!(anchored_checkpoints("", "log"), Err(AnchorError::Empty));
        assert_eq!(anchored_checkpoints("\n\n", "log"), Err(AnchorError::Empty));
    }

    #[test]
    fn an_anchor_for_another_log_names_the_origins_and_the_line() {
        let text = format!("{}\n{}", signed("log", 1), signed("other", 2));
        let first_lines = signed("log", 1).lines().count() + 2;
        assert_eq!(
            anchored_checkpoints(&text, "log"),
            Err(AnchorError::OtherLog {
                line: first_lines,
                found: "other".into(),
                expected: "log".into()
            })
        );
    }

    #[test]
    fn garbage_in_an_anchor_file_names_its_line() {
        let text = format!("{}\nthis is not\na checkpoint\n", signed("log", 1));
        let err = anchored_checkpoints(&text, "log").unwrap_err();
        assert!(
            matches!(err, AnchorError::Unreadable { line, .. } if line == signed("log", 1).lines().count() + 2),
            "{err:?}"
        );
        let err = anchored_checkpoints("garbage\n", "log").unwrap_err();
        assert!(
            matches!(err, AnchorError::Unreadable { line: 1, .. }),
            "{err:?}"
        );
    }

    #[test]
    fn every_checkpoint_of_a_good_anchor_is_kept() {
        let text = format!("{}{}", signed("log", 1), signed("log", 2));
        assert_eq!(anchored_checkpoints(&text, "log").unwrap().len(), 2);
    }
}
