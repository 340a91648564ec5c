//! The edge where a containment action happens: seal the intent, run the executor, seal
//! the result. If the intent cannot be sealed nothing runs. Playbook steps ride in the
//! same transactions: `started` is sealed with the intent, `done` or `failed` with the
//! result, so the checklist and the control events never disagree.

use super::events;
use super::plan::Plan;
use super::seal::seal;
use super::Refused;
use crate::event::{Event, OutcomeStatus, Timestamp};
use crate::exec::run::{self, RunReport};
use crate::identity::CredentialKind;
use crate::incident::{record as incident_record, Incident, IncidentParams};
use crate::playbook::StepChange;
use crate::store::{SealContext, Store};
use std::sync::Arc;
use std::time::Duration;

/// A new event id (UUIDv7: time-ordered, unique).
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// A UUIDv7 made without randomness, for pure code that must name an event before it is
/// sealed (the console's update): the time is `now`, and the bits UUIDv7 leaves random
/// come from SHA-256 of `seed` (a random session id) and `n` (a counter in that session),
/// so ids never repeat across sessions or within one.
pub fn derived_id(now: Timestamp, seed: &str, n: u64) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::new()
        .chain_update(seed.as_bytes())
        .chain_update(n.to_be_bytes())
        .finalize();
    let mut bits = [0u8; 10];
    bits.copy_from_slice(&digest[..10]);
    let ms = u64::try_from(now.millis()).unwrap_or_default();
    uuid::Builder::from_unix_timestamp_millis(ms, &bits)
        .into_uuid()
        .to_string()
}

/// What one action did, for the console and the command line to report.
#[derive(Debug, Clone)]
pub struct Done {
    pub intent: Event,
    pub intent_seq: u64,
    pub result: Event,
    pub result_seq: u64,
    pub report: RunReport,
    pub verify: Option<RunReport>,
}

impl Done {
    pub fn succeeded(&self) -> bool {
        self.result.outcome_status() == Some(OutcomeStatus::Success)
    }
}

/// Seals incident events (open, step, close) in one transaction.
pub async fn record(
    store: &Store,
    ctx: &SealContext,
    events: Vec<Event>,
    checkpoint: bool,
) -> Result<Vec<u64>, Refused> {
    seal(store, ctx, events, checkpoint)
        .await
        .map_err(Refused::CannotSeal)
}

/// The incident and step a plan carries out, to record the checklist change with it.
#[derive(Debug, Clone, Copy)]
pub struct StepRun<'a> {
    pub incident: &'a Incident,
    /// The step needs a second person: it stays in progress after it ran, for someone
    /// else to check off.
    pub second_person: bool,
}

/// Runs a confirmed plan write-ahead. With `step`, the playbook step named in
/// `plan.request.step` is started with the intent and finished (or failed) with the result.
/// The intent carries `ctx.session`, the operator session it was decided in.
pub async fn execute(
    store: &Store,
    ctx: &SealContext,
    plan: &Plan,
    step: Option<StepRun<'_>>,
) -> Result<Done, Refused> {
    // An agent a running exercise scripts is a drill's, however the request was made.
    let drilled;
    let plan =
        if !plan.request.exercise && crate::exercise::in_drill(store, &plan.request.agent).await {
            drilled = super::plan::drill(plan.clone());
            &drilled
        } else {
            plan
        };
    let fixed;
    let plan = match &plan.intent_id {
        Some(_) => plan,
        None => {
            fixed = plan.clone().with_intent_id(new_id());
            &fixed
        }
    };
    let id = plan.intent_id.clone().unwrap_or_else(new_id);
    let intent = events::intent(plan, id, Timestamp::now(), ctx.session.as_deref());
    let second_person = step.is_some_and(|s| s.second_person);
    let step = plan.request.step.as_ref().zip(step.map(|s| s.incident));
    let mut first = Vec::new();
    if let Some(((playbook, step_id), inc)) = step {
        let mut params = IncidentParams::step(&inc.id, playbook, step_id, &StepChange::Start);
        params.control_event = Some(intent.event_id.clone());
        first.push(incident_record::update(
            new_id(),
            Timestamp::now(),
            &plan.request.operator,
            inc,
            params,
            &plan.request.justification,
        ));
    }
    first.push(intent.clone());
    let seqs = seal(store, ctx, first, false)
        .await
        .map_err(Refused::CannotSeal)?;
    let intent_seq = seqs.last().copied().unwrap_or_default();

    let invocation = plan.invocation.clone();
    let verify = plan.verify.clone();
    let prepared = plan.prepared.clone();
    let vars = plan.vars.clone();
    let (report, verify_report) = tokio::task::spawn_blocking(move || {
        let timeout = Duration::from_secs(invocation.timeout_s);
        run::run_with_verify(&prepared, timeout, verify.as_ref(), &vars)
    })
    .await
    .map_err(|e| Refused::ExecutorLost(Arc::new(e)))?;

    let result = events::result(
        &intent,
        &report,
        verify_report.as_ref(),
        new_id(),
        Timestamp::now(),
    );
    let mut after = vec![result.clone()];
    if let Some(((playbook, step_id), inc)) = step {
        let ok = result.outcome_status() == Some(OutcomeStatus::Success);
        let change = if !ok {
            Some(StepChange::Fail {
                reason: report.detail.clone(),
            })
        } else if second_person {
            None
        } else {
            Some(StepChange::Complete {
                note: format!("{}: {}", plan.executor_name, report.detail),
            })
        };
        if let Some(change) = change {
            let text = match &change {
                StepChange::Complete { note } => note.clone(),
                StepChange::Fail { reason } | StepChange::Skip { reason } => reason.clone(),
                StepChange::Start => String::new(),
            };
            let mut params = IncidentParams::step(&inc.id, playbook, step_id, &change);
            params.control_event = Some(result.event_id.clone());
            after.push(incident_record::update(
                new_id(),
                Timestamp::now(),
                &plan.request.operator,
                inc,
                params,
                &text,
            ));
        }
    }
    let seqs = seal(store, ctx, after, false)
        .await
        .map_err(Refused::ResultNotSealed)?;
    bind_revocation(store, plan, &result).await?;
    Ok(Done {
        intent,
        intent_seq,
        result,
        result_seq: seqs.first().copied().unwrap_or_default(),
        report,
        verify: verify_report,
    })
}

/// A sealed, successful `control.revoke_token` makes custody's own tokens of the agent
/// (or only the one named by `token_ref`) unusable at once, with the result's event id
/// as `revoked_by`: the gate answers them 401 from then on.
async fn bind_revocation(store: &Store, plan: &Plan, result: &Event) -> Result<usize, Refused> {
    if plan.request.action != crate::exec::Action::RevokeToken
        || result.outcome_status() != Some(OutcomeStatus::Success)
    {
        return Ok(0);
    }
    let failed = |e: crate::store::StoreError| Refused::CredentialsNotRevoked {
        event_id: result.event_id.clone(),
        why: e.to_string(),
    };
    let agent = &plan.request.agent;
    let named = plan.vars.token_ref.as_deref();
    let tokens = store
        .credentials(Some(CredentialKind::Agent))
        .await
        .map_err(failed)?;
    let mut revoked = 0;
    for c in tokens.iter().filter(|c| {
        c.subject == *agent && c.revoked_at.is_none() && named.is_none_or(|r| c.token_ref == r)
    }) {
        revoked += store
            .revoke_credentials(
                Some(CredentialKind::Agent),
                &c.token_ref,
                Timestamp::now(),
                &result.event_id,
            )
            .await
            .map_err(failed)?;
    }
    Ok(revoked)
}

/// What a run of several plans did (a rollback of every reversible action since a time).
#[derive(Debug, Clone)]
pub struct Batch {
    pub done: Vec<Done>,
    /// Plans left untried after a failure.
    pub not_tried: usize,
    /// Why the run stopped early without a result for the last plan, if it did.
    pub stopped: Option<Refused>,
}

impl Batch {
    pub fn failed(&self) -> Option<&Done> {
        self.done.iter().find(|d| !d.succeeded())
    }
}

/// Runs `plans` in order, each write-ahead, stopping at the first that fails, so nothing
/// is undone on top of a half-undone change. With `step`, the playbook step starts with
/// the first intent and is settled once at the end: done when every plan succeeded
/// (unless it needs a second person), failed with the error otherwise. `each` is told
/// about every plan as it finishes. Refuses (nothing ran) when the first intent cannot be
/// sealed.
pub async fn execute_all(
    store: &Store,
    ctx: &SealContext,
    plans: &[Plan],
    step: Option<StepRun<'_>>,
    mut each: impl FnMut(usize, &Done),
) -> Result<Batch, Refused> {
    let mut batch = Batch {
        done: Vec::new(),
        not_tried: 0,
        stopped: None,
    };
    for (i, plan) in plans.iter().enumerate() {
        // The step starts with the first intent and stays in progress until the end.
        let first = step.filter(|_| i == 0).map(|s| StepRun {
            second_person: true,
            ..s
        });
        match execute(store, ctx, plan, first).await {
            Ok(done) => {
                each(i, &done);
                let ok = done.succeeded();
                batch.done.push(done);
                if !ok {
                    break;
                }
            }
            Err(e) if batch.done.is_empty() => return Err(e),
            Err(e) => {
                batch.stopped = Some(e);
                break;
            }
        }
    }
    batch.not_tried = plans.len() - batch.done.len() - usize::from(batch.stopped.is_some());
    if let (Some(s), Some((playbook, step_id))) =
        (step, plans.first().and_then(|p| p.request.step.as_ref()))
    {
        let settled = Settle {
            batch: &batch,
            step: s,
            playbook,
            step_id,
            plans,
        };
        settle(store, ctx, settled).await?;
    }
    Ok(batch)
}

/// A finished batch and the playbook step it carried out.
struct Settle<'a> {
    batch: &'a Batch,
    step: StepRun<'a>,
    playbook: &'a str,
    step_id: &'a str,
    plans: &'a [Plan],
}

/// The step's end after a batch. A failure of the first plan was recorded by `execute`.
async fn settle(store: &Store, ctx: &SealContext, s: Settle<'_>) -> Result<(), Refused> {
    let Settle {
        batch,
        step,
        playbook,
        step_id,
        plans,
    } = s;
    let change = match (batch.failed(), &batch.stopped) {
        (Some(_), _) if batch.done.len() == 1 => return Ok(()),
        (Some(d), _) => StepChange::Fail {
            reason: format!("{} failed: {}", d.intent.kind, d.report.detail),
        },
        (None, Some(e)) => StepChange::Fail {
            reason: format!("stopped after {} of {}: {e}", batch.done.len(), plans.len()),
        },
        (None, None) if step.second_person => return Ok(()),
        (None, None) => StepChange::Complete {
            note: format!("{} of {} done", batch.done.len(), plans.len()),
        },
    };
    let text = match &change {
        StepChange::Complete { note } => note.clone(),
        StepChange::Fail { reason } | StepChange::Skip { reason } => reason.clone(),
        StepChange::Start => String::new(),
    };
    let operator = plans.first().map_or("", |p| p.request.operator.as_str());
    let params = IncidentParams::step(&step.incident.id, playbook, step_id, &change);
    let e = incident_record::update(
        new_id(),
        Timestamp::now(),
        operator,
        step.incident,
        params,
        &text,
    );
    seal(store, ctx, vec![e], false)
        .await
        .map(|_| ())
        .map_err(Refused::ResultNotSealed)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn derived_ids_are_uuid_v7_distinct_per_counter_and_seed() {
        let now = Timestamp::from_millis(1_790_000_000_000).unwrap();
        let a = derived_id(now, "session-a", 1);
        let parsed = uuid::Uuid::parse_str(&a).unwrap();
        assert_eq!(parsed.get_version_num(), 7);
        assert_ne!(a, derived_id(now, "session-a", 2));
        assert_ne!(a, derived_id(now, "session-b", 1));
        assert_eq!(a, derived_id(now, "session-a", 1));
    }
}
