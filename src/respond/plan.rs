//! Planning a containment action, purely: which executor runs it, the exact command or
//! request with placeholders filled, how far it can be undone, and whether the operator
//! must type the agent id. Everything an operator must see before confirming, decided
//! before anything runs.

use super::roles::{Permission, Roles};
use super::Refused;
use crate::event::{Event, ReversibilityClass, Tier};
use crate::exec::config::DEFAULT_TIMEOUT_S;
use crate::exec::run::Prepared;
use crate::exec::{Action, Executor, Executors, Invocation, Run, Vars};
use std::time::Duration;

/// What an operator asks for.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    pub action: Action,
    pub agent: String,
    pub operator: String,
    pub reason_code: String,
    pub justification: String,
    pub incident: Option<String>,
    /// The playbook step this action carries out: (playbook id, step id).
    pub step: Option<(String, String)>,
    /// The event the action is about: the action to undo for a rollback, otherwise the
    /// event that prompted it (the selected or triggering one).
    pub target: Option<Event>,
    /// How much is at stake: the target's tier, else the incident's.
    pub tier: Option<Tier>,
    /// A credential reference for `revoke_token` when the target event does not carry one.
    pub token_ref: Option<String>,
    /// A drill: the control events are exercise events.
    pub exercise: bool,
}

/// A request with everything decided.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub request: Request,
    /// `pause for "deploy-*"`, or `builtin (no executor configured)`.
    pub executor_name: String,
    pub invocation: Invocation,
    pub verify: Option<Invocation>,
    pub undo: Option<Invocation>,
    pub prepared: Prepared,
    pub vars: Vars,
    pub reversibility: ReversibilityClass,
    /// The id the intent event will have: `{action_id}` of every action but a rollback
    /// (whose `{action_id}` is the action undone). Set by `with_intent_id`, else by
    /// `execute`.
    pub intent_id: Option<String>,
}

impl Plan {
    /// Fixes the intent's id, so the command shown is exactly the one that runs.
    pub fn with_intent_id(mut self, id: String) -> Plan {
        if self.request.action != Action::Rollback {
            self.vars.action_id = Some(id.clone());
            self.prepared = Prepared::from_invocation(&self.invocation, &self.vars);
        }
        self.intent_id = Some(id);
        self
    }

    /// T3 targets ask the operator to type the agent id.
    pub fn needs_typed_agent(&self) -> bool {
        self.request.tier == Some(Tier::T3)
    }

    /// `builtin`, `command`, `http` or `dry-run`.
    pub fn executor_type(&self) -> &'static str {
        run_type(&self.invocation.run)
    }

    pub fn timeout(&self) -> Duration {
        Duration::from_secs(self.invocation.timeout_s)
    }

    /// How far the action can be undone, in words for the dialog.
    pub fn reversibility_text(&self) -> String {
        let how = match self.reversibility {
            ReversibilityClass::Full => "full: it can be undone",
            ReversibilityClass::Partial => "partial: some effects cannot be undone",
            ReversibilityClass::None => "none: it cannot be undone",
        };
        match &self.undo {
            Some(_) => format!("{how} (an undo is configured)"),
            None => how.to_string(),
        }
    }

    /// The text the confirm dialog shows under "will run".
    pub fn display(&self) -> String {
        self.prepared.display()
    }
}

pub fn run_type(run: &Run) -> &'static str {
    match run {
        Run::Builtin => "builtin",
        Run::DryRun => "dry-run",
        Run::Command { .. } => "command",
        Run::Http(_) => "http",
    }
}

/// Decides how `request` runs. Refuses an operator whose role does not allow it, a request without a reason code, or whose
/// executor needs a placeholder nothing fills (rather than run `kubectl scale deploy/`).
/// The justification is checked by `check_confirmation`, when the operator confirms.
pub fn plan(request: Request, executors: &Executors, roles: &Roles) -> Result<Plan, Refused> {
    let permission = match request.action {
        Action::Resume => Permission::Resume,
        _ => Permission::Contain,
    };
    roles.check(&request.operator, permission)?;
    if request.agent.trim().is_empty() {
        return Err(Refused::NoAgent);
    }
    if request.reason_code.trim().is_empty() {
        return Err(Refused::NoReasonCode);
    }
    if request.action == Action::Rollback {
        let Some(target) = &request.target else {
            return Err(Refused::NothingToRollBack(
                "a rollback needs the action to undo: select it, or give --event".into(),
            ));
        };
        undoable(target).map_err(|why| Refused::CannotUndo {
            event_id: target.event_id.clone(),
            why,
        })?;
    }
    let vars = vars_for(&request);
    let chosen = executors.executor_for(request.action, &request.agent);
    if let Some(e) = chosen {
        // The intent's id and the justification are supplied later, at confirmation.
        let mut later = vars.clone();
        later.action_id = later.action_id.or_else(|| Some("intent".into()));
        later.reason = later
            .reason
            .filter(|r| !r.is_empty())
            .or(Some("why".into()));
        let missing = e.missing_vars(&later);
        if !missing.is_empty() {
            return Err(Refused::MissingVars {
                executor: e.describe(),
                missing: missing.iter().map(ToString::to_string).collect(),
            });
        }
    }
    let (executor_name, invocation, verify, undo, reversibility) = match chosen {
        Some(Executor {
            run,
            verify,
            undo,
            reversibility,
            ..
        }) => (
            chosen.map(Executor::describe).unwrap_or_default(),
            run.clone(),
            verify.clone(),
            undo.clone(),
            *reversibility,
        ),
        None => (
            "builtin (no executor configured)".to_string(),
            Invocation {
                run: Run::Builtin,
                timeout_s: DEFAULT_TIMEOUT_S,
            },
            None,
            None,
            request.action.default_reversibility(),
        ),
    };
    let prepared = Prepared::from_invocation(&invocation, &vars);
    let plan = Plan {
        request,
        executor_name,
        invocation,
        verify,
        undo,
        prepared,
        vars,
        reversibility,
        intent_id: None,
    };
    Ok(if plan.request.exercise {
        drill(plan)
    } else {
        plan
    })
}

/// The same plan for a drill: nothing runs, whatever executor is configured. The
/// executor's name says what would have run, so the intent records it and the operator
/// sees it; the result is a dry run's success, so the control state still changes in
/// the (exercise) ledger. The one way a game day reaches an executor.
pub fn drill(mut plan: Plan) -> Plan {
    if !matches!(plan.invocation.run, Run::DryRun) {
        plan.executor_name = format!(
            "dry-run (exercise): {} would have run `{}`; nothing runs",
            plan.executor_name,
            plan.prepared.display()
        );
    }
    plan.invocation.run = Run::DryRun;
    plan.prepared = Prepared::DryRun;
    plan.verify = None;
    plan.undo = None;
    plan.request.exercise = true;
    plan
}

/// What the operator typed in the confirm dialog (or passed on the command line).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Confirmation {
    pub reason_code: String,
    pub justification: String,
    /// The agent id typed for a T3 target; ignored otherwise.
    pub typed_agent: String,
}

/// The confirm dialog's rules: a reason code and a justification are mandatory, and a T3
/// target needs the agent id typed exactly.
pub fn check_confirmation(plan: &Plan, c: &Confirmation) -> Result<(), Refused> {
    if c.reason_code.trim().is_empty() {
        return Err(Refused::NoReasonCode);
    }
    if c.justification.trim().is_empty() {
        return Err(Refused::NoJustification);
    }
    if plan.needs_typed_agent() && c.typed_agent.trim() != plan.request.agent {
        return Err(Refused::AgentNotTyped {
            agent: plan.request.agent.clone(),
        });
    }
    Ok(())
}

/// The placeholder values for a request: the agent, the target action's id, resource and
/// rollback reference, a token reference (given, else the target's
/// `action.params.token_ref`), the incident, the operator and the justification.
pub fn vars_for(r: &Request) -> Vars {
    let t = r.target.as_ref();
    let action = t.and_then(|e| e.action.as_ref());
    let param = |name: &str| {
        action
            .and_then(|a| a.params.as_ref())
            .and_then(|p| p.get(name))
            .and_then(|v| v.as_str())
            .map(str::to_string)
    };
    Vars {
        agent: Some(r.agent.clone()),
        action_id: t
            .filter(|_| r.action == Action::Rollback)
            .map(|e| e.event_id.clone()),
        resource: action.and_then(|a| a.resource.clone()),
        token_ref: r.token_ref.clone().or_else(|| param("token_ref")),
        rollback_ref: t
            .and_then(|e| e.reversibility.as_ref())
            .and_then(|rv| rv.rollback.as_ref())
            .and_then(|rb| rb.reference.clone()),
        incident: r.incident.clone(),
        operator: Some(r.operator.clone()),
        reason: Some(r.justification.clone()),
    }
}

/// Why an action cannot be rolled back, in words for the dialog and the command line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotUndoable {
    #[error("{kind} is not an action on a target system")]
    NotAnAction { kind: String },
    #[error("it records no action")]
    NoAction,
    #[error("irreversible (class none)")]
    Irreversible,
    #[error("it does not say it can be undone")]
    NotSaid,
    #[error("already rolled back (seq {seq})")]
    AlreadyRolledBack { seq: u64 },
}

/// Whether an action can be rolled back, and if not, why.
pub fn undoable(e: &Event) -> Result<ReversibilityClass, NotUndoable> {
    if !e.kind.starts_with("ai.") && e.kind != "human.intervention" {
        return Err(NotUndoable::NotAnAction {
            kind: e.kind.clone(),
        });
    }
    if e.action.is_none() {
        return Err(NotUndoable::NoAction);
    }
    match e.reversibility.as_ref().map(|r| r.class) {
        Some(ReversibilityClass::None) => Err(NotUndoable::Irreversible),
        None => Err(NotUndoable::NotSaid),
        Some(class) => Ok(class),
    }
}

/// The actions of a bulk rollback split up front: those that can be undone (newest
/// first, the order they are rolled back in) and those that cannot, with why.
pub fn split_rollback(actions: Vec<Event>) -> (Vec<Event>, Vec<(Event, NotUndoable)>) {
    let mut can = Vec::new();
    let mut cannot = Vec::new();
    for e in actions {
        match undoable(&e) {
            Ok(_) => can.push(e),
            Err(why) => cannot.push((e, why)),
        }
    }
    can.sort_by_key(|e| std::cmp::Reverse(e.time));
    (can, cannot)
}
