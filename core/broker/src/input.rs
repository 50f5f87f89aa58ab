//! What the broker is told. Every input is data (serde), so the runtime can keep them in
//! an inbox and rebuild the broker by replaying them, each with the `now` it was handled at.

use crossdock_model::{
    FulfillmentUpdate, Geo, InventoryAdvice, ItemRef, PurchaseOrder, PurchaseOrderAck, Return, SalesOrder, ShipNotice,
    ShipmentStatus,
};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

// Inputs hold documents by value: each is handled once and moved, never copied around.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Input {
    /// Stock reported by a node or a supplier (846 and the like).
    Advice(InventoryAdvice),
    /// A new sales order, sourced at once.
    Order(OrderRequest),
    /// Orders that arrived together, sourced most entitled first (priority, then time).
    OrderBatch(Vec<OrderRequest>),
    /// Cancel some lines (all when `line_ids` is empty).
    Cancel {
        order_id: String,
        #[serde(default)]
        line_ids: Vec<String>,
    },
    /// Change a line's quantity.
    Change {
        order_id: String,
        line_id: String,
        quantity: Decimal,
    },
    /// A replenishment purchase order for one of our nodes: its lines become on-order supply.
    PurchaseOrder(PurchaseOrder),
    PoAck(PurchaseOrderAck),
    ShipNotice(ShipNotice),
    Fulfillment(FulfillmentUpdate),
    Status(ShipmentStatus),
    /// Goods arrived at a node.
    Receipt(Receipt),
    SafetyStock {
        node_id: String,
        sku: String,
        quantity: Decimal,
    },
    /// Check model stock (the rule set's `replenishment`): order up to max what fell below min.
    Replenish,
    /// A return authorisation (RMA) against shipped lines of an order.
    Return(Return),
    /// Returned goods arrived at a node (any node: buy anywhere, return anywhere).
    ReturnReceived {
        rma_number: String,
        node_id: String,
        lines: Vec<ReturnReceivedLine>,
    },
}

impl Input {
    /// A short name for reports (`advice`, `order`, ...).
    pub fn kind(&self) -> &'static str {
        match self {
            Input::Advice(_) => "advice",
            Input::Order(_) => "order",
            Input::OrderBatch(_) => "order_batch",
            Input::Cancel { .. } => "cancel",
            Input::Change { .. } => "change",
            Input::PurchaseOrder(_) => "purchase_order",
            Input::PoAck(_) => "po_ack",
            Input::ShipNotice(_) => "ship_notice",
            Input::Fulfillment(_) => "fulfillment",
            Input::Status(_) => "status",
            Input::Receipt(_) => "receipt",
            Input::SafetyStock { .. } => "safety_stock",
            Input::Replenish => "replenish",
            Input::Return(_) => "return",
            Input::ReturnReceived { .. } => "return_received",
        }
    }
}

/// A sales order with what sourcing needs beyond the canonical order: where the ship-to
/// is (the canonical party carries an address, not coordinates).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderRequest {
    pub sales_order: SalesOrder,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ship_to_geo: Option<Geo>,
}

impl From<SalesOrder> for OrderRequest {
    fn from(sales_order: SalesOrder) -> Self {
        OrderRequest { sales_order, ship_to_geo: None }
    }
}

/// Goods received at a node: a shipment's in-transit lots become stock there. Without
/// lines, everything the shipment carried to this node is received as shipped.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Receipt {
    pub node_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shipment_id: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub lines: Vec<ReceiptLine>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReceiptLine {
    pub item: ItemRef,
    pub quantity: Decimal,
}

/// Units of an order line received back, and what becomes of them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReturnReceivedLine {
    pub line_id: String,
    pub quantity: Decimal,
    pub disposition: Disposition,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Disposition {
    /// Back on the shelf: stock on hand at the receiving node.
    Restock,
    /// Not sellable: no stock.
    Damaged,
}
