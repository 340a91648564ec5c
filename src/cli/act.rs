//! `custody pause | resume | revoke-token | notify | rollback`: the console's containment
//! actions without the console. Each one is planned (role checked first), shown exactly
//! as it will run, confirmed, and run write-ahead through `respond::execute`: the intent
//! is sealed before the executor starts and the result after. Refusals exit 2 with one
//! line saying why; an executor that ran and failed exits 1 with its result sealed.
//! Bulk rollback (`--since`) lives in `rollback.rs`.

use super::act_report::{print_done, print_plan};
use super::act_step::Context;
use super::response::{self, refuse, Confirm, Stop};
use super::Env;
use crate::event::{Event, Timestamp};
use crate::exec::Action;
use crate::playbook::PlaybookSet;
use crate::respond::load;
use crate::respond::{self as respond, Confirmation, Permission, Plan, Request};
use crate::store::Store;
use std::process::ExitCode;

const AFTER_HELP: &str = "Every action is write-ahead: the intent (operator, reason code, justification, incident, \
the exact command or request) is sealed in the ledger before the executor runs; if it cannot be sealed \
nothing runs. The result (status, exit code or HTTP status, duration, output hash and excerpt) is sealed after.\n\
Executors come from `[[executors]]` in the config file (builtin when none matches); roles from `[roles]`.\n\
Exit status: 0 done; 1 the executor ran and failed (its result is sealed); 2 refused or could not run.";

/// Flags every containment command takes.
#[derive(Debug, Clone, clap::Args)]
pub struct ActFlags {
    /// Reason code for the record (required): containment, security_risk, rollback, …
    #[arg(long = "reason", value_name = "CODE")]
    pub reason: Option<String>,
    /// Why, in words, for the record (required).
    #[arg(long, value_name = "TEXT")]
    pub justification: Option<String>,
    /// The incident this action is part of (`custody incident list`).
    #[arg(long, value_name = "ID")]
    pub incident: Option<String>,
    /// Carry out this step of the incident's playbook; its prerequisites must be done or
    /// skipped and its kind must match the command.
    #[arg(long, value_name = "STEP", requires = "incident")]
    pub step: Option<String>,
    /// Confirm without a prompt (required when standard input is not a terminal).
    #[arg(long)]
    pub yes: bool,
    /// The agent id, typed, that a T3 target needs as confirmation.
    #[arg(long, value_name = "AGENT")]
    pub confirm_agent: Option<String>,
    /// Pause or revoke the token of an agent this store has never seen (a typo is
    /// refused without it).
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, clap::Args)]
#[command(after_help = AFTER_HELP)]
pub struct AgentArgs {
    /// The agent id.
    pub agent: String,
    /// The event this is about (its tier decides whether the agent id must be typed).
    #[arg(long, value_name = "EVENT_ID")]
    pub event: Option<String>,
    #[command(flatten)]
    pub flags: ActFlags,
}

#[derive(Debug, clap::Args)]
#[command(after_help = AFTER_HELP)]
pub struct RevokeArgs {
    /// The agent id.
    pub agent: String,
    /// The credential to revoke (`{token_ref}`); default: `action.params.token_ref` of --event.
    #[arg(long, value_name = "REF")]
    pub token_ref: Option<String>,
    /// The event this is about, e.g. the one that exposed the credential.
    #[arg(long, value_name = "EVENT_ID")]
    pub event: Option<String>,
    #[command(flatten)]
    pub flags: ActFlags,
}

#[derive(Debug, clap::Args)]
#[command(after_help = AFTER_HELP)]
pub struct RollbackArgs {
    /// The agent whose action(s) are undone.
    pub agent: String,
    /// Undo this one action (an `ai.action` event id).
    #[arg(long, value_name = "EVENT_ID", conflicts_with = "since")]
    pub event: Option<String>,
    /// Undo every reversible action of the agent since TIME (RFC 3339, or `30m`, `2h`,
    /// `1d` ago), newest first; the ones that cannot be undone are listed first.
    #[arg(long, value_name = "TIME", value_parser = parse_since)]
    pub since: Option<Timestamp>,
    #[command(flatten)]
    pub flags: ActFlags,
}

/// An RFC 3339 time, or a span back from now: `90s`, `30m`, `2h`, `1d`.
fn parse_since(s: &str) -> Result<Timestamp, String> {
    if let Ok(t) = s.parse::<Timestamp>() {
        return Ok(t);
    }
    let (n, unit) = s.split_at(s.len().saturating_sub(1));
    let secs = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => 0,
    };
    match n.parse::<i64>() {
        Ok(n) if secs > 0 && n >= 0 => Ok(Timestamp::from_datetime(
            chrono::Utc::now() - chrono::TimeDelta::seconds(n * secs),
        )),
        _ => Err(format!(
            "`{s}` is neither an RFC 3339 time nor a span such as 30m, 2h or 1d"
        )),
    }
}

/// What one containment command asks for, whichever command it came from.
pub(super) struct Ask {
    pub action: Action,
    pub agent: String,
    pub event: Option<String>,
    pub token_ref: Option<String>,
    pub since: Option<Timestamp>,
    pub flags: ActFlags,
}

pub async fn agent(
    env: &Env,
    action: Action,
    args: AgentArgs,
    read_only: bool,
) -> anyhow::Result<ExitCode> {
    run(
        env,
        Ask::new(action, args.agent, args.event, args.flags),
        read_only,
    )
    .await
}

pub async fn revoke(env: &Env, args: RevokeArgs, read_only: bool) -> anyhow::Result<ExitCode> {
    let mut ask = Ask::new(Action::RevokeToken, args.agent, args.event, args.flags);
    ask.token_ref = args.token_ref;
    run(env, ask, read_only).await
}

pub async fn rollback(env: &Env, args: RollbackArgs, read_only: bool) -> anyhow::Result<ExitCode> {
    let mut ask = Ask::new(Action::Rollback, args.agent, args.event, args.flags);
    ask.since = args.since;
    run(env, ask, read_only).await
}

impl Ask {
    fn new(action: Action, agent: String, event: Option<String>, flags: ActFlags) -> Ask {
        Ask {
            action,
            agent,
            event,
            token_ref: None,
            since: None,
            flags,
        }
    }

    pub fn reason(&self) -> String {
        self.flags.reason.clone().unwrap_or_default()
    }

    pub fn justification(&self) -> String {
        self.flags.justification.clone().unwrap_or_default()
    }

    pub fn confirm(&self) -> Confirm {
        Confirm {
            yes: self.flags.yes,
            typed_agent: self.flags.confirm_agent.clone(),
        }
    }

    /// The request for one target, before planning.
    pub fn request(&self, env: &Env, ctx: &Context, target: Option<Event>) -> Request {
        let tier = target
            .as_ref()
            .and_then(|t| t.tier)
            .or(ctx.incident.as_ref().and_then(|i| i.tier));
        let exercise = target
            .as_ref()
            .map(|t| t.exercise)
            .or(ctx.incident.as_ref().map(|i| i.exercise))
            .unwrap_or(false);
        Request {
            action: self.action,
            agent: self.agent.clone(),
            operator: env.operator.name.clone(),
            reason_code: self.reason(),
            justification: self.justification(),
            incident: ctx.incident.as_ref().map(|i| i.id.clone()),
            step: ctx
                .step
                .as_ref()
                .map(|(pb, s)| (pb.id.clone(), s.id.clone())),
            target,
            tier,
            token_ref: self.token_ref.clone(),
            exercise,
        }
    }
}

async fn run(env: &Env, ask: Ask, read_only: bool) -> anyhow::Result<ExitCode> {
    let outcome = async {
        if read_only {
            return Err(respond::Refused::ReadOnly.into());
        }
        let playbooks = response::playbooks(env)?;
        let store = response::open_existing(env).await?;
        let done = act(env, &store, &playbooks, &ask).await;
        store.close().await;
        done
    }
    .await;
    Ok(response::exit(outcome))
}

async fn act(
    env: &Env,
    store: &Store,
    playbooks: &PlaybookSet,
    ask: &Ask,
) -> Result<ExitCode, Stop> {
    // `plan` checks the role too; checking it first makes it the first refusal a
    // viewer sees, whatever else is wrong with the request.
    let permission = match ask.action {
        Action::Resume => Permission::Resume,
        _ => Permission::Contain,
    };
    env.config
        .roles()
        .check(&env.operator.name, permission)
        .map_err(respond::Refused::from)?;
    if matches!(ask.action, Action::Pause | Action::RevokeToken)
        && !ask.flags.force
        && !agent_seen(store, &ask.agent).await?
    {
        return refuse(format!(
            "agent `{}` has never been seen in this store (a typo?); `custody tail` shows the agents at work, and --force acts on it anyway",
            ask.agent
        ));
    }
    let situation = load::situation(store).await?;
    let ctx = Context::load(ask, &situation, playbooks)?;
    if ask.action == Action::Rollback && ask.event.is_none() {
        if let Some(since) = ask.since {
            return super::rollback::bulk(env, store, ask, &ctx, &situation, since).await;
        }
        return Err(respond::Refused::NothingToRollBack(
            "give --event EVENT_ID (one action) or --since TIME (every reversible action since then)".into(),
        )
        .into());
    }
    let target = match &ask.event {
        Some(id) => Some(target_event(store, id, ask).await?),
        None => None,
    };
    if let (Action::Rollback, Some(t)) = (ask.action, &target) {
        if let Some(seq) = situation.rolled_back(&t.event_id) {
            return Err(respond::Refused::NothingToRollBack(format!(
                "event {} was already rolled back (seq {seq})",
                t.event_id
            ))
            .into());
        }
    }
    let plan = respond::plan(
        ask.request(env, &ctx, target),
        &env.config.executor_set,
        &env.config.roles(),
    )?;
    ctx.check_step()?;
    ready_to_seal(store, ask, std::slice::from_ref(&plan))?;
    print_plan(&plan, &ctx, env.config.roles().role_of(&env.operator.name));
    let typed = response::confirm(&ask.confirm(), &ask.agent, plan.needs_typed_agent())?;
    respond::check_confirmation(&plan, &confirmation(ask, typed))?;
    let sealing = response::sealing(env)?;
    let done = respond::execute(store, &sealing, &plan, ctx.step_run()).await?;
    print_done(&done, ctx.step.as_ref());
    Ok(if done.succeeded() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// Whether any record in the store names `agent`.
async fn agent_seen(store: &Store, agent: &str) -> Result<bool, Stop> {
    let filter = crate::query::Filter {
        agents: vec![agent.to_string()],
        ..crate::query::Filter::default()
    };
    let rows = store
        .rows(&filter, crate::query::Page::oldest_first(0, 1))
        .await?;
    Ok(!rows.is_empty())
}

/// The event an action is about; for a rollback it must be the agent's and undoable.
async fn target_event(store: &Store, id: &str, ask: &Ask) -> Result<Event, Stop> {
    let Some((_, e)) = load::event_by_id(store, id).await? else {
        return refuse(format!("there is no event `{id}` in this ledger"));
    };
    if ask.action == Action::Rollback {
        if e.agent_id() != Some(ask.agent.as_str()) {
            return refuse(format!(
                "event {id} is an action of {}, not of {}",
                e.agent_id().unwrap_or("no agent"),
                ask.agent
            ));
        }
        if let Err(why) = respond::undoable(&e) {
            let event_id = id.to_string();
            return Err(respond::Refused::CannotUndo { event_id, why }.into());
        }
    }
    Ok(e)
}

/// Refusals that need no prompt: a blank justification, a store that cannot seal, an
/// intent that ingest would reject. The seal path checks the last two again; checking them
/// here spares the operator a prompt for something that cannot run.
pub(super) fn ready_to_seal(store: &Store, ask: &Ask, plans: &[Plan]) -> Result<(), Stop> {
    if ask.justification().trim().is_empty() {
        return Err(respond::Refused::NoJustification.into());
    }
    let cannot = |e: respond::SealError| -> Stop { respond::Refused::CannotSeal(e).into() };
    respond::seal::writable(store).map_err(cannot)?;
    let intents: Vec<Event> = plans
        .iter()
        .map(|p| respond::events::intent(p, respond::new_id(), Timestamp::now(), None))
        .collect();
    respond::seal::check(&intents).map_err(cannot)
}

pub(super) fn confirmation(ask: &Ask, typed_agent: String) -> Confirmation {
    Confirmation {
        reason_code: ask.reason(),
        justification: ask.justification(),
        typed_agent,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn since_takes_a_time_or_a_span_back_from_now() {
        assert_eq!(
            parse_since("2026-11-20T10:00:00Z").map(|t| t.to_rfc3339()),
            Ok("2026-11-20T10:00:00.000Z".to_string())
        );
        assert!(parse_since("30m").is_ok_and(|t| t < Timestamp::now()));
        assert!(parse_since("yesterday").is_err());
    }
}
