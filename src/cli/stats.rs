//! `casebook stats`: what loaded, from where, and what was skipped and why.

use std::collections::BTreeMap;
use std::io::Write;

use serde::Serialize;

use crate::event::{EntityKind, Source};
use crate::load::Loaded;
use crate::sanitize;
use crate::time::format_rfc3339;
use crate::timeline::pivot::{self, Count};

/// How many values per entity kind the report lists.
const TOP: usize = 10;

#[derive(Serialize)]
pub struct Report {
    events: usize,
    duplicates_dropped: usize,
    first: Option<String>,
    last: Option<String>,
    by_source: BTreeMap<&'static str, usize>,
    by_entity: BTreeMap<&'static str, Vec<EntityCount>>,
    files: Vec<FileStats>,
    missing: Vec<Missing>,
}

#[derive(Serialize)]
struct EntityCount {
    value: String,
    count: usize,
    first: String,
    last: String,
}

impl From<Count> for EntityCount {
    fn from(count: Count) -> Self {
        EntityCount {
            value: count.value,
            count: count.count,
            first: format_rfc3339(count.first),
            last: format_rfc3339(count.last),
        }
    }
}

#[derive(Serialize)]
struct FileStats {
    path: String,
    format: Option<&'static str>,
    events: usize,
    by_source: BTreeMap<&'static str, usize>,
    skipped_records: usize,
    skip_reasons: Vec<SkipReason>,
    error: Option<String>,
}

#[derive(Serialize)]
struct SkipReason {
    reason: String,
    count: usize,
    locations: Vec<String>,
}

#[derive(Serialize)]
struct Missing {
    path: String,
    error: String,
}

fn source_counts(counts: &[usize; Source::ALL.len()]) -> BTreeMap<&'static str, usize> {
    Source::ALL
        .iter()
        .zip(counts)
        .filter(|(_, n)| **n > 0)
        .map(|(source, n)| (source.as_str(), *n))
        .collect()
}

impl Report {
    pub fn of(loaded: &Loaded) -> polars::prelude::PolarsResult<Report> {
        let timeline = &loaded.timeline;
        let mut by_source = [0; Source::ALL.len()];
        for value in timeline
            .strings(crate::timeline::filter::Column::Source)?
            .iter()
            .flatten()
        {
            if let Ok(source) = value.parse::<Source>() {
                by_source[source as usize] += 1;
            }
        }
        let mut by_entity = BTreeMap::new();
        for kind in EntityKind::ALL {
            let top = pivot::top_values(timeline, kind, TOP)?;
            by_entity.insert(
                kind.as_str(),
                top.into_iter().map(EntityCount::from).collect(),
            );
        }
        let span = timeline.span();
        Ok(Report {
            events: timeline.len(),
            duplicates_dropped: loaded.duplicates,
            first: span.map(|(first, _)| format_rfc3339(first)),
            last: span.map(|(_, last)| format_rfc3339(last)),
            by_source: source_counts(&by_source),
            by_entity,
            files: loaded
                .files
                .iter()
                .map(|file| FileStats {
                    path: file.path.display().to_string(),
                    format: file.container.map(|c| c.as_str()),
                    events: file.events,
                    by_source: source_counts(&file.by_source),
                    skipped_records: file.skipped.total,
                    skip_reasons: file
                        .skipped
                        .reasons
                        .iter()
                        .map(|r| SkipReason {
                            reason: r.reason.clone(),
                            count: r.count,
                            locations: r.locations.clone(),
                        })
                        .collect(),
                    error: file.error.clone(),
                })
                .collect(),
            missing: loaded
                .missing
                .iter()
                .map(|(path, error)| Missing {
                    path: path.display().to_string(),
                    error: error.to_string(),
                })
                .collect(),
        })
    }

    pub fn write_table(&self, out: &mut impl Write) -> std::io::Result<()> {
        let clean = |text: &str| sanitize::inline_truncated(text, 100);
        writeln!(out, "events      {}", self.events)?;
        writeln!(out, "duplicates  {} dropped", self.duplicates_dropped)?;
        if let (Some(first), Some(last)) = (&self.first, &self.last) {
            writeln!(out, "span        {first} .. {last}")?;
        }
        writeln!(out, "\nBY SOURCE")?;
        for (source, count) in &self.by_source {
            writeln!(out, "  {source:<12} {count:>10}")?;
        }
        for (kind, counts) in &self.by_entity {
            if counts.is_empty() {
                continue;
            }
            writeln!(out, "\nTOP {}", kind.to_uppercase())?;
            for count in counts {
                writeln!(
                    out,
                    "  {:>8}  {}  {} .. {}",
                    count.count,
                    clean(&count.value),
                    count.first,
                    count.last
                )?;
            }
        }
        writeln!(out, "\nFILES")?;
        for file in &self.files {
            let format = file.format.unwrap_or("unreadable");
            writeln!(
                out,
                "  {}  [{format}] {} events, {} skipped",
                clean(&file.path),
                file.events,
                file.skipped_records
            )?;
            if let Some(error) = &file.error {
                writeln!(out, "      error: {}", clean(error))?;
            }
            for reason in &file.skip_reasons {
                writeln!(
                    out,
                    "      skipped {}: {} ({})",
                    reason.count,
                    clean(&reason.reason),
                    reason.locations.join(", ")
                )?;
            }
        }
        for missing in &self.missing {
            writeln!(
                out,
                "  {}  missing: {}",
                clean(&missing.path),
                missing.error
            )?;
        }
        Ok(())
    }
}
