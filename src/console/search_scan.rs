//! Search as you type, over the store: a newest-first scan of the search text in
//! growing chunks, ranked with the fuzzy `Matcher`, sending the best hits so far after
//! each chunk. Only the lines good enough to make the list have their records read.
//! `perform` aborts a scan when a newer search starts (newest wins).

use super::app::{Hit, Row};
use super::background::Busy;
use super::msg::{Msg, Status};
use super::perform::decode_rows;
use super::search::Matcher;
use super::window::matches;
use crate::query::Filter;
use crate::store::{Store, StoreError};
use std::sync::Arc;
use tokio::sync::mpsc::UnboundedSender;

/// Hits kept for display; the scan stops once this many are found (and ranked over at
/// least `RANK_WINDOW` lines).
const MAX_HITS: usize = 200;
/// The newest lines every search ranks over before it may stop, however early it has
/// found `MAX_HITS`.
const RANK_WINDOW: u64 = 20_000;
/// Search lines read per chunk: the first chunk is small so the first results are on
/// screen quickly (as a partial answer); later chunks grow to amortise the per-query cost.
const SEARCH_FIRST_CHUNK: u32 = 2_000;
const SEARCH_MAX_CHUNK: u32 = 32_000;

/// One search request: where to look, where to answer, and what narrows it.
pub struct SearchScan {
    pub store: Arc<Store>,
    pub tx: UnboundedSender<Msg>,
    pub request: u64,
    pub filter: Filter,
    /// Marks the scan as foreground work for as long as it runs.
    pub busy: Busy,
}

/// Newest-first scan of the search text in growing chunks, sending the ranked hits so
/// far after each chunk (the first chunk is small, so first results come quickly).
pub async fn search_scan(scan: SearchScan, query: String) {
    let SearchScan {
        store,
        tx,
        request,
        filter,
        busy: _busy,
    } = scan;
    let send = |hits: Vec<Hit>, scanned: u64, done: bool| {
        tx.send(Msg::SearchHits {
            request,
            hits,
            scanned,
            done,
        })
        .is_ok()
    };
    let fail = |e: StoreError| {
        let _ = tx.send(Msg::Status(Status::error(format!("search: {e}"))));
    };
    let matcher = Matcher::new(&query);
    if matcher.is_empty() {
        send(vec![], 0, true);
        return;
    }
    // From the head down (no need to ask where the head is).
    let mut before = i64::MAX as u64;
    let mut hits: Vec<Hit> = Vec::new();
    let mut scanned = 0u64;
    let mut size = SEARCH_FIRST_CHUNK;
    loop {
        let chunk = match store.search_chunk(before, size).await {
            Ok(c) => c,
            Err(e) => return fail(e),
        };
        let Some(last) = chunk.last() else { break };
        before = last.0;
        scanned += chunk.len() as u64;
        size = size.saturating_mul(4).min(SEARCH_MAX_CHUNK);
        if let Some(rest) = RANK_WINDOW.checked_sub(scanned).filter(|r| *r > 0) {
            size = size.min(u32::try_from(rest).unwrap_or(u32::MAX));
        }
        // With the list full, a line must beat the last hit (equals lose: they are older).
        let floor = (hits.len() >= MAX_HITS)
            .then(|| hits.last().map(|h| h.score))
            .flatten();
        match best_of_chunk(&store, &matcher, &filter, chunk, floor).await {
            Ok(found) => hits.extend(found),
            Err(e) => return fail(e),
        }
        // Best score first; among equals, newest first.
        hits.sort_by(|a, b| b.score.cmp(&a.score).then(b.row.seq.cmp(&a.row.seq)));
        hits.truncate(MAX_HITS);
        let done = hits.len() >= MAX_HITS && scanned >= RANK_WINDOW;
        if !send(hits.clone(), scanned, done) || done {
            return;
        }
    }
    send(hits, scanned, true);
}

/// The chunk's matching lines scoring above `floor` as hits, best first. Only the best
/// `MAX_HITS` lines that pass the filter can make the list, so only their records are
/// read and decoded: a batch at a time, best first, while the filter turns some away.
async fn best_of_chunk(
    store: &Store,
    matcher: &Matcher,
    filter: &Filter,
    chunk: Vec<(u64, String)>,
    floor: Option<i64>,
) -> Result<Vec<Hit>, StoreError> {
    let mut ranked: Vec<(u64, i64, String)> = chunk
        .into_iter()
        .filter_map(|(seq, text)| matcher.rank(&text).map(|score| (seq, score, text)))
        .filter(|(_, score, _)| floor.is_none_or(|f| *score > f))
        .collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then(b.0.cmp(&a.0)));
    let mut candidates = ranked.into_iter();
    let mut out = Vec::new();
    while out.len() < MAX_HITS {
        let batch: Vec<(u64, i64, String)> = candidates.by_ref().take(MAX_HITS).collect();
        if batch.is_empty() {
            break;
        }
        let seqs: Vec<u64> = batch.iter().map(|c| c.0).collect();
        let mut rows: std::collections::HashMap<u64, Row> =
            decode_rows(&store.rows_by_seq(&seqs).await?)
                .into_iter()
                .map(|r| (r.seq, r))
                .collect();
        for (seq, _, text) in batch {
            if out.len() >= MAX_HITS {
                break;
            }
            let Some(row) = rows.remove(&seq).filter(|r| matches(filter, r)) else {
                continue;
            };
            if let Some((score, indices)) = matcher.score(&text) {
                let text = in_own_case(&text, &row.event);
                out.push(Hit {
                    row,
                    score,
                    text,
                    indices,
                });
            }
        }
    }
    Ok(out)
}

/// The matched line in the event's own case (ids like `INC-1001` or `Ord-7F` as
/// written), when it lines up char for char with the lower-cased line that was matched,
/// so the match positions still fall on the same characters; else the matched line.
pub fn in_own_case(matched: &str, e: &crate::event::Event) -> String {
    let words = crate::ledger::columns::search_words(e);
    let cased: String = words.chars().take(matched.chars().count()).collect();
    if cased.to_lowercase() == matched {
        cased
    } else {
        matched.to_string()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::event::parse_line;
    use crate::ledger::columns::search_text;

    #[test]
    fn a_hit_keeps_the_case_of_its_ids() {
        let e = parse_line(
            br#"{"event_id":"e1","time":"2026-11-23T11:00:00Z","kind":"ai.action","agent":{"id":"Billing-Bot"},"action":{"type":"stripe.refund","resource":"ORD-7F3A"}}"#,
        )
        .unwrap();
        let matched = search_text(&e);
        assert_eq!(
            in_own_case(&matched, &e),
            "Billing-Bot ai.action stripe.refund ORD-7F3A"
        );
    }
}
