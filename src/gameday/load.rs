//! Reading one scenario file: TOML into a checked `Scenario`, every rejection naming the
//! file, the line and the field. Structural problems (syntax, unknown keys such as a
//! matcher on a field custody does not know, wrong types) stop at the first; the checks
//! after that (references, cycles in `after`, deadlines before their inject) report every
//! problem at once. Pure: the caller reads the file.

use super::raw::{RawAgent, RawExpectation, RawInject, RawScenario, RawTemplate};
use super::scenario::*;
use std::collections::HashMap;
use std::fmt;
use toml::Spanned;

/// A scenario file that cannot be used, and exactly where it is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScenarioError {
    pub file: String,
    /// 1-based; `None` when the problem has no place in the text.
    pub line: Option<usize>,
    /// The TOML path of the offending value, e.g. `injects[2].after`.
    pub field: String,
    pub message: String,
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if !self.field.is_empty() {
            write!(f, ": {}", self.field)?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for ScenarioError {}

/// Parses and checks one scenario; `file` names it in errors.
pub fn parse(text: &str, file: &str) -> Result<Scenario, Vec<ScenarioError>> {
    let raw: RawScenario = serde_path_to_error::deserialize(toml::Deserializer::new(text))
        .map_err(|e| vec![structural(text, file, &e)])?;
    let mut c = Check {
        text,
        file,
        errors: Vec::new(),
    };
    let scenario = c.scenario(raw);
    if c.errors.is_empty() {
        if let Some(s) = scenario {
            return Ok(s);
        }
    }
    c.errors.sort_by_key(|e| e.line);
    Err(c.errors)
}

struct Check<'a> {
    text: &'a str,
    file: &'a str,
    errors: Vec<ScenarioError>,
}

impl Check<'_> {
    fn at<T>(&mut self, value: &Spanned<T>, field: impl Into<String>, message: impl Into<String>) {
        let line = (value.span() != (0..0)).then(|| line_of(self.text, value.span().start));
        self.errors.push(ScenarioError {
            file: self.file.into(),
            line,
            field: field.into(),
            message: message.into(),
        });
    }

    fn offset(&mut self, v: &Spanned<String>, field: &str) -> Offset {
        Offset::parse(v.get_ref()).unwrap_or_else(|| {
            let m = format!("`{}` is not a time: write +MM:SS or H:MM:SS", v.get_ref());
            self.at(v, field, m);
            Offset(0)
        })
    }

    fn slug(&mut self, v: &Spanned<String>, field: &str) {
        if !is_slug(v.get_ref()) {
            let m = format!(
                "id `{}` may hold only lowercase letters, digits, `-` and `_`",
                v.get_ref()
            );
            self.at(v, field, m);
        }
    }

    fn scenario(&mut self, raw: RawScenario) -> Option<Scenario> {
        self.slug(&raw.id, "id");
        let expected_duration = self.offset(&raw.expected_duration, "expected_duration");
        let cap = self.offset(&raw.safety.wall_clock_cap, "safety.wall_clock_cap");
        if !*raw.safety.sandbox.get_ref() {
            self.at(
                &raw.safety.sandbox,
                "safety.sandbox",
                "must be true: a scenario runs in a sandbox store (live stores need --into-live-store)",
            );
        }
        let mut objectives = Vec::new();
        for (i, o) in raw.objectives.iter().enumerate() {
            self.slug(&o.id, &format!("objectives[{i}].id"));
            if !(1..=5).contains(o.priority.get_ref()) {
                let m = "priority is 1 (highest) to 5";
                self.at(&o.priority, format!("objectives[{i}].priority"), m);
            }
            objectives.push(Objective {
                id: o.id.get_ref().clone(),
                capability: o.capability.clone(),
                priority: *o.priority.get_ref(),
            });
        }
        let agents: Vec<ScriptedAgent> = raw
            .agents
            .iter()
            .enumerate()
            .map(|(i, a)| self.agent(i, a))
            .collect();
        if raw.injects.get_ref().is_empty() {
            self.at(
                &raw.injects,
                "injects",
                "a scenario needs at least one inject",
            );
        }
        let ids = self.unique(raw.injects.get_ref().iter().map(|i| &i.id), "injects");
        let exp_ids = self.unique(raw.expectations.iter().map(|e| &e.id), "expectations");
        let names = Names {
            injects: &ids,
            expectations: &exp_ids,
            agents: &agents.iter().map(|a| a.id.clone()).collect::<Vec<_>>(),
            objectives: &objectives.iter().map(|o| o.id.clone()).collect::<Vec<_>>(),
        };
        let injects: Vec<Inject> = raw
            .injects
            .get_ref()
            .iter()
            .enumerate()
            .map(|(i, r)| self.inject(i, r, &names))
            .collect();
        let expectations: Vec<Expectation> = raw
            .expectations
            .iter()
            .enumerate()
            .map(|(i, r)| self.expectation(i, r, &names))
            .collect();
        if !self.errors.is_empty() {
            return None;
        }
        self.graph(&raw, &injects, &expectations);
        Some(Scenario {
            id: raw.id.into_inner(),
            title: raw.title,
            version: raw.version,
            description: raw.description,
            objectives,
            tags: Tags {
                owasp: raw.tags.owasp,
                atlas: raw.tags.atlas,
            },
            participants: Participants {
                facilitator: raw.participants.facilitator,
                responders: raw.participants.responders,
                observers: raw.participants.observers,
            },
            expected_duration,
            seed: raw.seed,
            safety: Safety {
                sandbox: true,
                allowed_targets: raw.safety.allowed_targets,
                wall_clock_cap: cap,
                cleanup: raw.safety.cleanup,
            },
            agents,
            injects,
            expectations,
        })
    }

    /// Ids are slugs and unique; returns the good ones with their index.
    fn unique<'s>(
        &mut self,
        ids: impl Iterator<Item = &'s Spanned<String>>,
        table: &str,
    ) -> HashMap<String, usize> {
        let mut seen: HashMap<String, usize> = HashMap::new();
        for (i, id) in ids.enumerate() {
            let field = format!("{table}[{i}].id");
            self.slug(id, &field);
            if seen.contains_key(id.get_ref()) {
                let m = format!("duplicate id `{}`", id.get_ref());
                self.at(id, field, m);
            } else {
                seen.insert(id.get_ref().clone(), i);
            }
        }
        seen
    }

    fn template(
        &mut self,
        t: &RawTemplate,
        field: &str,
        names: Option<&[String]>,
    ) -> EventTemplate {
        if crate::event::is_custody_kind(t.kind.get_ref()) {
            let m = format!(
                "`{}` is a kind only custody seals; a scenario emits producer events",
                t.kind.get_ref()
            );
            self.at(&t.kind, format!("{field}.kind"), m);
        }
        if let (Some(a), Some(names)) = (&t.agent, names) {
            if !names.contains(a.get_ref()) {
                let m = format!("`{}` is not a scripted agent of this scenario", a.get_ref());
                self.at(a, format!("{field}.agent"), m);
            }
        }
        EventTemplate {
            kind: t.kind.get_ref().clone(),
            agent: t.agent.as_ref().map(|a| a.get_ref().clone()),
            action_type: t.action_type.clone(),
            target_system: t.target_system.clone(),
            resource: t.resource.as_ref().map(|r| r.get_ref().clone()),
            environment: t.environment.clone(),
            tier: t.tier,
            reason_code: t.reason_code.clone(),
            summary: t.summary.clone(),
            reasoning: t.reasoning.clone(),
            destination: t.destination.clone(),
            reversible: t.reversible,
        }
    }

    fn agent(&mut self, i: usize, a: &RawAgent) -> ScriptedAgent {
        let f = format!("agents[{i}]");
        self.slug(&a.id, &format!("{f}.id"));
        let interval = self.offset(&a.interval, &format!("{f}.interval"));
        if interval.secs() == 0 {
            self.at(
                &a.interval,
                format!("{f}.interval"),
                "must be at least one second",
            );
        }
        let mut stop_when = Vec::new();
        for (j, s) in a.stop_when.get_ref().iter().enumerate() {
            match s.get_ref().as_str() {
                "paused" => stop_when.push(StopWhen::Paused),
                "token_revoked" => stop_when.push(StopWhen::TokenRevoked),
                other => {
                    let m = format!("unknown value `{other}`: use `paused` or `token_revoked`");
                    self.at(s, format!("{f}.stop_when[{j}]"), m);
                }
            }
        }
        if a.stop_when.get_ref().is_empty() {
            let m = "a scripted agent needs a stop_when: it acts until responders stop it";
            self.at(&a.stop_when, format!("{f}.stop_when"), m);
        }
        let mut action = self.template(&a.action, &format!("{f}.action"), None);
        action.agent = Some(a.id.get_ref().clone());
        ScriptedAgent {
            id: a.id.get_ref().clone(),
            name: a.name.clone(),
            interval,
            action,
            escalation: a.escalation.as_ref().map(|e| Escalation {
                after: e.after,
                tier: e.tier,
                action_type: e.action_type.clone(),
            }),
            stop_when,
            max_actions: a.max_actions,
        }
    }

    fn inject(&mut self, i: usize, r: &RawInject, n: &Names<'_>) -> Inject {
        let f = format!("injects[{i}]");
        let delay = r
            .delay
            .as_ref()
            .map(|d| self.offset(d, &format!("{f}.delay")))
            .unwrap_or_default();
        let fire = match (&r.at, &r.after, &r.contingency) {
            (Some(at), None, None) => Fire::At(self.offset(at, &format!("{f}.at"))),
            (None, Some(after), None) => {
                self.reference(
                    after,
                    &format!("{f}.after"),
                    "inject",
                    n.injects.contains_key(after.get_ref()),
                );
                let when = r.when.as_ref().map_or(Condition::Always, |w| {
                    self.condition(w, &format!("{f}.when"), n)
                });
                Fire::After {
                    inject: after.get_ref().clone(),
                    delay,
                    when,
                }
            }
            (None, None, Some(e)) => {
                let known = n.expectations.contains_key(e.get_ref());
                self.reference(e, &format!("{f}.contingency"), "expectation", known);
                Fire::Contingency {
                    expectation: e.get_ref().clone(),
                    delay,
                }
            }
            _ => {
                let m = "give exactly one of `at`, `after` or `contingency`";
                self.at(&r.id, f.clone(), m);
                Fire::At(Offset(0))
            }
        };
        let delivery = match r.delivery.get_ref().as_str() {
            "ledger" => Delivery::Ledger,
            "facilitator" => Delivery::Facilitator,
            "environment" => Delivery::Environment,
            other => {
                let m = format!("unknown value `{other}`: use ledger, facilitator or environment");
                self.at(&r.delivery, format!("{f}.delivery"), m);
                Delivery::Facilitator
            }
        };
        if let Some(o) = &r.objective {
            let known = n.objectives.contains(o.get_ref());
            self.reference(o, &format!("{f}.objective"), "objective", known);
        }
        for (j, s) in r.starts.iter().enumerate() {
            let known = n.agents.contains(s.get_ref());
            self.reference(s, &format!("{f}.starts[{j}]"), "scripted agent", known);
        }
        let env = r
            .env
            .as_ref()
            .and_then(|e| self.env(e, &format!("{f}.env"), n));
        let events = r
            .events
            .iter()
            .enumerate()
            .map(|(j, t)| self.template(t, &format!("{f}.events[{j}]"), Some(n.agents)))
            .collect();
        Inject {
            id: r.id.get_ref().clone(),
            fire,
            synopsis: r.synopsis.clone(),
            expected_response: r.expected_response.clone(),
            objective: r.objective.as_ref().map(|o| o.get_ref().clone()),
            delivery,
            audience: r.audience.clone(),
            notes: r.notes.clone(),
            malicious: r.malicious,
            events,
            env,
            starts: r.starts.iter().map(|s| s.get_ref().clone()).collect(),
        }
    }

    fn reference(&mut self, v: &Spanned<String>, field: &str, what: &str, known: bool) {
        if !known {
            let m = format!(
                "unknown {what} `{}`: no {what} of this scenario has that id",
                v.get_ref()
            );
            self.at(v, field, m);
        }
    }

    fn condition(&mut self, w: &Spanned<String>, field: &str, n: &Names<'_>) -> Condition {
        let text = w.get_ref().as_str();
        let (word, agent) = text.split_once(':').unwrap_or((text, ""));
        let cond = match word {
            "always" if agent.is_empty() => return Condition::Always,
            "agent-active" => Condition::AgentActive(agent.to_string()),
            "agent-contained" => Condition::AgentContained(agent.to_string()),
            _ => {
                let m = format!("unknown condition `{text}`: use always, agent-active:AGENT or agent-contained:AGENT");
                self.at(w, field, m);
                return Condition::Always;
            }
        };
        if !n.agents.iter().any(|a| a == agent) {
            let m = format!("`{agent}` is not a scripted agent of this scenario");
            self.at(w, field, m);
        }
        cond
    }

    fn env(&mut self, e: &Spanned<String>, field: &str, n: &Names<'_>) -> Option<EnvAction> {
        let text = e.get_ref().as_str();
        let (word, arg) = text.split_once(':').unwrap_or((text, ""));
        let agent = |c: &mut Self| {
            if !n.agents.iter().any(|a| a == arg) {
                let m = format!("`{arg}` is not a scripted agent of this scenario");
                c.at(e, field, m);
            }
            arg.to_string()
        };
        Some(match word {
            "delay-writes" => match arg.parse() {
                Ok(s) => EnvAction::DelayWrites(s),
                Err(_) => {
                    self.at(e, field, "delay-writes needs seconds: `delay-writes:20`");
                    return None;
                }
            },
            "refuse-writes" => EnvAction::RefuseWrites,
            "restore-writes" => EnvAction::RestoreWrites,
            "corrupt-explanation" => EnvAction::CorruptExplanation(agent(self)),
            "leak-token" => EnvAction::LeakToken(agent(self)),
            _ => {
                let m = format!("unknown environment action `{text}`: use delay-writes:SECONDS, refuse-writes, restore-writes, corrupt-explanation:AGENT or leak-token:AGENT");
                self.at(e, field, m);
                return None;
            }
        })
    }

    fn expectation(&mut self, i: usize, r: &RawExpectation, n: &Names<'_>) -> Expectation {
        let f = format!("expectations[{i}]");
        let known = n.injects.contains_key(r.inject.get_ref());
        self.reference(&r.inject, &format!("{f}.inject"), "inject", known);
        let deadline = self.offset(&r.deadline, &format!("{f}.deadline"));
        let m = r.matcher.get_ref();
        if m.kind.is_none()
            && m.agent.is_none()
            && m.actor.is_none()
            && m.target.is_none()
            && m.step.is_none()
        {
            self.at(
                &r.matcher,
                format!("{f}.match"),
                "a matcher needs at least one of kind, actor, agent, target or step",
            );
        }
        if let Some(o) = &m.outcome {
            if !["pending", "success", "failure", "error"].contains(&o.get_ref().as_str()) {
                let m = format!(
                    "unknown outcome `{}`: use pending, success, failure or error",
                    o.get_ref()
                );
                self.at(o, format!("{f}.match.outcome"), m);
            }
        }
        let validation = match r.validation.as_ref().map(|v| (v, v.get_ref().as_str())) {
            None | Some((_, "automatic")) => Validation::Automatic,
            Some((_, "manual")) => Validation::Manual,
            Some((v, other)) => {
                let m = format!("unknown value `{other}`: use automatic or manual");
                self.at(v, format!("{f}.validation"), m);
                Validation::Automatic
            }
        };
        if let Some(o) = &r.objective {
            let known = n.objectives.contains(o.get_ref());
            self.reference(o, &format!("{f}.objective"), "objective", known);
        }
        Expectation {
            id: r.id.get_ref().clone(),
            description: r.description.clone(),
            inject: r.inject.get_ref().clone(),
            deadline,
            matcher: Matcher {
                kind: m.kind.clone(),
                actor: m.actor.clone(),
                agent: m.agent.as_ref().map(|a| a.get_ref().clone()),
                target: m.target.clone(),
                step: m.step.clone(),
                outcome: m.outcome.as_ref().map(|o| o.get_ref().clone()),
            },
            validation,
            negative: r.negative,
            objective: r.objective.as_ref().map(|o| o.get_ref().clone()),
        }
    }

    /// Cycles in the firing order (`after` and `contingency` links), and deadlines
    /// that come before their inject can fire. Runs only on references that resolved.
    fn graph(&mut self, raw: &RawScenario, injects: &[Inject], exps: &[Expectation]) {
        let s = Schedule { injects, exps };
        for (i, inj) in injects.iter().enumerate() {
            if let Some(path) = s.cycle(i) {
                let r = &raw.injects.get_ref()[i];
                let (v, key) = match (&r.after, &r.contingency) {
                    (Some(a), _) => (a, "after"),
                    (_, Some(c)) => (c, "contingency"),
                    _ => (&r.id, "id"),
                };
                let m = format!(
                    "cycle in the firing order: {} → {}",
                    path.join(" → "),
                    inj.id
                );
                self.at(v, format!("injects[{i}].{key}"), m);
            }
        }
        if self.errors.is_empty() {
            for (i, e) in exps.iter().enumerate() {
                let Some(earliest) = s.earliest(&e.inject, 0) else {
                    continue;
                };
                if e.deadline < earliest {
                    let m = format!(
                        "deadline {} is before its inject `{}` can fire ({earliest})",
                        e.deadline, e.inject
                    );
                    self.at(
                        &raw.expectations[i].deadline,
                        format!("expectations[{i}].deadline"),
                        m,
                    );
                }
            }
        }
    }
}

struct Names<'a> {
    injects: &'a HashMap<String, usize>,
    expectations: &'a HashMap<String, usize>,
    agents: &'a [String],
    objectives: &'a [String],
}

/// The firing order: each inject has at most one parent (the inject it follows, or the
/// inject of the expectation it is a contingency for).
struct Schedule<'a> {
    injects: &'a [Inject],
    exps: &'a [Expectation],
}

impl Schedule<'_> {
    fn parent(&self, i: usize) -> Option<usize> {
        let id = match &self.injects[i].fire {
            Fire::At(_) => return None,
            Fire::After { inject, .. } => inject.as_str(),
            Fire::Contingency { expectation, .. } => self
                .exps
                .iter()
                .find(|e| &e.id == expectation)?
                .inject
                .as_str(),
        };
        self.injects.iter().position(|x| x.id == id)
    }

    /// The ids on the path from `i` back to itself, when following parents loops.
    fn cycle(&self, i: usize) -> Option<Vec<String>> {
        let mut path = vec![self.injects[i].id.clone()];
        let mut at = i;
        while let Some(p) = self.parent(at) {
            if p == i {
                return Some(path);
            }
            if path.len() > self.injects.len() {
                return None; // a loop that does not pass through `i`: reported at its own members
            }
            path.push(self.injects[p].id.clone());
            at = p;
        }
        None
    }

    /// The earliest offset the inject can fire at.
    fn earliest(&self, id: &str, depth: usize) -> Option<Offset> {
        if depth > self.injects.len() {
            return None;
        }
        let inj = self.injects.iter().find(|x| x.id == id)?;
        Some(match &inj.fire {
            Fire::At(o) => *o,
            Fire::After { inject, delay, .. } => {
                Offset(self.earliest(inject, depth + 1)?.0 + delay.0)
            }
            Fire::Contingency { expectation, delay } => {
                Offset(self.exps.iter().find(|e| &e.id == expectation)?.deadline.0 + delay.0)
            }
        })
    }
}

/// A serde/TOML error as file, line and field; an unknown key is added to the path.
fn structural(
    text: &str,
    file: &str,
    e: &serde_path_to_error::Error<toml::de::Error>,
) -> ScenarioError {
    let inner = e.inner();
    let message = inner
        .message()
        .trim()
        .replace("unknown variant", "unknown value");
    const WRAPPER: &str = "$__serde_spanned_private_value";
    let mut field = e
        .path()
        .to_string()
        .replace(&format!(".{WRAPPER}"), "")
        .replace(WRAPPER, "");
    if field == "." {
        field.clear();
    }
    for prefix in ["missing field `", "unknown field `"] {
        if let Some(name) = message
            .strip_prefix(prefix)
            .and_then(|m| m.split('`').next())
        {
            if field.ends_with(&format!(".{name}")) || field == name {
                continue;
            }
            if !field.is_empty() {
                field.push('.');
            }
            field.push_str(name);
        }
    }
    let message = if field.contains("match.") && message.starts_with("unknown field") {
        format!(
            "{message}: a matcher may name only {}",
            MATCHER_FIELDS.join(", ")
        )
    } else {
        message
    };
    ScenarioError {
        file: file.into(),
        line: inner.span().map(|s| line_of(text, s.start)),
        field,
        message,
    }
}

fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

fn is_slug(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
}
