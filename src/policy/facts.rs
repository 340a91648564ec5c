//! What a proposal tells the policy (`Facts`), taken from a `custody.event/v1` proposal,
//! and the Cedar context record built from it. Amounts are checked here: a value that is
//! not a decimal Cedar can read is refused (the proposal is denied), never dropped, so a
//! malformed amount cannot slip past a policy that limits amounts.

use crate::event::{Event, Tier};
use cedar_policy::{Context, RestrictedExpression};
use chrono::Timelike;
use serde_json::Value;

/// What a proposal tells the policy; built by the gate (or `custody policy test`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Facts {
    /// From the agent's token, never from the request body.
    pub agent: String,
    /// 0..=3 from the agent registry (0 when the agent is not registered).
    pub autonomy: u8,
    pub action_type: String,
    pub tier: Tier,
    pub environment: Option<String>,
    pub reason_code: Option<String>,
    pub target_system: Option<String>,
    pub resource: Option<String>,
    /// `action.params.destination` when it is a string.
    pub destination: Option<String>,
    /// `action.params.amount`: `{value: "12.50" or 12.5, currency: "USD"}`.
    pub amount: Option<Amount>,
    pub hour_utc: u8,
    pub on_behalf_of: Option<String>,
}

/// A money amount: decimal text (at most 4 fractional digits) and its currency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Amount {
    pub value: String,
    pub currency: String,
}

impl Facts {
    /// Maps a proposal to facts. The agent and its autonomy come from the caller (the
    /// token and the registry), not from the event. A proposal without a tier is treated
    /// as T3: an unknown blast radius gets the strictest rules.
    pub fn from_event(event: &Event, agent: &str, autonomy: u8) -> Facts {
        let action = event.action.as_ref();
        let params = action.and_then(|a| a.params.as_ref());
        Facts {
            agent: agent.to_string(),
            autonomy: autonomy.min(3),
            action_type: action.map_or_else(|| event.kind.clone(), |a| a.kind.clone()),
            tier: event.tier.unwrap_or(Tier::T3),
            environment: event.environment().map(str::to_string),
            reason_code: event.reason_code.clone(),
            target_system: action.and_then(|a| a.target_system.clone()),
            resource: action.and_then(|a| a.resource.clone()),
            destination: params
                .and_then(|p| p.get("destination"))
                .and_then(Value::as_str)
                .map(str::to_string),
            amount: params.and_then(|p| p.get("amount")).map(amount_of),
            // chrono's hour() is 0..=23, so the cast cannot truncate.
            hour_utc: event.time.0.hour() as u8,
            on_behalf_of: event.actor.as_ref().and_then(|a| a.on_behalf_of.clone()),
        }
    }

    /// The Cedar `context` record described in `policies.cedarschema`. Optional fields
    /// are left out when absent. Fails (naming the field) on an amount Cedar cannot read.
    pub(super) fn context(&self) -> Result<Context, String> {
        let mut pairs: Vec<(String, RestrictedExpression)> = Vec::with_capacity(12);
        let long = |n: u8| RestrictedExpression::new_long(i64::from(n));
        let text = |s: &str| RestrictedExpression::new_string(s.to_string());
        pairs.push(("tier".into(), long(tier_number(self.tier))));
        pairs.push(("autonomy".into(), long(self.autonomy)));
        pairs.push(("hour".into(), long(self.hour_utc)));
        pairs.push(("action_type".into(), text(&self.action_type)));
        let optional = [
            ("environment", &self.environment),
            ("reason_code", &self.reason_code),
            ("target_system", &self.target_system),
            ("resource", &self.resource),
            ("destination", &self.destination),
            ("on_behalf_of", &self.on_behalf_of),
        ];
        for (name, value) in optional {
            if let Some(v) = value {
                pairs.push((name.into(), text(v)));
            }
        }
        if let Some(amount) = &self.amount {
            let value = cedar_decimal(&amount.value).ok_or_else(|| {
                format!(
                    "field `action.params.amount.value`: `{}` is not a decimal with at most 4 \
                     fractional digits",
                    amount.value
                )
            })?;
            pairs.push(("amount".into(), RestrictedExpression::new_decimal(value)));
            if !amount.currency.is_empty() {
                pairs.push(("currency".into(), text(&amount.currency)));
            }
        }
        Context::from_pairs(pairs).map_err(|e| format!("field `action.params.amount.value`: {e}"))
    }

    /// The id of the Cedar `Target` entity: `target_system/resource`.
    pub(super) fn target_id(&self) -> String {
        format!(
            "{}/{}",
            self.target_system.as_deref().unwrap_or(""),
            self.resource.as_deref().unwrap_or("")
        )
    }
}

pub(super) fn tier_number(tier: Tier) -> u8 {
    match tier {
        Tier::T0 => 0,
        Tier::T1 => 1,
        Tier::T2 => 2,
        Tier::T3 => 3,
    }
}

/// `params.amount` as an `Amount`; a shape custody cannot read keeps its JSON text as
/// the value, so that `decide` refuses it instead of ignoring it.
fn amount_of(v: &Value) -> Amount {
    let currency = v
        .get("currency")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let value = match v.get("value").unwrap_or(v) {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        other => other.to_string(),
    };
    Amount { value, currency }
}

/// The text Cedar's `decimal()` accepts for `value`: an optional `-`, digits, and at most
/// four fractional digits (`.0` added to a whole number). `None` when it is not one;
/// Cedar itself refuses values outside its 64-bit range.
pub(super) fn cedar_decimal(value: &str) -> Option<String> {
    let v = value.trim();
    let digits = v.strip_prefix('-').unwrap_or(v);
    let (whole, fraction) = match digits.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (digits, None),
    };
    let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !all_digits(whole) {
        return None;
    }
    match fraction {
        None => Some(format!("{v}.0")),
        Some(f) if all_digits(f) && f.len() <= 4 => Some(v.to_string()),
        Some(_) => None,
    }
}
