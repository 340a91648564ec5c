//! `custody serve`: the command-line face of the gate (see `crate::serve`).

use super::Env;
use clap::Args;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Args)]
#[command(
    after_help = "Agents propose with POST /v1/actions and a bearer token from \
    `custody agent token issue`; operators vote with tokens from `custody operator token issue`. \
    The API is described in assets/openapi.yaml. SIGHUP (or editing the policy files) reloads the \
    policy; SIGTERM stops gracefully."
)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:7807", value_name = "ADDR:PORT")]
    pub listen: SocketAddr,
    /// TLS certificate chain (PEM); with --tls-key, serve HTTPS.
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// TLS private key (PEM).
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// Policy directory (policies.cedar + policies.cedarschema). Default: `policy/` in the
    /// config directory when it exists, else the shipped default.
    #[arg(long, value_name = "DIR")]
    pub policy: Option<PathBuf>,
    /// Append each new signed checkpoint to this file (default: `anchor` in the config).
    #[arg(long, value_name = "FILE")]
    pub anchor: Option<PathBuf>,
}

pub async fn run(env: &Env, args: ServeArgs) -> anyhow::Result<ExitCode> {
    let policy_dir = args.policy.clone().or_else(|| {
        let d = env.dirs.config.join("policy");
        d.is_dir().then_some(d)
    });
    // Refuse a bad policy before anything else starts, naming file, line and policy id.
    if let Err(e) = crate::serve::load_policy(policy_dir.as_deref()) {
        eprintln!(
            "custody: {}",
            crate::untrusted::escape_untrusted(&e.to_string())
        );
        return Ok(ExitCode::from(2));
    }
    let store = env.open_store().await?;
    let ctx = crate::store::SealContext::new(env.signer()?, env.anchor(args.anchor.as_ref()));
    crate::serve::serve(crate::serve::Setup {
        store,
        ctx,
        roles: env.config.roles(),
        listen: args.listen,
        tls: args.tls_cert.zip(args.tls_key),
        policy_dir,
        webhooks: crate::webhook::targets(&env.config.webhooks),
        executors: env.config.executor_set.clone(),
        tool_map: env.config.tool_map.clone(),
    })
    .await?;
    Ok(ExitCode::SUCCESS)
}
