//! `custody completions SHELL` and `custody man`: the command line describing itself,
//! generated from the same clap definition that parses it, so they never drift from
//! `--help`. Both write to stdout and read no config and open no store, so a packager can
//! run them in a bare build environment.

use super::Cli;
use clap::{Args, CommandFactory};
use clap_complete::Shell;
use std::io::Write;
use std::process::ExitCode;

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub shell: Shell,
}

/// Prints the completion script for `args.shell`.
pub fn completions(args: &CompletionsArgs) -> anyhow::Result<ExitCode> {
    print(&completion_script(args.shell))
}

/// Prints the man page (roff).
pub fn man() -> anyhow::Result<ExitCode> {
    print(&man_page()?)
}

fn completion_script(shell: Shell) -> Vec<u8> {
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "custody", &mut script);
    script
}

fn man_page() -> std::io::Result<Vec<u8>> {
    let mut page = Vec::new();
    clap_mangen::Man::new(Cli::command()).render(&mut page)?;
    Ok(page)
}

/// Rendered in memory first: a closed pipe then surfaces as an error the caller maps
/// to exit 141, not as a panic half-way through a generator.
fn print(bytes: &[u8]) -> anyhow::Result<ExitCode> {
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(bytes)?;
    stdout.flush()?;
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn every_shell_gets_a_script_naming_the_subcommands() {
        for shell in [Shell::Bash, Shell::Zsh, Shell::Fish] {
            let script = String::from_utf8(completion_script(shell)).unwrap();
            let missing: Vec<&str> = ["verify", "ingest", "revoke-token", "incident"]
                .into_iter()
                .filter(|name| !script.contains(name))
                .collect();
            assert_eq!(missing, Vec::<&str>::new(), "{shell}");
        }
    }

    #[test]
    fn the_man_page_opens_with_a_title_header_before_any_section() {
        let page = String::from_utf8(man_page().unwrap()).unwrap();
        // Only roff's apostrophe preamble (`.ie`/`.el`) may come before the title.
        let first = page
            .lines()
            .find(|l| l.starts_with(".TH") || l.starts_with(".SH"));
        assert_eq!(
            first.map(|l| l.split(' ').take(3).collect::<Vec<_>>().join(" ")),
            Some(".TH custody 1".into())
        );
    }

    #[test]
    fn the_man_page_lists_every_subcommand() {
        let page = String::from_utf8(man_page().unwrap()).unwrap();
        let missing: Vec<&str> = ["verify", "ingest", "completions", "man"]
            .into_iter()
            .filter(|name| !page.contains(&format!("custody\\-{name}(1)")))
            .collect();
        assert_eq!(missing, Vec::<&str>::new());
    }
}
