//! `custody completions` and `custody man` through the built binary: they answer
//! without a config or a store.

mod common;

use common::Sandbox;

#[test]
fn bash_completions_name_the_subcommands() {
    let script = Sandbox::sqlite().ok(&["completions", "bash"]);
    let missing: Vec<&str> = ["verify", "ingest", "export", "tail", "incident", "man"]
        .into_iter()
        .filter(|name| !script.contains(name))
        .collect();
    assert_eq!(missing, Vec::<&str>::new());
}

#[test]
fn the_man_page_opens_with_a_roff_title_and_names_verify() {
    let sandbox = Sandbox::sqlite();
    let page = sandbox.ok(&["man"]);
    let first_macro = page.lines().find(|l| l.starts_with(".TH"));
    assert!(
        first_macro.is_some_and(|l| l.starts_with(".TH custody 1")) && page.contains("verify"),
        "{page}"
    );
    // Nothing was created: the store stays untouched.
    assert!(!sandbox.path("ledger.db").exists());
}
