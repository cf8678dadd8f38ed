//! Sweep benchmark: the shipped query pack, then SigmaHQ's CloudTrail rules (from
//! ../shared/data/sigma when present, or $SIGMA_RULES), over a large synthetic CloudTrail
//! timeline.
//!
//!     cargo bench --bench sweep                   # 1,000,000 events
//!     cargo bench --bench sweep -- 300000         # any size

use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::time::Instant;

use casebook::load::{LoadOptions, LoadedOriginals, load};
use casebook::query::run::{SweepProgress, sweep};
use casebook::query::{self, sigma::SigmaRules};

mod common;
use common::rss_mb;

fn main() {
    let Some((_, data)) = common::bench_data("sweep") else {
        return;
    };
    let options = LoadOptions::default();
    let loaded = load(std::slice::from_ref(&data), &options).expect("load");
    let originals = LoadedOriginals::of(&loaded, &options);
    let (queries, errors) = query::load_all(None);
    assert!(errors.is_empty(), "{errors:?}");
    let rss_store = rss_mb();

    let progress = SweepProgress::default();
    let started = Instant::now();
    let swept = sweep(&queries, None, &loaded.timeline, &originals, 0, &progress).expect("sweep");
    let hits: usize = swept.detections.iter().map(|d| d.hits.rows.len()).sum();
    println!(
        "{} queries over {} events: {:.2} s, {hits} hits, RSS +{:.0} MB",
        queries.len(),
        loaded.timeline.len(),
        started.elapsed().as_secs_f64(),
        rss_mb() - rss_store
    );

    let rules_dir = std::env::var_os("SIGMA_RULES")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data/sigma/rules")
        });
    let Ok(rules) = SigmaRules::load_dir(&rules_dir) else {
        println!("no Sigma rules at {}: set SIGMA_RULES", rules_dir.display());
        return;
    };
    let progress = SweepProgress::default();
    let started = Instant::now();
    let hits = rules
        .evaluate(&loaded.timeline, &originals, &progress)
        .expect("evaluate");
    let seconds = started.elapsed().as_secs_f64();
    let events = progress.events_done.load(Ordering::Relaxed);
    println!(
        "{} Sigma rules over {events} CloudTrail events: {seconds:.2} s ({:.0} events/s), {} hits, RSS +{:.0} MB",
        rules.rules().len(),
        events as f64 / seconds,
        hits.iter().map(|h| h.rows.len()).sum::<usize>(),
        rss_mb() - rss_store
    );
}
