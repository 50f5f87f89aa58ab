//! Rules-based sourcing: where each order line is fulfilled, and why.
//!
//! For every line the candidates are the item's stocking nodes (never the whole network),
//! or the pickup store alone. [`candidates`] removes the ineligible ones and scores the
//! rest; the policies below turn the rankings into a plan, in this order:
//!
//! 1. pickup lines (BOPIS, pick-and-hold): only their store;
//! 2. whole lines: with `consolidate`, the node that fills the most lines first (fewer
//!    parcels), else each line's best node; never more nodes than `max_splits + 1`;
//! 3. split lines (`split_lines`): the rest of a line from several nodes, nodes already
//!    shipping the order first, within the same limit;
//! 4. substitution: the line's substitutes in order, when the line and the rules allow;
//! 5. ship complete: if any line is left, nothing ships now and the order waits;
//! 6. backorder: lines still open are promised the earliest future supply (in transit or
//!    on order, with an ETA) at an eligible node, and wait for it.
//!
//! Planning only reads the ledger; the broker commits the plan (reservations, claims).

mod candidates;
mod eligibility;
pub mod explain;
pub mod rates;
pub mod rules;

use std::sync::Arc;

use chrono::{DateTime, Days, FixedOffset, NaiveDate};
use rust_decimal::Decimal;

use self::candidates::OrderCtx;
pub(crate) use self::candidates::Scratch;
pub(crate) use self::eligibility::Eligibility;
pub use self::explain::{
    Allocated, Attempt, BackorderReason, Candidate, Decision, Exclusion, Facts, FuturePromise, LineDecision,
    LineOutcome, Scores, Verdict,
};
pub use self::rates::{RateEstimator, RateRequest, RateTable};
pub use self::rules::{Criterion, Replenishment, RuleError, RuleSet};
use crate::geo::UnitVec;
use crate::ids::{ItemIdx, NodeIdx};
use crate::inventory::{at_least, Ledger, SupplyType};
use crate::network::{DailyCapacity, Network};

/// Everything a decision reads. Borrowed from the broker; planning mutates nothing.
pub(crate) struct Sourcer<'a> {
    pub network: &'a Network,
    pub ledger: &'a Ledger,
    pub rules: &'a RuleSet,
    pub eligibility: &'a Eligibility,
    pub rates: &'a dyn RateEstimator,
    pub capacity: &'a DailyCapacity,
    /// `rules.label()`, worked out once.
    pub label: &'a str,
    pub now: DateTime<FixedOffset>,
}

/// The lines of one order to source now.
pub(crate) struct Demand<'a> {
    pub order_id: &'a str,
    pub channel: &'a str,
    pub service_level: Option<&'a str>,
    pub ship_to: Option<UnitVec>,
    pub lines: Vec<LineDemand>,
    /// Nodes already shipping other lines of this order (they count against max_splits).
    pub nodes_in_use: Vec<NodeIdx>,
}

pub(crate) struct LineDemand {
    /// Index of the line in its order.
    pub line: usize,
    pub line_id: String,
    pub item: ItemIdx,
    /// Substitutes to try in order (empty unless the line allows substitution).
    pub substitutes: Vec<ItemIdx>,
    pub quantity: Decimal,
    pub pickup: Option<NodeIdx>,
    /// Nodes that turned this line down before.
    pub avoid: Vec<NodeIdx>,
}

/// A decision and the allocations to commit.
pub(crate) struct Plan {
    pub decision: Decision,
    pub picks: Vec<Pick>,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Pick {
    pub line: usize,
    pub node: NodeIdx,
    pub item: ItemIdx,
    pub quantity: Decimal,
    /// `None`: from stock now (reserve); `Some`: a claim on future supply (backorder).
    pub eta: Option<NaiveDate>,
    pub ship_date: NaiveDate,
    pub deliver_by: NaiveDate,
}

/// Stock this plan has already taken, and the nodes it ships from.
struct Tentative {
    taken: Vec<(NodeIdx, ItemIdx, Decimal)>,
    used: Vec<NodeIdx>,
    budget: usize,
}

impl Tentative {
    fn taken(&self, node: NodeIdx, item: ItemIdx) -> Decimal {
        self.taken.iter().filter(|t| t.0 == node && t.1 == item).map(|t| t.2).sum()
    }

    fn left(&self, c: &Candidate, item: ItemIdx) -> Decimal {
        // Mostly nothing is taken at this node yet: then the difference is `free` itself
        // (same figure, same scale), without decimal arithmetic.
        if !self.taken.iter().any(|t| t.0 == c.node() && t.1 == item) {
            return c.free;
        }
        c.free - self.taken(c.node(), item)
    }

    fn can_use(&self, node: NodeIdx) -> bool {
        self.used.contains(&node) || self.used.len() < self.budget
    }

    fn take(&mut self, node: NodeIdx, item: ItemIdx, quantity: Decimal, ships: bool) {
        self.taken.push((node, item, quantity));
        if ships && !self.used.contains(&node) {
            self.used.push(node);
        }
    }
}

/// One line while the plan is made.
struct LineWork<'d> {
    demand: &'d LineDemand,
    /// (item, is substitute, judged candidates) per item tried.
    attempts: Vec<(ItemIdx, bool, Vec<Candidate>)>,
    /// (attempt, candidate, quantity) chosen from stock now.
    parts: Vec<(usize, usize, Decimal)>,
    why: Option<BackorderReason>,
    future: Option<(usize, NaiveDate, SupplyType)>,
}

impl LineWork<'_> {
    fn open(&self) -> bool {
        self.parts.is_empty()
    }

    fn ships(&self) -> bool {
        self.demand.pickup.is_none()
    }
}

impl Sourcer<'_> {
    pub fn plan(&self, demand: &Demand<'_>, scratch: &mut Scratch) -> Plan {
        scratch.begin(self.network.len());
        let (service, allowed_days) = self.rules.service_days(demand.service_level);
        let (weights, tie_break, per_cost, per_km) = OrderCtx::criteria(self.rules);
        let ctx = OrderCtx {
            weights,
            tie_break,
            per_cost,
            per_km,
            channel: self.eligibility.channel(demand.channel),
            ship_to: demand.ship_to,
            service,
            allowed_days,
            today: self.now.date_naive(),
            time: self.now.time(),
            in_use: &demand.nodes_in_use,
        };
        let policy = &self.rules.policy;
        let budget = if policy.ship_complete { 1 } else { policy.max_splits as usize + 1 };
        let mut used = Vec::with_capacity(budget.max(demand.nodes_in_use.len()) + 1);
        used.extend_from_slice(&demand.nodes_in_use);
        let mut t = Tentative { taken: Vec::with_capacity(2 * demand.lines.len()), used, budget };
        let mut work: Vec<LineWork<'_>> = demand
            .lines
            .iter()
            .map(|d| LineWork {
                demand: d,
                attempts: vec![(d.item, false, self.evaluate(&ctx, scratch, d.item, d.quantity, d.pickup, &d.avoid))],
                parts: Vec::new(),
                why: None,
                future: None,
            })
            .collect();

        for w in work.iter_mut().filter(|w| !w.ships()) {
            fill_whole(w, 0, &mut t);
        }
        if policy.consolidate {
            consolidate(self.network, &mut work, &mut t, scratch);
        } else {
            for w in work.iter_mut().filter(|w| w.ships()) {
                fill_whole(w, 0, &mut t);
            }
        }
        if policy.split_lines && !policy.ship_complete {
            for w in work.iter_mut().filter(|w| w.open() && w.ships()) {
                fill_split(w, 0, &mut t);
            }
        }
        for w in work.iter_mut().filter(|w| w.open()) {
            w.why = Some(self.why_open(w, &t));
            if policy.substitution && !w.demand.substitutes.is_empty() {
                self.substitute(&ctx, scratch, w, &mut t);
            }
        }
        if policy.ship_complete && work.iter().any(LineWork::open) {
            for w in &mut work {
                if !w.open() {
                    w.parts.clear();
                    w.why = Some(BackorderReason::ShipComplete);
                }
            }
            t.taken.clear();
            t.used.truncate(demand.nodes_in_use.len());
        }
        if policy.backorder {
            for w in work.iter_mut().filter(|w| w.open() && w.why == Some(BackorderReason::NoStock)) {
                self.promise_future(&ctx, w, &mut t);
            }
        }
        self.assemble(demand, &ctx, work)
    }

    /// Stock exists among the eligible nodes (only the policy stood in the way), or not.
    fn why_open(&self, w: &LineWork<'_>, t: &Tentative) -> BackorderReason {
        let (item, _, cands) = &w.attempts[0];
        let free: Decimal = cands.iter().filter(|c| c.is_ranked()).map(|c| t.left(c, *item)).sum();
        if free >= w.demand.quantity {
            BackorderReason::SplitLimit
        } else {
            BackorderReason::NoStock
        }
    }

    fn substitute(&self, ctx: &OrderCtx<'_>, scratch: &mut Scratch, w: &mut LineWork<'_>, t: &mut Tentative) {
        for &item in &w.demand.substitutes {
            let cands = self.evaluate(ctx, scratch, item, w.demand.quantity, w.demand.pickup, &w.demand.avoid);
            w.attempts.push((item, true, cands));
            let attempt = w.attempts.len() - 1;
            if fill_whole(w, attempt, t)
                || (self.rules.policy.split_lines
                    && !self.rules.policy.ship_complete
                    && w.ships()
                    && fill_split(w, attempt, t))
            {
                w.why = None;
                return;
            }
        }
    }

    /// The earliest future supply at an eligible node for the ordered item.
    fn promise_future(&self, ctx: &OrderCtx<'_>, w: &mut LineWork<'_>, t: &mut Tentative) {
        let (item, _, cands) = &w.attempts[0];
        let mut best: Option<(NaiveDate, u32, usize, SupplyType)> = None;
        for (k, c) in cands.iter().enumerate().filter(|(_, c)| c.eligible()) {
            let Some(position) = self.ledger.position(c.node(), *item) else { continue };
            let need = w.demand.quantity + t.taken(c.node(), *item);
            let stock = self.ledger.stock_type(c.node());
            if let Some((eta, supply)) = position.earliest(need, ctx.today, stock) {
                let key = (eta, self.network.facts(c.node()).id_rank, k, supply);
                if best.is_none_or(|b| (key.0, key.1) < (b.0, b.1)) {
                    best = Some(key);
                }
            }
        }
        if let Some((eta, _, k, supply)) = best {
            t.take(cands[k].node(), *item, w.demand.quantity, false);
            w.future = Some((k, eta, supply));
        }
    }

    fn assemble(&self, demand: &Demand<'_>, ctx: &OrderCtx<'_>, work: Vec<LineWork<'_>>) -> Plan {
        let mut picks = Vec::new();
        let mut shipping_nodes: Vec<Arc<str>> = Vec::new();
        let day = |offset: u32, from: NaiveDate| from.checked_add_days(Days::new(offset.into())).unwrap_or(from);
        let lines = work
            .into_iter()
            .map(|w| {
                let d = w.demand;
                let outcome = if w.parts.is_empty() {
                    let promise = w.future.map(|(k, eta, supply)| {
                        let c = &w.attempts[0].2[k];
                        let deliver_by = day(c.work.days, eta);
                        picks.push(Pick {
                            line: d.line,
                            node: c.node(),
                            item: d.item,
                            quantity: d.quantity,
                            eta: Some(eta),
                            ship_date: day(c.work.ship_lag, eta),
                            deliver_by,
                        });
                        FuturePromise { node_id: self.network.name(c.node()).clone(), supply, eta, deliver_by }
                    });
                    LineOutcome::Backordered { why: w.why.unwrap_or(BackorderReason::NoStock), promise }
                } else {
                    let attempt = w.parts[0].0;
                    let (item, substitute, cands) = &w.attempts[attempt];
                    let allocations = w
                        .parts
                        .iter()
                        .map(|&(_, k, quantity)| {
                            let c = &cands[k];
                            let pick = Pick {
                                line: d.line,
                                node: c.node(),
                                item: *item,
                                quantity,
                                eta: None,
                                ship_date: day(c.work.ship_lag, ctx.today),
                                deliver_by: day(c.work.days, ctx.today),
                            };
                            let name = self.network.name(c.node());
                            if d.pickup.is_none() && !shipping_nodes.contains(name) {
                                shipping_nodes.push(name.clone());
                            }
                            let allocated = Allocated {
                                node_id: name.clone(),
                                sku: self.ledger.sku(*item).clone(),
                                quantity,
                                ship_date: pick.ship_date,
                                deliver_by: pick.deliver_by,
                            };
                            picks.push(pick);
                            allocated
                        })
                        .collect();
                    LineOutcome::Sourced {
                        allocations,
                        substituted: substitute.then(|| self.ledger.sku(*item).clone()),
                    }
                };
                let attempts = w
                    .attempts
                    .into_iter()
                    .map(|(item, substitute, candidates)| Attempt {
                        sku: self.ledger.sku(item).clone(),
                        substitute,
                        candidates,
                    })
                    .collect();
                LineDecision { line_id: d.line_id.clone(), quantity: d.quantity, attempts, outcome }
            })
            .collect();
        let decision = Decision {
            order_id: demand.order_id.to_string(),
            decided_at: self.now,
            rule_set: self.label.to_string(),
            inventory_version: self.ledger.version(),
            service_level: ctx.service.to_string(),
            service_days: ctx.allowed_days,
            ship_to_located: demand.ship_to.is_some(),
            lines,
            shipping_nodes,
            nodes: self.network.names().clone(),
        };
        Plan { decision, picks }
    }
}

/// The best candidate that fills the whole line, within the node budget.
fn fill_whole(w: &mut LineWork<'_>, attempt: usize, t: &mut Tentative) -> bool {
    let (item, _, cands) = &w.attempts[attempt];
    let quantity = w.demand.quantity;
    let ships = w.ships();
    let found = cands
        .iter()
        .position(|c| c.is_ranked() && at_least(t.left(c, *item), quantity) && (!ships || t.can_use(c.node())));
    if let Some(k) = found {
        t.take(cands[k].node(), *item, quantity, ships);
        w.parts.push((attempt, k, quantity));
    }
    found.is_some()
}

/// The line from several nodes: nodes already shipping first, then by rank. All or nothing.
fn fill_split(w: &mut LineWork<'_>, attempt: usize, t: &mut Tentative) -> bool {
    let (item, _, cands) = &w.attempts[attempt];
    let (taken_before, used_before) = (t.taken.len(), t.used.len());
    let mut need = w.demand.quantity;
    let mut parts = Vec::new();
    for already_used in [true, false] {
        for (k, c) in cands.iter().enumerate() {
            if need <= Decimal::ZERO {
                break;
            }
            let usable = c.is_ranked() && t.used.contains(&c.node()) == already_used && t.can_use(c.node());
            let left = if usable { t.left(c, *item) } else { Decimal::ZERO };
            if left > Decimal::ZERO {
                let q = left.min(need);
                t.take(c.node(), *item, q, true);
                parts.push((attempt, k, q));
                need -= q;
            }
        }
    }
    if need > Decimal::ZERO {
        t.taken.truncate(taken_before);
        t.used.truncate(used_before);
        return false;
    }
    w.parts = parts;
    true
}

/// Greedy consolidation: repeatedly pick the node that fills the most open lines whole
/// (then the best summed score, then node id), until no node fills another line. Tallies
/// per node in the scratch arrays (indexed by node, no sorting, no allocation).
fn consolidate(network: &Network, work: &mut [LineWork<'_>], t: &mut Tentative, scratch: &mut Scratch) {
    loop {
        let mut open = work.iter_mut().filter(|w| w.open() && w.ships());
        match (open.next(), open.next()) {
            (None, _) => return,
            // One line left: its own best node is the answer.
            (Some(w), None) => {
                fill_whole(w, 0, t);
                return;
            }
            _ => {}
        }
        scratch.round = scratch.round.wrapping_add(1);
        if scratch.round == 0 {
            scratch.tally.iter_mut().for_each(|e| e.0 = 0);
            scratch.round = 1;
        }
        let round = scratch.round;
        scratch.touched.clear();
        // Ranked candidates come first; with room for another node every node may be
        // used, and with nothing taken of an item yet, what is left is what is free.
        let room = t.used.len() < t.budget;
        for w in work.iter().filter(|w| w.open() && w.ships()) {
            let (item, _, cands) = &w.attempts[0];
            let untaken = !t.taken.iter().any(|x| x.1 == *item);
            for c in cands.iter().take_while(|c| c.is_ranked()) {
                let left = if untaken { c.free } else { t.left(c, *item) };
                if at_least(left, w.demand.quantity) && (room || t.can_use(c.node())) {
                    let e = &mut scratch.tally[c.node as usize];
                    if e.0 != round {
                        *e = (round, 0, 0.0);
                        scratch.touched.push(c.node);
                    }
                    // Lines in order: the sum is the same on every replay.
                    e.1 += 1;
                    e.2 += c.work.total;
                }
            }
        }
        let q = |x: f64| (x * 1e9 + 0.5) as i64;
        let best = scratch
            .touched
            .iter()
            .map(|&n| {
                let (_, lines, total) = scratch.tally[n as usize];
                (lines, q(total), std::cmp::Reverse(network.facts(NodeIdx(n)).id_rank), NodeIdx(n))
            })
            .max();
        let Some((_, _, _, node)) = best else { return };
        for w in work.iter_mut().filter(|w| w.open() && w.ships()) {
            let (item, _, cands) = &w.attempts[0];
            let quantity = w.demand.quantity;
            if let Some(k) =
                cands.iter().position(|c| c.node() == node && c.is_ranked() && at_least(t.left(c, *item), quantity))
            {
                t.take(node, *item, quantity, true);
                w.parts.push((0, k, quantity));
            }
        }
    }
}
