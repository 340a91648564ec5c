//! Approval requests and the rules of voting on them, enforced here rather than in a
//! view: a justification always; only pending, unexpired requests; four-eyes (never the
//! human the agent acts for, nor the human who proposed, whatever their role); each
//! human once; N-of-M distinct humans; a single deny wins; break-glass for admins alone.

use crate::event::{Authn, Tier, Timestamp};
use crate::respond::Role;
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestState {
    Pending,
    Approved,
    Denied,
    Expired,
    /// The agent was paused or its token revoked while the request waited.
    Refused,
}

impl RequestState {
    pub fn as_str(self) -> &'static str {
        match self {
            RequestState::Pending => "pending",
            RequestState::Approved => "approved",
            RequestState::Denied => "denied",
            RequestState::Expired => "expired",
            RequestState::Refused => "refused",
        }
    }

    pub fn parse(s: &str) -> Option<RequestState> {
        Some(match s {
            "pending" => RequestState::Pending,
            "approved" => RequestState::Approved,
            "denied" => RequestState::Denied,
            "expired" => RequestState::Expired,
            "refused" => RequestState::Refused,
            _ => return None,
        })
    }
}

impl fmt::Display for RequestState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Approve,
    Deny,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Approve => "approve",
            Verdict::Deny => "deny",
        }
    }
}

/// An authenticated human who votes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Voter {
    pub name: String,
    pub role: Role,
    /// How the voter's identity was established (recorded on every vote).
    pub authn: Authn,
}

/// One vote as the voter casts it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ballot {
    pub verdict: Verdict,
    pub justification: String,
    /// An admin approving alone, on the record as such.
    pub break_glass: bool,
}

/// A vote already cast.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vote {
    pub operator: String,
    pub verdict: Verdict,
    pub at: Timestamp,
}

/// A request for human approval of one proposal. Its id is the proposal's event id.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    pub id: String,
    pub agent: String,
    pub binding: String,
    pub tier: Option<Tier>,
    /// Distinct humans needed.
    pub needs: u8,
    /// Roles (or groups) whose members may vote; empty means approver or above.
    pub roles: Vec<String>,
    /// The human who proposed, when a human drove the agent.
    pub proposer: Option<String>,
    pub on_behalf_of: Option<String>,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
    pub state: RequestState,
    pub votes: Vec<Vote>,
    pub policy_version: String,
    pub policy_ids: Vec<String>,
    pub summary: String,
    /// The final decision's event id; when approved, the grant.
    pub decision_id: Option<String>,
}

/// What a counted vote did to the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tally {
    Counted { approvals: u8, needs: u8 },
    Approved,
    Denied,
}

/// Why a vote is not counted. Each is sealed as a refusal.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VoteRefusal {
    #[error("a justification is required: say why, for the record")]
    NoJustification,
    #[error("request {id} is {state}, not pending")]
    NotPending { id: String, state: RequestState },
    #[error("request {id} expired at {at}")]
    Expired { id: String, at: String },
    #[error("{who} may not approve this request: {why} (four-eyes holds for every role)")]
    SelfApproval { who: String, why: &'static str },
    #[error("{who} already voted on request {id}; a second vote by the same human does not count")]
    AlreadyVoted { who: String, id: String },
    #[error("{who} is {} {role}; this request may be decided only by {allowed}", .role.article())]
    RoleNotAllowed {
        who: String,
        role: Role,
        allowed: String,
    },
    #[error("break-glass is for admins only; {who} is {} {role}", .role.article())]
    BreakGlassNeedsAdmin { who: String, role: Role },
}

impl VoteRefusal {
    /// A short machine word for the sealed refusal and the API.
    pub fn code(&self) -> &'static str {
        match self {
            VoteRefusal::NoJustification => "no_justification",
            VoteRefusal::NotPending {
                state: RequestState::Expired,
                ..
            } => "expired",
            VoteRefusal::NotPending { .. } => "not_pending",
            VoteRefusal::Expired { .. } => "expired",
            VoteRefusal::SelfApproval { .. } => "self_approval",
            VoteRefusal::AlreadyVoted { .. } => "already_voted",
            VoteRefusal::RoleNotAllowed { .. } => "role_not_allowed",
            VoteRefusal::BreakGlassNeedsAdmin { .. } => "break_glass_needs_admin",
        }
    }
}

impl Request {
    pub fn approvals(&self) -> u8 {
        let n = self
            .votes
            .iter()
            .filter(|v| v.verdict == Verdict::Approve)
            .count();
        u8::try_from(n).unwrap_or(u8::MAX)
    }

    pub fn is_expired(&self, now: Timestamp) -> bool {
        now.millis() >= self.expires_at.millis()
    }

    /// Who may vote, for messages.
    pub fn allowed(&self) -> String {
        if self.roles.is_empty() {
            "an approver or admin".into()
        } else {
            self.roles.join(" or ")
        }
    }

    fn may_vote(&self, role: Role) -> bool {
        if self.roles.is_empty() {
            role >= Role::Approver
        } else {
            self.roles.iter().any(|r| r == role.as_str()) || role == Role::Admin
        }
    }

    /// Decides `ballot` by `voter` at `now`, or says why it does not count.
    pub fn vote(
        &self,
        voter: &Voter,
        ballot: &Ballot,
        now: Timestamp,
    ) -> Result<Tally, VoteRefusal> {
        if ballot.justification.trim().is_empty() {
            return Err(VoteRefusal::NoJustification);
        }
        if self.state != RequestState::Pending {
            return Err(VoteRefusal::NotPending {
                id: self.id.clone(),
                state: self.state,
            });
        }
        if self.is_expired(now) {
            return Err(VoteRefusal::Expired {
                id: self.id.clone(),
                at: self.expires_at.to_rfc3339(),
            });
        }
        if !self.may_vote(voter.role) {
            return Err(VoteRefusal::RoleNotAllowed {
                who: voter.name.clone(),
                role: voter.role,
                allowed: self.allowed(),
            });
        }
        if self.votes.iter().any(|v| v.operator == voter.name) {
            return Err(VoteRefusal::AlreadyVoted {
                who: voter.name.clone(),
                id: self.id.clone(),
            });
        }
        if ballot.verdict == Verdict::Deny {
            return Ok(Tally::Denied);
        }
        if self.on_behalf_of.as_deref() == Some(voter.name.as_str()) {
            return Err(VoteRefusal::SelfApproval {
                who: voter.name.clone(),
                why: "the agent acts on their behalf",
            });
        }
        if self.proposer.as_deref() == Some(voter.name.as_str()) {
            return Err(VoteRefusal::SelfApproval {
                who: voter.name.clone(),
                why: "they proposed it",
            });
        }
        if ballot.break_glass {
            if voter.role != Role::Admin {
                return Err(VoteRefusal::BreakGlassNeedsAdmin {
                    who: voter.name.clone(),
                    role: voter.role,
                });
            }
            return Ok(Tally::Approved);
        }
        let approvals = self.approvals().saturating_add(1);
        if approvals >= self.needs {
            Ok(Tally::Approved)
        } else {
            Ok(Tally::Counted {
                approvals,
                needs: self.needs,
            })
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::event::AuthnMethod;

    fn request(needs: u8) -> Request {
        let now = Timestamp::now();
        Request {
            id: "r1".into(),
            agent: "exporter".into(),
            binding: "b".into(),
            tier: Some(Tier::T3),
            needs,
            roles: vec![],
            proposer: Some("pat".into()),
            on_behalf_of: Some("lee".into()),
            created_at: now,
            expires_at: Timestamp::from_millis(now.millis() + 300_000).unwrap(),
            state: RequestState::Pending,
            votes: vec![],
            policy_version: "v".into(),
            policy_ids: vec![],
            summary: String::new(),
            decision_id: None,
        }
    }

    fn voter(name: &str, role: Role) -> Voter {
        Voter {
            name: name.into(),
            role,
            authn: Authn {
                method: AuthnMethod::Token,
                os_user: None,
                token_ref: Some("ref".into()),
                claimed: None,
            },
        }
    }

    fn approve() -> Ballot {
        Ballot {
            verdict: Verdict::Approve,
            justification: "checked the destination".into(),
            break_glass: false,
        }
    }

    #[test]
    fn two_distinct_approvers_are_needed_for_two() {
        let mut r = request(2);
        let now = Timestamp::now();
        assert_eq!(
            r.vote(&voter("ana", Role::Approver), &approve(), now)
                .unwrap(),
            Tally::Counted {
                approvals: 1,
                needs: 2
            }
        );
        r.votes.push(Vote {
            operator: "ana".into(),
            verdict: Verdict::Approve,
            at: now,
        });
        let again = r.vote(&voter("ana", Role::Approver), &approve(), now);
        assert_eq!(again.unwrap_err().code(), "already_voted");
        assert_eq!(
            r.vote(&voter("raj", Role::Admin), &approve(), now).unwrap(),
            Tally::Approved
        );
    }

    #[test]
    fn nobody_approves_what_they_proposed_or_what_is_done_for_them_not_even_an_admin() {
        let r = request(1);
        let now = Timestamp::now();
        for who in ["lee", "pat"] {
            let err = r
                .vote(&voter(who, Role::Admin), &approve(), now)
                .unwrap_err();
            assert_eq!(err.code(), "self_approval", "{who}");
            let glass = Ballot {
                break_glass: true,
                ..approve()
            };
            let err = r.vote(&voter(who, Role::Admin), &glass, now).unwrap_err();
            assert_eq!(err.code(), "self_approval", "{who} with break-glass");
        }
    }

    #[test]
    fn a_single_deny_wins_and_a_decided_request_takes_no_more_votes() {
        let mut r = request(2);
        let now = Timestamp::now();
        let deny = Ballot {
            verdict: Verdict::Deny,
            ..approve()
        };
        assert_eq!(
            r.vote(&voter("ana", Role::Approver), &deny, now).unwrap(),
            Tally::Denied
        );
        r.state = RequestState::Denied;
        let err = r
            .vote(&voter("raj", Role::Approver), &approve(), now)
            .unwrap_err();
        assert_eq!(err.code(), "not_pending");
    }

    #[test]
    fn expired_requests_and_unqualified_voters_are_refused() {
        let mut r = request(1);
        let now = Timestamp::now();
        let err = r
            .vote(&voter("guest", Role::Responder), &approve(), now)
            .unwrap_err();
        assert_eq!(err.code(), "role_not_allowed");
        r.expires_at = Timestamp::from_millis(now.millis() - 1).unwrap();
        let err = r
            .vote(&voter("ana", Role::Approver), &approve(), now)
            .unwrap_err();
        assert_eq!(err.code(), "expired");
    }

    #[test]
    fn break_glass_lets_an_admin_approve_alone_and_nobody_else() {
        let r = request(2);
        let now = Timestamp::now();
        let glass = Ballot {
            break_glass: true,
            ..approve()
        };
        assert_eq!(
            r.vote(&voter("root", Role::Admin), &glass, now).unwrap(),
            Tally::Approved
        );
        let err = r
            .vote(&voter("ana", Role::Approver), &glass, now)
            .unwrap_err();
        assert_eq!(err.code(), "break_glass_needs_admin");
    }

    #[test]
    fn a_vote_without_justification_is_refused() {
        let r = request(1);
        let blank = Ballot {
            justification: "  ".into(),
            ..approve()
        };
        let err = r.vote(&voter("ana", Role::Approver), &blank, Timestamp::now());
        assert_eq!(err.unwrap_err().code(), "no_justification");
    }
}
