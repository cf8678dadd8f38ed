//! The shipped query pack: each query against the fixture it must match and the one it must
//! not, and the triage sweep over the demo case.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use casebook::demo;
use casebook::load::{self, LoadOptions, LoadedOriginals};
use casebook::query::run::{self, Hits};
use casebook::query::{self, Query};
use casebook::timeline::filter::Column;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/queries")
}

fn shipped() -> Vec<Query> {
    let (queries, errors) = query::load_all(None);
    assert!(errors.is_empty(), "{errors:#?}");
    queries
}

/// The one fixture file of a kind (`match` or `nomatch`) in a query's folder.
fn fixture(query: &str, kind: &str) -> PathBuf {
    let dir = fixtures().join(query);
    let found: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|_| panic!("query '{query}' has no fixtures in {}", dir.display()))
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.file_stem().is_some_and(|s| s == kind))
        .collect();
    assert_eq!(found.len(), 1, "query '{query}' needs one {kind} fixture");
    found.into_iter().next().unwrap_or_default()
}

fn hits(query: &Query, path: &Path) -> Hits {
    let options = LoadOptions::default();
    let loaded = load::load(&[path.to_path_buf()], &options).unwrap();
    assert!(
        !loaded.timeline.is_empty() && loaded.files.iter().all(|f| f.error.is_none()),
        "{} must load cleanly",
        path.display()
    );
    let originals = LoadedOriginals::of(&loaded, &options);
    let args = query.args(&[]).unwrap();
    let hits = run::run(query, &args, &loaded.timeline, &originals, 0).unwrap();
    assert_eq!(hits.unreadable, 0);
    hits
}

#[test]
fn every_shipped_query_matches_its_fixture_and_not_its_near_miss() {
    let queries = shipped();
    assert!(queries.len() >= 30, "{} queries", queries.len());
    for query in &queries {
        let positive = hits(query, &fixture(&query.name, "match"));
        assert!(
            !positive.rows.is_empty(),
            "{} missed its fixture",
            query.name
        );
        let negative = hits(query, &fixture(&query.name, "nomatch"));
        assert!(
            negative.rows.is_empty(),
            "{} matched its near miss ({} events)",
            query.name,
            negative.rows.len()
        );
    }
    let names: BTreeSet<String> = queries.iter().map(|q| q.name.clone()).collect();
    for entry in std::fs::read_dir(fixtures()).unwrap().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        assert!(names.contains(&name), "fixtures for no query: {name}");
    }
}

#[test]
fn the_pack_covers_the_threat_model_and_can_be_pushed_down() {
    let queries = shipped();
    let tagged = queries
        .iter()
        .filter(|q| q.tags.iter().any(|t| t.starts_with("attack.t")))
        .count();
    assert!(tagged >= 30, "{tagged} queries carry an ATT&CK id");
    let pushable = queries.iter().filter(|q| !q.pushdowns().is_empty()).count();
    assert_eq!(
        pushable,
        queries.len(),
        "every query can be asked of AWS too"
    );
}

#[test]
fn the_sweep_flags_each_planted_attack_step_and_no_ordinary_traffic() {
    let dir = tempfile::tempdir().unwrap();
    demo::write(dir.path()).unwrap();
    let options = LoadOptions::default();
    let loaded = load::load(&[dir.path().to_path_buf()], &options).unwrap();
    let originals = LoadedOriginals::of(&loaded, &options);
    let queries = shipped();
    let progress = run::SweepProgress::default();
    let sweep = run::sweep(&queries, None, &loaded.timeline, &originals, 0, &progress).unwrap();
    assert!(sweep.not_run.is_empty(), "{:?}", sweep.not_run);
    let mut flagged = BTreeSet::new();
    for detection in &sweep.detections {
        flagged.extend(detection.hits.rows.iter().copied());
    }
    let rows: Vec<_> = flagged.into_iter().collect();
    let events = loaded.timeline.take(&rows).unwrap().rows().unwrap();

    let attacker = [demo::ATTACKER_IP, demo::CONTRACTOR_IP];
    for event in &events {
        let by_attacker = event.get(Column::AccessKey) == Some(demo::STOLEN_KEY)
            || [Column::SrcIp, Column::DstIp]
                .iter()
                .any(|c| event.get(*c).is_some_and(|ip| attacker.contains(&ip)))
            || event.get(Column::Action) == Some("falco");
        assert!(
            by_attacker,
            "ordinary traffic flagged: {:?} {:?}",
            event.get(Column::Action),
            event.get(Column::Summary)
        );
    }
    let actions: BTreeSet<&str> = events
        .iter()
        .filter_map(|e| e.get(Column::Action))
        .collect();
    for step in [
        "create pods/exec",
        "falco",
        "ListRoles",
        "GetObject",
        "AuthorizeSecurityGroupIngress",
        "ModifyDBSnapshotAttribute",
        "StopLogging",
        "UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS",
    ] {
        assert!(actions.contains(step), "the sweep missed {step}");
    }
    let egress = events.iter().any(|e| {
        e.get(Column::Source) == Some("vpcflow") && e.get(Column::DstIp) == Some(demo::ATTACKER_IP)
    });
    assert!(egress, "the sweep missed the egress to the attacker");
}
