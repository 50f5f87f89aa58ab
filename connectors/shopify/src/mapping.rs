//! Shopify order -> canonical `SalesOrder`, through the declarative mapping file.

use std::path::Path;

use crossdock_mapping::{Diagnostics, Mapping};
use crossdock_model::{Document, SalesOrder};
use serde_json::Value;

use crate::error::ShopifyError;

/// Where the order mapping lives, relative to the hub's working directory.
pub const DEFAULT_ORDER_MAPPING: &str = "mappings/shopify/shopify-order.toml";

/// The hub's order id for a Shopify order id. It must agree with `order_id` in the mapping
/// file: refunds refer to orders through it.
pub fn order_id(shopify_id: &str) -> String {
    format!("SHOPIFY-{shopify_id}")
}

/// The compiled order mapping.
pub struct OrderMapping(Mapping);

impl OrderMapping {
    /// Compiles the mapping file; every problem in it is reported at once, with its line.
    pub fn load(path: &Path) -> Result<Self, Diagnostics> {
        Mapping::load(path).map(OrderMapping)
    }

    /// Maps one order (REST shape). `path` says where it sits in its document, so that
    /// errors name it (`$.orders[2]: ...`).
    pub fn map(&self, order: &Value, path: &str) -> Result<SalesOrder, ShopifyError> {
        let fail = |message: String| ShopifyError::Mapping(format!("{path}: {message}"));
        if !order.is_object() {
            return Err(fail("a Shopify order must be a JSON object".into()));
        }
        let mut documents = self.0.map_value(order).map_err(|e| fail(e.to_string()))?;
        match (documents.pop(), documents.is_empty()) {
            (Some(document), true) => match serde_json::from_value(document) {
                Ok(Document::SalesOrder(order)) => Ok(order),
                Ok(other) => Err(fail(format!("the mapping made a {}, not a sales_order", other.kind()))),
                Err(e) => Err(fail(e.to_string())),
            },
            _ => Err(fail("the mapping must make exactly one sales order of one Shopify order".into())),
        }
    }
}
