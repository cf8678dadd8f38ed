//! The triage sweep screen: every saved query (and the user's Sigma rules) run in the
//! background over the loaded timeline, then listed by severity; choosing one shows its hits.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::sync::mpsc::{self, Receiver, TryRecvError};
use std::time::{Duration, Instant};

use crate::load::{FileReport, LoadOptions, LoadedOriginals};
use crate::query;
use crate::query::run::{self, Detection, NotRun, Sweep, SweepError, SweepProgress};
use crate::query::sigma::SigmaRules;
use crate::timeline::Timeline;

/// Where the user's own queries and Sigma rules are read from (and saved queries written).
#[derive(Debug, Clone, Default)]
pub struct UserDirs {
    pub queries: Option<PathBuf>,
    pub sigma: Option<PathBuf>,
}

impl UserDirs {
    /// `$XDG_CONFIG_HOME/casebook/queries` and `.../sigma`.
    pub fn from_config() -> UserDirs {
        UserDirs {
            queries: query::user_dir(),
            sigma: query::user_sigma_dir(),
        }
    }
}

/// A sweep running on a worker thread.
pub struct SweepJob {
    pub progress: Arc<SweepProgress>,
    started: Instant,
    result: Receiver<Result<Sweep, SweepError>>,
}

impl SweepJob {
    /// Sweeps with the shipped and the user's queries and the user's Sigma rules.
    pub fn start(timeline: Timeline, files: Vec<FileReport>, dirs: UserDirs, now: i64) -> SweepJob {
        let progress = Arc::new(SweepProgress::default());
        let (sender, result) = mpsc::channel();
        let job_progress = Arc::clone(&progress);
        std::thread::spawn(move || {
            let (queries, errors) = query::load_all(dirs.queries.as_deref());
            let sigma = dirs
                .sigma
                .filter(|dir| dir.is_dir())
                .and_then(|dir| SigmaRules::load_dir(&dir).ok());
            let options = LoadOptions::default();
            let originals = LoadedOriginals {
                timeline: &timeline,
                files: &files,
                options: &options,
            };
            let swept = run::sweep(
                &queries,
                sigma.as_ref(),
                &timeline,
                &originals,
                now,
                &job_progress,
            )
            .map(|mut sweep| {
                // Query files that did not load are named with the sweep's other gaps.
                sweep.not_run.extend(errors.into_iter().map(|error| NotRun {
                    name: error.file.clone(),
                    reason: error.to_string(),
                }));
                sweep
            });
            // The receiver is gone only when the UI quit or started another sweep.
            let _ = sender.send(swept);
        });
        SweepJob {
            progress,
            started: Instant::now(),
            result,
        }
    }

    pub fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }

    pub fn cancel(&self) {
        self.progress.cancelled.store(true, Ordering::Relaxed);
    }

    fn poll(&self) -> Option<Result<Sweep, SweepError>> {
        match self.result.try_recv() {
            Ok(result) => Some(result),
            Err(TryRecvError::Empty) => None,
            Err(TryRecvError::Disconnected) => Some(Err(SweepError::Cancelled)),
        }
    }
}

/// The sweep screen's state: the running job, or the last result and the selection in it.
#[derive(Default)]
pub struct SweepView {
    pub job: Option<SweepJob>,
    pub result: Option<Sweep>,
    pub selected: usize,
    /// How long the last sweep took.
    pub took: Option<Duration>,
}

impl SweepView {
    pub fn start(&mut self, timeline: &Timeline, files: &[FileReport], dirs: UserDirs, now: i64) {
        if let Some(job) = &self.job {
            job.cancel();
        }
        self.job = Some(SweepJob::start(timeline.clone(), files.to_vec(), dirs, now));
        self.selected = 0;
    }

    /// Takes a finished sweep's result; `Err` when it failed or was cancelled.
    pub fn poll(&mut self) -> Option<Result<(), SweepError>> {
        let result = self.job.as_ref()?.poll()?;
        let took = self.job.take().map(|job| job.elapsed());
        Some(result.map(|sweep| {
            self.result = Some(sweep);
            self.took = took;
        }))
    }

    pub fn cancel(&mut self) {
        if let Some(job) = self.job.take() {
            job.cancel();
        }
    }

    /// The detections with hits, which the list shows and Enter opens.
    pub fn hits(&self) -> Vec<&Detection> {
        self.result
            .iter()
            .flat_map(|sweep| &sweep.detections)
            .filter(|d| !d.hits.rows.is_empty())
            .collect()
    }

    pub fn move_by(&mut self, delta: isize) {
        let last = self.hits().len().saturating_sub(1);
        self.selected = self.selected.saturating_add_signed(delta).min(last);
    }

    /// What the last sweep said about one event of the timeline: a line per query or rule that
    /// flagged it, for the detail view.
    pub fn flags(&self, row: polars::prelude::IdxSize) -> Vec<String> {
        self.hits()
            .into_iter()
            .filter(|d| d.hits.rows.binary_search(&row).is_ok())
            .map(|d| {
                let by = d
                    .author
                    .as_deref()
                    .map_or_else(|| "query".to_owned(), |a| format!("Sigma rule by {a}"));
                format!(
                    "{:<12} {} [{}] {} ({by})",
                    "flagged", d.name, d.severity, d.title
                )
            })
            .collect()
    }

    /// The detection Enter opens.
    pub fn chosen(&self) -> Option<&Detection> {
        self.hits().get(self.selected).copied()
    }
}
