//! `casebook triage FINDING`: from a page to a scoped case and a first-response brief.

use std::io::{Read, Write};
use std::path::PathBuf;

use anyhow::{Context as _, Result};

use super::UsageError;
use crate::live::{LiveRequest, Regions};
use crate::triage::{self, Alert, FindingRef};

#[derive(clap::Args)]
pub struct TriageArgs {
    /// A GuardDuty finding id or ARN, a Security Hub finding ARN, or a file holding the alert as
    /// it arrived (EventBridge event, SNS notification, PagerDuty webhook); - reads stdin.
    finding: String,
    /// A profile of the AWS config files (default: the default chain).
    #[arg(long)]
    profile: Option<String>,
    /// The region to ask (default: the finding's own, else the profile's).
    #[arg(long)]
    region: Option<String>,
    /// How long before the finding's first sighting to look.
    #[arg(long, default_value = "1h")]
    before: String,
    /// How long after its last sighting to look.
    #[arg(long, default_value = "30m")]
    after: String,
    /// The case folder to create (default: triage-<finding id>-<time>.casebook here).
    #[arg(long, value_name = "DIR")]
    case: Option<PathBuf>,
    /// Read these files or folders instead of asking AWS.
    #[arg(long, value_name = "PATH", num_args = 1..)]
    offline: Vec<PathBuf>,
    /// The runbook responders follow (default: $CASEBOOK_RUNBOOK_URL, else docs/dr-runbook.md).
    #[arg(long, value_name = "URL")]
    runbook_url: Option<String>,
    /// Print the brief (markdown for the incident channel, json for automation) instead of
    /// opening the console.
    #[arg(long, value_enum)]
    format: Option<BriefFormat>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum BriefFormat {
    Markdown,
    Json,
}

pub fn run(args: TriageArgs, load: &crate::load::LoadOptions, now: i64) -> Result<i32> {
    let duration = |flag: &str, text: &str| {
        crate::time::parse_duration(text).ok_or_else(|| {
            UsageError(format!(
                "{flag}: expected a duration such as 1h, found '{text}'"
            ))
        })
    };
    let before = duration("--before", &args.before)?;
    let after = duration("--after", &args.after)?;
    let alert = read_alert(&args)?;
    let region = args
        .region
        .clone()
        .or_else(|| triage::alert::text(&alert.finding, &["region"]).map(str::to_owned));
    let session = LiveRequest {
        profiles: args.profile.clone().into_iter().map(Some).collect(),
        regions: region.map_or(Regions::Profile, |r| Regions::Listed(vec![r])),
        ..LiveRequest::default()
    };
    let case_dir = args
        .case
        .clone()
        .unwrap_or_else(|| triage::default_case_dir(&alert, now));
    let options = triage::Options {
        before,
        after,
        case_dir: case_dir.clone(),
        offline: args.offline.clone(),
        session,
        load: load.clone(),
        runbook: args
            .runbook_url
            .clone()
            .or_else(|| std::env::var("CASEBOOK_RUNBOOK_URL").ok())
            .unwrap_or_else(|| triage::DEFAULT_RUNBOOK.into()),
        now,
    };
    let progress = |step: &str| eprintln!("casebook: {}", crate::sanitize::inline(step));
    let outcome = triage::triage(&alert, &options, &progress)?;
    eprintln!(
        "casebook: case written to {} ({} marked)",
        crate::sanitize::inline(&case_dir.display().to_string()),
        crate::text::counted(outcome.case.marks.len(), "event")
    );
    let mut out = std::io::stdout().lock();
    match args.format {
        Some(BriefFormat::Markdown) => out.write_all(outcome.brief.markdown().as_bytes())?,
        Some(BriefFormat::Json) => {
            serde_json::to_writer_pretty(&mut out, &outcome.brief)?;
            writeln!(out)?;
        }
        None => {
            drop(out);
            crate::tui::run(crate::tui::Start::Case {
                dir: case_dir,
                view: None,
                coverage: outcome.coverage,
                triaged: true,
            })?;
        }
    }
    Ok(0)
}

/// The alert: fetched when FINDING names one, else read from the file (or stdin).
fn read_alert(args: &TriageArgs) -> Result<Alert> {
    if let Some(reference) = FindingRef::parse(&args.finding) {
        if !args.offline.is_empty() {
            return Err(UsageError(
                "--offline reads files: give the alert as a file, not an id".into(),
            )
            .into());
        }
        eprintln!("casebook: fetching the finding from AWS");
        let finding = crate::live::finding::fetch(
            &reference,
            args.profile.as_deref(),
            args.region.as_deref(),
        )
        .map_err(|state| anyhow::anyhow!("fetching the finding: {state}"))?;
        return Ok(Alert {
            finding,
            page: None,
        });
    }
    let bytes = if args.finding == "-" {
        let mut bytes = Vec::new();
        std::io::stdin()
            .read_to_end(&mut bytes)
            .context("reading the alert from stdin")?;
        bytes
    } else {
        std::fs::read(&args.finding).with_context(|| {
            format!(
                "{}: not a finding id or ARN, and not a readable file",
                crate::sanitize::inline(&args.finding)
            )
        })?
    };
    Ok(triage::alert::parse(&bytes)?)
}
