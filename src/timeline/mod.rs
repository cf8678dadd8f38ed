//! The timeline: every loaded event in one polars frame, in time order, one column per field.
//!
//! Events arrive per file as [`Batch`]es (built in parallel, strings copied straight into Arrow
//! buffers), and [`Timeline::from_batches`] merges, sorts and deduplicates them. The original
//! records are not in the frame: each row keeps its file and ordinal so they can be re-read.

mod batch;
pub mod card;
pub mod filter;
mod order;
pub mod pivot;

pub use batch::{Batch, FileCounts};

use std::collections::{HashMap, HashSet};
use std::hash::BuildHasher;

use polars::prelude::*;
use polars_arrow::array::{Array as _, BooleanArray, Utf8ViewArray, View};
use polars_arrow::bitmap::MutableBitmap;
use rayon::prelude::*;

use crate::event::{EventRecord, Location};
use filter::{Column as Col, Filter};

/// Hidden columns: where a row's original record lives, and its deduplication fingerprint.
const FILE: &str = "file";
const ORDINAL: &str = "ordinal";
const FINGERPRINT: &str = "fingerprint";

/// The string columns, in frame order (after `time`).
const STRING_COLUMNS: [Col; 16] = [
    Col::Source,
    Col::Class,
    Col::Action,
    Col::Outcome,
    Col::ErrorCode,
    Col::Actor,
    Col::Role,
    Col::AccessKey,
    Col::Account,
    Col::Region,
    Col::SrcIp,
    Col::DstIp,
    Col::UserAgent,
    Col::Resources,
    Col::Summary,
    Col::Id,
];

/// Resources are stored in one string column, separated by this (never part of an id or ARN).
pub const RESOURCE_SEPARATOR: char = '\n';

/// Skipped records of one file: counts per reason, with the first few locations of each.
#[derive(Debug, Clone, Default)]
pub struct SkipLog {
    pub total: usize,
    pub reasons: Vec<SkipReason>,
}

#[derive(Debug, Clone)]
pub struct SkipReason {
    pub reason: String,
    pub count: usize,
    pub locations: Vec<String>,
}

impl SkipLog {
    const MAX_REASONS: usize = 20;
    const MAX_LOCATIONS: usize = 5;

    pub fn add(&mut self, location: &Location, reason: String) {
        self.total += 1;
        if let Some(entry) = self.reasons.iter_mut().find(|r| r.reason == reason) {
            entry.count += 1;
            if entry.locations.len() < Self::MAX_LOCATIONS {
                entry.locations.push(location.to_string());
            }
        } else if self.reasons.len() < Self::MAX_REASONS {
            self.reasons.push(SkipReason {
                reason,
                count: 1,
                locations: vec![location.to_string()],
            });
        }
    }
}

/// Nominates an event for deduplication. The original records decide (see
/// [`Timeline::duplicate_candidates`]), so this only has to be cheap and rarely shared by
/// distinct events: the source's id, when and what.
fn fingerprint(record: &EventRecord) -> u64 {
    foldhash::fast::FixedState::default().hash_one((
        record.source,
        &record.id,
        record.time,
        &record.action,
    ))
}

/// Where a row's original record is: the file's index in the load and the event's ordinal in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RecordRef {
    pub file: u32,
    pub ordinal: u32,
}

/// One row, owned, for output.
#[derive(Debug, Clone, PartialEq)]
pub struct EventRow {
    pub time: i64,
    /// Text columns in [`STRING_COLUMNS`] order; use [`EventRow::get`].
    values: Vec<Option<String>>,
    pub severity: Option<f32>,
    pub bytes: Option<u64>,
    pub record: RecordRef,
}

impl EventRow {
    /// The event as the jsonl export writes it (a stable contract): the columns, the severity
    /// label, and its original record with every secret redacted.
    pub fn to_json(&self, mut raw: serde_json::Value) -> serde_json::Value {
        use serde_json::{Map, Value, json};
        crate::sanitize::redact_secrets(&mut raw);
        let mut object = Map::new();
        object.insert("time".into(), json!(crate::time::format_rfc3339(self.time)));
        for column in Col::TEXT.iter().chain([&Col::Class]) {
            if *column == Col::Resources {
                continue;
            }
            object.insert(column.name().into(), json!(self.get(*column)));
        }
        object.insert("severity".into(), json!(self.severity));
        object.insert("bytes".into(), json!(self.bytes));
        object.insert(
            "severity_label".into(),
            json!(self.severity.map(crate::event::severity::label)),
        );
        object.insert(
            "resources".into(),
            json!(self.resources().collect::<Vec<_>>()),
        );
        object.insert("raw".into(), raw);
        Value::Object(object)
    }

    pub fn get(&self, column: Col) -> Option<&str> {
        let index = STRING_COLUMNS.iter().position(|c| *c == column)?;
        self.values[index].as_deref()
    }

    pub fn resources(&self) -> impl Iterator<Item = &str> {
        self.get(Col::Resources)
            .into_iter()
            .flat_map(|r| r.split(RESOURCE_SEPARATOR))
    }
}

/// The loaded events, sorted by time.
#[derive(Clone)]
pub struct Timeline {
    frame: DataFrame,
}

impl Timeline {
    /// Merges batches into one time-ordered timeline. Batches may hold any files: their chunks
    /// are stacked in file order, which the time order keeps among events of the same time.
    pub fn from_batches(batches: Vec<Batch>) -> PolarsResult<Timeline> {
        let mut frames = Vec::new();
        for batch in batches {
            frames.extend(batch.into_frames()?);
        }
        // Stable: the chunks of one file that spans several keep their order.
        frames.sort_by_key(|(first_file, _)| *first_file);
        let mut frames: Vec<DataFrame> = frames.into_iter().map(|(_, frame)| frame).collect();
        if frames.is_empty() {
            frames.push(Batch::empty_frame()?);
        }
        Ok(Timeline {
            frame: order::stacked_in_time_order(frames)?,
        })
    }

    /// This timeline and another loaded after it, in one time order; the other's file indexes
    /// move past this one's `files` so record references of both stay valid.
    pub fn merged(self, other: Timeline, files: u32) -> PolarsResult<Timeline> {
        let mut other = other.frame;
        let moved = other.column(FILE)?.u32()?.apply_values(|file| file + files);
        other.replace(FILE, moved.into_column())?;
        Ok(Timeline {
            frame: order::stacked_in_time_order(vec![self.frame, other])?,
        })
    }

    /// Groups of rows (in time order, two or more each) that may be the same event: the same
    /// source id, time and action. Whether they are is for the caller to decide from the
    /// originals, since some sources reuse ids for distinct events.
    pub fn duplicate_candidates(&self) -> PolarsResult<Vec<Vec<usize>>> {
        let fingerprints = self.frame.column(FINGERPRINT)?;
        // No row has an id (flow logs, an empty load): reading the column as numbers would
        // expand it, and zero polars' shared 8 MiB buffer first.
        if fingerprints.null_count() == fingerprints.len() {
            return Ok(Vec::new());
        }
        let fingerprints = fingerprints.u64()?;
        // Repeats are rare: find the repeated fingerprints first, then only their rows.
        let mut sorted: Vec<u64> = Vec::with_capacity(fingerprints.len());
        for array in fingerprints.downcast_iter() {
            if array.null_count() > 0 {
                sorted.extend(array.iter().flatten());
            } else {
                sorted.extend_from_slice(array.values());
            }
        }
        sorted.par_sort_unstable();
        let repeated: HashSet<u64> = sorted
            .windows(2)
            .filter(|pair| pair[0] == pair[1])
            .map(|pair| pair[0])
            .collect();
        if repeated.is_empty() {
            return Ok(Vec::new());
        }
        let mut rows_of: HashMap<u64, Vec<usize>> = HashMap::new();
        for (row, fingerprint) in fingerprints.iter().enumerate() {
            if let Some(fingerprint) = fingerprint.filter(|f| repeated.contains(f)) {
                rows_of.entry(fingerprint).or_default().push(row);
            }
        }
        let mut groups: Vec<Vec<usize>> = rows_of.into_values().collect();
        groups.sort_unstable();
        Ok(groups)
    }

    /// The timeline without the given rows.
    pub fn without_rows(&self, rows: &HashSet<usize>) -> PolarsResult<Timeline> {
        let keep: BooleanChunked = (0..self.len()).map(|row| !rows.contains(&row)).collect();
        Ok(Timeline {
            frame: self.frame.filter(&keep)?,
        })
    }

    /// Where the original record of a row is.
    pub fn record_ref(&self, row: usize) -> PolarsResult<RecordRef> {
        let file = self.frame.column(FILE)?.u32()?.get(row);
        let ordinal = self.frame.column(ORDINAL)?.u32()?.get(row);
        Ok(RecordRef {
            file: file.unwrap_or_default(),
            ordinal: ordinal.unwrap_or_default(),
        })
    }

    /// Where the original record of every row is, in row order.
    pub fn record_refs(&self) -> PolarsResult<Vec<RecordRef>> {
        let files = self.frame.column(FILE)?.u32()?;
        let ordinals = self.frame.column(ORDINAL)?.u32()?;
        Ok(files
            .iter()
            .zip(ordinals.iter())
            .map(|(file, ordinal)| RecordRef {
                file: file.unwrap_or_default(),
                ordinal: ordinal.unwrap_or_default(),
            })
            .collect())
    }

    pub fn len(&self) -> usize {
        self.frame.height()
    }

    pub fn is_empty(&self) -> bool {
        self.frame.height() == 0
    }

    pub fn frame(&self) -> &DataFrame {
        &self.frame
    }

    /// The events the filter keeps, still in time order.
    pub fn filter(&self, filter: &Filter) -> PolarsResult<Timeline> {
        if matches!(filter, Filter::All) {
            return Ok(self.clone());
        }
        let mask = self.mask(filter)?;
        Ok(Timeline {
            frame: self.frame.filter(&mask)?,
        })
    }

    /// The rows a filter keeps, as positions in this timeline, in order.
    pub fn matching_rows(&self, filter: &Filter) -> PolarsResult<Vec<IdxSize>> {
        if matches!(filter, Filter::All) {
            return Ok((0..self.len() as IdxSize).collect());
        }
        let mask = self.mask(filter)?;
        Ok(mask
            .iter()
            .enumerate()
            .filter(|(_, keep)| *keep == Some(true))
            .map(|(row, _)| row as IdxSize)
            .collect())
    }

    /// The given rows, in the given order.
    pub fn take(&self, rows: &[IdxSize]) -> PolarsResult<Timeline> {
        let rows = IdxCa::from_slice("rows".into(), rows);
        Ok(Timeline {
            frame: self.frame.take(&rows)?,
        })
    }

    /// The first `n` events.
    pub fn head(&self, n: usize) -> Timeline {
        self.slice(0, n)
    }

    /// Up to `length` events from `offset` on.
    pub fn slice(&self, offset: usize, length: usize) -> Timeline {
        Timeline {
            frame: self.frame.slice(offset as i64, length),
        }
    }

    pub fn times(&self) -> PolarsResult<&Int64Chunked> {
        self.frame.column(Col::Time.name())?.i64()
    }

    pub fn bytes(&self) -> PolarsResult<&UInt64Chunked> {
        self.frame.column(Col::Bytes.name())?.u64()
    }

    pub fn strings(&self, column: Col) -> PolarsResult<&StringChunked> {
        self.frame.column(column.name())?.str()
    }

    /// First and last event time.
    pub fn span(&self) -> Option<(i64, i64)> {
        // polars' first() unwraps on a column without chunks, which taking no rows can leave.
        if self.is_empty() {
            return None;
        }
        let times = self.times().ok()?;
        Some((times.first()?, times.last()?))
    }

    /// All rows, owned, in order.
    pub fn rows(&self) -> PolarsResult<Vec<EventRow>> {
        let times = self.times()?;
        let strings: Vec<TextCells> = STRING_COLUMNS
            .iter()
            .map(|c| self.text_cells(*c))
            .collect::<PolarsResult<_>>()?;
        let severity = self.frame.column(Col::Severity.name())?;
        let bytes = self.frame.column(Col::Bytes.name())?;
        let files = self.frame.column(FILE)?.u32()?;
        let ordinals = self.frame.column(ORDINAL)?.u32()?;
        Ok((0..self.len())
            .map(|i| EventRow {
                time: times.get(i).unwrap_or_default(),
                values: strings
                    .iter()
                    .map(|c| c.get(i).map(str::to_owned))
                    .collect(),
                severity: cell_at(severity, i).extract(),
                bytes: cell_at(bytes, i).extract(),
                record: RecordRef {
                    file: files.get(i).unwrap_or_default(),
                    ordinal: ordinals.get(i).unwrap_or_default(),
                },
            })
            .collect())
    }

    /// A text column's cells, a scalar column's read without expanding it.
    fn text_cells(&self, column: Col) -> PolarsResult<TextCells<'_>> {
        Ok(match self.frame.column(column.name())? {
            Column::Scalar(repeated) => TextCells::Same(repeated.scalar().value().get_str()),
            Column::Series(_) => TextCells::Each(self.strings(column)?),
        })
    }

    /// The rows a filter matches, as a boolean mask over the frame.
    pub fn mask(&self, filter: &Filter) -> PolarsResult<BooleanChunked> {
        let height = self.len();
        Ok(match filter {
            Filter::All => constant_mask(true, height),
            Filter::And(terms) => {
                let mut mask = constant_mask(true, height);
                for term in terms {
                    mask = both(&mask, &self.mask(term)?);
                }
                mask
            }
            Filter::Or(branches) => {
                let mut mask = constant_mask(false, height);
                for branch in branches {
                    mask = &mask | &self.mask(branch)?;
                }
                mask
            }
            Filter::Not(inner) => !&self.mask(inner)?,
            Filter::Time { start, end } => self
                .times()?
                .iter()
                .map(|t| t.is_some_and(|t| *start <= t && t < *end))
                .collect(),
            Filter::Severity { low, high } => self
                .frame
                .column(Col::Severity.name())?
                .f32()?
                .iter()
                .map(|s| s.is_some_and(|s| *low <= s && s < *high))
                .collect(),
            Filter::Bytes { low, high } => self
                .frame
                .column(Col::Bytes.name())?
                .u64()?
                .iter()
                .map(|b| b.is_some_and(|b| *low <= b && b < *high))
                .collect(),
            Filter::Rows(rows) => {
                let mut mask = vec![false; height];
                for row in rows.iter() {
                    if let Some(slot) = mask.get_mut(*row as usize) {
                        *slot = true;
                    }
                }
                BooleanChunked::from_slice("mask".into(), &mask)
            }
            Filter::Match { columns, matcher } => {
                let mut mask = constant_mask(false, height);
                for column in columns.iter() {
                    let matched = match self.text_cells(*column)? {
                        // One value on every row: matched once.
                        TextCells::Same(value) => {
                            let accepted = value.is_some_and(|v| accepts(*column, matcher, v));
                            constant_mask(accepted, height)
                        }
                        TextCells::Each(values) => match_column(values, *column, matcher),
                    };
                    mask = &mask | &matched;
                }
                mask
            }
        })
    }
}

/// The cells of a text column: one value on every row, or each row's own.
enum TextCells<'a> {
    Same(Option<&'a str>),
    Each(&'a StringChunked),
}

impl TextCells<'_> {
    fn get(&self, row: usize) -> Option<&str> {
        match self {
            TextCells::Same(value) => *value,
            TextCells::Each(values) => values.get(row),
        }
    }
}

/// A cell, a scalar column's read without expanding it (expanding a null one would zero polars'
/// shared 8 MiB buffer first).
fn cell_at(column: &Column, row: usize) -> AnyValue<'_> {
    match column {
        Column::Scalar(repeated) => repeated.scalar().value().clone(),
        Column::Series(values) => values.get(row).unwrap_or(AnyValue::Null),
    }
}

/// The rows both masks keep. Polars' own `&` gives an all-false result a shared zeroed buffer,
/// which it allocates and zeroes (8 MiB, on one thread) the first time: most filters of a load
/// match nothing in some term.
fn both(left: &BooleanChunked, right: &BooleanChunked) -> BooleanChunked {
    let all = |mask: &BooleanChunked| mask.sum().unwrap_or_default() as usize == mask.len();
    if all(left) {
        right.clone()
    } else if all(right) {
        left.clone()
    } else if left.any() && right.any() {
        left & right
    } else {
        constant_mask(false, left.len())
    }
}

/// A mask of one value. (Polars' `full` of `false` would first zero a shared 8 MiB buffer, a
/// cost each process pays on its first query.)
fn constant_mask(value: bool, height: usize) -> BooleanChunked {
    let bits = if value {
        MutableBitmap::from_len_set(height)
    } else {
        MutableBitmap::from_len_zeroed(height)
    };
    BooleanChunked::with_chunk(
        "mask".into(),
        BooleanArray::from_data_default(bits.into(), None),
    )
}

/// Which rows of a text column a matcher accepts (nulls never match). The chunks are split among
/// the worker threads, and each worker remembers the answer per value (see [`ViewMemo`]): a
/// repeated value (the same principal or action on thousands of rows) is matched once.
fn match_column(values: &StringChunked, column: Col, matcher: &filter::Matcher) -> BooleanChunked {
    let arrays: Vec<&Utf8ViewArray> = values.downcast_iter().collect();
    let threads = rayon::current_num_threads().max(1);
    let parts: Vec<Vec<bool>> = arrays
        .par_chunks(arrays.len().div_ceil(threads).max(1))
        .map(|arrays| {
            let mut memo = ViewMemo::default();
            let mut bits = Vec::with_capacity(arrays.iter().map(|a| a.len()).sum());
            for array in arrays {
                let (views, buffers) = (array.views(), array.data_buffers());
                bits.extend((0..array.len()).map(|row| {
                    array.is_valid(row)
                        && memo.get_or_insert(ViewMemo::key(&views[row], buffers), || {
                            accepts(column, matcher, array.value(row))
                        })
                }));
            }
            bits
        })
        .collect();
    let bits: Vec<bool> = parts.into_iter().flatten().collect();
    BooleanChunked::from_slice("mask".into(), &bits)
}

/// Whether a matcher accepts a value of a column. A resource filter matches any one of a row's
/// resources; a substring search the whole list.
fn accepts(column: Col, matcher: &filter::Matcher, value: &str) -> bool {
    if column == Col::Resources && !matches!(matcher, filter::Matcher::Contains(_)) {
        value.split(RESOURCE_SEPARATOR).any(|r| matcher.matches(r))
    } else {
        matcher.matches(value)
    }
}

/// A small direct-mapped cache from string values to a match result, keyed without reading the
/// string: a short value by its view (the bytes live inside it), a longer one by the address and
/// length of its bytes, which every row sharing them shares, in whichever chunk.
struct ViewMemo {
    slots: Vec<(u128, bool)>,
}

impl ViewMemo {
    /// Enough for the distinct values of a large load's chunks (each chunk stores its repeated
    /// values once, so one value has a view per chunk).
    const SLOTS: usize = 16384;
    /// No view is all ones: its length would exceed any buffer.
    const EMPTY: u128 = u128::MAX;

    fn key(view: &View, buffers: &[polars_buffer::Buffer<u8>]) -> u128 {
        if view.length <= View::MAX_INLINE_SIZE {
            return view.as_u128();
        }
        let address = buffers[view.buffer_idx as usize].as_ptr() as usize + view.offset as usize;
        // Above any inline view, whose length is at most 12.
        ((address as u128) << 32) | u128::from(view.length)
    }

    fn get_or_insert(&mut self, view: u128, compute: impl FnOnce() -> bool) -> bool {
        let hash = ((view as u64) ^ ((view >> 64) as u64)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        let slot = &mut self.slots[(hash >> 50) as usize % Self::SLOTS];
        if slot.0 == view {
            return slot.1;
        }
        let result = compute();
        *slot = (view, result);
        result
    }
}

impl Default for ViewMemo {
    fn default() -> Self {
        ViewMemo {
            slots: vec![(Self::EMPTY, false); Self::SLOTS],
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::batch::CHUNK_ROWS;
    use super::*;
    use crate::event::{EventClass, EventSink, Outcome, Source};
    use crate::time::parse_timestamp;
    use std::borrow::Cow;

    #[test]
    fn both_masks_keep_the_rows_each_keeps() {
        let mask = |bits: &[bool]| BooleanChunked::from_slice("mask".into(), bits);
        let bits = |mask: BooleanChunked| mask.iter().map(Option::unwrap).collect::<Vec<_>>();
        let some = mask(&[true, false, true, false]);
        let other = mask(&[true, true, false, false]);
        assert_eq!(bits(both(&some, &other)), [true, false, false, false]);
        assert_eq!(
            bits(both(&constant_mask(true, 4), &some)),
            bits(some.clone())
        );
        assert_eq!(
            bits(both(&some, &constant_mask(true, 4))),
            bits(some.clone())
        );
        assert_eq!(bits(both(&some, &constant_mask(false, 4))), [false; 4]);
        assert_eq!(bits(both(&mask(&[false; 4]), &other)), [false; 4]);
    }

    pub fn event(
        time: &str,
        action: &'static str,
        actor: &'static str,
        ip: &'static str,
    ) -> EventRecord<'static> {
        let mut record = EventRecord::new(
            parse_timestamp(time).unwrap(),
            Source::CloudTrail,
            EventClass::ApiCall,
            action,
        );
        record.actor = Some(Cow::Borrowed(actor));
        record.src_ip = Some(Cow::Borrowed(ip));
        record.outcome = Outcome::Success;
        record
    }

    pub fn timeline(files: Vec<Vec<EventRecord<'static>>>) -> Timeline {
        let batches = files
            .into_iter()
            .enumerate()
            .map(|(file, events)| {
                let mut batch = Batch::default();
                batch.start_file(file as u32);
                for event in events {
                    batch.event(&event, None);
                }
                batch
            })
            .collect();
        Timeline::from_batches(batches).unwrap()
    }

    /// Batches of several chunks each, whose events interleave in time and arrive in reverse:
    /// the merged timeline has every row in time order with its own values (interned repeats,
    /// unique long values, short inline ones and nulls), every record reference intact.
    #[test]
    fn chunked_batches_merge_in_time_order_with_every_value() {
        const PER_BATCH: i64 = 40_000;
        let agent = |time: i64| match time % 4 {
            0 => None,
            1 => Some(format!(
                "tool/{} long enough to live outside the view",
                time % 50
            )),
            2 => Some(format!("t{}", time % 7)),
            _ => Some(format!(
                "unique agent {time} with its own bytes in the buffer"
            )),
        };
        let batches = (0..2)
            .map(|file| {
                let mut batch = Batch::default();
                batch.start_file(file);
                for step in (0..PER_BATCH).rev() {
                    let time = step * 2 + i64::from(file);
                    let mut record =
                        EventRecord::new(time, Source::CloudTrail, EventClass::ApiCall, "Get");
                    record.user_agent = agent(time).map(Cow::Owned);
                    batch.event(&record, None);
                }
                batch
            })
            .collect();
        let timeline = Timeline::from_batches(batches).unwrap();
        assert_eq!(timeline.len(), 2 * PER_BATCH as usize);
        let times: Vec<i64> = timeline.times().unwrap().into_no_null_iter().collect();
        assert_eq!(times, (0..2 * PER_BATCH).collect::<Vec<_>>());
        let agents = timeline.strings(Col::UserAgent).unwrap();
        // Text and numbers come out cut the same way, so masks of both line up.
        let chunking: Vec<usize> = timeline.times().unwrap().chunk_lengths().collect();
        assert_eq!(agents.chunk_lengths().collect::<Vec<_>>(), chunking);
        assert_eq!(
            chunking.len(),
            (2 * PER_BATCH as usize).div_ceil(CHUNK_ROWS)
        );
        for (time, value) in times.iter().zip(agents.iter()) {
            assert_eq!(value.map(str::to_owned), agent(*time), "row at {time}");
        }
        let refs = timeline.record_refs().unwrap();
        for (time, record) in times.iter().zip(refs) {
            let expected_ordinal = (PER_BATCH - 1 - time / 2) as u32;
            assert_eq!(
                record,
                RecordRef {
                    file: (time % 2) as u32,
                    ordinal: expected_ordinal
                }
            );
        }
    }

    /// Workers read runs of files in any order: events of the same time still come out in file
    /// order, then in their order within the file, wherever their batch and chunk were.
    #[test]
    fn batches_of_interleaved_file_runs_merge_in_file_order_among_equal_times() {
        let runs: [&[u32]; 2] = [&[0, 1, 4, 5], &[2, 3, 6]];
        // Two events per file share a time, the third is a second later; file 5 is a second late.
        let offset = |file: u32, ordinal: u32| i64::from(ordinal / 2 + u32::from(file == 5));
        let batches = runs
            .iter()
            .map(|files| {
                let mut batch = Batch::default();
                for &file in *files {
                    batch.start_file(file);
                    for ordinal in 0..3 {
                        let mut record = event("2026-11-18T03:00:00Z", "Get", "alice", "10.0.0.1");
                        record.time += offset(file, ordinal);
                        batch.event(&record, None);
                    }
                    batch.finish_file();
                }
                batch
            })
            .collect();
        let timeline = Timeline::from_batches(batches).unwrap();
        let refs: Vec<(u32, u32)> = timeline
            .record_refs()
            .unwrap()
            .into_iter()
            .map(|r| (r.file, r.ordinal))
            .collect();
        let mut expected: Vec<(i64, u32, u32)> = (0..7)
            .flat_map(|file| (0..3).map(move |ordinal| (offset(file, ordinal), file, ordinal)))
            .collect();
        expected.sort();
        let expected: Vec<(u32, u32)> = expected.into_iter().map(|(_, f, o)| (f, o)).collect();
        assert_eq!(refs, expected);
        assert_eq!(refs[16..18], [(4, 2), (5, 0)]);
    }

    /// A value every row shares (the source, one account) and a field no row has are kept once,
    /// not per row, and still read, filter and take like any column.
    #[test]
    fn repeated_columns_are_stored_once_and_behave_like_any_column() {
        let events = (0..3)
            .map(|i| {
                let mut record = event("2026-11-18T03:00:00Z", "GetObject", "alice", "10.0.0.1");
                record.time += i;
                record.account = Some(Cow::Borrowed("111122223333"));
                record.user_agent = Some(Cow::Owned(format!("agent {i}")));
                record
            })
            .collect();
        let timeline = timeline(vec![events]);
        let frame = timeline.frame();
        for repeated in [Col::Source, Col::Account, Col::DstIp, Col::Severity] {
            let column = frame.column(repeated.name()).unwrap();
            assert!(matches!(column, Column::Scalar(_)), "{repeated:?}");
        }
        let agents = frame.column(Col::UserAgent.name()).unwrap();
        assert!(matches!(agents, Column::Series(_)));
        let accounts = timeline.strings(Col::Account).unwrap();
        assert_eq!(accounts.len(), 3);
        assert!(accounts.iter().all(|a| a == Some("111122223333")));
        assert_eq!(timeline.strings(Col::DstIp).unwrap().null_count(), 3);
        let unrated = filter::parse("severity>=0", 0).unwrap();
        assert_eq!(timeline.filter(&unrated).unwrap().len(), 0);
        let filter = filter::parse("account:111122223333 user_agent:\"agent 1\"", 0).unwrap();
        let found = timeline.filter(&filter).unwrap();
        assert_eq!(found.len(), 1);
        assert_eq!(
            found.strings(Col::Account).unwrap().get(0),
            Some("111122223333")
        );
    }

    /// Batches whose account repeats within each (a different one in each), or varies, stack
    /// into one column that reads back row by row.
    #[test]
    fn columns_repeated_in_some_batches_stack_with_the_others() {
        let accounts = [
            vec![Some("111122223333"); 3],
            vec![Some("444455556666"); 3],
            vec![None, Some("777788889999"), None],
        ];
        let files = accounts
            .iter()
            .enumerate()
            .map(|(file, accounts)| {
                accounts
                    .iter()
                    .enumerate()
                    .map(|(i, account)| {
                        let mut record = event("2026-11-18T03:00:00Z", "Get", "alice", "10.0.0.1");
                        // Rows of the three files interleave in time.
                        record.time += (i * 3 + file) as i64;
                        record.account = account.map(Cow::Borrowed);
                        record
                    })
                    .collect()
            })
            .collect();
        let timeline = timeline(files);
        let read: Vec<Option<&str>> = timeline.strings(Col::Account).unwrap().iter().collect();
        let expected: Vec<Option<&str>> = (0..3)
            .flat_map(|i| accounts.iter().map(move |file| file[i]))
            .collect();
        assert_eq!(read, expected);
    }

    /// Chunks with their own buffers lay out their values alike: the same buffer, offset, length
    /// and prefix hold a different value in each. The memo must still tell them apart.
    #[test]
    fn matching_tells_apart_values_laid_out_alike_in_different_chunks() {
        let chunks = 64;
        let rows = 100;
        let value = |chunk: usize, row: usize| format!("agent-{chunk:04}-{row:04}-long-enough");
        let arrays = (0..chunks).map(|chunk| {
            let values: Vec<String> = (0..rows).map(|row| value(chunk, row)).collect();
            Utf8ViewArray::from_slice_values(values)
        });
        let column = StringChunked::from_chunk_iter("user_agent".into(), arrays);
        let target = value(chunks - 1, 7);
        let matcher = filter::Matcher::text(&target);
        let mask = match_column(&column, Col::UserAgent, &matcher);
        let hits: Vec<usize> = mask
            .iter()
            .enumerate()
            .filter_map(|(row, hit)| hit.unwrap_or(false).then_some(row))
            .collect();
        assert_eq!(hits, vec![(chunks - 1) * rows + 7]);
    }

    /// The per-view memo must give each row its own answer: many distinct values (more than the
    /// memo holds, so slots are overwritten), repeats that share views, short inline values and
    /// nulls, spread over the worker threads' parts.
    #[test]
    fn column_matching_agrees_with_matching_every_row() {
        let mut batch = Batch::default();
        batch.start_file(0);
        let mut expected = Vec::new();
        for i in 0..30_000usize {
            let agent: Option<String> = match i % 4 {
                0 => None,
                1 => Some(format!(
                    "tool/{} long enough to live outside the view",
                    i % 3000
                )),
                2 => Some(format!("t{}", i % 7)),
                _ => Some(format!("unique agent {i} with its own bytes in the buffer")),
            };
            let mut record =
                EventRecord::new(i as i64, Source::CloudTrail, EventClass::ApiCall, "Get");
            record.user_agent = agent.clone().map(Cow::Owned);
            expected.push(agent);
            batch.event(&record, None);
        }
        let timeline = Timeline::from_batches(vec![batch]).unwrap();
        for pattern in ["*9 long*", "t3", "*agent 2*", "tool/12*"] {
            let matcher = filter::Matcher::text(pattern);
            let mask = match_column(
                timeline.strings(Col::UserAgent).unwrap(),
                Col::UserAgent,
                &matcher,
            );
            let naive: Vec<bool> = expected
                .iter()
                .map(|v| v.as_deref().is_some_and(|v| matcher.matches(v)))
                .collect();
            let got: Vec<bool> = mask.iter().map(|b| b.unwrap_or(false)).collect();
            assert_eq!(got, naive, "{pattern}");
            assert!(got.iter().any(|b| *b), "{pattern} matches something");
        }
    }

    /// Regression: the span of no events (a card for an entity seen nowhere) panicked in polars.
    #[test]
    fn taking_no_rows_gives_an_empty_timeline_without_a_span() {
        let t = timeline(vec![vec![event(
            "2026-01-01T00:00:00Z",
            "A",
            "x",
            "10.0.0.1",
        )]]);
        let none = t.take(&[]).unwrap();
        assert!(none.is_empty());
        assert_eq!(none.span(), None);
        assert!(none.rows().unwrap().is_empty());
    }

    fn actions(timeline: &Timeline) -> Vec<String> {
        timeline
            .rows()
            .unwrap()
            .iter()
            .map(|r| r.get(Col::Action).unwrap().to_owned())
            .collect()
    }

    #[test]
    fn merges_files_in_time_order() {
        let t = timeline(vec![
            vec![
                event("2026-01-01T00:00:02Z", "B", "x", "1.1.1.1"),
                event("2026-01-01T00:00:04Z", "D", "x", "1.1.1.1"),
            ],
            vec![
                event("2026-01-01T00:00:01Z", "A", "y", "2.2.2.2"),
                event("2026-01-01T00:00:03Z", "C", "y", "2.2.2.2"),
            ],
        ]);
        assert_eq!(actions(&t), ["A", "B", "C", "D"]);
        let rows = t.rows().unwrap();
        assert_eq!(
            rows[0].record,
            RecordRef {
                file: 1,
                ordinal: 0
            }
        );
        assert_eq!(
            rows[3].record,
            RecordRef {
                file: 0,
                ordinal: 1
            }
        );
    }

    #[test]
    fn nominates_repeated_events_with_an_id_as_duplicate_candidates() {
        let with_id = |action: &'static str| {
            let mut e = event("2026-01-01T00:00:01Z", action, "x", "1.1.1.1");
            e.id = Some(Cow::Borrowed("1"));
            e
        };
        let t = timeline(vec![
            vec![
                with_id("A"),
                with_id("B"),
                event("2026-01-01T00:00:01Z", "N", "x", "1.1.1.1"),
            ],
            vec![
                with_id("A"),
                event("2026-01-01T00:00:01Z", "N", "x", "1.1.1.1"),
            ],
        ]);
        // The repeated A is a candidate; B shares A's id but says something else; N has no id.
        assert_eq!(actions(&t), ["A", "B", "N", "A", "N"]);
        assert_eq!(t.duplicate_candidates().unwrap(), [vec![0, 3]]);
        assert_eq!(
            t.record_ref(3).unwrap(),
            RecordRef {
                file: 1,
                ordinal: 0
            }
        );
        let kept = t.without_rows(&HashSet::from([3])).unwrap();
        assert_eq!(actions(&kept), ["A", "B", "N", "N"]);
    }

    #[test]
    fn filters_by_columns_wildcards_cidr_and_resources() {
        let mut with_resource = event(
            "2026-01-01T00:00:03Z",
            "GetObject",
            "arn:aws:iam::1:user/mallory",
            "203.0.113.66",
        );
        with_resource.resources = vec![
            Cow::Borrowed("arn:aws:s3:::orders/a.csv"),
            Cow::Borrowed("orders"),
        ];
        with_resource.bytes = Some(5 * 1024 * 1024);
        let t = timeline(vec![vec![
            event(
                "2026-01-01T00:00:01Z",
                "DeleteTrail",
                "arn:aws:iam::1:user/alice",
                "10.1.2.3",
            ),
            event(
                "2026-01-01T00:00:02Z",
                "ListBuckets",
                "arn:aws:iam::1:user/mallory",
                "203.0.113.7",
            ),
            with_resource,
        ]]);
        let now = parse_timestamp("2026-01-02T00:00:00Z").unwrap();
        let run = |f: &str| actions(&t.filter(&filter::parse(f, now).unwrap()).unwrap());
        assert_eq!(run("actor:*mallory*"), ["ListBuckets", "GetObject"]);
        assert_eq!(run("ip:203.0.113.0/24 -action:list*"), ["GetObject"]);
        assert_eq!(run("resource:orders"), ["GetObject"]);
        assert_eq!(run("resource:orders/*"), Vec::<String>::new());
        assert_eq!(run("resource:arn:aws:s3:::orders/*"), ["GetObject"]);
        assert_eq!(
            run("action:DeleteTrail OR src_ip:203.0.113.66"),
            ["DeleteTrail", "GetObject"]
        );
        assert_eq!(
            run("time:>=2026-01-01T00:00:02Z time:<2026-01-01T00:00:03Z"),
            ["ListBuckets"]
        );
        assert_eq!(run("\"s3:::orders\""), ["GetObject"]);
        assert_eq!(run("severity>=1"), Vec::<String>::new());
        assert_eq!(run("bytes>1MB"), ["GetObject"]);
        assert_eq!(run("bytes:5242880"), ["GetObject"]);
        assert_eq!(
            run("bytes<1k"),
            Vec::<String>::new(),
            "no size is not small"
        );
    }
}
