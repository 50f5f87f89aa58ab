//! Supply coming in: inventory advices (846 and the like), safety stock, replenishment
//! purchase orders and their 855s, ship notices to our nodes, receipts.
//!
//! A replenishment PO's lines are on-order lots at its destination (ETA: the requested
//! delivery date, else ship date); its 855 updates them (rejected lines go, quantities
//! and dates follow the supplier); its 856 turns them into in-transit lots (ETA: the
//! expected delivery); the receipt turns those into stock on hand.

use std::sync::Arc;

use chrono::{DateTime, FixedOffset, NaiveDate};
use crossdock_model::{InventoryAdvice, PurchaseOrder, PurchaseOrderAck, Purpose, ShipNotice, ShippedOrder, Validate};
use rust_decimal::Decimal;

use super::{reject, InboundPo};
use crate::ids::{ItemIdx, NodeIdx};
use crate::input::Receipt;
use crate::inventory::{Applied, Lot, LotSource, Report, SupplyType};
use crate::output::{Output, Skipped};
use crate::Broker;

/// 855 line statuses that turn a line down (X12 ACK01: rejected, deleted, R-codes).
pub(super) fn line_rejected(status: &str) -> bool {
    matches!(status, "IR" | "ID") || status.starts_with('R')
}

impl Broker {
    pub(crate) fn advice(&mut self, advice: InventoryAdvice, now: DateTime<FixedOffset>, out: &mut Vec<Output>) {
        let subject = advice.advice_id.clone().unwrap_or_default();
        if let Err(e) = advice.validate() {
            return reject(out, "advice", &subject, e.to_string());
        }
        let figures = advice.positions.iter().flat_map(|p| {
            p.on_hand.into_iter().chain(p.available).chain(p.in_transit.iter().chain(&p.on_order).map(|f| f.quantity))
        });
        if let Some(q) = figures.into_iter().find(|q| super::too_big(*q)) {
            return reject(out, "advice", &subject, format!("{q} is not a believable quantity"));
        }
        let node = match (&advice.node_id, &advice.reporter) {
            (Some(id), _) => self.network.idx(id),
            (None, Some(party)) => self.network.find_party(party),
            (None, None) => None,
        };
        let Some(node) = node else {
            let named = advice.node_id.clone().unwrap_or_else(|| "no node".into());
            return reject(out, "advice", &subject, format!("the advice is for `{named}`, which is not a known node"));
        };
        if let Some(id) = &advice.advice_id {
            if !self.ledger.first_sight(node, id) {
                return reject(out, "advice", &subject, format!("advice {id} was already applied"));
            }
        }
        let source: Arc<str> = match &advice.advice_id {
            Some(id) => Arc::from(id.as_str()),
            None => Arc::from(format!("advice of {}", advice.as_of.to_rfc3339()).as_str()),
        };
        let (mut applied, mut skipped, mut freed, mut short) = (0u32, Vec::new(), Vec::new(), Vec::new());
        for p in &advice.positions {
            let at = p.location.as_deref().and_then(|l| self.network.idx(l)).unwrap_or(node);
            let Some(sku) = p.item.key() else {
                skipped.push(Skipped { sku: String::new(), reason: "no sku, gtin, upc or part number".into() });
                continue;
            };
            let item = self.ledger.intern(sku);
            let free_before = self.ledger.position(at, item).map(|p| p.free_now()).unwrap_or_default();
            let report = Report {
                mode: advice.mode,
                as_of: advice.as_of,
                on_hand: p.on_hand,
                available: p.available,
                in_transit: &p.in_transit,
                on_order: &p.on_order,
                source: Some(source.clone()),
            };
            if self.ledger.apply_report(at, item, report) == Applied::Stale {
                skipped.push(Skipped { sku: sku.into(), reason: "older than the snapshot already applied".into() });
                continue;
            }
            applied += 1;
            if let Some(p) = self.ledger.position(at, item) {
                if p.free_now() > free_before {
                    freed.push(item);
                }
                if p.shortfall() > Decimal::ZERO {
                    short.push((at, item));
                }
            }
        }
        out.push(Output::InventoryUpdated {
            node_id: self.network.node(node).node_id.clone(),
            advice_id: advice.advice_id,
            applied,
            skipped,
            inventory_version: self.ledger.version(),
        });
        for (at, item) in short {
            self.rebalance(at, item, now, out);
        }
        self.sweep(&freed, now, out);
    }

    pub(crate) fn safety_stock(
        &mut self,
        node_id: &str,
        sku: &str,
        quantity: Decimal,
        now: DateTime<FixedOffset>,
        out: &mut Vec<Output>,
    ) {
        let subject = format!("{node_id}/{sku}");
        let Some(node) = self.network.idx(node_id) else {
            return reject(out, "safety_stock", &subject, format!("unknown node `{node_id}`"));
        };
        if quantity < Decimal::ZERO || super::too_big(quantity) || sku.trim().is_empty() {
            return reject(out, "safety_stock", &subject, "safety stock needs a sku and a quantity of zero or more");
        }
        let item = self.ledger.intern(sku);
        let before = self.ledger.position(node, item).map(|p| p.free_now()).unwrap_or_default();
        self.ledger.set_safety_stock(node, item, quantity);
        self.rebalance(node, item, now, out);
        if self.ledger.position(node, item).is_some_and(|p| p.free_now() > before) {
            self.sweep(&[item], now, out);
        }
    }

    pub(crate) fn replenishment_po(&mut self, po: PurchaseOrder, out: &mut Vec<Output>) {
        if let Err(e) = po.validate() {
            return reject(out, "purchase_order", &po.po_number, e.to_string());
        }
        if po.lines.iter().any(|l| super::too_big(l.quantity)) {
            return reject(out, "purchase_order", &po.po_number, "a line quantity is not believable");
        }
        let destination = po.ship_to.as_ref().and_then(|p| self.network.find_party(p)).or_else(|| {
            let location = &po.lines.first()?.destinations.first()?.location;
            self.network.idx(location)
        });
        let Some(destination) = destination else {
            return reject(out, "purchase_order", &po.po_number, "the PO does not ship to one of our nodes");
        };
        let number: Arc<str> = Arc::from(po.po_number.as_str());
        self.drop_po_lots(&po.po_number);
        if po.purpose == Purpose::Cancellation {
            self.inbound.remove(&po.po_number);
        } else {
            let mut lines = Vec::new();
            for line in &po.lines {
                let Some(sku) = line.item.key() else { continue };
                let item = self.ledger.intern(sku);
                let eta = po.requested_delivery_date.or(line.requested_ship_date).or(po.requested_ship_date);
                let source =
                    LotSource::PurchaseOrder { po_number: number.clone(), line_no: Arc::from(line.line_no.as_str()) };
                let lot = Lot { supply: SupplyType::OnOrder, quantity: line.quantity, eta, source };
                self.ledger.add_lot(destination, item, lot);
                lines.push((line.line_no.clone(), item));
            }
            self.inbound.insert(po.po_number.clone(), InboundPo { destination, lines });
        }
        out.push(Output::InventoryUpdated {
            node_id: self.network.node(destination).node_id.clone(),
            advice_id: Some(po.po_number),
            applied: po.lines.len() as u32,
            skipped: Vec::new(),
            inventory_version: self.ledger.version(),
        });
    }

    /// Removes every lot a replenishment PO put anywhere.
    fn drop_po_lots(&mut self, po_number: &str) {
        let is_po = |l: &Lot| matches!(&l.source, LotSource::PurchaseOrder { po_number: p, .. } if &**p == po_number);
        for (node, item) in self.ledger.find_lots(is_po) {
            self.ledger.take_lots(node, item, is_po);
        }
    }

    /// An 855 for a replenishment PO: on-order lots follow what the supplier confirms.
    pub(super) fn replenishment_ack(&mut self, ack: &PurchaseOrderAck, out: &mut Vec<Output>) {
        let Some(po) = self.inbound.get(&ack.po_number).cloned() else { return };
        let number: Arc<str> = Arc::from(ack.po_number.as_str());
        if ack.ack_type == "RJ" {
            self.drop_po_lots(&ack.po_number);
        }
        for line in ack.lines.iter().filter(|_| ack.ack_type != "RJ") {
            let Some(&(_, item)) = po.lines.iter().find(|(no, _)| *no == line.line_no) else { continue };
            let same = |l: &Lot| matches!(&l.source, LotSource::PurchaseOrder { po_number, line_no } if **po_number == *number && **line_no == *line.line_no);
            let before: Option<NaiveDate> = self
                .ledger
                .position(po.destination, item)
                .and_then(|p| p.lots.iter().find(|l| same(l)).and_then(|l| l.eta));
            self.ledger.take_lots(po.destination, item, same);
            if line_rejected(&line.status) || line.quantity <= Decimal::ZERO {
                continue;
            }
            let delivery = line.schedule.iter().find(|s| matches!(s.qualifier.as_deref(), Some("067" | "002" | "017")));
            let eta = delivery.map(|s| s.date).or(line.ship_date).or(before);
            let source =
                LotSource::PurchaseOrder { po_number: number.clone(), line_no: Arc::from(line.line_no.as_str()) };
            self.ledger.add_lot(
                po.destination,
                item,
                Lot { supply: SupplyType::OnOrder, quantity: line.quantity, eta, source },
            );
        }
        out.push(Output::InventoryUpdated {
            node_id: self.network.node(po.destination).node_id.clone(),
            advice_id: Some(ack.po_number.clone()),
            applied: ack.lines.len() as u32,
            skipped: Vec::new(),
            inventory_version: self.ledger.version(),
        });
    }

    /// Goods shipped to one of our nodes: on-order becomes in-transit, with the ASN's ETA.
    pub(super) fn inbound_shipment(
        &mut self,
        notice: &ShipNotice,
        shipped: &ShippedOrder,
        destination: NodeIdx,
        out: &mut Vec<Output>,
    ) {
        let shipment: Arc<str> = Arc::from(notice.shipment_id.as_str());
        let po = self.inbound.get(&shipped.po_number).cloned();
        let mut applied = 0;
        for item in shipped.packs.iter().flat_map(|p| &p.items) {
            let from_po = po.as_ref().and_then(|po| {
                let line_no = item.line_no.as_deref()?;
                po.lines.iter().find(|(no, _)| no == line_no).map(|&(_, i)| (line_no, i))
            });
            let item_idx: ItemIdx = match (from_po, item.item.key()) {
                (Some((_, i)), _) => i,
                (None, Some(sku)) => self.ledger.intern(sku),
                (None, None) => continue,
            };
            if let Some((line_no, _)) = from_po {
                self.take_from_po_lot(destination, item_idx, &shipped.po_number, line_no, item.quantity);
            }
            let source = LotSource::Shipment { shipment_id: shipment.clone() };
            let lot =
                Lot { supply: SupplyType::InTransit, quantity: item.quantity, eta: notice.expected_delivery, source };
            self.ledger.add_lot(destination, item_idx, lot);
            applied += 1;
        }
        out.push(Output::InventoryUpdated {
            node_id: self.network.node(destination).node_id.clone(),
            advice_id: Some(notice.shipment_id.clone()),
            applied,
            skipped: Vec::new(),
            inventory_version: self.ledger.version(),
        });
    }

    /// Lowers a PO line's on-order lot by what shipped (gone when all of it shipped).
    fn take_from_po_lot(&mut self, node: NodeIdx, item: ItemIdx, po_number: &str, line_no: &str, quantity: Decimal) {
        let same = |l: &Lot| matches!(&l.source, LotSource::PurchaseOrder { po_number: p, line_no: n } if &**p == po_number && &**n == line_no);
        let Some(lot) = self.ledger.position(node, item).and_then(|p| p.lots.iter().find(|l| same(l)).cloned()) else {
            return;
        };
        self.ledger.take_lots(node, item, same);
        if lot.quantity > quantity {
            self.ledger.add_lot(node, item, Lot { quantity: lot.quantity - quantity, ..lot });
        }
    }

    pub(crate) fn receipt(&mut self, receipt: Receipt, now: DateTime<FixedOffset>, out: &mut Vec<Output>) {
        let subject = receipt.shipment_id.clone().unwrap_or_else(|| receipt.node_id.clone());
        let Some(node) = self.network.idx(&receipt.node_id) else {
            return reject(out, "receipt", &subject, format!("unknown node `{}`", receipt.node_id));
        };
        if receipt.shipment_id.is_none() && receipt.lines.is_empty() {
            return reject(out, "receipt", &subject, "a receipt needs a shipment id or lines");
        }
        if let Some((i, _)) =
            receipt.lines.iter().enumerate().find(|(_, l)| l.quantity <= Decimal::ZERO || l.item.key().is_none())
        {
            return reject(
                out,
                "receipt",
                &subject,
                format!("$.lines[{i}]: needs an identified item and a quantity above zero"),
            );
        }
        let of_shipment = |l: &Lot| match (&l.source, &receipt.shipment_id) {
            (LotSource::Shipment { shipment_id }, Some(id)) => **shipment_id == **id,
            _ => false,
        };
        let mut received: Vec<(ItemIdx, Decimal)> = Vec::new();
        if receipt.lines.is_empty() {
            for (at, item) in self.ledger.find_lots(of_shipment) {
                if at == node {
                    let quantity = self.ledger.take_lots(node, item, of_shipment);
                    received.push((item, quantity));
                }
            }
        } else {
            for line in &receipt.lines {
                let item = self.ledger.intern(line.item.key().unwrap_or_default());
                self.ledger.take_lots(node, item, of_shipment);
                received.push((item, line.quantity));
            }
        }
        let mut freed = Vec::new();
        for &(item, quantity) in &received {
            let before = self.ledger.position(node, item).map(|p| p.free_now()).unwrap_or_default();
            self.ledger.receive(node, item, quantity);
            if self.ledger.position(node, item).is_some_and(|p| p.free_now() > before) {
                freed.push(item);
            }
        }
        out.push(Output::InventoryUpdated {
            node_id: receipt.node_id.clone(),
            advice_id: receipt.shipment_id.clone(),
            applied: received.len() as u32,
            skipped: Vec::new(),
            inventory_version: self.ledger.version(),
        });
        self.sweep(&freed, now, out);
    }
}
