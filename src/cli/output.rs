//! Event output for the command line: an aligned table for people, jsonl and CSV for tools.
//! Table cells are made terminal-safe; CSV cells are safe against formula injection; raw
//! records have their secrets redacted.

use std::io::{self, Write};

use clap::ValueEnum;
use serde_json::Value;

use crate::load::{self, LoadOptions, Loaded};
use crate::sanitize;
use crate::time::format_rfc3339;
use crate::timeline::filter::Column;
use crate::timeline::{EventRow, Timeline};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Table,
    Jsonl,
    Csv,
}

/// Rows are fetched and written in chunks so a million-event jsonl export stays bounded in memory.
const CHUNK: usize = 50_000;

pub fn write_events(
    out: &mut impl Write,
    loaded: &Loaded,
    events: &Timeline,
    format: Format,
    options: &LoadOptions,
) -> anyhow::Result<()> {
    let chunks = (0..events.len())
        .step_by(CHUNK)
        .map(|offset| events.slice(offset, CHUNK).rows());
    match format {
        Format::Table => {
            write_table_header(out)?;
            for rows in chunks {
                rows?.iter().try_for_each(|row| write_table_row(out, row))?;
            }
        }
        Format::Csv => {
            let mut writer = csv::Writer::from_writer(out);
            writer.write_record(CSV_COLUMNS.iter().map(|c| c.name()))?;
            for rows in chunks {
                for row in &rows? {
                    writer.write_record(csv_record(row))?;
                }
            }
            writer.flush()?;
        }
        Format::Jsonl => {
            for rows in chunks {
                write_jsonl(out, loaded, &rows?, options)?;
            }
        }
    }
    Ok(())
}

const TABLE: [(&str, usize); 6] = [
    ("TIME", 24),
    ("SOURCE", 11),
    ("ACTION", 30),
    ("OUTCOME", 7),
    ("ACTOR", 44),
    ("SRC_IP", 15),
];

fn write_table_header(out: &mut impl Write) -> io::Result<()> {
    for (name, width) in TABLE {
        write!(out, "{name:<width$}  ")?;
    }
    writeln!(out, "SUMMARY")
}

fn write_table_row(out: &mut impl Write, row: &EventRow) -> io::Result<()> {
    let time = format_rfc3339(row.time);
    let cells = [
        Some(time.as_str()),
        row.get(Column::Source),
        row.get(Column::Action),
        row.get(Column::Outcome),
        row.get(Column::Actor),
        row.get(Column::SrcIp),
    ];
    for ((_, width), cell) in TABLE.iter().zip(cells) {
        let text = sanitize::inline_truncated(cell.unwrap_or("-"), *width);
        let pad = width.saturating_sub(text.chars().count());
        write!(out, "{text}{:pad$}  ", "")?;
    }
    writeln!(
        out,
        "{}",
        sanitize::inline_truncated(row.get(Column::Summary).unwrap_or(""), 160)
    )
}

const CSV_COLUMNS: [Column; 18] = [
    Column::Time,
    Column::Source,
    Column::Class,
    Column::Action,
    Column::Outcome,
    Column::ErrorCode,
    Column::Severity,
    Column::Bytes,
    Column::Actor,
    Column::Role,
    Column::AccessKey,
    Column::Account,
    Column::Region,
    Column::SrcIp,
    Column::DstIp,
    Column::UserAgent,
    Column::Resources,
    Column::Summary,
];

fn csv_record(row: &EventRow) -> Vec<String> {
    CSV_COLUMNS
        .iter()
        .map(|column| match column {
            Column::Time => format_rfc3339(row.time),
            Column::Severity => row.severity.map(|s| s.to_string()).unwrap_or_default(),
            Column::Bytes => row.bytes.map(|b| b.to_string()).unwrap_or_default(),
            Column::Resources => sanitize::csv_cell(&row.resources().collect::<Vec<_>>().join(" ")),
            other => sanitize::csv_cell(row.get(*other).unwrap_or("")),
        })
        .collect()
}

fn write_jsonl(
    out: &mut impl Write,
    loaded: &Loaded,
    rows: &[EventRow],
    options: &LoadOptions,
) -> anyhow::Result<()> {
    let refs: Vec<_> = rows.iter().map(|r| (r.record, r.time)).collect();
    let mut originals = load::original_records(&loaded.files, &refs, options);
    for row in rows {
        let raw = originals.remove(&row.record).unwrap_or(Value::Null);
        serde_json::to_writer(&mut *out, &row.to_json(raw))?;
        out.write_all(b"\n")?;
    }
    Ok(())
}
