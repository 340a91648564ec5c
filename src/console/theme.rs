//! Themes: the semantic styles every view draws with (`tier_t3`, `danger`, `muted`,
//! `selection`…), read from TOML files in `themes/`. Three ship compiled in (dark, the
//! default; light; colorblind, an Okabe–Ito palette that never relies on red against
//! green), and `monochrome` serves `NO_COLOR` / `--color never` with modifiers only.
//!
//! A theme file holds one table per style name:
//!
//! ```toml
//! [tier_t3]
//! fg = "light-red"        # a name, "#ff8800", an index 0-255 (196 or "196"), or "reset"
//! bg = "reset"
//! modifiers = ["bold"]    # bold, dim, italic, underlined, reversed
//! ```
//!
//! Names a file leaves out keep the style of the theme it is laid over (dark for user
//! files). Anything unknown is an error naming the file, the line and the key. Colour is
//! never the only signal: tiers also carry a label and a glyph (`tier_glyph`), and T3 is
//! always bold whatever the theme says.

use crate::event::Tier;
use ratatui::style::{Color, Modifier, Style};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use toml::Spanned;

pub(super) const DARK: &str = include_str!("../../themes/dark.toml");
pub(super) const LIGHT: &str = include_str!("../../themes/light.toml");
pub(super) const COLORBLIND: &str = include_str!("../../themes/colorblind.toml");

/// The themes compiled into the binary, by name.
pub const BUILTIN: [&str; 3] = ["dark", "light", "colorblind"];

/// Semantic styles. Views patch these over `base`; none of them is the only signal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Theme {
    pub name: String,
    /// The whole screen's text and background.
    pub base: Style,
    /// Secondary text: labels, hints, timestamps, gap markers.
    pub muted: Style,
    /// The header bar.
    pub header: Style,
    pub border: Style,
    /// Pane and popup titles, column headings.
    pub title: Style,
    /// The row under the cursor.
    pub selection: Style,
    pub tier_t0: Style,
    pub tier_t1: Style,
    pub tier_t2: Style,
    pub tier_t3: Style,
    /// Failures, errors, a broken ledger.
    pub danger: Style,
    /// Unregistered reason codes, approval mode `none`, exercise markers.
    pub warning: Style,
    /// A verified ledger, successful outcomes.
    pub ok: Style,
    /// Filter chips, human interventions, the search prompt.
    pub accent: Style,
    /// The characters a search matched.
    pub match_highlight: Style,
    /// Missing audit fields.
    pub incomplete: Style,
    /// The LIVE badge.
    pub live: Style,
    /// The FROZEN badge.
    pub frozen: Style,
    /// Key labels in the footer and help.
    pub key: Style,
}

/// Why a theme could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ThemeError {
    #[error("no theme named `{name}` (looked in {} and the built-ins: dark, light, colorblind)", searched.display())]
    NotFound { name: String, searched: PathBuf },
    #[error("`{0}` is not a theme name (letters, digits, `-` and `_` only)")]
    BadName(String),
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{file}:{line}: `{key}`: {message}")]
    Invalid {
        file: String,
        line: usize,
        key: String,
        message: String,
    },
}

impl Default for Theme {
    fn default() -> Self {
        Theme::builtin("dark").unwrap_or_else(Theme::monochrome)
    }
}

impl Theme {
    /// One of the compiled-in themes (`dark`, `light`, `colorblind`, or `monochrome`).
    pub fn builtin(name: &str) -> Option<Theme> {
        let text = match name {
            "dark" => DARK,
            "light" => LIGHT,
            "colorblind" => COLORBLIND,
            "monochrome" | "mono" | "none" => return Some(Theme::monochrome()),
            _ => return None,
        };
        let file = format!("themes/{name}.toml (built in)");
        Theme::parse(text, &file, Theme::monochrome().named(name)).ok()
    }

    /// `config_dir/themes/NAME.toml` when it exists (laid over dark), else a built-in.
    pub fn load(name: &str, config_dir: &Path) -> Result<Theme, ThemeError> {
        let valid = !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if !valid {
            return Err(ThemeError::BadName(name.to_string()));
        }
        let path = config_dir.join("themes").join(format!("{name}.toml"));
        match std::fs::read_to_string(&path) {
            Ok(text) => {
                let file = path.display().to_string();
                Theme::parse(&text, &file, Theme::default().named(name))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                Theme::builtin(name).ok_or(ThemeError::NotFound {
                    name: name.to_string(),
                    searched: path,
                })
            }
            Err(source) => Err(ThemeError::Read { path, source }),
        }
    }

    /// No colours at all, only modifiers: what `NO_COLOR` and `--color never` get.
    pub fn monochrome() -> Theme {
        let m = |m: Modifier| Style::default().add_modifier(m);
        Theme {
            name: "monochrome".into(),
            base: Style::default(),
            muted: m(Modifier::DIM),
            header: m(Modifier::BOLD),
            border: m(Modifier::DIM),
            title: m(Modifier::BOLD),
            selection: m(Modifier::REVERSED),
            tier_t0: m(Modifier::DIM),
            tier_t1: Style::default(),
            tier_t2: m(Modifier::UNDERLINED),
            tier_t3: m(Modifier::BOLD),
            danger: m(Modifier::BOLD | Modifier::UNDERLINED),
            warning: m(Modifier::UNDERLINED),
            ok: Style::default(),
            accent: m(Modifier::BOLD),
            match_highlight: m(Modifier::BOLD | Modifier::UNDERLINED),
            incomplete: m(Modifier::BOLD | Modifier::UNDERLINED),
            live: m(Modifier::BOLD),
            frozen: m(Modifier::REVERSED | Modifier::BOLD),
            key: m(Modifier::BOLD),
        }
    }

    /// The style of a tier. T3 is bold in every theme so weight, not only colour, sets
    /// it apart; the glyph and label do the rest.
    pub fn tier(&self, tier: Tier) -> Style {
        match tier {
            Tier::T0 => self.tier_t0,
            Tier::T1 => self.tier_t1,
            Tier::T2 => self.tier_t2,
            Tier::T3 => self.tier_t3.add_modifier(Modifier::BOLD),
        }
    }

    fn named(mut self, name: &str) -> Theme {
        self.name = name.to_string();
        self
    }

    /// Every style with its name in theme files, in the order of the fields.
    pub(super) fn slots(&mut self) -> [(&'static str, &mut Style); 19] {
        [
            ("base", &mut self.base),
            ("muted", &mut self.muted),
            ("header", &mut self.header),
            ("border", &mut self.border),
            ("title", &mut self.title),
            ("selection", &mut self.selection),
            ("tier_t0", &mut self.tier_t0),
            ("tier_t1", &mut self.tier_t1),
            ("tier_t2", &mut self.tier_t2),
            ("tier_t3", &mut self.tier_t3),
            ("danger", &mut self.danger),
            ("warning", &mut self.warning),
            ("ok", &mut self.ok),
            ("accent", &mut self.accent),
            ("match_highlight", &mut self.match_highlight),
            ("incomplete", &mut self.incomplete),
            ("live", &mut self.live),
            ("frozen", &mut self.frozen),
            ("key", &mut self.key),
        ]
    }

    /// The style names a theme file may define.
    pub fn style_names() -> Vec<&'static str> {
        Theme::monochrome().slots().map(|(n, _)| n).to_vec()
    }

    /// Parses a theme file's text, laid over `over`. `file` names it in errors.
    pub fn parse(text: &str, file: &str, over: Theme) -> Result<Theme, ThemeError> {
        type Table = BTreeMap<Spanned<String>, Spanned<toml::Value>>;
        let tables: BTreeMap<Spanned<String>, Spanned<Table>> =
            toml::from_str(text).map_err(|e| syntax_error(text, file, &e))?;
        let mut theme = over;
        for (name, table) in tables {
            let invalid =
                |span: std::ops::Range<usize>, key: String, message: String| ThemeError::Invalid {
                    file: file.to_string(),
                    line: line_of(text, span.start),
                    key,
                    message,
                };
            let mut slots = theme.slots();
            let Some((_, slot)) = slots.iter_mut().find(|(n, _)| *n == name.get_ref()) else {
                return Err(invalid(
                    name.span(),
                    name.get_ref().clone(),
                    format!(
                        "unknown style name (known: {})",
                        Theme::style_names().join(", ")
                    ),
                ));
            };
            let mut style = Style::default();
            for (field, value) in table.get_ref() {
                let key = format!("{}.{}", name.get_ref(), field.get_ref());
                let bad = |message: String| invalid(value.span(), key.clone(), message);
                match field.get_ref().as_str() {
                    "fg" => style.fg = Some(colour(value.get_ref()).map_err(bad)?),
                    "bg" => style.bg = Some(colour(value.get_ref()).map_err(bad)?),
                    "modifiers" => {
                        style = style.add_modifier(modifiers(value.get_ref()).map_err(bad)?)
                    }
                    _ => {
                        return Err(invalid(
                            field.span(),
                            key,
                            "unknown field (expected fg, bg or modifiers)".into(),
                        ))
                    }
                }
            }
            **slot = style;
        }
        Ok(theme)
    }
}

/// The glyph drawn beside a tier's label, so tiers differ in shape as well as colour.
pub fn tier_glyph(tier: Tier) -> &'static str {
    match tier {
        Tier::T0 => "·",
        Tier::T1 => "○",
        Tier::T2 => "●",
        Tier::T3 => "▲",
    }
}

fn colour(value: &toml::Value) -> Result<Color, String> {
    // An index written as a TOML integer, as the hint below offers it.
    if let Some(index) = value.as_integer() {
        return u8::try_from(index)
            .map(Color::Indexed)
            .map_err(|_| format!("colour index {index} is outside 0-255"));
    }
    let text = value
        .as_str()
        .ok_or_else(|| format!("expected a colour string, found {}", value.type_str()))?;
    text.parse::<Color>().map_err(|_| {
        format!(
            "unknown colour `{text}` (use a name like \"light-blue\", \"#ff8800\", an index 0-255 or \"reset\")"
        )
    })
}

fn modifiers(value: &toml::Value) -> Result<Modifier, String> {
    let list = value
        .as_array()
        .ok_or_else(|| format!("expected a list of modifiers, found {}", value.type_str()))?;
    let mut out = Modifier::empty();
    for item in list {
        out |= match item.as_str() {
            Some("bold") => Modifier::BOLD,
            Some("dim") => Modifier::DIM,
            Some("italic") => Modifier::ITALIC,
            Some("underlined") => Modifier::UNDERLINED,
            Some("reversed") => Modifier::REVERSED,
            _ => {
                return Err(format!(
                    "unknown modifier {item} (expected bold, dim, italic, underlined or reversed)"
                ))
            }
        };
    }
    Ok(out)
}

fn line_of(text: &str, byte: usize) -> usize {
    let end = byte.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

/// A TOML syntax or shape error, with the key taken from the offending line when the
/// line has one (`key = …` or `[key]`).
fn syntax_error(text: &str, file: &str, e: &toml::de::Error) -> ThemeError {
    let start = e.span().map_or(0, |s| s.start);
    let line = line_of(text, start);
    let source_line = text.lines().nth(line - 1).unwrap_or("").trim();
    let key = match source_line.split_once('=') {
        Some((k, _)) => k.trim(),
        None => source_line.trim_matches(|c| c == '[' || c == ']'),
    };
    ThemeError::Invalid {
        file: file.to_string(),
        line,
        key: key.to_string(),
        message: e.message().trim().to_string(),
    }
}
