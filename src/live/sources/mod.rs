//! The live sources: each pages through its API, writes every response body into its spool
//! folder, and returns its coverage state.

mod athena;
mod cloudtrail;
mod config;
mod guardduty;
mod logs;
mod securityhub;

use std::path::Path;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub use athena::athena;
pub use cloudtrail::cloudtrail;
pub use config::config;
pub use guardduty::guardduty;
pub use logs::logs;
pub use securityhub::securityhub;

use super::LiveProgress;
use super::capture::Capture;
use super::coverage::State;
use crate::time::NANOS_PER_SEC;

fn millis(nanos: i64) -> i64 {
    nanos / (NANOS_PER_SEC / 1000)
}

/// Sends an SDK request with the pages' interceptor; an error ends the source in the state it
/// tells of. (A macro: every operation's builder is its own type.)
macro_rules! send {
    ($pages:expr, $request:expr) => {
        match $request.customize().interceptor($pages.ask()).send().await {
            Ok(output) => output,
            Err(error) => return $crate::live::coverage::state_of(&error),
        }
    };
}
use send;

/// Sends a paginated request for every page, `$token` holding the previous page's next token
/// (`None` at first), and runs `$each` on each page's `$output`; an error ends the source.
macro_rules! every_page {
    ($pages:expr, |$token:ident| $request:expr, |$output:ident| $each:expr) => {{
        let mut $token: Option<String> = None;
        loop {
            let $output = send!($pages, $request);
            $each;
            $token = $output
                .next_token()
                .filter(|t| !t.is_empty())
                .map(str::to_owned);
            if $token.is_none() {
                break;
            }
        }
    }};
}
use every_page;

/// A query running in AWS on a source's behalf, to stop if the user cancels: Athena bills by
/// bytes scanned, and Logs Insights counts running queries against a per-account limit.
#[derive(Debug, Clone, Default)]
pub struct Running(Arc<Mutex<Option<Stop>>>);

#[derive(Debug)]
enum Stop {
    Athena(aws_sdk_athena::Client, String),
    Insights(aws_sdk_cloudwatchlogs::Client, String),
}

impl Running {
    fn set(&self, stop: Option<Stop>) {
        if let Ok(mut running) = self.0.lock() {
            *running = stop;
        }
    }

    /// Stops the query still running, if any.
    pub async fn stop(&self) {
        let stop = self.0.lock().ok().and_then(|mut running| running.take());
        // Best effort: the query may have ended meanwhile.
        match stop {
            Some(Stop::Athena(client, id)) => {
                let _ = client
                    .stop_query_execution()
                    .query_execution_id(id)
                    .send()
                    .await;
            }
            Some(Stop::Insights(client, id)) => {
                let _ = client.stop_query().query_id(id).send().await;
            }
            None => {}
        }
    }
}

/// A source's responses on their way to its spool folder, with its counts.
pub struct Pages<'a> {
    /// `profile/region`: whose rate limits apply.
    place: String,
    dir: &'a Path,
    progress: &'a LiveProgress,
    capture: Capture,
    running: Running,
    written: usize,
    events: usize,
}

impl<'a> Pages<'a> {
    pub fn new(
        place: String,
        dir: &'a Path,
        progress: &'a LiveProgress,
        capture: Capture,
        running: Running,
    ) -> Pages<'a> {
        Pages {
            place,
            dir,
            progress,
            capture,
            running,
            written: 0,
            events: 0,
        }
    }

    /// The interceptor for the next request, which is counted.
    fn ask(&self) -> Capture {
        self.progress.requests.fetch_add(1, Ordering::Relaxed);
        self.capture.clone()
    }

    /// Drops what was captured: listings (detector or finding ids) are not events.
    fn discard(&self) {
        self.capture.take_bodies();
    }

    /// Writes what was captured as `page-NNNN.json`, holding `events` more events.
    fn keep(&mut self, events: usize) -> Result<(), State> {
        self.events += events;
        self.progress.events.fetch_add(events, Ordering::Relaxed);
        for body in self.capture.take_bodies() {
            self.written += 1;
            let path = self.dir.join(format!("page-{:04}.json", self.written));
            std::fs::write(&path, body).map_err(|error| {
                State::Failed(format!("cannot write {}: {error}", path.display()))
            })?;
        }
        Ok(())
    }

    /// A body written by casebook rather than received (Athena rows as records).
    fn capture_body(&self, body: Vec<u8>) {
        self.capture.push_body(body);
    }

    /// Notes the query the source started in AWS (`None` once it ended).
    fn running(&self, stop: Option<Stop>) {
        self.running.set(stop);
    }

    fn done(self, scanned: Option<u64>) -> State {
        State::Done {
            events: self.events,
            throttled: self.capture.throttled(),
            scanned,
        }
    }
}

/// Waits with backoff between polls of a query AWS runs (Athena, Logs Insights): 100 ms, doubling
/// up to 5 s.
struct Backoff(Duration);

impl Backoff {
    fn new() -> Backoff {
        Backoff(Duration::from_millis(100))
    }

    async fn wait(&mut self) {
        tokio::time::sleep(self.0).await;
        self.0 = (self.0 * 2).min(Duration::from_secs(5));
    }
}
