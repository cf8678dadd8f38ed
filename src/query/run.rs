//! Running saved queries over a timeline, one at a time or all at once (the triage sweep).

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use polars::prelude::{IdxSize, PolarsError};
use serde_json::Value;

use super::sigma::SigmaRules;
use super::{Amount, Args, Query, Severity, fill};
use crate::time;
use crate::timeline::Timeline;
use crate::timeline::filter::{self, Field, ParseError};
use crate::timeline::pivot::EntityValues;

/// Reads the original records of timeline rows, for conditions on what the columns do not
/// carry. Rows whose record can no longer be read are missing from the answer.
pub trait Originals {
    fn originals(&self, rows: &[IdxSize]) -> HashMap<IdxSize, Value>;
}

/// What one query found.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Hits {
    /// Timeline rows, in time order.
    pub rows: Vec<IdxSize>,
    pub first: Option<i64>,
    pub last: Option<i64>,
    /// Candidates whose original record could not be re-read, so could not be checked.
    pub unreadable: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("{0}")]
    Params(String),
    #[error("{0}")]
    Filter(#[from] ParseError),
    #[error("the timeline cannot be read: {0}")]
    Timeline(#[from] PolarsError),
}

/// The events a query finds, with `args` filled in (`now` anchors relative times).
pub fn run(
    query: &Query,
    args: &Args,
    timeline: &Timeline,
    originals: &dyn Originals,
    now: i64,
) -> Result<Hits, RunError> {
    let filter = filter::parse(&fill(&query.filter, args), now)?;
    let mut rows = timeline.matching_rows(&filter)?;
    let mut unreadable = 0;
    if !query.record.is_empty() && !rows.is_empty() {
        let conditions: Vec<_> = query
            .record
            .iter()
            .map(|c| c.compile(|value| fill(value, args)))
            .collect();
        let records = originals.originals(&rows);
        unreadable = rows.iter().filter(|r| !records.contains_key(r)).count();
        rows.retain(|row| {
            records
                .get(row)
                .is_some_and(|record| conditions.iter().all(|c| c.holds(record)))
        });
    }
    if let Some(threshold) = &query.threshold {
        // Validated when the query was loaded; the arguments were type-checked.
        let invalid = || RunError::Params(format!("threshold of '{}'", query.name));
        let field = threshold.field().ok_or_else(invalid)?;
        let amount = threshold.amount().map_err(RunError::Params)?;
        let within = time::parse_duration(&fill(&threshold.within, args)).ok_or_else(invalid)?;
        rows = bursts(timeline, &rows, field, amount, within)?;
    }
    let times = timeline.times()?;
    let time_of = |row: Option<&IdxSize>| row.and_then(|r| times.get(*r as usize));
    Ok(Hits {
        first: time_of(rows.first()),
        last: time_of(rows.last()),
        rows,
        unreadable,
    })
}

/// The rows (in time order) that fall in a burst: rows naming the same value of `field`, within
/// `within` of each other, that together reach `amount`.
fn bursts(
    timeline: &Timeline,
    rows: &[IdxSize],
    field: Field,
    amount: Amount,
    within: i64,
) -> Result<Vec<IdxSize>, PolarsError> {
    let times = timeline.times()?;
    let bytes = timeline.bytes()?;
    let mut values = EntityValues::of_field(timeline, field)?;
    let mut by_value: HashMap<&str, Vec<(i64, u64, IdxSize)>> = HashMap::new();
    for &row in rows {
        let time = times.get(row as usize).unwrap_or_default();
        let weight = match amount {
            Amount::Events(_) => 1,
            Amount::Bytes(_) => bytes.get(row as usize).unwrap_or_default(),
        };
        for value in values.of_row(row as usize) {
            by_value.entry(value).or_default().push((time, weight, row));
        }
    }
    let (Amount::Events(needed) | Amount::Bytes(needed)) = amount;
    let mut in_burst = Vec::new();
    for events in by_value.values() {
        // Rows arrive in time order: slide a window of at most `within` over them.
        let (mut start, mut sum, mut marked_until) = (0, 0u64, 0);
        for (end, (time, weight, _)) in events.iter().enumerate() {
            sum += weight;
            while time - events[start].0 > within {
                sum -= events[start].1;
                start += 1;
            }
            if sum >= needed {
                in_burst.extend(events[start.max(marked_until)..=end].iter().map(|e| e.2));
                marked_until = end + 1;
            }
        }
    }
    in_burst.sort_unstable();
    in_burst.dedup();
    Ok(in_burst)
}

/// What one query or Sigma rule found in a sweep.
#[derive(Debug, Clone)]
pub struct Detection {
    pub name: String,
    pub title: String,
    pub severity: Severity,
    /// For a Sigma rule, its author (the Detection Rule License asks that hits name them).
    pub author: Option<String>,
    pub hits: Hits,
}

impl Detection {
    pub fn is_sigma(&self) -> bool {
        self.author.is_some()
    }
}

/// A query or rule the sweep could not run, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct NotRun {
    pub name: String,
    pub reason: String,
}

/// Everything a sweep found: detections with hits first (most severe, then most hits), then the
/// quiet ones.
#[derive(Debug, Clone, Default)]
pub struct Sweep {
    pub detections: Vec<Detection>,
    pub not_run: Vec<NotRun>,
}

/// How far a sweep is, for a progress display; set `cancelled` to stop it.
#[derive(Debug, Default)]
pub struct SweepProgress {
    pub queries_total: AtomicUsize,
    pub queries_done: AtomicUsize,
    /// CloudTrail events the Sigma rules look at, and how many they have.
    pub events_total: AtomicUsize,
    pub events_done: AtomicUsize,
    pub cancelled: AtomicBool,
}

#[derive(Debug, thiserror::Error)]
pub enum SweepError {
    #[error("cancelled")]
    Cancelled,
    #[error("the timeline cannot be read: {0}")]
    Timeline(#[from] PolarsError),
}

/// Runs every query with its default parameters, then the Sigma rules if any.
pub fn sweep(
    queries: &[Query],
    sigma: Option<&SigmaRules>,
    timeline: &Timeline,
    originals: &dyn Originals,
    now: i64,
    progress: &SweepProgress,
) -> Result<Sweep, SweepError> {
    let mut sweep = Sweep::default();
    progress
        .queries_total
        .store(queries.len(), Ordering::Relaxed);
    for query in queries {
        if progress.cancelled.load(Ordering::Relaxed) {
            return Err(SweepError::Cancelled);
        }
        let outcome = query
            .args(&[])
            .map_err(RunError::Params)
            .and_then(|args| run(query, &args, timeline, originals, now));
        match outcome {
            Ok(hits) => sweep.detections.push(Detection {
                name: query.name.clone(),
                title: query.title.clone(),
                severity: query.severity,
                author: None,
                hits,
            }),
            Err(error) => sweep.not_run.push(NotRun {
                name: query.name.clone(),
                reason: error.to_string(),
            }),
        }
        progress.queries_done.fetch_add(1, Ordering::Relaxed);
    }
    if let Some(rules) = sigma {
        for skipped in &rules.skipped {
            sweep.not_run.push(NotRun {
                name: skipped.name(),
                reason: skipped.reason.clone(),
            });
        }
        let hits = rules.evaluate(timeline, originals, progress)?;
        for (rule, hits) in rules.rules().iter().zip(hits) {
            sweep.detections.push(Detection {
                name: rule.name(),
                title: rule.title.clone(),
                severity: rule.severity,
                author: Some(rule.author.clone().unwrap_or_else(|| "unknown".into())),
                hits,
            });
        }
    }
    sweep.detections.sort_by(|a, b| {
        let quiet = |d: &Detection| d.hits.rows.is_empty();
        quiet(a)
            .cmp(&quiet(b))
            .then(b.severity.cmp(&a.severity))
            .then(b.hits.rows.len().cmp(&a.hits.rows.len()))
            .then(a.name.cmp(&b.name))
    });
    Ok(sweep)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::timeline::tests::{event, timeline};

    struct NoOriginals;
    impl Originals for NoOriginals {
        fn originals(&self, _rows: &[IdxSize]) -> HashMap<IdxSize, Value> {
            HashMap::new()
        }
    }

    fn query(extra: &str) -> Query {
        let text = format!(
            "name = \"denied\"\ntitle = \"t\"\ndescription = \"d\"\nseverity = \"medium\"\n\
             filter = \"outcome:failure\"\n{extra}"
        );
        Query::parse("denied.toml", &text).unwrap()
    }

    #[test]
    fn a_threshold_keeps_only_bursts_of_one_entity() {
        let mut events = Vec::new();
        // mallory: five failures within four minutes; alice: five spread over hours.
        for minute in 0..5 {
            let mut e = event(
                &format!("2026-01-01T00:0{minute}:00Z"),
                "GetObject",
                "mallory",
                "203.0.113.66",
            );
            e.outcome = crate::event::Outcome::Failure;
            events.push(e);
            let mut e = event(
                &format!("2026-01-01T0{}:30:00Z", minute * 2),
                "GetObject",
                "alice",
                "10.0.0.1",
            );
            e.outcome = crate::event::Outcome::Failure;
            events.push(e);
        }
        events.sort_by_key(|e| e.time);
        let t = timeline(vec![events]);
        let burst = query("[threshold]\nby = \"principal\"\ncount = 5\nwithin = \"10m\"\n");
        let hits = run(&burst, &Args::new(), &t, &NoOriginals, 0).unwrap();
        assert_eq!(hits.rows.len(), 5);
        let actors = t.take(&hits.rows).unwrap().rows().unwrap();
        assert!(
            actors
                .iter()
                .all(|r| r.get(crate::timeline::filter::Column::Actor) == Some("mallory"))
        );
        assert_eq!(
            hits.last.unwrap() - hits.first.unwrap(),
            4 * 60 * time::NANOS_PER_SEC
        );

        let stricter = query("[threshold]\nby = \"principal\"\ncount = 6\nwithin = \"10m\"\n");
        assert!(
            run(&stricter, &Args::new(), &t, &NoOriginals, 0)
                .unwrap()
                .rows
                .is_empty()
        );
    }

    #[test]
    fn record_conditions_count_what_could_not_be_checked() {
        let mut e = event(
            "2026-01-01T00:00:00Z",
            "GetObject",
            "mallory",
            "203.0.113.66",
        );
        e.outcome = crate::event::Outcome::Failure;
        let t = timeline(vec![vec![e]]);
        let q = query("[[record]]\npath = \"errorCode\"\n");
        let hits = run(&q, &Args::new(), &t, &NoOriginals, 0).unwrap();
        assert!(hits.rows.is_empty());
        assert_eq!(hits.unreadable, 1);
    }

    #[test]
    fn a_sweep_reports_queries_it_could_not_run_and_can_be_cancelled() {
        let needs = query("[[params]]\nname = \"who\"\ntype = \"string\"\n");
        let queries = vec![query(""), needs];
        let progress = SweepProgress::default();
        let t = timeline(vec![vec![]]);
        let result = sweep(&queries, None, &t, &NoOriginals, 0, &progress).unwrap();
        assert_eq!(progress.queries_done.load(Ordering::Relaxed), 2);
        assert_eq!(result.detections.len(), 1);
        assert!(
            result.not_run[0].reason.contains("--param who"),
            "{:?}",
            result.not_run
        );

        progress.cancelled.store(true, Ordering::Relaxed);
        let cancelled = sweep(&queries, None, &t, &NoOriginals, 0, &progress);
        assert!(matches!(cancelled, Err(SweepError::Cancelled)));
    }
}
