//! Live mode: findings and API calls pulled from AWS through the official SDK, with credentials,
//! profiles, regions and endpoints resolved by `aws-config` as the AWS CLI resolves them.
//!
//! What the APIs return is written, as they returned it, into a spool folder, which then loads
//! like any other files: live and offline share one event model, originals stay re-readable for
//! the detail view and exports, and the spool is the evidence of what was asked.

pub mod athena_setup;
pub mod capture;
pub mod coverage;
pub mod finding;
pub mod pivot;
mod sources;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};

pub use coverage::{Entry, LiveSource, State};

/// A CloudTrail LookupEvents attribute (the API takes one per call).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lookup {
    pub key: String,
    pub value: String,
}

/// Where Athena hunts run: the CloudTrail table (see `casebook athena setup`) and where the
/// results go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AthenaTable {
    pub database: String,
    pub table: String,
    /// `s3://bucket/prefix/` for results, unless the workgroup sets one.
    pub output: Option<String>,
    pub workgroup: Option<String>,
}

impl Default for AthenaTable {
    fn default() -> AthenaTable {
        AthenaTable {
            database: "default".into(),
            table: "cloudtrail_logs".into(),
            output: None,
            workgroup: None,
        }
    }
}

impl AthenaTable {
    /// Fills a hunt's placeholders: `{table}`, `{start}` and `{end}` (timestamps) and
    /// `{start_day}` and `{end_day}` (the partitions, `yyyy/MM/dd`) of the window.
    pub fn fill(&self, sql: &str, (start, end): (i64, i64)) -> String {
        use crate::time::format_rfc3339;
        let day = |t: i64| format_rfc3339(t)[..10].replace('-', "/");
        let second = |t: i64| format!("{}Z", &format_rfc3339(t)[..19]);
        let builtins: crate::query::Args = [
            ("table", self.table.clone()),
            ("start", second(start)),
            ("end", second(end)),
            ("start_day", day(start)),
            ("end_day", day(end)),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        crate::query::fill(sql, &builtins)
    }
}

/// A resource as AWS Config names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigResource {
    /// `AWS::EC2::SecurityGroup`
    pub kind: String,
    pub id: String,
}

/// Whose configuration history the Config source pulls.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConfigAsk {
    pub resources: Vec<ConfigResource>,
    /// An advanced query (SelectResourceConfig) selecting `resourceType, resourceId`.
    pub sql: Option<String>,
}

/// The regions each profile is asked in.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Regions {
    /// The profile's own region (`region` in its config, or AWS_REGION).
    #[default]
    Profile,
    Listed(Vec<String>),
    /// Every region enabled in the profile's account (Account ListRegions).
    AllEnabled,
}

/// What to pull: every source, for every profile and region, over a time window.
#[derive(Debug, Clone, Default)]
pub struct LiveRequest {
    /// Profiles from the AWS config files; `None` is the default chain.
    pub profiles: Vec<Option<String>>,
    pub regions: Regions,
    pub sources: Vec<LiveSource>,
    /// Nanoseconds, start inclusive, end exclusive.
    pub window: (i64, i64),
    pub lookup: Option<Lookup>,
    /// The SQL the Athena source runs, placeholders filled.
    pub athena_sql: Option<String>,
    /// Where Athena runs: the CloudTrail table; also what live pivots beyond LookupEvents ask.
    pub athena: Option<AthenaTable>,
    /// The CloudWatch Logs groups the logs source reads.
    pub log_groups: Vec<String>,
    /// A Logs Insights query over the groups (without one, FilterLogEvents reads them whole).
    pub insights: Option<String>,
    pub config: ConfigAsk,
    /// FindingCriteria beyond the window, by field (`severity`, `type`, `resource...`).
    pub guardduty_criteria: BTreeMap<String, crate::query::Condition>,
    /// Where responses are written (one folder per source, profile and region).
    pub spool: PathBuf,
}

/// Shared with whoever shows progress; `cancel` stops every source at its next await.
#[derive(Debug, Default)]
pub struct LiveProgress {
    cancelled: AtomicBool,
    pub requests: AtomicUsize,
    pub events: AtomicUsize,
    coverage: Mutex<Vec<Entry>>,
}

impl LiveProgress {
    pub fn cancel(&self) {
        self.cancelled.store(true, Ordering::Relaxed);
    }

    pub fn is_cancelled(&self) -> bool {
        self.cancelled.load(Ordering::Relaxed)
    }

    /// The coverage so far: one entry per source, profile and region.
    pub fn coverage(&self) -> Vec<Entry> {
        self.coverage.lock().map(|c| c.clone()).unwrap_or_default()
    }

    fn set(&self, entry: Entry) {
        if let Ok(mut coverage) = self.coverage.lock() {
            match coverage.iter_mut().find(|e| {
                e.source == entry.source && e.profile == entry.profile && e.region == entry.region
            }) {
                Some(existing) => *existing = entry,
                None => coverage.push(entry),
            }
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum LiveError {
    #[error("no region: give --regions, or set one in the profile or AWS_REGION")]
    NoRegion,
    #[error("could not start the async runtime: {0}")]
    Runtime(#[from] std::io::Error),
}

/// Pulls everything the request asks for into its spool; returns the coverage.
pub fn fetch(request: &LiveRequest, progress: &LiveProgress) -> Result<Vec<Entry>, LiveError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    runtime.block_on(fetch_all(request, progress))?;
    Ok(progress.coverage())
}

async fn fetch_all(request: &LiveRequest, progress: &LiveProgress) -> Result<(), LiveError> {
    let profiles = if request.profiles.is_empty() {
        vec![None]
    } else {
        request.profiles.clone()
    };
    let mut work = Vec::new();
    for profile in &profiles {
        let name = profile.clone().unwrap_or_else(|| "default".into());
        let regions = match &request.regions {
            Regions::Profile => vec![
                sdk_config(profile.as_deref(), None)
                    .await
                    .region()
                    .map(|r| r.to_string())
                    .ok_or(LiveError::NoRegion)?,
            ],
            Regions::Listed(regions) => regions.clone(),
            Regions::AllEnabled => {
                let config = sdk_config(profile.as_deref(), None).await;
                match enabled_regions(&config).await {
                    Ok(regions) => regions,
                    Err(state) => {
                        // The profile's sources cannot run: say so for each, once.
                        for source in &request.sources {
                            let target = Target {
                                source: *source,
                                profile: name.clone(),
                                region: "all-enabled".into(),
                            };
                            progress.set(target.entry(state.clone()));
                        }
                        continue;
                    }
                }
            }
        };
        for region in regions {
            let config = sdk_config(profile.as_deref(), Some(&region)).await;
            for source in &request.sources {
                let target = Target {
                    source: *source,
                    profile: name.clone(),
                    region: region.clone(),
                };
                work.push(run_source(config.clone(), target, request, progress));
            }
        }
    }
    // Sources in every profile and region run side by side.
    futures_util::future::join_all(work).await;
    Ok(())
}

/// One source in one profile and region.
#[derive(Debug, Clone)]
struct Target {
    source: LiveSource,
    profile: String,
    region: String,
}

impl Target {
    fn entry(&self, state: State) -> Entry {
        Entry {
            source: self.source,
            profile: self.profile.clone(),
            region: self.region.clone(),
            state,
        }
    }

    fn spool(&self, root: &Path) -> PathBuf {
        root.join(self.source.as_str())
            .join(&self.profile)
            .join(&self.region)
    }
}

async fn run_source(
    config: SdkConfig,
    target: Target,
    request: &LiveRequest,
    progress: &LiveProgress,
) {
    progress.set(target.entry(State::Running { throttled: 0 }));
    let dir = target.spool(&request.spool);
    let capture = capture::Capture::default();
    let running = sources::Running::default();
    let work = async {
        if let Err(error) = std::fs::create_dir_all(&dir) {
            return State::Failed(format!("cannot write {}: {error}", dir.display()));
        }
        let place = format!("{}/{}", target.profile, target.region);
        let pages = sources::Pages::new(place, &dir, progress, capture.clone(), running.clone());
        match target.source {
            LiveSource::GuardDuty => sources::guardduty(&config, request, pages).await,
            LiveSource::CloudTrail => sources::cloudtrail(&config, request, pages).await,
            LiveSource::Athena => sources::athena(&config, request, pages).await,
            LiveSource::Logs => sources::logs(&config, request, pages).await,
            LiveSource::Config => sources::config(&config, request, pages).await,
            LiveSource::SecurityHub => sources::securityhub(&config, request, pages).await,
        }
    };
    let state = tokio::select! {
        state = work => state,
        () = watch(&target, &capture, progress) => {
            // The source stopped at its await; a query it started in AWS must stop there too.
            running.stop().await;
            State::Cancelled
        }
    };
    progress.set(target.entry(state));
}

/// Shows throttling while a source runs (the SDK is retrying); resolves on cancel.
async fn watch(target: &Target, capture: &capture::Capture, progress: &LiveProgress) {
    let mut shown = 0;
    loop {
        if progress.is_cancelled() {
            return;
        }
        let throttled = capture.throttled();
        if throttled != shown {
            shown = throttled;
            progress.set(target.entry(State::Running { throttled }));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The regions enabled in the account (opt-in regions the account turned on, and the default
/// ones), from the Account API.
async fn enabled_regions(config: &SdkConfig) -> Result<Vec<String>, State> {
    use aws_sdk_account::types::RegionOptStatus;
    let client = aws_sdk_account::Client::new(config);
    let mut regions = Vec::new();
    let mut token = None;
    loop {
        let output = client
            .list_regions()
            .region_opt_status_contains(RegionOptStatus::Enabled)
            .region_opt_status_contains(RegionOptStatus::EnabledByDefault)
            .max_results(50)
            .set_next_token(token)
            .send()
            .await
            .map_err(|error| match coverage::state_of(&error) {
                State::Failed(why) => State::Failed(format!("listing the enabled regions: {why}")),
                state => state,
            })?;
        regions.extend(
            output
                .regions()
                .iter()
                .filter_map(|r| r.region_name().map(str::to_owned)),
        );
        token = output.next_token().map(str::to_owned);
        if token.is_none() {
            break;
        }
    }
    Ok(regions)
}

/// The SDK configuration of a profile (or the default chain) and region, with retries that
/// back off on throttling and timeouts that keep a dead endpoint from hanging a source.
async fn sdk_config(profile: Option<&str>, region: Option<&str>) -> SdkConfig {
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .retry_config(
            RetryConfig::standard()
                .with_max_attempts(5)
                .with_initial_backoff(Duration::from_millis(200)),
        )
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(5))
                .operation_attempt_timeout(Duration::from_secs(60))
                .build(),
        );
    if let Some(profile) = profile {
        loader = loader.profile_name(profile);
    }
    if let Some(region) = region {
        loader = loader.region(Region::new(region.to_owned()));
    }
    loader.load().await
}
