//! The console's responding effects: re-deriving incidents and control state, sealing
//! incident events, and running containment actions write-ahead. IO only; what to seal
//! or run was decided by the pure update (`response`).

use super::msg::{Msg, Status};
use crate::event::{Event, Timestamp};
use crate::incident::Incident;
use crate::respond::{self, load, Refused, SealError, StepRun};
use crate::store::{SealContext, Store, StoreError};
use std::sync::Arc;
use tokio::sync::mpsc::UnboundedSender;

/// The console's sealing context (signing key, anchor file, session), or why it has none:
/// the key could not be loaded, and the console still browses but seals nothing.
pub type Sealing = Result<SealContext, SealError>;

/// Why a containment action from the console did not run or did not finish.
#[derive(Debug, thiserror::Error)]
pub enum ActionError {
    #[error(transparent)]
    Refused(#[from] Refused),
    #[error("nothing ran: cannot read the incident from the ledger: {0}")]
    Incident(#[source] StoreError),
}

/// Seals with the console's context, or says why it cannot.
async fn seal(
    store: &Store,
    sealing: &Sealing,
    events: Vec<Event>,
    checkpoint: bool,
) -> Result<Vec<u64>, SealError> {
    respond::seal(
        store,
        sealing.as_ref().map_err(Clone::clone)?,
        events,
        checkpoint,
    )
    .await
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
                Err(e) => Msg::Status(Status::error(format!("loading incidents: {e}"))),
            };
            let _ = tx.send(msg);
        });
    }

    /// `Effect::LoadIncident`.
    pub fn load_incident(&self, id: String) {
        let (store, tx) = (self.store.clone(), self.tx.clone());
        tokio::spawn(async move {
            let msg = match load::incident(&store, &id).await {
                Ok(incident) => Msg::Incident {
                    id,
                    incident: incident.map(Box::new),
                },
                Err(e) => Msg::Status(Status::error(format!("loading incident {id}: {e}"))),
            };
            let _ = tx.send(msg);
        });
    }

    /// `Effect::Seal`.
    pub fn seal(&self, events: Vec<Event>, checkpoint: bool, what: String) {
        let (store, tx, sealing) = (self.store.clone(), self.tx.clone(), self.sealing.clone());
        tokio::spawn(async move {
            let result = seal(&store, &sealing, events, checkpoint).await;
            let result = result.map_err(|e| e.to_string());
            let _ = tx.send(Msg::Sealed { what, result });
        });
    }

    /// `Effect::SealDetections`: each event on its own, so one already sealed (by another
    /// console) does not hold back the rest.
    pub fn seal_detections(&self, events: Vec<Event>) {
        let (store, tx, sealing) = (self.store.clone(), self.tx.clone(), self.sealing.clone());
        tokio::spawn(async move {
            for e in events {
                match seal(&store, &sealing, vec![e], false).await {
                    Ok(_) | Err(SealError::AlreadySealed { .. }) => {}
                    Err(err) => {
                        let _ = tx.send(Msg::Status(Status::warning(format!(
                            "a detection could not be recorded: {err}"
                        ))));
                    }
                }
            }
        });
    }

    /// `Effect::Execute`.
    pub fn execute(&self, plan: Box<respond::Plan>, step: Option<(String, bool)>, what: String) {
        let (store, tx, sealing) = (self.store.clone(), self.tx.clone(), self.sealing.clone());
        tokio::spawn(async move {
            let result = execute(&store, &sealing, &plan, step).await;
            let result = result.map_err(|e| e.to_string());
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
                Err(e) => Msg::Status(Status::error(format!(
                    "loading {}'s actions: {e}",
                    request.agent
                ))),
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
            let result = result.map_err(|e| e.to_string());
            let _ = tx.send(Msg::Executed { what, result });
        });
    }
}

/// The sealing context, and the incident the step belongs to as the ledger has it now.
async fn prepare<'a>(
    store: &Store,
    sealing: &'a Sealing,
    step: &Option<(String, bool)>,
) -> Result<(&'a SealContext, Option<Incident>), ActionError> {
    let ctx = sealing
        .as_ref()
        .map_err(|e| Refused::CannotSeal(e.clone()))?;
    let incident = match step {
        Some((id, _)) => load::incident(store, id)
            .await
            .map_err(ActionError::Incident)?,
        None => None,
    };
    Ok((ctx, incident))
}

fn step_run<'a>(
    step: &Option<(String, bool)>,
    incident: &'a Option<Incident>,
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
) -> Result<String, ActionError> {
    let (ctx, incident) = prepare(store, sealing, &step).await?;
    let done = respond::execute(store, ctx, plan, step_run(&step, &incident)).await?;
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
) -> Result<String, ActionError> {
    let (ctx, incident) = prepare(store, sealing, &step).await?;
    let run = step_run(&step, &incident);
    let batch = respond::execute_all(store, ctx, plans, run, |_, _| {}).await?;
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
) -> Result<(), SealError> {
    let ctx = sealing.as_ref().map_err(Clone::clone)?;
    let e = respond::events::session(
        operator,
        ctx.session.as_deref().unwrap_or_default(),
        state,
        read_only,
        respond::new_id(),
        Timestamp::now(),
    );
    respond::seal(store, ctx, vec![e], false).await.map(|_| ())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::exec::{Action, Executors};
    use crate::ledger::note::NoteSigner;
    use crate::respond::{Request, Roles};

    fn pause(reason: &str) -> respond::Plan {
        let request = Request {
            action: Action::Pause,
            agent: "deploy-bot".into(),
            operator: "raj".into(),
            reason_code: reason.into(),
            justification: "looping".into(),
            incident: None,
            step: None,
            target: None,
            tier: None,
            token_ref: None,
            exercise: false,
        };
        respond::plan(request, &Executors::default(), &Roles::default()).unwrap()
    }

    #[tokio::test]
    async fn a_console_reason_code_ingest_would_reject_runs_nothing_and_seals_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let url = dir.path().join("ledger.db").display().to_string();
        let store = Store::open(&url, None).await.unwrap();
        let signer = NoteSigner::generate("test").unwrap();
        let sealing: Sealing = Ok(SealContext::new(signer, None).in_session("s-1"));
        for reason in ["\u{1b}[31m".to_string(), "x".repeat(5000)] {
            let err = execute(&store, &sealing, &pause(&reason), None)
                .await
                .unwrap_err();
            let ActionError::Refused(Refused::CannotSeal(SealError::Invalid { source, .. })) = &err
            else {
                panic!("expected a refusal naming the field, got {err}");
            };
            assert_eq!(source.field.as_deref(), Some("reason_code"));
        }
        assert_eq!(store.head_seq().await.unwrap(), 0, "nothing was sealed");
    }

    #[tokio::test]
    async fn without_a_signing_key_the_console_seals_nothing_and_says_why() {
        let dir = tempfile::tempdir().unwrap();
        let url = dir.path().join("ledger.db").display().to_string();
        let store = Store::open(&url, None).await.unwrap();
        let sealing: Sealing = Err(SealError::NoSigner("key file unreadable".into()));
        let err = execute(&store, &sealing, &pause("containment"), None)
            .await
            .unwrap_err();
        assert!(err.to_string().contains("key file unreadable"), "{err}");
        assert_eq!(store.head_seq().await.unwrap(), 0);
    }
}
