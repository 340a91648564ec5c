//! The incident console: a ratatui program over the store. `app` is the state, `update`
//! the pure function from state and message (`msg`) to new state and effects (`effect`),
//! and `views` draw a frame from the state. The IO edge is `driver` (the loop),
//! `terminal`, `perform` (every effect), `background`, `search_scan`, `respond_io` and
//! `approvals_io`:
//! only they touch the terminal, the store or the clock. Nothing an event contains
//! reaches the terminal unescaped.

pub mod app;
pub mod approvals;
mod approvals_io;
mod background;
pub mod command;
pub mod driver;
pub mod effect;
pub mod form;
mod input;
pub mod keymap;
pub mod msg;
mod navigate;
pub mod now;
mod perform;
pub mod respond_io;
pub mod response;
pub mod search;
mod search_scan;
mod terminal;
pub mod theme;
#[cfg(test)]
mod theme_tests;
pub mod update;
pub mod views;
mod window;

#[cfg(test)]
mod now_tests;
#[cfg(test)]
mod response_close_tests;
#[cfg(test)]
mod response_tests;
#[cfg(test)]
mod search_tests;
#[cfg(test)]
mod test_keys;
#[cfg(test)]
mod update_tests;
