//! The Now view's part of the update: detection fed from the start read and the live
//! tail, the flags put on the record, and the keys that act on a flag. Pure: it returns
//! effects (read recent history, seal `detection.*` events) and never performs them.
//!
//! On launch the console reads the last `learn_hours` of history oldest first, so
//! baselines and "never seen" sets are learned before the tail arrives; when that read
//! ends with something flagged and the operator has not pressed a key yet, the console
//! switches to the Now view. Violations are sealed whenever they are seen (their event id
//! is the pause they broke, so consoles never seal one twice); other sealed rules only
//! when raised by the live tail, never from the start read.

use super::app::{App, Row, View};
use super::keymap::Action;
use super::msg::{Effect, Status};
use super::window::reload;
use crate::detect::{events::flag_event, Change, Flag, Rule};
use crate::event::Timestamp;
use crate::incident::{Incident, IncidentState};

/// The effect that starts the start read.
pub fn init(app: &mut App) -> Effect {
    app.now_view.learning = true;
    let hours = i64::from(app.detect.config().learn_hours);
    let since = Timestamp::from_millis(app.now.millis() - hours * 3_600_000).unwrap_or(app.now);
    Effect::Learn { since }
}

/// A chunk of the start read, oldest first.
pub fn on_learned(app: &mut App, rows: Vec<Row>, done: bool) -> Vec<Effect> {
    let mut raised = Vec::new();
    for row in &rows {
        raised.extend(app.detect.observe(row.seq, &row.event));
    }
    app.now_view.learned += rows.len() as u64;
    // From history only violations are sealed: they are facts whoever sees them.
    let effects = seal(app, &raised, |rule| rule == Rule::Violation);
    if done {
        app.now_view.learning = false;
        if !app.now_view.touched && !app.detect.flags(app.now).is_empty() {
            app.view = View::Now;
            app.now_view.selected = 0;
        }
    }
    effects
}

/// New rows from the tail (oldest first, unfiltered).
pub fn on_appended(app: &mut App, rows: &[Row]) -> Vec<Effect> {
    let mut raised = Vec::new();
    for row in rows {
        raised.extend(app.detect.observe(row.seq, &row.event));
    }
    app.now_view.learned += rows.len() as u64;
    seal(app, &raised, Rule::sealed)
}

/// `detection.*` events for the flags just raised that `which` says to seal.
fn seal(app: &App, changes: &[Change], which: impl Fn(Rule) -> bool) -> Vec<Effect> {
    if app.read_only {
        return Vec::new();
    }
    let events: Vec<crate::event::Event> = changes
        .iter()
        .filter_map(|c| match c {
            Change::Raised(id) => app.detect.flag(id),
            Change::Grew(_) => None,
        })
        .filter(|f| which(f.rule))
        .map(|f| {
            let incident = open_incident_of(app, &f.subject).map(|i| i.id.clone());
            flag_event(f, incident.as_deref())
        })
        .collect();
    if events.is_empty() {
        Vec::new()
    } else {
        vec![Effect::SealDetections { events }]
    }
}

/// The newest incident about `agent` that is not closed: the focused one first.
pub fn open_incident_of<'a>(app: &'a App, agent: &str) -> Option<&'a Incident> {
    let about =
        |i: &&Incident| i.state != IncidentState::Closed && i.agent.as_deref() == Some(agent);
    app.response
        .incident()
        .filter(about)
        .or_else(|| app.response.situation.incidents.iter().rev().find(about))
}

/// The flag under the cursor.
pub fn selected(app: &App) -> Option<&Flag> {
    app.detect
        .flags(app.now)
        .into_iter()
        .nth(app.now_view.selected)
}

/// Keys the Now view owns; `None` leaves the key to the rest of the update.
pub fn act(app: &mut App, action: Action) -> Option<Vec<Effect>> {
    if app.view != View::Now {
        return (action == Action::ViewNow).then(|| show(app));
    }
    Some(match action {
        Action::ViewNow => show(app),
        Action::Up => step(app, -1),
        Action::Down => step(app, 1),
        Action::PageUp => step(app, -10),
        Action::PageDown => step(app, 10),
        Action::Top => step(app, i64::MIN / 2),
        Action::Bottom => step(app, i64::MAX / 2),
        Action::Open => events_of(app),
        Action::OpenIncident => super::response::open_incident_from_flag(app),
        _ => return None,
    })
}

pub fn show(app: &mut App) -> Vec<Effect> {
    app.view = View::Now;
    app.detail = false;
    vec![]
}

fn step(app: &mut App, delta: i64) -> Vec<Effect> {
    let len = app.detect.flags(app.now).len();
    if len > 0 {
        let s = (app.now_view.selected as i64).saturating_add(delta);
        app.now_view.selected = s.clamp(0, len as i64 - 1) as usize;
    }
    vec![]
}

/// Enter: the flagged agent's events in the Stream view, newest first.
fn events_of(app: &mut App) -> Vec<Effect> {
    let Some(flag) = selected(app).cloned() else {
        return vec![];
    };
    if !flag.agent {
        app.status = Some(Status::info(format!(
            "{} is an operator: their interventions are in the Stream with :kind human.intervention",
            flag.subject
        )));
        return vec![];
    }
    app.filter = crate::query::Filter {
        agents: vec![flag.subject.clone()],
        ..crate::query::Filter::default()
    };
    app.view = View::Stream;
    app.stream.frozen = false;
    app.status = Some(Status::info(format!(
        "{}'s events; the flag's newest is seq {} (c clears the filter)",
        flag.subject, flag.last_seq
    )));
    vec![reload(app), Effect::CountTiers]
}
