//! What the benchmarks share: the synthetic data they run over, memory and timing reports.
#![allow(dead_code)] // each benchmark uses its own subset

use std::path::PathBuf;
use std::time::Duration;

use casebook::synth::write_cloudtrail;

/// The event count asked for (default 1,000,000) and the folder of synthetic CloudTrail written
/// for it once under $BENCH_DATA (default ~/.cache/casebook-bench), as bench/load.sh does.
/// `None` outside `cargo bench`: `cargo test --all-targets` runs bench binaries without
/// `--bench`, and a benchmark has no place in the test run.
pub fn bench_data(name: &str) -> Option<(usize, PathBuf)> {
    if !std::env::args().any(|a| a == "--bench") {
        println!("{name} benchmark: run it with cargo bench --bench {name}");
        return None;
    }
    let events: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let data = std::env::var_os("BENCH_DATA")
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/casebook-bench"))
        })
        .expect("set BENCH_DATA or HOME")
        .join(format!("cloudtrail-{events}"));
    if !data.exists() {
        eprintln!("writing {events} synthetic events to {}", data.display());
        write_cloudtrail(&data, events, 500, 7).expect("write synthetic data");
    }
    Some((events, data))
}

pub fn report(what: &str, times: &mut [Duration]) {
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let median = times[times.len() / 2];
    let worst = times[times.len() - 1];
    println!(
        "{what}: median {:.2} ms, worst {:.2} ms",
        ms(median),
        ms(worst)
    );
}

/// Resident memory of this process, from /proc (Linux).
pub fn rss_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}
