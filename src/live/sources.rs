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

/// Sends an SDK request with the pages' interceptor; an error ends the source in the state it
/// tells of. (A macro: every operation's builder is its own type.)
macro_rules! send {
    ($pages:expr, $request:expr) => {
        match $request.customize().interceptor($pages.ask()).send().await {
            Ok(output) => output,
            Err(error) => return state_of(&error),
        }
    };
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

    /// A body written by casebook rather than received (Athena rows as records).
    fn capture_body(&self, body: Vec<u8>) {
        self.capture.push_body(body);
    }

    fn done(self, scanned: Option<u64>) -> State {
        State::Done {
            events: self.events,
            throttled: self.capture.throttled(),
            scanned,
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
        let output = send!(pages, client.list_detectors().set_next_token(token));
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
            let listed = send!(
                pages,
                client
                    .list_findings()
                    .detector_id(detector)
                    .finding_criteria(criteria.clone())
                    .max_results(FINDINGS_PER_CALL as i32)
                    .set_next_token(token)
            );
            pages.discard();
            for ids in listed.finding_ids().chunks(FINDINGS_PER_CALL) {
                let found = send!(
                    pages,
                    client
                        .get_findings()
                        .detector_id(detector)
                        .set_finding_ids(Some(ids.to_vec()))
                );
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
    pages.done(None)
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
        let output = send!(
            pages,
            client
                .lookup_events()
                .start_time(DateTime::from_millis(millis(start)))
                .end_time(DateTime::from_millis(millis(end)))
                .set_lookup_attributes(attribute.clone().map(|a| vec![a]))
                .max_results(50)
                .set_next_token(token)
        );
        if let Err(state) = pages.keep(output.events().len()) {
            return state;
        }
        token = output.next_token().map(str::to_owned);
        if token.is_none() {
            break;
        }
    }
    pages.done(None)
}

/// Athena: runs the request's SQL, polls with backoff until it ends (StopQueryExecution when
/// cancelled), pages through the results and writes each row as a CloudTrail record, the whole
/// row kept beside it.
pub async fn athena(
    config: &SdkConfig,
    request: &LiveRequest,
    dir: &Path,
    progress: &LiveProgress,
) -> State {
    use aws_sdk_athena::types::{QueryExecutionContext, QueryExecutionState, ResultConfiguration};
    let Some(query) = &request.athena else {
        return State::Failed("no SQL to run: give --athena-sql or --query".into());
    };
    let client = aws_sdk_athena::Client::new(config);
    let mut pages = Pages::new(dir, progress);
    let started = send!(
        pages,
        client
            .start_query_execution()
            .query_string(&query.sql)
            .query_execution_context(
                QueryExecutionContext::builder()
                    .database(&query.database)
                    .build(),
            )
            .set_result_configuration(
                query
                    .output
                    .as_ref()
                    .map(|o| ResultConfiguration::builder().output_location(o).build()),
            )
            .set_work_group(query.workgroup.clone())
    );
    let id = started.query_execution_id().unwrap_or_default().to_owned();
    let mut wait = Duration::from_millis(100);
    let scanned = loop {
        let polled = send!(pages, client.get_query_execution().query_execution_id(&id));
        let execution = polled.query_execution().cloned();
        let status = execution.as_ref().and_then(|e| e.status());
        match status.and_then(|s| s.state()) {
            Some(QueryExecutionState::Succeeded) => {
                break execution
                    .as_ref()
                    .and_then(|e| e.statistics())
                    .and_then(|s| s.data_scanned_in_bytes())
                    .map(|b| b.max(0) as u64);
            }
            Some(QueryExecutionState::Failed | QueryExecutionState::Cancelled) => {
                let why = status
                    .and_then(|s| s.state_change_reason())
                    .unwrap_or("no reason given");
                return State::Failed(format!("the query ended: {why}"));
            }
            _ => {}
        }
        tokio::select! {
            () = tokio::time::sleep(wait) => wait = (wait * 2).min(Duration::from_secs(5)),
            () = super::cancelled(progress) => {
                // Athena bills by bytes scanned: stop the query, not only the wait.
                let _ = client.stop_query_execution().query_execution_id(&id).send().await;
                return State::Cancelled;
            }
        }
    };
    pages.discard();
    let mut token = None;
    let mut columns: Vec<String> = Vec::new();
    loop {
        let results = send!(
            pages,
            client
                .get_query_results()
                .query_execution_id(&id)
                .set_next_token(token)
        );
        pages.discard();
        let Some(set) = results.result_set() else {
            break;
        };
        if columns.is_empty() {
            columns = set
                .result_set_metadata()
                .map(|m| {
                    m.column_info()
                        .iter()
                        .map(|c| c.name().to_owned())
                        .collect()
                })
                .unwrap_or_default();
        }
        let mut records = Vec::new();
        for row in set.rows() {
            let values: Vec<Option<&str>> = row.data().iter().map(|d| d.var_char_value()).collect();
            // A SELECT's first row repeats the column names.
            let header = values
                .iter()
                .zip(&columns)
                .all(|(value, column)| *value == Some(column.as_str()));
            if !header {
                records.push(record_of_row(&columns, &values));
            }
        }
        let body = serde_json::json!({ "Records": records });
        pages.capture_body(body.to_string().into_bytes());
        if let Err(state) = pages.keep(records.len()) {
            return state;
        }
        token = results.next_token().map(str::to_owned);
        if token.is_none() {
            break;
        }
    }
    pages.done(scanned)
}

/// CloudWatch Logs: every event of each group in the window (FilterLogEvents pages, kept as
/// `aws logs filter-log-events` writes them, which the loaders read).
pub async fn logs(
    config: &SdkConfig,
    request: &LiveRequest,
    dir: &Path,
    progress: &LiveProgress,
) -> State {
    if request.log_groups.is_empty() {
        return State::Failed("no log group: give --log-group".into());
    }
    let client = aws_sdk_cloudwatchlogs::Client::new(config);
    let mut pages = Pages::new(dir, progress);
    let (start, end) = request.window;
    for group in &request.log_groups {
        let mut token = None;
        loop {
            let output = send!(
                pages,
                client
                    .filter_log_events()
                    .log_group_name(group)
                    .start_time(millis(start))
                    .end_time(millis(end))
                    .set_next_token(token)
            );
            if let Err(state) = pages.keep(output.events().len()) {
                return state;
            }
            token = output.next_token().map(str::to_owned);
            if token.is_none() {
                break;
            }
        }
    }
    pages.done(None)
}

/// One Athena row of the CloudTrail table as a CloudTrail record: known columns (or the
/// aliases the shipped queries use) go where CloudTrail puts them; the whole row is kept.
fn record_of_row(columns: &[String], values: &[Option<&str>]) -> serde_json::Value {
    use serde_json::{Map, Value};
    let mut record = Map::new();
    let mut identity = Map::new();
    let mut row = Map::new();
    for (column, value) in columns.iter().zip(values) {
        let Some(value) = value else {
            continue;
        };
        row.insert(column.clone(), Value::String((*value).to_owned()));
        let text = || Value::String((*value).to_owned());
        let json = || serde_json::from_str(value).unwrap_or_else(|_| text());
        let (target, field) = match column.to_ascii_lowercase().as_str() {
            "eventtime" => (&mut record, "eventTime"),
            "eventname" => (&mut record, "eventName"),
            "eventsource" => (&mut record, "eventSource"),
            "awsregion" => (&mut record, "awsRegion"),
            "sourceipaddress" => (&mut record, "sourceIPAddress"),
            "useragent" => (&mut record, "userAgent"),
            "errorcode" => (&mut record, "errorCode"),
            "errormessage" => (&mut record, "errorMessage"),
            "eventid" => (&mut record, "eventID"),
            "recipientaccountid" => (&mut record, "recipientAccountId"),
            "requestparameters" | "responseelements" | "additionaleventdata" => {
                let field = match column.to_ascii_lowercase().as_str() {
                    "requestparameters" => "requestParameters",
                    "responseelements" => "responseElements",
                    _ => "additionalEventData",
                };
                record.insert(field.into(), json());
                continue;
            }
            "principal" | "arn" => (&mut identity, "arn"),
            "access_key" | "accesskeyid" => (&mut identity, "accessKeyId"),
            _ => continue,
        };
        target.insert(field.into(), text());
    }
    if !identity.is_empty() {
        record.insert("userIdentity".into(), Value::Object(identity));
    }
    record.insert("athenaRow".into(), Value::Object(row));
    Value::Object(record)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_athena_row_becomes_a_cloudtrail_record_and_keeps_every_column() {
        let columns: Vec<String> = [
            "eventTime",
            "eventname",
            "principal",
            "requestparameters",
            "n",
        ]
        .map(str::to_owned)
        .to_vec();
        let record = record_of_row(
            &columns,
            &[
                Some("2026-11-18T03:04:40Z"),
                Some("PutBucketPolicy"),
                Some("arn:aws:iam::1:user/mallory"),
                Some(r#"{"bucketName":"orders"}"#),
                Some("42"),
            ],
        );
        assert_eq!(record["eventTime"], "2026-11-18T03:04:40Z");
        assert_eq!(record["eventName"], "PutBucketPolicy");
        assert_eq!(record["userIdentity"]["arn"], "arn:aws:iam::1:user/mallory");
        assert_eq!(record["requestParameters"]["bucketName"], "orders");
        assert_eq!(record["athenaRow"]["n"], "42");
        let aggregate = record_of_row(&["n".to_owned()], &[Some("7")]);
        assert!(
            aggregate.get("eventTime").is_none(),
            "a count is not an event"
        );
    }
}
