//! What the response commands (`pause`, `rollback`, `incident …`) share at the command-line
//! edge: how a refusal becomes one `custody: refused: …` line and exit 2, the checks made
//! before anything is read or written (user playbooks that load, a store file that still
//! exists), the confirmation prompt, and small formatting of untrusted text and spans.
//! It decides nothing about incidents or actions itself: `crate::respond` does.

use super::Env;
use crate::playbook::PlaybookSet;
use crate::respond::Refused;
use crate::store::{SealContext, Store, StoreError};
use chrono::TimeDelta;
use std::borrow::Cow;
use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;

/// Why a response command stopped before it finished.
#[derive(Debug)]
pub enum Stop {
    /// Refused before anything ran or was sealed: exit 2 with `custody: refused: …`.
    Refused(String),
    /// It could not go on (an unreadable store, a result that could not be sealed): exit 2.
    Error(String),
}

impl From<Refused> for Stop {
    fn from(r: Refused) -> Self {
        match r {
            Refused::ResultNotSealed(_)
            | Refused::ExecutorLost(_)
            | Refused::CredentialsNotRevoked { .. } => Stop::Error(r.to_string()),
            r => Stop::Refused(r.to_string()),
        }
    }
}

impl From<crate::playbook::Refusal> for Stop {
    fn from(r: crate::playbook::Refusal) -> Self {
        Stop::Refused(r.to_string())
    }
}

impl From<anyhow::Error> for Stop {
    fn from(e: anyhow::Error) -> Self {
        Stop::Error(format!("{e:#}"))
    }
}

impl From<StoreError> for Stop {
    fn from(e: StoreError) -> Self {
        Stop::Error(e.to_string())
    }
}

pub fn refuse<T>(why: impl Into<String>) -> Result<T, Stop> {
    Err(Stop::Refused(why.into()))
}

/// The exit code for a command's outcome, printing the one-line reason when it stopped.
pub fn exit(outcome: Result<ExitCode, Stop>) -> ExitCode {
    match outcome {
        Ok(code) => code,
        Err(Stop::Refused(why)) => {
            eprintln!("custody: refused: {}", untrusted(&why));
            ExitCode::from(2)
        }
        Err(Stop::Error(why)) => {
            eprintln!("custody: {}", untrusted(&why));
            ExitCode::from(2)
        }
    }
}

/// Untrusted text (anything from an event or typed by someone) made safe to print.
pub fn untrusted(s: &str) -> Cow<'_, str> {
    crate::untrusted::escape_untrusted(s)
}

/// The built-in and user playbooks, or a refusal listing every error in the user's files
/// (file, line, field): a bad playbook fails here, never in the middle of an incident.
pub fn playbooks(env: &Env) -> Result<PlaybookSet, Stop> {
    let set = env.playbooks();
    if set.errors.is_empty() {
        return Ok(set);
    }
    for e in &set.errors {
        eprintln!("custody: bad playbook: {}", untrusted(&e.to_string()));
    }
    refuse(format!(
        "{} error(s) in the playbooks under {}: fix them first; nothing was done",
        set.errors.len(),
        env.dirs.config.join("playbooks").display()
    ))
}

/// Opens the store for a command that writes to the ledger. A missing SQLite file is a
/// refusal, not a fresh empty ledger: sealing into a new file would hide the record from
/// everyone reading the real one.
pub async fn open_existing(env: &Env) -> Result<Store, Stop> {
    match env.open_existing_store().await {
        Ok(store) => Ok(store),
        Err(e @ (StoreError::Missing { .. } | StoreError::NotAStore { .. })) => refuse(format!(
            "nothing ran: {e}; custody will not start a new, empty ledger for a response"
        )),
        Err(e) => Err(e.into()),
    }
}

/// Opens the store for reading (list, show): never created, migrated or written.
pub async fn open_for_reading(env: &Env) -> Result<Store, Stop> {
    Ok(env.open_store_read_only().await?)
}

/// Everything sealing needs besides the store: the signing key, the anchor file and how
/// the operator was authenticated. A command-line run has no operator session.
pub fn sealing(env: &Env) -> Result<SealContext, Stop> {
    Ok(SealContext::new(env.signer()?, env.anchor(None)).authenticated(env.operator.authn.clone()))
}

/// How the operator confirmed on the command line.
#[derive(Debug, Clone, Default)]
pub struct Confirm {
    pub yes: bool,
    pub typed_agent: Option<String>,
}

/// Asks for confirmation: on a terminal the operator types `yes` (or, for a T3 target,
/// the agent id); otherwise `--yes` (and `--confirm-agent`) must already be given.
/// Returns the agent id as typed, for `check_confirmation`.
pub fn confirm(c: &Confirm, agent: &str, t3: bool) -> Result<String, Stop> {
    let tty = std::io::stdin().is_terminal() && std::io::stderr().is_terminal();
    if !tty && !c.yes {
        return refuse(
            "not confirmed: standard input is not a terminal, so pass --yes to confirm; nothing ran",
        );
    }
    if t3 {
        if let Some(typed) = &c.typed_agent {
            return Ok(typed.clone());
        }
        if !tty {
            return refuse(format!(
                "this is a T3 target: confirm with --confirm-agent {agent} (the agent id, typed); nothing ran"
            ));
        }
        return ask(&format!(
            "This is a T3 target. Type the agent id `{}` to run it (anything else cancels): ",
            untrusted(agent)
        ));
    }
    if !c.yes {
        let answer = ask("Type `yes` to run it (anything else cancels): ")?;
        if answer.trim() != "yes" {
            return refuse("cancelled at the prompt; nothing ran");
        }
    }
    Ok(c.typed_agent.clone().unwrap_or_default())
}

fn ask(prompt: &str) -> Result<String, Stop> {
    let mut err = std::io::stderr();
    let _ = write!(err, "{prompt}");
    let _ = err.flush();
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| Stop::Error(format!("cannot read the confirmation: {e}")))?;
    Ok(line.trim_end_matches(['\n', '\r']).to_string())
}

/// `2d 03h`, `1h 05m`, `4m 09s`, `12s`.
pub fn span(d: TimeDelta) -> String {
    let s = d.num_seconds().max(0);
    let (days, hours, mins, secs) = (s / 86_400, s / 3600 % 24, s / 60 % 60, s % 60);
    if days > 0 {
        format!("{days}d {hours:02}h")
    } else if hours > 0 {
        format!("{hours}h {mins:02}m")
    } else if mins > 0 {
        format!("{mins}m {secs:02}s")
    } else {
        format!("{secs}s")
    }
}

/// At most `max` characters of untrusted text on one line, escaped, `…` when cut.
pub fn short(s: &str, max: usize) -> String {
    let escaped = untrusted(s);
    if escaped.chars().count() <= max {
        return escaped.into_owned();
    }
    let cut: String = escaped.chars().take(max.saturating_sub(1)).collect();
    format!("{cut}…")
}

/// Prints a possibly multi-line value under a label, later lines indented to match.
pub fn labelled(label: &str, value: &str) {
    let pad = " ".repeat(label.len());
    for (i, line) in value.lines().enumerate() {
        let head = if i == 0 { label } else { pad.as_str() };
        println!("{head}{}", untrusted(line));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_read_at_a_glance() {
        assert_eq!(span(TimeDelta::seconds(12)), "12s");
        assert_eq!(span(TimeDelta::seconds(249)), "4m 09s");
        assert_eq!(span(TimeDelta::seconds(3900)), "1h 05m");
        assert_eq!(span(TimeDelta::seconds(2 * 86_400 + 3 * 3600)), "2d 03h");
    }

    #[test]
    fn short_text_is_escaped_and_cut() {
        assert_eq!(short("a\u{1b}[2Jb", 40), "a\\u{1b}[2Jb");
        assert_eq!(short("abcdef", 4), "abc…");
    }
}
