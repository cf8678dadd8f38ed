//! SigmaHQ's own AWS CloudTrail rules (../shared/data/sigma) against records that must and must
//! not match them, covering the modifiers and conditions the rules use.

mod common;

use casebook::query::sigma::SigmaRules;
use common::shared;
use serde_json::{Value, json};

fn sigma() -> SigmaRules {
    let rules = SigmaRules::load_dir(&shared("sigma/rules")).unwrap();
    assert!(rules.skipped.is_empty(), "{:?}", rules.skipped);
    assert_eq!(
        rules.rules().len(),
        57,
        "every SigmaHQ CloudTrail rule loads"
    );
    rules
}

/// Whether the rule in `file` matches the record.
fn matches(rules: &SigmaRules, file: &str, record: &Value) -> bool {
    let index = rules
        .rules()
        .iter()
        .position(|r| r.file.ends_with(file))
        .unwrap_or_else(|| panic!("no rule from {file}"));
    rules.matching(record).contains(&index)
}

fn trail(name: &str, source: &str, extra: Value) -> Value {
    let mut record = json!({
        "eventVersion": "1.09",
        "eventTime": "2026-11-20T10:00:00Z",
        "eventSource": format!("{source}.amazonaws.com"),
        "eventName": name,
        "awsRegion": "eu-west-1",
        "sourceIPAddress": "198.51.100.20",
        "userAgent": "aws-cli/2.15.30",
        "userIdentity": {"type": "IAMUser", "arn": "arn:aws:iam::111122223333:user/bob"},
        "requestParameters": null,
        "responseElements": null
    });
    if let (Some(record), Value::Object(extra)) = (record.as_object_mut(), extra) {
        record.extend(extra);
    }
    record
}

#[test]
fn error_code_null_and_one_of_selection() {
    let rules = sigma();
    let rule = "aws_cloudtrail_guardduty_detector_deleted_or_updated.yml";
    let delete = trail("DeleteDetector", "guardduty", json!({}));
    assert!(
        matches(&rules, rule, &delete),
        "no errorCode is errorCode: null"
    );
    let denied = trail(
        "DeleteDetector",
        "guardduty",
        json!({"errorCode": "AccessDenied"}),
    );
    assert!(!matches(&rules, rule, &denied));
    let disable = trail(
        "UpdateDetector",
        "guardduty",
        json!({"requestParameters": {"detectorId": "d1", "enable": false}}),
    );
    assert!(matches(&rules, rule, &disable), "JSON false is 'false'");
    let enable = trail(
        "UpdateDetector",
        "guardduty",
        json!({"requestParameters": {"detectorId": "d1", "enable": true}}),
    );
    assert!(!matches(&rules, rule, &enable));
}

#[test]
fn contains_on_a_whole_object() {
    let rules = sigma();
    let rule = "aws_disable_bucket_versioning.yml";
    let suspend = trail(
        "PutBucketVersioning",
        "s3",
        json!({"requestParameters": {"bucketName": "orders", "VersioningConfiguration": {"Status": "Suspended"}}}),
    );
    assert!(matches(&rules, rule, &suspend));
    let enable = trail(
        "PutBucketVersioning",
        "s3",
        json!({"requestParameters": {"bucketName": "orders", "VersioningConfiguration": {"Status": "Enabled"}}}),
    );
    assert!(!matches(&rules, rule, &enable));
}

#[test]
fn contains_all_inside_a_policy_document_string() {
    let rules = sigma();
    let rule = "aws_iam_s3browser_templated_s3_bucket_policy_creation.yml";
    let policy = |bucket: &str| {
        trail(
            "PutUserPolicy",
            "iam",
            json!({
                "userAgent": "S3 Browser 11.5.7 https://s3browser.com",
                "requestParameters": {
                    "userName": "bob",
                    "policyName": "s3",
                    "policyDocument": format!(
                        "{{\"Version\":\"2012-10-17\",\"Statement\":[{{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\",\"Resource\":\"arn:aws:s3:::{bucket}/*\"}}]}}"
                    )
                }
            }),
        )
    };
    assert!(matches(&rules, rule, &policy("<YOUR-BUCKET-NAME>")));
    assert!(!matches(&rules, rule, &policy("orders")));
}

#[test]
fn regular_expressions_and_not_one_of_filter() {
    let rules = sigma();
    let rule = "aws_cloudtrail_imds_malicious_usage.yml";
    let instance = |source: &str, ip: &str| {
        trail(
            "ListBuckets",
            source,
            json!({
                "sourceIPAddress": ip,
                "userIdentity": {"type": "AssumedRole", "arn": "arn:aws:sts::111122223333:assumed-role/aws:ec2-instance/i-0abc"}
            }),
        )
    };
    assert!(matches(&rules, rule, &instance("s3", "203.0.113.66")));
    assert!(!matches(&rules, rule, &instance("ssm", "203.0.113.66")));
    assert!(!matches(&rules, rule, &instance("s3", "AWS Internal")));
    let user = trail("ListBuckets", "s3", json!({}));
    assert!(!matches(&rules, rule, &user));

    let rule = "aws_console_getsignintoken.yml";
    let token = |agent: &str| trail("GetSigninToken", "signin", json!({"userAgent": agent}));
    assert!(matches(&rules, rule, &token("Mozilla/5.0")));
    assert!(!matches(&rules, rule, &token("Jersey/${project.version}")));
}

#[test]
fn a_missing_field_is_not_a_value() {
    let rules = sigma();
    let rule = "aws_ec2_vm_export_failure.yml";
    let export = trail("CreateInstanceExportTask", "ec2", json!({}));
    assert!(
        matches(&rules, rule, &export),
        "no error fields: no filter applies"
    );
    let failed = trail(
        "CreateInstanceExportTask",
        "ec2",
        json!({"errorCode": "InvalidParameter", "errorMessage": "no"}),
    );
    assert!(!matches(&rules, rule, &failed));
}

#[test]
fn every_rule_names_its_author() {
    let rules = sigma();
    let unnamed: Vec<_> = rules
        .rules()
        .iter()
        .filter(|r| r.author.is_none())
        .map(|r| &r.title)
        .collect();
    assert!(unnamed.is_empty(), "{unnamed:?}");
}
