//! One finding fetched by its id or ARN, as AWS returns it (for `casebook triage ID`).

use serde_json::Value;

use super::capture::Capture;
use super::coverage::{State, state_of};
use crate::triage::alert::FindingRef;

/// The finding's JSON as GetFindings returned it (GuardDuty camelCase, or ASFF).
pub fn fetch(
    reference: &FindingRef,
    profile: Option<&str>,
    region: Option<&str>,
) -> Result<Value, State> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| State::Failed(e.to_string()))?;
    runtime.block_on(async {
        let region = reference.region().or(region);
        let config = super::sdk_config(profile, region).await;
        let capture = Capture::default();
        let (body, key) = match reference {
            FindingRef::SecurityHub { arn, .. } => {
                use aws_sdk_securityhub::types::{
                    AwsSecurityFindingFilters, StringFilter, StringFilterComparison,
                };
                let filter = StringFilter::builder()
                    .value(arn)
                    .comparison(StringFilterComparison::Equals)
                    .build();
                aws_sdk_securityhub::Client::new(&config)
                    .get_findings()
                    .filters(AwsSecurityFindingFilters::builder().id(filter).build())
                    .customize()
                    .interceptor(capture.clone())
                    .send()
                    .await
                    .map_err(|e| state_of(&e))?;
                (capture.take_bodies(), "Findings")
            }
            FindingRef::GuardDutyId(id) | FindingRef::GuardDutyArn { id, .. } => {
                let client = aws_sdk_guardduty::Client::new(&config);
                let detector = match reference {
                    FindingRef::GuardDutyArn { detector, .. } => detector.clone(),
                    _ => {
                        let listed = client
                            .list_detectors()
                            .send()
                            .await
                            .map_err(|e| state_of(&e))?;
                        listed.detector_ids().first().cloned().ok_or_else(|| {
                            State::NotEnabled("no GuardDuty detector in this region".into())
                        })?
                    }
                };
                client
                    .get_findings()
                    .detector_id(detector)
                    .finding_ids(id)
                    .customize()
                    .interceptor(capture.clone())
                    .send()
                    .await
                    .map_err(|e| state_of(&e))?;
                (capture.take_bodies(), "findings")
            }
        };
        body.iter()
            .filter_map(|bytes| serde_json::from_slice::<Value>(bytes).ok())
            .find_map(|answer| answer.get(key)?.as_array()?.first().cloned())
            .ok_or_else(|| State::Failed("AWS has no finding of that id".into()))
    })
}
