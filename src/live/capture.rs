//! An SDK interceptor that keeps each successful response body as AWS sent it (the originals
//! live events are re-read from) and counts the responses AWS throttled.

use std::sync::{Arc, Mutex};

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::AfterDeserializationInterceptorContextRef;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;

#[derive(Debug, Clone, Default)]
pub struct Capture {
    inner: Arc<Mutex<Captured>>,
}

#[derive(Debug, Default)]
struct Captured {
    bodies: Vec<Vec<u8>>,
    throttled: usize,
}

impl Capture {
    /// The bodies captured since the last call, oldest first.
    pub fn take_bodies(&self) -> Vec<Vec<u8>> {
        self.inner
            .lock()
            .map(|mut c| std::mem::take(&mut c.bodies))
            .unwrap_or_default()
    }

    pub fn push_body(&self, body: Vec<u8>) {
        if let Ok(mut captured) = self.inner.lock() {
            captured.bodies.push(body);
        }
    }

    pub fn throttled(&self) -> usize {
        self.inner.lock().map(|c| c.throttled).unwrap_or_default()
    }
}

/// Whether an error response is AWS saying "slow down", in any protocol's words.
fn is_throttling(status: u16, error_type: Option<&str>, body: &[u8]) -> bool {
    const CODES: [&str; 4] = [
        "Throttling",
        "TooManyRequests",
        "RequestLimitExceeded",
        "SlowDown",
    ];
    let named = |text: &str| CODES.iter().any(|code| text.contains(code));
    status == 429 || error_type.is_some_and(named) || std::str::from_utf8(body).is_ok_and(named)
}

impl Intercept for Capture {
    fn name(&self) -> &'static str {
        "casebook-capture"
    }

    fn read_after_deserialization(
        &self,
        context: &AfterDeserializationInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let response = context.response();
        let status = response.status().as_u16();
        // Non-streaming bodies are in memory once deserialized.
        let body = response.body().bytes().unwrap_or_default();
        let Ok(mut captured) = self.inner.lock() else {
            return Ok(());
        };
        if (200..300).contains(&status) {
            captured.bodies.push(body.to_vec());
        } else if is_throttling(status, response.headers().get("x-amzn-ErrorType"), body) {
            captured.throttled += 1;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_throttling_in_every_protocol() {
        assert!(is_throttling(429, None, b""));
        assert!(is_throttling(
            400,
            None,
            br#"{"__type":"ThrottlingException","message":"Rate exceeded"}"#
        ));
        assert!(is_throttling(400, Some("TooManyRequestsException"), b""));
        assert!(!is_throttling(
            403,
            Some("AccessDeniedException"),
            br#"{"message":"no"}"#
        ));
    }
}
