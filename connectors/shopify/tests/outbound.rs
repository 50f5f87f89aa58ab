//! Shipments to Shopify: a canonical fulfillment update becomes `fulfillmentCreate` calls
//! on the order's open fulfillment orders, against the fake Shopify.

mod common;

use chrono::DateTime;
use common::{FakeShopify, Reply};
use crossdock_connector::{Domain, OutboundConnector};
use crossdock_model::{
    AdviceMode, Carrier, Document, Envelope, FulfillmentUpdate, FulfillmentUpdateLine, InventoryAdvice, ItemRef,
    Position, Reference, Uom,
};
use crossdock_shopify::admin::AdminClient;
use crossdock_shopify::outbound::ShopifyOutbound;
use crossdock_shopify::{Secret, ShopifyConfig};
use serde_json::{json, Value};

fn envelope(data: Document) -> Envelope {
    Envelope {
        id: "e1".into(),
        event_type: "command".into(),
        source: "broker".into(),
        subject: "s".into(),
        time: DateTime::parse_from_rfc3339("2024-03-02T10:00:00Z").unwrap(),
        correlation_id: "c".into(),
        causation_id: None,
        idempotency_key: "e1".into(),
        tenant: "default".into(),
        schema_version: 1,
        data,
    }
}

fn shipment(lines: &[(&str, u32)]) -> Envelope {
    let update = FulfillmentUpdate {
        request_id: "FR-1".into(),
        shipment_id: Some("SH-1".into()),
        order_ref: Some("SHOPIFY-450789469".into()),
        shipped_at: None,
        carrier: Some(Carrier { code: Some("UPS".into()), ..Carrier::default() }),
        tracking_numbers: vec!["1Z2345".into()],
        parties: vec![],
        references: vec![],
        lines: lines
            .iter()
            .map(|(line, quantity)| FulfillmentUpdateLine {
                line_no: line.to_string(),
                item: ItemRef::default(),
                ordered_quantity: None,
                shipped_quantity: (*quantity).into(),
                uom: Uom::each(),
                status: None,
            })
            .collect(),
    };
    envelope(Document::FulfillmentUpdate(update))
}

fn fulfillment_orders(remaining: u64) -> Reply {
    let line = |id: u64, item: u64| {
        json!({ "id": format!("gid://shopify/FulfillmentOrderLineItem/{id}"), "remainingQuantity": remaining,
                "lineItem": { "id": format!("gid://shopify/LineItem/{item}") } })
    };
    Reply::data(
        json!({ "order": { "fulfillmentOrders": { "nodes": [
            { "id": "gid://shopify/FulfillmentOrder/1", "status": "CLOSED", "lineItems": { "nodes": [line(10, 466157049)] } },
            { "id": "gid://shopify/FulfillmentOrder/2", "status": "OPEN", "lineItems": { "nodes": [line(20, 466157049), line(21, 518995019)] } },
        ]}}}),
        12.0,
        1988.0,
        100.0,
    )
}

fn created(user_errors: Value) -> Reply {
    let fulfillment = if user_errors.as_array().unwrap().is_empty() {
        json!({ "id": "gid://shopify/Fulfillment/255858046", "status": "SUCCESS" })
    } else {
        Value::Null
    };
    Reply::data(
        json!({ "fulfillmentCreate": { "fulfillment": fulfillment, "userErrors": user_errors } }),
        10.0,
        1990.0,
        100.0,
    )
}

fn outbound(fake: &FakeShopify) -> ShopifyOutbound {
    let mut config = ShopifyConfig::new("crossdock-test.myshopify.com");
    config.locations.insert("487838322".into(), "DC-EAST".into());
    ShopifyOutbound::new(&config, AdminClient::new(&fake.base_url, Secret::new("shpat_test"), None).unwrap())
}

#[tokio::test]
async fn a_shipment_becomes_a_fulfillment_with_tracking_on_the_open_fulfillment_order() {
    let fake = FakeShopify::start(vec![fulfillment_orders(1), created(json!([]))]).await;
    let delivered = outbound(&fake).deliver(&shipment(&[("466157049", 1)])).await.unwrap();
    assert_eq!(delivered.partner_ref.as_deref(), Some("gid://shopify/Fulfillment/255858046"));
    let requests = fake.requests();
    assert_eq!(requests[0]["variables"]["id"], "gid://shopify/Order/450789469");
    let input = &requests[1]["variables"]["fulfillment"];
    assert_eq!(
        input["lineItemsByFulfillmentOrder"],
        json!([{ "fulfillmentOrderId": "gid://shopify/FulfillmentOrder/2",
                 "fulfillmentOrderLineItems": [{ "id": "gid://shopify/FulfillmentOrderLineItem/20", "quantity": 1 }] }])
    );
    assert_eq!(input["trackingInfo"]["company"], "UPS");
    assert_eq!(input["trackingInfo"]["numbers"], json!(["1Z2345"]));
}

#[tokio::test]
async fn a_shipment_already_reported_creates_nothing() {
    let fake = FakeShopify::start(vec![fulfillment_orders(0)]).await;
    let delivered = outbound(&fake).deliver(&shipment(&[("466157049", 1)])).await.unwrap();
    assert_eq!(delivered.partner_ref, None);
    assert_eq!(fake.requests().len(), 1);
}

#[tokio::test]
async fn user_errors_are_a_partner_error() {
    let fake = FakeShopify::start(vec![
        fulfillment_orders(1),
        created(json!([{ "field": ["fulfillment"], "message": "Tracking number is invalid." }])),
    ])
    .await;
    let err = outbound(&fake).deliver(&shipment(&[("466157049", 1)])).await.unwrap_err();
    assert_eq!(err.domain(), Domain::Partner, "{err}");
    assert!(!err.retry_hint().is_retryable());
    assert!(err.to_string().contains("Tracking number is invalid."), "{err}");
}

fn advice(node: &str, mode: AdviceMode) -> Envelope {
    let position = |item: &str, available: u32| Position {
        item: ItemRef {
            other_ids: vec![Reference {
                qualifier: "shopify_inventory_item".into(),
                value: item.into(),
                description: None,
            }],
            ..ItemRef::default()
        },
        location: None,
        uom: Uom::each(),
        on_hand: None,
        available: Some(available.into()),
        in_transit: vec![],
        on_order: vec![],
    };
    envelope(Document::InventoryAdvice(InventoryAdvice {
        node_id: Some(node.into()),
        advice_id: None,
        as_of: DateTime::parse_from_rfc3339("2024-03-02T10:00:00Z").unwrap(),
        mode,
        reporter: None,
        positions: vec![position("39072856", 27), position("808950810", 9)],
    }))
}

#[tokio::test]
async fn an_inventory_snapshot_sets_the_available_quantities_at_the_nodes_location() {
    let fake = FakeShopify::start(vec![Reply::data(
        json!({ "inventorySetQuantities": { "inventoryAdjustmentGroup": { "id": "gid://shopify/InventoryAdjustmentGroup/1" }, "userErrors": [] } }),
        10.0,
        1990.0,
        100.0,
    )])
    .await;
    outbound(&fake).deliver(&advice("DC-EAST", AdviceMode::Snapshot)).await.unwrap();
    assert_eq!(
        fake.requests()[0]["variables"]["input"]["quantities"],
        json!([
            { "inventoryItemId": "gid://shopify/InventoryItem/39072856", "locationId": "gid://shopify/Location/487838322", "quantity": 27 },
            { "inventoryItemId": "gid://shopify/InventoryItem/808950810", "locationId": "gid://shopify/Location/487838322", "quantity": 9 },
        ])
    );
}

#[tokio::test]
async fn inventory_that_shopify_cannot_place_is_a_partner_error_and_nothing_is_sent() {
    let fake = FakeShopify::start(vec![]).await;
    let outbound = outbound(&fake);
    for envelope in [advice("STORE-9", AdviceMode::Snapshot), advice("DC-EAST", AdviceMode::Delta)] {
        let err = outbound.deliver(&envelope).await.unwrap_err();
        assert_eq!(err.domain(), Domain::Partner, "{err}");
    }
    assert!(fake.requests().is_empty());
}
