//! Conditions on an event's original record, for what the normalized columns do not carry
//! (`additionalEventData.MFAUsed`, the CIDR a security group was opened to, a bucket policy).

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::timeline::filter::Matcher;

/// Values found at any of `path` (dotted; arrays on the way are searched element by element)
/// must match one of `any` (whole value, ignoring case, `*` and `?` wildcards) or be one of
/// `equals` (literally, ignoring case: `*` is a star). With neither, a non-null value must exist.
/// `not` turns the condition around.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RecordCondition {
    #[serde(with = "one_or_many")]
    pub path: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub any: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub equals: Vec<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub not: bool,
}

impl RecordCondition {
    pub fn check(&self) -> Result<(), String> {
        if self.path.is_empty() || self.path.iter().any(|p| p.split('.').any(str::is_empty)) {
            return Err(format!(
                "path {:?} must name fields such as a.b.c",
                self.path
            ));
        }
        Ok(())
    }

    /// The condition with its values filled in, ready to test records.
    pub fn compile(&self, fill: impl Fn(&str) -> String) -> CompiledCondition {
        CompiledCondition {
            paths: self
                .path
                .iter()
                .map(|p| p.split('.').map(str::to_owned).collect())
                .collect(),
            any: self
                .any
                .iter()
                .map(|v| Matcher::text(&fill(v)))
                .chain(self.equals.iter().map(|v| Matcher::Exact(fill(v))))
                .collect(),
            not: self.not,
        }
    }
}

#[derive(Debug, Clone)]
pub struct CompiledCondition {
    paths: Vec<Vec<String>>,
    any: Vec<Matcher>,
    not: bool,
}

impl CompiledCondition {
    pub fn holds(&self, record: &Value) -> bool {
        let mut values = Vec::new();
        for path in &self.paths {
            collect(record, path, &mut values);
        }
        let found = if self.any.is_empty() {
            !values.is_empty()
        } else {
            values.iter().any(|value| {
                let text = scalar_text(value);
                self.any.iter().any(|m| m.matches(&text))
            })
        };
        found != self.not
    }
}

/// The non-null values at `path` under `value`, searching arrays element by element.
fn collect<'v>(value: &'v Value, path: &[String], out: &mut Vec<&'v Value>) {
    match value {
        Value::Array(items) => items.iter().for_each(|item| collect(item, path, out)),
        Value::Null => {}
        _ => match path.split_first() {
            None => out.push(value),
            Some((first, rest)) => {
                if let Some(child) = value.get(first.as_str()) {
                    collect(child, rest, out);
                }
            }
        },
    }
}

/// A value as text: strings as they are, other values as JSON (so a policy object can be
/// matched with wildcards).
fn scalar_text(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

mod one_or_many {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Vec<String>, D::Error> {
        Ok(match OneOrMany::deserialize(deserializer)? {
            OneOrMany::One(one) => vec![one],
            OneOrMany::Many(many) => many,
        })
    }

    pub fn serialize<S: Serializer>(paths: &[String], serializer: S) -> Result<S::Ok, S::Error> {
        match paths {
            [one] => one.serialize(serializer),
            many => many.serialize(serializer),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn condition(toml_text: &str) -> CompiledCondition {
        let condition: RecordCondition = toml::from_str(toml_text).unwrap();
        condition.check().unwrap();
        condition.compile(str::to_owned)
    }

    #[test]
    fn finds_values_inside_arrays_and_matches_globs_ignoring_case() {
        let record = json!({"requestParameters": {"ipPermissions": {"items": [
            {"ipRanges": {"items": [{"cidrIp": "10.0.0.0/8"}]}},
            {"ipRanges": {"items": [{"cidrIp": "0.0.0.0/0"}]}}
        ]}}, "additionalEventData": {"MFAUsed": "No"}});
        let open = condition(
            r#"path = "requestParameters.ipPermissions.items.ipRanges.items.cidrIp"
               any = ["0.0.0.0/0"]"#,
        );
        assert!(open.holds(&record));
        assert!(!condition(r#"path = "additionalEventData.mfaused""#).holds(&record));
        assert!(
            condition(
                r#"path = "additionalEventData.MFAUsed"
                             any = ["n*"]"#
            )
            .holds(&record)
        );
        assert!(condition(r#"path = ["x.y", "additionalEventData.MFAUsed"]"#).holds(&record));
        assert!(
            condition(
                r#"path = "errorCode"
                             not = true"#
            )
            .holds(&record)
        );
    }

    #[test]
    fn objects_match_as_json_text() {
        let record = json!({"requestParameters": {"bucketPolicy": {"Statement": [
            {"Effect": "Allow", "Principal": {"AWS": "*"}}
        ]}}});
        let public = condition(
            r#"path = ["requestParameters.bucketPolicy.Statement.Principal",
                       "requestParameters.bucketPolicy.Statement.Principal.AWS"]
               equals = ["*"]"#,
        );
        assert!(public.holds(&record));
        let named = json!({"requestParameters": {"bucketPolicy": {"Statement": [
            {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::1:root"}}
        ]}}});
        assert!(!public.holds(&named), "a star is literal in equals");
        let as_text = condition(
            r#"path = "requestParameters.bucketPolicy.Statement"
               any = ['*"Effect":"Allow"*']"#,
        );
        assert!(as_text.holds(&record));
        let exact = condition(
            r#"path = "requestParameters.bucketPolicy.Statement.Principal.AWS"
               any = ["arn:*"]"#,
        );
        assert!(!exact.holds(&record));
    }
}
