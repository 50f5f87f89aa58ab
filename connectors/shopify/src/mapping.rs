//! Shopify order -> canonical `SalesOrder`, through the declarative mapping file.

use crossdock_model::SalesOrder;
use serde_json::Value;

use crate::error::ShopifyError;

/// The hub's order id for a Shopify order id; refunds refer to orders through it.
pub fn order_id(shopify_id: &str) -> String {
    format!("SHOPIFY-{shopify_id}")
}

pub fn shopify_order(_order: &Value, path: &str) -> Result<SalesOrder, ShopifyError> {
    Err(ShopifyError::Mapping(format!("{path}: the order mapping is not loaded yet")))
}
