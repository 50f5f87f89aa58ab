//! Orders after sourcing: cancellations, changes, what nodes and carriers report back.

mod common;

use common::*;
use crossdock_broker::sourcing::{Exclusion, Verdict};
use crossdock_broker::{Input, Output};
use crossdock_model::{
    FulfillmentUpdate, FulfillmentUpdateLine, LineStatus, OrderStatus, PurchaseOrderAck, PurchaseOrderAckLine, Purpose,
    ShipNotice, ShipmentStatus, ShippedItem, ShippedOrder, ShippedPack, StatusEvent,
};

fn requests(out: &[Output]) -> Vec<(&str, Purpose, String)> {
    out.iter()
        .filter_map(|o| match o {
            Output::FulfillmentRequested { node_id, request } => {
                Some((node_id.as_str(), request.purpose, request.request_id.clone()))
            }
            Output::PoIssued { node_id, po, .. } => Some((node_id.as_str(), po.purpose, po.po_number.clone())),
            _ => None,
        })
        .collect()
}

fn status(b: &crossdock_broker::Broker, order: &str, line: &str) -> LineStatus {
    b.order(order).unwrap().line(line).unwrap().status
}

fn shipped(request_id: &str, line_no: &str, sku: &str, quantity: i64) -> Input {
    Input::Fulfillment(FulfillmentUpdate {
        request_id: request_id.into(),
        shipment_id: Some(format!("SH-{request_id}")),
        order_ref: None,
        shipped_at: None,
        carrier: None,
        tracking_numbers: vec![format!("1Z{request_id}")],
        parties: vec![],
        references: vec![],
        lines: vec![FulfillmentUpdateLine {
            line_no: line_no.into(),
            item: item(sku),
            ordered_quantity: None,
            shipped_quantity: qty(quantity),
            uom: Default::default(),
            status: None,
        }],
    })
}

fn ack(po: &str, ack_type: &str, lines: &[(&str, &str, i64)]) -> Input {
    Input::PoAck(PurchaseOrderAck {
        po_number: po.into(),
        purpose: Purpose::Original,
        ack_type: ack_type.into(),
        ack_date: None,
        order_date: None,
        seller_order_number: None,
        currency: None,
        parties: vec![],
        references: vec![],
        lines: lines
            .iter()
            .map(|(no, status, q)| PurchaseOrderAckLine {
                line_no: (*no).into(),
                item: Default::default(),
                ordered_quantity: None,
                unit_price: None,
                status: (*status).into(),
                quantity: qty(*q),
                uom: Default::default(),
                ship_date: Some(day("2024-06-05")),
                schedule: vec![],
            })
            .collect(),
        declared_totals: None,
    })
}

fn asn(shipment: &str, po: &str, items: &[(&str, &str, i64)]) -> ShipNotice {
    ShipNotice {
        shipment_id: shipment.into(),
        purpose: Purpose::Original,
        shipped_at: None,
        expected_delivery: Some(day("2024-06-08")),
        carrier: None,
        tracking_numbers: vec![format!("TRK-{shipment}")],
        bill_of_lading: None,
        ship_from: None,
        ship_to: None,
        parties: vec![],
        gross_weight: None,
        package_count: None,
        references: vec![],
        orders: vec![ShippedOrder {
            po_number: po.into(),
            po_date: None,
            ship_to: None,
            references: vec![],
            packs: vec![ShippedPack {
                sscc: None,
                tare: None,
                marks: vec![],
                items: items
                    .iter()
                    .map(|(line_no, sku, q)| ShippedItem {
                        line_no: Some((*line_no).into()),
                        item: item(sku),
                        quantity: qty(*q),
                        uom: Default::default(),
                        ordered_quantity: None,
                        references: vec![],
                    })
                    .collect(),
            }],
        }],
    }
}

fn delivered(shipment: &str) -> Input {
    Input::Status(ShipmentStatus {
        shipment_id: shipment.into(),
        carrier: None,
        references: vec![],
        parties: vec![],
        events: vec![StatusEvent {
            status: "D1".into(),
            reason: None,
            at: None,
            time_zone: None,
            city: None,
            region: None,
            country: None,
        }],
    })
}

#[test]
fn a_dc_order_ships_and_is_delivered() {
    let mut b = broker();
    run(
        &mut b,
        vec![
            stock("DC-EAST", "A1", "2024-06-03T08:00:00-04:00", &[("SKU-1", 10), ("SKU-2", 10)]),
            Input::Order(order("SO-1", vec![line("1", "SKU-1", 2), line("2", "SKU-2", 3)])),
        ],
    );
    let out = run(&mut b, vec![shipped("SO-1-1", "1", "SKU-1", 2)]);
    assert_eq!(status(&b, "SO-1", "1"), LineStatus::Shipped);
    assert_eq!(b.order("SO-1").unwrap().status(), OrderStatus::PartiallyShipped);
    assert!(events(&out).contains(&"order.status_changed"));
    let p = b.position("DC-EAST", "SKU-1").unwrap();
    assert_eq!((p.on_hand, p.reserved), (qty(8), qty(0)), "shipping consumes the reservation");
    run(&mut b, vec![shipped("SO-1-1", "2", "SKU-2", 1)]);
    assert_eq!(status(&b, "SO-1", "2"), LineStatus::Released, "a partial shipment keeps the line open");
    run(&mut b, vec![shipped("SO-1-1", "2", "SKU-2", 2)]);
    assert_eq!(b.order("SO-1").unwrap().status(), OrderStatus::Shipped);
    run(&mut b, vec![delivered("1ZSO-1-1")]);
    assert_eq!(b.order("SO-1").unwrap().status(), OrderStatus::Delivered);
}

#[test]
fn drop_ship_moves_with_the_suppliers_855_856_and_the_carrier() {
    let mut b = broker();
    run(
        &mut b,
        vec![
            stock("SUP-ACME", "846-1", "2024-06-03T06:00:00-04:00", &[("SKU-DS", 40)]),
            Input::Order(order("SO-2", vec![line("1", "SKU-DS", 3)])),
        ],
    );
    assert_eq!(status(&b, "SO-2", "1"), LineStatus::Released);
    run(&mut b, vec![ack("SO-2-1", "AD", &[("1", "IA", 3)])]);
    assert_eq!(status(&b, "SO-2", "1"), LineStatus::Acknowledged);
    // The supplier holds it now: its next 846 will report stock net of our order.
    let p = b.position("SUP-ACME", "SKU-DS").unwrap();
    assert_eq!((p.on_hand, p.reserved), (qty(37), qty(0)));
    run(&mut b, vec![Input::ShipNotice(asn("ASN-9", "SO-2-1", &[("1", "SKU-DS", 3)]))]);
    assert_eq!(status(&b, "SO-2", "1"), LineStatus::Shipped);
    run(&mut b, vec![delivered("TRK-ASN-9")]);
    assert_eq!(b.order("SO-2").unwrap().status(), OrderStatus::Delivered);
    let record = b.order("SO-2").unwrap().line("1").unwrap().allocations[0].clone();
    assert_eq!(record.shipments, vec!["ASN-9".to_string(), "TRK-ASN-9".into()]);
}

#[test]
fn a_supplier_rejection_sources_the_line_elsewhere() {
    let mut b = broker();
    run(
        &mut b,
        vec![
            stock("SUP-ACME", "846-1", "2024-06-03T06:00:00-04:00", &[("SKU-DS", 40)]),
            stock("DC-WEST", "A1", "2024-06-03T06:00:00-04:00", &[("SKU-DS", 5)]),
            Input::Order(order("SO-3", vec![line("1", "SKU-DS", 3)])),
        ],
    );
    assert_eq!(b.order("SO-3").unwrap().line("1").unwrap().allocations[0].node_id.as_ref(), "SUP-ACME");
    let out = run(&mut b, vec![ack("SO-3-1", "RD", &[("1", "IR", 0)])]);
    let d = decision(&out);
    assert_eq!(d.candidate("1", "SUP-ACME").unwrap().verdict, Verdict::Removed { rule: Exclusion::RejectedLine });
    assert_eq!(requests(&out), vec![("DC-WEST", Purpose::Original, "SO-3-2".to_string())]);
    assert_eq!(status(&b, "SO-3", "1"), LineStatus::Released);
    assert_eq!(b.position("SUP-ACME", "SKU-DS").unwrap().reserved, qty(0));
}

#[test]
fn cancellation_rules_before_and_after_release() {
    let mut b = broker();
    run(
        &mut b,
        vec![
            stock("DC-EAST", "A1", "2024-06-03T08:00:00-04:00", &[("SKU-1", 10)]),
            on_order("DC-WEST", "A2", "SKU-9", 0, &[(10, "2024-06-20")]),
            Input::Order(order("SO-4", vec![line("1", "SKU-1", 2), line("2", "SKU-9", 4)])),
        ],
    );
    assert_eq!(status(&b, "SO-4", "2"), LineStatus::Backordered);
    assert_eq!(b.position("DC-WEST", "SKU-9").unwrap().claimed, qty(4));
    // Before release: cancelled here, the claim on future supply is freed, nobody is told.
    let out = run(&mut b, vec![Input::Cancel { order_id: "SO-4".into(), line_ids: vec!["2".into()] }]);
    assert!(requests(&out).is_empty());
    assert_eq!(status(&b, "SO-4", "2"), LineStatus::Cancelled);
    assert_eq!(b.position("DC-WEST", "SKU-9").unwrap().claimed, qty(0));
    // After release: the reservation is freed and the DC gets a cancellation.
    let out = run(&mut b, vec![Input::Cancel { order_id: "SO-4".into(), line_ids: vec![] }]);
    assert_eq!(requests(&out), vec![("DC-EAST", Purpose::Cancellation, "SO-4-1".to_string())]);
    assert!(events(&out).contains(&"fulfillment.cancel_requested"));
    assert_eq!(b.order("SO-4").unwrap().status(), OrderStatus::Cancelled);
    assert_eq!(b.position("DC-EAST", "SKU-1").unwrap().reserved, qty(0));
    // Again: nothing more happens.
    let out = run(&mut b, vec![Input::Cancel { order_id: "SO-4".into(), line_ids: vec![] }]);
    assert!(out.is_empty(), "{out:?}");
}

#[test]
fn shipped_lines_cannot_be_cancelled_and_partly_shipped_ones_close_as_shipped() {
    let mut b = broker();
    run(
        &mut b,
        vec![
            stock("DC-EAST", "A1", "2024-06-03T08:00:00-04:00", &[("SKU-1", 10)]),
            Input::Order(order("SO-5", vec![line("1", "SKU-1", 4)])),
            shipped("SO-5-1", "1", "SKU-1", 1),
        ],
    );
    let out = run(&mut b, vec![Input::Cancel { order_id: "SO-5".into(), line_ids: vec![] }]);
    assert_eq!(requests(&out), vec![("DC-EAST", Purpose::Cancellation, "SO-5-1".to_string())]);
    let line = b.order("SO-5").unwrap().line("1").unwrap().clone();
    assert_eq!((line.status, line.quantity), (LineStatus::Shipped, qty(1)));
    assert_eq!(b.position("DC-EAST", "SKU-1").unwrap().reserved, qty(0));
    let out = run(&mut b, vec![Input::Cancel { order_id: "SO-5".into(), line_ids: vec![] }]);
    assert!(rejections(&out)[0].contains("already shipped"), "{out:?}");
}

#[test]
fn changes_lower_released_lines_and_refuse_to_raise_them() {
    let mut b = broker();
    run(
        &mut b,
        vec![
            stock("DC-EAST", "A1", "2024-06-03T08:00:00-04:00", &[("SKU-1", 10)]),
            Input::Order(order("SO-6", vec![line("1", "SKU-1", 5)])),
        ],
    );
    let change = |q| Input::Change { order_id: "SO-6".into(), line_id: "1".into(), quantity: qty(q) };
    let out = run(&mut b, vec![change(2)]);
    let request = out.iter().find_map(|o| match o {
        Output::FulfillmentRequested { request, .. } => Some(request),
        _ => None,
    });
    let request = request.expect("a change request");
    assert_eq!((request.purpose, request.lines[0].quantity), (Purpose::Change, qty(2)));
    assert_eq!(out.iter().map(Output::event_type).find(|e| e.contains("change")), Some("fulfillment.change_requested"));
    assert_eq!(b.position("DC-EAST", "SKU-1").unwrap().reserved, qty(2));
    let out = run(&mut b, vec![change(7)]);
    assert!(rejections(&out)[0].contains("can only be lowered"), "{out:?}");
    let out = run(&mut b, vec![change(0)]);
    assert!(rejections(&out)[0].contains("above zero"));
}

#[test]
fn a_backordered_line_changes_by_being_sourced_again() {
    let mut b = broker();
    run(
        &mut b,
        vec![
            stock("DC-EAST", "A1", "2024-06-03T08:00:00-04:00", &[("SKU-1", 3)]),
            Input::Order(order("SO-7", vec![line("1", "SKU-1", 5)])),
        ],
    );
    assert_eq!(status(&b, "SO-7", "1"), LineStatus::Backordered);
    let out = run(&mut b, vec![Input::Change { order_id: "SO-7".into(), line_id: "1".into(), quantity: qty(3) }]);
    assert!(events(&out).contains(&"sourcing.decided"));
    assert_eq!(status(&b, "SO-7", "1"), LineStatus::Released);
}

#[test]
fn stock_falling_below_reservations_takes_back_the_least_entitled() {
    let mut b = broker();
    let mut vip = order("SO-VIP", vec![line("1", "SKU-1", 3)]);
    vip.sales_order.priority = 9;
    run(
        &mut b,
        vec![
            stock("DC-EAST", "A1", "2024-06-03T08:00:00-04:00", &[("SKU-1", 6)]),
            stock("DC-WEST", "A2", "2024-06-03T08:00:00-04:00", &[("SKU-1", 5)]),
            Input::Order(vip),
            Input::Order(order("SO-STD", vec![line("1", "SKU-1", 3)])),
        ],
    );
    for o in ["SO-VIP", "SO-STD"] {
        assert_eq!(b.order(o).unwrap().line("1").unwrap().allocations[0].node_id.as_ref(), "DC-EAST");
    }
    // A cycle count finds only 4 at DC-EAST.
    let out = run(&mut b, vec![stock("DC-EAST", "A3", "2024-06-03T12:00:00-04:00", &[("SKU-1", 4)])]);
    let taken = out.iter().find_map(|o| match o {
        Output::InventoryShortage { taken_back, .. } => Some(taken_back.clone()),
        _ => None,
    });
    let taken = taken.expect("a shortage");
    assert_eq!(taken.len(), 1);
    assert_eq!((taken[0].order_id.as_str(), taken[0].quantity), ("SO-STD", qty(2)));
    // DC-EAST is told to ship 1 instead of 3; the other 2 come from DC-WEST.
    let told = requests(&out);
    assert!(told.contains(&("DC-EAST", Purpose::Change, "SO-STD-1".to_string())), "{told:?}");
    assert!(told.contains(&("DC-WEST", Purpose::Original, "SO-STD-2".to_string())), "{told:?}");
    assert_eq!(b.position("DC-EAST", "SKU-1").unwrap().reserved, qty(4));
    assert_eq!(b.order("SO-VIP").unwrap().line("1").unwrap().allocations[0].quantity, qty(3));
}

#[test]
fn bad_input_is_rejected_with_a_reason_never_a_panic() {
    let mut b = broker();
    let mut invalid = order("SO-8", vec![line("1", "SKU-1", 0)]);
    invalid.sales_order.currency = Some("dollars".into());
    let bad_pickup = order("SO-9", vec![pickup("1", "SKU-1", 1, "STORE-NOWHERE")]);
    let mut huge = order("SO-12", vec![line("1", "SKU-1", 1)]);
    huge.sales_order.lines[0].quantity = "100000000000000000000".parse().unwrap();
    let Input::Advice(mut huge_advice) = stock("DC-EAST", "A9", "2024-06-03T08:00:00-04:00", &[("SKU-1", 1)]) else {
        unreachable!()
    };
    huge_advice.positions[0].on_hand = Some("1000000000000000000000000".parse().unwrap());
    let out = run(
        &mut b,
        vec![
            stock("DC-MARS", "A0", "2024-06-03T08:00:00-04:00", &[("SKU-1", 1)]),
            Input::Order(invalid),
            Input::Order(bad_pickup),
            Input::Order(huge),
            Input::Advice(huge_advice),
            Input::Order(order("SO-10", vec![line("1", "SKU-1", 1)])),
            Input::Order(order("SO-10", vec![line("1", "SKU-1", 1)])),
            stock("DC-EAST", "A1", "2024-06-03T08:00:00-04:00", &[("SKU-1", 1)]),
            stock("DC-EAST", "A1", "2024-06-03T08:00:00-04:00", &[("SKU-1", 1)]),
            ack("PO-NOPE", "AD", &[]),
            delivered("NO-SUCH-SHIPMENT"),
            Input::Cancel { order_id: "SO-10".into(), line_ids: vec!["99".into()] },
            Input::Receipt(crossdock_broker::Receipt { node_id: "DC-EAST".into(), shipment_id: None, lines: vec![] }),
        ],
    );
    let reasons = rejections(&out);
    let expect = [
        "DC-MARS",
        "quantity_positive",
        "STORE-NOWHERE",
        "not a believable quantity",
        "not a believable quantity",
        "already received",
        "already applied",
        "unknown purchase order",
        "unknown shipment",
        "no line 99",
        "needs a shipment id or lines",
    ];
    assert_eq!(reasons.len(), expect.len(), "{reasons:#?}");
    for (reason, expected) in reasons.iter().zip(expect) {
        assert!(reason.contains(expected), "{reason} should mention {expected}");
    }
    assert!(reasons[1].contains("currency_code"), "every violation at once: {}", reasons[1]);
}

#[test]
fn inputs_and_outputs_round_trip_as_json() {
    let mut b = broker();
    let inputs = vec![
        stock("DC-EAST", "A1", "2024-06-03T08:00:00-04:00", &[("SKU-1", 10)]),
        stock("SUP-ACME", "846-1", "2024-06-03T06:00:00-04:00", &[("SKU-DS", 40)]),
        Input::Order(order(
            "SO-11",
            vec![line("1", "SKU-1", 2), line("2", "SKU-DS", 1), pickup("3", "SKU-1", 1, "STORE-NYC")],
        )),
        Input::Cancel { order_id: "SO-11".into(), line_ids: vec!["3".into()] },
    ];
    for input in &inputs {
        let json = serde_json::to_string(input).unwrap();
        assert_eq!(&serde_json::from_str::<Input>(&json).unwrap(), input, "{json}");
    }
    let out = run(&mut b, inputs);
    let mut kinds: Vec<&str> = out.iter().map(Output::event_type).collect();
    kinds.sort_unstable();
    kinds.dedup();
    for expected in [
        "sourcing.decided",
        "line.sourced",
        "fulfillment.requested",
        "po.issued",
        "line.status_changed",
        "order.status_changed",
        "inventory.updated",
    ] {
        assert!(kinds.contains(&expected), "{expected} missing from {kinds:?}");
    }
    for o in &out {
        let json = serde_json::to_string(o).unwrap();
        assert_eq!(&serde_json::from_str::<Output>(&json).unwrap(), o, "{json}");
        assert!(!o.subject().is_empty(), "{o:?}");
    }
    let Output::SourcingDecided { decision } = out.iter().find(|o| o.event_type() == "sourcing.decided").unwrap()
    else {
        unreachable!()
    };
    let json = serde_json::to_value(decision).unwrap();
    assert_eq!(json["lines"][0]["attempts"][0]["candidates"][0]["node_id"], "DC-EAST");
    assert_eq!(json["lines"][0]["attempts"][0]["candidates"][0]["verdict"]["verdict"], "ranked");
}
