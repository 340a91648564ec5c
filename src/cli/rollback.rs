//! `custody rollback AGENT --since TIME`: every reversible `ai.action` of the agent since
//! a time, undone newest first, one intent/result pair each. The actions that cannot be
//! undone are listed before anything is confirmed, and the run stops at the first
//! rollback that fails, so nothing is undone on top of a half-undone change.
//!
//! A playbook step (`--step`) is started with the first intent and settled once, after
//! the last result: done when all succeeded (unless it needs a second person), failed
//! with the error otherwise.

use super::act::{self, Ask};
use super::act_report::{describe_event, print_done};
use super::act_step::Context;
use super::response::{self, u, Sealing, Stop};
use super::Env;
use crate::event::Timestamp;
use crate::playbook::StepChange;
use crate::respond::load;
use crate::respond::work;
use crate::respond::{self as respond, Done, Ledger, Plan, Refused, StepRun};
use crate::store::Store;
use std::process::ExitCode;

pub(super) async fn bulk(
    env: &Env,
    store: &Store,
    ask: &Ask,
    ctx: &Context,
    since: Timestamp,
) -> Result<ExitCode, Stop> {
    let agent = &ask.agent;
    // A drill's incident rolls back drill actions; otherwise only real ones.
    let exercise = ctx.incident.as_ref().is_some_and(|i| i.exercise);
    let actions = load::actions_since(store, agent, since, exercise).await?;
    let total = actions.len();
    let (can, cannot) = respond::split_rollback(actions);
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
    act::ready_to_seal(store, ask)?;

    println!(
        "rollback {}: {} of {total} action(s) since {since} can be undone; they run newest first",
        u(agent),
        plans.len()
    );
    if !cannot.is_empty() {
        println!("cannot be undone ({}), left as they are:", cannot.len());
        for (e, why) in &cannot {
            println!("  ✗ {}: {}", describe_event(e), u(why));
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
            u(&first.executor_name),
            first.executor_type()
        );
        println!(
            "  operator       {} ({}), reason {}",
            u(&first.request.operator),
            roles.role_of(&first.request.operator),
            u(&first.request.reason_code)
        );
        println!("  justification  {}", u(&first.request.justification));
    }
    let t3 = plans.iter().any(Plan::needs_typed_agent);
    let typed = response::confirm(&ask.confirm(), agent, t3)?;
    for p in &plans {
        respond::check_confirmation(p, &act::confirmation(ask, typed.clone()))?;
    }

    let sealing = Sealing::load(env)?;
    let ledger = sealing.ledger(store);
    let mut ran: Vec<Done> = Vec::new();
    for (i, p) in plans.iter().enumerate() {
        // The step starts with the first intent and stays in progress until the end.
        let step = ctx.step_run().filter(|_| i == 0).map(|s| StepRun {
            second_person: true,
            ..s
        });
        println!(
            "[{}/{}] {}",
            i + 1,
            plans.len(),
            p.request
                .target
                .as_ref()
                .map(describe_event)
                .unwrap_or_default()
        );
        match respond::execute(&ledger, p, step, None).await {
            Ok(done) => {
                print_done(&done, None);
                let ok = done.succeeded();
                ran.push(done);
                if !ok {
                    break;
                }
            }
            Err(e) if ran.is_empty() => return Err(e.into()),
            Err(e) => {
                println!("  stopped: {}", u(&e.to_string()));
                return Err(Stop::Error(format!(
                    "{} of {} rollbacks ran before: {e}",
                    ran.len(),
                    plans.len()
                )));
            }
        }
    }
    let failed = ran.iter().find(|d| !d.succeeded());
    let not_tried = plans.len() - ran.len();
    if not_tried > 0 {
        println!("{not_tried} rollback(s) not attempted after the failure");
    }
    settle_step(env, store, &ledger, ctx, &ran, failed).await?;
    Ok(if failed.is_some() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// Settles the playbook step once every rollback ran (or one failed). A failure of the
/// first rollback was already recorded by `execute`.
async fn settle_step(
    env: &Env,
    store: &Store,
    ledger: &Ledger<'_>,
    ctx: &Context,
    ran: &[Done],
    failed: Option<&Done>,
) -> Result<(), Stop> {
    let (Some(inc), Some((pb, step))) = (&ctx.incident, &ctx.step) else {
        return Ok(());
    };
    let change = match failed {
        Some(_) if ran.len() == 1 => return Ok(()),
        Some(d) => StepChange::Fail {
            reason: format!("rollback of {} failed: {}", target_id(d), d.report.detail),
        },
        None if step.second_person => {
            println!(
                "  step           `{}` of {}: in progress: it needs a second person to check it off",
                step.id, pb.id
            );
            return Ok(());
        }
        None => StepChange::Complete {
            note: format!("rolled back {} action(s)", ran.len()),
        },
    };
    let situation = load::situation(store).await?;
    let now = situation.incident(&inc.id).unwrap_or(inc);
    let e = work::change_step(
        &env.config.roles(),
        &env.operator,
        now,
        pb,
        &step.id,
        change,
        respond::new_id(),
        Timestamp::now(),
    )?;
    let seqs = respond::record(ledger, vec![e], false).await?;
    let word = if failed.is_some() { "failed" } else { "done" };
    println!(
        "  step           `{}` of {}: {word} (seq {})",
        step.id,
        pb.id,
        seqs.first().copied().unwrap_or_default()
    );
    Ok(())
}

fn target_id(d: &Done) -> String {
    d.intent
        .context
        .as_ref()
        .and_then(|c| c.parent_event_id.clone())
        .unwrap_or_default()
}
