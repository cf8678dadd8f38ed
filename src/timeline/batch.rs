//! Building timeline columns as events arrive, one batch per worker thread, in chunks of a fixed
//! number of rows.
//!
//! Strings are copied straight from the parsed input into Arrow string-view buffers. Values that
//! repeat (the same principal, role, user agent or account on thousands of events) are stored
//! once per chunk: later rows reuse the first row's view.

use std::hash::BuildHasher;

use polars::prelude::*;
use polars_arrow::array::{MutableBinaryViewArray, View};

use super::filter::Column as Col;
use super::{FILE, FINGERPRINT, ORDINAL, RESOURCE_SEPARATOR, STRING_COLUMNS, SkipLog};
use crate::event::{EventRecord, EventSink, Location, Raw, Source};

/// Columns whose values repeat across events and are worth interning.
const INTERNED: [Col; 9] = [
    Col::Action,
    Col::ErrorCode,
    Col::Actor,
    Col::Role,
    Col::Account,
    Col::Region,
    Col::SrcIp,
    Col::UserAgent,
    Col::AccessKey,
];

/// Bounds the memory interning uses per column; the table restarts when full.
const MAX_INTERNED: usize = 4096;

/// Rows of a column counted while they all hold one value (or none).
#[derive(Default)]
struct Repeated {
    value: Option<String>,
    rows: usize,
}

/// Lookups after which a chunk's column checks that interning pays: values that rarely repeat
/// (request ids, session keys of a busy fleet) only cost a hash and an insert each.
const INTERNING_PROBE: u32 = 1024;

/// A string column under construction.
struct TextColumn {
    /// The rows so far while they all hold one value (or none), counted rather than stored: a
    /// field every event of a chunk shares, or none has, costs no view per row. `None` once
    /// the rows differ and live in `array`.
    repeated: Option<Repeated>,
    array: MutableBinaryViewArray<str>,
    /// For interned columns: the hash of a value seen in this array → the view of its bytes.
    /// Keyed by hash so that looking up costs no allocation; a hit is compared before it is used.
    seen: Option<foldhash::HashMap<u64, View>>,
    /// Lookups in `seen` for this chunk, and how many found their value.
    lookups: u32,
    hits: u32,
}

impl TextColumn {
    fn new(column: Col, rows: usize) -> TextColumn {
        TextColumn {
            repeated: Some(Repeated::default()),
            array: MutableBinaryViewArray::with_capacity(rows),
            seen: INTERNED.contains(&column).then(foldhash::HashMap::default),
            lookups: 0,
            hits: 0,
        }
    }

    /// A new empty column of `rows` that takes over this one's (emptied) interning table, so the
    /// table's memory is not allocated again for every chunk.
    fn successor(&mut self, rows: usize) -> TextColumn {
        let mut seen = self.seen.take();
        if let Some(seen) = &mut seen {
            seen.clear();
        }
        TextColumn {
            repeated: Some(Repeated::default()),
            array: MutableBinaryViewArray::with_capacity(rows),
            seen,
            lookups: 0,
            hits: 0,
        }
    }

    fn push(&mut self, value: Option<&str>) {
        if let Some(repeated) = &mut self.repeated {
            if repeated.rows == 0 {
                repeated.value = value.map(str::to_owned);
            }
            if repeated.rows == 0 || repeated.value.as_deref() == value {
                repeated.rows += 1;
                return;
            }
            // The first different value: the rows counted so far become real rows.
            let Repeated { value: first, rows } = std::mem::take(repeated);
            self.repeated = None;
            match first {
                Some(first) => self.array.extend_constant(rows, Some(first)),
                None => self.array.extend_null(rows),
            }
        }
        self.push_varied(value);
    }

    fn push_varied(&mut self, value: Option<&str>) {
        let Some(value) = value else {
            return self.array.push_null();
        };
        // Short values live inside the view itself; only longer ones are worth sharing.
        let Some(seen) = self
            .seen
            .as_mut()
            .filter(|_| value.len() > View::MAX_INLINE_SIZE as usize)
            .filter(|_| self.lookups < INTERNING_PROBE || self.hits >= self.lookups / 8)
        else {
            return self.array.push_value(value);
        };
        self.lookups += 1;
        let hash = foldhash::fast::FixedState::default().hash_one(value);
        if let Some(view) = seen.get(&hash) {
            // SAFETY: the view was made by this array, whose buffers only ever get appended.
            if unsafe { self.array.value_from_view_unchecked(view) } == value {
                self.hits += 1;
                if let Some(validity) = self.array.validity() {
                    validity.push(true);
                }
                // SAFETY: as above, the view stays valid for these bytes. Several views may
                // point at the same bytes in Arrow's string-view layout.
                unsafe {
                    let total = self.array.total_bytes_len() + value.len();
                    self.array.views_mut().push(*view);
                    self.array.set_total_bytes_len(total);
                }
                return;
            }
        }
        self.array.push_value(value);
        if seen.len() >= MAX_INTERNED {
            seen.clear();
        }
        if let Some(view) = self.array.views().last() {
            seen.insert(hash, *view);
        }
    }

    fn finish(self, column: Col) -> polars::prelude::Column {
        let name = column.name().into();
        match self.repeated {
            Some(Repeated {
                value: Some(value),
                rows,
            }) => {
                let value = Scalar::new(DataType::String, AnyValue::StringOwned(value.into()));
                polars::prelude::Column::new_scalar(name, value, rows)
            }
            Some(Repeated { value: None, rows }) => {
                polars::prelude::Column::full_null(name, rows, &DataType::String)
            }
            None => StringChunked::with_chunk(name, self.array.freeze()).into_column(),
        }
    }
}

/// What one file contributed to a batch.
#[derive(Debug, Clone, Default)]
pub struct FileCounts {
    pub events: usize,
    pub by_source: [usize; Source::ALL.len()],
    pub skipped: SkipLog,
}

/// Rows per chunk. A chunk's columns are allocated once at this size and never regrown: growing
/// a column by doubling copies it into fresh pages each time, and touching fresh pages is the
/// dearest part of a load.
pub(super) const CHUNK_ROWS: usize = 16 * 1024;

/// Up to [`CHUNK_ROWS`] events as columns under construction.
struct Chunk {
    time: Vec<i64>,
    strings: Vec<TextColumn>,
    severity: PrimitiveChunkedBuilder<Float32Type>,
    bytes: PrimitiveChunkedBuilder<UInt64Type>,
    file: Vec<u32>,
    ordinal: Vec<u32>,
    fingerprint: PrimitiveChunkedBuilder<UInt64Type>,
}

impl Chunk {
    fn with_capacity(rows: usize) -> Chunk {
        let strings = STRING_COLUMNS
            .iter()
            .map(|column| TextColumn::new(*column, rows))
            .collect();
        Chunk::with_strings(strings, rows)
    }

    fn with_strings(strings: Vec<TextColumn>, rows: usize) -> Chunk {
        Chunk {
            time: Vec::with_capacity(rows),
            strings,
            severity: PrimitiveChunkedBuilder::new(Col::Severity.name().into(), rows),
            bytes: PrimitiveChunkedBuilder::new(Col::Bytes.name().into(), rows),
            file: Vec::with_capacity(rows),
            ordinal: Vec::with_capacity(rows),
            fingerprint: PrimitiveChunkedBuilder::new(FINGERPRINT.into(), rows),
        }
    }

    /// The next chunk after this full one, keeping its interning tables.
    fn successor(&mut self) -> Chunk {
        let strings = self
            .strings
            .iter_mut()
            .map(|column| column.successor(CHUNK_ROWS))
            .collect();
        Chunk::with_strings(strings, CHUNK_ROWS)
    }

    fn len(&self) -> usize {
        self.time.len()
    }

    fn into_frame(self) -> PolarsResult<DataFrame> {
        let height = self.time.len();
        let mut columns = Vec::with_capacity(STRING_COLUMNS.len() + 6);
        columns.push(Int64Chunked::from_vec(Col::Time.name().into(), self.time).into_column());
        columns.extend(
            self.strings
                .into_iter()
                .zip(STRING_COLUMNS)
                .map(|(text, column)| text.finish(column)),
        );
        columns.push(scalar_if_empty(self.severity.finish()));
        columns.push(scalar_if_empty(self.bytes.finish()));
        columns.push(UInt32Chunked::from_vec(FILE.into(), self.file).into_column());
        columns.push(UInt32Chunked::from_vec(ORDINAL.into(), self.ordinal).into_column());
        columns.push(scalar_if_empty(self.fingerprint.finish()));
        DataFrame::new(height, columns)
    }
}

/// A numeric column no row of a chunk fills, as one scalar null: nothing per row to keep, sort or
/// filter. (CloudTrail has no severity; most sources send no byte counts.)
fn scalar_if_empty<T: PolarsNumericType>(values: ChunkedArray<T>) -> polars::prelude::Column {
    if values.null_count() == values.len() {
        polars::prelude::Column::full_null(values.name().clone(), values.len(), values.dtype())
    } else {
        values.into_column()
    }
}

/// Events of one or more files, as columns in chunks. Use [`Batch::start_file`] before each
/// file's events and [`Batch::finish_file`] after them. A chunk only ever holds consecutive
/// files, so chunks of several batches stack in file order by their first file.
#[derive(Default)]
pub struct Batch {
    /// Allocated with the first event, so an idle worker's batch costs nothing.
    filling: Option<Chunk>,
    full: Vec<Chunk>,
    /// The file being read; `None` before the first.
    current_file: Option<u32>,
    current: FileCounts,
    /// Reused for joining an event's resources.
    resources: String,
}

impl Batch {
    pub fn start_file(&mut self, file: u32) {
        let follows = self
            .current_file
            .is_some_and(|last| last.checked_add(1) == Some(file));
        if !follows {
            self.close_chunk_if(|chunk| chunk.len() > 0);
        }
        self.current_file = Some(file);
        self.current = FileCounts::default();
    }

    pub fn finish_file(&mut self) -> FileCounts {
        std::mem::take(&mut self.current)
    }

    /// The batch as frames of at most [`CHUNK_ROWS`] rows each, in arrival order, each with the
    /// first file it holds. Chunks without rows are left out.
    pub(super) fn into_frames(self) -> PolarsResult<Vec<(u32, DataFrame)>> {
        let mut chunks = self.full;
        chunks.extend(self.filling);
        chunks
            .into_iter()
            .filter_map(|chunk| Some((*chunk.file.first()?, chunk)))
            .map(|(file, chunk)| Ok((file, chunk.into_frame()?)))
            .collect()
    }

    /// An empty frame with the columns of a filled one.
    pub(super) fn empty_frame() -> PolarsResult<DataFrame> {
        Chunk::with_capacity(0).into_frame()
    }

    /// The chunk the next event goes into.
    fn chunk(&mut self) -> &mut Chunk {
        self.close_chunk_if(|chunk| chunk.len() == CHUNK_ROWS);
        self.filling
            .get_or_insert_with(|| Chunk::with_capacity(CHUNK_ROWS))
    }

    /// Puts the chunk being filled with the full ones when `done` says so; the next event goes
    /// into a new chunk.
    fn close_chunk_if(&mut self, done: impl Fn(&Chunk) -> bool) {
        if let Some(closed) = self.filling.as_mut().filter(|chunk| done(chunk)) {
            let next = closed.successor();
            self.full.extend(self.filling.replace(next));
        }
    }
}

impl EventSink for Batch {
    fn event(&mut self, record: &EventRecord<'_>, _raw: Option<Raw<'_>>) {
        // The ordinal counts this file's events in parse order, as a re-read counts them.
        let ordinal = self.current.events as u32;
        self.current.events += 1;
        self.current.by_source[record.source as usize] += 1;
        let file = self.current_file.unwrap_or_default();
        let mut resources = std::mem::take(&mut self.resources);
        resources.clear();
        for (i, resource) in record.resources.iter().enumerate() {
            if i > 0 {
                resources.push(RESOURCE_SEPARATOR);
            }
            resources.push_str(resource);
        }
        let chunk = self.chunk();
        chunk
            .fingerprint
            .append_option(record.id.is_some().then(|| super::fingerprint(record)));
        let values: [Option<&str>; 16] = [
            Some(record.source.as_str()),
            Some(record.class.as_str()),
            Some(&record.action),
            Some(record.outcome.as_str()),
            record.error_code.as_deref(),
            record.actor.as_deref(),
            record.role.as_deref(),
            record.access_key.as_deref(),
            record.account.as_deref(),
            record.region.as_deref(),
            record.src_ip.as_deref(),
            record.dst_ip.as_deref(),
            record.user_agent.as_deref(),
            (!resources.is_empty()).then_some(resources.as_str()),
            Some(&record.summary),
            record.id.as_deref(),
        ];
        for (column, value) in chunk.strings.iter_mut().zip(values) {
            column.push(value);
        }
        chunk.time.push(record.time);
        chunk.severity.append_option(record.severity);
        chunk.bytes.append_option(record.bytes);
        chunk.file.push(file);
        chunk.ordinal.push(ordinal);
        self.resources = resources;
    }

    fn skip(&mut self, location: &Location, reason: String) {
        self.current.skipped.add(location, reason);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interned_values_read_back_exactly_across_buffers_and_nulls() {
        let mut column = TextColumn::new(Col::UserAgent, 0);
        let mut expected = Vec::new();
        for i in 0..20_000 {
            // Unique long values fill several buffers between the repeats.
            let value = match i % 5 {
                0 => Some("aws-cli/2.15.30 Python/3.11.8 Linux/6.1.0".to_owned()),
                1 => None,
                2 => Some(format!("unique-user-agent-{i}-{}", "x".repeat(i % 200))),
                3 => Some("short".to_owned()),
                _ => Some("Boto3/1.34.144 md/Botocore#1.34.144 ua/2.0".to_owned()),
            };
            column.push(value.as_deref());
            expected.push(value);
        }
        let finished = column.finish(Col::UserAgent);
        let values: Vec<Option<String>> = finished
            .str()
            .unwrap()
            .iter()
            .map(|v| v.map(str::to_owned))
            .collect();
        assert_eq!(values, expected);
    }

    /// Rows counted while one value (or none) repeated become real rows once another arrives.
    #[test]
    fn rows_counted_while_repeated_read_back_once_the_values_differ() {
        let long = "arn:aws:iam::111122223333:role/long-enough-to-leave-the-view";
        for first in [Some(long), None, Some("short")] {
            let mut column = TextColumn::new(Col::Role, 0);
            let mut expected = vec![first; 1000];
            expected.extend([Some("other"), first, None, Some(long)]);
            for value in &expected {
                column.push(*value);
            }
            let finished = column.finish(Col::Role);
            assert!(matches!(finished, polars::prelude::Column::Series(_)));
            let values: Vec<Option<&str>> = finished.str().unwrap().iter().collect();
            assert_eq!(values, expected);
        }
    }

    #[test]
    fn a_column_of_one_value_or_none_finishes_as_a_scalar() {
        for value in [Some("111122223333"), None] {
            let mut column = TextColumn::new(Col::Account, 0);
            for _ in 0..5000 {
                column.push(value);
            }
            let finished = column.finish(Col::Account);
            assert!(matches!(finished, polars::prelude::Column::Scalar(_)));
            assert_eq!(finished.len(), 5000);
            assert!(finished.str().unwrap().iter().all(|v| v == value));
        }
    }

    #[test]
    fn rarely_repeated_values_stop_being_interned_and_read_back_exactly() {
        let mut column = TextColumn::new(Col::AccessKey, 0);
        let expected: Vec<String> = (0..5000)
            .map(|i| match i % 50 {
                0 => "ASIA-ONE-BUSY-SESSION-KEY".to_owned(),
                _ => format!("ASIA-UNIQUE-{i:08}"),
            })
            .collect();
        for value in &expected {
            column.push(Some(value));
        }
        assert_eq!(column.lookups, INTERNING_PROBE);
        let finished = column.finish(Col::AccessKey);
        let values: Vec<Option<&str>> = finished.str().unwrap().iter().collect();
        assert!(values.iter().map(|v| v.unwrap_or_default()).eq(&expected));
    }
}
