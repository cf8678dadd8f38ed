//! The console on a case (`casebook open CASE`): what the case loaded is loaded again, its marks
//! and the place the user was are restored, and every mark, tag, note and manual event is saved
//! as it is made (each file written atomically).

use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;

use super::explorer::{Explorer, Focus, Pivot};
use crate::case::{
    Case, CaseError, ConsoleState, Level, ManualEvent, Mark, Origin, PivotState, Provenance,
    SavedView,
};
use crate::event::EntityKind;
use crate::load::{self, LoadOptions};
use crate::time::{NANOS_PER_SEC, format_rfc3339, parse_timestamp};
use crate::timeline::pivot::Entity;
use crate::timeline::{EventRow, RecordRef};

pub struct CaseSession {
    pub case: Case,
    /// When the case's sources are gone, its marks' own records are loaded from here.
    evidence: Option<PathBuf>,
    /// The place last saved, so an unchanged place is not written again.
    saved_place: Option<ConsoleState>,
}

impl CaseSession {
    /// Opens a case (at a saved view, if named); the paths to load for it.
    pub fn open(
        dir: &std::path::Path,
        view: Option<&str>,
    ) -> Result<(CaseSession, Vec<PathBuf>), CaseError> {
        let mut case = Case::open(dir)?;
        if let Some(name) = view {
            let saved = case
                .views
                .saved
                .iter()
                .find(|v| v.name == name)
                .ok_or_else(|| {
                    let known: Vec<&str> =
                        case.views.saved.iter().map(|v| v.name.as_str()).collect();
                    CaseError::Invalid {
                        file: dir.join(crate::case::VIEWS_FILE),
                        line: 0,
                        message: format!("no view named '{name}' (saved: {})", known.join(", ")),
                    }
                })?;
            case.views.console = Some(ConsoleState {
                levels: saved.levels.clone(),
                selected: None,
            });
        }
        let mut paths: Vec<PathBuf> = case
            .meta
            .sources
            .iter()
            .map(PathBuf::from)
            .filter(|p| p.exists())
            .collect();
        let mut evidence = None;
        if paths.is_empty() && !case.marks.is_empty() {
            // The case stands alone: its marks carry their original records.
            let file = std::env::temp_dir()
                .join(format!("casebook-evidence-{}.jsonl", std::process::id()));
            let lines: String = case
                .marks
                .iter()
                .map(|m| format!("{}\n", m.event.get("raw").cloned().unwrap_or_default()))
                .collect();
            std::fs::write(&file, lines).map_err(|e| CaseError::Io(file.clone(), e))?;
            paths.push(file.clone());
            evidence = Some(file);
        }
        let saved_place = case.views.console.clone();
        Ok((
            CaseSession {
                case,
                evidence,
                saved_place,
            },
            paths,
        ))
    }

    /// For a case made live: the request its console pivots ask AWS with, and where their
    /// answers are kept (in the case, so it holds them and opens with them).
    pub fn live_session(&self) -> Option<(crate::live::LiveRequest, PathBuf)> {
        let live = self.case.meta.live.as_ref()?;
        let range = self.case.meta.range.as_ref();
        let at = |text: Option<&String>| text.and_then(|t| parse_timestamp(t));
        let window = (
            at(range.map(|r| &r.start)).unwrap_or(0),
            at(range.map(|r| &r.end)).unwrap_or(i64::MAX / 2),
        );
        let request = crate::live::LiveRequest {
            profiles: live.profiles.iter().cloned().map(Some).collect(),
            regions: if live.regions.is_empty() {
                crate::live::Regions::Profile
            } else {
                crate::live::Regions::Listed(live.regions.clone())
            },
            window,
            ..crate::live::LiveRequest::default()
        };
        Some((request, self.case.dir.join("evidence")))
    }

    /// A live pivot's answers: among the case's sources, and its calls in the provenance.
    pub fn pulled(
        &mut self,
        request: &crate::live::LiveRequest,
        coverage: &[crate::live::Entry],
        cached: bool,
        now: i64,
    ) -> Result<(), CaseError> {
        let spool = request.spool.display().to_string();
        if !self.case.meta.sources.contains(&spool) {
            self.case.meta.sources.push(spool);
        }
        if !cached {
            for entry in coverage {
                self.case.log(entry.provenance(request.window, now));
            }
        }
        self.case.save()
    }

    pub fn title(&self) -> &str {
        &self.case.meta.title
    }

    /// Once the timeline is loaded: the load logged, the marks shown as marked, the place
    /// restored.
    pub fn restore(&mut self, explorer: &mut Explorer, now: i64) -> Result<(), CaseError> {
        let loaded = explorer.loaded();
        let paths: Vec<String> = loaded
            .files
            .iter()
            .map(|f| f.path.display().to_string())
            .collect();
        let mut entry = Provenance::new(now, "load").with("files", paths.len().to_string());
        entry.backend = Some(
            if self.evidence.is_some() {
                "case marks"
            } else {
                "files"
            }
            .into(),
        );
        entry.results = Some(loaded.timeline.len());
        self.case.log(entry);
        self.restore_place(explorer);
        self.case.save()
    }

    fn restore_place(&mut self, explorer: &mut Explorer) {
        let records = self.records_by_origin(explorer);
        let marks: BTreeSet<RecordRef> = match &self.evidence {
            // Every event loaded is a mark.
            Some(_) => records.values().copied().collect(),
            None => self
                .case
                .marks
                .iter()
                .filter_map(|m| records.get(&m.origin).copied())
                .collect(),
        };
        explorer.set_marks(marks);
        let Some(place) = self.case.views.console.clone() else {
            return;
        };
        explorer.restore_levels(place.levels.iter().map(level_of).collect());
        if let Some(record) = place.selected.and_then(|o| records.get(&o).copied()) {
            explorer.select_record(record);
        }
    }

    /// The loaded record of the `index`-th mark, if it is loaded.
    pub fn record_of(&self, explorer: &Explorer, index: usize) -> Option<RecordRef> {
        let origin = &self.case.marks.get(index)?.origin;
        self.records_by_origin(explorer).get(origin).copied()
    }

    /// Where each loaded record came from.
    fn records_by_origin(&self, explorer: &Explorer) -> HashMap<Origin, RecordRef> {
        let loaded = explorer.loaded();
        let Ok(records) = loaded.timeline.record_refs() else {
            return HashMap::new();
        };
        records
            .into_iter()
            .filter_map(|record| Some((self.origin_of(explorer, record)?, record)))
            .collect()
    }

    fn origin_of(&self, explorer: &Explorer, record: RecordRef) -> Option<Origin> {
        if self.evidence.is_some() {
            // The evidence file holds the marks in order.
            return Some(self.case.marks.get(record.ordinal as usize)?.origin.clone());
        }
        let files = &explorer.loaded().files;
        ((record.file as usize) < files.len()).then(|| Origin::of(files, record))
    }

    /// Keeps a mark toggled in the console, with the event's original record.
    pub fn toggled(
        &mut self,
        explorer: &Explorer,
        row: &EventRow,
        marked: bool,
        now: i64,
    ) -> Result<(), CaseError> {
        let Some(origin) = self.origin_of(explorer, row.record) else {
            return Ok(());
        };
        if marked {
            let mark = self.mark_of(explorer, row, origin, now);
            self.case.mark(mark);
        } else {
            self.case.unmark(&origin);
        }
        self.case.save()
    }

    /// Tags and comments the selected event (marking it): `#tag #other free comment`.
    pub fn tag(
        &mut self,
        explorer: &Explorer,
        row: &EventRow,
        text: &str,
        now: i64,
    ) -> Result<(), CaseError> {
        let Some(origin) = self.origin_of(explorer, row.record) else {
            return Ok(());
        };
        let (tags, words): (Vec<&str>, Vec<&str>) =
            text.split_whitespace().partition(|w| w.starts_with('#'));
        let mut mark = self.mark_of(explorer, row, origin, now);
        mark.tags = tags
            .iter()
            .map(|t| t.trim_start_matches('#').to_owned())
            .filter(|t| !t.is_empty())
            .collect();
        mark.comment = words.join(" ");
        self.case.mark(mark);
        self.case.save()
    }

    fn mark_of(&self, explorer: &Explorer, row: &EventRow, origin: Origin, now: i64) -> Mark {
        let raw = match &self.evidence {
            Some(_) => self
                .case
                .marks
                .iter()
                .find(|m| m.origin == origin)
                .and_then(|m| m.event.get("raw").cloned()),
            None => load::original_records(
                &explorer.loaded().files,
                &[(row.record, row.time)],
                &LoadOptions::default(),
            )
            .remove(&row.record),
        };
        Mark::new(row, raw.unwrap_or_default(), origin, Vec::new(), now)
    }

    /// Adds a manual event from `TIME TEXT`: RFC 3339, or `HH:MM` on the day of `day_of`.
    pub fn add_event(&mut self, text: &str, day_of: Option<i64>, now: i64) -> Result<(), String> {
        let (time, rest) = text
            .trim()
            .split_once(char::is_whitespace)
            .ok_or("write the time, then what happened: 03:32 on-call paged")?;
        let at = clock_on_day(time, day_of)
            .or_else(|| crate::time::parse_user_time(time, now).map(|(at, _)| at))
            .ok_or_else(|| format!("'{time}' is not a time (03:32, or 2026-11-18T03:32:00Z)"))?;
        self.case.add_event(ManualEvent {
            time: format_rfc3339(at),
            text: rest.trim().to_owned(),
            author: None,
        });
        self.case
            .log(Provenance::new(now, "event").with("time", format_rfc3339(at)));
        self.case.save().map_err(|e| e.to_string())
    }

    /// Re-reads the notes after they were edited outside.
    pub fn reload_notes(&mut self, now: i64) -> Result<(), CaseError> {
        let path = self.case.dir.join(crate::case::NOTES_FILE);
        let notes = std::fs::read_to_string(&path).map_err(|e| CaseError::Io(path, e))?;
        if notes != self.case.notes {
            self.case.notes = notes;
            self.case.log(Provenance::new(now, "note"));
            self.case.save()?;
        }
        Ok(())
    }

    pub fn notes_path(&self) -> PathBuf {
        self.case.dir.join(crate::case::NOTES_FILE)
    }

    /// Keeps the place under a name (replacing a view of that name).
    pub fn save_view(&mut self, explorer: &Explorer, name: &str) -> Result<(), CaseError> {
        let name = name.trim().to_owned();
        let levels = explorer
            .levels()
            .iter()
            .filter_map(state_of_level)
            .collect();
        self.case.views.saved.retain(|v| v.name != name);
        self.case.views.saved.push(SavedView { name, levels });
        self.case.save()
    }

    /// Saves where the user is, when it changed.
    pub fn remember_place(&mut self, explorer: &Explorer) -> Result<(), CaseError> {
        let place = ConsoleState {
            levels: explorer
                .levels()
                .iter()
                .filter_map(state_of_level)
                .collect(),
            selected: explorer
                .selected_row()
                .and_then(|row| self.origin_of(explorer, row.record)),
        };
        if self.saved_place.as_ref() == Some(&place) {
            return Ok(());
        }
        self.case.views.console = Some(place.clone());
        self.case.save()?;
        self.saved_place = Some(place);
        Ok(())
    }
}

impl Drop for CaseSession {
    fn drop(&mut self) {
        if let Some(file) = &self.evidence {
            let _ = std::fs::remove_file(file);
        }
    }
}

/// `HH:MM[:SS]` on the UTC day of `day_of`.
fn clock_on_day(text: &str, day_of: Option<i64>) -> Option<i64> {
    let day = format_rfc3339(day_of?);
    let clock = match text.len() {
        5 => format!("{text}:00"),
        8 => text.to_owned(),
        _ => return None,
    };
    parse_timestamp(&format!("{}T{clock}Z", &day[..10]))
}

/// A level as the case keeps it; a query's hits (rows of one load) are not kept.
fn state_of_level((filter, pivot): &(String, Option<Pivot>)) -> Option<Level> {
    let pivot = match pivot {
        None => None,
        Some(pivot) => {
            let (kind, value) = match &pivot.focus {
                Focus::Entity(entity) => (entity.kind.as_str().to_owned(), entity.value.clone()),
                Focus::Context => ("context".to_owned(), String::new()),
                Focus::Hits { .. } => return None,
            };
            Some(PivotState {
                kind,
                value,
                around: format_rfc3339(pivot.around),
                half_window_seconds: pivot.half_window.map(|h| h / NANOS_PER_SEC),
            })
        }
    };
    Some(Level {
        filter: filter.clone(),
        pivot,
    })
}

fn level_of(level: &Level) -> (String, Option<Pivot>) {
    let pivot = level.pivot.as_ref().and_then(|state| {
        let focus = match state.kind.as_str() {
            "context" => Focus::Context,
            kind => Focus::Entity(Entity {
                kind: kind.parse::<EntityKind>().ok()?,
                value: state.value.clone(),
            }),
        };
        Some(Pivot {
            focus,
            around: parse_timestamp(&state.around)?,
            half_window: state.half_window_seconds.map(|s| s * NANOS_PER_SEC),
        })
    });
    (level.filter.clone(), pivot)
}
