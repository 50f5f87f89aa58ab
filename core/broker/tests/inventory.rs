//! Supply: advices, replenishment POs and their 855/856, receipts, and ATP.

mod common;

use common::*;
use crossdock_broker::{AtpQuery, Input, Near, Output, Receipt, SupplyType};
use crossdock_model::{
    AdviceMode, LineStatus, Party, PurchaseOrder, PurchaseOrderAck, PurchaseOrderAckLine, PurchaseOrderLine, Purpose,
    Reference, ScheduledQuantity, ShipNotice, ShippedItem, ShippedOrder, ShippedPack,
};

fn updated(out: &[Output]) -> Vec<(u32, Vec<String>)> {
    out.iter()
        .filter_map(|o| match o {
            Output::InventoryUpdated { applied, skipped, .. } => {
                Some((*applied, skipped.iter().map(|s| format!("{}: {}", s.sku, s.reason)).collect()))
            }
            _ => None,
        })
        .collect()
}

#[test]
fn snapshots_and_deltas_keep_the_newest_figure_and_count_once() {
    let mut b = broker();
    let delta = |id: &str, at: &str, q: i64| {
        let Input::Advice(mut a) = stock("DC-EAST", id, at, &[("SKU-1", q)]) else { unreachable!() };
        a.mode = AdviceMode::Delta;
        Input::Advice(a)
    };
    let out = run(
        &mut b,
        vec![
            stock("DC-EAST", "S2", "2024-06-03T09:00:00-04:00", &[("SKU-1", 10)]),
            stock("DC-EAST", "S1", "2024-06-03T07:00:00-04:00", &[("SKU-1", 99)]),
            delta("D1", "2024-06-03T09:30:00-04:00", -3),
            delta("D1", "2024-06-03T09:30:00-04:00", -3),
            delta("D0", "2024-06-03T08:30:00-04:00", -5),
        ],
    );
    assert_eq!(b.position("DC-EAST", "SKU-1").unwrap().on_hand, qty(7));
    let u = updated(&out);
    assert_eq!(u[1].1, vec!["SKU-1: older than the snapshot already applied".to_string()]);
    assert_eq!(rejections(&out), vec!["advice D1 was already applied".to_string()]);
    assert_eq!(u.last().unwrap().0, 0, "a delta older than the snapshot is in it already");
    let p = b.position("DC-EAST", "SKU-1").unwrap();
    assert_eq!((p.source.as_deref(), p.as_of), (Some("D1"), Some(at("2024-06-03T09:30:00-04:00"))));
}

#[test]
fn safety_stock_holds_units_back_and_can_be_set_per_position() {
    let mut b = broker();
    run(&mut b, vec![stock("STORE-NYC", "A1", "2024-06-03T08:00:00-04:00", &[("SKU-1", 5)])]);
    assert_eq!(b.position("STORE-NYC", "SKU-1").unwrap().free_now(), qty(4), "stores keep 1 by default");
    let set = Input::SafetyStock { node_id: "STORE-NYC".into(), sku: "SKU-1".into(), quantity: qty(3) };
    run(&mut b, vec![set]);
    assert_eq!(b.position("STORE-NYC", "SKU-1").unwrap().free_now(), qty(2));
}

fn replenishment(po_number: &str, node: &str, sku: &str, quantity: i64, delivery: &str) -> PurchaseOrder {
    PurchaseOrder {
        po_number: po_number.into(),
        purpose: Purpose::Original,
        order_type: Some("SA".into()),
        release_number: None,
        buyer: None,
        seller: None,
        ship_to: Some(Party {
            role: Some("ST".into()),
            id: Some(Reference { qualifier: "92".into(), value: node.into(), description: None }),
            ..Party::default()
        }),
        bill_to: None,
        parties: vec![],
        order_date: day("2024-06-01"),
        requested_ship_date: None,
        requested_delivery_date: Some(day(delivery)),
        dates: vec![],
        currency: None,
        terms: None,
        carrier: None,
        fob: None,
        contacts: vec![],
        references: vec![],
        notes: vec![],
        lines: vec![PurchaseOrderLine {
            line_no: "1".into(),
            item: item(sku),
            quantity: qty(quantity),
            uom: Default::default(),
            unit_price: None,
            price_basis: None,
            pack: None,
            destinations: vec![],
            requested_ship_date: None,
            dates: vec![],
            references: vec![],
            notes: vec![],
        }],
        declared_totals: None,
        sales_order_ref: None,
    }
}

#[test]
fn a_replenishment_po_is_on_order_then_in_transit_then_on_hand() {
    let mut b = broker();
    let q = |by: Option<&str>| AtpQuery { sku: "SKU-NEW".into(), quantity: Some(qty(4)), by: by.map(day), near: None };
    run(&mut b, vec![Input::PurchaseOrder(replenishment("PO-77", "DC-EAST", "SKU-NEW", 20, "2024-06-15"))]);
    let atp = b.atp(&q(Some("2024-06-16")), now());
    assert_eq!((atp.total.on_order, atp.total.available_now, atp.total.available_by), (qty(20), qty(0), Some(qty(20))));
    assert_eq!(atp.nodes[0].earliest.map(|e| (e.date, e.supply)), Some((day("2024-06-15"), SupplyType::OnOrder)));

    // An order now is promised that supply.
    run(&mut b, vec![Input::Order(order("SO-1", vec![line("1", "SKU-NEW", 4)]))]);
    assert_eq!(b.order("SO-1").unwrap().line("1").unwrap().status, LineStatus::Backordered);

    // The vendor confirms 18, for the 12th.
    let ack = PurchaseOrderAck {
        po_number: "PO-77".into(),
        purpose: Purpose::Original,
        ack_type: "AC".into(),
        ack_date: None,
        order_date: None,
        seller_order_number: None,
        currency: None,
        parties: vec![],
        references: vec![],
        lines: vec![PurchaseOrderAckLine {
            line_no: "1".into(),
            item: item("SKU-NEW"),
            ordered_quantity: Some(qty(20)),
            unit_price: None,
            status: "IQ".into(),
            quantity: qty(18),
            uom: Default::default(),
            ship_date: Some(day("2024-06-10")),
            schedule: vec![ScheduledQuantity {
                quantity: qty(18),
                uom: Default::default(),
                qualifier: Some("067".into()),
                date: day("2024-06-12"),
            }],
        }],
        declared_totals: None,
    };
    run(&mut b, vec![Input::PoAck(ack)]);
    let p = b.position("DC-EAST", "SKU-NEW").unwrap();
    assert_eq!((p.incoming(SupplyType::OnOrder), p.lots[0].eta), (qty(18), Some(day("2024-06-12"))));

    // It ships: 18 in transit, due on the 8th.
    let notice = ShipNotice {
        shipment_id: "ASN-1".into(),
        purpose: Purpose::Original,
        shipped_at: None,
        expected_delivery: Some(day("2024-06-08")),
        carrier: None,
        tracking_numbers: vec![],
        bill_of_lading: None,
        ship_from: None,
        ship_to: None,
        parties: vec![],
        gross_weight: None,
        package_count: None,
        references: vec![],
        orders: vec![ShippedOrder {
            po_number: "PO-77".into(),
            po_date: None,
            ship_to: None,
            references: vec![],
            packs: vec![ShippedPack {
                sscc: Some("00012345".into()),
                tare: None,
                marks: vec![],
                items: vec![ShippedItem {
                    line_no: Some("1".into()),
                    item: item("SKU-NEW"),
                    quantity: qty(18),
                    uom: Default::default(),
                    ordered_quantity: None,
                    references: vec![],
                }],
            }],
        }],
    };
    run(&mut b, vec![Input::ShipNotice(notice)]);
    let p = b.position("DC-EAST", "SKU-NEW").unwrap();
    assert_eq!((p.incoming(SupplyType::OnOrder), p.incoming(SupplyType::InTransit)), (qty(0), qty(18)));

    // Received: on hand, and the backorder is released at once.
    let out = run(
        &mut b,
        vec![Input::Receipt(Receipt { node_id: "DC-EAST".into(), shipment_id: Some("ASN-1".into()), lines: vec![] })],
    );
    let p = b.position("DC-EAST", "SKU-NEW").unwrap();
    assert_eq!(
        (p.on_hand, p.incoming(SupplyType::InTransit), p.reserved, p.claimed),
        (qty(18), qty(0), qty(4), qty(0))
    );
    assert!(events(&out).contains(&"fulfillment.requested"));
    assert_eq!(b.order("SO-1").unwrap().line("1").unwrap().status, LineStatus::Released);
}

#[test]
fn where_can_i_get_three_near_this_store_and_by_when() {
    let mut b = broker();
    run(
        &mut b,
        vec![
            stock("STORE-BOS", "A1", "2024-06-03T08:00:00-04:00", &[("SKU-1", 9)]),
            stock("DC-WEST", "A2", "2024-06-03T08:00:00-04:00", &[("SKU-1", 50)]),
            on_order("STORE-NYC", "A3", "SKU-1", 2, &[(6, "2024-06-07")]),
            stock("SUP-ACME", "846", "2024-06-03T08:00:00-04:00", &[("SKU-1", 100)]),
        ],
    );
    let query = AtpQuery {
        sku: "SKU-1".into(),
        quantity: Some(qty(3)),
        by: Some(day("2024-06-10")),
        near: Some(Near::Node("STORE-NYC".into())),
    };
    let atp = b.atp(&query, now());
    let order: Vec<(&str, Option<chrono::NaiveDate>)> =
        atp.nodes.iter().map(|n| (&*n.node_id, n.earliest.map(|e| e.date))).collect();
    // In stock today, nearest first; then the store itself, once its order arrives.
    assert_eq!(
        order,
        vec![
            ("STORE-BOS", Some(day("2024-06-03"))),
            ("SUP-ACME", Some(day("2024-06-03"))),
            ("DC-WEST", Some(day("2024-06-03"))),
            ("STORE-NYC", Some(day("2024-06-07"))),
        ]
    );
    let nyc = &atp.nodes[3];
    assert_eq!(
        (nyc.breakdown.on_hand, nyc.breakdown.safety_stock, nyc.breakdown.available_now),
        (qty(2), qty(1), qty(1))
    );
    assert_eq!((nyc.breakdown.on_order, nyc.breakdown.available_by), (qty(6), Some(qty(7))));
    assert!(nyc.distance_km.unwrap() < 1.0);
    assert_eq!(atp.nodes[1].breakdown.supplier_reported, qty(100));
    assert_eq!(atp.total.on_hand, qty(61));
    assert_eq!(atp.total.supplier_reported, qty(100));
    assert_eq!(b.atp(&AtpQuery { sku: "NOPE".into(), quantity: None, by: None, near: None }, now()).nodes.len(), 0);
    let json = serde_json::to_string(&atp).unwrap();
    assert_eq!(serde_json::from_str::<crossdock_broker::Atp>(&json).unwrap(), atp);
}
