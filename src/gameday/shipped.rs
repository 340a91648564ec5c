//! The scenarios shipped in `assets/scenarios/`, compiled in, so
//! `custody gameday run looping-remediation` works without a checkout.

pub const SHIPPED: &[(&str, &str)] = &[
    (
        "looping-remediation",
        include_str!("../../assets/scenarios/looping-remediation.toml"),
    ),
    (
        "prompt-injection-export",
        include_str!("../../assets/scenarios/prompt-injection-export.toml"),
    ),
    (
        "leaked-token",
        include_str!("../../assets/scenarios/leaked-token.toml"),
    ),
    (
        "degraded-pipeline",
        include_str!("../../assets/scenarios/degraded-pipeline.toml"),
    ),
];

/// The text of a shipped scenario by name.
pub fn shipped(name: &str) -> Option<&'static str> {
    SHIPPED.iter().find(|(n, _)| *n == name).map(|(_, t)| *t)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    #[test]
    fn every_shipped_scenario_loads() {
        for (name, text) in super::SHIPPED {
            let s = crate::gameday::parse(text, name).unwrap_or_else(|e| panic!("{name}: {e:?}"));
            assert_eq!(&s.id, name);
            assert!(
                s.injects.iter().any(|i| i.malicious),
                "{name} has no malicious inject"
            );
        }
    }
}
