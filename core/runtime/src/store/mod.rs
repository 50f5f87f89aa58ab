//! The store behind the runtime: a trait with the semantics every backend keeps, and the
//! SQLite implementation of the embedded deployment. A PostgreSQL store implements the
//! same trait over the same tables (see the migrations) with the same guarantees.

use std::collections::HashMap;
use std::future::Future;
use std::ops::RangeInclusive;

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

    /// The unit of work of [`Runtime::submit_batch`](crate::Runtime::submit_batch), in
    /// **one transaction**: for each message, in order, if its id or its tenant's
    /// idempotency key is in the inbox already (or earlier in the batch), report
    /// [`Processed::Duplicate`] and do not call `handle`; otherwise call `handle`: if it
    /// refuses, report [`Processed::Refused`] and record nothing for that message; if it
    /// accepts, record the message in the inbox at the next sequence and append what it
    /// returned to the outbox. Then commit, once for the whole batch (one fsync, not one
    /// per message: this is what makes the distributed intake fast).
    fn process_batch<F>(
        &self,
        messages: &[Envelope<Value>],
        now: DateTime<FixedOffset>,
        received_at: DateTime<FixedOffset>,
        handle: F,
    ) -> impl Future<Output = Result<Vec<Processed>, StoreError>> + Send
    where
        F: FnMut(&Envelope<Value>) -> Result<Vec<Envelope<Value>>, HandlerError> + Send;

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

    /// Up to `limit` outbox messages after `after_sequence`, in sequence order, not yet
    /// settled (had by every subscriber) and that `subscriber` has neither acknowledged
    /// nor parked.
    fn pending_for(
        &self,
        subscriber: &str,
        after_sequence: i64,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<OutboxRecord>, StoreError>> + Send;

    /// Records that `subscriber` acknowledged each of `message_ids` (once, however often
    /// called), in one transaction, and marks each message delivered when all of
    /// `subscribers` have had it. A [sole subscriber](sole_subscriber)'s acknowledgment
    /// is that mark alone.
    fn record_deliveries(
        &self,
        subscriber: &str,
        message_ids: &[String],
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

    /// Files outbound documents once per id, in one transaction. A second filing with
    /// the same id keeps the first bytes and says whether the new ones were the same.
    fn file_documents(
        &self,
        documents: &[OutboundDocument],
        at: DateTime<FixedOffset>,
    ) -> impl Future<Output = Result<Vec<Filed>, StoreError>> + Send;

    /// [`file_documents`](Store::file_documents) for one document.
    fn file_document(
        &self,
        document: &OutboundDocument,
        at: DateTime<FixedOffset>,
    ) -> impl Future<Output = Result<Filed, StoreError>> + Send {
        async move {
            let mut filed = self.file_documents(std::slice::from_ref(document), at).await?;
            filed.pop().ok_or_else(|| StoreError::Corrupt(format!("no outcome filing {}", document.id)))
        }
    }

    /// The documents filed under any of `ids`, in no particular order (one query for a
    /// batch): a redelivered message resends these bytes.
    fn documents(&self, ids: &[String]) -> impl Future<Output = Result<Vec<StoredDocument>, StoreError>> + Send;

    /// The document filed under `id`, if any.
    fn document(&self, id: &str) -> impl Future<Output = Result<Option<StoredDocument>, StoreError>> + Send {
        async move { Ok(self.documents(&[id.to_string()]).await?.pop()) }
    }

    /// The next `count` control numbers of `partner` and `kind`, consecutive, from 1 to
    /// 999,999,999; a block that would pass the end starts again at 1. Persisted before
    /// they are returned, so never handed out twice in a row.
    fn reserve_control_numbers(
        &self,
        partner: &str,
        kind: &str,
        count: u32,
    ) -> impl Future<Output = Result<RangeInclusive<u64>, StoreError>> + Send;

    /// The next control number of `partner` and `kind` (a block of one).
    fn next_control_number(&self, partner: &str, kind: &str) -> impl Future<Output = Result<u64, StoreError>> + Send {
        async move { Ok(*self.reserve_control_numbers(partner, kind, 1).await?.start()) }
    }
}

/// Whether `subscriber` is the only one on its bus (the outbox relay of the distributed
/// deployment is). Its acknowledgment settles a message by itself, so the outbox row's
/// `delivered_at` is the whole record: no `deliveries` row to write, then to join against
/// on every read.
pub(crate) fn sole_subscriber(subscriber: &str, subscribers: &[String]) -> bool {
    matches!(subscribers, [only] if only == subscriber)
}

/// The highest control number; a block that would pass it starts again at 1.
pub(crate) const LAST_CONTROL_NUMBER: i64 = 999_999_999;

/// The block of `count` numbers ending at `last` (as the store returned it).
pub(crate) fn control_block(
    partner: &str,
    kind: &str,
    last: i64,
    count: u32,
) -> Result<RangeInclusive<u64>, StoreError> {
    let first = last - i64::from(count) + 1;
    match (u64::try_from(first), u64::try_from(last)) {
        (Ok(first), Ok(last)) if first >= 1 => Ok(first..=last),
        _ => Err(StoreError::Corrupt(format!("control number {partner}/{kind} is {last}"))),
    }
}

/// What [`Store::process_batch`] did with one message.
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

/// Where a message handled before sits in the inbox: the message that took its place.
#[derive(Debug, Clone)]
pub(crate) struct Original {
    pub message_id: String,
    pub sequence: i64,
}

/// The in-memory half of [`Store::process_batch`], shared by the stores: given what the
/// inbox already holds for each message (`recorded[i]`: the original of message i's id or
/// of its tenant and idempotency key) and the last sequence taken, decides each message in
/// order, calling `handle` for those not seen before. The store then writes the committed
/// ones.
pub(crate) fn plan_batch<F>(
    messages: &[Envelope<Value>],
    recorded: Vec<Option<Original>>,
    last_sequence: i64,
    mut handle: F,
) -> Vec<Processed>
where
    F: FnMut(&Envelope<Value>) -> Result<Vec<Envelope<Value>>, HandlerError>,
{
    let mut sequence = last_sequence;
    // Accepted earlier in this batch, by id and by (tenant, idempotency key).
    let mut by_id: HashMap<&str, Original> = HashMap::new();
    let mut by_key: HashMap<(&str, &str), Original> = HashMap::new();
    messages
        .iter()
        .zip(recorded)
        .map(|(message, recorded)| {
            let earlier = recorded.or_else(|| {
                by_id
                    .get(message.id.as_str())
                    .or_else(|| by_key.get(&(message.tenant.as_str(), message.idempotency_key.as_str())))
                    .cloned()
            });
            if let Some(Original { message_id, sequence }) = earlier {
                return Processed::Duplicate { original_id: message_id, sequence };
            }
            match handle(message) {
                Err(refusal) => Processed::Refused(refusal),
                Ok(produced) => {
                    sequence += 1;
                    let original = Original { message_id: message.id.clone(), sequence };
                    by_id.insert(&message.id, original.clone());
                    by_key.insert((&message.tenant, &message.idempotency_key), original);
                    Processed::Committed { sequence, produced }
                }
            }
        })
        .collect()
}
