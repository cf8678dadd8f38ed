//! Case files end to end: the CLI builds a case, it opens again identical, its exports are
//! inert whatever the logs said, a killed save loses nothing, and bundles verify.

use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;
use casebook::case::Case;
use casebook::case::export::{self, Format};
use serde_json::Value;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn casebook(args: &[&str]) -> Output {
    Command::cargo_bin("casebook")
        .unwrap()
        .args(args)
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .unwrap()
}

fn ok(args: &[&str]) -> String {
    let output = casebook(args);
    assert!(
        output.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// A case with the injection corpus marked (tags and comments hostile too), a note and a
/// manual event.
fn hostile_case(dir: &Path) -> PathBuf {
    let case = dir.join("incident.casebook");
    let case_arg = case.to_str().unwrap();
    let corpus = fixture("hostile/injection-corpus.json");
    ok(&[
        "case",
        "new",
        case_arg,
        "--title",
        "<script>document.title='pwned'</script> | exfil",
        "--incident",
        "INC-42",
    ]);
    ok(&[
        "case",
        "add",
        case_arg,
        corpus.to_str().unwrap(),
        "--tag",
        "<img src=x onerror=alert(1)>",
        "--tag",
        "=HYPERLINK(\"http://x\")",
        "--comment",
        "| pipe [link](http://evil.example) \u{1b}[31m",
    ]);
    ok(&[
        "case",
        "event",
        case_arg,
        "--time",
        "2026-11-30T03:30:00Z",
        "on-call paged <b>bold</b>",
    ]);
    ok(&["case", "note", case_arg, "Key revoked. <script>x</script>"]);
    case
}

#[test]
fn a_case_opens_as_it_was_saved() {
    let dir = tempfile::tempdir().unwrap();
    let path = hostile_case(dir.path());
    let case = Case::open(&path).unwrap();
    assert_eq!(case.marks.len(), 6);
    assert_eq!(case.manual.len(), 1);
    assert!(case.notes.contains("Key revoked."));
    assert_eq!(case.meta.incident.as_deref(), Some("INC-42"));
    assert_eq!(case.provenance[0].results, Some(6));
    assert_eq!(case.marks[0].tags.len(), 2);
    let record = &case.marks[0].event["raw"];
    assert_eq!(record["eventID"], "inject-0", "the original record is kept");
    assert_eq!(
        record["responseElements"]["credentials"]["sessionToken"], "<redacted>",
        "credentials are never stored"
    );
    // Saved again and opened: the same case, byte for byte.
    let before: Vec<Vec<u8>> = files(&path);
    case.save().unwrap();
    assert_eq!(Case::open(&path).unwrap(), case);
    assert_eq!(files(&path), before);
    // Marking the same events again only adds tags.
    let corpus = fixture("hostile/injection-corpus.json");
    ok(&[
        "case",
        "add",
        path.to_str().unwrap(),
        corpus.to_str().unwrap(),
        "--tag",
        "again",
    ]);
    let again = Case::open(&path).unwrap();
    assert_eq!(again.marks.len(), 6);
    assert_eq!(again.marks[0].tags.len(), 3);
}

fn files(dir: &Path) -> Vec<Vec<u8>> {
    let mut names: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    names.sort();
    names.iter().map(|p| std::fs::read(p).unwrap()).collect()
}

#[test]
fn timesketch_jsonl_reads_back_as_the_same_events() {
    let dir = tempfile::tempdir().unwrap();
    let case = Case::open(&hostile_case(dir.path())).unwrap();
    let text = ok(&[
        "export",
        case.dir.to_str().unwrap(),
        "--format",
        "timesketch-jsonl",
    ]);
    let rows: Vec<Value> = text
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(rows.len(), 7, "six marks and the manual event");
    let marked: Vec<&Value> = rows
        .iter()
        .filter(|r| r["timestamp_desc"] == "Event Time")
        .collect();
    for (row, mark) in marked.iter().zip(&case.marks) {
        assert_eq!(row["datetime"], mark.event["time"]);
        assert_eq!(row["action"], mark.event["action"]);
        assert_eq!(row["actor"], mark.event["actor"]);
        let record: Value = serde_json::from_str(row["casebook_record"].as_str().unwrap()).unwrap();
        assert_eq!(record, mark.event["raw"]);
        assert!(row["message"].as_str().is_some_and(|m| !m.is_empty()));
        assert!(row["timestamp"].as_i64().unwrap() > 1_700_000_000_000_000);
    }
}

#[test]
fn every_export_of_hostile_logs_is_inert() {
    let dir = tempfile::tempdir().unwrap();
    let case = Case::open(&hostile_case(dir.path())).unwrap();
    for format in Format::ALL {
        let bytes = export::export(&case, format).unwrap();
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let name = format.name();
        assert!(
            !text.contains('\u{1b}'),
            "{name}: a terminal escape got through"
        );
        for c in ['\u{202e}', '\u{2066}', '\u{7}'] {
            assert!(!text.contains(c), "{name}: {c:?} got through");
        }
        for secret in ["INJECTEDSESSIONTOKEN", "INJECTEDSECRETKEY"] {
            assert!(!text.contains(secret), "{name}: a credential got out");
        }
        match format {
            Format::Html => html_is_inert(&text),
            Format::Markdown => markdown_is_inert(&text),
            Format::Csv | Format::TimesketchCsv => csv_is_inert(&bytes, name),
            Format::Bundle => {
                html_is_inert(&from_bundle(&bytes, "report.html"));
                markdown_is_inert(&from_bundle(&bytes, "timeline.md"));
            }
            Format::TimesketchJsonl | Format::Ocsf => {
                // JSON escapes markup-free: what matters is that a parser gets the data back.
                assert!(
                    text.contains("onerror"),
                    "{name}: the data is kept, escaped"
                );
            }
        }
    }
}

fn from_bundle(bundle: &[u8], name: &str) -> String {
    use std::io::Read;
    let mut archive = tar::Archive::new(bundle);
    for entry in archive.entries().unwrap() {
        let mut entry = entry.unwrap();
        if entry.path().unwrap().to_str() == Some(name) {
            let mut text = String::new();
            entry.read_to_string(&mut text).unwrap();
            return text;
        }
    }
    panic!("{name} is not in the bundle")
}

fn html_is_inert(html: &str) {
    let lower = html.to_lowercase();
    for tag in ["<script", "<img", "<iframe", "<a ", "javascript:", "<b>"] {
        assert!(!lower.contains(tag), "html: {tag} got through");
    }
    assert!(html.contains("&lt;img src=x onerror="), "shown as text");
    assert!(html.contains("Content-Security-Policy"));
}

fn markdown_is_inert(markdown: &str) {
    for line in markdown.lines().filter(|l| l.starts_with('|')) {
        let unescaped_pipes = line
            .char_indices()
            .filter(|(i, c)| *c == '|' && (*i == 0 || line.as_bytes()[i - 1] != b'\\'))
            .count();
        // Five columns (the timeline) or four (the entities): six or five pipes.
        assert!(
            matches!(unescaped_pipes, 5 | 6),
            "markdown: a pipe broke out of its cell: {line}"
        );
    }
    let bytes = markdown.as_bytes();
    for (i, _) in markdown.match_indices("](") {
        assert!(i > 0 && bytes[i - 1] == b'\\', "markdown: a live link");
    }
    assert!(!markdown.contains("<script>") && !markdown.contains("<img"));
    assert!(!markdown.contains("http://"), "bare URLs would autolink");
}

fn csv_is_inert(bytes: &[u8], name: &str) {
    let mut reader = csv::Reader::from_reader(bytes);
    let mut cells = 0;
    for record in reader.records() {
        for cell in record.unwrap().iter() {
            cells += 1;
            assert!(
                !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "{name}: a formula cell: {cell}"
            );
        }
    }
    assert!(cells > 50);
}

#[test]
fn the_html_report_renders_in_chromium_and_runs_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let case = hostile_case(dir.path());
    let report = dir.path().join("report.html");
    ok(&[
        "export",
        case.to_str().unwrap(),
        "--format",
        "html",
        "-o",
        report.to_str().unwrap(),
    ]);
    let chromium = std::env::var("CASEBOOK_CHROMIUM").unwrap_or_else(|_| "chromium".into());
    let output = std::process::Command::new(&chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--virtual-time-budget=3000",
            "--dump-dom",
        ])
        .arg(format!("file://{}", report.display()))
        .output()
        .unwrap_or_else(|e| panic!("{chromium}: {e} (scripts/test.sh installs Debian's chromium)"));
    let dom = String::from_utf8_lossy(&output.stdout);
    assert!(dom.contains("<h2>Timeline (UTC)</h2>"), "it renders: {dom}");
    assert!(dom.contains("on-call paged"), "{dom}");
    assert!(dom.contains("<svg"), "the histogram is there");
    // The payloads are there as text; run, they would have set this attribute.
    assert!(dom.contains("data-pwned"), "the payloads are shown");
    assert!(!dom.contains("data-pwned=\""), "a payload ran: {dom}");
    assert!(!dom.contains("<title>pwned</title>"), "a payload ran");
    assert!(!dom.contains("<script"), "no script element exists");
}

#[test]
fn a_bundle_verifies_until_one_byte_changes() {
    let dir = tempfile::tempdir().unwrap();
    let case = hostile_case(dir.path());
    let bundle = dir.path().join("case.tar");
    let bundle_arg = bundle.to_str().unwrap();
    ok(&[
        "export",
        case.to_str().unwrap(),
        "--format",
        "bundle",
        "-o",
        bundle_arg,
    ]);
    let verified = ok(&["verify", bundle_arg]);
    assert!(
        verified.contains("8 files match the manifest"),
        "{verified}"
    );
    // One byte of the marks changes.
    let mut bytes = std::fs::read(&bundle).unwrap();
    let at = bytes
        .windows(8)
        .position(|w| w == b"inject-3")
        .expect("the marks are in the bundle");
    bytes[at + 7] = b'4';
    std::fs::write(&bundle, &bytes).unwrap();
    let output = casebook(&["verify", bundle_arg]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("changed: marks.jsonl"), "{stderr}");
}

#[test]
fn a_save_killed_midway_loses_nothing_saved_before() {
    let dir = tempfile::tempdir().unwrap();
    let case = dir.path().join("kill.casebook");
    let case_arg = case.to_str().unwrap();
    ok(&["case", "new", case_arg, "--title", "kill -9"]);
    // Large notes make each save take long enough to be caught in the middle.
    let filler = "x".repeat(4 << 20);
    Command::cargo_bin("casebook")
        .unwrap()
        .args(["case", "note", case_arg, "-"])
        .write_stdin(filler.clone())
        .assert()
        .success();
    let mut saved = Vec::new();
    let mut killed = 0;
    for i in 0..40u64 {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_casebook"))
            .args(["case", "note", case_arg, &format!("note {i}")])
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(5 + (i * 7) % 40));
        match child.try_wait().unwrap() {
            Some(status) => {
                assert!(status.success());
                saved.push(i);
            }
            None => {
                child.kill().unwrap();
                let status = child.wait().unwrap();
                if status.success() {
                    saved.push(i);
                } else {
                    killed += 1;
                }
            }
        }
        // Whatever was interrupted, the case opens and holds every note saved so far.
        let opened = Case::open(&case).unwrap();
        for n in &saved {
            assert!(
                opened.notes.contains(&format!("\nnote {n}\n")),
                "note {n} lost"
            );
        }
        assert!(opened.notes.contains(&filler));
    }
    assert!(
        killed > 0,
        "no save was interrupted: the test proved nothing"
    );
    assert!(!saved.is_empty(), "no save finished");
}

#[test]
fn a_query_run_is_recorded_in_the_case() {
    let dir = tempfile::tempdir().unwrap();
    let demo = dir.path().join("demo");
    let case = dir.path().join("q.casebook");
    ok(&["demo", "--write", demo.to_str().unwrap()]);
    ok(&["case", "new", case.to_str().unwrap(), "--title", "q"]);
    let found = ok(&[
        "query",
        "run",
        "cloudtrail-logging-disabled",
        demo.to_str().unwrap(),
        "--format",
        "jsonl",
        "--case",
        case.to_str().unwrap(),
    ]);
    let case = Case::open(&case).unwrap();
    let run = &case.provenance[0];
    assert_eq!(run.what, "query");
    assert_eq!(run.parameters["query"], "cloudtrail-logging-disabled");
    assert_eq!(run.results, Some(found.lines().count()));
    assert!(run.results.unwrap() > 0);
    let markdown = String::from_utf8(export::export(&case, Format::Markdown).unwrap()).unwrap();
    assert!(
        markdown.contains("query=cloudtrail-logging-disabled"),
        "{markdown}"
    );
}
