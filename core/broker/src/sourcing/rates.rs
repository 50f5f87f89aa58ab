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

impl RateEstimator for RateTable {
    fn estimate(&self, request: &RateRequest<'_>) -> Option<Decimal> {
        let band = match request.distance_km {
            Some(km) => self.bands.iter().find(|b| km <= b.max_km).or(self.bands.last()),
            None => self.bands.last(),
        }?;
        Some(band.base + band.per_unit * request.quantity)
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
    }
}
