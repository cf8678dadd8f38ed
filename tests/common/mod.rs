//! Helpers shared by the integration tests.
#![allow(dead_code)] // each test binary uses its own subset

use std::path::{Path, PathBuf};

use casebook::load::{self, LoadOptions, Loaded};
use casebook::timeline::EventRow;

/// The public sample data beside the project (see ../shared/data/SOURCES.md).
pub fn shared(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/data")
        .join(relative)
}

/// The project's own fixtures.
pub fn fixture(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(relative)
}

/// Line `number` (1-based) of a shared data file.
pub fn line_of(relative: &str, number: usize) -> String {
    let text = std::fs::read_to_string(shared(relative)).expect("shared data file");
    text.lines()
        .nth(number - 1)
        .expect("line exists")
        .to_owned()
}

pub fn load_paths(paths: &[PathBuf]) -> Loaded {
    load::load(paths, &LoadOptions::default()).expect("timeline builds")
}

/// Loads `content` written to a temporary file; returns the rows and the load.
pub fn load_content(content: &[u8]) -> (Vec<EventRow>, Loaded) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("input");
    std::fs::write(&path, content).expect("write input");
    let loaded = load_paths(&[path]);
    let rows = loaded.timeline.rows().expect("rows");
    (rows, loaded)
}

/// The single event `content` holds.
pub fn only_event(content: &[u8]) -> EventRow {
    let (mut rows, loaded) = load_content(content);
    assert_eq!(
        rows.len(),
        1,
        "expected one event, report: {:?}",
        loaded.files
    );
    rows.remove(0)
}
