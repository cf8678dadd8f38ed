//! One real record per format, from ../shared/data, with every field the model maps asserted.
//! (Fluent Bit container lines have no public sample; theirs is the project's own fixture.)

mod common;

use casebook::time::format_rfc3339;
use casebook::timeline::EventRow;
use casebook::timeline::filter::{Column, parse};
use common::{fixture, line_of, load_paths, only_event, shared};

/// The expected value of every mapped field; `None` means the field must be empty. Fields left
/// to `..Expected::default()` are asserted empty too.
#[derive(Default)]
struct Expected<'a> {
    time: &'a str,
    source: &'a str,
    class: &'a str,
    action: &'a str,
    outcome: &'a str,
    error_code: Option<&'a str>,
    severity: Option<f32>,
    actor: Option<&'a str>,
    role: Option<&'a str>,
    access_key: Option<&'a str>,
    account: Option<&'a str>,
    region: Option<&'a str>,
    src_ip: Option<&'a str>,
    dst_ip: Option<&'a str>,
    user_agent: Option<&'a str>,
    resources: &'a [&'a str],
    summary: &'a str,
    id: Option<&'a str>,
}

fn check(row: &EventRow, expected: Expected) {
    assert_eq!(format_rfc3339(row.time), expected.time, "time");
    let fields = [
        (Column::Source, Some(expected.source)),
        (Column::Class, Some(expected.class)),
        (Column::Action, Some(expected.action)),
        (Column::Outcome, Some(expected.outcome)),
        (Column::ErrorCode, expected.error_code),
        (Column::Actor, expected.actor),
        (Column::Role, expected.role),
        (Column::AccessKey, expected.access_key),
        (Column::Account, expected.account),
        (Column::Region, expected.region),
        (Column::SrcIp, expected.src_ip),
        (Column::DstIp, expected.dst_ip),
        (Column::UserAgent, expected.user_agent),
        (Column::Summary, Some(expected.summary)),
        (Column::Id, expected.id),
    ];
    for (column, value) in fields {
        assert_eq!(row.get(column), value, "{}", column.name());
    }
    assert_eq!(row.severity, expected.severity, "severity");
    assert_eq!(
        row.resources().collect::<Vec<_>>(),
        expected.resources,
        "resources"
    );
}

fn line(path: &str, number: usize) -> EventRow {
    only_event(line_of(path, number).as_bytes())
}

#[test]
fn cloudtrail_delivery_file_from_an_s3_tree() {
    let loaded = load_paths(&[shared("cribl-aws-cloudtrail-logs")]);
    let filter = parse("id:b93e34bb-d110-4912-8133-e9f73e4116e3", 0).unwrap();
    let rows = loaded.timeline.filter(&filter).unwrap().rows().unwrap();
    check(
        &rows[0],
        Expected {
            time: "2022-01-03T19:21:13.000Z",
            source: "cloudtrail",
            class: "api_call",
            action: "ConsoleLogin",
            outcome: "success",
            actor: Some(
                "arn:aws:sts::123456789122:assumed-role/AWSReservedSSO_AWSAdministratorAccess_dad148afeb116aee/kamilo@cribl.io",
            ),
            role: Some(
                "arn:aws:iam::650992545562:role/aws-reserved/sso.amazonaws.com/us-west-2/AWSReservedSSO_AWSAdministratorAccess_dad148afeb116aee",
            ),
            account: Some("123456789122"),
            region: Some("us-west-2"),
            src_ip: Some("216.164.56.230"),
            user_agent: Some(
                "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/96.0.4664.110 Safari/537.36",
            ),
            summary: "signin:ConsoleLogin",
            id: Some("b93e34bb-d110-4912-8133-e9f73e4116e3"),
            ..Expected::default()
        },
    );
}

#[test]
fn cloudtrail_inside_an_eventbridge_envelope() {
    let row = line(
        "streamalert/community/cloudwatch_events/cloudtrail_ec2_image_creation.data.jsonl",
        1,
    );
    check(
        &row,
        Expected {
            time: "2018-05-15T16:01:34.000Z",
            source: "cloudtrail",
            class: "api_call",
            action: "CreateImage",
            outcome: "success",
            actor: Some("arn:aws:iam::444444444444:user/test"),
            access_key: Some("ASIAJZ5FBXW6BLKSCUJQ"),
            account: Some("444444444444"),
            region: Some("us-east-1"),
            src_ip: Some("12.10.0.1"),
            user_agent: Some("console.ec2.amazonaws.com"),
            resources: &["i-fffffffffffffffff", "test-01"],
            summary: "ec2:CreateImage i-fffffffffffffffff",
            id: Some("c6b72da7-5dc5-43bd-a890-d8a88cb41e15"),
            ..Expected::default()
        },
    );
}

#[test]
fn cloudtrail_inside_a_cloudwatch_logs_subscription_payload() {
    // The record's eventTime is a placeholder ("foo"): the log event's epoch-ms timestamp places it.
    let row = line(
        "streamalert/classifier/cloudwatch/cloudwatch_cloudtrail.data.jsonl",
        1,
    );
    check(
        &row,
        Expected {
            time: "2018-05-22T01:05:39.360Z",
            source: "cloudtrail",
            class: "api_call",
            action: "bar",
            outcome: "success",
            account: Some("bar"),
            region: Some("foo"),
            src_ip: Some("bar"),
            user_agent: Some("foo"),
            summary: "foo:bar",
            id: Some("bar"),
            ..Expected::default()
        },
    );
}

#[test]
fn cloudtrail_with_lower_case_keys_and_a_panther_timestamp() {
    let row = line("panther-analysis/rule-tests/AWS.CloudTrail.jsonl", 32);
    check(
        &row,
        Expected {
            time: "2023-01-10T21:04:02.000Z",
            source: "cloudtrail",
            class: "api_call",
            action: "GetRecords",
            outcome: "success",
            actor: Some("arn:aws:test_arn"),
            region: Some("eu-west-1"),
            summary: "dynamodb:GetRecords",
            id: Some("5d4b45ed-a15c-41b6-80e9-031729fa060d"),
            ..Expected::default()
        },
    );
}

#[test]
fn guardduty_kubernetes_finding_from_an_s3_export() {
    let row = line("elastic-integrations/guardduty/test-guardduty.log", 2);
    check(
        &row,
        Expected {
            time: "2022-11-17T09:33:19.000Z",
            source: "guardduty",
            class: "finding",
            action: "Persistence:Kubernetes/SuccessfulAnonymousAccess",
            outcome: "unknown",
            severity: Some(8.0),
            actor: Some("system:anonymous"),
            account: Some("123412341234"),
            region: Some("us-east-1"),
            src_ip: Some("175.16.199.1"),
            resources: &[
                "GeneratedFindingEKSClusterArn",
                "GeneratedFindingEKSClusterName",
            ],
            summary: "Kubernetes API commonly used in Persistence tactics invoked by the anonymous user.",
            id: Some("250023a9abcdefabcdef12345678"),
            ..Expected::default()
        },
    );
}

#[test]
fn guardduty_instance_finding_names_the_instance_and_its_address() {
    let row = line("elastic-integrations/guardduty/test-guardduty.log", 1);
    assert_eq!(
        row.get(Column::Action),
        Some("Trojan:EC2/BlackholeTraffic!DNS")
    );
    assert_eq!(row.severity, Some(5.0));
    assert_eq!(row.get(Column::DstIp), Some("175.16.199.1"));
    assert_eq!(row.resources().collect::<Vec<_>>(), ["i-99999999"]);
    assert_eq!(format_rfc3339(row.time), "2022-11-17T09:33:19.000Z");
}

#[test]
fn guardduty_api_call_finding_names_the_affected_resource() {
    let row = line("panther-analysis/rule-tests/AWS.GuardDuty.jsonl", 3);
    assert_eq!(
        row.get(Column::Action),
        Some("PrivilegeEscalation:IAMUser/AdministrativePermissions")
    );
    assert_eq!(
        format_rfc3339(row.time),
        "2020-02-14T17:59:17.000Z",
        "eventFirstSeen, not createdAt"
    );
    assert_eq!(
        row.resources().collect::<Vec<_>>(),
        ["arn:aws:iam::123456789012:role/IAMRole"]
    );
    assert_eq!(
        row.get(Column::Id),
        Some("eeb88ab56556eb7771b266670dddee5a")
    );
}

#[test]
fn security_hub_asff_finding() {
    let row = line(
        "panther-analysis/rule-tests/AWS.SecurityFindingFormat.jsonl",
        1,
    );
    check(
        &row,
        Expected {
            time: "2024-05-24T22:53:24.000Z",
            source: "securityhub",
            class: "finding",
            action: "Unusual Behaviors",
            outcome: "unknown",
            severity: Some(7.0),
            actor: Some("arn:aws:iam::123456789012:user/tester"),
            access_key: Some("ABC9ONWNS3155VIEJC8U"),
            account: Some("123456789012"),
            region: Some("us-east-1"),
            src_ip: Some("11.111.11.111"),
            resources: &[
                "<id>",
                "ABC9ONWNS3155VIEJC8U",
                "arn:aws:iam::123456789012:user/tester",
            ],
            summary: "Suspicious activity detected accessing private decoy DynamoDB table arn:aws:dynamodb:us-east-1:123456789012:table/Panther-DataTable",
            id: Some("1abc2de3-69ea-4e15-91c6-27eb4a07bd21"),
            ..Expected::default()
        },
    );
}

#[test]
fn config_item_keeps_its_resource() {
    let row = only_event(
        &std::fs::read(shared(
            "aws-config-rdk/example_ci/AWS_EC2_SecurityGroup.json",
        ))
        .unwrap(),
    );
    check(
        &row,
        Expected {
            time: "2016-06-09T08:59:59.139Z",
            source: "config",
            class: "config_change",
            action: "OK",
            outcome: "unknown",
            account: Some("264683526309"),
            region: Some("us-east-1"),
            resources: &["arn:aws:ec2:us-east-1:264683526309:security-group/sg-1d56fc66"],
            summary: "AWS::EC2::SecurityGroup sg-1d56fc66: OK",
            id: Some("58"),
            ..Expected::default()
        },
    );
}

#[test]
fn config_change_notification_and_one_element_array() {
    let row = only_event(
        &std::fs::read(shared(
            "aws-config-rdk/example_ci/AWS_SSM_ManagedInstanceInventory.json",
        ))
        .unwrap(),
    );
    assert_eq!(row.get(Column::Action), Some("CREATE"));
    assert_eq!(row.get(Column::Source), Some("config"));
    let row = only_event(
        &std::fs::read(shared("aws-config-rdk/example_ci/AWS_LAMBDA_FUNCTION.json")).unwrap(),
    );
    assert_eq!(row.get(Column::Class), Some("config_change"));
}

#[test]
fn kubernetes_audit_event() {
    let row = line("panther-analysis/rule-tests/Amazon.EKS.Audit.jsonl", 1);
    check(
        &row,
        Expected {
            time: "2022-11-29T00:09:04.380Z",
            source: "k8s_audit",
            class: "api_call",
            action: "request pods", // this partial test record has no verb
            outcome: "success",
            actor: Some("system:anonymous"),
            src_ip: Some("8.8.8.8"),
            user_agent: Some("kubectl/v1.25.4"),
            resources: &["default/pods/test-pod"],
            summary: "system:anonymous request /api/v1/namespaces/default/pods/test-pod (ResponseComplete)",
            id: Some("abcde12345"),
            ..Expected::default()
        },
    );
}

#[test]
fn vpc_flow_default_v2_record() {
    let row = line("elastic-integrations/vpcflow/test-extra-samples.log", 1);
    check(
        &row,
        Expected {
            time: "2016-10-31T11:35:08.000Z",
            source: "vpcflow",
            class: "network_flow",
            action: "ACCEPT",
            outcome: "success",
            account: Some("123456789010"),
            src_ip: Some("2001:db8:1234:a100:8d6e:3477:df66:f105"),
            dst_ip: Some("2001:db8:1234:a102:3304:8879:34cf:4071"),
            resources: &["eni-1235b8ca123456789"],
            summary: "2001:db8:1234:a100:8d6e:3477:df66:f105:34892 → 2001:db8:1234:a102:3304:8879:34cf:4071:22 TCP 54 pkts 8855 B ACCEPT",
            ..Expected::default()
        },
    );
}

#[test]
fn vpc_flow_with_a_header_and_v5_without_one() {
    let (rows, _) = common::load_content(
        &std::fs::read(shared(
            "elastic-integrations/vpcflow/test-tcp-flag-sequence.log",
        ))
        .unwrap(),
    );
    assert_eq!(rows.len(), 3);
    let accepted = rows
        .iter()
        .find(|r| r.get(Column::Action) == Some("ACCEPT"))
        .unwrap();
    assert_eq!(accepted.get(Column::SrcIp), Some("52.213.180.42"));
    assert_eq!(
        accepted.resources().collect::<Vec<_>>(),
        [
            "eni-1235b8ca123456789",
            "i-01234567890123456",
            "vpc-abcdefab012345678",
            "subnet-aaaaaaaa012345678"
        ]
    );
    let nodata: Vec<_> = rows
        .iter()
        .filter(|r| r.get(Column::Action) == Some("NODATA"))
        .collect();
    assert_eq!(nodata.len(), 1);
    assert_eq!(
        nodata[0].get(Column::Summary),
        Some("NODATA on eni-1235b8ca123456789")
    );

    let v5 = only_event(
        &std::fs::read(shared(
            "elastic-integrations/vpcflow/test-v5-all-fields.log",
        ))
        .unwrap(),
    );
    assert_eq!(v5.get(Column::Region), Some("us-east-1"));
    assert_eq!(v5.get(Column::DstIp), Some("10.200.0.0"));
    assert_eq!(v5.get(Column::Outcome), Some("failure"));
}

#[test]
fn s3_server_access_record() {
    let row = line("panther-analysis/rule-tests/AWS.S3ServerAccess.jsonl", 1);
    check(
        &row,
        Expected {
            time: "2020-06-21T20:41:25.000Z",
            source: "s3_access",
            class: "api_call",
            action: "REST.PUT.OBJECT",
            outcome: "failure",
            error_code: Some("SignatureDoesNotMatch"),
            src_ip: Some("54.159.198.108"),
            user_agent: Some("aws-internal/3"),
            resources: &[
                "arn:aws:s3:::cloudtrail/AWSLogs/o-3h3h3h3h3h/123456789012/CloudTrail/us-east-1/2020/06/21/123456789012_CloudTrail_us-east-1_20200621T2035Z_ZqQWc4WNXOQUiIic.json.gz",
                "arn:aws:s3:::cloudtrail",
            ],
            summary: "REST.PUT.OBJECT cloudtrail/AWSLogs/o-3h3h3h3h3h/123456789012/CloudTrail/us-east-1/2020/06/21/123456789012_CloudTrail_us-east-1_20200621T2035Z_ZqQWc4WNXOQUiIic.json.gz → 403 SignatureDoesNotMatch",
            id: Some("8EFD962F22F2A510"),
            ..Expected::default()
        },
    );
}

#[test]
fn route53_resolver_query() {
    let row = line("panther-analysis/rule-tests/AWS.VPCDns.jsonl", 1);
    check(
        &row,
        Expected {
            time: "2022-06-25T00:27:53.000Z",
            source: "cwlogs",
            class: "log",
            action: "DNS A",
            outcome: "success",
            account: Some("0123456789"),
            region: Some("us-west-2"),
            src_ip: Some("5.6.7.8"),
            resources: &["i-0abc234", "vpc-abc123"],
            summary: "5.6.7.8 asked dynamodb.us-west-2.amazonaws.com A → NOERROR",
            ..Expected::default()
        },
    );
}

#[test]
fn fluent_bit_container_lines_in_a_get_log_events_export() {
    let loaded = load_paths(&[fixture("cwlogs/get-log-events-fluent-bit.json")]);
    let rows = loaded.timeline.rows().unwrap();
    assert_eq!(rows.len(), 3);
    check(
        &rows[0],
        Expected {
            time: "2026-11-30T02:51:10.482Z",
            source: "container",
            class: "log",
            action: "orders-api",
            outcome: "unknown",
            resources: &[
                "shop/pods/orders-api-7d9f8-x2k4p",
                "111122223333.dkr.ecr.eu-west-1.amazonaws.com/orders-api:1.14.2",
            ],
            summary: "GET /healthz 200 1ms",
            ..Expected::default()
        },
    );
    assert_eq!(
        rows[2].get(Column::Source),
        Some("cwlogs"),
        "a line that is not JSON stays a plain log line"
    );
}

#[test]
fn an_organization_trail_tree_with_pretty_and_json_lines_files() {
    let dir = tempfile::tempdir().unwrap();
    let day = dir
        .path()
        .join("AWSLogs/o-aa111bb222/111122223333/CloudTrail/us-east-1/2026/11/30");
    std::fs::create_dir_all(&day).unwrap();
    let record = line_of(
        "streamalert/community/cloudwatch_events/cloudtrail_ec2_image_creation.data.jsonl",
        1,
    );
    let detail: serde_json::Value =
        serde_json::from_str::<serde_json::Value>(&record).unwrap()["detail"].clone();
    let pretty = serde_json::to_string_pretty(&serde_json::json!({ "Records": [detail] })).unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(&mut gz, pretty.as_bytes()).unwrap();
    std::fs::write(
        day.join("111122223333_CloudTrail_us-east-1_20261130T0305Z_x.json.gz"),
        gz.finish().unwrap(),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("lines.jsonl"),
        format!(
            "{detail}\n{}\n",
            detail.to_string().replace("CreateImage", "CopyImage")
        ),
    )
    .unwrap();
    let loaded = load_paths(&[dir.path().to_path_buf()]);
    let actions: Vec<_> = loaded
        .timeline
        .rows()
        .unwrap()
        .iter()
        .map(|r| r.get(Column::Action).unwrap().to_owned())
        .collect();
    // The pretty delivery file and the first JSON line hold the same record: it counts once.
    assert_eq!(actions, ["CreateImage", "CopyImage"]);
    assert_eq!(loaded.duplicates, 1);
}
