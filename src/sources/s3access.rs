//! S3 server access logs: the space-separated text AWS delivers, and Panther's JSON of it.

use std::borrow::Cow;

use serde_json::Value;

use super::json;
use super::{Context, EventSink, Location, Raw};
use crate::event::{EventClass, EventRecord, Outcome, Source, text};

/// The documented field order of the text format (later fields are optional).
const FIELDS: &[&str] = &[
    "bucketowner",
    "bucket",
    "time",
    "remoteip",
    "requester",
    "requestid",
    "operation",
    "key",
    "requesturi",
    "httpstatus",
    "errorcode",
    "bytessent",
    "objectsize",
    "totaltime",
    "turnaroundtime",
    "referrer",
    "useragent",
    "versionid",
    "hostid",
    "signatureversion",
    "ciphersuite",
    "authenticationtype",
    "hostheader",
    "tlsversion",
    "accesspointarn",
    "aclrequired",
];

/// `79a5...2be bucket [06/Feb/2019:00:00:38 +0000] 192.0.2.3 ...`
pub fn is_access_log_line(line: &str) -> bool {
    let tokens = tokenize(line);
    tokens.len() >= 10 && tokens[2].ends_with("+0000") && parse_log_time(tokens[2]).is_some()
}

pub fn parse_text(bytes: &[u8], sink: &mut dyn EventSink) {
    let root = Location::default();
    for (index, line) in bytes.split(|&b| b == b'\n').enumerate() {
        let location = root.line(index + 1);
        let Ok(line) = std::str::from_utf8(line) else {
            sink.skip(&location, "invalid UTF-8 in an access log line".into());
            continue;
        };
        if line.trim().is_empty() {
            continue;
        }
        let tokens = tokenize(line);
        if tokens.len() < 10 {
            sink.skip(
                &location,
                format!(
                    "access log line with {} fields, expected at least 10",
                    tokens.len()
                ),
            );
            continue;
        }
        let lookup = |name: &str| {
            let index = FIELDS.iter().position(|f| *f == name)?;
            let value = tokens.get(index)?;
            text(Some(Cow::Borrowed(*value)))
        };
        let time = parse_log_time(tokens[2]);
        let raw = sink.wants_raw().then_some(Raw::Text(line));
        emit(&lookup, time, &Context::default(), &location, raw, sink);
    }
}

pub fn from_json(value: &Value, context: &Context, location: &Location, sink: &mut dyn EventSink) {
    let lookup = |name: &str| json::str_at(value, &[name]);
    let time = json::time_at(value, &["time"]);
    let raw = sink.wants_raw().then_some(Raw::Json(value));
    emit(&lookup, time, context, location, raw, sink);
}

fn emit<'a>(
    field: &dyn Fn(&str) -> Option<Cow<'a, str>>,
    time: Option<i64>,
    context: &Context<'a>,
    location: &Location,
    raw: Option<Raw<'_>>,
    sink: &mut dyn EventSink,
) {
    let Some(time) = time.or(context.time) else {
        return sink.skip(
            location,
            "S3 access log record without a readable time".into(),
        );
    };
    let operation = field("operation").unwrap_or(Cow::Borrowed("(no operation)"));
    let mut event = EventRecord::new(time, Source::S3Access, EventClass::ApiCall, operation);
    event.actor = field("requester");
    event.src_ip = field("remoteip");
    event.user_agent = field("useragent");
    event.id = field("requestid");
    event.account = context.account.clone();
    event.region = context.region.clone();
    event.error_code = field("errorcode");
    event.bytes = field("bytessent").and_then(|b| b.parse().ok());
    let status = field("httpstatus");
    event.outcome = match status.as_deref().and_then(|s| s.parse::<u16>().ok()) {
        Some(code) if code >= 400 => Outcome::Failure,
        Some(_) => Outcome::Success,
        None if event.error_code.is_some() => Outcome::Failure,
        None => Outcome::Unknown,
    };
    let bucket = field("bucket");
    if let (Some(bucket), Some(key)) = (&bucket, field("key")) {
        event.add_resource(format!("arn:aws:s3:::{bucket}/{key}"));
    }
    if let Some(bucket) = bucket {
        event.add_resource(format!("arn:aws:s3:::{bucket}"));
    }
    let target = event
        .resources
        .first()
        .map(|r| r.trim_start_matches("arn:aws:s3:::"))
        .unwrap_or("?");
    event.summary = format!(
        "{} {target} → {}",
        event.action,
        status.as_deref().unwrap_or("?")
    );
    if let Some(error) = &event.error_code {
        event.summary.push_str(&format!(" {error}"));
    }
    sink.event(&event, raw);
}

/// Splits on spaces, keeping `"quoted strings"` and `[bracketed times]` whole (without delimiters).
fn tokenize(line: &str) -> Vec<&str> {
    let mut tokens = Vec::new();
    let mut rest = line.trim();
    while !rest.is_empty() {
        let (token, after) = match rest.as_bytes()[0] {
            b'"' => split_closing(&rest[1..], '"'),
            b'[' => split_closing(&rest[1..], ']'),
            _ => rest.split_once(' ').unwrap_or((rest, "")),
        };
        tokens.push(token);
        rest = after.trim_start();
    }
    tokens
}

fn split_closing(text: &str, close: char) -> (&str, &str) {
    match text.find(close) {
        Some(end) => (&text[..end], &text[end + 1..]),
        None => (text, ""),
    }
}

/// `06/Feb/2019:00:00:38 +0000`
fn parse_log_time(text: &str) -> Option<i64> {
    let (date, zone) = text.split_once(' ')?;
    let mut parts = date.splitn(3, '/');
    let (day, month, rest) = (parts.next()?, parts.next()?, parts.next()?);
    let (year, clock) = rest.split_once(':')?;
    let month = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ]
    .iter()
    .position(|m| *m == month)?
        + 1;
    let zone = format!("{}:{}", zone.get(..3)?, zone.get(3..)?);
    crate::time::parse_timestamp(&format!("{year}-{month:02}-{day}T{clock}{zone}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sources::testing::parse;
    use crate::time::format_rfc3339;

    const LINE: &str = r#"79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be orders [30/Nov/2026:03:04:05 +0000] 203.0.113.66 arn:aws:sts::111122223333:assumed-role/node/i-0abc 3E57427F3EXAMPLE REST.GET.OBJECT exports/2026-11.csv "GET /orders/exports/2026-11.csv HTTP/1.1" 200 - 5242880 5242880 70 10 "-" "aws-cli/2.15 =HYPERLINK(1)" - Ex+Host= SigV4 ECDHE-RSA-AES128-GCM-SHA256 AuthHeader orders.s3.eu-west-1.amazonaws.com TLSv1.2 - -"#;

    #[test]
    fn maps_a_text_access_log_line() {
        let (result, sink) = parse(LINE.as_bytes());
        assert_eq!(result, Ok(crate::sources::Container::S3AccessLogText));
        let event = &sink.events[0];
        assert_eq!(format_rfc3339(event.time), "2026-11-30T03:04:05.000Z");
        assert_eq!(event.source, Source::S3Access);
        assert_eq!(event.action, "REST.GET.OBJECT");
        assert_eq!(event.outcome, Outcome::Success);
        assert_eq!(event.bytes, Some(5_242_880));
        assert_eq!(
            event.actor.as_deref(),
            Some("arn:aws:sts::111122223333:assumed-role/node/i-0abc")
        );
        assert_eq!(event.src_ip.as_deref(), Some("203.0.113.66"));
        assert_eq!(
            event.user_agent.as_deref(),
            Some("aws-cli/2.15 =HYPERLINK(1)")
        );
        assert_eq!(event.id.as_deref(), Some("3E57427F3EXAMPLE"));
        assert_eq!(
            event.resources,
            [
                "arn:aws:s3:::orders/exports/2026-11.csv",
                "arn:aws:s3:::orders"
            ]
        );
        assert_eq!(
            event.summary,
            "REST.GET.OBJECT orders/exports/2026-11.csv → 200"
        );
    }

    #[test]
    fn maps_panther_json_with_an_error() {
        let json = r#"{"bucket":"panther-auditlogs","time":"2020-04-22 07:48:45.000","remoteip":"10.106.38.245","requester":"arn:aws:iam::162777425019:user/awslogsdelivery","requestid":"5CDAB4038253B0E4","operation":"REST.GET.OBJECT","httpstatus":403,"errorcode":"AccessDenied"}"#;
        let (_, sink) = parse(json.as_bytes());
        let event = &sink.events[0];
        assert_eq!(event.outcome, Outcome::Failure);
        assert_eq!(event.error_code.as_deref(), Some("AccessDenied"));
        assert_eq!(
            event.summary,
            "REST.GET.OBJECT panther-auditlogs → 403 AccessDenied"
        );
    }
}
