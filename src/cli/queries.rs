//! `casebook query list`, `query run` and `sweep`: saved queries from the command line.

use std::io::{self, Write};

use serde::Serialize;

use crate::query::run::{Hits, Originals, SweepResult};
use crate::query::sigma::SigmaRules;
use crate::query::{self, Query, QueryError};
use crate::sanitize;
use crate::time::format_rfc3339;
use crate::timeline::Timeline;
use crate::timeline::filter::Column;

/// The queries in use; files that failed to load are named on stderr and left out.
pub fn load_queries() -> Vec<Query> {
    let (queries, errors) = query::load_all(query::user_dir().as_deref());
    report_query_errors(&errors);
    queries
}

fn report_query_errors(errors: &[QueryError]) {
    let mut err = io::stderr().lock();
    for error in errors {
        let _ = writeln!(
            err,
            "casebook: skipped query {}",
            sanitize::inline(&error.to_string())
        );
    }
}

#[derive(Serialize)]
struct QueryListing<'q> {
    name: &'q str,
    title: &'q str,
    severity: query::Severity,
    tags: &'q [String],
    params: Vec<ParamListing<'q>>,
    filter: &'q str,
    pushdowns: Vec<&'static str>,
    /// `shipped`, or the user's file.
    origin: String,
}

#[derive(Serialize)]
struct ParamListing<'q> {
    name: &'q str,
    #[serde(rename = "type")]
    kind: query::ParamKind,
    default: Option<&'q str>,
}

impl<'q> QueryListing<'q> {
    fn of(query: &'q Query) -> Self {
        QueryListing {
            name: &query.name,
            title: &query.title,
            severity: query.severity,
            tags: &query.tags,
            params: query
                .params
                .iter()
                .map(|p| ParamListing {
                    name: &p.name,
                    kind: p.kind,
                    default: p.default.as_deref(),
                })
                .collect(),
            filter: &query.filter,
            pushdowns: query.pushdowns(),
            origin: match &query.origin {
                query::Origin::Shipped => "shipped".into(),
                query::Origin::User(path) => path.display().to_string(),
            },
        }
    }
}

pub fn write_list_table(out: &mut impl Write, queries: &[Query]) -> io::Result<()> {
    writeln!(
        out,
        "{:<40}  {:<8}  {:<34}  TITLE",
        "NAME", "SEVERITY", "PUSH-DOWNS"
    )?;
    for query in queries {
        let user = if matches!(query.origin, query::Origin::User(_)) {
            " (yours)"
        } else {
            ""
        };
        writeln!(
            out,
            "{:<40}  {:<8}  {:<34}  {}{user}",
            sanitize::inline(&query.name),
            query.severity,
            query.pushdowns().join(","),
            sanitize::inline(&query.title),
        )?;
    }
    Ok(())
}

pub fn write_list_json(out: &mut impl Write, queries: &[Query]) -> anyhow::Result<()> {
    let listing: Vec<_> = queries.iter().map(QueryListing::of).collect();
    serde_json::to_writer_pretty(&mut *out, &listing)?;
    writeln!(out)?;
    Ok(())
}

/// A sweep's hits per query, most severe first, and what could not run.
#[derive(Serialize)]
pub struct SweepReport {
    pub events: usize,
    pub hits: Vec<SweepHit>,
    /// Queries and rules that could not run, and why.
    pub not_run: Vec<NotRun>,
    /// Queries and rules that ran and found nothing.
    pub quiet: usize,
}

#[derive(Serialize)]
pub struct SweepHit {
    pub name: String,
    pub title: String,
    pub severity: String,
    /// `query`, or `sigma` for a Sigma rule.
    pub kind: &'static str,
    pub count: usize,
    pub first: Option<String>,
    pub last: Option<String>,
    /// Sigma rules name their author; the Detection Rule License asks for it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    /// Candidates whose original record could not be re-read to check.
    #[serde(skip_serializing_if = "is_zero")]
    pub unreadable: usize,
    pub events: Vec<EventSummary>,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

#[derive(Serialize)]
pub struct NotRun {
    pub name: String,
    pub reason: String,
}

/// One hit event, enough to recognise it and find it again.
#[derive(Serialize)]
pub struct EventSummary {
    pub time: String,
    pub source: Option<String>,
    pub action: Option<String>,
    pub actor: Option<String>,
    pub access_key: Option<String>,
    pub src_ip: Option<String>,
    pub summary: Option<String>,
    pub id: Option<String>,
}

impl SweepReport {
    pub fn new(events: usize) -> Self {
        SweepReport {
            events,
            hits: Vec::new(),
            not_run: Vec::new(),
            quiet: 0,
        }
    }

    pub fn add_queries(
        &mut self,
        timeline: &Timeline,
        results: Vec<SweepResult<'_>>,
    ) -> anyhow::Result<()> {
        for result in results {
            let query = result.query;
            match result.outcome {
                Ok(hits) => self.add(
                    timeline,
                    Hit {
                        name: &query.name,
                        title: &query.title,
                        severity: query.severity.as_str(),
                        kind: "query",
                        author: None,
                    },
                    &hits,
                )?,
                Err(error) => self.not_run.push(NotRun {
                    name: query.name.clone(),
                    reason: error.to_string(),
                }),
            }
        }
        Ok(())
    }

    pub fn add(&mut self, timeline: &Timeline, hit: Hit<'_>, hits: &Hits) -> anyhow::Result<()> {
        if hits.rows.is_empty() {
            self.quiet += 1;
            return Ok(());
        }
        let rows = timeline.take(&hits.rows)?.rows()?;
        let text = |row: &crate::timeline::EventRow, column| row.get(column).map(str::to_owned);
        self.hits.push(SweepHit {
            name: hit.name.to_owned(),
            title: hit.title.to_owned(),
            severity: hit.severity.to_owned(),
            kind: hit.kind,
            count: hits.rows.len(),
            first: hits.first.map(format_rfc3339),
            last: hits.last.map(format_rfc3339),
            author: hit.author.map(str::to_owned),
            unreadable: hits.unreadable,
            events: rows
                .iter()
                .map(|row| EventSummary {
                    time: format_rfc3339(row.time),
                    source: text(row, Column::Source),
                    action: text(row, Column::Action),
                    actor: text(row, Column::Actor),
                    access_key: text(row, Column::AccessKey),
                    src_ip: text(row, Column::SrcIp),
                    summary: text(row, Column::Summary),
                    id: text(row, Column::Id),
                })
                .collect(),
        });
        Ok(())
    }

    /// Every Sigma rule's hits; rules that were not loaded are listed as not run.
    pub fn add_sigma(
        &mut self,
        timeline: &Timeline,
        rules: &SigmaRules,
        originals: &dyn Originals,
    ) -> anyhow::Result<()> {
        for skipped in &rules.skipped {
            self.not_run.push(NotRun {
                name: format!(
                    "sigma {}{}",
                    skipped.file.display(),
                    skipped
                        .title
                        .as_deref()
                        .map(|t| format!(" ({t})"))
                        .unwrap_or_default()
                ),
                reason: skipped.reason.clone(),
            });
        }
        let done = std::sync::atomic::AtomicUsize::new(0);
        let hits = rules.evaluate(timeline, originals, &done)?;
        for (rule, hits) in rules.rules().iter().zip(&hits) {
            let name = rule
                .file
                .file_stem()
                .map_or_else(|| rule.title.clone(), |s| s.to_string_lossy().into_owned());
            let severity = match rule.level.as_str() {
                "informational" => "info",
                other => other,
            };
            self.add(
                timeline,
                Hit {
                    name: &name,
                    title: &rule.title,
                    severity,
                    kind: "sigma",
                    author: Some(rule.author.as_deref().unwrap_or("unknown")),
                },
                hits,
            )?;
        }
        Ok(())
    }

    /// Most severe first, then most hits.
    pub fn sort(&mut self) {
        let rank = |severity: &str| {
            ["critical", "high", "medium", "low", "info"]
                .iter()
                .position(|s| *s == severity)
                .unwrap_or(5)
        };
        self.hits.sort_by(|a, b| {
            rank(&a.severity)
                .cmp(&rank(&b.severity))
                .then(b.count.cmp(&a.count))
                .then(a.name.cmp(&b.name))
        });
    }

    pub fn write_table(&self, out: &mut impl Write) -> io::Result<()> {
        writeln!(
            out,
            "{:<8}  {:>6}  {:<24}  {:<24}  QUERY",
            "SEVERITY", "HITS", "FIRST", "LAST"
        )?;
        for hit in &self.hits {
            let author = hit
                .author
                .as_deref()
                .map(|a| format!(" (Sigma, by {})", sanitize::inline(a)))
                .unwrap_or_default();
            writeln!(
                out,
                "{:<8}  {:>6}  {:<24}  {:<24}  {}: {}{author}",
                hit.severity,
                hit.count,
                hit.first.as_deref().unwrap_or("-"),
                hit.last.as_deref().unwrap_or("-"),
                sanitize::inline(&hit.name),
                sanitize::inline(&hit.title),
            )?;
        }
        writeln!(
            out,
            "\n{} with hits, {} quiet, over {} events",
            self.hits.len(),
            self.quiet,
            self.events
        )?;
        for not_run in &self.not_run {
            writeln!(
                out,
                "not run: {}: {}",
                sanitize::inline(&not_run.name),
                sanitize::inline(&not_run.reason)
            )?;
        }
        Ok(())
    }
}

/// What a hit is called and how bad it is.
pub struct Hit<'a> {
    pub name: &'a str,
    pub title: &'a str,
    pub severity: &'a str,
    pub kind: &'static str,
    pub author: Option<&'a str>,
}
