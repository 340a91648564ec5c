//! Executor configuration: the `[[executors]]` tables of the config file, checked at load
//! so a bad executor is a startup error and never a failure in the middle of an incident.
//! Each entry says which action (`pause`, `resume`, `revoke_token`, `rollback`, `notify`)
//! it performs for which agents (a glob such as `data-*`) and how: `builtin` (custody
//! records the control state; the gateway enforces it), `command` (an argv array, never a
//! shell string), `http`, or `dry-run` (exercises). It may add a `verify` check and an
//! `undo`, both shaped like an executor, a `timeout_s` and its `reversibility`.
//!
//! This module decides and describes; it never runs anything. Placeholders (`{agent}`,
//! `{action_id}`, …) are substituted by pure functions in `template`.

mod diagnose;
mod http_check;
mod template;
mod validate;

pub use template::{
    display_argv, render_argv, render_http, MissingEnv, Placeholder, RenderedRequest, Vars,
};

use crate::event::ReversibilityClass;
use crate::playbook::StepKind;
use serde::Deserialize;
use std::collections::BTreeSet;
use std::fmt;

/// Default and ceiling for `timeout_s`.
pub const DEFAULT_TIMEOUT_S: u64 = 30;
pub const MAX_TIMEOUT_S: u64 = 600;

/// What an executor does to an agent or its effects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Stop the agent acting; its queued actions are held.
    Pause,
    /// Let a paused agent act again.
    Resume,
    /// Revoke a credential (the agent's own or an exposed one).
    RevokeToken,
    /// Undo one of the agent's actions.
    Rollback,
    /// Tell people: page, post, send.
    Notify,
}

impl Action {
    pub const ALL: [Action; 5] = [
        Action::Pause,
        Action::Resume,
        Action::RevokeToken,
        Action::Rollback,
        Action::Notify,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Action::Pause => "pause",
            Action::Resume => "resume",
            Action::RevokeToken => "revoke_token",
            Action::Rollback => "rollback",
            Action::Notify => "notify",
        }
    }

    /// The action a playbook step runs; manual and checkpoint steps run no executor.
    pub fn for_step(kind: StepKind) -> Option<Action> {
        match kind {
            StepKind::Pause => Some(Action::Pause),
            StepKind::Resume => Some(Action::Resume),
            StepKind::RevokeToken => Some(Action::RevokeToken),
            StepKind::Rollback => Some(Action::Rollback),
            StepKind::Notify => Some(Action::Notify),
            StepKind::Manual | StepKind::Checkpoint => None,
        }
    }

    /// How far the action can be undone when the entry does not say: a pause is lifted
    /// by a resume; a revoked token stays revoked (a new one must be issued); a rollback
    /// may not restore everything; a notification cannot be unsent.
    pub fn default_reversibility(self) -> ReversibilityClass {
        match self {
            Action::Pause | Action::Resume => ReversibilityClass::Full,
            Action::Rollback => ReversibilityClass::Partial,
            Action::RevokeToken | Action::Notify => ReversibilityClass::None,
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One configured executor.
#[derive(Debug, Clone, PartialEq)]
pub struct Executor {
    /// Position among the `[[executors]]` tables (0-based), for messages.
    pub index: usize,
    pub line: Option<usize>,
    pub action: Action,
    /// Glob over agent ids: `*` any run of characters, `?` one character.
    pub agents: String,
    pub run: Invocation,
    /// Checks that the action took effect; runs after `run` succeeds.
    pub verify: Option<Invocation>,
    /// Reverses the action, offered after it ran.
    pub undo: Option<Invocation>,
    pub reversibility: ReversibilityClass,
}

/// How to run something, with its own timeout: the executor itself, its verify or undo.
#[derive(Debug, Clone, PartialEq)]
pub struct Invocation {
    pub run: Run,
    pub timeout_s: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Run {
    /// Custody records the control state (`control.*`); the gateway enforces it.
    Builtin,
    /// Records what would happen and runs nothing (game days).
    DryRun,
    /// A program and its arguments, placeholders substituted inside whole arguments.
    Command {
        argv: Vec<String>,
    },
    Http(HttpRequest),
}

#[derive(Debug, Clone, PartialEq)]
pub struct HttpRequest {
    /// Upper case: `GET`, `POST`, `PUT`, `PATCH`, `DELETE` or `HEAD`.
    pub method: String,
    pub url: String,
    /// In file order; values may hold `{env:NAME}` references resolved just before sending.
    pub headers: Vec<(String, String)>,
    pub body: Option<Body>,
    /// Statuses that count as success; empty means any 2xx.
    pub expect_status: Vec<u16>,
    /// Sent as `Idempotency-Key`, so a retried request is not applied twice.
    pub idempotency_key: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Body {
    /// Sent as written, placeholders substituted verbatim.
    Text(String),
    /// A TOML table sent as JSON; placeholders are substituted inside its string values,
    /// so a value holding quotes cannot break the document.
    Json(serde_json::Value),
}

/// An executor entry that cannot be used, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecConfigError {
    /// Position among the `[[executors]]` tables (0-based), when the error is inside one.
    pub entry: Option<usize>,
    /// `pause for "data-*"`, when the entry got far enough to say.
    pub executor: Option<String>,
    pub line: Option<usize>,
    /// The key inside the entry, e.g. `argv[2]`, `verify.url`, `headers.X-Vault-Token`.
    pub field: String,
    pub message: String,
}

impl fmt::Display for ExecConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(line) = self.line {
            write!(f, "line {line}: ")?;
        }
        match (self.entry, &self.executor) {
            (Some(i), Some(what)) => write!(f, "executors[{i}] ({what}): ")?,
            (Some(i), None) => write!(f, "executors[{i}]: ")?,
            _ => f.write_str("executors: ")?,
        }
        if !self.field.is_empty() {
            write!(f, "{}: ", self.field)?;
        }
        f.write_str(&self.message)
    }
}

impl std::error::Error for ExecConfigError {}

/// Every configured executor, in file order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Executors {
    pub entries: Vec<Executor>,
}

impl Executors {
    /// Reads the `[[executors]]` tables of a whole config document (other keys are left
    /// to the config loader). Structural errors stop at the first; the checks after that
    /// report every problem.
    pub fn parse(text: &str) -> Result<Executors, Vec<ExecConfigError>> {
        validate::parse(text)
    }

    /// The executor for `action` on `agent_id`: an exact agent name beats any pattern,
    /// then the pattern with the most literal characters, then the fewest `*`, then the
    /// earlier entry. `None` means no entry matches: the caller uses `builtin`.
    pub fn executor_for(&self, action: Action, agent_id: &str) -> Option<&Executor> {
        self.entries
            .iter()
            .filter(|e| e.action == action && glob_match(&e.agents, agent_id))
            .min_by_key(|e| (pattern_rank(&e.agents), e.index))
    }
}

impl Executor {
    /// `pause for "data-*"`: how messages name an entry.
    pub fn describe(&self) -> String {
        format!("{} for {:?}", self.action, self.agents)
    }

    /// Placeholders used by the executor, its verify and its undo.
    pub fn placeholders(&self) -> BTreeSet<Placeholder> {
        let mut all = self.run.placeholders();
        for extra in [&self.verify, &self.undo].into_iter().flatten() {
            all.extend(extra.placeholders());
        }
        all
    }

    /// Placeholders this executor uses that `vars` leaves empty: the console refuses to
    /// offer the action rather than run `kubectl scale deploy/ …`.
    pub fn missing_vars(&self, vars: &Vars) -> Vec<Placeholder> {
        self.placeholders()
            .into_iter()
            .filter(|p| vars.get(*p).is_none_or(str::is_empty))
            .collect()
    }
}

impl Invocation {
    pub fn placeholders(&self) -> BTreeSet<Placeholder> {
        let texts: Vec<&str> = match &self.run {
            Run::Builtin | Run::DryRun => vec![],
            Run::Command { argv } => argv.iter().map(String::as_str).collect(),
            Run::Http(h) => {
                let mut t = vec![h.url.as_str()];
                t.extend(h.headers.iter().map(|(_, v)| v.as_str()));
                t.extend(h.idempotency_key.as_deref());
                if let Some(Body::Text(b)) = &h.body {
                    t.push(b);
                }
                let mut found = template::placeholders_in(&t);
                if let Some(Body::Json(v)) = &h.body {
                    found.extend(template::placeholders_in_json(v));
                }
                return found;
            }
        };
        template::placeholders_in(&texts)
    }
}

/// `*` matches any run of characters (including none), `?` exactly one.
pub fn glob_match(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    let (mut pi, mut ti) = (0, 0);
    let mut backtrack: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            backtrack = Some((pi, ti));
            pi += 1;
        } else if let Some((star, from)) = backtrack {
            pi = star + 1;
            ti = from + 1;
            backtrack = Some((star, from + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

/// Smaller is more specific: (has a wildcard, fewer literal characters, more `*`).
fn pattern_rank(pattern: &str) -> (bool, std::cmp::Reverse<usize>, usize) {
    let stars = pattern.matches('*').count();
    let wild = stars + pattern.matches('?').count();
    let literal = pattern.chars().count() - wild;
    (wild > 0, std::cmp::Reverse(literal), stars)
}

#[cfg(test)]
mod load_tests;
#[cfg(test)]
mod render_tests;
