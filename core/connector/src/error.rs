//! The error taxonomy every connector uses: who is at fault decides what happens next.

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// Whose fault a failure is, which decides what the framework does with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Domain {
    /// The document is bad: reject it, acknowledge it, never retry.
    Partner,
    /// The other system is down or throttling: retry with backoff.
    External,
    /// A bug or misconfiguration on our side: stop, quarantine, alert.
    Internal,
}

/// What the framework should do about a failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryHint {
    /// Retrying cannot help.
    Never,
    /// Retry with the policy's backoff.
    Backoff,
    /// Retry, but not before this long (the partner said so, e.g. `Retry-After`).
    After(Duration),
}

impl RetryHint {
    pub fn is_retryable(self) -> bool {
        !matches!(self, RetryHint::Never)
    }
}

/// A connector failure, classified.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConnectorError {
    /// The partner sent something we cannot accept (bad signature, malformed, invalid).
    /// `rule` is a stable name (`bad_signature`, `malformed`, `invalid`, `unsupported`).
    #[error("partner error ({rule}): {message}")]
    Partner { rule: String, message: String },
    /// The other system failed in a way that may pass.
    #[error("external error: {message}")]
    External { message: String, retry_after: Option<Duration> },
    /// Our own fault.
    #[error("internal error: {message}")]
    Internal { message: String },
}

impl ConnectorError {
    pub fn partner(rule: impl Into<String>, message: impl Into<String>) -> Self {
        ConnectorError::Partner { rule: rule.into(), message: message.into() }
    }

    pub fn external(message: impl Into<String>) -> Self {
        ConnectorError::External { message: message.into(), retry_after: None }
    }

    /// An external failure that told us when to come back (HTTP 429/503 `Retry-After`).
    pub fn throttled(message: impl Into<String>, retry_after: Duration) -> Self {
        ConnectorError::External { message: message.into(), retry_after: Some(retry_after) }
    }

    pub fn internal(message: impl Into<String>) -> Self {
        ConnectorError::Internal { message: message.into() }
    }

    pub fn domain(&self) -> Domain {
        match self {
            ConnectorError::Partner { .. } => Domain::Partner,
            ConnectorError::External { .. } => Domain::External,
            ConnectorError::Internal { .. } => Domain::Internal,
        }
    }

    pub fn retry_hint(&self) -> RetryHint {
        match self {
            ConnectorError::External { retry_after: Some(after), .. } => RetryHint::After(*after),
            ConnectorError::External { retry_after: None, .. } => RetryHint::Backoff,
            ConnectorError::Partner { .. } | ConnectorError::Internal { .. } => RetryHint::Never,
        }
    }

    /// The same error, its message prefixed with why it stopped here (`retry attempts
    /// exhausted: ...`); a `Retry-After` no longer applies.
    pub fn with_context(self, context: &str) -> Self {
        match self {
            ConnectorError::Partner { rule, message } => {
                ConnectorError::Partner { rule, message: format!("{context}: {message}") }
            }
            ConnectorError::External { message, .. } => {
                ConnectorError::External { message: format!("{context}: {message}"), retry_after: None }
            }
            ConnectorError::Internal { message } => {
                ConnectorError::Internal { message: format!("{context}: {message}") }
            }
        }
    }

    /// True for a bad signature: the caller answers 401 and processes nothing.
    pub fn is_unauthenticated(&self) -> bool {
        matches!(self, ConnectorError::Partner { rule, .. } if rule == "bad_signature")
    }
}

/// Parses an HTTP `Retry-After` value given in seconds (the form Shopify and most APIs use).
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    let seconds: f64 = value.trim().parse().ok()?;
    (seconds.is_finite() && seconds >= 0.0).then(|| Duration::from_secs_f64(seconds))
}
