//! Reading the input on a thread of its own, in blocks, so that the parser can ask
//! "is a whole line waiting?" without blocking. A producer that writes a line and then
//! waits must see it sealed promptly (`ingest` hands over a partial batch once a line
//! has waited `flush_after`), while a file or a fast pipe still fills whole batches:
//! there the next block is always already queued and nothing is flushed early.

use std::collections::VecDeque;
use std::io::{BufRead, ErrorKind, Read};
use std::sync::mpsc::{sync_channel, Receiver, RecvTimeoutError};
use std::time::Duration;

/// Bytes asked for per read; a pipe returns what it has, a file this much.
const BLOCK: usize = 1 << 20;

/// One block as read, with the index of its last newline (found once, from the end).
struct Block {
    bytes: Vec<u8>,
    last_newline: Option<usize>,
}

impl Block {
    fn new(bytes: Vec<u8>) -> Block {
        let last_newline = bytes.iter().rposition(|&b| b == b'\n');
        Block {
            bytes,
            last_newline,
        }
    }
}

/// The input as a `BufRead` over blocks read by another thread.
pub struct Blocks {
    rx: Receiver<std::io::Result<Vec<u8>>>,
    current: Block,
    at: usize,
    /// Blocks received while waiting for a whole line, not yet read.
    queued: VecDeque<Block>,
    error: Option<std::io::Error>,
    eof: bool,
}

impl Blocks {
    /// Starts the reading thread. It ends at the end of the input or when `Blocks` is
    /// dropped (after its current read returns).
    pub fn spawn<R: Read + Send + 'static>(mut input: R) -> Blocks {
        let (tx, rx) = sync_channel::<std::io::Result<Vec<u8>>>(2);
        std::thread::spawn(move || loop {
            let mut buf = vec![0u8; BLOCK];
            let n = loop {
                match input.read(&mut buf) {
                    Ok(n) => break n,
                    Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                    Err(e) => {
                        let _ = tx.send(Err(e));
                        return;
                    }
                }
            };
            if n == 0 {
                return;
            }
            buf.truncate(n);
            if tx.send(Ok(buf)).is_err() {
                return;
            }
        });
        Blocks {
            rx,
            current: Block::new(Vec::new()),
            at: 0,
            queued: VecDeque::new(),
            error: None,
            eof: false,
        }
    }

    /// Whether the next line can be read without waiting for the producer: a whole
    /// line is buffered, or the input ended or failed (the read returns at once).
    pub fn line_ready(&self) -> bool {
        self.eof
            || self.error.is_some()
            || self.current.last_newline.is_some_and(|i| i >= self.at)
            || self.queued.iter().any(|b| b.last_newline.is_some())
    }

    /// Waits up to `timeout` for more input; true when something arrived (or the input
    /// ended), false on timeout.
    pub fn wait(&mut self, timeout: Duration) -> bool {
        match self.rx.recv_timeout(timeout) {
            Ok(Ok(bytes)) => self.queued.push_back(Block::new(bytes)),
            Ok(Err(e)) => self.error = Some(e),
            Err(RecvTimeoutError::Disconnected) => self.eof = true,
            Err(RecvTimeoutError::Timeout) => return false,
        }
        true
    }
}

impl Read for Blocks {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let available = self.fill_buf()?;
        let n = available.len().min(buf.len());
        buf[..n].copy_from_slice(&available[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl BufRead for Blocks {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        while self.at >= self.current.bytes.len() {
            if let Some(next) = self.queued.pop_front() {
                self.current = next;
                self.at = 0;
                continue;
            }
            if let Some(e) = self.error.take() {
                return Err(e);
            }
            if self.eof {
                break;
            }
            match self.rx.recv() {
                Ok(Ok(bytes)) => {
                    self.current = Block::new(bytes);
                    self.at = 0;
                }
                Ok(Err(e)) => return Err(e),
                Err(_) => self.eof = true,
            }
        }
        Ok(self.current.bytes.get(self.at..).unwrap_or_default())
    }

    fn consume(&mut self, amt: usize) {
        self.at += amt;
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn a_whole_file_reads_back_unchanged() {
        let text: Vec<u8> = (0..200_000)
            .flat_map(|i| format!("line {i}\n").into_bytes())
            .collect();
        let mut blocks = Blocks::spawn(std::io::Cursor::new(text.clone()));
        let mut back = Vec::new();
        blocks.read_to_end(&mut back).unwrap();
        assert_eq!(back, text);
    }

    #[test]
    fn a_partial_line_is_not_ready_until_its_newline_arrives() {
        let (reader, mut writer) = std::io::pipe().unwrap();
        let mut blocks = Blocks::spawn(reader);
        writer.write_all(b"one\ntw").unwrap();
        let mut line = String::new();
        blocks.read_line(&mut line).unwrap();
        assert_eq!(line, "one\n");
        while blocks.wait(Duration::from_millis(20)) {}
        assert!(!blocks.line_ready());
        writer.write_all(b"o\n").unwrap();
        assert!(blocks.wait(Duration::from_secs(5)));
        assert!(blocks.line_ready());
    }
}
