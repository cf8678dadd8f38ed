//! Loading paths into a timeline: discover files, read and parse them in parallel, report what
//! was skipped per file, and re-read original records on demand.

use std::collections::{HashMap, HashSet};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};

use polars::prelude::IdxSize;
use rayon::prelude::*;
use serde_json::Value;

use crate::event::{EventRecord, EventSink, Location, Raw, Source};
use crate::sources::{self, Container, files};
use crate::timeline::{Batch, RecordRef, SkipLog, Timeline};

#[derive(Debug, Clone)]
pub struct LoadOptions {
    /// Largest decompressed size accepted for one gzip file.
    pub max_inflated: u64,
}

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions {
            max_inflated: files::DEFAULT_MAX_INFLATED,
        }
    }
}

/// What happened to one input file.
#[derive(Debug, Clone)]
pub struct FileReport {
    pub path: PathBuf,
    /// How the content was laid out, when it was recognised.
    pub container: Option<Container>,
    pub events: usize,
    pub by_source: [usize; Source::ALL.len()],
    pub skipped: SkipLog,
    /// Why the whole file (or its remainder) could not be read.
    pub error: Option<String>,
}

/// A loaded timeline with the files it came from and everything that was skipped.
pub struct Loaded {
    pub timeline: Timeline,
    /// Every file considered, in load order; a row's `RecordRef::file` indexes this list.
    pub files: Vec<FileReport>,
    /// Paths given that do not exist or cannot be listed.
    pub missing: Vec<(PathBuf, std::io::Error)>,
    /// Events dropped because they were loaded twice (their original records are equal).
    pub duplicates: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("could not build the timeline: {0}")]
    Timeline(#[from] polars::prelude::PolarsError),
    #[error("loading was cancelled")]
    Cancelled,
}

/// How far a load has got, shared with whoever shows it; also where it is cancelled.
#[derive(Debug, Default)]
pub struct Progress {
    pub files_total: AtomicUsize,
    pub files_done: AtomicUsize,
    pub events: AtomicUsize,
    /// Bytes of file content parsed (after decompression).
    pub bytes: AtomicU64,
    cancelled: AtomicBool,
}

impl Progress {
    pub fn cancel(&self) {
        self.cancelled.store(true, Ordering::Relaxed);
    }

    pub fn is_cancelled(&self) -> bool {
        self.cancelled.load(Ordering::Relaxed)
    }
}

pub fn load(paths: &[PathBuf], options: &LoadOptions) -> Result<Loaded, LoadError> {
    load_with_progress(paths, options, &Progress::default())
}

/// Like [`load`], reporting into `progress` as files finish; stops early when it is cancelled.
pub fn load_with_progress(
    paths: &[PathBuf],
    options: &LoadOptions,
    progress: &Progress,
) -> Result<Loaded, LoadError> {
    let (found, missing) = files::discover(paths);
    progress.files_total.store(found.len(), Ordering::Relaxed);
    // Each worker fills one batch (few large columns), claiming runs of consecutive files (the
    // time order of a trail's files carries over to the columns) that shrink towards the end,
    // so the workers finish together.
    let claimed = AtomicUsize::new(0);
    let workers = rayon::current_num_threads();
    let parts: Vec<(Batch, Vec<(usize, FileReport)>)> = rayon::broadcast(|_| {
        let mut batch = Batch::default();
        let mut reports = Vec::new();
        while let Some(run) = claim_run(&claimed, found.len(), workers) {
            for index in run.take_while(|_| !progress.is_cancelled()) {
                let report = load_file(&mut batch, index as u32, &found[index], options, progress);
                progress.files_done.fetch_add(1, Ordering::Relaxed);
                progress.events.fetch_add(report.events, Ordering::Relaxed);
                reports.push((index, report));
            }
        }
        (batch, reports)
    });
    if progress.is_cancelled() {
        return Err(LoadError::Cancelled);
    }
    let mut batches = Vec::with_capacity(parts.len());
    let mut reports = Vec::new();
    for (batch, part) in parts {
        batches.push(batch);
        reports.extend(part);
    }
    reports.sort_by_key(|(index, _)| *index);
    let reports: Vec<FileReport> = reports.into_iter().map(|(_, report)| report).collect();
    let timeline = Timeline::from_batches(batches)?;
    let (timeline, duplicates) = drop_duplicates(timeline, &reports, options)?;
    Ok(Loaded {
        timeline,
        files: reports,
        missing,
        duplicates,
    })
}

impl Loaded {
    /// Adds what a later load found (AWS's answers to a live pivot, say): its files after these,
    /// its events merged in time order, and any event already here dropped as a duplicate.
    /// Record references into this load stay valid.
    pub fn absorb(&self, later: Loaded, options: &LoadOptions) -> Result<Loaded, LoadError> {
        let offset = self.files.len() as u32;
        let timeline = self.timeline.clone().merged(later.timeline, offset)?;
        let mut files = self.files.clone();
        files.extend(later.files);
        // What was missing is reported once, when it was asked for.
        let missing = later.missing;
        let (timeline, duplicates) = drop_duplicates(timeline, &files, options)?;
        Ok(Loaded {
            timeline,
            files,
            missing,
            duplicates: self.duplicates + later.duplicates + duplicates,
        })
    }
}

/// Drops events that were loaded twice (the same file in two places, a repeated line): rows the
/// timeline nominates are compared by their original records, so distinct events that happen to
/// share an id and a summary are kept.
fn drop_duplicates(
    timeline: Timeline,
    reports: &[FileReport],
    options: &LoadOptions,
) -> Result<(Timeline, usize), LoadError> {
    let groups = timeline.duplicate_candidates()?;
    if groups.is_empty() {
        return Ok((timeline, 0));
    }
    let times = timeline.times()?;
    let refs = groups
        .iter()
        .flatten()
        .map(|row| {
            Ok((
                timeline.record_ref(*row)?,
                times.get(*row).unwrap_or_default(),
            ))
        })
        .collect::<Result<Vec<_>, LoadError>>()?;
    let originals = original_records(reports, &refs, options);
    let mut duplicates = HashSet::new();
    for group in groups {
        let mut distinct: Vec<&Value> = Vec::new();
        for row in group {
            let Some(original) = originals.get(&timeline.record_ref(row)?) else {
                continue;
            };
            if distinct.contains(&original) {
                duplicates.insert(row);
            } else {
                distinct.push(original);
            }
        }
    }
    let count = duplicates.len();
    Ok((timeline.without_rows(&duplicates)?, count))
}

/// The next run of files for a worker: a share of those left, at least one.
fn claim_run(claimed: &AtomicUsize, files: usize, workers: usize) -> Option<Range<usize>> {
    let mut start = claimed.load(Ordering::Relaxed);
    loop {
        let left = files.checked_sub(start).filter(|left| *left > 0)?;
        let end = start + (left / (2 * workers.max(1))).max(1);
        match claimed.compare_exchange_weak(start, end, Ordering::Relaxed, Ordering::Relaxed) {
            Ok(_) => return Some(start..end),
            Err(now) => start = now,
        }
    }
}

fn load_file(
    batch: &mut Batch,
    index: u32,
    path: &Path,
    options: &LoadOptions,
    progress: &Progress,
) -> FileReport {
    batch.start_file(index);
    let (container, error) = match files::read(path, options.max_inflated) {
        Ok(mut content) => {
            progress
                .bytes
                .fetch_add(content.bytes.len() as u64, Ordering::Relaxed);
            let parsed = sources::parse_bytes(&content.bytes, batch);
            let damage = content.damage.take();
            files::recycle(content);
            match (parsed, damage) {
                (Ok(container), damage) => (Some(container), damage),
                (Err(error), Some(damage)) => (None, Some(format!("{damage}; {error}"))),
                (Err(error), None) => (None, Some(error.to_string())),
            }
        }
        Err(error) => (None, Some(error.to_string())),
    };
    let counts = batch.finish_file();
    FileReport {
        path: path.to_path_buf(),
        container,
        events: counts.events,
        by_source: counts.by_source,
        skipped: counts.skipped,
        error,
    }
}

/// A loaded timeline's original records, re-read from its files for query conditions.
pub struct LoadedOriginals<'a> {
    pub timeline: &'a Timeline,
    /// The files the timeline was loaded from, as [`Loaded::files`].
    pub files: &'a [FileReport],
    pub options: &'a LoadOptions,
}

impl<'a> LoadedOriginals<'a> {
    pub fn of(loaded: &'a Loaded, options: &'a LoadOptions) -> Self {
        LoadedOriginals {
            timeline: &loaded.timeline,
            files: &loaded.files,
            options,
        }
    }
}

impl crate::query::run::Originals for LoadedOriginals<'_> {
    fn originals(&self, rows: &[IdxSize]) -> HashMap<IdxSize, Value> {
        let Ok(times) = self.timeline.times() else {
            return HashMap::new();
        };
        let wanted: HashMap<RecordRef, IdxSize> = rows
            .iter()
            .filter_map(|&row| Some((self.timeline.record_ref(row as usize).ok()?, row)))
            .collect();
        let refs: Vec<(RecordRef, i64)> = wanted
            .iter()
            .map(|(record, row)| (*record, times.get(*row as usize).unwrap_or_default()))
            .collect();
        original_records(self.files, &refs, self.options)
            .into_iter()
            .filter_map(|(record, value)| Some((*wanted.get(&record)?, value)))
            .collect()
    }
}

/// Re-reads the original records of the given rows (where they are, and the event time they
/// had), grouped by file so each file is parsed once. A record is only returned when the event at
/// that place still has that time: a file changed since the load yields nothing rather than the
/// wrong record. Rows whose file can no longer be read are missing from the result too.
pub fn original_records(
    reports: &[FileReport],
    records: &[(RecordRef, i64)],
    options: &LoadOptions,
) -> HashMap<RecordRef, Value> {
    let mut by_file: HashMap<u32, HashMap<u32, i64>> = HashMap::new();
    for (record, time) in records {
        by_file
            .entry(record.file)
            .or_default()
            .insert(record.ordinal, *time);
    }
    by_file
        .into_par_iter()
        .flat_map_iter(|(file, wanted)| {
            let found = reports
                .get(file as usize)
                .map(|report| capture(&report.path, &wanted, options))
                .unwrap_or_default();
            found
                .into_iter()
                .map(move |(ordinal, value)| (RecordRef { file, ordinal }, value))
        })
        .collect()
}

fn capture(path: &Path, wanted: &HashMap<u32, i64>, options: &LoadOptions) -> HashMap<u32, Value> {
    let Ok(content) = files::read(path, options.max_inflated) else {
        return HashMap::new();
    };
    let mut sink = Capture {
        wanted,
        next: 0,
        found: HashMap::new(),
    };
    // Errors were reported at load time; what parses now is what loaded then.
    let _ = sources::parse_bytes(&content.bytes, &mut sink);
    files::recycle(content);
    sink.found
}

/// Collects the original records at given ordinals, counting events exactly as [`Batch`] does.
struct Capture<'w> {
    /// Ordinal → the event time the row has.
    wanted: &'w HashMap<u32, i64>,
    next: u32,
    found: HashMap<u32, Value>,
}

impl EventSink for Capture<'_> {
    fn wants_raw(&self) -> bool {
        true
    }
    fn event(&mut self, record: &EventRecord<'_>, raw: Option<Raw<'_>>) {
        let same_event = self.wanted.get(&self.next) == Some(&record.time);
        if let Some(raw) = raw.filter(|_| same_event) {
            self.found.insert(self.next, raw.to_json());
        }
        self.next += 1;
    }
    fn skip(&mut self, _location: &Location, _reason: String) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_of_files_cover_each_file_once_and_shrink() {
        for (files, workers) in [(600, 2), (7, 2), (1, 4), (0, 2), (5, 1)] {
            let claimed = AtomicUsize::new(0);
            let runs: Vec<Range<usize>> =
                std::iter::from_fn(|| claim_run(&claimed, files, workers)).collect();
            let covered: Vec<usize> = runs.iter().cloned().flatten().collect();
            assert_eq!(covered, (0..files).collect::<Vec<_>>());
            assert!(runs.windows(2).all(|w| w[0].len() >= w[1].len()));
        }
        let claimed = AtomicUsize::new(0);
        let first = claim_run(&claimed, 600, 2).unwrap();
        assert_eq!(first, 0..150);
    }

    #[test]
    fn progress_counts_files_and_events_and_cancel_stops_the_load() {
        let dir = tempfile::tempdir().unwrap();
        crate::synth::write_cloudtrail(dir.path(), 2_000, 500, 1).unwrap();
        let paths = vec![dir.path().to_path_buf()];
        let progress = Progress::default();
        let loaded = load_with_progress(&paths, &LoadOptions::default(), &progress).unwrap();
        assert_eq!(loaded.timeline.len(), 2_000);
        assert_eq!(progress.files_total.load(Ordering::Relaxed), 4);
        assert_eq!(progress.files_done.load(Ordering::Relaxed), 4);
        assert_eq!(progress.events.load(Ordering::Relaxed), 2_000);
        assert!(progress.bytes.load(Ordering::Relaxed) > 1_000_000);

        let cancelled = Progress::default();
        cancelled.cancel();
        let result = load_with_progress(&paths, &LoadOptions::default(), &cancelled);
        assert!(matches!(result, Err(LoadError::Cancelled)));
        assert_eq!(cancelled.files_done.load(Ordering::Relaxed), 0);
    }

    #[test]
    fn a_later_load_merges_in_time_order_without_what_was_already_loaded() {
        let record = |id: &str, time: &str| {
            format!(
                r#"{{"eventVersion":"1.09","eventTime":"{time}","eventSource":"s3.amazonaws.com","eventName":"GetObject","awsRegion":"eu-west-1","eventID":"{id}","userIdentity":{{"type":"IAMUser","arn":"arn:aws:iam::1:user/a"}}}}"#
            )
        };
        let dir = tempfile::tempdir().unwrap();
        let first = dir.path().join("first.json");
        let later = dir.path().join("later.json");
        std::fs::write(
            &first,
            format!(
                r#"{{"Records":[{},{}]}}"#,
                record("a", "2026-11-18T03:00:00Z"),
                record("c", "2026-11-18T05:00:00Z")
            ),
        )
        .unwrap();
        std::fs::write(
            &later,
            format!(
                r#"{{"Records":[{},{}]}}"#,
                record("b", "2026-11-18T04:00:00Z"),
                record("c", "2026-11-18T05:00:00Z")
            ),
        )
        .unwrap();
        let options = LoadOptions::default();
        let loaded = load(&[first], &options).unwrap();
        let marked = loaded.timeline.record_ref(1).unwrap();
        let merged = loaded
            .absorb(load(&[later], &options).unwrap(), &options)
            .unwrap();
        assert_eq!(merged.timeline.len(), 3, "the repeated event is dropped");
        assert_eq!(merged.duplicates, 1);
        assert_eq!(merged.files.len(), 2);
        let ids: Vec<_> = merged
            .timeline
            .rows()
            .unwrap()
            .into_iter()
            .map(|row| {
                row.get(crate::timeline::filter::Column::Id)
                    .map(str::to_owned)
            })
            .collect();
        assert_eq!(ids, [Some("a".into()), Some("b".into()), Some("c".into())]);
        assert_eq!(
            merged.timeline.record_ref(2).unwrap(),
            marked,
            "references stay valid"
        );
        assert_eq!(merged.timeline.record_ref(1).unwrap().file, 1);
    }
}
