//! Orders as the broker keeps them: each line with its allocations (where its units come
//! from and how far they got), a line-level state machine, and the order status rolled
//! up from its lines.
//!
//! A line's status follows from its allocations (see [`LineRecord::derived_status`]) and
//! every move is checked against [`can_move`]: the table below is the contract.
//!
//! | from          | to                                                           |
//! |---------------|--------------------------------------------------------------|
//! | received      | validated, rejected, cancelled                               |
//! | validated     | sourced, backordered, rejected, cancelled                    |
//! | sourced       | released, backordered, cancelled                             |
//! | backordered   | sourced, cancelled                                           |
//! | released      | acknowledged, shipped, sourced, backordered, cancelled       |
//! | acknowledged  | shipped, released, sourced, backordered, cancelled           |
//! | shipped       | delivered, returned                                          |
//! | delivered     | returned                                                     |
//! | cancelled, rejected, returned: final                                         |
//!
//! Moves back from released/acknowledged happen when a node turns part of a line down,
//! or stock it held vanished: that part is sourced again (and the line with it).

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use chrono::{DateTime, FixedOffset, NaiveDate};
use crossdock_model::{Geo, LineStatus, OrderStatus, SalesOrder};
use rust_decimal::Decimal;
use serde::Serialize;

use crate::ids::{ItemIdx, NodeIdx};

/// True when the state machine allows a line to move from `from` to `to`.
pub fn can_move(from: LineStatus, to: LineStatus) -> bool {
    use LineStatus::*;
    let allowed: &[LineStatus] = match from {
        Received => &[Validated, Rejected, Cancelled],
        Validated => &[Sourced, Backordered, Rejected, Cancelled],
        Sourced => &[Released, Backordered, Cancelled],
        Backordered => &[Sourced, Cancelled],
        Released => &[Acknowledged, Shipped, Sourced, Backordered, Cancelled],
        Acknowledged => &[Shipped, Released, Sourced, Backordered, Cancelled],
        Shipped => &[Delivered, Returned],
        Delivered => &[Returned],
        Cancelled | Rejected | Returned => &[],
    };
    allowed.contains(&to)
}

/// The order's status from its lines' (cancelled and rejected lines aside, unless all are).
pub fn roll_up(lines: &[LineStatus]) -> OrderStatus {
    use LineStatus as L;
    let live = || lines.iter().filter(|s| !matches!(s, L::Cancelled | L::Rejected));
    let all = |f: fn(&LineStatus) -> bool| live().all(f);
    let any = |f: fn(&LineStatus) -> bool| live().any(f);
    if live().next().is_none() {
        return if !lines.is_empty() && lines.iter().all(|s| *s == L::Rejected) {
            OrderStatus::Rejected
        } else {
            OrderStatus::Cancelled
        };
    }
    let out = |s: &LineStatus| matches!(s, L::Shipped | L::Delivered | L::Returned);
    if all(|s| *s == L::Returned) {
        OrderStatus::Returned
    } else if all(|s| matches!(s, L::Delivered | L::Returned)) {
        OrderStatus::Delivered
    } else if all(out) {
        OrderStatus::Shipped
    } else if any(out) {
        OrderStatus::PartiallyShipped
    } else if all(|s| *s == L::Backordered) {
        OrderStatus::Backordered
    } else if any(|s| *s == L::Backordered) {
        OrderStatus::PartiallySourced
    } else if all(|s| matches!(s, L::Released | L::Acknowledged)) {
        OrderStatus::Released
    } else if all(|s| matches!(s, L::Sourced | L::Released | L::Acknowledged)) {
        OrderStatus::Sourced
    } else if any(|s| *s == L::Received) {
        OrderStatus::Received
    } else {
        OrderStatus::Validated
    }
}

/// How far one allocation got.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    Sourced,
    Released,
    Acknowledged,
    Shipped,
    Delivered,
    Cancelled,
}

/// What the allocation holds in the ledger.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "hold", rename_all = "snake_case")]
pub enum Hold {
    /// Stock reserved at the node (the unshipped part).
    Reserved,
    /// Future supply promised to a backordered line.
    Claimed { eta: NaiveDate },
    /// Nothing here: the supplier accepted the PO and holds the stock for us itself
    /// (its next 846 reports stock net of it).
    HandedOver,
}

/// Units of a line from one node.
#[derive(Debug, Clone, Serialize)]
pub struct Allocation {
    pub node_id: Arc<str>,
    #[serde(skip)]
    pub(crate) node: NodeIdx,
    pub sku: Arc<str>,
    #[serde(skip)]
    pub(crate) item: ItemIdx,
    pub quantity: Decimal,
    pub shipped: Decimal,
    pub hold: Hold,
    pub stage: Stage,
    pub ship_date: NaiveDate,
    pub deliver_by: NaiveDate,
    /// The fulfilment request or purchase order that carries it, and its line there.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub document: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub document_line: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub shipments: Vec<String>,
}

impl Allocation {
    pub fn live(&self) -> bool {
        self.stage != Stage::Cancelled
    }

    /// Reserved units not shipped yet.
    pub fn reserved(&self) -> Decimal {
        if self.hold == Hold::Reserved && self.live() {
            self.quantity - self.shipped
        } else {
            Decimal::ZERO
        }
    }

    pub fn claimed(&self) -> Decimal {
        match (self.hold, self.live()) {
            (Hold::Claimed { .. }, true) => self.quantity,
            _ => Decimal::ZERO,
        }
    }

    /// Sent to the node: cancelling it now needs a request to the node.
    pub fn requested(&self) -> bool {
        matches!(self.stage, Stage::Released | Stage::Acknowledged)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct LineRecord {
    pub line_id: String,
    pub status: LineStatus,
    pub quantity: Decimal,
    pub allocations: Vec<Allocation>,
    /// Units authorised for return (RMAs), received back or not.
    #[serde(skip_serializing_if = "Decimal::is_zero")]
    pub return_authorized: Decimal,
    /// Units received back from the customer.
    #[serde(skip_serializing_if = "Decimal::is_zero")]
    pub returned: Decimal,
    #[serde(skip)]
    pub(crate) item: ItemIdx,
    #[serde(skip)]
    pub(crate) substitutes: Vec<ItemIdx>,
    /// Nodes that turned this line down.
    #[serde(skip)]
    pub(crate) avoid: Vec<NodeIdx>,
}

impl LineRecord {
    /// Quantity no live allocation covers (nor a claim on future supply).
    pub fn open_quantity(&self) -> Decimal {
        let covered: Decimal = self.allocations.iter().filter(|a| a.live()).map(|a| a.quantity).sum();
        (self.quantity - covered).max(Decimal::ZERO)
    }

    pub fn is_final(&self) -> bool {
        matches!(self.status, LineStatus::Cancelled | LineStatus::Rejected | LineStatus::Returned)
    }

    /// Units shipped to the customer, over all allocations.
    pub fn shipped(&self) -> Decimal {
        self.allocations.iter().map(|a| a.shipped).sum()
    }

    pub fn has_shipped(&self) -> bool {
        self.allocations.iter().any(|a| a.shipped > Decimal::ZERO)
    }

    /// The status the allocations put the line in, once sourcing has looked at it (final
    /// statuses, and lines not validated yet, stay).
    pub fn derived_status(&self) -> LineStatus {
        if self.is_final() || self.status == LineStatus::Received {
            return self.status;
        }
        let live = || self.allocations.iter().filter(|a| a.live());
        // Open quantity above zero: live allocations cover less than the line.
        let covered: Decimal = live().map(|a| a.quantity).sum();
        if !crate::inventory::at_least(covered, self.quantity) || live().any(|a| matches!(a.hold, Hold::Claimed { .. }))
        {
            return LineStatus::Backordered;
        }
        match live().map(|a| a.stage).min() {
            Some(Stage::Sourced) | None => LineStatus::Sourced,
            Some(Stage::Released) => LineStatus::Released,
            Some(Stage::Acknowledged) => LineStatus::Acknowledged,
            Some(Stage::Shipped) => LineStatus::Shipped,
            Some(Stage::Delivered) | Some(Stage::Cancelled) => LineStatus::Delivered,
        }
    }
}

/// One order and its lines. `order` keeps the order as received, with current statuses.
#[derive(Debug, Clone, Serialize)]
pub struct OrderRecord {
    pub order: SalesOrder,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ship_to_geo: Option<Geo>,
    /// The order's priority for constrained stock: its own plus its channel's.
    pub priority: i64,
    pub lines: Vec<LineRecord>,
    /// Documents issued for it so far (numbers the next one).
    pub documents_issued: u32,
    #[serde(skip)]
    pub(crate) seq: u32,
}

impl OrderRecord {
    pub fn status(&self) -> OrderStatus {
        self.order.status
    }

    pub fn line(&self, line_id: &str) -> Option<&LineRecord> {
        self.lines.iter().find(|l| l.line_id == line_id)
    }

    /// Who goes first for constrained stock: higher priority, then earlier, then first in.
    pub(crate) fn entitlement(&self) -> Entitlement {
        (std::cmp::Reverse(self.priority), self.order.placed_at, self.seq)
    }

    pub(crate) fn sync_statuses(&mut self) {
        for (line, record) in self.order.lines.iter_mut().zip(&self.lines) {
            line.status = record.status;
            line.quantity = record.quantity;
        }
        let statuses: Vec<LineStatus> = self.lines.iter().map(|l| l.status).collect();
        self.order.status = roll_up(&statuses);
    }
}

/// Sort key: the most entitled order first.
pub(crate) type Entitlement = (std::cmp::Reverse<i64>, DateTime<FixedOffset>, u32);

/// The maps below are lookups only (nothing observable iterates them): the fast Fx hash
/// is enough, ids being our own and our partners'.
type FxBuild = std::hash::BuildHasherDefault<crate::ids::FxHasher>;

/// Orders per chunk of the order book.
const CHUNK: usize = 1024;

/// All orders, with the indexes the inbound documents need.
#[derive(Debug, Clone, Default)]
pub struct OrderBook {
    /// In arrival order, in chunks of `CHUNK`: the book grows without ever moving the
    /// orders it holds (a vector that doubles would copy them all, a latency spike).
    orders: Vec<Vec<OrderRecord>>,
    len: usize,
    by_id: HashMap<String, u32, FxBuild>,
    /// Fulfilment request and drop-ship PO numbers to their order.
    pub(crate) documents: HashMap<String, u32, FxBuild>,
    /// Shipment ids and tracking numbers to the orders they carry.
    pub(crate) shipments: HashMap<String, Vec<u32>, FxBuild>,
    /// Orders with backordered lines, most entitled first.
    pub(crate) waiting: BTreeSet<(Entitlement, u32)>,
}

impl OrderBook {
    pub fn get(&self, order_id: &str) -> Option<&OrderRecord> {
        self.by_id.get(order_id).map(|&i| self.at(i))
    }

    pub(crate) fn idx(&self, order_id: &str) -> Option<u32> {
        self.by_id.get(order_id).copied()
    }

    pub(crate) fn at(&self, idx: u32) -> &OrderRecord {
        let i = idx as usize;
        &self.orders[i / CHUNK][i % CHUNK]
    }

    pub(crate) fn at_mut(&mut self, idx: u32) -> &mut OrderRecord {
        let i = idx as usize;
        &mut self.orders[i / CHUNK][i % CHUNK]
    }

    /// Orders in arrival order.
    pub fn iter(&self) -> impl Iterator<Item = &OrderRecord> {
        self.orders.iter().flatten()
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub(crate) fn insert(&mut self, mut record: OrderRecord) -> u32 {
        let idx = self.len as u32;
        record.seq = idx;
        self.by_id.insert(record.order.order_id.clone(), idx);
        if self.len.is_multiple_of(CHUNK) {
            self.orders.push(Vec::with_capacity(CHUNK));
        }
        self.orders.last_mut().expect("a chunk with room").push(record);
        self.len += 1;
        idx
    }

    /// Keeps the waiting list in step with the order's backordered lines.
    pub(crate) fn track_waiting(&mut self, idx: u32) {
        let order = self.at(idx);
        let key = (order.entitlement(), idx);
        if order.lines.iter().any(|l| l.status == LineStatus::Backordered) {
            self.waiting.insert(key);
        } else {
            self.waiting.remove(&key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use LineStatus::*;

    #[test]
    fn the_transition_table_is_closed_and_final_states_stay() {
        for s in [Cancelled, Rejected, Returned] {
            for t in [Received, Validated, Sourced, Backordered, Released, Acknowledged, Shipped, Delivered] {
                assert!(!can_move(s, t), "{s:?} -> {t:?}");
            }
        }
        assert!(can_move(Validated, Sourced));
        assert!(can_move(Released, Cancelled));
        assert!(!can_move(Shipped, Cancelled), "a shipped line cannot be cancelled");
        assert!(!can_move(Received, Shipped));
        assert!(!can_move(Delivered, Shipped));
    }

    #[test]
    fn order_status_rolls_up_from_lines() {
        assert_eq!(roll_up(&[Released, Released]), OrderStatus::Released);
        assert_eq!(roll_up(&[Released, Acknowledged]), OrderStatus::Released);
        assert_eq!(roll_up(&[Sourced, Released]), OrderStatus::Sourced);
        assert_eq!(roll_up(&[Released, Backordered]), OrderStatus::PartiallySourced);
        assert_eq!(roll_up(&[Backordered, Cancelled]), OrderStatus::Backordered);
        assert_eq!(roll_up(&[Shipped, Released]), OrderStatus::PartiallyShipped);
        assert_eq!(roll_up(&[Shipped, Delivered, Cancelled]), OrderStatus::Shipped);
        assert_eq!(roll_up(&[Delivered, Delivered]), OrderStatus::Delivered);
        assert_eq!(roll_up(&[Cancelled, Cancelled]), OrderStatus::Cancelled);
        assert_eq!(roll_up(&[Rejected, Rejected]), OrderStatus::Rejected);
        assert_eq!(roll_up(&[Rejected, Cancelled]), OrderStatus::Cancelled);
        assert_eq!(roll_up(&[Received, Validated]), OrderStatus::Received);
        assert_eq!(roll_up(&[Validated, Validated]), OrderStatus::Validated);
        assert_eq!(roll_up(&[Returned, Delivered]), OrderStatus::Delivered);
    }

    fn alloc(quantity: i64, stage: Stage, hold: Hold) -> Allocation {
        let day = NaiveDate::from_ymd_opt(2024, 6, 3).unwrap();
        Allocation {
            node_id: "N".into(),
            node: NodeIdx(0),
            sku: "S".into(),
            item: ItemIdx(0),
            quantity: quantity.into(),
            shipped: Decimal::ZERO,
            hold,
            stage,
            ship_date: day,
            deliver_by: day,
            document: None,
            document_line: None,
            shipments: vec![],
        }
    }

    #[test]
    fn line_status_follows_its_allocations() {
        let mut line = LineRecord {
            line_id: "1".into(),
            status: Validated,
            quantity: 5.into(),
            allocations: vec![alloc(3, Stage::Released, Hold::Reserved)],
            return_authorized: Decimal::ZERO,
            returned: Decimal::ZERO,
            item: ItemIdx(0),
            substitutes: vec![],
            avoid: vec![],
        };
        assert_eq!(line.open_quantity(), Decimal::from(2));
        assert_eq!(line.derived_status(), Backordered);
        line.allocations.push(alloc(2, Stage::Acknowledged, Hold::HandedOver));
        assert_eq!(line.derived_status(), Released);
        line.allocations[0].stage = Stage::Shipped;
        line.allocations[1].stage = Stage::Shipped;
        assert_eq!(line.derived_status(), Shipped);
        line.allocations[0].stage = Stage::Cancelled;
        assert_eq!(line.derived_status(), Backordered, "a cancelled part leaves the quantity open");
        line.status = Cancelled;
        assert_eq!(line.derived_status(), Cancelled);
    }
}
