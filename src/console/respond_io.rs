//! The console's responding effects: re-deriving incidents and control state, sealing
//! incident events, and running containment actions write-ahead. IO only; what to seal
//! or run was decided by the pure update (`response`).

use super::msg::Msg;
use crate::event::{Event, Timestamp};
use crate::ledger::note::NoteSigner;
use crate::respond::{self, load, Ledger, StepRun};
use crate::store::Store;
use std::path::PathBuf;
use std::sync::Arc;
use tokio::sync::mpsc::UnboundedSender;

/// What sealing needs: the signing key (when it could be loaded) and the anchor file.
#[derive(Clone)]
pub struct Sealing {
    pub signer: Result<Arc<NoteSigner>, String>,
    pub anchor: Option<PathBuf>,
    pub session: String,
}

impl Sealing {
    async fn seal(
        &self,
        store: &Store,
        mut events: Vec<Event>,
        checkpoint: bool,
    ) -> Result<Vec<u64>, String> {
        let signer = self.signer.clone()?;
        stamp(&mut events, &self.session);
        let ledger = Ledger {
            store,
            signer: &signer,
            anchor: self.anchor.as_deref(),
        };
        ledger.seal(events, checkpoint).await
    }
}

/// Gives events the update left without an id a fresh one, and the session.
fn stamp(events: &mut [Event], session: &str) {
    for e in events {
        if e.event_id.is_empty() {
            e.event_id = respond::new_id();
        }
        if let Some(a) = e.actor.as_mut().filter(|a| a.session.is_none()) {
            a.session = Some(session.to_string());
        }
    }
}

/// Runs the responding effects for `perform`: each spawns its work and answers with a
/// message.
pub struct Responder<'a> {
    pub store: &'a Arc<Store>,
    pub tx: &'a UnboundedSender<Msg>,
    pub sealing: &'a Sealing,
}

impl Responder<'_> {
    /// `Effect::LoadSituation`.
    pub fn load_situation(&self) {
        let (store, tx) = (self.store.clone(), self.tx.clone());
        tokio::spawn(async move {
            let msg = match load::situation(&store).await {
                Ok(s) => Msg::Situation(Box::new(s)),
                Err(e) => Msg::Status(format!("error: loading incidents: {e}")),
            };
            let _ = tx.send(msg);
        });
    }

    /// `Effect::Seal`.
    pub fn seal(&self, events: Vec<Event>, checkpoint: bool, what: String) {
        let (store, tx, sealing) = (self.store.clone(), self.tx.clone(), self.sealing.clone());
        tokio::spawn(async move {
            let result = sealing.seal(&store, events, checkpoint).await;
            let _ = tx.send(Msg::Sealed { what, result });
        });
    }

    /// `Effect::Execute`.
    pub fn execute(&self, plan: Box<respond::Plan>, step: Option<(String, bool)>, what: String) {
        let (store, tx, sealing) = (self.store.clone(), self.tx.clone(), self.sealing.clone());
        tokio::spawn(async move {
            let result = execute(&store, &sealing, &plan, step).await;
            let _ = tx.send(Msg::Executed { what, result });
        });
    }

    /// `Effect::LoadRollback`.
    pub fn load_rollback(
        &self,
        request: Box<respond::Request>,
        since: Timestamp,
        step: Option<(String, bool)>,
    ) {
        let (store, tx) = (self.store.clone(), self.tx.clone());
        tokio::spawn(async move {
            let actions =
                load::actions_since(&store, &request.agent, since, request.exercise).await;
            let msg = match actions {
                Ok(actions) => Msg::RollbackCandidates {
                    request,
                    since,
                    actions,
                    step,
                },
                Err(e) => Msg::Status(format!("error: loading {}'s actions: {e}", request.agent)),
            };
            let _ = tx.send(msg);
        });
    }

    /// `Effect::ExecuteMany`.
    pub fn execute_many(
        &self,
        plans: Vec<respond::Plan>,
        step: Option<(String, bool)>,
        what: String,
    ) {
        let (store, tx, sealing) = (self.store.clone(), self.tx.clone(), self.sealing.clone());
        tokio::spawn(async move {
            let result = execute_many(&store, &sealing, &plans, step).await;
            let _ = tx.send(Msg::Executed { what, result });
        });
    }
}

/// The signing key, and the incident the step belongs to as the ledger has it now.
async fn prepare(
    store: &Store,
    sealing: &Sealing,
    step: &Option<(String, bool)>,
) -> Result<(Arc<NoteSigner>, Option<crate::incident::Incident>), String> {
    let signer = sealing.signer.clone()?;
    let incident = match step {
        Some((id, _)) => load::situation(store)
            .await
            .map_err(|e| e.to_string())?
            .incident(id)
            .cloned(),
        None => None,
    };
    Ok((signer, incident))
}

fn step_run<'a>(
    step: &Option<(String, bool)>,
    incident: &'a Option<crate::incident::Incident>,
) -> Option<StepRun<'a>> {
    match (step, incident) {
        (Some((_, second_person)), Some(incident)) => Some(StepRun {
            incident,
            second_person: *second_person,
        }),
        _ => None,
    }
}

async fn execute(
    store: &Store,
    sealing: &Sealing,
    plan: &respond::Plan,
    step: Option<(String, bool)>,
) -> Result<String, String> {
    let (signer, incident) = prepare(store, sealing, &step).await?;
    let ledger = Ledger {
        store,
        signer: &signer,
        anchor: sealing.anchor.as_deref(),
    };
    let done = respond::execute(
        &ledger,
        plan,
        step_run(&step, &incident),
        Some(&sealing.session),
    )
    .await
    .map_err(|e| e.to_string())?;
    let r = &done.report;
    Ok(format!(
        "{} ({}, {} ms) · intent seq {} → result seq {}",
        r.status.as_str(),
        r.detail,
        r.duration_ms,
        done.intent_seq,
        done.result_seq
    ))
}

async fn execute_many(
    store: &Store,
    sealing: &Sealing,
    plans: &[respond::Plan],
    step: Option<(String, bool)>,
) -> Result<String, String> {
    let (signer, incident) = prepare(store, sealing, &step).await?;
    let ledger = Ledger {
        store,
        signer: &signer,
        anchor: sealing.anchor.as_deref(),
    };
    let run = step_run(&step, &incident);
    let batch = respond::execute_all(&ledger, plans, run, Some(&sealing.session), |_, _| {})
        .await
        .map_err(|e| e.to_string())?;
    let ok = batch.done.iter().filter(|d| d.succeeded()).count();
    let mut report = format!("{ok} of {} succeeded", plans.len());
    if let Some(failed) = batch.failed() {
        report.push_str(&format!("; stopped at a failure: {}", failed.report.detail));
    }
    if let Some(e) = &batch.stopped {
        report.push_str(&format!("; stopped: {e}"));
    }
    if let (Some(first), Some(last)) = (batch.done.first(), batch.done.last()) {
        report.push_str(&format!(" · seq {}–{}", first.intent_seq, last.result_seq));
    }
    Ok(report)
}

/// Seals `console.session` open or close; a failure is reported, never fatal.
pub async fn session_event(
    store: &Store,
    sealing: &Sealing,
    operator: &str,
    state: &str,
    read_only: bool,
) -> Result<(), String> {
    let e = respond::events::session(
        operator,
        &sealing.session,
        state,
        read_only,
        respond::new_id(),
        Timestamp::now(),
    );
    sealing.seal(store, vec![e], false).await.map(|_| ())
}
