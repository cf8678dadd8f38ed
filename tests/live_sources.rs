//! Live sources beyond findings and LookupEvents, over real HTTP against the emulator: Security
//! Hub, AWS Config, Logs Insights, Athena result pages, every enabled region, several profiles,
//! and all of them merged into one timeline.

mod emulator;

use emulator::{
    Emulator, at, casebook, config_item, count, finding, hub_finding, live, now_ms, requests_of,
    trail_event,
};
use serde_json::{Value, json};

const SG: &str = "AWS::EC2::SecurityGroup";
/// 2026-11-10T00:00:00Z, in epoch seconds.
const NOV_10: u64 = 1_794_268_800;
const DAY: u64 = 86_400;

fn params_of(emulator: &Emulator, operation: &str, region: &str) -> Vec<Value> {
    emulator
        .requests()
        .into_iter()
        .filter(|r| r["operation"] == operation && r["region"] == region)
        .map(|r| r["params"].clone())
        .collect()
}

#[test]
fn security_hub_findings_in_the_window_come_page_by_page() {
    let emulator = Emulator::start();
    let mut findings: Vec<Value> = (0..250)
        .map(|i| hub_finding(i, "eu-west-1", &at(i)))
        .collect();
    findings.push(hub_finding(999, "eu-west-1", "2026-10-01T00:00:00Z"));
    emulator.seed_hub("eu-west-1", findings);
    emulator.fault(
        json!({"service": "securityhub", "region": "eu-west-1", "kind": "throttle", "times": 1}),
    );
    emulator.fault(
        json!({"service": "securityhub", "region": "us-east-1", "kind": "not-subscribed", "times": 5}),
    );
    emulator.fault(
        json!({"service": "securityhub", "region": "ap-southeast-2", "kind": "denied", "times": 5}),
    );
    let (code, events, stderr) = live(
        &emulator,
        &[
            "--regions",
            "eu-west-1,us-east-1,ap-southeast-2",
            "--sources",
            "securityhub",
        ],
    );
    assert_eq!(code, 1, "one region was denied: {stderr}");
    assert_eq!(count(&events, "securityhub", "eu-west-1"), 250, "{stderr}");
    assert!(
        events.iter().all(|e| e["severity"] == 7.0),
        "HIGH (70 of 100) is 7 of 10"
    );
    for line in [
        "securityhub  default       eu-west-1       done (250 events, throttled 1 time and retried)",
        "securityhub  default       us-east-1       not enabled: Account 123456789012 is not subscribed",
        "securityhub  default       ap-southeast-2  access denied",
    ] {
        assert!(stderr.contains(line), "{line}\n{stderr}");
    }
    // Three pages of 100, plus the throttled attempt the SDK retried.
    assert_eq!(requests_of(&emulator, "GetFindings", "eu-west-1").len(), 4);
}

#[test]
fn config_history_is_pulled_seven_days_per_call_and_page_by_page() {
    let emulator = Emulator::start();
    // A security group changed 24 times over ten days, a bucket once; another region fails.
    let mut items: Vec<Value> = (0..24)
        .map(|n| config_item("eu-west-1", SG, "sg-0abc", NOV_10 + n as u64 * 10 * 3600, n))
        .collect();
    items.push(config_item(
        "eu-west-1",
        "AWS::S3::Bucket",
        "orders",
        NOV_10 + DAY,
        0,
    ));
    items.push(config_item(
        "eu-west-1",
        SG,
        "sg-0abc",
        NOV_10 - 30 * DAY,
        99,
    ));
    emulator.seed_config("eu-west-1", items);
    emulator.page_size("GetResourceConfigHistory", 5);
    emulator.fault(json!({"service": "config", "operation": "GetResourceConfigHistory", "region": "eu-west-1", "kind": "throttle", "times": 1}));
    emulator
        .fault(json!({"service": "config", "region": "us-east-1", "kind": "expired", "times": 5}));
    let window = [
        "--since",
        "2026-11-10T00:00:00Z",
        "--until",
        "2026-11-20T00:00:00Z",
    ];
    let (code, events, stderr) = live(
        &emulator,
        &[
            &window[..],
            &["--regions", "eu-west-1,us-east-1", "--sources", "config"],
        ]
        .concat(),
    );
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(count(&events, "config", "eu-west-1"), 25, "{stderr}");
    let group = "arn:aws:ec2:eu-west-1:123456789012:security-group/sg-0abc";
    let changes = events.iter().filter(|e| e["resources"][0] == group).count();
    assert_eq!(changes, 24, "the bucket's one change is the 25th");
    assert!(
        stderr.contains(
            "config      default       eu-west-1       done (25 events, throttled 1 time and retried)"
        ),
        "{stderr}"
    );
    assert!(
        stderr
            .contains("config      default       us-east-1       credentials: The security token"),
        "{stderr}"
    );
    // Without named resources, an advanced query finds those changed since the window began.
    let select = &params_of(&emulator, "SelectResourceConfig", "eu-west-1")[0];
    let expression = select["Expression"].as_str().unwrap();
    assert!(
        expression.contains("configurationItemCaptureTime BETWEEN '2026-11-10T00:00:00.000Z'"),
        "{expression}"
    );
    // Ten days: two calls per resource and span, none over seven days, pages of five.
    let history = params_of(&emulator, "GetResourceConfigHistory", "eu-west-1");
    for call in &history {
        let span = call["laterTime"].as_f64().unwrap() - call["earlierTime"].as_f64().unwrap();
        assert!(span <= 7.0 * DAY as f64, "{call}");
    }
    let sg_calls = history
        .iter()
        .filter(|c| c["resourceId"] == "sg-0abc")
        .count();
    assert!(
        sg_calls >= 6,
        "the group's 24 items in pages of 5 over two spans: {sg_calls}"
    );

    // A named resource: only its history.
    let (code, events, stderr) = live(
        &emulator,
        &[
            &window[..],
            &[
                "--regions",
                "eu-west-1",
                "--config-resource",
                "AWS::S3::Bucket/orders",
            ],
        ]
        .concat(),
    );
    assert_eq!(code, 0, "{stderr}");
    let config: Vec<_> = events.iter().filter(|e| e["source"] == "config").collect();
    assert_eq!(config.len(), 1, "{stderr}");
}

#[test]
fn insights_queries_more_than_fifty_groups_in_batches_and_loads_rows_with_a_message() {
    let emulator = Emulator::start();
    let now = now_ms();
    let groups: Vec<String> = (0..120)
        .map(|i| format!("/aws/containers/app-{i:03}"))
        .collect();
    for (i, group) in groups.iter().enumerate() {
        let record = trail_event(i, "eu-west-1", "ASIAINSIGHTS00000001", &at(i));
        emulator.seed_logs("eu-west-1", group, vec![(now - 60_000, record.to_string())]);
    }
    emulator.fault(
        json!({"service": "logs", "operation": "GetQueryResults", "region": "eu-west-1", "kind": "throttle", "times": 1}),
    );
    emulator.fault(json!({"service": "logs", "region": "us-east-1", "kind": "denied", "times": 5}));
    let mut args = vec![
        "--regions",
        "eu-west-1,us-east-1",
        "--sources",
        "logs",
        "--since",
        "-1h",
        "--insights",
        "fields @timestamp, @message, @log | sort @timestamp desc",
    ];
    for group in &groups {
        args.extend(["--log-group", group.as_str()]);
    }
    let (code, events, stderr) = live(&emulator, &args);
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(events.len(), 120, "{stderr}");
    assert!(
        events.iter().all(|e| e["source"] == "cloudtrail"),
        "the messages are CloudTrail records"
    );
    assert!(
        stderr.contains("logs        default       eu-west-1       done (120 events, throttled 1 time and retried"),
        "{stderr}"
    );
    assert!(
        stderr.contains("logs        default       us-east-1       access denied"),
        "{stderr}"
    );
    let started = params_of(&emulator, "StartQuery", "eu-west-1");
    let batches: Vec<usize> = started
        .iter()
        .filter_map(|p| p["logGroupNames"].as_array().map(Vec::len))
        .collect();
    assert_eq!(batches, [20, 50, 50], "120 groups, at most 50 per query");
}

#[test]
fn athena_results_are_read_page_by_page() {
    let emulator = Emulator::start();
    let cell = |v: &str| json!({ "VarCharValue": v });
    let mut rows = vec![json!({ "Data": [cell("eventtime"), cell("eventname")] })];
    rows.extend((0..7).map(|i| json!({ "Data": [cell(&at(i)), cell("StopLogging")] })));
    emulator.call(
        "POST",
        "/moto-api/static/athena/query-results",
        &json!({"region": "us-east-1", "results": [{"rows": rows,
            "column_info": [{"Name": "eventtime", "Type": "varchar"}, {"Name": "eventname", "Type": "varchar"}]}]}),
    );
    emulator.page_size("GetQueryResults", 3);
    emulator.fault(json!({"service": "athena", "operation": "GetQueryResults", "kind": "throttle", "times": 1}));
    let (code, events, stderr) = live(
        &emulator,
        &[
            "--regions",
            "us-east-1",
            "--sources",
            "athena",
            "--athena-sql",
            "SELECT eventtime, eventname FROM {table}",
            "--athena-output",
            "s3://casebook-results/",
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(events.len(), 7, "{stderr}");
    assert!(events.iter().all(|e| e["action"] == "StopLogging"));
    assert!(stderr.contains("throttled 1 time and retried"), "{stderr}");
    assert_eq!(
        requests_of(&emulator, "GetQueryResults", "us-east-1").len(),
        4
    );
}

/// A config file with two profiles (two accounts in one session), both on the emulator.
fn two_profiles(dir: &std::path::Path) -> std::path::PathBuf {
    let path = dir.join("config");
    std::fs::write(
        &path,
        "[profile prod]\nregion = eu-west-1\naws_access_key_id = AKIAPRODEMULATOR0001\n\
         aws_secret_access_key = prod-secret-not-real\n\n\
         [profile audit]\nregion = us-east-1\naws_access_key_id = AKIAAUDITEMULATOR001\n\
         aws_secret_access_key = audit-secret-not-real\n",
    )
    .unwrap();
    path
}

#[test]
fn every_enabled_region_of_every_profile_is_asked() {
    let emulator = Emulator::start();
    emulator.call(
        "POST",
        "/_casebook/regions",
        &json!({"regions": ["us-east-1", "eu-west-1", "ap-southeast-2"]}),
    );
    emulator.seed_trail(
        "ap-southeast-2",
        (0..3)
            .map(|i| trail_event(i, "ap-southeast-2", "ASIAX", &at(i)))
            .collect(),
    );
    let dir = tempfile::tempdir().unwrap();
    let config = two_profiles(dir.path());
    let output = assert_cmd::Command::cargo_bin("casebook")
        .unwrap()
        .envs(emulator.env())
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .env("AWS_CONFIG_FILE", &config)
        .args([
            "live",
            "--profile",
            "prod",
            "--profile",
            "audit",
            "--regions",
            "all-enabled",
        ])
        .args(["--sources", "cloudtrail", "--since", "2026-11-18T00:00:00Z"])
        .args([
            "--until",
            "2026-11-18T06:00:00Z",
            "--format",
            "jsonl",
            "--spool",
        ])
        .arg(dir.path().join("spool"))
        .timeout(std::time::Duration::from_secs(120))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    for profile in ["prod", "audit"] {
        for region in ["us-east-1", "eu-west-1", "ap-southeast-2"] {
            let line = format!("cloudtrail  {profile:<12}  {region:<14}  done");
            assert!(stderr.contains(&line), "{line}\n{stderr}");
        }
    }
    let listed = emulator
        .requests()
        .iter()
        .filter(|r| r["operation"] == "ListRegions")
        .count();
    assert_eq!(listed, 2, "once per profile");
    assert!(!stderr.contains("secret-not-real"));
}

#[test]
fn findings_calls_config_and_insights_of_two_regions_make_one_timeline() {
    let emulator = Emulator::start();
    let now = now_ms();
    for region in ["us-east-1", "eu-west-1"] {
        emulator.seed_findings(
            region,
            (0..2)
                .map(|i| finding(i, region, "ASIAK", &at(i)))
                .collect(),
        );
        emulator.seed_trail(
            region,
            (0..3)
                .map(|i| trail_event(i, region, "ASIAK", &at(i)))
                .collect(),
        );
        emulator.seed_config(
            region,
            vec![config_item(region, SG, "sg-0abc", 1_794_967_200, 0)],
        );
        emulator.seed_logs(
            region,
            "/aws/eks/prod/containers",
            vec![(now - 60_000, format!("GET /orders from {region}"))],
        );
    }
    let (code, events, stderr) = live(
        &emulator,
        &[
            "--regions",
            "us-east-1,eu-west-1",
            "--sources",
            "guardduty,cloudtrail,config,logs",
            "--since",
            "2026-11-17T00:00:00Z",
            "--config-resource",
            "AWS::EC2::SecurityGroup/sg-0abc",
            "--log-group",
            "/aws/eks/prod/containers",
            "--insights",
            "fields @timestamp, @message",
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    for region in ["us-east-1", "eu-west-1"] {
        assert_eq!(count(&events, "guardduty", region), 2, "{stderr}");
        assert_eq!(count(&events, "cloudtrail", region), 3, "{stderr}");
        assert_eq!(count(&events, "config", region), 1, "{stderr}");
    }
    assert_eq!(
        events.iter().filter(|e| e["source"] == "cwlogs").count(),
        2,
        "{stderr}"
    );
    let times: Vec<&str> = events.iter().filter_map(|e| e["time"].as_str()).collect();
    assert!(
        times.windows(2).all(|w| w[0] <= w[1]),
        "one merged timeline"
    );
    for line in [
        "guardduty   default       us-east-1       done (2 events)",
        "cloudtrail  default       eu-west-1       done (3 events)",
        "config      default       us-east-1       done (1 event)",
        "logs        default       eu-west-1       done (1 event",
    ] {
        assert!(stderr.contains(line), "{line}\n{stderr}");
    }
    assert_eq!(stderr.matches("  done").count(), 8, "{stderr}");
}

#[test]
fn athena_setup_creates_the_projected_table_for_the_callers_account() {
    let emulator = Emulator::start();
    let output = casebook(
        &emulator,
        &[
            "athena",
            "setup",
            "--bucket",
            "org-trail",
            "--org-id",
            "o-abc123",
            "--trail-regions",
            "eu-west-1,us-east-1",
            "--database",
            "security",
            "--athena-output",
            "s3://casebook-results/",
        ],
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        stdout.contains("created security.cloudtrail_logs (accounts 123456789012;"),
        "{stdout}"
    );
    let statements: Vec<String> = params_of(&emulator, "StartQueryExecution", "us-east-1")
        .iter()
        .filter_map(|p| p["QueryString"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(statements.len(), 2, "{statements:?}");
    assert_eq!(statements[0], "CREATE DATABASE IF NOT EXISTS `security`");
    assert!(statements[1].contains(
        "'storage.location.template'='s3://org-trail/AWSLogs/o-abc123/${account}/CloudTrail/${region}/${timestamp}'"
    ));
    assert!(statements[1].contains("'projection.account.values'='123456789012'"));

    emulator.fault(json!({"service": "athena", "kind": "denied", "times": 5}));
    let output = casebook(
        &emulator,
        &[
            "athena",
            "setup",
            "--bucket",
            "b",
            "--accounts",
            "111122223333",
            "--region",
            "us-east-1",
            "--athena-output",
            "s3://casebook-results/",
        ],
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_ne!(output.status.code(), Some(0));
    assert!(stderr.contains("access denied"), "{stderr}");
}
