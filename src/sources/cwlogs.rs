//! CloudWatch Logs: subscription payloads and `filter-log-events` / `get-log-events` exports, and
//! what ships inside them: Kubernetes audit events, Fluent Bit container lines, Route 53 Resolver
//! query logs, CloudTrail records, VPC flow lines, and plain log lines.

use std::borrow::Cow;

use serde_json::Value;

use super::json::{self, first_str, first_time, get, str_at};
use super::{Context, EventSink, Location, Raw, dispatch, vpcflow};
use crate::event::{EventClass, EventRecord, Outcome, Source};

/// `{"messageType":"DATA_MESSAGE","logGroup":...,"logEvents":[{"id","timestamp","message"}]}`.
pub fn subscription_payload(
    value: &Value,
    context: &Context,
    location: &Location,
    sink: &mut dyn EventSink,
) {
    match str_at(value, &["messageType"]).as_deref() {
        Some("CONTROL_MESSAGE") => {
            return sink.skip(
                location,
                "CloudWatch Logs control message (health check, no events)".into(),
            );
        }
        Some("DATA_MESSAGE") | None => {}
        Some(other) => {
            let other = crate::sanitize::inline(other);
            return sink.skip(
                location,
                format!("CloudWatch Logs payload of unknown messageType '{other}'"),
            );
        }
    }
    let context = Context {
        account: str_at(value, &["owner"]).or_else(|| context.account.clone()),
        log_group: str_at(value, &["logGroup"]).or_else(|| context.log_group.clone()),
        ..context.clone()
    };
    let events = get(value, "logEvents").and_then(Value::as_array);
    for (i, log_event) in events.into_iter().flatten().enumerate() {
        log_event_message(log_event, &context, &location.index("logEvents", i), sink);
    }
}

/// The `events` array of `aws logs filter-log-events` or `get-log-events`.
pub fn exported_events(
    events: &[Value],
    context: &Context,
    location: &Location,
    sink: &mut dyn EventSink,
) {
    for (i, log_event) in events.iter().enumerate() {
        log_event_message(log_event, context, &location.index("events", i), sink);
    }
}

fn log_event_message(
    log_event: &Value,
    context: &Context,
    location: &Location,
    sink: &mut dyn EventSink,
) {
    let context = Context {
        time: json::time_at(log_event, &["timestamp"]).or(context.time),
        log_group: str_at(log_event, &["logGroupName"]).or_else(|| context.log_group.clone()),
        ..context.clone()
    };
    match get(log_event, "message") {
        Some(Value::String(message)) => self::message(message, &context, location, sink),
        _ => sink.skip(location, "log event without a message".into()),
    }
}

/// Logs Insights results (`aws logs get-query-results`, or the API's answer): each row is a list
/// of `{field, value}`. A row that carries `@message` is a log event; a row of aggregates (a
/// `stats` query) is not, and is skipped as such.
pub fn insights_results(
    rows: &[Value],
    context: &Context,
    location: &Location,
    sink: &mut dyn EventSink,
) {
    for (i, row) in rows.iter().enumerate() {
        let location = location.index("results", i);
        let field = |name: &str| {
            row.as_array()?
                .iter()
                .find(|cell| str_at(cell, &["field"]).as_deref() == Some(name))
                .and_then(|cell| get(cell, "value"))
                .and_then(Value::as_str)
        };
        let Some(message) = field("@message") else {
            sink.skip(
                &location,
                "Logs Insights row without @message (aggregates are not events; \
                 add @message to the query's fields to load the events)"
                    .into(),
            );
            continue;
        };
        // AWS writes `2026-11-18 03:04:40.000`; some emulators write epoch milliseconds.
        let time = field("@timestamp").and_then(crate::time::parse_any);
        // `@log` is `account-id:group-name`.
        let (account, group) = match field("@log").map(|log| log.split_once(':')) {
            Some(Some((account, group))) => (Some(account), Some(group)),
            _ => (None, field("@log")),
        };
        let context = Context {
            time: time.or(context.time),
            account: account
                .map(|a| Cow::Owned(a.to_owned()))
                .or_else(|| context.account.clone()),
            log_group: group
                .map(|g| Cow::Owned(g.to_owned()))
                .or_else(|| context.log_group.clone()),
            ..context.clone()
        };
        self::message(message, &context, &location, sink);
    }
}

/// A log message: JSON (dispatched by shape), a VPC flow line, or a plain line.
pub fn message(message: &str, context: &Context, location: &Location, sink: &mut dyn EventSink) {
    let trimmed = message.trim();
    if let Some(value) = trimmed
        .starts_with('{')
        .then(|| serde_json::from_str::<Value>(trimmed).ok())
        .flatten()
    {
        return dispatch(&value, context, location, sink);
    }
    if vpcflow::is_flow_record(trimmed) {
        return vpcflow::parse_line(trimmed, None, context, location, sink);
    }
    let Some(time) = context.time else {
        return sink.skip(location, "log line without a timestamp".into());
    };
    let group = context.log_group.clone();
    let mut event = EventRecord::new(
        time,
        Source::CwLogs,
        EventClass::Log,
        group.clone().unwrap_or(Cow::Borrowed("log")),
    );
    event.account = context.account.clone();
    event.region = context.region.clone();
    if let Some(group) = group {
        event.add_resource(group);
    }
    event.summary = trimmed.to_owned();
    sink.event(&event, sink.wants_raw().then_some(Raw::Text(message)));
}

/// A Kubernetes audit event: `audit.k8s.io/v1`, `v1beta1`, or a record without `apiVersion`.
pub fn is_k8s_audit(value: &Value) -> bool {
    let api = str_at(value, &["apiVersion"]);
    api.as_deref()
        .is_some_and(|a| a.starts_with("audit.k8s.io"))
        || get(value, "auditID").is_some()
        || (get(value, "verb").is_some()
            && (get(value, "objectRef").is_some() || get(value, "requestURI").is_some()))
}

pub fn k8s_audit(value: &Value, context: &Context, location: &Location, sink: &mut dyn EventSink) {
    let time = first_time(
        value,
        &[
            &["requestReceivedTimestamp"],
            &["stageTimestamp"],
            &["timestamp"],
            &["p_event_time"],
        ],
    )
    .or(context.time);
    let Some(time) = time else {
        return sink.skip(
            location,
            "Kubernetes audit event without requestReceivedTimestamp".into(),
        );
    };
    let verb = str_at(value, &["verb"]).unwrap_or(Cow::Borrowed("request"));
    let object = get(value, "objectRef").unwrap_or(&Value::Null);
    let resource = str_at(object, &["resource"]);
    let subresource = str_at(object, &["subresource"]);
    let action = match (&resource, &subresource) {
        (Some(r), Some(s)) => format!("{verb} {r}/{s}"),
        (Some(r), None) => format!("{verb} {r}"),
        _ => verb.to_string(),
    };
    let mut event = EventRecord::new(time, Source::K8sAudit, EventClass::ApiCall, action);
    event.actor = str_at(value, &["user", "username"]);
    event.src_ip = json::at(value, &["sourceIPs"])
        .and_then(Value::as_array)
        .and_then(|ips| ips.first())
        .and_then(json::as_text);
    event.user_agent = str_at(value, &["userAgent"]);
    event.id = str_at(value, &["auditID"]);
    event.account = context.account.clone();
    event.region = context.region.clone();
    let code = json::num_at(value, &["responseStatus", "code"]);
    let denied = str_at(value, &["annotations", "authorization.k8s.io/decision"]).as_deref()
        == Some("forbid");
    event.outcome = match code {
        Some(code) if code >= 400.0 || denied => Outcome::Failure,
        Some(_) => Outcome::Success,
        None if denied => Outcome::Failure,
        None => Outcome::Unknown,
    };
    if event.outcome == Outcome::Failure {
        event.error_code = str_at(value, &["responseStatus", "reason"])
            .or_else(|| code.map(|c| Cow::Owned(format!("{c}"))))
            .or(Some(Cow::Borrowed("Forbidden")));
    }
    if let (Some(resource), Some(name)) = (&resource, str_at(object, &["name"])) {
        event.add_resource(match str_at(object, &["namespace"]) {
            Some(namespace) => format!("{namespace}/{resource}/{name}"),
            None => format!("{resource}/{name}"),
        });
    }
    if let Some(group) = &context.log_group {
        event.add_resource(group.clone());
    }
    let user = event.actor.as_deref().unwrap_or("?");
    let target = str_at(value, &["requestURI"]).unwrap_or(Cow::Borrowed(""));
    let stage = str_at(value, &["stage"])
        .map(|s| format!(" ({s})"))
        .unwrap_or_default();
    event.summary = format!("{user} {verb} {target}{stage}");
    sink.event(&event, sink.wants_raw().then_some(Raw::Json(value)));
}

/// A Fluent Bit container line: `{"log", "stream", "time", "kubernetes": {...}}`.
pub fn container_line(
    value: &Value,
    context: &Context,
    location: &Location,
    sink: &mut dyn EventSink,
) {
    let Some(time) = first_time(value, &[&["time"], &["timestamp"], &["date"]]).or(context.time)
    else {
        return sink.skip(location, "container log line without a time".into());
    };
    let k8s = get(value, "kubernetes").unwrap_or(&Value::Null);
    let container = first_str(k8s, &[&["container_name"]]).unwrap_or(Cow::Borrowed("container"));
    let mut event = EventRecord::new(time, Source::Container, EventClass::Log, container);
    if let (Some(namespace), Some(pod)) =
        (str_at(k8s, &["namespace_name"]), str_at(k8s, &["pod_name"]))
    {
        event.add_resource(format!("{namespace}/pods/{pod}"));
    }
    if let Some(image) = str_at(k8s, &["container_image"]) {
        event.add_resource(image);
    }
    if let Some(group) = &context.log_group {
        event.add_resource(group.clone());
    }
    event.account = context.account.clone();
    event.region = context.region.clone();
    if str_at(value, &["stream"]).as_deref() == Some("stderr") {
        event.outcome = Outcome::Unknown;
    }
    event.summary = str_at(value, &["log"])
        .unwrap_or_default()
        .trim_end()
        .to_owned();
    sink.event(&event, sink.wants_raw().then_some(Raw::Json(value)));
}

/// A Route 53 Resolver query log record (DNS queries from the VPC).
pub fn resolver_query(
    value: &Value,
    context: &Context,
    location: &Location,
    sink: &mut dyn EventSink,
) {
    let Some(time) = json::time_at(value, &["query_timestamp"]).or(context.time) else {
        return sink.skip(
            location,
            "resolver query log without query_timestamp".into(),
        );
    };
    let query_type = str_at(value, &["query_type"]).unwrap_or(Cow::Borrowed("?"));
    let mut event = EventRecord::new(
        time,
        Source::CwLogs,
        EventClass::Log,
        format!("DNS {query_type}"),
    );
    let name = str_at(value, &["query_name"]).unwrap_or_default();
    let rcode = str_at(value, &["rcode"]).unwrap_or_default();
    event.src_ip = str_at(value, &["srcaddr"]);
    event.account = str_at(value, &["account_id"]).or_else(|| context.account.clone());
    event.region = str_at(value, &["region"]).or_else(|| context.region.clone());
    event.outcome = if rcode == "NOERROR" {
        Outcome::Success
    } else {
        Outcome::Failure
    };
    if event.outcome == Outcome::Failure && !rcode.is_empty() {
        event.error_code = Some(rcode.clone());
    }
    for id in [
        str_at(value, &["srcids", "instance"]),
        str_at(value, &["vpc_id"]),
    ]
    .into_iter()
    .flatten()
    {
        event.add_resource(id);
    }
    let source = event.src_ip.as_deref().unwrap_or("?");
    event.summary = format!("{source} asked {name} {query_type} → {rcode}");
    sink.event(&event, sink.wants_raw().then_some(Raw::Json(value)));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sources::testing::parse;
    use crate::time;

    #[test]
    fn unwraps_an_eks_audit_event_from_a_subscription_payload() {
        let audit = r#"{\"kind\":\"Event\",\"apiVersion\":\"audit.k8s.io/v1\",\"level\":\"Metadata\",\"auditID\":\"a1\",\"stage\":\"ResponseComplete\",\"requestURI\":\"/api/v1/namespaces/shop/pods/api-1/exec?command=sh\",\"verb\":\"create\",\"user\":{\"username\":\"system:serviceaccount:shop:api\"},\"sourceIPs\":[\"10.0.3.4\"],\"userAgent\":\"kubectl/v1.29\",\"objectRef\":{\"resource\":\"pods\",\"namespace\":\"shop\",\"name\":\"api-1\",\"subresource\":\"exec\"},\"responseStatus\":{\"code\":101},\"requestReceivedTimestamp\":\"2026-11-30T03:02:00.123456Z\"}"#;
        let payload = format!(
            r#"{{"messageType":"DATA_MESSAGE","owner":"111122223333","logGroup":"/aws/eks/prod/cluster","logStream":"kube-apiserver-audit-1","logEvents":[{{"id":"1","timestamp":1764471720000,"message":"{audit}"}}]}}"#
        );
        let (_, sink) = parse(payload.as_bytes());
        let event = &sink.events[0];
        assert_eq!(event.source, Source::K8sAudit);
        assert_eq!(time::format_rfc3339(event.time), "2026-11-30T03:02:00.123Z");
        assert_eq!(event.action, "create pods/exec");
        assert_eq!(
            event.actor.as_deref(),
            Some("system:serviceaccount:shop:api")
        );
        assert_eq!(event.src_ip.as_deref(), Some("10.0.3.4"));
        assert_eq!(event.user_agent.as_deref(), Some("kubectl/v1.29"));
        assert_eq!(event.outcome, Outcome::Success);
        assert_eq!(event.account.as_deref(), Some("111122223333"));
        assert_eq!(
            event.resources,
            ["shop/pods/api-1", "/aws/eks/prod/cluster"]
        );
        assert_eq!(event.id.as_deref(), Some("a1"));
    }

    #[test]
    fn maps_fluent_bit_lines_and_plain_lines_from_an_export() {
        let export = r#"{"events":[{"logStreamName":"s","timestamp":1764471720000,"message":"{\"log\":\"GET /orders 200\\n\",\"stream\":\"stdout\",\"time\":\"2026-11-30T03:02:01.5Z\",\"kubernetes\":{\"pod_name\":\"api-1\",\"namespace_name\":\"shop\",\"container_name\":\"api\",\"container_image\":\"111122223333.dkr.ecr.eu-west-1.amazonaws.com/api:1.4\"}}"},{"timestamp":1764471721000,"message":"plain text line"}],"searchedLogStreams":[]}"#;
        let (_, sink) = parse(export.as_bytes());
        let container = &sink.events[0];
        assert_eq!(container.source, Source::Container);
        assert_eq!(container.action, "api");
        assert_eq!(container.summary, "GET /orders 200");
        assert_eq!(container.resources[0], "shop/pods/api-1");
        assert_eq!(
            time::format_rfc3339(container.time),
            "2026-11-30T03:02:01.500Z"
        );
        let plain = &sink.events[1];
        assert_eq!(plain.source, Source::CwLogs);
        assert_eq!(plain.summary, "plain text line");
        assert_eq!(time::format_rfc3339(plain.time), "2025-11-30T03:02:01.000Z");
    }

    #[test]
    fn insights_rows_with_a_message_are_events_and_aggregates_are_skipped() {
        let results = r#"{"status":"Complete","statistics":{"recordsMatched":3.0},"results":[
            [{"field":"@timestamp","value":"2026-11-30 03:02:01.000"},{"field":"@log","value":"111122223333:/aws/containers/shop"},{"field":"@message","value":"plain text line"}],
            [{"field":"@timestamp","value":"1764471722000"},{"field":"@message","value":"{\"eventVersion\":\"1.09\",\"eventTime\":\"2026-11-30T03:02:02Z\",\"eventSource\":\"s3.amazonaws.com\",\"eventName\":\"GetObject\",\"awsRegion\":\"eu-west-1\",\"userIdentity\":{\"type\":\"IAMUser\",\"arn\":\"arn:aws:iam::1:user/a\"}}"}],
            [{"field":"userIdentity.arn","value":"arn:aws:iam::1:user/a"},{"field":"denied","value":"7"}]
        ]}"#;
        let (_, sink) = parse(results.as_bytes());
        assert_eq!(sink.events.len(), 2);
        let line = &sink.events[0];
        assert_eq!(line.source, Source::CwLogs);
        assert_eq!(time::format_rfc3339(line.time), "2026-11-30T03:02:01.000Z");
        assert_eq!(line.account.as_deref(), Some("111122223333"));
        assert_eq!(line.resources, ["/aws/containers/shop"]);
        assert_eq!(sink.events[1].source, Source::CloudTrail);
        assert_eq!(sink.events[1].action, "GetObject");
        assert_eq!(sink.skips.len(), 1);
        assert!(
            sink.skips[0].1.contains("without @message"),
            "{:?}",
            sink.skips
        );
    }

    #[test]
    fn control_messages_are_skipped_by_name() {
        let (_, sink) =
            parse(br#"{"messageType":"CONTROL_MESSAGE","owner":"CloudwatchLogs","logEvents":[]}"#);
        assert!(sink.skips[0].1.contains("control message"));
    }
}
