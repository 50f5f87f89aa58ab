//! Shopify payloads (REST shape: webhooks, and backfilled orders queried into that shape)
//! to canonical documents in their envelopes.
//!
//! Orders go through the declarative mapping in `mappings/shopify/`; refunds and inventory
//! levels are small enough to map here (what is kept is documented on each function).

use chrono::{DateTime, FixedOffset};
use crossdock_model::{
    AdviceMode, Document, Envelope, InventoryAdvice, ItemRef, Position, Reference, Return, ReturnLine, Uom,
    SCHEMA_VERSION,
};
use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::Value;

use crate::config::ShopifyConfig;
use crate::error::ShopifyError;
use crate::mapping::{self, OrderMapping};

/// The webhook topics this connector subscribes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Topic {
    OrdersCreate,
    OrdersUpdated,
    OrdersCancelled,
    RefundsCreate,
    InventoryLevelsUpdate,
}

impl Topic {
    pub const ALL: [Topic; 5] = [
        Topic::OrdersCreate,
        Topic::OrdersUpdated,
        Topic::OrdersCancelled,
        Topic::RefundsCreate,
        Topic::InventoryLevelsUpdate,
    ];

    /// The topic as Shopify names it in `X-Shopify-Topic`.
    pub fn as_str(self) -> &'static str {
        match self {
            Topic::OrdersCreate => "orders/create",
            Topic::OrdersUpdated => "orders/updated",
            Topic::OrdersCancelled => "orders/cancelled",
            Topic::RefundsCreate => "refunds/create",
            Topic::InventoryLevelsUpdate => "inventory_levels/update",
        }
    }

    pub fn parse(topic: &str) -> Option<Topic> {
        Topic::ALL.into_iter().find(|t| t.as_str() == topic)
    }
}

/// Turns Shopify payloads into canonical envelopes for one shop.
pub struct Translator {
    pub config: ShopifyConfig,
    orders: OrderMapping,
}

impl Translator {
    pub fn new(config: ShopifyConfig, orders: OrderMapping) -> Self {
        Translator { config, orders }
    }

    /// The canonical envelopes one webhook payload yields.
    pub fn webhook_documents(&self, topic: Topic, payload: &Value) -> Result<Vec<Envelope>, ShopifyError> {
        let config = &self.config;
        let envelope = match topic {
            Topic::OrdersCreate => self.order_envelope(payload, "$", "order.received")?,
            Topic::OrdersUpdated => self.order_envelope(payload, "$", "order.updated")?,
            Topic::OrdersCancelled => self.order_envelope(payload, "$", "order.cancelled")?,
            Topic::RefundsCreate => {
                let refund = refund_to_return(payload, config)?;
                let time = refund.requested_at;
                let key = format!("refund:{}", refund.rma_number);
                let correlation = refund.order_id.clone();
                envelope(Document::Return(refund), "return.received", &key, time, Some(correlation), config)
            }
            Topic::InventoryLevelsUpdate => {
                let advice = inventory_level_to_advice(payload, config)?;
                let time = advice.as_of;
                let key = format!("inventory:{}", advice.advice_id.as_deref().unwrap_or_default());
                envelope(Document::InventoryAdvice(advice), "inventory.received", &key, time, None, config)
            }
        };
        Ok(vec![envelope])
    }

    /// One Shopify order at `path` as an envelope of `event_type`. The idempotency key is
    /// the order id and its `updated_at`, so the same version of an order arriving by
    /// webhook and by backfill is recognised as one event.
    pub fn order_envelope(&self, order: &Value, path: &str, event_type: &str) -> Result<Envelope, ShopifyError> {
        let sales_order = self.orders.map(order, path)?;
        let version = order.get("updated_at").and_then(Value::as_str).unwrap_or("");
        let time = DateTime::parse_from_rfc3339(version).unwrap_or(sales_order.placed_at);
        let key = format!("order:{}:{version}", sales_order.order_id);
        let correlation = sales_order.order_id.clone();
        Ok(envelope(Document::SalesOrder(sales_order), event_type, &key, time, Some(correlation), &self.config))
    }
}

/// Every order in a JSON document: `{"order": {...}}`, a bare order, or `{"orders": [...]}`,
/// each with the JSON path it sits at.
pub fn orders_in(document: &Value) -> Vec<(String, &Value)> {
    match document {
        Value::Object(o) if o.contains_key("orders") => match &o["orders"] {
            Value::Array(list) => list.iter().enumerate().map(|(i, v)| (format!("$.orders[{i}]"), v)).collect(),
            other => vec![("$.orders".into(), other)],
        },
        Value::Object(o) if o.contains_key("order") => vec![("$.order".into(), &o["order"])],
        other => vec![("$".into(), other)],
    }
}

fn envelope(
    data: Document,
    event_type: &str,
    key: &str,
    time: DateTime<FixedOffset>,
    correlation: Option<String>,
    config: &ShopifyConfig,
) -> Envelope {
    let id = format!("{}:{}:{key}", config.name, config.shop);
    Envelope {
        correlation_id: correlation.unwrap_or_else(|| id.clone()),
        idempotency_key: id.clone(),
        id,
        event_type: event_type.into(),
        source: format!("{}/{}", config.name, config.shop),
        subject: data.business_key().to_string(),
        time,
        causation_id: None,
        tenant: config.tenant.clone(),
        schema_version: SCHEMA_VERSION,
        data,
    }
}

/// Reads a payload into a Shopify shape, naming the JSON path of the first problem.
fn read<'a, T: Deserialize<'a>>(payload: &'a Value, what: &str) -> Result<T, ShopifyError> {
    serde_path_to_error::deserialize(payload).map_err(|e| {
        let path = e.path().to_string();
        let at = if path == "." { "$".to_string() } else { format!("$.{path}") };
        ShopifyError::Mapping(format!("{what} at {at}: {}", e.inner()))
    })
}

/// Shopify sends ids as numbers (REST) or strings (GraphQL `legacyResourceId`).
#[derive(Deserialize)]
#[serde(untagged)]
enum Id {
    Number(u64),
    Text(String),
}

impl std::fmt::Display for Id {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Id::Number(n) => write!(f, "{n}"),
            Id::Text(s) => f.write_str(s),
        }
    }
}

#[derive(Deserialize)]
struct InventoryLevel {
    inventory_item_id: Id,
    location_id: Id,
    available: Option<i64>,
    updated_at: DateTime<FixedOffset>,
}

/// `inventory_levels/update` carries the new absolute `available` of one item at one
/// location, so it becomes a one-position *snapshot* (the broker applies snapshots per
/// item: other items at the node are untouched). The item is known only by its inventory
/// item id (`other_ids`, qualifier `shopify_inventory_item`); the location becomes a node
/// through the configuration.
pub fn inventory_level_to_advice(payload: &Value, config: &ShopifyConfig) -> Result<InventoryAdvice, ShopifyError> {
    let level: InventoryLevel = read(payload, "inventory level")?;
    let item_id = level.inventory_item_id.to_string();
    let location = level.location_id.to_string();
    Ok(InventoryAdvice {
        node_id: Some(config.node_for_location(&location)),
        advice_id: Some(format!("{item_id}@{location}@{}", level.updated_at.to_rfc3339())),
        as_of: level.updated_at,
        mode: AdviceMode::Snapshot,
        reporter: None,
        positions: vec![Position {
            item: ItemRef { other_ids: vec![reference("shopify_inventory_item", item_id)], ..ItemRef::default() },
            location: Some(location),
            uom: Uom::each(),
            on_hand: None,
            // Shopify can report negative availability (oversold); the hub clamps nothing.
            available: level.available.map(Decimal::from),
            in_transit: Vec::new(),
            on_order: Vec::new(),
        }],
    })
}

#[derive(Deserialize)]
struct Refund {
    id: Id,
    order_id: Id,
    created_at: DateTime<FixedOffset>,
    note: Option<String>,
    /// Legacy flag; newer payloads say `restock_type` per line.
    #[serde(default)]
    restock: Option<bool>,
    #[serde(default)]
    refund_line_items: Vec<RefundLine>,
}

#[derive(Deserialize)]
struct RefundLine {
    line_item_id: Id,
    quantity: u64,
    restock_type: Option<String>,
    location_id: Option<Id>,
    line_item: Option<RefundedItem>,
}

#[derive(Deserialize)]
struct RefundedItem {
    sku: Option<String>,
    name: Option<String>,
    variant_id: Option<Id>,
    product_id: Option<Id>,
}

/// `refunds/create` as a canonical `Return`: one line per refunded line item with its item
/// ids, quantity, the refund note as the reason and the restock decision as disposition.
/// Money (transactions, adjustments) is not kept: `Return` carries goods, not payments.
pub fn refund_to_return(payload: &Value, config: &ShopifyConfig) -> Result<Return, ShopifyError> {
    let refund: Refund = read(payload, "refund")?;
    let disposition = |line: &RefundLine| match (&line.restock_type, refund.restock) {
        (Some(kind), _) => Some(kind.clone()),
        (None, Some(true)) => Some("restock".to_string()),
        (None, Some(false)) => Some("no_restock".to_string()),
        (None, None) => None,
    };
    let lines = refund
        .refund_line_items
        .iter()
        .map(|line| {
            let item = line.line_item.as_ref();
            let mut other_ids = Vec::new();
            if let Some(v) = item.and_then(|i| i.variant_id.as_ref()) {
                other_ids.push(reference("shopify_variant", v.to_string()));
            }
            if let Some(p) = item.and_then(|i| i.product_id.as_ref()) {
                other_ids.push(reference("shopify_product", p.to_string()));
            }
            ReturnLine {
                line_id: line.line_item_id.to_string(),
                item: ItemRef {
                    sku: item.and_then(|i| i.sku.clone()).filter(|s| !s.is_empty()),
                    description: item.and_then(|i| i.name.clone()),
                    other_ids,
                    ..ItemRef::default()
                },
                quantity: Decimal::from(line.quantity),
                uom: Uom::each(),
                reason: refund.note.clone().filter(|n| !n.is_empty()),
                disposition: disposition(line),
            }
        })
        .collect();
    let return_to_node = refund
        .refund_line_items
        .iter()
        .find_map(|l| l.location_id.as_ref())
        .map(|l| config.node_for_location(&l.to_string()));
    Ok(Return {
        rma_number: format!("SHOPIFY-REFUND-{}", refund.id),
        order_id: mapping::order_id(&refund.order_id.to_string()),
        requested_at: refund.created_at,
        return_to_node,
        lines,
    })
}

fn reference(qualifier: &str, value: String) -> Reference {
    Reference { qualifier: qualifier.into(), value, description: None }
}
