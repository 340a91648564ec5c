//! Completeness per the Execute Action Audit Standard (reference 004): an `ai.action`
//! is complete when it carries all seven fields. Incomplete events are stored, never
//! rejected; this module only says what is missing.

use super::Event;

/// The seven fields of the standard, in its order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditField {
    Trigger,
    ModelAndPrompt,
    AiOutput,
    Action,
    Approval,
    TimeAndContext,
    Outcome,
}

impl AuditField {
    pub const ALL: [AuditField; 7] = [
        AuditField::Trigger,
        AuditField::ModelAndPrompt,
        AuditField::AiOutput,
        AuditField::Action,
        AuditField::Approval,
        AuditField::TimeAndContext,
        AuditField::Outcome,
    ];

    pub fn label(self) -> &'static str {
        match self {
            AuditField::Trigger => "trigger",
            AuditField::ModelAndPrompt => "model + prompt",
            AuditField::AiOutput => "ai_output",
            AuditField::Action => "action",
            AuditField::Approval => "approval",
            AuditField::TimeAndContext => "time + context",
            AuditField::Outcome => "outcome",
        }
    }

    fn present(self, e: &Event) -> bool {
        match self {
            AuditField::Trigger => e.trigger.is_some(),
            AuditField::ModelAndPrompt => e.model.is_some() && e.prompt.is_some(),
            AuditField::AiOutput => e.ai_output.is_some(),
            AuditField::Action => e.action.is_some(),
            AuditField::Approval => e.approval.is_some(),
            AuditField::TimeAndContext => e
                .context
                .as_ref()
                .is_some_and(|c| c.environment.is_some() || c.job_id.is_some()),
            AuditField::Outcome => e.outcome.is_some(),
        }
    }
}

/// The audit fields an `ai.action` lacks; empty for complete actions and for every
/// other kind (the standard governs Execute actions only).
pub fn missing_fields(e: &Event) -> Vec<AuditField> {
    if e.kind != "ai.action" {
        return Vec::new();
    }
    AuditField::ALL
        .into_iter()
        .filter(|f| !f.present(e))
        .collect()
}
