//! The stream's loaded window: pages asked of the store newest first (a newer request
//! replaces an older one), live rows inserted at the top or held while frozen, and a
//! bound of `WINDOW_ROWS` rows however deep the operator scrolls.

use super::app::{App, Row, View, WINDOW_ROWS};
use super::msg::Effect;
use crate::query::Filter;

pub(super) fn next_request(app: &mut App) -> u64 {
    app.next_request += 1;
    app.next_request
}

/// Starts a new stream window for the current filter (newest first).
pub(super) fn reload(app: &mut App) -> Effect {
    let request = next_request(app);
    let s = &mut app.stream;
    s.request = request;
    s.loading = true;
    s.at_oldest = false;
    s.trimmed_newer = false;
    s.held.clear();
    s.arrived_while_frozen = 0;
    Effect::LoadPage {
        request,
        filter: app.filter.clone(),
        before: None,
        replace: true,
    }
}

pub(super) fn load_older(app: &mut App) -> Vec<Effect> {
    let s = &app.stream;
    if s.loading || s.at_oldest {
        return vec![];
    }
    let before = s.rows.last().map(|r| r.seq);
    let request = next_request(app);
    app.stream.request = request;
    app.stream.loading = true;
    vec![Effect::LoadPage {
        request,
        filter: app.filter.clone(),
        before,
        replace: false,
    }]
}

pub(super) fn on_page(app: &mut App, request: u64, rows: Vec<Row>, replace: bool, at_oldest: bool) {
    let s = &mut app.stream;
    if request != s.request {
        return; // an answer to a request that a newer one replaced
    }
    s.loading = false;
    s.at_oldest = at_oldest;
    if replace {
        s.rows = rows;
        s.selected = 0;
        s.offset = 0;
        return;
    }
    s.rows.extend(rows);
    if s.rows.len() > WINDOW_ROWS {
        // Deep in history: drop the newest rows to stay bounded, and stop inserting live
        // rows above them (Top reloads).
        let drop = s.rows.len() - WINDOW_ROWS;
        s.rows.drain(..drop);
        s.selected = s.selected.saturating_sub(drop);
        s.offset = s.offset.saturating_sub(drop);
        s.trimmed_newer = true;
        s.frozen = true;
    }
}

/// Whether a row passes the filter (for live rows; pages are filtered by the store).
pub fn matches(f: &Filter, row: &Row) -> bool {
    let e = &row.event;
    let any = |list: &[String], v: Option<&str>| {
        list.is_empty() || v.is_some_and(|v| list.iter().any(|x| x == v))
    };
    (f.tiers.is_empty() || e.tier.is_some_and(|t| f.tiers.contains(&t)))
        && any(&f.reasons, e.reason_code.as_deref())
        && any(&f.agents, e.agent_id())
        && any(&f.kinds, Some(e.kind.as_str()))
        && any(&f.environments, e.environment())
        && f.correlation_id
            .as_deref()
            .is_none_or(|c| e.correlation_id() == Some(c))
        && f.since.is_none_or(|t| e.time >= t)
        && f.until.is_none_or(|t| e.time < t)
}

pub(super) fn on_appended(app: &mut App, rows: Vec<Row>, head_seq: u64) {
    app.header.head_seq = app.header.head_seq.max(head_seq);
    for r in &rows {
        if let Some(t) = r.event.tier {
            app.header.tier_counts[t as usize] += 1;
        }
    }
    if app.view == View::Trace {
        let id = app.trace.correlation_id.clone();
        app.trace.rows.extend(
            rows.iter()
                .filter(|r| r.event.correlation_id() == Some(id.as_str()))
                .cloned(),
        );
    }
    let s = &mut app.stream;
    let newest_loaded = s.rows.first().map_or(0, |r| r.seq);
    let fresh: Vec<Row> = rows
        .into_iter()
        .filter(|r| r.seq > newest_loaded && matches(&app.filter, r))
        .collect();
    if fresh.is_empty() {
        return;
    }
    if s.frozen {
        s.arrived_while_frozen += fresh.len() as u64;
        if !s.trimmed_newer {
            s.held.extend(fresh);
        }
        return;
    }
    insert_newest(s, fresh);
}

/// Inserts rows (oldest first) at the top; a cursor that left the top stays on its row.
fn insert_newest(s: &mut super::app::StreamState, fresh: Vec<Row>) {
    let n = fresh.len();
    let follow = s.selected == 0;
    s.rows.splice(0..0, fresh.into_iter().rev());
    if !follow {
        s.selected += n;
        s.offset += n;
        s.unseen += n as u64;
    }
    if s.rows.len() > WINDOW_ROWS {
        s.rows.truncate(WINDOW_ROWS);
        s.at_oldest = false;
        s.selected = s.selected.min(WINDOW_ROWS - 1);
    }
}

pub(super) fn toggle_freeze(app: &mut App, frozen: bool) -> Vec<Effect> {
    let s = &mut app.stream;
    if s.frozen == frozen {
        return vec![];
    }
    s.frozen = frozen;
    if frozen {
        return vec![];
    }
    if s.trimmed_newer {
        return vec![reload(app)];
    }
    let held = std::mem::take(&mut s.held);
    s.arrived_while_frozen = 0;
    insert_newest(s, held);
    vec![]
}
