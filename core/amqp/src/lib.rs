//! # crossdock-amqp: the distributed deployment's bus, on RabbitMQ
//!
//! ```text
//! Runtime ─outbox─> Bus ─[OutboxRelay: publish, await confirm]─> {prefix}.events (topic)
//!                                                                    │ bindings
//!   Subscriber <─[consume: handle, then ack]── {prefix}.{consumer} (quorum) <─┐
//!        │ transient failure: to {prefix}.{consumer}.retry.{n} (TTL) ─────────┘
//!        └ permanent, or out of attempts: to {prefix}.dead-letter ─> {prefix}.parking
//! ```
//!
//! - **Nothing is marked sent before RabbitMQ has it.** [`OutboxRelay`] is a
//!   [`Subscriber`](crossdock_runtime::Subscriber) of the runtime's outbox bus: it returns
//!   `Ok` (and the bus records the delivery) only after the publisher confirm arrived.
//!   A crash in between publishes the message again; consumers dedupe.
//! - **Nothing is acknowledged before it is done.** [`consume`] acks a delivery only
//!   after its subscriber returned, i.e. after the subscriber's own transaction
//!   committed (the runtime's inbox for intake, the documents table for outbound).
//!   Redeliveries are absorbed by that same idempotence (inbox ids, document ids).
//! - **Failures wait, then park.** A transient failure goes to a retry queue whose TTL
//!   sends it back later; after `max_attempts`, or at once for a permanent failure, the
//!   message is parked with its error in headers. [`replay_parked`] sends parked messages
//!   back to the queue they came from.
//! - **Connections come back.** Every loop reconnects with backoff and declares its
//!   topology again (declarations are idempotent).

mod consumer;
mod error;
mod publisher;
mod topology;
mod worker;

pub use consumer::{consume, replay_parked, ConsumerConfig, Intake};
pub use error::AmqpError;
pub use publisher::{OutboxRelay, Publisher};
pub use topology::{headers, topic_matches, Topology};
pub use worker::{run_worker, Outbound, WorkerConfig};

/// Connects, without ever logging the URL (it may carry a password).
pub(crate) async fn connect(url: &str) -> Result<lapin::Connection, AmqpError> {
    Ok(lapin::Connection::connect(url, connection_properties()).await?)
}

/// lapin driven by the current tokio runtime (call from within one).
pub fn connection_properties() -> lapin::ConnectionProperties {
    lapin::ConnectionProperties::default()
        .with_executor(tokio_executor_trait::Tokio::current())
        .with_reactor(tokio_reactor_trait::Tokio)
}

/// Exponential backoff for reconnecting: 100 ms, doubling, at most 5 s.
pub(crate) fn next_backoff(current: std::time::Duration) -> std::time::Duration {
    (current * 2).min(std::time::Duration::from_secs(5))
}
