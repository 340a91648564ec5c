//! C2SP `tlog-proof@v1` (c2sp.org/tlog-proof): the header line, an optional
//! `extra` line, `index N`, one base64 hash per line of the RFC 6962 inclusion
//! path (leaf's sibling first), an empty line, and the checkpoint note verbatim.
//!
//! It owns only the text. It never checks the path or the signature (that is
//! `check`, with `merkle` and `note`); parsing is strict so that one proof has
//! one spelling.

use crate::ledger::merkle::Hash;
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use thiserror::Error;

pub const HEADER: &str = "c2sp.org/tlog-proof@v1";

#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum ProofError {
    #[error("line 1 is not {HEADER:?}")]
    BadHeader,
    #[error("line {line}: extra data is not standard base64")]
    BadExtra { line: usize },
    #[error("line {line}: expected 'index N' with N a decimal without leading zeros")]
    BadIndex { line: usize },
    #[error("line {line}: inclusion proof hash is not the standard base64 of 32 bytes")]
    BadHash { line: usize },
    #[error("no empty line before the checkpoint")]
    NoCheckpoint,
}

/// One inclusion proof with the checkpoint it is against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlogProof {
    /// Opaque, unauthenticated extra data (custody writes none).
    pub extra: Option<Vec<u8>>,
    /// Zero-based leaf index: `seq - 1`.
    pub index: u64,
    /// The RFC 6962 / 9162 inclusion path, nearest sibling first.
    pub path: Vec<Hash>,
    /// The signed checkpoint note, byte for byte.
    pub checkpoint: String,
}

impl TlogProof {
    pub fn encode(&self) -> String {
        let mut out = String::with_capacity(64 + self.path.len() * 45 + self.checkpoint.len());
        out.push_str(HEADER);
        out.push('\n');
        if let Some(extra) = &self.extra {
            out.push_str("extra ");
            out.push_str(&STANDARD.encode(extra));
            out.push('\n');
        }
        out.push_str(&format!("index {}\n", self.index));
        for h in &self.path {
            out.push_str(&STANDARD.encode(h));
            out.push('\n');
        }
        out.push('\n');
        out.push_str(&self.checkpoint);
        out
    }

    pub fn parse(text: &str) -> Result<Self, ProofError> {
        let mut rest = text;
        let mut line_no = 0;
        let next_line = |rest: &mut &str| -> Option<String> {
            let (line, tail) = rest.split_once('\n')?;
            *rest = tail;
            Some(line.to_string())
        };
        line_no += 1;
        if next_line(&mut rest).as_deref() != Some(HEADER) {
            return Err(ProofError::BadHeader);
        }
        line_no += 1;
        let mut line = next_line(&mut rest).ok_or(ProofError::BadIndex { line: line_no })?;
        let mut extra = None;
        if let Some(data) = line.strip_prefix("extra ") {
            extra = Some(
                STANDARD
                    .decode(data)
                    .map_err(|_| ProofError::BadExtra { line: line_no })?,
            );
            line_no += 1;
            line = next_line(&mut rest).ok_or(ProofError::BadIndex { line: line_no })?;
        }
        let index = line
            .strip_prefix("index ")
            .and_then(plain_decimal)
            .ok_or(ProofError::BadIndex { line: line_no })?;
        let mut path = Vec::new();
        loop {
            line_no += 1;
            let line = next_line(&mut rest).ok_or(ProofError::NoCheckpoint)?;
            if line.is_empty() {
                break;
            }
            let hash = STANDARD
                .decode(&line)
                .ok()
                .and_then(|b| Hash::try_from(b).ok())
                .ok_or(ProofError::BadHash { line: line_no })?;
            path.push(hash);
        }
        Ok(TlogProof {
            extra,
            index,
            path,
            checkpoint: rest.to_string(),
        })
    }
}

fn plain_decimal(text: &str) -> Option<u64> {
    let plain = !text.is_empty()
        && text.bytes().all(|b| b.is_ascii_digit())
        && (text == "0" || !text.starts_with('0'));
    if plain {
        text.parse().ok()
    } else {
        None
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    const NOTE: &str = "example.com/log\n3\nq6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s=\n\n\u{2014} example.com/log AAAAAA==\n";

    #[test]
    fn encodes_and_parses_back() {
        let p = TlogProof {
            extra: None,
            index: 2,
            path: vec![[1; 32], [2; 32]],
            checkpoint: NOTE.to_string(),
        };
        let text = p.encode();
        assert!(text.starts_with("c2sp.org/tlog-proof@v1\nindex 2\nAQEB"));
        assert!(text.ends_with(NOTE));
        assert_eq!(TlogProof::parse(&text).unwrap(), p);
        let with_extra = TlogProof {
            extra: Some(b"hi".to_vec()),
            ..p
        };
        assert_eq!(TlogProof::parse(&with_extra.encode()).unwrap(), with_extra);
    }

    #[test]
    fn a_proof_of_the_only_leaf_has_no_hash_lines() {
        let p = TlogProof {
            extra: None,
            index: 0,
            path: vec![],
            checkpoint: NOTE.to_string(),
        };
        assert_eq!(p.encode(), format!("{HEADER}\nindex 0\n\n{NOTE}"));
        assert_eq!(TlogProof::parse(&p.encode()).unwrap(), p);
    }

    #[test]
    fn malformed_proofs_name_the_line() {
        let cases = [
            ("tlog-proof\nindex 0\n\n", ProofError::BadHeader),
            (
                "c2sp.org/tlog-proof@v1\nindex 01\n\n",
                ProofError::BadIndex { line: 2 },
            ),
            (
                "c2sp.org/tlog-proof@v1\nextra !!\nindex 1\n\n",
                ProofError::BadExtra { line: 2 },
            ),
            (
                "c2sp.org/tlog-proof@v1\nindex 1\nAAAA\n\n",
                ProofError::BadHash { line: 3 },
            ),
            (
                "c2sp.org/tlog-proof@v1\nindex 1\n",
                ProofError::NoCheckpoint,
            ),
        ];
        for (text, want) in cases {
            assert_eq!(TlogProof::parse(text), Err(want), "{text:?}");
        }
    }
}
