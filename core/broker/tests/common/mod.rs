//! A small network and builders shared by the scenario tests.
#![allow(dead_code)]

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveTime};
use crossdock_broker::{Broker, Input, OrderRequest, Output, RuleSet};
use crossdock_model::{
    AdviceMode, Capability, Fulfillment, FutureSupply, Geo, InventoryAdvice, ItemRef, Node, NodeKind, OrderLine, Party,
    Position, SalesOrder,
};
use rust_decimal::Decimal;

pub fn at(text: &str) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(text).expect("test timestamp")
}

/// Monday 2024-06-03, 10:00 in New York.
pub fn now() -> DateTime<FixedOffset> {
    at("2024-06-03T10:00:00-04:00")
}

pub fn day(text: &str) -> NaiveDate {
    text.parse().expect("test date")
}

pub fn qty(n: i64) -> Decimal {
    Decimal::from(n)
}

pub fn geo(lat: &str, lon: &str) -> Geo {
    Geo { lat: lat.parse().unwrap(), lon: lon.parse().unwrap() }
}

pub fn node(id: &str, kind: NodeKind, g: Geo, capabilities: &[Capability]) -> Node {
    Node {
        node_id: id.into(),
        kind,
        name: Some(format!("{id} name")),
        address: Default::default(),
        geo: Some(g),
        capabilities: capabilities.to_vec(),
        capacity_per_day: Some(100),
        cutoff: Some(NaiveTime::from_hms_opt(16, 0, 0).unwrap()),
        handling_cost: "1.50".parse().unwrap(),
        priority: 0,
        partner_id: None,
    }
}

/// Two DCs, three stores (two ship), a drop-ship supplier and a 3PL.
pub fn network() -> Vec<Node> {
    use Capability::*;
    let mut supplier = node("SUP-ACME", NodeKind::Supplier, geo("39.96", "-83.00"), &[DropShip]);
    supplier.partner_id = Some("ACME".into());
    let mut store = node("STORE-NYC", NodeKind::Store, geo("40.75", "-73.99"), &[Pickup, ShipFromStore]);
    store.handling_cost = "3.00".parse().unwrap();
    vec![
        node("DC-EAST", NodeKind::Dc, geo("40.52", "-74.41"), &[Ship]),
        node("DC-WEST", NodeKind::Dc, geo("39.53", "-119.81"), &[Ship]),
        store,
        node("STORE-BOS", NodeKind::Store, geo("42.36", "-71.06"), &[Pickup, ShipFromStore]),
        node("STORE-CHI", NodeKind::Store, geo("41.88", "-87.63"), &[Pickup]),
        supplier,
        node("TPL-DAL", NodeKind::Threepl, geo("32.78", "-96.80"), &[Ship]),
    ]
}

pub fn rules() -> RuleSet {
    RuleSet::builtin()
}

/// The default rules with some TOML laid over them (`[policy]` keys and the like).
pub fn rules_with(patch: &str) -> RuleSet {
    let mut value: toml::Value = toml::from_str(include_str!("../../../../config/sourcing/default.toml")).unwrap();
    let patch: toml::Value = toml::from_str(patch).unwrap();
    merge(&mut value, patch);
    RuleSet::from_toml(&toml::to_string(&value).unwrap()).unwrap()
}

fn merge(base: &mut toml::Value, patch: toml::Value) {
    match (base, patch) {
        (toml::Value::Table(b), toml::Value::Table(p)) => {
            for (k, v) in p {
                match b.get_mut(&k) {
                    Some(existing) => merge(existing, v),
                    None => {
                        b.insert(k, v);
                    }
                }
            }
        }
        (b, p) => *b = p,
    }
}

pub fn broker() -> Broker {
    Broker::new(network(), rules())
}

pub fn item(sku: &str) -> ItemRef {
    ItemRef { sku: Some(sku.into()), ..ItemRef::default() }
}

pub fn stock(node: &str, advice_id: &str, as_of: &str, positions: &[(&str, i64)]) -> Input {
    Input::Advice(InventoryAdvice {
        node_id: Some(node.into()),
        advice_id: Some(advice_id.into()),
        as_of: at(as_of),
        mode: AdviceMode::Snapshot,
        reporter: None,
        positions: positions
            .iter()
            .map(|(sku, q)| Position {
                item: item(sku),
                location: None,
                uom: Default::default(),
                on_hand: Some(qty(*q)),
                available: None,
                in_transit: vec![],
                on_order: vec![],
            })
            .collect(),
    })
}

pub fn on_order(node: &str, advice_id: &str, sku: &str, on_hand: i64, lots: &[(i64, &str)]) -> Input {
    let Input::Advice(mut advice) = stock(node, advice_id, "2024-06-03T08:00:00-04:00", &[(sku, on_hand)]) else {
        unreachable!()
    };
    advice.positions[0].on_order =
        lots.iter().map(|(q, eta)| FutureSupply { quantity: qty(*q), eta: Some(day(eta)) }).collect();
    Input::Advice(advice)
}

pub fn line(id: &str, sku: &str, quantity: i64) -> OrderLine {
    OrderLine {
        line_id: id.into(),
        item: item(sku),
        quantity: qty(quantity),
        uom: Default::default(),
        unit_price: None,
        fulfillment: Fulfillment::Ship,
        allow_substitution: false,
        substitutes: vec![],
        status: Default::default(),
    }
}

pub fn pickup(id: &str, sku: &str, quantity: i64, store: &str) -> OrderLine {
    OrderLine { fulfillment: Fulfillment::Pickup { node_id: store.into() }, ..line(id, sku, quantity) }
}

/// An order shipping to Manhattan.
pub fn order(id: &str, lines: Vec<OrderLine>) -> OrderRequest {
    OrderRequest {
        sales_order: SalesOrder {
            order_id: id.into(),
            channel: "web".into(),
            external_id: None,
            customer: None,
            ship_to: Some(Party { role: Some("ST".into()), name: Some("Ada".into()), ..Party::default() }),
            bill_to: None,
            placed_at: now(),
            service_level: Some("standard".into()),
            currency: Some("USD".into()),
            priority: 0,
            lines,
            status: Default::default(),
            references: vec![],
        },
        ship_to_geo: Some(geo("40.78", "-73.97")),
    }
}

/// Handles inputs in order at `now()`, checks the invariants after each, returns all outputs.
pub fn run(broker: &mut Broker, inputs: Vec<Input>) -> Vec<Output> {
    let mut all = Vec::new();
    for input in inputs {
        all.extend(broker.handle(input, now()));
        broker.check_invariants().unwrap();
    }
    all
}

pub fn decision(outputs: &[Output]) -> &crossdock_broker::Decision {
    outputs
        .iter()
        .rev()
        .find_map(|o| match o {
            Output::SourcingDecided { decision } => Some(decision),
            _ => None,
        })
        .expect("a sourcing decision")
}

pub fn rejections(outputs: &[Output]) -> Vec<String> {
    outputs
        .iter()
        .filter_map(|o| match o {
            Output::InputRejected { reason, .. } => Some(reason.clone()),
            _ => None,
        })
        .collect()
}

pub fn events(outputs: &[Output]) -> Vec<&'static str> {
    outputs.iter().map(Output::event_type).collect()
}
