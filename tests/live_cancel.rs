//! Cancelling a live pull while AWS is slow, or while an Athena query runs: every source stops at
//! once and says so. (A binary of its own: the SDK reads the emulator's address from the process
//! environment.)

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
        log_groups: Vec::new(),
        spool: spool.path().to_path_buf(),
    };
    assert_eq!(cancel_after(&request, 1500), State::Cancelled);

    // An Athena query that stays queued: cancel stops the query itself, not only the wait.
    emulator.call(
        "POST",
        "/moto-api/state-manager/set-transition",
        &json!({"model_name": "athena::execution", "transition": {"progression": "manual", "times": 1000}}),
    );
    let athena = LiveRequest {
        sources: vec![LiveSource::Athena],
        athena: Some(live::AthenaQuery {
            sql: "SELECT eventtime FROM cloudtrail_logs".into(),
            database: "default".into(),
            output: Some("s3://casebook-results/".into()),
            workgroup: None,
        }),
        ..request
    };
    assert_eq!(cancel_after(&athena, 1000), State::Cancelled);
    let stopped = emulator
        .requests()
        .iter()
        .any(|r| r["operation"] == "StopQueryExecution");
    assert!(stopped, "the query was stopped in Athena");
}

/// Runs the request, cancels it after `millis`, and returns the first source's state; the
/// cancel must take effect within three seconds.
fn cancel_after(request: &LiveRequest, millis: u64) -> State {
    let progress = Arc::new(LiveProgress::default());
    let worker = {
        let (request, progress) = (request.clone(), Arc::clone(&progress));
        std::thread::spawn(move || live::fetch(&request, &progress))
    };
    std::thread::sleep(Duration::from_millis(millis));
    assert_eq!(progress.coverage()[0].state, State::Running);
    let cancelled_at = Instant::now();
    progress.cancel();
    let coverage = worker.join().unwrap().unwrap();
    assert!(
        cancelled_at.elapsed() < Duration::from_secs(3),
        "cancel took {:?}",
        cancelled_at.elapsed()
    );
    coverage[0].state.clone()
}
