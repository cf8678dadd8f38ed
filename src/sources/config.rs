//! AWS Config configuration items: single items, arrays, ConfigHistory / ConfigSnapshot files and
//! change notifications. Each item is a change on its resource; relationships stay in the raw
//! record for the detail view.

use std::borrow::Cow;

use serde_json::Value;

use super::json::{self, first_str, str_at};
use super::{Context, EventSink, Location, Raw};
use crate::event::{EventClass, EventRecord, Source};

/// A `ConfigurationItemChangeNotification` (or an EventBridge detail): the item plus its diff.
pub fn notification(
    value: &Value,
    context: &Context,
    location: &Location,
    sink: &mut dyn EventSink,
) {
    let change = str_at(value, &["configurationItemDiff", "changeType"]);
    match json::get(value, "configurationItem") {
        Some(item) => from_item(item, change, context, location, sink),
        None => sink.skip(
            location,
            "Config notification without a configurationItem".into(),
        ),
    }
}

pub fn from_item(
    item: &Value,
    change: Option<Cow<'_, str>>,
    context: &Context,
    location: &Location,
    sink: &mut dyn EventSink,
) {
    match to_event(item, change, context) {
        Ok(event) => sink.event(&event, sink.wants_raw().then_some(Raw::Json(item))),
        Err(reason) => sink.skip(location, reason),
    }
}

fn to_event<'a>(
    item: &'a Value,
    change: Option<Cow<'a, str>>,
    context: &Context<'a>,
) -> Result<EventRecord<'a>, String> {
    if !item.is_object() {
        return Err(format!("Config item is {}", json::describe_keys(item)));
    }
    let time = json::first_time(
        item,
        &[&["configurationItemCaptureTime"], &["resourceCreationTime"]],
    )
    .or(context.time)
    .ok_or("Config item without a readable configurationItemCaptureTime")?;
    let status = str_at(item, &["configurationItemStatus"]);
    let action = change
        .or(status.clone())
        .unwrap_or(Cow::Borrowed("ConfigurationItem"));
    let mut event = EventRecord::new(time, Source::Config, EventClass::ConfigChange, action);
    event.account =
        first_str(item, &[&["awsAccountId"], &["accountId"]]).or_else(|| context.account.clone());
    event.region = str_at(item, &["awsRegion"]).or_else(|| context.region.clone());
    event.id = str_at(item, &["configurationStateId"]);
    let resource_type = str_at(item, &["resourceType"]).unwrap_or_default();
    let resource_id = str_at(item, &["resourceId"]);
    let name = str_at(item, &["resourceName"]);
    if let Some(arn) = str_at(item, &["arn"]) {
        event.add_resource(arn);
    }
    if let Some(id) = &resource_id {
        event.add_resource(id.clone());
    }
    let mut summary = format!("{resource_type} {}", resource_id.as_deref().unwrap_or("?"));
    if let Some(name) = name.filter(|n| Some(n) != resource_id.as_ref()) {
        summary.push_str(&format!(" ({name})"));
    }
    summary.push_str(&format!(": {}", event.action));
    if let Some(status) = status.filter(|s| *s != event.action) {
        summary.push_str(&format!(" [{status}]"));
    }
    event.summary = summary;
    Ok(event)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sources::testing::parse;
    use crate::time;

    #[test]
    fn maps_a_config_history_file() {
        let history = r#"{"fileVersion":"1.0","configurationItems":[{"configurationItemVersion":"1.3","configurationItemCaptureTime":"2026-11-30T03:10:00.000Z","configurationStateId":1700000000001,"awsAccountId":"111122223333","configurationItemStatus":"OK","resourceType":"AWS::EC2::SecurityGroup","resourceId":"sg-0abc","resourceName":"web","ARN":"arn:aws:ec2:eu-west-1:111122223333:security-group/sg-0abc","awsRegion":"eu-west-1","relationships":[{"resourceType":"AWS::EC2::VPC","resourceId":"vpc-1","relationshipName":"Is contained in Vpc"}],"configuration":{"ipPermissions":[{"ipRanges":["0.0.0.0/0"]}]}}]}"#;
        let (_, sink) = parse(history.as_bytes());
        let event = &sink.events[0];
        assert_eq!(time::format_rfc3339(event.time), "2026-11-30T03:10:00.000Z");
        assert_eq!(event.source, Source::Config);
        assert_eq!(event.class, EventClass::ConfigChange);
        assert_eq!(event.action, "OK");
        assert_eq!(event.account.as_deref(), Some("111122223333"));
        assert_eq!(event.region.as_deref(), Some("eu-west-1"));
        assert_eq!(event.id.as_deref(), Some("1700000000001"));
        assert_eq!(
            event.resources,
            ["arn:aws:ec2:eu-west-1:111122223333:security-group/sg-0abc"]
        );
        assert_eq!(event.summary, "AWS::EC2::SecurityGroup sg-0abc (web): OK");
        assert_eq!(sink.raws[0]["relationships"][0]["resourceId"], "vpc-1");
    }

    #[test]
    fn a_notification_uses_its_change_type() {
        let note = r#"{"configurationItemDiff":{"changeType":"UPDATE"},"configurationItem":{"configurationItemCaptureTime":"2026-11-30T03:10:00Z","configurationItemStatus":"OK","resourceType":"AWS::S3::Bucket","resourceId":"orders","awsRegion":"eu-west-1","awsAccountId":"1"},"messageType":"ConfigurationItemChangeNotification"}"#;
        let (_, sink) = parse(note.as_bytes());
        assert_eq!(sink.events[0].action, "UPDATE");
        assert_eq!(
            sink.events[0].summary,
            "AWS::S3::Bucket orders: UPDATE [OK]"
        );
    }
}
