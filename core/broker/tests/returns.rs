//! Returns: RMAs against shipped lines, goods back at any node by disposition, refunds.

mod common;

use common::*;
use crossdock_broker::{Disposition, Input, Output, RefundLine, ReturnReceivedLine};
use crossdock_model::{FulfillmentUpdate, FulfillmentUpdateLine, LineStatus, Money, OrderStatus, Return, ReturnLine};

fn shipped(request_id: &str, line_no: &str, sku: &str, quantity: i64) -> Input {
    Input::Fulfillment(FulfillmentUpdate {
        request_id: request_id.into(),
        shipment_id: Some(format!("SH-{request_id}-{line_no}")),
        order_ref: None,
        shipped_at: None,
        carrier: None,
        tracking_numbers: vec![],
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

fn rma(number: &str, order_id: &str, to: Option<&str>, lines: &[(&str, &str, i64)]) -> Input {
    Input::Return(Return {
        rma_number: number.into(),
        order_id: order_id.into(),
        requested_at: now(),
        return_to_node: to.map(Into::into),
        lines: lines
            .iter()
            .map(|(line_id, sku, q)| ReturnLine {
                line_id: (*line_id).into(),
                item: item(sku),
                quantity: qty(*q),
                uom: Default::default(),
                reason: None,
                disposition: None,
            })
            .collect(),
    })
}

fn back(number: &str, node: &str, lines: &[(&str, i64, Disposition)]) -> Input {
    Input::ReturnReceived {
        rma_number: number.into(),
        node_id: node.into(),
        lines: lines
            .iter()
            .map(|(line_id, q, disposition)| ReturnReceivedLine {
                line_id: (*line_id).into(),
                quantity: qty(*q),
                disposition: *disposition,
            })
            .collect(),
    }
}

/// SO-1 from DC-EAST: line 1 (3 of SKU-1 at 20.00) fully shipped, line 2 (2 of SKU-2) not yet.
fn shipped_order() -> crossdock_broker::Broker {
    let mut b = broker();
    let mut l1 = line("1", "SKU-1", 3);
    l1.unit_price = Some(Money { amount: "20.00".parse().unwrap(), currency: Some("USD".into()) });
    run(
        &mut b,
        vec![
            stock("DC-EAST", "A1", "2024-06-03T08:00:00-04:00", &[("SKU-1", 10), ("SKU-2", 10)]),
            Input::Order(order("SO-1", vec![l1, line("2", "SKU-2", 2)])),
            shipped("SO-1-1", "1", "SKU-1", 3),
        ],
    );
    assert_eq!(b.order("SO-1").unwrap().line("1").unwrap().status, LineStatus::Shipped);
    b
}

#[test]
fn a_return_to_another_node_restocks_there_and_asks_for_the_refund() {
    let mut b = shipped_order();
    let out = run(&mut b, vec![rma("RMA-1", "SO-1", Some("STORE-NYC"), &[("1", "SKU-1", 2)])]);
    assert_eq!(events(&out), ["return.authorized"]);
    assert_eq!(out[0].subject(), "RMA-1");

    let out = run(&mut b, vec![back("RMA-1", "STORE-NYC", &[("1", 2, Disposition::Restock)])]);
    assert_eq!(events(&out), ["return.received", "refund.requested"]);
    let Output::RefundRequested { order_id, lines, .. } = &out[1] else { panic!("{out:?}") };
    assert_eq!(order_id, "SO-1");
    let price = Money { amount: "20.00".parse().unwrap(), currency: Some("USD".into()) };
    assert_eq!(lines, &[RefundLine { line_id: "1".into(), quantity: qty(2), unit_price: Some(price) }]);
    assert_eq!(b.position("STORE-NYC", "SKU-1").unwrap().on_hand, qty(2), "restocked where it came back");
    assert_eq!(b.position("DC-EAST", "SKU-1").unwrap().on_hand, qty(7));
    let l = b.order("SO-1").unwrap().line("1").unwrap();
    assert_eq!((l.status, l.returned), (LineStatus::Shipped, qty(2)), "partly returned: status stays");
}

#[test]
fn a_fully_returned_line_is_returned_and_damaged_goods_are_not_stock() {
    let mut b = shipped_order();
    let out = run(
        &mut b,
        vec![
            rma("RMA-1", "SO-1", None, &[("1", "SKU-1", 3)]),
            back("RMA-1", "DC-WEST", &[("1", 1, Disposition::Damaged), ("1", 2, Disposition::Restock)]),
        ],
    );
    assert!(rejections(&out).is_empty(), "{out:?}");
    assert!(out
        .iter()
        .any(|o| matches!(o, Output::LineStatusChanged { line_id, to: LineStatus::Returned, .. } if line_id == "1")));
    assert_eq!(b.order("SO-1").unwrap().line("1").unwrap().returned, qty(3));
    assert_eq!(b.position("DC-WEST", "SKU-1").unwrap().on_hand, qty(2), "the damaged unit is not stock");
    assert_ne!(b.order("SO-1").unwrap().status(), OrderStatus::Returned, "line 2 is still open");
}

#[test]
fn returns_beyond_what_shipped_or_off_the_rma_are_rejected() {
    let mut b = shipped_order();
    let out = run(
        &mut b,
        vec![
            rma("RMA-0", "SO-9", None, &[("1", "SKU-1", 1)]),
            rma("RMA-1", "SO-1", None, &[("2", "SKU-2", 1)]),
            rma("RMA-2", "SO-1", None, &[("1", "SKU-1", 4)]),
            rma("RMA-3", "SO-1", None, &[("7", "SKU-1", 1)]),
            rma("RMA-4", "SO-1", None, &[("1", "SKU-1", 2)]),
            rma("RMA-5", "SO-1", None, &[("1", "SKU-1", 2)]),
            back("RMA-4", "DC-EAST", &[("1", 3, Disposition::Restock)]),
            back("RMA-9", "DC-EAST", &[("1", 1, Disposition::Restock)]),
            back("RMA-4", "NOWHERE", &[("1", 1, Disposition::Restock)]),
        ],
    );
    assert_eq!(events(&out).iter().filter(|e| **e == "return.authorized").count(), 1, "only RMA-4");
    assert_eq!(rejections(&out).len(), 8, "{:#?}", rejections(&out));
    assert_eq!(b.position("DC-EAST", "SKU-1").unwrap().on_hand, qty(7), "nothing received");
    let l = b.order("SO-1").unwrap().line("1").unwrap();
    assert_eq!((l.return_authorized, l.returned), (qty(2), qty(0)));
}

#[test]
fn restocked_returns_serve_waiting_backorders() {
    let mut b = shipped_order();
    let out = run(
        &mut b,
        vec![
            stock("DC-EAST", "A2", "2024-06-03T09:00:00-04:00", &[("SKU-1", 0)]),
            Input::Order(order("SO-2", vec![line("1", "SKU-1", 1)])),
        ],
    );
    assert!(events(&out).contains(&"order.backordered"), "{:?}", events(&out));
    run(&mut b, vec![rma("RMA-1", "SO-1", Some("DC-EAST"), &[("1", "SKU-1", 1)])]);
    let out = run(&mut b, vec![back("RMA-1", "DC-EAST", &[("1", 1, Disposition::Restock)])]);
    assert_eq!(b.order("SO-2").unwrap().line("1").unwrap().status, LineStatus::Released, "{:?}", events(&out));
}
