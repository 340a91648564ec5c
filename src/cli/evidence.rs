//! `custody evidence export` and `custody evidence verify`: bundles that prove
//! themselves offline (manifest, event bytes, C2SP tlog-proofs, the signed checkpoint).
//! Exit status of verify: 0 intact, 1 tampering found, 2 could not check.

use super::Env;
use crate::bundle::{self, files, Request};
use crate::event::Timestamp;
use crate::evidence::build::build;
use crate::evidence::check::{check, Report};
use crate::evidence::manifest::{self, Scope};
use crate::ledger::note::NoteVerifier;
use crate::store::SealContext;
use crate::untrusted::escape_untrusted;
use anyhow::Context;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Debug, clap::Subcommand)]
pub enum EvidenceCommand {
    /// Write a bundle: manifest.json, events/, proofs/ (C2SP tlog-proof), checkpoints/, verifier.vkey, README.txt.
    Export(ExportArgs),
    /// Check a bundle offline: file hashes, leaf hashes, inclusion proofs, checkpoint signature.
    Verify(VerifyArgs),
}

#[derive(Debug, clap::Args)]
#[command(
    group(clap::ArgGroup::new("scope").required(true).args(["correlation", "incident", "from"])),
    after_help = "Events sealed after the latest checkpoint cannot be proven yet: they are left out \
  (said on standard error and in the manifest's left_out) unless --checkpoint-now seals a checkpoint first."
)]
pub struct ExportArgs {
    /// Every event with this correlation id.
    #[arg(long, value_name = "ID")]
    pub correlation: Option<String>,
    /// Every event of this incident (its id is the events' correlation id).
    #[arg(long, value_name = "ID")]
    pub incident: Option<String>,
    /// A time range (event time, RFC 3339), from this time (inclusive)...
    #[arg(long, value_name = "TIME", requires = "to")]
    pub from: Option<Timestamp>,
    /// ...to this time (exclusive).
    #[arg(long, value_name = "TIME", requires = "from")]
    pub to: Option<Timestamp>,
    /// With --from/--to: only this agent's events are in scope.
    #[arg(long, value_name = "AGENT", requires = "from")]
    pub agent: Option<String>,
    /// Sign a checkpoint first, so every event in scope can be proven.
    #[arg(long)]
    pub checkpoint_now: bool,
    /// The directory to create.
    #[arg(short, long, value_name = "DIR")]
    pub output: PathBuf,
}

#[derive(Debug, clap::Args)]
#[command(
    after_help = "The key must be pinned out of band (`custody key` on the machine that sealed); the \
  bundle's verifier.vkey is only a hint. Without --vkey, the config's trusted_keys and this machine's key \
  are trusted.\nExit status: 0 intact, 1 tampering found, 2 could not check."
)]
pub struct VerifyArgs {
    /// The bundle directory.
    pub bundle: PathBuf,
    /// Trust checkpoints signed by this verifier key (`name+id+base64`, or a file holding it); repeatable.
    #[arg(long = "vkey", value_name = "KEY")]
    pub vkeys: Vec<String>,
    /// Print the result as one JSON object.
    #[arg(long)]
    pub json: bool,
}

pub async fn run(env: &Env, cmd: EvidenceCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        EvidenceCommand::Export(args) => export(env, args).await,
        EvidenceCommand::Verify(args) => verify(env, args),
    }
}

async fn export(env: &Env, args: ExportArgs) -> anyhow::Result<ExitCode> {
    let scope = match (&args.correlation, &args.incident, args.from, args.to) {
        (Some(id), _, _, _) => Scope::Correlation { id: id.clone() },
        (_, Some(id), _, _) => Scope::Incident { id: id.clone() },
        (_, _, Some(from), Some(to)) => Scope::TimeRange {
            from: from.to_rfc3339(),
            to: to.to_rfc3339(),
            agent: args.agent.clone(),
        },
        _ => anyhow::bail!("name a scope: --correlation, --incident, or --from and --to"),
    };
    let req = Request {
        scope,
        since: args.from,
        until: args.to,
        agent: args.agent.clone(),
    };
    let signer = env.signer()?;
    let vkey = signer.verifier().encode();
    let store = if args.checkpoint_now {
        let store = env.open_existing_store().await?;
        let ctx = SealContext::new(signer, env.anchor(None));
        let sealed = store.seal(Vec::new(), &ctx, true).await;
        if let Err(e) = sealed {
            store.close().await;
            return Err(e).context("sealing a checkpoint first (--checkpoint-now)");
        }
        store
    } else {
        env.open_store_read_only().await?
    };
    let gathered = bundle::gather(&store, &req, vkey).await;
    store.close().await;
    let gathered = gathered?;
    let (files, m) = build(&gathered.plan, &gathered.tree)?;
    files::write_dir(&args.output, &files)?;
    let shown = m.entries.iter().filter(|e| e.event.is_some()).count();
    eprintln!(
        "custody: wrote {} ({} event(s), {} entries, proven against the checkpoint of tree size {})",
        args.output.display(),
        shown,
        m.entries.len(),
        m.checkpoint.size
    );
    if let Some(left) = &m.left_out {
        eprintln!(
            "custody: left out {} event(s) in scope, seq {}..={}: {}",
            left.count, left.first_seq, left.last_seq, left.reason
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn verify(env: &Env, args: VerifyArgs) -> anyhow::Result<ExitCode> {
    let files = files::read_dir(&args.bundle)
        .with_context(|| format!("reading the bundle {}", args.bundle.display()))?;
    let verifiers = verifiers(env, &args, &files)?;
    let report = check(&files, &verifiers);
    if args.json {
        println!("{}", serde_json::to_string(&report)?);
    } else {
        print_report(&report);
    }
    Ok(ExitCode::from(report.exit_code()))
}

fn verifiers(
    env: &Env,
    args: &VerifyArgs,
    files: &std::collections::BTreeMap<String, Vec<u8>>,
) -> anyhow::Result<Vec<NoteVerifier>> {
    let mut keys = Vec::new();
    for k in &args.vkeys {
        let text = if Path::new(k).is_file() {
            std::fs::read_to_string(k).with_context(|| format!("cannot read the key file {k}"))?
        } else {
            k.clone()
        };
        keys.push(
            NoteVerifier::decode(text.trim())
                .with_context(|| format!("bad verifier key `{}`", escape_untrusted(k)))?,
        );
    }
    if args.vkeys.is_empty() {
        for k in &env.config.trusted_keys {
            keys.push(
                NoteVerifier::decode(k.trim())
                    .with_context(|| format!("bad verifier key `{k}`"))?,
            );
        }
        let path = env.config.key_file(&env.dirs);
        if path.exists() {
            keys.push(crate::config::keyfile::load(&path)?.verifier());
        }
    }
    if keys.is_empty() {
        let hint = files
            .get(manifest::VKEY)
            .map(|b| String::from_utf8_lossy(b).trim().to_string())
            .unwrap_or_default();
        anyhow::bail!(
            "no pinned verifier key: pass --vkey KEY, confirmed with the log's operator out of band \
             (the bundle's verifier.vkey suggests `{}`, but a bundle can carry any key)",
            escape_untrusted(&hint)
        );
    }
    Ok(keys)
}

fn print_report(r: &Report) {
    for e in &r.entries {
        let status = serde_json::to_value(e.status)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        let problems: Vec<_> = r.problems.iter().filter(|p| p.seq == Some(e.seq)).collect();
        let verdict = if problems.is_empty() && e.proven {
            "ok"
        } else if problems.is_empty() {
            "unproven"
        } else {
            "FAILED"
        };
        println!("seq {:<10} {:<13} {verdict}", e.seq, status);
        for p in problems {
            println!("    {}: {}", p.class, escape_untrusted(&p.detail));
        }
    }
    for p in r
        .problems
        .iter()
        .filter(|p| p.seq.is_none() || !r.entries.iter().any(|e| Some(e.seq) == p.seq))
    {
        let at = p.seq.map(|s| format!(" (seq {s})")).unwrap_or_default();
        println!("{}{at}: {}", p.class, escape_untrusted(&p.detail));
    }
    match r.exit_code() {
        0 => println!(
            "intact: {} entries proven against the signed checkpoint of tree size {} ({}), completeness {}",
            r.entries.len(),
            r.checkpoint_size.unwrap_or(0),
            escape_untrusted(r.origin.as_deref().unwrap_or("")),
            r.completeness.as_deref().unwrap_or("")
        ),
        1 => println!("TAMPERED: {} problem(s) found", r.problems.len()),
        _ => println!(
            "could not check: {}",
            escape_untrusted(r.could_not_check.as_deref().unwrap_or(""))
        ),
    }
}
