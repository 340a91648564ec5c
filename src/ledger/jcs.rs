//! RFC 8785, the JSON Canonicalization Scheme: the one byte string a sealed
//! record hashes to. It owns both directions: writing a `serde_json::Value` in
//! canonical form, and checking, in one allocation-free pass, that bytes read
//! back from storage already are that form.
//!
//! It must never "fix" input: a checker that normalised whitespace, key order,
//! escapes or number spelling before hashing would let two different byte
//! strings claim the same hash. Numbers are IEEE-754 doubles written the way
//! ECMAScript's `Number.prototype.toString` writes them (via `ryu-js`), keys
//! sort by UTF-16 code units, and strings escape only what JCS escapes.

use serde_json::{Map, Number, Value};
use std::cmp::Ordering;
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

/// The RFC 8785 bytes of `value`.
pub fn canonicalize(value: &Value) -> Vec<u8> {
    let mut out = Vec::with_capacity(512);
    write_canonical(value, &mut out);
    out
}

/// Appends the RFC 8785 bytes of `value` to `out`.
pub fn write_canonical(value: &Value, out: &mut Vec<u8>) {
    match value {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(true) => out.extend_from_slice(b"true"),
        Value::Bool(false) => out.extend_from_slice(b"false"),
        Value::Number(n) => write_number(n, out),
        Value::String(s) => write_string(s, out),
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_canonical(item, out);
            }
            out.push(b']');
        }
        Value::Object(map) => write_object(map, out),
    }
}

fn write_object(map: &Map<String, Value>, out: &mut Vec<u8>) {
    out.push(b'{');
    // Without `preserve_order` the map iterates in code-point order, which is
    // UTF-16 order unless astral and U+E000..U+FFFF keys meet; a feature turned
    // on elsewhere in the build could also make it insertion order. Sort only
    // when the map is not already in the right order.
    let sorted = map
        .keys()
        .zip(map.keys().skip(1))
        .all(|(a, b)| utf16_order(a.bytes(), b.bytes()) == Ordering::Less);
    if sorted {
        write_members(map.iter(), out);
    } else {
        let mut members: Vec<(&String, &Value)> = map.iter().collect();
        members.sort_unstable_by(|a, b| utf16_order(a.0.bytes(), b.0.bytes()));
        write_members(members.into_iter(), out);
    }
    out.push(b'}');
}

fn write_members<'a>(members: impl Iterator<Item = (&'a String, &'a Value)>, out: &mut Vec<u8>) {
    for (i, (key, value)) in members.enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write_string(key, out);
        out.push(b':');
        write_canonical(value, out);
    }
}

/// JCS treats every number as an IEEE-754 double, so integers beyond 2^53 are
/// written as the double they round to, exactly as a JavaScript peer would.
fn write_number(n: &Number, out: &mut Vec<u8>) {
    match n.as_f64() {
        Some(f) if f.is_finite() => {
            let mut buf = ryu_js::Buffer::new();
            out.extend_from_slice(buf.format_finite(f).as_bytes());
        }
        // Unreachable in this build: serde_json without `arbitrary_precision`
        // holds only finite doubles and 64-bit integers, all of which `as_f64`
        // converts. Writing the number's own text keeps this total.
        _ => out.extend_from_slice(n.to_string().as_bytes()),
    }
}

/// For each byte: 0 = copy as is, `u` = write as \u00xx, anything else = the
/// letter after the backslash.
const ESCAPE: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 0x20 {
        t[i] = b'u';
        i += 1;
    }
    t[0x08] = b'b';
    t[0x09] = b't';
    t[0x0a] = b'n';
    t[0x0c] = b'f';
    t[0x0d] = b'r';
    t[b'"' as usize] = b'"';
    t[b'\\' as usize] = b'\\';
    t
};

const HEX_DIGITS: &[u8; 16] = b"0123456789abcdef";

fn write_string(s: &str, out: &mut Vec<u8>) {
    let bytes = s.as_bytes();
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let esc = ESCAPE[b as usize];
        if esc == 0 {
            continue;
        }
        out.extend_from_slice(&bytes[start..i]);
        if esc == b'u' {
            out.extend_from_slice(b"\\u00");
            out.push(HEX_DIGITS[(b >> 4) as usize]);
            out.push(HEX_DIGITS[(b & 0x0f) as usize]);
        } else {
            out.push(b'\\');
            out.push(esc);
        }
        start = i + 1;
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
}

/// Orders two UTF-8 byte streams by the UTF-16 code units of the text they
/// encode. UTF-8 byte order is code-point order, which differs from UTF-16
/// order in one place only: a character in U+E000..U+FFFF (lead byte 0xEE or
/// 0xEF) sorts after a supplementary character (lead byte 0xF0..0xF4, written
/// in UTF-16 as a surrogate 0xD800..0xDBFF). Because the streams agree up to
/// the first difference, both differing bytes sit at the same place in a
/// character: both lead bytes, or both continuation bytes of the same-length
/// sequence, and only the first case can need the swap.
fn utf16_order(mut a: impl Iterator<Item = u8>, mut b: impl Iterator<Item = u8>) -> Ordering {
    loop {
        match (a.next(), b.next()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(x), Some(y)) if x == y => {}
            (Some(x), Some(y)) => {
                let high_bmp = |c: u8| c == 0xee || c == 0xef;
                return if x >= 0xf0 && high_bmp(y) {
                    Ordering::Less
                } else if y >= 0xf0 && high_bmp(x) {
                    Ordering::Greater
                } else {
                    x.cmp(&y)
                };
            }
        }
    }
}

/// The text a canonical string's raw content stands for, byte by byte. Only
/// used on content the scanner already validated; every JCS escape decodes to
/// one ASCII byte, which is what lets key comparison stay allocation-free.
struct Unescape<'a> {
    raw: &'a [u8],
    at: usize,
}

impl Iterator for Unescape<'_> {
    type Item = u8;

    fn next(&mut self) -> Option<u8> {
        let c = *self.raw.get(self.at)?;
        if c != b'\\' {
            self.at += 1;
            return Some(c);
        }
        let e = *self.raw.get(self.at + 1)?;
        self.at += 2;
        Some(match e {
            b'b' => 0x08,
            b't' => 0x09,
            b'n' => 0x0a,
            b'f' => 0x0c,
            b'r' => 0x0d,
            b'u' => {
                // Validated form: \u00 followed by two lowercase hex digits.
                let hi = hex_value(*self.raw.get(self.at + 2)?)?;
                let lo = hex_value(*self.raw.get(self.at + 3)?)?;
                self.at += 4;
                hi << 4 | lo
            }
            other => other,
        })
    }
}

fn hex_value(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        _ => None,
    }
}

/// Byte classes inside a string: 0 = ordinary, 1 = needs a look (quote,
/// backslash, or a control character that may not appear raw).
const STRING_STOP: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 0x20 {
        t[i] = 1;
        i += 1;
    }
    t[b'"' as usize] = 1;
    t[b'\\' as usize] = 1;
    t
};

/// Length of the leading run of bytes that need no look inside a string.
/// Eight bytes at a time: a word is skipped whole unless it holds a quote, a
/// backslash or a control byte (the classic "has zero byte" bit trick, which
/// is exact about whether and where the first such byte is).
pub(crate) fn ordinary_run(bytes: &[u8]) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let has_zero = |v: u64| v.wrapping_sub(ONES) & !v & HIGHS;
    let mut at = 0;
    while let Some(chunk) = bytes.get(at..).and_then(<[u8]>::first_chunk::<8>) {
        let w = u64::from_le_bytes(*chunk);
        let stops = has_zero(w ^ (ONES * u64::from(b'"')))
            | has_zero(w ^ (ONES * u64::from(b'\\')))
            | (w.wrapping_sub(ONES * 0x20) & !w & HIGHS);
        if stops != 0 {
            return at + (stops.trailing_zeros() / 8) as usize;
        }
        at += 8;
    }
    at + bytes[at..]
        .iter()
        .position(|&c| STRING_STOP[c as usize] != 0)
        .unwrap_or(bytes.len() - at)
}

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
            return utf16_order(ra.iter().copied(), rb.iter().copied());
        }
        utf16_order(Unescape { raw: ra, at: 0 }, Unescape { raw: rb, at: 0 })
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
    /// double it denotes. Short plain integers are canonical by construction;
    /// everything else is parsed and re-printed with ryu-js and compared.
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
        let text = &self.bytes[start..self.pos];
        if plain && int_digits <= 15 {
            // Every integer below 10^15 is an exact double that ECMAScript
            // prints digit for digit; only negative zero prints differently.
            return if text == b"-0" {
                Err(self.fail(CanonError::NonCanonicalNumber { offset: start }))
            } else {
                Ok(())
            };
        }
        if let Some(fraction) = fraction {
            let int_is_zero = self.bytes[int_start] == b'0';
            if short_decimal(int_is_zero, int_digits, &self.bytes[fraction]) {
                return Ok(());
            }
        }
        let parsed = std::str::from_utf8(text)
            .ok()
            .and_then(|t| t.parse::<f64>().ok())
            .filter(|f| f.is_finite());
        let canonical = parsed.is_some_and(|f| {
            let mut buf = ryu_js::Buffer::new();
            buf.format_finite(f).as_bytes() == text
        });
        if canonical {
            Ok(())
        } else {
            Err(self.fail(CanonError::NonCanonicalNumber { offset: start }))
        }
    }
}

/// Whether a decimal without exponent is canonical by construction: at most 15
/// significant digits, no trailing zero, and not below 10^-6 (where ECMAScript turns to
/// exponent form). Any decimal of at most 15 significant digits survives the trip
/// through a double and back (DBL_DIG), so it is the shortest spelling of its double,
/// which is what ECMAScript prints; the digits need no parse and no re-print.
fn short_decimal(int_is_zero: bool, int_digits: usize, fraction: &[u8]) -> bool {
    if fraction.last() == Some(&b'0') {
        return false;
    }
    let significant = if int_is_zero {
        let zeros = fraction.iter().take_while(|&&c| c == b'0').count();
        if zeros > 5 {
            return false;
        }
        fraction.len() - zeros
    } else {
        int_digits + fraction.len()
    };
    significant <= 15
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    fn canon(text: &str) -> String {
        let value: Value = serde_json::from_str(text).unwrap();
        String::from_utf8(canonicalize(&value)).unwrap()
    }

    fn scan(text: &str) -> Result<Vec<(&str, &[u8])>, CanonError> {
        scan_canonical(text.as_bytes())
    }

    /// The numbers of RFC 8785's sample as Rust literals, which are correctly
    /// rounded. serde_json's default float parser is not: it reads
    /// 333333333.33333329 one ULP low, which would test its parser, not JCS.
    #[allow(clippy::excessive_precision)] // the RFC's own input digits
    fn sample_numbers() -> Value {
        json!([
            333333333.33333329_f64,
            1E30,
            4.50,
            2e-3,
            0.000000000000000000000000001
        ])
    }

    // RFC 8785 §3.2.2, the sample input and its canonical output (the same
    // data as cyberphone/json-canonicalization testdata/input/values.json).
    #[test]
    fn rfc8785_section_3_2_2_sample() {
        let input = r#"{
          "numbers": [],
          "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
          "literals": [null, true, false]
        }"#;
        let mut value: Value = serde_json::from_str(input).unwrap();
        value["numbers"] = sample_numbers();
        let want = "{\"literals\":[null,true,false],\"numbers\":[333333333.3333333,1e+30,4.5,0.002,1e-27],\"string\":\"\u{20ac}$\\u000f\\nA'B\\\"\\\\\\\\\\\"/\"}";
        assert_eq!(String::from_utf8(canonicalize(&value)).unwrap(), want);
        assert!(scan(want).is_ok());
    }

    // RFC 8785 §3.2.3, the sorting example: keys ordered by UTF-16 code units.
    #[test]
    fn rfc8785_section_3_2_3_sorting_example() {
        let input = r#"{
          "\u20ac": "Euro Sign",
          "\r": "Carriage Return",
          "\ufb33": "Hebrew Letter Dalet With Dagesh",
          "1": "One",
          "\ud83d\ude00": "Emoji: Grinning Face",
          "\u0080": "Control",
          "\u00f6": "Latin Small Letter O With Diaeresis"
        }"#;
        let out = canon(input);
        let keys: Vec<&str> = scan(&out).unwrap().into_iter().map(|(k, _)| k).collect();
        assert_eq!(
            keys,
            [
                "\\r",
                "1",
                "\u{80}",
                "\u{f6}",
                "\u{20ac}",
                "\u{1f600}",
                "\u{fb33}"
            ]
        );
    }

    // cyberphone/json-canonicalization testdata/input/*.json → testdata/output/*.json
    // (the RFC author's reference test data).
    #[test]
    fn cyberphone_reference_test_data() {
        let cases = [
            (
                "{\n  \"\\u20ac\": \"Euro Sign\",\n  \"1\": \"One\",\n  \"\\u0080\": \"Control\\u007f\",\n  \"\\ud83d\\ude02\": \"Smiley\",\n  \"\\u00f6\": \"Latin Small Letter O With Diaeresis\",\n  \"\\ufb33\": \"Hebrew Letter Dalet With Dagesh\",\n  \"</script>\": \"Browser Challenge\"\n}\n",
                "{\"1\":\"One\",\"</script>\":\"Browser Challenge\",\"\u{80}\":\"Control\u{7f}\",\"\u{f6}\":\"Latin Small Letter O With Diaeresis\",\"\u{20ac}\":\"Euro Sign\",\"\u{1f602}\":\"Smiley\",\"\u{fb33}\":\"Hebrew Letter Dalet With Dagesh\"}",
            ),
            (
                "{\n  \"1\": {\"f\": {\"f\": \"hi\",\"F\": 5} ,\"\\n\": 56.0},\n  \"10\": { },\n  \"\": \"empty\",\n  \"a\": { },\n  \"111\": [ { } ],\n  \"A\": { }\n}",
                "{\"\":\"empty\",\"1\":{\"\\n\":56,\"f\":{\"F\":5,\"f\":\"hi\"}},\"10\":{},\"111\":[{}],\"A\":{},\"a\":{}}",
            ),
            (
                "{\n  \"Unnormalized Unicode\":\"\\u1e0d\\u0307\"\n}\n",
                "{\"Unnormalized Unicode\":\"\u{1e0d}\u{307}\"}",
            ),
            (
                "{\n  \"peach\": \"This sorting order\",\n  \"p\u{e9}ch\u{e9}\": \"is wrong according to French\",\n  \"p\u{ea}che\": \"but canonicalization MUST\",\n  \"sin\":   \"ingnore locale\"\n}\n",
                "{\"peach\":\"This sorting order\",\"p\u{e9}ch\u{e9}\":\"is wrong according to French\",\"p\u{ea}che\":\"but canonicalization MUST\",\"sin\":\"ingnore locale\"}",
            ),
        ];
        for (input, want) in cases {
            assert_eq!(canon(input), want);
            assert!(scan(want).is_ok(), "{want}");
        }
        // values.json, with its numbers from correctly rounded literals.
        #[allow(clippy::excessive_precision)]
        let numbers = json!([1E30, 4.50, 333333333.33333329_f64, 2e-3, 1e-27]);
        let input = "{\n  \"numbers\": [],\n  \"escaping\": \"\\u20ac$\\u000F\\u000aA'\\u0042\\u0022\\u005c\\\\\\\"\\/\",\n  \"literals\": [null, true, false]\n}";
        let mut value: Value = serde_json::from_str(input).unwrap();
        value["numbers"] = numbers;
        let want = "{\"escaping\":\"\u{20ac}$\\u000f\\nA'B\\\"\\\\\\\\\\\"/\",\"literals\":[null,true,false],\"numbers\":[1e+30,4.5,333333333.3333333,0.002,1e-27]}";
        assert_eq!(String::from_utf8(canonicalize(&value)).unwrap(), want);
    }

    // RFC 8785 Appendix B, "Number Serialization Samples": IEEE-754 bit
    // patterns and their canonical text (NaN and Infinity rows omitted: a
    // serde_json Value cannot hold them).
    const APPENDIX_B: [(u64, &str); 24] = [
        (0x0000000000000000, "0"),
        (0x8000000000000000, "0"),
        (0x0000000000000001, "5e-324"),
        (0x8000000000000001, "-5e-324"),
        (0x7fefffffffffffff, "1.7976931348623157e+308"),
        (0xffefffffffffffff, "-1.7976931348623157e+308"),
        (0x4340000000000000, "9007199254740992"),
        (0xc340000000000000, "-9007199254740992"),
        (0x4430000000000000, "295147905179352830000"),
        (0x44b52d02c7e14af5, "9.999999999999997e+22"),
        (0x44b52d02c7e14af6, "1e+23"),
        (0x44b52d02c7e14af7, "1.0000000000000001e+23"),
        (0x444b1ae4d6e2ef4e, "999999999999999700000"),
        (0x444b1ae4d6e2ef4f, "999999999999999900000"),
        (0x444b1ae4d6e2ef50, "1e+21"),
        (0x3eb0c6f7a0b5ed8c, "9.999999999999997e-7"),
        (0x3eb0c6f7a0b5ed8d, "0.000001"),
        (0x41b3de4355555553, "333333333.3333332"),
        (0x41b3de4355555554, "333333333.33333325"),
        (0x41b3de4355555555, "333333333.3333333"),
        (0x41b3de4355555556, "333333333.3333334"),
        (0x41b3de4355555557, "333333333.33333343"),
        (0xbecbf647612f3696, "-0.0000033333333333333333"),
        (0x43143ff3c1cb0959, "1424953923781206.2"),
    ];

    #[test]
    fn rfc8785_appendix_b_numbers_serialize_and_scan() {
        for (bits, want) in APPENDIX_B {
            let value = json!({ "n": f64::from_bits(bits) });
            let out = String::from_utf8(canonicalize(&value)).unwrap();
            assert_eq!(out, format!("{{\"n\":{want}}}"), "bits {bits:016x}");
            assert!(scan(&out).is_ok(), "{out}");
        }
    }

    #[test]
    fn integers_are_written_as_the_double_they_round_to() {
        assert_eq!(canon(r#"{"a":1,"b":-7,"c":0}"#), r#"{"a":1,"b":-7,"c":0}"#);
        assert_eq!(
            canon(r#"{"a":9007199254740993}"#),
            r#"{"a":9007199254740992}"#
        );
        assert_eq!(
            canon(r#"{"a":18446744073709551615}"#),
            r#"{"a":18446744073709552000}"#
        );
        assert_eq!(
            canon(r#"{"a":-9223372036854775808}"#),
            r#"{"a":-9223372036854776000}"#
        );
        assert_eq!(canon(r#"{"a":1000000000000000000000}"#), r#"{"a":1e+21}"#);
        assert_eq!(
            canon(r#"{"a":-0.0,"b":1.5e-7,"c":0.1}"#),
            r#"{"a":0,"b":1.5e-7,"c":0.1}"#
        );
    }

    #[test]
    fn strings_escape_only_what_jcs_escapes() {
        let value = json!({ "s": "\u{0}\u{1f}\u{8}\t\n\u{c}\r\"\\/\u{7f}\u{2028}é😀" });
        let out = String::from_utf8(canonicalize(&value)).unwrap();
        assert_eq!(
            out,
            "{\"s\":\"\\u0000\\u001f\\b\\t\\n\\f\\r\\\"\\\\/\u{7f}\u{2028}é😀\"}"
        );
        assert!(scan(&out).is_ok());
    }

    #[test]
    fn astral_keys_sort_before_high_bmp_keys() {
        let value = json!({ "\u{ffff}": 1, "\u{e000}": 2, "\u{10000}": 3, "\u{d7ff}": 4, "z": 5 });
        let out = String::from_utf8(canonicalize(&value)).unwrap();
        assert_eq!(
            out,
            "{\"z\":5,\"\u{d7ff}\":4,\"\u{10000}\":3,\"\u{e000}\":2,\"\u{ffff}\":1}"
        );
        assert!(scan(&out).is_ok());
        let byte_order = "{\"\u{e000}\":2,\"\u{10000}\":3}";
        assert_eq!(scan(byte_order), Err(CanonError::UnsortedKey { offset: 9 }));
    }

    #[test]
    fn escaped_keys_sort_by_what_they_decode_to() {
        // '"' (0x22) sorts before '#' (0x23) although its escape starts with '\' (0x5c).
        let value = json!({ "a#": 1, "a\"": 2, "a\u{1}": 3, "a\n": 4, "a": 5 });
        let out = String::from_utf8(canonicalize(&value)).unwrap();
        assert_eq!(out, r#"{"a":5,"a\u0001":3,"a\n":4,"a\"":2,"a#":1}"#);
        assert!(scan(&out).is_ok());
        assert_eq!(
            scan(r#"{"a#":1,"a\"":2}"#),
            Err(CanonError::UnsortedKey { offset: 8 })
        );
    }

    #[test]
    fn scan_returns_top_level_members_as_raw_spans() {
        let text = r#"{"a":{"z":1,"b":[]},"b\n":"x\"y","c":-1.5,"d":null}"#;
        // The nested object is unsorted on purpose: that must be caught too.
        assert_eq!(scan(text), Err(CanonError::UnsortedKey { offset: 12 }));
        let text = r#"{"a":{"b":[],"z":1},"b\n":"x\"y","c":-1.5,"d":null}"#;
        let members = scan(text).unwrap();
        let want: [(&str, &[u8]); 4] = [
            ("a", br#"{"b":[],"z":1}"#),
            ("b\\n", br#""x\"y""#),
            ("c", b"-1.5"),
            ("d", b"null"),
        ];
        assert_eq!(members, want);
        assert_eq!(scan("{}").unwrap(), vec![]);
    }

    #[test]
    fn canonical_output_always_scans() {
        let values = [
            json!({}),
            json!({"seq": 1, "prev_hash": "0".repeat(64), "nested": {"deep": [[[{"x": [1, 2.5, -3e-9]}]]]}}),
            json!({"ctl": "\u{0}\u{1}\u{1b}[31m", "big": 1e300, "tiny": 5e-324, "neg": -0.0}),
            json!({"\u{1f600}": {"\u{fb33}": true, "\u{10ffff}": false}, "": ""}),
        ];
        for v in values {
            let out = canonicalize(&v);
            let members = scan_canonical(&out).unwrap();
            assert_eq!(members.len(), v.as_object().unwrap().len());
        }
    }

    #[test]
    fn scan_rejects_what_jcs_would_not_write() {
        let cases: [(&[u8], CanonError); 30] = [
            (b"{ }", CanonError::Whitespace { offset: 1 }),
            (b"{\"a\": 1}", CanonError::Whitespace { offset: 5 }),
            (b"{\"a\":1}\n", CanonError::TrailingBytes { offset: 7 }),
            (b"{\"a\":1}x", CanonError::TrailingBytes { offset: 7 }),
            (b"{\"b\":1,\"a\":2}", CanonError::UnsortedKey { offset: 7 }),
            (b"{\"a\":1,\"a\":2}", CanonError::DuplicateKey { offset: 7 }),
            (
                b"{\"a\\u0022\":1,\"a\\\"\":2}",
                CanonError::NonCanonicalEscape { offset: 3 },
            ),
            (
                b"{\"a\":\"\\u0041\"}",
                CanonError::NonCanonicalEscape { offset: 6 },
            ),
            (
                b"{\"a\":\"\\u000A\"}",
                CanonError::NonCanonicalEscape { offset: 6 },
            ),
            (
                b"{\"a\":\"\\u000a\"}",
                CanonError::NonCanonicalEscape { offset: 6 },
            ),
            (
                b"{\"a\":\"\\u001F\"}",
                CanonError::NonCanonicalEscape { offset: 6 },
            ),
            (
                b"{\"a\":\"\\u00e9\"}",
                CanonError::NonCanonicalEscape { offset: 6 },
            ),
            (
                b"{\"a\":\"\\/\"}",
                CanonError::NonCanonicalEscape { offset: 6 },
            ),
            (b"{\"a\":\"\\x\"}", CanonError::InvalidEscape { offset: 6 }),
            (
                b"{\"a\":\"\\u00zz\"}",
                CanonError::InvalidEscape { offset: 6 },
            ),
            (
                b"{\"a\":\"\x01\"}",
                CanonError::ControlCharacter { offset: 6 },
            ),
            (b"{\"a\":1.0}", CanonError::NonCanonicalNumber { offset: 5 }),
            (b"{\"a\":1E2}", CanonError::NonCanonicalNumber { offset: 5 }),
            (b"{\"a\":1e2}", CanonError::NonCanonicalNumber { offset: 5 }),
            (b"{\"a\":-0}", CanonError::NonCanonicalNumber { offset: 5 }),
            (
                b"{\"a\":1e21}",
                CanonError::NonCanonicalNumber { offset: 5 },
            ),
            (
                b"{\"a\":9007199254740993}",
                CanonError::NonCanonicalNumber { offset: 5 },
            ),
            (
                b"{\"a\":1e400}",
                CanonError::NonCanonicalNumber { offset: 5 },
            ),
            (b"{\"a\":01}", CanonError::InvalidNumber { offset: 5 }),
            (b"{\"a\":1.}", CanonError::InvalidNumber { offset: 7 }),
            (
                b"{\"a\":+1}",
                CanonError::UnexpectedByte {
                    offset: 5,
                    found: b'+',
                    expected: "a value",
                },
            ),
            (b"{\"a\":\"\xff\"}", CanonError::InvalidUtf8 { offset: 6 }),
            (
                b"[1]",
                CanonError::UnexpectedByte {
                    offset: 0,
                    found: b'[',
                    expected: "'{'",
                },
            ),
            (
                b"{\"a\":1,}",
                CanonError::UnexpectedByte {
                    offset: 7,
                    found: b'}',
                    expected: "a member name",
                },
            ),
            (
                b"{\"a\":tru}",
                CanonError::UnexpectedByte {
                    offset: 5,
                    found: b't',
                    expected: "true, false or null",
                },
            ),
        ];
        for (input, want) in cases {
            assert_eq!(
                scan_canonical(input),
                Err(want),
                "{}",
                String::from_utf8_lossy(input)
            );
        }
    }

    #[test]
    fn scan_rejects_truncation_anywhere() {
        let full = canonicalize(&json!({"a": [1, {"b": "c\n"}], "d": 2.5, "e": true}));
        for len in 0..full.len() {
            let err = scan_canonical(&full[..len]).unwrap_err();
            assert!(
                matches!(err, CanonError::UnexpectedEnd { .. }),
                "{len}: {err}"
            );
        }
    }

    #[test]
    fn word_at_a_time_skip_stops_exactly_where_a_byte_scan_would() {
        let fillers = [b'a', b'~', 0x7f, 0x80, 0xc3, 0xee, 0xff];
        let stops = [b'"', b'\\', 0x00, 0x01, 0x1f];
        for len in 0..20 {
            for &fill in &fillers {
                let mut bytes = vec![fill; len];
                assert_eq!(ordinary_run(&bytes), len);
                for at in 0..len {
                    for &stop in &stops {
                        bytes[at] = stop;
                        // A second stop later must not move the answer.
                        if at + 3 < len {
                            bytes[at + 3] = 0x00;
                        }
                        assert_eq!(ordinary_run(&bytes), at, "{bytes:?}");
                        bytes.fill(fill);
                    }
                }
            }
        }
        assert_eq!(ordinary_run(b" !#[]\x7f"), 6);
    }

    #[test]
    fn scan_refuses_nesting_beyond_the_limit() {
        let ok = format!(
            "{{\"a\":{}1{}}}",
            "[".repeat(MAX_DEPTH - 1),
            "]".repeat(MAX_DEPTH - 1)
        );
        assert!(scan(&ok).is_ok());
        let deep = format!(
            "{{\"a\":{}1{}}}",
            "[".repeat(MAX_DEPTH),
            "]".repeat(MAX_DEPTH)
        );
        assert!(matches!(scan(&deep), Err(CanonError::TooDeep { .. })));
    }

    /// Flips bytes of canonical records and checks the scanner agrees with
    /// "parse, canonicalize, compare": it accepts exactly the canonical ones.
    #[test]
    fn scan_agrees_with_canonicalize_on_mutated_input() {
        let base = canonicalize(&json!({
            "a": [0.5, -12, "x\u{1}y", {"k": null, "l": false}],
            "b\u{e000}": "\u{10000}",
            "c": 1e-7,
            "d": {"": 100, "e": "\\\"/"},
        }));
        let alphabet = b"{}[]:,\"\\ 0123456789.eE+-abnlrtufs\x01\xff\xee\x80";
        let mut seed: u64 = 0x9e3779b97f4a7c15;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for _ in 0..20_000 {
            let mut bytes = base.clone();
            for _ in 0..1 + next() % 2 {
                let at = (next() % bytes.len() as u64) as usize;
                bytes[at] = alphabet[(next() % alphabet.len() as u64) as usize];
            }
            let reference = serde_json::from_slice::<Value>(&bytes)
                .ok()
                .filter(Value::is_object)
                .is_some_and(|v| canonicalize(&v) == bytes);
            assert_eq!(
                scan_canonical(&bytes).is_ok(),
                reference,
                "{}",
                String::from_utf8_lossy(&bytes)
            );
        }
    }

    /// The short-decimal shortcut accepts exactly what re-printing with ryu-js would:
    /// every spelling of up to 17 digits around the decimal point, with and without
    /// trailing and leading zeros.
    #[test]
    fn short_decimals_are_accepted_exactly_when_ryu_prints_them() {
        let mut seed: u64 = 0x2545f4914f6cdd1d;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for _ in 0..200_000 {
            let int_len = (next() % 9) as usize;
            let frac_len = 1 + (next() % 17) as usize;
            let digit = |r: u64| char::from(b'0' + (r % 10) as u8);
            let mut text: String = (0..int_len).map(|_| digit(next())).collect();
            let text_int = text.trim_start_matches('0').to_string();
            text = if text_int.is_empty() {
                "0".into()
            } else {
                text_int
            };
            text.push('.');
            let zeros = (next() % 8) as usize;
            for i in 0..frac_len {
                text.push(if i < zeros { '0' } else { digit(next()) });
            }
            let doc = format!("{{\"n\":{text}}}");
            let reference = text
                .parse::<f64>()
                .map(|f| ryu_js::Buffer::new().format_finite(f) == text)
                .unwrap_or(false);
            assert_eq!(scan(&doc).is_ok(), reference, "{text}");
        }
    }
}
