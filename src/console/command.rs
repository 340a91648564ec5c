//! The `:` command line: parsing a typed command into what it means. Pure; `update`
//! applies the result. Errors say what was wrong and what would be right.

use crate::event::{Tier, TierRange, Timestamp};

#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    Quit,
    Help,
    /// Replace one filter dimension; an empty list clears it.
    Agents(Vec<String>),
    Kinds(Vec<String>),
    Environments(Vec<String>),
    Reasons(Vec<String>),
    Tiers(Vec<Tier>),
    Since(Option<Timestamp>),
    Until(Option<Timestamp>),
    Trace(String),
    /// Clear every filter, or one named dimension.
    Clear(Option<String>),
    Stream,
    /// Switch to the Agents view.
    AgentsView,
    Freeze(bool),
    /// Switch to the Incident view, on the newest open incident or the one named.
    IncidentView(Option<String>),
    /// Open an incident from the selected event.
    IncidentOpen,
    /// Pick the incident's playbook.
    Playbook(String),
    /// Pause, resume, revoke the token of, or roll back the selection.
    Contain(crate::exec::Action),
    /// Roll back every reversible action of the selected agent since a time.
    RollbackSince(Timestamp),
    /// Switch to the Approvals view.
    ApprovalsView,
}

/// Names accepted by the command line, for completion hints and help.
pub const COMMANDS: &[(&str, &str)] = &[
    (
        "agent NAME[,NAME]",
        "only these agents (no argument clears)",
    ),
    ("kind KIND", "only this kind, e.g. ai.action"),
    ("env ENV", "only this environment, e.g. prod"),
    ("reason CODE[,CODE]", "only these reason codes"),
    ("tier T2..T3", "only these tiers (T3, T1.., ..T1)"),
    (
        "since 2h",
        "events from 2h ago (m, h, d) or an RFC 3339 time",
    ),
    ("until TIME", "events before a time"),
    ("trace ID", "open the timeline of a correlation id"),
    (
        "clear [WHAT]",
        "clear all filters, or one (agent, kind, env, reason, tier, since, until)",
    ),
    ("agents / stream / approvals", "switch view"),
    ("freeze / live", "freeze or resume the live view"),
    (
        "incident [ID]",
        "the Incident view: the newest open incident, or ID",
    ),
    ("incident open", "open an incident from the selected event"),
    ("playbook NAME", "pick the incident's playbook"),
    (
        "pause / resume / revoke / rollback",
        "containment on the selection (confirm dialog)",
    ),
    (
        "rollback since 2h",
        "roll back every reversible action of the selected agent since then",
    ),
    ("q", "quit"),
];

pub fn parse(input: &str, now: Timestamp) -> Result<Command, String> {
    let input = input.trim().trim_start_matches(':');
    let (name, arg) = match input.split_once(char::is_whitespace) {
        Some((n, a)) => (n, a.trim()),
        None => (input, ""),
    };
    let list = || -> Vec<String> {
        arg.split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect()
    };
    Ok(match name {
        "q" | "quit" | "exit" => Command::Quit,
        "help" | "h" | "?" => Command::Help,
        "agent" | "agents" if !arg.is_empty() => Command::Agents(list()),
        "agent" => Command::Agents(vec![]),
        "agents" => Command::AgentsView,
        "kind" => Command::Kinds(list()),
        "env" | "environment" => Command::Environments(list()),
        "reason" => Command::Reasons(list()),
        "tier" | "tiers" if arg.is_empty() => Command::Tiers(vec![]),
        "tier" | "tiers" => {
            let mut tiers = Vec::new();
            for part in arg.split(',') {
                let range: TierRange = part.trim().parse()?;
                tiers.extend(range.tiers());
            }
            tiers.sort();
            tiers.dedup();
            Command::Tiers(tiers)
        }
        "since" => Command::Since(if arg.is_empty() {
            None
        } else {
            Some(parse_time(arg, now)?)
        }),
        "until" => Command::Until(if arg.is_empty() {
            None
        } else {
            Some(parse_time(arg, now)?)
        }),
        "trace" if !arg.is_empty() => Command::Trace(arg.to_string()),
        "trace" => return Err("usage: trace CORRELATION_ID".into()),
        "clear" | "c" => Command::Clear((!arg.is_empty()).then(|| arg.to_string())),
        "stream" => Command::Stream,
        "approvals" | "approval" => Command::ApprovalsView,
        "freeze" => Command::Freeze(true),
        "live" | "unfreeze" => Command::Freeze(false),
        "incident" | "inc" if arg == "open" || arg == "new" => Command::IncidentOpen,
        "incident" | "inc" => Command::IncidentView((!arg.is_empty()).then(|| arg.to_string())),
        "playbook" if !arg.is_empty() => Command::Playbook(arg.to_string()),
        "playbook" => return Err("usage: playbook NAME (p in the Incident view lists them)".into()),
        "pause" => Command::Contain(crate::exec::Action::Pause),
        "resume" => Command::Contain(crate::exec::Action::Resume),
        "revoke" | "revoke_token" | "revoke-token" => {
            Command::Contain(crate::exec::Action::RevokeToken)
        }
        "rollback" | "undo" => match arg.strip_prefix("since") {
            Some(when) if !when.trim().is_empty() => Command::RollbackSince(parse_time(when, now)?),
            Some(_) => return Err("usage: rollback since 2h (or an RFC 3339 time)".into()),
            None if arg.is_empty() => Command::Contain(crate::exec::Action::Rollback),
            None => return Err("usage: rollback, or rollback since 2h".into()),
        },
        "" => {
            return Err(
                "type a command, e.g. `agent data-sync` or `since 2h` (`:help` lists them)".into(),
            )
        }
        other => return Err(format!("unknown command `{other}` (`:help` lists them)")),
    })
}

/// `30s`, `15m`, `2h`, `7d`, `1w` before `now`, a clock time (`14:30`, `14:30:05`: the
/// latest such moment not after `now`, UTC as the console shows times), or an RFC 3339
/// time.
pub fn parse_time(s: &str, now: Timestamp) -> Result<Timestamp, String> {
    let s = s.trim();
    if let Some(t) = clock_time(s, now) {
        return Ok(t);
    }
    let unit_ms = match s.chars().last() {
        Some('s') => 1_000,
        Some('m') => 60_000,
        Some('h') => 3_600_000,
        Some('d') => 86_400_000,
        Some('w') => 7 * 86_400_000,
        _ => 0,
    };
    if unit_ms > 0 {
        if let Ok(n) = s[..s.len() - 1].parse::<i64>() {
            return Timestamp::from_millis(now.millis() - n * unit_ms)
                .ok_or_else(|| format!("`{s}` is too far back"));
        }
    }
    s.parse().map_err(|_| {
        format!("`{s}` is neither a duration like 2h / 30m / 7d, a clock time like 14:30, nor an RFC 3339 time")
    })
}

/// A bare `HH:MM` or `HH:MM:SS`: today at that time, or yesterday when that is still ahead.
fn clock_time(s: &str, now: Timestamp) -> Option<Timestamp> {
    let time = chrono::NaiveTime::parse_from_str(s, "%H:%M:%S")
        .or_else(|_| chrono::NaiveTime::parse_from_str(s, "%H:%M"))
        .ok()?;
    let mut at = now.0.date_naive().and_time(time).and_utc();
    if at > now.0 {
        at -= chrono::Duration::days(1);
    }
    Some(Timestamp::from_datetime(at))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn now() -> Timestamp {
        "2026-11-23T12:00:00Z".parse().unwrap()
    }

    #[test]
    fn tier_ranges_expand() {
        assert_eq!(
            parse("tier T2..T3", now()).unwrap(),
            Command::Tiers(vec![Tier::T2, Tier::T3])
        );
    }

    #[test]
    fn since_takes_relative_durations() {
        let Command::Since(Some(t)) = parse(":since 2h", now()).unwrap() else {
            panic!()
        };
        assert_eq!(t.to_rfc3339(), "2026-11-23T10:00:00.000Z");
    }

    #[test]
    fn since_takes_a_bare_clock_time_as_today() {
        let Command::Since(Some(t)) = parse(":since 09:30", now()).unwrap() else {
            panic!()
        };
        assert_eq!(t.to_rfc3339(), "2026-11-23T09:30:00.000Z");
    }

    #[test]
    fn a_clock_time_still_ahead_today_means_yesterday() {
        let t = parse_time("23:15:30", now()).unwrap();
        assert_eq!(t.to_rfc3339(), "2026-11-22T23:15:30.000Z");
    }

    #[test]
    fn unknown_commands_are_named() {
        assert!(parse("frobnicate", now())
            .unwrap_err()
            .contains("frobnicate"));
    }

    #[test]
    fn agent_lists_split_on_commas() {
        assert_eq!(
            parse("agent a, b", now()).unwrap(),
            Command::Agents(vec!["a".into(), "b".into()])
        );
    }
}
