//! GenAI spans to events. One span, one event, with an id made from its trace and span
//! ids (`otel-<trace>-<span>`), so an exporter's retry is a duplicate, not a second
//! record. Which span is what comes from `gen_ai.operation.name` (or the first word of
//! the span name, as the conventions name spans `execute_tool get_weather`):
//!
//! - `execute_tool` → `ai.action`: the tool is the action type, the `[tools]` map gives
//!   tier, reason, target, environment and reversibility;
//! - `chat`, `text_completion`, `generate_content`, `embeddings` → `ai.inference`;
//! - `invoke_agent`, `create_agent`, `invoke_workflow` → `ai.agent_run`.
//!
//! A span that names no conversation, agent name or model takes them from its nearest
//! ancestor in the same request that does; a tool span with no model anywhere above it
//! takes the model of the latest inference span of its trace that ended before it
//! started (the call that chose the tool). `context.parent_event_id` points to the
//! parent span's event either way.

use super::attrs::{parsed, take, take_str, Converter};
use super::fields::{agent_of, checked, clip, context_of, model_of, resource_map, time_of};
use super::proto::{ExportTraceServiceRequest, InstrumentationScope, Span, STATUS_ERROR};
use crate::event::{Action, Event, Model, Outcome, OutcomeStatus, Reversibility};
use crate::toolmap::ToolMap;
use serde_json::{json, Map, Value as Json};
use std::collections::HashMap;

/// The kind of an executed tool call (the ledger's action kind).
pub const TOOL_KIND: &str = "ai.action";
/// The kind of a model call (chat, completion, embeddings).
pub const INFERENCE_KIND: &str = "ai.inference";
/// The kind of an agent invocation.
pub const AGENT_KIND: &str = "ai.agent_run";
/// The kind of a GenAI event sent as an OTLP log record.
pub const LOG_KIND: &str = "ai.genai_event";

/// How many rejections the partial-success message spells out.
const REASONS_SHOWN: usize = 5;

/// Parent hops followed when looking for a tool span's model (a cycle cannot loop).
const MAX_HOPS: usize = 64;

/// One span (or log record) that could not be mapped, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Rejected {
    /// Which one: its position in the request and its name.
    pub item: String,
    pub reason: String,
}

/// What a request became.
#[derive(Debug, Default)]
pub struct Mapped {
    pub events: Vec<Event>,
    pub rejected: Vec<Rejected>,
    /// Attribute values kept as their hash because they were too large.
    pub truncated: usize,
}

impl Mapped {
    /// The OTLP partial-success `error_message`: the first reasons, and the truncation
    /// warning; empty when everything went in whole.
    pub fn message(&self, noun: &str) -> String {
        let mut parts: Vec<String> = self
            .rejected
            .iter()
            .take(REASONS_SHOWN)
            .map(|r| format!("{}: {}", r.item, r.reason))
            .collect();
        if self.rejected.len() > REASONS_SHOWN {
            parts.push(format!("and {} more", self.rejected.len() - REASONS_SHOWN));
        }
        let mut out = String::new();
        if !self.rejected.is_empty() {
            out = format!(
                "{} {noun} rejected by custody: {}",
                self.rejected.len(),
                parts.join("; ")
            );
        }
        if self.truncated > 0 {
            if !out.is_empty() {
                out.push_str(". ");
            }
            out.push_str(&format!(
                "{} attribute value(s) over {} bytes kept as their size, SHA-256 and first KiB",
                self.truncated,
                super::MAX_VALUE_BYTES
            ));
        }
        out
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Tool,
    Inference,
    Agent,
}

fn op_of(name: &str) -> Option<Op> {
    match name {
        "execute_tool" => Some(Op::Tool),
        "chat" | "text_completion" | "generate_content" | "embeddings" => Some(Op::Inference),
        "invoke_agent" | "create_agent" | "invoke_workflow" => Some(Op::Agent),
        _ => None,
    }
}

/// What a span says about its model and agent, read without taking anything.
#[derive(Debug, Clone, Default)]
struct Facts {
    model: Option<String>,
    version: Option<String>,
    provider: Option<String>,
    agent_name: Option<String>,
    conversation: Option<String>,
    inference: bool,
}

fn facts(span: &Span) -> Facts {
    let get = |keys: &[&str]| {
        keys.iter().find_map(|k| {
            span.attributes
                .iter()
                .find(|kv| kv.key == *k)
                .and_then(|kv| match kv.value.as_ref()?.value.as_ref()? {
                    super::proto::Value::String(s) => Some(s.clone()),
                    _ => None,
                })
        })
    };
    let op = get(&["gen_ai.operation.name"]);
    let model = get(&["gen_ai.request.model", "gen_ai.response.model"]);
    Facts {
        version: get(&["gen_ai.response.model"]).filter(|v| Some(v) != model.as_ref()),
        model,
        provider: get(&["gen_ai.provider.name", "gen_ai.system"]),
        agent_name: get(&["gen_ai.agent.name"]),
        conversation: get(&["gen_ai.conversation.id"]),
        inference: op.as_deref().and_then(op_of) == Some(Op::Inference),
    }
}

/// A span with where it came from.
struct Located<'a> {
    span: &'a Span,
    resource: usize,
    scope: Option<&'a InstrumentationScope>,
}

/// Maps every span of `request` for `agent` (the caller's token's agent).
pub fn map_traces(request: &ExportTraceServiceRequest, tools: &ToolMap, agent: &str) -> Mapped {
    let mut conv = Converter::default();
    let resources: Vec<Map<String, Json>> = request
        .resource_spans
        .iter()
        .map(|r| resource_map(&mut conv, r.resource.as_ref()))
        .collect();
    let spans: Vec<Located> = request
        .resource_spans
        .iter()
        .enumerate()
        .flat_map(|(ri, r)| {
            r.scope_spans.iter().flat_map(move |s| {
                s.spans.iter().map(move |span| Located {
                    span,
                    resource: ri,
                    scope: s.scope.as_ref(),
                })
            })
        })
        .collect();
    let facts: Vec<Facts> = spans.iter().map(|l| facts(l.span)).collect();
    let by_id: HashMap<(&[u8], &[u8]), usize> = spans
        .iter()
        .enumerate()
        .map(|(i, l)| ((l.span.trace_id.as_slice(), l.span.span_id.as_slice()), i))
        .collect();
    // Per trace, the inference spans with a model by end time: the latest that ended
    // before a tool started is found by bisection (a hostile request of 100,000 spans
    // must not cost 100,000²).
    let mut choosers: HashMap<&[u8], Vec<(u64, usize)>> = HashMap::new();
    for (i, (l, f)) in spans.iter().zip(&facts).enumerate() {
        if f.inference && f.model.is_some() {
            choosers
                .entry(l.span.trace_id.as_slice())
                .or_default()
                .push((l.span.end_time_unix_nano, i));
        }
    }
    for c in choosers.values_mut() {
        c.sort_unstable();
    }
    let mut out = Mapped::default();
    for (i, l) in spans.iter().enumerate() {
        let inherited = inherit(i, &spans, &facts, &by_id, &choosers);
        match map_span(
            l,
            &resources[l.resource],
            &inherited,
            tools,
            agent,
            &mut conv,
        ) {
            Ok(e) => out.events.push(e),
            Err(reason) => out.rejected.push(Rejected {
                item: format!("span {} `{}`", i + 1, clip(&l.span.name)),
                reason,
            }),
        }
    }
    out.truncated = conv.truncated;
    out
}

/// The model and agent name a span inherits: from its nearest ancestor that has them,
/// else the latest inference span of its trace that ended before it began.
fn inherit(
    i: usize,
    spans: &[Located],
    facts: &[Facts],
    by_id: &HashMap<(&[u8], &[u8]), usize>,
    choosers: &HashMap<&[u8], Vec<(u64, usize)>>,
) -> Facts {
    let mut got = Facts::default();
    let mut at = i;
    for _ in 0..MAX_HOPS {
        let s = spans[at].span;
        let Some(&parent) = by_id.get(&(s.trace_id.as_slice(), s.parent_span_id.as_slice())) else {
            break;
        };
        let f = &facts[parent];
        if got.model.is_none() && f.model.is_some() {
            got.model.clone_from(&f.model);
            got.version.clone_from(&f.version);
            got.provider.clone_from(&f.provider);
        }
        if got.agent_name.is_none() {
            got.agent_name.clone_from(&f.agent_name);
        }
        if got.conversation.is_none() {
            got.conversation.clone_from(&f.conversation);
        }
        at = parent;
    }
    if got.model.is_none() {
        let me = spans[i].span;
        let ended = choosers.get(me.trace_id.as_slice()).and_then(|c| {
            let before = c.partition_point(|(end, _)| *end <= me.start_time_unix_nano);
            before.checked_sub(1).map(|k| c[k].1)
        });
        if let Some(f) = ended.map(|k| &facts[k]) {
            got.model.clone_from(&f.model);
            got.version.clone_from(&f.version);
            got.provider.clone_from(&f.provider);
        }
    }
    got
}

fn map_span(
    l: &Located,
    resource: &Map<String, Json>,
    inherited: &Facts,
    tools: &ToolMap,
    agent: &str,
    conv: &mut Converter,
) -> Result<Event, String> {
    let span = l.span;
    if span.trace_id.len() != 16 || span.span_id.len() != 8 {
        return Err("a span needs a 16-byte trace_id and an 8-byte span_id".into());
    }
    let mut attrs = conv.map(&span.attributes);
    let first_word = span.name.split_whitespace().next().unwrap_or("");
    let op_name = take_str(&mut attrs, "gen_ai.operation.name")
        .or_else(|| op_of(first_word).map(|_| first_word.to_string()))
        .or_else(|| {
            attrs
                .contains_key("gen_ai.tool.name")
                .then(|| "execute_tool".to_string())
        })
        .ok_or("not a GenAI span: no gen_ai.operation.name and no gen_ai.tool.name")?;
    let op = op_of(&op_name).ok_or_else(|| {
        format!(
            "gen_ai.operation.name `{}` is not one custody maps",
            clip(&op_name)
        )
    })?;
    let who = agent_of(&mut attrs, agent, inherited.agent_name.as_deref())?;
    let model = model_of(&mut attrs).or_else(|| {
        inherited.model.clone().map(|name| Model {
            provider: inherited.provider.clone(),
            name,
            version: inherited.version.clone(),
            params: None,
        })
    });
    let error_type = take_str(&mut attrs, "error.type");
    let status = span.status.clone().unwrap_or_default();
    let failed = error_type.is_some() || status.code == STATUS_ERROR;
    let detail = [error_type, Some(status.message).filter(|m| !m.is_empty())]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(": ");
    let mut params = Map::new();
    let mut event = Event::custody(
        TOOL_KIND,
        format!(
            "otel-{}-{}",
            hex::encode(&span.trace_id),
            hex::encode(&span.span_id)
        ),
        time_of(span.start_time_unix_nano)
            .or_else(|| time_of(span.end_time_unix_nano))
            .ok_or("the span has no start time")?,
        crate::event::Actor::new(crate::event::ActorType::Agent, agent),
    );
    event.sealed_by = None;
    event.agent = Some(who);
    let mut response = None;
    let action_type = match op {
        Op::Tool => {
            let tool = take_str(&mut attrs, "gen_ai.tool.name")
                .or_else(|| {
                    span.name
                        .strip_prefix("execute_tool ")
                        .map(|t| t.trim().to_string())
                        .filter(|t| !t.is_empty())
                })
                .ok_or("an execute_tool span with no gen_ai.tool.name (and no tool in its name)")?;
            if let Some(args) = take(&mut attrs, "gen_ai.tool.call.arguments") {
                params.insert("arguments".into(), parsed(args));
            }
            if let Some(id) = take_str(&mut attrs, "gen_ai.tool.call.id") {
                params.insert("call_id".into(), id.into());
            }
            response = take(&mut attrs, "gen_ai.tool.call.result").map(parsed);
            let mapping = tools.lookup(&tool);
            match &mapping.rule {
                Some(rule) => params.insert("tool_rule".into(), rule.clone().into()),
                None => params.insert("unmapped_tool".into(), true.into()),
            };
            event.tier = Some(mapping.tier);
            event.reason_code = Some(mapping.reason_code);
            event.reversibility = mapping.reversibility.map(|class| Reversibility {
                class,
                undo_window_s: None,
                rollback: None,
            });
            event.action = Some(Action {
                kind: tool,
                target_system: mapping.target_system,
                resource: None,
                environment: mapping.environment,
                params: None,
                before: None,
                after: None,
            });
            None
        }
        Op::Inference => {
            event.kind = INFERENCE_KIND.into();
            Some(format!("gen_ai.{op_name}"))
        }
        Op::Agent => {
            event.kind = AGENT_KIND.into();
            Some(format!("gen_ai.{op_name}"))
        }
    };
    if let Some(kind) = action_type {
        event.action = Some(Action {
            kind,
            target_system: model.as_ref().and_then(|m| m.provider.clone()),
            resource: None,
            environment: None,
            params: None,
            before: None,
            after: None,
        });
    }
    event.model = model;
    event.outcome = Some(Outcome {
        status: if failed {
            OutcomeStatus::Error
        } else {
            OutcomeStatus::Success
        },
        detail: (!detail.is_empty()).then_some(detail),
        response,
    });
    event.context = Some(context_of(
        &mut attrs,
        resource,
        &span.trace_id,
        &span.span_id,
        &span.parent_span_id,
        inherited.conversation.as_deref(),
    ));
    let mut otel = Map::new();
    otel.insert("span_name".into(), span.name.clone().into());
    if span.kind != 0 {
        otel.insert("span_kind".into(), span.kind.into());
    }
    if let Some(end) = time_of(span.end_time_unix_nano) {
        otel.insert("end_time".into(), end.to_rfc3339().into());
    }
    if let Some(scope) = l.scope.filter(|s| !s.name.is_empty()) {
        otel.insert(
            "scope".into(),
            json!({"name": scope.name, "version": scope.version}),
        );
    }
    otel.insert("attributes".into(), Json::Object(attrs));
    otel.insert("resource".into(), Json::Object(resource.clone()));
    if !span.events.is_empty() {
        let events: Vec<Json> = span
            .events
            .iter()
            .map(|e| {
                json!({
                    "name": e.name,
                    "time": time_of(e.time_unix_nano).map(|t| t.to_rfc3339()),
                    "attributes": Json::Object(conv.map(&e.attributes)),
                })
            })
            .collect();
        otel.insert("events".into(), events.into());
    }
    params.insert("otel".into(), Json::Object(otel));
    if let Some(a) = event.action.as_mut() {
        a.params = Some(Json::Object(params));
    }
    checked(event)
}

#[cfg(test)]
#[path = "map_tests.rs"]
mod tests;
