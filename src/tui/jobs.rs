//! Background work: files are read, or AWS is asked, on worker threads while the UI keeps
//! drawing; progress is shared through atomics and the result arrives on a channel.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc::{self, Receiver, TryRecvError};
use std::time::Instant;

use crate::live::{self, Entry, LiveError, LiveProgress, LiveRequest};
use crate::load::{self, LoadError, LoadOptions, Loaded, Progress};

pub struct LoadJob {
    pub paths: Vec<PathBuf>,
    pub title: String,
    pub progress: Arc<Progress>,
    pub started: Instant,
    result: Receiver<Result<Loaded, LoadError>>,
}

impl LoadJob {
    pub fn start(paths: Vec<PathBuf>, title: String) -> LoadJob {
        let progress = Arc::new(Progress::default());
        let (sender, result) = mpsc::channel();
        let (job_paths, job_progress) = (paths.clone(), Arc::clone(&progress));
        std::thread::spawn(move || {
            let loaded =
                load::load_with_progress(&job_paths, &LoadOptions::default(), &job_progress);
            // The receiver is gone only when the UI quit; nobody is left to tell.
            let _ = sender.send(loaded);
        });
        LoadJob {
            paths,
            title,
            progress,
            started: Instant::now(),
            result,
        }
    }

    /// A job that only shows `progress`, for drawing the progress screen in tests.
    #[cfg(test)]
    pub fn watching(progress: Progress, title: String) -> LoadJob {
        let (_, result) = mpsc::channel();
        LoadJob {
            paths: Vec::new(),
            title,
            progress: Arc::new(progress),
            started: Instant::now(),
            result,
        }
    }

    /// The result, once the load has finished.
    pub fn poll(&self) -> Option<Result<Loaded, LoadError>> {
        match self.result.try_recv() {
            Ok(result) => Some(result),
            Err(TryRecvError::Empty) => None,
            Err(TryRecvError::Disconnected) => Some(Err(LoadError::Cancelled)),
        }
    }

    pub fn cancel(&self) {
        self.progress.cancel();
    }
}

/// A live pull: AWS's responses are spooled, then loaded like files.
pub struct LiveJob {
    pub request: LiveRequest,
    pub progress: Arc<LiveProgress>,
    pub started: Instant,
    result: Receiver<Result<Vec<Entry>, LiveError>>,
}

impl LiveJob {
    pub fn start(request: LiveRequest) -> LiveJob {
        let progress = Arc::new(LiveProgress::default());
        let (sender, result) = mpsc::channel();
        let (job_request, job_progress) = (request.clone(), Arc::clone(&progress));
        std::thread::spawn(move || {
            // The receiver is gone only when the UI quit; nobody is left to tell.
            let _ = sender.send(live::fetch(&job_request, &job_progress));
        });
        LiveJob {
            request,
            progress,
            started: Instant::now(),
            result,
        }
    }

    /// The coverage, once every source has finished or stopped.
    pub fn poll(&self) -> Option<Result<Vec<Entry>, LiveError>> {
        match self.result.try_recv() {
            Ok(result) => Some(result),
            Err(TryRecvError::Empty) => None,
            Err(TryRecvError::Disconnected) => Some(Ok(self.progress.coverage())),
        }
    }

    pub fn cancel(&self) {
        self.progress.cancel();
    }
}
