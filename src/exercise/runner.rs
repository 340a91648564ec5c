//! The loop that runs a scenario against a store. Every tick it reads what was sealed
//! since the last one (responders' pauses, incidents, validations), folds the scripted
//! agents' control state from the ledger, asks the engine what happens next and seals
//! it. A scripted agent's action that cannot be sealed is not taken (the pipeline fails
//! closed, as a gated agent's would); the exercise's own markers are kept and sealed
//! once the store takes writes again.

use super::{offset_of, sandbox, ExerciseError};
use crate::event::{Event, Timestamp};
use crate::gameday::engine::{Control, Engine, Seen, Step};
use crate::gameday::events::{self, Start, Twist};
use crate::gameday::scenario::{EnvAction, Offset, Scenario};
use crate::ledger::seal::event_from_record;
use crate::query::{Filter, Page};
use crate::respond::{new_id, seal};
use crate::store::{SealContext, Store};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

pub struct RunOptions {
    /// Scenario seconds per real second.
    pub speed: u32,
    /// The facilitator, established from a credential.
    pub operator: String,
    /// The justification given with `--into-live-store`.
    pub live_justification: Option<String>,
    /// Set (by Ctrl-C) to end the run early.
    pub interrupted: Arc<AtomicBool>,
}

#[derive(Debug, Clone)]
pub struct RunSummary {
    pub run: String,
    pub reason: String,
    pub start_seq: u64,
    pub end_seq: u64,
}

struct Runner<'a> {
    store: &'a Store,
    ctx: &'a SealContext,
    engine: Engine,
    operator: String,
    speed: u32,
    /// Exercise markers not sealed yet (the store refused writes), oldest first.
    backlog: Vec<Event>,
    /// Scripted producers' events held back by a `delay-writes` inject, with when they arrive.
    delayed: Vec<(Offset, Event)>,
    delay: u64,
    refusing: bool,
}

/// Runs `scenario` on `store` as run `run_id` until the engine ends it, the cap passes
/// or the run is interrupted; `say` gets one line per thing that happened.
pub async fn run(
    store: &Store,
    ctx: &SealContext,
    scenario: Scenario,
    text: &str,
    run_id: String,
    opts: &RunOptions,
    say: &mut dyn FnMut(String),
) -> Result<RunSummary, ExerciseError> {
    let start = Timestamp::now();
    let sha = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(text.as_bytes()));
    let begin = events::start(
        &Start {
            run: &run_id,
            scenario_id: &scenario.id,
            version: &scenario.version,
            text,
            sha256: &sha,
            speed: opts.speed,
            agents: scenario.agents.iter().map(|a| a.id.clone()).collect(),
            live_store: opts.live_justification.as_deref(),
        },
        &opts.operator,
        new_id(),
        start,
    );
    let start_seq = seal(store, ctx, vec![begin], true)
        .await?
        .last()
        .copied()
        .unwrap_or_default();
    say(format!(
        "+00:00  exercise {run_id} started (seq {start_seq}), speed x{}",
        opts.speed
    ));
    let mut r = Runner {
        store,
        ctx,
        engine: Engine::new(scenario, run_id.clone()),
        operator: opts.operator.clone(),
        speed: opts.speed.max(1),
        backlog: Vec::new(),
        delayed: Vec::new(),
        delay: 0,
        refusing: false,
    };
    let began = Instant::now();
    let mut cursor = start_seq;
    let reason = loop {
        let now = Offset(
            u64::try_from(began.elapsed().as_millis()).unwrap_or(u64::MAX) * u64::from(r.speed)
                / 1000,
        );
        if opts.interrupted.load(Ordering::Relaxed) {
            break "interrupted (Ctrl-C)".to_string();
        }
        let rows = new_events(store, &mut cursor).await?;
        let seen: Vec<Seen<'_>> = rows
            .iter()
            .map(|(seq, e)| Seen {
                seq: *seq,
                at: offset_of(start, e.time, r.speed),
                event: e,
            })
            .collect();
        let control = control(store).await?;
        let steps = r.engine.tick(now, &control, &seen);
        let mut end = None;
        for step in steps {
            if let Step::End { reason } = &step {
                end = Some(reason.clone());
            }
            r.perform(now, step, say).await;
        }
        r.flush(now, say).await;
        if let Some(reason) = end {
            break reason;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    if r.refusing {
        sandbox::set_writable(store, true)?;
        say("store writes restored for the end of the exercise".into());
    }
    r.flush(Offset(u64::MAX), say).await;
    let fin = events::end(&run_id, &r.operator, &reason, new_id(), Timestamp::now());
    let end_seq = seal(store, ctx, vec![fin], true)
        .await?
        .last()
        .copied()
        .unwrap_or_default();
    say(format!("exercise {run_id} ended (seq {end_seq}): {reason}"));
    Ok(RunSummary {
        run: run_id,
        reason,
        start_seq,
        end_seq,
    })
}

/// Events sealed after `cursor`, oldest first; moves the cursor.
async fn new_events(store: &Store, cursor: &mut u64) -> Result<Vec<(u64, Event)>, ExerciseError> {
    let mut out = Vec::new();
    loop {
        let rows = store
            .rows(&Filter::default(), Page::oldest_first(*cursor, 1000))
            .await?;
        let Some(last) = rows.last() else { break };
        *cursor = last.seq;
        out.extend(
            rows.iter()
                .filter_map(|r| Some((r.seq, event_from_record(&r.record).ok()?))),
        );
        if rows.len() < 1000 {
            break;
        }
    }
    Ok(out)
}

/// Each agent's control state as the ledger shows it, real and exercise events alike
/// (on a sandbox, a responder's pause stops the scripted agent however it was made).
async fn control(store: &Store) -> Result<HashMap<String, Control>, ExerciseError> {
    let s = crate::respond::load::control_events(store).await?;
    let events = || s.iter().map(|(_, e)| e);
    let mut out: HashMap<String, Control> = HashMap::new();
    for states in [
        crate::incident::agent_states(events()),
        crate::incident::exercise_agent_states(events()),
    ] {
        for (agent, c) in states {
            let e = out.entry(agent).or_default();
            e.paused |= c.paused.is_some();
            e.revoked |= c.token_revoked.is_some();
        }
    }
    Ok(out)
}

impl Runner<'_> {
    async fn perform(&mut self, now: Offset, step: Step, say: &mut dyn FnMut(String)) {
        let run = self.engine.run.clone();
        let t = |o: Offset| o.to_string();
        match step {
            Step::Inject {
                inject,
                contingency_for,
            } => {
                let Some(i) = self.engine.scenario.inject(&inject).cloned() else {
                    return;
                };
                if i.env == Some(EnvAction::RestoreWrites) {
                    self.env(&EnvAction::RestoreWrites, say);
                }
                let why = contingency_for
                    .as_deref()
                    .map(|c| format!(" (contingency: {c} missed)"))
                    .unwrap_or_default();
                say(format!(
                    "{}  inject {}{why}: {}",
                    t(now),
                    i.id,
                    safe(&i.synopsis)
                ));
                let marker = events::inject(
                    &run,
                    &self.operator,
                    &i,
                    now.0,
                    contingency_for.as_deref(),
                    new_id(),
                    Timestamp::now(),
                );
                self.backlog.push(marker);
                self.flush(now, say).await;
                for tpl in &i.events {
                    let e = events::from_template(&run, tpl, 1, new_id(), Timestamp::now());
                    self.produce(now, e, say).await;
                }
            }
            Step::Env(env) => self.env(&env, say),
            Step::Act {
                agent,
                n,
                leaked,
                corrupt,
            } => {
                let Some(a) = self.engine.scenario.agent(&agent).cloned() else {
                    return;
                };
                let twist = Twist { leaked, corrupt };
                let e = events::agent_action(&run, &a, n, &twist, new_id(), Timestamp::now());
                let allowed = &self.engine.scenario.safety.allowed_targets;
                let resource = e
                    .action
                    .as_ref()
                    .and_then(|a| a.resource.clone())
                    .unwrap_or_default();
                if !allowed.is_empty()
                    && !allowed
                        .iter()
                        .any(|g| crate::exec::config::glob_match(g, &resource))
                {
                    say(format!(
                        "{}  {agent} action {n} on {} is outside the allowed targets: not emitted",
                        t(now),
                        safe(&resource)
                    ));
                    return;
                }
                self.produce(now, e, say).await;
            }
            Step::Skipped { inject } => say(format!(
                "{}  inject {inject} skipped: its condition did not hold",
                t(now)
            )),
            Step::Expectation { id, state } => {
                say(format!("{}  expectation {id}: {state}", t(now)))
            }
            Step::AgentStopped { agent } => say(format!(
                "{}  {agent} stopped: the ledger shows it contained",
                t(now)
            )),
            Step::AgentResumed { agent } => say(format!(
                "{}  {agent} acting again: the ledger shows it resumed",
                t(now)
            )),
            Step::End { .. } => {}
        }
    }

    fn env(&mut self, env: &EnvAction, say: &mut dyn FnMut(String)) {
        let done = match env {
            EnvAction::RefuseWrites => {
                sandbox::set_writable(self.store, false).map(|()| self.refusing = true)
            }
            EnvAction::RestoreWrites => {
                sandbox::set_writable(self.store, true).map(|()| self.refusing = false)
            }
            EnvAction::DelayWrites(s) => {
                self.delay = *s;
                Ok(())
            }
            EnvAction::CorruptExplanation(_) | EnvAction::LeakToken(_) => Ok(()),
        };
        match done {
            Ok(()) => say(format!("        environment: {}", env.describe())),
            Err(e) => say(format!(
                "        environment: {} failed: {e}",
                env.describe()
            )),
        }
    }

    /// A scripted producer's event: held back while writes are delayed, else sealed now;
    /// refused (and dropped) when the store cannot seal.
    async fn produce(&mut self, now: Offset, e: Event, say: &mut dyn FnMut(String)) {
        if self.delay > 0 {
            self.delayed.push((Offset(now.0 + self.delay), e));
            return;
        }
        self.seal_producer(now, e, say).await;
    }

    async fn seal_producer(&mut self, now: Offset, e: Event, say: &mut dyn FnMut(String)) {
        let what = format!("{} {}", e.agent_id().unwrap_or("-"), e.what_on());
        match seal(self.store, self.ctx, vec![e], false).await {
            Ok(seqs) => say(format!(
                "{}  {} (seq {})",
                now,
                safe(&what),
                seqs.last().copied().unwrap_or_default()
            )),
            Err(err) => say(format!(
                "{}  {}: refused, the store cannot seal ({err}); the action fails closed",
                now,
                safe(&what)
            )),
        }
    }

    /// Seals the markers waiting in the backlog and the delayed events now due.
    async fn flush(&mut self, now: Offset, say: &mut dyn FnMut(String)) {
        if !self.backlog.is_empty() {
            let batch = std::mem::take(&mut self.backlog);
            if let Err(e) = seal(self.store, self.ctx, batch.clone(), false).await {
                if !self.refusing {
                    say(format!(
                        "        exercise markers not sealed yet ({e}); retrying"
                    ));
                }
                self.backlog = batch;
            }
        }
        let (due, later): (Vec<_>, Vec<_>) = std::mem::take(&mut self.delayed)
            .into_iter()
            .partition(|(at, _)| *at <= now);
        self.delayed = later;
        for (_, e) in due {
            self.seal_producer(now, e, say).await;
        }
        if self.delay > 0 && self.delayed.is_empty() && now.0 == u64::MAX {
            self.delay = 0;
        }
    }
}

fn safe(s: &str) -> String {
    crate::untrusted::escape_untrusted(s).into_owned()
}
