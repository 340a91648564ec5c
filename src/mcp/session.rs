//! One proxied MCP session, whatever the transport: each client line is classified, and
//! everything but `tools/call` goes on as the same bytes. A `tools/call` is proposed to the
//! gate first and forwarded only when allowed; its response (forwarded unchanged too) is
//! reported as the outcome afterwards, off the client's path. `tools/list` answers are
//! hashed and recorded.

use super::gate::{failure_text, Answer, GateClient};
use super::message::{self, Kind};
use super::outcome::Outcomes;
use super::record;
use crate::event::Tier;
use crate::toolmap::{ToolMap, ToolMapping};
use rmcp::model::{CallToolRequestParams, ErrorCode};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::mpsc::UnboundedSender;

/// How the proxy behaves.
#[derive(Debug, Clone)]
pub struct Options {
    /// The agent named on the command line; the token's agent must agree.
    pub agent: String,
    /// Forward T0/T1 calls when the gate cannot decide (T2/T3 are always refused).
    pub fail_open_low_tiers: bool,
    /// How long a call the policy asks about is held before it is refused.
    pub ask_wait: Duration,
    /// Characters of a result kept in the outcome's excerpt.
    pub excerpt_chars: usize,
}

/// A forwarded call whose response is awaited.
enum Pending {
    Call { proposal: String, grant: String },
    ToolsList,
    Initialize,
}

pub struct Session {
    gate: Arc<GateClient>,
    map: ToolMap,
    opts: Options,
    /// This session's id: the correlation id of everything it records.
    pub id: String,
    pending: Mutex<HashMap<String, Pending>>,
    held: Mutex<HashMap<String, tokio::task::AbortHandle>>,
    server_name: Mutex<Option<String>>,
    tools_hash: Mutex<Option<String>>,
    outcomes: Arc<Outcomes>,
    to_client: UnboundedSender<Vec<u8>>,
    to_server: UnboundedSender<Vec<u8>>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Option<T> {
    tokio::task::spawn_blocking(f).await.ok()
}

/// A line on stderr, escaped (tool names and gate messages are untrusted).
pub fn warn(text: &str) {
    eprintln!(
        "custody mcp-proxy: {}",
        crate::untrusted::escape_untrusted(text)
    );
}

impl Session {
    pub fn new(
        gate: Arc<GateClient>,
        map: ToolMap,
        opts: Options,
        to_client: UnboundedSender<Vec<u8>>,
        to_server: UnboundedSender<Vec<u8>>,
    ) -> Arc<Session> {
        Arc::new(Session {
            outcomes: Outcomes::new(Arc::clone(&gate)),
            gate,
            map,
            opts,
            id: crate::respond::new_id(),
            pending: Mutex::new(HashMap::new()),
            held: Mutex::new(HashMap::new()),
            server_name: Mutex::new(None),
            tools_hash: Mutex::new(None),
            to_client,
            to_server,
        })
    }

    fn send_client(&self, bytes: Vec<u8>) {
        let _ = self.to_client.send(bytes);
    }

    fn send_server(&self, bytes: Vec<u8>) {
        let _ = self.to_server.send(bytes);
    }

    /// Records the session's start; `Err` when the gate refuses the agent's name (the
    /// token belongs to another agent). An unreachable gate is a warning only.
    pub async fn start(&self, transport: &str, server: &str) -> Result<(), String> {
        let event = record::session(&self.opts.agent, &self.id, transport, server);
        let gate = Arc::clone(&self.gate);
        match blocking(move || gate.event(&event)).await {
            Some(Ok(_)) => Ok(()),
            Some(Err(e)) if e.contains("agent.id") => Err(format!(
                "--agent {} does not match the token's agent: {e}",
                self.opts.agent
            )),
            Some(Err(e)) => {
                warn(&format!("could not record the session start: {e}"));
                Ok(())
            }
            None => Ok(()),
        }
    }

    /// A line from the client (without its newline).
    pub fn from_client(self: &Arc<Self>, line: Vec<u8>) {
        let (id, raw_id, params) = match message::classify(&line) {
            Err(e) => {
                warn(&format!("refused a message from the client: {}", e.message));
                self.send_client(message::error_response(&e.id, e.code, &e.message));
                return;
            }
            Ok(Kind::Request {
                id,
                raw_id,
                method,
                params,
            }) if method == "tools/call" => (id, raw_id, message::call_params(params)),
            Ok(Kind::Request { id, method, .. }) => {
                let pending = match method.as_str() {
                    "tools/list" => Some(Pending::ToolsList),
                    "initialize" => Some(Pending::Initialize),
                    _ => None,
                };
                if let Some(p) = pending {
                    lock(&self.pending).insert(id, p);
                }
                self.send_server(line);
                return;
            }
            Ok(Kind::Notification { method, params }) => {
                if method == "notifications/cancelled" {
                    self.cancel_held(params);
                }
                self.send_server(line);
                return;
            }
            Ok(Kind::Response { .. }) => {
                self.send_server(line);
                return;
            }
        };
        let params = match params {
            Ok(p) => p,
            Err(e) => {
                self.send_client(message::error_response(
                    &raw_id,
                    ErrorCode::INVALID_PARAMS,
                    &e,
                ));
                return;
            }
        };
        let me = Arc::clone(self);
        let key = id.clone();
        // Held while spawning, so the task's own removal cannot run before the insert.
        let mut held = lock(&self.held);
        let task = tokio::spawn(async move {
            me.gated_call(&id, &raw_id, params, line).await;
            lock(&me.held).remove(&id);
        });
        held.insert(key, task.abort_handle());
    }

    /// A client gave up on a call the proxy is holding: stop waiting (the request stays
    /// on the gate until it is decided or expires; the call is never forwarded).
    fn cancel_held(&self, params: Option<&serde_json::value::RawValue>) {
        let request = params
            .and_then(|p| serde_json::from_str::<Value>(p.get()).ok())
            .and_then(|p| p.get("requestId").cloned());
        if let Some(id) = request {
            if let Some(task) = lock(&self.held).remove(&id.to_string()) {
                task.abort();
            }
        }
    }

    fn proposal(&self, params: &CallToolRequestParams, m: &ToolMapping) -> Value {
        let target = m
            .target_system
            .clone()
            .or_else(|| lock(&self.server_name).clone());
        let mut action = json!({"type": params.name, "params": params.arguments});
        if let Some(t) = target {
            action["target_system"] = t.into();
        }
        if let Some(e) = &m.environment {
            action["environment"] = e.clone().into();
        }
        if let Some(r) = m.reversibility {
            action["reversibility"] = serde_json::to_value(r).unwrap_or(Value::Null);
        }
        json!({
            "tier": m.tier,
            "reason_code": m.reason_code,
            "action": action,
            "correlation_id": self.id,
        })
    }

    async fn gated_call(
        &self,
        id: &str,
        raw_id: &Value,
        params: CallToolRequestParams,
        line: Vec<u8>,
    ) {
        let mapping = self.map.lookup(&params.name);
        let body = self.proposal(&params, &mapping);
        // The previous calls' outcomes travel with this proposal (one group commit).
        self.outcomes.flush();
        let gate = Arc::clone(&self.gate);
        let mut answer = blocking(move || gate.propose(&body))
            .await
            .unwrap_or_else(|| Answer::Broken("the proposal task failed".into()));
        let token = message::progress_token(&params);
        let deadline = Instant::now() + self.opts.ask_wait;
        let mut step = 0.0;
        let asked = matches!(answer, Answer::Ask { .. });
        while let Answer::Ask {
            id: request,
            needs,
            approvals,
        } = &answer
        {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            if let Some(t) = &token {
                step += 1.0;
                let text = format!(
                    "custody: waiting for approval of request {request} ({approvals} of {needs} approvals)"
                );
                self.send_client(message::progress(t, step, &text));
            }
            let (gate, request) = (Arc::clone(&self.gate), request.clone());
            let wait = left.min(Duration::from_secs(15));
            answer = blocking(move || gate.wait(&request, wait))
                .await
                .unwrap_or_else(|| Answer::Broken("the long-poll task failed".into()));
        }
        let tool = crate::untrusted::escape_untrusted(&params.name);
        let refuse = |text: String| self.send_client(message::tool_error(raw_id, &text));
        match answer {
            Answer::Allow { id: proposal, grant } => {
                lock(&self.pending).insert(id.to_string(), Pending::Call { proposal, grant });
                self.send_server(line);
            }
            Answer::Ask { id: request, .. } => refuse(format!(
                "custody: the call to {tool} was not approved within {} s; approval request {request} is still open (event {request})",
                self.opts.ask_wait.as_secs()
            )),
            Answer::Deny { id: p, message, event } => refuse(format!(
                "custody denied the call to {tool}: {message} (event {}, proposal {p})",
                event.as_deref().unwrap_or(&p)
            )),
            Answer::Refused { code, message, event } => refuse(format!(
                "custody refused the call to {tool} ({code}): {message} (event {})",
                event.as_deref().unwrap_or("none")
            )),
            failure => {
                self.gate_failed(&params.name, mapping.tier, asked, &failure, raw_id, line)
                    .await
            }
        }
    }

    /// The gate could not decide: T2/T3 calls are refused; T0/T1 are forwarded only when
    /// `fail_open_low_tiers`, and never once the policy asked about them (`asked`).
    /// Logged as an event when the gate answered at all.
    async fn gate_failed(
        &self,
        tool: &str,
        tier: Tier,
        asked: bool,
        why: &Answer,
        raw_id: &Value,
        line: Vec<u8>,
    ) {
        let open = self.opts.fail_open_low_tiers && tier <= Tier::T1 && !asked;
        let did = if open {
            "forwarded unguarded"
        } else {
            "refused"
        };
        let text = failure_text(why);
        let logged = match why {
            Answer::Broken(_) => {
                let e = record::proxy_error(
                    &self.opts.agent,
                    &self.id,
                    tool,
                    tier.as_str(),
                    did,
                    &text,
                );
                let gate = Arc::clone(&self.gate);
                blocking(move || gate.event(&e)).await.and_then(Result::ok)
            }
            _ => None,
        };
        warn(&format!(
            "{text}; the {} call to {tool} was {did}{}",
            tier.as_str(),
            logged.map(|e| format!(" (event {e})")).unwrap_or_default()
        ));
        if open {
            self.send_server(line);
        } else {
            self.send_client(message::tool_error(
                raw_id,
                &format!(
                    "custody refused the call to {} because the gate could not decide it ({}): {text}",
                    crate::untrusted::escape_untrusted(tool),
                    if asked {
                        "it was waiting for approval".to_string()
                    } else {
                        format!("{} tools fail closed", tier.as_str())
                    }
                ),
            ));
        }
    }

    /// A line from the server: forwarded unchanged; a response the proxy waits for is
    /// then reported.
    pub fn from_server(self: &Arc<Self>, line: Vec<u8>) {
        let follow = match message::classify(&line) {
            Ok(Kind::Response { id, result, error }) => {
                let pending = lock(&self.pending).remove(&id);
                match pending {
                    Some(Pending::Call { proposal, grant }) => {
                        let raw = result.or(error).map_or("", |r| r.get());
                        let (is_error, excerpt) = match (result, error) {
                            (Some(r), _) => message::result_summary(r, self.opts.excerpt_chars),
                            (None, _) => (true, message::excerpt(raw, self.opts.excerpt_chars)),
                        };
                        let status = match (error.is_some(), is_error) {
                            (true, _) => "error",
                            (false, true) => "failure",
                            (false, false) => "success",
                        };
                        let body = json!({
                            "grant": grant,
                            "status": status,
                            "result_sha256": record::sha256_hex(raw.as_bytes()),
                            "result_excerpt": excerpt,
                        });
                        Some(Follow::Outcome(proposal, body))
                    }
                    Some(Pending::ToolsList) => result
                        .and_then(|r| serde_json::from_str::<Value>(r.get()).ok())
                        .and_then(|v| record::tools_digest(&v))
                        .map(Follow::Tools),
                    Some(Pending::Initialize) => {
                        let name = result
                            .and_then(|r| serde_json::from_str::<Value>(r.get()).ok())
                            .and_then(|v| v["serverInfo"]["name"].as_str().map(str::to_string));
                        *lock(&self.server_name) = name;
                        None
                    }
                    None => None,
                }
            }
            _ => None,
        };
        self.send_client(line);
        match follow {
            Some(Follow::Outcome(proposal, body)) => self.outcomes.defer(proposal, body),
            Some(Follow::Tools(digest)) => {
                let me = Arc::clone(self);
                let task = tokio::spawn(async move { me.record_tools(digest).await });
                self.outcomes.track(task);
            }
            None => {}
        }
    }

    async fn record_tools(&self, digest: Value) {
        let hash = digest["sha256"].as_str().unwrap_or_default().to_string();
        {
            let mut seen = lock(&self.tools_hash);
            if seen.as_deref() == Some(hash.as_str()) {
                return;
            }
            if seen.is_some() {
                warn(&format!(
                    "the server's tool list changed (now sha256 {hash})"
                ));
            }
            *seen = Some(hash);
        }
        let server = lock(&self.server_name).clone();
        let e = record::tools_list(&self.opts.agent, &self.id, server.as_deref(), &digest);
        let gate = Arc::clone(&self.gate);
        if let Some(Err(e)) = blocking(move || gate.event(&e)).await {
            warn(&format!("the tool list was not recorded: {e}"));
        }
    }

    /// Waits for outcome reports in flight (at shutdown). Calls the server never
    /// answered are reported as errors: they were allowed, and may have run.
    pub async fn finish(&self) {
        let unanswered: Vec<(String, String)> = lock(&self.pending)
            .drain()
            .filter_map(|(_, p)| match p {
                Pending::Call { proposal, grant } => Some((proposal, grant)),
                _ => None,
            })
            .collect();
        for (proposal, grant) in unanswered {
            let body = json!({
                "grant": grant,
                "status": "error",
                "error": "the MCP server closed before it answered this call",
            });
            self.outcomes.defer(proposal, body);
        }
        self.outcomes.finish().await;
    }
}

enum Follow {
    Outcome(String, Value),
    Tools(Value),
}
