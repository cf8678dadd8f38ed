//! The bundle: one tar archive of the case (its files, the HTML report and the Markdown timeline)
//! with a SHA-256 manifest, for handing evidence over. `casebook verify` checks it and names
//! every file that changed.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

use sha2::{Digest, Sha256};

use crate::case::{
    CASE_FILE, Case, MANUAL_FILE, MARKS_FILE, NOTES_FILE, PROVENANCE_FILE, VIEWS_FILE,
};

pub const MANIFEST: &str = "MANIFEST.sha256";

fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The case's files as they are on disk, the report and the timeline, and the manifest last.
pub fn write(case: &Case) -> Result<Vec<u8>, std::io::Error> {
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    for name in [
        CASE_FILE,
        MARKS_FILE,
        NOTES_FILE,
        MANUAL_FILE,
        VIEWS_FILE,
        PROVENANCE_FILE,
    ] {
        match std::fs::read(case.dir.join(name)) {
            Ok(bytes) => files.push((name.to_owned(), bytes)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
    }
    files.push(("report.html".into(), super::html::render(case).into_bytes()));
    files.push((
        "timeline.md".into(),
        super::markdown::render(case).into_bytes(),
    ));
    let manifest: String = files
        .iter()
        .map(|(name, bytes)| format!("{}  {name}\n", sha256(bytes)))
        .collect();
    files.push((MANIFEST.into(), manifest.into_bytes()));
    let mut archive = tar::Builder::new(Vec::new());
    for (name, bytes) in &files {
        let mut header = tar::Header::new_ustar();
        header.set_size(bytes.len() as u64);
        header.set_mode(0o644);
        header.set_mtime(0);
        header.set_cksum();
        archive.append_data(&mut header, name, bytes.as_slice())?;
    }
    archive.into_inner()
}

/// Why a bundle does not verify.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum VerifyError {
    #[error("{0}: cannot read the bundle: {1}")]
    Unreadable(String, String),
    #[error("the bundle has no {MANIFEST}")]
    NoManifest,
    #[error("{}", describe(.changed, .missing, .unlisted))]
    Mismatch {
        changed: Vec<String>,
        missing: Vec<String>,
        unlisted: Vec<String>,
    },
}

fn describe(changed: &[String], missing: &[String], unlisted: &[String]) -> String {
    let mut parts = Vec::new();
    for (label, names) in [
        ("changed", changed),
        ("missing", missing),
        ("not in the manifest", unlisted),
    ] {
        if !names.is_empty() {
            let names: Vec<String> = names.iter().map(|n| crate::sanitize::inline(n)).collect();
            parts.push(format!("{label}: {}", names.join(", ")));
        }
    }
    format!(
        "the bundle does not match its manifest ({})",
        parts.join("; ")
    )
}

/// Checks every file of a bundle against its manifest; the number of files verified.
pub fn verify(path: &Path) -> Result<usize, VerifyError> {
    let unreadable =
        |e: std::io::Error| VerifyError::Unreadable(path.display().to_string(), e.to_string());
    let file = std::fs::File::open(path).map_err(unreadable)?;
    let mut archive = tar::Archive::new(file);
    let mut hashes: BTreeMap<String, String> = BTreeMap::new();
    let mut manifest = None;
    for entry in archive.entries().map_err(unreadable)? {
        let mut entry = entry.map_err(unreadable)?;
        let name = entry
            .path()
            .map_err(unreadable)?
            .to_string_lossy()
            .into_owned();
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).map_err(unreadable)?;
        if name == MANIFEST {
            manifest = Some(String::from_utf8_lossy(&bytes).into_owned());
        } else {
            hashes.insert(name, sha256(&bytes));
        }
    }
    let manifest = manifest.ok_or(VerifyError::NoManifest)?;
    let listed: BTreeMap<&str, &str> = manifest
        .lines()
        .filter_map(|line| line.split_once("  "))
        .map(|(hash, name)| (name, hash))
        .collect();
    let mut changed = Vec::new();
    let mut missing = Vec::new();
    for (name, hash) in &listed {
        match hashes.get(*name) {
            Some(actual) if actual == hash => {}
            Some(_) => changed.push((*name).to_owned()),
            None => missing.push((*name).to_owned()),
        }
    }
    let unlisted: Vec<String> = hashes
        .keys()
        .filter(|name| !listed.contains_key(name.as_str()))
        .cloned()
        .collect();
    if changed.is_empty() && missing.is_empty() && unlisted.is_empty() {
        Ok(listed.len())
    } else {
        Err(VerifyError::Mismatch {
            changed,
            missing,
            unlisted,
        })
    }
}
