//! CloudWatch Logs: FilterLogEvents for tail-style pulls of whole groups, Logs Insights for
//! queries over them.

use aws_config::SdkConfig;
use aws_sdk_cloudwatchlogs::types::QueryStatus;

use super::{Backoff, Pages, Stop, every_page, millis, send};
use crate::live::LiveRequest;
use crate::live::coverage::State;
use crate::time::NANOS_PER_SEC;

/// StartQuery takes at most 50 log groups.
const GROUPS_PER_QUERY: usize = 50;
/// StartQuery returns at most 10,000 rows: a window that fills it is split in two.
const ROWS_PER_QUERY: usize = 10_000;

/// Every event of each group in the window, or the rows of the request's Insights query.
pub async fn logs(config: &SdkConfig, request: &LiveRequest, pages: Pages<'_>) -> State {
    if request.log_groups.is_empty() {
        return State::Failed("no log group: give --log-group".into());
    }
    let client = aws_sdk_cloudwatchlogs::Client::new(config);
    match &request.insights {
        Some(query) => insights(&client, request, query, pages).await,
        None => filter(&client, request, pages).await,
    }
}

/// FilterLogEvents pages, kept as `aws logs filter-log-events` writes them.
async fn filter(
    client: &aws_sdk_cloudwatchlogs::Client,
    request: &LiveRequest,
    mut pages: Pages<'_>,
) -> State {
    let (start, end) = request.window;
    for group in &request.log_groups {
        every_page!(
            pages,
            |token| client
                .filter_log_events()
                .log_group_name(group)
                .start_time(millis(start))
                .end_time(millis(end))
                .set_next_token(token),
            |output| if let Err(state) = pages.keep(output.events().len()) {
                return state;
            }
        );
    }
    pages.done(None)
}

/// Logs Insights: one query per 50 groups, polled with backoff (stopped when cancelled); a
/// query that returns the 10,000-row maximum is asked again in two halves of its window. Each
/// final GetQueryResults answer is kept as AWS sent it; rows with `@message` load as events.
async fn insights(
    client: &aws_sdk_cloudwatchlogs::Client,
    request: &LiveRequest,
    query: &str,
    mut pages: Pages<'_>,
) -> State {
    let seconds = |nanos: i64| nanos / NANOS_PER_SEC;
    let mut work: Vec<(&[String], i64, i64)> = request
        .log_groups
        .chunks(GROUPS_PER_QUERY)
        .map(|groups| (groups, seconds(request.window.0), seconds(request.window.1)))
        .collect();
    let mut scanned = 0.0;
    while let Some((groups, start, end)) = work.pop() {
        let started = send!(
            pages,
            client
                .start_query()
                .set_log_group_names(Some(groups.to_vec()))
                .start_time(start)
                .end_time(end)
                .query_string(query)
                .limit(ROWS_PER_QUERY as i32)
        );
        let id = started.query_id().unwrap_or_default().to_owned();
        pages.running(Some(Stop::Insights(client.clone(), id.clone())));
        pages.discard();
        let mut backoff = Backoff::new();
        let results = loop {
            let polled = send!(pages, client.get_query_results().query_id(&id));
            match polled.status() {
                Some(QueryStatus::Complete) => break polled,
                Some(
                    status @ (QueryStatus::Failed | QueryStatus::Cancelled | QueryStatus::Timeout),
                ) => {
                    return State::Failed(format!("the Insights query ended: {}", status.as_str()));
                }
                _ => pages.discard(),
            }
            backoff.wait().await;
        };
        pages.running(None);
        let rows = results.results();
        if rows.len() >= ROWS_PER_QUERY && end - start > 1 {
            pages.discard();
            let middle = start + (end - start) / 2;
            work.push((groups, start, middle));
            work.push((groups, middle, end));
            continue;
        }
        scanned += results.statistics().map_or(0.0, |s| s.bytes_scanned());
        let events = rows
            .iter()
            .filter(|row| row.iter().any(|cell| cell.field() == Some("@message")))
            .count();
        if let Err(state) = pages.keep(events) {
            return state;
        }
    }
    pages.done(Some(scanned as u64))
}
