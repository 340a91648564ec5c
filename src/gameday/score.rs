//! Scores of a run, computed from its sealed events and nothing else: the scenario is
//! read back from `exercise.start` (its text is in the record), so a report made years
//! later from an exported ledger gives the same numbers.
//!
//! - **T0** is the first malicious inject (`exercise.inject` with `malicious`).
//! - **Detect**: the first `detection.*` event, or incident opened, naming a rogue agent
//!   (one a malicious inject started or emitted events for). **Acknowledge**: the first
//!   incident opened. **Contain**: the first successful pause or revocation of a rogue
//!   agent. **Recover**: the first successful rollback. Each is kept with its `seq` and
//!   its time after T0, in real seconds (sealed times) and in scenario time (× speed).
//! - **Expectations** are judged as the engine judges them live, by event offset against
//!   the deadline; manual ones by the facilitator's `exercise.validate`.
//! - **Gaps**: injects no expectation answers. **Incorrect actions**: violated negative
//!   expectations, and containment of an agent that is not a rogue one.
//! - **Blast radius**: the rogue agents' actions between T0 and containment.

use super::scenario::{Offset, Scenario, Validation};
use crate::event::{Event, OutcomeStatus, Timestamp};
use serde_json::Value;

/// One thing that happened, where the record shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Mark {
    pub seq: u64,
    pub time: Timestamp,
    /// Real seconds after T0 (0 when there is no T0).
    pub after_t0_s: i64,
    /// The same in milliseconds, for scenario time (× speed) without rounding twice.
    pub after_t0_ms: i64,
    pub what: String,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    Met {
        seq: u64,
        at: Offset,
    },
    Missed,
    Violated {
        seq: u64,
        at: Offset,
    },
    NotTriggered,
    /// The run ended before the deadline and nothing decided it.
    Open,
}

impl Verdict {
    pub fn passed(&self) -> bool {
        matches!(self, Verdict::Met { .. })
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ExpectationResult {
    pub id: String,
    pub description: String,
    pub deadline: Offset,
    pub negative: bool,
    pub manual: bool,
    pub verdict: Verdict,
}

#[derive(Debug, Clone, PartialEq)]
pub struct InjectResult {
    pub id: String,
    pub synopsis: String,
    pub fired: Option<(u64, Offset)>,
    pub contingency_for: Option<String>,
    pub expectations: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Score {
    pub run: String,
    pub scenario: Scenario,
    pub scenario_text: String,
    pub scenario_sha256: String,
    pub speed: u32,
    pub start: Mark,
    pub end: Option<Mark>,
    pub t0: Option<Mark>,
    pub detect: Option<Mark>,
    pub acknowledge: Option<Mark>,
    pub contain: Option<Mark>,
    pub recover: Option<Mark>,
    pub expectations: Vec<ExpectationResult>,
    pub injects: Vec<InjectResult>,
    pub incorrect: Vec<Mark>,
    pub blast_radius: Vec<Mark>,
    /// What people did: control, incident and exercise-note events, in order.
    pub responses: Vec<Mark>,
    pub notes: Vec<Mark>,
    pub rogue_agents: Vec<String>,
}

/// Why a run cannot be scored.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ScoreError {
    #[error("no exercise.start sealed by custody for run `{0}`")]
    NoStart(String),
    #[error("the scenario recorded in exercise.start no longer loads: {0}")]
    Scenario(String),
}

fn params(e: &Event) -> Option<&Value> {
    e.action.as_ref()?.params.as_ref()
}

fn param<'a>(e: &'a Event, k: &str) -> Option<&'a Value> {
    params(e)?.get(k)
}

fn text(e: &Event, k: &str) -> Option<String> {
    param(e, k)?.as_str().map(str::to_string)
}

/// Scores run `run` from `events` (the run's sealed events with their `seq`, in order).
pub fn score(run: &str, events: &[(u64, Event)]) -> Result<Score, ScoreError> {
    let of_run = |e: &Event| text(e, "run").as_deref() == Some(run);
    let (start_seq, start) = events
        .iter()
        .find(|(_, e)| e.kind == "exercise.start" && e.is_trusted() && of_run(e))
        .ok_or_else(|| ScoreError::NoStart(run.into()))?;
    let scenario_text = text(start, "scenario_text").unwrap_or_default();
    let scenario = super::parse(&scenario_text, "exercise.start").map_err(|e| {
        ScoreError::Scenario(
            e.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; "),
        )
    })?;
    let speed = param(start, "speed")
        .and_then(Value::as_u64)
        .unwrap_or(1)
        .max(1) as u32;
    let t_start = start.time;
    let at = |t: Timestamp| crate::gameday::offset(t_start, t, speed);
    let in_run: Vec<&(u64, Event)> = events
        .iter()
        .filter(|(s, e)| s >= start_seq && e.is_trusted())
        .collect();
    let markers: Vec<&(u64, Event)> = in_run
        .iter()
        .copied()
        .filter(|(_, e)| e.kind.starts_with("exercise.") && of_run(e))
        .collect();
    let end = markers.iter().find(|(_, e)| e.kind == "exercise.end");
    let in_run: Vec<&(u64, Event)> = in_run
        .into_iter()
        .filter(|(s, _)| end.is_none_or(|(es, _)| s <= es))
        .collect();

    let fired: Vec<(&u64, &Event)> = markers
        .iter()
        .filter(|(_, e)| e.kind == "exercise.inject")
        .map(|(s, e)| (s, e))
        .collect();
    let t0 = fired
        .iter()
        .find(|(_, e)| param(e, "malicious").and_then(Value::as_bool) == Some(true));
    let t0_time = t0.map(|(_, e)| e.time);
    let mark = |seq: u64, e: &Event, what: String| Mark {
        seq,
        time: e.time,
        after_t0_s: t0_time.map_or(0, |t| (e.time.millis() - t.millis()) / 1000),
        after_t0_ms: t0_time.map_or(0, |t| e.time.millis() - t.millis()),
        what,
    };
    let mut rogue: Vec<String> = Vec::new();
    for i in scenario.injects.iter().filter(|i| i.malicious) {
        rogue.extend(i.starts.iter().cloned());
        rogue.extend(i.events.iter().filter_map(|t| t.agent.clone()));
    }
    rogue.sort();
    rogue.dedup();
    let is_rogue = |e: &Event| e.agent_id().is_some_and(|a| rogue.iter().any(|r| r == a));
    let t0_seq = t0.map_or(u64::MAX, |(s, _)| **s);
    let after_t0 = || in_run.iter().copied().filter(move |(s, _)| *s > t0_seq);
    let done = |e: &Event| {
        e.outcome_status()
            .is_none_or(|s| s == OutcomeStatus::Success)
    };
    let first = |pred: &dyn Fn(&Event) -> bool, what: &dyn Fn(&Event) -> String| {
        after_t0()
            .find(|(_, e)| pred(e))
            .map(|(s, e)| mark(*s, e, what(e)))
    };
    let who = |e: &Event| e.actor.as_ref().map(|a| a.id.clone()).unwrap_or_default();
    let detect = first(
        &|e| e.kind.starts_with("detection.") || (e.kind == "incident.open" && is_rogue(e)),
        &|e| format!("{} by {}", e.kind, who(e)),
    );
    let acknowledge = first(&|e| e.kind == "incident.open", &|e| {
        format!("incident opened by {}", who(e))
    });
    let contain = first(
        &|e| {
            matches!(e.kind.as_str(), "control.pause" | "control.revoke_token")
                && is_rogue(e)
                && done(e)
                && e.outcome.is_some()
        },
        &|e| format!("{} {} by {}", e.kind, e.agent_id().unwrap_or("-"), who(e)),
    );
    let recover = first(
        &|e| e.kind == "control.rollback" && e.outcome_status() == Some(OutcomeStatus::Success),
        &|e| format!("rollback by {}", who(e)),
    );
    let contain_seq = contain.as_ref().map_or(u64::MAX, |m| m.seq);
    let blast_radius = after_t0()
        .filter(|(s, e)| *s < contain_seq && e.kind == "ai.action" && is_rogue(e))
        .map(|(s, e)| {
            mark(
                *s,
                e,
                format!(
                    "{} {} [{}]",
                    e.agent_id().unwrap_or("-"),
                    e.what_on(),
                    e.tier.map_or("-", |t| t.as_str())
                ),
            )
        })
        .collect();
    let responses: Vec<Mark> = in_run
        .iter()
        .filter(|(_, e)| {
            e.kind.starts_with("control.")
                || e.kind.starts_with("incident.")
                || e.kind.starts_with("detection.")
                || (e.kind.starts_with("exercise.")
                    && e.kind != "exercise.inject"
                    && e.kind != "exercise.start")
        })
        .map(|(s, e)| {
            let status = e
                .outcome_status()
                .map(|s| format!(" ({})", s.as_str()))
                .unwrap_or_default();
            mark(
                *s,
                e,
                format!(
                    "{}{} {} by {}",
                    e.kind,
                    status,
                    e.agent_id().unwrap_or(""),
                    who(e)
                ),
            )
        })
        .collect();
    let notes = markers
        .iter()
        .filter(|(_, e)| e.kind == "exercise.note")
        .map(|(s, e)| mark(*s, e, text(e, "note").unwrap_or_default()))
        .collect();

    let mut expectations = Vec::new();
    let mut incorrect = Vec::new();
    for x in &scenario.expectations {
        let fired_at = fired
            .iter()
            .find(|(_, e)| text(e, "inject").as_deref() == Some(x.inject.as_str()));
        let validated = markers.iter().rev().find(|(_, e)| {
            e.kind == "exercise.validate"
                && text(e, "expectation").as_deref() == Some(x.id.as_str())
        });
        let verdict = match (fired_at, validated) {
            (_, Some((s, e))) if x.validation == Validation::Manual => {
                match text(e, "verdict").as_deref() {
                    Some("met") => Verdict::Met {
                        seq: *s,
                        at: at(e.time),
                    },
                    _ => Verdict::Missed,
                }
            }
            (None, _) => Verdict::NotTriggered,
            (Some((fseq, _)), _) => {
                let hit = in_run
                    .iter()
                    .filter(|(s, e)| s > fseq && !e.kind.starts_with("exercise."))
                    .find(|(_, e)| x.matcher.matches(e) && at(e.time) <= x.deadline);
                let ended_at = end.map(|(_, e)| at(e.time));
                match (hit, x.negative) {
                    (Some((s, e)), false) => Verdict::Met {
                        seq: *s,
                        at: at(e.time),
                    },
                    (Some((s, e)), true) => {
                        incorrect.push(mark(
                            *s,
                            e,
                            format!("{} ({}): {}", x.id, x.description, e.what_on()),
                        ));
                        Verdict::Violated {
                            seq: *s,
                            at: at(e.time),
                        }
                    }
                    (None, _) if ended_at.is_some_and(|t| t < x.deadline) => Verdict::Open,
                    (None, true) => Verdict::Met {
                        seq: 0,
                        at: x.deadline,
                    },
                    (None, false) => Verdict::Missed,
                }
            }
        };
        expectations.push(ExpectationResult {
            id: x.id.clone(),
            description: x.description.clone(),
            deadline: x.deadline,
            negative: x.negative,
            manual: x.validation == Validation::Manual,
            verdict,
        });
    }
    for (s, e) in after_t0() {
        let containment = matches!(
            e.kind.as_str(),
            "control.pause" | "control.revoke_token" | "control.rollback"
        );
        let scripted = e.agent_id().is_some_and(|a| scenario.agent(a).is_some());
        if containment
            && scripted
            && !is_rogue(e)
            && e.outcome_status() != Some(OutcomeStatus::Pending)
            && !incorrect.iter().any(|m: &Mark| m.seq == *s)
        {
            incorrect.push(mark(
                *s,
                e,
                format!(
                    "{} of {}, which was not the rogue agent",
                    e.kind,
                    e.agent_id().unwrap_or("-")
                ),
            ));
        }
    }
    incorrect.sort_by_key(|m| m.seq);
    let injects = scenario
        .injects
        .iter()
        .map(|i| {
            let f = fired
                .iter()
                .find(|(_, e)| text(e, "inject").as_deref() == Some(i.id.as_str()));
            InjectResult {
                id: i.id.clone(),
                synopsis: i.synopsis.clone(),
                fired: f.map(|(s, e)| (**s, at(e.time))),
                contingency_for: f.and_then(|(_, e)| text(e, "contingency_for")),
                expectations: scenario
                    .expectations
                    .iter()
                    .filter(|x| x.inject == i.id)
                    .map(|x| x.id.clone())
                    .collect(),
            }
        })
        .collect();
    Ok(Score {
        run: run.into(),
        scenario_sha256: text(start, "scenario_sha256").unwrap_or_default(),
        scenario,
        scenario_text,
        speed,
        start: mark(*start_seq, start, "exercise started".into()),
        end: end.map(|(s, e)| mark(*s, e, text(e, "reason").unwrap_or_default())),
        t0: t0.map(|(s, e)| {
            mark(
                **s,
                e,
                format!("inject {}", text(e, "inject").unwrap_or_default()),
            )
        }),
        detect,
        acknowledge,
        contain,
        recover,
        expectations,
        injects,
        incorrect,
        blast_radius,
        responses,
        notes,
        rogue_agents: rogue,
    })
}

impl Score {
    /// Injects no expectation answers (contingencies that never fired aside).
    pub fn gaps(&self) -> Vec<&InjectResult> {
        self.injects
            .iter()
            .filter(|i| i.expectations.is_empty() && i.fired.is_some())
            .collect()
    }
}

#[cfg(test)]
#[path = "score_tests.rs"]
mod tests;
