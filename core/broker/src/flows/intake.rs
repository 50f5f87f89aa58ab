//! New orders: validation, sourcing, commitment of the plan, release to the nodes.

use chrono::{DateTime, FixedOffset};
use crossdock_model::{Fulfillment, LineStatus, Purpose, Validate};
use rust_decimal::Decimal;

use super::{reject, Part};
use crate::geo::UnitVec;
use crate::ids::NodeIdx;
use crate::input::OrderRequest;
use crate::orders::{Allocation, Hold, LineRecord, OrderRecord, Stage};
use crate::output::{BackorderedLine, Output};
use crate::sourcing::{Decision, Demand, LineDemand, LineOutcome, Plan};
use crate::Broker;

impl Broker {
    pub(crate) fn take_order(&mut self, request: OrderRequest, now: DateTime<FixedOffset>, out: &mut Vec<Output>) {
        let order_id = request.sales_order.order_id.clone();
        if let Err(problem) = self.admit(&request) {
            return reject(out, "order", &order_id, problem);
        }
        let so = &request.sales_order;
        let lines = so
            .lines
            .iter()
            .map(|l| LineRecord {
                line_id: l.line_id.clone(),
                status: LineStatus::Received,
                quantity: l.quantity,
                // Most lines ship from one node: room for its allocation up front.
                allocations: Vec::with_capacity(1),
                return_authorized: Decimal::ZERO,
                returned: Decimal::ZERO,
                item: self.ledger.intern(l.item.key().unwrap_or_default()),
                substitutes: if l.allow_substitution {
                    l.substitutes.iter().filter_map(|s| s.key()).map(|k| self.ledger.intern(k)).collect()
                } else {
                    Vec::new()
                },
                avoid: Vec::new(),
            })
            .collect();
        let mut order = request.sales_order;
        order.status = Default::default();
        order.lines.iter_mut().for_each(|l| l.status = LineStatus::Received);
        let record = OrderRecord {
            priority: self.rules.order_priority(&order.channel, order.priority),
            order,
            ship_to_geo: request.ship_to_geo,
            lines,
            documents_issued: 0,
            seq: 0,
        };
        let idx = self.book.insert(record);
        self.touch(idx);
        let count = self.book.at(idx).lines.len();
        for line in 0..count {
            self.set_status(idx, line, LineStatus::Validated, "validated");
        }
        self.source(idx, &(0..count).collect::<Vec<_>>(), now, false, out);
    }

    /// Most entitled first, so constrained stock goes to higher priorities.
    pub(crate) fn batch(&mut self, mut requests: Vec<OrderRequest>, now: DateTime<FixedOffset>, out: &mut Vec<Output>) {
        let key = |r: &OrderRequest| {
            let so = &r.sales_order;
            (std::cmp::Reverse(self.rules.order_priority(&so.channel, so.priority)), so.placed_at, so.order_id.clone())
        };
        requests.sort_by_cached_key(key);
        for request in requests {
            self.take_order(request, now, out);
        }
    }

    /// What makes an order acceptable beyond the canonical validation.
    fn admit(&self, request: &OrderRequest) -> Result<(), String> {
        let so = &request.sales_order;
        so.validate().map_err(|e| e.to_string())?;
        if self.book.get(&so.order_id).is_some() {
            return Err(format!("order {} was already received", so.order_id));
        }
        for (i, line) in so.lines.iter().enumerate() {
            if super::too_big(line.quantity) {
                return Err(format!("$.lines[{i}].quantity: {} is not a believable quantity", line.quantity));
            }
            if line.item.key().is_none() {
                return Err(format!("$.lines[{i}].item: no sku, gtin, upc or part number to find it by"));
            }
            if let Fulfillment::Pickup { node_id } = &line.fulfillment {
                if self.network.get(node_id).is_none() {
                    return Err(format!("$.lines[{i}].fulfillment.node_id: unknown node `{node_id}`"));
                }
            }
        }
        Ok(())
    }

    pub(crate) fn preview_order(
        &mut self,
        request: &OrderRequest,
        now: DateTime<FixedOffset>,
    ) -> Result<Decision, String> {
        self.admit(request)?;
        let so = &request.sales_order;
        let lines = so
            .lines
            .iter()
            .enumerate()
            .map(|(i, l)| LineDemand {
                line: i,
                line_id: l.line_id.clone(),
                item: self.ledger.intern(l.item.key().unwrap_or_default()),
                substitutes: if l.allow_substitution {
                    l.substitutes.iter().filter_map(|s| s.key()).map(|k| self.ledger.intern(k)).collect()
                } else {
                    Vec::new()
                },
                quantity: l.quantity,
                pickup: self.pickup_node(&l.fulfillment),
                avoid: Vec::new(),
            })
            .collect();
        let demand = Demand {
            order_id: &so.order_id,
            channel: &so.channel,
            service_level: so.service_level.as_deref(),
            ship_to: request.ship_to_geo.and_then(UnitVec::from_geo),
            lines,
            nodes_in_use: Vec::new(),
        };
        let mut scratch = std::mem::take(&mut self.scratch);
        let plan = self.sourcer(now).plan(&demand, &mut scratch);
        self.scratch = scratch;
        Ok(plan.decision)
    }

    fn pickup_node(&self, fulfillment: &Fulfillment) -> Option<NodeIdx> {
        match fulfillment {
            Fulfillment::Pickup { node_id } => self.network.idx(node_id),
            Fulfillment::Ship => None,
        }
    }

    /// Sources the open quantity of these lines. Their claims on future supply are given
    /// up first and may be made again. `quiet`: when the plan only repeats those claims,
    /// nothing is reported (a backorder retried in vain is no news).
    pub(crate) fn source(
        &mut self,
        idx: u32,
        lines: &[usize],
        now: DateTime<FixedOffset>,
        quiet: bool,
        out: &mut Vec<Output>,
    ) {
        let mut previous = Vec::new();
        let order = self.book.at_mut(idx);
        for &line in lines {
            order.lines[line].allocations.retain(|a| {
                if let (Hold::Claimed { eta }, true) = (a.hold, a.live()) {
                    previous.push((line, a.node, a.item, a.quantity, Some(eta)));
                    false
                } else {
                    true
                }
            });
        }
        for &(_, node, item, quantity, _) in &previous {
            self.ledger.unclaim(node, item, quantity);
        }
        let mut scratch = std::mem::take(&mut self.scratch);
        let plan = {
            let order = self.book.at(idx);
            let so = &order.order;
            let demand = Demand {
                order_id: &so.order_id,
                channel: &so.channel,
                service_level: so.service_level.as_deref(),
                ship_to: order.ship_to_geo.and_then(UnitVec::from_geo),
                lines: lines
                    .iter()
                    .map(|&i| (i, &order.lines[i]))
                    .filter(|(_, l)| !l.is_final() && l.open_quantity() > Decimal::ZERO)
                    .map(|(i, l)| LineDemand {
                        line: i,
                        line_id: l.line_id.clone(),
                        item: l.item,
                        substitutes: l.substitutes.clone(),
                        quantity: l.open_quantity(),
                        pickup: self.pickup_node(&so.lines[i].fulfillment),
                        avoid: l.avoid.clone(),
                    })
                    .collect(),
                nodes_in_use: shipping_nodes(order),
            };
            if demand.lines.is_empty() {
                self.scratch = scratch;
                return;
            }
            self.sourcer(now).plan(&demand, &mut scratch)
        };
        self.scratch = scratch;
        let repeats = plan.picks.len() == previous.len()
            && plan.picks.iter().zip(&previous).all(|(p, q)| (p.line, p.node, p.item, p.quantity, p.eta) == *q);
        self.commit(idx, plan, now, quiet && repeats, out);
    }

    /// Reserves (or claims) what the plan picked, reports it, and releases the reserved
    /// allocations to their nodes.
    fn commit(&mut self, idx: u32, plan: Plan, now: DateTime<FixedOffset>, quiet: bool, out: &mut Vec<Output>) {
        let Plan { decision, picks } = plan;
        for pick in &picks {
            let hold = match pick.eta {
                None => {
                    self.ledger.reserve(pick.node, pick.item, pick.quantity);
                    Hold::Reserved
                }
                Some(eta) => {
                    self.ledger.claim(pick.node, pick.item, pick.quantity);
                    Hold::Claimed { eta }
                }
            };
            let allocation = Allocation {
                node_id: self.network.name(pick.node).clone(),
                node: pick.node,
                sku: self.ledger.sku(pick.item).clone(),
                item: pick.item,
                quantity: pick.quantity,
                shipped: Decimal::ZERO,
                hold,
                stage: Stage::Sourced,
                ship_date: pick.ship_date,
                deliver_by: pick.deliver_by,
                document: None,
                document_line: None,
                shipments: Vec::new(),
            };
            self.book.at_mut(idx).lines[pick.line].allocations.push(allocation);
        }
        if !quiet {
            report(&decision, out);
            out.push(Output::SourcingDecided { decision });
        }
        self.settle(idx, "sourced");
        self.release(idx, now, out);
        self.settle(idx, "released to the node");
    }

    /// One document per node (pickups apart) for the allocations not yet released.
    fn release(&mut self, idx: u32, now: DateTime<FixedOffset>, out: &mut Vec<Output>) {
        let order = self.book.at(idx);
        let mut groups: Vec<((NodeIdx, bool), Vec<Part>)> = Vec::new();
        for (l, line) in order.lines.iter().enumerate() {
            let pickup = order.order.lines[l].fulfillment != Fulfillment::Ship;
            for (a, alloc) in line.allocations.iter().enumerate() {
                if alloc.stage == Stage::Sourced && alloc.hold == Hold::Reserved {
                    let key = (alloc.node, pickup);
                    let part = (l, a, alloc.quantity);
                    match groups.iter_mut().find(|g| g.0 == key) {
                        Some(g) => g.1.push(part),
                        None => groups.push((key, vec![part])),
                    }
                }
            }
        }
        for ((node, _), parts) in groups {
            self.send_document(idx, node, Purpose::Original, &parts, now, out);
        }
    }
}

/// Nodes already shipping an order (pickup stores apart): they count against max splits.
fn shipping_nodes(order: &OrderRecord) -> Vec<NodeIdx> {
    let mut nodes = Vec::new();
    for (l, line) in order.lines.iter().enumerate() {
        if order.order.lines[l].fulfillment != Fulfillment::Ship {
            continue;
        }
        for a in line.allocations.iter().filter(|a| a.live() && !matches!(a.hold, Hold::Claimed { .. })) {
            if !nodes.contains(&a.node) {
                nodes.push(a.node);
            }
        }
    }
    nodes
}

/// `line.sourced` for every line sourced now; one `order.backordered` for those that wait.
fn report(decision: &Decision, out: &mut Vec<Output>) {
    let mut waiting = Vec::new();
    for line in &decision.lines {
        match &line.outcome {
            LineOutcome::Sourced { allocations, substituted } => out.push(Output::LineSourced {
                order_id: decision.order_id.clone(),
                line_id: line.line_id.clone(),
                allocations: allocations.clone(),
                substituted: substituted.clone(),
            }),
            LineOutcome::Backordered { promise, .. } => waiting.push(BackorderedLine {
                line_id: line.line_id.clone(),
                sku: line.attempts[0].sku.clone(),
                quantity: line.quantity,
                promise: promise.clone(),
            }),
        }
    }
    if !waiting.is_empty() {
        out.push(Output::OrderBackordered { order_id: decision.order_id.clone(), lines: waiting });
    }
}
