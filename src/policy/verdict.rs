//! The three answers (allow, ask, deny), what an ask requires, and the annotations a
//! policy carries to say so (`@ask`, `@expiry`, `@roles`, `@message`). Annotations are
//! checked when the policy is loaded, so deciding never meets a malformed one.

use std::fmt;
use std::time::Duration;

/// What the gate answers a proposal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Go ahead.
    Allow,
    /// Wait for humans to approve, as the requirement says.
    Ask(Requirement),
    /// Refused, with the reason for the agent.
    Deny { message: String },
}

/// What an ask needs before the action may run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requirement {
    /// Distinct humans who must approve (at least 1).
    pub approvers: u8,
    /// Roles or groups allowed to vote; empty means approver or above.
    pub roles: Vec<String>,
    /// How long the request waits before it expires.
    pub expiry: Duration,
}

/// A verdict with the policies that decided it and the version of the policy files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub verdict: Verdict,
    /// Sorted. For allow: every satisfied permit; for ask: the satisfied `@ask` permits;
    /// for deny: the satisfied (or failed) forbids, and none for the default deny.
    pub policy_ids: Vec<String>,
    /// Hex SHA-256 of the loaded files (see `Policy::version`).
    pub version: String,
}

impl Verdict {
    /// `allow`, `ask` or `deny`: the word the event's `policy.decision` records.
    pub fn word(&self) -> &'static str {
        match self {
            Verdict::Allow => "allow",
            Verdict::Ask(_) => "ask",
            Verdict::Deny { .. } => "deny",
        }
    }
}

impl fmt::Display for Verdict {
    /// `allow`, `ask 2 approvers 5m (roles approver, admin)`, `deny`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Verdict::Ask(r) => {
                let noun = if r.approvers == 1 {
                    "approver"
                } else {
                    "approvers"
                };
                write!(f, "ask {} {noun} {}", r.approvers, show_duration(r.expiry))?;
                if !r.roles.is_empty() {
                    write!(f, " (roles {})", r.roles.join(", "))?;
                }
                Ok(())
            }
            other => f.write_str(other.word()),
        }
    }
}

/// What custody read from one policy's annotations.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Rule {
    pub forbid: bool,
    pub ask: Option<u8>,
    pub expiry: Option<Duration>,
    pub roles: Vec<String>,
    pub message: Option<String>,
}

/// The most approvers one `@ask` may name.
const MAX_APPROVERS: u8 = 9;

impl Rule {
    /// Reads and checks a policy's annotations; the error names the annotation.
    pub fn read<'a>(
        forbid: bool,
        annotation: impl Fn(&str) -> Option<&'a str>,
    ) -> Result<Rule, String> {
        let ask = match annotation("ask") {
            None => None,
            Some(_) if forbid => return Err("@ask belongs on a permit, not a forbid".into()),
            Some(text) => match text.trim().parse::<u8>() {
                Ok(n) if (1..=MAX_APPROVERS).contains(&n) => Some(n),
                _ => {
                    return Err(format!(
                        "@ask(\"{text}\"): expected a number of approvers from 1 to {MAX_APPROVERS}"
                    ))
                }
            },
        };
        let expiry = match annotation("expiry") {
            None => None,
            Some(text) => Some(parse_duration(text).ok_or_else(|| {
                format!("@expiry(\"{text}\"): expected a duration such as 30s, 5m, 2h or 1d")
            })?),
        };
        let roles = match annotation("roles") {
            None => Vec::new(),
            Some(text) => parse_roles(text)?,
        };
        if ask.is_none() && (expiry.is_some() || !roles.is_empty()) {
            return Err("@expiry and @roles only mean something beside @ask".into());
        }
        Ok(Rule {
            forbid,
            ask,
            expiry,
            roles,
            message: annotation("message").map(str::to_string),
        })
    }
}

fn parse_roles(text: &str) -> Result<Vec<String>, String> {
    let good = |r: &str| {
        !r.is_empty()
            && r.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"_-.:".contains(&b))
    };
    let roles: Vec<String> = text.split(',').map(|r| r.trim().to_string()).collect();
    match roles.iter().find(|r| !good(r)) {
        Some(bad) => Err(format!(
            "@roles(\"{text}\"): `{bad}` is not a role name (letters, digits, _ - . : ; \
             names separated by commas)"
        )),
        None => Ok(roles),
    }
}

/// `30s`, `5m`, `2h`, `1d` (a positive whole number and a unit).
pub(super) fn parse_duration(text: &str) -> Option<Duration> {
    let t = text.trim();
    let unit = t.chars().last()?;
    let n: u64 = t[..t.len() - unit.len_utf8()].parse().ok()?;
    let seconds = match unit {
        's' => n,
        'm' => n.checked_mul(60)?,
        'h' => n.checked_mul(3600)?,
        'd' => n.checked_mul(86_400)?,
        _ => return None,
    };
    (seconds > 0).then(|| Duration::from_secs(seconds))
}

/// The shortest exact form: `5m`, `90s`, `2h`.
pub fn show_duration(d: Duration) -> String {
    let s = d.as_secs();
    match s {
        _ if s > 0 && s.is_multiple_of(86_400) => format!("{}d", s / 86_400),
        _ if s > 0 && s.is_multiple_of(3600) => format!("{}h", s / 3600),
        _ if s > 0 && s.is_multiple_of(60) => format!("{}m", s / 60),
        _ => format!("{s}s"),
    }
}

/// The strictest requirement of the satisfied `@ask` rules: the most approvers, the
/// shortest expiry (`default_expiry` for a rule without one), the union of roles.
pub(super) fn strictest<'a>(
    asks: impl Iterator<Item = &'a Rule>,
    default_expiry: Duration,
) -> Option<Requirement> {
    let mut out: Option<Requirement> = None;
    for rule in asks {
        let Some(approvers) = rule.ask else { continue };
        let expiry = rule.expiry.unwrap_or(default_expiry);
        let r = out.get_or_insert_with(|| Requirement {
            approvers,
            roles: Vec::new(),
            expiry,
        });
        r.approvers = r.approvers.max(approvers);
        r.expiry = r.expiry.min(expiry);
        r.roles.extend(rule.roles.iter().cloned());
    }
    if let Some(r) = &mut out {
        r.roles.sort();
        r.roles.dedup();
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_and_print_in_whole_units() {
        assert_eq!(parse_duration("5m"), Some(Duration::from_secs(300)));
        assert_eq!(parse_duration("0m"), None);
        assert_eq!(parse_duration("5 minutes"), None);
        assert_eq!(show_duration(Duration::from_secs(900)), "15m");
        assert_eq!(show_duration(Duration::from_secs(90)), "90s");
    }

    #[test]
    fn an_ask_on_a_forbid_is_refused() {
        let err = Rule::read(true, |k| (k == "ask").then_some("1")).unwrap_err();
        assert!(err.contains("@ask"), "{err}");
    }

    #[test]
    fn the_strictest_ask_takes_most_approvers_shortest_expiry_and_all_roles() {
        let a = Rule {
            ask: Some(1),
            expiry: Some(Duration::from_secs(900)),
            roles: vec!["sre".into()],
            ..Rule::default()
        };
        let b = Rule {
            ask: Some(2),
            roles: vec!["admin".into(), "sre".into()],
            ..Rule::default()
        };
        let r = strictest([&a, &b].into_iter(), Duration::from_secs(300)).unwrap();
        assert_eq!(
            r,
            Requirement {
                approvers: 2,
                roles: vec!["admin".into(), "sre".into()],
                expiry: Duration::from_secs(300),
            }
        );
    }
}
