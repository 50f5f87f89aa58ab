//! Retries with a budget: exponential backoff with full jitter, `Retry-After` honoured.
//!
//! Time comes from tokio (`tokio::time::Instant` and `sleep`), so tests run the whole
//! schedule in no time under `tokio::time::pause`.

use std::future::Future;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::error::{ConnectorError, RetryHint};

/// How long to keep trying. Both budgets apply; whichever runs out first ends the retries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RetryPolicy {
    /// Attempts in all, the first one included.
    pub max_attempts: u32,
    /// No retry starts after this much time since the first attempt.
    #[serde(with = "millis")]
    pub max_elapsed: Duration,
    /// The backoff cap of the first retry; it doubles with every retry.
    #[serde(with = "millis")]
    pub base_delay: Duration,
    /// No backoff is longer than this (a `Retry-After` may be).
    #[serde(with = "millis")]
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 8,
            max_elapsed: Duration::from_secs(300),
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// The wait before retry number `retry` (1 for the first retry): "full jitter", uniform
    /// in `[0, min(max_delay, base_delay * 2^(retry-1))]`, so that many clients failing
    /// together do not come back together.
    pub fn backoff(&self, retry: u32) -> Duration {
        let exp = retry.saturating_sub(1).min(31);
        let cap = self.base_delay.saturating_mul(1 << exp).min(self.max_delay);
        cap.mul_f64(fastrand::f64())
    }

    /// The wait the hint asks for; `None` when the failure must not be retried.
    pub fn delay(&self, retry: u32, hint: RetryHint) -> Option<Duration> {
        match hint {
            RetryHint::Never => None,
            RetryHint::Backoff => Some(self.backoff(retry)),
            RetryHint::After(after) => Some(after),
        }
    }
}

/// Why [`retry`] stopped trying.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{reason} after {attempts} attempt(s) in {elapsed:?}: {error}")]
pub struct GaveUp {
    pub error: ConnectorError,
    pub reason: GiveUpReason,
    pub attempts: u32,
    pub elapsed: Duration,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GiveUpReason {
    /// A partner or internal error: retrying cannot help.
    NotRetryable,
    AttemptsExhausted,
    /// The next wait would end past `max_elapsed`.
    ElapsedExhausted,
}

impl std::fmt::Display for GiveUpReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            GiveUpReason::NotRetryable => "not retryable",
            GiveUpReason::AttemptsExhausted => "retry attempts exhausted",
            GiveUpReason::ElapsedExhausted => "retry time budget exhausted",
        })
    }
}

/// Runs `attempt` (given the attempt number, from 1) until it succeeds, fails for good, or
/// the policy's budget is spent.
pub async fn retry<T, F, Fut>(policy: &RetryPolicy, mut attempt: F) -> Result<T, GaveUp>
where
    F: FnMut(u32) -> Fut,
    Fut: Future<Output = Result<T, ConnectorError>>,
{
    let started = tokio::time::Instant::now();
    let mut attempts = 0;
    loop {
        attempts += 1;
        let error = match attempt(attempts).await {
            Ok(value) => return Ok(value),
            Err(error) => error,
        };
        let elapsed = started.elapsed();
        let give_up = |reason| GaveUp { error: error.clone(), reason, attempts, elapsed };
        let Some(wait) = policy.delay(attempts, error.retry_hint()) else {
            return Err(give_up(GiveUpReason::NotRetryable));
        };
        if attempts >= policy.max_attempts {
            return Err(give_up(GiveUpReason::AttemptsExhausted));
        }
        if elapsed + wait > policy.max_elapsed {
            return Err(give_up(GiveUpReason::ElapsedExhausted));
        }
        tracing::debug!(attempt = attempts, ?wait, %error, "retrying");
        tokio::time::sleep(wait).await;
    }
}

/// Durations in configuration files are whole milliseconds.
mod millis {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(d.as_millis().try_into().unwrap_or(u64::MAX))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        u64::deserialize(d).map(Duration::from_millis)
    }
}
