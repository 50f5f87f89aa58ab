//! The connector framework: what every connector implements, and what the framework does
//! around it, the same for all (see docs/connector-spec.md).
//!
//! - [`InboundConnector`] decodes a [`Delivery`] (webhook request, polled page, dropped
//!   file) into canonical envelopes; [`Intake`] dedupes, stores them in a [`Sink`] (the
//!   hub's durable submit), retries external errors and quarantines what cannot pass.
//! - [`OutboundConnector`] delivers a canonical envelope; [`deliver_with_retry`] wraps it.
//! - [`ConnectorError`]: partner / external / internal, each with a [`RetryHint`].
//! - [`RetryPolicy`]: exponential backoff with full jitter and a budget.
//! - [`Quarantine`]: held input and output, editable and replayable, with an audit trail.
//! - [`Registry`]: the explicit list of connector kinds and their constructors.
//! - [`mapped`]: the `mapped` kind, any format a mapping file reads, without code.
//! - [`compliance::check`]: the spec's MUSTs as a test helper.
//!
//! Connectors never import the bus, the broker or each other: only this crate and the model.

pub mod compliance;
pub mod delivery;
pub mod error;
pub mod file_drop;
pub mod health;
pub mod inbound;
pub mod mapped;
pub mod outbound;
pub mod quarantine;
pub mod registry;
pub mod retry;

mod bytes;

pub use delivery::{fingerprint, Delivery};
pub use error::{parse_retry_after, ConnectorError, Domain, RetryHint};
pub use health::Health;
pub use inbound::{InboundConnector, Intake, MemorySeen, Outcome, Page, Poll, SeenDeliveries, Sink};
pub use outbound::{deliver_with_retry, Delivered, OutboundConnector};
pub use quarantine::{DirQuarantine, MemoryQuarantine, Quarantine, QuarantineEntry, QuarantineError};
pub use registry::{ConfigError, Connector, ConnectorConfig, Constructor, Registry};
pub use retry::{retry, GaveUp, GiveUpReason, RetryPolicy};
