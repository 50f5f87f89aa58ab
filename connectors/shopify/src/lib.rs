//! Crossdock's Shopify connector.
//!
//! - [`webhook`]: the verified, de-duplicated webhook endpoint that stores canonical
//!   documents through an [`Intake`] before it answers 200.
//! - [`admin`]: the GraphQL Admin API client (order backfill, fulfillments, inventory),
//!   which keeps within Shopify's cost-based throttle and honours 429 Retry-After.
//! - [`translate`]: payloads to canonical envelopes; orders through the mapping file in
//!   `mappings/shopify/`.

pub mod admin;
pub mod config;
pub mod error;
pub mod intake;
pub mod mapping;
pub mod translate;
pub mod webhook;

pub use config::{Secret, ShopifyConfig};
pub use error::{Domain, ShopifyError};
pub use intake::{Intake, IntakeError};
pub use translate::Topic;
pub use webhook::Webhooks;
