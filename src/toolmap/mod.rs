//! What a tool call means when its caller does not say: the `[tools]` config section that
//! maps tool names (from OpenTelemetry GenAI spans and MCP `tools/call`) to a blast-radius
//! tier, a reason code, a target system, an environment and a reversibility class.
//! Spans and MCP requests carry only a tool name, so this table is where custody learns
//! that `db.drop_table` is T3. Pure: it matches names and never touches IO.
//!
//! ```toml
//! [tools]
//! default_tier = "T2"            # tools no rule matches (flagged as unmapped)
//! default_reason = "user_request"
//!
//! [[tools.map]]
//! pattern = "github.*"           # `*` any run of characters, `?` one character
//! tier = "T1"
//! reason_code = "config_drift"
//! target_system = "github"
//! environment = "prod"
//! reversibility = "full"
//! ```
//!
//! The first rule whose pattern matches wins, in file order.

use crate::event::{is_registered_reason, ReversibilityClass, Tier};
use serde::Deserialize;

/// The `[tools]` section as written.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ToolMapConfig {
    /// Tier of tools no rule matches (default T2: unknown tools are treated as costly).
    pub default_tier: Option<Tier>,
    /// Reason code of tools no rule matches (default `user_request`).
    pub default_reason: Option<String>,
    #[serde(default)]
    pub map: Vec<ToolRule>,
}

/// One `[[tools.map]]` rule.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ToolRule {
    pub pattern: String,
    pub tier: Tier,
    pub reason_code: Option<String>,
    pub target_system: Option<String>,
    pub environment: Option<String>,
    pub reversibility: Option<ReversibilityClass>,
}

/// What the map says about one tool.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolMapping {
    pub tier: Tier,
    pub reason_code: String,
    pub target_system: Option<String>,
    pub environment: Option<String>,
    pub reversibility: Option<ReversibilityClass>,
    /// The pattern that matched, or `None` when the defaults applied (an unmapped tool,
    /// which the console flags).
    pub rule: Option<String>,
}

impl ToolMapping {
    pub fn is_mapped(&self) -> bool {
        self.rule.is_some()
    }
}

/// The checked table.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolMap {
    default_tier: Tier,
    default_reason: String,
    rules: Vec<ToolRule>,
}

impl Default for ToolMap {
    fn default() -> Self {
        ToolMap {
            default_tier: Tier::T2,
            default_reason: "user_request".into(),
            rules: Vec::new(),
        }
    }
}

impl ToolMap {
    /// Checks the section: patterns non-empty, reason codes registered (the defaults or
    /// the config's `reason_codes`). The error names the rule by its index and field.
    pub fn from_config(config: &ToolMapConfig, extra_reasons: &[String]) -> Result<Self, String> {
        let default_reason = config
            .default_reason
            .clone()
            .unwrap_or_else(|| "user_request".into());
        if !is_registered_reason(&default_reason, extra_reasons) {
            return Err(format!(
                "tools.default_reason: unknown reason code {default_reason:?} (add it to reason_codes)"
            ));
        }
        for (i, rule) in config.map.iter().enumerate() {
            if rule.pattern.trim().is_empty() {
                return Err(format!("tools.map[{i}].pattern: must not be empty"));
            }
            if let Some(code) = &rule.reason_code {
                if !is_registered_reason(code, extra_reasons) {
                    return Err(format!(
                        "tools.map[{i}].reason_code: unknown reason code {code:?} (add it to reason_codes)"
                    ));
                }
            }
        }
        Ok(ToolMap {
            default_tier: config.default_tier.unwrap_or(Tier::T2),
            default_reason,
            rules: config.map.clone(),
        })
    }

    /// The mapping for `tool`: the first matching rule, else the defaults.
    pub fn lookup(&self, tool: &str) -> ToolMapping {
        match self.rules.iter().find(|r| glob_match(&r.pattern, tool)) {
            Some(rule) => ToolMapping {
                tier: rule.tier,
                reason_code: rule
                    .reason_code
                    .clone()
                    .unwrap_or_else(|| self.default_reason.clone()),
                target_system: rule.target_system.clone(),
                environment: rule.environment.clone(),
                reversibility: rule.reversibility,
                rule: Some(rule.pattern.clone()),
            },
            None => ToolMapping {
                tier: self.default_tier,
                reason_code: self.default_reason.clone(),
                target_system: None,
                environment: None,
                reversibility: None,
                rule: None,
            },
        }
    }
}

/// Whole-string glob match: `*` matches any run (including empty), `?` one character.
/// Iterative with one backtrack point, so it is linear-ish and cannot blow up on
/// hostile names.
pub fn glob_match(pattern: &str, name: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    let (mut pi, mut ni) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ni < n.len() {
        match p.get(pi) {
            Some('*') => {
                star = Some((pi, ni));
                pi += 1;
            }
            Some(&c) if c == '?' || c == n[ni] => {
                pi += 1;
                ni += 1;
            }
            _ => match star {
                Some((sp, sn)) => {
                    pi = sp + 1;
                    ni = sn + 1;
                    star = Some((sp, sn + 1));
                }
                None => return false,
            },
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn parse(text: &str) -> ToolMapConfig {
        #[derive(Deserialize)]
        struct Wrap {
            tools: ToolMapConfig,
        }
        toml::from_str::<Wrap>(text).unwrap().tools
    }

    #[test]
    fn glob_matches_whole_names_only() {
        assert!(glob_match("github.*", "github.create_issue"));
        assert!(!glob_match("github.*", "gitlab.create_issue"));
        assert!(glob_match("*drop*", "db.drop_table"));
        assert!(glob_match("db.?et", "db.get"));
        assert!(!glob_match("db.?et", "db.gets"));
        assert!(glob_match("*", ""));
        assert!(!glob_match("a", ""));
        assert!(glob_match("a*b*c", "aXXbYYc"));
        assert!(!glob_match("a*b*c", "aXXbYY"));
        // A hostile name with many partial matches stays fast.
        let long = "a".repeat(10_000);
        assert!(!glob_match("*a*a*a*a*b", &long));
    }

    #[test]
    fn the_first_matching_rule_wins_and_unmapped_tools_get_the_defaults() {
        let config = parse(
            r#"
[tools]
default_tier = "T1"
[[tools.map]]
pattern = "db.drop*"
tier = "T3"
reason_code = "data_export"
target_system = "postgres"
environment = "prod"
reversibility = "none"
[[tools.map]]
pattern = "db.*"
tier = "T0"
"#,
        );
        let map = ToolMap::from_config(&config, &[]).unwrap();
        let drop = map.lookup("db.drop_table");
        assert_eq!(drop.tier, Tier::T3);
        assert_eq!(drop.reason_code, "data_export");
        assert_eq!(drop.target_system.as_deref(), Some("postgres"));
        assert_eq!(drop.reversibility, Some(ReversibilityClass::None));
        assert_eq!(drop.rule.as_deref(), Some("db.drop*"));
        let read = map.lookup("db.select");
        assert_eq!(read.tier, Tier::T0);
        assert_eq!(read.reason_code, "user_request");
        let other = map.lookup("shell.exec");
        assert_eq!(other.tier, Tier::T1);
        assert!(!other.is_mapped());
        assert!(ToolMap::default().lookup("x").tier == Tier::T2);
    }

    #[test]
    fn an_unknown_reason_code_is_refused_with_the_rule_named() {
        let config = parse(
            "[tools]\n[[tools.map]]\npattern = \"x\"\ntier = \"T1\"\nreason_code = \"vibes\"\n",
        );
        let err = ToolMap::from_config(&config, &[]).unwrap_err();
        assert!(err.starts_with("tools.map[0].reason_code"), "{err}");
        assert!(ToolMap::from_config(&config, &["vibes".into()]).is_ok());
        let empty = parse("[tools]\n[[tools.map]]\npattern = \" \"\ntier = \"T1\"\n");
        assert!(ToolMap::from_config(&empty, &[])
            .unwrap_err()
            .contains("pattern"));
    }
}
