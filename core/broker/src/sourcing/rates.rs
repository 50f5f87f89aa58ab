//! Shipping estimates: the hook a carrier connector fills with real rates.

use std::fmt::Debug;

use crossdock_model::Node;
use rust_decimal::Decimal;

use super::rules::RateBand;

/// What a rate is asked for: one line shipped from one node.
#[derive(Debug, Clone, Copy)]
pub struct RateRequest<'a> {
    pub from: &'a Node,
    /// Great-circle distance to the ship-to, when both ends have a geo.
    pub distance_km: Option<f64>,
    pub quantity: Decimal,
    pub service_level: &'a str,
}

/// Estimates what shipping costs. `None` means this node cannot ship the line at all
/// (the candidate is then removed with the `no_rate` rule). Must be deterministic: the
/// broker replays decisions.
pub trait RateEstimator: Debug + Send + Sync {
    fn estimate(&self, request: &RateRequest<'_>) -> Option<Decimal>;

    /// Which requests share one estimate: two requests with the same quantity and service
    /// level whose keys are equal (and not `None`) get the same answer, so sourcing asks
    /// once per key for a line instead of once per node. `None`, the default: every
    /// request is asked.
    fn share_key(&self, request: &RateRequest<'_>) -> Option<u32> {
        let _ = request;
        None
    }
}

/// The default: `base + per_unit * quantity` by distance band, from the rule set's
/// `rates`. An unknown distance is charged as the farthest band.
#[derive(Debug, Clone)]
pub struct RateTable {
    bands: Vec<RateBand>,
}

impl RateTable {
    pub fn new(bands: Vec<RateBand>) -> Self {
        RateTable { bands }
    }
}

impl RateTable {
    /// The band a request is charged by.
    fn band(&self, request: &RateRequest<'_>) -> Option<usize> {
        let last = self.bands.len().checked_sub(1)?;
        Some(match request.distance_km {
            Some(km) => self.bands.iter().position(|b| km <= b.max_km).unwrap_or(last),
            None => last,
        })
    }
}

impl RateEstimator for RateTable {
    fn estimate(&self, request: &RateRequest<'_>) -> Option<Decimal> {
        let band = &self.bands[self.band(request)?];
        Some(band.base + band.per_unit * request.quantity)
    }

    /// The band: the estimate depends on nothing else but the quantity.
    fn share_key(&self, request: &RateRequest<'_>) -> Option<u32> {
        self.band(request).map(|b| b as u32)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crossdock_model::NodeKind;
    use rust_decimal_macros::dec;

    #[test]
    fn the_table_charges_by_band() {
        let table = RateTable::new(vec![
            RateBand { max_km: 100.0, base: dec!(5), per_unit: dec!(0.5) },
            RateBand { max_km: 1000.0, base: dec!(8), per_unit: dec!(1) },
        ]);
        let node = Node {
            node_id: "DC".into(),
            kind: NodeKind::Dc,
            name: None,
            address: Default::default(),
            geo: None,
            capabilities: vec![],
            capacity_per_day: None,
            cutoff: None,
            handling_cost: dec!(0),
            priority: 0,
            partner_id: None,
        };
        let ask = |km| RateRequest { from: &node, distance_km: km, quantity: dec!(2), service_level: "standard" };
        assert_eq!(table.estimate(&ask(Some(50.0))), Some(dec!(6.0)));
        assert_eq!(table.estimate(&ask(Some(500.0))), Some(dec!(10)));
        assert_eq!(table.estimate(&ask(Some(5000.0))), Some(dec!(10)));
        assert_eq!(table.estimate(&ask(None)), Some(dec!(10)));
        assert_eq!(RateTable::new(vec![]).estimate(&ask(None)), None);
        assert_eq!(table.share_key(&ask(Some(50.0))), Some(0));
        assert_eq!(table.share_key(&ask(Some(5000.0))), table.share_key(&ask(None)));
        assert_eq!(RateTable::new(vec![]).share_key(&ask(None)), None);
    }
}
