//! The vote dialogs: approve or deny the selected request, or deny several at once.
//! Each checks first that the console may write and that the operator's role may vote,
//! so a viewer is refused before typing anything; each shows the request and its exact
//! parameters; each asks for a justification and starts on Cancel's side (`form`).
//! The rules are enforced again in the core when the vote is cast.

use super::super::app::{App, Overlay, View};
use super::super::form::{Field, Form, Purpose};
use super::super::msg::{Effect, Status};
use super::super::response::refuse;
use super::super::views::cells::duration;
use super::{is_stale, left_ms, Pending};
use crate::gate::{Ballot, Request, Verdict};
use crate::respond::Role;

/// Pretty-printed parameters are cut to this many lines in a dialog.
const PARAM_LINES: usize = 40;

/// Whether the operator's role may vote on `request`, as the core will decide it.
fn may_vote(app: &App, request: &Request) -> Result<Role, String> {
    if app.read_only {
        return Err("read-only (--read-only): votes are disabled".into());
    }
    let operator = &app.header.operator;
    let role = app.response.roles.role_of(operator);
    let listed = request.roles.iter().any(|r| r == role.as_str());
    let allowed = if request.roles.is_empty() {
        role >= Role::Approver
    } else {
        listed || role == Role::Admin
    };
    if allowed {
        Ok(role)
    } else {
        Err(format!(
            "{operator} is {} {role}; this request may be decided only by {}",
            role.article(),
            request.allowed()
        ))
    }
}

/// `A`, `D`: the dialog to approve or deny the selected request.
pub fn open_vote(app: &mut App, verdict: Verdict) -> Vec<Effect> {
    if app.view != View::Approvals {
        let key = verdict_key(verdict);
        return refuse(app, format!("{key} votes in the Approvals view (5)"));
    }
    let Some(p) = app.approvals.current().cloned() else {
        return refuse(app, "no pending request to vote on");
    };
    let role = match may_vote(app, &p.request) {
        Ok(role) => role,
        Err(why) => return refuse(app, why),
    };
    if p.proposal.is_none() {
        return refuse(
            app,
            "the proposal of this request could not be read: nothing to vote on unseen",
        );
    }
    let word = match verdict {
        Verdict::Approve => "Approve",
        Verdict::Deny => "Deny",
    };
    let mut fields = vec![Field::new(
        "justification",
        "",
        "why, for the record (required)",
    )];
    if verdict == Verdict::Approve && role == Role::Admin {
        fields.push(Field::optional(
            "break-glass",
            "no",
            "admins only: type yes to approve alone, on the record as BREAK-GLASS",
        ));
    }
    let mut form = Form::new(
        format!("{word} request of {}", p.request.agent),
        Purpose::Vote {
            verdict,
            requests: vec![p.request.id.clone()],
        },
        word,
        fields,
    );
    form.info = info(&p, app);
    form.danger = verdict == Verdict::Approve;
    app.overlay = Some(Overlay::Form(form));
    vec![]
}

fn verdict_key(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Approve => "approve",
        Verdict::Deny => "deny",
    }
}

/// What the operator reads before voting: the request, its votes and the exact params.
fn info(p: &Pending, app: &App) -> Vec<(String, String)> {
    let r = &p.request;
    let tier = r.tier.map_or("—".to_string(), |t| t.to_string());
    let left = left_ms(r.expires_at, app.now);
    let expiry = if left > 0 {
        format!("in {}", duration(left))
    } else {
        "EXPIRED: a vote will be refused".into()
    };
    let voters: Vec<String> = r
        .votes
        .iter()
        .map(|v| {
            format!(
                "{} {}",
                v.operator,
                super::super::views::approvals::voted(v.verdict)
            )
        })
        .collect();
    let mut out = vec![
        ("request".to_string(), r.id.clone()),
        ("action".into(), r.summary.clone()),
        ("agent · tier".into(), format!("{} · {tier}", r.agent)),
        (
            "votes".into(),
            format!(
                "{}/{} {}",
                r.approvals(),
                r.needs,
                if voters.is_empty() {
                    "(none yet)".to_string()
                } else {
                    voters.join(", ")
                }
            ),
        ),
        ("expires".into(), expiry),
    ];
    if let Some(e) = &p.proposal {
        if let Some(env) = e.environment() {
            out.push(("environment".into(), env.to_string()));
        }
        let params = e.action.as_ref().and_then(|a| a.params.as_ref());
        let text = match params {
            Some(v) => super::super::views::json::pretty(v, PARAM_LINES).join("\n"),
            None => "— (none)".into(),
        };
        out.push(("params".into(), text));
    }
    out
}

/// `B`: deny the marked requests, or, with none marked, every stale one (pending for
/// longer than `STALE_AFTER_MS`), each its own vote with one justification.
pub fn open_bulk_deny(app: &mut App) -> Vec<Effect> {
    if app.view != View::Approvals {
        return refuse(app, "bulk deny works in the Approvals view (5)");
    }
    let now = app.now;
    let a = &app.approvals;
    let (chosen, how): (Vec<Pending>, &str) = if a.marked.is_empty() {
        let stale = a.pending.iter().filter(|p| is_stale(p, now)).cloned();
        (stale.collect(), "stale")
    } else {
        let marked = a
            .pending
            .iter()
            .filter(|p| a.marked.contains(&p.request.id))
            .cloned();
        (marked.collect(), "marked")
    };
    if chosen.is_empty() {
        let mins = super::STALE_AFTER_MS / 60_000;
        return refuse(
            app,
            format!("nothing to deny: no request is marked (Space) or pending for over {mins} min"),
        );
    }
    if let Some(why) = chosen.iter().find_map(|p| may_vote(app, &p.request).err()) {
        return refuse(app, why);
    }
    let info = chosen
        .iter()
        .map(|p| {
            let r = &p.request;
            let waited = duration(now.millis() - r.created_at.millis());
            let tier = r.tier.map_or("—".to_string(), |t| t.to_string());
            (
                format!("{tier} {}", r.agent),
                format!("{} · waiting {waited} · {}", r.summary, r.id),
            )
        })
        .collect();
    let mut form = Form::new(
        format!("Deny {} {how} request(s)", chosen.len()),
        Purpose::Vote {
            verdict: Verdict::Deny,
            requests: chosen.iter().map(|p| p.request.id.clone()).collect(),
        },
        "Deny all",
        vec![Field::new(
            "justification",
            "",
            "why, for the record (required; one vote per request)",
        )],
    );
    form.info = info;
    form.danger = true;
    app.overlay = Some(Overlay::Form(form));
    vec![]
}

/// A confirmed vote dialog: the justification is required, the role is checked again,
/// and the result is exactly one `Effect::Vote`.
pub fn submit(
    app: &mut App,
    form: &Form,
    verdict: Verdict,
    requests: &[String],
) -> Result<Vec<Effect>, String> {
    let justification = form.value(0).trim().to_string();
    if justification.is_empty() {
        return Err("a justification is required: say why, for the record".into());
    }
    let break_glass = match form.value(1).trim() {
        "" | "no" => false,
        "yes" => true,
        other => return Err(format!("break-glass: type yes or no, not `{other}`")),
    };
    for id in requests {
        if let Some(p) = app.approvals.pending.iter().find(|p| &p.request.id == id) {
            may_vote(app, &p.request)?;
        }
    }
    let n = requests.len();
    let what = match (verdict, n) {
        (Verdict::Approve, _) => "approve".to_string(),
        (Verdict::Deny, 1) => "deny".to_string(),
        (Verdict::Deny, n) => format!("deny {n} requests"),
    };
    app.approvals.voting = Some(what.clone());
    app.approvals.marked.clear();
    app.status = Some(Status::info(format!("{what}: sealing the vote…")));
    Ok(vec![Effect::Vote {
        requests: requests.to_vec(),
        ballot: Ballot {
            verdict,
            justification,
            break_glass,
        },
        what,
    }])
}
