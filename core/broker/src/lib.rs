//! The broker: the decisions a distributed order management hub is bought for, as pure
//! functions of state and input. No I/O, no clock, no randomness: `now` is an argument,
//! and the same inputs with the same `now`s give the same outputs, so the runtime can
//! rebuild a broker by replaying its inbox.
//!
//! - [`inventory`]: the ledger (on hand, reserved, in transit, on order, supplier-reported,
//!   safety stock; sources and freshness), and [`atp`] on top of it;
//! - [`sourcing`]: rule sets, eligibility, scoring, policies, explainable decisions;
//! - [`orders`]: the line state machine and the order book;
//! - `flows`: how each [`Input`] moves the state and which [`Output`]s it yields.
//!
//! ```text
//! let mut broker = Broker::new(nodes, RuleSet::from_toml(&text)?);
//! let outputs = broker.handle(Input::Advice(advice), now);       // inventory.updated
//! let outputs = broker.handle(Input::Order(request), now);       // sourcing.decided, line.sourced,
//!                                                                // fulfillment.requested / po.issued, ...
//! let atp = broker.atp(&AtpQuery { sku, quantity: Some(3), near: Some(Near::Node(store)), .. }, now);
//! let decision = broker.preview(&request, now)?;                 // dry run, commits nothing
//! broker.check_invariants()?;                                    // no unit promised twice
//! ```

pub mod atp;
mod flows;
pub mod geo;
mod ids;
pub mod input;
pub mod inventory;
mod network;
pub mod orders;
pub mod output;
pub mod sourcing;

use std::collections::BTreeMap;

use chrono::{DateTime, FixedOffset};
use crossdock_model::{LineStatus, Node, OrderStatus};

pub use crate::atp::{Atp, AtpQuery, Breakdown, Near, NodeAtp};
pub use crate::ids::{ItemIdx, NodeIdx};
pub use crate::input::{Disposition, Input, OrderRequest, Receipt, ReceiptLine, ReturnReceivedLine};
pub use crate::inventory::{Ledger, Lot, LotSource, Position, SupplyType};
pub use crate::network::Network;
pub use crate::orders::{Allocation, Hold, LineRecord, OrderBook, OrderRecord, Stage};
pub use crate::output::{BackorderedLine, Output, RefundLine, ReturnedLine, Skipped, TakenBack};
pub use crate::sourcing::{Decision, RateEstimator, RateRequest, RateTable, RuleError, RuleSet};

use crate::atp::AtpView;
use crate::flows::{InboundPo, Rma};
use crate::inventory::SafetyDefaults;
use crate::network::DailyCapacity;
use crate::sourcing::{Eligibility, Scratch, Sourcer};

/// The broker's whole state: network, ledger, rules and order book.
#[derive(Debug)]
pub struct Broker {
    network: Network,
    rules: RuleSet,
    eligibility: Eligibility,
    rates: Box<dyn RateEstimator>,
    ledger: Ledger,
    capacity: DailyCapacity,
    book: OrderBook,
    /// Replenishment purchase orders, whose lines are on-order supply at our nodes.
    inbound: BTreeMap<String, InboundPo>,
    /// Return authorisations by RMA number.
    returns: BTreeMap<String, Rma>,
    /// Replenishment POs and transfers issued so far (numbers the next one).
    replenishments: u32,
    /// Orders touched while handling the current input, with their statuses before it.
    journal: Vec<Touched>,
    /// `rules.label()`, cited by every decision.
    label: String,
    /// Sourcing's working memory, reused by every decision (holds nothing between them).
    scratch: Scratch,
}

#[derive(Debug)]
struct Touched {
    order: u32,
    status: OrderStatus,
    lines: Vec<LineStatus>,
    /// Why each line last moved.
    reasons: Vec<Option<&'static str>>,
}

impl Broker {
    /// A broker for these nodes under these rules (checked by [`RuleSet::from_toml`]).
    /// A node id given twice keeps its first definition: see `network().problems()`.
    pub fn new(nodes: Vec<Node>, rules: RuleSet) -> Self {
        let network = Network::new(nodes);
        let s = &rules.inventory.safety_stock;
        let safety = SafetyDefaults { store: s.store, dc: s.dc, supplier: s.supplier, threepl: s.threepl };
        Broker {
            eligibility: Eligibility::compile(&network, &rules),
            rates: Box::new(RateTable::new(rules.rates.clone())),
            ledger: Ledger::new(network.kinds(), safety),
            capacity: DailyCapacity::new(network.len()),
            book: OrderBook::default(),
            inbound: BTreeMap::new(),
            returns: BTreeMap::new(),
            replenishments: 0,
            journal: Vec::new(),
            scratch: Scratch::default(),
            label: rules.label(),
            network,
            rules,
        }
    }

    /// Replaces the default rate table (a carrier connector's quotes, say).
    pub fn with_rate_estimator(mut self, rates: Box<dyn RateEstimator>) -> Self {
        self.rates = rates;
        self
    }

    /// Handles one input. Deterministic; bad input yields [`Output::InputRejected`].
    pub fn handle(&mut self, input: Input, now: DateTime<FixedOffset>) -> Vec<Output> {
        // An order yields a dozen outputs or so: room for them up front (no regrowth).
        let mut out = Vec::with_capacity(16);
        self.capacity.roll(now.date_naive());
        match input {
            Input::Advice(advice) => self.advice(advice, now, &mut out),
            Input::Order(request) => self.take_order(request, now, &mut out),
            Input::OrderBatch(requests) => self.batch(requests, now, &mut out),
            Input::Cancel { order_id, line_ids } => self.cancel(&order_id, &line_ids, now, &mut out),
            Input::Change { order_id, line_id, quantity } => self.change(&order_id, &line_id, quantity, now, &mut out),
            Input::PurchaseOrder(po) => self.replenishment_po(po, &mut out),
            Input::PoAck(ack) => self.po_ack(ack, now, &mut out),
            Input::ShipNotice(notice) => self.ship_notice(notice, &mut out),
            Input::Fulfillment(update) => self.fulfillment_update(update, &mut out),
            Input::Status(status) => self.shipment_status(status, &mut out),
            Input::Receipt(receipt) => self.receipt(receipt, now, &mut out),
            Input::SafetyStock { node_id, sku, quantity } => self.safety_stock(&node_id, &sku, quantity, now, &mut out),
            Input::Replenish => self.replenish(now, &mut out),
            Input::Return(rma) => self.authorize_return(rma, &mut out),
            Input::ReturnReceived { rma_number, node_id, lines } => {
                self.return_received(&rma_number, &node_id, &lines, now, &mut out)
            }
        }
        self.flush_statuses(&mut out);
        out
    }

    /// Sources several orders, the most entitled first: higher priority (order plus
    /// channel), then placed earlier. Same as `handle(Input::OrderBatch(..))`.
    pub fn source_batch(&mut self, orders: Vec<OrderRequest>, now: DateTime<FixedOffset>) -> Vec<Output> {
        self.handle(Input::OrderBatch(orders), now)
    }

    /// A dry run: the decision this order would get now, committing nothing.
    pub fn preview(&mut self, request: &OrderRequest, now: DateTime<FixedOffset>) -> Result<Decision, String> {
        self.capacity.roll(now.date_naive());
        self.preview_order(request, now)
    }

    /// Available-to-promise for an item across the network.
    pub fn atp(&self, query: &AtpQuery, now: DateTime<FixedOffset>) -> Atp {
        AtpView { network: &self.network, ledger: &self.ledger, rules: &self.rules, now }.query(query)
    }

    /// Available-to-promise at one node (`None`: unknown node, or it does not stock the item).
    pub fn node_atp(&self, node_id: &str, query: &AtpQuery, now: DateTime<FixedOffset>) -> Option<NodeAtp> {
        let node = self.network.idx(node_id)?;
        AtpView { network: &self.network, ledger: &self.ledger, rules: &self.rules, now }.at(node, query)
    }

    pub fn order(&self, order_id: &str) -> Option<&OrderRecord> {
        self.book.get(order_id)
    }

    pub fn orders(&self) -> &OrderBook {
        &self.book
    }

    /// One item at one node, as the ledger has it.
    pub fn position(&self, node_id: &str, sku: &str) -> Option<&Position> {
        self.ledger.position(self.network.idx(node_id)?, self.ledger.item(sku)?)
    }

    pub fn ledger(&self) -> &Ledger {
        &self.ledger
    }

    pub fn network(&self) -> &Network {
        &self.network
    }

    pub fn rules(&self) -> &RuleSet {
        &self.rules
    }

    /// Checks what must always hold, and names the first thing that does not: at every
    /// position, reserved stock equals the open reservations of the order book and never
    /// exceeds on hand minus safety stock (no unit promised twice), and claims on future
    /// supply equal the open backorder claims.
    pub fn check_invariants(&self) -> Result<(), String> {
        use rust_decimal::Decimal;
        let mut reserved: BTreeMap<(NodeIdx, ItemIdx), Decimal> = BTreeMap::new();
        let mut claimed: BTreeMap<(NodeIdx, ItemIdx), Decimal> = BTreeMap::new();
        for order in self.book.iter() {
            for line in &order.lines {
                for a in &line.allocations {
                    *reserved.entry((a.node, a.item)).or_default() += a.reserved();
                    *claimed.entry((a.node, a.item)).or_default() += a.claimed();
                }
            }
        }
        for (item, p) in self.ledger.positions() {
            let at = || format!("{} at {}", self.ledger.sku(item), self.network.node(p.node).node_id);
            let booked = reserved.get(&(p.node, item)).copied().unwrap_or_default();
            if p.reserved != booked {
                return Err(format!("{}: ledger reserves {}, open reservations add up to {booked}", at(), p.reserved));
            }
            if p.reserved > p.promisable() {
                return Err(format!("{}: {} reserved, only {} promisable", at(), p.reserved, p.promisable()));
            }
            let claims = claimed.get(&(p.node, item)).copied().unwrap_or_default();
            if p.claimed != claims {
                return Err(format!("{}: ledger claims {}, open backorders add up to {claims}", at(), p.claimed));
            }
        }
        Ok(())
    }

    fn sourcer(&self, now: DateTime<FixedOffset>) -> Sourcer<'_> {
        Sourcer {
            network: &self.network,
            ledger: &self.ledger,
            rules: &self.rules,
            eligibility: &self.eligibility,
            rates: self.rates.as_ref(),
            capacity: &self.capacity,
            label: &self.label,
            now,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crossdock_model::{Capability, NodeKind};
    use rust_decimal::Decimal;

    #[test]
    fn the_invariant_check_fails_on_a_reservation_no_order_holds() {
        let node = Node {
            node_id: "DC".into(),
            kind: NodeKind::Dc,
            name: None,
            address: Default::default(),
            geo: None,
            capabilities: vec![Capability::Ship],
            capacity_per_day: None,
            cutoff: None,
            handling_cost: Decimal::ZERO,
            priority: 0,
            partner_id: None,
        };
        let mut broker = Broker::new(vec![node], RuleSet::builtin());
        let (dc, item) = (NodeIdx(0), broker.ledger.intern("SKU"));
        broker.ledger.receive(dc, item, Decimal::from(3));
        assert!(broker.check_invariants().is_ok());
        broker.ledger.reserve(dc, item, Decimal::from(2));
        let broken = broker.check_invariants().unwrap_err();
        assert!(broken.contains("open reservations add up to 0"), "{broken}");
        broker.ledger.set_safety_stock(dc, item, Decimal::from(2));
        broker.ledger.unreserve(dc, item, Decimal::from(2));
        broker.ledger.claim(dc, item, Decimal::ONE);
        assert!(broker.check_invariants().unwrap_err().contains("claims"));
    }
}
