//! `custody gameday report RUN`: the after-action report from the sealed record.

use super::response::Stop;
use super::Env;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    /// The run id `gameday run` printed.
    pub run: String,
    #[arg(long, value_parser = ["md", "html"], default_value = "md")]
    pub format: String,
    /// Write to FILE instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

pub async fn report(_env: &Env, _args: ReportArgs) -> Result<ExitCode, Stop> {
    Err(Stop::Error("not yet".into()))
}
