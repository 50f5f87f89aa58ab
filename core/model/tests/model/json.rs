//! The JSON form: snake_case, decimals as strings, empty optionals omitted, and a round trip
//! through serde_json that loses nothing.

use std::fmt::Debug;

use chrono::{FixedOffset, Timelike};
use crossdock_model::{
    Capability, Document, Envelope, Fulfillment, FulfillmentRequest, FulfillmentUpdate, FunctionalAck, InventoryAdvice,
    Invoice, LineStatus, MatchResult, MatchStatus, Node, NodeKind, OrderStatus, PurchaseOrder, PurchaseOrderAck,
    Purpose, Return, SalesOrder, ShipNotice, ShipmentStatus,
};
use rust_decimal_macros::dec;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Value};

use crate::samples::{envelope, parse, sample, tagged, KINDS};

/// JSON -> `T` -> JSON gives back the same JSON, and `T` -> text -> `T` the same value.
fn assert_round_trips<T: Serialize + DeserializeOwned + PartialEq + Debug>(json: &Value) {
    let typed: T = parse(json);
    assert_eq!(serde_json::to_value(&typed).unwrap(), *json);
    let text = serde_json::to_string(&typed).unwrap();
    assert_eq!(serde_json::from_str::<T>(&text).unwrap(), typed);
}

#[test]
fn every_document_type_round_trips_losslessly() {
    assert_round_trips::<SalesOrder>(&sample("sales_order"));
    assert_round_trips::<PurchaseOrder>(&sample("purchase_order"));
    assert_round_trips::<PurchaseOrderAck>(&sample("purchase_order_ack"));
    assert_round_trips::<ShipNotice>(&sample("ship_notice"));
    assert_round_trips::<Invoice>(&sample("invoice"));
    assert_round_trips::<InventoryAdvice>(&sample("inventory_advice"));
    assert_round_trips::<FulfillmentRequest>(&sample("fulfillment_request"));
    assert_round_trips::<FulfillmentUpdate>(&sample("fulfillment_update"));
    assert_round_trips::<ShipmentStatus>(&sample("shipment_status"));
    assert_round_trips::<FunctionalAck>(&sample("functional_ack"));
    assert_round_trips::<Return>(&sample("return"));
    for kind in KINDS {
        assert_round_trips::<Document>(&tagged(kind, sample(kind)));
        assert_round_trips::<Envelope>(&envelope(tagged(kind, sample(kind))));
    }
}

#[test]
fn nodes_and_match_results_round_trip_losslessly() {
    assert_round_trips::<Node>(&json!({
        "node_id": "STORE-12",
        "kind": "store",
        "name": "Springfield Downtown",
        "address": { "city": "Springfield", "country": "US" },
        "geo": { "lat": "39.7817", "lon": "-89.6501" },
        "capabilities": ["ship", "pickup", "ship_from_store", "returns"],
        "capacity_per_day": 120,
        "cutoff": "15:30:00",
        "handling_cost": "1.25",
        "priority": 2
    }));
    assert_round_trips::<MatchResult>(&json!({
        "po_number": "PO-4500012345",
        "line_no": "1",
        "status": "within_tolerance",
        "ordered_quantity": "12",
        "shipped_quantity": "12",
        "invoiced_quantity": "12",
        "ordered_unit_price": "4.75",
        "invoiced_unit_price": "4.80",
        "reasons": ["unit price +1.05% within 2%"]
    }));
}

#[test]
fn decimals_are_strings_that_keep_their_scale() {
    assert_eq!(serde_json::to_value(dec!(9.25)).unwrap(), json!("9.25"));
    assert_eq!(serde_json::to_value(dec!(10.50)).unwrap(), json!("10.50"));

    let order: SalesOrder = parse(&sample("sales_order"));
    assert_eq!(order.lines[0].quantity, dec!(2));
    assert_eq!(order.lines[0].unit_price.as_ref().unwrap().amount, dec!(9.25));
    let json = serde_json::to_value(&order).unwrap();
    assert_eq!(json["lines"][0]["quantity"], json!("2"));
    assert_eq!(json["lines"][0]["unit_price"]["amount"], json!("9.25"));
    assert_eq!(json["lines"][1]["unit_price"], json!({ "amount": "10.50" }));
}

#[test]
fn fulfillment_is_tagged_by_mode() {
    let pickup = Fulfillment::Pickup { node_id: "STORE-12".into() };
    assert_eq!(serde_json::to_value(&pickup).unwrap(), json!({ "mode": "pickup", "node_id": "STORE-12" }));
    assert_eq!(serde_json::to_value(Fulfillment::Ship).unwrap(), json!({ "mode": "ship" }));
    assert_eq!(
        parse::<Fulfillment>(&json!({ "mode": "pickup", "node_id": "S1" })),
        Fulfillment::Pickup { node_id: "S1".into() }
    );
    assert!(serde_json::from_value::<Fulfillment>(json!({ "mode": "pickup" })).is_err());
}

#[test]
fn documents_carry_their_document_type() {
    for kind in KINDS {
        let document: Document = parse(&tagged(kind, sample(kind)));
        assert_eq!(document.kind(), kind);
        assert_eq!(serde_json::to_value(&document).unwrap()["document_type"], json!(kind));
    }
    let untagged = serde_json::from_value::<Document>(sample("invoice")).unwrap_err();
    assert!(untagged.to_string().contains("document_type"), "{untagged}");
    let unknown = serde_json::from_value::<Document>(tagged("invoyce", sample("invoice"))).unwrap_err();
    assert!(unknown.to_string().contains("unknown variant `invoyce`"), "{unknown}");
}

#[test]
fn envelopes_use_cloudevents_attribute_names() {
    let mut json = envelope(tagged("purchase_order", sample("purchase_order")));
    json.as_object_mut().unwrap().remove("causation_id");
    let wrapped: Envelope = parse(&json);
    assert_eq!(wrapped.event_type, "po.received");
    assert_eq!(wrapped.causation_id, None);
    let out = serde_json::to_value(&wrapped).unwrap();
    let keys: Vec<&str> = out.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "correlation_id",
            "data",
            "id",
            "idempotency_key",
            "schema_version",
            "source",
            "subject",
            "tenant",
            "time",
            "type"
        ]
    );
    assert_eq!(out["data"]["document_type"], json!("purchase_order"));
}

#[test]
fn defaults_are_filled_in_and_empty_optionals_omitted() {
    let minimal = json!({
        "order_id": "SO-1",
        "channel": "api",
        "placed_at": "2024-03-01T10:15:00Z",
        "lines": [{ "line_id": "1", "item": { "sku": "SKU-1" }, "quantity": "1" }]
    });
    let order: SalesOrder = parse(&minimal);
    assert_eq!(order.lines[0].fulfillment, Fulfillment::Ship);
    assert_eq!(order.lines[0].uom.as_str(), "EA");
    assert_eq!(
        serde_json::to_value(&order).unwrap(),
        json!({
            "order_id": "SO-1",
            "channel": "api",
            "placed_at": "2024-03-01T10:15:00Z",
            "priority": 0,
            "lines": [{
                "line_id": "1",
                "item": { "sku": "SKU-1" },
                "quantity": "1",
                "uom": "EA",
                "fulfillment": { "mode": "ship" },
                "allow_substitution": false,
                "status": "received"
            }],
            "status": "received"
        })
    );
}

#[test]
fn enums_are_snake_case() {
    let cases = [
        (serde_json::to_value(OrderStatus::PartiallyShipped), "partially_shipped"),
        (serde_json::to_value(LineStatus::Backordered), "backordered"),
        (serde_json::to_value(NodeKind::Threepl), "threepl"),
        (serde_json::to_value(Capability::ShipFromStore), "ship_from_store"),
        (serde_json::to_value(Capability::DropShip), "drop_ship"),
        (serde_json::to_value(Purpose::Cancellation), "cancellation"),
        (serde_json::to_value(MatchStatus::WithinTolerance), "within_tolerance"),
    ];
    for (value, expected) in cases {
        assert_eq!(value.unwrap(), json!(expected));
    }
}

#[test]
fn timestamps_keep_the_offset_they_came_with() {
    let order: SalesOrder = parse(&sample("sales_order"));
    assert_eq!(order.placed_at.offset(), &FixedOffset::west_opt(5 * 3600).unwrap());
    assert_eq!(order.placed_at.hour(), 10);
    let json = serde_json::to_value(&order).unwrap();
    assert_eq!(json["placed_at"], json!("2024-03-01T10:15:00-05:00"));

    // Partner-local times without a zone stay without one.
    let asn: ShipNotice = parse(&sample("ship_notice"));
    let json = serde_json::to_value(&asn).unwrap();
    assert_eq!(json["shipped_at"], json!("2024-03-04T16:30:00"));
}
