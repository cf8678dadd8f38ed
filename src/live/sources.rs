//! The live sources: each pages through its API, writes every response body into its spool
//! folder, and returns its coverage state.

use std::path::Path;
use std::sync::atomic::Ordering;
use std::time::Duration;

use aws_config::SdkConfig;
use aws_smithy_types::DateTime;

use super::capture::Capture;
use super::coverage::{State, state_of};
use super::{LiveProgress, LiveRequest};
use crate::time::NANOS_PER_SEC;

/// GetFindings takes at most 50 ids.
const FINDINGS_PER_CALL: usize = 50;
/// LookupEvents: 2 requests per second per account and region, paced here, not only retried.
const LOOKUP_INTERVAL: Duration = Duration::from_millis(500);

fn millis(nanos: i64) -> i64 {
    nanos / (NANOS_PER_SEC / 1000)
}

/// A source's responses on their way to its spool folder, with its counts.
struct Pages<'a> {
    dir: &'a Path,
    progress: &'a LiveProgress,
    capture: Capture,
    written: usize,
    events: usize,
}

impl<'a> Pages<'a> {
    fn new(dir: &'a Path, progress: &'a LiveProgress) -> Pages<'a> {
        Pages {
            dir,
            progress,
            capture: Capture::default(),
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

    fn done(self) -> State {
        State::Done {
            events: self.events,
            throttled: self.capture.throttled(),
        }
    }
}

/// GuardDuty: every detector's findings updated in the window (ListFindings pages), fetched 50
/// at a time with GetFindings.
pub async fn guardduty(
    config: &SdkConfig,
    request: &LiveRequest,
    dir: &Path,
    progress: &LiveProgress,
) -> State {
    use aws_sdk_guardduty::types::{Condition, FindingCriteria};
    let client = aws_sdk_guardduty::Client::new(config);
    let mut pages = Pages::new(dir, progress);
    let mut detectors = Vec::new();
    let mut token = None;
    loop {
        let output = match client
            .list_detectors()
            .set_next_token(token)
            .customize()
            .interceptor(pages.ask())
            .send()
            .await
        {
            Ok(output) => output,
            Err(error) => return state_of(&error),
        };
        detectors.extend(output.detector_ids().iter().cloned());
        token = output.next_token().map(str::to_owned);
        if token.is_none() {
            break;
        }
    }
    pages.discard();
    if detectors.is_empty() {
        return State::NotEnabled("no GuardDuty detector in this region".into());
    }
    let (start, end) = request.window;
    let criteria = FindingCriteria::builder()
        .criterion(
            "updatedAt",
            Condition::builder()
                .greater_than_or_equal(millis(start))
                .less_than(millis(end))
                .build(),
        )
        .build();
    for detector in &detectors {
        let mut token = None;
        loop {
            let listed = match client
                .list_findings()
                .detector_id(detector)
                .finding_criteria(criteria.clone())
                .max_results(FINDINGS_PER_CALL as i32)
                .set_next_token(token)
                .customize()
                .interceptor(pages.ask())
                .send()
                .await
            {
                Ok(listed) => listed,
                Err(error) => return state_of(&error),
            };
            pages.discard();
            for ids in listed.finding_ids().chunks(FINDINGS_PER_CALL) {
                let found = match client
                    .get_findings()
                    .detector_id(detector)
                    .set_finding_ids(Some(ids.to_vec()))
                    .customize()
                    .interceptor(pages.ask())
                    .send()
                    .await
                {
                    Ok(found) => found,
                    Err(error) => return state_of(&error),
                };
                if let Err(state) = pages.keep(found.findings().len()) {
                    return state;
                }
            }
            token = listed.next_token().map(str::to_owned);
            if token.is_none() {
                break;
            }
        }
    }
    pages.done()
}

/// CloudTrail LookupEvents over the window, with the request's one lookup attribute, every page,
/// paced to the API's 2 requests per second.
pub async fn cloudtrail(
    config: &SdkConfig,
    request: &LiveRequest,
    dir: &Path,
    progress: &LiveProgress,
) -> State {
    use aws_sdk_cloudtrail::types::{LookupAttribute, LookupAttributeKey};
    let client = aws_sdk_cloudtrail::Client::new(config);
    let mut pages = Pages::new(dir, progress);
    let attribute = match &request.lookup {
        Some(lookup) => match LookupAttribute::builder()
            .attribute_key(LookupAttributeKey::from(lookup.key.as_str()))
            .attribute_value(&lookup.value)
            .build()
        {
            Ok(attribute) => Some(attribute),
            Err(error) => return State::Failed(format!("lookup attribute: {error}")),
        },
        None => None,
    };
    let (start, end) = request.window;
    let mut pacing = tokio::time::interval(LOOKUP_INTERVAL);
    pacing.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut token = None;
    loop {
        pacing.tick().await;
        let output = match client
            .lookup_events()
            .start_time(DateTime::from_millis(millis(start)))
            .end_time(DateTime::from_millis(millis(end)))
            .set_lookup_attributes(attribute.clone().map(|a| vec![a]))
            .max_results(50)
            .set_next_token(token)
            .customize()
            .interceptor(pages.ask())
            .send()
            .await
        {
            Ok(output) => output,
            Err(error) => return state_of(&error),
        };
        if let Err(state) = pages.keep(output.events().len()) {
            return state;
        }
        token = output.next_token().map(str::to_owned);
        if token.is_none() {
            break;
        }
    }
    pages.done()
}
