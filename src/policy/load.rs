//! Compiling policy text: Cedar's parse, the `@id` renaming, the annotations custody
//! reads, strict validation against the typed schema, and a check that the request
//! custody builds fits the schema. Every refusal names the file, the line and the policy.

use super::error::{line_of, message_of, offset_of, statement_at, statements, Problem};
use super::facts::Facts;
use super::verdict::Rule;
use crate::event::Tier;
use cedar_policy::{
    Entities, Entity, EntityId, EntityTypeName, EntityUid, PolicyId, PolicySet, Request,
    RestrictedExpression, Schema, ValidationMode, Validator,
};
use std::collections::{HashMap, HashSet};
use std::str::FromStr;

/// The policy file's name inside a policy directory.
pub const POLICY_FILE: &str = "policies.cedar";
/// The schema file's name inside a policy directory.
pub const SCHEMA_FILE: &str = "policies.cedarschema";

/// What compiling produces: the renamed set and what each policy's annotations say.
pub(super) struct Compiled {
    pub set: PolicySet,
    pub rules: HashMap<PolicyId, Rule>,
    pub names: Names,
}

/// The entity and action names custody puts in every request.
pub(super) struct Names {
    pub agent: EntityTypeName,
    pub target: EntityTypeName,
    pub propose: EntityUid,
}

impl Names {
    fn new() -> Names {
        // Constant, well-formed names: parsing them cannot fail.
        let name = |s: &str| EntityTypeName::from_str(s).ok();
        match (name("Agent"), name("Target"), name("Action")) {
            (Some(agent), Some(target), Some(action)) => Names {
                agent,
                target,
                propose: EntityUid::from_type_name_and_id(action, EntityId::new("propose")),
            },
            _ => unreachable!("constant Cedar names parse"),
        }
    }

    pub fn agent_uid(&self, agent: &str) -> EntityUid {
        EntityUid::from_type_name_and_id(self.agent.clone(), EntityId::new(agent))
    }

    pub fn target_uid(&self, id: &str) -> EntityUid {
        EntityUid::from_type_name_and_id(self.target.clone(), EntityId::new(id))
    }

    /// The agent entity, carrying its autonomy level (checked against `schema` if given).
    pub fn agent_entities(
        &self,
        facts: &Facts,
        schema: Option<&Schema>,
    ) -> Result<Entities, String> {
        let attrs = HashMap::from([(
            "autonomy".to_string(),
            RestrictedExpression::new_long(i64::from(facts.autonomy)),
        )]);
        let agent = Entity::new(self.agent_uid(&facts.agent), attrs, HashSet::new())
            .map_err(|e| e.to_string())?;
        Entities::from_entities([agent], schema).map_err(|e| e.to_string())
    }
}

pub(super) fn compile(
    policies: &str,
    schema_text: &str,
    origin: &str,
) -> Result<Compiled, Vec<Problem>> {
    let policy_file = format!("{origin}/{POLICY_FILE}");
    let schema_file = format!("{origin}/{SCHEMA_FILE}");
    let found = statements(policies);
    let problem = |offset: Option<usize>, id: Option<String>, message: String| Problem {
        file: policy_file.clone(),
        line: offset.map(|o| line_of(policies, o)),
        policy_id: id,
        message,
    };

    let schema = match Schema::from_cedarschema_str(schema_text) {
        Ok((schema, _warnings)) => schema,
        Err(e) => {
            return Err(vec![Problem {
                file: schema_file,
                line: offset_of(&e).map(|o| line_of(schema_text, o)),
                policy_id: None,
                message: message_of(&e),
            }])
        }
    };

    let parsed = PolicySet::from_str(policies).map_err(|errors| {
        errors
            .iter()
            .map(|e| {
                let offset = offset_of(e);
                let id = offset
                    .and_then(|o| statement_at(&found, o))
                    .map(|(i, s)| s.name(i));
                problem(offset, id, message_of(e))
            })
            .collect::<Vec<_>>()
    })?;
    if parsed.templates().next().is_some() {
        return Err(vec![problem(
            None,
            None,
            "policy templates (`?principal`, `?resource`) are not supported".into(),
        )]);
    }

    let (set, rules) = rename_and_read(&parsed, &found, &problem)?;

    let result = Validator::new(schema.clone()).validate(&set, ValidationMode::Strict);
    let mut problems: Vec<Problem> = result
        .validation_errors()
        .map(|e| problem(offset_of(e), Some(e.policy_id().to_string()), message_of(e)))
        .collect();
    if !problems.is_empty() {
        problems.sort_by_key(|p| p.line);
        return Err(problems);
    }

    let names = Names::new();
    check_requests_fit(&schema, &names).map_err(|message| {
        vec![Problem {
            file: schema_file.clone(),
            line: schema_text.find("propose").map(|o| line_of(schema_text, o)),
            policy_id: None,
            message,
        }]
    })?;
    Ok(Compiled { set, rules, names })
}

/// Gives every policy its `@id` (Cedar numbers them `policy0`, `policy1`, ... otherwise)
/// and reads the annotations custody understands.
fn rename_and_read(
    parsed: &PolicySet,
    found: &[super::error::Statement],
    problem: &dyn Fn(Option<usize>, Option<String>, String) -> Problem,
) -> Result<(PolicySet, HashMap<PolicyId, Rule>), Vec<Problem>> {
    // Cedar names policies by position; the scanner's statements are in the same order.
    let start_of = |cedar_id: &PolicyId| {
        let index: usize = cedar_id.to_string().strip_prefix("policy")?.parse().ok()?;
        found.get(index).map(|s| s.start)
    };
    let mut set = PolicySet::new();
    let mut rules = HashMap::new();
    let mut problems = Vec::new();
    let mut policies: Vec<_> = parsed.policies().collect();
    policies.sort_by_key(|p| start_of(p.id()));
    for policy in policies {
        let at = start_of(policy.id());
        let id = match policy.annotation("id") {
            Some(id) if id.trim().is_empty() => {
                problems.push(problem(at, None, "@id(\"\") is empty".into()));
                continue;
            }
            Some(id) => PolicyId::new(id),
            None => policy.id().clone(),
        };
        if rules.contains_key(&id) {
            problems.push(problem(
                at,
                Some(id.to_string()),
                "this @id is used twice".into(),
            ));
            continue;
        }
        let forbid = policy.effect() == cedar_policy::Effect::Forbid;
        match Rule::read(forbid, |k| policy.annotation(k)) {
            Ok(rule) => {
                rules.insert(id.clone(), rule);
            }
            Err(message) => {
                problems.push(problem(at, Some(id.to_string()), message));
                continue;
            }
        }
        if let Err(e) = set.add(policy.new_id(id.clone())) {
            problems.push(problem(at, Some(id.to_string()), e.to_string()));
        }
    }
    if problems.is_empty() {
        Ok((set, rules))
    } else {
        Err(problems)
    }
}

/// The requests custody sends must fit the schema the policies were checked against,
/// with every optional field present and with none: otherwise validation proved nothing.
fn check_requests_fit(schema: &Schema, names: &Names) -> Result<(), String> {
    let full = Facts {
        agent: "probe".into(),
        autonomy: 3,
        action_type: "probe".into(),
        tier: Tier::T3,
        environment: Some(String::new()),
        reason_code: Some(String::new()),
        target_system: Some(String::new()),
        resource: Some(String::new()),
        destination: Some(String::new()),
        amount: Some(super::Amount {
            value: "1.0".into(),
            currency: "USD".into(),
        }),
        hour_utc: 0,
        on_behalf_of: Some(String::new()),
    };
    let bare = Facts {
        environment: None,
        reason_code: None,
        target_system: None,
        resource: None,
        destination: None,
        amount: None,
        on_behalf_of: None,
        ..full.clone()
    };
    for facts in [&full, &bare] {
        let context = facts.context()?;
        Request::new(
            names.agent_uid(&facts.agent),
            names.propose.clone(),
            names.target_uid(&facts.target_id()),
            context,
            Some(schema),
        )
        .map_err(|e| {
            format!(
                "the request custody sends does not fit this schema: {} (keep the entity \
                 types Agent and Target, the action `propose` and its context fields as shipped)",
                message_of(&e)
            )
        })?;
        names
            .agent_entities(facts, Some(schema))
            .map_err(|e| format!("the Agent entity custody sends does not fit this schema: {e}"))?;
    }
    Ok(())
}
