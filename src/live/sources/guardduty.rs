//! GuardDuty: ListDetectors, ListFindings with criteria, GetFindings 50 at a time.

use aws_config::SdkConfig;
use aws_sdk_guardduty::types::{Condition, FindingCriteria};

use super::{Pages, every_page, millis, send};
use crate::live::LiveRequest;
use crate::live::coverage::State;

/// GetFindings takes at most 50 ids.
const FINDINGS_PER_CALL: usize = 50;

/// Every detector's findings updated in the window (and matching the request's criteria).
pub async fn guardduty(config: &SdkConfig, request: &LiveRequest, mut pages: Pages<'_>) -> State {
    let client = aws_sdk_guardduty::Client::new(config);
    let mut detectors = Vec::new();
    every_page!(
        pages,
        |token| client.list_detectors().set_next_token(token),
        |output| detectors.extend(output.detector_ids().iter().cloned())
    );
    pages.discard();
    if detectors.is_empty() {
        return State::NotEnabled("no GuardDuty detector in this region".into());
    }
    let criteria = criteria(request);
    for detector in &detectors {
        every_page!(
            pages,
            |token| client
                .list_findings()
                .detector_id(detector)
                .finding_criteria(criteria.clone())
                .max_results(FINDINGS_PER_CALL as i32)
                .set_next_token(token),
            |listed| {
                pages.discard();
                for ids in listed.finding_ids().chunks(FINDINGS_PER_CALL) {
                    let found = send!(
                        pages,
                        client
                            .get_findings()
                            .detector_id(detector)
                            .set_finding_ids(Some(ids.to_vec()))
                    );
                    if let Err(state) = pages.keep(found.findings().len()) {
                        return state;
                    }
                }
            }
        );
    }
    pages.done(None)
}

/// `updatedAt` within the window, plus the request's own criteria (a saved query's, a pivot's).
fn criteria(request: &LiveRequest) -> FindingCriteria {
    let (start, end) = request.window;
    let mut criteria = FindingCriteria::builder().criterion(
        "updatedAt",
        Condition::builder()
            .greater_than_or_equal(millis(start))
            .less_than(millis(end))
            .build(),
    );
    for (field, condition) in &request.guardduty_criteria {
        criteria = criteria.criterion(
            field,
            Condition::builder()
                .set_equals((!condition.eq.is_empty()).then(|| condition.eq.clone()))
                .set_not_equals((!condition.neq.is_empty()).then(|| condition.neq.clone()))
                .set_greater_than(condition.gt)
                .set_greater_than_or_equal(condition.gte)
                .set_less_than(condition.lt)
                .set_less_than_or_equal(condition.lte)
                .build(),
        );
    }
    criteria.build()
}
