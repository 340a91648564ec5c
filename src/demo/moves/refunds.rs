//! The refund assistant's moves on Stripe: refunds (T3 above $500), balance credits
//! and read-only charge lookups, always on behalf of a support agent's ticket.

use super::Move;
use crate::demo::agents::Bot;
use crate::demo::forge::Forge;
use crate::demo::text::*;
use crate::event::{Tier, TriggerType};
use serde_json::json;

pub(super) fn refund_assistant(f: &mut Forge) -> Move {
    let ticket_no = f.int(180_000, 260_000);
    let customer = format!("cus_{}", f.hex(7));
    let support = f.pick(SUPPORT_AGENTS);
    let why = f.pick(&[
        "parcel lost in transit",
        "double charge at checkout",
        "item arrived damaged",
        "subscription renewed after cancellation",
        "late delivery SLA breach",
    ]);
    let mut m = match f.weighted(&[6, 2, 4]) {
        0 => {
            let cents = if f.chance(0.18) {
                f.int(50_100, 240_000)
            } else {
                f.int(900, 49_900)
            };
            let charge = format!("ch_3P{}", f.hex(10));
            let mut m = Move::new(
                Bot::RefundAssistant,
                "stripe.create_refund",
                "stripe",
                "prod",
                format!("stripe://charges/{charge}"),
            );
            m.tier = if cents > 50_000 { Tier::T3 } else { Tier::T2 };
            let amount = format!("${}.{:02}", cents / 100, cents % 100);
            m.summary = format!("Refund {amount} to {customer} on {charge} ({why})");
            m.reasoning = format!(
                "Ticket #{ticket_no}: customer reports {why}, confirmed by the order history. {n} prior refunds in 12 months, \
                 below the abuse threshold; refunding the line amount of {amount}.",
                n = f.int(0, 2)
            );
            m.params = json!({"charge": charge, "amount": cents, "currency": "usd", "reason": "requested_by_customer", "metadata": {"ticket": ticket_no}});
            m.before = Some(
                json!({"amount_refunded": 0, "invoice": format!("INV-2026-{:05}", f.int(1, 99_999))}),
            );
            m.after =
                Some(json!({"amount_refunded": cents, "refund": format!("re_3P{}", f.hex(10))}));
            m.reversibility = irreversible();
            m.rule_id = "refund-under-500-auto";
            m.failure = "charge_already_refunded: Charge has already been refunded.".into();
            m
        }
        1 => {
            let cents = f.int(500, 10_000);
            let mut m = Move::new(
                Bot::RefundAssistant,
                "stripe.credit_balance",
                "stripe",
                "prod",
                format!("stripe://customers/{customer}/balance"),
            );
            m.tier = Tier::T2;
            m.summary = format!(
                "Credit ${}.{:02} to {customer} account balance ({why})",
                cents / 100,
                cents % 100
            );
            m.reasoning = format!("Ticket #{ticket_no}: goodwill credit per support policy SP-7 for {why}; credit is applied to the next invoice, not paid out.");
            m.params = json!({"customer": customer, "amount": -cents, "currency": "usd", "description": format!("Goodwill credit, ticket #{ticket_no}")});
            m.before = Some(json!({"balance": 0}));
            m.after = Some(json!({"balance": -cents}));
            m.reversibility = reversible(
                2_592_000,
                "stripe",
                format!("reverse balance transaction on {customer}"),
            );
            m.rule_id = "credit-under-100-auto";
            m
        }
        _ => {
            let mut m = Move::new(
                Bot::RefundAssistant,
                "stripe.retrieve_charges",
                "stripe",
                "prod",
                format!("stripe://customers/{customer}/charges"),
            );
            m.tier = Tier::T0;
            m.summary = format!("Look up charges for {customer} on ticket #{ticket_no}");
            m.reasoning =
                "Read-only lookup to ground the reply in the actual charge history.".into();
            m.params = json!({"customer": customer, "limit": 20});
            m.response = json!({"object": "list", "count": f.int(1, 20)});
            m
        }
    };
    m = m.triggered(
        TriggerType::UserInstruction,
        format!("zendesk:#{ticket_no}"),
    );
    m.reason = "user_request";
    m.on_behalf_of = Some(support.to_string());
    m.confidence = f.real(0.7, 0.98, 2);
    let t = link(
        "ticket",
        format!("https://acme.zendesk.com/agent/tickets/{ticket_no}"),
    );
    m.evidence.push(t);
    m.evidence.push(logs(&format!("customer:{customer}")));
    m.detail = "Stripe confirmed (HTTP 200)".into();
    if m.response.is_null() {
        m.response =
            json!({"id": format!("re_3P{}", f.hex(10)), "object": "refund", "status": "succeeded"});
    }
    m
}
