//! GuardDuty findings (S3 export / EventBridge camelCase and GetFindings PascalCase) and
//! Security Hub findings in the AWS Security Finding Format. Key case is ignored throughout.

use std::borrow::Cow;

use serde_json::Value;

use super::json::{self, first_str, first_time, get, num_at, str_at};
use super::{Context, EventSink, Location, Raw};
use crate::event::{EventClass, EventRecord, Source, severity, text};

/// A finding of either service, told apart by their required fields.
pub fn is_finding(value: &Value) -> bool {
    is_asff(value) || is_guardduty(value)
}

fn is_asff(value: &Value) -> bool {
    get(value, "ProductArn").is_some()
        || (get(value, "AwsAccountId").is_some() && get(value, "Types").is_some())
}

fn is_guardduty(value: &Value) -> bool {
    get(value, "service").is_some()
        && get(value, "type").is_some()
        && get(value, "severity").is_some()
}

pub fn from_value(value: &Value, context: &Context, location: &Location, sink: &mut dyn EventSink) {
    let event = if is_asff(value) {
        security_hub(value, context)
    } else if is_guardduty(value) {
        guardduty(value, context)
    } else {
        Err(format!(
            "not a GuardDuty or Security Hub finding ({})",
            json::describe_keys(value)
        ))
    };
    match event {
        Ok(event) => sink.event(&event, sink.wants_raw().then_some(Raw::Json(value))),
        Err(reason) => sink.skip(location, reason),
    }
}

fn guardduty<'a>(finding: &'a Value, context: &Context<'a>) -> Result<EventRecord<'a>, String> {
    let time = first_time(
        finding,
        &[
            &["service", "eventFirstSeen"],
            &["createdAt"],
            &["updatedAt"],
        ],
    )
    .or(context.time)
    .ok_or("GuardDuty finding without a readable eventFirstSeen, createdAt or updatedAt")?;
    let kind = str_at(finding, &["type"]).unwrap_or(Cow::Borrowed("(no type)"));
    let mut event = EventRecord::new(time, Source::GuardDuty, EventClass::Finding, kind);
    event.severity = num_at(finding, &["severity"]).map(|s| s as f32);
    event.account = str_at(finding, &["accountId"]).or_else(|| context.account.clone());
    event.region = str_at(finding, &["region"]).or_else(|| context.region.clone());
    event.id = str_at(finding, &["id"]);

    let resource = get(finding, "resource").unwrap_or(&Value::Null);
    let key = get(resource, "accessKeyDetails").unwrap_or(&Value::Null);
    event.access_key = text(str_at(key, &["accessKeyId"]));
    event.actor = first_str(key, &[&["userName"], &["principalId"]]).or_else(|| {
        str_at(
            resource,
            &["kubernetesDetails", "kubernetesUserDetails", "username"],
        )
    });

    let action = json::at(finding, &["service", "action"]).unwrap_or(&Value::Null);
    event.src_ip = action_remote_ip(action);
    event.user_agent = first_str(
        action,
        &[
            &["awsApiCallAction", "userAgent"],
            &["kubernetesApiCallAction", "userAgent"],
        ],
    );
    let instance = get(resource, "instanceDetails").unwrap_or(&Value::Null);
    event.dst_ip = json::at(instance, &["networkInterfaces"])
        .and_then(Value::as_array)
        .and_then(|nics| nics.first())
        .and_then(|nic| str_at(nic, &["privateIpAddress"]));

    for path in [
        &["instanceDetails", "instanceId"][..],
        &["eksClusterDetails", "arn"],
        &["eksClusterDetails", "name"],
        &["ecsClusterDetails", "arn"],
        &["lambdaDetails", "functionArn"],
        &["rdsDbInstanceDetails", "dbInstanceArn"],
        &["rdsDbInstanceDetails", "dbInstanceIdentifier"],
    ] {
        if let Some(id) = str_at(resource, path) {
            event.add_resource(id);
        }
    }
    for bucket in json::at(resource, &["s3BucketDetails"])
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if let Some(arn) = first_str(bucket, &[&["arn"], &["name"]]) {
            event.add_resource(arn);
        }
    }
    // What a suspicious API call changed, e.g. {"AWS::IAM::Role": "arn:aws:iam::...:role/x"}.
    let affected =
        json::at(action, &["awsApiCallAction", "affectedResources"]).and_then(Value::as_object);
    for id in affected
        .into_iter()
        .flat_map(|map| map.values())
        .filter_map(json::as_text)
    {
        event.add_resource(id);
    }
    // A workload as Kubernetes audit logs name it (`namespace/pods/name`), so pivots join them.
    let workload = json::at(
        resource,
        &["kubernetesDetails", "kubernetesWorkloadDetails"],
    );
    if let Some(name) = workload.and_then(|w| str_at(w, &["name"])) {
        let kind = workload.and_then(|w| str_at(w, &["type"])).map(|kind| {
            // `Pod` or `pods`: audit logs name the plural.
            let kind = kind.to_ascii_lowercase();
            if kind.ends_with('s') {
                kind
            } else {
                kind + "s"
            }
        });
        let namespace = workload.and_then(|w| str_at(w, &["namespace"]));
        event.add_resource(match (namespace, kind) {
            (Some(namespace), Some(kind)) => format!("{namespace}/{kind}/{name}"),
            (Some(namespace), None) => format!("{namespace}/{name}"),
            (None, _) => name.into_owned(),
        });
    }
    event.summary = str_at(finding, &["title"])
        .map(Cow::into_owned)
        .unwrap_or_else(|| event.action.to_string());
    Ok(event)
}

/// The remote IP of whichever action the finding describes.
fn action_remote_ip(action: &Value) -> Option<Cow<'_, str>> {
    let remote = |name: &str| json::at(action, &[name, "remoteIpDetails"]);
    let probe = json::at(action, &["portProbeAction", "portProbeDetails"])
        .and_then(Value::as_array)
        .and_then(|details| details.first())
        .and_then(|detail| get(detail, "remoteIpDetails"));
    [
        remote("awsApiCallAction"),
        remote("networkConnectionAction"),
        remote("kubernetesApiCallAction"),
        remote("rdsLoginAttemptAction"),
        probe,
    ]
    .into_iter()
    .flatten()
    .find_map(|details| first_str(details, &[&["ipAddressV4"], &["ipAddressV6"]]))
}

fn security_hub<'a>(finding: &'a Value, context: &Context<'a>) -> Result<EventRecord<'a>, String> {
    let time = first_time(
        finding,
        &[
            &["FirstObservedAt"],
            &["CreatedAt"],
            &["UpdatedAt"],
            &["ProcessedAt"],
        ],
    )
    .or(context.time)
    .ok_or("Security Hub finding without a readable FirstObservedAt, CreatedAt or UpdatedAt")?;
    let kind = json::at(finding, &["Types"])
        .and_then(Value::as_array)
        .and_then(|types| types.first())
        .and_then(json::as_text)
        .or_else(|| str_at(finding, &["GeneratorId"]))
        .unwrap_or(Cow::Borrowed("(no type)"));
    let mut event = EventRecord::new(time, Source::SecurityHub, EventClass::Finding, kind);
    event.severity = num_at(finding, &["Severity", "Normalized"])
        .or_else(|| {
            num_at(
                finding,
                &["FindingProviderFields", "Severity", "Normalized"],
            )
        })
        .map(|normalized| (normalized / 10.0) as f32)
        .or_else(|| {
            first_str(
                finding,
                &[
                    &["Severity", "Label"],
                    &["FindingProviderFields", "Severity", "Label"],
                ],
            )
            .and_then(|label| severity::from_label(&label))
        });
    event.account = str_at(finding, &["AwsAccountId"]).or_else(|| context.account.clone());
    event.region = str_at(finding, &["Region"]).or_else(|| context.region.clone());
    event.id = str_at(finding, &["Id"]);
    let api_call = json::at(finding, &["Action", "AwsApiCallAction"]).unwrap_or(&Value::Null);
    event.src_ip = first_str(api_call, &[&["RemoteIpDetails", "IpAddressV4"]])
        .or_else(|| str_at(finding, &["Network", "SourceIpV4"]));
    event.dst_ip = str_at(finding, &["Network", "DestinationIpV4"]);

    for resource in json::at(finding, &["Resources"])
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let Some(id) = str_at(resource, &["Id"]) else {
            continue;
        };
        let kind = str_at(resource, &["Type"]).unwrap_or_default();
        let is_actor = str_at(resource, &["ResourceRole"]).as_deref() == Some("Actor");
        if kind == "AwsIamAccessKey" {
            let details =
                json::at(resource, &["Details", "AwsIamAccessKey"]).unwrap_or(&Value::Null);
            event.access_key = str_at(details, &["AccessKeyId"]).or_else(|| Some(id.clone()));
            let principal = first_str(
                details,
                &[
                    &["PrincipalName"],
                    &["UserName"],
                    &["SessionContext", "SessionIssuer", "Arn"],
                    &["PrincipalId"],
                ],
            );
            event.actor = event.actor.take().or(principal);
        } else if is_actor && (kind == "AwsIamUser" || kind == "AwsIamRole") {
            // The IAM identity named as the actor is the principal, whatever a key's details say.
            event.actor = Some(id.clone());
        }
        event.add_resource(id);
    }
    event.summary = str_at(finding, &["Title"])
        .map(Cow::into_owned)
        .unwrap_or_else(|| event.action.to_string());
    Ok(event)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sources::testing::parse;
    use crate::time;

    #[test]
    fn maps_a_pascal_case_get_findings_output() {
        let output = r#"{"Findings":[{"AccountId":"111122223333","Arn":"arn:aws:guardduty:us-east-1:111122223333:detector/d/finding/f1","CreatedAt":"2026-11-30T03:01:00.000Z","Id":"f1","Region":"us-east-1","SchemaVersion":"2.0","Resource":{"ResourceType":"AccessKey","AccessKeyDetails":{"AccessKeyId":"ASIAEXAMPLE","PrincipalId":"AROA:i-0abc","UserName":"node-role","UserType":"AssumedRole"}},"Service":{"Action":{"ActionType":"AWS_API_CALL","AwsApiCallAction":{"Api":"ListBuckets","RemoteIpDetails":{"IpAddressV4":"203.0.113.66"},"UserAgent":"aws-cli/2.15"}},"EventFirstSeen":"2026-11-30T02:55:00.000Z","Count":4},"Severity":8.0,"Title":"Credentials for the EC2 instance role used from an external IP","Type":"UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS","UpdatedAt":"2026-11-30T03:05:00.000Z"}]}"#;
        let (_, sink) = parse(output.as_bytes());
        let event = &sink.events[0];
        assert_eq!(time::format_rfc3339(event.time), "2026-11-30T02:55:00.000Z");
        assert_eq!(event.source, Source::GuardDuty);
        assert_eq!(
            event.action,
            "UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS"
        );
        assert_eq!(event.severity, Some(8.0));
        assert_eq!(event.access_key.as_deref(), Some("ASIAEXAMPLE"));
        assert_eq!(event.actor.as_deref(), Some("node-role"));
        assert_eq!(event.src_ip.as_deref(), Some("203.0.113.66"));
        assert_eq!(event.user_agent.as_deref(), Some("aws-cli/2.15"));
        assert_eq!(event.account.as_deref(), Some("111122223333"));
        assert_eq!(event.region.as_deref(), Some("us-east-1"));
        assert_eq!(event.id.as_deref(), Some("f1"));
        assert_eq!(
            event.summary,
            "Credentials for the EC2 instance role used from an external IP"
        );
    }

    #[test]
    fn maps_an_eventbridge_guardduty_finding_with_an_instance_and_bucket() {
        let envelope = r#"{"version":"0","id":"x","detail-type":"GuardDuty Finding","source":"aws.guardduty","account":"111122223333","time":"2026-11-30T03:00:00Z","region":"eu-west-1","detail":{"schemaVersion":"2.0","accountId":"111122223333","region":"eu-west-1","id":"f2","type":"Exfiltration:S3/AnomalousBehavior","severity":"7.5","createdAt":"2026-11-30T02:59:00Z","title":"t","resource":{"instanceDetails":{"instanceId":"i-0abc","networkInterfaces":[{"privateIpAddress":"10.0.1.5"}]},"s3BucketDetails":[{"arn":"arn:aws:s3:::orders","name":"orders"}],"eksClusterDetails":{"name":"prod","createdAt":1.6e9}},"service":{"action":{"networkConnectionAction":{"remoteIpDetails":{"ipAddressV4":"198.51.100.7"}}}}}}"#;
        let (_, sink) = parse(envelope.as_bytes());
        let event = &sink.events[0];
        assert_eq!(event.severity, Some(7.5));
        assert_eq!(event.src_ip.as_deref(), Some("198.51.100.7"));
        assert_eq!(event.dst_ip.as_deref(), Some("10.0.1.5"));
        assert_eq!(event.resources, ["i-0abc", "prod", "arn:aws:s3:::orders"]);
    }

    #[test]
    fn names_a_kubernetes_workload_as_audit_logs_do() {
        let finding = r#"{"schemaVersion":"2.0","accountId":"111122223333","region":"eu-west-1","id":"f3","type":"Execution:Kubernetes/ExecInKubeSystemPod","severity":5,"createdAt":"2026-11-30T02:59:00Z","title":"t","resource":{"eksClusterDetails":{"name":"prod"},"kubernetesDetails":{"kubernetesWorkloadDetails":{"name":"api-1","type":"Pod","namespace":"shop"}}},"service":{}}"#;
        let (_, sink) = parse(finding.as_bytes());
        assert_eq!(sink.events[0].resources, ["prod", "shop/pods/api-1"]);
    }

    #[test]
    fn maps_an_asff_finding() {
        let asff = r#"{"SchemaVersion":"2018-10-08","Id":"h1","ProductArn":"arn:aws:securityhub:us-east-1::product/aws/guardduty","AwsAccountId":"111122223333","Region":"us-east-1","Types":["TTPs/Initial Access"],"CreatedAt":"2024-05-24T22:53:24Z","Severity":{"Label":"HIGH","Normalized":70},"Title":"Decoy accessed","Action":{"AwsApiCallAction":{"RemoteIpDetails":{"IpAddressV4":"11.111.11.111"}}},"Resources":[{"Type":"AwsIamAccessKey","Id":"AKIAEXAMPLE","Details":{"AwsIamAccessKey":{"PrincipalName":"tester"}}},{"Type":"AwsDynamoDbTable","Id":"arn:aws:dynamodb:us-east-1:111122223333:table/T"}]}"#;
        let (_, sink) = parse(asff.as_bytes());
        let event = &sink.events[0];
        assert_eq!(event.source, Source::SecurityHub);
        assert_eq!(event.action, "TTPs/Initial Access");
        assert_eq!(event.severity, Some(7.0));
        assert_eq!(event.access_key.as_deref(), Some("AKIAEXAMPLE"));
        assert_eq!(event.actor.as_deref(), Some("tester"));
        assert_eq!(event.src_ip.as_deref(), Some("11.111.11.111"));
        assert_eq!(event.resources.len(), 2);
        assert_eq!(event.summary, "Decoy accessed");
    }
}
