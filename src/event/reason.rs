//! The reason-code registry. Unregistered codes are kept (never rejected) and flagged
//! wherever they are shown.

pub const DEFAULT_REASON_CODES: &[&str] = &[
    "capacity_surge",
    "latency_regression",
    "security_risk",
    "policy_violation",
    "cost_optimization",
    "incident_remediation",
    "scheduled_maintenance",
    "data_export",
    "access_change",
    "config_drift",
    "manual_override",
    "user_request",
    "containment",
    "rollback",
    "exercise",
];

/// Whether `code` is in the defaults or in the configured extras.
pub fn is_registered_reason(code: &str, extra: &[String]) -> bool {
    DEFAULT_REASON_CODES.contains(&code) || extra.iter().any(|c| c == code)
}
