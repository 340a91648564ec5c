//! Policy evaluation alone: the shipped default policy answering ~100,000 varied,
//! realistic proposals, one at a time, each timed. Prints p50 / p99 / max per decision
//! in microseconds, the verdict mix and the machine's core count. The bar (issue #10):
//! p99 ≤ 100 µs.
//!
//! Run: `cargo bench --bench policy` (optionally `-- N` for another number of decisions).
#![allow(clippy::unwrap_used)]

use custody::event::Tier;
use custody::policy::{Amount, Facts, Policy};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::time::Instant;

const DEFAULT_DECISIONS: usize = 100_000;

fn pick<'a>(rng: &mut ChaCha8Rng, from: &[&'a str]) -> &'a str {
    from[rng.gen_range(0..from.len())]
}

fn maybe(rng: &mut ChaCha8Rng, from: &[&str]) -> Option<String> {
    rng.gen_bool(0.85).then(|| pick(rng, from).to_string())
}

/// A mix like the demo's agents: scaling, config, refunds, exports, maintenance.
fn facts(rng: &mut ChaCha8Rng) -> Facts {
    let tier = [Tier::T0, Tier::T1, Tier::T2, Tier::T3][rng.gen_range(0..4)];
    let action_type = pick(
        rng,
        &[
            "k8s.scale",
            "k8s.rollout",
            "config.set",
            "payments.refund",
            "warehouse.export",
            "iam.grant",
            "db.migrate",
            "dns.update",
        ],
    );
    let amount = (action_type == "payments.refund").then(|| Amount {
        value: format!("{}.{:02}", rng.gen_range(1..400), rng.gen_range(0..100)),
        currency: pick(rng, &["USD", "USD", "EUR"]).to_string(),
    });
    Facts {
        agent: format!("agent-{}", rng.gen_range(0..50)),
        autonomy: rng.gen_range(0..4),
        action_type: action_type.to_string(),
        tier,
        environment: maybe(rng, &["production", "staging", "dev"]),
        reason_code: maybe(
            rng,
            &[
                "capacity_surge",
                "data_export",
                "scheduled_maintenance",
                "user_request",
                "config_drift",
            ],
        ),
        target_system: maybe(rng, &["k8s", "stripe", "snowflake", "okta"]),
        resource: Some(format!("res/{}", rng.gen_range(0..1000))),
        destination: maybe(
            rng,
            &["s3://acme-prod-exports", "s3://acme-test-exports", "gs://x"],
        ),
        amount,
        hour_utc: rng.gen_range(0..24),
        on_behalf_of: maybe(rng, &["ana", "bo", "chen"]),
    }
}

fn main() {
    let n: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(DEFAULT_DECISIONS);
    let policy = Policy::shipped_default();
    let mut rng = ChaCha8Rng::seed_from_u64(10);
    let inputs: Vec<Facts> = (0..n).map(|_| facts(&mut rng)).collect();

    // Warm up caches and the allocator.
    for f in inputs.iter().take(2_000) {
        std::hint::black_box(policy.decide(f));
    }

    let mut micros = Vec::with_capacity(n);
    let mut mix = [0usize; 3];
    let started = Instant::now();
    for f in &inputs {
        let t = Instant::now();
        let d = policy.decide(std::hint::black_box(f));
        micros.push(t.elapsed().as_secs_f64() * 1e6);
        mix[match d.verdict.word() {
            "allow" => 0,
            "ask" => 1,
            _ => 2,
        }] += 1;
    }
    let total = started.elapsed();
    micros.sort_by(f64::total_cmp);
    let at = |q: f64| micros[((micros.len() as f64 * q) as usize).min(micros.len() - 1)];
    let cores = std::thread::available_parallelism().map_or(1, |c| c.get());
    println!("policy evaluation, shipped default, {n} decisions on {cores} cores");
    println!(
        "  p50 {:.1} µs   p99 {:.1} µs   max {:.1} µs   ({:.0} decisions/s on one thread)",
        at(0.50),
        at(0.99),
        micros[micros.len() - 1],
        n as f64 / total.as_secs_f64()
    );
    println!(
        "  verdicts: {} allow, {} ask, {} deny",
        mix[0], mix[1], mix[2]
    );
    let bar = 100.0;
    println!(
        "  bar p99 ≤ {bar} µs: {}",
        if at(0.99) <= bar { "met" } else { "NOT met" }
    );
}
