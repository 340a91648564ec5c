//! `custody incident …`: open an incident from events, pick its playbook, walk the
//! checklist, declare it contained or resolved, close it. Every change is an
//! `incident.*` event decided by `respond::work` (roles, checklist rules) and sealed in
//! the ledger; nothing is kept anywhere else. Reading (`list`, `show`) is in
//! `incident_show.rs`.

use super::incident_show;
use super::response::{self, refuse, untrusted, Stop};
use super::Env;
use crate::event::{Event, Timestamp};
use crate::exec::Action;
use crate::incident::{DeclaredState, Incident, Severity};
use crate::playbook::{Playbook, PlaybookSet, StepChange, StepKind};
use crate::respond::closing::{self, Closing, Unfinished};
use crate::respond::load::{self, Situation};
use crate::respond::work::{self, Opening};
use crate::respond::{self as respond, Refused};
use crate::store::SealContext;
use crate::store::Store;
use clap::Subcommand;
use std::process::ExitCode;

#[derive(Debug, Subcommand)]
#[command(
    after_help = "Incident state (open, contained, resolved, closed) is derived from the ledger's `incident.*` \
and `control.*` events, so every console and reviewer sees the same. Exit status: 0 done, 2 refused."
)]
pub enum IncidentCommand {
    /// Open an incident from one or more events; prints its id and the playbooks that apply.
    Open(OpenArgs),
    /// List incidents with state, severity, commander and timers, and warn about control
    /// intents that never got a result.
    List(incident_show::ListArgs),
    /// Show one incident: header, timers, its playbook's checklist, its events.
    Show(incident_show::ShowArgs),
    /// Pick the playbook whose checklist the incident follows.
    Playbook(PickArgs),
    /// Start, check off, skip or fail a checklist step by hand.
    Step(StepArgs),
    /// Declare the incident contained (the agent can do no further harm).
    Contain(DeclareArgs),
    /// Declare the incident resolved (the affected systems are healthy again).
    Resolve(DeclareArgs),
    /// Close the incident with a summary (approver or above); seals a signed checkpoint.
    Close(CloseArgs),
}

#[derive(Debug, clap::Args)]
pub struct OpenArgs {
    /// A triggering event id (repeatable; at least one). Severity, tier, reason code and
    /// the suspected agent come from the highest-tier one.
    #[arg(long = "event", value_name = "EVENT_ID")]
    pub events: Vec<String>,
    /// A short title (default: the agent, action and resource of the trigger).
    #[arg(long, value_name = "TITLE")]
    pub title: Option<String>,
    /// SEV1 … SEV4 (default: from the tier: T3 → SEV1, T2 → SEV2, T1 → SEV3, T0 → SEV4).
    #[arg(long, value_name = "SEV", value_parser = parse_severity)]
    pub severity: Option<Severity>,
    /// Pick this playbook at once (see the list printed by `open`).
    #[arg(long, value_name = "NAME")]
    pub playbook: Option<String>,
    /// Why it is opened, for the record (required).
    #[arg(long, value_name = "TEXT")]
    pub justification: Option<String>,
}

#[derive(Debug, clap::Args)]
pub struct PickArgs {
    /// The incident id, e.g. INC-1000.
    pub id: String,
    /// The playbook id, e.g. rogue-agent.
    pub name: String,
}

#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("change").required(true).args(["done", "skip", "fail", "start"])))]
pub struct StepArgs {
    /// The incident id.
    pub id: String,
    /// The step id from the incident's playbook (`custody incident show ID`).
    pub step: String,
    /// Check it off with a note saying what was done. A `checkpoint` step also seals a
    /// signed checkpoint.
    #[arg(long, value_name = "NOTE")]
    pub done: Option<String>,
    /// Leave it out, with the reason.
    #[arg(long, value_name = "REASON")]
    pub skip: Option<String>,
    /// Mark a step in progress as failed, with the reason; it may be started again.
    #[arg(long, value_name = "REASON")]
    pub fail: Option<String>,
    /// Start it (a second-person step is started by one operator and completed by another).
    #[arg(long)]
    pub start: bool,
}

#[derive(Debug, clap::Args)]
pub struct DeclareArgs {
    /// The incident id.
    pub id: String,
    /// What makes it so, for the record (required).
    #[arg(long, value_name = "TEXT")]
    pub note: Option<String>,
}

#[derive(Debug, clap::Args)]
pub struct CloseArgs {
    /// The incident id.
    pub id: String,
    /// What happened and what was done (required).
    #[arg(long, value_name = "TEXT")]
    pub summary: Option<String>,
    /// Close although checklist steps are not done or skipped, saying why; the
    /// justification is sealed with the close.
    #[arg(long, value_name = "JUSTIFICATION")]
    pub force: Option<String>,
}

fn parse_severity(s: &str) -> Result<Severity, String> {
    match s.to_ascii_uppercase().trim_start_matches("SEV") {
        "1" => Ok(Severity::Sev1),
        "2" => Ok(Severity::Sev2),
        "3" => Ok(Severity::Sev3),
        "4" => Ok(Severity::Sev4),
        _ => Err(format!("`{s}` is not a severity: SEV1, SEV2, SEV3 or SEV4")),
    }
}

pub async fn run(env: &Env, cmd: IncidentCommand, read_only: bool) -> anyhow::Result<ExitCode> {
    let outcome = async {
        let playbooks = response::playbooks(env)?;
        match cmd {
            IncidentCommand::List(args) => incident_show::list(env, args).await,
            IncidentCommand::Show(args) => incident_show::show(env, &playbooks, args).await,
            _ if read_only => Err(Refused::ReadOnly.into()),
            change => {
                let store = response::open_existing(env).await?;
                let done = write(env, &store, &playbooks, change).await;
                store.close().await;
                done
            }
        }
    }
    .await;
    Ok(response::exit(outcome))
}

async fn write(
    env: &Env,
    store: &Store,
    playbooks: &PlaybookSet,
    cmd: IncidentCommand,
) -> Result<ExitCode, Stop> {
    let mut situation = load::situation(store).await?;
    // An incident closed long ago is not among those the situation carries: read it by id.
    let named = match &cmd {
        IncidentCommand::Playbook(a) => Some(&a.id),
        IncidentCommand::Step(a) => Some(&a.id),
        IncidentCommand::Contain(a) | IncidentCommand::Resolve(a) => Some(&a.id),
        IncidentCommand::Close(a) => Some(&a.id),
        _ => None,
    };
    if let Some(id) = named.filter(|id| situation.incident(id).is_none()) {
        if let Some(found) = load::incident(store, id).await? {
            situation.incidents.push(found);
        }
    }
    let sealing = response::sealing(env)?;
    let w = Writer {
        env,
        store,
        sealing: &sealing,
        situation: &situation,
        playbooks,
    };
    match cmd {
        IncidentCommand::Open(args) => w.open(store, args).await,
        IncidentCommand::Playbook(args) => w.pick(args).await,
        IncidentCommand::Step(args) => w.step(store, args).await,
        IncidentCommand::Contain(args) => w.declare(args, DeclaredState::Contained).await,
        IncidentCommand::Resolve(args) => w.declare(args, DeclaredState::Resolved).await,
        IncidentCommand::Close(args) => w.close(args).await,
        IncidentCommand::List(_) | IncidentCommand::Show(_) => Ok(ExitCode::SUCCESS),
    }
}

struct Writer<'a> {
    env: &'a Env,
    store: &'a Store,
    sealing: &'a SealContext,
    situation: &'a Situation,
    playbooks: &'a PlaybookSet,
}

impl Writer<'_> {
    fn operator(&self) -> &str {
        &self.env.operator.name
    }

    fn incident(&self, id: &str) -> Result<&Incident, Stop> {
        match self.situation.incident(id) {
            Some(i) => Ok(i),
            None => refuse(format!(
                "there is no incident `{id}` in this ledger (see `custody incident list`)"
            )),
        }
    }

    fn playbook(&self, name: &str) -> Result<&Playbook, Stop> {
        match self.playbooks.get(name) {
            Some(p) => Ok(p),
            None => {
                let known: Vec<&str> = self
                    .playbooks
                    .playbooks
                    .iter()
                    .map(|p| p.id.as_str())
                    .collect();
                refuse(format!(
                    "there is no playbook `{name}`; known: {}",
                    known.join(", ")
                ))
            }
        }
    }

    /// The playbook the incident follows.
    fn picked(&self, inc: &Incident) -> Result<&Playbook, Stop> {
        match &inc.playbook {
            Some(name) => self.playbook(name),
            None => refuse(format!(
                "incident {} has no playbook yet: pick one with `custody incident playbook {} NAME`",
                inc.id, inc.id
            )),
        }
    }

    /// Seals one incident event; a store that cannot seal is a refusal with nothing recorded.
    async fn seal(&self, e: Event, checkpoint: bool) -> Result<u64, Stop> {
        match respond::record(self.store, self.sealing, vec![e], checkpoint).await {
            Ok(seqs) => Ok(seqs.first().copied().unwrap_or_default()),
            Err(Refused::CannotSeal(why)) => refuse(format!(
                "nothing was recorded: the store cannot seal: {why}"
            )),
            Err(other) => Err(other.into()),
        }
    }

    async fn open(&self, store: &Store, args: OpenArgs) -> Result<ExitCode, Stop> {
        let mut triggers = Vec::new();
        for id in &args.events {
            match load::event_by_id(store, id).await? {
                Some((_, e)) => triggers.push(e),
                None => return refuse(format!("there is no event `{id}` in this ledger")),
            }
        }
        if let Some(name) = &args.playbook {
            self.playbook(name)?;
        }
        let worst = triggers.iter().max_by_key(|e| e.tier);
        let id = self.situation.next_incident_id();
        let title = args
            .title
            .or_else(|| worst.map(work::default_title))
            .unwrap_or_default();
        let opening = Opening {
            id: id.clone(),
            title: title.clone(),
            justification: args.justification.unwrap_or_default(),
            severity: args.severity,
            playbook: args.playbook.clone(),
        };
        let refs: Vec<&Event> = triggers.iter().collect();
        let e = work::open(
            &self.env.config.roles(),
            self.operator(),
            opening,
            &refs,
            respond::new_id(),
            Timestamp::now(),
        )?;
        let seq = self.seal(e, false).await?;
        println!(
            "opened {} (seq {seq}): {}",
            untrusted(&id),
            untrusted(title.trim())
        );
        println!("  commander  {}", untrusted(self.operator()));
        if let Some(name) = &args.playbook {
            println!("  playbook   {}", untrusted(name));
        }
        if let Some(w) = worst.and_then(|w| w.tier.map(|t| (t, w.reason_code.as_deref()))) {
            let fits = self.playbooks.applicable(w.0, w.1);
            if fits.is_empty() {
                println!("  no playbook applies to {} {}; pick any with `custody incident playbook {id} NAME`", w.0, untrusted(w.1.unwrap_or("")));
            } else {
                println!("  playbooks that apply, most specific first:");
                for p in fits {
                    println!("    {:<28} {}", untrusted(&p.id), untrusted(&p.title));
                }
                if args.playbook.is_none() {
                    println!(
                        "  pick one: custody incident playbook {} NAME",
                        untrusted(&id)
                    );
                }
            }
        }
        Ok(ExitCode::SUCCESS)
    }

    async fn pick(&self, args: PickArgs) -> Result<ExitCode, Stop> {
        let inc = self.incident(&args.id)?;
        let pb = self.playbook(&args.name)?;
        let e = work::pick_playbook(
            &self.env.config.roles(),
            self.operator(),
            inc,
            pb,
            respond::new_id(),
            Timestamp::now(),
        )?;
        let seq = self.seal(e, false).await?;
        println!(
            "{} follows {}: {} (seq {seq})",
            untrusted(&inc.id),
            untrusted(&pb.id),
            untrusted(&pb.title)
        );
        let list = inc.checklist(pb);
        println!(
            "  {} steps; ready now: {}",
            pb.steps.len(),
            list.ready().join(", ")
        );
        Ok(ExitCode::SUCCESS)
    }

    async fn step(&self, store: &Store, args: StepArgs) -> Result<ExitCode, Stop> {
        let inc = self.incident(&args.id)?;
        let pb = self.picked(inc)?;
        let change = match (args.done, args.skip, args.fail) {
            (Some(note), _, _) => StepChange::Complete { note },
            (_, Some(reason), _) => StepChange::Skip { reason },
            (_, _, Some(reason)) => StepChange::Fail { reason },
            _ => StepChange::Start,
        };
        let kind = pb.step(&args.step).map(|s| s.kind);
        let checkpoint =
            kind == Some(StepKind::Checkpoint) && matches!(change, StepChange::Complete { .. });
        let e = work::change_step(
            &self.env.config.roles(),
            self.operator(),
            inc,
            pb,
            &args.step,
            change.clone(),
            respond::new_id(),
            Timestamp::now(),
        )
        .map_err(|r| with_command_hint(r, kind, &inc.id, &args.step))?;
        let seq = self.seal(e, checkpoint).await?;
        let word = match change {
            StepChange::Start => "started",
            StepChange::Complete { .. } => "done",
            StepChange::Skip { .. } => "skipped",
            StepChange::Fail { .. } => "failed",
        };
        println!(
            "{}: step `{}` {word} by {} (seq {seq})",
            untrusted(&inc.id),
            untrusted(&args.step),
            untrusted(self.operator())
        );
        if checkpoint {
            if let Some(cp) = store.latest_checkpoint().await? {
                println!("  signed checkpoint at tree size {}", cp.tree_size);
            }
        }
        Ok(ExitCode::SUCCESS)
    }

    async fn declare(&self, args: DeclareArgs, state: DeclaredState) -> Result<ExitCode, Stop> {
        let inc = self.incident(&args.id)?;
        let e = work::declare(
            &self.env.config.roles(),
            self.operator(),
            inc,
            state,
            args.note.as_deref().unwrap_or(""),
            respond::new_id(),
            Timestamp::now(),
        )?;
        let seq = self.seal(e, false).await?;
        let word = match state {
            DeclaredState::Contained => "contained",
            DeclaredState::Resolved => "resolved",
        };
        println!(
            "{} declared {word} by {} (seq {seq})",
            untrusted(&inc.id),
            untrusted(self.operator())
        );
        Ok(ExitCode::SUCCESS)
    }

    async fn close(&self, args: CloseArgs) -> Result<ExitCode, Stop> {
        let inc = self.incident(&args.id)?;
        let playbook = inc.playbook.as_deref().and_then(|p| self.playbooks.get(p));
        let closing = Closing {
            summary: args.summary.unwrap_or_default(),
            force: args.force,
        };
        let e = closing::close(
            &self.env.config.roles(),
            self.operator(),
            inc,
            &closing,
            &Unfinished::of(inc, playbook),
            respond::new_id(),
            Timestamp::now(),
        )?;
        let seq = self.seal(e, true).await?;
        println!(
            "{} closed by {} (seq {seq}); a signed checkpoint covers the record",
            untrusted(&inc.id),
            untrusted(self.operator())
        );
        Ok(ExitCode::SUCCESS)
    }
}

/// A step that runs an executor is refused by hand; say which command runs it.
fn with_command_hint(r: Refused, kind: Option<StepKind>, incident: &str, step: &str) -> Stop {
    let action = kind.and_then(Action::for_step);
    match (r, action) {
        (Refused::Incident(why), Some(a)) => Stop::Refused(format!(
            "{why}: custody {} AGENT --incident {incident} --step {step}",
            a.as_str().replace('_', "-")
        )),
        (r, _) => r.into(),
    }
}
