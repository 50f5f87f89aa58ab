//! What can go wrong talking to Shopify, classified the way every connector classifies.

use std::time::Duration;

/// Who is at fault, which decides whether retrying can help.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Domain {
    /// The document or request was refused on its merits: never retried.
    Partner,
    /// Shopify is down, slow or throttling: retry later.
    External,
    /// Our side is wrong (bad configuration, a response we do not understand).
    Internal,
}

#[derive(Debug, thiserror::Error)]
pub enum ShopifyError {
    /// `userErrors` from a mutation: the input was refused.
    #[error("Shopify refused {operation}: {messages}")]
    Rejected { operation: &'static str, messages: String },
    /// 429, 5xx, throttled past the retry budget, connection failures and timeouts.
    #[error("Shopify unavailable during {operation}: {reason}")]
    Unavailable { operation: &'static str, reason: String, retry_after: Option<Duration> },
    /// A response that does not have the documented shape, or GraphQL errors about our query.
    #[error("unexpected response from Shopify to {operation}: {reason}")]
    BadResponse { operation: &'static str, reason: String },
    /// A payload that cannot be mapped to a canonical document, with the JSON path at fault.
    #[error("{0}")]
    Mapping(String),
}

impl ShopifyError {
    pub fn domain(&self) -> Domain {
        match self {
            ShopifyError::Rejected { .. } | ShopifyError::Mapping(_) => Domain::Partner,
            ShopifyError::Unavailable { .. } => Domain::External,
            ShopifyError::BadResponse { .. } => Domain::Internal,
        }
    }

    /// How long Shopify asked us to wait, when it said.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            ShopifyError::Unavailable { retry_after, .. } => *retry_after,
            _ => None,
        }
    }
}
