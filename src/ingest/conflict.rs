//! Telling a re-send from a conflict. The same `event_id` with the same body is a quiet
//! duplicate (a producer retrying is normal); with a different body it is a reject naming
//! the stored `seq`, because the new content would otherwise be dropped unseen.

use crate::event::Event;
use crate::ledger::seal::{event_from_record, record_bytes};
use crate::query::{Filter, Page};
use crate::store::{Duplicate, Store, StoreError};
use std::collections::HashMap;

/// Ids looked up per query, well under every engine's limit on bound parameters.
const LOOKUP: usize = 500;

/// For each duplicate whose body differs from the stored event with its id: its index in
/// the batch and the stored `seq`.
pub async fn conflicting(
    store: &Store,
    duplicates: &[Duplicate],
) -> Result<HashMap<usize, u64>, StoreError> {
    let mut out = HashMap::new();
    for part in duplicates.chunks(LOOKUP) {
        let mut ids: Vec<String> = part.iter().map(|d| d.event_id.clone()).collect();
        ids.sort();
        ids.dedup();
        let limit = u32::try_from(ids.len()).unwrap_or(u32::MAX);
        let filter = Filter {
            event_ids: ids,
            ..Filter::default()
        };
        let rows = store.rows(&filter, Page::oldest_first(0, limit)).await?;
        let stored: HashMap<String, (u64, Event)> = rows
            .iter()
            .filter_map(|r| {
                let e = event_from_record(&r.record).ok()?;
                Some((e.event_id.clone(), (r.seq, e)))
            })
            .collect();
        for d in part {
            if let Some((seq, e)) = stored.get(&d.event_id) {
                if !same_body(e, &d.event) {
                    out.insert(d.index, *seq);
                }
            }
        }
    }
    Ok(out)
}

/// Whether two events would seal to the same bytes: compared canonically, so `1.0` and
/// `1`, or members in another order, are the same body, as the ledger sees them.
pub fn same_body(a: &Event, b: &Event) -> bool {
    let bytes = |e: &Event| record_bytes(e, 1, a.time, "", &[0; 32]);
    bytes(a) == bytes(b)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::event::parse_line;

    fn event(json: &str) -> Event {
        parse_line(json.as_bytes()).unwrap()
    }

    #[test]
    fn the_same_event_written_differently_is_the_same_body() {
        let a = event(
            r#"{"event_id":"a","time":"2026-11-23T01:00:00Z","kind":"ai.action","risk_score":1.0,"tier":"T1"}"#,
        );
        let b = event(
            r#"{"tier":"T1","risk_score":1,"kind":"ai.action","time":"2026-11-23T01:00:00.000Z","event_id":"a"}"#,
        );
        assert!(same_body(&a, &b));
    }

    #[test]
    fn a_changed_field_is_a_different_body() {
        let a = event(
            r#"{"event_id":"a","time":"2026-11-23T01:00:00Z","kind":"ai.action","tier":"T1"}"#,
        );
        let b = event(
            r#"{"event_id":"a","time":"2026-11-23T01:00:00Z","kind":"ai.action","tier":"T3"}"#,
        );
        assert!(!same_body(&a, &b));
    }
}
