//! The body of a C2SP tlog-checkpoint (c2sp.org/tlog-checkpoint): the origin
//! line naming the log, the tree size in decimal, and the base64 tree head,
//! each ending in a newline. This is the text a signed note carries.
//!
//! It owns only the text form. It never signs or verifies (that is `note`) and
//! never decides whether a checkpoint agrees with a ledger (that is the
//! verifier's job); parsing is strict about the three mandatory lines, because
//! two spellings of one checkpoint would be two different signed texts.

use crate::ledger::merkle::Hash;
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use thiserror::Error;

#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum CheckpointError {
    #[error("checkpoint body does not end with a newline")]
    MissingFinalNewline,
    #[error("checkpoint body has {found} line(s); origin, size and root are required")]
    TooFewLines { found: usize },
    #[error("checkpoint origin line is empty")]
    EmptyOrigin,
    #[error("checkpoint tree size {text:?} is not a decimal number without leading zeros")]
    BadSize { text: String },
    #[error("checkpoint root {text:?} is not the standard base64 of 32 bytes")]
    BadRoot { text: String },
    #[error("checkpoint extension line {line} is empty")]
    EmptyExtensionLine { line: usize },
}

/// A log's state at one moment: its name, how many leaves, and the tree head.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// Single-line, non-empty name of the log (by convention a schema-less URL).
    pub origin: String,
    pub size: u64,
    pub root: Hash,
}

impl Checkpoint {
    /// `origin\nsize\nbase64(root)\n`. No extension lines are written.
    pub fn body(&self) -> String {
        format!(
            "{}\n{}\n{}\n",
            self.origin,
            self.size,
            STANDARD.encode(self.root)
        )
    }

    /// Parses a checkpoint body. Extension lines after the root are allowed by
    /// the spec and ignored here; they must still be non-empty.
    pub fn parse(body: &str) -> Result<Self, CheckpointError> {
        let Some(content) = body.strip_suffix('\n') else {
            return Err(CheckpointError::MissingFinalNewline);
        };
        let lines: Vec<&str> = content.split('\n').collect();
        let [origin, size_text, root_text, extensions @ ..] = lines.as_slice() else {
            return Err(CheckpointError::TooFewLines {
                found: if body.is_empty() { 0 } else { lines.len() },
            });
        };
        if origin.is_empty() {
            return Err(CheckpointError::EmptyOrigin);
        }
        let size = parse_size(size_text).ok_or_else(|| CheckpointError::BadSize {
            text: (*size_text).to_string(),
        })?;
        let root = parse_root(root_text).ok_or_else(|| CheckpointError::BadRoot {
            text: (*root_text).to_string(),
        })?;
        if let Some(i) = extensions.iter().position(|l| l.is_empty()) {
            return Err(CheckpointError::EmptyExtensionLine { line: i + 4 });
        }
        Ok(Self {
            origin: (*origin).to_string(),
            size,
            root,
        })
    }
}

/// ASCII decimal, no sign, no leading zeros (so each size has one spelling).
fn parse_size(text: &str) -> Option<u64> {
    let plain = !text.is_empty()
        && text.bytes().all(|b| b.is_ascii_digit())
        && (text == "0" || !text.starts_with('0'));
    if plain {
        text.parse().ok()
    } else {
        None
    }
}

/// Standard, padded base64 of exactly 32 bytes. The engine already refuses
/// non-canonical padding and trailing bits, so each root has one spelling.
fn parse_root(text: &str) -> Option<Hash> {
    let bytes = STANDARD.decode(text).ok()?;
    bytes.try_into().ok()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn sample() -> Checkpoint {
        Checkpoint {
            origin: "custody.example/ledger".to_string(),
            size: 1234,
            root: [0xab; 32],
        }
    }

    #[test]
    fn body_has_origin_size_and_base64_root_lines() {
        assert_eq!(
            sample().body(),
            "custody.example/ledger\n1234\nq6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s=\n"
        );
    }

    #[test]
    fn body_parses_back_to_the_same_checkpoint() {
        assert_eq!(Checkpoint::parse(&sample().body()).unwrap(), sample());
    }

    // The example at the top of the C2SP tlog-checkpoint specification
    // (github.com/C2SP/C2SP, tlog-checkpoint.md).
    #[test]
    fn spec_example_parses() {
        let body =
            "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";
        let cp = Checkpoint::parse(body).unwrap();
        assert_eq!(cp.origin, "example.com/behind-the-sofa");
        assert_eq!(cp.size, 20852163);
        assert_eq!(cp.root[..4], [0x0a, 0xc5, 0x18, 0x6a]);
        assert_eq!(cp.body(), body);
    }

    #[test]
    fn extension_lines_are_tolerated_and_dropped() {
        let body = format!("{}Timestamp: 1689748607742585419\n", sample().body());
        assert_eq!(Checkpoint::parse(&body).unwrap(), sample());
    }

    #[test]
    fn malformed_bodies_are_rejected() {
        let root = "q6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s=";
        let cases = [
            (
                format!("o\n1\n{root}"),
                CheckpointError::MissingFinalNewline,
            ),
            (String::new(), CheckpointError::MissingFinalNewline),
            (
                "o\n1\n".to_string(),
                CheckpointError::TooFewLines { found: 2 },
            ),
            (format!("\n1\n{root}\n"), CheckpointError::EmptyOrigin),
            (
                format!("o\n01\n{root}\n"),
                CheckpointError::BadSize { text: "01".into() },
            ),
            (
                format!("o\n+1\n{root}\n"),
                CheckpointError::BadSize { text: "+1".into() },
            ),
            (
                format!("o\n1 \n{root}\n"),
                CheckpointError::BadSize { text: "1 ".into() },
            ),
            (
                format!("o\n18446744073709551616\n{root}\n"),
                CheckpointError::BadSize {
                    text: "18446744073709551616".into(),
                },
            ),
            (
                "o\n1\nq6urq6ur\n".to_string(),
                CheckpointError::BadRoot {
                    text: "q6urq6ur".into(),
                },
            ),
            (
                "o\n1\nq6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6t=\n".to_string(),
                CheckpointError::BadRoot {
                    text: "q6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6t=".into(),
                },
            ),
            (
                format!("o\n1\n{root}\n\n"),
                CheckpointError::EmptyExtensionLine { line: 4 },
            ),
        ];
        for (body, want) in cases {
            assert_eq!(Checkpoint::parse(&body), Err(want), "{body:?}");
        }
    }
}
