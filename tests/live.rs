//! Live mode over real HTTP: the AWS SDK for Rust against the emulator on loopback (moto, plus
//! the operations moto lacks), with pages, throttling, errors and the coverage report.

mod emulator;

use emulator::{Emulator, at, casebook, count, finding, live, requests_of, trail_event};
use serde_json::{Value, json};

/// 120 findings in us-east-1 and 3 in eu-west-1; 120 CloudTrail events in eu-west-1 and 5 in
/// us-east-1: three pages where there are many.
fn seed(emulator: &Emulator) {
    let key = "ASIAEXFILEMULATOR001";
    emulator.seed_findings(
        "us-east-1",
        (0..120)
            .map(|i| finding(i, "us-east-1", key, &at(i)))
            .collect(),
    );
    emulator.seed_findings(
        "eu-west-1",
        (0..3)
            .map(|i| finding(i, "eu-west-1", key, &at(i)))
            .collect(),
    );
    emulator.seed_trail(
        "eu-west-1",
        (0..120)
            .map(|i| trail_event(i, "eu-west-1", key, &at(i)))
            .collect(),
    );
    emulator.seed_trail(
        "us-east-1",
        (0..5)
            .map(|i| trail_event(i, "us-east-1", key, &at(i)))
            .collect(),
    );
}

#[test]
fn two_regions_load_into_one_timeline_with_their_coverage() {
    let emulator = Emulator::start();
    seed(&emulator);
    let (code, events, stderr) = live(&emulator, &["--regions", "us-east-1,eu-west-1"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(count(&events, "guardduty", "us-east-1"), 120, "{stderr}");
    assert_eq!(count(&events, "guardduty", "eu-west-1"), 3);
    assert_eq!(count(&events, "cloudtrail", "eu-west-1"), 120);
    assert_eq!(count(&events, "cloudtrail", "us-east-1"), 5);
    let times: Vec<&str> = events.iter().filter_map(|e| e["time"].as_str()).collect();
    assert!(
        times.windows(2).all(|w| w[0] <= w[1]),
        "one merged timeline"
    );
    // The originals are what AWS returned: GetFindings' finding, LookupEvents' CloudTrail record.
    let finding = events.iter().find(|e| e["source"] == "guardduty").unwrap();
    assert!(
        finding["raw"]["id"]
            .as_str()
            .is_some_and(|id| id.contains("-f0"))
    );
    let call = events.iter().find(|e| e["source"] == "cloudtrail").unwrap();
    assert!(
        call["raw"]["eventID"]
            .as_str()
            .is_some_and(|id| id.contains("-e0"))
    );
    for line in [
        "guardduty   default       us-east-1       done (120 events)",
        "guardduty   default       eu-west-1       done (3 events)",
        "cloudtrail  default       eu-west-1       done (120 events)",
        "cloudtrail  default       us-east-1       done (5 events)",
    ] {
        assert!(stderr.contains(line), "{line}\n{stderr}");
    }
    assert_eq!(requests_of(&emulator, "ListFindings", "us-east-1").len(), 3);
    assert_eq!(requests_of(&emulator, "GetFindings", "us-east-1").len(), 3);
    assert_eq!(requests_of(&emulator, "LookupEvents", "eu-west-1").len(), 3);
}

#[test]
fn lookup_events_are_paced_to_two_per_second_and_filtered_by_one_attribute() {
    let emulator = Emulator::start();
    seed(&emulator);
    emulator.seed_trail(
        "eu-west-1",
        vec![trail_event(
            999,
            "eu-west-1",
            "AKIAOTHERKEY00000001",
            &at(3),
        )],
    );
    let (code, events, stderr) = live(
        &emulator,
        &[
            "--regions",
            "eu-west-1",
            "--sources",
            "cloudtrail",
            "--lookup",
            "AccessKeyId=AKIAOTHERKEY00000001",
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(events.len(), 1);
    let (code, events, stderr) = live(
        &emulator,
        &["--regions", "eu-west-1", "--sources", "cloudtrail"],
    );
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(events.len(), 121);
    let times = requests_of(&emulator, "LookupEvents", "eu-west-1");
    let paced = times.windows(2).skip(1).all(|w| w[1] - w[0] >= 0.45);
    assert!(paced, "at most 2 requests per second: {times:?}");
}

#[test]
fn throttling_is_retried_and_reported() {
    let emulator = Emulator::start();
    seed(&emulator);
    emulator.fault(json!({"service": "cloudtrail", "operation": "LookupEvents", "kind": "throttle", "times": 2}));
    emulator.fault(
        json!({"service": "guardduty", "operation": "GetFindings", "kind": "throttle", "times": 1}),
    );
    let (code, events, stderr) = live(&emulator, &["--regions", "eu-west-1"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(events.len(), 123);
    assert!(
        stderr.contains("cloudtrail  default       eu-west-1       done (120 events, throttled 2 times and retried)"),
        "{stderr}"
    );
    assert!(stderr.contains("throttled 1 time and retried"), "{stderr}");

    emulator.fault(json!({"service": "cloudtrail", "kind": "throttle", "times": 50}));
    let (code, _, stderr) = live(
        &emulator,
        &["--regions", "eu-west-1", "--sources", "cloudtrail"],
    );
    assert_eq!(code, 1);
    assert!(
        stderr.contains("throttled, gave up: Rate exceeded"),
        "{stderr}"
    );
}

#[test]
fn denied_expired_and_not_enabled_are_told_apart() {
    let emulator = Emulator::start();
    seed(&emulator);
    emulator.fault(
        json!({"service": "guardduty", "region": "eu-west-1", "kind": "denied", "times": 10}),
    );
    emulator.fault(
        json!({"service": "cloudtrail", "region": "eu-west-1", "kind": "expired", "times": 10}),
    );
    let (code, events, stderr) = live(
        &emulator,
        &["--regions", "us-east-1,eu-west-1,ap-southeast-2"],
    );
    assert_eq!(code, 1, "not every source answered");
    assert_eq!(events.len(), 125, "what did answer still loads");
    for line in [
        "guardduty   default       eu-west-1       access denied: User is not authorized",
        "cloudtrail  default       eu-west-1       credentials: The security token included in the request is expired",
        "guardduty   default       ap-southeast-2  not enabled: no GuardDuty detector in this region",
        "cloudtrail  default       ap-southeast-2  done, 0 results",
    ] {
        assert!(stderr.contains(line), "{line}\n{stderr}");
    }
    assert!(
        !stderr.contains("emulator-secret-not-real") && !stderr.contains("AKIAEMULATOR0000TEST"),
        "credentials never appear"
    );
}

#[test]
fn a_saved_query_is_pushed_down_to_athena_and_its_rows_come_back_as_events() {
    let emulator = Emulator::start();
    let cell = |v: &str| json!({ "VarCharValue": v });
    let columns = [
        "eventtime",
        "eventname",
        "principal",
        "sourceipaddress",
        "errorcode",
    ];
    let row = |time: &str, ip: &str| {
        json!({ "Data": [cell(time), cell("AuthorizeSecurityGroupIngress"),
            cell("arn:aws:sts::123456789012:assumed-role/node/i-0abc"), cell(ip), {}] })
    };
    let mut rows = vec![json!({ "Data": columns.iter().map(|c| cell(c)).collect::<Vec<_>>() })];
    rows.push(row("2026-11-18T03:04:40Z", "203.0.113.66"));
    rows.push(row("2026-11-18T03:05:10Z", "198.51.100.23"));
    let column_info: Vec<Value> = columns
        .iter()
        .map(|c| json!({"Name": c, "Type": "varchar"}))
        .collect();
    emulator.call(
        "POST",
        "/moto-api/static/athena/query-results",
        &json!({"region": "us-east-1", "results": [{"rows": rows, "column_info": column_info}]}),
    );
    let dir = tempfile::tempdir().unwrap();
    let case = dir.path().join("sg.casebook");
    let case_arg = case.to_str().unwrap();
    casebook(&emulator, &["case", "new", case_arg, "--title", "open SG"]);
    let (code, events, stderr) = live(
        &emulator,
        &[
            "--regions",
            "us-east-1",
            "--sources",
            "athena",
            "--query",
            "security-group-open-to-world",
            "--athena-output",
            "s3://casebook-results/",
            "--case",
            case_arg,
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(events.len(), 2, "the header row is not an event");
    assert_eq!(events[0]["action"], "AuthorizeSecurityGroupIngress");
    assert_eq!(events[0]["src_ip"], "203.0.113.66");
    assert_eq!(
        events[1]["actor"],
        "arn:aws:sts::123456789012:assumed-role/node/i-0abc"
    );
    assert_eq!(
        events[1]["raw"]["athenaRow"]["sourceipaddress"],
        "198.51.100.23"
    );
    assert!(
        stderr
            .contains("athena      default       us-east-1       done (2 events, 0 bytes scanned)"),
        "{stderr}"
    );
    let started = emulator
        .requests()
        .into_iter()
        .find(|r| r["operation"] == "StartQueryExecution")
        .unwrap();
    let sql = started["params"]["QueryString"].as_str().unwrap();
    assert!(sql.contains("FROM cloudtrail_logs"), "{sql}");
    assert!(
        sql.contains("BETWEEN '2026/11/18' AND '2026/11/18'"),
        "{sql}"
    );
    assert!(sql.contains("0.0.0.0/0"), "{sql}");
    // The case keeps what was asked, where, and what came back.
    let case = casebook::case::Case::open(&case).unwrap();
    let pull = &case.provenance[0];
    assert_eq!(pull.what, "live");
    assert_eq!(pull.backend.as_deref(), Some("athena"));
    assert_eq!(pull.region.as_deref(), Some("us-east-1"));
    assert_eq!(pull.results, Some(2));
    assert_eq!(pull.bytes_scanned, Some(0));
    assert!(pull.parameters["query"].contains("0.0.0.0/0"));
    assert_eq!(
        case.meta.sources.len(),
        1,
        "the responses load with the case"
    );
}

#[test]
fn log_groups_are_read_page_by_page_into_the_timeline() {
    let emulator = Emulator::start();
    // CloudWatch Logs refuses events older than 14 days: these were ingested minutes ago.
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64;
    let audit = |i: usize| {
        json!({
            "timestamp": now_ms - 600_000 + i as u64 * 1000,
            "message": json!({
                "kind": "Event", "apiVersion": "audit.k8s.io/v1", "auditID": format!("a{i}"),
                "stage": "ResponseComplete", "verb": "get", "requestURI": "/api/v1/namespaces/shop/pods",
                "user": {"username": "dev@acme.example"}, "sourceIPs": ["10.0.5.21"],
                "objectRef": {"resource": "pods", "namespace": "shop"},
                "responseStatus": {"code": 200},
                "requestReceivedTimestamp": format!("2026-11-18T02:00:{:02}.000000Z", i % 60)
            }).to_string()
        })
    };
    emulator.call(
        "POST",
        "/_casebook/logs/events",
        &json!({"region": "eu-west-1", "group": "/aws/eks/prod/cluster", "stream": "kube-apiserver-audit-1",
                "events": (0..25).map(audit).collect::<Vec<_>>()}),
    );
    emulator.call(
        "POST",
        "/_casebook/page-size",
        &json!({"operation": "FilterLogEvents", "size": 10}),
    );
    emulator
        .fault(json!({"service": "logs", "region": "eu-west-1", "kind": "throttle", "times": 1}));
    emulator.fault(json!({"service": "logs", "region": "us-east-1", "kind": "denied", "times": 5}));
    let (code, events, stderr) = live(
        &emulator,
        &[
            "--regions",
            "eu-west-1,us-east-1",
            "--sources",
            "logs",
            "--log-group",
            "/aws/eks/prod/cluster",
            "--since",
            "-1h",
        ],
    );
    assert_eq!(code, 1, "us-east-1 was denied: {stderr}");
    assert_eq!(events.len(), 25, "{stderr}");
    assert!(events.iter().all(|e| e["source"] == "k8s_audit"));
    assert_eq!(
        requests_of(&emulator, "FilterLogEvents", "eu-west-1").len(),
        4,
        "three pages and the throttled attempt"
    );
    assert!(
        stderr.contains(
            "logs        default       eu-west-1       done (25 events, throttled 1 time and retried)"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains("logs        default       us-east-1       access denied"),
        "{stderr}"
    );
}
