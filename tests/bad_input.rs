//! Bad input gets a clear per-file message and loses nothing good.

mod common;

use std::io::Write;
use std::path::Path;

use casebook::load::{FileReport, LoadOptions, Loaded, load};
use common::{load_content, load_paths, shared};
use flate2::Compression;
use flate2::write::GzEncoder;

const GOOD_RECORD: &str = r#"{"eventTime":"2026-11-30T03:00:00Z","eventSource":"s3.amazonaws.com","eventName":"GetObject","userIdentity":{"arn":"arn:aws:iam::1:user/a"},"eventID":"ok-1","awsRegion":"eu-west-1","unknownField":{"nested":[1,2,3]}}"#;

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
    encoder.write_all(data).unwrap();
    encoder.finish().unwrap()
}

fn report<'a>(loaded: &'a Loaded, name: &str) -> &'a FileReport {
    loaded
        .files
        .iter()
        .find(|f| f.path.ends_with(name))
        .expect("file was considered")
}

/// A folder holding one good file beside the bad one, loaded together.
fn load_beside_good(name: &str, bad: &[u8]) -> Loaded {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(name), bad).unwrap();
    std::fs::write(
        dir.path().join("good.json"),
        format!("{{\"Records\":[{GOOD_RECORD}]}}"),
    )
    .unwrap();
    let loaded = load_paths(&[dir.path().to_path_buf()]);
    assert_eq!(
        report(&loaded, "good.json").events,
        1,
        "the good file still loads"
    );
    loaded
}

#[test]
fn truncated_gzip_keeps_the_complete_records_before_the_break() {
    let path = shared(
        "cribl-aws-cloudtrail-logs/AWSLogs/123456789122/CloudTrail/us-west-2/2022/01/03/650992545562_CloudTrail_us-west-2_20220103T1915Z_LwA4RXRzImDPnQAL.json.gz",
    );
    let whole = std::fs::read(&path).unwrap();
    let cut = &whole[..whole.len() * 7 / 10];
    let loaded = load_beside_good("cut.json.gz", cut);
    let cut_report = report(&loaded, "cut.json.gz");
    let error = cut_report.error.as_deref().unwrap();
    assert!(
        error.contains("gzip stream truncated or corrupt"),
        "{error}"
    );
    assert!(error.contains("records before it were loaded"), "{error}");
    assert!(
        cut_report.events > 0 && cut_report.events < 21,
        "salvaged {} of 21",
        cut_report.events
    );
}

#[test]
fn empty_and_blank_files_are_named() {
    for content in [&b""[..], b"  \n\t\n"] {
        let loaded = load_beside_good("empty.json", content);
        assert_eq!(
            report(&loaded, "empty.json").error.as_deref(),
            Some("empty file")
        );
    }
}

#[test]
fn invalid_utf8_loses_only_its_line() {
    let mut lines = Vec::new();
    lines.extend_from_slice(GOOD_RECORD.as_bytes());
    lines.extend_from_slice(
        b"\n{\"eventTime\":\"2026-11-30T03:00:01Z\",\"eventName\":\"Bad\xff\xfe\"}\n",
    );
    lines.extend_from_slice(GOOD_RECORD.replace("ok-1", "ok-2").as_bytes());
    let (rows, loaded) = load_content(&lines);
    assert_eq!(rows.len(), 2);
    let skipped = &loaded.files[0].skipped.reasons[0];
    assert_eq!(skipped.locations, ["line 2"]);
    assert!(
        skipped.reason.contains("invalid JSON") && skipped.reason.contains("unicode"),
        "{}",
        skipped.reason
    );
}

#[test]
fn binary_junk_is_not_mistaken_for_logs() {
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let junk: Vec<u8> = (0..4096)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect();
    let loaded = load_beside_good("junk.bin", &junk);
    assert_eq!(
        report(&loaded, "junk.bin").error.as_deref(),
        Some("binary data, not a log format casebook reads")
    );
    let loaded = load_beside_good(
        "junk.gz",
        &[0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 0xde, 0xad, 0xbe, 0xef],
    );
    assert!(
        report(&loaded, "junk.gz")
            .error
            .as_deref()
            .unwrap()
            .contains("corrupt gzip")
    );
}

#[test]
fn ten_thousand_deep_nesting_is_an_error_not_a_crash() {
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let loaded = load_beside_good("deep.json", deep.as_bytes());
    let error = report(&loaded, "deep.json").error.clone().unwrap();
    assert!(error.contains("recursion limit exceeded"), "{error}");

    // Inside a delivery file, deep values are skipped without recursion: the record is valid
    // JSON and loads.
    let file = format!(
        r#"{{"Records":[{GOOD_RECORD},{{"eventTime":"2026-11-30T03:00:00Z","eventName":"Deep","requestParameters":{deep}}}]}}"#
    );
    let loaded = load_beside_good("deep-record.json", file.as_bytes());
    let deep_report = report(&loaded, "deep-record.json");
    assert_eq!(
        (deep_report.events, deep_report.error.as_deref()),
        (2, None)
    );

    // A JSON line is read whole (to find its shape), so there the deep line alone is lost.
    let lines = format!("{GOOD_RECORD}\n{deep}\n");
    let (rows, loaded) = load_content(lines.as_bytes());
    assert_eq!(rows.len(), 1);
    assert!(
        loaded.files[0].skipped.reasons[0]
            .reason
            .contains("recursion limit exceeded")
    );
}

#[test]
fn a_50_mb_record_loads_and_stays_out_of_the_summary() {
    let policy = "x".repeat(50 << 20);
    let file = format!(
        r#"{{"Records":[{{"eventTime":"2026-11-30T03:00:00Z","eventSource":"iam.amazonaws.com","eventName":"PutRolePolicy","requestParameters":{{"roleName":"app","policyDocument":"{policy}"}},"eventID":"big"}}]}}"#
    );
    let (rows, _) = load_content(file.as_bytes());
    assert_eq!(rows.len(), 1);
    let summary = rows[0]
        .get(casebook::timeline::filter::Column::Summary)
        .unwrap();
    assert_eq!(summary, "iam:PutRolePolicy app");
}

#[test]
fn a_gzip_bomb_is_refused_and_said_so() {
    let bomb = gzip(&vec![0u8; 64 << 20]);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("bomb.json.gz"), &bomb).unwrap();
    std::fs::write(
        dir.path().join("good.json.gz"),
        gzip(format!("{{\"Records\":[{GOOD_RECORD}]}}").as_bytes()),
    )
    .unwrap();
    let options = LoadOptions {
        max_inflated: 16 << 20,
    };
    let loaded = load(&[dir.path().to_path_buf()], &options).unwrap();
    let error = report(&loaded, "bomb.json.gz").error.clone().unwrap();
    assert_eq!(
        error,
        "gzip inflates beyond the 16 MiB cap (a gzip bomb?); not loaded"
    );
    assert_eq!(report(&loaded, "good.json.gz").events, 1);
}

#[test]
fn ten_thousand_files_in_one_folder() {
    let dir = tempfile::tempdir().unwrap();
    for i in 0..10_000 {
        let record = GOOD_RECORD.replace("ok-1", &format!("id-{i}"));
        std::fs::write(dir.path().join(format!("{i:05}.json")), record).unwrap();
    }
    std::fs::write(dir.path().join("04999-broken.json"), "{\"Records\":[").unwrap();
    let loaded = load_paths(&[dir.path().to_path_buf()]);
    assert_eq!(loaded.files.len(), 10_001);
    assert_eq!(loaded.timeline.len(), 10_000);
    assert!(
        report(&loaded, "04999-broken.json")
            .error
            .as_deref()
            .unwrap()
            .contains("EOF while parsing")
    );
}

#[test]
fn a_missing_path_is_reported_and_the_rest_loads() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.json");
    std::fs::write(&good, GOOD_RECORD).unwrap();
    let missing = Path::new("/nonexistent/casebook/input.json.gz").to_path_buf();
    let loaded = load_paths(&[missing.clone(), good]);
    assert_eq!(loaded.missing.len(), 1);
    assert_eq!(loaded.missing[0].0, missing);
    assert_eq!(loaded.missing[0].1.kind(), std::io::ErrorKind::NotFound);
    assert_eq!(loaded.timeline.len(), 1);
}

#[test]
fn a_file_changed_after_loading_never_shows_the_wrong_original() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("trail.json");
    let later = GOOD_RECORD
        .replace("03:00:00Z", "03:05:00Z")
        .replace("ok-1", "ok-2");
    std::fs::write(&path, format!("{{\"Records\":[{GOOD_RECORD},{later}]}}")).unwrap();
    let loaded = load_paths(std::slice::from_ref(&path));
    let rows = loaded.timeline.rows().unwrap();
    let refs: Vec<_> = rows.iter().map(|r| (r.record, r.time)).collect();

    let originals = casebook::load::original_records(&loaded.files, &refs, &LoadOptions::default());
    assert_eq!(originals[&rows[0].record]["eventID"], "ok-1");
    assert_eq!(originals[&rows[1].record]["eventID"], "ok-2");

    // The same places now hold other events: nothing is returned for them.
    std::fs::write(&path, format!("{{\"Records\":[{later},{GOOD_RECORD}]}}")).unwrap();
    let originals = casebook::load::original_records(&loaded.files, &refs, &LoadOptions::default());
    assert!(originals.is_empty(), "{originals:?}");
}
