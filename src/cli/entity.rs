//! `casebook entity`: an entity's card, for people (table) or tools (json).

use std::collections::BTreeMap;
use std::io::Write;

use serde::Serialize;

use crate::sanitize::inline;
use crate::time::format_rfc3339;
use crate::timeline::card::{CardEvent, Distinct, EntityCard, Failures};

/// The card as JSON: the field names are a contract scripts rely on.
#[derive(Serialize)]
pub struct CardJson<'a> {
    kind: &'static str,
    value: &'a str,
    scope: Option<[String; 2]>,
    events: usize,
    first_seen: Option<String>,
    last_seen: Option<String>,
    count_by_source: &'a BTreeMap<String, usize>,
    count_by_action: BTreeMap<&'a str, usize>,
    successes: usize,
    failures: &'a Failures,
    distinct: &'a Distinct,
    new_in_scope: Option<&'a Distinct>,
    findings: Vec<EventJson<'a>>,
    chain: Vec<EventJson<'a>>,
}

#[derive(Serialize)]
struct EventJson<'a> {
    time: String,
    action: &'a str,
    severity: Option<f32>,
    actor: Option<&'a str>,
    access_key: Option<&'a str>,
    src_ip: Option<&'a str>,
    summary: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    issued: Option<&'a str>,
}

impl<'a> From<&'a CardEvent> for EventJson<'a> {
    fn from(event: &'a CardEvent) -> Self {
        EventJson {
            time: format_rfc3339(event.time),
            action: &event.action,
            severity: event.severity,
            actor: event.actor.as_deref(),
            access_key: event.access_key.as_deref(),
            src_ip: event.src_ip.as_deref(),
            summary: &event.summary,
            issued: event.issued.as_deref(),
        }
    }
}

impl<'a> CardJson<'a> {
    pub fn of(card: &'a EntityCard) -> CardJson<'a> {
        CardJson {
            kind: card.entity.kind.as_str(),
            value: &card.entity.value,
            scope: card
                .scope
                .map(|(start, end)| [format_rfc3339(start), format_rfc3339(end)]),
            events: card.events,
            first_seen: card.first_seen.map(format_rfc3339),
            last_seen: card.last_seen.map(format_rfc3339),
            count_by_source: &card.count_by_source,
            count_by_action: card
                .count_by_action
                .iter()
                .map(|v| (v.value.as_str(), v.count))
                .collect(),
            successes: card.successes,
            failures: &card.failures,
            distinct: &card.distinct,
            new_in_scope: card.new_in_scope.as_ref(),
            findings: card.findings.iter().map(EventJson::from).collect(),
            chain: card.chain.iter().map(EventJson::from).collect(),
        }
    }
}

/// The card for a terminal: every value from the logs made inert.
pub fn write_table(out: &mut impl Write, card: &EntityCard) -> std::io::Result<()> {
    let time = |t: Option<i64>| t.map_or_else(|| "-".to_owned(), format_rfc3339);
    writeln!(
        out,
        "{} {}",
        card.entity.kind.as_str(),
        inline(&card.entity.value)
    )?;
    if let Some((start, end)) = card.scope {
        writeln!(
            out,
            "scope       {} .. {}",
            format_rfc3339(start),
            format_rfc3339(end)
        )?;
    }
    writeln!(
        out,
        "events      {} ({} succeeded, {} failed)",
        card.events, card.successes, card.failures.total
    )?;
    writeln!(out, "first seen  {}", time(card.first_seen))?;
    writeln!(out, "last seen   {}", time(card.last_seen))?;
    for section in card.count_sections() {
        writeln!(out, "\n{}", section.title.to_uppercase())?;
        for value in &section.values {
            writeln!(out, "  {:>8}  {}", value.count, inline(&value.value))?;
        }
    }
    let events = |out: &mut dyn Write, title: &str, events: &[CardEvent]| -> std::io::Result<()> {
        if events.is_empty() {
            return Ok(());
        }
        writeln!(out, "\n{title}")?;
        for event in events {
            let severity = event
                .severity
                .map(|s| format!(" [{s:.1}]"))
                .unwrap_or_default();
            let issued = event
                .issued
                .as_deref()
                .map(|k| format!(" issued {}", inline(k)))
                .unwrap_or_default();
            writeln!(
                out,
                "  {}  {}{severity}{issued}  by {} {}",
                format_rfc3339(event.time),
                inline(&event.action),
                inline(event.actor.as_deref().unwrap_or("-")),
                inline(event.access_key.as_deref().unwrap_or("")),
            )?;
        }
        Ok(())
    };
    events(out, "FINDINGS", &card.findings)?;
    events(
        out,
        "CREDENTIAL CHAIN (the call that issued the key, then its caller's)",
        &card.chain,
    )?;
    Ok(())
}
