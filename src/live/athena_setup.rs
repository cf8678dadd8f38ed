//! `casebook athena setup`: the CloudTrail table in Athena, with partition projection as the AWS
//! documentation describes it (no crawler, no ALTER TABLE ADD PARTITION), over every account and
//! region of a trail's bucket, organization trails included.

use std::path::PathBuf;

use super::{AthenaTable, LiveError, LiveProgress, LiveRequest, LiveSource, Regions, State};

/// Where the trail delivers and what the table covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrailTable {
    pub bucket: String,
    /// A key prefix the trail was configured with, if any.
    pub prefix: Option<String>,
    /// `o-...` for an organization trail (`AWSLogs/o-.../<account>/...`).
    pub org_id: Option<String>,
    /// Accounts and regions to project partitions for.
    pub accounts: Vec<String>,
    pub regions: Vec<String>,
    pub database: String,
    pub table: String,
    /// First day of the projection, `yyyy/MM/dd`.
    pub since: String,
}

impl TrailTable {
    /// `s3://bucket/[prefix/]AWSLogs/[o-id/]`
    fn logs_root(&self) -> String {
        let mut root = format!("s3://{}/", self.bucket);
        let prefix = self.prefix.as_deref().map(|p| p.trim_matches('/'));
        if let Some(prefix) = prefix.filter(|p| !p.is_empty()) {
            root.push_str(prefix);
            root.push('/');
        }
        root.push_str("AWSLogs/");
        if let Some(org) = &self.org_id {
            root.push_str(org);
            root.push('/');
        }
        root
    }

    pub fn create_database(&self) -> String {
        format!("CREATE DATABASE IF NOT EXISTS `{}`", self.database)
    }

    /// The CREATE TABLE statement: AWS's documented CloudTrail schema, partitioned by account,
    /// region (enum projections) and day (date projection on `timestamp`, as the queries use).
    pub fn create_table(&self) -> String {
        let root = self.logs_root();
        format!(
            "CREATE EXTERNAL TABLE IF NOT EXISTS `{database}`.`{table}` (\n{COLUMNS})\n\
             PARTITIONED BY (`account` string, `region` string, `timestamp` string)\n\
             ROW FORMAT SERDE 'org.apache.hive.hcatalog.data.JsonSerDe'\n\
             STORED AS INPUTFORMAT 'com.amazon.emr.cloudtrail.CloudTrailInputFormat'\n\
             OUTPUTFORMAT 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat'\n\
             LOCATION '{root}'\n\
             TBLPROPERTIES (\n  \
               'projection.enabled'='true',\n  \
               'projection.account.type'='enum',\n  \
               'projection.account.values'='{accounts}',\n  \
               'projection.region.type'='enum',\n  \
               'projection.region.values'='{regions}',\n  \
               'projection.timestamp.type'='date',\n  \
               'projection.timestamp.format'='yyyy/MM/dd',\n  \
               'projection.timestamp.interval'='1',\n  \
               'projection.timestamp.interval.unit'='DAYS',\n  \
               'projection.timestamp.range'='{since},NOW',\n  \
               'storage.location.template'='{root}${{account}}/CloudTrail/${{region}}/${{timestamp}}'\n)",
            database = self.database,
            table = self.table,
            accounts = self.accounts.join(","),
            regions = self.regions.join(","),
            since = self.since,
        )
    }
}

/// The columns of AWS's documented CloudTrail table.
const COLUMNS: &str = "  eventversion STRING,
  useridentity STRUCT<
    type: STRING, principalid: STRING, arn: STRING, accountid: STRING, invokedby: STRING,
    accesskeyid: STRING, username: STRING,
    onbehalfof: STRUCT<userid: STRING, identitystorearn: STRING>,
    sessioncontext: STRUCT<
      attributes: STRUCT<mfaauthenticated: STRING, creationdate: STRING>,
      sessionissuer: STRUCT<type: STRING, principalid: STRING, arn: STRING, accountid: STRING,
        username: STRING>,
      ec2roledelivery: STRING,
      webidfederationdata: STRUCT<federatedprovider: STRING, attributes: MAP<STRING,STRING>>>>,
  eventtime STRING,
  eventsource STRING,
  eventname STRING,
  awsregion STRING,
  sourceipaddress STRING,
  useragent STRING,
  errorcode STRING,
  errormessage STRING,
  requestparameters STRING,
  responseelements STRING,
  additionaleventdata STRING,
  requestid STRING,
  eventid STRING,
  readonly STRING,
  resources ARRAY<STRUCT<arn: STRING, accountid: STRING, type: STRING>>,
  eventtype STRING,
  apiversion STRING,
  recipientaccountid STRING,
  serviceeventdetails STRING,
  sharedeventid STRING,
  vpcendpointid STRING,
  vpcendpointaccountid STRING,
  eventcategory STRING,
  addendum STRUCT<reason: STRING, updatedfields: STRING, originalrequestid: STRING,
    originaleventid: STRING>,
  sessioncredentialfromconsole STRING,
  edgedevicedetails STRING,
  tlsdetails STRUCT<tlsversion: STRING, ciphersuite: STRING, clientprovidedhostheader: STRING>
";

/// Where and as whom the statements run.
#[derive(Debug, Clone)]
pub struct Runner {
    pub profile: Option<String>,
    /// The region Athena runs in (default: the profile's).
    pub region: Option<String>,
    /// `s3://bucket/prefix/` for results, unless the workgroup sets one.
    pub output: Option<String>,
    pub workgroup: Option<String>,
}

/// The caller's account (STS GetCallerIdentity), for a table over one's own trail.
pub fn caller_account(runner: &Runner) -> Result<String, SetupError> {
    runtime()?.block_on(async {
        let config = super::sdk_config(runner.profile.as_deref(), runner.region.as_deref()).await;
        let identity = aws_sdk_sts::Client::new(&config)
            .get_caller_identity()
            .send()
            .await
            .map_err(|error| SetupError::Aws(super::coverage::state_of(&error)))?;
        identity
            .account()
            .map(str::to_owned)
            .ok_or_else(|| SetupError::Aws(State::Failed("STS named no account".into())))
    })
}

#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error(transparent)]
    Live(#[from] LiveError),
    #[error("Athena: {0}")]
    Aws(State),
}

fn runtime() -> Result<tokio::runtime::Runtime, LiveError> {
    Ok(tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?)
}

/// Runs the two statements in Athena, one after the other, each polled to its end.
pub fn setup(table: &TrailTable, runner: &Runner, scratch: PathBuf) -> Result<(), SetupError> {
    for sql in [table.create_database(), table.create_table()] {
        let request = LiveRequest {
            profiles: vec![runner.profile.clone()],
            regions: runner
                .region
                .clone()
                .map_or(Regions::Profile, |region| Regions::Listed(vec![region])),
            sources: vec![LiveSource::Athena],
            athena_sql: Some(sql),
            athena: Some(AthenaTable {
                database: table.database.clone(),
                table: table.table.clone(),
                output: runner.output.clone(),
                workgroup: runner.workgroup.clone(),
            }),
            spool: scratch.clone(),
            ..LiveRequest::default()
        };
        let coverage = super::fetch(&request, &LiveProgress::default())?;
        if let Some(entry) = coverage.into_iter().find(|e| !e.state.answered()) {
            return Err(SetupError::Aws(entry.state));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(org: Option<&str>) -> TrailTable {
        TrailTable {
            bucket: "trail-bucket".into(),
            prefix: Some("/audit/".into()),
            org_id: org.map(str::to_owned),
            accounts: vec!["111122223333".into(), "444455556666".into()],
            regions: vec!["eu-west-1".into(), "us-east-1".into()],
            database: "security".into(),
            table: "cloudtrail_logs".into(),
            since: "2024/01/01".into(),
        }
    }

    #[test]
    fn the_table_projects_accounts_regions_and_days_over_the_trail_layout() {
        let sql = table(None).create_table();
        assert!(
            sql.starts_with("CREATE EXTERNAL TABLE IF NOT EXISTS `security`.`cloudtrail_logs`")
        );
        assert!(
            sql.contains("LOCATION 's3://trail-bucket/audit/AWSLogs/'"),
            "{sql}"
        );
        assert!(sql.contains("'projection.account.values'='111122223333,444455556666'"));
        assert!(sql.contains("'projection.region.values'='eu-west-1,us-east-1'"));
        assert!(sql.contains("'projection.timestamp.range'='2024/01/01,NOW'"));
        assert!(sql.contains(
            "'storage.location.template'='s3://trail-bucket/audit/AWSLogs/${account}/CloudTrail/${region}/${timestamp}'"
        ));
        assert!(
            sql.contains("PARTITIONED BY (`account` string, `region` string, `timestamp` string)")
        );
    }

    #[test]
    fn an_organization_trail_has_its_id_before_the_account() {
        let sql = table(Some("o-abc123")).create_table();
        assert!(sql.contains(
            "'s3://trail-bucket/audit/AWSLogs/o-abc123/${account}/CloudTrail/${region}/${timestamp}'"
        ));
    }
}
