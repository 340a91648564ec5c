//! The projection's agent control state, rollback marks and open intents, advanced by
//! `write::fold_in` inside the sealing transaction: `incident::apply_control` folds
//! control state, as `incident::agent_states` does over the whole ledger.

use super::super::gate::Value;
use super::super::StoreError;
use super::db::{placeholders, Db};
use super::write::IN_CHUNK;
use crate::event::{Event, OutcomeStatus};
use crate::incident::{self, AgentControl};
use std::collections::{BTreeSet, HashMap};

const CONTROL_STATE_KINDS: [&str; 3] = ["control.pause", "control.resume", "control.revoke_token"];

pub(super) async fn agents<D: Db>(db: &mut D, events: &[(u64, &Event)]) -> Result<(), StoreError> {
    let controls: Vec<&Event> = events
        .iter()
        .map(|(_, e)| *e)
        .filter(|e| CONTROL_STATE_KINDS.contains(&e.kind.as_str()))
        .collect();
    let names: BTreeSet<String> = controls
        .iter()
        .filter_map(|e| incident::target_agent(e))
        .collect();
    if names.is_empty() {
        return Ok(());
    }
    // Real agents and drill agents are folded apart, as `agent_states` and
    // `exercise_agent_states` do.
    let mut folds: [HashMap<String, AgentControl>; 2] = [HashMap::new(), HashMap::new()];
    let names: Vec<String> = names.into_iter().collect();
    for chunk in names.chunks(IN_CHUNK) {
        let sql = format!(
            "SELECT agent, exercise, body FROM projection_agents WHERE agent IN ({})",
            placeholders(1, chunk.len())
        );
        let args: Vec<Value> = chunk.iter().cloned().map(Value::Text).collect();
        for r in db.rows(&sql, &args).await? {
            let agent = r.first().and_then(Value::text).unwrap_or("").to_string();
            let exercise = r.get(1).and_then(Value::int).unwrap_or(0) != 0;
            let body = r.get(2).and_then(Value::text).unwrap_or("");
            let control: AgentControl = serde_json::from_str(body)
                .map_err(|e| StoreError::Corrupt(format!("projected agent {agent}: {e}")))?;
            folds[usize::from(exercise)].insert(agent, control);
        }
    }
    let mut touched: BTreeSet<(bool, String)> = BTreeSet::new();
    for e in controls {
        incident::apply_control(&mut folds[usize::from(e.exercise)], e);
        if let Some(agent) = incident::target_agent(e) {
            touched.insert((e.exercise, agent));
        }
    }
    for (exercise, agent) in touched {
        let Some(control) = folds[usize::from(exercise)].get(&agent) else {
            continue;
        };
        let body = serde_json::to_string(control)
            .map_err(|e| StoreError::Corrupt(format!("agent {agent}: {e}")))?;
        db.exec(
            "INSERT INTO projection_agents (agent, exercise, state, body) VALUES (?1, ?2, ?3, ?4) \
             ON CONFLICT (agent, exercise) DO UPDATE SET state = excluded.state, body = excluded.body",
            &[
                Value::Text(agent.clone()),
                Value::Int(i64::from(exercise)),
                Value::Text(control.state().as_str().into()),
                Value::Text(body),
            ],
        )
        .await?;
    }
    Ok(())
}

/// Rollback marks (the first successful `control.rollback` of each event) and the
/// write-ahead intents no result answers yet.
pub(super) async fn marks<D: Db>(db: &mut D, events: &[(u64, &Event)]) -> Result<(), StoreError> {
    for (seq, e) in events {
        if !e.kind.starts_with("control.") {
            continue;
        }
        let status = e.outcome_status();
        if e.kind == "control.rollback" && status == Some(OutcomeStatus::Success) {
            let target = e
                .action
                .as_ref()
                .and_then(|a| a.params.as_ref())
                .and_then(|p| p.get("target_event"))
                .and_then(|v| v.as_str());
            if let Some(target) = target {
                db.exec(
                    "INSERT INTO projection_rollbacks (target_event, seq) VALUES (?1, ?2) \
                     ON CONFLICT (target_event) DO NOTHING",
                    &[Value::Text(target.into()), Value::Int(*seq as i64)],
                )
                .await?;
            }
        }
        if status == Some(OutcomeStatus::Pending) {
            db.exec(
                "INSERT INTO projection_intents (event_id, seq) VALUES (?1, ?2) \
                 ON CONFLICT (event_id) DO NOTHING",
                &[Value::Text(e.event_id.clone()), Value::Int(*seq as i64)],
            )
            .await?;
        } else if let Some(parent) = e
            .context
            .as_ref()
            .and_then(|c| c.parent_event_id.as_deref())
        {
            db.exec(
                "DELETE FROM projection_intents WHERE event_id = ?1",
                &[Value::Text(parent.into())],
            )
            .await?;
        }
    }
    Ok(())
}
