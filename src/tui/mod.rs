//! The console: a terminal UI over the same timeline the CLI uses. `app` holds state and maps
//! actions; `views` draw it; `keymap` turns keys into actions; `jobs` load in the background.

mod action;
mod app;
mod detail;
mod explorer;
mod input;
mod jobs;
mod keymap;
mod live_pivot;
mod palette;
mod start;
mod sweep;
mod theme;
mod views;

#[cfg(test)]
mod testing;

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Result;
use ratatui::DefaultTerminal;
use ratatui::crossterm::event::{self, Event, KeyEventKind};
use ratatui::layout::Rect;

pub use app::App;
pub use explorer::Explorer;
pub use keymap::{Keymap, KeymapError, Mode};
pub use theme::Theme;
pub use views::{Viewport, draw, viewport};

/// What the console opens with.
pub enum Start {
    Menu,
    Demo,
    Paths(Vec<PathBuf>),
    /// Pull from AWS, then show what came back.
    Live(Box<crate::live::LiveRequest>),
}

/// Runs the console until the user quits. The terminal is restored on return and on panic.
pub fn run(start: Start) -> Result<()> {
    let (keymap, keymap_error) = Keymap::load(Keymap::user_path().as_deref());
    let mut app = App::new(
        keymap,
        start::recent::load(),
        crate::demo::default_dir(),
        crate::time::now_nanos(),
    );
    if let Some(error) = keymap_error {
        app.set_startup_warning(format!("{error} (the default keys apply)"));
    }
    match start {
        Start::Menu => {}
        Start::Demo => app.open_demo(),
        Start::Paths(paths) => app.open(paths, "files".into()),
        Start::Live(request) => app.pull(*request),
    }
    let theme = Theme::from_env();
    // try_init installs a panic hook that restores the terminal before the message prints.
    let mut terminal = ratatui::try_init()?;
    let result = event_loop(&mut terminal, &mut app, &theme);
    ratatui::restore();
    if let Some(job) = &app.job {
        job.cancel();
    }
    if let Some(live) = &app.live {
        live.cancel();
    }
    result
}

fn event_loop(terminal: &mut DefaultTerminal, app: &mut App, theme: &Theme) -> Result<()> {
    loop {
        let size = terminal.size()?;
        app.resize(views::viewport(Rect::new(0, 0, size.width, size.height)));
        app.tick();
        terminal.draw(|frame| views::draw(app, theme, frame))?;
        if app.quit {
            return Ok(());
        }
        // Frequent frames only while something moves on its own (a load in progress).
        let wait = if app.job.is_some() {
            Duration::from_millis(50)
        } else {
            Duration::from_millis(500)
        };
        if event::poll(wait)? {
            // Handle everything queued before drawing again, so held keys never lag behind.
            loop {
                if let Event::Key(key) = event::read()?
                    && key.kind != KeyEventKind::Release
                {
                    app.on_key(key);
                }
                if app.quit || !event::poll(Duration::ZERO)? {
                    break;
                }
            }
        }
    }
}

pub(crate) use crate::text::thousands;
