//! Sources turn raw bytes into events. The format is detected from content, never from the file
//! name: first the container (JSON document, JSON lines, flow-log text, S3 access-log text), then
//! the shape of each record inside it (envelopes are unwrapped on the way).

pub mod cloudtrail;
pub mod config;
pub mod cwlogs;
pub mod files;
pub mod findings;
pub mod json;
pub mod s3access;
pub mod vpcflow;

use std::borrow::Cow;

use serde_json::Value;

pub use crate::event::{EventSink, Location, Raw};

/// What an envelope tells about the records inside it, used where a record lacks it.
#[derive(Debug, Clone, Default)]
pub struct Context<'a> {
    pub time: Option<i64>,
    pub account: Option<Cow<'a, str>>,
    pub region: Option<Cow<'a, str>>,
    pub log_group: Option<Cow<'a, str>>,
}

/// How a file's content was laid out, reported per file by `stats`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Container {
    CloudTrailDelivery,
    JsonDocument,
    JsonLines,
    FlowLogText,
    S3AccessLogText,
}

impl Container {
    pub fn as_str(self) -> &'static str {
        match self {
            Container::CloudTrailDelivery => "cloudtrail delivery file",
            Container::JsonDocument => "json document",
            Container::JsonLines => "json lines",
            Container::FlowLogText => "vpc flow log text",
            Container::S3AccessLogText => "s3 access log text",
        }
    }
}

/// Why a whole file (or what was left of it) could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FormatError {
    #[error("empty file")]
    Empty,
    #[error("binary data, not a log format casebook reads")]
    Binary,
    #[error("text in no format casebook reads (first line: {0})")]
    UnknownText(String),
    #[error("invalid JSON: {0}")]
    InvalidJson(String),
}

/// Parses one file's (decompressed) bytes. Records that fail are reported to the sink and the
/// rest still load; an error means nothing in the file could be read as events, or that the
/// content broke off (what came before is kept).
pub fn parse_bytes(bytes: &[u8], sink: &mut dyn EventSink) -> Result<Container, FormatError> {
    let start = bytes.iter().position(|b| !b.is_ascii_whitespace());
    let Some(start) = start else {
        return Err(FormatError::Empty);
    };
    let content = &bytes[start..];
    match content[0] {
        b'{' | b'[' => parse_json(content, sink, Repair::Allowed),
        _ if looks_binary(content) => Err(FormatError::Binary),
        _ => parse_text(content, sink),
    }
}

fn looks_binary(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(512)];
    let suspicious = head
        .iter()
        .filter(|&&b| b == 0 || (b < 0x20 && !matches!(b, b'\n' | b'\r' | b'\t')))
        .count();
    suspicious > 0 && (suspicious * 20 > head.len() || head.contains(&0))
        || std::str::from_utf8(&head[..head.len().saturating_sub(3)]).is_err()
}

/// Whether a JSON parse may still retry once with raw control characters escaped.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Repair {
    Allowed,
    Done,
}

fn parse_json(
    bytes: &[u8],
    sink: &mut dyn EventSink,
    repair: Repair,
) -> Result<Container, FormatError> {
    if cloudtrail::is_delivery_file(bytes) {
        let more =
            cloudtrail::parse_delivery_file(bytes, sink).map_err(FormatError::InvalidJson)?;
        return Ok(match more {
            None => Container::CloudTrailDelivery,
            Some(end) => {
                parse_json_lines(bytes, end, sink);
                Container::JsonLines
            }
        });
    }
    let mut documents = serde_json::Deserializer::from_slice(bytes).into_iter::<Value>();
    let first = documents.next();
    let first_end = documents.byte_offset();
    let only_whitespace_after = bytes[first_end..].iter().all(u8::is_ascii_whitespace);
    match first {
        Some(Ok(document)) if only_whitespace_after => {
            dispatch(&document, &Context::default(), &Location::default(), sink);
            Ok(Container::JsonDocument)
        }
        Some(Ok(_)) => {
            parse_json_lines(bytes, 0, sink);
            Ok(Container::JsonLines)
        }
        Some(Err(error)) if repair == Repair::Allowed && is_raw_control_error(&error) => {
            parse_json(&escape_raw_controls(bytes), sink, Repair::Done)
        }
        Some(Err(error)) => {
            // A bad first line in a JSON-lines file must not hide the good lines after it; a
            // broken single document (pretty-printed, so its first line is not a document) is
            // one error.
            if bytes.contains(&b'\n') && first_line_is_document(bytes) {
                parse_json_lines(bytes, 0, sink);
                Ok(Container::JsonLines)
            } else {
                Err(FormatError::InvalidJson(error.to_string()))
            }
        }
        None => Err(FormatError::Empty),
    }
}

fn first_line_is_document(bytes: &[u8]) -> bool {
    let first_line = bytes.split(|&b| b == b'\n').next().unwrap_or_default();
    let trimmed = first_line.trim_ascii();
    trimmed.ends_with(b"}") || trimmed.ends_with(b"]")
}

/// Reads `bytes` from offset `from` on as JSON lines; lines are numbered from the file's start.
fn parse_json_lines(bytes: &[u8], from: usize, sink: &mut dyn EventSink) {
    let root = Location::default();
    let lines_before = memchr::memchr_iter(b'\n', &bytes[..from]).count();
    for (index, line) in bytes[from..].split(|&b| b == b'\n').enumerate() {
        let line = line.trim_ascii();
        if line.is_empty() {
            continue;
        }
        let location = root.line(lines_before + index + 1);
        let parsed = serde_json::from_slice::<Value>(line).or_else(|error| {
            if is_raw_control_error(&error) {
                serde_json::from_slice(&escape_raw_controls(line))
            } else {
                Err(error)
            }
        });
        match parsed {
            Ok(value) => dispatch(&value, &Context::default(), &location, sink),
            Err(error) => sink.skip(&location, format!("invalid JSON: {error}")),
        }
    }
}

/// Some exporters write control characters raw inside strings, which JSON forbids.
fn is_raw_control_error(error: &serde_json::Error) -> bool {
    error.is_syntax() && error.to_string().starts_with("control character")
}

/// Escapes raw control characters inside JSON strings as `\u00XX`: the strings then mean
/// exactly what the exporter meant, and the rest of the document is untouched.
fn escape_raw_controls(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len() + 16);
    let (mut in_string, mut escaped) = (false, false);
    for &byte in bytes {
        if in_string && !escaped && byte < 0x20 {
            out.extend_from_slice(format!("\\u{byte:04x}").as_bytes());
            continue;
        }
        out.push(byte);
        if escaped {
            escaped = false;
        } else if in_string && byte == b'\\' {
            escaped = true;
        } else if byte == b'"' {
            in_string = !in_string;
        }
    }
    out
}

fn parse_text(bytes: &[u8], sink: &mut dyn EventSink) -> Result<Container, FormatError> {
    let first_line = bytes.split(|&b| b == b'\n').next().unwrap_or_default();
    let first_line = String::from_utf8_lossy(first_line);
    if vpcflow::is_flow_log_text(&first_line) {
        vpcflow::parse_text(bytes, sink);
        Ok(Container::FlowLogText)
    } else if s3access::is_access_log_line(&first_line) {
        s3access::parse_text(bytes, sink);
        Ok(Container::S3AccessLogText)
    } else {
        let shown: String = first_line.chars().take(60).collect();
        Err(FormatError::UnknownText(crate::sanitize::inline(&shown)))
    }
}

/// Routes one JSON value to the source that reads its shape, unwrapping envelopes.
pub fn dispatch(value: &Value, context: &Context, location: &Location, sink: &mut dyn EventSink) {
    let Some(map) = value.as_object() else {
        if let Value::Array(items) = value {
            for (i, item) in items.iter().enumerate() {
                dispatch(item, context, &location.index("", i), sink);
            }
        } else {
            sink.skip(location, json::describe_keys(value));
        }
        return;
    };
    if let Some(Value::Array(records)) = map.get("Records") {
        for (i, record) in records.iter().enumerate() {
            cloudtrail::from_value(record, context, &location.index("Records", i), sink);
        }
    } else if map.contains_key("digestStartTime") && map.contains_key("logFiles") {
        sink.skip(
            location,
            "CloudTrail digest file (log file hashes, not events)".into(),
        );
    } else if map.contains_key("detail-type") && map.contains_key("detail") {
        eventbridge(value, context, location, sink);
    } else if map.contains_key("logEvents") {
        cwlogs::subscription_payload(value, context, location, sink);
    } else if let Some(Value::Array(events)) = map.get("events") {
        cwlogs::exported_events(events, context, location, sink);
    } else if let (Some(Value::Array(rows)), true) =
        (map.get("results"), map.contains_key("status"))
    {
        cwlogs::insights_results(rows, context, location, sink);
    } else if let Some(Value::Array(events)) = map.get("Events") {
        lookup_events(events, context, location, sink);
    } else if let Some(findings) = json::get(value, "Findings").and_then(Value::as_array) {
        for (i, finding) in findings.iter().enumerate() {
            findings::from_value(finding, context, &location.index("Findings", i), sink);
        }
    } else if let Some(Value::Array(items)) = map.get("configurationItems") {
        for (i, item) in items.iter().enumerate() {
            config::from_item(
                item,
                None,
                context,
                &location.index("configurationItems", i),
                sink,
            );
        }
    } else {
        record(value, context, location, sink);
    }
}

/// CloudTrail LookupEvents output (`aws cloudtrail lookup-events`, or the API's own answer): each
/// event carries its CloudTrail record as JSON text in `CloudTrailEvent`.
fn lookup_events(
    events: &[Value],
    context: &Context,
    location: &Location,
    sink: &mut dyn EventSink,
) {
    for (i, event) in events.iter().enumerate() {
        let location = location.index("Events", i);
        match json::get(event, "CloudTrailEvent").and_then(Value::as_str) {
            Some(text) => match serde_json::from_str::<Value>(text) {
                Ok(record) => cloudtrail::from_value(&record, context, &location, sink),
                Err(error) => sink.skip(&location, format!("CloudTrailEvent is not JSON: {error}")),
            },
            None => sink.skip(
                &location,
                "LookupEvents event without CloudTrailEvent".into(),
            ),
        }
    }
}

/// A single record, recognised by its fields (or by a `p_log_type` hint Panther exports carry).
fn record(value: &Value, context: &Context, location: &Location, sink: &mut dyn EventSink) {
    let hint = json::str_at(value, &["p_log_type"]);
    let has = |key: &str| json::get(value, key).is_some();
    match hint.as_deref() {
        Some("AWS.CloudTrail") => return cloudtrail::from_value(value, context, location, sink),
        Some("Amazon.EKS.Audit") => return cwlogs::k8s_audit(value, context, location, sink),
        Some("AWS.GuardDuty" | "AWS.SecurityFindingFormat") => {
            return findings::from_value(value, context, location, sink);
        }
        Some("AWS.VPCFlow") => return vpcflow::from_json(value, context, location, sink),
        Some("AWS.VPCDns") => return cwlogs::resolver_query(value, context, location, sink),
        Some("AWS.S3ServerAccess") => return s3access::from_json(value, context, location, sink),
        _ => {}
    }
    if has("eventName") && (has("eventSource") || has("eventTime") || has("userIdentity")) {
        cloudtrail::from_value(value, context, location, sink);
    } else if has("configurationItem") {
        config::notification(value, context, location, sink);
    } else if has("configurationItemCaptureTime") || has("configurationItemStatus") {
        config::from_item(value, None, context, location, sink);
    } else if findings::is_finding(value) {
        findings::from_value(value, context, location, sink);
    } else if cwlogs::is_k8s_audit(value) {
        cwlogs::k8s_audit(value, context, location, sink);
    } else if has("log") && (has("stream") || has("kubernetes") || has("time")) {
        cwlogs::container_line(value, context, location, sink);
    } else if has("query_name") && has("query_timestamp") {
        cwlogs::resolver_query(value, context, location, sink);
    } else if has("bucketowner") || (has("operation") && has("requestid")) {
        s3access::from_json(value, context, location, sink);
    } else if has("srcaddr") && has("dstaddr") || has("interfaceId") {
        vpcflow::from_json(value, context, location, sink);
    } else if let Some(Value::String(message)) = json::get(value, "message") {
        cwlogs::message(message, context, location, sink);
    } else {
        sink.skip(
            location,
            format!("unrecognised record ({})", json::describe_keys(value)),
        );
    }
}

/// EventBridge events: CloudTrail calls, GuardDuty and Security Hub findings, Config changes.
fn eventbridge(value: &Value, outer: &Context, location: &Location, sink: &mut dyn EventSink) {
    let detail_type = json::str_at(value, &["detail-type"]).unwrap_or_default();
    let detail = &value["detail"];
    let context = Context {
        time: json::time_at(value, &["time"]).or(outer.time),
        account: json::str_at(value, &["account"]).or_else(|| outer.account.clone()),
        region: json::str_at(value, &["region"]).or_else(|| outer.region.clone()),
        log_group: outer.log_group.clone(),
    };
    match detail_type.as_ref() {
        t if t.ends_with("via CloudTrail") => {
            cloudtrail::from_value(detail, &context, location, sink)
        }
        "GuardDuty Finding" => findings::from_value(detail, &context, location, sink),
        t if t.starts_with("Security Hub Findings") => {
            let findings = json::get(detail, "findings").and_then(Value::as_array);
            for (i, finding) in findings.into_iter().flatten().enumerate() {
                findings::from_value(finding, &context, &location.index("findings", i), sink);
            }
        }
        "Config Configuration Item Change" => {
            config::notification(detail, &context, location, sink)
        }
        other => sink.skip(
            location,
            format!(
                "EventBridge event of an unsupported detail-type '{}'",
                crate::sanitize::inline(other)
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::testing::parse;

    #[test]
    fn raw_control_characters_in_strings_are_read_as_escapes() {
        let record = b"{\"configurationItemCaptureTime\":\"2024-01-01T00:00:00Z\",\"configurationItemStatus\":\"OK\",\"resourceId\":\"a\x01b\",\"resourceType\":\"AWS::X::Y\"}";
        let (result, sink) = parse(record);
        assert!(result.is_ok(), "{result:?}");
        assert_eq!(sink.events[0].resources, ["a\u{1}b"]);
        let mut lines = record.to_vec();
        lines.extend_from_slice(b"\n{\"bad\": \n");
        let (_, sink) = parse(&lines);
        assert_eq!(sink.events.len(), 1);
        assert_eq!(sink.skips[0].0, "line 2");
    }

    #[test]
    fn delivery_documents_one_per_line_are_all_read() {
        let record = |id: &str| {
            format!(
                r#"{{"eventTime":"2026-11-18T03:00:0{id}Z","eventName":"GetObject","eventSource":"s3.amazonaws.com","eventID":"{id}"}}"#
            )
        };
        let lines = format!(
            "{{\"Records\":[{},{}]}}\n{{\"Records\":[{}]}}\n{}\n{{broken\n",
            record("1"),
            record("2"),
            record("3"),
            record("4")
        );
        let (result, sink) = parse(lines.as_bytes());
        assert_eq!(result, Ok(super::Container::JsonLines));
        let ids: Vec<_> = sink.events.iter().map(|e| e.id.as_deref()).collect();
        assert_eq!(ids, [Some("1"), Some("2"), Some("3"), Some("4")]);
        assert_eq!(sink.raws[2]["eventID"], "3");
        assert_eq!(sink.skips.len(), 1);
        assert_eq!(sink.skips[0].0, "line 4");

        // A record after one delivery document is read too, not reported as trailing text.
        let mixed = format!("{{\"Records\":[{}]}}\n{}\n", record("1"), record("2"));
        let (result, sink) = parse(mixed.as_bytes());
        assert_eq!(result, Ok(super::Container::JsonLines));
        assert_eq!(sink.events.len(), 2);

        let pretty = format!("{{\n  \"Records\": [\n    {}\n  ]\n}}\n", record("1"));
        let (result, sink) = parse(pretty.as_bytes());
        assert_eq!(result, Ok(super::Container::CloudTrailDelivery));
        assert_eq!(sink.events.len(), 1);
    }

    #[test]
    fn reads_lookup_events_output() {
        let output = br#"{"Events":[{"EventId":"e1","EventName":"StopLogging","CloudTrailEvent":"{\"eventTime\":\"2026-11-18T03:09:30Z\",\"eventSource\":\"cloudtrail.amazonaws.com\",\"eventName\":\"StopLogging\",\"eventID\":\"e1\"}"},{"EventId":"e2","CloudTrailEvent":"{broken"}],"NextToken":"t"}"#;
        let (result, sink) = parse(output);
        assert!(result.is_ok(), "{result:?}");
        assert_eq!(sink.events.len(), 1);
        assert_eq!(sink.events[0].action, "StopLogging");
        assert_eq!(
            sink.raws[0]["eventID"], "e1",
            "the original is the CloudTrail record"
        );
        assert_eq!(sink.skips[0].0, "Events[1]");
        assert!(sink.skips[0].1.contains("not JSON"));
    }
}

#[cfg(test)]
pub(crate) mod testing {
    //! A sink that collects owned copies, for source tests.
    use super::*;
    use crate::event::EventRecord;
    pub use crate::event::{EventSink, Location, Raw};

    #[derive(Default)]
    pub struct Collect {
        pub events: Vec<EventRecord<'static>>,
        pub raws: Vec<Value>,
        pub skips: Vec<(String, String)>,
        /// Asks for no originals, as a load does: sources take their fastest path.
        pub without_raw: bool,
    }

    impl EventSink for Collect {
        fn wants_raw(&self) -> bool {
            !self.without_raw
        }
        fn event(&mut self, record: &EventRecord<'_>, raw: Option<Raw<'_>>) {
            self.events.push(owned(record.clone()));
            self.raws.push(raw.map(Raw::to_json).unwrap_or(Value::Null));
        }
        fn skip(&mut self, location: &Location, reason: String) {
            self.skips.push((location.to_string(), reason));
        }
    }

    fn owned(record: EventRecord<'_>) -> EventRecord<'static> {
        let own = |t: Option<Cow<'_, str>>| t.map(|t| Cow::Owned(t.into_owned()));
        EventRecord {
            action: Cow::Owned(record.action.into_owned()),
            error_code: own(record.error_code),
            actor: own(record.actor),
            role: own(record.role),
            access_key: own(record.access_key),
            account: own(record.account),
            region: own(record.region),
            src_ip: own(record.src_ip),
            dst_ip: own(record.dst_ip),
            user_agent: own(record.user_agent),
            resources: record
                .resources
                .into_iter()
                .map(|r| Cow::Owned(r.into_owned()))
                .collect(),
            id: own(record.id),
            time: record.time,
            source: record.source,
            class: record.class,
            outcome: record.outcome,
            severity: record.severity,
            bytes: record.bytes,
            summary: record.summary,
        }
    }

    pub fn parse(bytes: &[u8]) -> (Result<Container, FormatError>, Collect) {
        parse_into(bytes, Collect::default())
    }

    /// Parses as a load does, without the originals.
    pub fn parse_without_raw(bytes: &[u8]) -> (Result<Container, FormatError>, Collect) {
        parse_into(
            bytes,
            Collect {
                without_raw: true,
                ..Collect::default()
            },
        )
    }

    fn parse_into(bytes: &[u8], mut sink: Collect) -> (Result<Container, FormatError>, Collect) {
        let result = parse_bytes(bytes, &mut sink);
        (result, sink)
    }
}
