//! Security Hub: GetFindings (ASFF) updated in the window, every page.

use aws_config::SdkConfig;
use aws_sdk_securityhub::types::{AwsSecurityFindingFilters, DateFilter};

use super::{Pages, every_page, send};
use crate::live::LiveRequest;
use crate::live::coverage::State;
use crate::time::format_rfc3339;

/// GetFindings returns at most 100 findings a page.
const FINDINGS_PER_PAGE: i32 = 100;

pub async fn securityhub(config: &SdkConfig, request: &LiveRequest, mut pages: Pages<'_>) -> State {
    let client = aws_sdk_securityhub::Client::new(config);
    let (start, end) = request.window;
    let filters = AwsSecurityFindingFilters::builder()
        .updated_at(
            DateFilter::builder()
                .start(format_rfc3339(start))
                .end(format_rfc3339(end))
                .build(),
        )
        .build();
    every_page!(
        pages,
        |token| client
            .get_findings()
            .filters(filters.clone())
            .max_results(FINDINGS_PER_PAGE)
            .set_next_token(token),
        |output| if let Err(state) = pages.keep(output.findings().len()) {
            return state;
        }
    );
    pages.done(None)
}
