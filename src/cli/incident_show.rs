//! `custody incident list` and `custody incident show ID`: incidents as the ledger tells
//! them, for anyone (viewers included). Everything printed from an event goes through
//! `escape_untrusted`; nothing here writes.

use super::response::{self, short, span, untrusted, Stop};
use super::Env;
use crate::event::{Event, Timestamp};
use crate::incident::{Incident, IncidentState, Timers};
use crate::playbook::{Checklist, PlaybookSet, StepStatus};
use crate::respond::load::{self, Situation};
use crate::store::projection::{ProjectedIncidents, ProjectionState};
use std::collections::HashMap;
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct ListArgs {
    /// Only incidents that are not closed.
    #[arg(long)]
    pub open: bool,
}

#[derive(Debug, clap::Args)]
pub struct ShowArgs {
    /// The incident id, e.g. INC-1000.
    pub id: String,
}

pub async fn list(env: &Env, args: ListArgs) -> Result<ExitCode, Stop> {
    let store = response::open_for_reading(env).await?;
    let situation = load::situation_of(&store, ProjectedIncidents::All).await;
    store.close().await;
    let situation = situation?;
    let now = Timestamp::now();
    let shown: Vec<&Incident> = situation
        .incidents
        .iter()
        .filter(|i| !args.open || i.state != IncidentState::Closed)
        .collect();
    if shown.is_empty() {
        println!("no incidents");
    } else {
        println!(
            "{:<14} {:<10} {:<5} {:>9} {:>10} {:>10}  {:<16} TITLE",
            "ID", "STATE", "SEV", "OPEN FOR", "CONTAINED", "RESOLVED", "COMMANDER"
        );
    }
    for i in shown {
        let t = i.timers(now);
        let drill = if i.exercise { "[drill] " } else { "" };
        println!(
            "{:<14} {:<10} {:<5} {:>9} {:>10} {:>10}  {:<16} {drill}{}",
            short(&i.id, 14),
            i.state_word(),
            i.severity.as_str(),
            span(t.open_for),
            t.to_contain.map(span).unwrap_or_else(|| "-".into()),
            t.to_resolve.map(span).unwrap_or_else(|| "-".into()),
            short(&i.commander, 16),
            short(&i.title, 60)
        );
    }
    warn_unresolved(&situation);
    Ok(ExitCode::SUCCESS)
}

/// Intents sealed without a result: the executor may or may not have acted.
fn warn_unresolved(situation: &Situation) {
    if situation.unresolved.is_empty() {
        return;
    }
    println!();
    println!(
        "! {} control intent(s) without a result: custody stopped or lost its store between \
         sealing the intent and the result; check the target system by hand:",
        situation.unresolved.len()
    );
    for (seq, e) in &situation.unresolved {
        let by = e.actor.as_ref().map_or("unknown", |a| a.id.as_str());
        println!(
            "  seq {seq:<8} {:<22} {:<18} by {} at {}  ({})",
            untrusted(&e.kind),
            short(e.agent_id().unwrap_or("-"), 18),
            short(by, 16),
            e.time,
            short(&e.event_id, 40)
        );
    }
}

pub async fn show(env: &Env, playbooks: &PlaybookSet, args: ShowArgs) -> Result<ExitCode, Stop> {
    let store = response::open_for_reading(env).await?;
    let found = load::incident(&store, &args.id).await;
    let found = match found {
        Ok(None) if !matches!(store.projection_state().await, Ok(ProjectionState::Current)) => {
            load::situation_of(&store, ProjectedIncidents::All)
                .await
                .map(|s| s.incident(&args.id).cloned())
        }
        other => other,
    };
    let inc = match found {
        Ok(Some(inc)) => inc,
        Ok(None) => {
            store.close().await;
            return response::refuse(format!(
                "there is no incident `{}` in this ledger (see `custody incident list`)",
                args.id
            ));
        }
        Err(e) => {
            store.close().await;
            return Err(e.into());
        }
    };
    let inc = &inc;
    let mut triggers = Vec::new();
    for id in &inc.triggers {
        if let Ok(Some(found)) = load::event_by_id(&store, id).await {
            triggers.push(found);
        }
    }
    let mut linked = Vec::new();
    for id in &inc.events {
        if let Ok(Some(found)) = load::event_by_id(&store, id).await {
            linked.push(found);
        }
    }
    store.close().await;
    header(inc, &triggers, Timestamp::now());
    match inc.playbook.as_deref().map(|p| (p, playbooks.get(p))) {
        Some((_, Some(pb))) => {
            println!();
            println!(
                "checklist: {} — {}",
                untrusted(&pb.id),
                untrusted(&pb.title)
            );
            checklist(&inc.checklist(pb));
        }
        Some((name, None)) => println!("\nplaybook `{}` is not loaded here", untrusted(name)),
        None => suggest(inc, playbooks),
    }
    events(inc, &linked);
    Ok(ExitCode::SUCCESS)
}

fn header(inc: &Incident, triggers: &[(u64, Event)], now: Timestamp) {
    let drill = if inc.exercise { " [drill]" } else { "" };
    println!("{}  {}{drill}", untrusted(&inc.id), untrusted(&inc.title));
    println!("  state      {}", inc.state_word());
    let tier = inc.tier.map(|t| format!(", {t}")).unwrap_or_default();
    let reason = inc
        .reason_code
        .as_deref()
        .map(|r| format!(", {}", untrusted(r)))
        .unwrap_or_default();
    println!("  severity   {}{tier}{reason}", inc.severity);
    if let Some(a) = &inc.agent {
        println!("  agent      {}", untrusted(a));
    }
    println!(
        "  commander  {} (opened by {})",
        untrusted(&inc.commander),
        untrusted(&inc.opened_by)
    );
    println!("  opened     {}", inc.opened_at);
    for (label, at) in [
        ("contained", inc.contained_at),
        ("resolved ", inc.resolved_at),
        ("closed   ", inc.closed_at),
    ] {
        if let Some(at) = at {
            println!("  {label}  {at}");
        }
    }
    println!("  timers     {}", timers(&inc.timers(now), inc.state));
    for (seq, e) in triggers {
        println!(
            "  trigger    seq {seq}: {}",
            super::act_report::describe_event(e)
        );
    }
    if let Some(s) = &inc.summary {
        println!("  summary    {}", untrusted(s));
    }
}

fn timers(t: &Timers, state: IncidentState) -> String {
    let open = if state == IncidentState::Closed {
        "was open for"
    } else {
        "open for"
    };
    let mut parts = vec![format!("{open} {}", span(t.open_for))];
    parts.push(match t.to_contain {
        Some(d) => format!("time to contain {}", span(d)),
        None => "not contained".into(),
    });
    parts.push(match t.to_resolve {
        Some(d) => format!("time to resolve {}", span(d)),
        None => "not resolved".into(),
    });
    parts.join(" · ")
}

/// `[x] triage  Confirm the culprit (manual) — done by raj at …: note`
fn checklist(list: &Checklist) {
    let ready = list.ready();
    for s in &list.steps {
        let mark = match &s.status {
            StepStatus::Pending => "[ ]",
            StepStatus::InProgress { .. } => "[~]",
            StepStatus::Done { .. } => "[x]",
            StepStatus::Skipped { .. } => "[-]",
            StepStatus::Failed { .. } => "[!]",
        };
        let mut tags = vec![s.step.kind.as_str().to_string()];
        if s.step.second_person {
            tags.push("second person".into());
        }
        println!(
            "  {mark} {:<18} {} ({})",
            untrusted(&s.step.id),
            short(&s.step.title, 60),
            tags.join(", ")
        );
        let status = match &s.status {
            StepStatus::Pending if ready.contains(&s.step.id.as_str()) => {
                "pending, ready to start".to_string()
            }
            StepStatus::Pending => "pending".to_string(),
            StepStatus::InProgress { by, at } if s.step.second_person => format!(
                "in progress, started by {} at {at}; someone other than {} completes it",
                untrusted(by),
                untrusted(by)
            ),
            StepStatus::InProgress { by, at } => {
                format!("in progress, started by {} at {at}", untrusted(by))
            }
            StepStatus::Done { by, at, note } => {
                format!("done by {} at {at}: {}", untrusted(by), short(note, 100))
            }
            StepStatus::Skipped { by, at, reason } => {
                format!(
                    "skipped by {} at {at}: {}",
                    untrusted(by),
                    short(reason, 100)
                )
            }
            StepStatus::Failed { by, at, reason } => {
                format!("failed ({} at {at}): {}", untrusted(by), short(reason, 100))
            }
        };
        println!("        {status}");
        let pending: Vec<&str> = s
            .step
            .needs
            .iter()
            .filter(|n| !list.step(n).is_some_and(|x| x.status.is_settled()))
            .map(String::as_str)
            .collect();
        if !s.status.is_settled() && !pending.is_empty() {
            println!("        needs {} first", untrusted(&pending.join(", ")));
        }
    }
}

fn suggest(inc: &Incident, playbooks: &PlaybookSet) {
    println!();
    let Some(tier) = inc.tier else {
        println!(
            "no playbook picked: custody incident playbook {} NAME",
            untrusted(&inc.id)
        );
        return;
    };
    let fits = playbooks.applicable(tier, inc.reason_code.as_deref());
    println!("no playbook picked; these apply, most specific first:");
    for p in fits {
        println!("  {:<28} {}", untrusted(&p.id), untrusted(&p.title));
    }
    println!(
        "pick one: custody incident playbook {} NAME",
        untrusted(&inc.id)
    );
}

/// The incident's own events and the linked control events, in ledger order.
fn events(inc: &Incident, linked: &[(u64, Event)]) {
    let by_id: HashMap<&str, &(u64, Event)> = linked
        .iter()
        .map(|pair| (pair.1.event_id.as_str(), pair))
        .collect();
    println!();
    println!("events ({}):", inc.events.len());
    for id in &inc.events {
        let Some((seq, e)) = by_id.get(id.as_str()) else {
            continue;
        };
        let by = e.actor.as_ref().map_or("-", |a| a.id.as_str());
        let status = e
            .outcome_status()
            .map(|s| format!(" [{}]", s.as_str()))
            .unwrap_or_default();
        let text = e
            .outcome
            .as_ref()
            .and_then(|o| o.detail.as_deref())
            .filter(|_| e.kind.starts_with("control."))
            .or(e.justification.as_deref())
            .unwrap_or("");
        println!(
            "  seq {seq:<8} {}  {:<20} {:<14}{status} {}",
            e.time,
            untrusted(&e.kind),
            short(by, 14),
            short(text, 70)
        );
    }
}
