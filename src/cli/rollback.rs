//! `custody rollback AGENT --since TIME`: every reversible `ai.action` of the agent since
//! a time, undone newest first, one intent/result pair each. The actions that cannot be
//! undone are listed before anything is confirmed, and the run stops at the first
//! rollback that fails, so nothing is undone on top of a half-undone change.
//!
//! A playbook step (`--step`) is started with the first intent and settled once, after
//! the last result (`respond::execute_all`).

use super::act::{self, Ask};
use super::act_report::{describe_event, print_done};
use super::act_step::Context;
use super::response::{self, untrusted, Stop};
use super::Env;
use crate::event::Timestamp;
use crate::respond::load;
use crate::respond::{self as respond, Done, Plan, Refused};
use crate::store::Store;
use std::process::ExitCode;

pub(super) async fn bulk(
    env: &Env,
    store: &Store,
    ask: &Ask,
    ctx: &Context,
    situation: &load::Situation,
    since: Timestamp,
) -> Result<ExitCode, Stop> {
    let agent = &ask.agent;
    // A drill's incident rolls back drill actions; otherwise only real ones.
    let exercise = ctx.incident.as_ref().is_some_and(|i| i.exercise);
    let actions = load::actions_since(store, agent, since, exercise).await?;
    let total = actions.len();
    let (can, cannot) = situation.split_rollback(actions);
    if can.is_empty() {
        let why = if total == 0 {
            format!("{agent} took no actions since {since}")
        } else {
            format!("none of the {total} actions of {agent} since {since} can be undone")
        };
        return Err(Refused::NothingToRollBack(why).into());
    }
    let roles = env.config.roles();
    let plans = can
        .into_iter()
        .map(|e| {
            respond::plan(
                ask.request(env, ctx, Some(e)),
                &env.config.executor_set,
                &roles,
            )
        })
        .collect::<Result<Vec<Plan>, Refused>>()?;
    ctx.check_step()?;
    act::ready_to_seal(store, ask, &plans)?;

    println!(
        "rollback {}: {} of {total} action(s) since {since} can be undone; they run newest first",
        untrusted(agent),
        plans.len()
    );
    if !cannot.is_empty() {
        println!("cannot be undone ({}), left as they are:", cannot.len());
        for (e, why) in &cannot {
            println!("  ✗ {}: {}", describe_event(e), untrusted(&why.to_string()));
        }
    }
    for (i, p) in plans.iter().enumerate() {
        println!(
            "{:>3}. {}",
            i + 1,
            p.request
                .target
                .as_ref()
                .map(describe_event)
                .unwrap_or_default()
        );
        response::labelled("       will run  ", &p.display());
    }
    if let Some(first) = plans.first() {
        println!(
            "  executor       {} ({})",
            untrusted(&first.executor_name),
            first.executor_type()
        );
        println!(
            "  operator       {} ({}), reason {}",
            untrusted(&first.request.operator),
            roles.role_of(&first.request.operator),
            untrusted(&first.request.reason_code)
        );
        println!(
            "  justification  {}",
            untrusted(&first.request.justification)
        );
    }
    let t3 = plans.iter().any(Plan::needs_typed_agent);
    let typed = response::confirm(&ask.confirm(), agent, t3)?;
    for p in &plans {
        respond::check_confirmation(p, &act::confirmation(ask, typed.clone()))?;
    }

    let sealing = response::sealing(env)?;
    let describe = |i: usize| {
        plans[i]
            .request
            .target
            .as_ref()
            .map(describe_event)
            .unwrap_or_default()
    };
    let batch = respond::execute_all(store, &sealing, &plans, ctx.step_run(), |i, done| {
        println!("[{}/{}] {}", i + 1, plans.len(), describe(i));
        print_done(done, None);
    })
    .await?;
    if let Some(e) = &batch.stopped {
        println!("  stopped: {}", untrusted(&e.to_string()));
    }
    if batch.not_tried > 0 {
        println!(
            "{} rollback(s) not attempted after the failure",
            batch.not_tried
        );
    }
    if let (Some((pb, step)), Some(failed)) = (&ctx.step, batch.failed()) {
        println!(
            "  step           `{}` of {}: failed: rollback of {} failed",
            step.id,
            pb.id,
            target_id(failed)
        );
    }
    if let Some(e) = batch.stopped {
        return Err(Stop::Error(format!(
            "{} of {} rollbacks ran before: {e}",
            batch.done.len(),
            plans.len()
        )));
    }
    Ok(if batch.failed().is_some() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn target_id(d: &Done) -> String {
    d.intent
        .context
        .as_ref()
        .and_then(|c| c.parent_event_id.clone())
        .unwrap_or_default()
}
