//! Where verified webhooks go: the hub's durable intake.

use std::future::Future;

use crossdock_model::Envelope;

use crate::translate::Topic;

/// The hub side of the webhook endpoint. `submit` returns only once the envelopes are
/// durably stored; an error makes the endpoint answer 503 so that Shopify retries.
pub trait Intake: Send + Sync + 'static {
    fn submit(&self, envelopes: Vec<Envelope>) -> impl Future<Output = Result<(), IntakeError>> + Send;

    /// Keeps an original that could not be translated, with the reason, for repair and replay.
    fn quarantine(
        &self,
        topic: Topic,
        original: &[u8],
        reason: &str,
    ) -> impl Future<Output = Result<(), IntakeError>> + Send;
}

#[derive(Debug, thiserror::Error)]
#[error("intake failed: {0}")]
pub struct IntakeError(pub String);

/// Shared intakes: the hub (or a test) keeps a handle while the endpoint stores into it.
impl<T: Intake> Intake for std::sync::Arc<T> {
    fn submit(&self, envelopes: Vec<Envelope>) -> impl Future<Output = Result<(), IntakeError>> + Send {
        T::submit(self, envelopes)
    }

    fn quarantine(
        &self,
        topic: Topic,
        original: &[u8],
        reason: &str,
    ) -> impl Future<Output = Result<(), IntakeError>> + Send {
        T::quarantine(self, topic, original, reason)
    }
}
