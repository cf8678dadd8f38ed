//! Saved investigation queries: one TOML file each, validated when loaded.
//!
//! A query is a question asked of the timeline (a filter, conditions on the original record, a
//! burst threshold) and, where AWS can answer the same question at scale, its push-downs (Athena
//! SQL, a Logs Insights query, a LookupEvents attribute, GuardDuty finding criteria).

pub mod record;
pub mod run;
pub mod sigma;

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::time;
use crate::timeline::filter;
use record::RecordCondition;

/// The query pack shipped with casebook.
static SHIPPED: include_dir::Dir<'_> = include_dir::include_dir!("$CARGO_MANIFEST_DIR/queries");

/// How bad a hit is, on the scale findings use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

/// One saved query, as its file declares it.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Query {
    pub name: String,
    pub title: String,
    pub description: String,
    /// MITRE ATT&CK ids where one fits (`attack.t1078.004`), and free topics.
    #[serde(default)]
    pub tags: Vec<String>,
    pub severity: Severity,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub params: Vec<Param>,
    /// In the filter language of the console's `/`.
    pub filter: String,
    /// Conditions on the original record, all of which must hold.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub record: Vec<RecordCondition>,
    /// Only events in bursts (see [`Threshold`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threshold: Option<Threshold>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub athena: Option<Athena>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logs_insights: Option<LogsInsights>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lookup_events: Option<LookupEvents>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guardduty: Option<GuardDuty>,
    /// Where the query came from; not part of the file.
    #[serde(skip)]
    pub origin: Origin,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Origin {
    #[default]
    Shipped,
    User(PathBuf),
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Param {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: ParamKind,
    /// Without a default the parameter must be given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ParamKind {
    String,
    Duration,
    Integer,
}

impl ParamKind {
    fn check(self, value: &str) -> Result<(), String> {
        let ok = match self {
            ParamKind::String => true,
            ParamKind::Duration => time::parse_duration(value).is_some(),
            ParamKind::Integer => value.parse::<i64>().is_ok(),
        };
        if ok {
            Ok(())
        } else {
            Err(match self {
                ParamKind::Duration => format!("'{value}' is not a duration such as 10m or 1h"),
                _ => format!("'{value}' is not an integer"),
            })
        }
    }
}

/// Events of one value of `by` within `within` of each other: at least `count` of them, or
/// moving at least `bytes` between them.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Threshold {
    /// A field of the filter language with values, e.g. `principal` or `dst_ip`.
    pub by: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<usize>,
    /// A size such as `100MB`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bytes: Option<String>,
    /// A duration, or a `{parameter}` holding one.
    pub within: String,
}

/// How much makes a burst.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Amount {
    Events(u64),
    Bytes(u64),
}

impl Threshold {
    /// The field grouped by, if it has values.
    pub fn field(&self) -> Option<filter::Field> {
        filter::field_named(&self.by).filter(|f| !f.columns().is_empty())
    }

    pub fn amount(&self) -> Result<Amount, String> {
        match (self.count, &self.bytes) {
            (Some(0), None) => Err("count must be at least 1".into()),
            (Some(count), None) => Ok(Amount::Events(count as u64)),
            (None, Some(bytes)) => filter::parse_bytes(bytes)
                .filter(|b| *b > 0)
                .map(Amount::Bytes)
                .ok_or_else(|| format!("bytes: '{bytes}' is not a size such as 100MB")),
            _ => Err("give either count or bytes".into()),
        }
    }
}

/// Athena SQL against the CloudTrail table with partition projection. `{table}`, `{start}` and
/// `{end}` (timestamps), `{start_day}` and `{end_day}` (partition days `yyyy/MM/dd`) are filled in
/// when the query runs.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Athena {
    pub sql: String,
}

/// A CloudWatch Logs Insights query; the time range is given to StartQuery, not written here.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct LogsInsights {
    pub query: String,
    /// Log groups to ask when the user names none, e.g. the CloudTrail or EKS audit group.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub log_groups: Vec<String>,
}

/// CloudTrail LookupEvents takes one attribute per call.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct LookupEvents {
    pub attribute: String,
    pub value: String,
}

/// LookupEvents' attribute keys.
pub const LOOKUP_ATTRIBUTES: [&str; 8] = [
    "EventId",
    "EventName",
    "ReadOnly",
    "Username",
    "ResourceType",
    "ResourceName",
    "EventSource",
    "AccessKeyId",
];

/// GuardDuty FindingCriteria: `{ "severity" = { gte = 7 }, "type" = { eq = [...] } }`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct GuardDuty {
    pub criteria: BTreeMap<String, Condition>,
}

/// One GuardDuty criterion, with the API's operator names.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Condition {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub eq: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub neq: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gt: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gte: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lt: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lte: Option<i64>,
}

/// A query file that cannot be used, naming the file, the line and the field.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
#[error("{file}:{line}: {message}")]
pub struct QueryError {
    pub file: String,
    pub line: usize,
    pub message: String,
}

/// Parameter values for one run: the defaults, overridden by what the user gave.
pub type Args = HashMap<String, String>;

/// Placeholders the push-downs get from the run itself, not from parameters.
const ATHENA_BUILTINS: [&str; 5] = ["table", "start", "end", "start_day", "end_day"];

impl Query {
    /// Parses and validates one query file's text; `file` names it in errors, and the query's
    /// `name` must be the file's stem.
    pub fn parse(file: &str, text: &str) -> Result<Query, QueryError> {
        let query: Query = toml::from_str(text).map_err(|error| {
            let (line, message) = crate::text::toml_error(text, &error);
            QueryError {
                file: file.to_owned(),
                line,
                message,
            }
        })?;
        query.validate().map_err(|(field, message)| QueryError {
            file: file.to_owned(),
            line: line_of_field(text, field),
            message: format!("{field}: {message}"),
        })?;
        let stem = Path::new(file).file_stem().and_then(|s| s.to_str());
        if stem.is_some_and(|stem| stem != query.name) {
            return Err(QueryError {
                file: file.to_owned(),
                line: line_of_field(text, "name"),
                message: format!(
                    "name: '{}' differs from the file name; one query per file, named as its file",
                    query.name
                ),
            });
        }
        Ok(query)
    }

    /// Checks what serde cannot: names, filters, parameters and push-down shapes.
    fn validate(&self) -> Result<(), (&'static str, String)> {
        let valid_name = !self.name.is_empty()
            && self
                .name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !valid_name {
            return Err((
                "name",
                format!("'{}' must be lower-case letters, digits and '-'", self.name),
            ));
        }
        for tag in &self.tags {
            if let Some(technique) = tag.strip_prefix("attack.t") {
                let id_ok = technique.len() >= 4
                    && technique
                        .split('.')
                        .all(|part| !part.is_empty() && part.chars().all(|c| c.is_ascii_digit()));
                if !id_ok {
                    return Err(("tags", format!("'{tag}' is not an ATT&CK technique id")));
                }
            }
        }
        let mut declared = HashMap::new();
        for param in &self.params {
            if declared.insert(param.name.as_str(), param.kind).is_some() {
                return Err(("params", format!("'{}' is declared twice", param.name)));
            }
            if let Some(default) = &param.default {
                param
                    .kind
                    .check(default)
                    .map_err(|m| ("params", format!("{}: {m}", param.name)))?;
            }
        }
        let known = |text: &str, field: &'static str, builtins: &[&str]| {
            placeholders(text)
                .find(|p| !declared.contains_key(p) && !builtins.contains(p))
                .map_or(Ok(()), |p| {
                    Err((field, format!("'{{{p}}}' is not a declared parameter")))
                })
        };
        known(&self.filter, "filter", &[])?;
        for condition in &self.record {
            for value in condition.any.iter().chain(&condition.equals) {
                known(value, "record", &[])?;
            }
            condition.check().map_err(|m| ("record", m))?;
        }
        // The filter must parse once parameters have values; samples stand in for those
        // without a default.
        let samples: Args = self
            .params
            .iter()
            .map(|p| {
                let sample = p.default.clone().unwrap_or_else(|| match p.kind {
                    ParamKind::Duration => "1h".into(),
                    ParamKind::Integer => "1".into(),
                    ParamKind::String => "x".into(),
                });
                (p.name.clone(), sample)
            })
            .collect();
        filter::parse(&fill(&self.filter, &samples), 0)
            .map_err(|error| ("filter", error.to_string()))?;
        if let Some(threshold) = &self.threshold {
            if threshold.field().is_none() {
                return Err((
                    "threshold",
                    format!("by: '{}' is not a field with values", threshold.by),
                ));
            }
            threshold.amount().map_err(|m| ("threshold", m))?;
            known(&threshold.within, "threshold", &[])?;
            time::parse_duration(&fill(&threshold.within, &samples)).ok_or((
                "threshold",
                format!("within: '{}' is not a duration", threshold.within),
            ))?;
        }
        if let Some(athena) = &self.athena {
            known(&athena.sql, "athena", &ATHENA_BUILTINS)?;
            if !athena.sql.contains("{table}") {
                return Err(("athena", "the SQL must read from {table}".into()));
            }
        }
        if let Some(insights) = &self.logs_insights {
            known(&insights.query, "logs_insights", &[])?;
            if insights.log_groups.len() > 50 {
                return Err(("logs_insights", "at most 50 log groups per query".into()));
            }
        }
        if let Some(lookup) = &self.lookup_events {
            if !LOOKUP_ATTRIBUTES.contains(&lookup.attribute.as_str()) {
                return Err((
                    "lookup_events",
                    format!(
                        "'{}' is not a LookupEvents attribute (one of {})",
                        lookup.attribute,
                        LOOKUP_ATTRIBUTES.join(", ")
                    ),
                ));
            }
            known(&lookup.value, "lookup_events", &[])?;
        }
        if let Some(guardduty) = &self.guardduty {
            for (field, condition) in &guardduty.criteria {
                let empty = condition.eq.is_empty()
                    && condition.neq.is_empty()
                    && [condition.gt, condition.gte, condition.lt, condition.lte]
                        .iter()
                        .all(Option::is_none);
                if empty {
                    return Err(("guardduty", format!("criterion '{field}' has no condition")));
                }
            }
        }
        Ok(())
    }

    /// The parameter values for a run: defaults, then `given`; an unknown name, a value of the
    /// wrong type or a parameter without a value is an error.
    pub fn args(&self, given: &[(String, String)]) -> Result<Args, String> {
        let mut args: Args = self
            .params
            .iter()
            .filter_map(|p| Some((p.name.clone(), p.default.clone()?)))
            .collect();
        for (name, value) in given {
            let param = self
                .params
                .iter()
                .find(|p| &p.name == name)
                .ok_or_else(|| {
                    let names: Vec<_> = self.params.iter().map(|p| p.name.as_str()).collect();
                    format!(
                        "query '{}' has no parameter '{name}' (it has: {})",
                        self.name,
                        if names.is_empty() {
                            "none".to_owned()
                        } else {
                            names.join(", ")
                        }
                    )
                })?;
            param
                .kind
                .check(value)
                .map_err(|m| format!("{name}: {m}"))?;
            args.insert(name.clone(), value.clone());
        }
        if let Some(missing) = self.params.iter().find(|p| !args.contains_key(&p.name)) {
            return Err(format!(
                "query '{}' needs --param {}=...",
                self.name, missing.name
            ));
        }
        Ok(args)
    }

    /// The push-downs this query has, by the names the CLI shows.
    pub fn pushdowns(&self) -> Vec<&'static str> {
        [
            (self.athena.is_some(), "athena"),
            (self.logs_insights.is_some(), "logs_insights"),
            (self.lookup_events.is_some(), "lookup_events"),
            (self.guardduty.is_some(), "guardduty"),
        ]
        .into_iter()
        .filter_map(|(has, name)| has.then_some(name))
        .collect()
    }
}

/// `{name}` placeholders in a text.
fn placeholders(text: &str) -> impl Iterator<Item = &str> {
    text.split('{').skip(1).filter_map(|rest| {
        let (name, _) = rest.split_once('}')?;
        let is_name =
            !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        is_name.then_some(name)
    })
}

/// The text with each `{name}` replaced by its value.
pub fn fill(text: &str, args: &Args) -> String {
    let mut filled = text.to_owned();
    for (name, value) in args {
        filled = filled.replace(&format!("{{{name}}}"), value);
    }
    filled
}

/// The line where `field = ...` (or `[field]`, `[[field]]`) is written, else 0.
fn line_of_field(text: &str, field: &str) -> usize {
    text.lines()
        .position(|line| {
            let line = line.trim_start();
            let key = line.split(['=', ' ']).next().unwrap_or_default();
            key == field
                || line
                    .trim_start_matches('[')
                    .starts_with(&format!("{field}]"))
        })
        .map_or(0, |index| index + 1)
}

/// The queries in use: the shipped pack, then the user's own folder (a user query replaces a
/// shipped one of the same name). Files that fail to load are returned as errors beside the
/// queries that did load; they never stop the others.
pub fn load_all(user_dir: Option<&Path>) -> (Vec<Query>, Vec<QueryError>) {
    let mut queries: Vec<Query> = Vec::new();
    let mut errors = Vec::new();
    for file in SHIPPED.files() {
        let name = file.path().to_string_lossy();
        if !name.ends_with(".toml") {
            continue;
        }
        match file
            .contents_utf8()
            .ok_or_else(|| QueryError {
                file: format!("queries/{name}"),
                line: 0,
                message: "not UTF-8".into(),
            })
            .and_then(|text| Query::parse(&format!("queries/{name}"), text))
        {
            Ok(query) => queries.push(query),
            Err(error) => errors.push(error),
        }
    }
    if let Some(dir) = user_dir {
        let (user, user_errors) = load_dir(dir);
        errors.extend(user_errors);
        for query in user {
            queries.retain(|q| q.name != query.name);
            queries.push(query);
        }
    }
    queries.sort_by(|a, b| b.severity.cmp(&a.severity).then(a.name.cmp(&b.name)));
    (queries, errors)
}

/// Every `*.toml` query in a folder; a missing folder has none.
pub fn load_dir(dir: &Path) -> (Vec<Query>, Vec<QueryError>) {
    let mut queries = Vec::new();
    let mut errors = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return (queries, errors);
    };
    let mut paths: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    paths.sort();
    for path in paths {
        let file = path.display().to_string();
        let loaded = std::fs::read_to_string(&path)
            .map_err(|error| QueryError {
                file: file.clone(),
                line: 0,
                message: error.to_string(),
            })
            .and_then(|text| Query::parse(&file, &text));
        match loaded {
            Ok(mut query) => {
                query.origin = Origin::User(path);
                queries.push(query);
            }
            Err(error) => errors.push(error),
        }
    }
    (queries, errors)
}

/// Where the user's own queries live: `$XDG_CONFIG_HOME/casebook/queries`.
pub fn user_dir() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "casebook").map(|dirs| dirs.config_dir().join("queries"))
}

/// Where the user's Sigma rules live for the console's sweep: `$XDG_CONFIG_HOME/casebook/sigma`.
pub fn user_sigma_dir() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "casebook").map(|dirs| dirs.config_dir().join("sigma"))
}

/// A new user query from the console's current filter, as TOML text.
pub fn from_filter(name: &str, title: &str, filter: &str) -> Result<String, QueryError> {
    let query = Query {
        name: name.to_owned(),
        title: title.to_owned(),
        description: format!("Saved from the console's filter: {filter}"),
        tags: Vec::new(),
        severity: Severity::Medium,
        params: Vec::new(),
        filter: filter.to_owned(),
        record: Vec::new(),
        threshold: None,
        athena: None,
        logs_insights: None,
        lookup_events: None,
        guardduty: None,
        origin: Origin::Shipped,
    };
    let text = toml::to_string_pretty(&query).map_err(|error| QueryError {
        file: format!("{name}.toml"),
        line: 0,
        message: error.to_string(),
    })?;
    // What is written must load back.
    Query::parse(&format!("{name}.toml"), &text)?;
    Ok(text)
}

/// Writes a new query of the user's own from a filter into `dir`, refusing to replace a file.
/// The file is written beside its final name and renamed, so it is never seen half-written.
pub fn save_user(dir: &Path, name: &str, filter: &str) -> Result<PathBuf, QueryError> {
    let file = dir.join(format!("{name}.toml"));
    let error = |message: String| QueryError {
        file: file.display().to_string(),
        line: 0,
        message,
    };
    let text = from_filter(name, name, filter)?;
    if file.exists() {
        return Err(error(
            "a query of that name exists; choose another name".into(),
        ));
    }
    std::fs::create_dir_all(dir).map_err(|e| error(e.to_string()))?;
    let staged = dir.join(format!(".{name}.toml.tmp"));
    std::fs::write(&staged, text)
        .and_then(|()| std::fs::rename(&staged, &file))
        .map_err(|e| error(e.to_string()))?;
    Ok(file)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r#"
name = "stop-logging"
title = "CloudTrail logging stopped"
description = "d"
tags = ["attack.t1562.008"]
severity = "high"
filter = "action:StopLogging"
"#;

    #[test]
    fn the_shipped_pack_loads_without_errors() {
        let (queries, errors) = load_all(None);
        assert!(errors.is_empty(), "{errors:#?}");
        assert!(queries.len() >= 30, "{} queries", queries.len());
    }

    #[test]
    fn errors_name_the_file_the_line_and_the_field() {
        let unknown = format!("{MINIMAL}colour = \"red\"\n");
        let error = Query::parse("q/stop-logging.toml", &unknown).unwrap_err();
        assert_eq!(error.file, "q/stop-logging.toml");
        assert_eq!(error.line, 8);
        assert!(error.message.contains("unknown field `colour`"), "{error}");

        let bad_filter = MINIMAL.replace("action:StopLogging", "action:(");
        let error = Query::parse("stop-logging.toml", &bad_filter).unwrap_err();
        assert_eq!(error.line, 7);
        assert!(error.message.starts_with("filter: "), "{error}");

        let bad_severity = MINIMAL.replace("\"high\"", "\"urgent\"");
        let error = Query::parse("stop-logging.toml", &bad_severity).unwrap_err();
        assert!(error.message.contains("urgent"), "{error}");

        let error = Query::parse("other-name.toml", MINIMAL).unwrap_err();
        assert!(error.message.starts_with("name: "), "{error}");

        let undeclared = MINIMAL.replace("action:StopLogging", "actor:{who}");
        let error = Query::parse("stop-logging.toml", &undeclared).unwrap_err();
        assert!(error.message.contains("'{who}'"), "{error}");

        let lookup = format!("{MINIMAL}[lookup_events]\nattribute = \"Name\"\nvalue = \"x\"\n");
        let error = Query::parse("stop-logging.toml", &lookup).unwrap_err();
        assert_eq!(error.line, 8);
        assert!(error.message.contains("LookupEvents attribute"), "{error}");
    }

    #[test]
    fn parameters_take_defaults_overrides_and_are_type_checked() {
        let text = format!(
            "{MINIMAL}[[params]]\nname = \"window\"\ntype = \"duration\"\ndefault = \"10m\"\n\
             [[params]]\nname = \"who\"\ntype = \"string\"\n"
        )
        .replace("action:StopLogging", "action:StopLogging actor:{who}");
        let query = Query::parse("stop-logging.toml", &text).unwrap();
        let error = query.args(&[]).unwrap_err();
        assert!(error.contains("--param who=..."), "{error}");
        let args = query.args(&[("who".into(), "mallory".into())]).unwrap();
        assert_eq!(args["window"], "10m");
        assert_eq!(
            fill(&query.filter, &args),
            "action:StopLogging actor:mallory"
        );
        assert!(query.args(&[("window".into(), "soon".into())]).is_err());
        assert!(query.args(&[("colour".into(), "x".into())]).is_err());
    }

    #[test]
    fn saved_queries_join_the_users_folder_and_never_replace_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = save_user(dir.path(), "my-hunt", "ip:203.0.113.66").unwrap();
        assert!(path.ends_with("my-hunt.toml"));
        let (queries, errors) = load_dir(dir.path());
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(queries[0].filter, "ip:203.0.113.66");
        assert!(save_user(dir.path(), "my-hunt", "x").is_err());
        assert!(save_user(dir.path(), "Bad Name", "x").is_err());
    }

    #[test]
    fn a_saved_filter_loads_back_as_a_query() {
        let text = from_filter("my-hunt", "My hunt", "ip:203.0.113.0/24 -outcome:success").unwrap();
        let query = Query::parse("my-hunt.toml", &text).unwrap();
        assert_eq!(query.filter, "ip:203.0.113.0/24 -outcome:success");
        assert!(from_filter("My Hunt", "t", "x").is_err());
    }
}
