//! Stock moving under promises already made.
//!
//! - **Sweep**: when stock of an item frees up (an advice, a receipt, a cancellation),
//!   orders with backordered lines of that item are sourced again, the most entitled
//!   first (priority, then placed earlier): constrained stock goes to who ranks highest.
//! - **Shortage**: when a node's count falls below what is reserved there (a snapshot
//!   says so, or safety stock went up), the least entitled reservations are taken back
//!   (the node is told: change or cancellation) and their lines sourced again. So a unit
//!   is never promised twice.

use chrono::{DateTime, FixedOffset};
use crossdock_model::{LineStatus, Purpose};
use rust_decimal::Decimal;

use super::changes::{add_notice, Notices};
use crate::ids::{ItemIdx, NodeIdx};
use crate::orders::{Hold, Stage};
use crate::output::{Output, TakenBack};
use crate::Broker;

impl Broker {
    pub(crate) fn sweep(&mut self, freed: &[ItemIdx], now: DateTime<FixedOffset>, out: &mut Vec<Output>) {
        if freed.is_empty() || self.book.waiting.is_empty() {
            return;
        }
        let ship_complete = self.rules.policy.ship_complete;
        let queue: Vec<u32> = self.book.waiting.iter().map(|&(_, idx)| idx).collect();
        for idx in queue {
            let order = self.book.at(idx);
            let wants = |l: &crate::orders::LineRecord| {
                l.status == LineStatus::Backordered
                    && (freed.contains(&l.item) || l.substitutes.iter().any(|s| freed.contains(s)))
            };
            if !order.lines.iter().any(wants) {
                continue;
            }
            // Ship complete sources the whole order again; otherwise only those lines.
            let lines: Vec<usize> = (0..order.lines.len())
                .filter(|&i| {
                    let l = &order.lines[i];
                    if ship_complete {
                        l.status == LineStatus::Backordered
                    } else {
                        wants(l)
                    }
                })
                .collect();
            self.source(idx, &lines, now, true, out);
        }
    }

    pub(crate) fn rebalance(
        &mut self,
        node: NodeIdx,
        item: ItemIdx,
        now: DateTime<FixedOffset>,
        out: &mut Vec<Output>,
    ) {
        let Some(position) = self.ledger.position(node, item) else { return };
        let mut short = position.shortfall();
        if short <= Decimal::ZERO {
            return;
        }
        let (on_hand, reserved) = (position.on_hand, position.reserved);
        let mut holders = Vec::new();
        for (idx, order) in self.book.iter().enumerate() {
            for (l, line) in order.lines.iter().enumerate() {
                for (a, alloc) in line.allocations.iter().enumerate() {
                    if alloc.node == node && alloc.item == item && alloc.reserved() > Decimal::ZERO {
                        holders.push((order.entitlement(), idx as u32, l, a));
                    }
                }
            }
        }
        holders.sort_unstable_by_key(|h| std::cmp::Reverse(h.0));
        let mut taken_back = Vec::new();
        let mut touched: Vec<(u32, Vec<usize>, Notices)> = Vec::new();
        for (_, idx, l, a) in holders {
            if short <= Decimal::ZERO {
                break;
            }
            self.touch(idx);
            let order = self.book.at_mut(idx);
            let alloc = &mut order.lines[l].allocations[a];
            let q = alloc.reserved().min(short);
            let requested = alloc.requested();
            short -= q;
            alloc.quantity -= q;
            let notice = if alloc.quantity > alloc.shipped {
                (Purpose::Change, alloc.quantity - alloc.shipped)
            } else if alloc.shipped > Decimal::ZERO {
                alloc.stage = Stage::Shipped;
                (Purpose::Cancellation, q)
            } else {
                alloc.stage = Stage::Cancelled;
                alloc.quantity = q;
                (Purpose::Cancellation, q)
            };
            debug_assert_eq!(alloc.hold, Hold::Reserved);
            taken_back.push(TakenBack {
                order_id: order.order.order_id.clone(),
                line_id: order.lines[l].line_id.clone(),
                quantity: q,
            });
            self.ledger.unreserve(node, item, q);
            let entry = match touched.iter().position(|t| t.0 == idx) {
                Some(i) => &mut touched[i],
                None => {
                    touched.push((idx, Vec::new(), Notices::new()));
                    touched.last_mut().expect("just pushed")
                }
            };
            if !entry.1.contains(&l) {
                entry.1.push(l);
            }
            if requested {
                add_notice(&mut entry.2, node, notice.0, (l, a, notice.1));
            }
        }
        out.push(Output::InventoryShortage {
            node_id: self.network.node(node).node_id.clone(),
            sku: self.ledger.sku(item).to_string(),
            on_hand,
            reserved,
            taken_back,
        });
        for (idx, mut lines, notices) in touched {
            self.notify(idx, notices, now, out);
            lines.sort_unstable();
            self.settle(idx, "stock at the node fell short");
            self.source(idx, &lines, now, false, out);
        }
    }
}
