//! Case files: an investigation kept as it goes, in a folder a person can read and diff
//! (`NAME.casebook/`), that stands alone when the source data is gone.
//!
//! - `case.toml`: title, incident id, page link, status, analysts, time range, sources;
//! - `marks.jsonl`: marked events, one per line, each with its tags, comment and the whole
//!   original record (secrets redacted);
//! - `notes.md`: the analysts' notes, Markdown;
//! - `manual-events.jsonl`: events no log has ("10:32 on-call paged");
//! - `views.toml`: saved views, and where the console was (to resume exactly);
//! - `provenance.jsonl`: every load, query and pull, with what, when, where and how much.
//!
//! Every file is replaced atomically (see [`store`]); a killed writer loses nothing saved before.

pub mod export;
pub mod store;

use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::Value;

pub const CASE_FILE: &str = "case.toml";
pub const MARKS_FILE: &str = "marks.jsonl";
pub const NOTES_FILE: &str = "notes.md";
pub const MANUAL_FILE: &str = "manual-events.jsonl";
pub const VIEWS_FILE: &str = "views.toml";
pub const PROVENANCE_FILE: &str = "provenance.jsonl";

/// What `case.toml` holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseMeta {
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub incident: Option<String>,
    /// The page that started it (PagerDuty incident, alert link).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page: Option<String>,
    #[serde(default)]
    pub status: Status,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub analysts: Vec<String>,
    /// RFC 3339, UTC.
    pub created: String,
    /// The time range investigated, RFC 3339.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub range: Option<TimeRange>,
    /// What was loaded into the case: paths, or live pulls described.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<String>,
    /// The runbook responders follow for it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runbook: Option<String>,
    /// Where AWS was asked, for a case made live: the console's pivots ask there too.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub live: Option<LiveSession>,
}

/// The profiles and regions a live case asks AWS in.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LiveSession {
    /// Profiles of the AWS config files; empty for the default chain.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub profiles: Vec<String>,
    /// Regions; empty for each profile's own.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub regions: Vec<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    #[default]
    Open,
    Contained,
    Closed,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimeRange {
    pub start: String,
    pub end: String,
}

/// A marked event: what casebook made of it (the jsonl event object, original record included)
/// with the analyst's tags and comment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mark {
    pub event: Value,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub comment: String,
    /// Where it was loaded from, to find it again when the files are loaded again.
    pub origin: Origin,
    pub marked: String,
}

/// A record's place: the file it was read from and its ordinal there.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Origin {
    pub file: String,
    pub ordinal: u32,
}

impl Origin {
    /// Where a loaded record came from.
    pub fn of(files: &[crate::load::FileReport], record: crate::timeline::RecordRef) -> Origin {
        Origin {
            file: files
                .get(record.file as usize)
                .map(|f| f.path.display().to_string())
                .unwrap_or_default(),
            ordinal: record.ordinal,
        }
    }
}

impl Mark {
    /// A mark of a loaded event with its original record, tagged `tags`, no comment yet.
    pub fn new(
        row: &crate::timeline::EventRow,
        raw: Value,
        origin: Origin,
        tags: Vec<String>,
        now: i64,
    ) -> Mark {
        Mark {
            event: row.to_json(raw),
            tags,
            comment: String::new(),
            origin,
            marked: crate::time::format_rfc3339(now),
        }
    }

    pub fn time(&self) -> &str {
        self.event.get("time").and_then(Value::as_str).unwrap_or("")
    }

    /// A text field of the event (`source`, `action`, `actor`...).
    pub fn field(&self, name: &str) -> Option<&str> {
        self.event.get(name).and_then(Value::as_str)
    }
}

/// An event no log has: "10:32 on-call paged", "11:05 key revoked".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManualEvent {
    /// RFC 3339, UTC.
    pub time: String,
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
}

/// One thing done to the case: a load, a query, a live pull, marks added, an export.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Provenance {
    /// RFC 3339, UTC.
    pub at: String,
    /// `load`, `query`, `live`, `mark`, `note`, `event`, `export`.
    pub what: String,
    /// Where it was asked: `files`, `guardduty`, `athena`...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backend: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub parameters: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub results: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bytes_scanned: Option<u64>,
}

impl Provenance {
    pub fn new(at: i64, what: &str) -> Provenance {
        Provenance {
            at: crate::time::format_rfc3339(at),
            what: what.into(),
            backend: None,
            account: None,
            region: None,
            parameters: BTreeMap::new(),
            results: None,
            bytes_scanned: None,
        }
    }

    pub fn with(mut self, name: &str, value: impl Into<String>) -> Provenance {
        self.parameters.insert(name.into(), value.into());
        self
    }

    /// One line of plain text: when, what, where, with what, and what came back.
    pub fn describe(&self) -> String {
        let mut line = format!("{} {}", self.at, self.what);
        for (label, value) in [
            ("backend", &self.backend),
            ("account", &self.account),
            ("region", &self.region),
        ] {
            if let Some(value) = value {
                line.push_str(&format!(", {label} {value}"));
            }
        }
        if !self.parameters.is_empty() {
            let parameters: Vec<String> = self
                .parameters
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            line.push_str(&format!(": {}", parameters.join(", ")));
        }
        if let Some(results) = self.results {
            line.push_str(&format!(" → {}", crate::text::counted(results, "result")));
        }
        if let Some(bytes) = self.bytes_scanned {
            line.push_str(&format!(", {bytes} bytes scanned"));
        }
        line
    }
}

/// Saved views, and where the console was when it last saved.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Views {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub saved: Vec<SavedView>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub console: Option<ConsoleState>,
}

/// A place worth coming back to, by name: its pivots and filters, level by level.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SavedView {
    pub name: String,
    #[serde(default)]
    pub levels: Vec<Level>,
}

impl Level {
    /// `access_key ASIA... ±3600s / action:GetObject`, for listings.
    pub fn describe(&self) -> String {
        let mut text = match &self.pivot {
            Some(pivot) => {
                let window = pivot
                    .half_window_seconds
                    .map_or("whole range".to_owned(), |s| format!("±{s}s"));
                format!("{} {} {window}", pivot.kind, pivot.value)
            }
            None => "timeline".to_owned(),
        };
        if !self.filter.is_empty() {
            text.push_str(&format!(" / {}", self.filter));
        }
        text
    }
}

/// The console's place: each level of pivots (outermost first) with the filter typed in it,
/// and the selected event.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsoleState {
    #[serde(default)]
    pub levels: Vec<Level>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selected: Option<Origin>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Level {
    #[serde(default)]
    pub filter: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pivot: Option<PivotState>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PivotState {
    /// An entity kind (`access_key`, `principal`...).
    pub kind: String,
    pub value: String,
    /// RFC 3339: the moment the pivot was taken at.
    pub around: String,
    /// Half the window around it, in seconds; none for the whole range.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub half_window_seconds: Option<i64>,
}

/// A case as it is on disk.
#[derive(Debug, Clone, PartialEq)]
pub struct Case {
    pub dir: PathBuf,
    pub meta: CaseMeta,
    pub marks: Vec<Mark>,
    pub notes: String,
    pub manual: Vec<ManualEvent>,
    pub views: Views,
    pub provenance: Vec<Provenance>,
}

#[derive(Debug, thiserror::Error)]
pub enum CaseError {
    #[error("{0}: not a case (no {CASE_FILE}); casebook case new makes one")]
    NotACase(PathBuf),
    #[error("{0}: a case is there already")]
    Exists(PathBuf),
    #[error("{file}:{line}: {message}")]
    Invalid {
        file: PathBuf,
        line: usize,
        message: String,
    },
    #[error("{0}: {1}")]
    Io(PathBuf, io::Error),
}

impl Case {
    /// A new case in `dir` (created if missing; refused if it holds a case already).
    pub fn create(dir: &Path, meta: CaseMeta) -> Result<Case, CaseError> {
        if dir.join(CASE_FILE).exists() {
            return Err(CaseError::Exists(dir.to_path_buf()));
        }
        std::fs::create_dir_all(dir).map_err(|e| CaseError::Io(dir.to_path_buf(), e))?;
        let case = Case {
            dir: dir.to_path_buf(),
            meta,
            marks: Vec::new(),
            notes: String::new(),
            manual: Vec::new(),
            views: Views::default(),
            provenance: Vec::new(),
        };
        case.save()?;
        Ok(case)
    }

    pub fn is_case(dir: &Path) -> bool {
        dir.join(CASE_FILE).is_file()
    }

    pub fn open(dir: &Path) -> Result<Case, CaseError> {
        if !Case::is_case(dir) {
            return Err(CaseError::NotACase(dir.to_path_buf()));
        }
        remove_leftovers(dir);
        let read = |name: &str| -> Result<String, CaseError> {
            let path = dir.join(name);
            match std::fs::read_to_string(&path) {
                Ok(text) => Ok(text),
                Err(e) if e.kind() == io::ErrorKind::NotFound && name != CASE_FILE => {
                    Ok(String::new())
                }
                Err(e) => Err(CaseError::Io(path, e)),
            }
        };
        let toml_of = |name: &str, text: &str, error: toml::de::Error| {
            let (line, message) = crate::text::toml_error(text, &error);
            CaseError::Invalid {
                file: dir.join(name),
                line,
                message,
            }
        };
        let meta_text = read(CASE_FILE)?;
        let meta = toml::from_str(&meta_text).map_err(|e| toml_of(CASE_FILE, &meta_text, e))?;
        let views_text = read(VIEWS_FILE)?;
        let views = toml::from_str(&views_text).map_err(|e| toml_of(VIEWS_FILE, &views_text, e))?;
        Ok(Case {
            dir: dir.to_path_buf(),
            meta,
            marks: lines_of(dir, MARKS_FILE, &read(MARKS_FILE)?)?,
            notes: read(NOTES_FILE)?,
            manual: lines_of(dir, MANUAL_FILE, &read(MANUAL_FILE)?)?,
            views,
            provenance: lines_of(dir, PROVENANCE_FILE, &read(PROVENANCE_FILE)?)?,
        })
    }

    /// Writes every file of the case, each atomically.
    pub fn save(&self) -> Result<(), CaseError> {
        self.write(
            CASE_FILE,
            toml_text(&self.dir, CASE_FILE, &self.meta)?.as_bytes(),
        )?;
        self.write(MARKS_FILE, &jsonl(&self.marks))?;
        self.write(NOTES_FILE, self.notes.as_bytes())?;
        self.write(MANUAL_FILE, &jsonl(&self.manual))?;
        self.write(
            VIEWS_FILE,
            toml_text(&self.dir, VIEWS_FILE, &self.views)?.as_bytes(),
        )?;
        self.write(PROVENANCE_FILE, &jsonl(&self.provenance))
    }

    fn write(&self, name: &str, bytes: &[u8]) -> Result<(), CaseError> {
        let path = self.dir.join(name);
        store::write_atomic(&path, bytes).map_err(|e| CaseError::Io(path, e))
    }

    /// Marks an event, or adds the tags and comment to its mark if it is marked already.
    pub fn mark(&mut self, mark: Mark) {
        match self.marks.iter_mut().find(|m| m.origin == mark.origin) {
            Some(existing) => {
                for tag in mark.tags {
                    if !existing.tags.contains(&tag) {
                        existing.tags.push(tag);
                    }
                }
                if !mark.comment.is_empty() {
                    existing.comment = mark.comment;
                }
            }
            None => self.marks.push(mark),
        }
        self.marks.sort_by(|a, b| a.time().cmp(b.time()));
    }

    pub fn unmark(&mut self, origin: &Origin) -> bool {
        let before = self.marks.len();
        self.marks.retain(|m| &m.origin != origin);
        self.marks.len() != before
    }

    /// Appends a note under a heading with its time.
    pub fn note(&mut self, at: i64, text: &str) {
        if !self.notes.is_empty() && !self.notes.ends_with("\n\n") {
            self.notes.push_str(if self.notes.ends_with('\n') {
                "\n"
            } else {
                "\n\n"
            });
        }
        self.notes.push_str(&format!(
            "### {}\n\n{}\n",
            crate::time::format_rfc3339(at),
            text.trim_end()
        ));
    }

    pub fn add_event(&mut self, event: ManualEvent) {
        self.manual.push(event);
        self.manual.sort_by(|a, b| a.time.cmp(&b.time));
    }

    pub fn log(&mut self, entry: Provenance) {
        self.provenance.push(entry);
    }
}

fn toml_text<T: Serialize>(dir: &Path, name: &str, value: &T) -> Result<String, CaseError> {
    toml::to_string_pretty(value).map_err(|e| {
        CaseError::Io(
            dir.join(name),
            io::Error::new(io::ErrorKind::InvalidData, e),
        )
    })
}

/// One JSON object per line, inert to a terminal that shows the file (see
/// [`crate::sanitize::inert_json`]).
fn jsonl<T: Serialize>(items: &[T]) -> Vec<u8> {
    let mut out = String::new();
    for item in items {
        // Plain data always converts to a JSON value.
        if let Ok(value) = serde_json::to_value(item) {
            out.push_str(&crate::sanitize::inert_json(&value));
            out.push('\n');
        }
    }
    out.into_bytes()
}

fn lines_of<T: for<'de> Deserialize<'de>>(
    dir: &Path,
    name: &str,
    text: &str,
) -> Result<Vec<T>, CaseError> {
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(i, line)| {
            serde_json::from_str(line).map_err(|e| CaseError::Invalid {
                file: dir.join(name),
                line: i + 1,
                message: e.to_string(),
            })
        })
        .collect()
}

fn remove_leftovers(dir: &Path) {
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        if store::is_leftover(&entry.file_name().to_string_lossy()) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}
