//! Row formats: Timesketch JSONL and CSV, and a plain CSV of the case's timeline.

use serde_json::{Map, Value, json};

use super::{Entry, entries, inert_json};
use crate::case::Case;
use crate::sanitize::csv_cell;

/// The event fields every row format carries, after time and message.
const FIELDS: [&str; 9] = [
    "source",
    "action",
    "actor",
    "access_key",
    "src_ip",
    "account",
    "region",
    "outcome",
    "summary",
];

fn micros(time: &str) -> i64 {
    crate::time::parse_timestamp(time).map_or(0, |nanos| nanos / 1000)
}

fn timestamp_desc(entry: &Entry) -> &'static str {
    match entry {
        Entry::Marked(_) => "Event Time",
        Entry::Manual(_) => "Analyst Note",
    }
}

/// Timesketch's JSONL: `message`, `datetime`, `timestamp_desc` (and `timestamp` in
/// microseconds), then the event's fields, its tags, the comment, and the original record as
/// JSON text in `casebook_record`.
pub fn timesketch_jsonl(case: &Case) -> Vec<u8> {
    let mut out = String::new();
    for entry in entries(case) {
        let mut object = Map::new();
        object.insert("message".into(), json!(entry.message()));
        object.insert("datetime".into(), json!(entry.time()));
        object.insert("timestamp".into(), json!(micros(entry.time())));
        object.insert("timestamp_desc".into(), json!(timestamp_desc(&entry)));
        for field in FIELDS {
            if let Some(value) = entry.field(field) {
                object.insert(field.into(), json!(value));
            }
        }
        object.insert("tag".into(), json!(entry.tags()));
        if !entry.comment().is_empty() {
            object.insert("comment".into(), json!(entry.comment()));
        }
        if let Some(record) = entry.record() {
            object.insert("casebook_record".into(), json!(record.to_string()));
        }
        out.push_str(&inert_json(&Value::Object(object)));
        out.push('\n');
    }
    out.into_bytes()
}

/// Timesketch's CSV: the same columns, every cell safe against formula injection.
pub fn timesketch_csv(case: &Case) -> Result<Vec<u8>, std::io::Error> {
    let mut header = vec!["message", "datetime", "timestamp", "timestamp_desc"];
    header.extend(FIELDS);
    header.extend(["tag", "comment"]);
    rows(&header, case, |entry| {
        let mut row = vec![
            entry.message(),
            entry.time().to_owned(),
            micros(entry.time()).to_string(),
            timestamp_desc(entry).to_owned(),
        ];
        row.extend(fields_tags_comment(entry));
        row
    })
}

/// The event's fields, its tags and the comment: the columns every table ends with.
fn fields_tags_comment(entry: &Entry) -> Vec<String> {
    let mut cells: Vec<String> = FIELDS
        .iter()
        .map(|f| entry.field(f).unwrap_or("").to_owned())
        .collect();
    cells.push(entry.tags().join(","));
    cells.push(entry.comment().to_owned());
    cells
}

/// The case's timeline as CSV, every cell safe against formula injection.
pub fn csv(case: &Case) -> Result<Vec<u8>, std::io::Error> {
    let mut header = vec!["time"];
    header.extend(FIELDS);
    header.extend(["tags", "comment"]);
    rows(&header, case, |entry| {
        let mut row = vec![entry.time().to_owned()];
        row.extend(fields_tags_comment(entry));
        row
    })
}

fn rows(
    header: &[&str],
    case: &Case,
    row: impl Fn(&Entry) -> Vec<String>,
) -> Result<Vec<u8>, std::io::Error> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(header)?;
    for entry in entries(case) {
        writer.write_record(row(&entry).iter().map(|cell| csv_cell(cell)))?;
    }
    writer
        .into_inner()
        .map_err(|e| std::io::Error::other(e.to_string()))
}
