//! Ingest: JSONL in, sealed records out. Lines are read and validated on a blocking
//! thread while the previous batch is being sealed, so parsing and writing overlap.
//! A rejected line is reported by number and field and nothing of it is stored; the
//! good lines around it are sealed in input order. A batch is acknowledged only after
//! its transaction committed, so an acknowledged event survives a crash.

mod lines;

pub use lines::{read_capped_line, LineRead, MAX_LINE_BYTES};

use crate::event::{check_producer_event, parse_line, Event, LineError};
use crate::ledger::note::NoteSigner;
use crate::store::{SealContext, Store, StoreError};
use std::io::BufRead;
use std::path::Path;

/// Events sealed per transaction. Each commit rewrites every index page its batch
/// touched (random `correlation_id`s touch most of that index) and may checkpoint, so
/// larger batches write less per event: 5000 seals 100k events about 15% faster than
/// 2000, for about 70 MB more memory in flight (up to four batches: one sealing, two
/// queued, one being read).
pub const DEFAULT_BATCH: usize = 5000;

/// What ingest tells its caller as it goes.
pub trait Progress {
    /// A line was rejected.
    fn rejected(&mut self, line: u64, error: &LineError);
    /// A line repeated an event id that is already stored (or earlier in the input).
    fn duplicate(&mut self, line: u64, event_id: &str);
    /// A batch committed; everything up to `through_line` is durable.
    fn committed(&mut self, through_line: u64, head_seq: u64, sealed: usize);
    /// Input bytes consumed so far.
    fn advanced(&mut self, bytes: u64);
    /// A checkpoint could not be appended to the anchor file (the batch is committed).
    fn anchor_failed(&mut self, message: &str);
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    pub lines: u64,
    pub sealed: u64,
    pub duplicates: u64,
    pub rejected: u64,
    pub first_seq: Option<u64>,
    pub last_seq: Option<u64>,
}

pub struct IngestOptions<'a> {
    pub signer: &'a NoteSigner,
    pub anchor: Option<&'a Path>,
    pub batch: usize,
}

/// One parsed input line.
struct Parsed {
    line: u64,
    bytes: u64,
    result: Result<Event, LineError>,
}

/// Reads `input` to the end, sealing every valid event. Returns an error only when the
/// store fails; bad lines are reported through `progress` and counted.
pub async fn ingest<R>(
    input: R,
    store: &Store,
    options: &IngestOptions<'_>,
    progress: &mut dyn Progress,
) -> Result<Summary, IngestError>
where
    R: BufRead + Send + 'static,
{
    let batch = options.batch.max(1);
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Result<Vec<Parsed>, std::io::Error>>(2);
    let reader = std::thread::spawn(move || parse_all(input, batch, tx));
    let mut summary = Summary::default();
    while let Some(chunk) = rx.recv().await {
        let chunk = chunk.map_err(IngestError::Read)?;
        seal_chunk(chunk, store, options, progress, &mut summary, false).await?;
    }
    // Sign a final checkpoint so everything ingested is covered by a signature.
    seal_chunk(Vec::new(), store, options, progress, &mut summary, true).await?;
    let _ = reader.join();
    Ok(summary)
}

fn parse_all<R: BufRead>(
    mut input: R,
    batch: usize,
    tx: tokio::sync::mpsc::Sender<Result<Vec<Parsed>, std::io::Error>>,
) {
    let mut line = 0u64;
    let mut buf = Vec::with_capacity(4096);
    let mut chunk = Vec::with_capacity(batch);
    loop {
        line += 1;
        let read = match read_capped_line(&mut input, &mut buf) {
            Ok(r) => r,
            Err(e) => {
                let _ = tx.blocking_send(Err(e));
                return;
            }
        };
        let (bytes, result) = match read {
            LineRead::Eof => break,
            LineRead::Line(n) if buf.iter().all(u8::is_ascii_whitespace) => (n, None),
            LineRead::Line(n) => (n, Some(parse_producer_line(&buf))),
            LineRead::TooLong(n) => (
                n,
                Some(Err(LineError {
                    field: None,
                    reason: format!(
                        "line is {n} bytes; lines longer than {MAX_LINE_BYTES} bytes are not read"
                    ),
                })),
            ),
        };
        if let Some(result) = result {
            chunk.push(Parsed {
                line,
                bytes,
                result,
            });
        } else if let Some(last) = chunk.last_mut() {
            last.bytes += bytes;
        }
        // The next chunk is allocated whole: grown from empty, it would be copied
        // (events are over a kilobyte each) and fault in fresh pages at every doubling.
        if chunk.len() >= batch {
            let full = std::mem::replace(&mut chunk, Vec::with_capacity(batch));
            if tx.blocking_send(Ok(full)).is_err() {
                return;
            }
        }
    }
    if !chunk.is_empty() {
        let _ = tx.blocking_send(Ok(chunk));
    }
}

/// A line as a producer may send it: valid, and not one of the kinds (or carrying the
/// mark) only custody seals.
fn parse_producer_line(bytes: &[u8]) -> Result<Event, LineError> {
    let event = parse_line(bytes)?;
    check_producer_event(&event)?;
    Ok(event)
}

async fn seal_chunk(
    chunk: Vec<Parsed>,
    store: &Store,
    options: &IngestOptions<'_>,
    progress: &mut dyn Progress,
    summary: &mut Summary,
    force_checkpoint: bool,
) -> Result<(), IngestError> {
    let mut events = Vec::with_capacity(chunk.len());
    let mut lines = Vec::with_capacity(chunk.len());
    let mut bytes = 0;
    let last_line = chunk.last().map(|p| p.line);
    for p in chunk {
        summary.lines = p.line;
        bytes += p.bytes;
        match p.result {
            Ok(e) => {
                lines.push(p.line);
                events.push(e);
            }
            Err(err) => {
                summary.rejected += 1;
                progress.rejected(p.line, &err);
            }
        }
    }
    if events.is_empty() && !force_checkpoint {
        progress.advanced(bytes);
        return Ok(());
    }
    let ctx = SealContext {
        signer: options.signer,
        now: crate::event::Timestamp::now(),
        force_checkpoint,
        anchor: options.anchor,
    };
    let outcome = store.seal(events, &ctx).await?;
    for d in &outcome.duplicates {
        summary.duplicates += 1;
        progress.duplicate(lines.get(d.index).copied().unwrap_or(0), &d.event_id);
    }
    if let Some(first) = outcome.sealed.first() {
        summary.first_seq.get_or_insert(first.seq);
    }
    if let Some(last) = outcome.sealed.last() {
        summary.last_seq = Some(last.seq);
    }
    summary.sealed += outcome.sealed.len() as u64;
    if let Some(message) = &outcome.anchor_error {
        progress.anchor_failed(message);
    }
    if let Some(line) = last_line {
        progress.committed(line, summary.last_seq.unwrap_or(0), outcome.sealed.len());
    }
    progress.advanced(bytes);
    Ok(())
}

#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("cannot read the input: {0}")]
    Read(std::io::Error),
    #[error(transparent)]
    Store(#[from] StoreError),
}
