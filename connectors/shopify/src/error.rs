//! What can go wrong talking to Shopify, classified with the framework's taxonomy.

use std::time::Duration;

use crossdock_connector::{ConnectorError, Domain};

#[derive(Debug, Clone, thiserror::Error)]
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

impl From<ShopifyError> for ConnectorError {
    fn from(error: ShopifyError) -> Self {
        let message = error.to_string();
        match error {
            ShopifyError::Rejected { .. } => ConnectorError::partner("rejected", message),
            ShopifyError::Mapping(_) => ConnectorError::partner("invalid", message),
            ShopifyError::Unavailable { retry_after, .. } => ConnectorError::External { message, retry_after },
            ShopifyError::BadResponse { .. } => ConnectorError::internal(message),
        }
    }
}
