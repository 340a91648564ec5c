//! Executors: what runs when an operator pauses an agent, revokes its token, rolls back
//! its changes or notifies people. `config` owns their configuration (the `[[executors]]`
//! tables of the config file), its validation at load, the choice of executor for an
//! action and agent, and the pure substitution of placeholders. Nothing in `config` spawns
//! a process, opens a socket or writes to the ledger: running belongs to the code that
//! seals the intent first (README, Incident response). `run` performs one invocation for that code and
//! reports what it produced.

pub mod config;
pub mod run;

pub use config::{
    display_argv, render_argv, render_http, Action, Body, ExecConfigError, Executor, Executors,
    HttpRequest, Invocation, MissingEnv, Placeholder, RenderedRequest, Run, Vars,
};
pub use run::{run, run_with_verify, Prepared, RunReport, RunStatus, EXCERPT_BYTES};
