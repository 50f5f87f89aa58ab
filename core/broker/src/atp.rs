//! Available-to-promise: "where can I get 3 of SKU X near this store, and by when?"
//!
//! Per node and network-wide, now and by a date, with the breakdown by supply type. Reads
//! the item's stocking list only.

use std::sync::Arc;

use chrono::{DateTime, FixedOffset, NaiveDate};
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
        let mut total = Breakdown { available_by: q.by.map(|_| Decimal::ZERO), ..Breakdown::default() };
        // Sort keys worked out once per node: soonest, then nearest, then node id.
        let mut keyed: Vec<((NaiveDate, f64, u32), NodeAtp)> = match self.ledger.item(&q.sku) {
            Some(item) => self
                .ledger
                .stocking(item)
                .iter()
                .map(|p| {
                    let atp = self.node_atp(p, q, near);
                    let soon = atp.earliest.map_or(NaiveDate::MAX, |e| e.date);
                    let far = atp.distance_km.unwrap_or(f64::INFINITY);
                    ((soon, far, self.network.facts(p.node).id_rank), atp)
                })
                .collect(),
            None => Vec::new(),
        };
        for (_, n) in &keyed {
            total.add(&n.breakdown);
        }
        keyed.sort_unstable_by(|(a, _), (b, _)| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)).then(a.2.cmp(&b.2)));
        let nodes = keyed.into_iter().map(|(_, n)| n).collect();
        Atp { sku: q.sku.clone(), inventory_version: self.ledger.version(), by: q.by, total, nodes }
    }

    /// One node's ATP for an item (`None` when the node does not stock it).
    pub fn at(&self, node: NodeIdx, q: &AtpQuery) -> Option<NodeAtp> {
        let item = self.ledger.item(&q.sku)?;
        let position = self.ledger.position(node, item)?;
        Some(self.node_atp(position, q, None))
    }

    fn node_atp(&self, p: &Position, q: &AtpQuery, near: Option<UnitVec>) -> NodeAtp {
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
        let breakdown = Breakdown {
            on_hand,
            supplier_reported,
            reserved: p.reserved,
            safety_stock: p.safety_stock,
            claimed: p.claimed,
            in_transit: p.incoming(SupplyType::InTransit),
            on_order: p.incoming(SupplyType::OnOrder),
            available_now: p.free_now(),
            available_by: q.by.map(|d| p.free_by(d)),
        };
        let today = self.now.date_naive();
        NodeAtp {
            node_id: self.network.name(p.node).clone(),
            kind: facts.kind,
            distance_km: near.zip(facts.at).map(|(a, b)| (a.distance_km(b) * 10.0).round() / 10.0),
            breakdown,
            as_of: p.as_of,
            source: p.source.clone(),
            stale,
            earliest: q
                .quantity
                .and_then(|qty| p.earliest(qty, today, stock))
                .map(|(date, supply)| Earliest { date, supply }),
        }
    }
}
