//! Placeholders and their substitution. A placeholder is `{name}` where name is a letter
//! or `_` followed by letters, digits and `_`; any other brace is text, so JSON and
//! kubectl's `{.status.replicas}` pass through. `{env:NAME}` names an environment variable
//! and is left in place by rendering (so secrets never reach the ledger or the confirm
//! dialog); the runner calls `resolve_env` just before sending.
//!
//! Substitution is pure and keeps structure: an argv element stays one argument whatever
//! the value holds (spaces, quotes, `;`), URL values are percent-encoded, header values
//! cannot add lines, JSON bodies are substituted inside string values.

use super::{Body, HttpRequest};
use std::collections::BTreeSet;
use std::fmt;

/// A value custody fills in when it runs an executor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Placeholder {
    /// `{agent}`: the agent's id.
    Agent,
    /// `{action_id}`: the `event_id` of the action being acted on (rollback), or of the
    /// intent event (others): unique per request, good for idempotency keys.
    ActionId,
    /// `{resource}`: the `action.resource` of the event acted on.
    Resource,
    /// `{token_ref}`: a reference to the credential (accessor, key id, lease id), never its value.
    TokenRef,
    /// `{rollback_ref}`: the event's `reversibility.rollback.ref`.
    RollbackRef,
    /// `{incident}`: the incident id, when the action is part of one.
    Incident,
    /// `{operator}`: who is at the keyboard.
    Operator,
    /// `{reason}`: the operator's justification (free text).
    Reason,
}

impl Placeholder {
    pub const ALL: [Placeholder; 8] = [
        Placeholder::Agent,
        Placeholder::ActionId,
        Placeholder::Resource,
        Placeholder::TokenRef,
        Placeholder::RollbackRef,
        Placeholder::Incident,
        Placeholder::Operator,
        Placeholder::Reason,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Placeholder::Agent => "agent",
            Placeholder::ActionId => "action_id",
            Placeholder::Resource => "resource",
            Placeholder::TokenRef => "token_ref",
            Placeholder::RollbackRef => "rollback_ref",
            Placeholder::Incident => "incident",
            Placeholder::Operator => "operator",
            Placeholder::Reason => "reason",
        }
    }

    pub fn from_name(name: &str) -> Option<Placeholder> {
        Placeholder::ALL.into_iter().find(|p| p.name() == name)
    }
}

impl fmt::Display for Placeholder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{{{}}}", self.name())
    }
}

/// The values for one run. An absent value renders as empty; check
/// `Executor::missing_vars` before offering the action.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Vars {
    pub agent: Option<String>,
    pub action_id: Option<String>,
    pub resource: Option<String>,
    pub token_ref: Option<String>,
    pub rollback_ref: Option<String>,
    pub incident: Option<String>,
    pub operator: Option<String>,
    pub reason: Option<String>,
}

impl Vars {
    pub fn get(&self, p: Placeholder) -> Option<&str> {
        match p {
            Placeholder::Agent => self.agent.as_deref(),
            Placeholder::ActionId => self.action_id.as_deref(),
            Placeholder::Resource => self.resource.as_deref(),
            Placeholder::TokenRef => self.token_ref.as_deref(),
            Placeholder::RollbackRef => self.rollback_ref.as_deref(),
            Placeholder::Incident => self.incident.as_deref(),
            Placeholder::Operator => self.operator.as_deref(),
            Placeholder::Reason => self.reason.as_deref(),
        }
    }
}

/// A piece of a template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Piece<'a> {
    Text(&'a str),
    Var(Placeholder),
    /// `{env:NAME}`, holding NAME.
    Env(&'a str),
    /// A `{name}` that is no placeholder, holding the text between the braces.
    Unknown(&'a str),
}

/// Splits a template into text and `{…}` tokens.
pub(super) fn pieces(s: &str) -> Vec<(Piece<'_>, &str)> {
    let mut out = Vec::new();
    let mut rest = s;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        let token = after.find('}').map(|close| &after[..close]);
        match token.filter(|t| is_token(t)) {
            Some(name) => {
                if open > 0 {
                    out.push((Piece::Text(&rest[..open]), &rest[..open]));
                }
                let whole = &rest[open..open + name.len() + 2];
                out.push((classify(name), whole));
                rest = &rest[open + name.len() + 2..];
            }
            None => {
                out.push((Piece::Text(&rest[..=open]), &rest[..=open]));
                rest = after;
            }
        }
    }
    if !rest.is_empty() {
        out.push((Piece::Text(rest), rest));
    }
    out
}

fn is_ident(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// `name` or `prefix:rest`, where the part before any colon is an identifier.
fn is_token(t: &str) -> bool {
    match t.split_once(':') {
        Some((prefix, rest)) => {
            is_ident(prefix) && rest.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        }
        None => is_ident(t),
    }
}

fn classify(name: &str) -> Piece<'_> {
    match name.split_once(':') {
        Some(("env", var)) if is_ident(var) => Piece::Env(var),
        Some(_) => Piece::Unknown(name),
        None => Placeholder::from_name(name).map_or(Piece::Unknown(name), Piece::Var),
    }
}

pub(super) fn placeholders_in(texts: &[&str]) -> BTreeSet<Placeholder> {
    texts
        .iter()
        .flat_map(|t| pieces(t))
        .filter_map(|(p, _)| match p {
            Piece::Var(v) => Some(v),
            _ => None,
        })
        .collect()
}

pub(super) fn placeholders_in_json(v: &serde_json::Value) -> BTreeSet<Placeholder> {
    let mut strings = Vec::new();
    json_strings(v, &mut strings);
    placeholders_in(&strings)
}

pub(super) fn json_strings<'a>(v: &'a serde_json::Value, out: &mut Vec<&'a str>) {
    match v {
        serde_json::Value::String(s) => out.push(s),
        serde_json::Value::Array(a) => a.iter().for_each(|x| json_strings(x, out)),
        serde_json::Value::Object(o) => o.values().for_each(|x| json_strings(x, out)),
        _ => {}
    }
}

/// Substitutes placeholders, passing each value through `encode`; env references and
/// anything unknown stay as written.
fn render(template: &str, vars: &Vars, encode: &dyn Fn(&str) -> String) -> String {
    pieces(template)
        .into_iter()
        .map(|(piece, whole)| match piece {
            Piece::Text(t) => t.to_string(),
            Piece::Var(p) => encode(vars.get(p).unwrap_or_default()),
            Piece::Env(_) | Piece::Unknown(_) => whole.to_string(),
        })
        .collect()
}

/// One output argument per input argument, never joined: a value holding spaces,
/// quotes or `;` stays inside its argument.
pub fn render_argv(argv: &[String], vars: &Vars) -> Vec<String> {
    argv.iter()
        .map(|a| render(a, vars, &|v| v.to_string()))
        .collect()
}

/// A request ready to show in the confirm dialog and to record in the intent event.
/// `{env:NAME}` references are still in place: see `resolve_env`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedRequest {
    pub method: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<String>,
    pub body_is_json: bool,
    pub expect_status: Vec<u16>,
}

/// An `{env:NAME}` reference whose variable is not set.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("environment variable {0} is not set (referenced as {{env:{0}}})")]
pub struct MissingEnv(pub String);

pub fn render_http(req: &HttpRequest, vars: &Vars) -> RenderedRequest {
    let plain = |v: &str| v.to_string();
    let mut headers: Vec<(String, String)> = req
        .headers
        .iter()
        .map(|(k, v)| (k.clone(), render(v, vars, &|x| one_line(x))))
        .collect();
    let has =
        |h: &[(String, String)], name: &str| h.iter().any(|(k, _)| k.eq_ignore_ascii_case(name));
    if let Some(key) = &req.idempotency_key {
        if !has(&headers, "Idempotency-Key") {
            headers.push((
                "Idempotency-Key".into(),
                render(key, vars, &|x| one_line(x)),
            ));
        }
    }
    let (body, body_is_json) = match &req.body {
        None => (None, false),
        Some(Body::Text(t)) => (Some(render(t, vars, &plain)), false),
        Some(Body::Json(v)) => (Some(render_json(v, vars).to_string()), true),
    };
    if body_is_json && !has(&headers, "Content-Type") {
        headers.push(("Content-Type".into(), "application/json".into()));
    }
    RenderedRequest {
        method: req.method.clone(),
        url: render(&req.url, vars, &|v| percent_encode(v)),
        headers,
        body,
        body_is_json,
        expect_status: req.expect_status.clone(),
    }
}

fn render_json(v: &serde_json::Value, vars: &Vars) -> serde_json::Value {
    use serde_json::Value;
    match v {
        Value::String(s) => Value::String(render(s, vars, &|x| x.to_string())),
        Value::Array(a) => Value::Array(a.iter().map(|x| render_json(x, vars)).collect()),
        Value::Object(o) => Value::Object(
            o.iter()
                .map(|(k, x)| (k.clone(), render_json(x, vars)))
                .collect(),
        ),
        other => other.clone(),
    }
}

impl RenderedRequest {
    /// Fills `{env:NAME}` references in headers and body from `lookup` (the process
    /// environment in the runner). Keep the unresolved request for the ledger.
    pub fn resolve_env(
        &self,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<RenderedRequest, MissingEnv> {
        let fill = |text: &str, encode: &dyn Fn(&str) -> String| -> Result<String, MissingEnv> {
            let mut out = String::with_capacity(text.len());
            for (piece, whole) in pieces(text) {
                match piece {
                    Piece::Env(name) => {
                        let value = lookup(name).ok_or_else(|| MissingEnv(name.into()))?;
                        out.push_str(&encode(&value));
                    }
                    _ => out.push_str(whole),
                }
            }
            Ok(out)
        };
        let mut resolved = self.clone();
        for (_, v) in &mut resolved.headers {
            *v = fill(v, &|x| one_line(x))?;
        }
        if let Some(b) = &self.body {
            resolved.body = Some(if self.body_is_json {
                fill(b, &json_escape)?
            } else {
                fill(b, &|x| x.to_string())?
            });
        }
        Ok(resolved)
    }
}

/// The request as an operator reads it: request line, headers, blank line, body.
impl fmt::Display for RenderedRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.method, self.url)?;
        for (k, v) in &self.headers {
            write!(f, "\n{k}: {v}")?;
        }
        if let Some(b) = &self.body {
            write!(f, "\n\n{b}")?;
        }
        Ok(())
    }
}

/// An argv as an operator reads it, each argument quoted when a shell would split it.
/// For display only: commands are never run through a shell.
pub fn display_argv(argv: &[String]) -> String {
    let quote = |a: &String| {
        let plain = !a.is_empty()
            && a.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_./=:,@%+".contains(c));
        if plain {
            a.clone()
        } else {
            format!("'{}'", a.replace('\'', r"'\''"))
        }
    };
    argv.iter().map(quote).collect::<Vec<_>>().join(" ")
}

/// RFC 3986 unreserved characters pass; everything else is `%XX`, so a value cannot add
/// a path segment, a query or a fragment.
fn percent_encode(v: &str) -> String {
    v.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Header values cannot hold line breaks or other control characters.
fn one_line(v: &str) -> String {
    v.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// The inside of a JSON string literal for `v`.
fn json_escape(v: &str) -> String {
    let quoted = serde_json::Value::String(v.to_string()).to_string();
    quoted[1..quoted.len() - 1].to_string()
}
