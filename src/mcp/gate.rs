//! The proxy as a client of `custody serve`: propose, long-poll, report the outcome, and
//! post its own events, with the agent's bearer token over one kept-alive connection.
//! Blocking (ureq); the session calls it on tokio's blocking pool.

use serde_json::{json, Value};
use std::time::Duration;

/// What the gate answered about a proposal.
#[derive(Debug, Clone, PartialEq)]
pub enum Answer {
    Allow {
        id: String,
        grant: String,
    },
    Ask {
        id: String,
        needs: u64,
        approvals: u64,
    },
    /// Denied by policy or by people, or expired; `event` is the decision's id.
    Deny {
        id: String,
        message: String,
        event: Option<String>,
    },
    /// The gate refused to decide: paused (423), revoked or unknown token (401), a body it
    /// would not take (4xx). `event` is the sealed refusal.
    Refused {
        code: String,
        message: String,
        event: Option<String>,
    },
    /// The gate answered, but not with anything the proxy understands (5xx, bad JSON).
    Broken(String),
    /// No answer at all.
    Unreachable(String),
}

impl Answer {
    /// Whether this is the proxy's own failure (not the gate's decision).
    pub fn is_failure(&self) -> bool {
        matches!(self, Answer::Broken(_) | Answer::Unreachable(_))
    }
}

pub struct GateClient {
    base: String,
    token: String,
    http: ureq::Agent,
}

impl GateClient {
    pub fn new(base: &str, token: String) -> GateClient {
        let http = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_connect(Some(Duration::from_secs(5)))
            .timeout_global(Some(Duration::from_secs(90)))
            .build()
            .into();
        GateClient {
            base: base.trim_end_matches('/').to_string(),
            token,
            http,
        }
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    fn send(&self, method: &str, path: &str, body: Option<&Value>) -> Result<(u16, Value), Answer> {
        let url = format!("{}{path}", self.base);
        let auth = format!("Bearer {}", self.token);
        let res = match (method, body) {
            ("POST", Some(b)) => self
                .http
                .post(&url)
                .header("Authorization", &auth)
                .header("Content-Type", "application/json")
                .send(b.to_string().as_bytes()),
            _ => self.http.get(&url).header("Authorization", &auth).call(),
        };
        let mut res = res.map_err(|e| Answer::Unreachable(format!("{method} {url}: {e}")))?;
        let status = res.status().as_u16();
        let text = res
            .body_mut()
            .with_config()
            .limit(1024 * 1024)
            .read_to_string()
            .map_err(|e| Answer::Unreachable(format!("{method} {url}: reading the answer: {e}")))?;
        let value = serde_json::from_str(&text).map_err(|_| {
            Answer::Broken(format!(
                "{method} {url}: HTTP {status} with a body that is not JSON: {}",
                super::message::excerpt(&text, 200)
            ))
        })?;
        Ok((status, value))
    }

    /// `POST /v1/actions`.
    pub fn propose(&self, body: &Value) -> Answer {
        match self.send("POST", "/v1/actions", Some(body)) {
            Ok((status, v)) => read_answer(status, &v),
            Err(a) => a,
        }
    }

    /// `GET /v1/actions/{id}?wait=`.
    pub fn wait(&self, id: &str, wait: Duration) -> Answer {
        let path = format!("/v1/actions/{id}?wait={}ms", wait.as_millis());
        match self.send("GET", &path, None) {
            Ok((status, v)) => read_answer(status, &v),
            Err(a) => a,
        }
    }

    /// `POST /v1/actions/{id}/outcome`; the sealed `ai.action`'s id.
    pub fn outcome(&self, id: &str, body: &Value) -> Result<String, String> {
        match self.send("POST", &format!("/v1/actions/{id}/outcome"), Some(body)) {
            Ok((200, v)) => Ok(str_of(&v, "id")),
            Ok((status, v)) => Err(format!("HTTP {status}: {}", describe(&v))),
            Err(a) => Err(failure_text(&a)),
        }
    }

    /// `POST /v1/events` with one event; its id when sealed.
    pub fn event(&self, event: &Value) -> Result<String, String> {
        match self.send("POST", "/v1/events", Some(&json!([event]))) {
            Ok((200, v)) if v["sealed"] == 1 || v["duplicates"] == 1 => {
                Ok(str_of(event, "event_id"))
            }
            Ok((200, v)) => Err(format!("the event was rejected: {}", v["rejected"])),
            Ok((status, v)) => Err(format!("HTTP {status}: {}", describe(&v))),
            Err(a) => Err(failure_text(&a)),
        }
    }
}

pub fn failure_text(a: &Answer) -> String {
    match a {
        Answer::Broken(m) => format!("the gate's answer was not understood: {m}"),
        Answer::Unreachable(m) => format!("the gate is unreachable: {m}"),
        other => format!("{other:?}"),
    }
}

fn str_of(v: &Value, key: &str) -> String {
    v[key].as_str().unwrap_or_default().to_string()
}

fn opt_str(v: &Value, key: &str) -> Option<String> {
    v[key].as_str().map(str::to_string)
}

fn describe(v: &Value) -> String {
    match (v["error"].as_str(), v["message"].as_str()) {
        (Some(c), Some(m)) => format!("{c}: {m}"),
        _ => super::message::excerpt(&v.to_string(), 200),
    }
}

/// The gate's answer from its status and body (see `serve::status::answer`).
fn read_answer(status: u16, v: &Value) -> Answer {
    let id = str_of(v, "id");
    match (status, v["decision"].as_str()) {
        (200, Some("allow")) => match v["grant"].as_str() {
            Some(g) => Answer::Allow {
                id,
                grant: g.to_string(),
            },
            None => Answer::Broken(format!("an allow without a grant: {v}")),
        },
        (202, Some("ask")) => Answer::Ask {
            id,
            needs: v["needs"].as_u64().unwrap_or(1),
            approvals: v["approvals"].as_u64().unwrap_or(0),
        },
        (403, Some("deny")) => Answer::Deny {
            id,
            message: opt_str(v, "message")
                .unwrap_or_else(|| format!("denied ({})", v["state"].as_str().unwrap_or("denied"))),
            event: opt_str(v, "decision_id"),
        },
        (400..=499, _) if v["error"].is_string() => Answer::Refused {
            code: str_of(v, "error"),
            message: str_of(v, "message"),
            event: opt_str(v, "event_id").or_else(|| opt_str(v, "decision_id")),
        },
        (423, Some("deny")) => Answer::Refused {
            code: "paused".into(),
            message: opt_str(v, "message").unwrap_or_else(|| "the agent is paused".into()),
            event: opt_str(v, "decision_id"),
        },
        _ => Answer::Broken(format!("HTTP {status}: {}", describe(v))),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_gates_answers_are_read_by_status_and_body() {
        let allow = json!({"id":"p","decision":"allow","grant":"g"});
        assert_eq!(
            read_answer(200, &allow),
            Answer::Allow {
                id: "p".into(),
                grant: "g".into()
            }
        );
        let ask = json!({"id":"p","decision":"ask","needs":2,"approvals":1});
        assert!(matches!(
            read_answer(202, &ask),
            Answer::Ask { needs: 2, .. }
        ));
        let deny = json!({"id":"p","decision":"deny","message":"no","decision_id":"d"});
        assert_eq!(
            read_answer(403, &deny),
            Answer::Deny {
                id: "p".into(),
                message: "no".into(),
                event: Some("d".into())
            }
        );
        let paused = json!({"error":"paused","message":"a is paused","event_id":"e"});
        assert!(
            matches!(read_answer(423, &paused), Answer::Refused { ref code, .. } if code == "paused")
        );
        let revoked = json!({"error":"token_revoked","message":"gone","event_id":"e"});
        assert!(matches!(read_answer(401, &revoked), Answer::Refused { .. }));
        assert!(read_answer(500, &json!({"error":"internal"})).is_failure());
        assert!(read_answer(200, &json!({"decision":"allow"})).is_failure());
    }
}
