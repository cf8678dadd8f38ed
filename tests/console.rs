//! The real binary driven in a pseudo-terminal, read back through a terminal emulator (vt100):
//! what a user at a keyboard would see.

use std::io::{Read, Write};
use std::path::Path;
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

use portable_pty::{Child, CommandBuilder, MasterPty, PtySize, native_pty_system};

mod emulator;

/// Everything the program asked the terminal to do besides drawing.
#[derive(Default)]
struct Requests {
    titles: Vec<Vec<u8>>,
    bells: usize,
    clipboard: usize,
}

impl vt100::Callbacks for Requests {
    fn audible_bell(&mut self, _: &mut vt100::Screen) {
        self.bells += 1;
    }
    fn set_window_title(&mut self, _: &mut vt100::Screen, title: &[u8]) {
        self.titles.push(title.to_vec());
    }
    fn set_window_icon_name(&mut self, _: &mut vt100::Screen, name: &[u8]) {
        self.titles.push(name.to_vec());
    }
    fn copy_to_clipboard(&mut self, _: &mut vt100::Screen, _: &[u8], _: &[u8]) {
        self.clipboard += 1;
    }
}

struct Console {
    parser: vt100::Parser<Requests>,
    output: Receiver<Vec<u8>>,
    writer: Box<dyn Write + Send>,
    child: Box<dyn Child + Send + Sync>,
    _master: Box<dyn MasterPty + Send>,
}

impl Console {
    fn start(args: &[&str], home: &Path, env: &[(&str, &str)]) -> Console {
        let (rows, cols) = (30, 120);
        let pty = native_pty_system()
            .openpty(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .unwrap();
        let mut command = CommandBuilder::new(env!("CARGO_BIN_EXE_casebook"));
        command.args(args);
        command.env("TERM", "xterm-256color");
        for dir in ["XDG_CACHE_HOME", "XDG_DATA_HOME", "XDG_CONFIG_HOME"] {
            command.env(dir, home);
        }
        command.env_remove("CASEBOOK_KEYMAP");
        for (key, value) in env {
            command.env(key, value);
        }
        let child = pty.slave.spawn_command(command).unwrap();
        drop(pty.slave);
        let mut reader = pty.master.try_clone_reader().unwrap();
        let writer = pty.master.take_writer().unwrap();
        let (sender, output) = mpsc::channel();
        std::thread::spawn(move || {
            let mut buffer = [0; 8192];
            while let Ok(n) = reader.read(&mut buffer) {
                if n == 0 || sender.send(buffer[..n].to_vec()).is_err() {
                    break;
                }
            }
        });
        Console {
            parser: vt100::Parser::new_with_callbacks(
                rows.try_into().unwrap(),
                cols.try_into().unwrap(),
                0,
                Requests::default(),
            ),
            output,
            writer,
            child,
            _master: pty.master,
        }
    }

    fn screen(&self) -> String {
        self.parser.screen().contents()
    }

    /// Fails, with the screen, unless the screen shows `text` now.
    fn assert_shows(&self, text: &str) {
        assert!(self.screen().contains(text), "{}", self.screen());
    }

    /// Reads output until the screen shows `text`; fails with the screen after `timeout`.
    fn wait_for(&mut self, text: &str) {
        let deadline = Instant::now() + Duration::from_secs(60);
        while !self.screen().contains(text) {
            let left = deadline.saturating_duration_since(Instant::now());
            match self
                .output
                .recv_timeout(left.min(Duration::from_millis(200)))
            {
                Ok(bytes) => self.parser.process(&bytes),
                Err(_) if Instant::now() < deadline => {}
                Err(_) => panic!("timed out waiting for {text:?}; screen:\n{}", self.screen()),
            }
        }
    }

    /// Reads output until the screen no longer shows `text`.
    fn wait_until_gone(&mut self, text: &str) {
        let deadline = Instant::now() + Duration::from_secs(60);
        while self.screen().contains(text) {
            match self.output.recv_timeout(Duration::from_millis(200)) {
                Ok(bytes) => self.parser.process(&bytes),
                Err(_) => assert!(
                    Instant::now() < deadline,
                    "{text:?} stayed on the screen:\n{}",
                    self.screen()
                ),
            }
        }
    }

    fn send(&mut self, keys: &str) {
        self.writer.write_all(keys.as_bytes()).unwrap();
        self.writer.flush().unwrap();
    }

    /// Waits for the program to exit and returns whether it succeeded.
    fn exit_success(&mut self) -> bool {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            while let Ok(bytes) = self.output.try_recv() {
                self.parser.process(&bytes);
            }
            if let Some(status) = self.child.try_wait().unwrap() {
                while let Ok(bytes) = self.output.recv_timeout(Duration::from_millis(100)) {
                    self.parser.process(&bytes);
                }
                return status.success();
            }
            assert!(
                Instant::now() < deadline,
                "the console did not exit; screen:\n{}",
                self.screen()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

#[test]
fn demo_filter_detail_and_quit() {
    let home = tempfile::tempdir().unwrap();
    let mut console = Console::start(&["demo"], home.path(), &[]);
    console.wait_for("events from");
    console.assert_shows("cloudtrail");

    console.send("/key:ASIAWNODEEXFIL7Q2W4E action:ListBuckets\r");
    console.wait_for("1 / 5,015 events");
    console.send("\r");
    console.wait_for("original record");
    let screen = console.screen();
    // The attacker's user agent is shown as text; its escapes did nothing.
    assert!(
        screen.contains(r"aws-cli/2.13.5 \u{1b}]0;all clear\u{7}\u{1b}[2J\u{202e}"),
        "{screen}"
    );
    assert!(
        screen.contains("access_key   ASIAWNODEEXFIL7Q2W4E"),
        "{screen}"
    );
    assert!(
        console.parser.callbacks().titles.is_empty(),
        "the window title was changed"
    );
    assert_eq!(console.parser.callbacks().bells, 0);
    assert_eq!(console.parser.callbacks().clipboard, 0);

    console.send("q");
    console.wait_for("1 / 5,015 events");
    console.send("q");
    assert!(console.exit_success());
    // The terminal is handed back: alternate screen left, cursor shown.
    assert!(!console.parser.screen().alternate_screen());
    assert!(!console.parser.screen().hide_cursor());
}

/// The investigation the pivots are for: from the GuardDuty finding to the key it names, from the
/// key to the address it was used from, from there to the bucket, and back out to the finding.
#[test]
fn pivots_follow_a_finding_to_the_exfiltration_and_back() {
    let home = tempfile::tempdir().unwrap();
    let mut console = Console::start(&["demo"], home.path(), &[]);
    console.wait_for("events from");
    console.send("/severity>=7\r");
    console.wait_for("2 / 5,015 events");
    console.send("p");
    console.wait_for("pivot on");
    console.send("access key\r");
    console.wait_for("timeline › access key ASIAWNODEEXFIL7Q2W4E ±1h");
    console.send("p");
    console.wait_for("pivot on");
    console.send("ip 203\r");
    console.wait_for("› ip 203.0.113.66 ±1h");
    console.send("/action:GetObject\r");
    console.wait_for("/ action:GetObject");
    console.send("p");
    console.wait_for("pivot on");
    // The object and its bucket both match; the bucket is the second.
    console.send("acme-orders-prod\x1b[B\r");
    console.wait_for("› resource arn:aws:s3:::acme-orders-prod ±1h");
    console.send("/key:ASIAWNODEEXFIL7Q2W4E\r");
    // The stolen key's calls on the bucket: the listing, 240 downloads and GuardDuty's finding.
    console.wait_for("242 / 5,015 events");
    let screen = console.screen();
    assert!(
        screen.contains("GetObject") && screen.contains("Exfiltration:S3/Anoma"),
        "{screen}"
    );

    // Back out: each Esc returns to the place before, down to the finding.
    console.send("\x1b");
    console.wait_for("/ action:GetObject");
    std::thread::sleep(Duration::from_millis(300));
    console.send("\x1b");
    console.wait_for("timeline › access key ASIAWNODEEXFIL7Q2W4E ±1h │ / no filter");
    std::thread::sleep(Duration::from_millis(300));
    console.send("\x1b");
    console.wait_for("/ severity>=7");
    // The selection is where it was: Enter opens the first finding.
    console.send("\r");
    console.wait_for("InstanceCredentialExfiltration.OutsideAWS");
    console.send("qq");
    assert!(console.exit_success());
}

#[test]
fn broken_keymap_is_named_and_defaults_still_work() {
    let home = tempfile::tempdir().unwrap();
    let keymap = home.path().join("keys.toml");
    std::fs::write(
        &keymap,
        "[timeline]\nj = { run = \"down\" }\nx = { run = \"explode\" }\n",
    )
    .unwrap();
    let keymap = keymap.display().to_string();
    let mut console = Console::start(&["demo"], home.path(), &[("CASEBOOK_KEYMAP", &keymap)]);
    // The histogram's axis shows once the timeline is loaded.
    console.wait_for("2026-11-18 00:00:08 →");
    console.wait_for("unknown action 'explode'");
    console.assert_shows("keys.toml:3:");
    console.send("?");
    console.wait_for("help: timeline");
    console.send("\x1b");
    // A key right after Esc would arrive as Alt+key.
    std::thread::sleep(Duration::from_millis(300));
    console.send("q");
    assert!(console.exit_success());
}

#[test]
fn start_screen_opens_a_typed_path() {
    let home = tempfile::tempdir().unwrap();
    let data = home.path().join("case");
    std::fs::create_dir_all(&data).unwrap();
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/hostile/cloudtrail-hostile.json"),
        data.join("trail.json"),
    )
    .unwrap();
    let mut console = Console::start(&[], home.path(), &[]);
    console.wait_for("Open the demo case");
    console.send("\x1b[B\r");
    console.wait_for("open:");
    console.send(&format!("{}\r", data.display()));
    console.wait_for("events from 1 file");
    console.send("q");
    assert!(console.exit_success());
    // The path is remembered for the next start.
    let mut console = Console::start(&[], home.path(), &[]);
    console.wait_for("recent");
    console.assert_shows("case");
    console.send("q");
    assert!(console.exit_success());
}

#[test]
fn live_pulls_in_the_background_and_shows_its_coverage() {
    let emulator = emulator::Emulator::start();
    let key = "ASIAEXFILEMULATOR001";
    emulator.seed_findings(
        "eu-west-1",
        (0..3)
            .map(|i| emulator::finding(i, "eu-west-1", key, &emulator::at(i)))
            .collect(),
    );
    emulator.seed_trail(
        "eu-west-1",
        (0..120)
            .map(|i| emulator::trail_event(i, "eu-west-1", key, &emulator::at(i)))
            .collect(),
    );
    emulator.fault(serde_json::json!({"service": "guardduty", "region": "us-east-1", "kind": "denied", "times": 10}));
    let home = tempfile::tempdir().unwrap();
    let spool = home.path().join("spool");
    let env = emulator.env();
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let spool_arg = spool.display().to_string();
    let mut console = Console::start(
        &[
            "live",
            "--regions",
            "eu-west-1,us-east-1",
            "--since",
            "2026-11-18T00:00:00Z",
            "--until",
            "2026-11-18T06:00:00Z",
            "--spool",
            &spool_arg,
        ],
        home.path(),
        &env,
    );
    console.wait_for("pulling from AWS");
    console.wait_for("loaded 123 events from 5 files; AWS: 3 of 4 sources answered");
    console.send("C");
    console.wait_for("access denied: User is not authorized");
    console.assert_shows("done (120 events)");
    // C again closes it (Esc followed at once by q would read as Alt-q).
    console.send("C");
    console.wait_until_gone("coverage: what each source did");
    console.send("q");
    assert!(console.exit_success());
}

/// In a live session a pivot also asks AWS about the entity: what comes back merges into the
/// timeline where the user is, and the same pivot again is read from the cache, not from AWS.
#[test]
fn live_pivots_ask_aws_about_the_entity_and_cache_the_answer() {
    let emulator = emulator::Emulator::start();
    let key = "ASIAEXFILEMULATOR001";
    emulator.seed_findings(
        "eu-west-1",
        vec![emulator::finding(0, "eu-west-1", key, &emulator::at(0))],
    );
    emulator.seed_trail(
        "eu-west-1",
        (0..120)
            .map(|i| emulator::trail_event(i, "eu-west-1", key, &emulator::at(i)))
            .collect(),
    );
    let home = tempfile::tempdir().unwrap();
    let env = emulator.env();
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let spool = home.path().join("spool").display().to_string();
    let mut console = Console::start(
        &[
            "live",
            "--regions",
            "eu-west-1",
            "--sources",
            "guardduty",
            "--since",
            "2026-11-18T00:00:00Z",
            "--until",
            "2026-11-18T06:00:00Z",
            "--spool",
            &spool,
        ],
        home.path(),
        &env,
    );
    console.wait_for("loaded 1 event from");
    let lookups = || {
        emulator
            .requests()
            .iter()
            .filter(|r| r["operation"] == "LookupEvents")
            .count()
    };
    assert_eq!(lookups(), 0, "the session pulled findings only");
    console.send("p");
    console.wait_for("pivot on");
    console.send("access key\r");
    console.wait_for("AWS: 120 new events about access_key ASIAEXFILEMULATOR001 (2 of 2 sources");
    // The finding came back too, and was not loaded twice.
    console.send("\x1b[B");
    console.wait_for("121 / 121 events");
    let asked = lookups();
    assert!(asked >= 3, "120 events in pages of 50: {asked}");

    // Out of the pivot and into it again: the answer is the cached one.
    console.send("\x1b");
    console.wait_until_gone("› access key");
    console.send("p");
    console.wait_for("pivot on");
    console.send("access key\r");
    console.wait_for("AWS: 0 new events about access_key ASIAEXFILEMULATOR001 (from the cache");
    assert_eq!(lookups(), asked, "no second call to AWS");
    console.send("q");
    assert!(console.exit_success());
}

/// A case in the console: its marks show, new marks carry tags and comments, manual events and
/// notes are saved as they are made, and opening it again resumes where the user was.
#[test]
fn a_case_is_kept_as_the_console_works_and_resumes_where_it_was() {
    let home = tempfile::tempdir().unwrap();
    let demo = home.path().join("demo");
    let case = home.path().join("exfil.casebook");
    let (demo_arg, case_arg) = (demo.to_str().unwrap(), case.to_str().unwrap());
    let run = |args: &[&str]| {
        assert_cmd::Command::cargo_bin("casebook")
            .unwrap()
            .args(args)
            .assert()
            .success();
    };
    run(&["demo", "--write", demo_arg]);
    run(&["case", "new", case_arg, "--title", "Node role exfiltration"]);
    run(&[
        "case",
        "add",
        case_arg,
        demo_arg,
        "--filter",
        "severity>=7",
        "--tag",
        "finding",
    ]);
    let editor = home.path().join("editor.sh");
    std::fs::write(
        &editor,
        "#!/bin/sh\necho 'Key revoked by on-call.' >> \"$1\"\n",
    )
    .unwrap();
    std::fs::set_permissions(&editor, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let editor_env = editor.to_str().unwrap();
    let mut console = Console::start(&["open", case_arg], home.path(), &[("EDITOR", editor_env)]);
    console.wait_for("events from");
    console.send("\x1b[B");
    console.wait_for("2 marked");
    console.send("/severity>=7\r");
    console.wait_for("2 / 5,015 events");
    console.send("p");
    console.wait_for("pivot on");
    console.send("access key\r");
    console.wait_for("timeline › access key ASIAWNODEEXFIL7Q2W4E ±1h");
    console.send("V");
    console.wait_for("keep this place as the view named:");
    console.send("stolen key\r");
    console.wait_for("view 'stolen key' kept");
    console.send("/action:StopLogging\r");
    console.wait_for("1 / 5,015 events");
    console.send("M");
    console.wait_for("mark with #tags and a comment:");
    console.send("#defense-evasion trail stopped by the stolen key\r");
    console.wait_for("3 marked");
    console.send("E");
    console.wait_for("manual event");
    console.send("03:40 key revoked\r");
    console.wait_for("added to the case's timeline");
    console.send("e");
    console.wait_for("notes saved in the case");
    console.send("'");
    console.wait_for("marked events (enter shows one");
    console.assert_shows("#defense-evasion trail stopped");
    console.send("'");
    console.wait_until_gone("marked events (enter shows one");
    console.send("q");
    assert!(console.exit_success());

    let saved = casebook::case::Case::open(&case).unwrap();
    assert_eq!(saved.marks.len(), 3);
    let tagged = saved
        .marks
        .iter()
        .find(|m| m.tags.contains(&"defense-evasion".into()));
    assert_eq!(
        tagged.unwrap().comment,
        "trail stopped by the stolen key",
        "{:?}",
        saved.marks
    );
    assert_eq!(saved.marks[2].event["raw"]["eventName"], "StopLogging");
    assert_eq!(saved.manual[0].text, "key revoked");
    assert_eq!(saved.manual[0].time, "2026-11-18T03:40:00.000Z");
    assert!(saved.notes.contains("Key revoked by on-call."));

    // Opened again: the pivot, its filter and the selection are where they were.
    let mut console = Console::start(&["open", case_arg], home.path(), &[]);
    console.wait_for("timeline › access key ASIAWNODEEXFIL7Q2W4E ±1h │ / action:StopLogging");
    console.send("\x1b[B");
    console.wait_for("3 marked");
    console.send("\x1b");
    console.wait_for("/ severity>=7");
    console.send("q");
    assert!(console.exit_success());

    // At the saved view: the pivot without the filter typed after it.
    let mut console = Console::start(
        &["open", case_arg, "--view", "stolen key"],
        home.path(),
        &[],
    );
    console.wait_for("timeline › access key ASIAWNODEEXFIL7Q2W4E ±1h │ / no filter");
    console.send("q");
    assert!(console.exit_success());
}

/// Triage without --format opens the console on the case it made: the key's card on top, the
/// finding selected under it, the sweep's hits one key away, the runbook on the status line.
#[test]
fn triage_opens_the_console_on_the_findings_card() {
    let home = tempfile::tempdir().unwrap();
    let (demo, alert) = emulator::demo_alert(home.path());
    let case = home.path().join("t.casebook");
    let mut console = Console::start(
        &[
            "triage",
            alert.to_str().unwrap(),
            "--offline",
            demo.to_str().unwrap(),
            "--case",
            case.to_str().unwrap(),
        ],
        home.path(),
        &[],
    );
    console.wait_for("(enter follows the chain, esc closes)");
    console.wait_for("sweep done");
    console.send("\x1b");
    console.wait_until_gone("(enter follows the chain, esc closes)");
    console.send("\x1b[B\x1b[A");
    console.wait_for("runbook docs/dr-runbook.md");
    console.send("S");
    console.wait_for("s3-bulk-download");
    console.send("\x1b");
    console.wait_until_gone("triage sweep:");
    console.send("\r");
    console.wait_for("InstanceCredentialExfiltration.OutsideAWS");
    console.send("qq");
    assert!(console.exit_success());
}

/// A case a live triage made keeps asking AWS: a pivot in its console pulls, the answers join
/// the case's sources and the calls its provenance.
#[test]
fn pivots_in_a_live_triage_case_ask_aws_and_are_kept_in_the_case() {
    let emulator = emulator::Emulator::start();
    let key = "ASIAEXFILEMULATOR001";
    let mut finding = emulator::finding(0, "eu-west-1", key, "2026-11-18T02:40:00Z");
    finding["id"] = serde_json::json!("60cbc1ab0c3fd4a2b4c41ec7e8b1d2f3");
    emulator.seed_findings("eu-west-1", vec![finding]);
    emulator.seed_trail(
        "eu-west-1",
        (0..10)
            .map(|i| emulator::trail_event(i, "eu-west-1", key, &emulator::at(i)))
            .collect(),
    );
    let home = tempfile::tempdir().unwrap();
    let case = home.path().join("live.casebook");
    let env = emulator.env();
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let mut console = Console::start(
        &[
            "triage",
            "60cbc1ab0c3fd4a2b4c41ec7e8b1d2f3",
            "--region",
            "eu-west-1",
            "--case",
            case.to_str().unwrap(),
        ],
        home.path(),
        &env,
    );
    console.wait_for("access key ASIAEXFILEMULATOR001 (esc closes)");
    console.send("\x1b");
    console.wait_until_gone("access key ASIAEXFILEMULATOR001 (esc closes)");
    let before = casebook::case::Case::open(&case).unwrap();
    console.send("p");
    console.wait_for("pivot on");
    console.send("ip 203\r");
    console.wait_for("events about ip 203.0.113.66 (");
    console.send("q");
    assert!(console.exit_success());
    let after = casebook::case::Case::open(&case).unwrap();
    let live = |c: &casebook::case::Case| c.provenance.iter().filter(|p| p.what == "live").count();
    assert!(
        live(&after) > live(&before),
        "the pivot's calls are in the provenance"
    );
    assert_eq!(after.meta.sources.len(), before.meta.sources.len() + 1);
    assert!(
        after
            .meta
            .sources
            .iter()
            .all(|s| s.starts_with(case.to_str().unwrap()))
    );
}
