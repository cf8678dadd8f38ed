//! Athena over the CloudTrail table: a hunt pushed down to the engine AWS runs at scale.

use aws_config::SdkConfig;
use aws_sdk_athena::types::{QueryExecutionContext, QueryExecutionState, ResultConfiguration};

use super::{Backoff, Pages, Stop, every_page, send};
use crate::live::LiveRequest;
use crate::live::coverage::State;

/// Athena: runs the request's SQL, polls with backoff until it ends (StopQueryExecution when
/// cancelled), pages through the results and writes each row as a CloudTrail record, the whole
/// row kept beside it.
pub async fn athena(config: &SdkConfig, request: &LiveRequest, mut pages: Pages<'_>) -> State {
    let Some(sql) = &request.athena_sql else {
        return State::Failed("no SQL to run: give --athena-sql or --query".into());
    };
    let table = request.athena.clone().unwrap_or_default();
    let client = aws_sdk_athena::Client::new(config);
    let started = send!(
        pages,
        client
            .start_query_execution()
            .query_string(sql)
            .query_execution_context(
                QueryExecutionContext::builder()
                    .database(&table.database)
                    .build(),
            )
            .set_result_configuration(
                table
                    .output
                    .as_ref()
                    .map(|o| ResultConfiguration::builder().output_location(o).build()),
            )
            .set_work_group(table.workgroup.clone())
    );
    let id = started.query_execution_id().unwrap_or_default().to_owned();
    pages.running(Some(Stop::Athena(client.clone(), id.clone())));
    let mut backoff = Backoff::new();
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
        backoff.wait().await;
    };
    pages.running(None);
    pages.discard();
    let mut columns: Vec<String> = Vec::new();
    every_page!(
        pages,
        |token| client
            .get_query_results()
            .query_execution_id(&id)
            .set_next_token(token),
        |results| {
            pages.discard();
            if let Some(set) = results.result_set() {
                let records = rows_as_records(set, &mut columns);
                let body = serde_json::json!({ "Records": records });
                pages.capture_body(body.to_string().into_bytes());
                if let Err(state) = pages.keep(records.len()) {
                    return state;
                }
            }
        }
    );
    pages.done(scanned)
}

/// A page of results as CloudTrail records; `columns` are read from the first page.
fn rows_as_records(
    set: &aws_sdk_athena::types::ResultSet,
    columns: &mut Vec<String>,
) -> Vec<serde_json::Value> {
    if columns.is_empty() {
        *columns = set
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
            .zip(columns.iter())
            .all(|(value, column)| *value == Some(column.as_str()));
        if !header {
            records.push(record_of_row(columns, &values));
        }
    }
    records
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
