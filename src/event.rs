//! The normalized event model: one `EventRecord` per thing that happened, whatever its source.
//!
//! Sources build records that borrow from the bytes they parse; the timeline copies them into
//! columns. The original record is never copied here: the timeline keeps where it came from
//! (file and ordinal) and re-reads it on demand.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use serde_json::Value;

/// Which telemetry a record came from. The names are the `source` values of the jsonl contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Source {
    CloudTrail,
    GuardDuty,
    SecurityHub,
    Config,
    K8sAudit,
    Container,
    VpcFlow,
    S3Access,
    CwLogs,
}

impl Source {
    pub const ALL: [Source; 9] = [
        Source::CloudTrail,
        Source::GuardDuty,
        Source::SecurityHub,
        Source::Config,
        Source::K8sAudit,
        Source::Container,
        Source::VpcFlow,
        Source::S3Access,
        Source::CwLogs,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Source::CloudTrail => "cloudtrail",
            Source::GuardDuty => "guardduty",
            Source::SecurityHub => "securityhub",
            Source::Config => "config",
            Source::K8sAudit => "k8s_audit",
            Source::Container => "container",
            Source::VpcFlow => "vpcflow",
            Source::S3Access => "s3_access",
            Source::CwLogs => "cwlogs",
        }
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Source {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        Source::ALL
            .into_iter()
            .find(|source| source.as_str().eq_ignore_ascii_case(s))
            .ok_or(())
    }
}

/// What kind of thing happened, in the spirit of OCSF categories.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventClass {
    Finding,
    ApiCall,
    ConfigChange,
    Log,
    NetworkFlow,
}

impl EventClass {
    pub fn as_str(self) -> &'static str {
        match self {
            EventClass::Finding => "finding",
            EventClass::ApiCall => "api_call",
            EventClass::ConfigChange => "config_change",
            EventClass::Log => "log",
            EventClass::NetworkFlow => "network_flow",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Outcome {
    Success,
    Failure,
    Unknown,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::Failure => "failure",
            Outcome::Unknown => "unknown",
        }
    }
}

/// Severity on GuardDuty's 0–10 scale; other scales are converted into it.
pub mod severity {
    /// Lower bounds of the named bands, highest first (GuardDuty's bands).
    const BANDS: [(&str, f32); 5] = [
        ("critical", 9.0),
        ("high", 7.0),
        ("medium", 4.0),
        ("low", 1.0),
        ("info", 0.0),
    ];

    pub fn label(value: f32) -> &'static str {
        BANDS
            .iter()
            .find(|(_, floor)| value >= *floor)
            .map_or("info", |(name, _)| name)
    }

    /// The `[low, high)` range a label names, e.g. `high` is `[7, 9)`.
    pub fn band(label: &str) -> Option<(f32, f32)> {
        let label = label.to_ascii_lowercase();
        let label = match label.as_str() {
            "informational" => "info",
            other => other,
        };
        let index = BANDS.iter().position(|(name, _)| *name == label)?;
        let upper = if index == 0 {
            f32::INFINITY
        } else {
            BANDS[index - 1].1
        };
        Some((BANDS[index].1, upper))
    }

    /// The floor of a named band, for labels given without a number (ASFF `Label`).
    pub fn from_label(label: &str) -> Option<f32> {
        band(label).map(|(floor, _)| floor)
    }
}

/// The kinds of entity an investigator pivots on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EntityKind {
    Principal,
    AccessKey,
    Ip,
    Resource,
    Account,
    Region,
    UserAgent,
    /// A Kubernetes namespace: every object in it.
    Namespace,
}

impl EntityKind {
    pub const ALL: [EntityKind; 8] = [
        EntityKind::Principal,
        EntityKind::AccessKey,
        EntityKind::Ip,
        EntityKind::Resource,
        EntityKind::Account,
        EntityKind::Region,
        EntityKind::UserAgent,
        EntityKind::Namespace,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EntityKind::Principal => "principal",
            EntityKind::AccessKey => "access_key",
            EntityKind::Ip => "ip",
            EntityKind::Resource => "resource",
            EntityKind::Account => "account",
            EntityKind::Region => "region",
            EntityKind::UserAgent => "user_agent",
            EntityKind::Namespace => "namespace",
        }
    }
}

impl FromStr for EntityKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        EntityKind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == s)
            .ok_or_else(|| {
                let known: Vec<_> = EntityKind::ALL.iter().map(|k| k.as_str()).collect();
                format!(
                    "unknown entity kind '{s}' (expected one of {})",
                    known.join(", ")
                )
            })
    }
}

pub type Text<'a> = Cow<'a, str>;

/// One normalized event as a source produced it, borrowing from the parsed input.
#[derive(Debug, Clone, PartialEq)]
pub struct EventRecord<'a> {
    /// Nanoseconds since the Unix epoch, UTC.
    pub time: i64,
    pub source: Source,
    pub class: EventClass,
    pub action: Text<'a>,
    pub outcome: Outcome,
    pub error_code: Option<Text<'a>>,
    pub severity: Option<f32>,
    /// Bytes moved: a flow's bytes, an S3 object's bytes sent or transferred out.
    pub bytes: Option<u64>,
    /// The principal: an ARN where the source has one, else a user name.
    pub actor: Option<Text<'a>>,
    /// For a role session, the role it was issued from.
    pub role: Option<Text<'a>>,
    pub access_key: Option<Text<'a>>,
    pub account: Option<Text<'a>>,
    pub region: Option<Text<'a>>,
    pub src_ip: Option<Text<'a>>,
    pub dst_ip: Option<Text<'a>>,
    pub user_agent: Option<Text<'a>>,
    /// ARNs or resource ids the event touched.
    pub resources: Vec<Text<'a>>,
    pub summary: String,
    /// The source's own id; used for deduplication only together with the rest of the record.
    pub id: Option<Text<'a>>,
}

impl<'a> EventRecord<'a> {
    pub fn new(time: i64, source: Source, class: EventClass, action: impl Into<Text<'a>>) -> Self {
        EventRecord {
            time,
            source,
            class,
            action: action.into(),
            outcome: Outcome::Unknown,
            error_code: None,
            severity: None,
            bytes: None,
            actor: None,
            role: None,
            access_key: None,
            account: None,
            region: None,
            src_ip: None,
            dst_ip: None,
            user_agent: None,
            resources: Vec::new(),
            summary: String::new(),
            id: None,
        }
    }

    /// Makes this record what [`EventRecord::new`] makes, keeping the memory of its resource
    /// list and summary: a source that maps thousands of records reuses one.
    pub fn reset(
        &mut self,
        time: i64,
        source: Source,
        class: EventClass,
        action: impl Into<Text<'a>>,
    ) {
        let mut resources = std::mem::take(&mut self.resources);
        resources.clear();
        let mut summary = std::mem::take(&mut self.summary);
        summary.clear();
        *self = EventRecord {
            resources,
            summary,
            ..EventRecord::new(time, source, class, action)
        };
    }

    /// Adds a resource unless it is empty or already named: an id that an ARN already listed
    /// ends with (`orders` beside `arn:aws:s3:::orders`) adds nothing a resource filter would not
    /// find through the ARN.
    pub fn add_resource(&mut self, resource: impl Into<Text<'a>>) {
        let resource = resource.into();
        let named = self.resources.iter().any(|known| names(known, &resource));
        if !resource.is_empty() && !named {
            self.resources.push(resource);
        }
    }
}

/// Whether `known` is `id` itself or an ARN ending in it after a `:` or `/`.
pub fn names(known: &str, id: &str) -> bool {
    if known.len() == id.len() {
        return known.eq_ignore_ascii_case(id);
    }
    let Some(start) = known.len().checked_sub(id.len() + 1) else {
        return false;
    };
    matches!(known.as_bytes()[start], b'/' | b':')
        && known.is_char_boundary(start + 1)
        && known[start + 1..].eq_ignore_ascii_case(id)
}

/// Whether two principal names name the same IAM identity: equal, or one an IAM user or role
/// ARN (or a session of that role) and the other its bare name, as GuardDuty and Security Hub
/// name principals.
pub fn same_principal(known: &str, wanted: &str) -> bool {
    if known.eq_ignore_ascii_case(wanted) {
        return true;
    }
    let bare = |name: &str| !name.contains([':', '/']);
    match (iam_name(known), iam_name(wanted)) {
        (Some(name), None) => bare(wanted) && name.eq_ignore_ascii_case(wanted),
        (None, Some(name)) => bare(known) && name.eq_ignore_ascii_case(known),
        _ => false,
    }
}

/// The parts of an ARN casebook reads: `arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Arn<'a> {
    pub service: &'a str,
    /// What follows the account, e.g. `security-group/sg-0abc` or `user/path/NAME`.
    pub resource: &'a str,
}

impl<'a> Arn<'a> {
    pub fn parse(text: &'a str) -> Option<Arn<'a>> {
        let mut parts = text.splitn(6, ':');
        let (Some("arn"), Some(_), Some(service), Some(_), Some(_), Some(resource)) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) else {
            return None;
        };
        Some(Arn { service, resource })
    }
}

/// The user or role name in an IAM user, role or assumed-role ARN
/// (`arn:aws:sts::1:assumed-role/NAME/session`, `arn:aws:iam::1:user/path/NAME`).
fn iam_name(arn: &str) -> Option<&str> {
    let arn = Arn::parse(arn).filter(|arn| matches!(arn.service, "iam" | "sts"))?;
    let (kind, path) = arn.resource.split_once('/')?;
    match kind {
        "assumed-role" => path.split('/').next(),
        "user" | "role" => path.rsplit('/').next(),
        _ => None,
    }
    .filter(|name| !name.is_empty())
}

/// The namespace of a namespaced Kubernetes object as the sources name it
/// (`namespace/resource/name`, e.g. `shop/pods/api-1`); `None` for anything else.
pub fn k8s_namespace(resource: &str) -> Option<&str> {
    if resource.starts_with("arn:") {
        return None;
    }
    let mut parts = resource.splitn(3, '/');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(namespace), Some(kind), Some(name))
            if !namespace.is_empty() && !kind.is_empty() && !name.is_empty() =>
        {
            Some(namespace)
        }
        _ => None,
    }
}

/// Converts an optional borrowed or owned string into the model's text, dropping empty values
/// and the `-` AWS uses for "no value".
pub fn text<'a>(value: Option<impl Into<Text<'a>>>) -> Option<Text<'a>> {
    value
        .map(Into::into)
        .filter(|v: &Text<'a>| !v.is_empty() && v != "-")
}

/// The original record, as far as the parser has it at hand.
#[derive(Debug, Clone, Copy)]
pub enum Raw<'a> {
    Json(&'a Value),
    Text(&'a str),
}

impl Raw<'_> {
    /// The record as JSON text (text records become a JSON string).
    pub fn to_json(self) -> Value {
        match self {
            Raw::Json(value) => value.clone(),
            Raw::Text(text) => serde_json::from_str(text)
                .ok()
                .filter(Value::is_object)
                .unwrap_or_else(|| Value::String(text.to_owned())),
        }
    }
}

/// Where sources put parsed events and skipped records.
pub trait EventSink {
    /// Whether the original records are wanted; bulk loads say no and re-read them on demand.
    fn wants_raw(&self) -> bool {
        false
    }
    fn event(&mut self, record: &EventRecord<'_>, raw: Option<Raw<'_>>);
    fn skip(&mut self, location: &Location, reason: String);
}

/// Where in a file a record sits, for skip messages (`line 4, logEvents[2]`).
#[derive(Debug, Clone, Default)]
pub struct Location(Vec<Step>);

#[derive(Debug, Clone)]
enum Step {
    Line(usize),
    Index(&'static str, usize),
}

impl Location {
    pub fn line(&self, line: usize) -> Location {
        self.push(Step::Line(line))
    }
    pub fn index(&self, array: &'static str, index: usize) -> Location {
        self.push(Step::Index(array, index))
    }
    fn push(&self, step: Step) -> Location {
        let mut steps = self.0.clone();
        steps.push(step);
        Location(steps)
    }
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.0.is_empty() {
            return f.write_str("document");
        }
        for (i, step) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            match step {
                Step::Line(line) => write!(f, "line {line}")?,
                Step::Index(array, index) => write!(f, "{array}[{index}]")?,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bare_iam_name_names_its_user_role_and_sessions() {
        let role = "arn:aws:iam::444455556666:role/eks-node-orders";
        let session = "arn:aws:sts::444455556666:assumed-role/eks-node-orders/i-0abc";
        let user = "arn:aws:iam::1:user/ops/alice";
        assert!(same_principal(role, "eks-node-orders"));
        assert!(same_principal(session, "EKS-node-orders"));
        assert!(same_principal("eks-node-orders", session));
        assert!(same_principal(user, "alice"));
        assert!(same_principal(user, user));
        // Sessions are not roles, other services' ARNs are not principals, and Kubernetes
        // user names are not IAM names.
        assert!(!same_principal(session, "i-0abc"));
        assert!(!same_principal("arn:aws:s3:::alice", "alice"));
        assert!(!same_principal("system:serviceaccount:shop:api", "api"));
        assert!(!same_principal(role, "arn:aws:iam::1:role/other"));
        assert!(!same_principal(role, "node"));
    }

    #[test]
    fn kubernetes_objects_name_their_namespace() {
        assert_eq!(k8s_namespace("shop/pods/api-1"), Some("shop"));
        assert_eq!(k8s_namespace("arn:aws:s3:::bucket/a/b"), None);
        assert_eq!(k8s_namespace("/aws/eks/prod/cluster"), None);
        assert_eq!(k8s_namespace("clusterrolebindings/admin"), None);
    }

    #[test]
    fn severity_labels_follow_guardduty_bands() {
        assert_eq!(severity::label(8.0), "high");
        assert_eq!(severity::label(9.0), "critical");
        assert_eq!(severity::label(0.5), "info");
        assert_eq!(severity::band("HIGH"), Some((7.0, 9.0)));
        assert_eq!(severity::band("critical"), Some((9.0, f32::INFINITY)));
        assert_eq!(severity::from_label("INFORMATIONAL"), Some(0.0));
        assert_eq!(severity::band("urgent"), None);
    }

    #[test]
    fn source_names_round_trip() {
        for source in Source::ALL {
            assert_eq!(source.as_str().parse::<Source>(), Ok(source));
        }
    }

    #[test]
    fn an_arn_names_the_id_it_ends_with() {
        assert!(names("arn:aws:ec2:eu-west-1:1:instance/i-0abc", "i-0abc"));
        assert!(names("arn:aws:s3:::orders", "ORDERS"));
        assert!(names("orders", "orders"));
        assert!(!names("arn:aws:s3:::my-orders", "orders"));
        assert!(!names("orders", "arn:aws:s3:::orders"));
        let mut record = EventRecord::new(0, Source::CloudTrail, EventClass::ApiCall, "GetObject");
        record.add_resource("arn:aws:s3:::orders/a.csv");
        record.add_resource("orders/a.csv");
        record.add_resource("orders");
        record.add_resource("");
        assert_eq!(record.resources, ["arn:aws:s3:::orders/a.csv", "orders"]);
    }

    #[test]
    fn a_reset_record_is_a_new_one() {
        let mut record = EventRecord::new(1, Source::Config, EventClass::ConfigChange, "UPDATE");
        record.actor = Some("alice".into());
        record.severity = Some(5.0);
        record.add_resource("i-0abc");
        record.summary.push_str("UPDATE i-0abc");
        record.reset(2, Source::CloudTrail, EventClass::ApiCall, "GetObject");
        let fresh = EventRecord::new(2, Source::CloudTrail, EventClass::ApiCall, "GetObject");
        assert_eq!(record, fresh);
        assert!(record.resources.capacity() > 0 && record.summary.capacity() > 0);
    }

    #[test]
    fn text_drops_empty_and_dash() {
        assert_eq!(text(Some("-")), None);
        assert_eq!(text(Some("")), None);
        assert_eq!(text(Some("x")).as_deref(), Some("x"));
    }
}
