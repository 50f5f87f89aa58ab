//! Properties over random interleavings of advices, orders, cancels, changes, receipts
//! and safety stock changes:
//! - no unit is promised twice: at every position, reserved <= on hand - safety stock;
//! - the ledger's reserved (and claimed) stock equals the sum of the open reservations
//!   (and backorder claims) of the order book;
//! - replaying the same inputs with the same clocks gives the same outputs.

mod common;

use chrono::Duration;
use common::*;
use crossdock_broker::{Broker, Input, Receipt, ReceiptLine};
use crossdock_model::AdviceMode;
use proptest::prelude::*;

const NODES: [&str; 7] = ["DC-EAST", "DC-WEST", "STORE-NYC", "STORE-BOS", "STORE-CHI", "SUP-ACME", "TPL-DAL"];
const STORES: [&str; 3] = ["STORE-NYC", "STORE-BOS", "STORE-CHI"];
const SKUS: [&str; 4] = ["SKU-A", "SKU-B", "SKU-C", "SKU-D"];

#[derive(Debug, Clone)]
enum Op {
    Advice { node: usize, sku: usize, quantity: i64, delta: bool, hours_ago: i64, on_order: Option<i64> },
    Order { lines: Vec<(usize, i64, Option<usize>)>, priority: i32, substitute: bool },
    Cancel { order: usize, line: Option<usize> },
    Change { order: usize, quantity: i64 },
    Receipt { node: usize, sku: usize, quantity: i64 },
    SafetyStock { node: usize, sku: usize, quantity: i64 },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0..7usize, 0..4usize, -3..25i64, any::<bool>(), 0..6i64, proptest::option::of(1..10i64)).prop_map(
            |(node, sku, quantity, delta, hours_ago, on_order)| Op::Advice { node, sku, quantity, delta, hours_ago, on_order }
        ),
        4 => (proptest::collection::vec((0..4usize, 1..7i64, proptest::option::weighted(0.2, 0..3usize)), 1..4), 0..3i32, any::<bool>())
            .prop_map(|(lines, priority, substitute)| Op::Order { lines, priority, substitute }),
        2 => (0..12usize, proptest::option::of(0..3usize)).prop_map(|(order, line)| Op::Cancel { order, line }),
        1 => (0..12usize, 1..6i64).prop_map(|(order, quantity)| Op::Change { order, quantity }),
        2 => (0..7usize, 0..4usize, 1..10i64).prop_map(|(node, sku, quantity)| Op::Receipt { node, sku, quantity }),
        1 => (0..7usize, 0..4usize, 0..4i64).prop_map(|(node, sku, quantity)| Op::SafetyStock { node, sku, quantity }),
    ]
}

/// The inputs, each with the clock it is handled at (a minute apart).
fn inputs(ops: &[Op]) -> Vec<(Input, chrono::DateTime<chrono::FixedOffset>)> {
    let mut orders = 0;
    ops.iter()
        .enumerate()
        .map(|(i, op)| {
            let at = now() + Duration::minutes(i as i64);
            let input = match op {
                Op::Advice { node, sku, quantity, delta, hours_ago, on_order } => {
                    let as_of = (at - Duration::hours(*hours_ago)).to_rfc3339();
                    let input = match on_order {
                        Some(q) => on_order_at(NODES[*node], &format!("ADV-{i}"), SKUS[*sku], (*quantity).max(0), *q),
                        None => stock(NODES[*node], &format!("ADV-{i}"), &as_of, &[(SKUS[*sku], *quantity)]),
                    };
                    let Input::Advice(mut advice) = input else { unreachable!() };
                    if *delta {
                        advice.mode = AdviceMode::Delta;
                    } else if let Some(p) = advice.positions.first_mut() {
                        p.on_hand = p.on_hand.map(|q| q.max(qty(0)));
                    }
                    advice.as_of = chrono::DateTime::parse_from_rfc3339(&as_of).unwrap();
                    Input::Advice(advice)
                }
                Op::Order { lines, priority, substitute } => {
                    orders += 1;
                    let lines = lines
                        .iter()
                        .enumerate()
                        .map(|(k, (sku, q, store))| {
                            let mut l = match store {
                                Some(s) => pickup(&k.to_string(), SKUS[*sku], *q, STORES[*s]),
                                None => line(&k.to_string(), SKUS[*sku], *q),
                            };
                            l.allow_substitution = *substitute;
                            l.substitutes = vec![item(SKUS[(*sku + 1) % SKUS.len()])];
                            l
                        })
                        .collect();
                    let mut o = order(&format!("O{orders}"), lines);
                    o.sales_order.priority = *priority;
                    o.sales_order.placed_at = at;
                    Input::Order(o)
                }
                Op::Cancel { order, line } => Input::Cancel {
                    order_id: format!("O{}", order + 1),
                    line_ids: line.iter().map(|l| l.to_string()).collect(),
                },
                Op::Change { order, quantity } => {
                    Input::Change { order_id: format!("O{}", order + 1), line_id: "0".into(), quantity: qty(*quantity) }
                }
                Op::Receipt { node, sku, quantity } => Input::Receipt(Receipt {
                    node_id: NODES[*node].into(),
                    shipment_id: None,
                    lines: vec![ReceiptLine { item: item(SKUS[*sku]), quantity: qty(*quantity) }],
                }),
                Op::SafetyStock { node, sku, quantity } => Input::SafetyStock {
                    node_id: NODES[*node].into(),
                    sku: SKUS[*sku].into(),
                    quantity: qty(*quantity),
                },
            };
            (input, at)
        })
        .collect()
}

fn on_order_at(node: &str, id: &str, sku: &str, on_hand: i64, quantity: i64) -> Input {
    on_order(node, id, sku, on_hand, &[(quantity, "2024-06-20")])
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn no_unit_is_promised_twice_and_replays_are_identical(ops in proptest::collection::vec(op(), 1..40)) {
        let inputs = inputs(&ops);
        let mut first = Broker::new(network(), rules());
        let mut outputs = Vec::new();
        for (input, at) in inputs.clone() {
            outputs.push(first.handle(input, at));
            if let Err(broken) = first.check_invariants() {
                return Err(TestCaseError::fail(format!("after {} inputs: {broken}", outputs.len())));
            }
        }
        let mut second = Broker::new(network(), rules());
        for (k, (input, at)) in inputs.into_iter().enumerate() {
            let replayed = second.handle(input, at);
            prop_assert_eq!(&replayed, &outputs[k], "input {} gave other outputs on replay", k);
            prop_assert_eq!(serde_json::to_string(&replayed).unwrap(), serde_json::to_string(&outputs[k]).unwrap());
        }
    }
}

#[test]
fn a_count_below_reservations_is_taken_back_at_once() {
    let mut b = broker();
    run(
        &mut b,
        vec![
            stock("DC-EAST", "A1", "2024-06-03T08:00:00-04:00", &[("SKU-A", 5)]),
            Input::Order(order("O1", vec![line("0", "SKU-A", 5)])),
        ],
    );
    let p = b.position("DC-EAST", "SKU-A").unwrap();
    assert_eq!((p.reserved, p.promisable(), p.free_now()), (qty(5), qty(5), qty(0)));
    b.handle(stock("DC-EAST", "A2", "2024-06-03T09:00:00-04:00", &[("SKU-A", 2)]), now());
    let p = b.position("DC-EAST", "SKU-A").unwrap();
    assert_eq!((p.reserved, p.shortfall()), (qty(2), qty(0)));
    b.check_invariants().unwrap();
}
