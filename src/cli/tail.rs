//! `custody tail`: the stream as plain text, one event per line, for pipes and grep.
//! Every field from an event is escaped before printing; nothing an agent wrote can
//! drive the terminal.

use super::Env;
use crate::event::{missing_fields, Event, TierRange};
use crate::ledger::seal::event_from_record;
use crate::query::{Filter, Page};
use crate::store::Store;
use crate::store::StoredRow;
use crate::untrusted::escape_untrusted;
use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

#[derive(Debug, Clone, clap::Args)]
#[command(
    after_help = "Columns: seq, time, tier, reason code, agent, kind, action and target, outcome, \
  approval mode, and `incomplete:` with the audit fields an ai.action lacks."
)]
pub struct TailArgs {
    /// How many recent events to print before following.
    #[arg(short = 'n', long, default_value_t = 20)]
    pub lines: u32,
    /// Print the recent events and exit instead of following.
    #[arg(long)]
    pub no_follow: bool,
    /// Only these tiers: T3, T2..T3, T1..
    #[arg(long, value_name = "RANGE")]
    pub tier: Option<TierRange>,
    /// Only these reason codes (repeatable).
    #[arg(long = "reason", value_name = "CODE")]
    pub reasons: Vec<String>,
    /// Only these agents (repeatable).
    #[arg(long = "agent", value_name = "ID")]
    pub agents: Vec<String>,
    /// Only these kinds (repeatable).
    #[arg(long = "kind", value_name = "KIND")]
    pub kinds: Vec<String>,
}

impl Default for TailArgs {
    fn default() -> Self {
        TailArgs {
            lines: 20,
            no_follow: false,
            tier: None,
            reasons: vec![],
            agents: vec![],
            kinds: vec![],
        }
    }
}

impl TailArgs {
    fn filter(&self) -> Filter {
        Filter {
            tiers: self.tier.map(|r| r.tiers()).unwrap_or_default(),
            reasons: self.reasons.clone(),
            agents: self.agents.clone(),
            kinds: self.kinds.clone(),
            ..Filter::default()
        }
    }
}

pub async fn run(env: &Env, args: TailArgs) -> anyhow::Result<ExitCode> {
    let store = env.open_store_read_only().await?;
    let result = tokio::select! {
        r = follow(&store, &args) => r,
        _ = tokio::signal::ctrl_c() => Ok(()),
    };
    store.close().await;
    result?;
    Ok(ExitCode::SUCCESS)
}

/// Prints the most recent `args.lines` matching events, then (unless `no_follow`)
/// every new one as it is sealed.
pub async fn follow(store: &Store, args: &TailArgs) -> anyhow::Result<()> {
    let filter = args.filter();
    let mut recent = store
        .rows(&filter, Page::newest_first(None, args.lines))
        .await?;
    recent.reverse();
    let mut cursor = recent
        .last()
        .map_or(0, |r| r.seq)
        .max(if recent.is_empty() {
            store.head_seq().await?
        } else {
            0
        });
    print_rows(&recent)?;
    if args.no_follow {
        return Ok(());
    }
    loop {
        store.wait_for_new(cursor, Duration::from_secs(1)).await?;
        let head = store.head_seq().await?;
        let rows = store
            .rows(&filter, Page::oldest_first(cursor, 1000))
            .await?;
        cursor = match rows.last() {
            Some(last) if rows.len() == 1000 => last.seq,
            Some(last) => last.seq.max(head),
            None => head.max(cursor),
        };
        print_rows(&rows)?;
    }
}

fn print_rows(rows: &[StoredRow]) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    for row in rows {
        let line = match event_from_record(&row.record) {
            Ok(e) => format_line(row.seq, &e),
            Err(e) => format!("{:>8}  (unreadable record: {e})", row.seq),
        };
        if writeln!(out, "{}", escape_untrusted(&line)).is_err() {
            // The reader went away (e.g. `| head`): stop quietly.
            std::process::exit(0);
        }
    }
    out.flush().map_err(|e| match e.kind() {
        std::io::ErrorKind::BrokenPipe => anyhow::Error::new(super::StdoutClosed),
        _ => e.into(),
    })
}

/// One event as a line of text (not yet escaped).
pub fn format_line(seq: u64, e: &Event) -> String {
    let dash = || "-".to_string();
    let tier = e.tier.map_or("--".to_string(), |t| t.to_string());
    let action = e.action.as_ref().map_or_else(dash, |a| match &a.resource {
        Some(r) => format!("{} {r}", a.kind),
        None => a.kind.clone(),
    });
    let outcome = e.outcome_status().map_or("-", |s| s.as_str());
    let approval = e
        .approval
        .as_ref()
        .map_or("-".to_string(), |a| format!("{:?}", a.mode).to_lowercase());
    let missing = missing_fields(e);
    let incomplete = if missing.is_empty() {
        String::new()
    } else {
        format!(
            "  incomplete: {}",
            missing
                .iter()
                .map(|f| f.label())
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    format!(
        "{seq:>8}  {}  {tier}  {:<21} {:<18} {:<18} {action}  {outcome}  approval:{approval}{incomplete}",
        e.time,
        e.reason_code.as_deref().unwrap_or("-"),
        e.agent_id().unwrap_or("-"),
        e.kind,
    )
}
