//! Building timeline columns as events arrive, one batch per worker thread.
//!
//! Strings are copied straight from the parsed input into Arrow string-view buffers. Values that
//! repeat (the same principal, role, user agent or account on thousands of events) are stored
//! once per batch: later rows reuse the first row's view.

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

/// A string column under construction.
struct TextColumn {
    array: MutableBinaryViewArray<str>,
    /// Values seen in this batch and their views, for interned columns.
    seen: Option<foldhash::HashMap<Box<str>, View>>,
}

impl TextColumn {
    fn new(column: Col) -> TextColumn {
        TextColumn {
            array: MutableBinaryViewArray::new(),
            seen: INTERNED.contains(&column).then(foldhash::HashMap::default),
        }
    }

    fn push(&mut self, value: Option<&str>) {
        let Some(value) = value else {
            return self.array.push_null();
        };
        // Short values live inside the view itself; only longer ones are worth sharing.
        let Some(seen) = self
            .seen
            .as_mut()
            .filter(|_| value.len() > View::MAX_INLINE_SIZE as usize)
        else {
            return self.array.push_value(value);
        };
        if let Some(view) = seen.get(value) {
            if let Some(validity) = self.array.validity() {
                validity.push(true);
            }
            // SAFETY: the view was made by this array for these bytes; its buffer index and
            // offset stay valid as buffers only ever get appended. Several views may point at
            // the same bytes in Arrow's string-view layout.
            unsafe {
                let total = self.array.total_bytes_len() + value.len();
                self.array.views_mut().push(*view);
                self.array.set_total_bytes_len(total);
            }
            return;
        }
        self.array.push_value(value);
        if seen.len() >= MAX_INTERNED {
            seen.clear();
        }
        if let Some(view) = self.array.views().last() {
            seen.insert(value.into(), *view);
        }
    }

    fn finish(self, column: Col) -> polars::prelude::Column {
        StringChunked::with_chunk(column.name().into(), self.array.freeze()).into_column()
    }
}

/// What one file contributed to a batch.
#[derive(Debug, Clone, Default)]
pub struct FileCounts {
    pub events: usize,
    pub by_source: [usize; Source::ALL.len()],
    pub skipped: SkipLog,
}

/// Events of one or more files, as columns. Use [`Batch::start_file`] before each file's events
/// and [`Batch::finish_file`] after them.
pub struct Batch {
    time: Vec<i64>,
    strings: Vec<TextColumn>,
    severity: Vec<Option<f32>>,
    bytes: Vec<Option<u64>>,
    file: Vec<u32>,
    ordinal: Vec<u32>,
    fingerprint: Vec<Option<u64>>,
    current_file: u32,
    current: FileCounts,
    /// Reused for joining an event's resources.
    resources: String,
}

impl Default for Batch {
    fn default() -> Self {
        Batch {
            time: Vec::new(),
            strings: STRING_COLUMNS.iter().map(|c| TextColumn::new(*c)).collect(),
            severity: Vec::new(),
            bytes: Vec::new(),
            file: Vec::new(),
            ordinal: Vec::new(),
            fingerprint: Vec::new(),
            current_file: 0,
            current: FileCounts::default(),
            resources: String::new(),
        }
    }
}

impl Batch {
    pub fn start_file(&mut self, file: u32) {
        self.current_file = file;
        self.current = FileCounts::default();
    }

    pub fn finish_file(&mut self) -> FileCounts {
        std::mem::take(&mut self.current)
    }

    pub fn len(&self) -> usize {
        self.time.len()
    }

    pub fn is_empty(&self) -> bool {
        self.time.is_empty()
    }

    pub(super) fn into_frame(self) -> PolarsResult<DataFrame> {
        let height = self.time.len();
        let mut columns = Vec::with_capacity(STRING_COLUMNS.len() + 6);
        columns.push(Int64Chunked::from_vec(Col::Time.name().into(), self.time).into_column());
        columns.extend(
            self.strings
                .into_iter()
                .zip(STRING_COLUMNS)
                .map(|(text, column)| text.finish(column)),
        );
        columns.push(
            Float32Chunked::from_iter_options(
                Col::Severity.name().into(),
                self.severity.into_iter(),
            )
            .into_column(),
        );
        columns.push(
            UInt64Chunked::from_iter_options(Col::Bytes.name().into(), self.bytes.into_iter())
                .into_column(),
        );
        columns.push(UInt32Chunked::from_vec(FILE.into(), self.file).into_column());
        columns.push(UInt32Chunked::from_vec(ORDINAL.into(), self.ordinal).into_column());
        columns.push(
            UInt64Chunked::from_iter_options(FINGERPRINT.into(), self.fingerprint.into_iter())
                .into_column(),
        );
        DataFrame::new(height, columns)
    }
}

impl EventSink for Batch {
    fn event(&mut self, record: EventRecord<'_>, _raw: Option<Raw<'_>>) {
        // The ordinal counts this file's events in parse order, as a re-read counts them.
        let ordinal = self.current.events as u32;
        self.current.events += 1;
        self.current.by_source[record.source as usize] += 1;
        self.fingerprint
            .push(record.id.is_some().then(|| super::fingerprint(&record)));
        self.resources.clear();
        for (i, resource) in record.resources.iter().enumerate() {
            if i > 0 {
                self.resources.push(RESOURCE_SEPARATOR);
            }
            self.resources.push_str(resource);
        }
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
            (!self.resources.is_empty()).then_some(self.resources.as_str()),
            Some(&record.summary),
            record.id.as_deref(),
        ];
        for (column, value) in self.strings.iter_mut().zip(values) {
            column.push(value);
        }
        self.time.push(record.time);
        self.severity.push(record.severity);
        self.bytes.push(record.bytes);
        self.file.push(self.current_file);
        self.ordinal.push(ordinal);
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
        let mut column = TextColumn::new(Col::UserAgent);
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
}
