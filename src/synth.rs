//! Deterministic synthetic CloudTrail in the S3 delivery layout, for benchmarks and tests.
//!
//! Records look like real ones (≈1.1 KB each on average, the fields and nesting of management
//! events and S3 data events). One access key, [`NEEDLE_KEY`], is used for one event in a thousand, so a
//! benchmark can filter for a rare entity.

use std::io::Write;
use std::path::{Path, PathBuf};

use flate2::Compression;
use flate2::write::GzEncoder;
use rayon::prelude::*;

use crate::time::{NANOS_PER_SEC, format_rfc3339, parse_timestamp};

pub const NEEDLE_KEY: &str = "AKIASYNTHNEEDLE00001";
const ACCOUNT: &str = "111122223333";
const REGIONS: [&str; 3] = ["us-east-1", "eu-west-1", "us-west-2"];
const START: &str = "2026-11-01T00:00:00Z";

/// SplitMix64: small, fast, and the same sequence everywhere for the same seed.
pub(crate) struct Rng(pub(crate) u64);

impl Rng {
    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    pub(crate) fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }
}

/// Writes `events` records in files of `per_file`, returns the number of files written.
pub fn write_cloudtrail(
    dir: &Path,
    events: usize,
    per_file: usize,
    seed: u64,
) -> std::io::Result<usize> {
    let files = events.div_ceil(per_file);
    (0..files).into_par_iter().try_for_each(|index| {
        let count = per_file.min(events - index * per_file);
        let (path, content) = file(dir, index, count, seed);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
        encoder.write_all(content.as_bytes())?;
        std::fs::write(path, encoder.finish()?)
    })?;
    Ok(files)
}

/// One delivery file: five minutes of one region's events.
fn file(dir: &Path, index: usize, count: usize, seed: u64) -> (PathBuf, String) {
    let mut rng = Rng(seed ^ (index as u64).wrapping_mul(0x2545_f491_4f6c_dd1d));
    let region = REGIONS[index % REGIONS.len()];
    let start = parse_timestamp(START).unwrap_or_default()
        + (index / REGIONS.len()) as i64 * 300 * NANOS_PER_SEC;
    let stamp = format_rfc3339(start);
    let (date, clock) = (&stamp[..10], &stamp[11..16]);
    let folder = dir.join(format!(
        "AWSLogs/{ACCOUNT}/CloudTrail/{region}/{}",
        date.replace('-', "/")
    ));
    let name = format!(
        "{ACCOUNT}_CloudTrail_{region}_{}T{}Z_{:016X}.json.gz",
        date.replace('-', ""),
        clock.replace(':', ""),
        rng.next()
    );
    let mut records = Vec::with_capacity(count);
    for i in 0..count {
        let time = start + (i as i64 * 300 * NANOS_PER_SEC) / count.max(1) as i64;
        records.push(record(&mut rng, region, time));
    }
    (
        folder.join(name),
        format!("{{\"Records\":[{}]}}", records.join(",")),
    )
}

fn record(rng: &mut Rng, region: &str, time: i64) -> String {
    const CALLS: [(&str, &str); 10] = [
        ("s3.amazonaws.com", "GetObject"),
        ("s3.amazonaws.com", "PutObject"),
        ("s3.amazonaws.com", "ListObjects"),
        ("sts.amazonaws.com", "AssumeRole"),
        ("ec2.amazonaws.com", "DescribeInstances"),
        ("kms.amazonaws.com", "Decrypt"),
        ("logs.amazonaws.com", "CreateLogStream"),
        ("iam.amazonaws.com", "GetRole"),
        ("secretsmanager.amazonaws.com", "GetSecretValue"),
        ("dynamodb.amazonaws.com", "Query"),
    ];
    let (service, name) = CALLS[rng.below(CALLS.len() as u64) as usize];
    let user = rng.below(200);
    let key = if rng.below(1000) == 0 {
        NEEDLE_KEY.to_owned()
    } else {
        format!("ASIA{:016X}", rng.next() & 0xffff_ffff_ffff)
    };
    let ip = format!(
        "{}.{}.{}.{}",
        10 + rng.below(200),
        rng.below(256),
        rng.below(256),
        1 + rng.below(254)
    );
    let agent = rng.pick(&[
        "aws-cli/2.15.30 Python/3.11.8 Linux/6.1.0 exe/x86_64.amzn.2023 prompt/off command/s3.cp",
        "aws-sdk-go-v2/1.30.3 os/linux lang/go#1.22.5 md/GOOS#linux md/GOARCH#amd64 api/s3#1.58.2",
        "Boto3/1.34.144 md/Botocore#1.34.144 ua/2.0 os/linux#6.1 md/arch#x86_64 lang/python#3.12.4",
        "console.amazonaws.com",
    ]);
    let error = if rng.below(20) == 0 {
        r#""errorCode":"AccessDenied","errorMessage":"User is not authorized to perform this operation","#
    } else {
        ""
    };
    let bucket = rng.pick(&["orders-prod", "artifacts-ci", "tf-state", "static-assets"]);
    // S3 calls are data events naming the object; the rest are management events.
    let (request, resources, category) = if service == "s3.amazonaws.com" {
        let object = rng.next() & 0xff_ffff;
        (
            format!(r#"{{"bucketName":"{bucket}","key":"data/{object}.json"}}"#),
            format!(
                r#""resources":[{{"type":"AWS::S3::Object","ARN":"arn:aws:s3:::{bucket}/data/{object}.json"}},{{"accountId":"{ACCOUNT}","type":"AWS::S3::Bucket","ARN":"arn:aws:s3:::{bucket}"}}],"#
            ),
            "Data",
        )
    } else {
        (
            format!(r#"{{"roleSessionName":"session-{user}"}}"#),
            String::new(),
            "Management",
        )
    };
    format!(
        concat!(
            r#"{{"eventVersion":"1.09","userIdentity":{{"type":"AssumedRole","principalId":"AROAEXAMPLE{user:04}:session-{user}","#,
            r#""arn":"arn:aws:sts::{account}:assumed-role/app-role-{role}/session-{user}","accountId":"{account}","accessKeyId":"{key}","#,
            r#""sessionContext":{{"sessionIssuer":{{"type":"Role","principalId":"AROAEXAMPLE{user:04}","arn":"arn:aws:iam::{account}:role/app-role-{role}","#,
            r#""accountId":"{account}","userName":"app-role-{role}"}},"attributes":{{"creationDate":"{time}","mfaAuthenticated":"false"}}}}}},"#,
            r#""eventTime":"{time}","eventSource":"{service}","eventName":"{name}","awsRegion":"{region}","sourceIPAddress":"{ip}","#,
            r#""userAgent":"{agent}",{error}"requestParameters":{request},"responseElements":null,"#,
            r#""requestID":"{request_id}","eventID":"{event_id}","readOnly":true,{resources}"eventType":"AwsApiCall","#,
            r#""managementEvent":{management},"recipientAccountId":"{account}","eventCategory":"{category}"}}"#
        ),
        account = ACCOUNT,
        user = user,
        role = user % 12,
        key = key,
        time = format!("{}Z", &format_rfc3339(time)[..19]),
        service = service,
        name = name,
        region = region,
        ip = ip,
        agent = agent,
        error = error,
        request = request,
        request_id = format!("{:016X}{:016X}", rng.next(), rng.next()),
        event_id = uuid_like(rng),
        resources = resources,
        management = category == "Management",
        category = category,
    )
}

pub(crate) fn uuid_like(rng: &mut Rng) -> String {
    let a = rng.next();
    let b = rng.next();
    format!(
        "{:08x}-{:04x}-4{:03x}-a{:03x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xfff,
        b >> 52,
        b & 0xffff_ffff_ffff
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_is_deterministic_and_valid_cloudtrail() {
        let (path_a, content_a) = file(Path::new("/x"), 4, 3, 7);
        let (path_b, content_b) = file(Path::new("/x"), 4, 3, 7);
        assert_eq!((path_a.clone(), &content_a), (path_b, &content_b));
        assert!(path_a.starts_with("/x/AWSLogs/111122223333/CloudTrail/eu-west-1/2026/11/01"));
        let value: serde_json::Value = serde_json::from_str(&content_a).unwrap();
        assert_eq!(value["Records"].as_array().unwrap().len(), 3);
        assert!(
            value["Records"][0]["eventTime"]
                .as_str()
                .unwrap()
                .ends_with('Z')
        );
    }
}
