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

fn memchr(bytes: &[u8]) -> Option<usize> {
    bytes.iter().position(|&b| b == b'\n')
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

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
