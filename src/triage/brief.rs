//! The first-response brief: what an engineer pastes into the incident channel. The finding in
//! one paragraph, its entities with first and last seen, the related events by source and
//! action, the sweep's hits by severity, what could not be covered, and the next pivots worth
//! doing. The same data as JSON for automation.

use std::collections::BTreeMap;
use std::fmt::Write;

use serde::Serialize;
use serde_json::Value;

use super::alert::{self, Alert};
use crate::case::Case;
use crate::case::export::markdown::escape;
use crate::live::Entry;
use crate::query::run::Sweep;
use crate::time::format_rfc3339;
use crate::timeline::Timeline;
use crate::timeline::card;
use crate::timeline::filter::Column;
use crate::timeline::pivot::Entity;

#[derive(Debug, Clone, Serialize)]
pub struct Brief {
    pub finding: FindingLine,
    pub case: String,
    pub runbook: Option<String>,
    pub page: Option<String>,
    /// The window asked about, RFC 3339.
    pub window: [String; 2],
    pub entities: Vec<EntityLine>,
    pub related_events: usize,
    pub by_source: BTreeMap<String, usize>,
    /// The most frequent actions among the related events.
    pub by_action: Vec<ActionCount>,
    /// The CloudTrail calls made with the finding's access key, oldest first.
    pub key_calls: Vec<Call>,
    pub sweep: Vec<Hit>,
    pub not_covered: Vec<String>,
    pub next_pivots: Vec<NextPivot>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FindingLine {
    pub id: Option<String>,
    pub title: Option<String>,
    pub kind: Option<String>,
    pub severity: Option<f64>,
    pub account: Option<String>,
    pub region: Option<String>,
    pub first_seen: String,
    pub last_seen: String,
    pub description: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct EntityLine {
    pub kind: String,
    pub value: String,
    pub events: usize,
    pub first_seen: Option<String>,
    pub last_seen: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ActionCount {
    pub source: String,
    pub action: String,
    pub count: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct Call {
    pub time: String,
    pub action: String,
    pub src_ip: Option<String>,
    pub outcome: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Hit {
    pub name: String,
    pub title: String,
    pub severity: String,
    pub count: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct NextPivot {
    pub kind: String,
    pub value: String,
    pub why: String,
}

/// The first sentence about a finding, for progress lines.
pub fn one_line(finding: &Value) -> String {
    let kind = alert::text(finding, &["type"]).unwrap_or("finding");
    let severity = alert::field(finding, &["severity"])
        .map(|s| s.to_string())
        .unwrap_or_default();
    crate::sanitize::inline(&format!("{kind} (severity {severity})"))
}

pub fn entity_list(entities: &[Entity]) -> String {
    if entities.is_empty() {
        return "no entity AWS can be asked about".into();
    }
    let named: Vec<String> = entities
        .iter()
        .map(|e| crate::sanitize::inline(&format!("{} {}", e.kind.as_str(), e.value)))
        .collect();
    named.join(", ")
}

/// Everything a triage gathered, for the brief.
pub struct Gathered<'a> {
    pub alert: &'a Alert,
    pub case: &'a Case,
    /// Every event loaded but the finding itself.
    pub loaded: &'a Timeline,
    pub related: &'a Timeline,
    pub entities: &'a [Entity],
    pub window: (i64, i64),
    pub sweep: &'a Sweep,
    pub coverage: &'a [Entry],
}

impl Brief {
    pub fn of(gathered: &Gathered) -> polars::prelude::PolarsResult<Brief> {
        let Gathered {
            alert,
            case,
            loaded,
            related,
            entities,
            window,
            sweep,
            coverage,
        } = *gathered;
        let finding = &alert.finding;
        let text = |path: &[&str]| alert::text(finding, path).map(str::to_owned);
        let (first, last) = super::seen(finding, window.0);
        let mut entity_lines = Vec::new();
        let mut next_pivots = Vec::new();
        let mut key_calls = Vec::new();
        for entity in entities {
            let card = card::card(loaded, entity, Some(window))?;
            entity_lines.push(EntityLine {
                kind: entity.kind.as_str().into(),
                value: entity.value.clone(),
                events: card.events,
                first_seen: card.first_seen.map(format_rfc3339),
                last_seen: card.last_seen.map(format_rfc3339),
            });
            if let Some(issuer) = card.chain.first() {
                let who = issuer.access_key.clone().or_else(|| issuer.actor.clone());
                if let Some(who) = who {
                    let kind = if issuer.access_key.is_some() {
                        "access_key"
                    } else {
                        "principal"
                    };
                    next_pivots.push(NextPivot {
                        kind: kind.into(),
                        value: who,
                        why: format!(
                            "issued {} {} ({} at {})",
                            entity.kind.as_str(),
                            entity.value,
                            issuer.action,
                            format_rfc3339(issuer.time)
                        ),
                    });
                }
            }
            // The other addresses a key or principal was used from.
            let used = matches!(
                entity.kind,
                crate::event::EntityKind::AccessKey | crate::event::EntityKind::Principal
            );
            for ip in card.distinct.ips.iter().filter(|_| used) {
                let named = entities.iter().any(|e| e.value == ip.value)
                    || next_pivots.iter().any(|p: &NextPivot| p.value == ip.value);
                if !named {
                    next_pivots.push(NextPivot {
                        kind: "ip".into(),
                        value: ip.value.clone(),
                        why: format!(
                            "{} {} also came from it ({} events)",
                            entity.kind.as_str(),
                            entity.value,
                            ip.count
                        ),
                    });
                }
            }
        }
        let rows = related.rows()?;
        let mut by_source: BTreeMap<String, usize> = BTreeMap::new();
        let mut actions: BTreeMap<(String, String), usize> = BTreeMap::new();
        let mut resources: BTreeMap<String, usize> = BTreeMap::new();
        let key = entities
            .iter()
            .find(|e| e.kind == crate::event::EntityKind::AccessKey)
            .map(|e| e.value.as_str());
        for row in &rows {
            let source = row.get(Column::Source).unwrap_or("").to_owned();
            *by_source.entry(source.clone()).or_default() += 1;
            let action = row.get(Column::Action).unwrap_or("").to_owned();
            *actions.entry((source.clone(), action.clone())).or_default() += 1;
            for resource in row.resources() {
                if !entities.iter().any(|e| e.value == resource) {
                    *resources.entry(resource.to_owned()).or_default() += 1;
                }
            }
            if source == "cloudtrail" && key.is_some() && row.get(Column::AccessKey) == key {
                key_calls.push(Call {
                    time: format_rfc3339(row.time),
                    action,
                    src_ip: row.get(Column::SrcIp).map(str::to_owned),
                    outcome: row.get(Column::Outcome).map(str::to_owned),
                });
            }
        }
        let mut by_action: Vec<ActionCount> = actions
            .into_iter()
            .map(|((source, action), count)| ActionCount {
                source,
                action,
                count,
            })
            .collect();
        by_action.sort_by(|a, b| b.count.cmp(&a.count).then(a.action.cmp(&b.action)));
        by_action.truncate(15);
        if let Some((resource, count)) = resources.iter().max_by_key(|(_, count)| **count) {
            next_pivots.push(NextPivot {
                kind: "resource".into(),
                value: resource.clone(),
                why: format!("the resource the related events touch most ({count} events)"),
            });
        }
        next_pivots.push(NextPivot {
            kind: "window".into(),
            value: "--before 24h".into(),
            why: "see how the activity started".into(),
        });
        next_pivots.truncate(3);
        let mut detections: Vec<_> = sweep
            .detections
            .iter()
            .filter(|d| !d.hits.rows.is_empty())
            .collect();
        detections.sort_by_key(|d| std::cmp::Reverse(d.severity));
        let sweep_hits: Vec<Hit> = detections
            .into_iter()
            .map(|d| Hit {
                name: d.name.clone(),
                title: d.title.clone(),
                severity: d.severity.as_str().into(),
                count: d.hits.rows.len(),
            })
            .collect();
        Ok(Brief {
            finding: FindingLine {
                id: text(&["id"]),
                title: text(&["title"]),
                kind: text(&["type"]).or_else(|| {
                    alert::field(finding, &["types"])
                        .and_then(|t| t.get(0))
                        .and_then(Value::as_str)
                        .map(str::to_owned)
                }),
                severity: alert::field(finding, &["severity"]).and_then(|s| {
                    s.as_f64().or_else(|| {
                        s.get("Normalized")
                            .and_then(Value::as_f64)
                            .map(|n| n / 10.0)
                    })
                }),
                account: text(&["accountId"]).or_else(|| text(&["awsAccountId"])),
                region: text(&["region"]),
                first_seen: format_rfc3339(first),
                last_seen: format_rfc3339(last),
                description: text(&["description"]),
            },
            case: case.dir.display().to_string(),
            runbook: case.meta.runbook.clone(),
            page: case.meta.page.clone(),
            window: [format_rfc3339(window.0), format_rfc3339(window.1)],
            entities: entity_lines,
            related_events: rows.len(),
            by_source,
            by_action,
            key_calls,
            sweep: sweep_hits,
            // Not enabled is an answer, but still a gap in what the brief can vouch for.
            not_covered: coverage
                .iter()
                .filter(|e| !matches!(e.state, crate::live::State::Done { .. }))
                .map(ToString::to_string)
                .collect(),
            next_pivots,
        })
    }

    /// The brief as Markdown, every value escaped.
    pub fn markdown(&self) -> String {
        let f = &self.finding;
        let mut out = String::new();
        let title = f
            .title
            .as_deref()
            .or(f.kind.as_deref())
            .unwrap_or("finding");
        let _ = writeln!(out, "## Triage: {}\n", escape(title));
        let _ = writeln!(
            out,
            "**{}** (severity {}) in account {} / {}, seen {} → {} UTC. {}\n",
            escape(f.kind.as_deref().unwrap_or("?")),
            f.severity.map_or("?".into(), |s| format!("{s:.1}")),
            escape(f.account.as_deref().unwrap_or("?")),
            escape(f.region.as_deref().unwrap_or("?")),
            f.first_seen,
            f.last_seen,
            escape(f.description.as_deref().unwrap_or(""))
        );
        let _ = writeln!(
            out,
            "Finding `{}`. Case: {}. Runbook: {}{}\n",
            escape(f.id.as_deref().unwrap_or("?")),
            escape(&self.case),
            escape(self.runbook.as_deref().unwrap_or("-")),
            self.page
                .as_deref()
                .map(|p| format!(". Page: {}", escape(p)))
                .unwrap_or_default()
        );
        let _ = writeln!(
            out,
            "### Entities (window {} → {})\n",
            self.window[0], self.window[1]
        );
        if self.entities.is_empty() {
            let _ = writeln!(out, "The finding names no entity AWS can be asked about.\n");
        }
        for e in &self.entities {
            let seen = match (&e.first_seen, &e.last_seen) {
                (Some(first), Some(last)) => format!("{} events, {first} → {last}", e.events),
                _ => "not seen in any source in the window".into(),
            };
            let _ = writeln!(out, "- {} `{}`: {seen}", e.kind, escape(&e.value));
        }
        let _ = writeln!(out, "\n### Related events: {}\n", self.related_events);
        if self.related_events == 0 {
            let _ = writeln!(
                out,
                "No source knows these entities in the window: widen it (--before 24h) or check \
                 the coverage below.\n"
            );
        }
        for (source, count) in &self.by_source {
            let _ = writeln!(out, "- {}: {count}", escape(source));
        }
        if !self.by_action.is_empty() {
            let _ = writeln!(out, "\n| Source | Action | Events |\n|---|---|---|");
            for a in &self.by_action {
                let _ = writeln!(
                    out,
                    "| {} | {} | {} |",
                    escape(&a.source),
                    escape(&a.action),
                    a.count
                );
            }
        }
        if !self.key_calls.is_empty() {
            let _ = writeln!(
                out,
                "\n### CloudTrail calls with the key ({})\n",
                self.key_calls.len()
            );
            for call in self.key_calls.iter().take(20) {
                let _ = writeln!(
                    out,
                    "- {} {} from {} ({})",
                    call.time,
                    escape(&call.action),
                    escape(call.src_ip.as_deref().unwrap_or("?")),
                    escape(call.outcome.as_deref().unwrap_or("?"))
                );
            }
            if self.key_calls.len() > 20 {
                let _ = writeln!(out, "- … {} more in the case", self.key_calls.len() - 20);
            }
        }
        let _ = writeln!(out, "\n### Sweep hits\n");
        if self.sweep.is_empty() {
            let _ = writeln!(out, "No saved query matched the related events.");
        }
        for hit in &self.sweep {
            let _ = writeln!(
                out,
                "- **{}** {} (`{}`): {}",
                hit.severity,
                escape(&hit.title),
                escape(&hit.name),
                crate::text::counted(hit.count, "event")
            );
        }
        let _ = writeln!(out, "\n### Not covered\n");
        if self.not_covered.is_empty() {
            let _ = writeln!(out, "Every source asked answered.");
        }
        for line in &self.not_covered {
            let _ = writeln!(out, "- {}", escape(line));
        }
        let _ = writeln!(out, "\n### Next pivots\n");
        for (i, pivot) in self.next_pivots.iter().enumerate() {
            let _ = writeln!(
                out,
                "{}. {} `{}`: {}",
                i + 1,
                pivot.kind,
                escape(&pivot.value),
                escape(&pivot.why)
            );
        }
        out
    }
}
