//! Opening the console: resolves theme, colour, keymap and verifier keys from flags and
//! config, then hands over to the console driver.

use super::Env;
use crate::console::app::App;
use crate::console::driver::{self, ConsoleOptions};
use crate::console::keymap::Keymap;
use crate::console::respond_io::Sealing;
use crate::console::theme::Theme;
use crate::event::DEFAULT_REASON_CODES;
use crate::ledger::note::NoteVerifier;
use crate::respond::SealError;
use crate::store::SealContext;
use crate::store::Store;
use anyhow::Context;
use std::io::IsTerminal;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    #[default]
    Auto,
    Always,
    Never,
}

/// Console options: `--read-only` applies to every command that could act (the console,
/// the containment and incident commands); the look is given to `custody` or
/// `custody demo`.
#[derive(Debug, Clone, clap::Args)]
pub struct ConsoleArgs {
    /// Browse only: containment actions and incident changes are disabled.
    #[arg(long, global = true)]
    pub read_only: bool,
    #[command(flatten)]
    pub look: LookArgs,
}

/// How the console looks and takes input.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct LookArgs {
    /// Theme: dark (default), light, colorblind, or a file name in the config's themes/.
    #[arg(long, value_name = "NAME")]
    pub theme: Option<String>,
    /// Colour: auto honours NO_COLOR; never gives a fully usable monochrome console.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Do not capture the mouse (keeps the terminal's own text selection).
    #[arg(long)]
    pub no_mouse: bool,
}

impl LookArgs {
    /// These options, with `outer`'s (given before the subcommand) where these are unset.
    pub fn or(&self, outer: &LookArgs) -> LookArgs {
        LookArgs {
            theme: self.theme.clone().or_else(|| outer.theme.clone()),
            color: match self.color {
                ColorChoice::Auto => outer.color,
                given => given,
            },
            no_mouse: self.no_mouse || outer.no_mouse,
        }
    }
}

pub async fn open(env: &Env, args: &ConsoleArgs, store: Store) -> anyhow::Result<()> {
    if !std::io::stdout().is_terminal() {
        anyhow::bail!("the console needs a terminal; for pipes use `custody tail`");
    }
    let mono = match args.look.color {
        ColorChoice::Never => true,
        ColorChoice::Always => false,
        ColorChoice::Auto => std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()),
    };
    let theme_name = args
        .look
        .theme
        .clone()
        .or_else(|| env.config.theme.clone())
        .unwrap_or_else(|| "dark".into());
    let theme = if mono {
        Theme::monochrome()
    } else {
        Theme::load(&theme_name, &env.dirs.config)?
    };
    let keymap = Keymap::with_overrides(&env.config.keys)
        .map_err(anyhow::Error::msg)
        .context("bad [keys] in config")?;
    let mut reasons: Vec<String> = DEFAULT_REASON_CODES.iter().map(|s| s.to_string()).collect();
    reasons.extend(env.config.reason_codes.iter().cloned());
    let mut app = App::new(
        store.describe(),
        env.operator.name.clone(),
        keymap,
        reasons,
        crate::event::Timestamp::now(),
    );
    app.read_only = args.read_only;
    app.detect = crate::detect::Detector::new(env.config.detect);
    app.mouse = !args.look.no_mouse && env.config.mouse.unwrap_or(true);
    let mut verifiers = Vec::new();
    for k in &env.config.trusted_keys {
        verifiers.push(
            NoteVerifier::decode(k.trim()).with_context(|| format!("bad trusted key `{k}`"))?,
        );
    }
    let key_path = env.config.key_file(&env.dirs);
    if key_path.exists() {
        verifiers.push(crate::config::keyfile::load(&key_path)?.verifier());
    }
    let anchor = match &env.config.anchor {
        Some(p) if p.exists() => Some(std::fs::read_to_string(p)?),
        _ => None,
    };
    std::fs::create_dir_all(&env.dirs.data).ok();
    let playbooks = crate::playbook::load_all(Some(&env.dirs.config.join("playbooks")));
    if !playbooks.errors.is_empty() {
        let errors: Vec<String> = playbooks.errors.iter().map(ToString::to_string).collect();
        anyhow::bail!("bad playbooks (fix or remove them):\n{}", errors.join("\n"));
    }
    app.response.playbooks = playbooks.playbooks;
    app.response.roles = env.config.roles();
    app.response.executors = env.config.executor_set.clone();
    let session = crate::respond::new_id();
    app.response.session = Some(session.clone());
    let sealing: Sealing = env
        .signer()
        .map(|signer| {
            SealContext::new(signer, env.anchor(None))
                .in_session(session)
                .authenticated(env.operator.authn.clone())
        })
        .map_err(|e| SealError::NoSigner(format!("{e:#}")));
    let options = ConsoleOptions {
        store,
        app,
        theme,
        verifiers,
        anchor,
        clipboard_file: env.dirs.data.join("clipboard.json"),
        log_file: env.dirs.log_file(),
        sealing,
        voter: super::approvals::voter(env),
    };
    driver::run(options).await
}
