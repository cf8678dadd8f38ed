//! AWS Config: the configuration history of resources (GetResourceConfigHistory, seven days per
//! call as the API allows), the resources named or found by an advanced query
//! (SelectResourceConfig).

use aws_config::SdkConfig;
use aws_sdk_config::types::{ChronologicalOrder, ResourceType};
use aws_smithy_types::DateTime;

use super::{Pages, every_page, millis, send};
use crate::live::coverage::State;
use crate::live::{ConfigResource, LiveRequest};
use crate::time::{NANOS_PER_SEC, format_rfc3339};

/// GetResourceConfigHistory spans at most seven days per call.
const HISTORY_SPAN: i64 = 7 * 24 * 3600 * NANOS_PER_SEC;
/// Both APIs return at most 100 items a page.
const PAGE: i32 = 100;

/// The history, over the window, of the resources the request names, or those its advanced query
/// selects; without either, of every resource whose latest change is in or after the window.
pub async fn config(config: &SdkConfig, request: &LiveRequest, mut pages: Pages<'_>) -> State {
    let client = aws_sdk_config::Client::new(config);
    let (start, end) = request.window;
    let mut resources = request.config.resources.clone();
    let selection = match (&request.config.sql, resources.is_empty()) {
        (Some(sql), _) => Some(sql.clone()),
        (None, true) => Some(changed_since(start)),
        (None, false) => None,
    };
    if let Some(sql) = selection {
        every_page!(
            pages,
            |token| client
                .select_resource_config()
                .expression(&sql)
                .limit(PAGE)
                .set_next_token(token),
            |output| for row in output.results() {
                match resource_of_row(row) {
                    Some(resource) if !resources.contains(&resource) => resources.push(resource),
                    Some(_) => {}
                    None => {
                        return State::Failed(
                            "the Config query must select resourceType and resourceId".into(),
                        );
                    }
                }
            }
        );
        pages.discard();
    }
    for resource in &resources {
        let mut earlier = start;
        while earlier < end {
            let later = (earlier + HISTORY_SPAN).min(end);
            every_page!(
                pages,
                |token| client
                    .get_resource_config_history()
                    .resource_type(ResourceType::from(resource.kind.as_str()))
                    .resource_id(&resource.id)
                    .earlier_time(DateTime::from_millis(millis(earlier)))
                    .later_time(DateTime::from_millis(millis(later)))
                    .chronological_order(ChronologicalOrder::Forward)
                    .limit(PAGE)
                    .set_next_token(token),
                |output| if let Err(state) = pages.keep(output.configuration_items().len()) {
                    return state;
                }
            );
            earlier = later;
        }
    }
    pages.done(None)
}

/// Resources whose latest configuration item is in or after the window: every resource that
/// changed in it is among them.
fn changed_since(start: i64) -> String {
    let now = crate::time::now_nanos();
    format!(
        "SELECT resourceType, resourceId WHERE configurationItemCaptureTime BETWEEN '{}' AND '{}'",
        format_rfc3339(start),
        format_rfc3339(now.max(start)),
    )
}

/// A row of SelectResourceConfig: a JSON object as text.
fn resource_of_row(row: &str) -> Option<ConfigResource> {
    let value: serde_json::Value = serde_json::from_str(row).ok()?;
    Some(ConfigResource {
        kind: value.get("resourceType")?.as_str()?.to_owned(),
        id: value.get("resourceId")?.as_str()?.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advanced_query_rows_name_resources() {
        let row = r#"{"resourceId":"sg-0abc","resourceType":"AWS::EC2::SecurityGroup","configuration":{}}"#;
        assert_eq!(
            resource_of_row(row),
            Some(ConfigResource {
                kind: "AWS::EC2::SecurityGroup".into(),
                id: "sg-0abc".into()
            })
        );
        assert_eq!(resource_of_row(r#"{"COUNT(*)":3}"#), None);
        assert_eq!(resource_of_row("not json"), None);
    }
}
