//! What a containment command prints: the plan before confirmation (who runs what,
//! exactly, and how far it can be undone) and, after, both `seq`s and what the executor
//! reported. Every value that came from an event or a person is escaped.

use super::act_step::Context;
use super::response::{self, untrusted};
use crate::event::Event;
use crate::playbook::{Playbook, Step};
use crate::respond::{Done, Plan, Role};

/// The plan as the confirm dialog shows it: who runs what, exactly, and how far it can be undone.
pub(super) fn print_plan(plan: &Plan, ctx: &Context, role: Role) {
    let r = &plan.request;
    println!("{} {}", r.action, untrusted(&r.agent));
    println!(
        "  executor       {} ({})",
        untrusted(&plan.executor_name),
        plan.executor_type()
    );
    response::labelled("  will run       ", &plan.display());
    println!("  reversibility  {}", plan.reversibility_text());
    if let Some(t) = &r.target {
        println!("  about          {}", describe_event(t));
    }
    if let Some(tier) = r.tier {
        let typed = if plan.needs_typed_agent() {
            ": the agent id must be typed to confirm"
        } else {
            ""
        };
        println!("  tier           {tier}{typed}");
    }
    if let Some(inc) = &ctx.incident {
        let step = ctx
            .step
            .as_ref()
            .map(|(pb, s)| format!(", step `{}` of {}", s.id, pb.id))
            .unwrap_or_default();
        println!(
            "  incident       {}{}",
            untrusted(&inc.id),
            untrusted(&step)
        );
    }
    println!(
        "  operator       {} ({role}), reason {}",
        untrusted(&r.operator),
        untrusted(&r.reason_code)
    );
    println!("  justification  {}", untrusted(&r.justification));
    if r.exercise {
        println!("  exercise       yes: the control events are marked as a drill");
    }
}

/// `019a… (T2, k8s.scale on deploy/web, 2026-11-20T10:00:00.000Z)`, escaped.
pub(super) fn describe_event(e: &Event) -> String {
    let tier = e.tier.map(|t| format!("{t}, ")).unwrap_or_default();
    untrusted(&format!(
        "{} ({tier}{}, {})",
        e.event_id,
        e.what_on(),
        e.time
    ))
    .into_owned()
}

/// What happened: both seqs, the status, and what the executor reported.
pub(super) fn print_done(done: &Done, step: Option<&(Playbook, Step)>) {
    let r = &done.report;
    let status = done
        .result
        .outcome_status()
        .map_or("unknown", |s| s.as_str());
    println!(
        "  intent         seq {} (pending), sealed before it ran",
        done.intent_seq
    );
    println!(
        "  result         seq {}: {status}: {}",
        done.result_seq,
        untrusted(&r.detail)
    );
    let mut facts = Vec::new();
    if let Some(c) = r.exit_code {
        facts.push(format!("exit code {c}"));
    }
    if let Some(s) = r.http_status {
        facts.push(format!("HTTP {s}"));
    }
    facts.push(format!("{} ms", r.duration_ms));
    facts.push(format!(
        "{} bytes of output, sha256 {}",
        r.output_bytes, r.output_sha256
    ));
    println!("  ran            {}", facts.join(", "));
    if !r.excerpt.trim().is_empty() {
        response::labelled("  output         ", r.excerpt.trim_end());
    }
    if let Some(v) = &done.verify {
        println!("  verify         {}: {}", v.status, untrusted(&v.detail));
    }
    if let Some((pb, step)) = step {
        let state = match (done.succeeded(), step.second_person) {
            (false, _) => "failed".to_string(),
            (true, true) => format!(
                "in progress: it needs a second person, someone other than {} checks it off",
                done.intent.actor.as_ref().map_or("you", |a| a.id.as_str())
            ),
            (true, false) => "done".to_string(),
        };
        println!(
            "  step           `{}` of {}: {}",
            step.id,
            pb.id,
            untrusted(&state)
        );
    }
}
