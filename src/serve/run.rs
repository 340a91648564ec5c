//! Starting and stopping the service: the policy validated before the socket opens, the
//! tail loaded, TLS when asked, SIGHUP and file changes reloading the policy (each load
//! sealed as `policy.load`), and a graceful stop on SIGTERM or Ctrl-C.

use super::state::Gate;
use super::{metrics::Metrics, sealer::Sealer, tail};
use crate::event::{Actor, ActorType, Event, Outcome, OutcomeStatus, Timestamp};
use crate::respond::{new_id, Roles};
use crate::store::{SealContext, Store};
use anyhow::Context as _;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::Duration;

/// What `serve` needs, resolved by the command line.
pub struct Setup {
    pub store: Store,
    pub ctx: SealContext,
    pub roles: Roles,
    pub listen: SocketAddr,
    pub tls: Option<(PathBuf, PathBuf)>,
    /// The policy directory; `None` runs the shipped default.
    pub policy_dir: Option<PathBuf>,
    pub webhooks: Vec<crate::webhook::Target>,
    pub executors: crate::exec::Executors,
    /// The `[tools]` section, for OTLP spans.
    pub tool_map: crate::toolmap::ToolMap,
}

/// Starts a gate without HTTP: the policy loaded (and sealed as `policy.load`), the
/// agents' control state loaded, the tail, the expiry sweep and the policy reloader
/// running. `serve` puts HTTP in front of it; the demo's agents call it in process.
pub async fn start_gate(
    store: Store,
    ctx: SealContext,
    roles: Roles,
    executors: crate::exec::Executors,
    policy_dir: Option<PathBuf>,
    webhooks: Vec<crate::webhook::Target>,
) -> anyhow::Result<Arc<Gate>> {
    let policy = load_policy(policy_dir.as_deref())?;
    let (changed, _) = tokio::sync::watch::channel(0);
    let gate = Arc::new(Gate {
        sealer: Sealer::start(store.clone(), ctx.clone()),
        store: store.clone(),
        ctx: ctx.clone(),
        policy: RwLock::new(Arc::new(policy)),
        policy_dir,
        roles,
        executors,
        control: RwLock::new(HashMap::new()),
        autonomy: RwLock::new(HashMap::new()),
        keys: RwLock::new(HashMap::new()),
        changed,
        metrics: Metrics::default(),
        tool_map: RwLock::new(Arc::default()),
        webhooks: (!webhooks.is_empty()).then(|| {
            crate::webhook::Webhooks::start(
                webhooks,
                store.clone(),
                ctx.clone(),
                crate::webhook::Retry::default(),
            )
        }),
    });
    seal_policy_load(&gate, None).await;
    let head = tail::load(&gate)
        .await
        .context("loading agent control state")?;
    tail::spawn(Arc::clone(&gate), head);
    spawn_reloader(Arc::clone(&gate));
    Ok(gate)
}

/// Runs the service until SIGTERM or Ctrl-C.
pub async fn serve(setup: Setup) -> anyhow::Result<()> {
    let gate = start_gate(
        setup.store,
        setup.ctx,
        setup.roles,
        setup.executors,
        setup.policy_dir,
        setup.webhooks,
    )
    .await?;
    gate.set_tool_map(setup.tool_map);
    listen(gate, setup.listen, setup.tls).await
}

/// HTTP (or HTTPS) in front of a started gate, until SIGTERM or Ctrl-C.
pub async fn listen(
    gate: Arc<Gate>,
    addr: SocketAddr,
    tls: Option<(PathBuf, PathBuf)>,
) -> anyhow::Result<()> {
    let app = super::router(Arc::clone(&gate));
    let handle = axum_server::Handle::new();
    let stopper = handle.clone();
    tokio::spawn(async move {
        shutdown_signal().await;
        eprintln!("custody serve: stopping; waiting up to 10 s for requests in flight");
        stopper.graceful_shutdown(Some(Duration::from_secs(10)));
    });
    match tls {
        Some((cert, key)) => {
            let _ = rustls::crypto::ring::default_provider().install_default();
            let config = axum_server::tls_rustls::RustlsConfig::from_pem_file(&cert, &key)
                .await
                .with_context(|| {
                    format!(
                        "loading TLS certificate {} and key {}",
                        cert.display(),
                        key.display()
                    )
                })?;
            eprintln!(
                "custody serve: listening on https://{} ({})",
                addr,
                gate.store.describe()
            );
            axum_server::bind_rustls(addr, config)
                .handle(handle)
                .serve(app.into_make_service())
                .await
                .with_context(|| format!("serving on {}", addr))?;
        }
        None => {
            eprintln!(
                "custody serve: listening on http://{} ({})",
                addr,
                gate.store.describe()
            );
            axum_server::bind(addr)
                .handle(handle)
                .serve(app.into_make_service())
                .await
                .with_context(|| format!("serving on {}", addr))?;
        }
    }
    if let Some(w) = gate.webhooks.clone() {
        // Deliver what is queued, and seal what could not be delivered as failed.
        w.shutdown(Duration::from_secs(5)).await;
    }
    gate.store.close().await;
    Ok(())
}

async fn shutdown_signal() {
    use tokio::signal::unix::{signal, SignalKind};
    match signal(SignalKind::terminate()) {
        Ok(mut term) => {
            tokio::select! {
                _ = term.recv() => {}
                _ = tokio::signal::ctrl_c() => {}
            }
        }
        Err(_) => {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

/// The policy in `dir`, or the shipped default.
pub fn load_policy(dir: Option<&Path>) -> anyhow::Result<crate::policy::Policy> {
    match dir {
        Some(d) => crate::policy::Policy::load(d).map_err(|e| anyhow::anyhow!("{e}")),
        None => Ok(crate::policy::Policy::shipped_default()),
    }
}

/// Reloads the policy on SIGHUP and when its files change. A bad reload keeps the old
/// policy; both outcomes are sealed.
fn spawn_reloader(gate: Arc<Gate>) {
    tokio::spawn(async move {
        use tokio::signal::unix::{signal, SignalKind};
        let mut hup = signal(SignalKind::hangup()).ok();
        let mut seen = gate
            .policy_dir
            .as_deref()
            .and_then(crate::policy::fingerprint);
        loop {
            let hup_fired = async {
                match hup.as_mut() {
                    Some(h) => {
                        h.recv().await;
                    }
                    None => std::future::pending::<()>().await,
                }
            };
            tokio::select! {
                () = hup_fired => {}
                () = tokio::time::sleep(Duration::from_secs(1)) => {
                    let now = gate.policy_dir.as_deref().and_then(crate::policy::fingerprint);
                    if now == seen {
                        continue;
                    }
                }
            }
            seen = gate
                .policy_dir
                .as_deref()
                .and_then(crate::policy::fingerprint);
            match load_policy(gate.policy_dir.as_deref()) {
                Ok(p) => {
                    let same = p.version() == gate.policy().version();
                    gate.set_policy(p);
                    if !same {
                        seal_policy_load(&gate, None).await;
                    }
                }
                Err(e) => {
                    eprintln!(
                        "custody serve: policy reload refused, keeping version {}: {e}",
                        gate.policy().version()
                    );
                    seal_policy_load(&gate, Some(e.to_string())).await;
                }
            }
        }
    });
}

/// Seals `policy.load`: the version now in force, or a refused reload and why.
async fn seal_policy_load(gate: &Gate, refused: Option<String>) {
    let policy = gate.policy();
    let source = gate
        .policy_dir
        .as_ref()
        .map_or("the shipped default".to_string(), |d| {
            d.display().to_string()
        });
    let mut event = Event::custody(
        "policy.load",
        new_id(),
        Timestamp::now(),
        Actor::new(ActorType::Service, crate::gate::GATE_ACTOR),
    );
    event.reason_code = Some("config_drift".into());
    event.policy = Some(crate::event::Policy {
        id: None,
        version: Some(policy.version().into()),
        decision: crate::event::PolicyDecision::Allow,
        rule: None,
    });
    event.outcome = Some(Outcome {
        status: if refused.is_some() {
            OutcomeStatus::Failure
        } else {
            OutcomeStatus::Success
        },
        detail: Some(match &refused {
            None => format!("loaded policy sha256 {} from {source}", policy.version()),
            Some(e) => format!("reload refused, still enforcing {}: {e}", policy.version()),
        }),
        response: Some(serde_json::json!({ "sha256": policy.version(), "source": source })),
    });
    if let Err(e) = gate.sealer.seal(vec![event], vec![]).await {
        eprintln!("custody serve: could not seal policy.load: {e}");
    }
}
