//! The console: a terminal UI over the same timeline the CLI uses. `app` holds state and maps
//! actions; `views` draw it; `keymap` turns keys into actions; `jobs` load in the background.

mod action;
mod app;
mod case_session;
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
    /// A case: what it loaded, its marks, and where the user was (or a saved view).
    Case {
        dir: PathBuf,
        view: Option<String>,
        /// What each AWS source did while the case was made (a triage), for the panel.
        coverage: Vec<crate::live::Entry>,
        /// Just made by a triage: open on the entity's card, with the sweep under way.
        triaged: bool,
    },
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
        Start::Case {
            dir,
            view,
            coverage,
            triaged,
        } => {
            app.open_case(&dir, view.as_deref());
            app.coverage = coverage;
            app.triaged = triaged;
        }
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
        if let Some(notes) = app.take_notes_to_edit() {
            // The editor gets the terminal, then the console takes it back.
            ratatui::restore();
            let outcome = edit_in_editor(&notes);
            *terminal = ratatui::try_init()?;
            app.notes_edited(outcome);
            continue;
        }
        // Frequent frames only while something moves on its own (a load or a pull in progress).
        let busy = app.job.is_some() || app.live.is_some() || app.live_pivots.is_running();
        let wait = if busy {
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

/// Runs $VISUAL or $EDITOR (vi without either) on a file and waits for it.
fn edit_in_editor(path: &std::path::Path) -> std::result::Result<(), String> {
    let editor = std::env::var("VISUAL")
        .or_else(|_| std::env::var("EDITOR"))
        .unwrap_or_else(|_| "vi".into());
    let mut words = editor.split_whitespace();
    let program = words.next().unwrap_or("vi");
    let status = std::process::Command::new(program)
        .args(words)
        .arg(path)
        .status()
        .map_err(|e| format!("cannot run {program}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{program} exited with {status}"))
    }
}
