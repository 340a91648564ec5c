//! Advancing the projection: newly sealed events fed through `crate::incident`'s fold,
//! inside the transaction that seals them (`advance`), or a chunk of the ledger at a time
//! when the projection is rebuilt (`rebuild_step`). Load the rows the events touch, apply,
//! write back.
//!
//! One case is outside what an incremental step can see, and `custody projection verify`
//! reports it if it ever happens: an event sealed before its incident was opened is found
//! by its correlation id only, so one that names a future incident in `params.incident`
//! under another correlation id is not moved to it.

use super::super::gate::Value;
use super::super::StoreError;
use super::controls;
use super::db::{placeholders, Db};
use super::{is_projected, RESPONSE_KINDS_SQL};
use crate::event::Event;
use crate::incident::{self, Fold, Incident};
use crate::ledger::seal::event_from_record;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

/// Values per `IN (…)` list, well under either engine's limit on bound values.
pub(super) const IN_CHUNK: usize = 400;

/// Folds newly sealed events (`seq`, event; in ledger order) into the projection when it
/// is current. Events that cannot change it cost nothing; a projection being rebuilt is
/// left to the rebuild, which reads these events from the ledger when it reaches them.
pub(in crate::store) async fn advance<D: Db>(
    db: &mut D,
    batch: &[(u64, Event)],
) -> Result<(), StoreError> {
    let events: Vec<(u64, &Event)> = batch
        .iter()
        .filter(|(_, e)| is_projected(e))
        .map(|(s, e)| (*s, e))
        .collect();
    if events.is_empty() || through(db).await? != Some(None) {
        return Ok(());
    }
    fold_in(db, &events).await
}

/// `projection_meta.through`: `Some(None)` when current, `Some(Some(seq))` while being
/// rebuilt, `None` when the row is gone.
async fn through<D: Db>(db: &mut D) -> Result<Option<Option<i64>>, StoreError> {
    let rows = db
        .rows("SELECT through FROM projection_meta WHERE id = 1", &[])
        .await?;
    Ok(rows.first().map(|r| r.first().and_then(Value::int)))
}

/// Where a rebuild stands after a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RebuildStep {
    /// The ledger is folded through this seq.
    pub through: u64,
    /// The projection is current: seals advance it again.
    pub done: bool,
}

/// One step of a rebuild, in its own write transaction: `reset` empties the projection
/// first; then the next `chunk` response events after `through` are folded in. The step
/// that finds fewer left marks the projection current.
pub(in crate::store) async fn rebuild_step<D: Db>(
    db: &mut D,
    chunk: usize,
    reset: bool,
) -> Result<RebuildStep, StoreError> {
    if reset {
        for table in [
            "projection_incidents",
            "projection_links",
            "projection_agents",
            "projection_rollbacks",
            "projection_intents",
            "projection_meta",
        ] {
            db.exec(&format!("DELETE FROM {table}"), &[]).await?;
        }
        db.exec(
            "INSERT INTO projection_meta (id, through) VALUES (1, 0)",
            &[],
        )
        .await?;
    }
    let after = match through(db).await? {
        Some(None) => {
            let head = db.rows("SELECT MAX(seq) FROM events", &[]).await?;
            let head = head.first().and_then(|r| r.first()).and_then(Value::int);
            return Ok(RebuildStep {
                through: head.unwrap_or(0) as u64,
                done: true,
            });
        }
        Some(Some(seq)) => seq,
        None => {
            return Err(StoreError::Corrupt(
                "the projection has no state row".into(),
            ))
        }
    };
    let sql = format!(
        "SELECT seq, record FROM events WHERE seq > ?1 AND {RESPONSE_KINDS_SQL} ORDER BY seq LIMIT ?2"
    );
    let rows = db
        .rows(&sql, &[Value::Int(after), Value::Int(chunk as i64)])
        .await?;
    let read = records(&rows)?;
    let events: Vec<(u64, &Event)> = read
        .iter()
        .filter(|(_, e)| is_projected(e))
        .map(|(s, e)| (*s, e))
        .collect();
    fold_in(db, &events).await?;
    let last = rows.last().and_then(|r| r.first()).and_then(Value::int);
    let done = rows.len() < chunk;
    let through = if done {
        db.exec(
            "UPDATE projection_meta SET through = NULL WHERE id = 1",
            &[],
        )
        .await?;
        let head = db.rows("SELECT MAX(seq) FROM events", &[]).await?;
        head.first().and_then(|r| r.first()).and_then(Value::int)
    } else {
        db.exec(
            "UPDATE projection_meta SET through = ?1 WHERE id = 1",
            &[Value::Int(last.unwrap_or(after))],
        )
        .await?;
        last
    };
    Ok(RebuildStep {
        through: through.unwrap_or(after) as u64,
        done,
    })
}

/// `(seq, record)` rows as events.
pub(in crate::store) fn records(rows: &[Vec<Value>]) -> Result<Vec<(u64, Event)>, StoreError> {
    rows.iter()
        .map(|r| {
            let seq = r.first().and_then(Value::int).unwrap_or(0) as u64;
            let text = r.get(1).and_then(Value::text).unwrap_or("");
            event_from_record(text)
                .map(|e| (seq, e))
                .map_err(|e| StoreError::Corrupt(format!("record at seq {seq}: {e}")))
        })
        .collect()
}

async fn fold_in<D: Db>(db: &mut D, events: &[(u64, &Event)]) -> Result<(), StoreError> {
    if events.is_empty() {
        return Ok(());
    }
    incidents(db, events).await?;
    controls::agents(db, events).await?;
    controls::marks(db, events).await
}

/// The part of the fold a batch touches, loaded from the tables.
#[derive(Default)]
struct Loaded {
    fold: Fold,
    /// `ord` of each incident in `fold`, by index.
    ord: Vec<i64>,
    /// Links already looked up (found or not).
    looked_up: HashSet<String>,
}

impl Loaded {
    /// Loads the link rows for `keys` not looked up yet, and the incidents they name.
    async fn load<D: Db>(&mut self, db: &mut D, keys: BTreeSet<String>) -> Result<(), StoreError> {
        let keys: Vec<String> = keys
            .into_iter()
            .filter(|k| self.looked_up.insert(k.clone()))
            .collect();
        let mut claims: Vec<(String, String)> = Vec::new();
        for chunk in keys.chunks(IN_CHUNK) {
            let sql = format!(
                "SELECT link, incident_id FROM projection_links WHERE link IN ({})",
                placeholders(1, chunk.len())
            );
            let args: Vec<Value> = chunk.iter().cloned().map(Value::Text).collect();
            for r in db.rows(&sql, &args).await? {
                if let (Some(l), Some(i)) = (
                    r.first().and_then(Value::text),
                    r.get(1).and_then(Value::text),
                ) {
                    claims.push((l.to_string(), i.to_string()));
                }
            }
        }
        let known: HashMap<String, usize> = self
            .fold
            .incidents
            .iter()
            .enumerate()
            .map(|(i, inc)| (inc.id.clone(), i))
            .collect();
        let wanted: BTreeSet<&str> = claims
            .iter()
            .map(|(_, id)| id.as_str())
            .filter(|id| !known.contains_key(*id))
            .collect();
        let wanted: Vec<String> = wanted.into_iter().map(str::to_string).collect();
        for chunk in wanted.chunks(IN_CHUNK) {
            let sql = format!(
                "SELECT incident_id, ord, body FROM projection_incidents WHERE incident_id IN ({})",
                placeholders(1, chunk.len())
            );
            let args: Vec<Value> = chunk.iter().cloned().map(Value::Text).collect();
            for r in db.rows(&sql, &args).await? {
                let id = r.first().and_then(Value::text).unwrap_or("");
                let body = r.get(2).and_then(Value::text).unwrap_or("");
                let incident: Incident = serde_json::from_str(body)
                    .map_err(|e| StoreError::Corrupt(format!("projected incident {id}: {e}")))?;
                self.fold.incidents.push(incident);
                self.ord.push(r.get(1).and_then(Value::int).unwrap_or(0));
            }
        }
        let index: HashMap<String, usize> = self
            .fold
            .incidents
            .iter()
            .enumerate()
            .map(|(i, inc)| (inc.id.clone(), i))
            .collect();
        for (link, id) in claims {
            match index.get(&id) {
                Some(&i) => {
                    self.fold.by_link.entry(link).or_insert(i);
                }
                None => {
                    return Err(StoreError::Corrupt(format!(
                        "projected link {link} names incident {id}, which the projection lacks"
                    )))
                }
            }
        }
        Ok(())
    }
}

async fn incidents<D: Db>(db: &mut D, events: &[(u64, &Event)]) -> Result<(), StoreError> {
    let keys: BTreeSet<String> = events
        .iter()
        .flat_map(|(_, e)| incident::link_keys(e))
        .collect();
    if keys.is_empty() {
        return Ok(());
    }
    let mut loaded = Loaded::default();
    loaded.load(db, keys).await?;
    let mut opened: BTreeMap<usize, u64> = BTreeMap::new();
    for (seq, e) in events {
        if let Some(i) = loaded.fold.open(e) {
            loaded.ord.push(*seq as i64);
            opened.insert(i, *seq);
        }
    }
    let mut touched: BTreeSet<usize> = opened.keys().copied().collect();
    if !opened.is_empty() {
        // Responders may act before an incident is opened: those earlier events are
        // folded into it as `derive` would, found by the links it just claimed.
        let links: Vec<String> = opened
            .keys()
            .flat_map(|&i| loaded.fold.incidents[i].links.clone())
            .filter(|l| {
                opened
                    .keys()
                    .any(|&i| loaded.fold.by_link.get(l) == Some(&i))
            })
            .collect();
        let earlier = linked_before(db, &links, events[0].0).await?;
        let keys = earlier
            .iter()
            .flat_map(|(_, e)| incident::link_keys(e))
            .collect();
        loaded.load(db, keys).await?;
        for (_, e) in &earlier {
            if loaded
                .fold
                .target(e)
                .is_some_and(|i| opened.contains_key(&i))
            {
                loaded.fold.apply(e);
            }
        }
    }
    for (_, e) in events {
        touched.extend(loaded.fold.apply(e));
    }
    for i in touched {
        let incident = &loaded.fold.incidents[i];
        let body = serde_json::to_string(incident)
            .map_err(|e| StoreError::Corrupt(format!("incident {}: {e}", incident.id)))?;
        let settled = incident.clone().settled();
        db.exec(
            "INSERT INTO projection_incidents (incident_id, ord, state, exercise, body) \
             VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (incident_id) DO UPDATE SET \
             state = excluded.state, exercise = excluded.exercise, body = excluded.body",
            &[
                Value::Text(incident.id.clone()),
                Value::Int(loaded.ord.get(i).copied().unwrap_or(0)),
                Value::Text(settled.state.as_str().into()),
                Value::Int(i64::from(incident.exercise)),
                Value::Text(body),
            ],
        )
        .await?;
        if opened.contains_key(&i) {
            for link in &incident.links {
                db.exec(
                    "INSERT INTO projection_links (link, incident_id) VALUES (?1, ?2) \
                     ON CONFLICT (link) DO NOTHING",
                    &[Value::Text(link.clone()), Value::Text(incident.id.clone())],
                )
                .await?;
            }
        }
    }
    Ok(())
}

/// Response events sealed before `before` whose correlation id is one of `links`.
async fn linked_before<D: Db>(
    db: &mut D,
    links: &[String],
    before: u64,
) -> Result<Vec<(u64, Event)>, StoreError> {
    let mut out = Vec::new();
    for chunk in links.chunks(IN_CHUNK) {
        let sql = format!(
            "SELECT seq, record FROM events WHERE seq < ?1 AND correlation_id IN ({}) \
             AND {RESPONSE_KINDS_SQL} ORDER BY seq",
            placeholders(2, chunk.len())
        );
        let mut args = vec![Value::Int(before as i64)];
        args.extend(chunk.iter().cloned().map(Value::Text));
        out.extend(records(&db.rows(&sql, &args).await?)?);
    }
    out.sort_by_key(|(seq, _)| *seq);
    out.dedup_by_key(|(seq, _)| *seq);
    out.retain(|(_, e)| is_projected(e));
    Ok(out)
}
