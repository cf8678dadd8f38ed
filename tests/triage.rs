//! Triage from a page: from a GuardDuty finding id, from an SNS-wrapped EventBridge alert on
//! stdin (both against the emulator), offline over the demo case, and for a finding nobody
//! knows; each gives a brief and a case holding the events and the provenance.

mod emulator;

use std::time::{Duration, Instant};

use casebook::case::Case;
use emulator::{Emulator, finding, trail_event};
use serde_json::{Value, json};

const FINDING_ID: &str = "60cbc1ab0c3fd4a2b4c41ec7e8b1d2f3";
const KEY: &str = "ASIAEXFILEMULATOR001";

/// The finding (seen 02:30 to 02:40) and the key's calls around it, one of them StopLogging;
/// plus calls by another key, and calls outside the window.
fn seed(emulator: &Emulator) -> Value {
    let mut alert = finding(0, "eu-west-1", KEY, "2026-11-18T02:40:00Z");
    alert["id"] = json!(FINDING_ID);
    alert["service"]["eventFirstSeen"] = json!("2026-11-18T02:30:00Z");
    alert["service"]["eventLastSeen"] = json!("2026-11-18T02:40:00Z");
    emulator.seed_findings("eu-west-1", vec![alert.clone()]);
    let mut events: Vec<Value> = (0..60)
        .map(|i| {
            let time = format!("2026-11-18T02:{:02}:{:02}Z", 10 + i / 2, (i % 2) * 30);
            trail_event(i, "eu-west-1", KEY, &time)
        })
        .collect();
    events[20]["eventName"] = json!("StopLogging");
    events[20]["eventSource"] = json!("cloudtrail.amazonaws.com");
    events.push(trail_event(
        900,
        "eu-west-1",
        "AKIAOTHERKEY00000001",
        "2026-11-18T02:35:00Z",
    ));
    events.push(trail_event(901, "eu-west-1", KEY, "2026-11-18T09:00:00Z"));
    emulator.seed_trail("eu-west-1", events);
    alert
}

fn triage(emulator: Option<&Emulator>, args: &[&str], stdin: Option<String>) -> (Value, String) {
    let mut command = assert_cmd::Command::cargo_bin("casebook").unwrap();
    if let Some(emulator) = emulator {
        command.envs(emulator.env());
    }
    if let Some(stdin) = stdin {
        command.write_stdin(stdin);
    }
    let output = command
        .arg("triage")
        .args(args)
        .args(["--format", "json"])
        .timeout(Duration::from_secs(120))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(output.status.success(), "{stderr}");
    (serde_json::from_slice(&output.stdout).unwrap(), stderr)
}

/// The brief's line about the entity of this kind.
fn entity<'a>(brief: &'a Value, kind: &str) -> &'a Value {
    brief["entities"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == kind)
        .unwrap_or_else(|| panic!("no {kind} in {brief:#}"))
}

/// The names of the saved queries the brief's sweep found something with.
fn sweep_hits(brief: &Value) -> Vec<&str> {
    brief["sweep"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|h| h["name"].as_str())
        .collect()
}

fn assert_brief_names_the_key_and_its_calls(brief: &Value) {
    assert_eq!(brief["finding"]["id"], FINDING_ID);
    let key = entity(brief, "access_key");
    assert_eq!(key["value"], KEY);
    // 60 calls within 02:10..02:40 are inside 1h before / 30m after; 09:00 is not.
    let calls = brief["key_calls"].as_array().unwrap();
    assert_eq!(calls.len(), 60, "{brief:#}");
    assert!(calls.iter().any(|c| c["action"] == "StopLogging"));
    let hits = sweep_hits(brief);
    assert!(hits.contains(&"cloudtrail-logging-disabled"), "{hits:?}");
    assert!(
        brief["not_covered"].as_array().unwrap().is_empty(),
        "{brief:#}"
    );
}

fn assert_case_holds_events_and_provenance(dir: &std::path::Path) {
    let case = Case::open(dir).unwrap();
    assert!(
        case.marks
            .iter()
            .any(|m| m.tags.contains(&"finding".into()))
    );
    assert!(
        case.marks
            .iter()
            .any(|m| m.tags.contains(&"cloudtrail-logging-disabled".into()))
    );
    let asked: Vec<&str> = case
        .provenance
        .iter()
        .filter(|p| p.what == "live")
        .filter_map(|p| p.backend.as_deref())
        .collect();
    assert!(
        asked.contains(&"cloudtrail") && asked.contains(&"guardduty"),
        "{asked:?}"
    );
    assert!(case.provenance.iter().any(|p| p.what == "sweep"));
    assert!(dir.join("evidence/finding.json").exists());
    assert_eq!(case.meta.runbook.as_deref(), Some("docs/dr-runbook.md"));
}

#[test]
fn from_a_guardduty_finding_id_within_thirty_seconds() {
    let emulator = Emulator::start();
    seed(&emulator);
    let dir = tempfile::tempdir().unwrap();
    let case = dir.path().join("t.casebook");
    let started = Instant::now();
    let (brief, stderr) = triage(
        Some(&emulator),
        &[
            FINDING_ID,
            "--region",
            "eu-west-1",
            "--case",
            case.to_str().unwrap(),
        ],
        None,
    );
    let took = started.elapsed();
    assert!(took < Duration::from_secs(30), "took {took:?}");
    assert!(stderr.contains("fetching the finding"), "{stderr}");
    assert!(
        stderr.contains("asking cloudtrail, guardduty about access_key"),
        "{stderr}"
    );
    assert_brief_names_the_key_and_its_calls(&brief);
    assert_case_holds_events_and_provenance(&case);
    // LookupEvents is paced: at most two calls a second.
    let times: Vec<f64> = emulator
        .requests()
        .iter()
        .filter(|r| r["operation"] == "LookupEvents")
        .filter_map(|r| r["time"].as_f64())
        .collect();
    assert!(times.windows(2).all(|w| w[1] - w[0] >= 0.45), "{times:?}");
}

#[test]
fn from_an_sns_wrapped_eventbridge_alert_on_stdin() {
    let emulator = Emulator::start();
    let finding = seed(&emulator);
    let eventbridge = json!({"version": "0", "id": "e", "detail-type": "GuardDuty Finding",
        "source": "aws.guardduty", "account": "123456789012", "time": "2026-11-18T02:40:00Z",
        "region": "eu-west-1", "resources": [], "detail": finding});
    let sns = json!({"Type": "Notification", "MessageId": "m", "Subject": "GuardDuty",
        "TopicArn": "arn:aws:sns:eu-west-1:123456789012:alerts", "Message": eventbridge.to_string()});
    let dir = tempfile::tempdir().unwrap();
    let case = dir.path().join("sns.casebook");
    let (brief, stderr) = triage(
        Some(&emulator),
        &["-", "--case", case.to_str().unwrap()],
        Some(sns.to_string()),
    );
    assert!(
        !stderr.contains("fetching the finding"),
        "the alert carried it"
    );
    assert_brief_names_the_key_and_its_calls(&brief);
    assert_case_holds_events_and_provenance(&case);
}

#[test]
fn offline_over_the_demo_case() {
    let dir = tempfile::tempdir().unwrap();
    let (demo, alert) = emulator::demo_alert(dir.path());
    let case = dir.path().join("demo.casebook");
    let (brief, _) = triage(
        None,
        &[
            alert.to_str().unwrap(),
            "--offline",
            demo.to_str().unwrap(),
            "--case",
            case.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(brief["entities"][0]["value"], "ASIAWNODEEXFIL7Q2W4E");
    assert!(brief["key_calls"].as_array().unwrap().len() > 200);
    let hits = sweep_hits(&brief);
    for expected in ["s3-bulk-download", "cloudtrail-logging-disabled"] {
        assert!(hits.contains(&expected), "{hits:?}");
    }
    assert_eq!(brief["next_pivots"].as_array().unwrap().len(), 3);
    let markdown = assert_cmd::Command::cargo_bin("casebook")
        .unwrap()
        .args([
            "triage",
            alert.to_str().unwrap(),
            "--offline",
            demo.to_str().unwrap(),
        ])
        .args(["--case", dir.path().join("md.casebook").to_str().unwrap()])
        .args(["--format", "markdown"])
        .output()
        .unwrap();
    let markdown = String::from_utf8(markdown.stdout).unwrap();
    assert!(markdown.contains("### Sweep hits"), "{markdown}");
    assert!(markdown.contains("### Next pivots"), "{markdown}");
}

#[test]
fn a_finding_nobody_knows_gives_a_brief_that_says_so() {
    let emulator = Emulator::start();
    let mut alert = finding(
        0,
        "eu-west-1",
        "ASIANOBODYKNOWS00001",
        "2026-11-18T02:40:00Z",
    );
    alert["id"] = json!("f-unknown");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("alert.json");
    std::fs::write(&file, alert.to_string()).unwrap();
    let (brief, _) = triage(
        Some(&emulator),
        &[
            file.to_str().unwrap(),
            "--case",
            dir.path().join("u.casebook").to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(brief["related_events"], 0);
    assert_eq!(brief["entities"][0]["events"], 0);
    assert!(brief["entities"][0]["first_seen"].is_null());
    assert!(brief["sweep"].as_array().unwrap().is_empty());
    // GuardDuty has no detector in the emulator's region: said, not hidden.
    assert!(
        brief["not_covered"]
            .as_array()
            .unwrap()
            .iter()
            .any(|line| line.as_str().unwrap().contains("not enabled")),
        "{brief:#}"
    );
}

#[test]
fn from_a_security_hub_finding_arn() {
    let emulator = Emulator::start();
    let findings: Vec<Value> = (0..3)
        .map(|i| emulator::hub_finding(i, "eu-west-1", "2026-11-18T02:40:00Z"))
        .collect();
    let arn = findings[1]["Id"].as_str().unwrap().to_owned();
    emulator.seed_hub("eu-west-1", findings);
    let dir = tempfile::tempdir().unwrap();
    let (brief, stderr) = triage(
        Some(&emulator),
        &[
            &arn,
            "--case",
            dir.path().join("hub.casebook").to_str().unwrap(),
        ],
        None,
    );
    assert!(stderr.contains("fetching the finding"), "{stderr}");
    assert_eq!(brief["finding"]["id"], arn, "the finding the ARN names");
    let resource = entity(&brief, "resource");
    assert_eq!(
        resource["value"],
        "arn:aws:ec2:eu-west-1:123456789012:security-group/sg-0abc"
    );
    // The security group is looked up where AWS keeps its history.
    let asked: Vec<String> = emulator
        .requests()
        .iter()
        .filter_map(|r| r["operation"].as_str().map(str::to_owned))
        .collect();
    assert!(
        asked.contains(&"GetResourceConfigHistory".into()),
        "{asked:?}"
    );
}
