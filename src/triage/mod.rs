//! Triage from a page: the finding becomes a scoped case and a first-response brief. Its
//! entities (access key, principal, IP, resource) are asked about, within a window around when
//! the finding was seen, in the live sources (or in local files), the saved queries sweep what
//! came back, and all of it is recorded in the case.

pub mod alert;
pub mod brief;

use std::path::{Path, PathBuf};

use serde_json::Value;

pub use alert::{Alert, AlertError, FindingRef};
pub use brief::Brief;

use crate::case::{
    Case, CaseError, CaseMeta, ConsoleState, Level, Mark, Origin, PivotState, Provenance, TimeRange,
};
use crate::event::EntityKind;
use crate::live::{self, Entry, LiveError, LiveProgress, LiveRequest};
use crate::load::{self, LoadError, LoadOptions, Loaded};
use crate::query::run::{SweepError, SweepProgress};
use crate::time::{NANOS_PER_SEC, format_rfc3339, parse_timestamp};
use crate::timeline::filter::Filter;
use crate::timeline::pivot::{self, Entity};
use polars::prelude::IdxSize;

/// The runbook on-call responders follow (the seed's `docs/dr-runbook.md`).
pub const DEFAULT_RUNBOOK: &str = "docs/dr-runbook.md";
/// At most this many sweep hits are marked in the case (all are counted in the brief).
const MARKED_HITS: usize = 500;

/// How to triage.
#[derive(Debug, Clone)]
pub struct Options {
    /// Nanoseconds before the finding's first sighting and after its last.
    pub before: i64,
    pub after: i64,
    pub case_dir: PathBuf,
    /// Local files to read instead of AWS.
    pub offline: Vec<PathBuf>,
    /// The profiles and regions (and Athena set-up) AWS is asked in.
    pub session: LiveRequest,
    pub runbook: String,
    /// How files are read (the gzip cap).
    pub load: LoadOptions,
    pub now: i64,
}

/// What triage made: the case, its brief, and what each AWS source did.
pub struct Outcome {
    pub case: Case,
    pub brief: Brief,
    pub coverage: Vec<Entry>,
}

#[derive(Debug, thiserror::Error)]
pub enum TriageError {
    #[error(transparent)]
    Case(#[from] CaseError),
    #[error(transparent)]
    Load(#[from] LoadError),
    #[error(transparent)]
    Live(#[from] LiveError),
    #[error(transparent)]
    Sweep(#[from] SweepError),
    #[error("the finding could not be read as one: {0}")]
    Unreadable(String),
    #[error("{0}: {1}")]
    Io(PathBuf, std::io::Error),
}

impl From<polars::prelude::PolarsError> for TriageError {
    fn from(error: polars::prelude::PolarsError) -> Self {
        TriageError::Load(LoadError::Timeline(error))
    }
}

/// The entity kinds AWS can be asked about, in the order they are asked.
const ASKED: [EntityKind; 4] = [
    EntityKind::AccessKey,
    EntityKind::Principal,
    EntityKind::Ip,
    EntityKind::Resource,
];

/// Triage of one finding, reporting each step through `progress`.
pub fn triage(
    alert: &Alert,
    options: &Options,
    progress: &dyn Fn(&str),
) -> Result<Outcome, TriageError> {
    let load_options = &options.load;
    let mut case = Case::create(&options.case_dir, meta_of(alert, options))?;
    let evidence = options.case_dir.join("evidence");
    std::fs::create_dir_all(&evidence).map_err(|e| TriageError::Io(evidence.clone(), e))?;
    let finding_file = evidence.join("finding.json");
    let finding_text = serde_json::to_vec_pretty(&alert.finding)
        .map_err(|e| TriageError::Unreadable(e.to_string()))?;
    crate::case::store::write_atomic(&finding_file, &finding_text)
        .map_err(|e| TriageError::Io(finding_file.clone(), e))?;

    // The finding through the loaders, as any finding: its time and entities.
    let finding_loaded = load::load(std::slice::from_ref(&finding_file), load_options)?;
    let finding_row = finding_loaded
        .timeline
        .rows()?
        .into_iter()
        .next()
        .ok_or_else(|| TriageError::Unreadable(skip_reason(&finding_loaded)))?;
    let entities: Vec<Entity> = {
        let mut named = pivot::entities_of(&finding_row);
        named.retain(|e| ASKED.contains(&e.kind));
        named.sort_by_key(|e| ASKED.iter().position(|k| *k == e.kind));
        named
    };
    let (first, last) = seen(&alert.finding, finding_row.time);
    let window = (
        first.saturating_sub(options.before),
        last.saturating_add(options.after).saturating_add(1),
    );
    case.meta.range = Some(TimeRange {
        start: format_rfc3339(window.0),
        end: format_rfc3339(window.1),
    });
    progress(&format!(
        "finding {}; asking about {} within {} → {}",
        brief::one_line(&alert.finding),
        brief::entity_list(&entities),
        format_rfc3339(window.0),
        format_rfc3339(window.1)
    ));

    let mut sources = vec![finding_file.clone()];
    let mut coverage = Vec::new();
    if options.offline.is_empty() {
        for entity in &entities {
            let Some(plan) =
                live::pivot::plan(entity, window, &options.session, &evidence, options.now)
            else {
                continue;
            };
            let asked: Vec<&str> = plan.request.sources.iter().map(|s| s.as_str()).collect();
            progress(&format!(
                "asking {} about {} {}",
                asked.join(", "),
                entity.kind.as_str(),
                entity.value
            ));
            let pulled = live::fetch(&plan.request, &LiveProgress::default())?;
            for entry in &pulled {
                let what = format!("{} {}", entity.kind.as_str(), entity.value);
                case.log(entry.provenance(window, options.now).with("entity", what));
            }
            sources.push(plan.request.spool.clone());
            coverage.extend(pulled);
        }
    } else {
        sources.extend(options.offline.iter().cloned());
    }

    progress("loading what came back");
    let loaded = load::load(&sources, load_options)?;
    let mut read = Provenance::new(options.now, "load").with(
        "paths",
        sources
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(" "),
    );
    read.backend = Some(
        if options.offline.is_empty() {
            "aws responses"
        } else {
            "files"
        }
        .into(),
    );
    read.results = Some(loaded.timeline.len());
    case.log(read);
    // Everything but the finding itself: what the sources know of its entities.
    let finding_index = loaded
        .files
        .iter()
        .position(|f| f.path == finding_file)
        .map(|i| i as u32);
    let others: Vec<IdxSize> = loaded
        .timeline
        .record_refs()?
        .iter()
        .enumerate()
        .filter(|(_, r)| Some(r.file) != finding_index)
        .map(|(row, _)| row as IdxSize)
        .collect();
    let others = loaded.timeline.take(&others)?;
    let related_filter = Filter::And(vec![
        Filter::Or(entities.iter().map(pivot::entity_filter).collect()),
        Filter::Time {
            start: window.0,
            end: window.1,
        },
    ]);
    let related_rows = if entities.is_empty() {
        Vec::new()
    } else {
        others.matching_rows(&related_filter)?
    };
    let related = others.take(&related_rows)?;

    progress(&format!("sweeping {} related events", related.len()));
    let (queries, _) = crate::query::load_all(crate::query::user_dir().as_deref());
    let originals = load::LoadedOriginals::of(&loaded, load_options);
    let sweep = crate::query::run::sweep(
        &queries,
        None,
        &related,
        &originals,
        options.now,
        &SweepProgress::default(),
    )?;
    let mut swept = Provenance::new(options.now, "sweep")
        .with("queries", queries.len().to_string())
        .with("events", related.len().to_string());
    swept.results = Some(sweep.detections.len());
    case.log(swept);

    mark_finding_and_hits(&mut case, &loaded, finding_index, &related, &sweep, options)?;
    // The console opens on the finding, in a pivot on its first entity over the window.
    case.views.console = Some(ConsoleState {
        levels: vec![
            Level::default(),
            Level {
                filter: String::new(),
                pivot: entities.first().map(|entity| PivotState {
                    kind: entity.kind.as_str().into(),
                    value: entity.value.clone(),
                    around: format_rfc3339(window.0 + (window.1 - window.0) / 2),
                    half_window_seconds: Some((window.1 - window.0) / 2 / NANOS_PER_SEC + 1),
                }),
            },
        ],
        selected: Some(Origin {
            file: finding_file.display().to_string(),
            ordinal: finding_row.record.ordinal,
        }),
    });
    for source in &sources {
        case.meta.sources.push(source.display().to_string());
    }
    case.save()?;
    let brief = Brief::of(&brief::Gathered {
        alert,
        case: &case,
        loaded: &others,
        related: &related,
        entities: &entities,
        window,
        sweep: &sweep,
        coverage: &coverage,
    })?;
    Ok(Outcome {
        case,
        brief,
        coverage,
    })
}

fn meta_of(alert: &Alert, options: &Options) -> CaseMeta {
    let finding = &alert.finding;
    let title = alert::text(finding, &["title"])
        .or_else(|| alert::text(finding, &["type"]))
        .unwrap_or("finding");
    CaseMeta {
        title: format!("Triage: {title}"),
        incident: alert::text(finding, &["id"]).map(str::to_owned),
        page: alert.page.clone(),
        status: Default::default(),
        analysts: Vec::new(),
        created: format_rfc3339(options.now),
        range: None,
        sources: Vec::new(),
        runbook: Some(options.runbook.clone()),
        live: options
            .offline
            .is_empty()
            .then(|| crate::case::LiveSession {
                profiles: options.session.profiles.iter().flatten().cloned().collect(),
                regions: match &options.session.regions {
                    live::Regions::Listed(regions) => regions.clone(),
                    _ => Vec::new(),
                },
            }),
    }
}

/// When the finding's activity was first and last seen (GuardDuty's service, or ASFF's
/// observation times); the finding's own time otherwise.
fn seen(finding: &Value, time: i64) -> (i64, i64) {
    let at = |paths: &[&[&str]]| {
        paths
            .iter()
            .find_map(|path| alert::text(finding, path).and_then(parse_timestamp))
    };
    let first = at(&[&["service", "eventFirstSeen"], &["firstObservedAt"]]).unwrap_or(time);
    let last = at(&[&["service", "eventLastSeen"], &["lastObservedAt"]]).unwrap_or(time);
    (first.min(last), first.max(last))
}

fn skip_reason(loaded: &Loaded) -> String {
    loaded
        .files
        .iter()
        .flat_map(|f| {
            f.error
                .iter()
                .cloned()
                .chain(f.skipped.reasons.iter().map(|r| r.reason.clone()))
        })
        .next()
        .unwrap_or_else(|| "no event in it".into())
}

/// The finding is marked, and what the sweep flagged (up to [`MARKED_HITS`]), each with its
/// original record (read once for all).
fn mark_finding_and_hits(
    case: &mut Case,
    loaded: &Loaded,
    finding_index: Option<u32>,
    related: &crate::timeline::Timeline,
    sweep: &crate::query::run::Sweep,
    options: &Options,
) -> Result<(), TriageError> {
    let mut chosen: Vec<(crate::timeline::EventRow, String)> = Vec::new();
    if let Some(index) = finding_index {
        let rows: Vec<IdxSize> = loaded
            .timeline
            .record_refs()?
            .iter()
            .enumerate()
            .filter(|(_, record)| record.file == index)
            .map(|(row, _)| row as IdxSize)
            .collect();
        let finding = loaded.timeline.take(&rows)?.rows()?;
        chosen.extend(finding.into_iter().map(|row| (row, "finding".to_owned())));
    }
    let hits: Vec<(IdxSize, &str)> = sweep
        .detections
        .iter()
        .flat_map(|d| d.hits.rows.iter().map(move |row| (*row, d.name.as_str())))
        .take(MARKED_HITS)
        .collect();
    let rows: Vec<IdxSize> = hits.iter().map(|(row, _)| *row).collect();
    let hit_rows = related.take(&rows)?.rows()?;
    chosen.extend(
        hit_rows
            .into_iter()
            .zip(hits.iter().map(|(_, name)| (*name).to_owned())),
    );
    let refs: Vec<_> = chosen
        .iter()
        .map(|(row, _)| (row.record, row.time))
        .collect();
    let originals = load::original_records(&loaded.files, &refs, &options.load);
    for (row, tag) in chosen {
        let raw = originals.get(&row.record).cloned().unwrap_or_default();
        let origin = Origin::of(&loaded.files, row.record);
        case.mark(Mark::new(&row, raw, origin, vec![tag], options.now));
    }
    Ok(())
}

/// A default case folder for a finding: `triage-<id>.casebook` in the current directory.
pub fn default_case_dir(alert: &Alert, now: i64) -> PathBuf {
    let id: String = alert::text(&alert.finding, &["id"])
        .unwrap_or("finding")
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .take(24)
        .collect();
    let stamp: String = format_rfc3339(now)
        .chars()
        .filter(|c| c.is_ascii_digit())
        .take(12)
        .collect();
    Path::new(".").join(format!("triage-{id}-{stamp}.casebook"))
}
