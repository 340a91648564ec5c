//! The two text rules of RFC 8785: how a string is escaped (§3.2.2.2) and how member
//! names are ordered (§3.2.3, by UTF-16 code units). The value writer, the streaming
//! writer the sealer uses and the canonical-bytes scanner all take them from here.
//! Sealing and verification pass every byte of every string through this file, so
//! plain bytes are skipped a word at a time.

use std::cmp::Ordering;

/// For each byte: 0 = copy as is, `u` = write as `\u00xx`, anything else = the letter
/// after the backslash. The scanner accepts exactly the escapes this table writes.
pub(super) const ESCAPE: [u8; 256] = {
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

/// The hex digits of a `\u00xx` escape: lowercase, as JCS writes them.
const HEX_DIGITS: &[u8; 16] = b"0123456789abcdef";

/// A JSON string as JCS writes it: `"`, `\` and control characters escaped (the five
/// with a short form as that form, the rest as `\u00xx`); everything else verbatim.
pub fn write_string(s: &str, out: &mut Vec<u8>) {
    let mut rest = s.as_bytes();
    out.reserve(rest.len() + 2);
    out.push(b'"');
    loop {
        let run = ordinary_run(rest);
        out.extend_from_slice(&rest[..run]);
        let Some((&b, tail)) = rest[run..].split_first() else {
            break;
        };
        match ESCAPE[usize::from(b)] {
            b'u' => out.extend_from_slice(&[
                b'\\',
                b'u',
                b'0',
                b'0',
                HEX_DIGITS[usize::from(b >> 4)],
                HEX_DIGITS[usize::from(b & 0x0f)],
            ]),
            short => out.extend_from_slice(&[b'\\', short]),
        }
        rest = tail;
    }
    out.push(b'"');
}

/// Byte classes inside a string: 0 = ordinary, 1 = needs a look (quote, backslash, or
/// a control character that may not appear raw). The tail of [`ordinary_run`].
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

/// Length of the leading run of bytes that need no look inside a string. Eight bytes
/// at a time: a word is skipped whole unless it holds a quote, a backslash or a control
/// byte (the classic "has zero byte" bit trick, which is exact about whether and where
/// the first such byte is).
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

/// The order of two UTF-8 texts at their first differing bytes `x` and `y`, by UTF-16
/// code units. UTF-8 byte order is code-point order, which differs from UTF-16 order in
/// one place only: a character in U+E000..U+FFFF (lead byte 0xEE or 0xEF) sorts after a
/// supplementary character (lead byte 0xF0..0xF4, written in UTF-16 as a surrogate
/// 0xD800..0xDBFF). Because the texts agree up to the first difference, both bytes sit
/// at the same place in a character: both lead bytes, or both continuation bytes of the
/// same-length sequence, and only the first case can need the swap.
#[inline]
fn differing_bytes_order(x: u8, y: u8) -> Ordering {
    let high_bmp = |c: u8| c == 0xee || c == 0xef;
    if x >= 0xf0 && high_bmp(y) {
        Ordering::Less
    } else if y >= 0xf0 && high_bmp(x) {
        Ordering::Greater
    } else {
        x.cmp(&y)
    }
}

/// Orders member names (as UTF-8) by their UTF-16 code units.
pub fn key_order(a: &[u8], b: &[u8]) -> Ordering {
    let common = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    match (a.get(common), b.get(common)) {
        (Some(&x), Some(&y)) => differing_bytes_order(x, y),
        _ => a.len().cmp(&b.len()),
    }
}

/// [`key_order`] over byte streams, for names that are decoded as they are compared
/// (escaped names in the scanner).
pub(super) fn key_order_streams(
    mut a: impl Iterator<Item = u8>,
    mut b: impl Iterator<Item = u8>,
) -> Ordering {
    loop {
        match (a.next(), b.next()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(x), Some(y)) if x == y => {}
            (Some(x), Some(y)) => return differing_bytes_order(x, y),
        }
    }
}

/// The text a canonical string's raw content stands for, byte by byte. Only
/// used on content the scanner already validated; every JCS escape decodes to
/// one ASCII byte, which is what lets key comparison stay allocation-free.
pub(super) struct Unescape<'a> {
    pub(super) raw: &'a [u8],
    pub(super) at: usize,
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

/// The value of a lowercase hex digit (the only case JCS writes).
pub(super) fn hex_value(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        _ => None,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn names_sort_by_utf16_code_units() {
        let mut names = ["\u{e000}", "😀", "é", "a", "ab", ""];
        names.sort_by(|a, b| key_order(a.as_bytes(), b.as_bytes()));
        assert_eq!(names, ["", "a", "ab", "é", "😀", "\u{e000}"]);
    }

    #[test]
    fn both_key_orders_agree() {
        let names = [
            "",
            "a",
            "ab",
            "b",
            "é",
            "😀",
            "\u{e000}",
            "\u{ffff}",
            "\u{10ffff}",
        ];
        for a in names {
            for b in names {
                assert_eq!(
                    key_order(a.as_bytes(), b.as_bytes()),
                    key_order_streams(a.bytes(), b.bytes()),
                    "{a:?} {b:?}"
                );
            }
        }
    }

    #[test]
    fn strings_escape_exactly_what_jcs_escapes() {
        let text = "plain text that is long \"q\" \\ \u{1}\u{1f}\n\t\r\u{8}\u{c}\u{7f}é😀/";
        let mut ours = Vec::new();
        write_string(text, &mut ours);
        assert_eq!(
            String::from_utf8(ours).unwrap(),
            "\"plain text that is long \\\"q\\\" \\\\ \\u0001\\u001f\\n\\t\\r\\b\\f\u{7f}é😀/\""
        );
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
}
