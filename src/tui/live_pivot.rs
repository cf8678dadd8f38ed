//! Live pivots in the console: in a live session, a pivot on an entity also asks AWS about it
//! (see [`crate::live::pivot`]) in the background; the answers merge into the timeline where the
//! user is. A pivot asked before is read from its cache, without AWS.

use std::path::PathBuf;

use super::jobs::{LiveJob, LoadJob};
use crate::live::pivot::{self, PivotPull};
use crate::live::{Entry, LiveRequest, State};
use crate::load::{LoadError, Loaded};
use crate::text::counted;
use crate::timeline::pivot::Entity;

pub struct LivePivots {
    /// The live session's profiles, regions and Athena set-up; `None` offline.
    session: Option<LiveRequest>,
    cache: PathBuf,
    pull: Option<Pull>,
}

struct Pull {
    /// What is being asked about, for the status line.
    label: String,
    plan: PivotPull,
    stage: Stage,
    coverage: Vec<Entry>,
}

enum Stage {
    Asking(Box<LiveJob>),
    Loading { job: LoadJob, cached: bool },
}

/// How a pull ended.
pub enum Pulled {
    Answered {
        label: String,
        loaded: Loaded,
        coverage: Vec<Entry>,
        cached: bool,
        /// What was asked (its window and spool), for a case's provenance and sources.
        request: Box<LiveRequest>,
    },
    Failed(String),
}

impl LivePivots {
    pub fn new(session: Option<LiveRequest>, cache: PathBuf) -> LivePivots {
        LivePivots {
            session,
            cache,
            pull: None,
        }
    }

    /// Asks AWS about the entity of a pivot just taken, over `window` (the session's window
    /// when the pivot covers the whole range); the status line then shows the pull. Returns a
    /// note when there is nothing AWS can be asked.
    pub fn ask(&mut self, entity: &Entity, window: Option<(i64, i64)>, now: i64) -> Option<String> {
        let session = self.session.as_ref()?;
        let window = window.unwrap_or(session.window);
        let label = format!("{} {}", entity.kind.as_str(), entity.value);
        let Some(plan) = pivot::plan(entity, window, session, &self.cache, now) else {
            return Some(format!(
                "{}: no AWS API looks this up; pivoted over what is loaded",
                crate::sanitize::inline(&label)
            ));
        };
        self.cancel();
        let cached = plan.is_cached();
        let stage = if cached {
            Stage::Loading {
                job: LoadJob::start(vec![plan.request.spool.clone()], label.clone()),
                cached,
            }
        } else {
            Stage::Asking(Box::new(LiveJob::start(plan.request.clone())))
        };
        self.pull = Some(Pull {
            label: crate::sanitize::inline(&label),
            plan,
            stage,
            coverage: Vec::new(),
        });
        None
    }

    /// What the pull is doing, while it runs.
    pub fn status(&self) -> Option<String> {
        let pull = self.pull.as_ref()?;
        Some(match &pull.stage {
            Stage::Asking(job) => {
                use std::sync::atomic::Ordering::Relaxed;
                let throttled = job
                    .progress
                    .coverage()
                    .iter()
                    .any(|e| matches!(e.state, State::Running { throttled } if throttled > 0));
                format!(
                    "AWS: asking about {} ({}, {} so far{}; Esc stops)",
                    pull.label,
                    counted(job.progress.requests.load(Relaxed), "request"),
                    counted(job.progress.events.load(Relaxed), "event"),
                    if throttled {
                        ", throttled: retrying"
                    } else {
                        ""
                    }
                )
            }
            Stage::Loading { cached: true, .. } => {
                format!("AWS: reading what was asked before about {}", pull.label)
            }
            Stage::Loading { .. } => format!("AWS: loading the answers about {}", pull.label),
        })
    }

    pub fn is_running(&self) -> bool {
        self.pull.is_some()
    }

    /// The coverage of the pull under way.
    pub fn coverage(&self) -> Option<Vec<Entry>> {
        match &self.pull.as_ref()?.stage {
            Stage::Asking(job) => Some(job.progress.coverage()),
            Stage::Loading { .. } => None,
        }
    }

    pub fn cancel(&mut self) {
        if let Some(pull) = self.pull.take() {
            match pull.stage {
                Stage::Asking(job) => job.cancel(),
                Stage::Loading { job, .. } => job.cancel(),
            }
        }
    }

    /// Moves the pull on; its result once the answers are loaded.
    pub fn poll(&mut self) -> Option<Pulled> {
        let pull = self.pull.as_mut()?;
        match &pull.stage {
            Stage::Asking(job) => {
                let coverage = match job.poll()? {
                    Ok(coverage) => coverage,
                    Err(error) => {
                        self.pull = None;
                        return Some(Pulled::Failed(error.to_string()));
                    }
                };
                if coverage.iter().all(|e| e.state.answered()) {
                    // Best effort: without the marker the next pivot simply asks AWS again.
                    let _ = pull.plan.mark_complete();
                }
                pull.coverage = coverage;
                // What arrived before a cancel or a failure still loads.
                let spool = pull.plan.request.spool.clone();
                pull.stage = Stage::Loading {
                    job: LoadJob::start(vec![spool], pull.label.clone()),
                    cached: false,
                };
                None
            }
            Stage::Loading { job, cached } => {
                let result = job.poll()?;
                let cached = *cached;
                let pull = self.pull.take()?;
                Some(match result {
                    Ok(loaded) => Pulled::Answered {
                        label: pull.label,
                        loaded,
                        coverage: pull.coverage,
                        cached,
                        request: Box::new(pull.plan.request),
                    },
                    Err(LoadError::Cancelled) => Pulled::Failed("cancelled".into()),
                    Err(error) => Pulled::Failed(error.to_string()),
                })
            }
        }
    }
}
