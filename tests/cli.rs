//! The headless CLI driven as a user or a script drives it: the contract of its output formats,
//! exit codes and messages.

mod common;

use assert_cmd::Command;
use common::{fixture, shared};
use predicates::prelude::*;
use serde_json::Value;

fn casebook() -> Command {
    Command::cargo_bin("casebook").unwrap()
}

fn jsonl(args: &[&str]) -> Vec<Value> {
    let output = casebook()
        .args(args)
        .args(["--format", "jsonl"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    String::from_utf8(output)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn jsonl_carries_the_contract_fields_and_the_original_record() {
    let cribl = shared("cribl-aws-cloudtrail-logs");
    let events = jsonl(&["load", cribl.to_str().unwrap()]);
    assert_eq!(events.len(), 132);
    let fields = [
        "time",
        "source",
        "action",
        "outcome",
        "severity",
        "actor",
        "access_key",
        "account",
        "region",
        "src_ip",
        "user_agent",
        "resources",
        "summary",
        "raw",
    ];
    for event in &events {
        for field in fields {
            assert!(event.get(field).is_some(), "{field} missing in {event}");
        }
        let time = event["time"].as_str().unwrap();
        assert!(time.ends_with('Z') && chrono_like(time), "{time}");
        assert_eq!(event["source"], "cloudtrail");
        assert_eq!(
            event["raw"]["eventID"], event["id"],
            "raw is the event's own record"
        );
    }
    let times: Vec<&str> = events.iter().map(|e| e["time"].as_str().unwrap()).collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "time order");
}

fn chrono_like(time: &str) -> bool {
    casebook::time::parse_timestamp(time).is_some()
        && time.len() == "2022-01-03T19:03:01.000Z".len()
}

#[test]
fn filter_since_until_and_limit() {
    let cribl = shared("cribl-aws-cloudtrail-logs");
    let path = cribl.to_str().unwrap();
    let failed = jsonl(&[
        "load",
        path,
        "--filter",
        "-outcome:success source:cloudtrail",
    ]);
    assert!(!failed.is_empty());
    assert!(
        failed
            .iter()
            .all(|e| e["outcome"] == "failure" && !e["error_code"].is_null())
    );
    let window = jsonl(&[
        "load",
        path,
        "--since",
        "2022-01-03T20:00:00Z",
        "--until",
        "2022-01-03T20:10:00Z",
    ]);
    assert!(!window.is_empty());
    assert!(window.iter().all(|e| {
        ("2022-01-03T20:00:00".."2022-01-03T20:10:00").contains(&e["time"].as_str().unwrap())
    }));
    assert_eq!(jsonl(&["load", path, "--limit", "5"]).len(), 5);
}

#[test]
fn pivot_with_a_window_from_the_command_line() {
    let cribl = shared("cribl-aws-cloudtrail-logs");
    let events = jsonl(&[
        "pivot",
        cribl.to_str().unwrap(),
        "--on",
        "ip=216.164.56.230",
        "--around",
        "2022-01-03T20:00:00Z",
        "--window",
        "15m",
    ]);
    assert!(!events.is_empty());
    assert!(events.iter().all(|e| e["src_ip"] == "216.164.56.230"));
    let all = jsonl(&[
        "pivot",
        cribl.to_str().unwrap(),
        "--on",
        "ip=216.164.56.230",
    ]);
    assert_eq!(all.len(), 20);
    assert!(all.len() > events.len());
}

#[test]
fn exit_codes() {
    let cribl = shared("cribl-aws-cloudtrail-logs");
    casebook()
        .args(["stats", cribl.to_str().unwrap()])
        .assert()
        .code(0);
    casebook()
        .args(["load", "/nonexistent/trail.json.gz"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "/nonexistent/trail.json.gz: No such file",
        ));
    casebook()
        .args([
            "load",
            shared("elastic-integrations/cloudtrail/test-cloudtrail-digest-json.log")
                .to_str()
                .unwrap(),
        ])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("CloudTrail digest file"));
    casebook()
        .args([
            "load",
            cribl.to_str().unwrap(),
            "--filter",
            "actor:x (region:y",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "filter error at column 18: expected ')' to close the '(' at column 9",
        ))
        .stderr(predicate::str::contains(
            "\n  actor:x (region:y\n                   ^",
        ));
    casebook()
        .args(["pivot", cribl.to_str().unwrap(), "--on", "colour=red"])
        .assert()
        .code(2);
    casebook().args(["load"]).assert().code(2);
}

#[test]
fn every_skipped_file_and_record_is_named_on_stderr() {
    casebook()
        .args(["load", shared("panther-analysis/rule-tests").to_str().unwrap(), "--limit", "0"])
        .assert()
        .code(0)
        .stderr(predicate::str::contains("Amazon.EKS.Audit.jsonl: skipped 169 record(s): Kubernetes audit event without requestReceivedTimestamp [line 4, line 5"))
        .stderr(predicate::str::contains("dropped 25 duplicate event(s)"));
}

#[test]
fn stats_json_counts_sources_entities_and_skips() {
    let output = casebook()
        .args(["stats", shared("").to_str().unwrap(), "--format", "json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let stats: Value = serde_json::from_slice(&output).unwrap();
    assert_eq!(stats["by_source"]["cloudtrail"], 569);
    assert_eq!(stats["events"], 699);
    assert!(stats["by_entity"]["ip"].as_array().unwrap().len() <= 10);
    let digest = stats["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["path"].as_str().unwrap().ends_with("digest-json.log"))
        .unwrap();
    assert_eq!(digest["skipped_records"], 1);
    assert!(
        digest["skip_reasons"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("digest")
    );
}

#[test]
fn hostile_text_is_inert_in_the_table_and_csv_and_secrets_never_leave() {
    let hostile = fixture("hostile/cloudtrail-hostile.json");
    let path = hostile.to_str().unwrap();
    let table = casebook()
        .args(["load", path])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let table = String::from_utf8(table).unwrap();
    assert!(
        !table.contains('\u{1b}') && !table.contains('\u{7}') && !table.contains('\u{202e}'),
        "{table:?}"
    );
    assert!(
        table.contains("\\u{202e}"),
        "the bidi override is shown, not obeyed"
    );
    assert!(
        table.contains("\\u{1b}[2J"),
        "the escape sequence is shown as text"
    );

    let csv = casebook()
        .args(["load", path, "--format", "csv"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let mut reader = csv::Reader::from_reader(&csv[..]);
    let headers = reader.headers().unwrap().clone();
    let agent = headers.iter().position(|h| h == "user_agent").unwrap();
    let resources = headers.iter().position(|h| h == "resources").unwrap();
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert!(
        rows[0][agent].starts_with("'=HYPERLINK("),
        "{}",
        &rows[0][agent]
    );
    assert!(rows.iter().all(|row| {
        row.iter()
            .all(|cell| !cell.starts_with(['=', '+', '@', '\t', '\r']))
    }));
    assert!(
        rows[1][resources].starts_with("arn:aws:s3:::orders/@SUM"),
        "only a cell's first character matters"
    );
    assert!(
        rows[1][resources].contains("\\u{1b}]8;;http://evil.example"),
        "escapes are evidence, shown as text"
    );
    assert!(!String::from_utf8_lossy(&csv).contains('\u{1b}'));

    for format in ["jsonl", "csv", "table"] {
        let out = casebook()
            .args(["load", path, "--format", format])
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        let out = String::from_utf8(out).unwrap();
        assert!(
            !out.contains("SECRETKEY") && !out.contains("EXAMPLESESSIONTOKEN"),
            "{format} leaks a secret"
        );
    }
    let events = jsonl(&["load", path]);
    assert_eq!(
        events[0]["raw"]["responseElements"]["credentials"]["sessionToken"],
        "<redacted>"
    );
    assert_eq!(
        events[0]["raw"]["responseElements"]["credentials"]["accessKeyId"],
        "ASIAHOSTILE000000002"
    );
}

#[test]
fn gzip_bomb_cap_is_a_flag() {
    let dir = tempfile::tempdir().unwrap();
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(&mut encoder, &vec![b' '; 8 << 20]).unwrap();
    std::fs::write(dir.path().join("bomb.gz"), encoder.finish().unwrap()).unwrap();
    casebook()
        .args(["load", dir.path().to_str().unwrap(), "--max-inflate", "1"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "gzip inflates beyond the 1 MiB cap (a gzip bomb?); not loaded",
        ));
}

#[test]
fn synth_writes_a_loadable_s3_tree() {
    let dir = tempfile::tempdir().unwrap();
    casebook()
        .args([
            "synth",
            dir.path().to_str().unwrap(),
            "--events",
            "2500",
            "--per-file",
            "400",
        ])
        .assert()
        .success();
    let events = jsonl(&[
        "load",
        dir.path().to_str().unwrap(),
        "--filter",
        &format!("access_key:{}", casebook::synth::NEEDLE_KEY),
    ]);
    assert!(
        events
            .iter()
            .all(|e| e["access_key"] == casebook::synth::NEEDLE_KEY)
    );
    let stats = casebook()
        .args(["stats", dir.path().to_str().unwrap(), "--format", "json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let stats: Value = serde_json::from_slice(&stats).unwrap();
    assert_eq!(stats["events"], 2500);
    assert_eq!(stats["files"].as_array().unwrap().len(), 7);
    assert!(
        stats["files"][0]["path"]
            .as_str()
            .unwrap()
            .contains("AWSLogs/111122223333/CloudTrail/")
    );
}

fn entity_json(args: &[&str]) -> Value {
    let output = casebook()
        .arg("entity")
        .args(args)
        .args(["--format", "json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    serde_json::from_slice(&output).unwrap()
}

#[test]
fn entity_card_json_contract_on_the_demo() {
    let dir = tempfile::tempdir().unwrap();
    casebook()
        .args(["demo", "--write"])
        .arg(dir.path())
        .assert()
        .success();
    let card = entity_json(&[
        dir.path().to_str().unwrap(),
        "access_key=ASIAWNODEEXFIL7Q2W4E",
        "--around",
        "2026-11-18T03:00:00Z",
        "--window",
        "1h",
    ]);
    for field in [
        "first_seen",
        "last_seen",
        "count_by_source",
        "count_by_action",
        "failures",
        "distinct",
        "findings",
        "chain",
    ] {
        assert!(card.get(field).is_some(), "{field} missing: {card}");
    }
    assert_eq!(card["first_seen"], "2026-11-18T02:47:12.000Z");
    assert_eq!(card["last_seen"], "2026-11-18T03:09:30.000Z");
    assert_eq!(card["count_by_source"]["cloudtrail"], 265);
    assert_eq!(card["count_by_action"]["GetObject"], 240);
    assert_eq!(card["failures"]["total"], 13);
    assert_eq!(card["distinct"]["ips"][0]["value"], "203.0.113.66");
    assert_eq!(card["findings"].as_array().unwrap().len(), 4);
    assert_eq!(card["chain"][0]["action"], "AssumeRole");
    assert_eq!(card["chain"][0]["actor"], "ec2.amazonaws.com");
    // The issuing call's session token is never part of a card.
    assert!(!card.to_string().contains("SessionToken"));
}

/// Credential chains on real records: an STS AssumeRole (trailscraper) and CreateAccessKey calls
/// (Panther's rule tests).
#[test]
fn chains_on_real_assume_role_and_create_access_key_records() {
    let trail = shared(
        "trailscraper/111111111111_CloudTrail_eu-central-1_20171211T1505Z_A6kvhMoVeCsc7v8U.json",
    );
    let card = entity_json(&[trail.to_str().unwrap(), "access_key=BBBBBBBBBBBBBBBBBBBBB"]);
    assert_eq!(card["chain"].as_array().unwrap().len(), 1);
    assert_eq!(card["chain"][0]["action"], "AssumeRole");
    assert_eq!(card["chain"][0]["issued"], "BBBBBBBBBBBBBBBBBBBBB");
    assert_eq!(card["chain"][0]["time"], "2017-12-11T15:04:51.000Z");

    let panther = shared("panther-analysis/rule-tests/AWS.CloudTrail.jsonl");
    let events = jsonl(&[
        "pivot",
        panther.to_str().unwrap(),
        "--on",
        "access_key=ABCDEFG",
        "--chain",
    ]);
    let created: Vec<&Value> = events
        .iter()
        .filter(|e| e["action"] == "CreateAccessKey")
        .collect();
    assert_eq!(
        created.len(),
        1,
        "the first CreateAccessKey that issued the key"
    );
    assert_eq!(
        created[0]["access_key"], "ABCDEFGH",
        "issued by a caller using another key"
    );
    let without = jsonl(&[
        "pivot",
        panther.to_str().unwrap(),
        "--on",
        "access_key=ABCDEFG",
    ]);
    assert!(without.iter().all(|e| e["action"] != "CreateAccessKey"));

    casebook()
        .args([
            "pivot",
            panther.to_str().unwrap(),
            "--on",
            "ip=10.0.0.1",
            "--chain",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--chain follows access keys"));
}

fn json_of(command: &mut Command) -> Value {
    let output = command.assert().success().get_output().stdout.clone();
    serde_json::from_slice(&output).unwrap()
}

#[test]
fn query_list_names_the_pack_and_the_users_own_and_explains_bad_files() {
    let config = tempfile::tempdir().unwrap();
    let user = config.path().join("casebook/queries");
    std::fs::create_dir_all(&user).unwrap();
    std::fs::write(
        user.join("my-hunt.toml"),
        "name = \"my-hunt\"\ntitle = \"Mine\"\ndescription = \"d\"\nseverity = \"low\"\nfilter = \"ip:203.0.113.0/24\"\n",
    )
    .unwrap();
    std::fs::write(
        user.join("broken.toml"),
        "name = \"broken\"\ntitle = \"t\"\ndescription = \"d\"\nseverity = \"low\"\nfilter = \"action:(\"\n",
    )
    .unwrap();
    let mut list = casebook();
    list.env("XDG_CONFIG_HOME", config.path())
        .args(["query", "list", "--format", "json"]);
    let listed = json_of(&mut list);
    let names: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["name"].as_str().unwrap())
        .collect();
    assert!(names.len() >= 31, "{names:?}");
    assert!(names.contains(&"my-hunt") && !names.contains(&"broken"));
    let sg = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["name"] == "security-group-open-to-world")
        .unwrap();
    assert_eq!(sg["severity"], "high");
    assert_eq!(sg["origin"], "shipped");
    assert!(
        sg["pushdowns"]
            .as_array()
            .unwrap()
            .contains(&"athena".into())
    );

    casebook()
        .env("XDG_CONFIG_HOME", config.path())
        .args(["query", "list"])
        .assert()
        .success()
        .stderr(predicate::str::contains("broken.toml:5: filter: "))
        .stdout(predicate::str::contains("my-hunt").and(predicate::str::contains("(yours)")));
}

#[test]
fn query_run_takes_parameters_and_refuses_bad_ones() {
    let fixtures = fixture("queries/access-denied-burst/match.json");
    let path = fixtures.to_str().unwrap();
    let events = jsonl(&["query", "run", "access-denied-burst", path]);
    assert_eq!(events.len(), 6);
    let stricter = jsonl(&[
        "query",
        "run",
        "access-denied-burst",
        path,
        "--param",
        "window=10s",
    ]);
    assert!(
        stricter.is_empty(),
        "six denials over 25 s are no burst within 10 s"
    );
    casebook()
        .args([
            "query",
            "run",
            "access-denied-burst",
            path,
            "--param",
            "window=soon",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("window: 'soon' is not a duration"));
    casebook()
        .args(["query", "run", "no-such-query", path])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no query named 'no-such-query'"));
}

#[test]
fn sweep_json_lists_each_query_with_hits() {
    let dir = tempfile::tempdir().unwrap();
    casebook()
        .args(["demo", "--write"])
        .arg(dir.path())
        .assert()
        .success();
    let mut sweep = casebook();
    sweep
        .args(["sweep", "--format", "json", "--sigma"])
        .arg(shared("sigma/rules"))
        .arg(dir.path());
    let report = json_of(&mut sweep);
    let hits = report["hits"].as_array().unwrap();
    let stop_logging = hits
        .iter()
        .find(|h| h["name"] == "aws_cloudtrail_disable_logging")
        .unwrap();
    assert_eq!(stop_logging["kind"], "sigma");
    assert_eq!(stop_logging["author"], "vitaliy0x1");
    assert_eq!(stop_logging["events"][0]["action"], "StopLogging");
    assert!(report["not_run"].as_array().unwrap().is_empty());
    assert_eq!(report["events"], 5015);
    let hits = report["hits"].as_array().unwrap();
    let bulk = hits
        .iter()
        .find(|h| h["name"] == "s3-bulk-download")
        .unwrap();
    for field in ["title", "severity", "count", "first", "last", "events"] {
        assert!(!bulk[field].is_null(), "{field}");
    }
    assert_eq!(bulk["count"], 240);
    assert_eq!(bulk["events"].as_array().unwrap().len(), 240);
    assert_eq!(bulk["events"][0]["access_key"], "ASIAWNODEEXFIL7Q2W4E");
    assert_eq!(hits[0]["severity"], "high", "most severe first");
    assert!(report["quiet"].as_u64().unwrap() > 0);
}
