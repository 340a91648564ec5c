//! RFC 8785, the JSON Canonicalization Scheme: the one byte string a sealed record
//! hashes to. This module is the only place that knows the scheme; everything that
//! writes or checks canonical bytes goes through it.
//!
//! | file | owns |
//! |---|---|
//! | `text.rs` | string escaping and member-name order (UTF-16 code units) |
//! | `number.rs` | number spelling (ECMAScript, via ryu-js), the scanner's number check, and whether a producer's literal survives the trip through a double |
//! | `value.rs` | the bytes of a `serde_json::Value` (the reference route) |
//! | `stream.rs`, `compound.rs` | the bytes of any `Serialize` value written in one pass, as the sealer writes records |
//! | `scan.rs` | the strict scanner that checks stored bytes already are canonical |
//!
//! It must never "fix" input: numbers are IEEE-754 doubles written the way
//! ECMAScript's `Number.prototype.toString` writes them, keys sort by UTF-16 code
//! units, and strings escape only what JCS escapes, in every direction alike.

mod compound;
mod number;
mod scan;
mod stream;
mod text;
mod value;

#[cfg(test)]
mod scan_tests;
#[cfg(test)]
mod vectors;

pub use number::{exact_literal, write_integer, InexactNumber};
pub use scan::{scan_canonical, scan_members};
pub use stream::{write_record, Error as WriteError};
pub(crate) use text::ordinary_run;
pub use text::{key_order, write_string};
pub use value::{canonicalize, write_canonical};

use thiserror::Error;

/// Deeper nesting is refused. serde_json's own recursion limit is one level
/// less, so nothing that was parsed into a `Value` can be refused for depth.
pub const MAX_DEPTH: usize = 128;

/// Why bytes are not the RFC 8785 form of a JSON object; `offset` is the byte
/// where the scan stopped.
#[derive(Debug, Error, Clone, Copy, PartialEq, Eq)]
pub enum CanonError {
    #[error("byte {offset}: invalid UTF-8")]
    InvalidUtf8 { offset: usize },
    #[error("byte {offset}: insignificant whitespace")]
    Whitespace { offset: usize },
    #[error("byte {offset}: unexpected byte 0x{found:02x}, expected {expected}")]
    UnexpectedByte {
        offset: usize,
        found: u8,
        expected: &'static str,
    },
    #[error("byte {offset}: input ends inside a value")]
    UnexpectedEnd { offset: usize },
    #[error("byte {offset}: bytes after the end of the top-level object")]
    TrailingBytes { offset: usize },
    #[error("byte {offset}: member name is not in UTF-16 code-unit order")]
    UnsortedKey { offset: usize },
    #[error("byte {offset}: duplicate member name")]
    DuplicateKey { offset: usize },
    #[error("byte {offset}: unescaped control character in a string")]
    ControlCharacter { offset: usize },
    #[error("byte {offset}: invalid escape sequence")]
    InvalidEscape { offset: usize },
    #[error("byte {offset}: escape sequence JCS writes differently")]
    NonCanonicalEscape { offset: usize },
    #[error("byte {offset}: not a JSON number")]
    InvalidNumber { offset: usize },
    #[error("byte {offset}: number not in ECMAScript shortest form")]
    NonCanonicalNumber { offset: usize },
    #[error("byte {offset}: nesting deeper than {MAX_DEPTH}")]
    TooDeep { offset: usize },
}

impl CanonError {
    /// The byte offset the error refers to.
    pub fn offset(&self) -> usize {
        match *self {
            CanonError::InvalidUtf8 { offset }
            | CanonError::Whitespace { offset }
            | CanonError::UnexpectedByte { offset, .. }
            | CanonError::UnexpectedEnd { offset }
            | CanonError::TrailingBytes { offset }
            | CanonError::UnsortedKey { offset }
            | CanonError::DuplicateKey { offset }
            | CanonError::ControlCharacter { offset }
            | CanonError::InvalidEscape { offset }
            | CanonError::NonCanonicalEscape { offset }
            | CanonError::InvalidNumber { offset }
            | CanonError::NonCanonicalNumber { offset }
            | CanonError::TooDeep { offset } => offset,
        }
    }
}
