//! `casebook query list`, `query run` and `sweep`: saved queries from the command line.

use std::io::{self, Write};

use serde::Serialize;

use crate::query::run::Sweep;
use crate::query::{self, Query, QueryError, Severity};
use crate::sanitize;
use crate::time::format_rfc3339;
use crate::timeline::filter::Column;
use crate::timeline::{EventRow, Timeline};

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
pub struct QueryListing<'q> {
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
pub struct ParamListing<'q> {
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

/// The queries as `query list --format json` gives them.
pub fn listing(queries: &[Query]) -> Vec<QueryListing<'_>> {
    queries.iter().map(QueryListing::of).collect()
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
    pub severity: Severity,
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
    pub fn of(timeline: &Timeline, sweep: Sweep) -> anyhow::Result<SweepReport> {
        let mut report = SweepReport {
            events: timeline.len(),
            hits: Vec::new(),
            not_run: sweep
                .not_run
                .into_iter()
                .map(|n| NotRun {
                    name: n.name,
                    reason: n.reason,
                })
                .collect(),
            quiet: 0,
        };
        for detection in sweep.detections {
            if detection.hits.rows.is_empty() {
                report.quiet += 1;
                continue;
            }
            let rows = timeline.take(&detection.hits.rows)?.rows()?;
            let text = |row: &EventRow, column| row.get(column).map(str::to_owned);
            report.hits.push(SweepHit {
                kind: if detection.is_sigma() {
                    "sigma"
                } else {
                    "query"
                },
                count: detection.hits.rows.len(),
                first: detection.hits.first.map(format_rfc3339),
                last: detection.hits.last.map(format_rfc3339),
                unreadable: detection.hits.unreadable,
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
                name: detection.name,
                title: detection.title,
                severity: detection.severity,
                author: detection.author,
            });
        }
        Ok(report)
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
