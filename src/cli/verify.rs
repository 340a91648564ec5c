//! `custody verify`: every problem is its own verdict naming the first `seq` involved.
//! Exit 0 when intact, 1 when tampering is found, 2 when it could not check.

use super::{output, Env};
use crate::ledger::note::NoteVerifier;
use crate::ledger::verify::{anchored_checkpoints, Verdict};
use crate::store::IntegrityCheck;
use crate::store_verify::{verify_store, VerifyInput};
use anyhow::Context;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
#[command(
    after_help = "Verdicts: modified (a record's bytes, canonical form or indexed columns changed), \
  deleted / inserted / reordered / broken-chain (links between records), gap (missing seq), \
  truncated (a checkpoint covers records that are gone), fork (the Merkle root at a signed size differs), \
  bad-signature, unknown-key, bad-checkpoint, edited-checkpoint (a stored checkpoint's tree_size or \
  signed_at column disagrees with its note or records), origin-changed (the store's recorded origin is not \
  the one its records were sealed for), integrity (--deep: the engine's own check failed).\n\
  Exit status: 0 intact, 1 tampering found, 2 could not check (including an anchor file that is empty, \
  unreadable or from another store)."
)]
pub struct VerifyArgs {
    /// An anchor file of signed checkpoints kept outside the database (default: `anchor` from config).
    #[arg(long, value_name = "FILE")]
    pub anchor: Option<PathBuf>,
    /// Trust checkpoints signed by this verifier key (`name+id+base64`); repeatable.
    /// Default: this machine's key and `trusted_keys` from config.
    #[arg(long = "key", value_name = "VERIFIER")]
    pub keys: Vec<String>,
    /// Print the result as one JSON object.
    #[arg(long)]
    pub json: bool,
    /// Also run the database engine's own consistency check (SQLite `PRAGMA
    /// integrity_check`: pages and indexes). It reads the whole file again; use it on
    /// an evidence copy, after a crash or disk trouble, or when results look wrong.
    /// Also re-derives the projection (incidents, control state, rollback marks, open
    /// intents) from the ledger and warns of any difference.
    #[arg(long)]
    pub deep: bool,
}

pub async fn run(env: &Env, args: VerifyArgs) -> anyhow::Result<ExitCode> {
    let verifiers = verifiers(env, &args)?;
    let anchor_path = env.anchor(args.anchor.as_ref());
    let anchor = match &anchor_path {
        Some(p) => Some(
            std::fs::read_to_string(p)
                .with_context(|| format!("cannot read the anchor file {}", p.display()))?,
        ),
        None => None,
    };
    let store = env.open_store_read_only().await?;
    if let (Some(path), Some(text)) = (&anchor_path, &anchor) {
        let sealed = store.sealed_origin().await?;
        let origin = sealed.as_deref().unwrap_or(store.origin());
        if let Err(e) = anchored_checkpoints(text, origin) {
            store.close().await;
            return Err(e).with_context(|| {
                format!("cannot check against the anchor file {}", path.display())
            });
        }
    }
    let total = store.head_seq().await?;
    let bar = output::bar(Some(total), "records");
    let input = VerifyInput {
        anchor: anchor.as_deref(),
        verifiers: &verifiers,
    };
    let report = verify_store(&store, &input, |n| bar.inc(n)).await;
    bar.finish_and_clear();
    let deep = match (&report, args.deep) {
        (Ok(_), true) => Some(store.integrity_check().await),
        _ => None,
    };
    let projection = match (&report, args.deep) {
        (Ok(_), true) => Some(projection_warnings(&store).await),
        _ => None,
    };
    store.close().await;
    let mut report = report?;
    report
        .warnings
        .extend(projection.transpose()?.unwrap_or_default());
    match deep.transpose()? {
        Some(IntegrityCheck::Failed(lines)) => {
            let shown: Vec<&str> = lines.iter().take(10).map(String::as_str).collect();
            let more = lines.len().saturating_sub(shown.len());
            let more = if more > 0 {
                format!(" (and {more} more)")
            } else {
                String::new()
            };
            report.verdicts.push(Verdict::Integrity {
                detail: format!(
                    "the engine's integrity check failed: {}{more}",
                    shown.join("; ")
                ),
            });
        }
        Some(IntegrityCheck::Unavailable(why)) => eprintln!("note: --deep: {why}"),
        Some(IntegrityCheck::Ok) | None => {}
    }
    if args.json {
        let verdicts: Vec<_> = report
            .verdicts
            .iter()
            .map(|v| serde_json::json!({"class": v.class(), "first_seq": v.first_seq(), "message": v.to_string()}))
            .collect();
        let out = serde_json::json!({
            "intact": report.intact(),
            "records": report.records,
            "head_seq": report.head_seq,
            "head_hash": report.head_hash.map(hex::encode),
            "root": report.root.map(hex::encode),
            "checkpoints_checked": report.checkpoints_checked,
            "anchored_checked": report.anchored_checked,
            "signed_size": report.signed_size,
            "verdicts": verdicts,
            "warnings": report.warnings,
        });
        println!("{out}");
    } else {
        for v in &report.verdicts {
            println!("✗ {}", crate::untrusted::escape_untrusted(&v.to_string()));
        }
        for w in &report.warnings {
            println!("! {}", crate::untrusted::escape_untrusted(w));
        }
        let anchored = if anchor.is_some() {
            format!(", {} anchored", report.anchored_checked)
        } else {
            String::new()
        };
        let state = if report.intact() {
            "intact"
        } else {
            "TAMPERED"
        };
        println!(
            "{state}: {} records, head seq {}, {} checkpoints verified{anchored}, signed through seq {}",
            report.records, report.head_seq, report.checkpoints_checked, report.signed_size
        );
        if let Some(root) = report.root {
            println!("root {}", hex::encode(root));
        }
        if report.intact() && report.head_seq > report.signed_size {
            println!(
                "note: seq {}–{} are not yet covered by a signed checkpoint",
                report.signed_size + 1,
                report.head_seq
            );
        }
    }
    Ok(if report.intact() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn verifiers(env: &Env, args: &VerifyArgs) -> anyhow::Result<Vec<NoteVerifier>> {
    let mut keys = Vec::new();
    for k in args.keys.iter().chain(&env.config.trusted_keys) {
        keys.push(
            NoteVerifier::decode(k.trim()).with_context(|| format!("bad verifier key `{k}`"))?,
        );
    }
    if args.keys.is_empty() {
        let path = env.config.key_file(&env.dirs);
        if path.exists() {
            keys.push(crate::config::keyfile::load(&path)?.verifier());
        }
    }
    if keys.is_empty() {
        anyhow::bail!("no verifier key to check checkpoint signatures with: pass --key NAME+ID+KEY (from `custody key` on the machine that sealed)");
    }
    Ok(keys)
}

/// `--deep`: the projection (derived incident and control state) re-derived from the
/// ledger; each difference is a warning, since the ledger itself is not at fault and
/// `custody projection rebuild` repairs it.
async fn projection_warnings(store: &crate::store::Store) -> anyhow::Result<Vec<String>> {
    use crate::store::projection::ProjectionState;
    if let ProjectionState::Behind { through } = store.projection_state().await? {
        return Ok(vec![format!(
            "projection: behind the ledger (folded through seq {through}); \
             `custody projection rebuild` brings it up to date"
        )]);
    }
    let diffs = crate::respond::derived::check(store).await?;
    let n = diffs.len();
    let mut out: Vec<String> = diffs
        .into_iter()
        .map(|d| format!("projection: {d}"))
        .collect();
    if n > 0 {
        out.push(format!(
            "projection: {n} difference(s) from the ledger; `custody projection rebuild` rebuilds it"
        ));
    }
    Ok(out)
}
