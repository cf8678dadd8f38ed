//! The page as it arrives: an EventBridge event, an SNS notification wrapping one, a PagerDuty
//! webhook (v3) whose details carry it, a GetFindings answer or a bare finding. Whatever the
//! wrapping, what comes out is the finding itself (GuardDuty or Security Hub ASFF) and the page
//! link, if the wrapping had one.

use serde_json::Value;

/// A finding found in a page.
#[derive(Debug, Clone, PartialEq)]
pub struct Alert {
    pub finding: Value,
    /// The page's own link (PagerDuty's incident), for the case.
    pub page: Option<String>,
}

/// What names a finding to fetch from AWS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FindingRef {
    /// A GuardDuty finding id; its detector is looked up.
    GuardDutyId(String),
    /// `arn:aws:guardduty:REGION:ACCOUNT:detector/DETECTOR/finding/ID`
    GuardDutyArn {
        region: String,
        detector: String,
        id: String,
    },
    /// A Security Hub finding ARN (its Id).
    SecurityHub { region: String, arn: String },
}

impl FindingRef {
    /// A finding id or ARN as typed; `None` for anything else (a file name, say).
    pub fn parse(text: &str) -> Option<FindingRef> {
        if let Some(arn) = crate::event::Arn::parse(text) {
            let region = text.split(':').nth(3)?.to_owned();
            return match arn.service {
                "guardduty" => {
                    let mut parts = arn.resource.split('/');
                    match (parts.next(), parts.next(), parts.next(), parts.next()) {
                        (Some("detector"), Some(detector), Some("finding"), Some(id)) => {
                            Some(FindingRef::GuardDutyArn {
                                region,
                                detector: detector.to_owned(),
                                id: id.to_owned(),
                            })
                        }
                        _ => None,
                    }
                }
                "securityhub" => Some(FindingRef::SecurityHub {
                    region,
                    arn: text.to_owned(),
                }),
                _ => None,
            };
        }
        // GuardDuty ids are 32 hexadecimal digits.
        let id = text.trim();
        (id.len() >= 20 && id.chars().all(|c| c.is_ascii_hexdigit()))
            .then(|| FindingRef::GuardDutyId(id.to_owned()))
    }

    pub fn region(&self) -> Option<&str> {
        match self {
            FindingRef::GuardDutyId(_) => None,
            FindingRef::GuardDutyArn { region, .. } | FindingRef::SecurityHub { region, .. } => {
                Some(region)
            }
        }
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AlertError {
    #[error("the alert is not JSON: {0}")]
    NotJson(String),
    #[error(
        "no GuardDuty or Security Hub finding in the alert (an EventBridge event, an SNS \
         notification, a PagerDuty webhook or a finding was expected; found {0})"
    )]
    NoFinding(String),
}

/// The finding in a page, however it was wrapped.
pub fn parse(bytes: &[u8]) -> Result<Alert, AlertError> {
    let value: Value =
        serde_json::from_slice(bytes).map_err(|e| AlertError::NotJson(e.to_string()))?;
    let page = page_link(&value);
    match find(&value, 0) {
        Some(finding) => Ok(Alert { finding, page }),
        None => Err(AlertError::NoFinding(crate::sources::json::describe_keys(
            &value,
        ))),
    }
}

/// Unwraps layer after layer (JSON inside strings included) until a finding shows.
fn find(value: &Value, depth: usize) -> Option<Value> {
    if depth > 8 {
        return None;
    }
    match value {
        Value::String(text) => {
            let inner: Value = serde_json::from_str(text.trim()).ok()?;
            find(&inner, depth + 1)
        }
        Value::Array(items) => items.iter().find_map(|item| find(item, depth + 1)),
        Value::Object(map) => {
            if is_finding(value) {
                return Some(value.clone());
            }
            // EventBridge's detail (GuardDuty's finding, or Security Hub's findings), SNS's
            // Message, PagerDuty's event data first; then whatever a custom payload calls it.
            let known = [
                "detail", "Message", "findings", "Findings", "event", "data", "body", "details",
            ];
            known
                .iter()
                .filter_map(|key| map.get(*key))
                .chain(
                    map.iter()
                        .filter(|(k, _)| !known.contains(&k.as_str()))
                        .map(|(_, v)| v),
                )
                .find_map(|inner| find(inner, depth + 1))
        }
        _ => None,
    }
}

/// A GuardDuty finding (camelCase or PascalCase) or an ASFF one.
fn is_finding(value: &Value) -> bool {
    let has = |key: &str| value.get(key).is_some();
    let guardduty = (has("type") || has("Type"))
        && (has("severity") || has("Severity"))
        && (has("resource") || has("Resource") || has("service") || has("Service"));
    let asff = has("SchemaVersion") && has("ProductArn") && has("Resources");
    guardduty || asff
}

/// PagerDuty's incident link (v3 webhook: event.data.html_url).
fn page_link(value: &Value) -> Option<String> {
    let data = value.get("event")?.get("data")?;
    data.get("html_url")
        .and_then(Value::as_str)
        .map(str::to_owned)
}

/// A text field of a finding, under its camelCase or PascalCase name.
pub fn field<'a>(finding: &'a Value, path: &[&str]) -> Option<&'a Value> {
    let mut at = finding;
    for key in path {
        let pascal: String = key
            .chars()
            .take(1)
            .flat_map(char::to_uppercase)
            .chain(key.chars().skip(1))
            .collect();
        at = at.get(*key).or_else(|| at.get(&pascal))?;
    }
    Some(at)
}

pub fn text<'a>(finding: &'a Value, path: &[&str]) -> Option<&'a str> {
    field(finding, path).and_then(Value::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;

    const FINDING: &str = r#"{"schemaVersion":"2.0","accountId":"111122223333","region":"eu-west-1","id":"f1","type":"UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS","severity":8,"title":"t","resource":{"accessKeyDetails":{"accessKeyId":"ASIAX"}},"service":{}}"#;

    fn eventbridge() -> String {
        format!(
            r#"{{"version":"0","id":"e","detail-type":"GuardDuty Finding","source":"aws.guardduty","account":"111122223333","time":"2026-11-18T02:47:12Z","region":"eu-west-1","detail":{FINDING}}}"#
        )
    }

    #[test]
    fn finds_the_finding_however_it_was_wrapped() {
        let bare = parse(FINDING.as_bytes()).unwrap();
        assert_eq!(bare.finding["id"], "f1");
        assert_eq!(parse(eventbridge().as_bytes()).unwrap(), bare);
        let sns = serde_json::json!({"Type": "Notification", "MessageId": "m", "TopicArn": "arn:aws:sns:eu-west-1:1:alerts", "Message": eventbridge()});
        assert_eq!(
            parse(sns.to_string().as_bytes()).unwrap().finding["id"],
            "f1"
        );
        let pagerduty = serde_json::json!({"event": {"id": "x", "event_type": "incident.triggered",
            "data": {"html_url": "https://acme.pagerduty.com/incidents/Q1", "title": "GuardDuty",
                     "body": {"details": {"eventbridge": eventbridge()}}}}});
        let paged = parse(pagerduty.to_string().as_bytes()).unwrap();
        assert_eq!(paged.finding["id"], "f1");
        assert_eq!(
            paged.page.as_deref(),
            Some("https://acme.pagerduty.com/incidents/Q1")
        );
        let hub = r#"{"detail-type":"Security Hub Findings - Imported","detail":{"findings":[{"SchemaVersion":"2018-10-08","Id":"arn:aws:securityhub:eu-west-1:1:finding/h","ProductArn":"p","Resources":[]}]}}"#;
        assert_eq!(
            parse(hub.as_bytes()).unwrap().finding["SchemaVersion"],
            "2018-10-08"
        );
    }

    #[test]
    fn says_what_it_found_instead() {
        assert!(matches!(parse(b"{not json"), Err(AlertError::NotJson(_))));
        let error = parse(br#"{"Type":"Notification","Message":"disk full"}"#).unwrap_err();
        assert!(
            error
                .to_string()
                .contains("no GuardDuty or Security Hub finding"),
            "{error}"
        );
    }

    #[test]
    fn ids_and_arns_name_findings() {
        assert_eq!(
            FindingRef::parse("arn:aws:guardduty:eu-west-1:111122223333:detector/d1/finding/f1"),
            Some(FindingRef::GuardDutyArn {
                region: "eu-west-1".into(),
                detector: "d1".into(),
                id: "f1".into()
            })
        );
        assert_eq!(
            FindingRef::parse("60cbc1ab0c3fd4a2b4c41ec7e8b1d2f3"),
            Some(FindingRef::GuardDutyId(
                "60cbc1ab0c3fd4a2b4c41ec7e8b1d2f3".into()
            ))
        );
        let hub = "arn:aws:securityhub:us-east-1:111122223333:subscription/aws-foundational/v/1.0.0/EC2.19/finding/abc";
        assert!(matches!(
            FindingRef::parse(hub),
            Some(FindingRef::SecurityHub { .. })
        ));
        assert_eq!(FindingRef::parse("alert.json"), None);
    }
}
