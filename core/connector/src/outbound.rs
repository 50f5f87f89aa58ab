//! Outbound connectors: canonical documents to the partner, in the partner's format.

use async_trait::async_trait;
use chrono::Utc;
use crossdock_model::{Document, Envelope};

use crate::error::ConnectorError;
use crate::health::Health;
use crate::quarantine::{Direction, Quarantine, QuarantineEntry};
use crate::retry::{retry, GaveUp, RetryPolicy};

/// What the partner got.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Delivered {
    /// The partner's reference for it (an API id, a file name, an interchange number).
    pub partner_ref: Option<String>,
    /// The bytes sent, for the audit trail.
    pub payload: Vec<u8>,
}

#[async_trait]
pub trait OutboundConnector: Send + Sync {
    fn name(&self) -> &str;

    /// Sends one document. Must be safe to call again with the same envelope (the partner
    /// call is idempotent on the envelope's idempotency key, or checks before creating).
    async fn deliver(&self, envelope: &Envelope<Document>) -> Result<Delivered, ConnectorError>;

    async fn health(&self) -> Health {
        Health::Up
    }
}

/// [`OutboundConnector::deliver`] under a retry policy. A partner error, an internal error
/// or an exhausted budget quarantines the envelope (its canonical JSON) and returns the
/// error.
pub async fn deliver_with_retry(
    connector: &dyn OutboundConnector,
    envelope: &Envelope<Document>,
    policy: &RetryPolicy,
    quarantine: &dyn Quarantine,
) -> Result<Delivered, ConnectorError> {
    match retry(policy, |_| connector.deliver(envelope)).await {
        Ok(delivered) => Ok(delivered),
        Err(GaveUp { error, attempts, reason, .. }) => {
            let held = error.with_context(&reason.to_string());
            let payload = serde_json::to_vec(envelope).expect("envelopes serialize");
            let id = format!("{}/{}", connector.name(), envelope.id);
            let entry =
                QuarantineEntry::new(id, connector.name(), Direction::Outbound, &held, attempts, payload, Utc::now());
            quarantine.put(entry).await.map_err(|e| ConnectorError::internal(e.to_string()))?;
            Err(held)
        }
    }
}
