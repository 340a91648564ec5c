//! From TOML to checked `Executor`s. Serde catches unknown keys, unknown actions and wrong
//! types (first error only, with its line); the checks here catch what serde cannot: the
//! fields each `type` needs or forbids, argv given as a shell string, unknown
//! placeholders, out-of-range timeouts and statuses, and duplicate entries.

use super::diagnose::{line_of, structural_error, suggestion};
use super::template::{pieces, Piece};
use super::{Action, ExecConfigError, Executor, Executors, Invocation, Run};
use super::{DEFAULT_TIMEOUT_S, MAX_TIMEOUT_S};
use crate::event::ReversibilityClass;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::ops::Range;
use toml::Spanned;

/// The config document, reading only `executors`: the config loader owns the other keys.
#[derive(Deserialize)]
struct Doc {
    #[serde(default)]
    executors: Vec<Spanned<RawExecutor>>,
}

/// An `[[executors]]` table: the invocation's keys plus the executor's own. Spelled out
/// rather than `#[serde(flatten)]`, which would lose both `deny_unknown_fields` and spans.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawExecutor {
    action: Action,
    agents: Option<String>,
    verify: Option<Spanned<RawInvocation>>,
    undo: Option<Spanned<RawInvocation>>,
    reversibility: Option<ReversibilityClass>,
    #[serde(rename = "type")]
    kind: RunType,
    argv: Option<Spanned<toml::Value>>,
    method: Option<Spanned<String>>,
    url: Option<Spanned<String>>,
    headers: Option<Spanned<BTreeMap<String, Spanned<String>>>>,
    body: Option<Spanned<toml::Value>>,
    expect_status: Option<Spanned<Vec<i64>>>,
    idempotency_key: Option<Spanned<String>>,
    timeout_s: Option<Spanned<i64>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
pub(super) enum RunType {
    Builtin,
    Command,
    Http,
    DryRun,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawInvocation {
    #[serde(rename = "type")]
    pub(super) kind: RunType,
    pub(super) argv: Option<Spanned<toml::Value>>,
    pub(super) method: Option<Spanned<String>>,
    pub(super) url: Option<Spanned<String>>,
    pub(super) headers: Option<Spanned<BTreeMap<String, Spanned<String>>>>,
    pub(super) body: Option<Spanned<toml::Value>>,
    pub(super) expect_status: Option<Spanned<Vec<i64>>>,
    pub(super) idempotency_key: Option<Spanned<String>>,
    pub(super) timeout_s: Option<Spanned<i64>>,
}

const SHELL_METACHARACTERS: &[char] = &['|', ';', '&', '$', '>', '<', '`', '(', ')', '\n'];
const SHELLS: &[&str] = &["sh", "bash", "zsh", "dash", "ksh", "fish", "ash", "busybox"];

pub(super) fn parse(text: &str) -> Result<Executors, Vec<ExecConfigError>> {
    let doc: Doc = serde_path_to_error::deserialize(toml::Deserializer::new(text))
        .map_err(|e| vec![structural_error(text, &e)])?;
    let mut errors = Vec::new();
    let mut entries: Vec<Executor> = Vec::new();
    for (index, spanned) in doc.executors.into_iter().enumerate() {
        let line = line_of(text, spanned.span().start);
        let raw = spanned.into_inner();
        let agents = raw.agents.unwrap_or_else(|| "*".into());
        let mut check = Check {
            text,
            index,
            line,
            executor: format!("{} for {agents:?}", raw.action),
            errors: Vec::new(),
        };
        if agents.trim().is_empty() {
            check.fail(
                None,
                "agents",
                "agents is empty: use \"*\" for every agent".into(),
            );
        }
        if let Some(first) = entries
            .iter()
            .find(|e| e.action == raw.action && e.agents == agents)
        {
            let message = format!(
                "repeats executors[{}]: the same action for the same agents",
                first.index
            );
            check.fail(None, "agents", message);
        }
        let how = RawInvocation {
            kind: raw.kind,
            argv: raw.argv,
            method: raw.method,
            url: raw.url,
            headers: raw.headers,
            body: raw.body,
            expect_status: raw.expect_status,
            idempotency_key: raw.idempotency_key,
            timeout_s: raw.timeout_s,
        };
        let run = check.invocation(how, "");
        let verify = raw
            .verify
            .map(|v| check.invocation(v.into_inner(), "verify."));
        let undo = raw.undo.map(|u| check.invocation(u.into_inner(), "undo."));
        if let (true, Some(run)) = (check.errors.is_empty(), run) {
            entries.push(Executor {
                index,
                line: Some(line),
                action: raw.action,
                agents,
                run,
                verify: verify.flatten(),
                undo: undo.flatten(),
                reversibility: raw
                    .reversibility
                    .unwrap_or_else(|| raw.action.default_reversibility()),
            });
        }
        errors.extend(check.errors);
    }
    if errors.is_empty() {
        Ok(Executors { entries })
    } else {
        Err(errors)
    }
}

/// Collects the problems of one entry.
pub(super) struct Check<'a> {
    text: &'a str,
    index: usize,
    /// The entry's own line, for problems that have no value to point at.
    line: usize,
    executor: String,
    errors: Vec<ExecConfigError>,
}

impl Check<'_> {
    pub(super) fn fail(&mut self, span: Option<Range<usize>>, field: &str, message: String) {
        self.errors.push(ExecConfigError {
            entry: Some(self.index),
            executor: Some(self.executor.clone()),
            line: Some(span.map_or(self.line, |s| line_of(self.text, s.start))),
            field: field.into(),
            message,
        });
    }

    /// One invocation (the executor itself, its verify or its undo); `prefix` names
    /// where it sits (`""`, `"verify."`, `"undo."`).
    fn invocation(&mut self, raw: RawInvocation, prefix: &str) -> Option<Invocation> {
        let before = self.errors.len();
        let kind = match raw.kind {
            RunType::Builtin => "builtin",
            RunType::DryRun => "dry-run",
            RunType::Command => "command",
            RunType::Http => "http",
        };
        let is_http = matches!(raw.kind, RunType::Http);
        let is_command = matches!(raw.kind, RunType::Command);
        let http_fields = [
            ("method", raw.method.as_ref().map(Spanned::span)),
            ("url", raw.url.as_ref().map(Spanned::span)),
            ("headers", raw.headers.as_ref().map(Spanned::span)),
            ("body", raw.body.as_ref().map(Spanned::span)),
            (
                "expect_status",
                raw.expect_status.as_ref().map(Spanned::span),
            ),
            (
                "idempotency_key",
                raw.idempotency_key.as_ref().map(Spanned::span),
            ),
        ];
        for (name, span) in http_fields {
            if let (false, Some(span)) = (is_http, span) {
                let message = format!("{name} is only for type = \"http\", not \"{kind}\"");
                self.fail(Some(span), &format!("{prefix}{name}"), message);
            }
        }
        if let (false, Some(argv)) = (is_command, &raw.argv) {
            let message = format!("argv is only for type = \"command\", not \"{kind}\"");
            self.fail(Some(argv.span()), &format!("{prefix}argv"), message);
        }
        let timeout_s = match &raw.timeout_s {
            None => DEFAULT_TIMEOUT_S,
            Some(t) => match u64::try_from(*t.get_ref()) {
                Ok(s) if (1..=MAX_TIMEOUT_S).contains(&s) => s,
                _ => {
                    let message = format!(
                        "timeout_s must be 1 to {MAX_TIMEOUT_S} seconds, not {}",
                        t.get_ref()
                    );
                    self.fail(Some(t.span()), &format!("{prefix}timeout_s"), message);
                    DEFAULT_TIMEOUT_S
                }
            },
        };
        let run = match raw.kind {
            RunType::Builtin => Run::Builtin,
            RunType::DryRun => Run::DryRun,
            RunType::Command => Run::Command {
                argv: self.argv(raw.argv, prefix),
            },
            RunType::Http => Run::Http(self.http(raw, prefix)),
        };
        (self.errors.len() == before).then_some(Invocation { run, timeout_s })
    }

    fn argv(&mut self, argv: Option<Spanned<toml::Value>>, prefix: &str) -> Vec<String> {
        let field = format!("{prefix}argv");
        let Some(argv) = argv else {
            let message = "a command executor needs argv = [\"program\", \"arg\", …]".into();
            self.fail(None, &field, message);
            return vec![];
        };
        let span = argv.span();
        let items = match argv.into_inner() {
            toml::Value::String(s) => {
                let split: Vec<String> = s.split_whitespace().map(|w| format!("{w:?}")).collect();
                let message = format!(
                    "argv given as one shell string: use an array, e.g. argv = [{}]",
                    split.join(", ")
                );
                self.fail(Some(span), &field, message);
                return vec![];
            }
            toml::Value::Array(items) => items,
            other => {
                let message = format!(
                    "argv must be an array of strings, not a {}",
                    other.type_str()
                );
                self.fail(Some(span), &field, message);
                return vec![];
            }
        };
        let mut out = Vec::with_capacity(items.len());
        for (i, item) in items.into_iter().enumerate() {
            match item {
                toml::Value::String(s) => out.push(s),
                other => {
                    let message = format!("must be a string, not a {}", other.type_str());
                    self.fail(Some(span.clone()), &format!("{field}[{i}]"), message);
                }
            }
        }
        let program = out.first().cloned().unwrap_or_default();
        if out.is_empty() {
            self.fail(
                Some(span.clone()),
                &field,
                "argv is empty: name the program first".into(),
            );
        } else if program.trim().is_empty()
            || program.contains(char::is_whitespace)
            || program.contains(SHELL_METACHARACTERS)
        {
            let message =
                "argv given as one shell string: use an array, one argument per element".into();
            self.fail(Some(span.clone()), &format!("{field}[0]"), message);
        } else if program.contains('{') {
            let message = "the program must be fixed, not a placeholder".into();
            self.fail(Some(span.clone()), &format!("{field}[0]"), message);
        }
        let shell = SHELLS.contains(&program.rsplit('/').next().unwrap_or_default());
        for (i, arg) in out.iter().enumerate() {
            let script = shell && i > 0 && out[i - 1] == "-c";
            if script && has_placeholder(arg) {
                let message = "a placeholder inside a shell script is read by the shell: call the program directly, or pass the value as a positional parameter (\"$1\")".into();
                self.fail(Some(span.clone()), &format!("{field}[{i}]"), message);
            }
            self.placeholders(arg, span.clone(), &format!("{field}[{i}]"), false);
        }
        out
    }

    /// Rejects unknown placeholders, and `{env:…}` where secrets must not go.
    pub(super) fn placeholders(
        &mut self,
        text: &str,
        span: Range<usize>,
        field: &str,
        env_ok: bool,
    ) {
        for (piece, whole) in pieces(text) {
            let message = match piece {
                Piece::Unknown(name) => format!("unknown placeholder {whole}{}", suggestion(name)),
                Piece::Env(_) if !env_ok => format!(
                    "{whole}: environment references are allowed only in http headers and body, where they stay out of logs and process lists"
                ),
                _ => continue,
            };
            self.fail(Some(span.clone()), field, message);
        }
    }
}

fn has_placeholder(text: &str) -> bool {
    pieces(text)
        .iter()
        .any(|(p, _)| !matches!(p, Piece::Text(_)))
}
