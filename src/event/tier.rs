//! Blast-radius tiers. A tier is always shown with its name (never colour alone), and
//! orders from harmless (T0) to destructive (T3).

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Tier {
    /// Read-only, no effect.
    T0,
    /// Internal and reversible.
    T1,
    /// Customer-facing or costly, but reversible.
    T2,
    /// Destructive, irreversible, financial, security or privacy impact.
    T3,
}

impl Tier {
    pub const ALL: [Tier; 4] = [Tier::T0, Tier::T1, Tier::T2, Tier::T3];

    pub fn as_str(self) -> &'static str {
        match self {
            Tier::T0 => "T0",
            Tier::T1 => "T1",
            Tier::T2 => "T2",
            Tier::T3 => "T3",
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            Tier::T0 => "read-only, no effect",
            Tier::T1 => "internal, reversible",
            Tier::T2 => "customer-facing or costly, reversible",
            Tier::T3 => "destructive, irreversible, financial, security or privacy impact",
        }
    }
}

impl fmt::Display for Tier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Tier {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_uppercase().as_str() {
            "T0" | "0" => Ok(Tier::T0),
            "T1" | "1" => Ok(Tier::T1),
            "T2" | "2" => Ok(Tier::T2),
            "T3" | "3" => Ok(Tier::T3),
            _ => Err(format!("unknown tier `{s}` (expected T0, T1, T2 or T3)")),
        }
    }
}

/// An inclusive range of tiers, written `T2..T3`, `T2..`, or a single `T3`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TierRange {
    pub low: Tier,
    pub high: Tier,
}

impl TierRange {
    pub fn contains(&self, tier: Tier) -> bool {
        self.low <= tier && tier <= self.high
    }

    pub fn tiers(&self) -> Vec<Tier> {
        Tier::ALL
            .into_iter()
            .filter(|t| self.contains(*t))
            .collect()
    }
}

impl FromStr for TierRange {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.split_once("..") {
            Some((lo, hi)) => {
                let low = if lo.trim().is_empty() {
                    Tier::T0
                } else {
                    lo.parse()?
                };
                let high = if hi.trim().is_empty() {
                    Tier::T3
                } else {
                    hi.parse()?
                };
                if low > high {
                    return Err(format!("empty tier range `{s}`: {low} is above {high}"));
                }
                Ok(TierRange { low, high })
            }
            None => {
                let t: Tier = s.parse()?;
                Ok(TierRange { low: t, high: t })
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn tier_ranges_parse_open_and_closed_forms() {
        assert_eq!(
            "T2..T3".parse::<TierRange>().unwrap().tiers(),
            vec![Tier::T2, Tier::T3]
        );
        assert_eq!("t1..".parse::<TierRange>().unwrap().tiers().len(), 3);
        assert_eq!("T3".parse::<TierRange>().unwrap().tiers(), vec![Tier::T3]);
        assert!("T3..T1".parse::<TierRange>().is_err());
        assert!("T9".parse::<TierRange>().is_err());
    }
}
