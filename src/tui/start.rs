//! The start screen (recent cases, the demo, open a path) and the list of recently opened paths.

use std::path::PathBuf;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StartEntry {
    Demo,
    OpenPath,
    Recent(Vec<PathBuf>),
}

impl StartEntry {
    pub fn label(&self) -> String {
        match self {
            StartEntry::Demo => "Open the demo case (credential exfiltration from EKS)".to_owned(),
            StartEntry::OpenPath => "Open files or folders…".to_owned(),
            StartEntry::Recent(paths) => {
                let shown: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
                crate::sanitize::inline(&shown.join("  "))
            }
        }
    }
}

#[derive(Debug, Clone)]
pub struct StartMenu {
    pub entries: Vec<StartEntry>,
    pub selected: usize,
}

impl StartMenu {
    pub fn new(recent: Vec<Vec<PathBuf>>) -> StartMenu {
        let mut entries = vec![StartEntry::Demo, StartEntry::OpenPath];
        entries.extend(recent.into_iter().map(StartEntry::Recent));
        StartMenu {
            entries,
            selected: 0,
        }
    }

    pub fn move_by(&mut self, delta: isize) {
        let last = self.entries.len().saturating_sub(1);
        self.selected = self.selected.saturating_add_signed(delta).min(last);
    }

    pub fn current(&self) -> Option<&StartEntry> {
        self.entries.get(self.selected)
    }
}

/// Paths opened before, most recent first, kept in the user's data directory.
pub mod recent {
    use std::path::PathBuf;

    const KEEP: usize = 10;

    fn file() -> Option<PathBuf> {
        directories::ProjectDirs::from("", "", "casebook")
            .map(|dirs| dirs.data_local_dir().join("recent.json"))
    }

    pub fn load() -> Vec<Vec<PathBuf>> {
        file()
            .and_then(|path| std::fs::read(path).ok())
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or_default()
    }

    /// Puts `paths` first. Failing to remember is not worth interrupting an investigation for.
    pub fn remember(paths: &[PathBuf]) {
        let Some(file) = file() else {
            return;
        };
        let mut list = load();
        list.retain(|entry| entry.as_slice() != paths);
        list.insert(0, paths.to_vec());
        list.truncate(KEEP);
        if let (Some(parent), Ok(json)) = (file.parent(), serde_json::to_vec_pretty(&list)) {
            let temporary = file.with_extension("json.tmp");
            let _ = std::fs::create_dir_all(parent)
                .and_then(|()| std::fs::write(&temporary, json))
                .and_then(|()| std::fs::rename(&temporary, &file));
        }
    }
}
