//! Reading one line with a memory cap: a hostile or broken producer can send a line of
//! any length, and ingest must report it without holding it all.

use std::io::{BufRead, ErrorKind};

/// Lines longer than this are skipped (and rejected) without being kept in memory.
pub const MAX_LINE_BYTES: usize = 16 * 1024 * 1024;

#[derive(Debug, PartialEq, Eq)]
pub enum LineRead {
    Eof,
    /// A line (without its newline) is in the buffer; the count includes the newline.
    Line(u64),
    /// The line exceeded `MAX_LINE_BYTES` and was skipped.
    TooLong(u64),
}

pub fn read_capped_line<R: BufRead>(input: &mut R, buf: &mut Vec<u8>) -> std::io::Result<LineRead> {
    buf.clear();
    let mut total = 0u64;
    let mut too_long = false;
    loop {
        let available = match input.fill_buf() {
            Ok(b) => b,
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if available.is_empty() {
            return Ok(match (total, too_long) {
                (0, _) => LineRead::Eof,
                (n, true) => LineRead::TooLong(n),
                (n, false) => LineRead::Line(n),
            });
        }
        let (part, done) = match memchr(available) {
            Some(i) => (&available[..i], Some(i + 1)),
            None => (available, None),
        };
        if !too_long {
            if buf.len() + part.len() > MAX_LINE_BYTES {
                too_long = true;
                buf.clear();
            } else {
                buf.extend_from_slice(part);
            }
        }
        let used = done.unwrap_or(available.len());
        total += used as u64;
        input.consume(used);
        if done.is_some() {
            return Ok(if too_long {
                LineRead::TooLong(total)
            } else {
                LineRead::Line(total)
            });
        }
    }
}

/// Where the first newline is. Eight bytes at a time (the "has zero byte" trick on
/// the word XOR newlines, exact about the first match): ingest reads every byte of its
/// input through here, and a byte-at-a-time search was a tenth of its reading time.
fn memchr(bytes: &[u8]) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let mut at = 0;
    while let Some(chunk) = bytes.get(at..).and_then(<[u8]>::first_chunk::<8>) {
        let w = u64::from_le_bytes(*chunk) ^ (ONES * u64::from(b'\n'));
        let zeros = w.wrapping_sub(ONES) & !w & HIGHS;
        if zeros != 0 {
            return Some(at + (zeros.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    bytes[at..].iter().position(|&b| b == b'\n').map(|i| at + i)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_first_newline_is_found_wherever_it_sits_in_a_word() {
        for len in 0..40 {
            for nl in 0..len {
                let mut bytes = vec![b'x'; len];
                bytes[nl] = b'\n';
                if nl + 3 < len {
                    bytes[nl + 3] = b'\n';
                }
                assert_eq!(memchr(&bytes), Some(nl), "len {len}, newline at {nl}");
            }
            assert_eq!(memchr(&vec![0x8a; len]), None, "len {len}, no newline");
        }
    }

    #[test]
    fn lines_are_split_and_counted_with_their_newline() {
        let mut input = &b"ab\ncd"[..];
        let mut buf = Vec::new();
        assert_eq!(
            read_capped_line(&mut input, &mut buf).unwrap(),
            LineRead::Line(3)
        );
        assert_eq!(buf, b"ab");
        assert_eq!(
            read_capped_line(&mut input, &mut buf).unwrap(),
            LineRead::Line(2)
        );
        assert_eq!(
            read_capped_line(&mut input, &mut buf).unwrap(),
            LineRead::Eof
        );
    }
}
