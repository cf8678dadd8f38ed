//! The headless command line: a stable contract that scripts and other work rely on.
//!
//! Exit codes: 0 when anything loaded, 1 when no input could be read, 2 for bad arguments or a
//! bad filter. Every skipped file or record is named on stderr with its reason.

mod athena;
mod case;
mod entity;
mod live;
mod output;
mod queries;
mod stats;
mod triage;

use std::io::{self, Write};
use std::path::PathBuf;

use anyhow::{Context as _, Result};
use clap::{Parser, Subcommand, ValueEnum};

use crate::event::EntityKind;
use crate::load::{self, LoadOptions, Loaded};
use crate::sanitize;
use crate::time;
use crate::timeline::card;
use crate::timeline::filter::{self, Filter};
use crate::timeline::pivot::{self, Entity};

#[derive(Parser)]
#[command(
    name = "casebook",
    version,
    about = "Investigation console for AWS security telemetry"
)]
struct Cli {
    /// Without a command, the console opens on its start screen.
    #[command(subcommand)]
    command: Option<Command>,
    /// Largest decompressed size accepted for one gzip file, in MiB (guards against gzip bombs).
    #[arg(long, global = true, default_value_t = files_cap_mib(), value_name = "MIB")]
    max_inflate: u64,
}

const fn files_cap_mib() -> u64 {
    crate::sources::files::DEFAULT_MAX_INFLATED >> 20
}

#[derive(Subcommand)]
enum Command {
    /// Open the bundled demo case in the console (an incident to investigate, no AWS needed).
    Demo {
        /// Only write the demo case's files into this folder, then exit.
        #[arg(long, value_name = "DIR")]
        write: Option<PathBuf>,
    },
    /// Open files or folders in the console, or a case folder (resumed where it was left).
    Open {
        /// Files or folders (walked recursively), gzip or plain, in any format casebook reads.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// With a case: open it at this saved view (V in the console keeps one).
        #[arg(long)]
        view: Option<String>,
    },
    /// Load files or folders and print their events in time order.
    Load {
        /// Files or folders (walked recursively), gzip or plain, in any format casebook reads.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        #[command(flatten)]
        select: Selection,
        #[command(flatten)]
        output: EventOutput,
    },
    /// Everything one entity did: KIND is principal, access_key, ip, resource, account, region,
    /// user_agent or namespace.
    Pivot {
        /// Files or folders (walked recursively), gzip or plain, in any format casebook reads.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// The entity, as KIND=VALUE (e.g. access_key=ASIAEXAMPLE).
        #[arg(long, value_name = "KIND=VALUE")]
        on: Entity,
        #[command(flatten)]
        around: Around,
        /// Also the calls that issued the pivoted access key, and its caller's key, and so on.
        #[arg(long)]
        chain: bool,
        #[command(flatten)]
        select: Selection,
        #[command(flatten)]
        output: EventOutput,
    },
    /// An entity's card: first and last seen, counts by source and action, failures, the IPs,
    /// user agents, regions and accounts it used, the findings naming it, and for an access key
    /// the chain of calls that issued it.
    Entity {
        /// Files or folders (walked recursively), gzip or plain, in any format casebook reads.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// The entity, as KIND=VALUE (e.g. access_key=ASIAEXAMPLE).
        #[arg(value_name = "KIND=VALUE")]
        entity: Entity,
        #[command(flatten)]
        around: Around,
        /// table for people, json for tools.
        #[arg(long, value_enum, default_value_t = StatsFormat::Table)]
        format: StatsFormat,
    },
    /// Counts by source and by entity, the time span, and what was skipped per file and why.
    Stats {
        /// Files or folders (walked recursively), gzip or plain, in any format casebook reads.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// table for people, json for tools.
        #[arg(long, value_enum, default_value_t = StatsFormat::Table)]
        format: StatsFormat,
    },
    /// Pull findings, API calls, configuration history and logs from AWS (credentials, profiles,
    /// regions and endpoints as the AWS CLI resolves them) and show the merged timeline; the
    /// coverage report goes to stderr.
    Live(Box<live::LiveArgs>),
    /// Athena over CloudTrail in S3: `athena setup` creates the table live hunts are pushed to.
    Athena {
        #[command(subcommand)]
        command: athena::AthenaCommand,
    },
    /// Case files: a folder that keeps the investigation (marked events with their records,
    /// notes, manual events, provenance).
    Case {
        #[command(subcommand)]
        command: case::CaseCommand,
    },
    /// From a page to a scoped case and a first-response brief: fetch the finding (or read the
    /// alert), ask every source about its entities around when it was seen, sweep, record.
    Triage(Box<triage::TriageArgs>),
    /// Export a case: markdown, timesketch-jsonl, timesketch-csv, csv, ocsf, html or bundle.
    Export {
        /// The case folder.
        dir: PathBuf,
        #[arg(long, value_parser = str::parse::<crate::case::export::Format>)]
        format: crate::case::export::Format,
        /// Where to write it (default: standard output).
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Check a bundle against its SHA-256 manifest; names every file that changed.
    Verify { bundle: PathBuf },
    /// Saved investigation queries: the shipped pack and your own
    /// ($XDG_CONFIG_HOME/casebook/queries/*.toml).
    Query {
        #[command(subcommand)]
        command: QueryCommand,
    },
    /// Triage sweep: run every saved query (and Sigma rules) over files and list what each found.
    Sweep {
        /// Files or folders (walked recursively), gzip or plain, in any format casebook reads.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Also evaluate the Sigma rules for AWS CloudTrail in this folder (SigmaHQ format).
        #[arg(long, value_name = "DIR")]
        sigma: Option<PathBuf>,
        /// table for people, json for tools.
        #[arg(long, value_enum, default_value_t = StatsFormat::Table)]
        format: StatsFormat,
    },
    /// Write deterministic synthetic CloudTrail logs in the S3 layout (for benchmarks and demos).
    Synth {
        /// Folder to write `AWSLogs/...` into.
        dir: PathBuf,
        #[arg(long, default_value_t = 300_000)]
        events: usize,
        #[arg(long, default_value_t = 500)]
        per_file: usize,
        #[arg(long, default_value_t = 7)]
        seed: u64,
    },
}

#[derive(Subcommand)]
enum QueryCommand {
    /// The queries: name, severity, where they can be pushed down, title.
    List {
        /// table for people, json for tools.
        #[arg(long, value_enum, default_value_t = StatsFormat::Table)]
        format: StatsFormat,
    },
    /// Run one query over files and print the events it finds.
    Run {
        /// The query's name (see `casebook query list`).
        name: String,
        /// Files or folders (walked recursively), gzip or plain, in any format casebook reads.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// A parameter value, e.g. --param window=30m (repeatable).
        #[arg(long = "param", value_name = "NAME=VALUE", value_parser = parse_param)]
        params: Vec<(String, String)>,
        #[command(flatten)]
        output: EventOutput,
        /// Record the run (query, parameters, files, hits) in this case's provenance.
        #[arg(long, value_name = "DIR")]
        case: Option<PathBuf>,
    },
}

fn parse_param(text: &str) -> Result<(String, String), String> {
    let (name, value) = text
        .split_once('=')
        .ok_or_else(|| format!("expected NAME=VALUE, found '{text}'"))?;
    Ok((name.trim().to_owned(), value.to_owned()))
}

/// A window around a moment, for pivots and cards.
#[derive(clap::Args)]
struct Around {
    /// Only events within --window of this time (default: the whole range).
    #[arg(long, value_name = "TIME", allow_hyphen_values = true)]
    around: Option<String>,
    /// Half-width of the window around --around.
    #[arg(
        long,
        default_value = "1h",
        value_name = "DURATION",
        requires = "around"
    )]
    window: String,
}

impl Around {
    /// The moment and the half-width, when --around was given.
    fn parse(&self, now: i64) -> Result<Option<(i64, i64)>> {
        self.around
            .as_deref()
            .map(|around| parse_window(around, &self.window, now))
            .transpose()
    }
}

#[derive(clap::Args)]
struct Selection {
    /// Filter expression, e.g. 'actor:*mallory* -outcome:success ip:203.0.113.0/24'.
    #[arg(long, short, allow_hyphen_values = true)]
    filter: Option<String>,
    /// Only events at or after this time (RFC 3339, a date, or relative like -2h).
    #[arg(long, value_name = "TIME", allow_hyphen_values = true)]
    since: Option<String>,
    /// Only events before this time.
    #[arg(long, value_name = "TIME", allow_hyphen_values = true)]
    until: Option<String>,
}

#[derive(clap::Args)]
struct EventOutput {
    /// table for people; jsonl (with each event's original record) and csv for tools.
    #[arg(long, value_enum, default_value_t = output::Format::Table)]
    format: output::Format,
    /// Print at most this many events.
    #[arg(long)]
    limit: Option<usize>,
}

#[derive(Clone, Copy, ValueEnum)]
enum StatsFormat {
    Table,
    Json,
}

/// A bad argument found after clap's own checks: exit code 2.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct UsageError(String);

/// Runs the command line and returns the process exit code.
pub fn run() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            let _ = error.print();
            return if error.use_stderr() { 2 } else { 0 };
        }
    };
    match execute(cli) {
        Ok(code) => code,
        Err(error) if error.downcast_ref::<UsageError>().is_some() => {
            eprintln!("casebook: {error}");
            2
        }
        Err(error) if is_broken_pipe(&error) => 0,
        Err(error) => {
            eprintln!("casebook: {error:#}");
            1
        }
    }
}

fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error
        .downcast_ref::<io::Error>()
        .is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe)
}

fn execute(cli: Cli) -> Result<i32> {
    let options = LoadOptions {
        max_inflated: cli.max_inflate.saturating_mul(1 << 20),
    };
    let now = time::now_nanos();
    let Some(command) = cli.command else {
        crate::tui::run(crate::tui::Start::Menu)?;
        return Ok(0);
    };
    match command {
        Command::Demo { write: Some(dir) } => {
            let counts = crate::demo::write(&dir)
                .with_context(|| format!("could not write the demo case into {}", dir.display()))?;
            println!(
                "wrote the demo case ({} events) to {}",
                counts.total(),
                dir.display()
            );
            Ok(0)
        }
        Command::Demo { write: None } => {
            crate::tui::run(crate::tui::Start::Demo)?;
            Ok(0)
        }
        Command::Open { paths, view } => {
            let start = match &paths[..] {
                [dir] if crate::case::Case::is_case(dir) => crate::tui::Start::Case {
                    dir: dir.clone(),
                    view,
                    coverage: Vec::new(),
                    triaged: false,
                },
                _ if view.is_some() => {
                    return Err(UsageError("--view opens a case: give its folder".into()).into());
                }
                _ => crate::tui::Start::Paths(paths),
            };
            crate::tui::run(start)?;
            Ok(0)
        }
        Command::Load {
            paths,
            select,
            output,
        } => {
            let filter = selection_filter(&select, now)?;
            let loaded = load_reporting(&paths, &options)?;
            let shown = loaded.timeline.filter(&filter)?;
            print_events(&loaded, shown, &output, &options)?;
            Ok(exit_code(&loaded))
        }
        Command::Pivot {
            paths,
            on,
            around,
            chain,
            select,
            output,
        } => {
            let window = around.parse(now)?;
            if chain && on.kind != EntityKind::AccessKey {
                return Err(UsageError(
                    "--chain follows access keys: use --on access_key=...".into(),
                )
                .into());
            }
            let filter = selection_filter(&select, now)?;
            let loaded = load_reporting(&paths, &options)?;
            let timeline = &loaded.timeline;
            let mut rows = timeline
                .matching_rows(&Filter::And(vec![pivot::pivot_filter(&on, window), filter]))?;
            if chain {
                rows = card::with_chain(timeline, rows, &on.value)?;
            }
            print_events(&loaded, timeline.take(&rows)?, &output, &options)?;
            Ok(exit_code(&loaded))
        }
        Command::Entity {
            paths,
            entity,
            around,
            format,
        } => {
            let scope = around
                .parse(now)?
                .map(|(at, half)| pivot::window_around(at, half));
            let loaded = load_reporting(&paths, &options)?;
            let card = card::card(&loaded.timeline, &entity, scope)?;
            print_report(format, &entity::CardJson::of(&card), |out| {
                entity::write_table(out, &card)
            })?;
            Ok(exit_code(&loaded))
        }
        Command::Stats { paths, format } => {
            let loaded = load_reporting(&paths, &options)?;
            let report = stats::Report::of(&loaded)?;
            print_report(format, &report, |out| report.write_table(out))?;
            Ok(exit_code(&loaded))
        }
        Command::Live(args) => live::run(*args, &options, now),
        Command::Athena { command } => athena::run(command),
        Command::Case { command } => case::run(command, &options, now),
        Command::Triage(args) => triage::run(*args, &options, now),
        Command::Export {
            dir,
            format,
            output,
        } => case::export(&dir, format, output.as_deref()),
        Command::Verify { bundle } => case::verify(&bundle),
        Command::Query {
            command: QueryCommand::List { format },
        } => {
            let queries = queries::load_queries();
            print_report(format, &queries::listing(&queries), |out| {
                queries::write_list_table(out, &queries)
            })?;
            Ok(0)
        }
        Command::Query {
            command:
                QueryCommand::Run {
                    name,
                    paths,
                    params,
                    output,
                    case,
                },
        } => {
            let queries = queries::load_queries();
            let query = queries.iter().find(|q| q.name == name).ok_or_else(|| {
                UsageError(format!("no query named '{name}' (see casebook query list)"))
            })?;
            let args = query.args(&params).map_err(UsageError)?;
            let loaded = load_reporting(&paths, &options)?;
            let originals = load::LoadedOriginals::of(&loaded, &options);
            let hits = crate::query::run::run(query, &args, &loaded.timeline, &originals, now)?;
            if hits.unreadable > 0 {
                eprintln!(
                    "casebook: {} candidate event(s) could not be checked: their files changed or vanished since loading",
                    hits.unreadable
                );
            }
            if let Some(dir) = &case {
                let mut entry = crate::case::Provenance::new(now, "query")
                    .with("query", name.clone())
                    .with("paths", case::joined(&paths));
                for (param, value) in &params {
                    entry = entry.with(&format!("param.{param}"), value.clone());
                }
                entry.backend = Some("files".into());
                entry.results = Some(hits.rows.len());
                case::record(dir, vec![entry], &[])?;
            }
            print_events(
                &loaded,
                loaded.timeline.take(&hits.rows)?,
                &output,
                &options,
            )?;
            Ok(exit_code(&loaded))
        }
        Command::Sweep {
            paths,
            sigma,
            format,
        } => {
            let queries = queries::load_queries();
            let rules = sigma
                .map(|dir| {
                    crate::query::sigma::SigmaRules::load_dir(&dir)
                        .with_context(|| format!("reading Sigma rules from {}", dir.display()))
                })
                .transpose()?;
            let loaded = load_reporting(&paths, &options)?;
            let originals = load::LoadedOriginals::of(&loaded, &options);
            let sweep = crate::query::run::sweep(
                &queries,
                rules.as_ref(),
                &loaded.timeline,
                &originals,
                now,
                &Default::default(),
            )?;
            let report = queries::SweepReport::of(&loaded.timeline, sweep)?;
            print_report(format, &report, |out| report.write_table(out))?;
            Ok(exit_code(&loaded))
        }
        Command::Synth {
            dir,
            events,
            per_file,
            seed,
        } => {
            if per_file == 0 {
                return Err(UsageError("--per-file must be at least 1".into()).into());
            }
            let written = crate::synth::write_cloudtrail(&dir, events, per_file, seed)
                .with_context(|| format!("writing synthetic CloudTrail under {}", dir.display()))?;
            eprintln!(
                "casebook: wrote {events} events in {written} files under {}",
                dir.display()
            );
            Ok(0)
        }
    }
}

fn parse_window(around: &str, window: &str, now: i64) -> Result<(i64, i64)> {
    let (center, _) = time::parse_user_time(around, now)
        .ok_or_else(|| UsageError(format!("--around: expected a time, found '{around}'")))?;
    let half = time::parse_duration(window).ok_or_else(|| {
        UsageError(format!(
            "--window: expected a duration such as 30m or 2h, found '{window}'"
        ))
    })?;
    Ok((center, half))
}

/// The filter from `--filter`, `--since` and `--until` together.
fn selection_filter(select: &Selection, now: i64) -> Result<Filter> {
    let mut terms = Vec::new();
    if let Some(expression) = &select.filter {
        let parsed = filter::parse(expression, now).map_err(|error| {
            let pointer = format!("{}^", " ".repeat(error.column.saturating_sub(1)));
            UsageError(format!("{error}\n  {expression}\n  {pointer}"))
        })?;
        terms.push(parsed);
    }
    let bound = |flag: &str, value: &Option<String>| -> Result<Option<(i64, i64)>> {
        value
            .as_deref()
            .map(|v| {
                time::parse_user_time(v, now).ok_or_else(|| {
                    UsageError(format!("{flag}: expected a time, found '{v}'")).into()
                })
            })
            .transpose()
    };
    if let Some((start, _)) = bound("--since", &select.since)? {
        terms.push(Filter::Time {
            start,
            end: i64::MAX,
        });
    }
    if let Some((start, _)) = bound("--until", &select.until)? {
        terms.push(Filter::Time {
            start: i64::MIN,
            end: start,
        });
    }
    Ok(match terms.len() {
        0 => Filter::All,
        _ => Filter::And(terms),
    })
}

/// Loads and names every skipped file and record on stderr.
fn load_reporting(paths: &[PathBuf], options: &LoadOptions) -> Result<Loaded> {
    let loaded = load::load(paths, options)?;
    let mut err = io::stderr().lock();
    for (path, error) in &loaded.missing {
        writeln!(err, "casebook: {}: {error}", shown_path(path))?;
    }
    for file in &loaded.files {
        let path = shown_path(&file.path);
        if let Some(error) = &file.error {
            let what = if file.events > 0 {
                "partly read"
            } else {
                "skipped"
            };
            writeln!(err, "casebook: {what} {path}: {}", sanitize::inline(error))?;
        }
        for reason in &file.skipped.reasons {
            let shown = reason.locations.join(", ");
            let more = if reason.count > reason.locations.len() {
                ", ..."
            } else {
                ""
            };
            writeln!(
                err,
                "casebook: {path}: skipped {} record(s): {} [{shown}{more}]",
                reason.count,
                sanitize::inline(&reason.reason)
            )?;
        }
    }
    if loaded.duplicates > 0 {
        writeln!(
            err,
            "casebook: dropped {} duplicate event(s) found in more than one file",
            loaded.duplicates
        )?;
    }
    if loaded.files.is_empty() && loaded.missing.is_empty() {
        writeln!(err, "casebook: no files found under the given paths")?;
    }
    Ok(loaded)
}

fn shown_path(path: &std::path::Path) -> String {
    sanitize::inline(&path.display().to_string())
}

/// A report as a table for people or as JSON for tools, on stdout.
fn print_report<T: serde::Serialize>(
    format: StatsFormat,
    report: &T,
    table: impl FnOnce(&mut io::StdoutLock<'static>) -> io::Result<()>,
) -> Result<()> {
    let mut out = io::stdout().lock();
    match format {
        StatsFormat::Table => table(&mut out)?,
        StatsFormat::Json => {
            serde_json::to_writer_pretty(&mut out, report)?;
            writeln!(out)?;
        }
    }
    Ok(())
}

/// A new folder for one live run's responses, under the cache directory.
fn live_spool(now: i64) -> PathBuf {
    let stamp: String = time::format_rfc3339(now)
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect();
    directories::ProjectDirs::from("", "", "casebook")
        .map_or_else(std::env::temp_dir, |dirs| dirs.cache_dir().to_path_buf())
        .join("live")
        .join(format!("{stamp}-{}", std::process::id()))
}

fn exit_code(loaded: &Loaded) -> i32 {
    if loaded.timeline.is_empty() { 1 } else { 0 }
}

fn print_events(
    loaded: &Loaded,
    events: crate::timeline::Timeline,
    output: &EventOutput,
    options: &LoadOptions,
) -> Result<()> {
    let events = match output.limit {
        Some(limit) => events.head(limit),
        None => events,
    };
    let mut out = io::BufWriter::new(io::stdout().lock());
    output::write_events(&mut out, loaded, &events, output.format, options)?;
    out.flush()?;
    Ok(())
}
