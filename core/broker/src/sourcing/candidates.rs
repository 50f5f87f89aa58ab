//! Judging one node for one line: eligibility (which rule removes it) and, if it stays,
//! the score of every criterion. Then ranking: weighted total, tie-break order, node id.

use std::cmp::Ordering;

use chrono::{NaiveDate, NaiveTime};
use crossdock_model::{Capability, NodeKind};
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;

use super::explain::{Candidate, Exclusion, Facts, Scores, Verdict};
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
}

/// A candidate while sourcing works on it; it becomes a [`Candidate`] record at the end.
#[derive(Debug, Clone)]
pub(super) struct Cand {
    pub node: NodeIdx,
    pub free: Decimal,
    pub removed: Option<Exclusion>,
    /// Weighted total and per-criterion scores (f64: they rank, they are not money).
    pub total: f64,
    pub scores: [f64; 6],
    pub km: Option<f64>,
    pub cost: Decimal,
    /// Days until the node ships, and until delivery.
    pub ship_lag: u32,
    pub days: u32,
    pub stale: bool,
    pub rank: u32,
}

impl Cand {
    /// Eligible: ranked now, or removed only for lack of stock (so it may promise later).
    pub fn eligible(&self) -> bool {
        matches!(self.removed, None | Some(Exclusion::NoStock))
    }
}

const DISTANCE: usize = 0;
const COST: usize = 1;
const PROMISE: usize = 2;
const CAPACITY: usize = 3;
const DEPTH: usize = 4;
const PRIORITY: usize = 5;

impl Sourcer<'_> {
    /// Every stocking node of `item` (or only the pickup store), judged and ranked.
    pub(super) fn evaluate(
        &self,
        ctx: &OrderCtx<'_>,
        item: ItemIdx,
        quantity: Decimal,
        pickup: Option<NodeIdx>,
        avoid: &[NodeIdx],
    ) -> Vec<Cand> {
        let mut cands = match pickup {
            Some(store) => vec![self.judge(ctx, store, self.ledger.position(store, item), quantity, true, avoid)],
            None => {
                let stocking = self.ledger.stocking(item);
                let mut cands = Vec::with_capacity(stocking.len());
                cands.extend(stocking.iter().map(|p| self.judge(ctx, p.node, Some(p), quantity, false, avoid)));
                cands
            }
        };
        self.rank(&mut cands);
        cands
    }

    fn judge(
        &self,
        ctx: &OrderCtx<'_>,
        node: NodeIdx,
        position: Option<&Position>,
        quantity: Decimal,
        pickup: bool,
        avoid: &[NodeIdx],
    ) -> Cand {
        let facts = self.network.facts(node);
        let mut cand = Cand {
            node,
            free: position.map_or(Decimal::ZERO, Position::free_now),
            removed: None,
            total: 0.0,
            scores: [0.0; 6],
            km: None,
            cost: Decimal::ZERO,
            ship_lag: 0,
            days: 0,
            stale: false,
            rank: 0,
        };
        let static_rule = if pickup {
            (!facts.can(Capability::Pickup)).then_some(Exclusion::MissingCapability { capability: Capability::Pickup })
        } else {
            self.eligibility.ship(ctx.channel, node)
        };
        if let Some(rule) = static_rule.or_else(|| avoid.contains(&node).then_some(Exclusion::RejectedLine)) {
            cand.removed = Some(rule);
            return cand;
        }
        let inv = &self.rules.inventory;
        if let (NodeKind::Supplier, Some(max), Some(as_of)) =
            (facts.kind, inv.supplier_feed_max_age_hours, position.and_then(|p| p.as_of))
        {
            let age_hours = (self.now - as_of).num_hours();
            if age_hours > i64::from(max) {
                cand.stale = true;
                cand.free = (cand.free * inv.stale_supplier_factor).floor();
                if cand.free <= Decimal::ZERO {
                    cand.removed = Some(Exclusion::StaleFeed { age_hours, max_hours: max });
                    return cand;
                }
            }
        }
        let capacity_left = self.capacity.left(facts, node);
        if capacity_left == Some(0) && !ctx.in_use.contains(&node) {
            cand.removed = Some(Exclusion::NoCapacity);
            return cand;
        }
        let criteria = &self.rules.criteria;
        if !pickup {
            cand.km = ctx.ship_to.zip(facts.at).map(|(a, b)| a.distance_km(b));
            if let (Some(km), Some(max_km)) = (cand.km, criteria.distance.max_km) {
                if km > max_km {
                    cand.removed = Some(Exclusion::TooFar { km: km.round(), max_km });
                    return cand;
                }
            }
        }
        let promise = &self.rules.promise;
        let past_cutoff = facts.cutoff.or(promise.default_cutoff).is_some_and(|cutoff| ctx.time >= cutoff);
        let lead = if facts.kind == NodeKind::Supplier { promise.supplier_lead_days } else { 0 };
        cand.ship_lag = u32::from(past_cutoff) + lead;
        cand.days = cand.ship_lag + if pickup { 0 } else { self.rules.transit_days(cand.km) };
        let late = cand.days.saturating_sub(ctx.allowed_days);
        if late > 0 && criteria.promise.strict && !pickup {
            cand.removed = Some(Exclusion::LatePromise { days: cand.days, allowed: ctx.allowed_days });
            return cand;
        }
        let request =
            RateRequest { from: self.network.node(node), distance_km: cand.km, quantity, service_level: ctx.service };
        let shipping = if pickup { Some(Decimal::ZERO) } else { self.rates.estimate(&request) };
        let Some(shipping) = shipping else {
            cand.removed = Some(Exclusion::NoRate);
            return cand;
        };
        cand.cost = facts.handling_cost + shipping;
        if cand.free <= Decimal::ZERO {
            cand.removed = Some(Exclusion::NoStock);
            return cand;
        }
        let s = &mut cand.scores;
        s[DISTANCE] = match (pickup, cand.km) {
            (true, _) => 1.0,
            (false, None) => 0.5,
            (false, Some(km)) => (1.0 - km / criteria.distance.scale_km).max(0.0),
        };
        let ratio = |a: Decimal, b: Decimal| (a.to_f64().unwrap_or(0.0) / b.to_f64().unwrap_or(1.0)).clamp(0.0, 1.0);
        s[COST] = 1.0 - ratio(cand.cost, criteria.cost.scale);
        s[PROMISE] = 0.5f64.powi(late.min(60) as i32);
        s[CAPACITY] = match (capacity_left, facts.capacity_per_day) {
            (Some(left), Some(cap)) if cap > 0 => f64::from(left) / f64::from(cap),
            _ => 1.0,
        };
        s[DEPTH] = if cand.free >= quantity { 1.0 - ratio(quantity, cand.free) } else { 0.0 };
        s[PRIORITY] = facts.priority_score;
        let w = self.weights();
        cand.total = s.iter().zip(w.iter()).map(|(s, w)| s * w).sum::<f64>() / w.iter().sum::<f64>();
        cand
    }

    fn weights(&self) -> [f64; 6] {
        let c = &self.rules.criteria;
        [c.distance.weight, c.cost.weight, c.promise.weight, c.capacity.weight, c.depth.weight, c.priority.weight]
    }

    /// Ranked candidates first, best first; removed ones after, in node order.
    fn rank(&self, cands: &mut [Cand]) {
        cands.sort_unstable_by(|a, b| match (a.removed, b.removed) {
            (None, None) => self.better(a, b),
            (None, Some(_)) => Ordering::Less,
            (Some(_), None) => Ordering::Greater,
            (Some(_), Some(_)) => a.node.cmp(&b.node),
        });
        for (i, c) in cands.iter_mut().take_while(|c| c.removed.is_none()).enumerate() {
            c.rank = i as u32 + 1;
        }
    }

    /// `Less` when `a` ranks before `b`. Scores compare at 1e-9 so that replays on
    /// another machine (last-bit libm differences) rank the same.
    fn better(&self, a: &Cand, b: &Cand) -> Ordering {
        let q = |x: f64| (x * 1e9).round() as i64;
        q(b.total).cmp(&q(a.total)).then_with(|| {
            for criterion in &self.rules.tie_break {
                let by = match criterion {
                    Criterion::NodeId => break,
                    c => {
                        let i = *c as usize;
                        q(b.scores[i]).cmp(&q(a.scores[i]))
                    }
                };
                if by != Ordering::Equal {
                    return by;
                }
            }
            let id = |c: &Cand| self.network.facts(c.node).id_rank;
            id(a).cmp(&id(b))
        })
    }

    /// The record of a candidate, with names and rounded scores.
    pub(super) fn record(&self, c: &Cand) -> Candidate {
        let facts = self.network.facts(c.node);
        let r = |x: f64| (x * 1e4).round() / 1e4;
        let verdict = match c.removed {
            Some(rule) => Verdict::Removed { rule },
            None => Verdict::Ranked {
                rank: c.rank,
                score: r(c.total),
                scores: Scores {
                    distance: r(c.scores[DISTANCE]),
                    cost: r(c.scores[COST]),
                    promise: r(c.scores[PROMISE]),
                    capacity: r(c.scores[CAPACITY]),
                    depth: r(c.scores[DEPTH]),
                    priority: r(c.scores[PRIORITY]),
                },
                facts: Facts {
                    distance_km: c.km.map(|k| (k * 10.0).round() / 10.0),
                    cost: c.cost,
                    promise_days: c.days,
                    stale_feed: c.stale,
                },
            },
        };
        Candidate { node_id: facts.name.clone(), kind: facts.kind, free: c.free, verdict }
    }
}
