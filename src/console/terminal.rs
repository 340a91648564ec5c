//! The terminal: raw mode, the alternate screen and mouse capture, restored when the
//! console leaves by any path, a panic included; drawing a frame inside a synchronized
//! update; and reading input on a thread of its own. Nothing here knows the store.

use super::app::App;
use super::msg::Msg;
use super::theme::Theme;
use super::views;
use crossterm::event::{self, DisableMouseCapture, EnableMouseCapture, Event as TermEvent};
use crossterm::terminal::{self, EnterAlternateScreen, LeaveAlternateScreen};
use crossterm::{execute, queue};
use ratatui::backend::CrosstermBackend;
use ratatui::Terminal;
use std::io::{Stdout, Write};
use tokio::sync::mpsc::UnboundedSender;

/// The terminal the console draws on.
pub type Screen = Terminal<CrosstermBackend<Stdout>>;

/// Restores the terminal when dropped, whatever path leaves the console.
pub struct TerminalGuard {
    mouse: bool,
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore_terminal(self.mouse);
    }
}

fn restore_terminal(mouse: bool) {
    let mut out = std::io::stdout();
    if mouse {
        let _ = execute!(out, DisableMouseCapture);
    }
    let _ = execute!(out, LeaveAlternateScreen, crossterm::cursor::Show);
    let _ = terminal::disable_raw_mode();
}

/// Takes over the terminal: raw mode, the alternate screen, the mouse when `mouse`, and
/// a panic hook that restores it all before the panic is reported. Keep the guard for
/// as long as the console runs.
pub fn open(mouse: bool) -> anyhow::Result<(TerminalGuard, Screen)> {
    terminal::enable_raw_mode()?;
    let guard = TerminalGuard { mouse };
    let previous_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore_terminal(mouse);
        previous_hook(info);
    }));
    let mut stdout = std::io::stdout();
    execute!(stdout, EnterAlternateScreen)?;
    if mouse {
        execute!(stdout, EnableMouseCapture)?;
    }
    let mut screen = Terminal::new(CrosstermBackend::new(stdout))?;
    screen.clear()?;
    Ok((guard, screen))
}

/// Draws one frame of `app`, inside a synchronized update so it appears at once.
pub fn draw(screen: &mut Screen, app: &App, theme: &Theme) -> anyhow::Result<()> {
    queue!(screen.backend_mut(), terminal::BeginSynchronizedUpdate)?;
    screen.draw(|f| views::draw(f, app, theme))?;
    execute!(screen.backend_mut(), terminal::EndSynchronizedUpdate)?;
    Ok(())
}

/// Terminal input on a thread of its own (crossterm's read blocks).
pub fn spawn_input(tx: UnboundedSender<Msg>) {
    std::thread::spawn(move || loop {
        let msg = match event::read() {
            Ok(TermEvent::Key(k)) if k.kind != event::KeyEventKind::Release => Msg::Key(k),
            Ok(TermEvent::Mouse(m)) => Msg::Mouse(m),
            Ok(TermEvent::Resize(w, h)) => Msg::Resize(w, h),
            Ok(_) => continue,
            Err(_) => return,
        };
        if tx.send(msg).is_err() {
            return;
        }
    });
}

/// Puts `text` on the terminal's clipboard with OSC 52 (terminals without it ignore
/// the sequence).
pub fn copy_osc52(screen: &mut Screen, text: &str) {
    use base64::Engine;
    let encoded = base64::engine::general_purpose::STANDARD.encode(text.as_bytes());
    let osc = format!("\u{1b}]52;c;{encoded}\u{7}");
    let _ = screen.backend_mut().write_all(osc.as_bytes());
    let _ = screen.backend_mut().flush();
}
