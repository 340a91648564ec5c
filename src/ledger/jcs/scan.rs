//! The canonical-bytes scanner: checks, in one allocation-free pass, that bytes read
//! back from storage already are the RFC 8785 form of a JSON object, and hands back
//! its top-level members. Verification runs every stored record through here.
//!
//! It must never "fix" input: a checker that normalised whitespace, key order,
//! escapes or number spelling before hashing would let two different byte strings
//! claim the same hash. The escapes it accepts, the key order and the number
//! spelling are the writer's own rules (`text.rs`, `number.rs`).

use super::number::{canonical_spelling, Lexed};
use super::text::{hex_value, key_order, key_order_streams, ordinary_run, Unescape, ESCAPE};
use super::{CanonError, MAX_DEPTH};
use std::cmp::Ordering;

/// A string's raw content (between the quotes) and whether it holds escapes.
#[derive(Clone, Copy)]
struct RawString {
    start: usize,
    end: usize,
    escaped: bool,
}

struct Scanner<'a> {
    bytes: &'a [u8],
    pos: usize,
    /// The reason for the first failure. Kept here rather than in each
    /// `Result` so results stay register-sized on the hot path (returning the
    /// 32-byte error by value cost a fifth of the scan time).
    error: Option<CanonError>,
}

/// Marks a failed step; the reason is in [`Scanner::error`].
struct Fail;
type Step<T> = Result<T, Fail>;

/// Checks that `bytes` are exactly the RFC 8785 form of a top-level JSON
/// object and returns its members as (raw key text without quotes, raw value
/// bytes), in order. One pass, no allocation beyond the returned vector.
pub fn scan_canonical(bytes: &[u8]) -> Result<Vec<(&str, &[u8])>, CanonError> {
    let mut members = Vec::with_capacity(32);
    scan_members(bytes, |key, value| members.push((key, value)))?;
    Ok(members)
}

/// [`scan_canonical`] without the vector: hands each top-level member to
/// `on_member` as it is scanned, so a caller that needs a few members (verify,
/// once per record) allocates nothing. On an error some members may already
/// have been handed over.
pub fn scan_members<'a>(
    bytes: &'a [u8],
    mut on_member: impl FnMut(&'a str, &'a [u8]),
) -> Result<(), CanonError> {
    // Validating UTF-8 once up front (std's validator is fast) means the scan
    // itself never decodes characters and every span it returns is valid text.
    let text = std::str::from_utf8(bytes).map_err(|e| match e.error_len() {
        // The input stops inside a character: that is truncation.
        None => CanonError::UnexpectedEnd {
            offset: e.valid_up_to(),
        },
        Some(_) => CanonError::InvalidUtf8 {
            offset: e.valid_up_to(),
        },
    })?;
    let mut s = Scanner {
        bytes,
        pos: 0,
        error: None,
    };
    let scanned = s.object(1, |key, value| {
        // Quotes are ASCII, so both ends are character boundaries.
        if let (Some(k), Some(v)) = (text.get(key.start..key.end), bytes.get(value.0..value.1)) {
            on_member(k, v);
        }
    });
    match (scanned, s.error) {
        (Ok(()), _) if s.pos == bytes.len() => Ok(()),
        (Ok(()), _) => Err(CanonError::TrailingBytes { offset: s.pos }),
        (Err(Fail), Some(error)) => Err(error),
        // Every failing step records its reason first; this arm is unreachable.
        (Err(Fail), None) => Err(CanonError::UnexpectedEnd { offset: s.pos }),
    }
}

impl Scanner<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    /// Records why the scan stopped.
    #[cold]
    fn fail(&mut self, error: CanonError) -> Fail {
        self.error = Some(error);
        Fail
    }

    /// Fails on a byte that is not what the grammar allows here.
    #[cold]
    fn unexpected(&mut self, expected: &'static str) -> Fail {
        let error = match self.peek() {
            None => CanonError::UnexpectedEnd { offset: self.pos },
            Some(b' ' | b'\t' | b'\n' | b'\r') => CanonError::Whitespace { offset: self.pos },
            Some(found) => CanonError::UnexpectedByte {
                offset: self.pos,
                found,
                expected,
            },
        };
        self.fail(error)
    }

    fn expect(&mut self, byte: u8, expected: &'static str) -> Step<()> {
        if self.peek() == Some(byte) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.unexpected(expected))
        }
    }

    fn value(&mut self, depth: usize) -> Step<()> {
        match self.peek() {
            Some(b'{') => self.object(depth + 1, |_, _| {}),
            Some(b'[') => self.array(depth + 1),
            Some(b'"') => self.string().map(|_| ()),
            Some(b't') => self.literal(b"true"),
            Some(b'f') => self.literal(b"false"),
            Some(b'n') => self.literal(b"null"),
            Some(b'-' | b'0'..=b'9') => self.number(),
            _ => Err(self.unexpected("a value")),
        }
    }

    /// Scans an object, checking member order, and hands each member to
    /// `on_member` (the top level collects them; nested levels ignore them).
    fn object(
        &mut self,
        depth: usize,
        mut on_member: impl FnMut(RawString, (usize, usize)),
    ) -> Step<()> {
        if depth > MAX_DEPTH {
            return Err(self.fail(CanonError::TooDeep { offset: self.pos }));
        }
        self.expect(b'{', "'{'")?;
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Ok(());
        }
        let mut previous: Option<RawString> = None;
        loop {
            if self.peek() != Some(b'"') {
                return Err(self.unexpected("a member name"));
            }
            let key_offset = self.pos;
            let escaped = self.string()?;
            let key = RawString {
                start: key_offset + 1,
                end: self.pos - 1,
                escaped,
            };
            if let Some(prev) = previous {
                match self.key_order(prev, key) {
                    Ordering::Less => {}
                    Ordering::Equal => {
                        return Err(self.fail(CanonError::DuplicateKey { offset: key_offset }))
                    }
                    Ordering::Greater => {
                        return Err(self.fail(CanonError::UnsortedKey { offset: key_offset }))
                    }
                }
            }
            previous = Some(key);
            self.expect(b':', "':'")?;
            let value_start = self.pos;
            self.value(depth)?;
            on_member(key, (value_start, self.pos));
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(());
                }
                _ => return Err(self.unexpected("',' or '}'")),
            }
        }
    }

    /// Compares two member names by the text they decode to, in UTF-16 order.
    fn key_order(&self, a: RawString, b: RawString) -> Ordering {
        let ra = &self.bytes[a.start..a.end];
        let rb = &self.bytes[b.start..b.end];
        if !a.escaped && !b.escaped {
            return key_order(ra, rb);
        }
        key_order_streams(Unescape { raw: ra, at: 0 }, Unescape { raw: rb, at: 0 })
    }

    fn array(&mut self, depth: usize) -> Step<()> {
        if depth > MAX_DEPTH {
            return Err(self.fail(CanonError::TooDeep { offset: self.pos }));
        }
        self.expect(b'[', "'['")?;
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Ok(());
        }
        loop {
            self.value(depth)?;
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    return Ok(());
                }
                _ => return Err(self.unexpected("',' or ']'")),
            }
        }
    }

    fn literal(&mut self, word: &'static [u8]) -> Step<()> {
        match self.bytes.get(self.pos..self.pos + word.len()) {
            Some(found) if found == word => {
                self.pos += word.len();
                Ok(())
            }
            None if word.starts_with(&self.bytes[self.pos..]) => {
                Err(self.fail(CanonError::UnexpectedEnd {
                    offset: self.bytes.len(),
                }))
            }
            _ => Err(self.unexpected("true, false or null")),
        }
    }

    /// The string starting at the opening quote under the cursor; returns
    /// whether it holds escapes. This is the hot loop of verification:
    /// ordinary bytes are skipped eight at a time, and UTF-8 was validated
    /// before the scan began.
    fn string(&mut self) -> Step<bool> {
        self.pos += 1;
        let mut escaped = false;
        loop {
            self.pos += ordinary_run(&self.bytes[self.pos..]);
            match self.peek() {
                None => return Err(self.fail(CanonError::UnexpectedEnd { offset: self.pos })),
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(escaped);
                }
                Some(b'\\') => {
                    self.escape()?;
                    escaped = true;
                }
                Some(_) => return Err(self.fail(CanonError::ControlCharacter { offset: self.pos })),
            }
        }
    }

    /// One escape sequence, which must be one JCS itself would write: the two
    /// character forms for `"` `\` and five controls, otherwise `\u00xx` in
    /// lowercase hex for the remaining controls, and nothing else.
    fn escape(&mut self) -> Step<()> {
        let offset = self.pos;
        match self.bytes.get(self.pos + 1) {
            None => Err(self.fail(CanonError::UnexpectedEnd {
                offset: self.pos + 1,
            })),
            Some(b'"' | b'\\' | b'b' | b'f' | b'n' | b'r' | b't') => {
                self.pos += 2;
                Ok(())
            }
            Some(b'/') => Err(self.fail(CanonError::NonCanonicalEscape { offset })),
            Some(b'u') => {
                let Some(digits) = self.bytes.get(self.pos + 2..self.pos + 6) else {
                    return Err(self.fail(CanonError::UnexpectedEnd {
                        offset: self.bytes.len(),
                    }));
                };
                if !digits.iter().all(u8::is_ascii_hexdigit) {
                    return Err(self.fail(CanonError::InvalidEscape { offset }));
                }
                let canonical = match digits {
                    [b'0', b'0', hi @ (b'0' | b'1'), lo] => {
                        let code = (hi - b'0') << 4 | hex_value(*lo).unwrap_or(0xff);
                        // Lowercase only, and not one with a short form.
                        code < 0x20 && ESCAPE[code as usize] == b'u'
                    }
                    _ => false,
                };
                if canonical {
                    self.pos += 6;
                    Ok(())
                } else {
                    Err(self.fail(CanonError::NonCanonicalEscape { offset }))
                }
            }
            Some(_) => Err(self.fail(CanonError::InvalidEscape { offset })),
        }
    }

    /// A number, which must be spelled exactly as ECMAScript would print the
    /// double it denotes (`number::canonical_spelling` judges; this lexes).
    fn number(&mut self) -> Step<()> {
        let start = self.pos;
        let invalid = |s: &Self| match s.peek() {
            None => CanonError::UnexpectedEnd { offset: s.pos },
            Some(_) => CanonError::InvalidNumber { offset: s.pos },
        };
        let digits = |s: &mut Self| {
            let from = s.pos;
            while matches!(s.peek(), Some(b'0'..=b'9')) {
                s.pos += 1;
            }
            s.pos - from
        };
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        let int_start = self.pos;
        match self.peek() {
            Some(b'0') => {
                self.pos += 1;
                if matches!(self.peek(), Some(b'0'..=b'9')) {
                    return Err(self.fail(CanonError::InvalidNumber { offset: int_start }));
                }
            }
            Some(b'1'..=b'9') => {
                digits(self);
            }
            _ => return Err(self.fail(invalid(self))),
        }
        let int_digits = self.pos - int_start;
        let mut plain = true;
        let mut fraction = None;
        if self.peek() == Some(b'.') {
            plain = false;
            self.pos += 1;
            let from = self.pos;
            if digits(self) == 0 {
                return Err(self.fail(invalid(self)));
            }
            fraction = Some(from..self.pos);
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            plain = false;
            fraction = None;
            self.pos += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            if digits(self) == 0 {
                return Err(self.fail(invalid(self)));
            }
        }
        let lexed = Lexed {
            text: &self.bytes[start..self.pos],
            int_digits,
            int_is_zero: self.bytes[int_start] == b'0',
            fraction: fraction.map(|f| &self.bytes[f]),
            plain,
        };
        if canonical_spelling(&lexed) {
            Ok(())
        } else {
            Err(self.fail(CanonError::NonCanonicalNumber { offset: start }))
        }
    }
}
