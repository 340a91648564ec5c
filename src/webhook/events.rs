//! The events delivery seals, built here without IO:
//!
//! - `webhook.attempt`, one per HTTP attempt: the target's name and host (never its
//!   URL), the attempt's number, the HTTP status or the error, the duration;
//! - `webhook.failed`, once per notice and target that was not delivered: after the
//!   last attempt, on a final answer, when the queue was full, or at shutdown.
//!
//! Both point to the notice's event in `context.parent_event_id` and carry the request
//! id (or the event id) as their correlation id, so a request's trace shows who was told.

use super::send::Attempt;
use super::{Notice, Target};
use crate::event::{Action, Actor, ActorType, Context, Event, Outcome, OutcomeStatus, Timestamp};
use serde_json::{json, Map, Value};

pub const ATTEMPT_KIND: &str = "webhook.attempt";
pub const FAILED_KIND: &str = "webhook.failed";

/// The `webhook.attempt` event for attempt `n` of `of` to `target`.
pub fn attempt(
    target: &Target,
    notice: &Notice,
    n: u32,
    of: u32,
    a: &Attempt,
    event_id: String,
    time: Timestamp,
) -> Event {
    let status = match (a.verdict, a.http_status) {
        (super::send::Verdict::Delivered, _) => OutcomeStatus::Success,
        (_, Some(_)) => OutcomeStatus::Failure,
        (_, None) => OutcomeStatus::Error,
    };
    let mut params = base_params(target, notice);
    params.insert("host".into(), json!(a.host));
    params.insert("attempt".into(), json!(n));
    params.insert("attempts".into(), json!(of));
    let mut response = Map::new();
    if let Some(s) = a.http_status {
        response.insert("http_status".into(), json!(s));
    }
    response.insert("duration_ms".into(), json!(a.duration_ms));
    if let Some(r) = a.retry_after {
        response.insert("retry_after_s".into(), json!(r.as_secs()));
    }
    event(
        ATTEMPT_KIND,
        target,
        notice,
        params,
        Outcome {
            status,
            detail: Some(a.detail.clone()),
            response: Some(Value::Object(response)),
        },
        event_id,
        time,
    )
}

/// The `webhook.failed` event: `notice` never reached `target` after `attempts`
/// attempts (0 when none was made), for the reason `why`.
pub fn failed(
    target: &Target,
    notice: &Notice,
    attempts: u32,
    why: &str,
    event_id: String,
    time: Timestamp,
) -> Event {
    let mut params = base_params(target, notice);
    params.insert("attempts_made".into(), json!(attempts));
    event(
        FAILED_KIND,
        target,
        notice,
        params,
        Outcome {
            status: OutcomeStatus::Failure,
            detail: Some(why.to_string()),
            response: None,
        },
        event_id,
        time,
    )
}

/// The one `webhook.failed` event for `count` notices that overflowed even the list
/// of overflowed notices: they are counted, not named.
pub fn lost_count(count: u64, event_id: String, time: Timestamp) -> Event {
    let mut e = blank(FAILED_KIND, event_id, time);
    e.action = Some(Action {
        kind: "webhook.post".into(),
        target_system: None,
        resource: Some("webhook:*".into()),
        environment: None,
        params: Some(json!({ "notices_lost": count })),
        before: None,
        after: None,
    });
    e.outcome = Some(Outcome {
        status: OutcomeStatus::Failure,
        detail: Some(format!(
            "{count} notices were not sent: the notification queue and its overflow list were full"
        )),
        response: None,
    });
    e
}

fn base_params(target: &Target, notice: &Notice) -> Map<String, Value> {
    let mut p = Map::new();
    p.insert("target".into(), json!(target.name));
    p.insert("format".into(), json!(target.format.as_str()));
    p.insert("trigger".into(), json!(notice.trigger.as_str()));
    if let Some(r) = &notice.request_id {
        p.insert("request_id".into(), json!(r));
    }
    if let Some(a) = &notice.agent {
        p.insert("agent".into(), json!(a));
    }
    p
}

fn event(
    kind: &str,
    target: &Target,
    notice: &Notice,
    params: Map<String, Value>,
    outcome: Outcome,
    event_id: String,
    time: Timestamp,
) -> Event {
    let mut e = blank(kind, event_id, time);
    e.action = Some(Action {
        kind: "webhook.post".into(),
        target_system: Some(target.format.as_str().into()),
        resource: Some(format!("webhook:{}", target.name)),
        environment: None,
        params: Some(Value::Object(params)),
        before: None,
        after: None,
    });
    e.context = Some(Context {
        correlation_id: Some(
            notice
                .request_id
                .clone()
                .unwrap_or_else(|| notice.event_id.clone()),
        ),
        parent_event_id: Some(notice.event_id.clone()),
        ..Context::default()
    });
    e.outcome = Some(outcome);
    e
}

fn blank(kind: &str, event_id: String, time: Timestamp) -> Event {
    Event::custody(
        kind,
        event_id,
        time,
        Actor::new(ActorType::Service, "custody"),
    )
}
