//! `GET /metrics` in the Prometheus text format: decisions by verdict, pending
//! approvals, and how long decisions and seals take (histograms with fixed buckets).

use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Bucket upper bounds, in seconds.
const BUCKETS: [f64; 10] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0,
];

#[derive(Default)]
pub struct Histogram {
    counts: [AtomicU64; 10],
    count: AtomicU64,
    sum_us: AtomicU64,
}

impl Histogram {
    pub fn observe(&self, d: Duration) {
        let s = d.as_secs_f64();
        for (i, le) in BUCKETS.iter().enumerate() {
            if s <= *le {
                self.counts[i].fetch_add(1, Ordering::Relaxed);
            }
        }
        self.count.fetch_add(1, Ordering::Relaxed);
        self.sum_us
            .fetch_add(d.as_micros() as u64, Ordering::Relaxed);
    }

    fn write(&self, name: &str, help: &str, out: &mut String) {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} histogram");
        for (i, le) in BUCKETS.iter().enumerate() {
            let _ = writeln!(
                out,
                "{name}_bucket{{le=\"{le}\"}} {}",
                self.counts[i].load(Ordering::Relaxed)
            );
        }
        let n = self.count.load(Ordering::Relaxed);
        let _ = writeln!(out, "{name}_bucket{{le=\"+Inf\"}} {n}");
        let _ = writeln!(
            out,
            "{name}_sum {}",
            self.sum_us.load(Ordering::Relaxed) as f64 / 1e6
        );
        let _ = writeln!(out, "{name}_count {n}");
    }
}

#[derive(Default)]
pub struct Metrics {
    pub allow: AtomicU64,
    pub ask: AtomicU64,
    pub deny: AtomicU64,
    pub refused: AtomicU64,
    pub break_glass: AtomicU64,
    pub decision: Histogram,
    pub seal: Histogram,
}

impl Metrics {
    /// Counts one decision (`None`: asked humans).
    pub fn count(&self, kind: Option<&crate::gate::DecisionKind>) {
        use crate::gate::DecisionKind as K;
        let n = match kind {
            None => &self.ask,
            Some(K::AllowedByRule | K::Approved { .. }) => &self.allow,
            Some(K::Refused { .. }) => &self.refused,
            Some(_) => &self.deny,
        };
        n.fetch_add(1, Ordering::Relaxed);
    }

    pub fn render(&self, pending: usize) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "# HELP custody_gate_decisions_total Proposals decided, by verdict.\n# TYPE custody_gate_decisions_total counter"
        );
        for (verdict, n) in [
            ("allow", &self.allow),
            ("ask", &self.ask),
            ("deny", &self.deny),
            ("refused", &self.refused),
        ] {
            let _ = writeln!(
                out,
                "custody_gate_decisions_total{{verdict=\"{verdict}\"}} {}",
                n.load(Ordering::Relaxed)
            );
        }
        let _ = writeln!(
            out,
            "# HELP custody_gate_pending_approvals Approval requests waiting for humans.\n# TYPE custody_gate_pending_approvals gauge\ncustody_gate_pending_approvals {pending}"
        );
        self.decision.write(
            "custody_gate_decision_seconds",
            "From a proposal's arrival to its sealed answer.",
            &mut out,
        );
        self.seal.write(
            "custody_gate_seal_seconds",
            "Time to seal the gate's events (group commit).",
            &mut out,
        );
        out
    }
}
