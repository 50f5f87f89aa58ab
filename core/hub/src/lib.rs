//! The hub: the pure broker hosted on the runtime, with connectors at its edges.
//!
//! ```text
//! X12 file ──intake──> canonical envelopes ──Runtime::submit──> BrokerHandler (broker)
//!                                                                   │ outputs (outbox)
//!                        partner documents <──PartnerDocuments──── Bus
//! ```
//!
//! - [`config`]: the network, the sourcing rules and the trading partners, from TOML;
//! - [`handler`]: canonical messages in, broker inputs; broker outputs, messages out; and
//!   around the broker, each drop-ship PO's document thread and three-way match;
//! - [`threads`], [`expectations`]: the thread ledger and the delay warnings partners'
//!   expectations raise (deadlines checked against the injected `now`, on `clock.tick`);
//! - [`intake`]: inbound X12 files become envelopes (and the acknowledgments they owe),
//!   archived and checked for duplicate interchanges by [`intake::receive`];
//! - [`outbound`]: the subscriber that turns the broker's requests into partner
//!   documents (850s to drop-ship suppliers, 940s to 3PLs, JSON for our own nodes),
//!   archived once per message so a redelivery resends the same bytes, and reported
//!   back to the hub as `document.sent` so the thread shows them.

pub mod config;
pub mod demo;
pub mod expectations;
pub mod handler;
pub mod intake;
pub mod outbound;
pub mod sink;
pub mod threads;
pub mod workload;

pub use config::{ConfigError, HubConfig};
pub use handler::BrokerHandler;
