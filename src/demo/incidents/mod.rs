//! The embedded incidents and the game-day drill: scripted bursts with a clear culprit,
//! fixed ids and correlation ids (so the README and tests can point at them), and the
//! human response the console exists for: interventions, pause, token revocation,
//! rollback, and an incident opened, worked and closed.

mod drill;
mod export;
mod restart_loop;
mod secret_leak;

use super::agents::{Bot, Human};
use super::forge::Forge;
use super::trace::{agent_ref, control_action, outcome, Trace};
use crate::event::{Event, OutcomeStatus, Tier};
use crate::incident::Severity;
use serde_json::json;

/// One embedded incident, described for the README, the tests and the console's docs.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoIncident {
    pub id: &'static str,
    pub title: &'static str,
    /// The agent whose actions caused it.
    pub culprit: &'static str,
    /// What happened, in a few sentences.
    pub summary: &'static str,
    /// The culprit's trace first, then the response's.
    pub correlation_ids: &'static [&'static str],
    pub reason_codes: &'static [&'static str],
    pub tier: Tier,
    /// True for the game-day drill: every one of its events carries `exercise: true`.
    pub exercise: bool,
    /// Where in the history it starts, as a share of the events (0.0–1.0).
    pub position: f64,
}

/// Which scripted story to tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Script {
    Export,
    RestartLoop,
    SecretLeak,
    Drill,
}

impl Script {
    /// The scripts in the order they appear in the history.
    pub(crate) const ALL: [Script; 4] = [
        Script::Export,
        Script::Drill,
        Script::RestartLoop,
        Script::SecretLeak,
    ];

    pub(crate) fn describe(self) -> DemoIncident {
        match self {
            Script::Export => export::DESCRIPTION,
            Script::RestartLoop => restart_loop::DESCRIPTION,
            Script::SecretLeak => secret_leak::DESCRIPTION,
            Script::Drill => drill::DESCRIPTION,
        }
    }

    /// Appends the whole story, starting at `start`. `suffix` is appended to every
    /// correlation id (empty in the history; live replays make theirs unique).
    pub(crate) fn tell(self, f: &mut Forge, start: i64, suffix: &str, out: &mut Vec<Event>) {
        let ids = self.describe().correlation_ids;
        let cause = format!("{}{suffix}", ids[0]);
        let response = format!("{}{suffix}", ids[1 % ids.len()]);
        let mut s = Scene {
            f,
            start,
            out,
            cause,
            response,
        };
        match self {
            Script::Export => export::tell(&mut s),
            Script::RestartLoop => restart_loop::tell(&mut s),
            Script::SecretLeak => secret_leak::tell(&mut s),
            Script::Drill => drill::tell(&mut s),
        }
    }
}

/// What a script writes with: the forge, where to put events, and its two correlation ids.
pub(crate) struct Scene<'a> {
    pub f: &'a mut Forge,
    pub start: i64,
    pub out: &'a mut Vec<Event>,
    pub cause: String,
    pub response: String,
}

impl Scene<'_> {
    /// The culprit's trace.
    pub(crate) fn cause_trace(&mut self, bot: Bot, env: &str) -> Trace {
        Trace::named(self.f, self.cause.clone(), bot, env, self.start)
    }

    /// The responders' trace, starting `after_ms` into the story as a child of `parent`.
    pub(crate) fn response_trace(
        &mut self,
        bot: Bot,
        env: &str,
        after_ms: i64,
        parent: Option<String>,
    ) -> Trace {
        let mut t = Trace::named(
            self.f,
            self.response.clone(),
            bot,
            env,
            self.start + after_ms,
        );
        t.last_id = parent;
        t
    }

    /// A control action by a person on an agent (`control.pause`, `control.resume`,
    /// `control.revoke_token`, `control.rollback`), with what ran and its result.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn control(
        &mut self,
        tr: &mut Trace,
        kind: &str,
        who: Human,
        culprit: Bot,
        reason: &str,
        tier: Tier,
        why: &str,
        what: crate::event::Action,
    ) {
        let mut e = tr.human_event(self.f, kind, who, reason, tier, why.to_string());
        e.agent = Some(agent_ref(culprit));
        e.action = Some(what);
        e.outcome = Some(outcome(
            OutcomeStatus::Success,
            "executor confirmed",
            Some(json!({"executor": "builtin", "exit": 0})),
        ));
        self.out.push(e);
    }

    pub(crate) fn pause(
        &mut self,
        tr: &mut Trace,
        who: Human,
        culprit: Bot,
        tier: Tier,
        why: &str,
    ) {
        let what = control_action(
            "agent.pause",
            "custody-gateway",
            format!("agent://{}", culprit.id()),
            "prod",
            json!({"scope": "all-actions", "queued_actions": "hold"}),
        );
        self.control(
            tr,
            "control.pause",
            who,
            culprit,
            "containment",
            tier,
            why,
            what,
        );
    }

    pub(crate) fn resume(
        &mut self,
        tr: &mut Trace,
        who: Human,
        culprit: Bot,
        tier: Tier,
        why: &str,
    ) {
        let what = control_action(
            "agent.resume",
            "custody-gateway",
            format!("agent://{}", culprit.id()),
            "prod",
            json!({"scope": "all-actions"}),
        );
        self.control(
            tr,
            "control.resume",
            who,
            culprit,
            "incident_remediation",
            tier,
            why,
            what,
        );
    }

    /// An incident lifecycle event (`incident.open`, `incident.step`, `incident.close`).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn incident(
        &mut self,
        tr: &mut Trace,
        kind: &str,
        id: &str,
        who: Human,
        culprit: Bot,
        reason: &str,
        tier: Tier,
        note: &str,
    ) {
        let mut e = tr.human_event(self.f, kind, who, reason, tier, note.to_string());
        e.agent = Some(agent_ref(culprit));
        e.action = Some(control_action(
            kind,
            "custody",
            format!("incident://{id}"),
            "prod",
            json!({"incident": id, "severity": Severity::from_tier(tier).as_str()}),
        ));
        self.out.push(e);
    }

    /// A person's judgement call on the record (`human.intervention`).
    pub(crate) fn intervene(
        &mut self,
        tr: &mut Trace,
        who: Human,
        culprit: Bot,
        reason: &str,
        tier: Tier,
        why: &str,
    ) {
        let mut e = tr.human_event(
            self.f,
            "human.intervention",
            who,
            reason,
            tier,
            why.to_string(),
        );
        e.agent = Some(agent_ref(culprit));
        self.out.push(e);
    }
}

/// The three real incidents (the drill is `game_day`).
pub(crate) fn all() -> Vec<DemoIncident> {
    [Script::Export, Script::RestartLoop, Script::SecretLeak]
        .map(Script::describe)
        .to_vec()
}
