//! The vocabulary of the demo world: services, clusters, databases, customers, and the
//! small builders for evidence and reversibility that every story shares. Also the
//! hostile terminal text one incident carries, so the console's escaping is exercised.

use super::forge::Forge;
use crate::event::{Evidence, Reversibility, ReversibilityClass, RollbackRef};

/// Text an attacker smuggled into an agent's context: an OSC title change, a clear
/// screen, an OSC 52 clipboard write and a right-to-left override. A console that
/// passes it to the terminal unescaped is broken.
pub(crate) const HOSTILE: &str =
    "\u{1b}]0;pwned\u{7}\u{1b}[2J\u{1b}]52;c;ZWNobyBwd25lZA==\u{7}deploy \u{202e}lmth.eludom\u{202c} ok";

/// (service, namespace)
pub(crate) const SERVICES: &[(&str, &str)] = &[
    ("checkout-api", "shop"),
    ("cart-svc", "shop"),
    ("catalog-svc", "shop"),
    ("search-indexer", "search"),
    ("payments-gateway", "payments"),
    ("ledger-writer", "payments"),
    ("auth-service", "identity"),
    ("notifications-worker", "messaging"),
    ("image-resizer", "media"),
    ("recommendations", "ml"),
    ("graphql-edge", "edge"),
    ("inventory-sync", "supply"),
];

pub(crate) const DATABASES: &[&str] = &[
    "orders", "accounts", "billing", "events", "catalog", "sessions",
];

pub(crate) const TABLES: &[&str] = &[
    "orders",
    "order_items",
    "customers",
    "payments",
    "invoices",
    "shipments",
    "sessions",
    "audit_events",
    "product_views",
];

pub(crate) const TRAFFIC_CAUSES: &[&str] = &[
    "morning EU peak",
    "US lunchtime peak",
    "marketing email campaign",
    "partner batch import",
    "mobile app release",
    "flash sale",
    "search crawler spike",
];

pub(crate) const ENGINEERS: &[&str] = &[
    "j.kowalski",
    "a.nguyen",
    "r.silva",
    "m.haddad",
    "e.lindqvist",
    "s.mbeki",
    "k.ito",
    "p.moreau",
];

pub(crate) const SUPPORT_AGENTS: &[&str] = &["k.mensah", "l.dubois", "n.carter", "y.sato"];

/// The deployment environment an ordinary action runs in: mostly prod.
pub(crate) fn environment(f: &mut Forge) -> &'static str {
    ["prod", "staging", "test"][f.weighted(&[55, 32, 13])]
}

pub(crate) fn cluster(f: &mut Forge, env: &str) -> &'static str {
    match env {
        "prod" => f.pick(&["prod-eu-west-1", "prod-us-east-1"]),
        "staging" => "staging-eu-west-1",
        _ => "test-us-east-2",
    }
}

pub(crate) fn service(f: &mut Forge) -> (&'static str, &'static str) {
    f.pick(SERVICES)
}

pub(crate) fn ticket_key(f: &mut Forge, project: &str) -> String {
    format!("{project}-{}", f.int(10_000, 52_000))
}

pub(crate) fn evidence(f: &mut Forge, kind: &str, reference: String) -> Evidence {
    Evidence {
        kind: kind.to_string(),
        reference,
        sha256: Some(f.sha256()),
    }
}

/// A link to a record that keeps its own history (a ticket, an audit log, a CI run):
/// no digest needed.
pub(crate) fn link(kind: &str, reference: String) -> Evidence {
    Evidence {
        kind: kind.to_string(),
        reference,
        sha256: None,
    }
}

/// A metrics query: the query is the evidence (it can be re-run over the same range).
pub(crate) fn promql(query: String) -> Evidence {
    link("metrics_query", format!("promql:{query}"))
}

pub(crate) fn dashboard(f: &mut Forge, slug: &str) -> Evidence {
    let uid = f.hex(4);
    evidence(
        f,
        "dashboard",
        format!("https://grafana.acme.internal/d/{uid}/{slug}"),
    )
}

/// A log search link (no digest: the link is the evidence, and logs age out).
pub(crate) fn logs(query: &str) -> Evidence {
    let q = query.replace(' ', "+");
    Evidence {
        kind: "log".into(),
        reference: format!("https://logs.acme.internal/explore?q={q}"),
        sha256: None,
    }
}

pub(crate) fn ticket(f: &mut Forge, project: &str) -> Evidence {
    let key = ticket_key(f, project);
    Evidence {
        kind: "ticket".into(),
        reference: format!("https://acme.atlassian.net/browse/{key}"),
        sha256: None,
    }
}

pub(crate) fn runbook(name: &str) -> Evidence {
    Evidence {
        kind: "runbook".into(),
        reference: format!("https://wiki.acme.internal/runbooks/{name}"),
        sha256: None,
    }
}

pub(crate) fn reversible(undo_window_s: u64, kind: &str, reference: String) -> Reversibility {
    Reversibility {
        class: ReversibilityClass::Full,
        undo_window_s: Some(undo_window_s),
        rollback: Some(RollbackRef {
            kind: kind.into(),
            reference: Some(reference),
        }),
    }
}

pub(crate) fn partly_reversible(
    undo_window_s: u64,
    kind: &str,
    reference: String,
) -> Reversibility {
    Reversibility {
        class: ReversibilityClass::Partial,
        ..reversible(undo_window_s, kind, reference)
    }
}

pub(crate) fn irreversible() -> Reversibility {
    Reversibility {
        class: ReversibilityClass::None,
        undo_window_s: None,
        rollback: None,
    }
}

/// Nothing to undo (reads).
pub(crate) fn no_effect() -> Reversibility {
    Reversibility {
        class: ReversibilityClass::Full,
        undo_window_s: Some(0),
        rollback: None,
    }
}
