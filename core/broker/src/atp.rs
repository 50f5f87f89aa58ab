//! Available-to-promise: "where can I get 3 of SKU X near this store, and by when?"
//!
//! Per node and network-wide, now and by a date, with the breakdown by supply type. Reads
//! the item's stocking list only.

use std::sync::Arc;

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate};
use crossdock_model::{Geo, NodeKind};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::geo::UnitVec;
use crate::ids::NodeIdx;
use crate::inventory::{Ledger, Position, SupplyType};
use crate::network::Network;
use crate::sourcing::RuleSet;

/// An ATP question.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AtpQuery {
    pub sku: String,
    /// How many are wanted: each node then says the earliest date it can have them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quantity: Option<Decimal>,
    /// Also count supply arriving by this date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by: Option<NaiveDate>,
    /// Sort nodes by distance from here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub near: Option<Near>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Near {
    Node(String),
    Geo(Geo),
}

/// Quantities by supply type. `available_now` is what may be promised today;
/// `available_by` adds supply arriving by the query date, net of backorder claims.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Breakdown {
    pub on_hand: Decimal,
    pub supplier_reported: Decimal,
    pub reserved: Decimal,
    pub safety_stock: Decimal,
    /// Promised to backordered lines against future supply.
    pub claimed: Decimal,
    pub in_transit: Decimal,
    pub on_order: Decimal,
    pub available_now: Decimal,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub available_by: Option<Decimal>,
}

/// The network total of a breakdown, summed on integers. Each figure says exactly what
/// adding the `Decimal`s one by one says (same figure, same scale): a zero added to a
/// figure leaves it as it is, a figure added to a zero is taken as it is, and two others
/// add at the larger of their scales. Whatever this does not mirror (a sum past 96 bits,
/// where `Decimal` would round; a sum of two non-zeros that comes to zero, whose sign
/// `Decimal` keeps; a negative zero) makes the figure unsure, and the caller then adds
/// `Decimal`s instead.
#[derive(Debug, Clone, Copy, Default)]
struct Totals {
    figures: [Sum; 9],
    by: bool,
}

#[derive(Debug, Clone, Copy, Default)]
struct Sum {
    mantissa: i128,
    scale: u32,
    unsure: bool,
}

impl Sum {
    const MAX: i128 = (1 << 96) - 1;

    #[inline]
    fn add(&mut self, x: Decimal) {
        let (m, scale) = (x.mantissa(), x.scale());
        if m == 0 && x.is_sign_negative() {
            self.unsure = true;
        }
        if self.mantissa == 0 {
            (self.mantissa, self.scale) = (m, scale);
            return;
        }
        if m == 0 {
            return;
        }
        let sum = if scale == self.scale { self.mantissa.checked_add(m) } else { self.rescaled_add(m, scale) };
        match sum {
            Some(sum) if sum != 0 && sum.abs() <= Self::MAX => self.mantissa = sum,
            _ => self.unsure = true,
        }
    }

    /// The sum at the larger scale (and that scale kept).
    #[cold]
    fn rescaled_add(&mut self, m: i128, scale: u32) -> Option<i128> {
        if scale > self.scale {
            let a = 10i128.checked_pow(scale - self.scale).and_then(|p| self.mantissa.checked_mul(p))?;
            self.scale = scale;
            a.checked_add(m)
        } else {
            let b = 10i128.checked_pow(self.scale - scale).and_then(|p| m.checked_mul(p))?;
            self.mantissa.checked_add(b)
        }
    }

    fn get(self) -> Option<Decimal> {
        if self.unsure {
            return None;
        }
        Decimal::try_from_i128_with_scale(self.mantissa, self.scale).ok()
    }
}

impl Totals {
    fn add(&mut self, o: &Breakdown) {
        let f = &mut self.figures;
        f[0].add(o.on_hand);
        f[1].add(o.supplier_reported);
        f[2].add(o.reserved);
        f[3].add(o.safety_stock);
        f[4].add(o.claimed);
        f[5].add(o.in_transit);
        f[6].add(o.on_order);
        f[7].add(o.available_now);
        if let Some(by) = o.available_by {
            self.by = true;
            f[8].add(by);
        }
    }

    fn get(&self, by: bool) -> Option<Breakdown> {
        let f = &self.figures;
        Some(Breakdown {
            on_hand: f[0].get()?,
            supplier_reported: f[1].get()?,
            reserved: f[2].get()?,
            safety_stock: f[3].get()?,
            claimed: f[4].get()?,
            in_transit: f[5].get()?,
            on_order: f[6].get()?,
            available_now: f[7].get()?,
            available_by: if by || self.by { Some(f[8].get()?) } else { None },
        })
    }
}

impl Breakdown {
    fn add(&mut self, o: &Breakdown) {
        self.on_hand += o.on_hand;
        self.supplier_reported += o.supplier_reported;
        self.reserved += o.reserved;
        self.safety_stock += o.safety_stock;
        self.claimed += o.claimed;
        self.in_transit += o.in_transit;
        self.on_order += o.on_order;
        self.available_now += o.available_now;
        if let Some(by) = o.available_by {
            *self.available_by.get_or_insert(Decimal::ZERO) += by;
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NodeAtp {
    pub node_id: Arc<str>,
    pub kind: NodeKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub distance_km: Option<f64>,
    #[serde(flatten)]
    pub breakdown: Breakdown,
    /// When the node last reported, in which advice, and whether that is too old to trust.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub as_of: Option<DateTime<FixedOffset>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<Arc<str>>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub stale: bool,
    /// The first date the asked quantity can be promised here, and from what.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub earliest: Option<Earliest>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Earliest {
    pub date: NaiveDate,
    pub supply: SupplyType,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Atp {
    pub sku: String,
    pub inventory_version: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by: Option<NaiveDate>,
    pub total: Breakdown,
    /// Nodes that can have the quantity soonest first (when one is asked), else nearest
    /// first (when `near` is given), else by node id.
    pub nodes: Vec<NodeAtp>,
}

/// What ATP reads.
pub(crate) struct AtpView<'a> {
    pub network: &'a Network,
    pub ledger: &'a Ledger,
    pub rules: &'a RuleSet,
    pub now: DateTime<FixedOffset>,
}

impl AtpView<'_> {
    pub fn query(&self, q: &AtpQuery) -> Atp {
        let near = match &q.near {
            Some(Near::Node(id)) => self.network.get(id).and_then(|n| n.geo).and_then(UnitVec::from_geo),
            Some(Near::Geo(g)) => UnitVec::from_geo(*g),
            None => None,
        };
        let mut totals = Totals::default();
        let mut total = Breakdown { available_by: q.by.map(|_| Decimal::ZERO), ..Breakdown::default() };
        let mut nodes = Vec::new();
        if let Some(item) = self.ledger.item(&q.sku) {
            let positions = self.ledger.stocking(item);
            let slots = self.ledger.slots(item);
            // Soonest first (when a quantity is asked), then nearest, then node id: the key
            // of each node worked out first and packed in one integer, so that the records
            // are built once, in their place.
            let today = self.now.date_naive();
            let mut keyed: Vec<(u128, u32)> = Vec::with_capacity(positions.len());
            let mut found = Vec::with_capacity(positions.len());
            for (i, (p, slot)) in positions.iter().zip(slots).enumerate() {
                let earliest = self.earliest(p, slot.free, q, today);
                let km = self.distance(p, near);
                let far = km.unwrap_or(f64::INFINITY);
                keyed.push((sort_key(earliest.map(|e| e.date), far, self.network.facts(p.node).id_rank), i as u32));
                found.push((earliest, km));
            }
            // A few dozen nodes: an insertion sort on the integer keys is the fast sort (the
            // keys are unique: the node id rank ends them).
            for i in 1..keyed.len() {
                let e = keyed[i];
                let mut j = i;
                while j > 0 && e.0 < keyed[j - 1].0 {
                    keyed[j] = keyed[j - 1];
                    j -= 1;
                }
                keyed[j] = e;
            }
            nodes.reserve_exact(keyed.len());
            // Where each stocking node's record went (the totals add them in node order,
            // as decimal sums of zeros keep the last zero's scale).
            let mut placed = vec![0u32; keyed.len()];
            for (k, &(_, i)) in keyed.iter().enumerate() {
                let i = i as usize;
                placed[i] = k as u32;
                let (earliest, km) = found[i];
                nodes.push(self.node_atp(&positions[i], slots[i].free, earliest, km, q));
            }
            placed.iter().for_each(|&k| totals.add(&nodes[k as usize].breakdown));
            total = totals.get(q.by.is_some()).unwrap_or_else(|| {
                let mut total = Breakdown { available_by: q.by.map(|_| Decimal::ZERO), ..Breakdown::default() };
                placed.iter().for_each(|&k| total.add(&nodes[k as usize].breakdown));
                total
            });
        }
        Atp { sku: q.sku.clone(), inventory_version: self.ledger.version(), by: q.by, total, nodes }
    }

    /// One node's ATP for an item (`None` when the node does not stock it).
    pub fn at(&self, node: NodeIdx, q: &AtpQuery) -> Option<NodeAtp> {
        let item = self.ledger.item(&q.sku)?;
        let (free, position) = self.ledger.free_at(node, item)?;
        let earliest = self.earliest(position, free, q, self.now.date_naive());
        Some(self.node_atp(position, free, earliest, None, q))
    }

    /// `free` is the position's `free_now()`, as its ledger slot holds it; `earliest` and
    /// `distance_km` as [`Self::earliest`] and [`Self::distance`] found them.
    fn node_atp(
        &self,
        p: &Position,
        free: Decimal,
        earliest: Option<Earliest>,
        distance_km: Option<f64>,
        q: &AtpQuery,
    ) -> NodeAtp {
        let facts = self.network.facts(p.node);
        let stock = self.ledger.stock_type(p.node);
        let (on_hand, supplier_reported) =
            if stock == SupplyType::SupplierReported { (Decimal::ZERO, p.on_hand) } else { (p.on_hand, Decimal::ZERO) };
        let stale = facts.kind == NodeKind::Supplier
            && self
                .rules
                .inventory
                .supplier_feed_max_age_hours
                .is_some_and(|max| p.as_of.is_none_or(|t| (self.now - t).num_hours() > i64::from(max)));
        let (in_transit, on_order) = if p.lots.is_empty() {
            (Decimal::ZERO, Decimal::ZERO)
        } else {
            (p.incoming(SupplyType::InTransit), p.incoming(SupplyType::OnOrder))
        };
        let breakdown = Breakdown {
            on_hand,
            supplier_reported,
            reserved: p.reserved,
            safety_stock: p.safety_stock,
            claimed: p.claimed,
            in_transit,
            on_order,
            available_now: free,
            available_by: q.by.map(|d| p.free_by_from(free, d)),
        };
        NodeAtp {
            node_id: self.network.name(p.node).clone(),
            kind: facts.kind,
            distance_km,
            breakdown,
            as_of: p.as_of,
            source: p.source.clone(),
            stale,
            earliest,
        }
    }

    /// Distance from `near`, to 100 m.
    fn distance(&self, p: &Position, near: Option<UnitVec>) -> Option<f64> {
        near.zip(self.network.facts(p.node).at).map(|(a, b)| (a.distance_km(b) * 10.0).round() / 10.0)
    }

    fn earliest(&self, p: &Position, free: Decimal, q: &AtpQuery, today: NaiveDate) -> Option<Earliest> {
        let stock = self.ledger.stock_type(p.node);
        q.quantity
            .and_then(|qty| p.earliest_from(free, qty, today, stock))
            .map(|(date, supply)| Earliest { date, supply })
    }
}

/// (soonest date, nearest, node id rank) as one integer with the same order: the date's
/// day number, the distance's bits made to sort as `f64::total_cmp` does, the rank.
fn sort_key(date: Option<NaiveDate>, km: f64, id_rank: u32) -> u128 {
    let day = date.map_or(u32::MAX, |d| (d.num_days_from_ce() as i64 - i64::from(i32::MIN)) as u32);
    let bits = km.to_bits();
    let km = if bits >> 63 == 1 { !bits } else { bits | 1 << 63 };
    (u128::from(day) << 96) | (u128::from(km) << 32) | u128::from(id_rank)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integer_sums_say_what_decimal_sums_say() {
        let figures = ["0", "0.00", "1.5", "2", "0.00", "3.25", "-4.125", "7", "0.0", "12.5000"];
        let mut exact = Decimal::ZERO;
        let mut sum = Sum::default();
        for f in figures {
            let x: Decimal = f.parse().unwrap();
            exact += x;
            sum.add(x);
            assert_eq!(sum.get().unwrap().to_string(), exact.to_string());
        }
        let big = Decimal::MAX;
        let mut over = Sum::default();
        over.add(big);
        over.add(big);
        assert_eq!(over.get(), None);
        let mut zeros = Sum::default();
        for f in ["0", "0.00", "0"] {
            zeros.add(f.parse().unwrap());
        }
        assert_eq!(zeros.get().unwrap().to_string(), "0");
        let mut cancel = Sum::default();
        cancel.add("1.5".parse().unwrap());
        cancel.add("-1.5".parse().unwrap());
        assert_eq!(cancel.get(), None, "a zero from two non-zeros is left to Decimal");
    }

    #[test]
    fn the_packed_key_sorts_as_soonest_then_nearest_then_id() {
        let day = |d| NaiveDate::from_ymd_opt(2024, 6, d);
        let keys = [
            (day(3), 10.5, 7),
            (day(3), 10.5, 2),
            (day(3), 0.0, 9),
            (day(3), f64::INFINITY, 0),
            (day(4), 1.0, 1),
            (day(2), 3000.0, 5),
            (None, 0.0, 3),
            (None, f64::INFINITY, 1),
            (day(3), 250.25, 4),
        ];
        let mut expected = keys.to_vec();
        expected.sort_by(|a, b| {
            a.0.unwrap_or(NaiveDate::MAX)
                .cmp(&b.0.unwrap_or(NaiveDate::MAX))
                .then(a.1.total_cmp(&b.1))
                .then(a.2.cmp(&b.2))
        });
        let mut packed = keys.to_vec();
        packed.sort_by_key(|k| sort_key(k.0, k.1, k.2));
        assert_eq!(packed, expected);
    }
}
