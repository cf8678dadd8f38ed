//! Entity cards, like Amazon Detective's profiles: what one entity did in a scope, counted by
//! source and action, its failures, the addresses, agents, regions and accounts it used (and
//! which of those are new against the time before the scope), the findings that name it, and
//! for an access key the chain of calls that issued it.

use std::collections::{BTreeMap, HashMap, HashSet};

use polars::prelude::{IdxSize, PolarsResult};

use super::filter::{Column, Filter, Matcher};
use super::pivot::{Entity, entity_filter};
use super::{RESOURCE_SEPARATOR, Timeline};
use crate::event::EntityKind;

/// Calls whose response carries a key they issued (see the CloudTrail source).
pub const ISSUING_ACTIONS: [&str; 6] = [
    "AssumeRole",
    "AssumeRoleWithWebIdentity",
    "AssumeRoleWithSAML",
    "GetSessionToken",
    "GetFederationToken",
    "CreateAccessKey",
];

/// How far a chain is followed: role chaining rarely goes deeper than a few hops.
const MAX_CHAIN: usize = 8;

/// How many values each list keeps.
const TOP: usize = 20;

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ValueCount {
    pub value: String,
    pub count: usize,
}

#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct Distinct {
    pub ips: Vec<ValueCount>,
    pub user_agents: Vec<ValueCount>,
    pub regions: Vec<ValueCount>,
    pub accounts: Vec<ValueCount>,
}

#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct Failures {
    pub total: usize,
    pub by_error: BTreeMap<String, usize>,
}

/// One event of interest on a card, by its position in the timeline.
#[derive(Debug, Clone, PartialEq)]
pub struct CardEvent {
    pub row: IdxSize,
    pub time: i64,
    pub action: String,
    pub severity: Option<f32>,
    pub actor: Option<String>,
    /// The caller's own key (for a chain link, the key that asked for the next one).
    pub access_key: Option<String>,
    pub src_ip: Option<String>,
    pub summary: String,
    /// For a chain link: the key this call issued.
    pub issued: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct EntityCard {
    pub entity: Entity,
    /// The window the counts cover; `None` for the whole range.
    pub scope: Option<(i64, i64)>,
    pub events: usize,
    pub first_seen: Option<i64>,
    pub last_seen: Option<i64>,
    pub count_by_source: BTreeMap<String, usize>,
    /// The most frequent actions, most frequent first.
    pub count_by_action: Vec<ValueCount>,
    pub successes: usize,
    pub failures: Failures,
    pub distinct: Distinct,
    /// Values in the scope never seen in an equally long window before it; `None` without a
    /// scope to compare.
    pub new_in_scope: Option<Distinct>,
    /// GuardDuty and Security Hub findings naming the entity, over the whole range.
    pub findings: Vec<CardEvent>,
    /// For an access key: the call that issued it, then the call that issued the caller's key,
    /// and so on.
    pub chain: Vec<CardEvent>,
}

/// What a list of counts on a card is about, so a presentation can set it apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SectionKind {
    Counts,
    Failures,
    /// Values not seen before the scope.
    New,
}

/// One titled list of counts, as every presentation of a card shows them.
#[derive(Debug, Clone, PartialEq)]
pub struct CountSection {
    pub title: &'static str,
    pub kind: SectionKind,
    pub values: Vec<ValueCount>,
}

impl EntityCard {
    /// The card's counts in reading order: what it did, what failed, what is new, then the
    /// addresses, agents, regions and accounts it used. Empty lists are left out.
    pub fn count_sections(&self) -> Vec<CountSection> {
        let pairs = |map: &BTreeMap<String, usize>| -> Vec<ValueCount> {
            map.iter()
                .map(|(value, count)| ValueCount {
                    value: value.clone(),
                    count: *count,
                })
                .collect()
        };
        let mut sections = vec![
            (
                "by source",
                SectionKind::Counts,
                pairs(&self.count_by_source),
            ),
            (
                "by action",
                SectionKind::Counts,
                self.count_by_action.clone(),
            ),
            (
                "failures",
                SectionKind::Failures,
                pairs(&self.failures.by_error),
            ),
        ];
        if let Some(new) = &self.new_in_scope {
            sections.push((
                "new IPs (not seen in the window before)",
                SectionKind::New,
                new.ips.clone(),
            ));
            sections.push(("new user agents", SectionKind::New, new.user_agents.clone()));
        }
        sections.extend([
            ("IPs", SectionKind::Counts, self.distinct.ips.clone()),
            (
                "user agents",
                SectionKind::Counts,
                self.distinct.user_agents.clone(),
            ),
            (
                "regions",
                SectionKind::Counts,
                self.distinct.regions.clone(),
            ),
            (
                "accounts",
                SectionKind::Counts,
                self.distinct.accounts.clone(),
            ),
        ]);
        sections
            .into_iter()
            .filter(|(_, _, values)| !values.is_empty())
            .map(|(title, kind, values)| CountSection {
                title,
                kind,
                values,
            })
            .collect()
    }
}

/// The card of an entity within `scope` (start inclusive, end exclusive), or the whole range.
/// The entity's events are found once; the scope, the baseline before it and the findings are
/// picked out of them by time and class.
pub fn card(
    timeline: &Timeline,
    entity: &Entity,
    scope: Option<(i64, i64)>,
) -> PolarsResult<EntityCard> {
    let all = timeline.matching_rows(&entity_filter(entity))?;
    let times = timeline.times()?;
    let within = |(start, end): (i64, i64)| -> Vec<IdxSize> {
        all.iter()
            .copied()
            .filter(|&row| {
                times
                    .get(row as usize)
                    .is_some_and(|t| start <= t && t < end)
            })
            .collect()
    };
    let rows = scope.map_or_else(|| all.clone(), within);
    let events = timeline.take(&rows)?;
    let tally = Tally::of(&events)?;
    let new_in_scope = match scope {
        Some((start, end)) => {
            let seen = Tally::of(&timeline.take(&within((start - (end - start), start)))?)?;
            Some(tally.distinct_not_in(&seen))
        }
        None => None,
    };
    let classes = timeline.strings(Column::Class)?;
    let findings: Vec<IdxSize> = all
        .iter()
        .copied()
        .filter(|&row| classes.get(row as usize) == Some("finding"))
        .collect();
    let chain = match entity.kind {
        EntityKind::AccessKey => credential_chain(timeline, &entity.value)?,
        _ => Vec::new(),
    };
    Ok(EntityCard {
        entity: entity.clone(),
        scope,
        events: events.len(),
        first_seen: events.span().map(|(first, _)| first),
        last_seen: events.span().map(|(_, last)| last),
        count_by_source: tally.sources.into_iter().collect(),
        count_by_action: top(tally.actions),
        successes: tally.successes,
        failures: Failures {
            total: tally.failures,
            by_error: tally.errors.into_iter().collect(),
        },
        distinct: Distinct {
            ips: top(tally.ips),
            user_agents: top(tally.user_agents),
            regions: top(tally.regions),
            accounts: top(tally.accounts),
        },
        new_in_scope,
        findings: card_events(timeline, &findings)?,
        chain,
    })
}

/// The calls that issued `key`, then the key of whoever called, back to a caller without a key
/// issued in the timeline (a user's long-term key, a service, or the edge of the data).
pub fn credential_chain(timeline: &Timeline, key: &str) -> PolarsResult<Vec<CardEvent>> {
    // Issuing calls are few: find them once, then follow keys through their resources.
    let issuing = timeline.matching_rows(&Filter::Match {
        columns: &[Column::Action],
        matcher: Matcher::AnyOf(ISSUING_ACTIONS.iter().map(|a| (*a).to_owned()).collect()),
    })?;
    let resources = timeline.strings(Column::Resources)?;
    let mut chain: Vec<CardEvent> = Vec::new();
    let mut visited = HashSet::new();
    let mut key = key.to_owned();
    while chain.len() < MAX_CHAIN && visited.insert(key.clone()) {
        let issued_here = Matcher::ResourceId(key.clone());
        // A key is issued once; the first such call is the one.
        let found = issuing.iter().copied().find(|&row| {
            resources
                .get(row as usize)
                .is_some_and(|r| r.split(RESOURCE_SEPARATOR).any(|r| issued_here.matches(r)))
        });
        let Some(mut link) = found
            .map(|row| card_events(timeline, &[row]))
            .transpose()?
            .and_then(|mut v| v.pop())
        else {
            break;
        };
        link.issued = Some(key.clone());
        let next = link.access_key.clone();
        chain.push(link);
        match next {
            Some(caller_key) => key = caller_key,
            None => break,
        }
    }
    Ok(chain)
}

/// The chain's issuing events added to `rows`, in time order: what `pivot --chain` shows.
pub fn with_chain(
    timeline: &Timeline,
    rows: Vec<IdxSize>,
    key: &str,
) -> PolarsResult<Vec<IdxSize>> {
    let mut rows = rows;
    rows.extend(credential_chain(timeline, key)?.iter().map(|link| link.row));
    rows.sort_unstable();
    rows.dedup();
    Ok(rows)
}

fn card_events(timeline: &Timeline, rows: &[IdxSize]) -> PolarsResult<Vec<CardEvent>> {
    let events = timeline.take(rows)?;
    Ok(events
        .rows()?
        .into_iter()
        .zip(rows)
        .map(|(row, &position)| CardEvent {
            row: position,
            time: row.time,
            action: row.get(Column::Action).unwrap_or_default().to_owned(),
            severity: row.severity,
            actor: row.get(Column::Actor).map(str::to_owned),
            access_key: row.get(Column::AccessKey).map(str::to_owned),
            src_ip: row.get(Column::SrcIp).map(str::to_owned),
            summary: row.get(Column::Summary).unwrap_or_default().to_owned(),
            issued: None,
        })
        .collect())
}

/// Counts over a set of events, read column by column.
#[derive(Default)]
struct Tally {
    sources: HashMap<String, usize>,
    actions: HashMap<String, usize>,
    errors: HashMap<String, usize>,
    ips: HashMap<String, usize>,
    user_agents: HashMap<String, usize>,
    regions: HashMap<String, usize>,
    accounts: HashMap<String, usize>,
    successes: usize,
    failures: usize,
}

impl Tally {
    fn of(events: &Timeline) -> PolarsResult<Tally> {
        let mut tally = Tally::default();
        let count = |map: &mut HashMap<String, usize>, column: Column| -> PolarsResult<()> {
            for value in events.strings(column)?.iter().flatten() {
                *map.entry(value.to_owned()).or_default() += 1;
            }
            Ok(())
        };
        count(&mut tally.sources, Column::Source)?;
        count(&mut tally.actions, Column::Action)?;
        count(&mut tally.errors, Column::ErrorCode)?;
        count(&mut tally.ips, Column::SrcIp)?;
        count(&mut tally.user_agents, Column::UserAgent)?;
        count(&mut tally.regions, Column::Region)?;
        count(&mut tally.accounts, Column::Account)?;
        for outcome in events.strings(Column::Outcome)?.iter().flatten() {
            match outcome {
                "success" => tally.successes += 1,
                "failure" => tally.failures += 1,
                _ => {}
            }
        }
        Ok(tally)
    }

    fn distinct_not_in(&self, before: &Tally) -> Distinct {
        let new = |now: &HashMap<String, usize>, then: &HashMap<String, usize>| {
            top(now
                .iter()
                .filter(|(v, _)| !then.contains_key(*v))
                .map(|(v, c)| (v.clone(), *c))
                .collect())
        };
        Distinct {
            ips: new(&self.ips, &before.ips),
            user_agents: new(&self.user_agents, &before.user_agents),
            regions: new(&self.regions, &before.regions),
            accounts: new(&self.accounts, &before.accounts),
        }
    }
}

/// The `TOP` most frequent values, most frequent first (ties by value).
fn top(counts: HashMap<String, usize>) -> Vec<ValueCount> {
    let mut values: Vec<ValueCount> = counts
        .into_iter()
        .map(|(value, count)| ValueCount { value, count })
        .collect();
    values.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
    values.truncate(TOP);
    values
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::{ATTACKER_IP, ORDERS_BUCKET, STOLEN_KEY};
    use crate::load::{LoadOptions, load};
    use crate::time::parse_timestamp;

    #[test]
    fn the_stolen_key_on_the_demo() {
        let dir = tempfile::tempdir().unwrap();
        crate::demo::write(dir.path()).unwrap();
        let loaded = load(&[dir.path().to_path_buf()], &LoadOptions::default()).unwrap();
        let key = Entity {
            kind: EntityKind::AccessKey,
            value: STOLEN_KEY.into(),
        };
        let at = |t: &str| parse_timestamp(&format!("2026-11-18T{t}Z")).unwrap();
        let key_card = card(
            &loaded.timeline,
            &key,
            Some((at("02:00:00"), at("04:00:00"))),
        )
        .unwrap();

        assert_eq!(key_card.events, 269);
        assert_eq!(key_card.first_seen, Some(at("02:47:12")));
        assert_eq!(key_card.last_seen, Some(at("03:09:30")));
        assert_eq!(key_card.count_by_source.get("cloudtrail"), Some(&265));
        assert_eq!(key_card.count_by_source.get("guardduty"), Some(&4));
        assert_eq!(
            key_card.count_by_action[0],
            ValueCount {
                value: "GetObject".into(),
                count: 240
            }
        );
        // Eleven recon calls and two snapshot shares refused.
        assert_eq!(key_card.failures.total, 13);
        assert_eq!(key_card.failures.by_error.get("AccessDenied"), Some(&13));
        assert_eq!(
            key_card.distinct.ips,
            vec![ValueCount {
                value: ATTACKER_IP.into(),
                count: 269
            }]
        );
        assert_eq!(
            key_card.distinct.user_agents.len(),
            2,
            "the CLI's and the hostile tool's"
        );
        // The key was never used before the scope: everything is new.
        assert_eq!(key_card.new_in_scope.as_ref().unwrap().ips.len(), 1);
        let types: Vec<&str> = key_card
            .findings
            .iter()
            .map(|f| f.action.as_str())
            .collect();
        assert_eq!(types.len(), 4);
        assert!(types.contains(&"Exfiltration:S3/AnomalousBehavior"));
        // Issued by EC2's AssumeRole for the node's instance profile.
        assert_eq!(key_card.chain.len(), 1);
        assert_eq!(key_card.chain[0].action, "AssumeRole");
        assert_eq!(
            key_card.chain[0].actor.as_deref(),
            Some("ec2.amazonaws.com")
        );
        assert_eq!(key_card.chain[0].time, at("02:12:40"));
        assert_eq!(key_card.chain[0].issued.as_deref(), Some(STOLEN_KEY));

        let bucket = Entity {
            kind: EntityKind::Resource,
            value: format!("arn:aws:s3:::{ORDERS_BUCKET}"),
        };
        let bucket_card = card(
            &loaded.timeline,
            &bucket,
            Some((at("02:00:00"), at("04:00:00"))),
        )
        .unwrap();
        let new_ips: Vec<&str> = bucket_card
            .new_in_scope
            .as_ref()
            .unwrap()
            .ips
            .iter()
            .map(|v| v.value.as_str())
            .collect();
        assert_eq!(
            new_ips,
            vec![ATTACKER_IP],
            "the orders API's address was seen before; the attacker's was not"
        );
        assert!(bucket_card.chain.is_empty());
    }
}
