//! How each input moves the state, one file per concern:
//! - `intake`: new orders, batches, sourcing and release (documents to nodes);
//! - `changes`: cancellations and quantity changes, before and after release;
//! - `rebalance`: backorders retried when supply frees up, reservations taken back when
//!   stock falls below them;
//! - `supply`: inventory advices, safety stock, replenishment POs, inbound ASNs, receipts;
//! - `execution`: what nodes report back (855, 856, 945) and carriers (214);
//! - `returns`: RMAs, returned goods by disposition, refunds;
//! - `replenish`: model stock, replenishment POs and transfers.
//!
//! This file holds what they share: the status journal and the documents sent to nodes.

mod changes;
mod execution;
mod intake;
mod rebalance;
mod replenish;
mod returns;
mod supply;

pub(crate) use returns::Rma;

use chrono::{DateTime, FixedOffset, NaiveDate};
use crossdock_model::{
    Carrier, FulfillmentLine, FulfillmentRequest, ItemRef, LineStatus, NodeKind, Party, PurchaseOrder,
    PurchaseOrderLine, Purpose, Reference, SalesOrder,
};
use rust_decimal::Decimal;

use crate::ids::{ItemIdx, NodeIdx};
use crate::orders::{can_move, Stage};
use crate::output::Output;
use crate::{Broker, Touched};

/// A replenishment purchase order: where its goods go, and its lines.
#[derive(Debug, Clone)]
pub(crate) struct InboundPo {
    pub destination: NodeIdx,
    pub lines: Vec<(String, ItemIdx)>,
}

/// Quantities beyond a billion units are taken for garbage: refusing them keeps decimal
/// arithmetic far from overflow (which would panic).
pub(super) fn too_big(quantity: Decimal) -> bool {
    quantity.abs() > Decimal::from(1_000_000_000)
}

/// An allocation in a document: `(line, allocation, quantity)` of one order.
pub(super) type Part = (usize, usize, Decimal);

pub(crate) fn reject(out: &mut Vec<Output>, input: &str, subject: &str, reason: impl Into<String>) {
    out.push(Output::InputRejected { input: input.into(), subject: subject.into(), reason: reason.into() });
}

/// The item as the order named it (or the substitute, as the order listed it).
fn item_ref(order: &SalesOrder, line: usize, sku: &str) -> ItemRef {
    let l = &order.lines[line];
    std::iter::once(&l.item)
        .chain(&l.substitutes)
        .find(|i| i.key() == Some(sku))
        .cloned()
        .unwrap_or_else(|| ItemRef { sku: Some(sku.into()), ..ItemRef::default() })
}

fn node_party(role: &str, id: &str, name: Option<&String>) -> Party {
    Party {
        role: Some(role.into()),
        name: name.cloned(),
        id: Some(Reference { qualifier: "92".into(), value: id.into(), description: None }),
        ..Party::default()
    }
}

impl Broker {
    /// Remembers an order's statuses before this input changes them.
    fn touch(&mut self, idx: u32) {
        if !self.journal.iter().any(|t| t.order == idx) {
            let order = self.book.at(idx);
            self.journal.push(Touched {
                order: idx,
                status: order.order.status,
                lines: order.lines.iter().map(|l| l.status).collect(),
                reasons: vec![None; order.lines.len()],
            });
        }
    }

    fn note(&mut self, idx: u32, line: usize, reason: &'static str) {
        if let Some(t) = self.journal.iter_mut().find(|t| t.order == idx) {
            t.reasons[line] = Some(reason);
        }
    }

    /// An explicit move (validation, cancellation), checked against the table.
    fn set_status(&mut self, idx: u32, line: usize, to: LineStatus, reason: &'static str) -> bool {
        self.touch(idx);
        let l = &mut self.book.at_mut(idx).lines[line];
        if l.status == to || !can_move(l.status, to) {
            return l.status == to;
        }
        l.status = to;
        self.note(idx, line, reason);
        true
    }

    /// Moves every line to the status its allocations imply.
    fn settle(&mut self, idx: u32, reason: &'static str) {
        self.touch(idx);
        for line in 0..self.book.at(idx).lines.len() {
            let l = &mut self.book.at_mut(idx).lines[line];
            let to = l.derived_status();
            if to != l.status {
                debug_assert!(can_move(l.status, to), "line {} may not move {:?} -> {to:?}", l.line_id, l.status);
                if can_move(l.status, to) {
                    l.status = to;
                    self.note(idx, line, reason);
                }
            }
        }
    }

    /// One `line.status_changed` per line that moved during this input (from its status
    /// before the input), then the order's rolled-up change.
    pub(crate) fn flush_statuses(&mut self, out: &mut Vec<Output>) {
        for t in std::mem::take(&mut self.journal) {
            let order = self.book.at_mut(t.order);
            order.sync_statuses();
            let order_id = &order.order.order_id;
            for (i, line) in order.lines.iter().enumerate() {
                if line.status != t.lines[i] {
                    out.push(Output::LineStatusChanged {
                        order_id: order_id.clone(),
                        line_id: line.line_id.clone(),
                        from: t.lines[i],
                        to: line.status,
                        reason: t.reasons[i].unwrap_or_default().to_string(),
                    });
                }
            }
            if order.order.status != t.status {
                out.push(Output::OrderStatusChanged {
                    order_id: order_id.clone(),
                    from: t.status,
                    to: order.order.status,
                });
            }
            self.book.track_waiting(t.order);
        }
    }

    /// Sends the document that carries these allocations (`(line, allocation, quantity)`)
    /// to their node: a drop-ship PO for a supplier, a fulfilment request for anyone else.
    /// With `Original`, numbers a new document and releases the allocations; with `Change`
    /// (new quantities) or `Cancellation` (cancelled quantities), repeats the number of the
    /// document they went out on.
    fn send_document(
        &mut self,
        idx: u32,
        node: NodeIdx,
        purpose: Purpose,
        parts: &[Part],
        now: DateTime<FixedOffset>,
        out: &mut Vec<Output>,
    ) {
        let Some(&(first_line, first_alloc, _)) = parts.first() else { return };
        let number = match purpose {
            Purpose::Original => {
                let order = self.book.at_mut(idx);
                order.documents_issued += 1;
                let number = format!("{}-{}", order.order.order_id, order.documents_issued);
                self.book.documents.insert(number.clone(), idx);
                self.capacity.take(node);
                number
            }
            _ => match &self.book.at(idx).lines[first_line].allocations[first_alloc].document {
                Some(number) => number.clone(),
                None => return,
            },
        };
        let node_def = self.network.node(node);
        let supplier = node_def.kind == NodeKind::Supplier;
        let order = self.book.at_mut(idx);
        let mut po_lines = Vec::new();
        let mut fr_lines = Vec::new();
        let mut ship_date: Option<NaiveDate> = None;
        for (k, &(line, alloc, quantity)) in parts.iter().enumerate() {
            let sku = order.lines[line].allocations[alloc].sku.clone();
            let item = item_ref(&order.order, line, &sku);
            let uom = order.order.lines[line].uom.clone();
            let line_id = order.lines[line].line_id.clone();
            let a = &mut order.lines[line].allocations[alloc];
            if purpose == Purpose::Original {
                a.document = Some(number.clone());
                a.document_line = Some(if supplier { (k + 1).to_string() } else { line_id });
                a.stage = Stage::Released;
            }
            ship_date = Some(ship_date.map_or(a.ship_date, |d| d.min(a.ship_date)));
            let line_no = a.document_line.clone().unwrap_or_default();
            if supplier {
                po_lines.push(PurchaseOrderLine {
                    line_no,
                    item,
                    quantity,
                    uom,
                    unit_price: None,
                    price_basis: None,
                    pack: None,
                    destinations: Vec::new(),
                    requested_ship_date: Some(a.ship_date),
                    dates: Vec::new(),
                    references: Vec::new(),
                    notes: Vec::new(),
                });
            } else {
                fr_lines.push(FulfillmentLine { line_no, item, quantity, uom, references: Vec::new() });
            }
        }
        let so = &order.order;
        let carrier =
            so.service_level.as_ref().map(|s| Carrier { service_level: Some(s.clone()), ..Carrier::default() });
        let pickup = so.lines[first_line].fulfillment != crossdock_model::Fulfillment::Ship;
        if supplier {
            let po = PurchaseOrder {
                po_number: number,
                purpose,
                order_type: Some("DS".into()),
                release_number: None,
                buyer: None,
                seller: Some(node_party(
                    "VN",
                    node_def.partner_id.as_ref().unwrap_or(&node_def.node_id),
                    node_def.name.as_ref(),
                )),
                ship_to: so.ship_to.clone(),
                bill_to: None,
                parties: Vec::new(),
                order_date: now.date_naive(),
                requested_ship_date: ship_date,
                requested_delivery_date: None,
                dates: Vec::new(),
                currency: so.currency.clone(),
                terms: None,
                carrier,
                fob: None,
                contacts: Vec::new(),
                references: vec![Reference { qualifier: "CO".into(), value: so.order_id.clone(), description: None }],
                notes: Vec::new(),
                lines: po_lines,
                declared_totals: None,
                sales_order_ref: Some(so.order_id.clone()),
            };
            out.push(Output::PoIssued {
                node_id: node_def.node_id.clone(),
                partner_id: node_def.partner_id.clone(),
                po,
            });
        } else {
            let request = FulfillmentRequest {
                request_id: number,
                purpose,
                order_ref: Some(so.order_id.clone()),
                ship_to: so.ship_to.clone(),
                warehouse: Some(node_party("WH", &node_def.node_id, node_def.name.as_ref())),
                parties: Vec::new(),
                carrier,
                dates: Vec::new(),
                references: Vec::new(),
                notes: if pickup { vec!["Pick and hold for customer pickup".into()] } else { Vec::new() },
                lines: fr_lines,
            };
            out.push(Output::FulfillmentRequested { node_id: node_def.node_id.clone(), request });
        }
    }
}
