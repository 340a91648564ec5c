//! The two text rules of RFC 8785 the writer needs: how a string is escaped, and how
//! member names are ordered. They repeat what `ledger::jcs` does for `Value`s, on the
//! hot path of sealing, so they skip plain bytes a word at a time.

use std::cmp::Ordering;

/// For each byte: 0 = copy as is, `u` = write as `\u00xx`, anything else = the letter
/// after the backslash (the table `jcs` writes with).
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

/// A JSON string as JCS writes it: `"`, `\` and control characters escaped (the five
/// with a short form as that form, the rest as `\u00xx`); everything else verbatim.
pub fn write_string(s: &str, out: &mut Vec<u8>) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut rest = s.as_bytes();
    out.reserve(rest.len() + 2);
    out.push(b'"');
    loop {
        let run = crate::ledger::jcs::ordinary_run(rest);
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
                HEX[usize::from(b >> 4)],
                HEX[usize::from(b & 0x0f)],
            ]),
            short => out.extend_from_slice(&[b'\\', short]),
        }
        rest = tail;
    }
    out.push(b'"');
}

/// Orders member names (as UTF-8) by their UTF-16 code units. That is byte order
/// except where a character in U+E000..U+FFFF (lead byte 0xEE or 0xEF) meets a
/// supplementary one (lead byte 0xF0..0xF4, a surrogate below 0xE000 in UTF-16).
pub fn key_order(a: &[u8], b: &[u8]) -> Ordering {
    let common = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    match (a.get(common), b.get(common)) {
        (Some(&x), Some(&y)) => {
            let high_bmp = |c: u8| c == 0xee || c == 0xef;
            if x >= 0xf0 && high_bmp(y) {
                Ordering::Less
            } else if y >= 0xf0 && high_bmp(x) {
                Ordering::Greater
            } else {
                x.cmp(&y)
            }
        }
        _ => a.len().cmp(&b.len()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_sort_by_utf16_code_units() {
        let mut names = ["\u{e000}", "😀", "é", "a", "ab", ""];
        names.sort_by(|a, b| key_order(a.as_bytes(), b.as_bytes()));
        assert_eq!(names, ["", "a", "ab", "é", "😀", "\u{e000}"]);
    }

    #[test]
    fn strings_escape_exactly_what_jcs_escapes() {
        let text = "plain text that is long \"q\" \\ \u{1}\u{1f}\n\t\r\u{8}\u{c}\u{7f}é😀/";
        let mut ours = Vec::new();
        write_string(text, &mut ours);
        let theirs = crate::ledger::jcs::canonicalize(&serde_json::Value::from(text));
        assert_eq!(String::from_utf8(ours).ok(), String::from_utf8(theirs).ok());
    }
}
