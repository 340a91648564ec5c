//! The `[detect]` config section: every threshold the rules read, with defaults, and the
//! check that refuses a value a typo made meaningless.

use serde::Deserialize;

/// The `[detect]` config section. Every field has a default.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct DetectConfig {
    pub loop_count: u32,
    pub loop_window_s: i64,
    pub spike_factor: f64,
    pub spike_min: u32,
    /// Minutes an agent must be watched before its rate can spike.
    pub baseline_minutes: u32,
    pub failure_count: u32,
    pub failure_share: f64,
    pub failure_window_s: i64,
    /// Events an agent must have shown before something new about it is flagged.
    pub novelty_after: u32,
    pub intervention_count: u32,
    pub intervention_factor: f64,
    pub intervention_window_s: i64,
    /// A flag with no new evidence for this long leaves the Now view.
    pub quiet_after_s: i64,
    /// Hours of history the console reads at start to learn baselines.
    pub learn_hours: u32,
}

impl Default for DetectConfig {
    fn default() -> Self {
        DetectConfig {
            loop_count: 4,
            loop_window_s: 600,
            spike_factor: 4.0,
            spike_min: 30,
            baseline_minutes: 30,
            failure_count: 5,
            failure_share: 0.3,
            failure_window_s: 300,
            novelty_after: 40,
            intervention_count: 6,
            intervention_factor: 4.0,
            intervention_window_s: 3600,
            quiet_after_s: 900,
            learn_hours: 6,
        }
    }
}

impl DetectConfig {
    /// Checks the values a typo could make meaningless; the error names the field.
    pub fn check(&self) -> Result<(), String> {
        let positive = [
            ("detect.loop_count", self.loop_count as f64),
            ("detect.loop_window_s", self.loop_window_s as f64),
            ("detect.spike_factor", self.spike_factor),
            ("detect.spike_min", self.spike_min as f64),
            ("detect.failure_count", self.failure_count as f64),
            ("detect.failure_window_s", self.failure_window_s as f64),
            ("detect.intervention_count", self.intervention_count as f64),
            ("detect.intervention_factor", self.intervention_factor),
            (
                "detect.intervention_window_s",
                self.intervention_window_s as f64,
            ),
            ("detect.quiet_after_s", self.quiet_after_s as f64),
        ];
        for (name, v) in positive {
            if v.is_nan() || v <= 0.0 {
                return Err(format!("{name}: must be greater than 0"));
            }
        }
        if self.loop_count < 2 {
            return Err("detect.loop_count: a loop needs at least 2 repetitions".into());
        }
        if !(0.0..=1.0).contains(&self.failure_share) {
            return Err("detect.failure_share: must be between 0 and 1".into());
        }
        Ok(())
    }
}
