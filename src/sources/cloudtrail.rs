//! CloudTrail records: S3 delivery files (the hot path), and single records from JSON lines,
//! EventBridge envelopes and CloudWatch Logs payloads.
//!
//! Delivery files are read with a projection: only the fields the model needs are parsed, the
//! rest is skipped, and events are emitted as the `Records` array streams by, so a file that
//! breaks off still yields every record before the break.

use std::borrow::Cow;
use std::fmt;

use serde::Deserialize;
use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;
use sonic_rs::LazyValue;

use super::json::{Arr, InPlace, Obj, Str};
use super::{Context, EventSink, Location, Raw};
use crate::event::{EventClass, EventRecord, Outcome, Source, text};
use crate::time;

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct Record<'a> {
    #[serde(borrow, rename = "eventTime", alias = "eventtime")]
    event_time: Str<'a>,
    #[serde(borrow, rename = "eventSource", alias = "eventsource")]
    event_source: Str<'a>,
    #[serde(borrow, rename = "eventName", alias = "eventname")]
    event_name: Str<'a>,
    #[serde(borrow, rename = "eventType", alias = "eventtype")]
    event_type: Str<'a>,
    #[serde(borrow, rename = "eventID", alias = "eventid")]
    event_id: Str<'a>,
    #[serde(borrow, rename = "awsRegion", alias = "awsregion")]
    aws_region: Str<'a>,
    #[serde(borrow, rename = "recipientAccountId", alias = "recipientaccountid")]
    recipient_account_id: Str<'a>,
    #[serde(borrow, rename = "sourceIPAddress", alias = "sourceipaddress")]
    source_ip: Str<'a>,
    #[serde(borrow, rename = "userAgent", alias = "useragent")]
    user_agent: Str<'a>,
    #[serde(borrow, rename = "errorCode", alias = "errorcode")]
    error_code: Str<'a>,
    #[serde(borrow, rename = "userIdentity", alias = "useridentity")]
    user_identity: Obj<UserIdentity<'a>>,
    #[serde(borrow, rename = "requestParameters", alias = "requestparameters")]
    request: Obj<Parameters<'a>>,
    #[serde(borrow, rename = "responseElements", alias = "responseelements")]
    response: Obj<Response<'a>>,
    #[serde(borrow, rename = "additionalEventData", alias = "additionaleventdata")]
    additional: Obj<Additional<'a>>,
    #[serde(borrow)]
    resources: Arr<Obj<ResourceRef<'a>>>,
    #[serde(borrow, rename = "insightDetails")]
    insight: Obj<InsightDetails<'a>>,
    /// Panther's normalised event time, for partial records that lost `eventTime`.
    #[serde(borrow)]
    p_event_time: Str<'a>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct UserIdentity<'a> {
    #[serde(borrow, rename = "type")]
    kind: Str<'a>,
    #[serde(borrow)]
    arn: Str<'a>,
    #[serde(borrow, rename = "principalId")]
    principal_id: Str<'a>,
    #[serde(borrow, rename = "accountId")]
    account_id: Str<'a>,
    #[serde(borrow, rename = "accessKeyId")]
    access_key_id: Str<'a>,
    #[serde(borrow, rename = "userName")]
    user_name: Str<'a>,
    #[serde(borrow, rename = "invokedBy")]
    invoked_by: Str<'a>,
    #[serde(borrow, rename = "sessionContext")]
    session: Obj<SessionContext<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct SessionContext<'a> {
    #[serde(borrow, rename = "sessionIssuer")]
    issuer: Obj<SessionIssuer<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct SessionIssuer<'a> {
    #[serde(borrow)]
    arn: Str<'a>,
}

/// The request parameters that name what a call touched.
#[derive(Deserialize, Default)]
#[serde(default)]
struct Parameters<'a> {
    #[serde(borrow, rename = "bucketName")]
    bucket_name: Str<'a>,
    #[serde(borrow)]
    key: Str<'a>,
    #[serde(borrow, rename = "instanceId")]
    instance_id: Str<'a>,
    #[serde(borrow, rename = "groupId")]
    group_id: Str<'a>,
    #[serde(borrow, rename = "roleArn")]
    role_arn: Str<'a>,
    #[serde(borrow, rename = "userName")]
    user_name: Str<'a>,
    #[serde(borrow, rename = "roleName")]
    role_name: Str<'a>,
    #[serde(borrow, rename = "policyArn")]
    policy_arn: Str<'a>,
    #[serde(borrow, rename = "accessKeyId")]
    access_key_id: Str<'a>,
    #[serde(
        borrow,
        rename = "dBSnapshotIdentifier",
        alias = "dbSnapshotIdentifier"
    )]
    db_snapshot: Str<'a>,
    #[serde(
        borrow,
        rename = "dBInstanceIdentifier",
        alias = "dbInstanceIdentifier"
    )]
    db_instance: Str<'a>,
    #[serde(borrow, rename = "snapshotId")]
    snapshot_id: Str<'a>,
    #[serde(borrow, rename = "imageId")]
    image_id: Str<'a>,
    #[serde(borrow, rename = "secretId")]
    secret_id: Str<'a>,
    #[serde(borrow, rename = "keyId")]
    key_id: Str<'a>,
    #[serde(borrow, rename = "functionName")]
    function_name: Str<'a>,
    #[serde(borrow, rename = "repositoryName")]
    repository_name: Str<'a>,
    #[serde(borrow, rename = "detectorId")]
    detector_id: Str<'a>,
    #[serde(borrow, rename = "trailName")]
    trail_name: Str<'a>,
    #[serde(borrow)]
    name: Str<'a>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Response<'a> {
    /// `ConsoleLogin` reports `"Failure"` here rather than in `errorCode`.
    #[serde(borrow, rename = "ConsoleLogin")]
    console_login: Str<'a>,
    /// STS calls (AssumeRole*, GetSessionToken, GetFederationToken) return the session's key.
    #[serde(borrow)]
    credentials: Obj<IssuedKey<'a>>,
    /// CreateAccessKey returns the new long-term key.
    #[serde(borrow, rename = "accessKey")]
    access_key: Obj<IssuedKey<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Additional<'a> {
    /// S3 data events: the bytes a GetObject sent (a number, sometimes written `1234.0`).
    #[serde(borrow, rename = "bytesTransferredOut")]
    bytes_out: Str<'a>,
}

/// Only the key id of issued credentials is read: the secret and session token never are.
#[derive(Deserialize, Default)]
#[serde(default)]
struct IssuedKey<'a> {
    #[serde(borrow, rename = "accessKeyId")]
    access_key_id: Str<'a>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ResourceRef<'a> {
    #[serde(borrow, rename = "ARN", alias = "arn")]
    arn: Str<'a>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct InsightDetails<'a> {
    #[serde(borrow)]
    state: Str<'a>,
    #[serde(borrow, rename = "eventName")]
    event_name: Str<'a>,
    #[serde(borrow, rename = "insightType")]
    insight_type: Str<'a>,
    #[serde(borrow, rename = "eventSource")]
    event_source: Str<'a>,
}

/// A CloudTrail S3 delivery file, `{"Records":[...]}`, compact or pretty. Only the start is
/// looked at: what follows the first document is found once it has been read.
pub fn is_delivery_file(bytes: &[u8]) -> bool {
    let Some(rest) = bytes.strip_prefix(b"{") else {
        return false;
    };
    rest.trim_ascii_start().starts_with(b"\"Records\"")
}

/// Streams the `Records` array of the file's first document into the sink. Returns where more
/// content follows that document (several documents, one per line), for the caller to read as
/// JSON lines. An error names where the JSON broke; every record before that point has been
/// emitted.
pub fn parse_delivery_file(
    bytes: &[u8],
    sink: &mut dyn EventSink,
) -> Result<Option<usize>, String> {
    let mut deserializer = sonic_rs::Deserializer::from_slice(bytes);
    let mut emitted = 0;
    let result = DeliveryFile {
        sink,
        emitted: &mut emitted,
    }
    .deserialize(&mut deserializer);
    let error = match result {
        Ok(()) => match deserializer.end() {
            Ok(()) => return Ok(None),
            Err(error) => match first_document_end(bytes) {
                Some(end) => return Ok(Some(end)),
                None => error,
            },
        },
        Err(error) => error,
    };
    Err(if emitted > 0 {
        format!("{error} (the {emitted} records before it were loaded)")
    } else {
        error.to_string()
    })
}

/// The byte offset just past the first JSON document: only needed on the rare files that hold
/// more than one, so it is found with a second, plain parse.
fn first_document_end(bytes: &[u8]) -> Option<usize> {
    let mut documents = serde_json::Deserializer::from_slice(bytes).into_iter::<IgnoredAny>();
    matches!(documents.next(), Some(Ok(_))).then(|| documents.byte_offset())
}

struct DeliveryFile<'s> {
    sink: &'s mut dyn EventSink,
    emitted: &'s mut usize,
}

impl<'de> DeserializeSeed<'de> for DeliveryFile<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for DeliveryFile<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a CloudTrail delivery file")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            if key == "Records" {
                map.next_value_seed(RecordsArray {
                    sink: &mut *self.sink,
                    emitted: &mut *self.emitted,
                })?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
}

struct RecordsArray<'s> {
    sink: &'s mut dyn EventSink,
    emitted: &'s mut usize,
}

impl<'de> DeserializeSeed<'de> for RecordsArray<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for RecordsArray<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of CloudTrail records")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let context = Context::default();
        let root = Location::default();
        // One projection and one event for every record: they are overwritten in place, and
        // their lists and summary keep their memory.
        let mut record = Obj::<Record>::default();
        let mut event = blank_event();
        let mut index = 0;
        loop {
            let location = || root.index("Records", index);
            if self.sink.wants_raw() {
                let Some(raw) = seq.next_element::<LazyValue<'de>>()? else {
                    break;
                };
                // Rare (re-reading originals): the record borrows from `raw`, not the file.
                match sonic_rs::from_str::<Obj<Record>>(raw.as_raw_str()) {
                    Ok(Obj(Some(mut record))) => emit(
                        &mut record,
                        &context,
                        &location,
                        Some(Raw::Text(raw.as_raw_str())),
                        &mut blank_event(),
                        self.sink,
                    ),
                    _ => self.sink.skip(&location(), "not a JSON object".into()),
                }
            } else {
                if seq.next_element_seed(InPlace(&mut record))?.is_none() {
                    break;
                }
                match &mut record.0 {
                    Some(record) => emit(record, &context, &location, None, &mut event, self.sink),
                    None => self.sink.skip(&location(), "not a JSON object".into()),
                }
            }
            *self.emitted += 1;
            index += 1;
        }
        Ok(())
    }
}

/// One CloudTrail record held as a JSON value (JSON lines, envelopes).
pub fn from_value(value: &Value, context: &Context, location: &Location, sink: &mut dyn EventSink) {
    match Obj::<Record>::deserialize(value) {
        Ok(Obj(Some(mut record))) => {
            let raw = sink.wants_raw().then_some(Raw::Json(value));
            emit(
                &mut record,
                context,
                &|| location.clone(),
                raw,
                &mut blank_event(),
                sink,
            );
        }
        _ => sink.skip(location, "CloudTrail record is not a JSON object".into()),
    }
}

/// An event for [`emit`] to map records into: mapping sets every field.
fn blank_event<'a>() -> EventRecord<'a> {
    EventRecord::new(0, Source::CloudTrail, EventClass::ApiCall, "")
}

/// Maps one record into `event` and emits it; `location` is only built when the record is
/// skipped.
fn emit<'a>(
    record: &mut Record<'a>,
    context: &Context<'a>,
    location: &dyn Fn() -> Location,
    raw: Option<Raw<'_>>,
    event: &mut EventRecord<'a>,
    sink: &mut dyn EventSink,
) {
    match to_event(record, context, event) {
        Ok(()) => sink.event(event, raw),
        Err(reason) => sink.skip(&location(), reason),
    }
}

/// Takes what it maps out of `record`: the projection is large and refilled in place for the
/// next record, so it is never moved.
fn to_event<'a>(
    record: &mut Record<'a>,
    context: &Context<'a>,
    event: &mut EventRecord<'a>,
) -> Result<(), String> {
    let time = record
        .event_time
        .get()
        .and_then(time::parse_any)
        .or_else(|| record.p_event_time.get().and_then(time::parse_any))
        .or(context.time)
        .ok_or_else(|| match record.event_time.get() {
            Some(bad) => format!(
                "CloudTrail record with an unreadable eventTime '{}'",
                crate::sanitize::inline(bad)
            ),
            None => "CloudTrail record without eventTime".to_owned(),
        })?;
    let insight = record.insight.0.as_ref();
    let is_insight = insight.is_some() || record.event_type.get() == Some("AwsCloudTrailInsight");
    let action = match insight {
        Some(details) => details.event_name.0.clone(),
        None => record.event_name.0.clone(),
    }
    .unwrap_or(Cow::Borrowed("(no eventName)"));
    let class = if is_insight {
        EventClass::Finding
    } else {
        EventClass::ApiCall
    };
    event.reset(time, Source::CloudTrail, class, action);

    let response = record.response.0.as_mut();
    let login_failed = response.as_ref().and_then(|r| r.console_login.get()) == Some("Failure");
    event.error_code = record.error_code.take();
    event.bytes = record
        .additional
        .0
        .as_ref()
        .and_then(|a| a.bytes_out.get())
        .and_then(|b| b.parse::<f64>().ok())
        .filter(|b| b.is_finite() && *b >= 0.0)
        .map(|b| b as u64);
    event.outcome = if event.error_code.is_some() || login_failed {
        Outcome::Failure
    } else if is_insight {
        Outcome::Unknown
    } else {
        Outcome::Success
    };
    if login_failed && event.error_code.is_none() {
        event.error_code = Some(Cow::Borrowed("Failed authentication"));
    }

    if let Some(identity) = &mut record.user_identity.0 {
        let is_role_session = identity.kind.get() == Some("AssumedRole");
        let issuer = identity
            .session
            .0
            .as_mut()
            .and_then(|s| s.issuer.0.as_mut())
            .and_then(|i| i.arn.take());
        event.role = issuer.filter(|_| is_role_session);
        event.access_key = identity.access_key_id.take();
        event.account = identity.account_id.take();
        event.actor = identity
            .arn
            .take()
            .or_else(|| identity.user_name.take())
            .or_else(|| identity.invoked_by.take())
            .or_else(|| identity.principal_id.take());
    }
    event.account = record
        .recipient_account_id
        .take()
        .or(event.account.take())
        .or_else(|| context.account.clone());
    event.region = record.aws_region.take().or_else(|| context.region.clone());
    event.src_ip = text(record.source_ip.take());
    event.user_agent = text(record.user_agent.take());
    event.id = record.event_id.take();

    for resource in record.resources.0.iter_mut().filter_map(|r| r.0.as_mut()) {
        if let Some(arn) = resource.arn.take() {
            event.add_resource(arn);
        }
    }
    if let Some(request) = &mut record.request.0 {
        add_request_resources(event, request);
    }
    // A credential the call issued is what it created: pivots and credential chains find the
    // issuing call through it.
    if let Some(response) = response {
        for issued in [&mut response.credentials.0, &mut response.access_key.0]
            .into_iter()
            .flatten()
        {
            if let Some(key) = issued.access_key_id.take() {
                event.add_resource(key);
            }
        }
    }

    // Insights events name the service inside their details.
    let source = record
        .event_source
        .get()
        .or(insight.and_then(|i| i.event_source.get()));
    let service = source.map(|s| s.strip_suffix(".amazonaws.com").unwrap_or(s));
    let mut line = std::mem::take(&mut event.summary);
    write_summary(&mut line, event, service, insight);
    event.summary = line;
    Ok(())
}

fn add_request_resources<'a>(event: &mut EventRecord<'a>, request: &mut Parameters<'a>) {
    let bucket = request.bucket_name.take();
    if let (Some(bucket), Some(key)) = (&bucket, request.key.get()) {
        // As S3 names objects, so the ARN and the bare `bucket/key` both find it. Data events
        // usually list that ARN already.
        let object_arn = |arn: &str| {
            arn.strip_prefix("arn:aws:s3:::")
                .and_then(|path| path.strip_prefix(bucket.as_ref()))
                .and_then(|path| path.strip_prefix('/'))
                == Some(key)
        };
        if !event.resources.iter().any(|known| object_arn(known)) {
            event.add_resource(format!("arn:aws:s3:::{bucket}/{key}"));
        }
    }
    let named = [
        bucket,
        request.instance_id.take(),
        request.group_id.take(),
        request.role_arn.take(),
        request.role_name.take(),
        request.user_name.take(),
        request.policy_arn.take(),
        request.access_key_id.take(),
        request.db_snapshot.take(),
        request.db_instance.take(),
        request.snapshot_id.take(),
        request.image_id.take(),
        request.secret_id.take(),
        request.key_id.take(),
        request.function_name.take(),
        request.repository_name.take(),
        request.detector_id.take(),
        request.trail_name.take(),
        request.name.take(),
    ];
    for resource in named.into_iter().flatten() {
        event.add_resource(resource);
    }
}

/// `service:Action first-resource → error`, built without the formatting machinery: it runs
/// once per event on the load's hot path.
fn write_summary(
    line: &mut String,
    event: &EventRecord,
    service: Option<&str>,
    insight: Option<&InsightDetails>,
) {
    if let Some(details) = insight {
        line.push_str(details.insight_type.get().unwrap_or("Insight"));
        line.push(' ');
        line.push_str(details.state.get().unwrap_or(""));
        line.push_str(": unusual ");
    }
    if let Some(service) = service {
        line.push_str(service);
        line.push(':');
    }
    line.push_str(&event.action);
    if insight.is_some() {
        line.push_str(" activity");
    } else if let Some(resource) = event.resources.first() {
        line.push(' ');
        line.push_str(resource);
    }
    if let Some(error) = &event.error_code {
        line.push_str(" → ");
        line.push_str(error);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sources::testing::{parse, parse_without_raw};

    const ASSUME_ROLE: &str = r#"{"Records":[{"eventVersion":"1.08","userIdentity":{"type":"AssumedRole","principalId":"AROAX:alice","arn":"arn:aws:sts::111122223333:assumed-role/Deploy/alice","accountId":"111122223333","accessKeyId":"ASIAEXAMPLE1","sessionContext":{"sessionIssuer":{"type":"Role","arn":"arn:aws:iam::111122223333:role/Deploy"}}},"eventTime":"2022-01-03T19:03:01Z","eventSource":"s3.amazonaws.com","eventName":"GetObject","awsRegion":"eu-west-1","sourceIPAddress":"203.0.113.9","userAgent":"aws-cli/2.0","requestParameters":{"bucketName":"orders","key":"2022/a.csv"},"errorCode":"AccessDenied","eventID":"e1","readOnly":"true","recipientAccountId":"111122223333","resources":[{"ARN":"arn:aws:s3:::orders/2022/a.csv","type":"AWS::S3::Object"}]},{"eventTime":"2022-01-03T19:04:01Z","eventName":"ConsoleLogin","eventSource":"signin.amazonaws.com","userIdentity":{"type":"IAMUser","userName":"bob"},"responseElements":{"ConsoleLogin":"Failure"}}]}"#;

    #[test]
    fn reads_the_bytes_an_s3_data_event_sent() {
        let record = r#"{"eventTime":"2026-11-18T02:55:00Z","eventSource":"s3.amazonaws.com","eventName":"GetObject","requestParameters":{"bucketName":"orders","key":"a.csv"},"additionalEventData":{"bytesTransferredIn":0.0,"bytesTransferredOut":313.0}}"#;
        let (_, sink) = parse(record.as_bytes());
        assert_eq!(sink.events[0].bytes, Some(313));
        assert_eq!(
            sink.events[0].resources,
            ["arn:aws:s3:::orders/a.csv", "orders"]
        );
    }

    #[test]
    fn maps_every_field_of_a_delivery_file_record() {
        let (result, sink) = parse(ASSUME_ROLE.as_bytes());
        assert_eq!(result, Ok(super::super::Container::CloudTrailDelivery));
        let event = &sink.events[0];
        assert_eq!(time::format_rfc3339(event.time), "2022-01-03T19:03:01.000Z");
        assert_eq!(event.action, "GetObject");
        assert_eq!(event.outcome, Outcome::Failure);
        assert_eq!(event.error_code.as_deref(), Some("AccessDenied"));
        assert_eq!(
            event.actor.as_deref(),
            Some("arn:aws:sts::111122223333:assumed-role/Deploy/alice")
        );
        assert_eq!(
            event.role.as_deref(),
            Some("arn:aws:iam::111122223333:role/Deploy")
        );
        assert_eq!(event.access_key.as_deref(), Some("ASIAEXAMPLE1"));
        assert_eq!(event.account.as_deref(), Some("111122223333"));
        assert_eq!(event.region.as_deref(), Some("eu-west-1"));
        assert_eq!(event.src_ip.as_deref(), Some("203.0.113.9"));
        assert_eq!(event.user_agent.as_deref(), Some("aws-cli/2.0"));
        assert_eq!(event.id.as_deref(), Some("e1"));
        // `orders/2022/a.csv` is named by the object's ARN already; the bucket is not.
        assert_eq!(
            event.resources,
            ["arn:aws:s3:::orders/2022/a.csv", "orders"]
        );
        assert_eq!(
            event.summary,
            "s3:GetObject arn:aws:s3:::orders/2022/a.csv → AccessDenied"
        );
        assert_eq!(sink.raws[0]["requestParameters"]["key"], "2022/a.csv");

        // The second record keeps nothing of the first.
        let login = &sink.events[1];
        assert_eq!(login.outcome, Outcome::Failure);
        assert_eq!(login.actor.as_deref(), Some("bob"));
        assert_eq!(login.role, None);
        assert_eq!(login.access_key, None);
        assert!(login.resources.is_empty());
        assert_eq!(login.summary, "signin:ConsoleLogin → Failed authentication");
    }

    /// Without originals (as a load reads), one projection and one event are refilled for every
    /// record; each record must still map as if it were alone, as it does when re-read.
    #[test]
    fn records_map_alike_when_their_projection_is_refilled() {
        let odd = r#"{"eventTime":"2022-01-03T19:05:01Z","eventName":7,"userIdentity":"nobody","resources":{"x":1},"requestParameters":null,"responseElements":[1]}"#;
        let records = &ASSUME_ROLE["{\"Records\":[".len()..ASSUME_ROLE.len() - "]}".len()];
        let (first, login) = records.split_at(records.find(r#",{"eventTime""#).unwrap());
        // The odd record follows one whose identity is only partly mapped (its principalId stays).
        let file = format!(r#"{{"Records":[{first},{odd}{login},{first}]}}"#);
        let (_, alone) = parse(file.as_bytes());
        let (_, refilled) = parse_without_raw(file.as_bytes());
        assert_eq!(refilled.events.len(), 4);
        assert_eq!(refilled.events, alone.events);
        assert_eq!(refilled.events[1].actor, None);
        assert_eq!(refilled.events[3], alone.events[0]);
    }

    #[test]
    fn a_truncated_file_keeps_the_records_before_the_break() {
        let cut = &ASSUME_ROLE[..ASSUME_ROLE
            .find(r#"{"eventTime":"2022-01-03T19:04"#)
            .unwrap()
            + 20];
        let (result, sink) = parse(cut.as_bytes());
        let error = result.unwrap_err().to_string();
        assert!(error.contains("EOF while parsing"), "{error}");
        assert!(
            error.contains("the 1 records before it were loaded"),
            "{error}"
        );
        assert_eq!(sink.events.len(), 1);
    }

    #[test]
    fn maps_an_insights_event() {
        // The shape AWS documents for CloudTrail Insights events in S3 delivery files.
        let insight = r#"{"Records":[{"eventVersion":"1.08","eventTime":"2026-11-30T03:00:00Z","awsRegion":"us-east-1","eventID":"a9edc959-9488-4790-be0f-05d60e56b547","eventType":"AwsCloudTrailInsight","recipientAccountId":"111122223333","sharedEventID":"12edc982-3348-4794-83d3-a3db26525049","insightDetails":{"state":"Start","eventSource":"iam.amazonaws.com","eventName":"CreateAccessKey","insightType":"ApiCallRateInsight","insightContext":{"statistics":{"baseline":{"average":0.01},"insight":{"average":12}}}},"eventCategory":"Insight"}]}"#;
        let (_, sink) = parse(insight.as_bytes());
        let event = &sink.events[0];
        assert_eq!(event.class, EventClass::Finding);
        assert_eq!(event.action, "CreateAccessKey");
        assert_eq!(event.outcome, Outcome::Unknown);
        assert_eq!(event.account.as_deref(), Some("111122223333"));
        assert_eq!(event.region.as_deref(), Some("us-east-1"));
        assert_eq!(
            event.summary,
            "ApiCallRateInsight Start: unusual iam:CreateAccessKey activity"
        );
    }

    #[test]
    fn odd_field_types_do_not_lose_the_record() {
        let odd = r#"{"Records":[{"eventTime":"2022-01-03T19:03:01Z","eventName":7,"userIdentity":"nobody","resources":{"x":1},"requestParameters":null}]}"#;
        let (_, sink) = parse(odd.as_bytes());
        assert_eq!(sink.events[0].action, "7");
        assert_eq!(sink.events[0].actor, None);
    }

    #[test]
    fn records_without_a_time_are_skipped_with_a_reason() {
        let (_, sink) =
            parse(br#"{"Records":[{"eventName":"X"},{"eventName":"Y","eventTime":"foo"}]}"#);
        assert!(sink.events.is_empty());
        assert_eq!(
            sink.skips[0],
            (
                "Records[0]".into(),
                "CloudTrail record without eventTime".into()
            )
        );
        assert!(sink.skips[1].1.contains("unreadable eventTime 'foo'"));
    }
}
