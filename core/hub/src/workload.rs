//! A synthetic, reproducible workload over a hub's network, for `crossdock load` and the
//! distributed fault tests: stock for every node, then orders of every kind the broker
//! fulfils (ship from a DC, a constrained item wanted by more orders than there are
//! units, pick-up at a store, a 3PL item, drop-ship from a supplier, an order that splits
//! between a DC and a supplier). The same arguments give the same messages.

use chrono::{DateTime, FixedOffset};
use crossdock_model::{Envelope, NodeKind, SCHEMA_VERSION};
use serde_json::{json, Value};

use crate::config::HubConfig;

/// Ship-to addresses with coordinates, so that distance ranks the candidates.
const SHIP_TO: [(&str, &str, &str, &str, &str); 4] = [
    ("Boston", "MA", "02108", "42.3575", "-71.0636"),
    ("Denver", "CO", "80202", "39.7525", "-104.9995"),
    ("Atlanta", "GA", "30303", "33.7537", "-84.3863"),
    ("Seattle", "WA", "98101", "47.6101", "-122.3421"),
];

/// Items the DCs stock in depth; the constrained item; the pick-up item; the 3PL's item;
/// the drop-ship items (one per supplier of the demo network).
const DC_ITEMS: [&str; 4] = ["STOVE-1", "LANTERN-LED", "CHAIR-CAMP", "BAG-20F"];
const CONSTRAINED: &str = "TENT-2P";
const PICKUP_ITEM: &str = "LANTERN-LED";
const THREEPL_ITEM: &str = "COOLER-45";
const DROP_SHIP_ITEMS: [&str; 2] = ["GRILL-PRO", "KAYAK-10"];

/// What the load sends: stock first, then the orders.
pub struct Workload {
    pub stock: Vec<Envelope<Value>>,
    pub orders: Vec<Envelope<Value>>,
    /// Units of the constrained item in the whole network: fewer than the orders want,
    /// so that promising a unit twice would show.
    pub constrained_units: u64,
}

/// The hub's network made to take `orders` orders in one day: every node's daily capacity
/// raised to at least three lines per order, so that the load measures the pipeline and
/// not the capacity cut-off of a demo store.
pub fn scaled_for_load(mut config: HubConfig, orders: usize) -> HubConfig {
    let lines = u32::try_from(orders.saturating_mul(3)).unwrap_or(u32::MAX);
    for node in &mut config.nodes {
        node.capacity_per_day = node.capacity_per_day.map(|capacity| capacity.max(lines));
    }
    config
}

/// `orders` orders (ids `{prefix}-{n}`) and the stock to serve them on `config`'s network.
pub fn workload(config: &HubConfig, orders: usize, prefix: &str, now: DateTime<FixedOffset>) -> Workload {
    let deep = (orders as u64).max(10) * 3;
    let mut constrained_units = 0;
    let mut stock = Vec::new();
    for node in &config.nodes {
        let items: Vec<(&str, u64)> = match node.kind {
            NodeKind::Dc => {
                let tents = (orders as u64 / 40).max(1);
                constrained_units += tents;
                DC_ITEMS.iter().map(|sku| (*sku, deep)).chain([(CONSTRAINED, tents)]).collect()
            }
            NodeKind::Store => vec![(PICKUP_ITEM, deep)],
            NodeKind::Threepl => vec![(THREEPL_ITEM, deep)],
            NodeKind::Supplier => DROP_SHIP_ITEMS.iter().map(|sku| (*sku, deep)).collect(),
        };
        if items.is_empty() {
            continue;
        }
        let positions: Vec<Value> = items
            .iter()
            .map(|(sku, units)| {
                json!({"item": {"sku": sku}, "uom": "EA", "on_hand": units.to_string(), "available": units.to_string()})
            })
            .collect();
        let advice = json!({
            "document_type": "inventory_advice",
            "node_id": node.node_id,
            "advice_id": format!("{prefix}-stock-{}", node.node_id),
            "as_of": now,
            "mode": "snapshot",
            "positions": positions,
        });
        stock.push(envelope(config, &format!("{prefix}-stock-{}", node.node_id), "inventory.received", now, advice));
    }
    let stores: Vec<&str> =
        config.nodes.iter().filter(|n| n.kind == NodeKind::Store).map(|n| n.node_id.as_str()).collect();
    let orders = (0..orders)
        .map(|n| envelope(config, &format!("{prefix}-{n}"), "order.received", now, order(n, prefix, &stores, now)))
        .collect();
    Workload { stock, orders, constrained_units }
}

/// Order `n`: its kind by `n % 20`, its ship-to and quantities by `n` too.
fn order(n: usize, prefix: &str, stores: &[&str], now: DateTime<FixedOffset>) -> Value {
    let line = |id: usize, sku: &str, quantity: usize| {
        json!({"line_id": id.to_string(), "item": {"sku": sku}, "quantity": quantity.to_string(), "uom": "EA",
               "unit_price": {"amount": "19.99", "currency": "USD"}})
    };
    let dc_line = |id: usize| line(id, DC_ITEMS[(n + id) % DC_ITEMS.len()], 1 + (n + id) % 2);
    let lines: Vec<Value> = match n % 20 {
        0..=11 => (1..=1 + n % 3).map(dc_line).collect(),
        12 | 13 => vec![line(1, CONSTRAINED, 1), dc_line(2)],
        14 | 15 if !stores.is_empty() => {
            let mut pickup = line(1, PICKUP_ITEM, 1);
            pickup["fulfillment"] = json!({"mode": "pickup", "node_id": stores[n % stores.len()]});
            vec![pickup]
        }
        16 => vec![line(1, THREEPL_ITEM, 1)],
        17 | 18 => vec![line(1, DROP_SHIP_ITEMS[n % 2], 1)],
        _ => vec![dc_line(1), line(2, DROP_SHIP_ITEMS[n % 2], 1)],
    };
    let (city, region, postal_code, lat, lon) = SHIP_TO[n % SHIP_TO.len()];
    json!({
        "sales_order": {
            "order_id": format!("{prefix}-{n}"),
            "channel": "web",
            "ship_to": {"role": "ST", "name": format!("Customer {n}"),
                        "address": {"lines": [format!("{} Main St", 1 + n % 900)], "city": city, "region": region,
                                    "postal_code": postal_code, "country": "US"}},
            "placed_at": now,
            "service_level": "standard",
            "currency": "USD",
            "priority": 0,
            "lines": lines,
        },
        "ship_to_geo": {"lat": lat, "lon": lon},
    })
}

fn envelope(
    config: &HubConfig,
    id: &str,
    event_type: &str,
    now: DateTime<FixedOffset>,
    data: Value,
) -> Envelope<Value> {
    Envelope {
        id: id.to_string(),
        event_type: event_type.to_string(),
        source: "crossdock/load".to_string(),
        subject: id.to_string(),
        time: now,
        correlation_id: id.to_string(),
        causation_id: None,
        idempotency_key: id.to_string(),
        tenant: config.tenant.clone(),
        schema_version: SCHEMA_VERSION,
        data,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::BrokerHandler;
    use crossdock_runtime::Handler;

    /// Every message of the workload is taken by the broker, and every kind of order in
    /// it is fulfilled the way it is meant to be (the load's figures rest on this).
    #[test]
    fn the_broker_takes_every_message_and_fulfils_every_kind_of_order() {
        let demo = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config/demo/hub.toml");
        let config = scaled_for_load(HubConfig::load(&demo).unwrap(), 200);
        let now = DateTime::parse_from_rfc3339("2026-11-21T10:00:00-05:00").unwrap();
        let load = workload(&config, 200, "t", now);
        let mut handler = BrokerHandler::new(&config);
        let mut types = std::collections::BTreeMap::<String, usize>::new();
        for message in load.stock.iter().chain(&load.orders) {
            for out in handler.handle(message, now).unwrap_or_else(|e| panic!("{}: {e}", message.id)) {
                *types.entry(out.event_type).or_default() += 1;
            }
        }
        assert_eq!(types.get("sourcing.decided"), Some(&200), "{types:?}");
        assert!(types.get("po.issued").is_some_and(|&n| n >= 20), "drop-ship POs: {types:?}");
        assert!(types.get("fulfillment.requested").is_some_and(|&n| n >= 150), "{types:?}");
        assert!(types.contains_key("order.backordered"), "the constrained item runs out: {types:?}");
        handler.broker().check_invariants().unwrap();
    }
}
