//! custody: a tamper-evident audit store for the actions AI agents take on real
//! systems, and the pieces the console and command line are built from.
//!
//! The modules by layer. The domain uses only the domain and never touches a terminal
//! or SQL (its file reads are `playbook::set` and `policy::load`, the user's playbook and
//! policy directories); the store persists what the ledger sealed and knows no terminal;
//! the edges do the IO.
//!
//! | Layer  | Module         | Owns |
//! |--------|----------------|------|
//! | domain | `event`        | the event a producer sends, its field shapes, tiers, reason codes and completeness check |
//! | domain | `ledger`       | sealing: canonical bytes (RFC 8785), hashes, Merkle tree, signed checkpoints, the pure verification checks |
//! | domain | `evidence`     | evidence bundles: C2SP tlog-proof text, the RFC 8785 manifest, building a bundle's files and checking them offline |
//! | domain | `playbook`     | incident checklists: loading and validating them, which apply to an event, the checklist rules |
//! | domain | `incident`     | incidents and agent control state, derived from sealed records only |
//! | domain | `policy`       | the gate's Cedar policy: loading and validating it, the facts of a proposal, allow / ask / deny |
//! | domain | `query`        | what a read asks for: filters and keyset pages, as plain data without SQL |
//! | domain | `gate`         | the gate's rules: proposals and outcomes checked by field, what an approval binds, four-eyes and N-of-M voting, the gate's events |
//! | domain | `detect`       | detection: loops, rate spikes, failure bursts, unapproved T3 actions, violations after containment, never-seen values, operators out of pattern; folded incrementally |
//! | domain | `toolmap`      | what a bare tool name means: the `[tools]` config mapping tool names to tier, reason, target and reversibility |
//! | domain | `otlp`         | OpenTelemetry in: OTLP trace and log requests decoded (protobuf or JSON, gzip) and GenAI spans mapped to events |
//! | domain | `gameday`      | game days: scenario files checked on load, the exercise engine, scores from sealed events, the after-action report |
//! | domain | `identity`     | who acts: tokens and credential records, operators established from a credential, the agent registry fold |
//! | store  | `store`        | one schema on SQLite and PostgreSQL through sqlx: sealing in batches, reads, checkpoints |
//! | edge   | `ingest`       | JSONL in, validated and sealed records out, with rejects named by line and field |
//! | edge   | `store_verify` | verifying a whole store: paged reads fed to the ledger's checks, full or paced |
//! | edge   | `bundle`       | evidence bundles at the edge: what a bundle needs read from the store, its files written and read back |
//! | edge   | `exec`         | executors that pause agents, revoke tokens, roll back and notify, and their configuration |
//! | edge   | `exercise`     | game days at the edge: the sandbox store, the run loop, the guard that makes a drill's executors dry runs |
//! | edge   | `respond`      | containment and incident work end to end: roles, plans, write-ahead events, acting |
//! | edge   | `approvals`    | voting, expiring and refusing approval requests: the one path console, CLI and serve share |
//! | edge   | `serve`        | `custody serve`, the gate's HTTP service: tokens, proposals, long-polls, outcomes, the ledger's tail that makes pauses bind |
//! | edge   | `mcp`          | `custody mcp-proxy`: an MCP gateway proposing each `tools/call` to the gate, forwarding the rest as the same bytes |
//! | edge   | `webhook`      | notifications of gate events to Slack, Teams or JSON webhooks, every attempt sealed |
//! | edge   | `console`      | the ratatui incident console: pure state and update, views, and its IO driver |
//! | edge   | `cli`          | the `custody` command line: arguments, messages and exit codes |
//! | edge   | `demo`         | the seeded demo world of agent activity and incidents |
//! | edge   | `config`       | the config file, where things are kept, and the signing key file (`config::keyfile`) |
//! | edge   | `untrusted`    | making untrusted text safe to print on a terminal |
//! | edge   | `timing`       | opt-in timing marks for benchmarks |

pub mod approvals;
pub mod bundle;
pub mod cli;
pub mod config;
pub mod console;
pub mod demo;
pub mod detect;
pub mod event;
pub mod evidence;
pub mod exec;
pub mod exercise;
pub mod gameday;
pub mod gate;
pub mod identity;
pub mod incident;
pub mod ingest;
pub mod ledger;
pub mod mcp;
pub mod otlp;
pub mod playbook;
pub mod policy;
pub mod query;
pub mod respond;
pub mod serve;
pub mod store;
pub mod store_verify;
pub mod timing;
pub mod toolmap;
pub mod untrusted;
pub mod webhook;
