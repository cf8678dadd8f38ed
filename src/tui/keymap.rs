//! Keymaps as data: TOML with one section per mode and a `desc` per binding. The shipped presets
//! are embedded; a user file merges over them key by key. A broken user file is reported with its
//! file and line, and the defaults keep working.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde::Deserialize;
use toml::Spanned;

use super::action::Action;

pub const DEFAULT: &str = include_str!("../../keymaps/default.toml");
pub const VIM: &str = include_str!("../../keymaps/vim.toml");

/// Environment variable naming the user's keymap file instead of the config directory's.
pub const KEYMAP_ENV: &str = "CASEBOOK_KEYMAP";

/// The keymap sections. Input modes (filter, search, palette, entities) insert typed characters that no
/// binding claims; `global` applies to every other mode where the mode binds nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Mode {
    Global,
    Start,
    Timeline,
    Histogram,
    Detail,
    Filter,
    Search,
    Palette,
    Entities,
    GroupBy,
    Card,
    Sweep,
    Coverage,
    Marks,
    Help,
    Progress,
}

impl Mode {
    pub const ALL: [Mode; 16] = [
        Mode::Global,
        Mode::Start,
        Mode::Timeline,
        Mode::Histogram,
        Mode::Detail,
        Mode::Filter,
        Mode::Search,
        Mode::Palette,
        Mode::Entities,
        Mode::GroupBy,
        Mode::Card,
        Mode::Sweep,
        Mode::Coverage,
        Mode::Marks,
        Mode::Help,
        Mode::Progress,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Mode::Global => "global",
            Mode::Start => "start",
            Mode::Timeline => "timeline",
            Mode::Histogram => "histogram",
            Mode::Detail => "detail",
            Mode::Filter => "filter",
            Mode::Search => "search",
            Mode::Palette => "palette",
            Mode::Entities => "entities",
            Mode::GroupBy => "group_by",
            Mode::Card => "card",
            Mode::Sweep => "sweep",
            Mode::Coverage => "coverage",
            Mode::Marks => "marks",
            Mode::Help => "help",
            Mode::Progress => "progress",
        }
    }

    pub fn is_input(self) -> bool {
        matches!(
            self,
            Mode::Filter | Mode::Search | Mode::Palette | Mode::Entities
        )
    }
}

/// One key press, normalised: a typed character carries no Shift (the character says it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key {
    code: KeyCodeOrd,
    modifiers: u8,
}

/// `KeyCode` has no ordering; this mirrors the parts keymaps use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum KeyCodeOrd {
    Char(char),
    F(u8),
    Named(u8),
}

const NAMED: [(&str, KeyCode); 15] = [
    ("enter", KeyCode::Enter),
    ("esc", KeyCode::Esc),
    ("up", KeyCode::Up),
    ("down", KeyCode::Down),
    ("left", KeyCode::Left),
    ("right", KeyCode::Right),
    ("pageup", KeyCode::PageUp),
    ("pagedown", KeyCode::PageDown),
    ("home", KeyCode::Home),
    ("end", KeyCode::End),
    ("tab", KeyCode::Tab),
    ("backtab", KeyCode::BackTab),
    ("backspace", KeyCode::Backspace),
    ("delete", KeyCode::Delete),
    ("insert", KeyCode::Insert),
];

const CTRL: u8 = 1;
const ALT: u8 = 2;
const SHIFT: u8 = 4;

impl Key {
    /// The key of a terminal event, or `None` for keys keymaps cannot name.
    pub fn from_event(event: KeyEvent) -> Option<Key> {
        let mut modifiers = 0;
        if event.modifiers.contains(KeyModifiers::CONTROL) {
            modifiers |= CTRL;
        }
        if event.modifiers.contains(KeyModifiers::ALT) {
            modifiers |= ALT;
        }
        let code = match event.code {
            KeyCode::Char(c) => {
                // Terminals report Ctrl+letter in either case; bindings use lower case.
                let c = if modifiers & CTRL != 0 {
                    c.to_ascii_lowercase()
                } else {
                    c
                };
                KeyCodeOrd::Char(c)
            }
            KeyCode::F(n) => KeyCodeOrd::F(n),
            code => {
                if event.modifiers.contains(KeyModifiers::SHIFT) && code != KeyCode::BackTab {
                    modifiers |= SHIFT;
                }
                let index = NAMED.iter().position(|(_, named)| *named == code)?;
                KeyCodeOrd::Named(index as u8)
            }
        };
        Some(Key { code, modifiers })
    }

    /// The typed character, when the key is one without Ctrl or Alt.
    pub fn typed(self) -> Option<char> {
        match self.code {
            KeyCodeOrd::Char(c) if self.modifiers & (CTRL | ALT) == 0 => Some(c),
            _ => None,
        }
    }

    pub fn code(self) -> KeyCode {
        match self.code {
            KeyCodeOrd::Char(c) => KeyCode::Char(c),
            KeyCodeOrd::F(n) => KeyCode::F(n),
            KeyCodeOrd::Named(i) => NAMED[i as usize].1,
        }
    }

    pub fn has_ctrl(self) -> bool {
        self.modifiers & CTRL != 0
    }
}

impl std::str::FromStr for Key {
    type Err = String;

    /// `j`, `G`, `/`, `space`, `enter`, `f5`, `ctrl-d`, `alt-x`, `shift-tab`.
    fn from_str(text: &str) -> Result<Key, String> {
        let mut modifiers = 0;
        let mut rest = text;
        loop {
            let lower = rest.to_ascii_lowercase();
            let (modifier, len) = if lower.starts_with("ctrl-") {
                (CTRL, 5)
            } else if lower.starts_with("alt-") {
                (ALT, 4)
            } else if lower.starts_with("shift-") && rest.len() > 6 {
                (SHIFT, 6)
            } else {
                break;
            };
            modifiers |= modifier;
            rest = &rest[len..];
        }
        let mut chars = rest.chars();
        let code = match (chars.next(), chars.next()) {
            (Some(c), None) => KeyCodeOrd::Char(if modifiers & CTRL != 0 {
                c.to_ascii_lowercase()
            } else {
                c
            }),
            _ if rest.eq_ignore_ascii_case("space") => KeyCodeOrd::Char(' '),
            _ => {
                let lower = rest.to_ascii_lowercase();
                if let Some(n) = lower.strip_prefix('f').and_then(|n| n.parse::<u8>().ok()) {
                    KeyCodeOrd::F(n)
                } else if let Some(index) = NAMED.iter().position(|(name, _)| *name == lower) {
                    KeyCodeOrd::Named(index as u8)
                } else {
                    return Err(format!("unknown key '{text}'"));
                }
            }
        };
        if matches!(code, KeyCodeOrd::Char(_)) {
            modifiers &= !SHIFT;
        }
        Ok(Key { code, modifiers })
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        if self.modifiers & CTRL != 0 {
            f.write_str("ctrl-")?;
        }
        if self.modifiers & ALT != 0 {
            f.write_str("alt-")?;
        }
        if self.modifiers & SHIFT != 0 {
            f.write_str("shift-")?;
        }
        match self.code {
            KeyCodeOrd::Char(' ') => f.write_str("space"),
            KeyCodeOrd::Char(c) => write!(f, "{c}"),
            KeyCodeOrd::F(n) => write!(f, "f{n}"),
            KeyCodeOrd::Named(i) => f.write_str(NAMED[i as usize].0),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Binding {
    pub keys: Vec<Key>,
    pub action: Action,
    pub desc: String,
}

impl Binding {
    pub fn keys_text(&self) -> String {
        let keys: Vec<String> = self.keys.iter().map(Key::to_string).collect();
        keys.join(" ")
    }
}

/// What a key sequence means in a mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lookup {
    Action(Action),
    /// The keys so far start a longer binding (`g` of `g g`).
    Pending,
    Unbound,
}

#[derive(Debug, Clone)]
pub struct Keymap {
    modes: BTreeMap<Mode, Vec<Binding>>,
}

/// A keymap file that could not be used, with where.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{file}:{line}: {message}")]
pub struct KeymapError {
    pub file: String,
    pub line: usize,
    pub message: String,
}

type Section = BTreeMap<Spanned<String>, Spanned<RawBinding>>;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBinding {
    run: Spanned<String>,
    desc: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
struct KeymapFile {
    /// A user file builds on this preset (`default` or `vim`).
    preset: Option<Spanned<String>>,
    global: Section,
    start: Section,
    timeline: Section,
    histogram: Section,
    detail: Section,
    filter: Section,
    search: Section,
    palette: Section,
    entities: Section,
    group_by: Section,
    card: Section,
    sweep: Section,
    coverage: Section,
    marks: Section,
    help: Section,
    progress: Section,
}

impl KeymapFile {
    fn sections(self) -> [(Mode, Section); 16] {
        [
            (Mode::Global, self.global),
            (Mode::Start, self.start),
            (Mode::Timeline, self.timeline),
            (Mode::Histogram, self.histogram),
            (Mode::Detail, self.detail),
            (Mode::Filter, self.filter),
            (Mode::Search, self.search),
            (Mode::Palette, self.palette),
            (Mode::Entities, self.entities),
            (Mode::GroupBy, self.group_by),
            (Mode::Card, self.card),
            (Mode::Sweep, self.sweep),
            (Mode::Coverage, self.coverage),
            (Mode::Marks, self.marks),
            (Mode::Help, self.help),
            (Mode::Progress, self.progress),
        ]
    }
}

impl Default for Keymap {
    fn default() -> Self {
        Keymap::preset("default").unwrap_or(Keymap {
            modes: BTreeMap::new(),
        })
    }
}

impl Keymap {
    /// A shipped preset by name.
    pub fn preset(name: &str) -> Option<Keymap> {
        let text = match name {
            "default" => DEFAULT,
            "vim" => VIM,
            _ => return None,
        };
        let mut keymap = Keymap {
            modes: BTreeMap::new(),
        };
        // The embedded presets are tested to parse; an error here cannot reach users.
        keymap.merge(text, &format!("keymaps/{name}.toml")).ok()?;
        Some(keymap)
    }

    /// The user's keymap over the presets. `path` is where the user file is looked for; a
    /// missing file is no error. On error the returned keymap is the preset alone.
    pub fn load(path: Option<&Path>) -> (Keymap, Option<KeymapError>) {
        let Some(path) = path else {
            return (Keymap::default(), None);
        };
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                return (Keymap::default(), None);
            }
            Err(error) => {
                let error = KeymapError {
                    file: path.display().to_string(),
                    line: 0,
                    message: error.to_string(),
                };
                return (Keymap::default(), Some(error));
            }
        };
        Keymap::from_user_text(&text, &path.display().to_string())
    }

    pub fn from_user_text(text: &str, file: &str) -> (Keymap, Option<KeymapError>) {
        let preset = match user_preset(text, file) {
            Ok(preset) => preset,
            Err(error) => return (Keymap::default(), Some(error)),
        };
        let Some(mut keymap) = Keymap::preset(&preset.0) else {
            let error = KeymapError {
                file: file.to_owned(),
                line: preset.1,
                message: format!("unknown preset '{}' (expected default or vim)", preset.0),
            };
            return (Keymap::default(), Some(error));
        };
        match keymap.merge(text, file) {
            Ok(()) => (keymap, None),
            Err(error) => (Keymap::preset(&preset.0).unwrap_or_default(), Some(error)),
        }
    }

    /// Where the user's keymap file is: `$CASEBOOK_KEYMAP`, else the config directory's.
    pub fn user_path() -> Option<PathBuf> {
        if let Some(path) = std::env::var_os(KEYMAP_ENV) {
            return Some(PathBuf::from(path));
        }
        directories::ProjectDirs::from("", "", "casebook")
            .map(|dirs| dirs.config_dir().join("keymap.toml"))
    }

    /// Adds the bindings of a keymap file, replacing those of the same keys in the same mode.
    fn merge(&mut self, text: &str, file: &str) -> Result<(), KeymapError> {
        let at = |span: std::ops::Range<usize>, message: String| KeymapError {
            file: file.to_owned(),
            line: crate::text::line_of(text, span.start),
            message,
        };
        let parsed: KeymapFile = toml::from_str(text).map_err(|error| {
            let (line, message) = crate::text::toml_error(text, &error);
            KeymapError {
                file: file.to_owned(),
                line,
                message,
            }
        })?;
        for (mode, section) in parsed.sections() {
            let mut entries: Vec<_> = section.into_iter().collect();
            entries.sort_by_key(|(key, _)| key.span().start);
            for (keys_text, binding) in entries {
                let keys = keys_text
                    .get_ref()
                    .split_whitespace()
                    .map(str::parse::<Key>)
                    .collect::<Result<Vec<Key>, String>>()
                    .map_err(|message| at(keys_text.span(), message))?;
                if keys.is_empty() {
                    return Err(at(keys_text.span(), "empty key".into()));
                }
                let binding = binding.into_inner();
                let action = Action::from_name(binding.run.get_ref()).ok_or_else(|| {
                    at(
                        binding.run.span(),
                        format!("unknown action '{}'", binding.run.get_ref()),
                    )
                })?;
                let bindings = self.modes.entry(mode).or_default();
                bindings.retain(|b| b.keys != keys);
                if action != Action::Noop {
                    let desc = binding.desc.unwrap_or_else(|| action.about().to_owned());
                    bindings.push(Binding { keys, action, desc });
                }
            }
        }
        Ok(())
    }

    /// Resolves keys typed so far in a mode; non-input modes fall back to `global`.
    pub fn lookup(&self, mode: Mode, keys: &[Key]) -> Lookup {
        let mut modes = vec![mode];
        if !mode.is_input() && mode != Mode::Global {
            modes.push(Mode::Global);
        }
        let mut pending = false;
        for mode in modes {
            for binding in self.bindings(mode) {
                if binding.keys == keys {
                    return Lookup::Action(binding.action);
                }
                pending |= binding.keys.len() > keys.len() && binding.keys.starts_with(keys);
            }
        }
        if pending {
            Lookup::Pending
        } else {
            Lookup::Unbound
        }
    }

    pub fn bindings(&self, mode: Mode) -> &[Binding] {
        self.modes.get(&mode).map_or(&[], Vec::as_slice)
    }

    /// The first key sequence bound to an action in a mode (or global), for hints.
    pub fn key_for(&self, mode: Mode, action: Action) -> Option<String> {
        [mode, Mode::Global]
            .iter()
            .flat_map(|m| self.bindings(*m))
            .find(|b| b.action == action)
            .map(Binding::keys_text)
    }
}

/// The preset a user file asks for, and the line that asks.
fn user_preset(text: &str, file: &str) -> Result<(String, usize), KeymapError> {
    #[derive(Deserialize)]
    struct Head {
        preset: Option<Spanned<String>>,
    }
    let head: Head = toml::from_str(text).map_err(|error| {
        let (line, message) = crate::text::toml_error(text, &error);
        KeymapError {
            file: file.to_owned(),
            line,
            message,
        }
    })?;
    Ok(match head.preset {
        Some(preset) => (
            preset.get_ref().clone(),
            crate::text::line_of(text, preset.span().start),
        ),
        None => ("default".to_owned(), 0),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(text: &str) -> Vec<Key> {
        text.split_whitespace()
            .map(|k| k.parse().unwrap())
            .collect()
    }

    #[test]
    fn presets_parse_and_bind_the_conventions() {
        for name in ["default", "vim"] {
            let keymap = Keymap::preset(name).unwrap();
            for mode in Mode::ALL {
                assert!(
                    !keymap.bindings(mode).is_empty() || mode == Mode::Progress,
                    "{name} {mode:?}"
                );
            }
            let timeline = |k: &str| keymap.lookup(Mode::Timeline, &keys(k));
            assert_eq!(timeline("/"), Lookup::Action(Action::Filter), "{name}");
            assert_eq!(timeline(":"), Lookup::Action(Action::Palette), "{name}");
            assert_eq!(timeline("?"), Lookup::Action(Action::Help), "{name}");
            assert_eq!(timeline("enter"), Lookup::Action(Action::Open), "{name}");
            assert_eq!(timeline("m"), Lookup::Action(Action::ToggleMark), "{name}");
        }
        let vim = Keymap::preset("vim").unwrap();
        assert_eq!(vim.lookup(Mode::Timeline, &keys("g")), Lookup::Pending);
        assert_eq!(
            vim.lookup(Mode::Timeline, &keys("g g")),
            Lookup::Action(Action::Top)
        );
        assert_eq!(
            vim.lookup(Mode::Timeline, &keys("ctrl-d")),
            Lookup::Action(Action::HalfPageDown)
        );
        assert_eq!(
            vim.lookup(Mode::Timeline, &keys("G")),
            Lookup::Action(Action::Bottom)
        );
    }

    #[test]
    fn user_file_merges_key_by_key() {
        let text = "preset = \"vim\"\n[timeline]\nx = { run = \"toggle_mark\", desc = \"Mark it\" }\nm = { run = \"noop\" }\n";
        let (keymap, error) = Keymap::from_user_text(text, "keymap.toml");
        assert_eq!(error, None);
        assert_eq!(
            keymap.lookup(Mode::Timeline, &keys("x")),
            Lookup::Action(Action::ToggleMark)
        );
        assert_eq!(keymap.lookup(Mode::Timeline, &keys("m")), Lookup::Unbound);
        // Everything else is the vim preset's.
        assert_eq!(
            keymap.lookup(Mode::Timeline, &keys("g g")),
            Lookup::Action(Action::Top)
        );
        let desc = &keymap
            .bindings(Mode::Timeline)
            .iter()
            .find(|b| b.keys == keys("x"))
            .unwrap()
            .desc;
        assert_eq!(desc, "Mark it");
    }

    #[test]
    fn errors_name_file_and_line_and_keep_the_defaults() {
        let cases = [
            (
                "[timeline]\nj = { run = \"down\" }\nk = { run = \"fly\" }\n",
                3,
                "unknown action 'fly'",
            ),
            (
                "[timeline]\n\"ctrl-banana\" = { run = \"down\" }\n",
                2,
                "unknown key 'ctrl-banana'",
            ),
            (
                "[timelin]\nj = { run = \"down\" }\n",
                1,
                "unknown field `timelin`",
            ),
            (
                "[timeline]\nj = { run = \"down\", desk = \"x\" }\n",
                2,
                "unknown field `desk`",
            ),
            ("[timeline\nj = 1\n", 1, ""),
            ("preset = \"emacs\"\n", 1, "unknown preset 'emacs'"),
        ];
        for (text, line, message) in cases {
            let (keymap, error) =
                Keymap::from_user_text(text, "/home/u/.config/casebook/keymap.toml");
            let error = error.unwrap_or_else(|| panic!("no error for {text:?}"));
            assert_eq!(error.line, line, "{text:?}: {error}");
            assert!(error.message.contains(message), "{text:?}: {error}");
            assert!(
                error
                    .to_string()
                    .starts_with(&format!("/home/u/.config/casebook/keymap.toml:{line}: "))
            );
            assert_eq!(
                keymap.lookup(Mode::Timeline, &keys("/")),
                Lookup::Action(Action::Filter)
            );
        }
    }

    #[test]
    fn keys_round_trip_through_text() {
        for text in [
            "j",
            "G",
            "ctrl-d",
            "alt-x",
            "shift-tab",
            "enter",
            "f5",
            "space",
            "?",
            "backtab",
        ] {
            assert_eq!(text.parse::<Key>().unwrap().to_string(), text);
        }
        let event = KeyEvent::new(KeyCode::Char('G'), KeyModifiers::SHIFT);
        assert_eq!(Key::from_event(event), Some("G".parse().unwrap()));
        let event = KeyEvent::new(
            KeyCode::Char('D'),
            KeyModifiers::CONTROL | KeyModifiers::SHIFT,
        );
        assert_eq!(Key::from_event(event), Some("ctrl-d".parse().unwrap()));
    }
}
