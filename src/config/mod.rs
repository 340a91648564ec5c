//! Configuration and the places custody keeps things: the TOML config file and signing
//! key in the XDG config directory, the default SQLite store in the XDG data directory.
//! Precedence for the store URL: `--store`, then `CUSTODY_STORE`, then the config file,
//! then the default file. `keyfile` reads and writes the signing key file.

pub mod keyfile;

use serde::Deserialize;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Store URL: `postgres://…`, `sqlite:PATH` or a file path.
    pub store: Option<String>,
    /// A name the operator claims when `--operator` is not given. Honoured only where the
    /// credential backs it, or with `allow_operator_override` (see `cli::authn`).
    pub operator: Option<String>,
    /// On a local SQLite store, let `--operator` / `operator` name someone other than the
    /// OS user (the demo does); events record both names. Never on PostgreSQL.
    pub allow_operator_override: Option<bool>,
    /// The origin line of checkpoints for logs created from now on.
    pub origin: Option<String>,
    /// File each new signed checkpoint is appended to, outside the database.
    pub anchor: Option<PathBuf>,
    /// Where the Ed25519 signing key lives (default: `ledger.key` in the config directory).
    pub key_file: Option<PathBuf>,
    /// The signer name used when the key is first created.
    pub key_name: Option<String>,
    /// Further verifier keys (`name+id+base64`) whose checkpoints `verify` trusts.
    #[serde(default)]
    pub trusted_keys: Vec<String>,
    /// Reason codes registered in addition to the defaults.
    #[serde(default)]
    pub reason_codes: Vec<String>,
    /// Console theme name (a file in `themes/` or the config directory).
    pub theme: Option<String>,
    /// Mouse support in the console (default on).
    pub mouse: Option<bool>,
    /// Key rebinding: `"ctrl-y" = "copy"`, `"y" = "none"`.
    #[serde(default)]
    pub keys: std::collections::BTreeMap<String, String>,
    /// Role of operators not listed in `[roles]` (default: responder).
    pub default_role: Option<crate::respond::Role>,
    /// Operator id → role: viewer, responder, approver or admin.
    #[serde(default)]
    pub roles: std::collections::BTreeMap<String, crate::respond::Role>,
    /// Containment executors (`[[executors]]`), validated by `exec::Executors::parse`.
    #[serde(default)]
    pub executors: Vec<toml::Value>,
    /// The same tables, validated, as the responders use them.
    #[serde(skip)]
    pub executor_set: crate::exec::Executors,
    /// Notification targets (`[[webhooks]]`), checked at load; see `webhook::config`.
    #[serde(default)]
    pub webhooks: Vec<crate::webhook::WebhookConfig>,
    /// What bare tool names mean (`[tools]`), for OTLP spans and MCP tool calls.
    #[serde(default)]
    pub tools: crate::toolmap::ToolMapConfig,
    /// The same section, checked.
    #[serde(skip)]
    pub tool_map: crate::toolmap::ToolMap,
    /// Detection thresholds (`[detect]`); every field has a default.
    #[serde(default)]
    pub detect: crate::detect::DetectConfig,
    /// `custody mcp-proxy` (`[mcp]`): the gate's address, fail-open for T0/T1, ask wait.
    #[serde(default)]
    pub mcp: crate::mcp::McpConfig,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("bad config {path}: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("cannot find a home directory for custody's config and data; set XDG_CONFIG_HOME and XDG_DATA_HOME")]
    NoHome,
}

/// The directories custody uses.
#[derive(Debug, Clone)]
pub struct Dirs {
    pub config: PathBuf,
    pub data: PathBuf,
}

impl Dirs {
    pub fn discover() -> Result<Self, ConfigError> {
        let p = directories::ProjectDirs::from("", "", "custody").ok_or(ConfigError::NoHome)?;
        Ok(Dirs {
            config: p.config_dir().to_path_buf(),
            data: p.data_dir().to_path_buf(),
        })
    }

    pub fn config_file(&self) -> PathBuf {
        self.config.join("config.toml")
    }

    pub fn default_store(&self) -> PathBuf {
        self.data.join("custody.db")
    }

    pub fn log_file(&self) -> PathBuf {
        self.data.join("custody.log")
    }
}

impl Config {
    /// Loads `explicit` if given (it must exist), else the default file if it exists.
    pub fn load(explicit: Option<&Path>, dirs: &Dirs) -> Result<Config, ConfigError> {
        let (path, required) = match explicit {
            Some(p) => (p.to_path_buf(), true),
            None => (dirs.config_file(), false),
        };
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !required => {
                return Ok(Config::default())
            }
            Err(source) => return Err(ConfigError::Read { path, source }),
        };
        Config::parse(&text).map_err(|message| ConfigError::Parse { path, message })
    }

    pub fn parse(text: &str) -> Result<Config, String> {
        // Executors are checked here too, so a bad one fails at startup, never mid-incident.
        let executor_set = crate::exec::Executors::parse(text).map_err(|errors| {
            errors
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n")
        })?;
        let mut config: Config = toml::from_str(text).map_err(|e| {
            let at = e
                .span()
                .map(|s| {
                    let line = text[..s.start.min(text.len())].matches('\n').count() + 1;
                    format!("line {line}: ")
                })
                .unwrap_or_default();
            format!("{at}{}", e.message())
        })?;
        crate::webhook::config::check(&config.webhooks, text)?;
        config.tool_map =
            crate::toolmap::ToolMap::from_config(&config.tools, &config.reason_codes)?;
        config.executor_set = executor_set;
        Ok(config)
    }

    pub fn roles(&self) -> crate::respond::Roles {
        crate::respond::Roles {
            default: self.default_role.unwrap_or(crate::respond::Role::Responder),
            by_operator: self.roles.clone(),
        }
    }

    pub fn key_file(&self, dirs: &Dirs) -> PathBuf {
        self.key_file
            .clone()
            .unwrap_or_else(|| dirs.config.join("ledger.key"))
    }

    pub fn key_name(&self) -> String {
        self.key_name
            .clone()
            .unwrap_or_else(|| "custody.local/signer".into())
    }

    /// The store URL by precedence: flag, environment, config, default file.
    pub fn store_url(&self, flag: Option<&str>, dirs: &Dirs) -> String {
        flag.map(str::to_string)
            .or_else(|| {
                std::env::var("CUSTODY_STORE")
                    .ok()
                    .filter(|s| !s.is_empty())
            })
            .or_else(|| self.store.clone())
            .unwrap_or_else(|| dirs.default_store().display().to_string())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_executor_example_is_a_valid_config() {
        let text = include_str!("../../assets/executors.example.toml");
        assert!(
            Config::parse(text).is_ok(),
            "{:?}",
            Config::parse(text).err()
        );
    }

    #[test]
    fn an_executor_with_a_shell_string_fails_the_config_load() {
        let text = "[[executors]]\naction = \"pause\"\ntype = \"command\"\nargv = \"kubectl scale deploy/x --replicas=0\"\n";
        assert!(Config::parse(text).unwrap_err().contains("argv"));
    }

    #[test]
    fn the_tools_section_is_checked_at_load() {
        let ok = Config::parse(
            "[tools]\ndefault_tier = \"T1\"\n[[tools.map]]\npattern = \"db.*\"\ntier = \"T3\"\n",
        )
        .unwrap();
        assert_eq!(ok.tool_map.lookup("db.drop").tier, crate::event::Tier::T3);
        let err = Config::parse(
            "[tools]\n[[tools.map]]\npattern = \"x\"\ntier = \"T1\"\nreason_code = \"nope\"\n",
        )
        .unwrap_err();
        assert!(err.contains("tools.map[0].reason_code"), "{err}");
    }

    #[test]
    fn a_misspelt_key_is_named_with_its_line() {
        let err = Config::parse("operator = \"ana\"\nstorre = \"x\"\n").unwrap_err();
        assert!(
            err.starts_with("line 2:") && err.contains("storre"),
            "{err}"
        );
    }
}
