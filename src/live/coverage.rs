//! What each live source did, per profile and region: an empty timeline is never mistaken for a
//! quiet account.

use std::fmt;

use crate::text::counted;

use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

/// The sources live mode pulls from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum LiveSource {
    GuardDuty,
    CloudTrail,
    /// A query pushed down to Athena over the CloudTrail table.
    Athena,
    /// CloudWatch Logs groups (container, Kubernetes audit, flow logs...).
    Logs,
    /// AWS Config configuration history.
    Config,
    SecurityHub,
}

impl LiveSource {
    pub const ALL: [LiveSource; 6] = [
        LiveSource::GuardDuty,
        LiveSource::CloudTrail,
        LiveSource::Athena,
        LiveSource::Logs,
        LiveSource::Config,
        LiveSource::SecurityHub,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            LiveSource::GuardDuty => "guardduty",
            LiveSource::CloudTrail => "cloudtrail",
            LiveSource::Athena => "athena",
            LiveSource::Logs => "logs",
            LiveSource::Config => "config",
            LiveSource::SecurityHub => "securityhub",
        }
    }
}

impl std::str::FromStr for LiveSource {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        LiveSource::ALL
            .into_iter()
            .find(|s| s.as_str().eq_ignore_ascii_case(text))
            .ok_or_else(|| {
                let known: Vec<_> = LiveSource::ALL.iter().map(|s| s.as_str()).collect();
                format!("unknown source '{text}' (expected {})", known.join(", "))
            })
    }
}

/// How one source fared in one profile and region.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum State {
    /// `throttled` counts the responses AWS throttled so far; the SDK is retrying them.
    Running {
        throttled: usize,
    },
    /// Finished; `throttled` counts the responses AWS throttled and the SDK retried.
    Done {
        events: usize,
        throttled: usize,
        /// What an Athena query read (what it costs).
        scanned: Option<u64>,
    },
    /// The service is not set up there, e.g. no GuardDuty detector.
    NotEnabled(String),
    AccessDenied(String),
    /// Credentials missing, expired or refused.
    Credentials(String),
    /// Still throttled after every retry.
    Throttled(String),
    Failed(String),
    Cancelled,
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            State::Running { throttled: 0 } => f.write_str("running"),
            State::Running { throttled } => write!(f, "throttled (retrying, {throttled} so far)"),
            State::Done {
                events: 0,
                scanned: None,
                throttled: 0,
            } => f.write_str("done, 0 results"),
            State::Done {
                events,
                throttled,
                scanned,
            } => {
                write!(f, "done ({}", counted(*events, "event"))?;
                if *throttled > 0 {
                    write!(f, ", throttled {} and retried", counted(*throttled, "time"))?;
                }
                if let Some(bytes) = scanned {
                    write!(f, ", {bytes} bytes scanned")?;
                }
                f.write_str(")")
            }
            State::NotEnabled(why) => write!(f, "not enabled: {why}"),
            State::AccessDenied(why) => write!(f, "access denied: {why}"),
            State::Credentials(why) => write!(f, "credentials: {why}"),
            State::Throttled(why) => write!(f, "throttled, gave up: {why}"),
            State::Failed(why) => write!(f, "failed: {why}"),
            State::Cancelled => f.write_str("cancelled"),
        }
    }
}

impl State {
    /// Whether the source gave its whole answer (a service that is not enabled answers "none").
    pub fn answered(&self) -> bool {
        matches!(self, State::Done { .. } | State::NotEnabled(_))
    }
}

/// One line of the coverage panel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub source: LiveSource,
    /// The profile's name, `default` for the default chain.
    pub profile: String,
    pub region: String,
    pub state: State,
}

impl Entry {
    /// What this source did, for a case's provenance: where, over which window, its state, and
    /// what came back.
    pub fn provenance(&self, window: (i64, i64), now: i64) -> crate::case::Provenance {
        use crate::time::format_rfc3339;
        let mut record = crate::case::Provenance::new(now, "live")
            .with("since", format_rfc3339(window.0))
            .with("until", format_rfc3339(window.1))
            .with("state", self.state.to_string());
        record.backend = Some(self.source.as_str().into());
        record.account = Some(format!("profile {}", self.profile));
        record.region = Some(self.region.clone());
        if let State::Done {
            events, scanned, ..
        } = self.state
        {
            record.results = Some(events);
            record.bytes_scanned = scanned;
        }
        record
    }
}

impl fmt::Display for Entry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:<10}  {:<12}  {:<14}  {}",
            self.source.as_str(),
            self.profile,
            self.region,
            self.state
        )
    }
}

/// The state an SDK error leaves a source in. Messages come from AWS's own error text, never
/// from request data, so no credential can appear in them.
pub fn state_of<E, R>(error: &SdkError<E, R>) -> State
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: fmt::Debug,
{
    let message = || {
        error.message().map(str::to_owned).unwrap_or_else(|| {
            aws_smithy_types::error::display::DisplayErrorContext(error).to_string()
        })
    };
    match error {
        SdkError::ServiceError(_) => match error.code().unwrap_or_default() {
            "AccessDeniedException" | "AccessDenied" | "UnauthorizedOperation" => {
                State::AccessDenied(message())
            }
            "ExpiredTokenException"
            | "ExpiredToken"
            | "UnrecognizedClientException"
            | "InvalidClientTokenId"
            | "InvalidSignatureException" => State::Credentials(message()),
            "ThrottlingException"
            | "Throttling"
            | "TooManyRequestsException"
            | "RequestLimitExceeded" => State::Throttled(message()),
            // Security Hub off in the account; Config not recording there.
            "InvalidAccessException" | "NoAvailableConfigurationRecorderException" => {
                State::NotEnabled(message())
            }
            code => State::Failed(format!("{code}: {}", message())),
        },
        SdkError::TimeoutError(_) => State::Failed("timed out".into()),
        SdkError::DispatchFailure(_) => State::Failed(format!(
            "could not reach AWS: {}",
            aws_smithy_types::error::display::DisplayErrorContext(error)
        )),
        _ => {
            let text = aws_smithy_types::error::display::DisplayErrorContext(error).to_string();
            if text.contains("credentials") {
                State::Credentials(text)
            } else {
                State::Failed(text)
            }
        }
    }
}
