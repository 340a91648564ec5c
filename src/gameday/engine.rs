//! What an exercise does next, decided purely. The edge calls `tick` with the scenario
//! clock, the scripted agents' control state as the ledger shows it and the events
//! sealed since the last tick; the engine answers with steps (fire an inject, let an agent
//! act, an expectation met or missed, the end). It never reads a clock or a store, so a
//! whole run can be replayed in a test.
//!
//! - Injects fire at their offset, or `delay` after the inject they follow when their
//!   condition holds then (else they are skipped), or `delay` after the expectation they
//!   back up missed its deadline (contingency injects).
//! - A scripted agent, once started, acts on its interval while none of its `stop_when`
//!   holds: a pause or a revocation sealed by anyone on the store stops it at the next
//!   tick, and a resume sets it going again.
//! - An expectation is live once its inject fired; an event at or after that offset that
//!   matches meets it (a negative one fails). Manual ones wait for `exercise.validate`.

use super::events::Twist;
use super::scenario::{Condition, EnvAction, Fire, Offset, Scenario, StopWhen, Validation};
use crate::event::Event;
use std::collections::{BTreeMap, HashMap};

/// Where an expectation stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExpState {
    Pending,
    /// Met at this offset by the event with this `seq` (a negative one: at its deadline,
    /// `seq` 0).
    Met {
        at: Offset,
        seq: u64,
    },
    Missed,
    /// A negative expectation: what must not happen happened.
    Violated {
        at: Offset,
        seq: u64,
    },
    /// Its inject never fired (a condition did not hold).
    NotTriggered,
}

impl std::fmt::Display for ExpState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ExpState::Pending => f.write_str("pending"),
            ExpState::Met { at, seq: 0 } => write!(f, "met at {at}"),
            ExpState::Met { at, seq } => write!(f, "met at {at} (seq {seq})"),
            ExpState::Missed => f.write_str("missed"),
            ExpState::Violated { at, seq } => write!(f, "violated at {at} (seq {seq})"),
            ExpState::NotTriggered => f.write_str("not triggered (its inject never fired)"),
        }
    }
}

impl ExpState {
    pub fn decided(&self) -> bool {
        *self != ExpState::Pending
    }
}

/// One thing the edge must do or report.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    Inject {
        inject: String,
        contingency_for: Option<String>,
    },
    Act {
        agent: String,
        n: u32,
        leaked: bool,
        corrupt: bool,
    },
    Env(EnvAction),
    Skipped {
        inject: String,
    },
    Expectation {
        id: String,
        state: ExpState,
    },
    AgentStopped {
        agent: String,
    },
    AgentResumed {
        agent: String,
    },
    End {
        reason: String,
    },
}

/// A sealed event, with the scenario offset of its time.
pub struct Seen<'a> {
    pub seq: u64,
    pub at: Offset,
    pub event: &'a Event,
}

/// An agent's control state as the ledger shows it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Control {
    pub paused: bool,
    pub revoked: bool,
}

#[derive(Debug, Clone, Default)]
struct AgentRun {
    started: bool,
    stopped: bool,
    next: Offset,
    n: u32,
    leaked: bool,
    corrupt_next: bool,
}

pub struct Engine {
    pub scenario: Scenario,
    pub run: String,
    fired: HashMap<String, Offset>,
    skipped: Vec<String>,
    /// Injects due at an offset (followers and contingencies), by id.
    due: BTreeMap<String, (Offset, Option<String>)>,
    agents: HashMap<String, AgentRun>,
    exps: HashMap<String, ExpState>,
    ended: bool,
}

impl Engine {
    pub fn new(scenario: Scenario, run: String) -> Engine {
        let exps = scenario
            .expectations
            .iter()
            .map(|e| (e.id.clone(), ExpState::Pending))
            .collect();
        let agents = scenario
            .agents
            .iter()
            .map(|a| (a.id.clone(), AgentRun::default()))
            .collect();
        Engine {
            scenario,
            run,
            fired: HashMap::new(),
            skipped: Vec::new(),
            due: BTreeMap::new(),
            agents,
            exps,
            ended: false,
        }
    }

    pub fn expectation(&self, id: &str) -> Option<&ExpState> {
        self.exps.get(id)
    }

    pub fn fired(&self, inject: &str) -> Option<Offset> {
        self.fired.get(inject).copied()
    }

    /// The injects still to come with their due offset, soonest first (offset-fired
    /// ones and those already scheduled).
    pub fn upcoming(&self) -> Vec<(String, Offset)> {
        let mut out: Vec<(String, Offset)> = self
            .scenario
            .injects
            .iter()
            .filter(|i| !self.fired.contains_key(&i.id))
            .filter_map(|i| match &i.fire {
                Fire::At(o) => Some((i.id.clone(), *o)),
                _ => self.due.get(&i.id).map(|(o, _)| (i.id.clone(), *o)),
            })
            .collect();
        out.sort_by_key(|(_, o)| *o);
        out
    }

    /// Advances the exercise to `now`.
    pub fn tick(
        &mut self,
        now: Offset,
        control: &HashMap<String, Control>,
        seen: &[Seen<'_>],
    ) -> Vec<Step> {
        let mut steps = Vec::new();
        if self.ended {
            return steps;
        }
        self.observe(seen, &mut steps);
        if self.ended {
            return steps;
        }
        self.fire_due(now, control, &mut steps);
        self.deadlines(now, &mut steps);
        self.fire_due(now, control, &mut steps);
        self.act(now, control, &mut steps);
        let all_decided = self.exps.values().all(ExpState::decided);
        let injects_left = !self.upcoming().is_empty();
        let reason = if now >= self.scenario.safety.wall_clock_cap {
            Some("the wall-clock cap was reached")
        } else if all_decided && !injects_left {
            Some("every expectation is decided")
        } else {
            None
        };
        if let Some(reason) = reason {
            self.ended = true;
            steps.push(Step::End {
                reason: reason.into(),
            });
        }
        steps
    }

    fn observe(&mut self, seen: &[Seen<'_>], steps: &mut Vec<Step>) {
        for s in seen {
            let e = s.event;
            if e.is_trusted() && e.kind.starts_with("exercise.") && self.of_this_run(e) {
                let p = e.action.as_ref().and_then(|a| a.params.as_ref());
                let get = |k: &str| {
                    p.and_then(|p| p.get(k))
                        .and_then(|v| v.as_str())
                        .map(str::to_string)
                };
                if e.kind == "exercise.control" && get("control").as_deref() == Some("abort") {
                    self.ended = true;
                    steps.push(Step::End {
                        reason: "aborted by the facilitator".into(),
                    });
                    return;
                }
                if e.kind == "exercise.validate" {
                    if let Some(id) = get("expectation").filter(|id| self.exps.contains_key(id)) {
                        let state = match get("verdict").as_deref() {
                            Some("met") => ExpState::Met {
                                at: s.at,
                                seq: s.seq,
                            },
                            _ => ExpState::Missed,
                        };
                        self.decide(&id, state, steps);
                    }
                }
                continue;
            }
            let live: Vec<(String, bool)> = self
                .scenario
                .expectations
                .iter()
                .filter(|x| x.validation == Validation::Automatic)
                .filter(|x| self.exps.get(&x.id) == Some(&ExpState::Pending))
                .filter(|x| self.fired.get(&x.inject).is_some_and(|f| s.at >= *f))
                // What must not happen "until the deadline" may happen at it: the window
                // is closed then (a pause sealed the moment the store is back is fine).
                .filter(|x| !(x.negative && s.at >= x.deadline))
                .filter(|x| x.matcher.matches(e))
                .map(|x| (x.id.clone(), x.negative))
                .collect();
            for (id, negative) in live {
                let state = if negative {
                    ExpState::Violated {
                        at: s.at,
                        seq: s.seq,
                    }
                } else {
                    ExpState::Met {
                        at: s.at,
                        seq: s.seq,
                    }
                };
                self.decide(&id, state, steps);
            }
        }
    }

    fn of_this_run(&self, e: &Event) -> bool {
        e.action
            .as_ref()
            .and_then(|a| a.params.as_ref())
            .and_then(|p| p.get("run"))
            .and_then(|v| v.as_str())
            == Some(self.run.as_str())
    }

    fn decide(&mut self, id: &str, state: ExpState, steps: &mut Vec<Step>) {
        self.exps.insert(id.to_string(), state.clone());
        steps.push(Step::Expectation {
            id: id.to_string(),
            state,
        });
    }

    /// Deadlines passed: positive ones missed (their contingencies scheduled), negative
    /// ones met, those whose inject never fired not triggered.
    fn deadlines(&mut self, now: Offset, steps: &mut Vec<Step>) {
        let passed: Vec<(String, Offset, bool, bool)> = self
            .scenario
            .expectations
            .iter()
            .filter(|x| self.exps.get(&x.id) == Some(&ExpState::Pending) && x.deadline <= now)
            .map(|x| {
                (
                    x.id.clone(),
                    x.deadline,
                    x.negative,
                    self.fired.contains_key(&x.inject),
                )
            })
            .collect();
        for (id, deadline, negative, triggered) in passed {
            let state = match (triggered, negative) {
                (false, _) => ExpState::NotTriggered,
                (true, true) => ExpState::Met {
                    at: deadline,
                    seq: 0,
                },
                (true, false) => ExpState::Missed,
            };
            if state == ExpState::Missed {
                for i in &self.scenario.injects {
                    if let Fire::Contingency { expectation, delay } = &i.fire {
                        if *expectation == id {
                            let when = Offset(deadline.0 + delay.0);
                            self.due.insert(i.id.clone(), (when, Some(id.clone())));
                        }
                    }
                }
            }
            self.decide(&id, state, steps);
        }
    }

    fn fire_due(&mut self, now: Offset, control: &HashMap<String, Control>, steps: &mut Vec<Step>) {
        loop {
            let next = self.scenario.injects.iter().find_map(|i| {
                if self.fired.contains_key(&i.id) || self.skipped.contains(&i.id) {
                    return None;
                }
                match &i.fire {
                    Fire::At(o) if *o <= now => Some((i.id.clone(), *o, None)),
                    _ => match self.due.get(&i.id) {
                        Some((o, c)) if *o <= now => Some((i.id.clone(), *o, c.clone())),
                        _ => None,
                    },
                }
            });
            let Some((id, at, contingency_for)) = next else {
                break;
            };
            self.due.remove(&id);
            let Some(inject) = self.scenario.inject(&id).cloned() else {
                break;
            };
            if let Fire::After { when, .. } = &inject.fire {
                if !self.holds(when, control) {
                    self.skipped.push(id.clone());
                    steps.push(Step::Skipped { inject: id });
                    continue;
                }
            }
            self.fired.insert(id.clone(), at);
            steps.push(Step::Inject {
                inject: id.clone(),
                contingency_for,
            });
            if let Some(env) = &inject.env {
                match env {
                    EnvAction::LeakToken(a) => self.agent_mut(a, |r| r.leaked = true),
                    EnvAction::CorruptExplanation(a) => {
                        self.agent_mut(a, |r| r.corrupt_next = true)
                    }
                    _ => {}
                }
                steps.push(Step::Env(env.clone()));
            }
            for a in &inject.starts {
                self.agent_mut(a, |r| {
                    if !r.started {
                        r.started = true;
                        r.next = at;
                    }
                });
            }
            for f in &self.scenario.injects {
                if let Fire::After {
                    inject: parent,
                    delay,
                    ..
                } = &f.fire
                {
                    if *parent == id {
                        self.due
                            .insert(f.id.clone(), (Offset(at.0 + delay.0), None));
                    }
                }
            }
        }
    }

    fn agent_mut(&mut self, id: &str, f: impl FnOnce(&mut AgentRun)) {
        if let Some(r) = self.agents.get_mut(id) {
            f(r);
        }
    }

    fn holds(&self, c: &Condition, control: &HashMap<String, Control>) -> bool {
        match c {
            Condition::Always => true,
            Condition::AgentActive(a) => !self.contained(a, control),
            Condition::AgentContained(a) => self.contained(a, control),
        }
    }

    /// Whether any of the agent's `stop_when` holds in the ledger.
    fn contained(&self, agent: &str, control: &HashMap<String, Control>) -> bool {
        let c = control.get(agent).copied().unwrap_or_default();
        self.scenario.agent(agent).is_some_and(|a| {
            a.stop_when.iter().any(|s| match s {
                StopWhen::Paused => c.paused,
                StopWhen::TokenRevoked => c.revoked,
            })
        })
    }

    fn act(&mut self, now: Offset, control: &HashMap<String, Control>, steps: &mut Vec<Step>) {
        let ids: Vec<String> = self.scenario.agents.iter().map(|a| a.id.clone()).collect();
        for id in ids {
            let contained = self.contained(&id, control);
            let Some(a) = self.scenario.agent(&id).cloned() else {
                continue;
            };
            let Some(r) = self.agents.get_mut(&id) else {
                continue;
            };
            if !r.started {
                continue;
            }
            if contained != r.stopped {
                r.stopped = contained;
                steps.push(if contained {
                    Step::AgentStopped { agent: id.clone() }
                } else {
                    Step::AgentResumed { agent: id.clone() }
                });
                // Resumed: the next action comes one interval from now, not a burst.
                r.next = Offset(now.0 + a.interval.0);
            }
            while !r.stopped && r.next <= now && r.n < a.max_actions {
                r.n += 1;
                steps.push(Step::Act {
                    agent: id.clone(),
                    n: r.n,
                    leaked: r.leaked,
                    corrupt: std::mem::take(&mut r.corrupt_next),
                });
                r.next = Offset(r.next.0 + a.interval.0);
            }
        }
    }
}

impl Step {
    /// The twist an `Act` step asks for.
    pub fn twist(leaked: bool, corrupt: bool) -> Twist {
        Twist { leaked, corrupt }
    }
}

#[cfg(test)]
#[path = "engine_tests.rs"]
mod tests;
