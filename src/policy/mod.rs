//! The gate's policy: Cedar policies and their typed schema, compiled once, answering
//! each proposal with allow, ask or deny. It owns loading and validating the policy
//! files, the annotations that turn Cedar's permit/forbid into three answers, and the
//! facts a proposal gives the policy. It never touches SQL, a terminal or the network;
//! its one file read is `load` (and `fingerprint`), the user's policy directory.
//!
//! A policy directory holds `policies.cedar` and `policies.cedarschema`; the shipped
//! example is `assets/policy/`, which documents the annotations for users. How a
//! decision is made:
//!
//! - any satisfied `forbid` denies (forbid wins), with its `@message("...")` or its id;
//!   a forbid that fails to evaluate denies too (fail closed);
//! - no satisfied `permit` denies (default deny; `policy_ids` is empty);
//! - otherwise the strictest satisfied permit decides: any `@ask("N")` makes an ask with
//!   the most approvers, the shortest `@expiry` (15m by default, 5m for a T3 proposal)
//!   and the union of the `@roles("a,b")` named (none named: approver or above); an
//!   `@ask` permit that fails to evaluate denies (fail closed);
//! - else allow.
//!
//! Policies are named by `@id("...")`, else Cedar's `policyN` by position. Context
//! fields that a proposal may lack are optional in the schema and read with `has`.

mod error;
mod facts;
mod load;
mod verdict;

#[cfg(test)]
mod tests;

pub use error::{PolicyError, Problem};
pub use facts::{Amount, Facts};
pub use load::{POLICY_FILE, SCHEMA_FILE};
pub use verdict::{show_duration, Decision, Requirement, Verdict};

use cedar_policy::{Authorizer, PolicyId, PolicySet, Request};
use load::Names;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::Path;
use std::time::{Duration, SystemTime};
use verdict::Rule;

const SHIPPED_POLICIES: &str = include_str!("../../assets/policy/policies.cedar");
const SHIPPED_SCHEMA: &str = include_str!("../../assets/policy/policies.cedarschema");
/// How the shipped default names itself in errors and on the command line.
pub const SHIPPED_ORIGIN: &str = "assets/policy";

/// Expiry of an ask whose policy sets no `@expiry`: 15 minutes, 5 for T3.
const DEFAULT_EXPIRY: Duration = Duration::from_secs(15 * 60);
const DEFAULT_EXPIRY_T3: Duration = Duration::from_secs(5 * 60);

/// A compiled, validated policy set; cheap to share (`Send + Sync`) and fast to ask.
pub struct Policy {
    set: PolicySet,
    rules: HashMap<PolicyId, Rule>,
    names: Names,
    authorizer: Authorizer,
    version: String,
    origin: String,
}

impl std::fmt::Debug for Policy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Policy")
            .field("origin", &self.origin)
            .field("version", &self.version)
            .field("policies", &self.rules.len())
            .finish()
    }
}

/// Enough to tell cheaply whether a policy directory changed: each file's modification
/// time and length.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fingerprint {
    pub policies: (SystemTime, u64),
    pub schema: (SystemTime, u64),
}

/// The fingerprint of `dir`'s two files; `None` when either cannot be read.
pub fn fingerprint(dir: &Path) -> Option<Fingerprint> {
    let of = |name: &str| {
        let meta = std::fs::metadata(dir.join(name)).ok()?;
        Some((meta.modified().ok()?, meta.len()))
    };
    Some(Fingerprint {
        policies: of(POLICY_FILE)?,
        schema: of(SCHEMA_FILE)?,
    })
}

/// The version of a pair of files: hex SHA-256 of the policy file's bytes, one zero
/// byte, then the schema file's bytes.
pub fn version_of(policies: &str, schema: &str) -> String {
    let mut h = Sha256::new();
    h.update(policies.as_bytes());
    h.update([0u8]);
    h.update(schema.as_bytes());
    hex::encode(h.finalize())
}

impl Policy {
    /// Reads `policies.cedar` and `policies.cedarschema` from `dir` and compiles them.
    pub fn load(dir: &Path) -> Result<Policy, PolicyError> {
        let read = |name: &str| {
            let path = dir.join(name);
            std::fs::read_to_string(&path).map_err(|source| PolicyError::Read { path, source })
        };
        let policies = read(POLICY_FILE)?;
        let schema = read(SCHEMA_FILE)?;
        Policy::from_texts(&policies, &schema, &dir.display().to_string())
    }

    /// Compiles policy and schema text; `origin` names their directory in errors.
    pub fn from_texts(policies: &str, schema: &str, origin: &str) -> Result<Policy, PolicyError> {
        let compiled = load::compile(policies, schema, origin).map_err(PolicyError::Invalid)?;
        Ok(Policy {
            set: compiled.set,
            rules: compiled.rules,
            names: compiled.names,
            authorizer: Authorizer::new(),
            version: version_of(policies, schema),
            origin: origin.to_string(),
        })
    }

    /// The example in `assets/policy/`, compiled into the binary.
    pub fn shipped_default() -> Policy {
        match Policy::from_texts(SHIPPED_POLICIES, SHIPPED_SCHEMA, SHIPPED_ORIGIN) {
            Ok(p) => p,
            // A unit test compiles the shipped files; this cannot happen in a release.
            Err(e) => panic!("the shipped policy does not compile: {e}"),
        }
    }

    /// Hex SHA-256 of the loaded files (see `version_of`).
    pub fn version(&self) -> &str {
        &self.version
    }

    /// Where the policy came from: its directory, or `assets/policy` for the default.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The policy ids, sorted.
    pub fn ids(&self) -> Vec<String> {
        let mut ids: Vec<String> = self.rules.keys().map(ToString::to_string).collect();
        ids.sort();
        ids
    }

    /// Answers one proposal. Never fails: anything that stops evaluation denies.
    pub fn decide(&self, facts: &Facts) -> Decision {
        let (verdict, policy_ids) = match self.evaluate(facts) {
            Ok(decided) => decided,
            Err(message) => (Verdict::Deny { message }, Vec::new()),
        };
        Decision {
            verdict,
            policy_ids,
            version: self.version.clone(),
        }
    }

    fn evaluate(&self, facts: &Facts) -> Result<(Verdict, Vec<String>), String> {
        let request = Request::new(
            self.names.agent_uid(&facts.agent),
            self.names.propose.clone(),
            self.names.target_uid(&facts.target_id()),
            facts.context()?,
            None, // the shape was checked against the schema at load
        )
        .map_err(|e| e.to_string())?;
        let entities = self.names.agent_entities(facts, None)?;
        let response = self
            .authorizer
            .is_authorized(&request, &self.set, &entities);
        let diagnostics = response.diagnostics();

        // Fail closed: a forbid or an ask that could not be evaluated might have applied.
        let mut failed: Vec<String> = diagnostics
            .errors()
            .filter_map(failed_policy)
            .filter(|id| {
                self.rules
                    .get(id)
                    .is_some_and(|r| r.forbid || r.ask.is_some())
            })
            .map(ToString::to_string)
            .collect();
        if !failed.is_empty() {
            failed.sort();
            let message = format!(
                "policy {} could not be evaluated, so the proposal is denied",
                failed.join(", ")
            );
            return Ok((Verdict::Deny { message }, failed));
        }

        let mut decided: Vec<&PolicyId> = diagnostics.reason().collect();
        decided.sort();
        let rule = |id: &PolicyId| self.rules.get(id);
        let forbids: Vec<&PolicyId> = decided
            .iter()
            .copied()
            .filter(|id| rule(id).is_some_and(|r| r.forbid))
            .collect();
        if let Some(first) = forbids.first() {
            let message = rule(first)
                .and_then(|r| r.message.clone())
                .unwrap_or_else(|| format!("forbidden by policy {first}"));
            return Ok((Verdict::Deny { message }, ids(&forbids)));
        }
        if decided.is_empty() {
            let message = "no policy permits this proposal (default deny)".to_string();
            return Ok((Verdict::Deny { message }, Vec::new()));
        }
        let asks: Vec<&PolicyId> = decided
            .iter()
            .copied()
            .filter(|id| rule(id).is_some_and(|r| r.ask.is_some()))
            .collect();
        let default_expiry = if facts.tier == crate::event::Tier::T3 {
            DEFAULT_EXPIRY_T3
        } else {
            DEFAULT_EXPIRY
        };
        match verdict::strictest(asks.iter().filter_map(|id| rule(id)), default_expiry) {
            Some(requirement) => Ok((Verdict::Ask(requirement), ids(&asks))),
            None => Ok((Verdict::Allow, ids(&decided))),
        }
    }
}

/// The policy an evaluation error happened in.
fn failed_policy(e: &cedar_policy::AuthorizationError) -> Option<&PolicyId> {
    match e {
        cedar_policy::AuthorizationError::PolicyEvaluationError(e) => Some(e.policy_id()),
        #[allow(unreachable_patterns)] // the enum is non-exhaustive
        _ => None,
    }
}

fn ids(ids: &[&PolicyId]) -> Vec<String> {
    ids.iter().map(ToString::to_string).collect()
}
