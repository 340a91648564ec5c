//! What an approval is bound to: the SHA-256 of the RFC 8785 bytes of the agent, the
//! action, its parameters and environment, the policy version and the request id. An
//! outcome whose action hashes differently was not what the humans approved.

use crate::ledger::jcs::canonicalize;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

/// Hex SHA-256 of the canonical bytes of what is approved.
pub fn binding(
    agent: &str,
    action: &crate::event::Action,
    policy_version: &str,
    request_id: &str,
) -> String {
    let bound = json!({
        "agent": agent,
        "action": action.kind,
        "target_system": action.target_system,
        "resource": action.resource,
        "params": action.params.clone().unwrap_or(Value::Null),
        "environment": action.environment,
        "policy_version": policy_version,
        "request_id": request_id,
    });
    hex::encode(Sha256::digest(canonicalize(&bound)))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::event::Action;

    fn action(params: Value) -> Action {
        Action {
            kind: "db.drop".into(),
            target_system: Some("postgres".into()),
            resource: Some("orders".into()),
            environment: Some("production".into()),
            params: Some(params),
            before: None,
            after: None,
        }
    }

    #[test]
    fn key_order_does_not_change_the_binding_but_any_value_does() {
        let a = binding("a", &action(json!({"x": 1, "y": 2})), "v1", "r1");
        let b = binding("a", &action(json!({"y": 2, "x": 1})), "v1", "r1");
        assert_eq!(a, b);
        assert_ne!(
            a,
            binding("a", &action(json!({"x": 1, "y": 3})), "v1", "r1")
        );
        assert_ne!(
            a,
            binding("b", &action(json!({"x": 1, "y": 2})), "v1", "r1")
        );
        assert_ne!(
            a,
            binding("a", &action(json!({"x": 1, "y": 2})), "v2", "r1")
        );
        assert_ne!(
            a,
            binding("a", &action(json!({"x": 1, "y": 2})), "v1", "r2")
        );
    }
}
