//! Cancellations and quantity changes. The rules:
//!
//! - before release (received, validated, sourced, backordered): the line is cancelled or
//!   changed here and now; its reservation or claim is freed (a change sources it again);
//! - after release (released, acknowledged): the node already has the work. A cancel frees
//!   the reservation and sends the node a cancellation (940/850 with purpose
//!   `cancellation`); a change may only lower the quantity, and sends a change request
//!   (purpose `change`). More of the item is a new order;
//! - once a part has shipped it stays shipped: a cancel cancels the rest and closes the
//!   line as shipped with what shipped; a fully shipped line is refused;
//! - cancelling a cancelled line changes nothing.
//!
//! Freed stock goes to waiting backorders right away.

use chrono::{DateTime, FixedOffset};
use crossdock_model::{LineStatus, Purpose};
use rust_decimal::Decimal;

use super::{reject, Part};
use crate::ids::{ItemIdx, NodeIdx};
use crate::orders::{Hold, Stage};
use crate::output::Output;
use crate::Broker;

/// What nodes must hear: per node and purpose (change or cancellation), the allocations
/// `(line, allocation, quantity)` with their new or cancelled quantity.
pub(super) type Notices = Vec<(NodeIdx, Purpose, Vec<Part>)>;

pub(super) fn add_notice(notices: &mut Notices, node: NodeIdx, purpose: Purpose, part: Part) {
    match notices.iter_mut().find(|n| n.0 == node && n.1 == purpose) {
        Some(n) => n.2.push(part),
        None => notices.push((node, purpose, vec![part])),
    }
}

impl Broker {
    pub(crate) fn cancel(
        &mut self,
        order_id: &str,
        line_ids: &[String],
        now: DateTime<FixedOffset>,
        out: &mut Vec<Output>,
    ) {
        let Some(idx) = self.book.idx(order_id) else {
            return reject(out, "cancel", order_id, format!("unknown order {order_id}"));
        };
        let order = self.book.at(idx);
        let mut lines = Vec::new();
        for id in line_ids {
            match order.lines.iter().position(|l| &l.line_id == id) {
                Some(i) => lines.push(i),
                None => return reject(out, "cancel", order_id, format!("order {order_id} has no line {id}")),
            }
        }
        if line_ids.is_empty() {
            lines = (0..order.lines.len()).collect();
        }
        let shipped: Vec<&str> = lines
            .iter()
            .map(|&i| &order.lines[i])
            .filter(|l| matches!(l.status, LineStatus::Shipped | LineStatus::Delivered | LineStatus::Returned))
            .map(|l| l.line_id.as_str())
            .collect();
        if !shipped.is_empty() {
            let reason = format!("line(s) {} already shipped and cannot be cancelled", shipped.join(", "));
            return reject(out, "cancel", order_id, reason);
        }
        let mut notices = Notices::new();
        let mut freed = Vec::new();
        for line in lines {
            if self.book.at(idx).lines[line].is_final() {
                continue;
            }
            self.drop_unshipped(idx, line, &mut notices, &mut freed);
            let record = &mut self.book.at_mut(idx).lines[line];
            if record.has_shipped() {
                record.quantity = record.allocations.iter().map(|a| a.shipped).sum();
                self.settle(idx, "rest of the line cancelled; the shipped part stands");
            } else {
                self.set_status(idx, line, LineStatus::Cancelled, "cancelled");
            }
        }
        self.notify(idx, notices, now, out);
        self.sweep(&freed, now, out);
    }

    pub(super) fn notify(&mut self, idx: u32, notices: Notices, now: DateTime<FixedOffset>, out: &mut Vec<Output>) {
        for (node, purpose, parts) in notices {
            self.send_document(idx, node, purpose, &parts, now, out);
        }
    }

    /// Frees every unshipped unit of a line (reservations and claims) and cancels its
    /// allocations; released ones are listed for a cancellation to their node.
    fn drop_unshipped(&mut self, idx: u32, line: usize, notices: &mut Notices, freed: &mut Vec<ItemIdx>) {
        let mut releases = Vec::new();
        for (a, alloc) in self.book.at_mut(idx).lines[line].allocations.iter_mut().enumerate() {
            if !alloc.live() || alloc.stage >= Stage::Shipped {
                continue;
            }
            releases.push((alloc.node, alloc.item, alloc.reserved(), alloc.claimed()));
            if alloc.requested() {
                add_notice(notices, alloc.node, Purpose::Cancellation, (line, a, alloc.quantity - alloc.shipped));
            }
            if alloc.shipped > Decimal::ZERO {
                alloc.quantity = alloc.shipped;
                alloc.stage = Stage::Shipped;
            } else {
                alloc.stage = Stage::Cancelled;
            }
        }
        for (node, item, reserved, claimed) in releases {
            self.ledger.unreserve(node, item, reserved);
            self.ledger.unclaim(node, item, claimed);
            if reserved > Decimal::ZERO {
                freed.push(item);
            }
        }
    }

    pub(crate) fn change(
        &mut self,
        order_id: &str,
        line_id: &str,
        quantity: Decimal,
        now: DateTime<FixedOffset>,
        out: &mut Vec<Output>,
    ) {
        let Some(idx) = self.book.idx(order_id) else {
            return reject(out, "change", order_id, format!("unknown order {order_id}"));
        };
        let Some(line) = self.book.at(idx).lines.iter().position(|l| l.line_id == line_id) else {
            return reject(out, "change", order_id, format!("order {order_id} has no line {line_id}"));
        };
        let record = &self.book.at(idx).lines[line];
        let current = record.quantity;
        let released = record.allocations.iter().any(|a| a.live() && a.stage >= Stage::Released);
        let refusal = if quantity <= Decimal::ZERO || super::too_big(quantity) {
            Some("the new quantity must be above zero (cancel the line instead) and believable".to_string())
        } else if record.is_final() || record.status >= LineStatus::Shipped {
            Some(format!("line {line_id} is {:?} and can no longer change", record.status).to_lowercase())
        } else if released && quantity > current {
            Some(format!("line {line_id} is with the node: it can only be lowered; order the extra as a new order"))
        } else {
            None
        };
        if let Some(reason) = refusal {
            return reject(out, "change", order_id, reason);
        }
        if quantity == current {
            return;
        }
        self.touch(idx);
        let mut notices = Notices::new();
        let mut freed = Vec::new();
        if released {
            self.lower(idx, line, current - quantity, &mut notices, &mut freed);
        } else {
            self.drop_unshipped(idx, line, &mut notices, &mut freed);
            self.book.at_mut(idx).lines[line].allocations.clear();
        }
        self.book.at_mut(idx).lines[line].quantity = quantity;
        self.notify(idx, notices, now, out);
        if !released {
            self.settle(idx, "quantity changed");
            self.source(idx, &[line], now, false, out);
        } else {
            self.settle(idx, "quantity lowered");
        }
        self.sweep(&freed, now, out);
    }

    /// Takes `excess` units off a line's unshipped allocations, the last one first.
    fn lower(&mut self, idx: u32, line: usize, mut excess: Decimal, notices: &mut Notices, freed: &mut Vec<ItemIdx>) {
        let allocations = &mut self.book.at_mut(idx).lines[line].allocations;
        let mut releases = Vec::new();
        for (a, alloc) in allocations.iter_mut().enumerate().rev() {
            if excess <= Decimal::ZERO {
                break;
            }
            let unshipped = alloc.quantity - alloc.shipped;
            if !alloc.live() || unshipped <= Decimal::ZERO {
                continue;
            }
            let q = unshipped.min(excess);
            excess -= q;
            match alloc.hold {
                Hold::Reserved => releases.push((alloc.node, alloc.item, q, Decimal::ZERO)),
                Hold::Claimed { .. } => releases.push((alloc.node, alloc.item, Decimal::ZERO, q)),
                Hold::HandedOver => {}
            }
            let requested = alloc.requested();
            alloc.quantity -= q;
            let notice = if alloc.quantity > alloc.shipped {
                (Purpose::Change, alloc.quantity - alloc.shipped)
            } else if alloc.shipped > Decimal::ZERO {
                alloc.stage = Stage::Shipped;
                (Purpose::Cancellation, q)
            } else {
                // Cancelled allocations keep their quantity, for the record.
                alloc.stage = Stage::Cancelled;
                alloc.quantity = q;
                (Purpose::Cancellation, q)
            };
            if requested {
                add_notice(notices, alloc.node, notice.0, (line, a, notice.1));
            }
        }
        for (node, item, reserved, claimed) in releases {
            self.ledger.unreserve(node, item, reserved);
            self.ledger.unclaim(node, item, claimed);
            if reserved > Decimal::ZERO {
                freed.push(item);
            }
        }
    }
}
