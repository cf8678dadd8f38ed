//! A live pull in progress: throttling shows while the SDK retries, and cancel stops every source
//! at once (while AWS is slow, or while an Athena or Logs Insights query runs, which is stopped in
//! AWS too). (A binary of its own: the SDK reads the emulator's address from the process
//! environment.)

mod emulator;

use std::sync::Arc;
use std::time::{Duration, Instant};

use casebook::live::{self, ConfigResource, LiveProgress, LiveRequest, LiveSource, Regions, State};
use emulator::{Emulator, at, trail_event};
use serde_json::json;

#[test]
fn throttling_shows_while_retried_and_cancel_stops_every_source() {
    let emulator = Emulator::start();
    emulator.seed_trail(
        "eu-west-1",
        (0..3)
            .map(|i| trail_event(i, "eu-west-1", "ASIAX", &at(i)))
            .collect(),
    );
    // SAFETY: this binary's one test sets the environment before any thread reads it.
    for (name, value) in emulator.env() {
        unsafe { std::env::set_var(name, value) };
    }
    let spool = tempfile::tempdir().unwrap();
    let request = LiveRequest {
        profiles: Vec::new(),
        regions: Regions::Listed(vec!["eu-west-1".into()]),
        sources: vec![LiveSource::CloudTrail],
        window: (0, i64::MAX / 2),
        spool: spool.path().to_path_buf(),
        ..LiveRequest::default()
    };
    // Throttled four times, then slow: the coverage says so while the SDK retries.
    emulator.fault(json!({"service": "cloudtrail", "kind": "throttle", "times": 4}));
    emulator.fault(json!({"service": "cloudtrail", "kind": "slow", "delay_ms": 20000, "times": 5}));
    let progress = Arc::new(LiveProgress::default());
    let worker = {
        let (request, progress) = (request.clone(), Arc::clone(&progress));
        std::thread::spawn(move || live::fetch(&request, &progress))
    };
    let started = Instant::now();
    let shown = loop {
        let state = progress.coverage().first().map(|e| e.state.clone());
        if let Some(State::Running { throttled: 4 }) = state {
            break state.unwrap().to_string();
        }
        assert!(started.elapsed() < Duration::from_secs(15), "{state:?}");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(shown, "throttled (retrying, 4 so far)");
    progress.cancel();
    assert_eq!(worker.join().unwrap().unwrap()[0].state, State::Cancelled);

    // Every source stops at once while AWS is slow.
    let slow = [
        (LiveSource::GuardDuty, "guardduty"),
        (LiveSource::SecurityHub, "securityhub"),
        (LiveSource::Config, "config"),
        (LiveSource::Logs, "logs"),
    ];
    for (source, service) in slow {
        emulator.fault(json!({"service": service, "kind": "slow", "delay_ms": 20000, "times": 1}));
        let request = LiveRequest {
            sources: vec![source],
            log_groups: vec!["/aws/eks/prod/cluster".into()],
            ..request.clone()
        };
        let mut request = request;
        request.config.resources = vec![ConfigResource {
            kind: "AWS::S3::Bucket".into(),
            id: "orders".into(),
        }];
        assert_eq!(cancel_after(&request, 1000), State::Cancelled, "{service}");
    }

    // An Athena query that stays queued: cancel stops the query itself, not only the wait.
    emulator.call(
        "POST",
        "/moto-api/state-manager/set-transition",
        &json!({"model_name": "athena::execution", "transition": {"progression": "manual", "times": 1000}}),
    );
    let athena = LiveRequest {
        sources: vec![LiveSource::Athena],
        athena_sql: Some("SELECT eventtime FROM cloudtrail_logs".into()),
        athena: Some(live::AthenaTable {
            output: Some("s3://casebook-results/".into()),
            ..live::AthenaTable::default()
        }),
        ..request.clone()
    };
    assert_eq!(cancel_after(&athena, 1000), State::Cancelled);
    assert!(
        asked(&emulator, "StopQueryExecution"),
        "the query was stopped in Athena"
    );

    // A Logs Insights query that keeps running: cancel stops it with StopQuery.
    emulator.call(
        "POST",
        "/_casebook/logs/events",
        &json!({"region": "eu-west-1", "group": "/aws/eks/prod/cluster", "stream": "s",
                "events": [{"timestamp": 1_700_000_000_000_u64, "message": "line"}]}),
    );
    emulator.fault(json!({"service": "logs", "operation": "GetQueryResults", "kind": "running", "times": 1000}));
    let insights = LiveRequest {
        sources: vec![LiveSource::Logs],
        log_groups: vec!["/aws/eks/prod/cluster".into()],
        insights: Some("fields @timestamp, @message".into()),
        window: (0, 2_000_000_000 * 1_000_000_000),
        ..request
    };
    assert_eq!(cancel_after(&insights, 1000), State::Cancelled);
    assert!(
        asked(&emulator, "StopQuery"),
        "the query was stopped in Logs Insights"
    );
}

fn asked(emulator: &Emulator, operation: &str) -> bool {
    emulator
        .requests()
        .iter()
        .any(|r| r["operation"] == operation)
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
    assert_eq!(
        progress.coverage()[0].state,
        State::Running { throttled: 0 }
    );
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
