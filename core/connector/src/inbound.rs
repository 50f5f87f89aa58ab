//! Inbound connectors: partner input to canonical envelopes, handed to a [`Sink`].
//!
//! A connector only *decodes* ([`InboundConnector::decode`]: verify, parse, map). How
//! input arrives (webhook request, poll, dropped file) is a [`Delivery`]; what happens
//! around the decode (deduplication, retries, quarantine, acknowledging only after the
//! sink stored the result) is [`Intake`], the same for every connector.

use std::collections::HashSet;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use crossdock_model::Envelope;
use serde_json::Value;
use tokio::sync::Mutex;

use crate::delivery::Delivery;
use crate::error::{ConnectorError, Domain};
use crate::health::Health;
use crate::quarantine::{Direction, Quarantine, QuarantineEntry};
use crate::retry::{retry, GaveUp, RetryPolicy};

/// Turns a partner's delivery into canonical envelopes.
#[async_trait]
pub trait InboundConnector: Send + Sync {
    /// The instance name from the configuration (`shopify-main`, `erp-orders`); it is the
    /// first part of every envelope `source`.
    fn name(&self) -> &str;

    /// Verifies the delivery (signature first, before any parsing), parses it and maps it
    /// to canonical envelopes, whose `data` is a canonical document (with its
    /// `document_type`). The same delivery always yields the same envelope ids and
    /// idempotency keys. No side effects: the [`Intake`] stores the result.
    fn decode(&self, delivery: &Delivery) -> Result<Vec<Envelope<Value>>, ConnectorError>;

    async fn health(&self) -> Health {
        Health::Up
    }
}

/// A connector that fetches input (an API backfill, an SFTP listing): each page of
/// deliveries is ingested before the cursor moves on.
#[async_trait]
pub trait Poll: Send + Sync {
    async fn poll(&self, cursor: Option<&str>) -> Result<Page, ConnectorError>;
}

#[derive(Debug, Clone, Default)]
pub struct Page {
    pub deliveries: Vec<Delivery>,
    /// Where the next poll starts; `None` when there is nothing more for now.
    pub next_cursor: Option<String>,
}

/// Where canonical envelopes go: the hub implements it with its runtime's durable submit.
#[async_trait]
pub trait Sink: Send + Sync {
    /// Stores the envelopes of one delivery durably, with the delivery's original bytes;
    /// returns only once they are safe. Idempotent on the envelopes' idempotency keys.
    async fn submit(&self, delivery: &Delivery, envelopes: &[Envelope<Value>]) -> Result<(), ConnectorError>;
}

/// Delivery ids already processed, per connector.
#[async_trait]
pub trait SeenDeliveries: Send + Sync {
    async fn contains(&self, connector: &str, delivery_id: &str) -> bool;
    async fn insert(&self, connector: &str, delivery_id: &str);
}

#[derive(Default)]
pub struct MemorySeen {
    seen: Mutex<HashSet<(String, String)>>,
}

#[async_trait]
impl SeenDeliveries for MemorySeen {
    async fn contains(&self, connector: &str, delivery_id: &str) -> bool {
        self.seen.lock().await.contains(&(connector.to_owned(), delivery_id.to_owned()))
    }

    async fn insert(&self, connector: &str, delivery_id: &str) {
        self.seen.lock().await.insert((connector.to_owned(), delivery_id.to_owned()));
    }
}

/// What became of a delivery. Every variant means "acknowledge it": the partner must not
/// send it again. Failures worth a redelivery are errors of [`Intake::ingest`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Accepted {
        envelopes: usize,
    },
    /// Already processed (same delivery id); nothing done.
    Duplicate,
    /// A partner error: acknowledged, not processed, never retried. Kept in quarantine
    /// unless the signature was bad (then nothing of it is kept or processed).
    Rejected(ConnectorError),
    /// An internal error or an exhausted retry budget: kept in quarantine for replay.
    Quarantined(ConnectorError),
}

/// The framework side of every inbound connector: dedupe, decode, store, quarantine.
pub struct Intake<'a> {
    pub sink: &'a dyn Sink,
    pub seen: &'a dyn SeenDeliveries,
    pub quarantine: &'a dyn Quarantine,
}

impl Intake<'_> {
    /// One attempt. An external error (the sink or a lookup is down) comes back as `Err`
    /// and the delivery is not marked seen, so a retry or a redelivery processes it.
    pub async fn ingest(
        &self,
        connector: &dyn InboundConnector,
        delivery: &Delivery,
    ) -> Result<Outcome, ConnectorError> {
        let name = connector.name();
        if self.seen.contains(name, &delivery.delivery_id).await {
            return Ok(Outcome::Duplicate);
        }
        let envelopes = match connector.decode(delivery) {
            Ok(envelopes) => envelopes,
            Err(error) if error.is_unauthenticated() => return Ok(Outcome::Rejected(error)),
            Err(error) if error.domain() == Domain::External => return Err(error),
            Err(error) => {
                self.hold(name, delivery, &error, 1).await?;
                self.seen.insert(name, &delivery.delivery_id).await;
                return Ok(match error.domain() {
                    Domain::Partner => Outcome::Rejected(error),
                    _ => Outcome::Quarantined(error),
                });
            }
        };
        self.sink.submit(delivery, &envelopes).await?;
        self.seen.insert(name, &delivery.delivery_id).await;
        Ok(Outcome::Accepted { envelopes: envelopes.len() })
    }

    /// [`ingest`](Self::ingest) under a retry policy; what exhausts it is quarantined.
    pub async fn ingest_with_retry(
        &self,
        connector: &dyn InboundConnector,
        delivery: &Delivery,
        policy: &RetryPolicy,
    ) -> Result<Outcome, ConnectorError> {
        match retry(policy, |_| self.ingest(connector, delivery)).await {
            Ok(outcome) => Ok(outcome),
            Err(GaveUp { error, attempts, reason, .. }) => {
                let error = error.with_context(&reason.to_string());
                self.hold(connector.name(), delivery, &error, attempts).await?;
                Ok(Outcome::Quarantined(error))
            }
        }
    }

    async fn hold(
        &self,
        connector: &str,
        delivery: &Delivery,
        error: &ConnectorError,
        attempts: u32,
    ) -> Result<(), ConnectorError> {
        let id = format!("{connector}/{}", delivery.delivery_id);
        let entry =
            QuarantineEntry::new(id, connector, Direction::Inbound, error, attempts, delivery.body.clone(), now());
        tracing::warn!(connector, delivery_id = %delivery.delivery_id, %error, "quarantined");
        self.quarantine.put(entry).await.map_err(|e| ConnectorError::internal(e.to_string()))
    }
}

fn now() -> DateTime<Utc> {
    Utc::now()
}
