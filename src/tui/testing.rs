//! Shared test setup: the demo case loaded into an explorer or a whole app.

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::Rect;

use super::app::App;
use super::explorer::Explorer;
use super::keymap::{Keymap, Mode};
use super::theme::Theme;
use super::views;
use crate::load::{self, LoadOptions};

pub fn demo_explorer() -> (tempfile::TempDir, Explorer) {
    let dir = tempfile::tempdir().unwrap();
    crate::demo::write(dir.path()).unwrap();
    let roots = vec![dir.path().to_path_buf()];
    let loaded = load::load(&roots, &LoadOptions::default()).unwrap();
    (dir, Explorer::new(loaded, roots, 0))
}

/// The app on the demo's timeline, laid out for a `width` × `height` terminal.
pub fn demo_app(width: u16, height: u16) -> (tempfile::TempDir, App) {
    let (dir, explorer) = demo_explorer();
    let mut app = App::new(Keymap::default(), Vec::new(), None, 0);
    // The shipped queries only: the tester's own folders stay out of snapshots.
    app.user_dirs = super::sweep::UserDirs::default();
    app.explorer = Some(explorer);
    app.mode = Mode::Timeline;
    app.resize(views::viewport(Rect::new(0, 0, width, height)));
    (dir, app)
}

/// Types keys as a user would: `<enter>`-style names for special keys, characters otherwise.
pub fn type_keys(app: &mut App, keys: &str) {
    let mut rest = keys;
    while let Some(c) = rest.chars().next() {
        let (code, len) = match rest.strip_prefix('<').and_then(|r| r.split_once('>')) {
            Some((name, _)) => {
                let code = match name {
                    "enter" => KeyCode::Enter,
                    "esc" => KeyCode::Esc,
                    "tab" => KeyCode::Tab,
                    "down" => KeyCode::Down,
                    "up" => KeyCode::Up,
                    "left" => KeyCode::Left,
                    "right" => KeyCode::Right,
                    "space" => KeyCode::Char(' '),
                    other => panic!("unknown key <{other}>"),
                };
                (code, name.len() + 2)
            }
            None => (KeyCode::Char(c), c.len_utf8()),
        };
        app.on_key(KeyEvent::new(code, KeyModifiers::NONE));
        rest = &rest[len..];
    }
}

pub fn render(app: &App, theme: &Theme, width: u16, height: u16) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal
        .draw(|frame| views::draw(app, theme, frame))
        .unwrap();
    terminal
}
