//! Every file of the public sample data loads or is reported with a reason; pivots over the real
//! CloudTrail tree return exactly the records an independent reading finds.

mod common;

use std::collections::BTreeMap;
use std::io::Read;

use casebook::event::{EntityKind, Source};
use casebook::time::parse_timestamp;
use casebook::timeline::filter::Column;
use casebook::timeline::pivot::{Entity, pivot};
use common::{load_paths, shared};
use serde_json::Value;

#[test]
fn every_file_loads_or_is_reported_with_a_reason() {
    let loaded = load_paths(&[shared("")]);
    let mut by_source: BTreeMap<&str, usize> =
        Source::ALL.iter().map(|s| (s.as_str(), 0)).collect();
    for source in loaded
        .timeline
        .strings(Column::Source)
        .unwrap()
        .iter()
        .flatten()
    {
        *by_source.get_mut(source).unwrap() += 1;
    }
    for file in &loaded.files {
        let accounted = file.events > 0 || file.error.is_some() || file.skipped.total > 0;
        assert!(
            accounted,
            "{} neither loaded nor reported",
            file.path.display()
        );
    }
    // Counted independently (SOURCES.md and a reading of the files): 132 Cribl records, 432
    // distinct timed Panther CloudTrail records (the repeats with an eventID are dropped, those
    // without one kept), 3 StreamAlert envelopes, 2 trailscraper records (the .json.gz copy drops).
    let expected = BTreeMap::from([
        ("cloudtrail", 132 + 432 + 3 + 2),
        ("guardduty", 5 + 8),
        ("securityhub", 10),
        ("config", 54),
        ("k8s_audit", 18),
        ("vpcflow", 7 + 3 + 1),
        ("s3_access", 11),
        ("cwlogs", 13),
        ("container", 0),
    ]);
    assert_eq!(by_source, expected);
    assert_eq!(loaded.duplicates, 24 + 2 + 1);
    assert_eq!(loaded.timeline.len(), expected.values().sum::<usize>());

    let report = |name: &str| {
        loaded
            .files
            .iter()
            .find(|f| f.path.ends_with(name))
            .unwrap_or_else(|| panic!("{name} was not considered"))
    };
    let reasons = |name: &str| -> Vec<String> {
        report(name)
            .skipped
            .reasons
            .iter()
            .map(|r| r.reason.clone())
            .collect()
    };

    assert!(reasons("test-cloudtrail-digest-json.log")[0].contains("digest"));
    let broken = report("AWS_EC2_NetworkInterface.json")
        .error
        .clone()
        .unwrap_or_default();
    assert!(
        broken.contains("invalid JSON") && broken.contains("line 88"),
        "{broken}"
    );
    assert_eq!(
        report("AWS_SSM_ManagedInstanceInventory_Linux.json").events,
        1,
        "raw control character repaired"
    );
    assert!(reasons("cloudwatch_control_message.data.jsonl")[0].contains("control message"));
    assert_eq!(report("Amazon.EKS.Audit.jsonl").skipped.total, 169);
    assert!(reasons("Amazon.EKS.Audit.jsonl")[0].contains("without requestReceivedTimestamp"));
    assert_eq!(
        report("AWS.VPCFlow.jsonl").skipped.total,
        23,
        "Panther flow tests have no times"
    );
    assert_eq!(report("AWS.CloudTrail.jsonl").skipped.total, 19);
    assert!(
        reasons("AWS.CloudTrail.jsonl")
            .iter()
            .any(|r| r.contains("unreadable eventTime 'redacted'"))
    );
    assert!(reasons("_labels.jsonl")[0].starts_with("unrecognised record (keys: ExpectedResult"));
    let sigma = report("aws_cloudtrail_disable_logging.yml")
        .error
        .clone()
        .unwrap_or_default();
    assert!(
        sigma.contains("text in no format casebook reads"),
        "{sigma}"
    );
    assert_eq!(
        report("test-guardduty.log").events,
        5,
        "the empty {{\"findings\":[]}} line is accepted"
    );
}

/// Every Cribl record, read without casebook: (eventTime, eventID, principal ARN, source IP).
fn cribl_records() -> Vec<(String, String, Option<String>, String)> {
    let mut records = Vec::new();
    let mut stack = vec![shared("cribl-aws-cloudtrail-logs")];
    while let Some(path) = stack.pop() {
        if path.is_dir() {
            stack.extend(std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
            continue;
        }
        let mut text = String::new();
        flate2::read::GzDecoder::new(std::fs::File::open(&path).unwrap())
            .read_to_string(&mut text)
            .unwrap();
        let file: Value = serde_json::from_str(&text).unwrap();
        for record in file["Records"].as_array().unwrap() {
            records.push((
                record["eventTime"].as_str().unwrap().to_owned(),
                record["eventID"].as_str().unwrap().to_owned(),
                record["userIdentity"]["arn"].as_str().map(str::to_owned),
                record["sourceIPAddress"].as_str().unwrap().to_owned(),
            ));
        }
    }
    records.sort();
    records
}

/// The pivot's (eventTime, eventID) pairs, checked to be in time order, then sorted like
/// [`cribl_records`] (events in the same second have no order of their own).
fn pivot_ids(entity: &str, window: Option<(i64, i64)>) -> Vec<(String, String)> {
    let loaded = load_paths(&[shared("cribl-aws-cloudtrail-logs")]);
    let entity: Entity = entity.parse().unwrap();
    let rows = pivot(&loaded.timeline, &entity, window)
        .unwrap()
        .rows()
        .unwrap();
    assert!(
        rows.windows(2).all(|pair| pair[0].time <= pair[1].time),
        "pivot is in time order"
    );
    let mut ids: Vec<(String, String)> = rows
        .iter()
        .map(|r| {
            (
                casebook::time::format_rfc3339(r.time).replace(".000", ""),
                r.get(Column::Id).unwrap().to_owned(),
            )
        })
        .collect();
    ids.sort();
    ids
}

#[test]
fn pivot_on_a_principal_returns_exactly_its_events_across_files_and_regions_in_time_order() {
    let principal = "arn:aws:sts::123456789122:assumed-role/AWSReservedSSO_AWSAdministratorAccess_dad148afeb116aee/kamilo@cribl.io";
    let expected: Vec<(String, String)> = cribl_records()
        .into_iter()
        .filter(|(_, _, arn, _)| arn.as_deref() == Some(principal))
        .map(|(time, id, _, _)| (time, id))
        .collect();
    assert_eq!(expected.len(), 20);
    let found = pivot_ids(&format!("principal={principal}"), None);
    assert_eq!(found, expected);

    let loaded = load_paths(&[shared("cribl-aws-cloudtrail-logs")]);
    let entity: Entity = format!("principal={principal}").parse().unwrap();
    let rows = pivot(&loaded.timeline, &entity, None)
        .unwrap()
        .rows()
        .unwrap();
    let regions: std::collections::BTreeSet<_> = rows
        .iter()
        .map(|r| r.get(Column::Region).unwrap())
        .collect();
    let files: std::collections::BTreeSet<_> = rows.iter().map(|r| r.record.file).collect();
    assert_eq!(
        regions.into_iter().collect::<Vec<_>>(),
        ["us-east-1", "us-west-2"]
    );
    assert!(
        files.len() > 3,
        "the principal's events span {} files",
        files.len()
    );
}

#[test]
fn pivot_on_an_ip_within_a_window() {
    let ip = "216.164.56.230";
    let around = parse_timestamp("2022-01-03T20:00:00Z").unwrap();
    let half = 15 * 60 * casebook::time::NANOS_PER_SEC;
    let expected: Vec<(String, String)> = cribl_records()
        .into_iter()
        .filter(|(time, _, _, source)| {
            let t = parse_timestamp(time).unwrap();
            source == ip && (around - half..=around + half).contains(&t)
        })
        .map(|(time, id, _, _)| (time, id))
        .collect();
    assert!(!expected.is_empty());
    assert_eq!(
        pivot_ids(&format!("ip={ip}"), Some((around, half))),
        expected
    );
    assert_eq!(pivot_ids(&format!("ip={ip}"), None).len(), 20);
}

#[test]
fn top_values_count_the_real_tree() {
    let loaded = load_paths(&[shared("cribl-aws-cloudtrail-logs")]);
    let top = casebook::timeline::pivot::top_values(&loaded.timeline, EntityKind::Ip, 3).unwrap();
    let counted: Vec<(&str, usize)> = top.iter().map(|c| (c.value.as_str(), c.count)).collect();
    assert_eq!(
        counted,
        [
            ("config.amazonaws.com", 63),
            ("cloudtrail.amazonaws.com", 26),
            ("216.164.56.230", 20)
        ]
    );
}
