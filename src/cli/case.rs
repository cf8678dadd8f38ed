//! `casebook case ...`, `casebook export` and `casebook verify`: case files from the command line.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};

use super::{Selection, UsageError, load_reporting, selection_filter};
use crate::case::export::{self, Format};
use crate::case::{Case, CaseMeta, ManualEvent, Mark, Origin, Provenance, TimeRange};
use crate::load::{self, LoadOptions};
use crate::time::format_rfc3339;

#[derive(clap::Subcommand)]
pub enum CaseCommand {
    /// Start a case in DIR (e.g. incident-42.casebook).
    New {
        dir: PathBuf,
        #[arg(long)]
        title: String,
        /// The incident's id in your tracker.
        #[arg(long)]
        incident: Option<String>,
        /// The page or alert that started it (a link).
        #[arg(long)]
        page: Option<String>,
        /// An analyst on the case (repeatable).
        #[arg(long = "analyst", value_name = "NAME")]
        analysts: Vec<String>,
    },
    /// Mark the events of files that match a filter (all of them without one), each stored with
    /// its original record.
    Add {
        dir: PathBuf,
        /// Files or folders (walked recursively), gzip or plain, in any format casebook reads.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        #[command(flatten)]
        select: Selection,
        /// A tag for the marked events (repeatable).
        #[arg(long = "tag", value_name = "TAG")]
        tags: Vec<String>,
        #[arg(long)]
        comment: Option<String>,
    },
    /// Add a note (Markdown) under a heading with the time; `-` reads it from standard input.
    Note { dir: PathBuf, text: String },
    /// Add an event no log has, e.g. --time 2026-11-18T03:32:00Z "on-call paged".
    Event {
        dir: PathBuf,
        /// When it happened (RFC 3339, or a time casebook reads).
        #[arg(long, allow_hyphen_values = true)]
        time: String,
        text: String,
        #[arg(long)]
        author: Option<String>,
    },
}

pub fn run(command: CaseCommand, options: &LoadOptions, now: i64) -> Result<i32> {
    match command {
        CaseCommand::New {
            dir,
            title,
            incident,
            page,
            analysts,
        } => {
            let meta = CaseMeta {
                title,
                incident,
                page,
                status: Default::default(),
                analysts,
                created: format_rfc3339(now),
                range: None,
                sources: Vec::new(),
                runbook: None,
                live: None,
            };
            Case::create(&dir, meta)?;
            println!("case started in {}", shown(&dir));
            Ok(0)
        }
        CaseCommand::Add {
            dir,
            paths,
            select,
            tags,
            comment,
        } => {
            let mut case = Case::open(&dir)?;
            let filter = selection_filter(&select, now)?;
            let loaded = load_reporting(&paths, options)?;
            let rows = loaded.timeline.filter(&filter)?.rows()?;
            let refs: Vec<_> = rows.iter().map(|r| (r.record, r.time)).collect();
            let mut originals = load::original_records(&loaded.files, &refs, options);
            for row in &rows {
                let raw = originals.remove(&row.record).unwrap_or_default();
                let origin = Origin::of(&loaded.files, row.record);
                let mut mark = Mark::new(row, raw, origin, tags.clone(), now);
                mark.comment = comment.clone().unwrap_or_default();
                case.mark(mark);
            }
            widen_range(&mut case, rows.iter().map(|r| r.time));
            for path in &paths {
                let path = path.display().to_string();
                if !case.meta.sources.contains(&path) {
                    case.meta.sources.push(path);
                }
            }
            let mut entry = Provenance::new(now, "load")
                .with("paths", joined(&paths))
                .with("filter", select.filter.clone().unwrap_or_default());
            entry.backend = Some("files".into());
            entry.results = Some(rows.len());
            case.log(entry);
            case.save()?;
            println!(
                "marked {} in {}",
                crate::text::counted(rows.len(), "event"),
                shown(&dir)
            );
            Ok(if rows.is_empty() { 1 } else { 0 })
        }
        CaseCommand::Note { dir, text } => {
            let text = if text == "-" {
                std::io::read_to_string(std::io::stdin()).context("reading the note")?
            } else {
                text
            };
            let mut case = Case::open(&dir)?;
            case.note(now, &text);
            case.save()?;
            Ok(0)
        }
        CaseCommand::Event {
            dir,
            time,
            text,
            author,
        } => {
            let mut case = Case::open(&dir)?;
            let (at, _) = crate::time::parse_user_time(&time, now)
                .ok_or_else(|| UsageError(format!("--time: expected a time, found '{time}'")))?;
            case.add_event(ManualEvent {
                time: format_rfc3339(at),
                text,
                author,
            });
            widen_range(&mut case, [at]);
            case.save()?;
            Ok(0)
        }
    }
}

/// The case's range grows to cover these times.
fn widen_range(case: &mut Case, times: impl IntoIterator<Item = i64>) {
    let times: Vec<i64> = times.into_iter().collect();
    let (Some(first), Some(last)) = (times.iter().min(), times.iter().max()) else {
        return;
    };
    let (mut start, mut end) = (format_rfc3339(*first), format_rfc3339(*last));
    if let Some(range) = &case.meta.range {
        start = start.min(range.start.clone());
        end = end.max(range.end.clone());
    }
    case.meta.range = Some(TimeRange { start, end });
}

/// Adds provenance entries (and sources) to a case.
pub fn record(dir: &Path, entries: Vec<Provenance>, sources: &[String]) -> Result<()> {
    let mut case = Case::open(dir)?;
    for entry in entries {
        case.log(entry);
    }
    for source in sources {
        if !case.meta.sources.contains(source) {
            case.meta.sources.push(source.clone());
        }
    }
    case.save()?;
    Ok(())
}

pub fn joined(paths: &[PathBuf]) -> String {
    paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(" ")
}

fn shown(path: &Path) -> String {
    crate::sanitize::inline(&path.display().to_string())
}

/// `casebook export DIR --format FMT [-o OUT]`.
pub fn export(dir: &Path, format: Format, out: Option<&Path>) -> Result<i32> {
    let case = Case::open(dir)?;
    let bytes = export::export(&case, format)?;
    match out {
        Some(path) => crate::case::store::write_atomic(path, &bytes)
            .with_context(|| format!("cannot write {}", shown(path)))?,
        None => {
            let mut stdout = std::io::stdout().lock();
            stdout.write_all(&bytes)?;
            stdout.flush()?;
        }
    }
    Ok(0)
}

/// `casebook verify BUNDLE`.
pub fn verify(bundle: &Path) -> Result<i32> {
    match export::verify(bundle) {
        Ok(files) => {
            println!(
                "{}: {} match the manifest",
                shown(bundle),
                crate::text::counted(files, "file")
            );
            Ok(0)
        }
        Err(error) => {
            eprintln!("casebook: {}: {error}", shown(bundle));
            Ok(1)
        }
    }
}
