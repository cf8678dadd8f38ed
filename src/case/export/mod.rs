//! Exports of a case, in the formats the people after the investigation use: a Markdown
//! postmortem timeline, Timesketch JSONL and CSV, a formula-safe CSV, OCSF events, one
//! self-contained HTML report, and a bundle with a SHA-256 manifest.
//!
//! Log data is attacker-controlled: every format escapes what it must (Markdown and HTML
//! markup, CSV formulas, control and bidi characters), and no export carries a credential (the
//! marks' records are redacted when marked, and again here).

mod bundle;
mod html;
pub mod markdown;
mod ocsf;
mod tables;

use std::collections::BTreeMap;

use serde_json::Value;

pub use crate::sanitize::inert_json;

pub use bundle::{VerifyError, verify};

use super::{Case, ManualEvent, Mark};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Markdown,
    TimesketchJsonl,
    TimesketchCsv,
    Csv,
    Ocsf,
    Html,
    Bundle,
}

impl Format {
    pub const ALL: [Format; 7] = [
        Format::Markdown,
        Format::TimesketchJsonl,
        Format::TimesketchCsv,
        Format::Csv,
        Format::Ocsf,
        Format::Html,
        Format::Bundle,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Format::Markdown => "markdown",
            Format::TimesketchJsonl => "timesketch-jsonl",
            Format::TimesketchCsv => "timesketch-csv",
            Format::Csv => "csv",
            Format::Ocsf => "ocsf",
            Format::Html => "html",
            Format::Bundle => "bundle",
        }
    }

    /// The usual file name ending.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Markdown => "md",
            Format::TimesketchJsonl => "timesketch.jsonl",
            Format::TimesketchCsv => "timesketch.csv",
            Format::Csv => "csv",
            Format::Ocsf => "ocsf.json",
            Format::Html => "html",
            Format::Bundle => "tar",
        }
    }
}

impl std::str::FromStr for Format {
    type Err = String;
    fn from_str(text: &str) -> Result<Format, String> {
        Format::ALL
            .into_iter()
            .find(|f| f.name() == text)
            .ok_or_else(|| {
                let names: Vec<_> = Format::ALL.iter().map(|f| f.name()).collect();
                format!("unknown format '{text}' (expected {})", names.join(", "))
            })
    }
}

/// The case in `format`, as bytes to write.
pub fn export(case: &Case, format: Format) -> Result<Vec<u8>, std::io::Error> {
    Ok(match format {
        Format::Markdown => markdown::render(case).into_bytes(),
        Format::TimesketchJsonl => tables::timesketch_jsonl(case),
        Format::TimesketchCsv => tables::timesketch_csv(case)?,
        Format::Csv => tables::csv(case)?,
        Format::Ocsf => ocsf::render(case),
        Format::Html => html::render(case).into_bytes(),
        Format::Bundle => bundle::write(case)?,
    })
}

/// One line of a case's timeline: a marked event or a manual one, in time order.
#[derive(Debug, Clone, Copy)]
pub enum Entry<'a> {
    Marked(&'a Mark),
    Manual(&'a ManualEvent),
}

impl<'a> Entry<'a> {
    pub fn time(&self) -> &'a str {
        match self {
            Entry::Marked(mark) => mark.time(),
            Entry::Manual(event) => &event.time,
        }
    }

    /// A text field of a marked event; a manual event has only its text.
    pub fn field(&self, name: &str) -> Option<&'a str> {
        match self {
            Entry::Marked(mark) => mark.field(name),
            Entry::Manual(event) => match name {
                "source" => Some("manual"),
                "summary" => Some(&event.text),
                "actor" => event.author.as_deref(),
                _ => None,
            },
        }
    }

    /// One sentence for a timeline: what happened, by whom.
    pub fn message(&self) -> String {
        match self {
            Entry::Manual(event) => event.text.clone(),
            Entry::Marked(mark) => {
                let field = |name| mark.field(name).unwrap_or("");
                let mut message = format!("{} {}", field("source"), field("action"));
                if let Some(actor) = mark.field("actor") {
                    message.push_str(&format!(" by {actor}"));
                }
                if let Some(ip) = mark.field("src_ip") {
                    message.push_str(&format!(" from {ip}"));
                }
                if let Some(summary) = mark.field("summary").filter(|s| !s.is_empty()) {
                    message.push_str(&format!(": {summary}"));
                }
                message
            }
        }
    }

    pub fn tags(&self) -> &'a [String] {
        match self {
            Entry::Marked(mark) => &mark.tags,
            Entry::Manual(_) => &[],
        }
    }

    pub fn comment(&self) -> &'a str {
        match self {
            Entry::Marked(mark) => &mark.comment,
            Entry::Manual(_) => "",
        }
    }

    /// The original record, secrets redacted.
    pub fn record(&self) -> Option<Value> {
        let Entry::Marked(mark) = self else {
            return None;
        };
        let mut raw = mark.event.get("raw").cloned()?;
        crate::sanitize::redact_secrets(&mut raw);
        Some(raw)
    }
}

/// The marked and manual events, in time order.
pub fn entries(case: &Case) -> Vec<Entry<'_>> {
    let mut entries: Vec<Entry> = case
        .marks
        .iter()
        .map(Entry::Marked)
        .chain(case.manual.iter().map(Entry::Manual))
        .collect();
    entries.sort_by(|a, b| a.time().cmp(b.time()));
    entries
}

/// The entities the marked events name, with when each was first and last seen.
pub fn entities(case: &Case) -> Vec<(&'static str, String, String, String)> {
    let mut seen: BTreeMap<(&'static str, String), (String, String)> = BTreeMap::new();
    for mark in &case.marks {
        let time = mark.time().to_owned();
        let mut named: Vec<(&'static str, String)> = Vec::new();
        for (kind, field) in [
            ("principal", "actor"),
            ("access key", "access_key"),
            ("ip", "src_ip"),
            ("account", "account"),
        ] {
            if let Some(value) = mark.field(field) {
                named.push((kind, value.to_owned()));
            }
        }
        for resource in mark
            .event
            .get("resources")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(resource) = resource.as_str() {
                named.push(("resource", resource.to_owned()));
            }
        }
        for key in named {
            let span = seen
                .entry(key)
                .or_insert_with(|| (time.clone(), time.clone()));
            if time < span.0 {
                span.0 = time.clone();
            }
            if time > span.1 {
                span.1 = time.clone();
            }
        }
    }
    seen.into_iter()
        .map(|((kind, value), (first, last))| (kind, value, first, last))
        .collect()
}
