//! Sigma rules for AWS CloudTrail (the SigmaHQ format), evaluated by `rsigma-eval` over the
//! original CloudTrail records of the timeline.
//!
//! The engine is used as it is; what casebook adds is how records are presented to it. A field
//! whose value is an object (`requestParameters`) is presented as its JSON text with nested
//! strings unescaped, so `requestParameters|contains: 'Suspended'` or a policy document's
//! `'"s3:GetObject"'` match as they do in the SIEMs the rules were written for.

use std::borrow::Cow;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;

use polars::prelude::IdxSize;
use rayon::prelude::*;
use rsigma_eval::event::{Event, EventValue, JsonEvent};
use rsigma_eval::{Engine, EvaluationResult};
use serde_json::Value;

use super::Severity;
use super::run::{Hits, Originals, SweepError, SweepProgress};
use crate::timeline::Timeline;
use crate::timeline::filter::{Column, Filter, Matcher};

/// One loaded rule, as a hit names it.
#[derive(Debug, Clone, PartialEq)]
pub struct SigmaRule {
    pub title: String,
    pub id: Option<String>,
    /// The Detection Rule License asks that the author be named wherever a hit is shown.
    pub author: Option<String>,
    /// The rule's level (`informational` is info).
    pub severity: Severity,
    pub file: PathBuf,
}

impl SigmaRule {
    /// What a hit calls the rule: its file's stem, as SigmaHQ names rules.
    pub fn name(&self) -> String {
        self.file
            .file_stem()
            .map_or_else(|| self.title.clone(), |s| s.to_string_lossy().into_owned())
    }
}

/// A rule file or rule that was not loaded, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Skipped {
    pub file: PathBuf,
    pub title: Option<String>,
    pub reason: String,
}

impl Skipped {
    pub fn name(&self) -> String {
        let title = self
            .title
            .as_deref()
            .map(|t| format!(" ({t})"))
            .unwrap_or_default();
        format!("sigma {}{title}", self.file.display())
    }
}

/// The CloudTrail rules of a folder, compiled into one engine.
pub struct SigmaRules {
    engine: Engine,
    rules: Vec<SigmaRule>,
    /// Engine results name rules by id (or title); this finds them in `rules`.
    by_key: HashMap<String, usize>,
    pub skipped: Vec<Skipped>,
}

impl std::fmt::Debug for SigmaRules {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigmaRules")
            .field("rules", &self.rules)
            .field("skipped", &self.skipped)
            .finish_non_exhaustive()
    }
}

/// Records are re-read and evaluated this many at a time, to bound memory.
const CHUNK: usize = 20_000;

impl SigmaRules {
    /// Every `*.yml` / `*.yaml` under `dir` (recursively). Rules for other log sources, files that
    /// do not parse and rules the engine cannot compile are listed in `skipped` with the reason.
    pub fn load_dir(dir: &Path) -> std::io::Result<SigmaRules> {
        let mut files = Vec::new();
        collect_yaml(dir, &mut files)?;
        files.sort();
        let mut set = SigmaRules {
            engine: Engine::new(),
            rules: Vec::new(),
            by_key: HashMap::new(),
            skipped: Vec::new(),
        };
        for file in files {
            let text = match std::fs::read_to_string(&file) {
                Ok(text) => text,
                Err(error) => {
                    set.skip(&file, None, error.to_string());
                    continue;
                }
            };
            set.add_yaml(&file, &text);
        }
        Ok(set)
    }

    fn skip(&mut self, file: &Path, title: Option<&str>, reason: String) {
        self.skipped.push(Skipped {
            file: file.to_path_buf(),
            title: title.map(str::to_owned),
            reason,
        });
    }

    /// Adds the rules of one YAML text (one or more documents).
    pub fn add_yaml(&mut self, file: &Path, text: &str) {
        let collection = match rsigma_parser::parse_sigma_yaml(text) {
            Ok(collection) => collection,
            Err(error) => return self.skip(file, None, format!("not a Sigma rule: {error}")),
        };
        for error in &collection.errors {
            self.skip(file, None, format!("not a Sigma rule: {error}"));
        }
        if !collection.correlations.is_empty() || !collection.filters.is_empty() {
            self.skip(
                file,
                None,
                "correlation and filter rules are not supported".into(),
            );
        }
        for rule in &collection.rules {
            let logsource = &rule.logsource;
            let cloudtrail = logsource.product.as_deref() == Some("aws")
                && logsource.service.as_deref() == Some("cloudtrail");
            if !cloudtrail {
                let reason = format!(
                    "logsource is {}/{}, not aws/cloudtrail",
                    logsource.product.as_deref().unwrap_or("-"),
                    logsource.service.as_deref().unwrap_or("-")
                );
                self.skip(file, Some(&rule.title), reason);
                continue;
            }
            let key = rule.id.clone().unwrap_or_else(|| rule.title.clone());
            if self.by_key.contains_key(&key) {
                self.skip(
                    file,
                    Some(&rule.title),
                    format!("rule {key} is loaded twice"),
                );
                continue;
            }
            if let Err(error) = self.engine.add_rule(rule) {
                self.skip(
                    file,
                    Some(&rule.title),
                    format!("cannot be evaluated: {error}"),
                );
                continue;
            }
            self.by_key.insert(key, self.rules.len());
            self.rules.push(SigmaRule {
                title: rule.title.clone(),
                id: rule.id.clone(),
                author: rule.author.clone(),
                severity: rule.level.map_or(Severity::Medium, severity_of),
                file: file.to_path_buf(),
            });
        }
    }

    pub fn rules(&self) -> &[SigmaRule] {
        &self.rules
    }

    /// The rules that match one record.
    pub fn matching(&self, record: &Value) -> Vec<usize> {
        let event = Presented(JsonEvent::borrow(record));
        self.engine
            .evaluate(&event)
            .iter()
            .filter_map(|result| self.index_of(result))
            .collect()
    }

    fn index_of(&self, result: &EvaluationResult) -> Option<usize> {
        let header = &result.header;
        let key = header.rule_id.as_ref().unwrap_or(&header.rule_title);
        self.by_key.get(key).copied()
    }

    /// Every rule over the timeline's CloudTrail events: hits per rule, in rule order.
    pub fn evaluate(
        &self,
        timeline: &Timeline,
        originals: &dyn Originals,
        progress: &SweepProgress,
    ) -> Result<Vec<Hits>, SweepError> {
        let cloudtrail = timeline.matching_rows(&Filter::Match {
            columns: &[Column::Source],
            matcher: Matcher::Exact(crate::event::Source::CloudTrail.as_str().to_owned()),
        })?;
        let mut hits: Vec<Hits> = vec![Hits::default(); self.rules.len()];
        progress
            .events_total
            .store(cloudtrail.len(), Ordering::Relaxed);
        for chunk in cloudtrail.chunks(CHUNK) {
            if progress.cancelled.load(Ordering::Relaxed) {
                return Err(SweepError::Cancelled);
            }
            let records = originals.originals(chunk);
            // Rules are evaluated on every core; hits are gathered in row order.
            let matched: Vec<Option<Vec<usize>>> = chunk
                .par_iter()
                .map(|row| records.get(row).map(|record| self.matching(record)))
                .collect();
            for (row, rules) in chunk.iter().zip(matched) {
                match rules {
                    Some(rules) => rules.into_iter().for_each(|r| hits[r].rows.push(*row)),
                    None => hits.iter_mut().for_each(|h| h.unreadable += 1),
                }
            }
            progress
                .events_done
                .fetch_add(chunk.len(), Ordering::Relaxed);
        }
        let times = timeline.times()?;
        for rule_hits in &mut hits {
            let time = |row: Option<&IdxSize>| row.and_then(|r| times.get(*r as usize));
            rule_hits.first = time(rule_hits.rows.first());
            rule_hits.last = time(rule_hits.rows.last());
        }
        Ok(hits)
    }
}

fn severity_of(level: rsigma_parser::Level) -> Severity {
    match level {
        rsigma_parser::Level::Informational => Severity::Info,
        rsigma_parser::Level::Low => Severity::Low,
        rsigma_parser::Level::Medium => Severity::Medium,
        rsigma_parser::Level::High => Severity::High,
        rsigma_parser::Level::Critical => Severity::Critical,
    }
}

fn collect_yaml(dir: &Path, files: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect_yaml(&path, files)?;
        } else if path.extension().is_some_and(|e| e == "yml" || e == "yaml") {
            files.push(path);
        }
    }
    Ok(())
}

/// A record as the rules expect to see it: objects as text (see the module notes).
struct Presented<'a>(JsonEvent<'a>);

fn objects_as_text(value: EventValue<'_>) -> EventValue<'_> {
    match value {
        EventValue::Map(_) => EventValue::Str(Cow::Owned(unescaped_json(&value.to_json()))),
        EventValue::Array(items) => {
            EventValue::Array(items.into_iter().map(objects_as_text).collect())
        }
        other => other,
    }
}

/// JSON text with strings written as they are (no escaping), so text inside a nested JSON
/// document (a policy in a string) reads as the document itself.
fn unescaped_json(value: &Value) -> String {
    fn write(value: &Value, out: &mut String) {
        match value {
            Value::String(text) => {
                out.push('"');
                out.push_str(text);
                out.push('"');
            }
            Value::Array(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    write(item, out);
                }
                out.push(']');
            }
            Value::Object(map) => {
                out.push('{');
                for (i, (key, item)) in map.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    out.push('"');
                    out.push_str(key);
                    out.push_str("\":");
                    write(item, out);
                }
                out.push('}');
            }
            other => out.push_str(&other.to_string()),
        }
    }
    let mut out = String::new();
    write(value, &mut out);
    out
}

impl Event for Presented<'_> {
    fn get_field(&self, path: &str) -> Option<EventValue<'_>> {
        self.0.get_field(path).map(objects_as_text)
    }

    fn any_string_value(&self, pred: &dyn Fn(&str) -> bool) -> bool {
        self.0.any_string_value(pred)
    }

    fn all_string_values(&self) -> Vec<Cow<'_, str>> {
        self.0.all_string_values()
    }

    fn to_json(&self) -> Value {
        self.0.to_json()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rules(yaml: &str) -> SigmaRules {
        let mut set = SigmaRules {
            engine: Engine::new(),
            rules: Vec::new(),
            by_key: HashMap::new(),
            skipped: Vec::new(),
        };
        set.add_yaml(Path::new("test.yml"), yaml);
        assert!(set.skipped.is_empty(), "{:?}", set.skipped);
        set
    }

    #[test]
    fn contains_on_an_object_sees_nested_documents_as_text() {
        let set = rules(
            "title: t\nid: 1\nlogsource: {product: aws, service: cloudtrail}\n\
             detection:\n  selection:\n    requestParameters|contains|all:\n      - '\"s3:GetObject\"'\n      - 'Suspended'\n  condition: selection\n",
        );
        let record = json!({"requestParameters": {
            "policyDocument": "{\"Statement\":[{\"Action\":\"s3:GetObject\"}]}",
            "VersioningConfiguration": {"Status": "Suspended"}
        }});
        assert_eq!(set.matching(&record), [0]);
        let other =
            json!({"requestParameters": {"VersioningConfiguration": {"Status": "Enabled"}}});
        assert!(set.matching(&other).is_empty());
    }

    #[test]
    fn other_log_sources_are_skipped_with_the_reason() {
        let mut set = rules(
            "title: a\nlogsource: {product: aws, service: cloudtrail}\ndetection:\n  s:\n    eventName: X\n  condition: s\n",
        );
        set.add_yaml(
            Path::new("okta.yml"),
            "title: b\nlogsource: {product: okta, service: okta}\ndetection:\n  s:\n    x: y\n  condition: s\n",
        );
        set.add_yaml(Path::new("broken.yml"), "title: [unclosed\n");
        assert_eq!(set.rules().len(), 1);
        assert_eq!(set.skipped.len(), 2);
        assert!(
            set.skipped[0]
                .reason
                .contains("okta/okta, not aws/cloudtrail")
        );
        assert!(set.skipped[1].reason.starts_with("not a Sigma rule"));
    }
}
