//! `custody gameday …`: run a scenario in a sandbox store, check a scenario file, and
//! the facilitator's hand on a running exercise (notes, manual validation, abort).
//! The exercise itself is `crate::exercise`; the rules are `crate::gameday`.

use super::response::{exit, open_existing, refuse, sealing, untrusted, Stop};
use super::Env;
use crate::exercise::{self, sandbox, ExerciseError, RunOptions};
use crate::gameday::events;
use crate::respond::{new_id, seal};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

#[derive(Debug, clap::Subcommand)]
pub enum GamedayCommand {
    /// Run a scenario (a file, or a shipped name) in a fresh sandbox store; every event is flagged exercise and every executor is a dry run.
    Run(RunArgs),
    /// Check a scenario file: every problem named by file, line and field.
    Check(CheckArgs),
    /// Seal a facilitator's note on a run (`exercise.note`).
    Note(NoteArgs),
    /// Validate a manual expectation: met or missed.
    Validate(ValidateArgs),
    /// End a running exercise now.
    Abort(AbortArgs),
    /// The after-action report of a run, in Markdown or as a self-contained HTML page.
    Report(super::gameday_report::ReportArgs),
}

#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// A scenario file, or the name of a shipped one (looping-remediation, …).
    pub scenario: String,
    /// Scenario seconds per real second (10: a 15-minute scenario in 90 s).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=600))]
    pub speed: u32,
    /// Run in the store given by --store even though it holds real events (all still flagged exercise).
    #[arg(long, requires = "justification")]
    pub into_live_store: bool,
    /// Why a drill must run in a real store (with --into-live-store).
    #[arg(long, value_name = "TEXT")]
    pub justification: Option<String>,
    /// Where fresh sandbox stores are created (default: gameday/ in the data directory).
    #[arg(long, value_name = "DIR")]
    pub sandbox_dir: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    pub scenario: String,
}

#[derive(Debug, clap::Args)]
pub struct NoteArgs {
    pub run: String,
    pub text: String,
}

#[derive(Debug, clap::Args)]
pub struct ValidateArgs {
    pub run: String,
    pub expectation: String,
    #[arg(value_parser = ["met", "missed"])]
    pub verdict: String,
    #[arg(long, value_name = "TEXT")]
    pub justification: String,
}

#[derive(Debug, clap::Args)]
pub struct AbortArgs {
    pub run: String,
    #[arg(long, value_name = "TEXT")]
    pub justification: String,
}

pub async fn run(
    env: &Env,
    cmd: GamedayCommand,
    explicit_store: Option<&str>,
) -> anyhow::Result<ExitCode> {
    Ok(exit(match cmd {
        GamedayCommand::Run(args) => start(env, args, explicit_store).await,
        GamedayCommand::Check(args) => load(&args.scenario).map(|(s, _, name)| {
            println!(
                "{name}: ok: {} injects, {} expectations, {} scripted agents",
                s.injects.len(),
                s.expectations.len(),
                s.agents.len()
            );
            ExitCode::SUCCESS
        }),
        GamedayCommand::Note(a) => {
            facilitate(env, |op| {
                events::note(
                    &a.run,
                    op,
                    &a.text,
                    new_id(),
                    crate::event::Timestamp::now(),
                )
            })
            .await
        }
        GamedayCommand::Validate(a) => {
            let met = a.verdict == "met";
            facilitate(env, |op| {
                events::validate(
                    &a.run,
                    op,
                    &a.expectation,
                    met,
                    &a.justification,
                    new_id(),
                    crate::event::Timestamp::now(),
                )
            })
            .await
        }
        GamedayCommand::Abort(a) => {
            facilitate(env, |op| {
                events::control(
                    &a.run,
                    op,
                    "abort",
                    &a.justification,
                    new_id(),
                    crate::event::Timestamp::now(),
                )
            })
            .await
        }
        GamedayCommand::Report(args) => super::gameday_report::report(env, args).await,
    }))
}

/// The scenario's text, parsed, and the name it goes by; a refusal lists every problem.
fn load(scenario: &str) -> Result<(crate::gameday::Scenario, String, String), Stop> {
    let (text, name) = match crate::gameday::shipped::shipped(scenario) {
        Some(text) if !std::path::Path::new(scenario).exists() => {
            (text.to_string(), format!("builtin:{scenario}"))
        }
        _ => match std::fs::read_to_string(scenario) {
            Ok(t) => (t, scenario.to_string()),
            Err(e) => return refuse(format!("cannot read the scenario {scenario}: {e}")),
        },
    };
    match crate::gameday::parse(&text, &name) {
        Ok(s) => Ok((s, text, name)),
        Err(errors) => {
            for e in &errors {
                eprintln!("custody: bad scenario: {}", untrusted(&e.to_string()));
            }
            refuse(format!("{} error(s) in {name}; nothing ran", errors.len()))
        }
    }
}

async fn start(env: &Env, args: RunArgs, explicit_store: Option<&str>) -> Result<ExitCode, Stop> {
    let (scenario, text, _) = load(&args.scenario)?;
    if args.into_live_store && explicit_store.is_none() {
        return refuse("--into-live-store needs --store: name the live store");
    }
    let run_id = format!(
        "{}-{}",
        scenario.id,
        chrono::Utc::now().format("%Y%m%d-%H%M%S")
    );
    let store = match explicit_store {
        Some(_) => {
            let store = env.open_store().await.map_err(Stop::from)?;
            if !args.into_live_store {
                if let Err(e) = sandbox::check_store(&store).await {
                    store.close().await;
                    return refuse(e.to_string());
                }
            }
            println!("store: {} (given with --store)", store.describe());
            store
        }
        None => {
            let dir = args
                .sandbox_dir
                .clone()
                .unwrap_or_else(|| env.dirs.data.join("gameday"));
            let path =
                sandbox::fresh_path(&dir, &run_id).map_err(|e| Stop::Error(e.to_string()))?;
            let store = crate::store::Store::open(
                &path.display().to_string(),
                Some(&format!("{}{run_id}", exercise::SANDBOX_ORIGIN)),
            )
            .await
            .map_err(Stop::from)?;
            println!("sandbox store: {}", path.display());
            println!(
                "respond from another terminal: custody --store {}",
                path.display()
            );
            store
        }
    };
    let ctx = sealing(env)?;
    let interrupted = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&interrupted);
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            flag.store(true, Ordering::Relaxed);
        }
    });
    let opts = RunOptions {
        speed: args.speed,
        operator: env.operator.name.clone(),
        live_justification: args.justification.filter(|_| args.into_live_store),
        interrupted,
    };
    let mut say = |line: String| println!("{line}");
    let outcome = exercise::run(&store, &ctx, scenario, &text, run_id, &opts, &mut say).await;
    let store_arg = store.describe();
    store.close().await;
    let summary = outcome.map_err(|e: ExerciseError| Stop::Error(e.to_string()))?;
    println!("run: {}", summary.run);
    println!(
        "report: custody --store {store_arg} gameday report {}",
        summary.run
    );
    Ok(ExitCode::SUCCESS)
}

/// Seals one facilitator event on the configured store.
async fn facilitate(
    env: &Env,
    make: impl FnOnce(&str) -> crate::event::Event,
) -> Result<ExitCode, Stop> {
    let store = open_existing(env).await?;
    let ctx = sealing(env)?;
    let e = make(&env.operator.name);
    let kind = e.kind.clone();
    let done = seal(&store, &ctx, vec![e], false).await;
    store.close().await;
    let seqs = done.map_err(|e| Stop::Refused(format!("nothing was sealed: {e}")))?;
    println!(
        "{kind} sealed (seq {})",
        seqs.last().copied().unwrap_or_default()
    );
    Ok(ExitCode::SUCCESS)
}
