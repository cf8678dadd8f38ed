//! VPC Flow Logs: the default text formats (v2–v5), custom field orders announced by a header
//! line, Transit Gateway and ECS variants, JSON-wrapped lines, and Panther's normalised JSON.

use std::borrow::Cow;

use serde_json::Value;

use super::json;
use super::{Context, EventSink, Location, Raw};
use crate::event::{EventClass, EventRecord, Outcome, Source, text};
use crate::time;

const V2: &[&str] = &[
    "version",
    "account-id",
    "interface-id",
    "srcaddr",
    "dstaddr",
    "srcport",
    "dstport",
    "protocol",
    "packets",
    "bytes",
    "start",
    "end",
    "action",
    "log-status",
];
const V3_EXTRA: &[&str] = &[
    "vpc-id",
    "subnet-id",
    "instance-id",
    "tcp-flags",
    "type",
    "pkt-srcaddr",
    "pkt-dstaddr",
];
const V4_EXTRA: &[&str] = &["region", "az-id", "sublocation-type", "sublocation-id"];
const V5_EXTRA: &[&str] = &[
    "pkt-src-aws-service",
    "pkt-dst-aws-service",
    "flow-direction",
    "traffic-path",
];
/// The Transit Gateway default format (version 6).
const TRANSIT_GATEWAY: &[&str] = &[
    "version",
    "resource-type",
    "account-id",
    "tgw-id",
    "tgw-attachment-id",
    "tgw-src-vpc-account-id",
    "tgw-dst-vpc-account-id",
    "tgw-src-vpc-id",
    "tgw-dst-vpc-id",
    "tgw-src-subnet-id",
    "tgw-dst-subnet-id",
    "tgw-src-eni",
    "tgw-dst-eni",
    "tgw-src-az-id",
    "tgw-dst-az-id",
    "tgw-pair-attachment-id",
    "srcaddr",
    "dstaddr",
    "srcport",
    "dstport",
    "protocol",
    "packets",
    "bytes",
    "start",
    "end",
    "log-status",
    "type",
    "packets-lost-no-route",
    "packets-lost-blackhole",
    "packets-lost-mtu-exceeded",
    "packets-lost-ttl-expired",
    "tcp-flags",
    "region",
    "flow-direction",
    "pkt-src-aws-service",
    "pkt-dst-aws-service",
];
/// Fields naming the network resources a flow went through.
const RESOURCE_FIELDS: &[&str] = &[
    "interface-id",
    "instance-id",
    "vpc-id",
    "subnet-id",
    "tgw-id",
    "tgw-attachment-id",
    "ecs-cluster-name",
    "ecs-service-name",
    "ecs-task-arn",
];

/// The field order a line without a header has, from its field count.
fn default_fields(count: usize, second_token: &str) -> Option<Vec<&'static str>> {
    if second_token == "TransitGateway" && count == TRANSIT_GATEWAY.len() {
        return Some(TRANSIT_GATEWAY.to_vec());
    }
    let mut fields = V2.to_vec();
    for extra in [V3_EXTRA, V4_EXTRA, V5_EXTRA] {
        if fields.len() == count {
            break;
        }
        fields.extend_from_slice(extra);
    }
    (fields.len() == count).then_some(fields)
}

/// A header line: field names only, `version` or `srcaddr` among them.
fn is_header(line: &str) -> bool {
    let mut tokens = line.split_ascii_whitespace();
    let all_names = line
        .split_ascii_whitespace()
        .all(|t| t.bytes().all(|b| b.is_ascii_lowercase() || b == b'-'));
    all_names && tokens.any(|t| t == "version" || t == "srcaddr" || t == "interface-id")
}

/// A flow record in one of the default orders.
pub fn is_flow_record(line: &str) -> bool {
    let tokens: Vec<&str> = line.split_ascii_whitespace().collect();
    tokens.len() >= V2.len()
        && tokens[0].bytes().all(|b| b.is_ascii_digit())
        && default_fields(tokens.len(), tokens[1]).is_some()
}

pub fn is_flow_log_text(first_line: &str) -> bool {
    is_header(first_line) || is_flow_record(first_line)
}

/// A text file of flow records; header lines switch the field order for the lines after them.
pub fn parse_text(bytes: &[u8], sink: &mut dyn EventSink) {
    let root = Location::default();
    let mut header: Option<Vec<String>> = None;
    for (index, line) in bytes.split(|&b| b == b'\n').enumerate() {
        let location = root.line(index + 1);
        let Ok(line) = std::str::from_utf8(line) else {
            sink.skip(&location, "invalid UTF-8 in a flow log line".into());
            continue;
        };
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        if is_header(line) {
            header = Some(line.split_ascii_whitespace().map(str::to_owned).collect());
            continue;
        }
        let fields: Option<Vec<&str>> = header
            .as_ref()
            .map(|h| h.iter().map(String::as_str).collect());
        parse_line(
            line,
            fields.as_deref(),
            &Context::default(),
            &location,
            sink,
        );
    }
}

/// One text record, in the given field order or a default one.
pub fn parse_line(
    line: &str,
    fields: Option<&[&str]>,
    context: &Context,
    location: &Location,
    sink: &mut dyn EventSink,
) {
    let values: Vec<&str> = line.split_ascii_whitespace().collect();
    let defaults;
    let fields = match fields {
        Some(fields) => fields,
        None => match default_fields(values.len(), values.get(1).copied().unwrap_or("")) {
            Some(found) => {
                defaults = found;
                &defaults
            }
            None => {
                return sink.skip(
                    location,
                    format!("flow record with {} fields in no known order", values.len()),
                );
            }
        },
    };
    if fields.len() != values.len() {
        let reason = format!(
            "flow record has {} fields, its header names {}",
            values.len(),
            fields.len()
        );
        return sink.skip(location, reason);
    }
    let lookup = |name: &str| {
        let index = fields.iter().position(|f| *f == name)?;
        text(Some(values[index]))
    };
    let raw = sink.wants_raw().then_some(Raw::Text(line));
    emit(&lookup, context, location, raw, sink);
}

/// Panther-normalised flow JSON (`srcAddr`, `dstPort`, ...) or a `{"message": "<flow line>"}`.
pub fn from_json(value: &Value, context: &Context, location: &Location, sink: &mut dyn EventSink) {
    if let Some(Value::String(line)) = json::get(value, "message") {
        return parse_line(line, None, context, location, sink);
    }
    let lookup = |name: &str| {
        let compact = name.replace('-', "");
        let alias = match name {
            "account-id" => "account",
            "log-status" => "status",
            _ => "",
        };
        json::str_at(value, &[&compact])
            .or_else(|| json::str_at(value, &[alias]))
            .and_then(|v| text(Some(v)))
    };
    let raw = sink.wants_raw().then_some(Raw::Json(value));
    emit(&lookup, context, location, raw, sink);
}

fn emit<'a>(
    field: &dyn Fn(&str) -> Option<Cow<'a, str>>,
    context: &Context<'a>,
    location: &Location,
    raw: Option<Raw<'_>>,
    sink: &mut dyn EventSink,
) {
    let time = ["start", "end"]
        .iter()
        .find_map(|name| field(name).and_then(|t| time::parse_any(&t)))
        .or(context.time);
    let Some(time) = time else {
        return sink.skip(location, "flow record without a start time".into());
    };
    let verdict = field("action");
    let status = field("log-status");
    let action = verdict
        .clone()
        .or(status.clone())
        .unwrap_or(Cow::Borrowed("FLOW"));
    let mut event = EventRecord::new(time, Source::VpcFlow, EventClass::NetworkFlow, action);
    event.outcome = match verdict.as_deref() {
        Some("ACCEPT") => Outcome::Success,
        Some("REJECT") => Outcome::Failure,
        _ => Outcome::Unknown,
    };
    event.src_ip = field("srcaddr").or_else(|| field("pkt-srcaddr"));
    event.dst_ip = field("dstaddr").or_else(|| field("pkt-dstaddr"));
    event.account = field("account-id").or_else(|| context.account.clone());
    event.region = field("region").or_else(|| context.region.clone());
    for name in RESOURCE_FIELDS {
        if let Some(id) = field(name) {
            event.add_resource(id);
        }
    }
    let endpoint = |ip: &Option<Cow<str>>, port: Option<Cow<str>>| {
        let ip = ip.as_deref().unwrap_or("-");
        match port {
            Some(port) if port != "0" => format!("{ip}:{port}"),
            _ => ip.to_owned(),
        }
    };
    event.bytes = field("bytes").and_then(|b| b.parse().ok());
    let protocol = field("protocol").map(|p| protocol_name(&p));
    event.summary = match (&event.src_ip, &event.dst_ip) {
        // NODATA / SKIPDATA records say something about an interface, not a connection.
        (None, None) => {
            let interface = event.resources.first().map_or("?", |r| r.as_ref());
            format!(
                "{} on {interface}",
                status.as_deref().unwrap_or(&event.action)
            )
        }
        _ => format!(
            "{} → {} {} {} pkts {} B {}",
            endpoint(&event.src_ip, field("srcport")),
            endpoint(&event.dst_ip, field("dstport")),
            protocol.unwrap_or_default(),
            field("packets").as_deref().unwrap_or("?"),
            field("bytes").as_deref().unwrap_or("?"),
            event.action,
        ),
    };
    sink.event(&event, raw);
}

fn protocol_name(number: &str) -> String {
    match number {
        "1" => "ICMP".into(),
        "6" => "TCP".into(),
        "17" => "UDP".into(),
        "58" => "ICMPv6".into(),
        other => format!("proto {other}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sources::Container;
    use crate::sources::testing::parse;

    #[test]
    fn maps_a_default_v2_record() {
        let (result, sink) = parse(b"2 123456789010 eni-1235b8ca123456789 78.24.182.42 158.109.0.1 49761 3389 6 20 4249 1418530010 1418530070 REJECT OK");
        assert_eq!(result, Ok(Container::FlowLogText));
        let event = &sink.events[0];
        assert_eq!(time::format_rfc3339(event.time), "2014-12-14T04:06:50.000Z");
        assert_eq!(event.source, Source::VpcFlow);
        assert_eq!(event.action, "REJECT");
        assert_eq!(event.outcome, Outcome::Failure);
        assert_eq!(event.src_ip.as_deref(), Some("78.24.182.42"));
        assert_eq!(event.dst_ip.as_deref(), Some("158.109.0.1"));
        assert_eq!(event.account.as_deref(), Some("123456789010"));
        assert_eq!(event.resources, ["eni-1235b8ca123456789"]);
        assert_eq!(event.bytes, Some(4249));
        assert_eq!(
            event.summary,
            "78.24.182.42:49761 → 158.109.0.1:3389 TCP 20 pkts 4249 B REJECT"
        );
        assert_eq!(sink.raws[0], Value::String(String::from_utf8_lossy(b"2 123456789010 eni-1235b8ca123456789 78.24.182.42 158.109.0.1 49761 3389 6 20 4249 1418530010 1418530070 REJECT OK").into()));
    }

    #[test]
    fn a_header_sets_the_order_of_the_lines_after_it() {
        let text = "interface-id srcaddr dstaddr start action log-status region\neni-1 10.0.0.1 203.0.113.66 1764471720 ACCEPT OK eu-west-1\n";
        let (_, sink) = parse(text.as_bytes());
        let event = &sink.events[0];
        assert_eq!(event.dst_ip.as_deref(), Some("203.0.113.66"));
        assert_eq!(event.region.as_deref(), Some("eu-west-1"));
        assert_eq!(event.resources, ["eni-1"]);
        assert_eq!(event.bytes, None);
    }

    #[test]
    fn an_ecs_record_under_its_header_names_the_cluster_service_and_task() {
        let text = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status ecs-cluster-name ecs-service-name ecs-task-arn ecs-container-id\n\
            7 123456789010 eni-0ecs 10.0.5.9 198.51.100.23 40412 443 6 12 4096 1764471720 1764471780 ACCEPT OK orders-cluster orders-api arn:aws:ecs:eu-west-1:123456789010:task/orders-cluster/0a1b2c 5f4e3d\n";
        let (result, sink) = parse(text.as_bytes());
        assert_eq!(result, Ok(Container::FlowLogText));
        let event = &sink.events[0];
        assert_eq!(event.dst_ip.as_deref(), Some("198.51.100.23"));
        assert_eq!(
            event.resources,
            [
                "eni-0ecs",
                "orders-cluster",
                "orders-api",
                "arn:aws:ecs:eu-west-1:123456789010:task/orders-cluster/0a1b2c"
            ]
        );
        assert_eq!(
            event.summary,
            "10.0.5.9:40412 → 198.51.100.23:443 TCP 12 pkts 4096 B ACCEPT"
        );
    }

    #[test]
    fn reads_a_transit_gateway_record_and_a_json_wrapped_line() {
        let tgw = "6 TransitGateway 123456789010 tgw-1 tgw-attach-1 123456789010 123456789010 vpc-a vpc-b subnet-a subnet-b eni-a eni-b use1-az1 use1-az2 tgw-attach-2 10.0.0.1 10.1.0.1 443 51000 6 10 840 1764471720 1764471780 OK IPv4 0 0 0 0 19 us-east-1 ingress - -";
        let (_, sink) = parse(tgw.as_bytes());
        assert_eq!(sink.events[0].resources, ["tgw-1", "tgw-attach-1"]);
        assert_eq!(sink.events[0].action, "OK");

        let wrapped = r#"{"message":"2 123456789010 eni-1 10.0.0.1 10.0.0.2 1 2 17 1 60 1764471720 1764471780 ACCEPT OK"}"#;
        let (_, sink) = parse(wrapped.as_bytes());
        assert_eq!(sink.events[0].outcome, Outcome::Success);
        assert!(sink.events[0].summary.contains("UDP"));
    }
}
