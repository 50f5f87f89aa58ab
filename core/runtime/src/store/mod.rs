//! The store behind the runtime: a trait with the semantics every backend keeps, and the
//! SQLite implementation of the embedded deployment. A PostgreSQL store implements the
//! same trait over the same tables (see the migrations) with the same guarantees.

use std::future::Future;

use chrono::{DateTime, FixedOffset};
use crossdock_model::Envelope;
use serde_json::Value;

use crate::error::StoreError;
use crate::handler::HandlerError;

#[cfg(feature = "postgres")]
mod postgres;
mod sqlite;

#[cfg(feature = "postgres")]
pub use postgres::{Ownership, PgStore};
pub use sqlite::SqliteStore;

/// Persistence for the runtime, the bus and connectors.
///
/// Futures are `Send` so the runtime and bus can run on any tokio worker.
pub trait Store: Clone + Send + Sync + 'static {
    // --- Handling (the runtime) ---

    /// The unit of work of [`Runtime::submit`](crate::Runtime::submit), in **one
    /// transaction**: record `message` in the inbox (if its id or its tenant's idempotency
    /// key is there already: roll back, report [`Processed::Duplicate`], do not call
    /// `handle`); call `handle`; append what it returns to the outbox; commit. If `handle`
    /// fails, roll back and report [`Processed::Refused`].
    fn process<F>(
        &self,
        message: &Envelope<Value>,
        now: DateTime<FixedOffset>,
        received_at: DateTime<FixedOffset>,
        handle: F,
    ) -> impl Future<Output = Result<Processed, StoreError>> + Send
    where
        F: FnOnce() -> Result<Vec<Envelope<Value>>, HandlerError> + Send;

    /// Up to `limit` inbox records after `after_sequence`, in sequence order, each with the
    /// outbox messages it caused: what replay walks through.
    fn inbox_after(
        &self,
        after_sequence: i64,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<InboxRecord>, StoreError>> + Send;

    // --- Delivery (the bus) ---

    /// The highest outbox sequence up to which every message has been delivered to (or
    /// parked by) every subscriber: where the bus starts looking.
    fn delivered_through(&self) -> impl Future<Output = Result<i64, StoreError>> + Send;

    /// Up to `limit` outbox messages after `after_sequence`, in sequence order, that
    /// `subscriber` has neither acknowledged nor parked.
    fn pending_for(
        &self,
        subscriber: &str,
        after_sequence: i64,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<OutboxRecord>, StoreError>> + Send;

    /// Records that `subscriber` acknowledged `message_id` (once, however often called),
    /// and marks the message delivered when all of `subscribers` have had it.
    fn record_delivery(
        &self,
        subscriber: &str,
        message_id: &str,
        subscribers: &[String],
        at: DateTime<FixedOffset>,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Records that `subscriber` gave up on a message, and marks the message delivered
    /// when all of `subscribers` have had it.
    fn park(
        &self,
        parked: &ParkedDelivery,
        subscribers: &[String],
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Every parked delivery, oldest first.
    fn parked(&self) -> impl Future<Output = Result<Vec<ParkedDelivery>, StoreError>> + Send;

    /// How many outbox messages some subscriber has yet to have.
    fn undelivered(&self) -> impl Future<Output = Result<u64, StoreError>> + Send;

    // --- Connectors ---

    /// Files an outbound document once per id. A second filing with the same id keeps the
    /// first bytes and says whether the new ones were the same.
    fn file_document(
        &self,
        document: &OutboundDocument,
        at: DateTime<FixedOffset>,
    ) -> impl Future<Output = Result<Filed, StoreError>> + Send;

    /// The document filed under `id`, if any: a redelivered message resends these bytes.
    fn document(&self, id: &str) -> impl Future<Output = Result<Option<StoredDocument>, StoreError>> + Send;

    /// The next control number of `partner` and `kind`, from 1 to 999,999,999 and then
    /// 1 again; persisted before it is returned, so never handed out twice in a row.
    fn next_control_number(&self, partner: &str, kind: &str) -> impl Future<Output = Result<u64, StoreError>> + Send;
}

/// What [`Store::process`] did.
#[derive(Debug)]
pub enum Processed {
    /// Handled and committed, at this inbox sequence, producing these messages.
    Committed { sequence: i64, produced: Vec<Envelope<Value>> },
    /// Handled before, as message `original_id` at this sequence; nothing was done.
    Duplicate { original_id: String, sequence: i64 },
    /// The handler refused; nothing was recorded.
    Refused(HandlerError),
}

/// One handled message, as recorded.
#[derive(Debug, Clone, PartialEq)]
pub struct InboxRecord {
    pub sequence: i64,
    pub message: Envelope<Value>,
    pub now: DateTime<FixedOffset>,
    pub received_at: DateTime<FixedOffset>,
    /// The outbox messages it caused, in order.
    pub produced: Vec<Envelope<Value>>,
}

/// One outbox message.
#[derive(Debug, Clone, PartialEq)]
pub struct OutboxRecord {
    pub sequence: i64,
    pub message: Envelope<Value>,
}

/// A delivery given up on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParkedDelivery {
    pub subscriber: String,
    pub message_id: String,
    pub attempts: u32,
    pub error: String,
    pub parked_at: DateTime<FixedOffset>,
}

/// A partner document a connector is about to send (or has sent).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboundDocument {
    /// Derive it from the message that caused the document (its id, or id + a suffix
    /// when one message yields several documents), so a redelivery finds the same row.
    pub id: String,
    pub partner: String,
    /// `x12/850`, `json/fulfillment_request`, ...
    pub kind: String,
    /// PO number, shipment id, ...: what an operator searches by.
    pub business_key: String,
    pub bytes: Vec<u8>,
}

/// What [`Store::file_document`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Filed {
    New,
    /// Filed before; the stored bytes were kept. `same_bytes: false` means the connector
    /// rendered the document differently this time: it should resend the stored bytes.
    AlreadyFiled {
        same_bytes: bool,
    },
}

/// A filed document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredDocument {
    pub document: OutboundDocument,
    /// SHA-256 of the bytes, lowercase hex.
    pub content_hash: String,
    pub created_at: DateTime<FixedOffset>,
}
