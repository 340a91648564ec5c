//! The Approvals view, as part of the pure update: which requests are pending, which is
//! selected, what loads when, and the vote dialogs. A key opens a dialog only after the
//! operator's role allows a vote (a viewer is told at once); a confirmed dialog becomes
//! one `Effect::Vote`, which the IO edge (`approvals_io`) casts through
//! `crate::approvals::vote`, where the rules are enforced again and every vote is sealed.
//! Nothing here reads the store or the clock.

mod dialogs;
#[cfg(test)]
pub mod fixtures;
mod state;
#[cfg(test)]
mod tests;

pub use dialogs::{open_bulk_deny, open_vote, submit};
pub use state::{AgentRecord, ApprovalsState, Outcomes, Pending};

use super::app::{App, Row, View};
use super::keymap::Action;
use super::msg::{Effect, Status};
use crate::event::{Tier, Timestamp};
use crate::gate::Verdict;

/// A request pending longer than this is stale: `B` denies the stale ones in one go.
pub const STALE_AFTER_MS: i64 = 10 * 60_000;
/// How long the header flashes after a new T3 request arrives.
pub const FLASH_MS: i64 = 5_000;
/// The agent's newest actions shown beside a request.
pub const RECENT_ACTIONS: u32 = 5;

/// The keys the Approvals view owns; `None` leaves the key to the rest of the update.
pub fn act(app: &mut App, action: Action) -> Option<Vec<Effect>> {
    let here = app.view == View::Approvals;
    Some(match action {
        Action::ViewApprovals => show(app),
        Action::Approve => open_vote(app, Verdict::Approve),
        Action::Deny => open_vote(app, Verdict::Deny),
        Action::BulkDeny => open_bulk_deny(app),
        Action::Mark if here => {
            toggle_mark(app);
            vec![]
        }
        _ => return None,
    })
}

/// `5`, `:approvals`: the view, freshly loaded.
pub fn show(app: &mut App) -> Vec<Effect> {
    app.view = View::Approvals;
    let mut effects = load(app);
    effects.extend(follow(app));
    effects
}

/// Asks for the pending requests, unless a load is already on its way (then once more
/// when it lands, so nothing the tail announced is missed).
pub fn load(app: &mut App) -> Vec<Effect> {
    let a = &mut app.approvals;
    if a.loading {
        a.again = true;
        return vec![];
    }
    a.loading = true;
    a.again = false;
    vec![Effect::LoadApprovals]
}

/// New rows on the tail: any approval event may change the queue.
pub fn on_appended(app: &mut App, rows: &[Row]) -> Vec<Effect> {
    if rows
        .iter()
        .any(|r| r.event.kind.starts_with("approval.") || r.event.kind == crate::gate::REFUSAL)
    {
        load(app)
    } else {
        vec![]
    }
}

/// The pending requests, oldest first. The cursor stays on the request it was on; a T3
/// request not seen before makes the header flash (not on the first load: those were
/// waiting before the console opened).
pub fn on_loaded(app: &mut App, mut pending: Vec<Pending>, now: Timestamp) -> Vec<Effect> {
    pending.sort_by_key(|p| (p.request.created_at.millis(), p.request.id.clone()));
    let a = &mut app.approvals;
    let keep = a.current().map(|p| p.request.id.clone());
    let fresh_t3 = pending
        .iter()
        .any(|p| p.request.tier == Some(Tier::T3) && !a.seen.contains(&p.request.id));
    if a.loaded && fresh_t3 {
        a.flash_until = Timestamp::from_millis(now.millis() + FLASH_MS);
    }
    a.seen.extend(pending.iter().map(|p| p.request.id.clone()));
    a.marked
        .retain(|id| pending.iter().any(|p| &p.request.id == id));
    a.selected = keep
        .and_then(|id| pending.iter().position(|p| p.request.id == id))
        .unwrap_or(a.selected)
        .min(pending.len().saturating_sub(1));
    a.pending = pending;
    a.loaded = true;
    a.loading = false;
    let mut effects = if a.again { load(app) } else { vec![] };
    effects.extend(follow(app));
    effects
}

/// The queue could not be read: the footer says why, and the next approval event on the
/// tail (or `5`) tries again.
pub fn on_failed(app: &mut App, why: String) -> Vec<Effect> {
    app.approvals.loading = false;
    app.approvals.again = false;
    app.status = Some(Status::error(format!("loading approvals: {why}")));
    vec![]
}

/// Loads the selected request's agent record when the selection moved to another agent.
pub fn follow(app: &mut App) -> Vec<Effect> {
    if app.view != View::Approvals {
        return vec![];
    }
    let a = &mut app.approvals;
    let Some(agent) = a.current().map(|p| p.request.agent.clone()) else {
        return vec![];
    };
    if a.record_asked.as_deref() == Some(agent.as_str()) {
        return vec![];
    }
    a.record_asked = Some(agent.clone());
    vec![Effect::LoadAgentRecord { agent }]
}

/// The record of the agent asked for last (answers for an earlier selection are dropped).
pub fn on_record(app: &mut App, record: AgentRecord) {
    if app.approvals.record_asked.as_deref() == Some(record.agent.as_str()) {
        app.approvals.record = Some(record);
    }
}

/// Votes were cast (or refused): the footer says how, and the queue is read again.
pub fn on_voted(app: &mut App, what: String, result: Result<String, String>) -> Vec<Effect> {
    app.approvals.voting = None;
    app.status = Some(match result {
        Ok(report) => Status::info(report),
        Err(e) => Status::warning(format!("{what}: {e}")),
    });
    // The agent's record changed too (a decision, perhaps).
    app.approvals.record_asked = None;
    let mut effects = load(app);
    effects.extend(follow(app));
    effects
}

/// Space: marks or unmarks the selected request for a bulk deny.
fn toggle_mark(app: &mut App) {
    let a = &mut app.approvals;
    let Some(id) = a.current().map(|p| p.request.id.clone()) else {
        return;
    };
    if !a.marked.remove(&id) {
        a.marked.insert(id);
    }
}

/// The cursor of the Approvals view.
pub fn move_cursor(app: &mut App, delta: i64) -> Vec<Effect> {
    let a = &mut app.approvals;
    if a.pending.is_empty() {
        return vec![];
    }
    let last = a.pending.len() as i64 - 1;
    a.selected = (a.selected as i64).saturating_add(delta).clamp(0, last) as usize;
    follow(app)
}

/// Time left before `expires_at`, in milliseconds (negative once expired).
pub fn left_ms(expires_at: Timestamp, now: Timestamp) -> i64 {
    expires_at.millis() - now.millis()
}

/// Whether a pending request is stale at `now`: waiting for longer than
/// `STALE_AFTER_MS`.
pub fn is_stale(p: &Pending, now: Timestamp) -> bool {
    now.millis() - p.request.created_at.millis() > STALE_AFTER_MS
}
