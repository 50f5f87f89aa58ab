//! The inventory ledger: what every node has, by item and by supply type, with where each
//! figure came from and how fresh it is.
//!
//! Positions are kept per item, sorted by node, so that sourcing walks the few nodes that
//! stock an item (its *stocking list*) and never the whole network.
//!
//! Rules the ledger keeps:
//! - a snapshot older than what a position already holds is skipped, never applied;
//! - a delta older than the position's last snapshot is skipped (the snapshot includes it);
//! - an advice id is applied once per node: a delta sent twice counts once;
//! - own nodes report physical stock (`on_hand`, else `available`); suppliers report what
//!   they can still sell (`available`, else `on_hand`): that is *supplier-reported* supply;
//! - free stock is `on_hand - safety_stock - reserved`, never below zero.

use std::collections::HashSet;
use std::sync::Arc;

use chrono::{DateTime, FixedOffset, NaiveDate};
use crossdock_model::{AdviceMode, FutureSupply, NodeKind};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::ids::{Interner, ItemIdx, NodeIdx};

/// The kinds of supply the ledger tells apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SupplyType {
    /// Physical stock at one of our nodes.
    OnHand,
    /// What a supplier says it can ship (846), only as good as the feed is fresh.
    SupplierReported,
    InTransit,
    OnOrder,
}

/// Supply that is not at the node yet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lot {
    pub supply: SupplyType,
    pub quantity: Decimal,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eta: Option<NaiveDate>,
    pub source: LotSource,
}

/// Which document a lot comes from, so the next document about it finds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "from", rename_all = "snake_case")]
pub enum LotSource {
    /// Reported by an inventory advice; replaced by the next snapshot.
    Advice,
    /// A purchase order line not shipped yet (updated by its 855).
    PurchaseOrder { po_number: Arc<str>, line_no: Arc<str> },
    /// Goods on their way (856), removed when received.
    Shipment { shipment_id: Arc<str> },
}

/// One item at one node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Position {
    pub(crate) node: NodeIdx,
    pub on_hand: Decimal,
    pub reserved: Decimal,
    pub safety_stock: Decimal,
    /// Promised to backordered lines against this node's future supply.
    pub claimed: Decimal,
    pub lots: Vec<Lot>,
    /// When the node last reported this position, and in which advice.
    pub as_of: Option<DateTime<FixedOffset>>,
    pub source: Option<Arc<str>>,
    snapshot_as_of: Option<DateTime<FixedOffset>>,
}

impl Position {
    fn new(node: NodeIdx, safety_stock: Decimal) -> Self {
        Position {
            node,
            on_hand: Decimal::ZERO,
            reserved: Decimal::ZERO,
            safety_stock,
            claimed: Decimal::ZERO,
            lots: Vec::new(),
            as_of: None,
            source: None,
            snapshot_as_of: None,
        }
    }

    /// Stock that may be promised now.
    pub fn free_now(&self) -> Decimal {
        (self.promisable() - self.reserved).max(Decimal::ZERO)
    }

    /// On hand above safety stock: the most that may ever be reserved.
    pub fn promisable(&self) -> Decimal {
        (self.on_hand - self.safety_stock).max(Decimal::ZERO)
    }

    /// Reservations the stock no longer covers (after a count went down).
    pub fn shortfall(&self) -> Decimal {
        (self.reserved - self.promisable()).max(Decimal::ZERO)
    }

    /// Future supply of one type (all of it, whatever its ETA).
    pub fn incoming(&self, supply: SupplyType) -> Decimal {
        self.lots.iter().filter(|l| l.supply == supply).map(|l| l.quantity).sum()
    }

    /// Free stock now plus supply arriving by `date`, minus what backorders already hold.
    pub fn free_by(&self, date: NaiveDate) -> Decimal {
        self.free_by_from(self.free_now(), date)
    }

    /// The same, given `free_now()` (which the ledger's slot already holds).
    pub(crate) fn free_by_from(&self, free_now: Decimal, date: NaiveDate) -> Decimal {
        // Nothing arriving, nothing claimed: the sum below would be `free_now` itself
        // (same figure, same scale), so skip the decimal arithmetic.
        if self.lots.is_empty() && self.claimed.is_zero() && self.claimed.scale() <= free_now.scale() {
            return free_now;
        }
        let arriving: Decimal =
            self.lots.iter().filter(|l| l.eta.is_some_and(|eta| eta <= date)).map(|l| l.quantity).sum();
        (free_now + arriving - self.claimed).max(Decimal::ZERO)
    }

    /// The first date `quantity` can be promised here, and from which supply: today from
    /// stock, else the ETA of the lot that makes it enough. Lots without an ETA promise
    /// nothing.
    pub fn earliest(&self, quantity: Decimal, today: NaiveDate, stock: SupplyType) -> Option<(NaiveDate, SupplyType)> {
        self.earliest_from(self.free_now(), quantity, today, stock)
    }

    /// The same, given `free_now()` (which the ledger's slot already holds).
    pub(crate) fn earliest_from(
        &self,
        free_now: Decimal,
        quantity: Decimal,
        today: NaiveDate,
        stock: SupplyType,
    ) -> Option<(NaiveDate, SupplyType)> {
        if at_least(free_now, quantity) {
            return Some((today, stock));
        }
        if self.lots.is_empty() {
            return None;
        }
        let mut lots: Vec<&Lot> = self.lots.iter().filter(|l| l.eta.is_some()).collect();
        lots.sort_by_key(|l| l.eta);
        let mut enough = free_now - self.claimed;
        for lot in lots {
            enough += lot.quantity;
            if enough >= quantity {
                return lot.eta.map(|eta| (eta.max(today), lot.supply));
            }
        }
        None
    }
}

/// `a >= b`, on the mantissas when both have the same scale (whole units, the everyday
/// case), which is the same answer as `Decimal`'s comparison without its general work.
pub(crate) fn at_least(a: Decimal, b: Decimal) -> bool {
    if a.scale() == b.scale() {
        a.mantissa() >= b.mantissa()
    } else {
        a >= b
    }
}

/// What applying one reported position did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Applied {
    Applied,
    /// Older than the snapshot the position already holds.
    Stale,
}

/// Safety stock by node kind, used for positions nobody set one for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct SafetyDefaults {
    pub store: Decimal,
    pub dc: Decimal,
    pub supplier: Decimal,
    pub threepl: Decimal,
}

impl SafetyDefaults {
    fn of(&self, kind: NodeKind) -> Decimal {
        match kind {
            NodeKind::Store => self.store,
            NodeKind::Dc => self.dc,
            NodeKind::Supplier => self.supplier,
            NodeKind::Threepl => self.threepl,
        }
    }
}

/// What sourcing reads for every candidate, kept apart from the rest of the position so
/// that a line's candidates sit in a few cache lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Slot {
    pub node: NodeIdx,
    /// `Position::free_now`, kept current by every change.
    pub free: Decimal,
}

/// One item's stock: a slot and a position per stocking node, both in node order.
#[derive(Debug, Clone, Default)]
struct ItemStock {
    slots: Vec<Slot>,
    positions: Vec<Position>,
}

/// All positions, by item then node; every change bumps the version that decisions cite.
#[derive(Debug, Clone)]
pub struct Ledger {
    kinds: Vec<NodeKind>,
    safety: SafetyDefaults,
    items: Interner,
    stock: Vec<ItemStock>,
    advices_seen: HashSet<(NodeIdx, String)>,
    version: u64,
}

impl Ledger {
    pub(crate) fn new(kinds: Vec<NodeKind>, safety: SafetyDefaults) -> Self {
        Ledger {
            kinds,
            safety,
            items: Interner::default(),
            stock: Vec::new(),
            advices_seen: HashSet::new(),
            version: 0,
        }
    }

    /// Bumped by every change; a decision records the version it saw.
    pub fn version(&self) -> u64 {
        self.version
    }

    pub fn item(&self, sku: &str) -> Option<ItemIdx> {
        self.items.get(sku).map(ItemIdx)
    }

    pub(crate) fn intern(&mut self, sku: &str) -> ItemIdx {
        let idx = ItemIdx(self.items.intern(sku));
        if self.stock.len() <= idx.at() {
            self.stock.push(ItemStock::default());
        }
        idx
    }

    pub fn sku(&self, item: ItemIdx) -> &Arc<str> {
        self.items.name(item.0)
    }

    pub fn item_count(&self) -> usize {
        self.items.len()
    }

    /// The positions of an item, one per stocking node, in node order.
    pub fn stocking(&self, item: ItemIdx) -> &[Position] {
        &self.stock[item.at()].positions
    }

    /// The same, as slots (node and free stock only).
    pub(crate) fn slots(&self, item: ItemIdx) -> &[Slot] {
        &self.stock[item.at()].slots
    }

    /// The free stock of a position found by `position` (its slot's copy of `free_now`).
    pub(crate) fn free_at(&self, node: NodeIdx, item: ItemIdx) -> Option<(Decimal, &Position)> {
        let at = &self.stock[item.at()];
        at.slots.binary_search_by_key(&node, |s| s.node).ok().map(|i| (at.slots[i].free, &at.positions[i]))
    }

    pub fn position(&self, node: NodeIdx, item: ItemIdx) -> Option<&Position> {
        let at = &self.stock[item.at()];
        at.slots.binary_search_by_key(&node, |s| s.node).ok().map(|i| &at.positions[i])
    }

    pub(crate) fn kind(&self, node: NodeIdx) -> NodeKind {
        self.kinds[node.at()]
    }

    /// What stock at this node counts as.
    pub fn stock_type(&self, node: NodeIdx) -> SupplyType {
        match self.kind(node) {
            NodeKind::Supplier => SupplyType::SupplierReported,
            _ => SupplyType::OnHand,
        }
    }

    /// Changes one position (creating it if need be) and keeps its slot current.
    fn change<R>(&mut self, node: NodeIdx, item: ItemIdx, f: impl FnOnce(&mut Position) -> R) -> R {
        self.version += 1;
        let safety = self.safety.of(self.kinds[node.at()]);
        let at = &mut self.stock[item.at()];
        let i = match at.slots.binary_search_by_key(&node, |s| s.node) {
            Ok(i) => i,
            Err(i) => {
                at.slots.insert(i, Slot { node, free: Decimal::ZERO });
                at.positions.insert(i, Position::new(node, safety));
                i
            }
        };
        let result = f(&mut at.positions[i]);
        at.slots[i].free = at.positions[i].free_now();
        result
    }

    /// True the first time this node sends this advice id.
    pub(crate) fn first_sight(&mut self, node: NodeIdx, advice_id: &str) -> bool {
        self.advices_seen.insert((node, advice_id.to_string()))
    }

    /// Applies one reported position (see the module rules).
    pub(crate) fn apply_report(&mut self, node: NodeIdx, item: ItemIdx, report: Report<'_>) -> Applied {
        let supplier = self.kind(node) == NodeKind::Supplier;
        let quantity = if supplier { report.available.or(report.on_hand) } else { report.on_hand.or(report.available) };
        self.change(node, item, |p| {
            if p.snapshot_as_of.is_some_and(|s| s > report.as_of) {
                return Applied::Stale;
            }
            let lots = report.lots();
            match report.mode {
                AdviceMode::Snapshot => {
                    if let Some(q) = quantity {
                        p.on_hand = q;
                    }
                    p.lots.retain(|l| l.source != LotSource::Advice);
                    p.lots.extend(lots);
                    p.snapshot_as_of = Some(report.as_of);
                }
                AdviceMode::Delta => {
                    p.on_hand += quantity.unwrap_or_default();
                    p.lots.extend(lots);
                }
            }
            if p.as_of.is_none_or(|t| t <= report.as_of) {
                p.as_of = Some(report.as_of);
                p.source = report.source.clone();
            }
            Applied::Applied
        })
    }

    pub(crate) fn reserve(&mut self, node: NodeIdx, item: ItemIdx, quantity: Decimal) {
        self.change(node, item, |p| {
            debug_assert!(p.free_now() >= quantity, "reserving more than is free");
            p.reserved += quantity;
        })
    }

    pub(crate) fn unreserve(&mut self, node: NodeIdx, item: ItemIdx, quantity: Decimal) {
        self.change(node, item, |p| p.reserved -= quantity)
    }

    /// Reserved stock that left the node (shipped), or that a supplier now holds for us.
    pub(crate) fn consume(&mut self, node: NodeIdx, item: ItemIdx, quantity: Decimal) {
        self.change(node, item, |p| {
            p.reserved -= quantity;
            p.on_hand -= quantity;
        })
    }

    pub(crate) fn claim(&mut self, node: NodeIdx, item: ItemIdx, quantity: Decimal) {
        self.change(node, item, |p| p.claimed += quantity)
    }

    pub(crate) fn unclaim(&mut self, node: NodeIdx, item: ItemIdx, quantity: Decimal) {
        self.change(node, item, |p| p.claimed -= quantity)
    }

    pub(crate) fn receive(&mut self, node: NodeIdx, item: ItemIdx, quantity: Decimal) {
        self.change(node, item, |p| p.on_hand += quantity)
    }

    pub(crate) fn set_safety_stock(&mut self, node: NodeIdx, item: ItemIdx, quantity: Decimal) {
        self.change(node, item, |p| p.safety_stock = quantity)
    }

    pub(crate) fn add_lot(&mut self, node: NodeIdx, item: ItemIdx, lot: Lot) {
        self.change(node, item, |p| p.lots.push(lot))
    }

    /// Removes the lots `matches` selects and returns how much they held.
    pub(crate) fn take_lots(&mut self, node: NodeIdx, item: ItemIdx, matches: impl Fn(&Lot) -> bool) -> Decimal {
        self.change(node, item, |p| {
            let mut taken = Decimal::ZERO;
            p.lots.retain(|l| {
                let hit = matches(l);
                if hit {
                    taken += l.quantity;
                }
                !hit
            });
            taken
        })
    }

    /// Every (node, item) whose lots `matches` selects, in item then node order.
    pub(crate) fn find_lots(&self, matches: impl Fn(&Lot) -> bool) -> Vec<(NodeIdx, ItemIdx)> {
        let mut found = Vec::new();
        for (item, stock) in self.stock.iter().enumerate() {
            for p in &stock.positions {
                if p.lots.iter().any(&matches) {
                    found.push((p.node, ItemIdx(item as u32)));
                }
            }
        }
        found
    }

    /// Every position with its item, in item then node order (for checks and reports).
    pub fn positions(&self) -> impl Iterator<Item = (ItemIdx, &Position)> {
        self.stock.iter().enumerate().flat_map(|(i, s)| s.positions.iter().map(move |p| (ItemIdx(i as u32), p)))
    }
}

/// One position as an advice reports it.
#[derive(Debug, Clone)]
pub(crate) struct Report<'a> {
    pub mode: AdviceMode,
    pub as_of: DateTime<FixedOffset>,
    pub on_hand: Option<Decimal>,
    pub available: Option<Decimal>,
    pub in_transit: &'a [FutureSupply],
    pub on_order: &'a [FutureSupply],
    pub source: Option<Arc<str>>,
}

impl Report<'_> {
    fn lots(&self) -> impl Iterator<Item = Lot> + '_ {
        let lot = |supply| {
            move |f: &FutureSupply| Lot { supply, quantity: f.quantity, eta: f.eta, source: LotSource::Advice }
        };
        self.in_transit.iter().map(lot(SupplyType::InTransit)).chain(self.on_order.iter().map(lot(SupplyType::OnOrder)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use rust_decimal_macros::dec;

    fn at(hour: u32) -> DateTime<FixedOffset> {
        FixedOffset::east_opt(0).unwrap().with_ymd_and_hms(2024, 6, 3, hour, 0, 0).unwrap()
    }

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2024, 6, d).unwrap()
    }

    fn report(mode: AdviceMode, hour: u32, on_hand: Decimal) -> Report<'static> {
        Report {
            mode,
            as_of: at(hour),
            on_hand: Some(on_hand),
            available: None,
            in_transit: &[],
            on_order: &[],
            source: None,
        }
    }

    fn ledger() -> (Ledger, NodeIdx, NodeIdx, ItemIdx) {
        let safety = SafetyDefaults { store: dec!(1), ..Default::default() };
        let mut l = Ledger::new(vec![NodeKind::Dc, NodeKind::Store, NodeKind::Supplier], safety);
        let item = l.intern("SKU-1");
        (l, NodeIdx(0), NodeIdx(1), item)
    }

    #[test]
    fn at_least_agrees_with_decimal_comparison() {
        let figures = ["0", "-0", "1", "2", "1.0", "1.5", "-1", "-1.50", "0.00", "1000000000", "0.0000001"];
        for a in figures {
            for b in figures {
                let (x, y): (Decimal, Decimal) = (a.parse().unwrap(), b.parse().unwrap());
                assert_eq!(at_least(x, y), x >= y, "{a} >= {b}");
            }
        }
    }

    #[test]
    fn an_older_snapshot_never_overwrites_a_newer_one() {
        let (mut l, dc, _, item) = ledger();
        assert_eq!(l.apply_report(dc, item, report(AdviceMode::Snapshot, 10, dec!(7))), Applied::Applied);
        assert_eq!(l.apply_report(dc, item, report(AdviceMode::Snapshot, 9, dec!(50))), Applied::Stale);
        assert_eq!(l.position(dc, item).unwrap().on_hand, dec!(7));
        // A delta older than the snapshot is already in it.
        assert_eq!(l.apply_report(dc, item, report(AdviceMode::Delta, 8, dec!(3))), Applied::Stale);
        assert_eq!(l.apply_report(dc, item, report(AdviceMode::Delta, 11, dec!(-2))), Applied::Applied);
        assert_eq!(l.position(dc, item).unwrap().on_hand, dec!(5));
    }

    #[test]
    fn an_advice_id_is_seen_once_per_node() {
        let (mut l, dc, store, _) = ledger();
        assert!(l.first_sight(dc, "ADV-1"));
        assert!(!l.first_sight(dc, "ADV-1"));
        assert!(l.first_sight(store, "ADV-1"));
    }

    #[test]
    fn free_stock_respects_safety_stock_and_reservations() {
        let (mut l, _, store, item) = ledger();
        l.apply_report(store, item, report(AdviceMode::Snapshot, 10, dec!(5)));
        l.reserve(store, item, dec!(3));
        let p = l.position(store, item).unwrap();
        assert_eq!((p.safety_stock, p.free_now(), p.shortfall()), (dec!(1), dec!(1), dec!(0)));
        l.apply_report(store, item, report(AdviceMode::Snapshot, 11, dec!(2)));
        let p = l.position(store, item).unwrap();
        assert_eq!((p.free_now(), p.shortfall()), (dec!(0), dec!(2)));
    }

    #[test]
    fn suppliers_report_available_and_own_nodes_on_hand() {
        let (mut l, dc, _, item) = ledger();
        let supplier = NodeIdx(2);
        let both = |mode| Report { available: Some(dec!(4)), ..report(mode, 10, dec!(9)) };
        l.apply_report(dc, item, both(AdviceMode::Snapshot));
        l.apply_report(supplier, item, both(AdviceMode::Snapshot));
        assert_eq!(l.position(dc, item).unwrap().on_hand, dec!(9));
        assert_eq!(l.position(supplier, item).unwrap().on_hand, dec!(4));
        assert_eq!(l.stock_type(supplier), SupplyType::SupplierReported);
    }

    #[test]
    fn snapshots_replace_reported_lots_but_keep_tracked_ones() {
        let (mut l, dc, _, item) = ledger();
        let po = Lot {
            supply: SupplyType::OnOrder,
            quantity: dec!(10),
            eta: Some(day(20)),
            source: LotSource::PurchaseOrder { po_number: "PO1".into(), line_no: "1".into() },
        };
        l.add_lot(dc, item, po.clone());
        let on_order = [FutureSupply { quantity: dec!(5), eta: Some(day(10)) }];
        let first = Report { on_order: &on_order, ..report(AdviceMode::Snapshot, 10, dec!(0)) };
        l.apply_report(dc, item, first);
        assert_eq!(l.position(dc, item).unwrap().lots.len(), 2);
        l.apply_report(dc, item, report(AdviceMode::Snapshot, 11, dec!(0)));
        assert_eq!(l.position(dc, item).unwrap().lots, vec![po]);
    }

    #[test]
    fn earliest_date_walks_lots_in_eta_order_net_of_claims() {
        let (mut l, dc, _, item) = ledger();
        l.apply_report(dc, item, report(AdviceMode::Snapshot, 10, dec!(2)));
        for (q, d) in [(dec!(5), 20), (dec!(3), 10)] {
            let lot = Lot { supply: SupplyType::OnOrder, quantity: q, eta: Some(day(d)), source: LotSource::Advice };
            l.add_lot(dc, item, lot);
        }
        let p = l.position(dc, item).unwrap();
        assert_eq!(p.earliest(dec!(2), day(3), SupplyType::OnHand), Some((day(3), SupplyType::OnHand)));
        assert_eq!(p.earliest(dec!(5), day(3), SupplyType::OnHand), Some((day(10), SupplyType::OnOrder)));
        assert_eq!(p.earliest(dec!(11), day(3), SupplyType::OnHand), None);
        l.claim(dc, item, dec!(4));
        let p = l.position(dc, item).unwrap();
        assert_eq!(p.earliest(dec!(5), day(3), SupplyType::OnHand), Some((day(20), SupplyType::OnOrder)));
        assert_eq!(p.free_by(day(10)), dec!(1));
    }
}
