//! The broker as the runtime's handler: canonical messages in, broker outputs out.
//!
//! Deterministic, like the broker it wraps: everything it decides comes from the message,
//! the configuration and `now`, so the runtime can rebuild it by replaying its inbox.

use std::collections::BTreeMap;

use chrono::{DateTime, FixedOffset};
use crossdock_broker::{Broker, Input, OrderRequest};
use crossdock_model::{
    Document, Envelope, Fulfillment, LineStatus, Money, OrderLine, OrderStatus, PurchaseOrder, Reference, SalesOrder,
};
use crossdock_runtime::{Handler, HandlerError, Produced};
use serde_json::Value;

use crate::config::HubConfig;

/// A message whose data is a broker [`Input`] as JSON: commands from operators, the API
/// and the hub's own flows (cancellations, receipts, replenishment orders, batches).
pub const BROKER_INPUT: &str = "broker.input";

/// The sales channel of orders that customers send as X12 850s.
pub const B2B_CHANNEL: &str = "b2b";

pub struct BrokerHandler {
    broker: Broker,
    /// X12 interchange sender id -> the node its partner operates (for 846s, which name
    /// the partner, not the node).
    sender_nodes: BTreeMap<String, String>,
}

impl BrokerHandler {
    pub fn new(config: &HubConfig) -> Self {
        let sender_nodes = config
            .partners
            .iter()
            .filter_map(|p| Some((p.their_id.clone(), config.node_of_partner(&p.id)?.node_id.clone())))
            .collect();
        BrokerHandler { broker: Broker::new(config.nodes.clone(), config.rules.clone()), sender_nodes }
    }

    pub fn broker(&self) -> &Broker {
        &self.broker
    }

    /// A dry run: the sourcing decision this order would get now, committing nothing.
    pub fn preview(
        &mut self,
        order: &OrderRequest,
        now: DateTime<FixedOffset>,
    ) -> Result<crossdock_broker::Decision, String> {
        self.broker.preview(order, now)
    }

    /// What the broker is to be told, if anything: documents the broker has no part in
    /// yet (invoices, functional acknowledgments) are kept in the inbox and nothing more.
    fn input(&self, m: &Envelope<Value>) -> Result<Option<Input>, HandlerError> {
        if m.event_type == BROKER_INPUT {
            return serde_json::from_value(m.data.clone())
                .map(Some)
                .map_err(|e| HandlerError::new(format!("{}: not a broker input: {e}", m.id)));
        }
        // An order may come as a bare sales order or with the ship-to's coordinates.
        if m.event_type == "order.received" {
            if let Ok(request) = serde_json::from_value::<OrderRequest>(m.data.clone()) {
                return Ok(Some(Input::Order(request)));
            }
        }
        let doc: Document = serde_json::from_value(m.data.clone())
            .map_err(|e| HandlerError::new(format!("{}: {} is not a canonical document: {e}", m.id, m.event_type)))?;
        Ok(match doc {
            Document::SalesOrder(order) => Some(Input::Order(order.into())),
            Document::PurchaseOrder(po) => {
                Some(Input::Order(sales_order_from_customer_po(po, &m.source, m.time).into()))
            }
            Document::InventoryAdvice(mut advice) => {
                if advice.node_id.is_none() {
                    advice.node_id = self.sender_nodes.get(sender_id(&m.source)).cloned();
                }
                Some(Input::Advice(advice))
            }
            Document::PurchaseOrderAck(ack) => Some(Input::PoAck(ack)),
            Document::ShipNotice(notice) => Some(Input::ShipNotice(notice)),
            Document::FulfillmentUpdate(update) => Some(Input::Fulfillment(update)),
            Document::ShipmentStatus(status) => Some(Input::Status(status)),
            Document::Invoice(_)
            | Document::FunctionalAck(_)
            | Document::FulfillmentRequest(_)
            | Document::Return(_) => None,
        })
    }
}

impl Handler for BrokerHandler {
    fn handle(&mut self, m: &Envelope<Value>, now: DateTime<FixedOffset>) -> Result<Vec<Produced>, HandlerError> {
        let Some(input) = self.input(m)? else { return Ok(Vec::new()) };
        self.broker
            .handle(input, now)
            .into_iter()
            .map(|out| {
                let data = serde_json::to_value(&out).map_err(|e| HandlerError::new(e.to_string()))?;
                Ok(Produced::new(out.event_type(), out.subject(), data))
            })
            .collect()
    }

    fn source(&self) -> &str {
        "crossdock/broker"
    }
}

/// `x12/SENDER` -> `SENDER`.
fn sender_id(source: &str) -> &str {
    source.rsplit('/').next().unwrap_or(source)
}

/// A customer's purchase order is a sales order to us. Its vendor part numbers are our
/// SKUs; the order id joins the sender and the PO number, which is unique per customer.
pub fn sales_order_from_customer_po(po: PurchaseOrder, source: &str, placed_at: DateTime<FixedOffset>) -> SalesOrder {
    let customer = sender_id(source);
    let currency = po.currency.clone();
    let lines = po
        .lines
        .into_iter()
        .map(|l| {
            let mut item = l.item;
            if item.sku.is_none() {
                item.sku = item.vendor_part.clone();
            }
            OrderLine {
                line_id: l.line_no,
                item,
                quantity: l.quantity,
                uom: l.uom,
                unit_price: l.unit_price.map(|amount| Money { amount, currency: currency.clone() }),
                fulfillment: Fulfillment::Ship,
                allow_substitution: false,
                substitutes: Vec::new(),
                status: LineStatus::Received,
            }
        })
        .collect();
    let mut references = po.references;
    references.insert(0, Reference { qualifier: "PO".into(), value: po.po_number.clone(), description: None });
    SalesOrder {
        order_id: format!("{customer}-{}", po.po_number),
        channel: B2B_CHANNEL.into(),
        external_id: Some(po.po_number),
        customer: po.buyer.or_else(|| po.bill_to.clone()),
        ship_to: po.ship_to,
        bill_to: po.bill_to,
        placed_at,
        service_level: po.carrier.and_then(|c| c.service_level),
        currency,
        priority: 0,
        lines,
        status: OrderStatus::Received,
        references,
    }
}
