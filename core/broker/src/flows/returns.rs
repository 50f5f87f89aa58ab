//! Returns: an RMA authorises units of shipped lines to come back, to any node (buy
//! anywhere, return anywhere); receiving them restocks or writes them off by disposition
//! and asks for the refund. A line fully received back is `returned`; a partly returned
//! line keeps its status, its record shows the quantities.

use std::collections::BTreeMap;

use chrono::{DateTime, FixedOffset};
use crossdock_model::{LineStatus, Return, Validate};
use rust_decimal::Decimal;

use super::reject;
use crate::ids::NodeIdx;
use crate::input::{Disposition, ReturnReceivedLine};
use crate::output::{Output, RefundLine, ReturnedLine};
use crate::Broker;

/// An accepted RMA: its order, and per order line the units authorised and received.
#[derive(Debug, Clone)]
pub(crate) struct Rma {
    order: u32,
    lines: BTreeMap<usize, (Decimal, Decimal)>,
}

impl Broker {
    pub(crate) fn authorize_return(&mut self, rma: Return, out: &mut Vec<Output>) {
        let subject = rma.rma_number.clone();
        if let Err(e) = rma.validate() {
            return reject(out, "return", &subject, e.to_string());
        }
        if self.returns.contains_key(&rma.rma_number) {
            return reject(out, "return", &subject, format!("RMA {subject} was already authorised"));
        }
        let Some(idx) = self.book.idx(&rma.order_id) else {
            return reject(out, "return", &subject, format!("unknown order `{}`", rma.order_id));
        };
        let node: Option<NodeIdx> = match &rma.return_to_node {
            Some(id) => match self.network.idx(id) {
                Some(n) => Some(n),
                None => return reject(out, "return", &subject, format!("unknown node `{id}`")),
            },
            None => None,
        };
        let order = self.book.at(idx);
        let mut asked: BTreeMap<usize, Decimal> = BTreeMap::new();
        for (i, l) in rma.lines.iter().enumerate() {
            let Some(line) = order.lines.iter().position(|r| r.line_id == l.line_id) else {
                return reject(out, "return", &subject, format!("$.lines[{i}]: no line `{}` on the order", l.line_id));
            };
            if l.quantity <= Decimal::ZERO || super::too_big(l.quantity) {
                return reject(out, "return", &subject, format!("$.lines[{i}]: the quantity must be above zero"));
            }
            *asked.entry(line).or_default() += l.quantity;
        }
        for (&line, &quantity) in &asked {
            let r = &order.lines[line];
            let returnable = r.shipped() - r.return_authorized;
            if quantity > returnable {
                let reason =
                    format!("line {}: {quantity} to return, only {returnable} shipped and not returned", r.line_id);
                return reject(out, "return", &subject, reason);
            }
        }
        let mut lines = Vec::new();
        for (&line, &quantity) in &asked {
            let r = &mut self.book.at_mut(idx).lines[line];
            r.return_authorized += quantity;
            lines.push(ReturnedLine {
                line_id: r.line_id.clone(),
                sku: self.ledger.sku(r.item).clone(),
                quantity,
                disposition: None,
            });
        }
        self.returns.insert(
            rma.rma_number.clone(),
            Rma { order: idx, lines: asked.into_iter().map(|(l, q)| (l, (q, Decimal::ZERO))).collect() },
        );
        out.push(Output::ReturnAuthorized {
            rma_number: rma.rma_number,
            order_id: rma.order_id,
            node_id: node.map(|n| self.network.node(n).node_id.clone()),
            lines,
        });
    }

    pub(crate) fn return_received(
        &mut self,
        rma_number: &str,
        node_id: &str,
        received: &[ReturnReceivedLine],
        now: DateTime<FixedOffset>,
        out: &mut Vec<Output>,
    ) {
        let Some(rma) = self.returns.get(rma_number).cloned() else {
            return reject(out, "return_received", rma_number, format!("unknown RMA `{rma_number}`"));
        };
        let Some(node) = self.network.idx(node_id) else {
            return reject(out, "return_received", rma_number, format!("unknown node `{node_id}`"));
        };
        let order = self.book.at(rma.order);
        let mut lines: Vec<(usize, Decimal, Disposition)> = Vec::new();
        for (i, l) in received.iter().enumerate() {
            let line = order.lines.iter().position(|r| r.line_id == l.line_id);
            let Some((line, &(authorized, got))) = line.and_then(|line| Some((line, rma.lines.get(&line)?))) else {
                return reject(
                    out,
                    "return_received",
                    rma_number,
                    format!("$.lines[{i}]: line `{}` is not on the RMA", l.line_id),
                );
            };
            let earlier: Decimal = lines.iter().filter(|(n, ..)| *n == line).map(|(_, q, _)| *q).sum();
            if l.quantity <= Decimal::ZERO || l.quantity + earlier > authorized - got {
                let reason =
                    format!("$.lines[{i}]: {} received, {} still authorised", l.quantity, authorized - got - earlier);
                return reject(out, "return_received", rma_number, reason);
            }
            lines.push((line, l.quantity, l.disposition));
        }
        let (mut returned, mut refunds, mut freed) = (Vec::new(), Vec::new(), Vec::new());
        self.touch(rma.order);
        for &(line, quantity, disposition) in &lines {
            let record = &mut self.book.at_mut(rma.order).lines[line];
            record.returned += quantity;
            // The unit that shipped (a substitute, maybe) is the one that comes back.
            let item = record.allocations.iter().find(|a| a.shipped > Decimal::ZERO).map_or(record.item, |a| a.item);
            let (line_id, done) = (record.line_id.clone(), record.returned >= record.shipped());
            if let Some(r) = self.returns.get_mut(rma_number).and_then(|r| r.lines.get_mut(&line)) {
                r.1 += quantity;
            }
            if disposition == Disposition::Restock {
                self.ledger.receive(node, item, quantity);
                freed.push(item);
            }
            if done && matches!(self.book.at(rma.order).lines[line].status, LineStatus::Shipped | LineStatus::Delivered)
            {
                self.set_status(rma.order, line, LineStatus::Returned, "returned");
            }
            let unit_price = self.book.at(rma.order).order.lines[line].unit_price.clone();
            let sku = self.ledger.sku(item).clone();
            returned.push(ReturnedLine { line_id: line_id.clone(), sku, quantity, disposition: Some(disposition) });
            refunds.push(RefundLine { line_id, quantity, unit_price });
        }
        let order_id = self.book.at(rma.order).order.order_id.clone();
        out.push(Output::ReturnReceived {
            rma_number: rma_number.into(),
            order_id: order_id.clone(),
            node_id: node_id.into(),
            lines: returned,
        });
        out.push(Output::RefundRequested { rma_number: rma_number.into(), order_id, lines: refunds });
        freed.dedup();
        self.sweep(&freed, now, out);
    }
}
