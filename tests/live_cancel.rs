//! Cancelling a live pull while AWS is slow: every source stops at once and says so. (A binary of
//! its own: the SDK reads the emulator's address from the process environment.)

mod emulator;

use std::sync::Arc;
use std::time::{Duration, Instant};

use casebook::live::{self, LiveProgress, LiveRequest, LiveSource, State};
use emulator::{Emulator, at, trail_event};
use serde_json::json;

#[test]
fn cancel_stops_a_slow_pull_at_once() {
    let emulator = Emulator::start();
    emulator.seed_trail(
        "eu-west-1",
        (0..3)
            .map(|i| trail_event(i, "eu-west-1", "ASIAX", &at(i)))
            .collect(),
    );
    emulator.fault(json!({"service": "cloudtrail", "kind": "slow", "delay_ms": 20000, "times": 5}));
    // SAFETY: this binary's one test sets the environment before any thread reads it.
    for (name, value) in emulator.env() {
        unsafe { std::env::set_var(name, value) };
    }
    let spool = tempfile::tempdir().unwrap();
    let request = LiveRequest {
        profiles: Vec::new(),
        regions: vec!["eu-west-1".into()],
        sources: vec![LiveSource::CloudTrail],
        window: (0, i64::MAX / 2),
        lookup: None,
        athena: None,
        spool: spool.path().to_path_buf(),
    };
    let progress = Arc::new(LiveProgress::default());
    let worker = {
        let progress = Arc::clone(&progress);
        std::thread::spawn(move || live::fetch(&request, &progress))
    };
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(progress.coverage()[0].state, State::Running);
    let cancelled_at = Instant::now();
    progress.cancel();
    let coverage = worker.join().unwrap().unwrap();
    assert!(
        cancelled_at.elapsed() < Duration::from_secs(3),
        "cancel took {:?}",
        cancelled_at.elapsed()
    );
    assert_eq!(coverage[0].state, State::Cancelled);
}
