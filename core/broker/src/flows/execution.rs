//! What nodes and carriers report back about released work.
//!
//! - 855 for a drop-ship PO: accepted lines are acknowledged and the reservation is
//!   handed over to the supplier (its next 846 nets our order out); a lower confirmed
//!   quantity hands over that much and sources the rest again; rejected lines (or a
//!   rejected PO) free the reservation, the supplier is avoided for that line, and the
//!   line is sourced again;
//! - 856 / 945: shipped quantities consume the reservation (or what the supplier held)
//!   and move allocations to shipped; the shipment id and tracking numbers are kept;
//! - 214: a delivered status (`D1`, or `delivered`) moves shipped allocations to delivered.

use chrono::{DateTime, FixedOffset};
use crossdock_model::{FulfillmentUpdate, ItemRef, PurchaseOrderAck, ShipNotice, ShipmentStatus, Validate};
use rust_decimal::Decimal;

use super::reject;
use super::supply::line_rejected;
use crate::orders::{Hold, Stage};
use crate::output::Output;
use crate::Broker;

impl Broker {
    pub(crate) fn po_ack(&mut self, ack: PurchaseOrderAck, now: DateTime<FixedOffset>, out: &mut Vec<Output>) {
        if let Err(e) = ack.validate() {
            return reject(out, "po_ack", &ack.po_number, e.to_string());
        }
        if ack.lines.iter().any(|l| super::too_big(l.quantity)) {
            return reject(out, "po_ack", &ack.po_number, "a line quantity is not believable");
        }
        if self.inbound.contains_key(&ack.po_number) {
            return self.replenishment_ack(&ack, out);
        }
        let Some(idx) = self.book.documents.get(&ack.po_number).copied() else {
            return reject(out, "po_ack", &ack.po_number, format!("unknown purchase order {}", ack.po_number));
        };
        self.touch(idx);
        let (mut freed, mut again) = (Vec::new(), Vec::new());
        let order = self.book.at_mut(idx);
        for (l, line) in order.lines.iter_mut().enumerate() {
            for alloc in line.allocations.iter_mut() {
                if alloc.document.as_deref() != Some(&ack.po_number) || !alloc.live() || alloc.stage >= Stage::Shipped {
                    continue;
                }
                let acked = ack.lines.iter().filter(|a| Some(&a.line_no) == alloc.document_line.as_ref());
                let (rejected, confirmed) = if ack.ack_type == "RJ" {
                    (true, Decimal::ZERO)
                } else if ack.lines.is_empty() {
                    (false, alloc.quantity)
                } else {
                    let mut confirmed = Decimal::ZERO;
                    let mut any = false;
                    for a in acked {
                        any = true;
                        if !line_rejected(&a.status) {
                            confirmed += a.quantity;
                        }
                    }
                    if !any {
                        continue;
                    }
                    (confirmed <= Decimal::ZERO, confirmed.min(alloc.quantity))
                };
                let short = alloc.quantity - confirmed;
                if alloc.hold == Hold::Reserved {
                    // The supplier now holds what it confirmed (its next 846 reports stock
                    // net of our order); the rest is ours to source again.
                    let hand_over = (confirmed - alloc.shipped).clamp(Decimal::ZERO, alloc.reserved());
                    self.ledger.unreserve(alloc.node, alloc.item, alloc.reserved() - hand_over);
                    self.ledger.consume(alloc.node, alloc.item, hand_over);
                    alloc.hold = Hold::HandedOver;
                    if short > Decimal::ZERO {
                        freed.push(alloc.item);
                    }
                }
                if rejected {
                    alloc.stage = Stage::Cancelled;
                    line.avoid.push(alloc.node);
                } else {
                    alloc.quantity = confirmed;
                    alloc.stage = Stage::Acknowledged;
                }
                if short > Decimal::ZERO && !again.contains(&l) {
                    again.push(l);
                }
            }
        }
        self.settle(idx, if ack.ack_type == "RJ" { "supplier rejected the PO" } else { "supplier acknowledged" });
        if !again.is_empty() {
            self.source(idx, &again, now, false, out);
        }
        self.sweep(&freed, now, out);
    }

    pub(crate) fn ship_notice(&mut self, notice: ShipNotice, out: &mut Vec<Output>) {
        if let Err(e) = notice.validate() {
            return reject(out, "ship_notice", &notice.shipment_id, e.to_string());
        }
        let items = notice.orders.iter().flat_map(|o| &o.packs).flat_map(|p| &p.items);
        if items.into_iter().any(|i| super::too_big(i.quantity)) {
            return reject(out, "ship_notice", &notice.shipment_id, "an item quantity is not believable");
        }
        for shipped in &notice.orders {
            if let Some(idx) = self.book.documents.get(&shipped.po_number).copied() {
                for item in shipped.packs.iter().flat_map(|p| &p.items) {
                    let line_no = item.line_no.as_deref();
                    let result = self.ship(
                        idx,
                        &shipped.po_number,
                        line_no,
                        &item.item,
                        item.quantity,
                        &notice.shipment_id,
                        &notice.tracking_numbers,
                    );
                    if let Err(reason) = result {
                        reject(out, "ship_notice", &notice.shipment_id, reason);
                    }
                }
                self.settle(idx, "shipped (ASN)");
                continue;
            }
            let destination = self.inbound.get(&shipped.po_number).map(|po| po.destination).or_else(|| {
                shipped.ship_to.as_ref().or(notice.ship_to.as_ref()).and_then(|p| self.network.find_party(p))
            });
            match destination {
                Some(node) => self.inbound_shipment(&notice, shipped, node, out),
                None => reject(
                    out,
                    "ship_notice",
                    &notice.shipment_id,
                    format!("PO {} is not ours and the goods do not come to one of our nodes", shipped.po_number),
                ),
            }
        }
    }

    pub(crate) fn fulfillment_update(&mut self, update: FulfillmentUpdate, out: &mut Vec<Output>) {
        if let Err(e) = update.validate() {
            return reject(out, "fulfillment", &update.request_id, e.to_string());
        }
        if update.lines.iter().any(|l| super::too_big(l.shipped_quantity)) {
            return reject(out, "fulfillment", &update.request_id, "a shipped quantity is not believable");
        }
        let Some(idx) = self.book.documents.get(&update.request_id).copied() else {
            return reject(out, "fulfillment", &update.request_id, format!("unknown request {}", update.request_id));
        };
        let shipment = update.shipment_id.clone().unwrap_or_else(|| update.request_id.clone());
        for line in update.lines.iter().filter(|l| l.shipped_quantity > Decimal::ZERO) {
            let result = self.ship(
                idx,
                &update.request_id,
                Some(&line.line_no),
                &line.item,
                line.shipped_quantity,
                &shipment,
                &update.tracking_numbers,
            );
            if let Err(reason) = result {
                reject(out, "fulfillment", &update.request_id, reason);
            }
        }
        self.settle(idx, "shipped (945)");
    }

    /// Records a shipped quantity against the allocation a document line names (by line
    /// number, else by item).
    #[allow(clippy::too_many_arguments)]
    fn ship(
        &mut self,
        idx: u32,
        document: &str,
        line_no: Option<&str>,
        item: &ItemRef,
        quantity: Decimal,
        shipment: &str,
        tracking: &[String],
    ) -> Result<(), String> {
        self.touch(idx);
        let order = self.book.at_mut(idx);
        let found = order.lines.iter().enumerate().find_map(|(l, line)| {
            let a = line.allocations.iter().position(|a| {
                a.document.as_deref() == Some(document)
                    && match line_no {
                        Some(no) => a.document_line.as_deref() == Some(no),
                        None => item.key() == Some(&*a.sku),
                    }
            })?;
            Some((l, a))
        });
        let Some((l, a)) = found else {
            return Err(format!("{document} has no line {}", line_no.or(item.key()).unwrap_or("?")));
        };
        let alloc = &mut order.lines[l].allocations[a];
        if !alloc.live() {
            return Err(format!(
                "{document} line {} was cancelled before it shipped; the node must be told to stop",
                alloc.document_line.as_deref().unwrap_or("?")
            ));
        }
        if alloc.hold == Hold::Reserved {
            let consumed = quantity.min(alloc.reserved());
            self.ledger.consume(alloc.node, alloc.item, consumed);
        }
        alloc.shipped += quantity;
        if alloc.shipped >= alloc.quantity {
            alloc.stage = Stage::Shipped;
        }
        let keys: Vec<String> =
            std::iter::once(shipment).chain(tracking.iter().map(String::as_str)).map(String::from).collect();
        for key in &keys {
            if !alloc.shipments.contains(key) {
                alloc.shipments.push(key.clone());
            }
        }
        for key in keys {
            let orders = self.book.shipments.entry(key).or_default();
            if !orders.contains(&idx) {
                orders.push(idx);
            }
        }
        Ok(())
    }

    pub(crate) fn shipment_status(&mut self, status: ShipmentStatus, out: &mut Vec<Output>) {
        if let Err(e) = status.validate() {
            return reject(out, "status", &status.shipment_id, e.to_string());
        }
        let keys: Vec<&String> =
            std::iter::once(&status.shipment_id).chain(status.references.iter().map(|r| &r.value)).collect();
        let Some(key) = keys.iter().find(|k| self.book.shipments.contains_key(k.as_str())) else {
            return reject(out, "status", &status.shipment_id, format!("unknown shipment {}", status.shipment_id));
        };
        let delivered = status.events.iter().any(|e| e.status == "D1" || e.status.eq_ignore_ascii_case("delivered"));
        if !delivered {
            return;
        }
        let key = key.to_string();
        let orders = self.book.shipments.get(&key).cloned().unwrap_or_default();
        for idx in orders {
            self.touch(idx);
            for line in &mut self.book.at_mut(idx).lines {
                for a in line.allocations.iter_mut().filter(|a| a.stage == Stage::Shipped && a.shipments.contains(&key))
                {
                    a.stage = Stage::Delivered;
                }
            }
            self.settle(idx, "delivered (carrier status)");
        }
    }
}
