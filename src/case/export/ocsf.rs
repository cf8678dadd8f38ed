//! OCSF (1.1) events, where the mapping is clear: CloudTrail and Kubernetes audit calls as API
//! Activity (6003), GuardDuty and Security Hub findings as Detection Finding (2004), flow records
//! as Network Activity (4001); anything else, and manual events, as Base Event (0).

use serde_json::{Value, json};

use super::{Entry, entries, inert_json};
use crate::case::Case;

const VERSION: &str = "1.1.0";

/// A JSON array of OCSF events.
pub fn render(case: &Case) -> Vec<u8> {
    let events: Vec<Value> = entries(case).iter().map(event).collect();
    let mut out = inert_json(&Value::Array(events)).into_bytes();
    out.push(b'\n');
    out
}

fn event(entry: &Entry) -> Value {
    let field = |name| entry.field(name);
    let time = crate::time::parse_timestamp(entry.time()).map_or(0, |nanos| nanos / 1_000_000);
    let source = field("source").unwrap_or("");
    let action = field("action").unwrap_or("");
    let (class_uid, category_uid, activity_id) = match source {
        "cloudtrail" | "k8s_audit" => (6003, 6, api_activity(action)),
        "guardduty" | "securityhub" => (2004, 2, 1),
        "vpcflow" => (4001, 4, 6),
        _ => (0, 0, 0),
    };
    let mut event = json!({
        "class_uid": class_uid,
        "category_uid": category_uid,
        "activity_id": activity_id,
        "type_uid": class_uid * 100 + activity_id,
        "time": time,
        "message": entry.message(),
        "severity_id": severity_id(entry),
        "metadata": {
            "version": VERSION,
            "product": {"name": product(source), "vendor_name": "AWS"},
            "labels": entry.tags(),
        },
    });
    let Some(object) = event.as_object_mut() else {
        return event;
    };
    if let Some(status) = field("outcome") {
        let id = match status {
            "success" => 1,
            "failure" => 2,
            _ => 0,
        };
        object.insert("status_id".into(), json!(id));
    }
    if let Some(actor) = field("actor") {
        object.insert(
            "actor".into(),
            json!({"user": {"name": actor, "credential_uid": field("access_key")}}),
        );
    }
    if let Some(ip) = field("src_ip") {
        object.insert("src_endpoint".into(), json!({"ip": ip}));
    }
    if let Some(ip) = field("dst_ip") {
        object.insert("dst_endpoint".into(), json!({"ip": ip}));
    }
    object.insert(
        "cloud".into(),
        json!({"provider": "AWS", "region": field("region"), "account": {"uid": field("account")}}),
    );
    match class_uid {
        6003 => {
            object.insert("api".into(), json!({"operation": action}));
        }
        2004 => {
            object.insert(
                "finding_info".into(),
                json!({"title": field("summary"), "types": [action], "uid": field("id")}),
            );
        }
        _ => {}
    }
    if !entry.comment().is_empty() {
        object.insert("comment".into(), json!(entry.comment()));
    }
    if let Some(record) = entry.record() {
        object.insert("raw_data".into(), json!(record.to_string()));
    }
    event
}

/// API Activity's activity from the call's verb: create, read, update, delete, or other.
fn api_activity(action: &str) -> i64 {
    let verb = |prefixes: &[&str]| prefixes.iter().any(|p| action.starts_with(p));
    if verb(&["Create", "Run", "Put", "create"]) {
        1
    } else if verb(&["Get", "List", "Describe", "Lookup", "get", "list", "watch"]) {
        2
    } else if verb(&["Update", "Modify", "Authorize", "Attach", "update", "patch"]) {
        3
    } else if verb(&["Delete", "Remove", "Revoke", "Detach", "Stop", "delete"]) {
        4
    } else {
        99
    }
}

/// OCSF severity from casebook's 0 to 10: informational, low, medium, high, critical.
fn severity_id(entry: &Entry) -> i64 {
    let Entry::Marked(mark) = entry else {
        return 1;
    };
    match mark.event.get("severity").and_then(Value::as_f64) {
        None => 1,
        Some(s) if s < 4.0 => 2,
        Some(s) if s < 7.0 => 3,
        Some(s) if s < 9.0 => 4,
        Some(_) => 5,
    }
}

fn product(source: &str) -> &str {
    match source {
        "cloudtrail" => "CloudTrail",
        "guardduty" => "GuardDuty",
        "securityhub" => "Security Hub",
        "config" => "Config",
        "vpcflow" => "VPC Flow Logs",
        "k8s_audit" => "EKS",
        "manual" => "casebook",
        _ => "CloudWatch Logs",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::{Mark, Origin};

    fn mark(source: &str, action: &str, severity: Option<f64>) -> Mark {
        Mark {
            event: json!({"time": "2026-11-18T03:00:00.000Z", "source": source,
                          "action": action, "severity": severity, "outcome": "failure"}),
            tags: vec!["exfil".into()],
            comment: String::new(),
            origin: Origin {
                file: "f".into(),
                ordinal: 0,
            },
            marked: String::new(),
        }
    }

    #[test]
    fn classes_follow_the_source_and_activities_the_verb() {
        let call = mark("cloudtrail", "DeleteTrail", None);
        let api = event(&Entry::Marked(&call));
        assert_eq!(api["class_uid"], 6003);
        assert_eq!(api["activity_id"], 4);
        assert_eq!(api["type_uid"], 600304);
        assert_eq!(api["status_id"], 2);
        assert_eq!(api["time"], 1_794_970_800_000_i64);
        assert_eq!(api["metadata"]["labels"][0], "exfil");
        let finding = mark("guardduty", "Recon:EC2/PortProbe", Some(8.0));
        let detection = event(&Entry::Marked(&finding));
        assert_eq!(detection["class_uid"], 2004);
        assert_eq!(detection["severity_id"], 4);
        let flow = event(&Entry::Marked(&mark("vpcflow", "ACCEPT", None)));
        assert_eq!(flow["class_uid"], 4001);
        let line = event(&Entry::Marked(&mark("cwlogs", "x", None)));
        assert_eq!(line["class_uid"], 0, "no clear class: a base event");
    }
}
