//! The hub: the pure broker hosted on the runtime, with connectors at its edges.
//!
//! ```text
//! X12 file ──intake──> canonical envelopes ──Runtime::submit──> BrokerHandler (broker)
//!                                                                   │ outputs (outbox)
//!                        partner documents <──PartnerDocuments──── Bus
//! ```
//!
//! - [`config`]: the network, the sourcing rules and the trading partners, from TOML;
//! - [`handler`]: canonical messages in, broker inputs; broker outputs, messages out;
//! - [`intake`]: inbound X12 files become envelopes (and the acknowledgments they owe);
//! - [`outbound`]: the subscriber that turns the broker's requests into partner
//!   documents (850s to drop-ship suppliers, 940s to 3PLs, JSON for our own nodes),
//!   archived once per message so a redelivery resends the same bytes.

pub mod config;
pub mod demo;
pub mod expectations;
pub mod handler;
pub mod intake;
pub mod outbound;
pub mod threads;

pub use config::{ConfigError, HubConfig};
pub use handler::BrokerHandler;
