//! Ordinary traffic: one move of one bot becomes the events of its trace. Reads and
//! small internal changes run autonomously (`approval.mode = none`, said explicitly);
//! customer-facing and destructive ones go proposal → approval request → decision by a
//! threshold rule or a person → action, with the failures, retries, overrides and
//! rollbacks a real week has. A few actions are recorded incompletely on purpose.

use super::agents::{Bot, Human};
use super::forge::Forge;
use super::moves::{self, Move};
use super::trace::*;
use crate::event::{Approval, Event, OutcomeStatus, PolicyDecision, Tier};
use serde_json::json;

/// Share of `ai.action` events that lack one of the seven audit fields.
const INCOMPLETE_SHARE: f64 = 0.025;

/// Appends one ordinary story starting at `start` to `out`.
pub(crate) fn routine(f: &mut Forge, start: i64, out: &mut Vec<Event>) {
    let weights = Bot::ALL.map(|b| b.tuning().weight);
    let bot = Bot::ALL[f.weighted(&weights)];
    let mut m = moves::routine(f, bot);
    // Not every decision cites every source it could.
    if m.evidence.len() > 1 && f.chance(0.4) {
        m.evidence.truncate(1);
    }
    let mut tr = Trace::for_bot(f, bot, m.environment, start);
    match m.tier {
        Tier::T0 | Tier::T1 => autonomous(f, &mut tr, &m, out),
        Tier::T2 | Tier::T3 => gated(f, &mut tr, &m, out),
    }
}

/// A read or a small reversible change: no approval, recorded as such, or a threshold
/// rule recorded inline.
fn autonomous(f: &mut Forge, tr: &mut Trace, m: &Move, out: &mut Vec<Event>) {
    let mut e = tr.agent_event(f, m, "ai.action");
    let by_rule = m.tier == Tier::T1 && f.chance(0.25);
    e.policy = Some(policy(
        m.bot,
        PolicyDecision::Allow,
        if m.tier == Tier::T0 {
            "read-only-allow"
        } else {
            m.rule_id
        },
    ));
    e.approval = Some(if by_rule {
        rule_approval(m.rule_id, tr.now())
    } else {
        no_approval()
    });
    let status = execute(f, tr, m, &mut e);
    out.push(e);
    if status != OutcomeStatus::Success && f.chance(0.6) {
        retry(f, tr, m, out);
    }
}

/// Proposal, approval request, decision, then the action if approved.
fn gated(f: &mut Forge, tr: &mut Trace, m: &Move, out: &mut Vec<Event>) {
    let rule_ok = m.tier == Tier::T2 && f.chance(0.55);
    // Every gated proposal hits the gate as `ask`; a threshold rule or a person answers.
    let mut proposal = tr.agent_event(f, m, "ai.proposal");
    proposal.policy = Some(policy(m.bot, PolicyDecision::Ask, m.rule_id));
    out.push(proposal);

    tr.wait(f.int(150, 1_800));
    let mut request = tr.event(f, "approval.request");
    request.actor = out.last().and_then(|p| p.actor.clone());
    request.agent = Some(agent_ref(m.bot));
    request.action = Some(action(m));
    request.ai_output = out.last().and_then(|p| p.ai_output.clone()).map(|mut o| {
        o.reasoning = None;
        o.evidence.clear();
        o
    });
    request.reason_code = Some(m.reason.to_string());
    request.tier = Some(m.tier);
    request.policy = Some(policy(m.bot, PolicyDecision::Ask, m.rule_id));
    out.push(request);

    let approval = if rule_ok {
        tr.wait(f.int(40, 600));
        let mut d = tr.event(f, "approval.decision");
        d.actor = Some(service_actor());
        d.agent = Some(agent_ref(m.bot));
        d.reason_code = Some(m.reason.to_string());
        d.tier = Some(m.tier);
        d.policy = Some(policy(m.bot, PolicyDecision::Allow, m.rule_id));
        d.approval = Some(rule_approval(m.rule_id, tr.now()));
        d.outcome = Some(outcome(OutcomeStatus::Success, "approved", None));
        out.push(d);
        rule_approval(m.rule_id, tr.now())
    } else {
        let who = f.pick(m.bot.tuning().approvers);
        tr.wait(f.exp_ms(240_000.0) + 20_000);
        if f.chance(0.08) {
            override_scope(f, tr, m, who, out);
        }
        let denied = f.chance(0.07);
        let why = if denied { rejection(f) } else { consent(f, m) };
        let approval = human_approval(who, tr.now(), why.clone());
        let mut d = tr.human_event(f, "approval.decision", who, m.reason, m.tier, why);
        d.agent = Some(agent_ref(m.bot));
        d.policy = Some(policy(m.bot, PolicyDecision::Ask, m.rule_id));
        d.approval = Some(approval.clone());
        let verdict = if denied { "rejected" } else { "approved" };
        let status = if denied {
            OutcomeStatus::Failure
        } else {
            OutcomeStatus::Success
        };
        d.outcome = Some(outcome(status, verdict, None));
        out.push(d);
        if denied {
            return;
        }
        // The action names who approved and when; the why stays on the decision.
        Approval {
            justification: None,
            ..approval
        }
    };

    tr.wait(f.int(400, 6_000));
    let mut e = tr.agent_event(f, m, "ai.action");
    e.policy = Some(policy(
        m.bot,
        if rule_ok {
            PolicyDecision::Allow
        } else {
            PolicyDecision::Ask
        },
        m.rule_id,
    ));
    e.approval = Some(approval);
    let status = execute(f, tr, m, &mut e);
    out.push(e);
    if status != OutcomeStatus::Success {
        match f.int(0, 9) {
            0..=5 => retry(f, tr, m, out),
            6..=7 => take_over(f, tr, m, out),
            _ => {}
        }
    } else if m.environment == "prod" && f.chance(0.03) {
        roll_back(f, tr, m, out);
    }
}

/// Fills the outcome (and, rarely, leaves an audit field out). Returns the status.
fn execute(f: &mut Forge, tr: &mut Trace, m: &Move, e: &mut Event) -> OutcomeStatus {
    let roll = f.int(0, 99);
    let (status, out) = match roll {
        0..=4 => (
            OutcomeStatus::Failure,
            outcome(
                OutcomeStatus::Failure,
                m.failure.clone(),
                Some(json!({"error": m.failure})),
            ),
        ),
        5..=7 => {
            let detail = format!("timeout after 30 s waiting for {}; state unknown", m.system);
            (
                OutcomeStatus::Error,
                outcome(OutcomeStatus::Error, detail, None),
            )
        }
        _ => (OutcomeStatus::Success, succeeded(m)),
    };
    tr.wait(f.int(50, 2_500));
    e.outcome = Some(out);
    if f.chance(INCOMPLETE_SHARE) {
        match f.int(0, 2) {
            0 => e.approval = None,
            1 => e.outcome = None,
            _ => e.prompt = None,
        }
    }
    status
}

fn retry(f: &mut Forge, tr: &mut Trace, m: &Move, out: &mut Vec<Event>) {
    tr.wait(f.int(20_000, 150_000));
    let mut e = tr.agent_event(f, m, "ai.action");
    if let Some(a) = e.action.as_mut() {
        a.params = Some(json!({ "attempt": 2, "request": m.params }));
    }
    if let Some(o) = e.ai_output.as_mut() {
        o.summary = Some(format!("Retry: {}", m.summary));
    }
    e.policy = out.iter().rev().find_map(|p| p.policy.clone());
    e.approval = out
        .iter()
        .rev()
        .find_map(|p| p.approval.clone())
        .or_else(|| Some(no_approval()));
    execute(f, tr, m, &mut e);
    out.push(e);
}

/// A person edits the request before deciding on it.
fn override_scope(f: &mut Forge, tr: &mut Trace, m: &Move, who: Human, out: &mut Vec<Event>) {
    let why = f.pick(&[
        "Narrowed the change before approving: one region first, the second after 30 minutes of clean metrics.",
        "Agent's proposal is right but too big for one step; halved it and will approve the rest if it holds.",
        "Moved the change into tonight's window; customer traffic is too high right now.",
        "Edited the request to keep the old value as a fallback; owners asked for that on the last change.",
    ]);
    let mut e = tr.human_event(
        f,
        "human.intervention",
        who,
        "manual_override",
        m.tier,
        why.to_string(),
    );
    e.agent = Some(agent_ref(m.bot));
    e.action = Some(action(m));
    out.push(e);
    tr.wait(f.int(30_000, 300_000));
}

/// The agent failed; the on-call engineer finishes the job by hand.
fn take_over(f: &mut Forge, tr: &mut Trace, m: &Move, out: &mut Vec<Event>) {
    tr.wait(f.int(60_000, 600_000));
    let who = f.pick(m.bot.tuning().approvers);
    let why = format!(
        "{} failed ('{}'); did it by hand after checking the target state. Ticket filed for the agent owners.",
        m.kind, m.failure
    );
    let mut e = tr.human_event(f, "human.intervention", who, "manual_override", m.tier, why);
    e.agent = Some(agent_ref(m.bot));
    e.action = Some(action(m));
    e.outcome = Some(outcome(OutcomeStatus::Success, "completed manually", None));
    out.push(e);
}

/// The change went through but hurt; a person rolls it back from the console.
fn roll_back(f: &mut Forge, tr: &mut Trace, m: &Move, out: &mut Vec<Event>) {
    tr.wait(f.int(300_000, 2_400_000));
    let who = f.pick(m.bot.tuning().approvers);
    let why = f.pick(&[
        "Support reports customer-visible errors since this change; rolling back first, investigating after.",
        "Error budget burn doubled right after this change. Rolling back per runbook.",
        "Owning team asked to revert: the change collides with their migration.",
    ]);
    let mut e = tr.human_event(
        f,
        "control.rollback",
        who,
        "rollback",
        m.tier,
        why.to_string(),
    );
    e.agent = Some(agent_ref(m.bot));
    let mut a = action(m);
    a.kind = format!("rollback:{}", m.kind);
    std::mem::swap(&mut a.before, &mut a.after);
    a.params = Some(json!({ "rollback": m.reversibility.rollback }));
    e.action = Some(a);
    e.outcome = Some(outcome(
        OutcomeStatus::Success,
        "rolled back; previous state verified",
        None,
    ));
    out.push(e);
}

fn consent(f: &mut Forge, m: &Move) -> String {
    match f.int(0, 4) {
        0 => "Checked the dashboard; the numbers match the agent's summary. Approved.".into(),
        1 => format!(
            "Within the change window for {}; owners informed in #ops.",
            m.environment
        ),
        2 => "Looks right. I'll watch error rates for 15 minutes after.".into(),
        3 => "Verified against the ticket and the evidence links. Go.".into(),
        _ => "Approved; the rollback reference was tested last week.".into(),
    }
}

fn rejection(f: &mut Forge) -> String {
    f.pick(&[
        "Rejected: change freeze until Monday's release.",
        "Rejected: this service is mid-migration, talk to the owners first.",
        "Rejected: evidence is from before the last deploy; re-run the analysis.",
        "Rejected: the amount is not supported by the ticket.",
    ])
    .to_string()
}

pub(crate) fn service_actor() -> crate::event::Actor {
    crate::event::Actor {
        kind: crate::event::ActorType::Service,
        id: "policy-engine".into(),
        on_behalf_of: None,
        session: None,
        authn: None,
    }
}
