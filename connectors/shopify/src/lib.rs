//! Crossdock's Shopify connector.
//!
//! - [`webhook`]: the verified webhook endpoint, which stores canonical documents through
//!   the framework's intake (deduplicated by webhook id) before it answers 200.
//! - [`connector`]: [`ShopifyConnector`], the framework's inbound connector: a signed
//!   delivery to canonical envelopes.
//! - [`admin`]: the GraphQL Admin API client (order backfill, fulfillments, inventory),
//!   which keeps within Shopify's cost-based throttle and honours 429 Retry-After;
//!   [`backfill`] runs it as the framework's `Poll`, [`outbound`] as its
//!   `OutboundConnector` (fulfillments with tracking, inventory quantities).
//! - [`connector::build`]: the `shopify` kind for the framework's registry.
//! - [`translate`]: payloads to canonical envelopes; orders through the mapping file in
//!   `mappings/shopify/` ([`mapping`]), refunds and inventory levels here.

pub mod admin;
pub mod backfill;
pub mod config;
pub mod connector;
pub mod error;
pub mod mapping;
pub mod outbound;
pub mod translate;
pub mod webhook;

pub use config::{Secret, ShopifyConfig};
pub use connector::ShopifyConnector;
pub use error::ShopifyError;
pub use mapping::OrderMapping;
pub use translate::{Topic, Translator};
pub use webhook::Webhooks;
