//! The one path by which custody seals its own events (control, incident and session
//! events, from the command line and the console alike): the store must still take
//! writes, every event gets an id and the operator session, and every event passes the
//! rules ingest applies to a producer's line before anything is written. Nothing here
//! decides what to seal; `act`, `work` and the console's update do.

use crate::event::{check_own, Event, LineError};
use crate::store::gate::GateWrite;
use crate::store::{SealContext, Store, StoreError};
use std::sync::Arc;

/// Why custody's own events could not be sealed. Nothing of the batch was written.
#[derive(Debug, Clone, thiserror::Error)]
pub enum SealError {
    /// The console started without its signing key (the reason, as it was loaded).
    #[error("no signing key: {0}")]
    NoSigner(String),
    /// The store cannot take writes: its file is gone, replaced or read-only.
    #[error("{0}")]
    NotWritable(#[source] Arc<dyn std::error::Error + Send + Sync>),
    /// An event would be rejected by ingest, so it is not sealed either.
    #[error("the {kind} event would not pass ingest: {source}")]
    Invalid {
        kind: String,
        #[source]
        source: LineError,
    },
    #[error("{0}")]
    Store(#[source] Arc<StoreError>),
    /// The gate's state moved on under this batch (a vote landed first, a grant was
    /// used); nothing was written.
    #[error("{0}")]
    Conflict(String),
    #[error("{already} of {of} events were already in the ledger")]
    AlreadySealed { already: usize, of: usize },
}

/// Refuses early when sealing could not reach the ledger others read. The one place the
/// store's answer becomes a `SealError`; it takes any error type the store returns.
pub fn writable(store: &Store) -> Result<(), SealError> {
    store.check_writable().map_err(|e| {
        let e: Box<dyn std::error::Error + Send + Sync> = e.into();
        SealError::NotWritable(Arc::from(e))
    })
}

/// Sealing `events` in one transaction, in order; returns their `seq`s. A checkpoint is
/// signed after the batch when `checkpoint` is set. Events without an id get a fresh one,
/// actors without a session get `ctx.session`, and the whole batch is refused, with the
/// field named, when one event breaks an ingest rule.
pub async fn seal(
    store: &Store,
    ctx: &SealContext,
    events: Vec<Event>,
    checkpoint: bool,
) -> Result<Vec<u64>, SealError> {
    seal_with(store, ctx, events, checkpoint, &[]).await
}

/// `seal`, with the gate's table changes applied in the same transaction. A guarded
/// change that found the state moved on is `SealError::Conflict`: nothing was written.
pub async fn seal_with(
    store: &Store,
    ctx: &SealContext,
    mut events: Vec<Event>,
    checkpoint: bool,
    side: &[GateWrite],
) -> Result<Vec<u64>, SealError> {
    writable(store)?;
    stamp(&mut events, ctx.session.as_deref());
    stamp_authn(&mut events, ctx.authn.as_ref());
    check(&events)?;
    let n = events.len();
    let out = store
        .seal_with(events, ctx, checkpoint, side)
        .await
        .map_err(|e| match e {
            StoreError::Conflict(why) => SealError::Conflict(why),
            e => SealError::Store(Arc::new(e)),
        })?;
    if out.sealed.len() != n {
        return Err(SealError::AlreadySealed {
            already: n - out.sealed.len(),
            of: n,
        });
    }
    Ok(out.sealed.iter().map(|s| s.seq).collect())
}

/// Gives events left without an id a fresh one, and actors without a session `session`.
fn stamp(events: &mut [Event], session: Option<&str>) {
    for e in events {
        if e.event_id.is_empty() {
            e.event_id = super::new_id();
        }
        if let (Some(a), Some(session)) = (e.actor.as_mut(), session) {
            a.session.get_or_insert_with(|| session.to_string());
        }
    }
}

/// Writes how the operator was authenticated on human actors that do not say.
fn stamp_authn(events: &mut [Event], authn: Option<&crate::event::Authn>) {
    let Some(authn) = authn else { return };
    for a in events.iter_mut().filter_map(|e| e.actor.as_mut()) {
        if a.kind == crate::event::ActorType::Human && a.authn.is_none() {
            a.authn = Some(authn.clone());
        }
    }
}

/// Every event against the ingest rules; the first that fails refuses the batch.
pub fn check(events: &[Event]) -> Result<(), SealError> {
    events.iter().try_for_each(|e| {
        check_own(e).map_err(|source| SealError::Invalid {
            kind: e.kind.clone(),
            source,
        })
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::event::{parse_line, Actor, ActorType};
    use crate::ledger::note::NoteSigner;

    fn event(id: &str, reason: &str) -> Event {
        let line = format!(
            r#"{{"event_id":"{id}","time":"2026-11-23T01:00:00Z","kind":"incident.step","reason_code":"containment"}}"#
        );
        let mut e = parse_line(line.as_bytes()).unwrap();
        e.reason_code = Some(reason.into());
        e
    }

    async fn store(dir: &tempfile::TempDir) -> Store {
        let path = dir.path().join("ledger.db");
        Store::open(&path.display().to_string(), None)
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn a_batch_with_one_event_ingest_would_reject_is_refused_whole_naming_the_field() {
        let dir = tempfile::tempdir().unwrap();
        let store = store(&dir).await;
        let ctx = SealContext::new(NoteSigner::generate("test").unwrap(), None);
        let events = vec![event("a", "containment"), event("b", "\u{1b}[31m")];
        let err = seal(&store, &ctx, events, false).await.unwrap_err();
        let SealError::Invalid { kind, source } = &err else {
            panic!("expected an invalid event, got {err}");
        };
        assert_eq!(
            (kind.as_str(), source.field.as_deref()),
            ("incident.step", Some("reason_code"))
        );
        assert_eq!(store.head_seq().await.unwrap(), 0, "nothing was sealed");
    }

    #[tokio::test]
    async fn a_good_batch_is_sealed_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let store = store(&dir).await;
        let ctx = SealContext::new(NoteSigner::generate("test").unwrap(), None);
        let events = vec![event("a", "containment"), event("b", "rollback")];
        assert_eq!(seal(&store, &ctx, events, false).await.unwrap(), [1, 2]);
    }

    #[tokio::test]
    async fn human_actors_are_sealed_with_how_the_operator_was_authenticated() {
        let dir = tempfile::tempdir().unwrap();
        let store = store(&dir).await;
        let mut authn = crate::event::Authn::new(crate::event::AuthnMethod::OsUser);
        authn.os_user = Some("raj".into());
        authn.claimed = Some("ana".into());
        let ctx = SealContext::new(NoteSigner::generate("test").unwrap(), None)
            .authenticated(authn.clone());
        let mut e = event("a", "containment");
        e.actor = Some(Actor {
            kind: ActorType::Human,
            id: "ana".into(),
            on_behalf_of: None,
            session: None,
            authn: None,
        });
        seal(&store, &ctx, vec![e], false).await.unwrap();
        let (_, sealed) = crate::respond::load::event_by_id(&store, "a")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(sealed.actor.unwrap().authn, Some(authn));
    }

    #[test]
    fn events_get_an_id_and_the_session_but_keep_their_own() {
        let mut blank = event("x", "containment");
        blank.event_id.clear();
        blank.actor = Some(Actor {
            kind: ActorType::Human,
            id: "raj".into(),
            on_behalf_of: None,
            session: None,
            authn: None,
        });
        let mut own = blank.clone();
        own.event_id = "mine".into();
        if let Some(a) = own.actor.as_mut() {
            a.session = Some("other".into());
        }
        let mut events = [blank, own];
        stamp(&mut events, Some("s-1"));
        let sessions: Vec<_> = events
            .iter()
            .map(|e| e.actor.as_ref().and_then(|a| a.session.as_deref()))
            .collect();
        assert_eq!(sessions, [Some("s-1"), Some("other")]);
        assert!(!events[0].event_id.is_empty());
        assert_eq!(events[1].event_id, "mine");
    }
}
