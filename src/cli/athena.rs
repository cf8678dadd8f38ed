//! `casebook athena setup`: the CloudTrail table that `live --query` and `--athena-sql` read.

use std::io::Write;

use anyhow::Result;

use crate::live::athena_setup::{self, Runner, TrailTable};

#[derive(clap::Subcommand)]
pub enum AthenaCommand {
    /// Create the CloudTrail table in Athena, with partition projection (by account, region and
    /// day) over the trail's bucket, as the AWS documentation describes.
    Setup(SetupArgs),
}

#[derive(clap::Args)]
pub struct SetupArgs {
    /// The bucket the trail delivers to.
    #[arg(long)]
    bucket: String,
    /// The key prefix the trail was given, if any.
    #[arg(long)]
    prefix: Option<String>,
    /// The organization id of an organization trail (o-...).
    #[arg(long, value_name = "o-...")]
    org_id: Option<String>,
    /// Accounts to cover, comma-separated (default: the caller's).
    #[arg(long, value_delimiter = ',')]
    accounts: Vec<String>,
    /// Regions to cover, comma-separated (default: the region Athena runs in).
    #[arg(long = "trail-regions", value_delimiter = ',', value_name = "REGIONS")]
    trail_regions: Vec<String>,
    /// The Glue database (created if missing).
    #[arg(long, default_value = "default")]
    database: String,
    #[arg(long, default_value = "cloudtrail_logs")]
    table: String,
    /// First day the table covers, yyyy/MM/dd.
    #[arg(long, default_value = "2020/01/01")]
    since: String,
    #[arg(long)]
    profile: Option<String>,
    /// The region Athena runs in (default: the profile's).
    #[arg(long)]
    region: Option<String>,
    /// Where Athena writes results, s3://bucket/prefix/ (unless the workgroup sets it).
    #[arg(long, value_name = "S3_URL")]
    athena_output: Option<String>,
    #[arg(long, value_name = "NAME")]
    athena_workgroup: Option<String>,
    /// Print the statements instead of running them.
    #[arg(long)]
    print: bool,
}

pub fn run(command: AthenaCommand) -> Result<i32> {
    let AthenaCommand::Setup(args) = command;
    let runner = Runner {
        profile: args.profile,
        region: args.region,
        output: args.athena_output,
        workgroup: args.athena_workgroup,
    };
    let accounts = if args.accounts.is_empty() {
        vec![athena_setup::caller_account(&runner)?]
    } else {
        args.accounts
    };
    let regions = if args.trail_regions.is_empty() {
        runner.region.clone().into_iter().collect()
    } else {
        args.trail_regions
    };
    if regions.is_empty() {
        return Err(super::UsageError(
            "give --trail-regions (the regions the trail logs) or --region".into(),
        )
        .into());
    }
    let table = TrailTable {
        bucket: args.bucket,
        prefix: args.prefix,
        org_id: args.org_id,
        accounts,
        regions,
        database: args.database,
        table: args.table,
        since: args.since,
    };
    let mut out = std::io::stdout().lock();
    if args.print {
        writeln!(
            out,
            "{};\n\n{};",
            table.create_database(),
            table.create_table()
        )?;
        return Ok(0);
    }
    let scratch =
        std::env::temp_dir().join(format!("casebook-athena-setup-{}", std::process::id()));
    let result = athena_setup::setup(&table, &runner, scratch.clone());
    let _ = std::fs::remove_dir_all(&scratch);
    result?;
    writeln!(
        out,
        "created {db}.{name} (accounts {accounts}; regions {regions}; from {since}); hunt with \
         casebook live --athena-database {db} --athena-table {name} --query NAME",
        db = table.database,
        name = table.table,
        accounts = table.accounts.join(","),
        regions = table.regions.join(","),
        since = table.since,
    )?;
    Ok(0)
}
