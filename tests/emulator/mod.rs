//! The AWS emulator (scripts/emulator.py: moto server plus the operations moto lacks) on a free
//! loopback port, one per test, and the calls that seed it and inject faults.
#![allow(dead_code)] // each test binary uses its own subset

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use serde_json::{Value, json};

pub struct Emulator {
    child: Child,
    pub port: u16,
}

/// The Python that has moto installed: $CASEBOOK_EMULATOR_PYTHON, or the virtualenv
/// scripts/test.sh makes.
fn python() -> PathBuf {
    if let Some(python) = std::env::var_os("CASEBOOK_EMULATOR_PYTHON") {
        return PathBuf::from(python);
    }
    let home = std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_default();
    let python = home.join(".cache/casebook-emulator/venv/bin/python");
    assert!(
        python.exists(),
        "the AWS emulator is not installed: scripts/test.sh installs it \
         (moto[server] in ~/.cache/casebook-emulator/venv), or set CASEBOOK_EMULATOR_PYTHON"
    );
    python
}

impl Emulator {
    pub fn start() -> Emulator {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/emulator.py");
        let mut child = Command::new(python())
            .arg(script)
            .args(["--port", "0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the emulator");
        let stdout = child.stdout.take().expect("emulator stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("emulator ready line");
        let port = line
            .trim()
            .strip_prefix("ready ")
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("the emulator did not start: {line:?}"));
        Emulator { child, port }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// A request to the emulator's test API; the answer's JSON.
    pub fn call(&self, method: &str, path: &str, body: &Value) -> Value {
        let body = body.to_string();
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).expect("connect");
        write!(
            stream,
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .expect("send");
        let mut answer = String::new();
        stream.read_to_string(&mut answer).expect("read");
        let (_, json) = answer.split_once("\r\n\r\n").expect("an HTTP answer");
        serde_json::from_str(json).unwrap_or(Value::Null)
    }

    pub fn seed_findings(&self, region: &str, findings: Vec<Value>) {
        self.call(
            "POST",
            "/_casebook/guardduty/findings",
            &json!({ "region": region, "findings": findings }),
        );
    }

    pub fn seed_trail(&self, region: &str, events: Vec<Value>) {
        self.call(
            "POST",
            "/_casebook/cloudtrail/events",
            &json!({ "region": region, "events": events }),
        );
    }

    pub fn seed_config(&self, region: &str, items: Vec<Value>) {
        self.call(
            "POST",
            "/_casebook/config/items",
            &json!({ "region": region, "items": items }),
        );
    }

    pub fn seed_hub(&self, region: &str, findings: Vec<Value>) {
        self.call(
            "POST",
            "/_casebook/securityhub/findings",
            &json!({ "region": region, "findings": findings }),
        );
    }

    /// Log events `(timestamp ms, message)` into a group and stream, created if new.
    pub fn seed_logs(&self, region: &str, group: &str, events: Vec<(u64, String)>) {
        let events: Vec<Value> = events
            .into_iter()
            .map(|(timestamp, message)| json!({"timestamp": timestamp, "message": message}))
            .collect();
        self.call(
            "POST",
            "/_casebook/logs/events",
            &json!({"region": region, "group": group, "stream": "s", "events": events}),
        );
    }

    /// Caps the page size of an operation.
    pub fn page_size(&self, operation: &str, size: usize) {
        self.call(
            "POST",
            "/_casebook/page-size",
            &json!({"operation": operation, "size": size}),
        );
    }

    /// The next `times` requests matching get `kind`: throttle, denied, expired or slow.
    pub fn fault(&self, fault: Value) {
        self.call("POST", "/_casebook/faults", &fault);
    }

    /// The requests the emulator saw: service, operation, region, time.
    pub fn requests(&self) -> Vec<Value> {
        match self.call("GET", "/_casebook/requests", &Value::Null) {
            Value::Array(requests) => requests,
            _ => Vec::new(),
        }
    }

    /// Environment for an SDK client that talks to the emulator with dummy credentials and
    /// never to AWS or the user's own configuration.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("AWS_ENDPOINT_URL", self.url()),
            ("AWS_ACCESS_KEY_ID", "AKIAEMULATOR0000TEST".into()),
            ("AWS_SECRET_ACCESS_KEY", "emulator-secret-not-real".into()),
            ("AWS_REGION", "us-east-1".into()),
            ("AWS_CONFIG_FILE", "/nonexistent/casebook-test".into()),
            (
                "AWS_SHARED_CREDENTIALS_FILE",
                "/nonexistent/casebook-test".into(),
            ),
            ("AWS_EC2_METADATA_DISABLED", "true".into()),
        ]
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A GuardDuty finding as GetFindings returns it on the wire (camelCase).
pub fn finding(id: usize, region: &str, key: &str, updated: &str) -> Value {
    json!({
        "accountId": "123456789012",
        "arn": format!("arn:aws:guardduty:{region}:123456789012:detector/d/finding/f{id}"),
        "createdAt": updated,
        "id": format!("{region}-f{id:04}"),
        "partition": "aws",
        "region": region,
        "schemaVersion": "2.0",
        "resource": {
            "resourceType": "AccessKey",
            "accessKeyDetails": {"accessKeyId": key, "principalId": "AROAEXAMPLE:i-0abc", "userName": "node", "userType": "AssumedRole"}
        },
        "service": {
            "action": {"actionType": "AWS_API_CALL", "awsApiCallAction": {"api": "ListBuckets", "serviceName": "s3.amazonaws.com", "remoteIpDetails": {"ipAddressV4": "203.0.113.66"}}},
            "eventFirstSeen": updated,
            "eventLastSeen": updated,
            "count": 1,
            "serviceName": "guardduty"
        },
        "severity": 8.0,
        "title": "Credentials used from an external IP",
        "type": "UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS",
        "updatedAt": updated
    })
}

/// A CloudTrail record as LookupEvents carries it.
pub fn trail_event(id: usize, region: &str, key: &str, time: &str) -> Value {
    json!({
        "eventVersion": "1.09",
        "userIdentity": {"type": "AssumedRole", "arn": "arn:aws:sts::123456789012:assumed-role/node/i-0abc", "accountId": "123456789012", "accessKeyId": key},
        "eventTime": time,
        "eventSource": "s3.amazonaws.com",
        "eventName": "ListBuckets",
        "awsRegion": region,
        "sourceIPAddress": "203.0.113.66",
        "userAgent": "aws-cli/2.15",
        "requestParameters": null,
        "responseElements": null,
        "eventID": format!("{region}-e{id:04}"),
        "readOnly": true,
        "eventType": "AwsApiCall",
        "recipientAccountId": "123456789012"
    })
}

/// A configuration item as GetResourceConfigHistory returns it (times in epoch seconds).
pub fn config_item(region: &str, kind: &str, id: &str, epoch_seconds: u64, n: usize) -> Value {
    json!({
        "version": "1.3",
        "accountId": "123456789012",
        "configurationItemCaptureTime": epoch_seconds,
        "configurationItemStatus": "OK",
        "configurationStateId": format!("{}{n:04}", epoch_seconds),
        "arn": format!("arn:aws:ec2:{region}:123456789012:security-group/{id}"),
        "resourceType": kind,
        "resourceId": id,
        "awsRegion": region,
        "relationships": [],
        "configuration": json!({"groupId": id, "change": n}).to_string(),
        "supplementaryConfiguration": {}
    })
}

/// An ASFF finding as Security Hub's GetFindings returns it.
pub fn hub_finding(id: usize, region: &str, updated: &str) -> Value {
    json!({
        "SchemaVersion": "2018-10-08",
        "Id": format!("arn:aws:securityhub:{region}:123456789012:finding/h{id:04}"),
        "ProductArn": format!("arn:aws:securityhub:{region}::product/aws/securityhub"),
        "GeneratorId": "aws-foundational-security-best-practices/v/1.0.0/EC2.19",
        "AwsAccountId": "123456789012",
        "Region": region,
        "Types": ["Software and Configuration Checks/Industry and Regulatory Standards"],
        "CreatedAt": updated,
        "UpdatedAt": updated,
        "Severity": {"Label": "HIGH", "Normalized": 70},
        "Title": "Security groups should not allow unrestricted access to ports with high risk",
        "Description": "sg-0abc allows 0.0.0.0/0 on port 22",
        "Resources": [{"Type": "AwsEc2SecurityGroup", "Id": "arn:aws:ec2:eu-west-1:123456789012:security-group/sg-0abc", "Region": region}],
        "RecordState": "ACTIVE",
        "Workflow": {"Status": "NEW"}
    })
}

/// Milliseconds since the epoch, now (CloudWatch Logs refuses events older than 14 days).
pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// `2026-11-18T02:MM:SSZ` for the n-th event, a few seconds apart.
pub fn at(n: usize) -> String {
    format!(
        "2026-11-18T02:{:02}:{:02}Z",
        (n * 7 / 60) % 60,
        (n * 7) % 60
    )
}

/// The window the `live` helper asks for unless the arguments give `--since`.
const WINDOW: [&str; 4] = [
    "--since",
    "2026-11-18T00:00:00Z",
    "--until",
    "2026-11-18T06:00:00Z",
];

/// `casebook ARGS` against the emulator.
pub fn casebook(emulator: &Emulator, args: &[&str]) -> std::process::Output {
    assert_cmd::Command::cargo_bin("casebook")
        .unwrap()
        .envs(emulator.env())
        .args(args)
        .timeout(std::time::Duration::from_secs(120))
        .output()
        .unwrap()
}

/// `casebook live ARGS --format jsonl` against the emulator: exit code, events, stderr.
pub fn live(emulator: &Emulator, args: &[&str]) -> (i32, Vec<Value>, String) {
    let spool = tempfile::tempdir().unwrap();
    let spool = spool.path().display().to_string();
    let window = if args.contains(&"--since") {
        &[][..]
    } else {
        &WINDOW[..]
    };
    let output = casebook(
        emulator,
        &[
            &["live"],
            window,
            args,
            &["--format", "jsonl", "--spool", &spool],
        ]
        .concat(),
    );
    let events = String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    let stderr = String::from_utf8(output.stderr).unwrap();
    (output.status.code().unwrap_or(-1), events, stderr)
}

/// How many events came from `source` in `region`.
pub fn count(events: &[Value], source: &str, region: &str) -> usize {
    events
        .iter()
        .filter(|e| e["source"] == source && e["region"] == region)
        .count()
}

/// When the emulator saw each `operation` request in `region`.
pub fn requests_of(emulator: &Emulator, operation: &str, region: &str) -> Vec<f64> {
    emulator
        .requests()
        .iter()
        .filter(|r| r["operation"] == operation && r["region"] == region)
        .filter_map(|r| r["time"].as_f64())
        .collect()
}

/// The demo case written into `dir`, and its GuardDuty exfiltration finding as an alert file.
pub fn demo_alert(dir: &Path) -> (PathBuf, PathBuf) {
    let demo = dir.join("demo");
    assert_cmd::Command::cargo_bin("casebook")
        .unwrap()
        .args(["demo", "--write", demo.to_str().unwrap()])
        .assert()
        .success();
    let findings: Value =
        serde_json::from_slice(&std::fs::read(demo.join("guardduty/get-findings.json")).unwrap())
            .unwrap();
    let finding = findings["Findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| {
            f["Type"]
                .as_str()
                .unwrap()
                .contains("InstanceCredentialExfiltration")
        })
        .unwrap();
    let alert = dir.join("alert.json");
    std::fs::write(&alert, finding.to_string()).unwrap();
    (demo, alert)
}
