//! The bounded view of an output that a report keeps: the first bytes of each stream
//! (never more than `EXCERPT_BYTES` in memory per stream), its total length, and the
//! excerpt text built from them, cut on a character boundary and marked where cut.

use sha2::{Digest, Sha256};

/// The most output bytes an excerpt holds, markers aside.
pub const EXCERPT_BYTES: usize = 2048;

/// The head of one stream and how long the whole stream was. It keeps 3 bytes past
/// `EXCERPT_BYTES` so a cut can tell whether it splits a character.
#[derive(Debug, Default, Clone)]
pub(super) struct Head {
    pub bytes: Vec<u8>,
    pub total: u64,
}

impl Head {
    /// Counts `chunk` and keeps it while the head has room.
    pub fn take(&mut self, chunk: &[u8]) {
        let room = (EXCERPT_BYTES + 3).saturating_sub(self.bytes.len());
        self.bytes
            .extend_from_slice(&chunk[..room.min(chunk.len())]);
        self.total += chunk.len() as u64;
    }
}

pub(super) fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The excerpt of a single output.
pub(super) fn excerpt(head: &Head) -> String {
    cut(head, EXCERPT_BYTES)
}

/// The excerpt of stdout then stderr, sharing `EXCERPT_BYTES`. When both do not fit,
/// stderr keeps at least half, since that is where a failing command says why.
pub(super) fn excerpt_two(out: &Head, err: &Head) -> String {
    let err_len = usize::try_from(err.total).unwrap_or(usize::MAX);
    let out_len = usize::try_from(out.total).unwrap_or(usize::MAX);
    let err_share = err_len.min((EXCERPT_BYTES / 2).max(EXCERPT_BYTES.saturating_sub(out_len)));
    let mut text = cut(out, EXCERPT_BYTES - err_share);
    if err.total > 0 {
        if !text.is_empty() && !text.ends_with('\n') {
            text.push('\n');
        }
        text.push_str(&cut(err, err_share));
    }
    text
}

/// At most `max` bytes of the head, backed off to a character boundary, then lossy
/// UTF-8 and a `… (N more bytes)` marker when anything was left out.
fn cut(head: &Head, max: usize) -> String {
    let kept = &head.bytes[..utf8_boundary(&head.bytes, max)];
    let mut text = String::from_utf8_lossy(kept).into_owned();
    let left_out = head.total - kept.len() as u64;
    if left_out > 0 {
        text.push_str(&format!("… ({left_out} more bytes)"));
    }
    text
}

/// The largest length ≤ `max` that does not split a UTF-8 sequence. Invalid bytes are
/// left to the lossy conversion; only a sequence the cut would break is backed off.
fn utf8_boundary(bytes: &[u8], max: usize) -> usize {
    let end = max.min(bytes.len());
    let is_continuation = |b: u8| b & 0b1100_0000 == 0b1000_0000;
    if end == bytes.len() || !is_continuation(bytes[end]) {
        return end;
    }
    // A sequence is at most 4 bytes, so its lead is at most 3 bytes back.
    (end.saturating_sub(3)..end)
        .rev()
        .find(|&i| !is_continuation(bytes[i]))
        .unwrap_or(end)
}
