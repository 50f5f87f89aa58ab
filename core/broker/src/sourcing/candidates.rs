//! Judging one node for one line: eligibility (which rule removes it) and, if it stays,
//! the score of every criterion. Then ranking: weighted total, tie-break order, node id.
//!
//! This is the hot loop of sourcing (every stocking node of every line), so figures are
//! computed once, in the form the record keeps, and ranking compares integer keys.

use chrono::{NaiveDate, NaiveTime};
use crossdock_model::{Capability, NodeKind};
use rust_decimal::Decimal;

use super::explain::{Candidate, Exclusion, Facts, Scores, Verdict, Work};
use super::rates::RateRequest;
use super::rules::Criterion;
use super::Sourcer;
use crate::geo::UnitVec;
use crate::ids::{ItemIdx, NodeIdx};
use crate::inventory::Position;

/// What a decision needs to know about the order, worked out once.
pub(super) struct OrderCtx<'a> {
    pub channel: Option<&'a [Option<Exclusion>]>,
    pub ship_to: Option<UnitVec>,
    pub service: &'a str,
    pub allowed_days: u32,
    pub today: NaiveDate,
    pub time: NaiveTime,
    /// Nodes already shipping this order: they need no new capacity.
    pub in_use: &'a [NodeIdx],
    /// Criterion weights (distance, cost, promise, capacity, depth, priority), divided
    /// by their sum so that the weighted total stays within 0..1.
    pub weights: [f64; 6],
    /// Criterion indexes in tie-break order (up to `node_id`).
    pub tie_break: Vec<usize>,
    /// 1 / the cost and distance that score 0 (multiplying is cheaper than dividing).
    pub per_cost: f64,
    pub per_km: f64,
}

impl OrderCtx<'_> {
    /// Normalised weights, tie-break indexes, 1 / cost scale, 1 / distance scale.
    pub fn criteria(rules: &super::RuleSet) -> ([f64; 6], Vec<usize>, f64, f64) {
        let c = &rules.criteria;
        let mut weights =
            [c.distance.weight, c.cost.weight, c.promise.weight, c.capacity.weight, c.depth.weight, c.priority.weight];
        let sum: f64 = weights.iter().sum();
        weights.iter_mut().for_each(|w| *w /= sum);
        let tie_break = rules.tie_break.iter().take_while(|t| **t != Criterion::NodeId).map(|t| *t as usize).collect();
        (weights, tie_break, 1.0 / to_f64(c.cost.scale), 1.0 / c.distance.scale_km)
    }
}

const DISTANCE: usize = 0;
const COST: usize = 1;
const PROMISE: usize = 2;
const CAPACITY: usize = 3;
const DEPTH: usize = 4;
const PRIORITY: usize = 5;

/// Working memory for judging, kept by the broker and reused by every decision, so that
/// judging a line allocates only the candidate list it returns.
#[derive(Debug, Default)]
pub(crate) struct Scratch {
    /// Candidates in node order, before ranking.
    cands: Vec<Candidate>,
    /// Per ranked candidate: its primary sort key (the total, best first) and its index
    /// in `cands`.
    order: Vec<(u64, u32)>,
    /// Per candidate (by index in `cands`): the rest of its ranking key (tie-break
    /// scores, node id rank), read only when two totals are equal.
    ties: Vec<Ties>,
    /// Removed candidates' indexes in `cands` (node order).
    removed: Vec<u32>,
    /// Distance from this decision's ship-to to each node and its transit days, memoised:
    /// `(decision, km, days)`.
    km: Vec<(u32, f64, u32)>,
    /// Numbers the decisions, to tell this decision's memo entries from older ones.
    decision: u32,
    /// Consolidation's tally per node: `(round, lines it fills, summed score)`.
    pub(super) tally: Vec<(u32, u32, f64)>,
    /// This decision's costs (handling plus shipping) by the estimator's share key, the
    /// node's handling cost and the line's quantity (both as stored, so that equal figures
    /// of different scales stay apart): `None` when there is no rate. The estimator's
    /// contract (same key, same quantity, same service level: same answer) holds across
    /// the lines of one decision, which share their service level; lines mostly order one
    /// or two units, so most of them find their costs already worked out.
    costs: Vec<(u64, Option<(Decimal, f64)>)>,
    /// The same, directly indexed when the three numbers are small (always, with the
    /// default rate table and a network of a few handling costs): `(decision, cost)` at
    /// `key << 6 | handling class << 3 | quantity number`.
    cost_table: Vec<(u32, Option<(Decimal, f64)>)>,
    /// The shipping estimates under those costs, `(decision, estimate)` at
    /// `key << 3 | quantity number`: the estimator's contract makes them the same whatever
    /// the node, so nodes of different handling costs share them too.
    ship_table: Vec<(u32, Option<Decimal>)>,
    /// The distinct line quantities of this decision (as stored), numbered for `costs`.
    quantities: Vec<[u8; 16]>,
    pub(super) touched: Vec<u32>,
    pub(super) round: u32,
}

impl Scratch {
    /// Starts a new decision for a network of `nodes` nodes.
    pub(super) fn begin(&mut self, nodes: usize) {
        if self.km.len() != nodes || self.cost_table.is_empty() {
            self.km = vec![(0, 0.0, 0); nodes];
            self.tally = vec![(0, 0, 0.0); nodes];
            self.cost_table = vec![(0, None); COST_TABLE];
            self.ship_table = vec![(0, None); COST_TABLE >> 3];
            self.decision = 0;
            self.round = 0;
        }
        self.costs.clear();
        self.quantities.clear();
        self.decision = self.decision.wrapping_add(1);
        if self.decision == 0 {
            self.km.iter_mut().for_each(|k| k.0 = 0);
            self.cost_table.iter_mut().for_each(|k| k.0 = 0);
            self.ship_table.iter_mut().for_each(|k| k.0 = 0);
            self.decision = 1;
        }
    }
}

/// Entries of `Scratch::cost_table`: share keys below 16, handling classes and quantity
/// numbers below 8.
const COST_TABLE: usize = 16 << 6;

/// Tie-break scores (negated, quantised) in tie-break order, then the node's id rank.
type Ties = [i32; 7];

impl Sourcer<'_> {
    /// Every stocking node of `item` (or only the pickup store), judged and ranked:
    /// ranked candidates first, best first; removed ones after, in node order.
    pub(super) fn evaluate(
        &self,
        ctx: &OrderCtx<'_>,
        scratch: &mut Scratch,
        item: ItemIdx,
        quantity: Decimal,
        pickup: Option<NodeIdx>,
        avoid: &[NodeIdx],
    ) -> Vec<Candidate> {
        let quantity_f = to_f64(quantity);
        scratch.cands.clear();
        scratch.order.clear();
        scratch.ties.clear();
        scratch.removed.clear();
        // This quantity's number among the decision's (see `Scratch::costs`).
        let bytes = quantity.serialize();
        let quantity_key = match scratch.quantities.iter().position(|q| *q == bytes) {
            Some(k) => k as u32,
            None => {
                scratch.quantities.push(bytes);
                scratch.quantities.len() as u32 - 1
            }
        };
        match pickup {
            Some(store) => {
                let position = self.ledger.position(store, item);
                let free = position.map_or(Decimal::ZERO, Position::free_now);
                let q = (quantity, quantity_f, quantity_key);
                self.judge(ctx, scratch, store, free, || position, q, true, avoid);
            }
            None => {
                let slots = self.ledger.slots(item);
                for (i, slot) in slots.iter().enumerate() {
                    let position = || self.ledger.stocking(item).get(i);
                    let q = (quantity, quantity_f, quantity_key);
                    self.judge(ctx, scratch, slot.node, slot.free, position, q, false, avoid);
                }
            }
        }
        rank(scratch)
    }

    /// `position` is only read for supplier feeds (their age), so that the loop over an
    /// item's nodes reads slots, not whole positions. Pushes the candidate and its keys.
    #[allow(clippy::too_many_arguments)]
    fn judge<'p>(
        &self,
        ctx: &OrderCtx<'_>,
        scratch: &mut Scratch,
        node: NodeIdx,
        mut free: Decimal,
        position: impl FnOnce() -> Option<&'p Position>,
        (quantity, quantity_f, quantity_key): (Decimal, f64, u32),
        pickup: bool,
        avoid: &[NodeIdx],
    ) {
        let facts = self.network.facts(node);
        let mut work = Work::default();
        let at = scratch.cands.len() as u32;
        let removed = |scratch: &mut Scratch, rule, free, work: Work| {
            let c = Candidate { node: node.0, kind: facts.kind, free, verdict: Verdict::Removed { rule }, work };
            scratch.cands.push(c);
            scratch.removed.push(at);
            scratch.ties.push([0; 7]);
        };
        let static_rule = if pickup {
            (!facts.can(Capability::Pickup)).then_some(Exclusion::MissingCapability { capability: Capability::Pickup })
        } else {
            self.eligibility.ship(ctx.channel, node)
        };
        if let Some(rule) = static_rule.or_else(|| avoid.contains(&node).then_some(Exclusion::RejectedLine)) {
            return removed(scratch, rule, free, work);
        }
        let mut stale = false;
        let inv = &self.rules.inventory;
        let feed_age =
            |max| (facts.kind == NodeKind::Supplier).then(position).flatten().and_then(|p| p.as_of).map(|t| (t, max));
        if let Some((as_of, max)) = inv.supplier_feed_max_age_hours.and_then(feed_age) {
            let age_hours = (self.now - as_of).num_hours();
            if age_hours > i64::from(max) {
                stale = true;
                free = (free * inv.stale_supplier_factor).floor();
                if free <= Decimal::ZERO {
                    return removed(scratch, Exclusion::StaleFeed { age_hours, max_hours: max }, free, work);
                }
            }
        }
        let capacity_left = self.capacity.left(facts, node);
        if capacity_left == Some(0) && !ctx.in_use.contains(&node) {
            return removed(scratch, Exclusion::NoCapacity, free, work);
        }
        let criteria = &self.rules.criteria;
        let (km, transit_days) = match (pickup, ctx.ship_to, facts.at) {
            (false, Some(to), Some(from)) => {
                // Lines of one order share their ship-to, and often their nodes (the DCs).
                let memo = &mut scratch.km[node.at()];
                if memo.0 != scratch.decision {
                    let km = to.distance_km(from);
                    *memo = (scratch.decision, km, self.rules.transit_days(Some(km)));
                }
                (Some(memo.1), memo.2)
            }
            (true, _, _) => (None, 0),
            _ => (None, self.rules.transit_days(None)),
        };
        if let (Some(km), Some(max_km)) = (km, criteria.distance.max_km) {
            if km > max_km {
                return removed(scratch, Exclusion::TooFar { km: km.round(), max_km }, free, work);
            }
        }
        let promise = &self.rules.promise;
        let past_cutoff = facts.cutoff.or(promise.default_cutoff).is_some_and(|cutoff| ctx.time >= cutoff);
        let lead = if facts.kind == NodeKind::Supplier { promise.supplier_lead_days } else { 0 };
        work.ship_lag = u32::from(past_cutoff) + lead;
        work.days = work.ship_lag + transit_days;
        let late = work.days.saturating_sub(ctx.allowed_days);
        if late > 0 && criteria.promise.strict && !pickup {
            return removed(scratch, Exclusion::LatePromise { days: work.days, allowed: ctx.allowed_days }, free, work);
        }
        if free.is_zero() || free.is_sign_negative() {
            return removed(scratch, Exclusion::NoStock, free, work);
        }
        // The cost, and its score (worked out with it: both are the same for every node
        // that shares a cost).
        let cost_score = |cost: Decimal| 1.0 - (to_f64(cost) * ctx.per_cost).clamp(0.0, 1.0);
        let cost = if pickup {
            let cost = facts.handling_cost + Decimal::ZERO;
            Some((cost, cost_score(cost)))
        } else {
            let request =
                RateRequest { from: self.network.node(node), distance_km: km, quantity, service_level: ctx.service };
            // The same service for every node of the decision: nodes in the same band with
            // the same handling cost, for the same quantity, cost the same (the very same sum).
            match self.rates.share_key(&request) {
                Some(key) => {
                    let class = facts.handling_class;
                    let estimate = || {
                        let cost = self.rates.estimate(&request).map(|shipping| facts.handling_cost + shipping);
                        cost.map(|c| (c, cost_score(c)))
                    };
                    if key < 16 && class < 8 && quantity_key < 8 {
                        let slot = &mut scratch.cost_table[(key << 6 | class << 3 | quantity_key) as usize];
                        if slot.0 != scratch.decision {
                            let ship = &mut scratch.ship_table[(key << 3 | quantity_key) as usize];
                            if ship.0 != scratch.decision {
                                *ship = (scratch.decision, self.rates.estimate(&request));
                            }
                            let cost = ship.1.map(|shipping| facts.handling_cost + shipping);
                            *slot = (scratch.decision, cost.map(|c| (c, cost_score(c))));
                        }
                        slot.1
                    } else {
                        // Share key, handling class and quantity number in one word.
                        let packed = class < 1 << 16 && quantity_key < 1 << 16;
                        let word = u64::from(key) << 32 | u64::from(class) << 16 | u64::from(quantity_key);
                        match scratch.costs.iter().find(|c| packed && c.0 == word) {
                            Some(c) => c.1,
                            None => {
                                let cost = estimate();
                                if packed {
                                    scratch.costs.push((word, cost));
                                }
                                cost
                            }
                        }
                    }
                }
                None => {
                    let cost = self.rates.estimate(&request).map(|shipping| facts.handling_cost + shipping);
                    cost.map(|c| (c, cost_score(c)))
                }
            }
        };
        let Some((cost, cost_score)) = cost else {
            return removed(scratch, Exclusion::NoRate, free, work);
        };
        let free_f = to_f64(free);
        // Scores are 0..1 and only rank candidates (they are not money), so f64 is right
        // for them; money (cost) and quantities (free) stay decimal in the record.
        let mut s = [0.0; 6];
        s[DISTANCE] = match (pickup, km) {
            (true, _) => 1.0,
            (false, None) => 0.5,
            (false, Some(km)) => (1.0 - km * ctx.per_km).max(0.0),
        };
        s[COST] = cost_score;
        s[PROMISE] = half_to_the(late);
        s[CAPACITY] = match (capacity_left, facts.capacity_per_day) {
            (Some(left), Some(cap)) if cap > 0 => f64::from(left) / f64::from(cap),
            _ => 1.0,
        };
        s[DEPTH] = if free_f >= quantity_f { 1.0 - quantity_f / free_f } else { 0.0 };
        s[PRIORITY] = facts.priority_score;
        work.total = s.iter().zip(&ctx.weights).map(|(s, w)| s * w).sum::<f64>();
        let mut ties: Ties = [0; 7];
        for (k, &criterion) in ctx.tie_break.iter().enumerate() {
            ties[k] = -quantize(s[criterion]);
        }
        ties[6] = facts.id_rank as i32;
        let c = Candidate {
            node: node.0,
            kind: facts.kind,
            free,
            verdict: Verdict::Ranked {
                rank: 0,
                score: round4(work.total),
                scores: Scores {
                    distance: round4(s[DISTANCE]),
                    cost: round4(s[COST]),
                    promise: round4(s[PROMISE]),
                    capacity: round4(s[CAPACITY]),
                    depth: round4(s[DEPTH]),
                    priority: round4(s[PRIORITY]),
                },
                facts: Facts { distance_km: km.map(round_km), cost, promise_days: work.days, stale_feed: stale },
            },
            work,
        };
        scratch.cands.push(c);
        // Best total first: the quantised total (0..=1e9, never negative) subtracted from
        // a bound makes "higher is better" an ascending integer.
        scratch.order.push(((i32::MAX - quantize(work.total)) as u64, at));
        scratch.ties.push(ties);
    }
}

/// Orders the judged candidates and numbers the ranked ones: ranked first by total, then
/// the tie-break scores (only read when totals are equal), then node id order; removed
/// ones after, in node order. Returns them in that order (one copy of each).
///
/// A line has a few dozen candidates at most, so an insertion sort on the small keys is
/// the fast sort here; keys are unique (the node id rank ends them), so the order is the
/// same whatever the algorithm.
fn rank(scratch: &mut Scratch) -> Vec<Candidate> {
    let Scratch { cands, order, ties, removed, .. } = scratch;
    let before = |a: &(u64, u32), b: &(u64, u32)| a.0 < b.0 || (a.0 == b.0 && ties[a.1 as usize] < ties[b.1 as usize]);
    for i in 1..order.len() {
        let e = order[i];
        let mut j = i;
        while j > 0 && before(&e, &order[j - 1]) {
            order[j] = order[j - 1];
            j -= 1;
        }
        order[j] = e;
    }
    let mut ranked = Vec::with_capacity(cands.len());
    for (i, &(_, at)) in order.iter().enumerate() {
        ranked.push(cands[at as usize]);
        if let Some(Verdict::Ranked { rank, .. }) = ranked.last_mut().map(|c| &mut c.verdict) {
            *rank = i as u32 + 1;
        }
    }
    ranked.extend(removed.iter().map(|&at| cands[at as usize]));
    ranked
}

/// 0.5 to the power `n` (capped at 60), exactly: a power of two is its exponent bits,
/// which is what `0.5f64.powi(n)` computes by multiplying (tested), without the call.
fn half_to_the(n: u32) -> f64 {
    f64::from_bits(u64::from(1023 - n.min(60)) << 52)
}

/// Decimal to f64 for scoring, fast for the everyday case (mantissa within i64).
pub(super) fn to_f64(d: Decimal) -> f64 {
    const INV_POW10: [f64; 29] = [
        1e0, 1e-1, 1e-2, 1e-3, 1e-4, 1e-5, 1e-6, 1e-7, 1e-8, 1e-9, 1e-10, 1e-11, 1e-12, 1e-13, 1e-14, 1e-15, 1e-16,
        1e-17, 1e-18, 1e-19, 1e-20, 1e-21, 1e-22, 1e-23, 1e-24, 1e-25, 1e-26, 1e-27, 1e-28,
    ];
    match i64::try_from(d.mantissa()) {
        Ok(m) => m as f64 * INV_POW10[d.scale() as usize],
        Err(_) => rust_decimal::prelude::ToPrimitive::to_f64(&d).unwrap_or(0.0),
    }
}

/// Ranking compares the total and the tie-break scores quantised to 1e-9 (so that a replay
/// on another machine ranks the same, whatever its last-bit libm differences).
/// Scores are 0..1: truncating after adding a half rounds them (and needs no libm call).
fn quantize(x: f64) -> i32 {
    (x * 1e9 + 0.5) as i32
}

/// Scores in the record: four places are plenty for a person.
fn round4(x: f64) -> f32 {
    ((x * 1e4 + 0.5) as i64 as f64 * 1e-4) as f32
}

/// Distances in the record, to 100 m. Non-negative: truncating after adding a half rounds
/// (no libm call).
fn round_km(x: f64) -> f32 {
    ((x * 10.0 + 0.5) as i64 as f64 * 0.1) as f32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn half_to_the_is_powi_exactly() {
        for n in 0..100 {
            assert_eq!(half_to_the(n).to_bits(), 0.5f64.powi(n.min(60) as i32).to_bits(), "{n}");
        }
    }
}
