//! CloudTrail LookupEvents: management events of the last 90 days, one attribute per call.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use aws_config::SdkConfig;
use aws_sdk_cloudtrail::types::{LookupAttribute, LookupAttributeKey};
use aws_smithy_types::DateTime;

use super::{Pages, every_page, millis, send};
use crate::live::LiveRequest;
use crate::live::coverage::State;

/// LookupEvents: 2 requests per second per account and region, paced here, not only retried.
const LOOKUP_INTERVAL: Duration = Duration::from_millis(500);

/// When each profile and region may next call LookupEvents: one schedule for the whole process,
/// so pulls one after the other (or side by side) keep to the limit together.
static NEXT_LOOKUP: Mutex<BTreeMap<String, Instant>> = Mutex::new(BTreeMap::new());

/// Waits for `place`'s turn at LookupEvents.
async fn pace(place: &str) {
    let wait = match NEXT_LOOKUP.lock() {
        Ok(mut next) => {
            let now = Instant::now();
            let turn = next.get(place).copied().filter(|t| *t > now).unwrap_or(now);
            next.insert(place.to_owned(), turn + LOOKUP_INTERVAL);
            turn - now
        }
        Err(_) => LOOKUP_INTERVAL,
    };
    tokio::time::sleep(wait).await;
}

/// CloudTrail LookupEvents over the window, with the request's one lookup attribute, every page,
/// paced to the API's 2 requests per second.
pub async fn cloudtrail(config: &SdkConfig, request: &LiveRequest, mut pages: Pages<'_>) -> State {
    let client = aws_sdk_cloudtrail::Client::new(config);
    let attribute = match &request.lookup {
        Some(lookup) => match LookupAttribute::builder()
            .attribute_key(LookupAttributeKey::from(lookup.key.as_str()))
            .attribute_value(&lookup.value)
            .build()
        {
            Ok(attribute) => Some(attribute),
            Err(error) => return State::Failed(format!("lookup attribute: {error}")),
        },
        None => None,
    };
    let (start, end) = request.window;
    every_page!(
        pages,
        |token| {
            pace(&pages.place).await;
            client
                .lookup_events()
                .start_time(DateTime::from_millis(millis(start)))
                .end_time(DateTime::from_millis(millis(end)))
                .set_lookup_attributes(attribute.clone().map(|a| vec![a]))
                .max_results(50)
                .set_next_token(token)
        },
        |output| if let Err(state) = pages.keep(output.events().len()) {
            return state;
        }
    );
    pages.done(None)
}
