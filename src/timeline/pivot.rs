//! Pivots: everything one entity did, over the whole range or a window around a moment, and
//! top-N counts of any entity column.

use std::collections::HashMap;

use polars::prelude::PolarsResult;

use super::filter::{self, Column, Field, Filter, Matcher};
use super::{EventRow, RESOURCE_SEPARATOR, Timeline};
use crate::event::EntityKind;

/// An entity to pivot on, e.g. `access_key=ASIA...`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entity {
    pub kind: EntityKind,
    pub value: String,
}

impl std::str::FromStr for Entity {
    type Err = String;
    /// `KIND=VALUE`, as the CLI takes it.
    fn from_str(text: &str) -> Result<Entity, String> {
        let (kind, value) = text.split_once('=').ok_or_else(|| {
            format!("expected KIND=VALUE, e.g. access_key=ASIA..., found '{text}'")
        })?;
        let value = value.trim();
        if value.is_empty() {
            return Err(format!("no value after '{kind}='"));
        }
        Ok(Entity {
            kind: kind.trim().parse()?,
            value: value.to_owned(),
        })
    }
}

/// The columns an entity kind lives in (any of them naming it is a match).
pub fn columns(kind: EntityKind) -> &'static [Column] {
    field(kind).columns()
}

fn field(kind: EntityKind) -> Field {
    // Entity kinds are filter field names, so pivots and `/` filters agree on what matches.
    filter::field_named(kind.as_str()).unwrap_or(Field::Text(&[]))
}

/// The entities an event names, in the order an investigator reads them: who (principal, and
/// the role of a role session), with which key, from where, what was touched (and the
/// Kubernetes namespaces of what was touched), then account, region and user agent.
pub fn entities_of(row: &EventRow) -> Vec<Entity> {
    let mut entities: Vec<Entity> = Vec::new();
    let named = [
        (EntityKind::Principal, row.get(Column::Actor)),
        (EntityKind::Principal, row.get(Column::Role)),
        (EntityKind::AccessKey, row.get(Column::AccessKey)),
        (EntityKind::Ip, row.get(Column::SrcIp)),
        (EntityKind::Ip, row.get(Column::DstIp)),
    ]
    .into_iter()
    .chain(row.resources().map(|r| (EntityKind::Resource, Some(r))))
    .chain(
        row.resources()
            .map(|r| (EntityKind::Namespace, crate::event::k8s_namespace(r))),
    )
    .chain([
        (EntityKind::Account, row.get(Column::Account)),
        (EntityKind::Region, row.get(Column::Region)),
        (EntityKind::UserAgent, row.get(Column::UserAgent)),
    ]);
    for (kind, value) in named {
        let Some(value) = value.filter(|v| !v.trim().is_empty()) else {
            continue;
        };
        let entity = Entity {
            kind,
            value: value.to_owned(),
        };
        if !entities.contains(&entity) {
            entities.push(entity);
        }
    }
    entities
}

/// The filter selecting everything an entity did.
pub fn entity_filter(entity: &Entity) -> Filter {
    let field = field(entity.kind);
    Filter::Match {
        columns: columns(entity.kind),
        matcher: Matcher::for_field(field, &entity.value),
    }
}

/// `±half_window` around a moment, as a time range (start inclusive, end exclusive).
pub fn window_around(around: i64, half_window: i64) -> (i64, i64) {
    (
        around.saturating_sub(half_window),
        around.saturating_add(half_window).saturating_add(1),
    )
}

/// Everything the entity did, optionally within `±half_window` of `around` (nanoseconds).
pub fn pivot_filter(entity: &Entity, window: Option<(i64, i64)>) -> Filter {
    let mut terms = vec![entity_filter(entity)];
    if let Some((around, half_window)) = window {
        let (start, end) = window_around(around, half_window);
        terms.push(Filter::Time { start, end });
    }
    Filter::And(terms)
}

/// The events of [`pivot_filter`], as a timeline of their own.
pub fn pivot(
    timeline: &Timeline,
    entity: &Entity,
    window: Option<(i64, i64)>,
) -> PolarsResult<Timeline> {
    timeline.filter(&pivot_filter(entity, window))
}

/// How often one value occurs, and when first and last.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Count {
    pub value: String,
    pub count: usize,
    pub first: i64,
    pub last: i64,
}

/// The `limit` most frequent values of an entity kind, most frequent first (ties by value).
pub fn top_values(timeline: &Timeline, kind: EntityKind, limit: usize) -> PolarsResult<Vec<Count>> {
    top_values_among(timeline, 0..timeline.len(), kind, limit)
}

/// The values of one field, by row: what [`top_values`] counts and thresholds group by.
pub struct EntityValues<'t> {
    namespaces: bool,
    columns: Vec<&'t polars::prelude::StringChunked>,
    values: Vec<&'t str>,
}

impl<'t> EntityValues<'t> {
    pub fn new(timeline: &'t Timeline, kind: EntityKind) -> PolarsResult<EntityValues<'t>> {
        Self::of_field(timeline, field(kind))
    }

    /// The values of any field with columns (`dst_ip`, `principal`, `namespace`, ...).
    pub fn of_field(timeline: &'t Timeline, field: Field) -> PolarsResult<EntityValues<'t>> {
        Ok(EntityValues {
            namespaces: field == Field::Namespace,
            columns: field
                .columns()
                .iter()
                .map(|c| timeline.strings(*c))
                .collect::<PolarsResult<_>>()?,
            values: Vec::new(),
        })
    }

    /// The distinct values a row names, e.g. each of its resources.
    pub fn of_row(&mut self, row: usize) -> &[&'t str] {
        self.values.clear();
        for column in &self.columns {
            if let Some(value) = column.get(row) {
                let values = value.split(RESOURCE_SEPARATOR);
                if self.namespaces {
                    self.values
                        .extend(values.filter_map(crate::event::k8s_namespace));
                } else {
                    self.values.extend(values);
                }
            }
        }
        self.values.sort_unstable();
        self.values.dedup();
        &self.values
    }
}

/// Like [`top_values`], over the given rows only.
pub fn top_values_among(
    timeline: &Timeline,
    rows: impl IntoIterator<Item = usize>,
    kind: EntityKind,
    limit: usize,
) -> PolarsResult<Vec<Count>> {
    let times = timeline.times()?;
    let mut counts: HashMap<&str, Count> = HashMap::new();
    let mut values = EntityValues::new(timeline, kind)?;
    for row in rows {
        let time = times.get(row).unwrap_or_default();
        for value in values.of_row(row) {
            let entry = counts.entry(value).or_insert_with(|| Count {
                value: (*value).to_owned(),
                count: 0,
                first: time,
                last: time,
            });
            entry.count += 1;
            entry.first = entry.first.min(time);
            entry.last = entry.last.max(time);
        }
    }
    let mut counts: Vec<Count> = counts.into_values().collect();
    counts.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
    counts.truncate(limit);
    Ok(counts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::{NANOS_PER_SEC, parse_timestamp};
    use crate::timeline::tests::{event, timeline};

    fn sample() -> Timeline {
        timeline(vec![vec![
            event("2026-01-01T00:00:00Z", "A", "alice", "203.0.113.66"),
            event("2026-01-01T01:00:00Z", "B", "mallory", "203.0.113.66"),
            event("2026-01-01T02:00:00Z", "C", "mallory", "10.0.0.1"),
            event("2026-01-01T05:00:00Z", "D", "mallory", "203.0.113.66"),
        ]])
    }

    #[test]
    fn pivots_over_the_whole_range_or_a_window() {
        let t = sample();
        let ip: Entity = "ip=203.0.113.66".parse().unwrap();
        assert_eq!(pivot(&t, &ip, None).unwrap().len(), 3);
        let around = parse_timestamp("2026-01-01T01:00:00Z").unwrap();
        assert_eq!(
            pivot(&t, &ip, Some((around, 3600 * NANOS_PER_SEC)))
                .unwrap()
                .len(),
            2
        );
        let principal: Entity = "principal=MALLORY".parse().unwrap();
        assert_eq!(pivot(&t, &principal, None).unwrap().len(), 3);
    }

    #[test]
    fn a_finding_named_principal_reaches_the_calls_of_its_role() {
        let mut finding = event(
            "2026-01-01T00:00:00Z",
            "Finding",
            "node-role",
            "203.0.113.66",
        );
        finding.source = crate::event::Source::GuardDuty;
        let mut call = event(
            "2026-01-01T00:01:00Z",
            "ListBuckets",
            "arn:aws:sts::1:assumed-role/node-role/i-0abc",
            "203.0.113.66",
        );
        call.role = Some("arn:aws:iam::1:role/node-role".into());
        let other = event(
            "2026-01-01T00:02:00Z",
            "ListBuckets",
            "arn:aws:iam::1:role/node-role-2",
            "10.0.0.1",
        );
        let t = timeline(vec![vec![finding, call, other]]);
        let by_name: Entity = "principal=node-role".parse().unwrap();
        assert_eq!(pivot(&t, &by_name, None).unwrap().len(), 2);
        let by_arn: Entity = "principal=arn:aws:iam::1:role/node-role".parse().unwrap();
        assert_eq!(pivot(&t, &by_arn, None).unwrap().len(), 2);
    }

    #[test]
    fn kubernetes_objects_are_pivoted_and_counted_by_namespace() {
        let mut exec = event(
            "2026-01-01T00:00:00Z",
            "create pods/exec",
            "dev",
            "10.0.0.1",
        );
        exec.resources = vec!["shop/pods/api-1".into(), "/aws/eks/prod/cluster".into()];
        let mut other = event("2026-01-01T00:01:00Z", "get secrets", "dev", "10.0.0.1");
        other.resources = vec!["kube-system/secrets/token".into()];
        let t = timeline(vec![vec![exec, other]]);
        let namespace = Entity {
            kind: EntityKind::Namespace,
            value: "shop".into(),
        };
        let rows = t.rows().unwrap();
        assert!(entities_of(&rows[0]).contains(&namespace));
        assert!(!entities_of(&rows[1]).contains(&namespace));
        assert_eq!(pivot(&t, &namespace, None).unwrap().len(), 1);
        let counts = top_values(&t, EntityKind::Namespace, 10).unwrap();
        let names: Vec<_> = counts.iter().map(|c| c.value.as_str()).collect();
        assert_eq!(names, ["kube-system", "shop"]);
    }

    #[test]
    fn counts_top_values_with_first_and_last_seen() {
        let counts = top_values(&sample(), EntityKind::Ip, 10).unwrap();
        assert_eq!(counts[0].value, "203.0.113.66");
        assert_eq!(counts[0].count, 3);
        assert_eq!(counts[0].last - counts[0].first, 5 * 3600 * NANOS_PER_SEC);
        assert_eq!(counts[1].value, "10.0.0.1");
    }

    #[test]
    fn entity_syntax_errors_are_explained() {
        assert!("ip".parse::<Entity>().unwrap_err().contains("KIND=VALUE"));
        assert!(
            "colour=red"
                .parse::<Entity>()
                .unwrap_err()
                .contains("unknown entity kind")
        );
    }
}
