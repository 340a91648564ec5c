//! The incident console: a ratatui program over the store. `app` is the state, `update`
//! the pure function from state and message to new state and effects, `views` draw a
//! frame from the state, and `driver` is the only place that touches the terminal or
//! the store. Nothing an event contains reaches the terminal unescaped.

pub mod app;
pub mod command;
pub mod driver;
pub mod form;
mod input;
pub mod keymap;
pub mod msg;
mod navigate;
pub mod respond_io;
pub mod response;
pub mod search;
pub mod theme;
pub mod update;
pub mod views;
mod window;

#[cfg(test)]
mod response_tests;
#[cfg(test)]
mod test_keys;
#[cfg(test)]
mod update_tests;
