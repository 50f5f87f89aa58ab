//! The message envelope every bus message travels in, after CloudEvents 1.0.

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};

use crate::documents::Document;

/// Version of the canonical schema that `data` follows. Bump on breaking changes.
pub const SCHEMA_VERSION: u32 = 1;

/// A canonical event: CloudEvents-style attributes around a document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Envelope<T = Document> {
    /// Unique per source; producers derive it deterministically where they can, so that a
    /// re-read of the same input yields the same id.
    pub id: String,
    /// `order.received`, `line.sourced`, `po.sent`, `asn.received`, ...
    #[serde(rename = "type")]
    pub event_type: String,
    /// Who produced it: `connector/partner`, e.g. `x12/ACME`.
    pub source: String,
    /// The business key the event is about (order id, PO number, shipment id, ...).
    pub subject: String,
    pub time: DateTime<FixedOffset>,
    /// The id shared by every event of one business thread.
    pub correlation_id: String,
    /// The id of the event that caused this one, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub causation_id: Option<String>,
    /// Handlers remember processed keys, so a redelivery is handled once.
    pub idempotency_key: String,
    pub tenant: String,
    pub schema_version: u32,
    pub data: T,
}
