//! Sales orders and the nodes that fulfil them.

use chrono::{DateTime, FixedOffset, NaiveTime};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::common::{Address, Geo, ItemRef, Money, Party, Reference, Uom};

/// A customer order, from any channel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SalesOrder {
    pub order_id: String,
    /// Where it came from: `shopify`, `x12`, `netsuite`, `api`, ...
    pub channel: String,
    /// The id the channel gave it (Shopify order id, the customer's PO number, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer: Option<Party>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ship_to: Option<Party>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bill_to: Option<Party>,
    pub placed_at: DateTime<FixedOffset>,
    /// Requested service level (`standard`, `express`, `next_day`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_level: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    /// Higher goes first when stock is constrained.
    #[serde(default)]
    pub priority: i32,
    pub lines: Vec<OrderLine>,
    #[serde(default)]
    pub status: OrderStatus,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<Reference>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderLine {
    pub line_id: String,
    pub item: ItemRef,
    pub quantity: Decimal,
    #[serde(default)]
    pub uom: Uom,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit_price: Option<Money>,
    #[serde(default)]
    pub fulfillment: Fulfillment,
    #[serde(default)]
    pub allow_substitution: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub substitutes: Vec<ItemRef>,
    #[serde(default)]
    pub status: LineStatus,
}

/// How the customer gets the line.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "mode")]
pub enum Fulfillment {
    #[default]
    Ship,
    /// Buy online, pick up in store (or pick-and-hold) at this node.
    Pickup { node_id: String },
}

/// The status of one order line. The order's status is rolled up from its lines.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LineStatus {
    #[default]
    Received,
    Validated,
    Sourced,
    Backordered,
    Released,
    Acknowledged,
    Shipped,
    Delivered,
    Cancelled,
    Rejected,
    Returned,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    #[default]
    Received,
    Validated,
    Sourced,
    PartiallySourced,
    Backordered,
    Released,
    PartiallyShipped,
    Shipped,
    Delivered,
    Cancelled,
    Rejected,
    Returned,
}

/// A place that can fulfil: a store, a distribution centre, a drop-ship supplier, a 3PL.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Node {
    pub node_id: String,
    pub kind: NodeKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Address::is_empty")]
    pub address: Address,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub geo: Option<Geo>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub capabilities: Vec<Capability>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capacity_per_day: Option<u32>,
    /// Local order cut-off time for same-day release.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cutoff: Option<NaiveTime>,
    #[serde(default)]
    pub handling_cost: Decimal,
    #[serde(default)]
    pub priority: i32,
    /// The trading partner behind a supplier or 3PL node.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partner_id: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NodeKind {
    Store,
    Dc,
    Supplier,
    Threepl,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Capability {
    Ship,
    Pickup,
    ShipFromStore,
    DropShip,
    Transfer,
    Returns,
}
