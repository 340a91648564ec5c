//! The event fields spans and log records share: the agent (always the token's), the
//! model, the context (ids, parent, conversation, environment), times, and the checks
//! every event built here passes before it is sealed.

use super::attrs::{take, take_first, take_str, Converter};
use super::proto::Resource;
use crate::event::{check_own, check_producer_event, Agent, Context, Event, Model, Timestamp};
use serde_json::{Map, Value as Json};

/// The rules ingest applies to a producer's line, on an event built here.
pub(super) fn checked(event: Event) -> Result<Event, String> {
    check_producer_event(&event).map_err(|e| e.to_string())?;
    check_own(&event).map_err(|e| e.to_string())?;
    Ok(event)
}

/// The agent: always the token's. A `gen_ai.agent.id` naming another is refused; the
/// name (`gen_ai.agent.name`) is a label and kept.
pub(super) fn agent_of(
    attrs: &mut Map<String, Json>,
    agent: &str,
    inherited_name: Option<&str>,
) -> Result<Agent, String> {
    if let Some(id) = attrs.get("gen_ai.agent.id").and_then(Json::as_str) {
        if id != agent {
            return Err(format!(
                "gen_ai.agent.id names `{}`, but the token is {agent}'s",
                clip(id)
            ));
        }
    }
    take_str(attrs, "gen_ai.agent.id");
    let mut who = Agent::new(agent);
    who.name = take_str(attrs, "gen_ai.agent.name").or_else(|| inherited_name.map(String::from));
    who.version = take_str(attrs, "gen_ai.agent.version");
    Ok(who)
}

/// `gen_ai.request.model` / `gen_ai.response.model` and the provider (`gen_ai.provider.name`,
/// or the older `gen_ai.system`), with the request's decoding settings as `params`.
pub(super) fn model_of(attrs: &mut Map<String, Json>) -> Option<Model> {
    let requested = take_str(attrs, "gen_ai.request.model");
    let answered = take_str(attrs, "gen_ai.response.model");
    let provider = take_first(attrs, &["gen_ai.provider.name", "gen_ai.system"]);
    let mut settings = Map::new();
    for key in [
        "temperature",
        "top_p",
        "top_k",
        "max_tokens",
        "seed",
        "frequency_penalty",
        "presence_penalty",
        "stop_sequences",
        "choice.count",
    ] {
        if let Some(v) = take(attrs, &format!("gen_ai.request.{key}")) {
            settings.insert(key.into(), v);
        }
    }
    let name = requested.clone().or_else(|| answered.clone())?;
    Some(Model {
        provider,
        version: answered.filter(|a| Some(a) != requested.as_ref()),
        name,
        params: (!settings.is_empty()).then_some(Json::Object(settings)),
    })
}

/// Trace and span ids, the parent's event, the conversation (the span's, else its
/// ancestors', else the trace) as the correlation id, and the environment and version the resource names.
pub(super) fn context_of(
    attrs: &mut Map<String, Json>,
    resource: &Map<String, Json>,
    trace: &[u8],
    span: &[u8],
    parent: &[u8],
    inherited_conversation: Option<&str>,
) -> Context {
    let trace_hex = (trace.len() == 16).then(|| hex::encode(trace));
    let res = |keys: &[&str]| {
        keys.iter()
            .find_map(|k| resource.get(*k).and_then(Json::as_str).map(String::from))
    };
    Context {
        environment: res(&["deployment.environment.name", "deployment.environment"]),
        job_id: None,
        app_version: res(&["service.version"]),
        correlation_id: take_str(attrs, "gen_ai.conversation.id")
            .or_else(|| inherited_conversation.map(String::from))
            .or_else(|| trace_hex.clone()),
        span_id: (span.len() == 8).then(|| hex::encode(span)),
        parent_event_id: match (&trace_hex, parent.len()) {
            (Some(t), 8) => Some(format!("otel-{t}-{}", hex::encode(parent))),
            _ => None,
        },
        trace_id: trace_hex,
    }
}

pub(super) fn resource_map(conv: &mut Converter, r: Option<&Resource>) -> Map<String, Json> {
    r.map(|r| conv.map(&r.attributes)).unwrap_or_default()
}

/// Nanoseconds since the epoch, as an event time (0: none).
pub(super) fn time_of(nanos: u64) -> Option<Timestamp> {
    if nanos == 0 {
        return None;
    }
    Timestamp::from_millis(i64::try_from(nanos / 1_000_000).ok()?)
}

pub(super) fn clip(text: &str) -> String {
    let short: String = text.chars().take(80).collect();
    short.escape_debug().to_string()
}
