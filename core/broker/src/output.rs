//! What the broker decides and asks for. Each output is an event for the bus: its
//! [`Output::event_type`] and [`Output::subject`] go on the envelope, the output is the data.

use std::sync::Arc;

use crossdock_model::{FulfillmentRequest, LineStatus, Money, OrderStatus, PurchaseOrder, Purpose};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::input::Disposition;
use crate::sourcing::{Allocated, Decision, FuturePromise};

// Documents and decisions travel by value to the outbox; boxing would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Output {
    /// The full explanation of a sourcing decision.
    SourcingDecided {
        decision: Decision,
    },
    /// A line got stock now (one or more allocations).
    LineSourced {
        order_id: String,
        line_id: String,
        allocations: Vec<Allocated>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        substituted: Option<Arc<str>>,
    },
    /// Lines that wait for supply, with what they were promised.
    OrderBackordered {
        order_id: String,
        lines: Vec<BackorderedLine>,
    },
    /// Work for a DC, store or 3PL (a 940 or an API call); also changes and cancellations,
    /// by the request's `purpose`.
    FulfillmentRequested {
        node_id: String,
        request: FulfillmentRequest,
    },
    /// A drop-ship purchase order for a supplier (an 850); also changes and cancellations.
    PoIssued {
        node_id: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        partner_id: Option<String>,
        po: PurchaseOrder,
    },
    LineStatusChanged {
        order_id: String,
        line_id: String,
        from: LineStatus,
        to: LineStatus,
        reason: String,
    },
    OrderStatusChanged {
        order_id: String,
        from: OrderStatus,
        to: OrderStatus,
    },
    /// An inventory advice (or receipt) was applied.
    InventoryUpdated {
        node_id: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        advice_id: Option<String>,
        applied: u32,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        skipped: Vec<Skipped>,
        inventory_version: u64,
    },
    /// Stock fell below what was reserved: the least entitled reservations were taken
    /// back and sourced again.
    InventoryShortage {
        node_id: String,
        sku: String,
        on_hand: Decimal,
        reserved: Decimal,
        taken_back: Vec<TakenBack>,
    },
    InputRejected {
        input: String,
        subject: String,
        reason: String,
    },
    /// An RMA was accepted: its lines may come back to `node_id` (any node when `None`).
    ReturnAuthorized {
        rma_number: String,
        order_id: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        node_id: Option<String>,
        lines: Vec<ReturnedLine>,
    },
    /// Returned goods arrived at a node.
    ReturnReceived {
        rma_number: String,
        order_id: String,
        node_id: String,
        lines: Vec<ReturnedLine>,
    },
    /// The refund signal for what came back.
    RefundRequested {
        rma_number: String,
        order_id: String,
        lines: Vec<RefundLine>,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReturnedLine {
    pub line_id: String,
    pub sku: Arc<str>,
    pub quantity: Decimal,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disposition: Option<Disposition>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RefundLine {
    pub line_id: String,
    pub quantity: Decimal,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit_price: Option<Money>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BackorderedLine {
    pub line_id: String,
    pub sku: Arc<str>,
    pub quantity: Decimal,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub promise: Option<FuturePromise>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Skipped {
    pub sku: String,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TakenBack {
    pub order_id: String,
    pub line_id: String,
    pub quantity: Decimal,
}

impl Output {
    /// The bus event type.
    pub fn event_type(&self) -> &'static str {
        match self {
            Output::SourcingDecided { .. } => "sourcing.decided",
            Output::LineSourced { .. } => "line.sourced",
            Output::OrderBackordered { .. } => "order.backordered",
            Output::FulfillmentRequested { request, .. } => match request.purpose {
                Purpose::Cancellation => "fulfillment.cancel_requested",
                Purpose::Change | Purpose::Replace => "fulfillment.change_requested",
                _ => "fulfillment.requested",
            },
            Output::PoIssued { po, .. } => match po.purpose {
                Purpose::Cancellation => "po.cancel_issued",
                Purpose::Change | Purpose::Replace => "po.change_issued",
                _ => "po.issued",
            },
            Output::LineStatusChanged { .. } => "line.status_changed",
            Output::OrderStatusChanged { .. } => "order.status_changed",
            Output::InventoryUpdated { .. } => "inventory.updated",
            Output::InventoryShortage { .. } => "inventory.shortage",
            Output::InputRejected { .. } => "input.rejected",
            Output::ReturnAuthorized { .. } => "return.authorized",
            Output::ReturnReceived { .. } => "return.received",
            Output::RefundRequested { .. } => "refund.requested",
        }
    }

    /// The business key the event is about: an order id, a document number, `node/sku`.
    pub fn subject(&self) -> String {
        match self {
            Output::SourcingDecided { decision } => decision.order_id.clone(),
            Output::LineSourced { order_id, .. }
            | Output::OrderBackordered { order_id, .. }
            | Output::LineStatusChanged { order_id, .. }
            | Output::OrderStatusChanged { order_id, .. } => order_id.clone(),
            Output::ReturnAuthorized { rma_number, .. }
            | Output::ReturnReceived { rma_number, .. }
            | Output::RefundRequested { rma_number, .. } => rma_number.clone(),
            Output::FulfillmentRequested { request, .. } => request.request_id.clone(),
            Output::PoIssued { po, .. } => po.po_number.clone(),
            Output::InventoryUpdated { node_id, advice_id, .. } => match advice_id {
                Some(id) => format!("{node_id}/{id}"),
                None => node_id.clone(),
            },
            Output::InventoryShortage { node_id, sku, .. } => format!("{node_id}/{sku}"),
            Output::InputRejected { subject, .. } => subject.clone(),
        }
    }
}
