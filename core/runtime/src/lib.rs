//! # crossdock-runtime: the embedded deployment's shell
//!
//! All of the hub's I/O lives here; the logic it hosts does none. A [`Runtime`] holds a
//! [`Handler`] (in the hub, the broker: pure and deterministic), a [`Store`] (SQLite in
//! the embedded deployment: [`SqliteStore`]) and a [`Clock`]. A [`Bus`] drains what the
//! handler produced to [`Subscriber`]s (connectors).
//!
//! ```text
//! intake ──submit──> [ inbox + handler + outbox: one transaction ] ──bus──> subscribers
//! ```
//!
//! - **One transaction per message.** [`Runtime::submit`] records the message in the
//!   `inbox`, runs the handler, and appends its outputs to the `outbox`, then commits
//!   (fsynced). A message seen before (same id, or same tenant and idempotency key) is
//!   reported as a duplicate and not handled. A handler error commits nothing.
//! - **State is rebuilt by replay.** The handler's state lives in memory. [`Runtime::open`]
//!   hands it every inbox message again, in order, with the `now` recorded for it; the
//!   handler being deterministic, it arrives where it was. Replay writes nothing and
//!   checks that the outputs are the recorded ones ([`Replayed::diverged`]).
//! - **Derived ids.** An output's id is `{input id}#{index}` ([`produced_id`]), so replay
//!   and redelivery see the same ids.
//! - **At-least-once delivery, exactly-once effect.** The bus records a delivery only
//!   after the subscriber returned `Ok`; subscribers are idempotent, e.g. by filing what
//!   they send with [`Store::file_document`] under an id derived from the message.
//! - **Services take their shutdown signal** ([`Bus::run`]); there is no global state.
//!
//! ```no_run
//! # async fn demo() -> Result<(), crossdock_runtime::Error> {
//! use std::sync::Arc;
//! use crossdock_runtime::{testkit, Runtime, SqliteStore};
//!
//! let store = SqliteStore::open("data/crossdock.db").await?;
//! let runtime = Arc::new(Runtime::open(store, testkit::StockLedger::default()).await?);
//! let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
//! let bus = tokio::spawn(runtime.bus().run(async move { let _ = stopped.await; }));
//! runtime.submit(&testkit::stock_received("m-1", "SKU-1", 10)).await?;
//! let _ = stop.send(());
//! # let _ = bus.await;
//! # Ok(()) }
//! ```

mod bus;
mod clock;
mod error;
mod handler;
mod runtime;
mod store;
pub mod testkit;

pub use bus::{Bus, BusConfig, DeliveryError, Subscriber};
pub use clock::{Clock, ManualClock, SystemClock};
pub use error::{Error, StoreError};
pub use handler::{produced_id, Handler, HandlerError, Produced};
pub use runtime::{Replayed, Runtime, Submitted};
pub use store::{
    Filed, InboxRecord, OutboundDocument, OutboxRecord, ParkedDelivery, Processed, SqliteStore, Store, StoredDocument,
};
#[cfg(feature = "postgres")]
pub use store::{Ownership, PgStore};

/// Re-exported so that subscribers can be written without naming the crate.
pub use async_trait::async_trait;
