//! `casebook live`: pull from AWS headlessly (or open the console on the pull), with the saved
//! queries' push-downs.

use std::io::{self, Write};
use std::path::PathBuf;

use anyhow::Result;

use super::{EventOutput, UsageError, load_reporting, output, print_events, queries};
use crate::case::Provenance;
use crate::live::{AthenaTable, ConfigResource, Entry, LiveRequest, LiveSource, Lookup, Regions};
use crate::load::LoadOptions;
use crate::sanitize;
use crate::time;

#[derive(clap::Args)]
pub struct LiveArgs {
    /// A profile of the AWS config files (repeatable: several accounts in one session).
    #[arg(long = "profile", value_name = "NAME")]
    profiles: Vec<String>,
    /// Regions, comma-separated, or all-enabled (default: each profile's own).
    #[arg(long, value_delimiter = ',')]
    regions: Vec<String>,
    /// Sources, comma-separated: guardduty, cloudtrail, securityhub, config, logs, athena.
    #[arg(long, value_delimiter = ',', default_value = "guardduty,cloudtrail")]
    sources: Vec<LiveSource>,
    /// Start of the window (RFC 3339, a date, or relative like -2h).
    #[arg(long, default_value = "-24h", allow_hyphen_values = true)]
    since: String,
    /// End of the window (default: now).
    #[arg(long, allow_hyphen_values = true)]
    until: Option<String>,
    /// One CloudTrail LookupEvents attribute, e.g. AccessKeyId=ASIA... (the API takes one).
    #[arg(long, value_name = "KEY=VALUE")]
    lookup: Option<String>,
    /// Where AWS's responses are kept (default: a new folder under the cache directory).
    #[arg(long, value_name = "DIR")]
    spool: Option<PathBuf>,
    #[command(flatten)]
    push_down: PushDownArgs,
    /// A CloudWatch Logs group to read (repeatable; adds the logs source).
    #[arg(long = "log-group", value_name = "GROUP")]
    log_groups: Vec<String>,
    /// A resource whose AWS Config history to pull, TYPE/ID such as
    /// AWS::EC2::SecurityGroup/sg-0abc (repeatable; adds the config source).
    #[arg(long = "config-resource", value_name = "TYPE/ID", value_parser = parse_config_resource)]
    config_resources: Vec<ConfigResource>,
    /// Print the events (table, jsonl or csv) instead of opening the console.
    #[arg(long, value_enum)]
    format: Option<output::Format>,
    /// Print at most this many events.
    #[arg(long)]
    limit: Option<usize>,
    /// Record the pull in this case: each source's result in its provenance, the responses
    /// among its sources (so `casebook open CASE` loads them).
    #[arg(long, value_name = "DIR")]
    case: Option<PathBuf>,
}

/// Hunts pushed down to the engines AWS runs (each adds its source).
#[derive(clap::Args)]
struct PushDownArgs {
    /// A saved query: its Athena SQL, Logs Insights query, LookupEvents attribute and GuardDuty
    /// criteria, whichever it has, with its parameters' defaults.
    #[arg(long, value_name = "NAME")]
    query: Option<String>,
    /// SQL for Athena; {table}, {start}, {end}, {start_day} and {end_day} are filled in.
    #[arg(long, value_name = "SQL", conflicts_with = "query")]
    athena_sql: Option<String>,
    /// The Glue database of the CloudTrail table.
    #[arg(long, default_value = "default", value_name = "DB")]
    athena_database: String,
    /// The CloudTrail table (with partition projection on `timestamp`).
    #[arg(long, default_value = "cloudtrail_logs", value_name = "TABLE")]
    athena_table: String,
    /// Where Athena writes results, s3://bucket/prefix/ (unless the workgroup sets it).
    #[arg(long, value_name = "S3_URL")]
    athena_output: Option<String>,
    #[arg(long, value_name = "NAME")]
    athena_workgroup: Option<String>,
    /// A Logs Insights query over the --log-group groups; rows with @message load as events.
    #[arg(long, value_name = "QUERY", conflicts_with = "query")]
    insights: Option<String>,
    /// An AWS Config advanced query selecting resourceType, resourceId: their history is pulled.
    #[arg(long, value_name = "SQL")]
    config_sql: Option<String>,
}

fn parse_config_resource(text: &str) -> Result<ConfigResource, String> {
    match text.split_once('/') {
        Some((kind, id)) if kind.starts_with("AWS::") && !id.is_empty() => Ok(ConfigResource {
            kind: kind.to_owned(),
            id: id.to_owned(),
        }),
        _ => Err(format!(
            "expected TYPE/ID such as AWS::S3::Bucket/orders, found '{text}'"
        )),
    }
}

fn parse_lookup(text: &str) -> Result<Lookup, UsageError> {
    let (key, value) = text.split_once('=').unwrap_or((text, ""));
    if !crate::query::LOOKUP_ATTRIBUTES.contains(&key) || value.is_empty() {
        return Err(UsageError(format!(
            "--lookup takes KEY=VALUE with KEY one of {}",
            crate::query::LOOKUP_ATTRIBUTES.join(", ")
        )));
    }
    Ok(Lookup {
        key: key.to_owned(),
        value: value.to_owned(),
    })
}

impl LiveArgs {
    /// The request these arguments describe, at `now`.
    fn request(self, now: i64) -> Result<(LiveRequest, Option<EventOutput>, Option<PathBuf>)> {
        let time = |flag: &str, text: &str| {
            time::parse_user_time(text, now)
                .map(|(start, _)| start)
                .ok_or_else(|| UsageError(format!("{flag}: expected a time, found '{text}'")))
        };
        let window = (
            time("--since", &self.since)?,
            self.until
                .as_deref()
                .map_or(Ok(now), |t| time("--until", t))?,
        );
        let regions = match &self.regions[..] {
            [] => Regions::Profile,
            [all] if all == "all-enabled" => Regions::AllEnabled,
            listed => Regions::Listed(listed.to_vec()),
        };
        let mut request = LiveRequest {
            profiles: self.profiles.into_iter().map(Some).collect(),
            regions,
            sources: self.sources,
            window,
            lookup: self.lookup.as_deref().map(parse_lookup).transpose()?,
            log_groups: self.log_groups,
            spool: self.spool.unwrap_or_else(|| super::live_spool(now)),
            ..LiveRequest::default()
        };
        request.config.resources = self.config_resources;
        self.push_down.apply(&mut request)?;
        for (wanted, source) in [
            (request.athena_sql.is_some(), LiveSource::Athena),
            (!request.log_groups.is_empty(), LiveSource::Logs),
            (
                !request.config.resources.is_empty() || request.config.sql.is_some(),
                LiveSource::Config,
            ),
        ] {
            if wanted && !request.sources.contains(&source) {
                request.sources.push(source);
            }
        }
        let output = self.format.map(|format| EventOutput {
            format,
            limit: self.limit,
        });
        Ok((request, output, self.case))
    }
}

impl PushDownArgs {
    fn apply(self, request: &mut LiveRequest) -> Result<(), UsageError> {
        let mut athena_sql = self.athena_sql;
        request.insights = self.insights;
        request.config.sql = self.config_sql;
        if let Some(name) = &self.query {
            let queries = queries::load_queries();
            let query = queries
                .iter()
                .find(|q| &q.name == name)
                .ok_or_else(|| UsageError(format!("no query named '{name}'")))?;
            let args = query.args(&[]).map_err(UsageError)?;
            let fill = |text: &str| crate::query::fill(text, &args);
            athena_sql = query.athena.as_ref().map(|a| fill(&a.sql));
            if let Some(insights) = &query.logs_insights {
                request.insights = Some(fill(&insights.query));
                if request.log_groups.is_empty() {
                    request.log_groups = insights.log_groups.clone();
                }
            }
            if let (None, Some(lookup)) = (&request.lookup, &query.lookup_events) {
                request.lookup = Some(Lookup {
                    key: lookup.attribute.clone(),
                    value: fill(&lookup.value),
                });
            }
            if let Some(guardduty) = &query.guardduty {
                request.guardduty_criteria = guardduty.criteria.clone();
            }
            let pushed = athena_sql.is_some()
                || query.logs_insights.is_some()
                || query.lookup_events.is_some()
                || query.guardduty.is_some();
            if !pushed {
                return Err(UsageError(format!(
                    "query '{name}' has no push-down (athena, logs_insights, lookup_events or \
                     guardduty): run it over loaded events with casebook query run"
                )));
            }
        }
        let table = AthenaTable {
            database: self.athena_database,
            table: self.athena_table,
            output: self.athena_output,
            workgroup: self.athena_workgroup,
        };
        request.athena_sql = athena_sql.map(|sql| table.fill(&sql, request.window));
        // Athena is set up when a hunt or a place for results is given; live pivots then use it.
        let configured = table.output.is_some() || table.workgroup.is_some();
        if request.athena_sql.is_some() || configured {
            request.athena = Some(table);
        }
        Ok(())
    }
}

/// What one source did and what it was asked, for a case's provenance.
fn provenance(request: &LiveRequest, entry: &Entry, now: i64) -> Provenance {
    let record = entry.provenance(request.window, now);
    let asked = match entry.source {
        LiveSource::CloudTrail => request
            .lookup
            .as_ref()
            .map(|l| format!("{}={}", l.key, l.value)),
        LiveSource::Athena => request.athena_sql.clone(),
        LiveSource::Logs => request.insights.clone(),
        LiveSource::Config => request.config.sql.clone(),
        LiveSource::GuardDuty | LiveSource::SecurityHub => None,
    };
    match asked {
        Some(asked) => record.with("query", asked),
        None => record,
    }
}

pub fn run(args: LiveArgs, options: &LoadOptions, now: i64) -> Result<i32> {
    let (request, output, case) = args.request(now)?;
    if let (Some(_), None) = (&case, &output) {
        return Err(UsageError("--case records a headless pull: give --format too".into()).into());
    }
    let Some(output) = output else {
        // The console pulls in the background, with progress, cancel and coverage.
        crate::tui::run(crate::tui::Start::Live(Box::new(request)))?;
        return Ok(0);
    };
    let coverage = crate::live::fetch(&request, &Default::default())?;
    let mut err = io::stderr().lock();
    writeln!(
        err,
        "casebook: coverage (AWS's responses are kept in {})",
        request.spool.display()
    )?;
    for entry in &coverage {
        writeln!(err, "  {}", sanitize::inline(&entry.to_string()))?;
    }
    drop(err);
    if let Some(dir) = &case {
        let entries = coverage
            .iter()
            .map(|e| provenance(&request, e, now))
            .collect();
        super::case::record(dir, entries, &[request.spool.display().to_string()])?;
    }
    let answered = coverage.iter().all(|e| e.state.answered());
    let loaded = load_reporting(std::slice::from_ref(&request.spool), options)?;
    print_events(&loaded, loaded.timeline.clone(), &output, options)?;
    Ok(if answered { 0 } else { 1 })
}
