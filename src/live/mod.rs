//! Live mode: findings and API calls pulled from AWS through the official SDK, with credentials,
//! profiles, regions and endpoints resolved by `aws-config` as the AWS CLI resolves them.
//!
//! What the APIs return is written, as they returned it, into a spool folder, which then loads
//! like any other files: live and offline share one event model, originals stay re-readable for
//! the detail view and exports, and the spool is the evidence of what was asked.

pub mod capture;
pub mod coverage;
mod sources;

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

/// SQL for Athena, against the CloudTrail table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AthenaQuery {
    pub sql: String,
    pub database: String,
    /// `s3://bucket/prefix/` for results, unless the workgroup sets one.
    pub output: Option<String>,
    pub workgroup: Option<String>,
}

/// What to pull: every source, for every profile and region, over a time window.
#[derive(Debug, Clone)]
pub struct LiveRequest {
    /// Profiles from the AWS config files; `None` is the default chain.
    pub profiles: Vec<Option<String>>,
    /// Regions; empty means each profile's own region.
    pub regions: Vec<String>,
    pub sources: Vec<LiveSource>,
    /// Nanoseconds, start inclusive, end exclusive.
    pub window: (i64, i64),
    pub lookup: Option<Lookup>,
    /// The query the Athena source runs.
    pub athena: Option<AthenaQuery>,
    /// The CloudWatch Logs groups the logs source reads.
    pub log_groups: Vec<String>,
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
        let regions = match &request.regions[..] {
            [] => vec![
                sdk_config(profile.as_deref(), None)
                    .await
                    .region()
                    .map(|r| r.to_string())
                    .ok_or(LiveError::NoRegion)?,
            ],
            regions => regions.to_vec(),
        };
        for region in regions {
            let config = sdk_config(profile.as_deref(), Some(&region)).await;
            for source in &request.sources {
                let target = Target {
                    source: *source,
                    profile: profile.clone().unwrap_or_else(|| "default".into()),
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
    progress.set(target.entry(State::Running));
    let dir = target.spool(&request.spool);
    let work = async {
        if let Err(error) = std::fs::create_dir_all(&dir) {
            return State::Failed(format!("cannot write {}: {error}", dir.display()));
        }
        match target.source {
            LiveSource::GuardDuty => sources::guardduty(&config, request, &dir, progress).await,
            LiveSource::CloudTrail => sources::cloudtrail(&config, request, &dir, progress).await,
            LiveSource::Athena => sources::athena(&config, request, &dir, progress).await,
            LiveSource::Logs => sources::logs(&config, request, &dir, progress).await,
        }
    };
    let state = if target.source == LiveSource::Athena {
        // Athena handles cancel itself: it must stop the query it started.
        work.await
    } else {
        tokio::select! {
            state = work => state,
            () = cancelled(progress) => State::Cancelled,
        }
    };
    progress.set(target.entry(state));
}

async fn cancelled(progress: &LiveProgress) {
    while !progress.is_cancelled() {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
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
