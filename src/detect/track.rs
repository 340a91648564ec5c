//! The per-agent and per-operator windows the rules read: repeats of one action on one
//! resource, actions and failures per minute with moving averages, and the values an
//! agent has been seen with. Each keeps only what its rule needs.

use super::{DetectConfig, Rule, SEEN_CAP};
use crate::event::{Event, OutcomeStatus, Tier};
use std::collections::{HashMap, HashSet, VecDeque};

/// Minutes of per-minute counts kept (sparklines and the failure window).
const MINUTES: usize = 60;
/// The moving averages' span, in minutes.
const EWMA_SPAN: f64 = 30.0;

#[derive(Debug, Clone, Copy, Default)]
struct Minute {
    at: i64,
    actions: u32,
    outcomes: u32,
    failures: u32,
}

/// Dimensions of `never_seen`, with the words the reason uses.
const DIMENSIONS: [&str; 5] = [
    "environment",
    "target system",
    "model",
    "principal",
    "T3 destination",
];

/// Where a resource lives, without the item: `s3://bucket`, `stripe://charges`,
/// `postgres://host` (a refund's charge id or a volume id is new every time; the bucket
/// or the database it lands in is what should be familiar).
fn scope(resource: &str) -> String {
    match resource.split_once("://") {
        Some((scheme, rest)) => {
            let first = rest.split('/').find(|p| !p.is_empty()).unwrap_or("");
            format!("{scheme}://{first}")
        }
        None => resource.split('/').next().unwrap_or(resource).to_string(),
    }
}

#[derive(Debug, Clone, Default)]
pub(super) struct AgentTrack {
    events: u64,
    /// (action type, resource, digest of the parameters) → times within the window.
    repeats: HashMap<(bool, String, String, u64), VecDeque<i64>>,
    minutes: VecDeque<Minute>,
    rate: f64,
    failure_share: f64,
    watched_minutes: u32,
    /// Actions within the longer of a minute and the failure window: (time, has an
    /// outcome, failed).
    recent: VecDeque<(i64, bool, bool)>,
    seen: [HashSet<String>; 5],
    pruned_at: u64,
}

impl AgentTrack {
    /// Folds one action or proposal in; returns (rule, detail, why) for each rule it trips.
    pub(super) fn observe(
        &mut self,
        e: &Event,
        is_action: bool,
        cfg: &DetectConfig,
    ) -> Vec<(Rule, String, String)> {
        let mut out = Vec::new();
        self.novelty(e, cfg, &mut out);
        self.events += 1;
        let at = e.time.millis();
        // Behind the gate an agent's attempts are proposals: a loop of proposals is as
        // much a loop as one of actions (counted apart, so an allowed attempt's proposal
        // and action do not count twice).
        if let Some(found) = self.repeat(e, is_action, at, cfg) {
            out.push(found);
        }
        if !is_action {
            return out;
        }
        self.count_minute(e, at);
        self.count_recent(e, at, cfg);
        if let Some(why) = self.spike(cfg) {
            out.push((Rule::RateSpike, String::new(), why));
        }
        if let Some(why) = self.failures(cfg) {
            out.push((Rule::FailureBurst, String::new(), why));
        }
        if e.tier == Some(Tier::T3) && unapproved(e) {
            let what = e.action.as_ref().map_or("action", |a| a.kind.as_str());
            out.push((
                Rule::RiskyUnapproved,
                what.to_string(),
                format!("T3 {what} ran with approval mode none"),
            ));
        }
        if self.events - self.pruned_at > 512 {
            self.pruned_at = self.events;
            let horizon = at - cfg.loop_window_s * 1000;
            self.repeats
                .retain(|_, times| times.back().is_some_and(|t| *t >= horizon));
        }
        out
    }

    fn novelty(&mut self, e: &Event, cfg: &DetectConfig, out: &mut Vec<(Rule, String, String)>) {
        let action = e.action.as_ref();
        let env = action
            .and_then(|a| a.environment.clone())
            .or_else(|| e.context.as_ref().and_then(|c| c.environment.clone()));
        let system = action.and_then(|a| a.target_system.clone());
        let model = e.model.as_ref().map(|m| match &m.version {
            Some(v) => format!("{}@{v}", m.name),
            None => m.name.clone(),
        });
        let principal = e.actor.as_ref().and_then(|a| a.on_behalf_of.clone());
        let resource = action
            .filter(|_| e.tier == Some(Tier::T3))
            .and_then(|a| a.resource.as_deref())
            .map(scope);
        let learned = self.events >= u64::from(cfg.novelty_after);
        for (i, value) in [env, system, model, principal, resource]
            .into_iter()
            .enumerate()
        {
            let Some(value) = value else { continue };
            let set = &mut self.seen[i];
            if set.contains(&value) || set.len() >= SEEN_CAP {
                continue;
            }
            set.insert(value.clone());
            if learned {
                let dim = DIMENSIONS[i];
                out.push((
                    Rule::NeverSeen,
                    format!("{dim}={value}"),
                    format!(
                        "first {dim} {value} for this agent in {} events",
                        self.events
                    ),
                ));
            }
        }
    }

    fn count_minute(&mut self, e: &Event, at: i64) {
        let minute = at.div_euclid(60_000);
        let last = self.minutes.back().map(|m| m.at);
        match last {
            Some(l) if minute < l => {}
            Some(l) if minute == l => {}
            _ => {
                if let Some(done) = self.minutes.back().copied() {
                    let alpha = 2.0 / (EWMA_SPAN + 1.0);
                    self.rate = alpha * f64::from(done.actions) + (1.0 - alpha) * self.rate;
                    if done.outcomes > 0 {
                        let share = f64::from(done.failures) / f64::from(done.outcomes);
                        self.failure_share = alpha * share + (1.0 - alpha) * self.failure_share;
                    }
                    let empty = (minute - done.at - 1).clamp(0, 120);
                    self.rate *= (1.0 - alpha).powi(empty as i32);
                    self.watched_minutes += (minute - done.at).clamp(0, 120) as u32;
                }
                self.minutes.push_back(Minute {
                    at: minute,
                    ..Minute::default()
                });
                while self.minutes.len() > MINUTES {
                    self.minutes.pop_front();
                }
            }
        }
        let Some(slot) = self.minutes.iter_mut().rev().find(|m| m.at == minute) else {
            return;
        };
        slot.actions += 1;
        if let Some(status) = e.outcome_status() {
            if status != OutcomeStatus::Pending {
                slot.outcomes += 1;
            }
            if matches!(status, OutcomeStatus::Failure | OutcomeStatus::Error) {
                slot.failures += 1;
            }
        }
    }

    fn count_recent(&mut self, e: &Event, at: i64, cfg: &DetectConfig) {
        let status = e.outcome_status().filter(|s| *s != OutcomeStatus::Pending);
        let failed = matches!(status, Some(OutcomeStatus::Failure | OutcomeStatus::Error));
        self.recent.push_back((at, status.is_some(), failed));
        let horizon = at - cfg.failure_window_s.max(60) * 1000;
        while self.recent.front().is_some_and(|r| r.0 < horizon) {
            self.recent.pop_front();
        }
    }

    fn repeat(
        &mut self,
        e: &Event,
        is_action: bool,
        at: i64,
        cfg: &DetectConfig,
    ) -> Option<(Rule, String, String)> {
        if e.tier == Some(Tier::T0) {
            return None;
        }
        let action = e.action.as_ref()?;
        let resource = action.resource.clone()?;
        // The same thing again: creating ten tickets in one project is work, restarting
        // one deployment ten times with the same arguments is a loop.
        let params = {
            use std::hash::{Hash, Hasher};
            let mut h = std::collections::hash_map::DefaultHasher::new();
            action
                .params
                .as_ref()
                .map(|p| p.to_string())
                .unwrap_or_default()
                .hash(&mut h);
            h.finish()
        };
        let times = self
            .repeats
            .entry((is_action, action.kind.clone(), resource.clone(), params))
            .or_default();
        times.push_back(at);
        let horizon = at - cfg.loop_window_s * 1000;
        while times.front().is_some_and(|t| *t < horizon) || times.len() > 64 {
            times.pop_front();
        }
        let n = times.len();
        if n < cfg.loop_count as usize {
            return None;
        }
        let first = times.front().copied().unwrap_or(at);
        let span_s = (at - first) / 1000;
        let every = span_s / (n as i64 - 1).max(1);
        Some((
            Rule::Loop,
            format!("{} {resource}", action.kind),
            format!(
                "{} {}{n}× on {resource} in {}, same arguments (every ~{every}s)",
                action.kind,
                if is_action { "" } else { "proposed " },
                span(span_s)
            ),
        ))
    }

    fn spike(&self, cfg: &DetectConfig) -> Option<String> {
        let newest = self.recent.back()?.0;
        let last_minute = self
            .recent
            .iter()
            .rev()
            .take_while(|r| r.0 > newest - 60_000)
            .count() as u32;
        if self.watched_minutes < cfg.baseline_minutes || last_minute < cfg.spike_min {
            return None;
        }
        let usual = self.rate.max(1.0);
        let factor = f64::from(last_minute) / usual;
        (factor >= cfg.spike_factor).then(|| {
            format!(
                "{last_minute} actions in one minute, {factor:.0}× its usual {:.1}/min",
                self.rate
            )
        })
    }

    fn failures(&self, cfg: &DetectConfig) -> Option<String> {
        let newest = self.recent.back()?.0;
        let (mut outcomes, mut failures) = (0u32, 0u32);
        for r in self
            .recent
            .iter()
            .filter(|r| r.0 > newest - cfg.failure_window_s * 1000)
        {
            outcomes += u32::from(r.1);
            failures += u32::from(r.2);
        }
        if failures < cfg.failure_count || outcomes == 0 {
            return None;
        }
        let share = f64::from(failures) / f64::from(outcomes);
        let usual = self.failure_share;
        (share >= cfg.failure_share && share >= 3.0 * usual).then(|| {
            format!(
                "{failures} of {outcomes} actions failed in {} (usually {:.0}%)",
                span(cfg.failure_window_s),
                usual * 100.0
            )
        })
    }

    /// Actions per minute for the `minutes` minutes up to `now`, oldest first.
    pub(super) fn per_minute(&self, now: crate::event::Timestamp, minutes: usize) -> Vec<u64> {
        let end = now.millis().div_euclid(60_000);
        (0..minutes as i64)
            .rev()
            .map(|back| {
                let at = end - back;
                self.minutes
                    .iter()
                    .find(|m| m.at == at)
                    .map_or(0, |m| u64::from(m.actions))
            })
            .collect()
    }
}

/// A T3 action nobody approved: mode `none`, or no approval recorded at all.
fn unapproved(e: &Event) -> bool {
    e.approval
        .as_ref()
        .is_none_or(|a| a.mode == crate::event::ApprovalMode::None)
}

/// `4m 30s`, `50s`.
pub(super) fn span(seconds: i64) -> String {
    if seconds >= 3600 {
        format!("{}h {}m", seconds / 3600, seconds % 3600 / 60)
    } else if seconds >= 60 {
        format!("{}m {}s", seconds / 60, seconds % 60)
    } else {
        format!("{seconds}s")
    }
}

/// One operator's overrides and rollbacks: the recent ones, and how many over how long.
#[derive(Debug, Clone, Default)]
pub(super) struct OperatorTrack {
    recent: VecDeque<i64>,
    total: u64,
    first: Option<i64>,
}

impl OperatorTrack {
    pub(super) fn observe(&mut self, e: &Event, cfg: &DetectConfig) -> Option<String> {
        let at = e.time.millis();
        let first = *self.first.get_or_insert(at);
        self.total += 1;
        self.recent.push_back(at);
        let window = cfg.intervention_window_s * 1000;
        while self.recent.front().is_some_and(|t| *t < at - window) {
            self.recent.pop_front();
        }
        let now = self.recent.len() as u64;
        let watched = at - first;
        if now < u64::from(cfg.intervention_count) || watched < 2 * window {
            return None;
        }
        let windows_before = ((watched - window) as f64 / window as f64).max(1.0);
        let usual = (self.total - now) as f64 / windows_before;
        let factor = now as f64 / usual.max(1.0);
        (factor >= cfg.intervention_factor).then(|| {
            format!(
                "{now} overrides and rollbacks in {}, {factor:.0}× their usual {usual:.1}",
                span(cfg.intervention_window_s)
            )
        })
    }
}
