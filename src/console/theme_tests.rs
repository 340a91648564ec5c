//! Tests of `theme`: the shipped themes, user theme files and their errors.
#![allow(clippy::unwrap_used)]

use super::theme::*;
use crate::event::Tier;
use ratatui::style::{Color, Modifier, Style};

fn error_of(text: &str) -> String {
    Theme::parse(text, "my.toml", Theme::monochrome())
        .unwrap_err()
        .to_string()
}

#[test]
fn every_builtin_theme_parses() {
    for name in BUILTIN {
        let text = match name {
            "dark" => DARK,
            "light" => LIGHT,
            _ => COLORBLIND,
        };
        let r = Theme::parse(text, name, Theme::monochrome());
        assert!(r.is_ok(), "{name}: {:?}", r.err());
    }
}

#[test]
fn every_builtin_theme_defines_every_style_name() {
    for text in [DARK, LIGHT, COLORBLIND] {
        let table: toml::Table = toml::from_str(text).unwrap();
        let names = Theme::style_names();
        let missing: Vec<_> = names.iter().filter(|n| !table.contains_key(**n)).collect();
        assert!(missing.is_empty(), "missing {missing:?}");
    }
}

#[test]
fn dark_is_the_default() {
    assert_eq!(Theme::default().name, "dark");
}

#[test]
fn monochrome_has_no_colour_anywhere() {
    let mut t = Theme::monochrome();
    let slots = t.slots();
    assert!(slots.iter().all(|(_, s)| s.fg.is_none() && s.bg.is_none()));
}

#[test]
fn t3_is_bold_even_when_a_theme_says_otherwise() {
    let t = Theme::parse("[tier_t3]\nfg = \"red\"\n", "x", Theme::monochrome()).unwrap();
    assert!(t.tier(Tier::T3).add_modifier.contains(Modifier::BOLD));
}

#[test]
fn colours_and_modifiers_are_read() {
    let t = Theme::parse(
        "[danger]\nfg = \"#ff8800\"\nbg = \"light-blue\"\nmodifiers = [\"bold\", \"reversed\"]\n",
        "x",
        Theme::monochrome(),
    )
    .unwrap();
    let want = Style::default()
        .fg(Color::Rgb(0xff, 0x88, 0))
        .bg(Color::LightBlue)
        .add_modifier(Modifier::BOLD | Modifier::REVERSED);
    assert_eq!(t.danger, want);
}

#[test]
fn a_colour_index_given_as_an_integer_is_read() {
    let t = Theme::parse("[tier_t3]\nfg = 196\n", "x", Theme::monochrome()).unwrap();
    assert_eq!(t.tier_t3.fg, Some(Color::Indexed(196)));
}

#[test]
fn a_colour_index_past_255_is_named() {
    let e = error_of("[danger]\nfg = 300\n");
    assert!(e.to_string().contains("outside 0-255"), "{e}");
}

#[test]
fn an_unknown_style_name_is_named_with_file_and_line() {
    let e = error_of("[base]\nfg = \"reset\"\n\n[tier_t9]\nfg = \"red\"\n");
    assert!(
        e.starts_with("my.toml:4: `tier_t9`: unknown style name"),
        "{e}"
    );
}

#[test]
fn an_unknown_colour_names_its_key_and_line() {
    let e = error_of("[danger]\nmodifiers = [\"bold\"]\nfg = \"redd\"\n");
    assert!(
        e.starts_with("my.toml:3: `danger.fg`: unknown colour `redd`"),
        "{e}"
    );
}

#[test]
fn an_unknown_modifier_names_its_key() {
    let e = error_of("[key]\nmodifiers = [\"blink\"]\n");
    assert!(
        e.contains("`key.modifiers`: unknown modifier \"blink\""),
        "{e}"
    );
}

#[test]
fn an_unknown_field_names_its_key() {
    let e = error_of("[muted]\nforeground = \"red\"\n");
    assert!(
        e.starts_with("my.toml:2: `muted.foreground`: unknown field"),
        "{e}"
    );
}

#[test]
fn a_syntax_error_names_the_line_and_key() {
    let e = error_of("[ok]\nfg = red\n");
    assert!(e.starts_with("my.toml:2: `fg`:"), "{e}");
}

#[test]
fn a_user_theme_overrides_only_what_it_names() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("themes")).unwrap();
    std::fs::write(dir.path().join("themes/mine.toml"), "[ok]\nfg = \"blue\"\n").unwrap();
    let t = Theme::load("mine", dir.path()).unwrap();
    assert_eq!(
        (t.ok.fg, t.danger),
        (Some(Color::Blue), Theme::default().danger)
    );
}

#[test]
fn load_falls_back_to_the_builtins() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(Theme::load("light", dir.path()).unwrap().name, "light");
}

#[test]
fn a_theme_name_cannot_walk_out_of_the_themes_folder() {
    let dir = tempfile::tempdir().unwrap();
    assert!(matches!(
        Theme::load("../secrets", dir.path()),
        Err(ThemeError::BadName(_))
    ));
}

#[test]
fn an_unknown_theme_says_where_it_looked() {
    let dir = tempfile::tempdir().unwrap();
    let e = Theme::load("neon", dir.path()).unwrap_err().to_string();
    assert!(e.contains("no theme named `neon`"), "{e}");
}
