//! Replenishment: model stock (min/max per node and item, from the rule set). When a
//! node's projected ATP falls below its minimum, order up to the maximum: a replenishment
//! PO (`RPO-n`, on-order supply through `replenishment_po`) to the cheapest supplier
//! stocking the item, or a transfer (`TRF-n`, in-transit supply received by its number)
//! from one of our nodes with stock above its own maximum, whichever costs less.

use std::sync::Arc;

use chrono::{DateTime, FixedOffset};
use crossdock_model::{
    FulfillmentLine, FulfillmentRequest, NodeKind, PurchaseOrder, PurchaseOrderLine, Purpose, Reference,
};
use rust_decimal::Decimal;

use super::node_party;
use crate::geo::haversine_km;
use crate::ids::{ItemIdx, NodeIdx};
use crate::inventory::{Lot, LotSource, SupplyType};
use crate::output::Output;
use crate::sourcing::RateRequest;
use crate::Broker;

impl Broker {
    /// Projected ATP: free stock plus supply on its way, net of what backorders claimed
    /// of that supply (projected demand is allocated against future supply first).
    fn projected(&self, node: NodeIdx, item: ItemIdx) -> Decimal {
        self.ledger.position(node, item).map_or(Decimal::ZERO, |p| {
            p.on_hand - p.reserved - p.safety_stock
                + p.incoming(SupplyType::InTransit)
                + p.incoming(SupplyType::OnOrder)
                - p.claimed
        })
    }

    /// Handling plus shipping from `from` to `to`, for `quantity`.
    fn move_cost(&self, from: NodeIdx, to: NodeIdx, quantity: Decimal) -> Option<Decimal> {
        let (f, t) = (self.network.node(from), self.network.node(to));
        let distance_km = f.geo.zip(t.geo).and_then(|(a, b)| haversine_km(a, b));
        let rate = self.rates.estimate(&RateRequest { from: f, distance_km, quantity, service_level: "standard" })?;
        Some(f.handling_cost + rate)
    }

    pub(crate) fn replenish(&mut self, now: DateTime<FixedOffset>, out: &mut Vec<Output>) {
        for rule in self.rules.replenishment.clone() {
            let Some(node) = self.network.idx(&rule.node_id) else {
                super::reject(out, "replenish", &rule.node_id, format!("unknown node `{}`", rule.node_id));
                continue;
            };
            let item = self.ledger.intern(&rule.sku);
            let projected = self.projected(node, item);
            if projected >= rule.min {
                continue;
            }
            let need = rule.max - projected;
            let pinned =
                |pin: &Option<String>, n: NodeIdx| pin.as_ref().is_none_or(|id| *id == self.network.node(n).node_id);
            // (cost, transfer first on a tie, node): the cheapest way in.
            let mut best: Option<(Decimal, bool, NodeIdx)> = None;
            for i in 0..self.network.len() as u32 {
                let from = NodeIdx(i);
                let def = self.network.node(from);
                let Some(p) = self.ledger.position(from, item) else { continue };
                let ok = if from == node {
                    false
                } else if def.kind == NodeKind::Supplier {
                    pinned(&rule.supplier, from) && p.free_now() >= need
                } else {
                    let max = self.rules.replenishment.iter().find(|r| r.node_id == def.node_id && r.sku == rule.sku);
                    pinned(&rule.transfer_from, from) && max.is_some_and(|m| p.free_now() - m.max >= need)
                };
                let Some(cost) = self.move_cost(from, node, need).filter(|_| ok) else { continue };
                let key = (cost, def.kind == NodeKind::Supplier, from);
                if best.is_none_or(|b| key < b) {
                    best = Some(key);
                }
            }
            let Some((_, supplier, from)) = best else {
                let reason = format!("{}: no supplier or node can send {need}", rule.sku);
                super::reject(out, "replenish", &rule.node_id, reason);
                continue;
            };
            self.replenishments += 1;
            if supplier {
                self.replenishment_order(from, node, item, need, now, out);
            } else {
                self.transfer(from, node, item, need, out);
            }
        }
    }

    fn replenishment_order(
        &mut self,
        supplier: NodeIdx,
        node: NodeIdx,
        item: ItemIdx,
        quantity: Decimal,
        now: DateTime<FixedOffset>,
        out: &mut Vec<Output>,
    ) {
        let (s, n) = (self.network.node(supplier), self.network.node(node));
        let po = PurchaseOrder {
            po_number: format!("RPO-{}", self.replenishments),
            purpose: Purpose::Original,
            order_type: Some("SA".into()),
            release_number: None,
            buyer: None,
            seller: Some(node_party("VN", s.partner_id.as_ref().unwrap_or(&s.node_id), s.name.as_ref())),
            ship_to: Some(node_party("ST", &n.node_id, n.name.as_ref())),
            bill_to: None,
            parties: Vec::new(),
            order_date: now.date_naive(),
            requested_ship_date: None,
            requested_delivery_date: None,
            dates: Vec::new(),
            currency: None,
            terms: None,
            carrier: None,
            fob: None,
            contacts: Vec::new(),
            references: Vec::new(),
            notes: Vec::new(),
            lines: vec![PurchaseOrderLine {
                line_no: "1".into(),
                item: crossdock_model::ItemRef { sku: Some(self.ledger.sku(item).to_string()), ..Default::default() },
                quantity,
                uom: Default::default(),
                unit_price: None,
                price_basis: None,
                pack: None,
                destinations: Vec::new(),
                requested_ship_date: None,
                dates: Vec::new(),
                references: Vec::new(),
                notes: Vec::new(),
            }],
            declared_totals: None,
            sales_order_ref: None,
        };
        let (node_id, partner_id) = (s.node_id.clone(), s.partner_id.clone());
        self.replenishment_po(po.clone(), out);
        out.push(Output::PoIssued { node_id, partner_id, po });
    }

    fn transfer(&mut self, from: NodeIdx, node: NodeIdx, item: ItemIdx, quantity: Decimal, out: &mut Vec<Output>) {
        let number = format!("TRF-{}", self.replenishments);
        let (f, n) = (self.network.node(from), self.network.node(node));
        let sku = self.ledger.sku(item).to_string();
        let request = FulfillmentRequest {
            request_id: number.clone(),
            purpose: Purpose::Original,
            order_ref: None,
            ship_to: Some(node_party("ST", &n.node_id, n.name.as_ref())),
            warehouse: Some(node_party("WH", &f.node_id, f.name.as_ref())),
            parties: Vec::new(),
            carrier: None,
            dates: Vec::new(),
            references: vec![Reference { qualifier: "TRF".into(), value: n.node_id.clone(), description: None }],
            notes: vec!["Stock transfer".into()],
            lines: vec![FulfillmentLine {
                line_no: "1".into(),
                item: crossdock_model::ItemRef { sku: Some(sku), ..Default::default() },
                quantity,
                uom: Default::default(),
                references: Vec::new(),
            }],
        };
        let node_id = f.node_id.clone();
        let source = LotSource::Shipment { shipment_id: Arc::from(number.as_str()) };
        self.ledger.add_lot(node, item, Lot { supply: SupplyType::InTransit, quantity, eta: None, source });
        out.push(Output::FulfillmentRequested { node_id, request });
    }
}
