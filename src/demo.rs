//! The demo case: a deterministic incident in the environment of the threat model, written as AWS
//! delivers it (CloudTrail in the S3 layout, GuardDuty GetFindings output, a Config history file,
//! CloudWatch Logs exports of EKS audit and container logs, VPC flow logs), so opening it goes
//! through the same loaders as real data.
//!
//! The story (2026-11-18, UTC): a contractor's kubeconfig is used from 198.51.100.23 to exec into
//! an `orders-api` pod; from there the EKS node role's credentials are read from the instance
//! metadata service and used from 203.0.113.66 for reconnaissance (an AccessDenied burst), a bulk
//! download from the orders bucket, opening the bastion security group to the world, an attempt
//! to share an RDS snapshot publicly, and StopLogging on the account's own trail. GuardDuty
//! notices. Around it: six hours of the platform's ordinary traffic.

use std::io::Write;
use std::path::{Path, PathBuf};

use flate2::Compression;
use flate2::write::GzEncoder;
use serde_json::{Value, json};

use crate::synth::{Rng, uuid_like};
use crate::time::{NANOS_PER_SEC, format_rfc3339, parse_timestamp};

pub const ACCOUNT: &str = "444455556666";
pub const REGION: &str = "us-east-1";
pub const ATTACKER_IP: &str = "203.0.113.66";
pub const CONTRACTOR_IP: &str = "198.51.100.23";
/// The node role's session key, read from instance metadata and used from outside.
pub const STOLEN_KEY: &str = "ASIAWNODEEXFIL7Q2W4E";
pub const ORDERS_BUCKET: &str = "acme-orders-prod";
pub const BASTION_SG: &str = "sg-0d1e2f3a4b5c6d7e8";
const DAY: &str = "2026-11-18";
const NODE_INSTANCE: &str = "i-0a1b2c3d4e5f60718";
const NODE_IP: &str = "10.0.12.34";
const POD: &str = "orders-api-7d9f8c6b5-x2kqp";
const ATTACKER_AGENT: &str =
    "aws-cli/2.13.5 Python/3.11.4 Linux/6.5.0-kali3-amd64 exe/x86_64.kali.2023 prompt/off";
/// An attacker's tool that tries to rewrite the analyst's terminal title and screen, and to
/// reverse the text after it: drawn inert, it is evidence.
const HOSTILE_AGENT: &str =
    "aws-cli/2.13.5 \u{1b}]0;all clear\u{7}\u{1b}[2J\u{202e}lanigiro-ton-si-siht";

/// How many events the demo holds, by kind, for the README and tests.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct DemoCounts {
    pub cloudtrail: usize,
    pub guardduty: usize,
    pub config: usize,
    pub k8s_audit: usize,
    pub containers: usize,
    pub flows: usize,
}

impl DemoCounts {
    pub fn total(&self) -> usize {
        self.cloudtrail
            + self.guardduty
            + self.config
            + self.k8s_audit
            + self.containers
            + self.flows
    }
}

/// Writes the demo case into `dir` (created if needed).
pub fn write(dir: &Path) -> std::io::Result<DemoCounts> {
    let mut rng = Rng(0x0ca5_eb00_c000_1118);
    let mut counts = DemoCounts::default();

    let mut trail = background_api_calls(&mut rng);
    trail.extend(attack_api_calls(&mut rng));
    counts.cloudtrail = trail.len();
    write_trail(dir, trail)?;

    let findings = guardduty_findings();
    counts.guardduty = findings.len();
    write_json(
        &dir.join("guardduty/get-findings.json"),
        &json!({ "Findings": findings }),
    )?;

    let items = config_items();
    counts.config = items.len();
    write_json(
        &dir.join(format!(
            "config/{ACCOUNT}_Config_{REGION}_ConfigHistory_20261118T060000Z.json"
        )),
        &json!({ "fileVersion": "1.0", "configurationItems": items }),
    )?;

    let audit = k8s_audit(&mut rng);
    counts.k8s_audit = audit.len();
    write_log_export(&dir.join("cloudwatch/eks-orders-prod-audit.json"), audit)?;

    let containers = container_logs(&mut rng);
    counts.containers = containers.len();
    write_log_export(
        &dir.join("cloudwatch/orders-prod-application.json"),
        containers,
    )?;

    let flows = flow_lines(&mut rng);
    counts.flows = flows.len();
    let path = dir.join(format!(
        "vpcflow/{ACCOUNT}_vpcflowlogs_{REGION}_fl-0123456789abcdef0_20261118T0000Z.log"
    ));
    create_parent(&path)?;
    let header = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status";
    std::fs::write(path, format!("{header}\n{}\n", flows.join("\n")))?;
    Ok(counts)
}

/// Where the demo case lives by default: the user's cache directory, versioned so a changed
/// generator writes a fresh copy.
pub fn default_dir() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "casebook").map(|dirs| dirs.cache_dir().join("demo-v1"))
}

/// Writes the demo case into `dir` unless a complete copy is already there. The files are
/// written beside it first and moved in whole, so an interrupted run never leaves half a case.
pub fn ensure(dir: &Path) -> std::io::Result<()> {
    // The marker sits beside the case, not in it, so loading the case never sees it.
    let complete = dir.with_extension("complete");
    if complete.exists() && dir.is_dir() {
        return Ok(());
    }
    let parent = dir.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent)?;
    let staging = parent.join(format!(".demo-staging-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&staging);
    write(&staging)?;
    let _ = std::fs::remove_dir_all(dir);
    std::fs::rename(&staging, dir)?;
    std::fs::write(complete, b"")
}

/// Seconds since the demo day's midnight, as a timestamp.
fn at(seconds: i64) -> i64 {
    parse_timestamp(&format!("{DAY}T00:00:00Z")).unwrap_or_default() + seconds * NANOS_PER_SEC
}

fn hms(h: i64, m: i64, s: i64) -> i64 {
    at(h * 3600 + m * 60 + s)
}

fn stamp(time: i64) -> String {
    format!("{}Z", &format_rfc3339(time)[..19])
}

/// Someone calling AWS: the identity block CloudTrail writes for them, and where they call from.
struct Caller {
    identity: Value,
    ip: &'static str,
    agent: &'static str,
}

fn role_session(
    role: &str,
    session: &str,
    key: &str,
    ip: &'static str,
    agent: &'static str,
) -> Caller {
    let role_id = format!("AROA{:0>17}", role.len() * 7919);
    Caller {
        identity: json!({
            "type": "AssumedRole",
            "principalId": format!("{role_id}:{session}"),
            "arn": format!("arn:aws:sts::{ACCOUNT}:assumed-role/{role}/{session}"),
            "accountId": ACCOUNT,
            "accessKeyId": key,
            "sessionContext": {
                "sessionIssuer": {
                    "type": "Role",
                    "principalId": role_id,
                    "arn": format!("arn:aws:iam::{ACCOUNT}:role/{role}"),
                    "accountId": ACCOUNT,
                    "userName": role
                },
                "attributes": { "creationDate": format!("{DAY}T00:00:00Z"), "mfaAuthenticated": "false" }
            }
        }),
        ip,
        agent,
    }
}

fn node_role(key: &str, ip: &'static str, agent: &'static str) -> Caller {
    role_session("eks-node-orders", NODE_INSTANCE, key, ip, agent)
}

struct Call<'a> {
    time: i64,
    caller: &'a Caller,
    service: &'a str,
    name: &'a str,
    request: Value,
    response: Value,
    error: Option<(&'a str, &'a str)>,
    resources: Value,
}

impl<'a> Call<'a> {
    fn new(time: i64, caller: &'a Caller, service: &'a str, name: &'a str) -> Self {
        Call {
            time,
            caller,
            service,
            name,
            request: Value::Null,
            response: Value::Null,
            error: None,
            resources: Value::Null,
        }
    }
    fn request(mut self, request: Value) -> Self {
        self.request = request;
        self
    }
    fn response(mut self, response: Value) -> Self {
        self.response = response;
        self
    }
    fn denied(mut self) -> Self {
        self.error = Some((
            "AccessDenied",
            "User is not authorized to perform this operation with an explicit deny",
        ));
        self
    }
    fn object(mut self, bucket: &str, key: &str) -> Self {
        self.request = json!({ "bucketName": bucket, "key": key, "Host": format!("{bucket}.s3.{REGION}.amazonaws.com") });
        self.resources = json!([
            { "type": "AWS::S3::Object", "ARN": format!("arn:aws:s3:::{bucket}/{key}") },
            { "accountId": ACCOUNT, "type": "AWS::S3::Bucket", "ARN": format!("arn:aws:s3:::{bucket}") }
        ]);
        self
    }

    fn record(self, rng: &mut Rng, region: &str) -> (i64, String, Value) {
        let data_event = !self.resources.is_null();
        let mut record = json!({
            "eventVersion": "1.09",
            "userIdentity": self.caller.identity,
            "eventTime": stamp(self.time),
            "eventSource": format!("{}.amazonaws.com", self.service),
            "eventName": self.name,
            "awsRegion": region,
            "sourceIPAddress": self.caller.ip,
            "userAgent": self.caller.agent,
            "requestParameters": self.request,
            "responseElements": self.response,
            "requestID": format!("{:016X}{:016X}", rng.next(), rng.next()),
            "eventID": uuid_like(rng),
            "readOnly": self.name.starts_with("Get") || self.name.starts_with("List") || self.name.starts_with("Describe"),
            "eventType": "AwsApiCall",
            "managementEvent": !data_event,
            "recipientAccountId": ACCOUNT,
            "eventCategory": if data_event { "Data" } else { "Management" }
        });
        if let Some((code, message)) = self.error {
            record["errorCode"] = json!(code);
            record["errorMessage"] = json!(message);
        }
        if data_event {
            record["resources"] = self.resources;
        }
        (self.time, region.to_owned(), record)
    }
}

const BOTO: &str =
    "Boto3/1.34.144 md/Botocore#1.34.144 ua/2.0 os/linux#6.1.102 md/arch#x86_64 lang/python#3.12.4";
const GO_SDK: &str = "aws-sdk-go-v2/1.30.3 os/linux lang/go#1.22.5 md/GOOS#linux md/GOARCH#amd64";
const CONSOLE: &str = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15";
const CLI: &str = "aws-cli/2.15.30 Python/3.11.8 Linux/6.1.0 exe/x86_64.amzn.2023 prompt/off command/ecr.get-login-password";

type TrailRecord = (i64, String, Value);

/// Six hours of the platform at work: the orders service reading its bucket, secrets and keys,
/// nodes pulling images, CI deploying, an administrator looking around.
fn background_api_calls(rng: &mut Rng) -> Vec<TrailRecord> {
    let orders_api = role_session(
        "orders-api-irsa",
        "botocore-session-1763424000",
        "ASIAWORDERSAPI0IRSA1",
        "10.0.12.34",
        BOTO,
    );
    let node = node_role("ASIAWNODEPROD0K8S001", NODE_IP, GO_SDK);
    let deploy = role_session(
        "github-deploy",
        "GitHubActions",
        "ASIAWGITHUBDEPLOY001",
        "140.82.112.24",
        CLI,
    );
    let admin = role_session(
        "AWSReservedSSO_PlatformAdmin_0f1e2d3c4b5a6978",
        "alice@acme.example",
        "ASIAWSSOALICE0000001",
        "192.0.2.10",
        CONSOLE,
    );
    let mut records = Vec::new();
    let mut second = 0;
    while second < 6 * 3600 {
        second += 4 + rng.below(7) as i64;
        let time = at(second);
        let call = match rng.below(20) {
            0..=7 => {
                let key = format!("exports/2026/11/18/orders-{:06}.json.gz", rng.below(400_000));
                Call::new(time, &orders_api, "s3", rng.pick(&["GetObject", "GetObject", "PutObject"])).object(ORDERS_BUCKET, &key)
            }
            8..=9 => Call::new(time, &orders_api, "secretsmanager", "GetSecretValue")
                .request(json!({ "secretId": format!("arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:prod/orders/db-AbCdEf") })),
            10..=11 => Call::new(time, &orders_api, "kms", "Decrypt")
                .request(json!({ "encryptionAlgorithm": "SYMMETRIC_DEFAULT", "keyId": format!("arn:aws:kms:{REGION}:{ACCOUNT}:key/5f0e8c1a-2b3d-4e5f-8a9b-0c1d2e3f4a5b") })),
            12..=13 => Call::new(time, &node, "ecr", rng.pick(&["GetAuthorizationToken", "BatchGetImage", "GetDownloadUrlForLayer"]))
                .request(json!({ "repositoryName": "orders-api", "registryId": ACCOUNT })),
            14 => Call::new(time, &node, "ec2", "DescribeInstances").request(json!({ "instancesSet": { "items": [{ "instanceId": NODE_INSTANCE }] } })),
            15 => Call::new(time, &orders_api, "sts", "AssumeRoleWithWebIdentity")
                .request(json!({ "roleArn": format!("arn:aws:iam::{ACCOUNT}:role/orders-api-irsa"), "roleSessionName": "botocore-session-1763424000" })),
            16 => Call::new(time, &deploy, "ecs", "DescribeServices").request(json!({ "cluster": "orders-prod", "services": ["orders-api"] })),
            17 => Call::new(time, &deploy, "s3", "PutObject").object("acme-ci-artifacts", &format!("orders-api/{:08x}/sbom.spdx.json", rng.next() as u32)),
            18 => Call::new(time, &admin, "ec2", rng.pick(&["DescribeSecurityGroups", "DescribeVpcs", "DescribeInstances"])),
            _ => Call::new(time, &admin, "cloudwatch", rng.pick(&["GetMetricData", "DescribeAlarms"])),
        };
        let region = if rng.below(10) == 0 {
            "eu-west-1"
        } else {
            REGION
        };
        records.push(call.record(rng, region));
    }
    let login = Call::new(hms(1, 58, 3), &admin, "signin", "ConsoleLogin")
        .response(json!({ "ConsoleLogin": "Success" }));
    records.push(login.record(rng, REGION));
    records
}

/// What the stolen node credentials did from outside.
fn attack_api_calls(rng: &mut Rng) -> Vec<TrailRecord> {
    let attacker = node_role(STOLEN_KEY, ATTACKER_IP, ATTACKER_AGENT);
    let hostile = node_role(STOLEN_KEY, ATTACKER_IP, HOSTILE_AGENT);
    let mut calls = vec![
        Call::new(hms(2, 47, 12), &attacker, "sts", "GetCallerIdentity"),
        Call::new(hms(2, 47, 40), &hostile, "s3", "ListBuckets")
            .request(json!({ "Host": "s3.amazonaws.com" })),
    ];
    let recon = [
        ("iam", "ListRoles"),
        ("iam", "ListUsers"),
        ("iam", "GetAccountAuthorizationDetails"),
        ("iam", "ListAttachedRolePolicies"),
        ("secretsmanager", "ListSecrets"),
        ("organizations", "DescribeOrganization"),
        ("iam", "ListAccessKeys"),
        ("kms", "ListKeys"),
        ("lambda", "ListFunctions20150331"),
        ("iam", "GetUser"),
        ("sso", "ListInstances"),
        ("cloudtrail", "DescribeTrails"),
    ];
    for (i, (service, name)) in recon.iter().enumerate() {
        let call = Call::new(hms(2, 48, 5 + 4 * i as i64), &attacker, service, name);
        calls.push(if *name == "DescribeTrails" {
            call
        } else {
            call.denied()
        });
    }
    for (i, name) in [
        "DescribeInstances",
        "DescribeSecurityGroups",
        "DescribeDBInstances",
        "DescribeDBSnapshots",
    ]
    .iter()
    .enumerate()
    {
        let service = if name.contains("DB") { "rds" } else { "ec2" };
        calls.push(Call::new(
            hms(2, 50, 10 + 9 * i as i64),
            &attacker,
            service,
            name,
        ));
    }
    calls.push(
        Call::new(hms(2, 52, 31), &attacker, "s3", "GetBucketPolicy")
            .request(json!({ "bucketName": ORDERS_BUCKET, "policy": "" })),
    );
    calls.push(
        Call::new(hms(2, 52, 48), &attacker, "s3", "ListObjects").object(ORDERS_BUCKET, "exports/"),
    );
    for i in 0..240 {
        let key = format!("exports/2026/11/orders-{:06}.csv.gz", 1000 + i);
        calls.push(
            Call::new(
                hms(2, 55, 0) + i * 2 * NANOS_PER_SEC,
                &attacker,
                "s3",
                "GetObject",
            )
            .object(ORDERS_BUCKET, &key),
        );
    }
    calls.push(
        Call::new(hms(3, 4, 40), &attacker, "ec2", "AuthorizeSecurityGroupIngress").request(json!({
            "groupId": BASTION_SG,
            "ipPermissions": { "items": [{ "ipProtocol": "tcp", "fromPort": 22, "toPort": 22,
                "ipRanges": { "items": [{ "cidrIp": "0.0.0.0/0", "description": "temp" }] } }] }
        })).response(json!({ "_return": true, "securityGroupRuleSet": { "items": [{ "groupId": BASTION_SG, "cidrIpv4": "0.0.0.0/0", "fromPort": 22 }] } })),
    );
    calls.push(
        Call::new(hms(3, 6, 2), &attacker, "rds", "CreateDBSnapshot")
            .request(json!({ "dBSnapshotIdentifier": "orders-db-exfil-1118", "dBInstanceIdentifier": "orders-db" })),
    );
    for (offset, accounts) in [(75, json!(["all"])), (102, json!(["999988887777"]))] {
        calls.push(
            Call::new(hms(3, 6, 0) + offset * NANOS_PER_SEC, &attacker, "rds", "ModifyDBSnapshotAttribute")
                .request(json!({ "dBSnapshotIdentifier": "orders-db-exfil-1118", "attributeName": "restore", "valuesToAdd": accounts }))
                .denied(),
        );
    }
    calls.push(
        Call::new(hms(3, 9, 30), &attacker, "cloudtrail", "StopLogging")
            .request(json!({ "name": format!("arn:aws:cloudtrail:{REGION}:{ACCOUNT}:trail/acme-prod-audit") })),
    );
    let mut records: Vec<TrailRecord> = calls
        .into_iter()
        .map(|call| call.record(rng, REGION))
        .collect();
    records.push(instance_credentials(rng));
    records
}

/// EC2 refreshing the node's instance-profile credentials: the AssumeRole that issued the key
/// the attacker later read from instance metadata.
fn instance_credentials(rng: &mut Rng) -> TrailRecord {
    let ec2 = Caller {
        identity: json!({ "type": "AWSService", "invokedBy": "ec2.amazonaws.com" }),
        ip: "ec2.amazonaws.com",
        agent: "ec2.amazonaws.com",
    };
    let role = format!("arn:aws:iam::{ACCOUNT}:role/eks-node-orders");
    Call::new(hms(2, 12, 40), &ec2, "sts", "AssumeRole")
        .request(json!({ "roleArn": role, "roleSessionName": NODE_INSTANCE }))
        .response(json!({
            "credentials": {
                "accessKeyId": STOLEN_KEY,
                "sessionToken": "IQoJb3JpZ2luX2VjEDemoSessionTokenNeverShown",
                "expiration": "Nov 18, 2026, 8:45:12 AM"
            },
            "assumedRoleUser": {
                "assumedRoleId": format!("AROA{:0>17}:{NODE_INSTANCE}", "eks-node-orders".len() * 7919),
                "arn": format!("arn:aws:sts::{ACCOUNT}:assumed-role/eks-node-orders/{NODE_INSTANCE}")
            }
        }))
        .record(rng, REGION)
}

/// Delivery files of five minutes per region, in the S3 layout, gzip-compressed.
fn write_trail(dir: &Path, mut records: Vec<TrailRecord>) -> std::io::Result<()> {
    records.sort_by(|a, b| (&a.1, a.0).cmp(&(&b.1, b.0)));
    let chunks = records
        .chunk_by(|a, b| a.1 == b.1 && a.0 / (300 * NANOS_PER_SEC) == b.0 / (300 * NANOS_PER_SEC));
    for (index, chunk) in chunks.enumerate() {
        let (time, region, _) = &chunk[0];
        let start = time - time.rem_euclid(300 * NANOS_PER_SEC);
        let stamp = format_rfc3339(start);
        let folder = dir.join(format!(
            "AWSLogs/{ACCOUNT}/CloudTrail/{region}/{}",
            stamp[..10].replace('-', "/")
        ));
        let name = format!(
            "{ACCOUNT}_CloudTrail_{region}_{}T{}Z_demo{index:04}.json.gz",
            stamp[..10].replace('-', ""),
            stamp[11..16].replace(':', "")
        );
        let records: Vec<&Value> = chunk.iter().map(|(_, _, record)| record).collect();
        std::fs::create_dir_all(&folder)?;
        let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
        serde_json::to_writer(&mut encoder, &json!({ "Records": records }))?;
        std::fs::write(folder.join(name), encoder.finish()?)?;
    }
    Ok(())
}

fn guardduty_findings() -> Vec<Value> {
    let detector = "12abc34d567e8fa901bc2d34e56789f0";
    let finding = |id: &str,
                   kind: &str,
                   severity: f64,
                   first: i64,
                   last: i64,
                   title: &str,
                   resource: Value,
                   action: Value| {
        json!({
            "AccountId": ACCOUNT,
            "Arn": format!("arn:aws:guardduty:{REGION}:{ACCOUNT}:detector/{detector}/finding/{id}"),
            "CreatedAt": format!("{}.123Z", &stamp(last)[..19]),
            "UpdatedAt": format!("{}.456Z", &stamp(last + 60 * NANOS_PER_SEC)[..19]),
            "Description": title,
            "Id": id,
            "Partition": "aws",
            "Region": REGION,
            "SchemaVersion": "2.0",
            "Resource": resource,
            "Service": {
                "Action": action,
                "Archived": false,
                "Count": 1,
                "DetectorId": detector,
                "EventFirstSeen": stamp(first),
                "EventLastSeen": stamp(last),
                "ResourceRole": "TARGET",
                "ServiceName": "guardduty"
            },
            "Severity": severity,
            "Title": title,
            "Type": kind
        })
    };
    let key = json!({
        "ResourceType": "AccessKey",
        "AccessKeyDetails": {
            "AccessKeyId": STOLEN_KEY,
            "PrincipalId": format!("AROA{:0>17}:{NODE_INSTANCE}", "eks-node-orders".len() * 7919),
            "UserName": "eks-node-orders",
            "UserType": "AssumedRole"
        }
    });
    let api_call = |api: &str, service: &str| {
        json!({
            "ActionType": "AWS_API_CALL",
            "AwsApiCallAction": {
                "Api": api,
                "CallerType": "Remote IP",
                "ServiceName": service,
                "UserAgent": ATTACKER_AGENT,
                "RemoteIpDetails": {
                    "IpAddressV4": ATTACKER_IP,
                    "Country": { "CountryName": "Netherlands" },
                    "Organization": { "Asn": "64501", "AsnOrg": "Example Hosting BV", "Isp": "Example Hosting BV", "Org": "Example Hosting BV" }
                }
            }
        })
    };
    let mut bucket = key.clone();
    bucket["ResourceType"] = json!("S3Bucket");
    bucket["S3BucketDetails"] = json!([{ "Arn": format!("arn:aws:s3:::{ORDERS_BUCKET}"), "Name": ORDERS_BUCKET, "Type": "Destination" }]);
    vec![
        finding(
            "a2c6f1b0e3d94f7a8b5c2d1e0f9a8b7c",
            "Recon:EC2/PortProbeUnprotectedPort",
            2.0,
            hms(1, 13, 5),
            hms(1, 41, 50),
            "Unprotected port on EC2 instance i-0b9c8d7e6f5a43210 is being probed.",
            json!({ "ResourceType": "Instance", "InstanceDetails": { "InstanceId": "i-0b9c8d7e6f5a43210", "NetworkInterfaces": [{ "PrivateIpAddress": "10.0.3.17" }] } }),
            json!({ "ActionType": "PORT_PROBE", "PortProbeAction": { "Blocked": false, "PortProbeDetails": [{ "LocalPortDetails": { "Port": 443 }, "RemoteIpDetails": { "IpAddressV4": "192.0.2.200" } }] } }),
        ),
        finding(
            "b7e4c2a9d1f04e6b9c3a8d7e6f5a4b3c",
            "UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS",
            8.0,
            hms(2, 47, 12),
            hms(3, 9, 30),
            "Credentials for instance role eks-node-orders used from external IP address.",
            key.clone(),
            api_call("GetCallerIdentity", "sts.amazonaws.com"),
        ),
        finding(
            "c1d2e3f4a5b64c7d8e9f0a1b2c3d4e5f",
            "Discovery:IAMUser/AnomalousBehavior",
            5.0,
            hms(2, 48, 5),
            hms(2, 50, 37),
            "APIs commonly used in Discovery tactics were invoked by user AssumedRole : eks-node-orders.",
            key.clone(),
            api_call("ListRoles", "iam.amazonaws.com"),
        ),
        finding(
            "d4e5f6a7b8c94d0e1f2a3b4c5d6e7f80",
            "Exfiltration:S3/AnomalousBehavior",
            8.0,
            hms(2, 55, 0),
            hms(3, 2, 58),
            "Anomalous S3 API calls invoked by AssumedRole : eks-node-orders on bucket acme-orders-prod.",
            bucket,
            api_call("GetObject", "s3.amazonaws.com"),
        ),
        finding(
            "e8f9a0b1c2d34e5f6a7b8c9d0e1f2a3b",
            "Stealth:IAMUser/CloudTrailLoggingDisabled",
            2.0,
            hms(3, 9, 30),
            hms(3, 9, 30),
            "AWS CloudTrail trail acme-prod-audit was disabled.",
            key,
            api_call("StopLogging", "cloudtrail.amazonaws.com"),
        ),
    ]
}

fn config_items() -> Vec<Value> {
    let item = |time: i64,
                kind: &str,
                id: &str,
                arn: String,
                status: &str,
                configuration: Value,
                relationships: Value| {
        json!({
            "configurationItemVersion": "1.3",
            "configurationItemCaptureTime": format!("{}.000Z", &stamp(time)[..19]),
            "configurationStateId": time / NANOS_PER_SEC,
            "awsAccountId": ACCOUNT,
            "configurationItemStatus": status,
            "resourceType": kind,
            "resourceId": id,
            "resourceName": id,
            "ARN": arn,
            "awsRegion": REGION,
            "availabilityZone": "Not Applicable",
            "tags": {},
            "relatedEvents": [],
            "relationships": relationships,
            "configuration": configuration,
            "supplementaryConfiguration": {}
        })
    };
    let sg_arn = format!("arn:aws:ec2:{REGION}:{ACCOUNT}:security-group/{BASTION_SG}");
    let vpc = json!([{ "resourceType": "AWS::EC2::VPC", "resourceId": "vpc-0123456789abcdef0", "relationshipName": "Is contained in Vpc" }]);
    let permission = |cidr: &str| json!({ "ipProtocol": "tcp", "fromPort": 22, "toPort": 22, "ipv4Ranges": [{ "cidrIp": cidr }] });
    let sg = |permissions: Value| json!({ "groupName": "orders-bastion", "groupId": BASTION_SG, "vpcId": "vpc-0123456789abcdef0", "ipPermissions": permissions });
    let snapshot_arn = format!("arn:aws:rds:{REGION}:{ACCOUNT}:snapshot:orders-db-exfil-1118");
    vec![
        item(
            hms(0, 12, 0),
            "AWS::EC2::SecurityGroup",
            BASTION_SG,
            sg_arn.clone(),
            "OK",
            sg(json!([permission("10.20.0.0/16")])),
            vpc.clone(),
        ),
        item(
            hms(0, 31, 0),
            "AWS::S3::Bucket",
            ORDERS_BUCKET,
            format!("arn:aws:s3:::{ORDERS_BUCKET}"),
            "OK",
            json!({ "name": ORDERS_BUCKET, "owner": { "id": "5f7e1c0d" } }),
            json!([]),
        ),
        item(
            hms(3, 4, 52),
            "AWS::EC2::SecurityGroup",
            BASTION_SG,
            sg_arn,
            "OK",
            sg(json!([permission("10.20.0.0/16"), permission("0.0.0.0/0")])),
            vpc,
        ),
        item(
            hms(3, 6, 31),
            "AWS::RDS::DBSnapshot",
            "orders-db-exfil-1118",
            snapshot_arn,
            "ResourceDiscovered",
            json!({ "dBSnapshotIdentifier": "orders-db-exfil-1118", "dBInstanceIdentifier": "orders-db", "snapshotType": "manual", "encrypted": true }),
            json!([{ "resourceType": "AWS::RDS::DBInstance", "resourceId": "orders-db", "relationshipName": "Is associated with DBInstance" }]),
        ),
        item(
            hms(3, 9, 41),
            "AWS::CloudTrail::Trail",
            "acme-prod-audit",
            format!("arn:aws:cloudtrail:{REGION}:{ACCOUNT}:trail/acme-prod-audit"),
            "OK",
            json!({ "name": "acme-prod-audit", "isLogging": false, "s3BucketName": "acme-prod-audit-logs" }),
            json!([]),
        ),
    ]
}

/// One CloudWatch Logs event as `aws logs filter-log-events` prints it.
fn log_event(rng: &mut Rng, stream: &str, time: i64, message: String) -> Value {
    let millis = time / 1_000_000;
    json!({
        "logStreamName": stream,
        "timestamp": millis,
        "message": message,
        "ingestionTime": millis + 900,
        "eventId": format!("{:056}", rng.next() as u128 * 1_000_000 + millis as u128)
    })
}

fn write_log_export(path: &Path, events: Vec<Value>) -> std::io::Result<()> {
    write_json(path, &json!({ "events": events, "searchedLogStreams": [] }))
}

/// `who` is (user, source IP, user agent); `resource` is (resource[/subresource], namespace, name).
fn audit_event(
    rng: &mut Rng,
    time: i64,
    who: (&str, &str, &str),
    verb: &str,
    uri: &str,
    resource: (&str, &str, &str),
    code: u16,
) -> String {
    let (user, ip, agent) = who;
    let (kind, namespace, name) = resource;
    let (subresource, kind) = kind
        .split_once('/')
        .map_or((None, kind), |(k, s)| (Some(s), k));
    let mut object =
        json!({ "resource": kind, "namespace": namespace, "name": name, "apiVersion": "v1" });
    if let Some(subresource) = subresource {
        object["subresource"] = json!(subresource);
    }
    let stage_time = format!(
        "{}.{:06}Z",
        &format_rfc3339(time)[..19],
        (time / 1000) % 1_000_000
    );
    json!({
        "kind": "Event",
        "apiVersion": "audit.k8s.io/v1",
        "level": "Metadata",
        "auditID": uuid_like(rng),
        "stage": "ResponseComplete",
        "requestURI": uri,
        "verb": verb,
        "user": { "username": user, "groups": ["system:authenticated"] },
        "sourceIPs": [ip],
        "userAgent": agent,
        "objectRef": object,
        "responseStatus": { "metadata": {}, "code": code },
        "requestReceivedTimestamp": stage_time,
        "stageTimestamp": stage_time,
        "annotations": { "authorization.k8s.io/decision": if code < 400 { "allow" } else { "forbid" } }
    })
    .to_string()
}

fn k8s_audit(rng: &mut Rng) -> Vec<Value> {
    let stream = "kube-apiserver-audit-3f2a9c1b0d8e7f6a5b4c3d2e1f0a9b8c";
    let mut events = Vec::new();
    let mut second = 0;
    while second < 6 * 3600 {
        second += 20 + rng.below(40) as i64;
        let (user, verb, resource) = match rng.below(4) {
            0 => (
                "system:serviceaccount:kube-system:coredns",
                "watch",
                ("endpointslices", "", ""),
            ),
            1 => (
                "system:node:ip-10-0-12-34.ec2.internal",
                "get",
                ("nodes", "", "ip-10-0-12-34.ec2.internal"),
            ),
            2 => (
                "system:serviceaccount:orders:orders-api",
                "get",
                ("configmaps", "orders", "orders-api-config"),
            ),
            _ => (
                "system:kube-controller-manager",
                "update",
                ("leases", "kube-system", "kube-controller-manager"),
            ),
        };
        let uri = format!("/api/v1/{}", resource.0);
        let message = audit_event(
            rng,
            at(second),
            (user, "10.0.0.15", "kube-apiserver/v1.30.4 (linux/amd64)"),
            verb,
            &uri,
            resource,
            200,
        );
        events.push(log_event(rng, stream, at(second), message));
    }
    let contractor = "dev-contractor@acme.example";
    let kubectl = "kubectl/v1.29.3 (darwin/arm64) kubernetes/6813625";
    let attack = [
        (
            hms(2, 40, 12),
            "list",
            "/api/v1/namespaces/orders/pods",
            ("pods", "orders", ""),
            200,
        ),
        (
            hms(2, 40, 31),
            "list",
            "/api/v1/namespaces/orders/secrets",
            ("secrets", "orders", ""),
            403,
        ),
        (
            hms(2, 41, 7),
            "create",
            "/api/v1/namespaces/orders/pods/orders-api-7d9f8c6b5-x2kqp/exec?command=sh&container=orders-api&stdin=true&stdout=true&tty=true",
            ("pods/exec", "orders", POD),
            101,
        ),
    ];
    for (time, verb, uri, resource, code) in attack {
        let message = audit_event(
            rng,
            time,
            (contractor, CONTRACTOR_IP, kubectl),
            verb,
            uri,
            resource,
            code,
        );
        events.push(log_event(rng, stream, time, message));
    }
    events.sort_by_key(|e| e["timestamp"].as_i64());
    events
}

fn container_logs(rng: &mut Rng) -> Vec<Value> {
    let mut events = Vec::new();
    let line = |time: i64, container: &str, pod: &str, log: String| {
        json!({
            "time": format!("{}.{:09}Z", &format_rfc3339(time)[..19], time.rem_euclid(NANOS_PER_SEC)),
            "stream": "stdout",
            "log": log,
            "kubernetes": { "pod_name": pod, "namespace_name": "orders", "container_name": container, "host": "ip-10-0-12-34.ec2.internal" }
        })
        .to_string()
    };
    let mut second = 0;
    while second < 6 * 3600 {
        second += 30 + rng.below(60) as i64;
        let status = if rng.below(25) == 0 { 500 } else { 200 };
        let log = format!(
            "{{\"level\":\"info\",\"msg\":\"request\",\"method\":\"{}\",\"path\":\"/v1/orders/{}\",\"status\":{status},\"ms\":{}}}",
            if rng.below(3) == 0 { "POST" } else { "GET" },
            rng.below(900_000),
            3 + rng.below(120)
        );
        let stream = format!("orders-api/{POD}");
        events.push(log_event(
            rng,
            &stream,
            at(second),
            line(at(second), "orders-api", POD, log),
        ));
    }
    let falco = [
        (
            hms(2, 41, 9),
            "Notice A shell was spawned in a container with an attached terminal (user=root shell=sh parent=runc cmdline=sh terminal=34816 container_id=9f1e2d3c4b5a k8s.ns=orders k8s.pod=orders-api-7d9f8c6b5-x2kqp)",
        ),
        (
            hms(2, 43, 51),
            "Notice Contact EC2 Instance Metadata Service From Container (command=curl -s http://169.254.169.254/latest/meta-data/iam/security-credentials/eks-node-orders connection=10.0.12.34:51812->169.254.169.254:80 k8s.ns=orders k8s.pod=orders-api-7d9f8c6b5-x2kqp)",
        ),
    ];
    for (time, output) in falco {
        let log = json!({ "output": output, "priority": "Notice", "rule": output.split(" (").next().unwrap_or(output), "source": "syscall" }).to_string();
        events.push(log_event(
            rng,
            "falco/falco-7xk2p",
            time,
            line(time, "falco", "falco-7xk2p", log),
        ));
    }
    events.sort_by_key(|e| e["timestamp"].as_i64());
    events
}

fn flow_lines(rng: &mut Rng) -> Vec<String> {
    let eni = "eni-0f1e2d3c4b5a69788";
    let flow = |src: &str,
                dst: &str,
                sport: u64,
                dport: u64,
                packets: u64,
                bytes: u64,
                start: i64,
                action: &str| {
        let start = start / NANOS_PER_SEC;
        format!(
            "2 {ACCOUNT} {eni} {src} {dst} {sport} {dport} 6 {packets} {bytes} {start} {} {action} OK",
            start + 60
        )
    };
    let mut lines = Vec::new();
    let mut second = 0;
    while second < 6 * 3600 {
        second += 15 + rng.below(30) as i64;
        let port = 30000 + rng.below(30000);
        let line = match rng.below(3) {
            0 => flow(
                NODE_IP,
                "10.0.40.12",
                port,
                5432,
                20 + rng.below(80),
                4000 + rng.below(90_000),
                at(second),
                "ACCEPT",
            ),
            1 => flow(
                "10.0.1.25",
                NODE_IP,
                port,
                8080,
                10 + rng.below(50),
                2000 + rng.below(40_000),
                at(second),
                "ACCEPT",
            ),
            _ => flow(
                &format!("192.0.2.{}", 1 + rng.below(250)),
                "10.0.3.17",
                port,
                22,
                1,
                44,
                at(second),
                "REJECT",
            ),
        };
        lines.push(line);
    }
    // The reverse shell's download, then SSH to the bastion once its group is open.
    for minute in 0..8 {
        lines.push(flow(
            NODE_IP,
            ATTACKER_IP,
            51900 + minute,
            443,
            41_000,
            61_000_000 + minute * 1_250_000,
            hms(2, 44, 0) + minute as i64 * 60 * NANOS_PER_SEC,
            "ACCEPT",
        ));
    }
    lines.push(flow(
        ATTACKER_IP,
        "10.0.1.10",
        60122,
        22,
        310,
        48_213,
        hms(3, 5, 20),
        "ACCEPT",
    ));
    lines.push(flow(
        ATTACKER_IP,
        "10.0.1.10",
        60110,
        22,
        2,
        120,
        hms(2, 59, 58),
        "REJECT",
    ));
    lines
}

fn create_parent(path: &Path) -> std::io::Result<()> {
    match path.parent() {
        Some(parent) => std::fs::create_dir_all(parent),
        None => Ok(()),
    }
}

fn write_json(path: &Path, value: &Value) -> std::io::Result<()> {
    create_parent(path)?;
    let mut file = std::io::BufWriter::new(std::fs::File::create(path)?);
    serde_json::to_writer_pretty(&mut file, value)?;
    file.flush()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::Source;
    use crate::load::{LoadOptions, load};
    use crate::timeline::filter;

    #[test]
    fn demo_loads_completely_and_tells_the_story() {
        let dir = tempfile::tempdir().unwrap();
        let counts = write(dir.path()).unwrap();
        let loaded = load(&[dir.path().to_path_buf()], &LoadOptions::default()).unwrap();
        let skipped: usize = loaded.files.iter().map(|f| f.skipped.total).sum();
        assert_eq!(skipped, 0);
        assert!(loaded.files.iter().all(|f| f.error.is_none()));
        assert_eq!(loaded.timeline.len(), counts.total());
        let by_source = |source: Source| -> usize {
            loaded
                .files
                .iter()
                .map(|f| f.by_source[source as usize])
                .sum()
        };
        assert_eq!(by_source(Source::CloudTrail), counts.cloudtrail);
        assert_eq!(by_source(Source::GuardDuty), counts.guardduty);
        assert_eq!(by_source(Source::Config), counts.config);
        assert_eq!(by_source(Source::K8sAudit), counts.k8s_audit);
        assert_eq!(by_source(Source::VpcFlow), counts.flows);
        assert!(
            counts.total() > 3000,
            "thousands of ordinary events: {counts:?}"
        );

        let count = |expression: &str| {
            let parsed = filter::parse(expression, 0).unwrap();
            loaded.timeline.filter(&parsed).unwrap().len()
        };
        // The stolen key: its API calls and the four GuardDuty findings that name it.
        assert_eq!(
            count(&format!("access_key:{STOLEN_KEY} source:cloudtrail")),
            2 + 12 + 4 + 2 + 240 + 5
        );
        assert_eq!(
            count(&format!("access_key:{STOLEN_KEY} source:guardduty")),
            4
        );
        assert_eq!(
            count(&format!("access_key:{STOLEN_KEY} outcome:failure")),
            11 + 2
        );
        assert_eq!(count(&format!("ip:{ATTACKER_IP} source:vpcflow")), 10);
        assert_eq!(count(&format!("ip:{CONTRACTOR_IP}")), 3);
        // The ingress call and the two configuration items of the group.
        assert_eq!(count(&format!("resource:{BASTION_SG}")), 1 + 2);
    }

    #[test]
    fn demo_is_deterministic() {
        let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        write(a.path()).unwrap();
        write(b.path()).unwrap();
        let read = |dir: &Path| {
            let mut files: Vec<_> = crate::sources::files::discover(&[dir.to_path_buf()]).0;
            files.sort();
            files
                .iter()
                .map(|f| {
                    (
                        f.strip_prefix(dir).unwrap().to_path_buf(),
                        std::fs::read(f).unwrap(),
                    )
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(read(a.path()), read(b.path()));
    }
}
