//! Live pivots: what to ask AWS about one entity, cheapest calls first, and where the answers
//! are kept so that asking again is instant and works without AWS.
//!
//! - CloudTrail LookupEvents, one attribute (access key, user name, resource name): free, 90
//!   days of management events, 2 requests a second;
//! - GuardDuty findings naming the entity (FindingCriteria on the field that holds it);
//! - AWS Config history of a resource whose type its ARN tells;
//! - Athena over the CloudTrail table, which costs by bytes scanned: only when it is set up and
//!   the question is beyond LookupEvents (older than 90 days, or an IP address, which
//!   LookupEvents cannot look up).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::{ConfigResource, LiveRequest, LiveSource, Lookup};
use crate::event::{Arn, EntityKind};
use crate::query::Condition;
use crate::time::NANOS_PER_SEC;
use crate::timeline::pivot::Entity;

/// How far back LookupEvents reaches.
const LOOKUP_REACH: i64 = 90 * 24 * 3600 * NANOS_PER_SEC;

/// Where live pivots are cached: under the user's cache directory.
pub fn default_cache() -> PathBuf {
    directories::ProjectDirs::from("", "", "casebook")
        .map_or_else(std::env::temp_dir, |dirs| dirs.cache_dir().to_path_buf())
        .join("live")
        .join("pivots")
}

/// A pull about one entity over a window, and where its answers are cached.
#[derive(Debug, Clone)]
pub struct PivotPull {
    pub request: LiveRequest,
    /// Present once a pull answered in full: the spool then stands for AWS.
    complete_marker: PathBuf,
}

impl PivotPull {
    /// Whether this pivot was asked before and every source answered.
    pub fn is_cached(&self) -> bool {
        self.complete_marker.exists()
    }

    /// Records that every source answered, so the spool can stand for AWS next time.
    pub fn mark_complete(&self) -> std::io::Result<()> {
        std::fs::write(&self.complete_marker, b"")
    }
}

/// What to ask about `entity` within `window`, in the profiles, regions and Athena set-up of
/// `session`; `None` when no AWS API can be asked about this kind of entity (accounts,
/// regions, user agents and namespaces are pivoted on locally only).
pub fn plan(
    entity: &Entity,
    window: (i64, i64),
    session: &LiveRequest,
    cache: &Path,
    now: i64,
) -> Option<PivotPull> {
    let value = entity.value.as_str();
    let mut request = LiveRequest {
        profiles: session.profiles.clone(),
        regions: session.regions.clone(),
        window,
        athena: session.athena.clone(),
        ..LiveRequest::default()
    };
    let mut ask_trail = |key: &str, value: &str| {
        request.lookup = Some(Lookup {
            key: key.into(),
            value: value.into(),
        });
        request.sources.push(LiveSource::CloudTrail);
    };
    let mut criteria = BTreeMap::new();
    let equals = |value: &str| Condition {
        eq: vec![value.to_owned()],
        ..Condition::default()
    };
    let athena_condition = match entity.kind {
        EntityKind::AccessKey => {
            ask_trail("AccessKeyId", value);
            criteria.insert(
                "resource.accessKeyDetails.accessKeyId".into(),
                equals(value),
            );
            format!("useridentity.accesskeyid = {}", sql_text(value))
        }
        EntityKind::Principal => {
            let name = principal_name(value);
            ask_trail("Username", name);
            criteria.insert("resource.accessKeyDetails.userName".into(), equals(name));
            format!(
                "(useridentity.arn = {0} OR useridentity.username = {0} OR \
                 useridentity.sessioncontext.sessionissuer.username = {0})",
                sql_text(name)
            )
        }
        EntityKind::Resource => {
            ask_trail("ResourceName", value);
            if let Some((field, id)) = finding_field_of(value) {
                criteria.insert(field.into(), equals(id));
            }
            if let Some(resource) = config_resource_of(value) {
                request.config.resources.push(resource);
                request.sources.push(LiveSource::Config);
            }
            format!(
                "(any_match(resources, r -> r.arn = {0}) OR requestparameters LIKE {1})",
                sql_text(value),
                sql_text(&format!("%{}%", value.replace(['%', '_'], "")))
            )
        }
        EntityKind::Ip => {
            criteria.insert(
                "service.action.awsApiCallAction.remoteIpDetails.ipAddressV4".into(),
                equals(value),
            );
            format!("sourceipaddress = {}", sql_text(value))
        }
        EntityKind::Account | EntityKind::Region | EntityKind::UserAgent => return None,
        EntityKind::Namespace => return None,
    };
    if !criteria.is_empty() {
        request.guardduty_criteria = criteria;
        request.sources.push(LiveSource::GuardDuty);
    }
    let beyond_lookup = window.0 < now - LOOKUP_REACH || entity.kind == EntityKind::Ip;
    if let (true, Some(table)) = (beyond_lookup, &session.athena) {
        let sql = format!(
            "SELECT eventtime, eventname, eventsource, awsregion, sourceipaddress, useragent, \
             errorcode, errormessage, eventid, recipientaccountid, requestparameters, \
             useridentity.arn AS principal, useridentity.accesskeyid AS access_key \
             FROM {{table}} WHERE \"timestamp\" BETWEEN '{{start_day}}' AND '{{end_day}}' \
             AND eventtime BETWEEN '{{start}}' AND '{{end}}' AND {athena_condition}"
        );
        request.athena_sql = Some(table.fill(&sql, window));
        request.sources.push(LiveSource::Athena);
    }
    let dir = cache.join(cache_key(entity, window, session));
    request.spool = dir.join("responses");
    Some(PivotPull {
        request,
        complete_marker: dir.join("complete"),
    })
}

/// The user (or role session) name LookupEvents and GuardDuty know a principal by: the last
/// part of its ARN, or the bare name.
fn principal_name(principal: &str) -> &str {
    match principal.strip_prefix("arn:") {
        Some(rest) => rest.rsplit(['/', ':']).next().unwrap_or(principal),
        None => principal,
    }
}

/// The GuardDuty finding field that names a resource, and the value it holds.
fn finding_field_of(resource: &str) -> Option<(&'static str, &str)> {
    if let Some(bucket) = resource.strip_prefix("arn:aws:s3:::") {
        return Some(("resource.s3BucketDetails.name", bucket.split('/').next()?));
    }
    let id = resource.rsplit('/').next()?;
    id.starts_with("i-")
        .then_some(("resource.instanceDetails.instanceId", id))
}

/// The Config resource an ARN names, for the types whose Config id is in the ARN.
fn config_resource_of(arn: &str) -> Option<ConfigResource> {
    let resource = |kind: &str, id: &str| {
        Some(ConfigResource {
            kind: kind.into(),
            id: id.into(),
        })
    };
    if let Some(path) = arn.strip_prefix("arn:aws:s3:::") {
        // A bucket, not an object in it.
        return (!path.contains('/'))
            .then(|| resource("AWS::S3::Bucket", path))
            .flatten();
    }
    let arn = Arn::parse(arn)?;
    let (kind, id) = arn.resource.split_once('/')?;
    match (arn.service, kind) {
        ("ec2", "security-group") => resource("AWS::EC2::SecurityGroup", id),
        ("ec2", "instance") => resource("AWS::EC2::Instance", id),
        ("ec2", "snapshot") => resource("AWS::EC2::Snapshot", id),
        ("ec2", "volume") => resource("AWS::EC2::Volume", id),
        ("ec2", "vpc") => resource("AWS::EC2::VPC", id),
        _ => None,
    }
}

/// A SQL string literal.
fn sql_text(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}

/// A folder name for one pivot: readable, and unique to the entity, the window (to the minute)
/// and where AWS was asked.
fn cache_key(entity: &Entity, window: (i64, i64), session: &LiveRequest) -> String {
    let minute = 60 * NANOS_PER_SEC;
    let mut hash = Sha256::new();
    hash.update(entity.kind.as_str());
    hash.update([0]);
    hash.update(&entity.value);
    hash.update(format!(
        "\0{}\0{}\0{:?}\0{:?}\0{:?}",
        window.0.div_euclid(minute),
        window.1.div_euclid(minute),
        session.profiles,
        session.regions,
        session.athena
    ));
    let digest = hash.finalize();
    let hex: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
    let readable: String = entity
        .value
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.'))
        .take(40)
        .collect();
    format!("{}-{readable}-{hex}", entity.kind.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::live::{AthenaTable, Regions};

    const HOUR: i64 = 3600 * NANOS_PER_SEC;
    const NOW: i64 = 1_795_000_000 * NANOS_PER_SEC;

    fn session() -> LiveRequest {
        LiveRequest {
            regions: Regions::Listed(vec!["eu-west-1".into()]),
            ..LiveRequest::default()
        }
    }

    fn plan_for(kind: EntityKind, value: &str, session: &LiveRequest) -> Option<PivotPull> {
        let entity = Entity {
            kind,
            value: value.into(),
        };
        plan(
            &entity,
            (NOW - HOUR, NOW),
            session,
            Path::new("/cache"),
            NOW,
        )
    }

    #[test]
    fn an_access_key_is_looked_up_in_cloudtrail_and_guardduty() {
        let pull = plan_for(EntityKind::AccessKey, "ASIAEXAMPLE", &session()).unwrap();
        let request = &pull.request;
        assert_eq!(
            request.sources,
            [LiveSource::CloudTrail, LiveSource::GuardDuty]
        );
        assert_eq!(request.lookup.as_ref().unwrap().key, "AccessKeyId");
        assert_eq!(
            request.guardduty_criteria["resource.accessKeyDetails.accessKeyId"].eq,
            ["ASIAEXAMPLE"]
        );
        assert_eq!(request.regions, session().regions);
        let spool = request.spool.to_string_lossy();
        assert!(
            spool.starts_with("/cache/access_key-ASIAEXAMPLE-"),
            "{spool}"
        );
        assert!(
            request.athena_sql.is_none(),
            "Athena costs money: not for this"
        );
    }

    #[test]
    fn principals_are_asked_by_the_name_aws_lists_them_under() {
        let role = "arn:aws:sts::111122223333:assumed-role/eks-node/i-0abc";
        let pull = plan_for(EntityKind::Principal, role, &session()).unwrap();
        assert_eq!(pull.request.lookup.unwrap().value, "i-0abc");
        let user = plan_for(
            EntityKind::Principal,
            "arn:aws:iam::1:user/mallory",
            &session(),
        );
        assert_eq!(user.unwrap().request.lookup.unwrap().value, "mallory");
    }

    #[test]
    fn resources_add_config_history_and_finding_fields_where_the_arn_tells_them() {
        let sg = "arn:aws:ec2:eu-west-1:111122223333:security-group/sg-0abc";
        let request = plan_for(EntityKind::Resource, sg, &session())
            .unwrap()
            .request;
        assert_eq!(
            request.sources,
            [LiveSource::CloudTrail, LiveSource::Config]
        );
        assert_eq!(request.config.resources[0].kind, "AWS::EC2::SecurityGroup");
        assert_eq!(request.config.resources[0].id, "sg-0abc");
        let bucket = plan_for(EntityKind::Resource, "arn:aws:s3:::orders", &session()).unwrap();
        assert_eq!(
            bucket.request.guardduty_criteria["resource.s3BucketDetails.name"].eq,
            ["orders"]
        );
        let object = plan_for(
            EntityKind::Resource,
            "arn:aws:s3:::orders/a.csv",
            &session(),
        );
        assert!(object.unwrap().request.config.resources.is_empty());
    }

    #[test]
    fn athena_is_asked_only_when_set_up_and_needed() {
        let ip = plan_for(EntityKind::Ip, "203.0.113.66", &session()).unwrap();
        assert_eq!(
            ip.request.sources,
            [LiveSource::GuardDuty],
            "no Athena set up"
        );
        let athena = LiveRequest {
            athena: Some(AthenaTable::default()),
            ..session()
        };
        let ip = plan_for(EntityKind::Ip, "203.0.113.66'--", &athena).unwrap();
        let sql = ip.request.athena_sql.unwrap();
        assert!(sql.contains("FROM cloudtrail_logs WHERE"), "{sql}");
        assert!(
            sql.ends_with("sourceipaddress = '203.0.113.66''--'"),
            "{sql}"
        );
        let recent = plan_for(EntityKind::AccessKey, "ASIA1", &athena).unwrap();
        assert!(
            recent.request.athena_sql.is_none(),
            "LookupEvents reaches it"
        );
        let entity = Entity {
            kind: EntityKind::AccessKey,
            value: "ASIA1".into(),
        };
        let old = (NOW - 200 * 24 * HOUR, NOW - 199 * 24 * HOUR);
        let pull = plan(&entity, old, &athena, Path::new("/c"), NOW).unwrap();
        assert!(pull.request.sources.contains(&LiveSource::Athena));
    }

    #[test]
    fn kinds_no_api_can_be_asked_about_stay_local() {
        for kind in [
            EntityKind::Account,
            EntityKind::Region,
            EntityKind::UserAgent,
        ] {
            assert!(plan_for(kind, "x", &session()).is_none());
        }
    }

    #[test]
    fn the_cache_is_per_entity_window_and_place() {
        let a = plan_for(EntityKind::AccessKey, "ASIA1", &session()).unwrap();
        let b = plan_for(EntityKind::AccessKey, "ASIA2", &session()).unwrap();
        let elsewhere = LiveRequest {
            regions: Regions::Listed(vec!["us-east-1".into()]),
            ..session()
        };
        let c = plan_for(EntityKind::AccessKey, "ASIA1", &elsewhere).unwrap();
        assert_ne!(a.request.spool, b.request.spool);
        assert_ne!(a.request.spool, c.request.spool);
        let again = plan_for(EntityKind::AccessKey, "ASIA1", &session()).unwrap();
        assert_eq!(a.request.spool, again.request.spool);
    }
}
