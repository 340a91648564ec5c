//! `custody policy test PROPOSALS.jsonl`: the gate's policy, offline, for policy CI. Each
//! line is a `custody.event/v1` proposal; each gets one line of output with its verdict,
//! the policies that decided it and the message. Nothing is stored.

use super::Env;
use crate::event::parse_line;
use crate::policy::{Facts, Policy, PolicyError, Verdict, POLICY_FILE};
use crate::untrusted::escape_untrusted;
use anyhow::Context;
use std::collections::HashMap;
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Debug, clap::Subcommand)]
pub enum PolicyCommand {
    /// Evaluate proposals (JSONL) against the policy and print each decision.
    Test(TestArgs),
}

#[derive(Debug, clap::Args)]
#[command(
    after_help = "Each line is one custody.event/v1 proposal; the agent is its `agent.id`.\n\
  Output, one line per proposal:\n\
  \x20 line N: EVENT_ID: allow [POLICY_IDS]\n\
  \x20 line N: EVENT_ID: ask 2 approvers 5m (roles admin, approver) [POLICY_IDS]\n\
  \x20 line N: EVENT_ID: deny [POLICY_IDS]: MESSAGE\n\
  The policy is policies.cedar + policies.cedarschema in --policy DIR, else in `policy/`\n\
  in the config directory, else the shipped default; stderr says which.\n\
  Exit status: 0 every line evaluated, 2 a bad policy or an unreadable line."
)]
pub struct TestArgs {
    /// JSONL proposals to evaluate; `-` reads standard input.
    #[arg(value_name = "PROPOSALS")]
    pub file: PathBuf,
    /// Policy directory (policies.cedar and policies.cedarschema).
    #[arg(long, value_name = "DIR")]
    pub policy: Option<PathBuf>,
    /// An agent's autonomy level, as the registry would give it (repeatable; default 0).
    #[arg(long, value_name = "AGENT=N", value_parser = parse_autonomy)]
    pub autonomy: Vec<(String, u8)>,
}

fn parse_autonomy(s: &str) -> Result<(String, u8), String> {
    let (agent, level) = s
        .split_once('=')
        .ok_or_else(|| format!("`{s}`: expected AGENT=N"))?;
    match level.trim().parse::<u8>() {
        Ok(n) if n <= 3 && !agent.is_empty() => Ok((agent.to_string(), n)),
        _ => Err(format!("`{s}`: expected AGENT=N with N from 0 to 3")),
    }
}

pub fn run(env: &Env, cmd: PolicyCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        PolicyCommand::Test(args) => test(env, args),
    }
}

/// The policy to test: `--policy DIR`, else the config directory's, else the default.
/// `None` when the policy is invalid (each problem printed on its own line).
fn choose(env: &Env, flag: Option<&Path>) -> anyhow::Result<Option<Policy>> {
    let configured = env.dirs.config.join("policy");
    let dir = match flag {
        Some(dir) => dir.to_path_buf(),
        None if configured.join(POLICY_FILE).exists() => configured,
        None => {
            let policy = Policy::shipped_default();
            eprintln!(
                "custody: no {} in {}; using the shipped default policy (version {})",
                POLICY_FILE,
                escape_untrusted(&configured.display().to_string()),
                short(policy.version())
            );
            return Ok(Some(policy));
        }
    };
    let policy = match Policy::load(&dir) {
        Ok(policy) => policy,
        Err(PolicyError::Invalid(problems)) => {
            for problem in &problems {
                eprintln!("custody: {}", escape_untrusted(&problem.to_string()));
            }
            return Ok(None);
        }
        Err(e) => return Err(e).context("loading the policy"),
    };
    eprintln!(
        "custody: policy from {} (version {})",
        escape_untrusted(&dir.display().to_string()),
        short(policy.version())
    );
    Ok(Some(policy))
}

fn short(version: &str) -> &str {
    version.get(..12).unwrap_or(version)
}

fn test(env: &Env, args: TestArgs) -> anyhow::Result<ExitCode> {
    let Some(policy) = choose(env, args.policy.as_deref())? else {
        return Ok(ExitCode::from(2));
    };
    let autonomy: HashMap<String, u8> = args.autonomy.into_iter().collect();
    let input: Box<dyn BufRead> = if args.file.as_os_str() == "-" {
        Box::new(std::io::stdin().lock())
    } else {
        let file = std::fs::File::open(&args.file)
            .with_context(|| format!("opening {}", args.file.display()))?;
        Box::new(std::io::BufReader::new(file))
    };
    let mut out = std::io::stdout().lock();
    let mut unreadable = 0usize;
    for (index, line) in input.split(b'\n').enumerate() {
        let n = index + 1;
        let mut bytes = line.with_context(|| format!("reading line {n}"))?;
        if n == 1 && bytes.starts_with("\u{feff}".as_bytes()) {
            bytes.drain(..3);
        }
        if bytes.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let event = match parse_line(&bytes) {
            Ok(event) => event,
            Err(e) => {
                unreadable += 1;
                eprintln!("line {n}: {}", escape_untrusted(&e.to_string()));
                continue;
            }
        };
        let Some(agent) = event.agent_id() else {
            unreadable += 1;
            eprintln!("line {n}: field `agent.id`: missing (the proposing agent)");
            continue;
        };
        let level = autonomy.get(agent).copied().unwrap_or(0);
        let decision = policy.decide(&Facts::from_event(&event, agent, level));
        let ids = decision.policy_ids.join(", ");
        let mut text = format!("line {n}: {}: {} [{ids}]", event.event_id, decision.verdict);
        if let Verdict::Deny { message } = &decision.verdict {
            text.push_str(&format!(": {message}"));
        }
        writeln!(out, "{}", escape_untrusted(&text)).map_err(output_error)?;
    }
    out.flush().map_err(output_error)?;
    if unreadable > 0 {
        eprintln!("custody: {unreadable} line(s) could not be read");
        return Ok(ExitCode::from(2));
    }
    Ok(ExitCode::SUCCESS)
}

fn output_error(e: std::io::Error) -> anyhow::Error {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        anyhow::Error::new(super::StdoutClosed)
    } else {
        anyhow::Error::new(e).context("writing to standard output")
    }
}
