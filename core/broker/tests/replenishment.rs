//! Replenishment: model stock (min/max), POs to the cheapest supplier, transfers from
//! nodes above their own max, projected demand netted against future supply first.

mod common;

use common::*;
use crossdock_broker::{Broker, Input, Output, Receipt};

const STORE_RULE: &str = r#"
[[replenishment]]
node_id = "STORE-NYC"
sku = "SKU-1"
min = "2"
max = "10"
"#;

fn issued(out: &[Output]) -> Vec<(String, String, String)> {
    out.iter()
        .filter_map(|o| match o {
            Output::PoIssued { node_id, po, .. } => {
                Some((node_id.clone(), po.po_number.clone(), po.lines[0].quantity.to_string()))
            }
            Output::FulfillmentRequested { node_id, request } => {
                Some((node_id.clone(), request.request_id.clone(), request.lines[0].quantity.to_string()))
            }
            _ => None,
        })
        .collect()
}

fn t(a: &str, b: &str, c: &str) -> (String, String, String) {
    (a.into(), b.into(), c.into())
}

#[test]
fn below_min_orders_up_to_max_from_the_supplier_and_counts_it_as_on_order() {
    let mut b = Broker::new(network(), rules_with(STORE_RULE));
    run(
        &mut b,
        vec![
            stock("STORE-NYC", "A1", "2024-06-03T08:00:00-04:00", &[("SKU-1", 1)]),
            stock("SUP-ACME", "A2", "2024-06-03T08:00:00-04:00", &[("SKU-1", 100)]),
        ],
    );
    let out = run(&mut b, vec![Input::Replenish]);
    assert_eq!(issued(&out), [t("SUP-ACME", "RPO-1", "10")], "1 on hand - 1 safety stock = 0: up to 10");
    let Some(Output::PoIssued { po, .. }) = out.iter().find(|o| o.event_type() == "po.issued") else { panic!() };
    assert_eq!(po.sales_order_ref, None);
    assert_eq!(b.position("STORE-NYC", "SKU-1").unwrap().lots[0].quantity, qty(10), "on order");
    assert!(issued(&run(&mut b, vec![Input::Replenish])).is_empty(), "on-order supply counts");
}

#[test]
fn a_node_above_its_own_max_transfers_when_it_is_cheaper() {
    let rules =
        format!("{STORE_RULE}\n[[replenishment]]\nnode_id = \"DC-EAST\"\nsku = \"SKU-1\"\nmin = \"5\"\nmax = \"20\"\n");
    let mut b = Broker::new(network(), rules_with(&rules));
    run(
        &mut b,
        vec![
            stock("DC-EAST", "A1", "2024-06-03T08:00:00-04:00", &[("SKU-1", 50)]),
            stock("SUP-ACME", "A2", "2024-06-03T08:00:00-04:00", &[("SKU-1", 100)]),
        ],
    );
    let out = run(&mut b, vec![Input::Replenish]);
    assert_eq!(issued(&out), [t("DC-EAST", "TRF-1", "10")], "DC-EAST is nearer than the supplier");
    let receipt = Receipt { node_id: "STORE-NYC".into(), shipment_id: Some("TRF-1".into()), lines: vec![] };
    run(&mut b, vec![Input::Receipt(receipt)]);
    let p = b.position("STORE-NYC", "SKU-1").unwrap();
    assert_eq!((p.on_hand, p.lots.len()), (qty(10), 0));
}

#[test]
fn backorders_claim_incoming_supply_first() {
    let mut b = Broker::new(network(), rules_with(STORE_RULE));
    run(
        &mut b,
        vec![
            on_order("STORE-NYC", "A1", "SKU-1", 0, &[(5, "2024-06-10")]),
            stock("SUP-ACME", "A2", "2024-06-03T08:00:00-04:00", &[("SKU-1", 0)]),
        ],
    );
    assert!(issued(&run(&mut b, vec![Input::Replenish])).is_empty(), "5 on order is enough");
    run(&mut b, vec![Input::Order(order("SO-1", vec![pickup("1", "SKU-1", 4, "STORE-NYC")]))]);
    assert_eq!(b.position("STORE-NYC", "SKU-1").unwrap().claimed, qty(4));
    let out =
        run(&mut b, vec![stock("SUP-ACME", "A3", "2024-06-03T09:00:00-04:00", &[("SKU-1", 100)]), Input::Replenish]);
    assert_eq!(issued(&out), [t("SUP-ACME", "RPO-1", "10")], "0 - 1 safety + 5 on order - 4 claimed = 0");
}

#[test]
fn nowhere_to_get_it_is_reported() {
    let mut b = Broker::new(network(), rules_with(STORE_RULE));
    let out = run(&mut b, vec![Input::Replenish]);
    assert_eq!(rejections(&out).len(), 1, "{out:?}");
}
