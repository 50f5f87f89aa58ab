//! The webhook endpoint over real HTTP on 127.0.0.1:0, storing through the framework's
//! intake into a recording sink.

mod common;

use common::webhooks::{start, Hub, SECRET};
use crossdock_connector::compliance::RecordingSink;
use crossdock_connector::Quarantine;
use crossdock_shopify::webhook::sign;
use crossdock_shopify::Secret;
use serde_json::Value;

fn fixture(text: &str, key: &str) -> Value {
    let mut document: Value = serde_json::from_str(text).unwrap();
    document[key].take()
}

/// The corpus order as the `orders/*` webhook body (a bare order).
fn order() -> Vec<u8> {
    serde_json::to_vec(&fixture(include_str!("fixtures/pyapi_order.json"), "order")).unwrap()
}

async fn quarantined(hub: &Hub) -> Vec<(Vec<u8>, String)> {
    hub.quarantine.list().await.unwrap().into_iter().map(|e| (e.payload, e.reason)).collect()
}

#[tokio::test]
async fn a_signed_order_is_stored_with_its_original_then_answered_200() {
    let hub = start(RecordingSink::default()).await;
    let body = order();
    assert_eq!(hub.deliver_signed("orders/create", "wh-1", &body).await, 200);
    assert_eq!(hub.sink.submissions(), 1);
    assert_eq!(hub.sink.originals().await, [body]);
    let envelopes = hub.sink.envelopes().await;
    assert_eq!(envelopes.len(), 1);
    let envelope = &envelopes[0];
    assert_eq!(envelope.event_type, "order.received");
    assert_eq!(envelope.source, "shopify/crossdock-test.myshopify.com");
    assert_eq!(envelope.subject, "SHOPIFY-450789469");
    assert_eq!(envelope.data["document_type"], "sales_order");
    assert_eq!(envelope.data["lines"].as_array().unwrap().len(), 3);
    assert_eq!(envelope.data["placed_at"], "2008-01-10T11:00:00-05:00");
}

#[tokio::test]
async fn a_replayed_webhook_id_is_acknowledged_but_not_stored_again() {
    let hub = start(RecordingSink::default()).await;
    let body = order();
    assert_eq!(hub.deliver_signed("orders/create", "wh-1", &body).await, 200);
    assert_eq!(hub.deliver_signed("orders/create", "wh-1", &body).await, 200);
    assert_eq!(hub.sink.submissions(), 1);
    // Another delivery id is another delivery.
    assert_eq!(hub.deliver_signed("orders/updated", "wh-2", &body).await, 200);
    assert_eq!(hub.sink.submissions(), 2);
}

#[tokio::test]
async fn a_bad_or_missing_signature_gets_401_and_nothing_is_processed() {
    let hub = start(RecordingSink::default()).await;
    let body = order();
    let wrong_secret = sign(&Secret::new("not-the-secret"), &body);
    assert_eq!(hub.deliver("orders/create", "wh-1", &body, Some(wrong_secret)).await, 401);
    assert_eq!(hub.deliver("orders/create", "wh-2", &body, None).await, 401);
    assert_eq!(hub.deliver("orders/create", "wh-3", &body, Some("not base64!".into())).await, 401);
    // The signature of the body, but the body changed by one byte on the way.
    let mut tampered = body.clone();
    tampered[10] ^= 1;
    let signature = sign(&Secret::new(SECRET), &body);
    assert_eq!(hub.deliver("orders/create", "wh-4", &tampered, Some(signature)).await, 401);
    assert_eq!(hub.sink.submissions(), 0);
    assert!(quarantined(&hub).await.is_empty());
    // A refused request is not remembered: the genuine delivery with its id goes through,
    // and a forged replay of a stored id still gets 401.
    assert_eq!(hub.deliver_signed("orders/create", "wh-1", &body).await, 200);
    assert_eq!(hub.deliver("orders/create", "wh-1", &body, None).await, 401);
    assert_eq!(hub.sink.submissions(), 1);
}

#[tokio::test]
async fn a_sink_failure_gets_503_and_shopifys_retry_is_stored() {
    let hub = start(RecordingSink::failing(1)).await;
    let body = order();
    assert_eq!(hub.deliver_signed("orders/create", "wh-1", &body).await, 503);
    assert_eq!(hub.sink.submissions(), 0);
    // Shopify's retry keeps the webhook id.
    assert_eq!(hub.deliver_signed("orders/create", "wh-1", &body).await, 200);
    assert_eq!(hub.sink.submissions(), 1);
}

#[tokio::test]
async fn a_cancelled_order_is_a_cancelled_sales_order() {
    let hub = start(RecordingSink::default()).await;
    let mut order = fixture(include_str!("fixtures/pyapi_order.json"), "order");
    order["cancelled_at"] = "2008-01-11T09:00:00-05:00".into();
    order["updated_at"] = "2008-01-11T09:00:00-05:00".into();
    let body = serde_json::to_vec(&order).unwrap();
    assert_eq!(hub.deliver_signed("orders/cancelled", "wh-c", &body).await, 200);
    let envelope = &hub.sink.envelopes().await[0];
    assert_eq!(envelope.event_type, "order.cancelled");
    assert_eq!(envelope.data["status"], "cancelled");
    assert_eq!(envelope.time.to_rfc3339(), "2008-01-11T09:00:00-05:00");
}

#[tokio::test]
async fn a_refund_becomes_a_return() {
    let hub = start(RecordingSink::default()).await;
    let body = serde_json::to_vec(&fixture(include_str!("fixtures/pyapi_refund.json"), "refund")).unwrap();
    assert_eq!(hub.deliver_signed("refunds/create", "wh-r", &body).await, 200);
    let envelope = &hub.sink.envelopes().await[0];
    assert_eq!(envelope.event_type, "return.received");
    assert_eq!(envelope.correlation_id, "SHOPIFY-450789469");
    let ret = &envelope.data;
    assert_eq!(ret["document_type"], "return");
    assert_eq!(ret["order_id"], "SHOPIFY-450789469");
    assert_eq!(ret["rma_number"], "SHOPIFY-REFUND-509562969");
    assert_eq!(ret["lines"].as_array().unwrap().len(), 2);
    assert_eq!(ret["lines"][0]["item"]["sku"], "IPOD2008BLACK");
    assert_eq!(ret["lines"][0]["reason"], "it broke during shipping");
    assert_eq!(ret["lines"][0]["disposition"], "restock");
}

#[tokio::test]
async fn an_inventory_level_becomes_a_one_position_snapshot_at_the_configured_node() {
    let hub = start(RecordingSink::default()).await;
    let levels = fixture(include_str!("fixtures/pyapi_inventory_levels.json"), "inventory_levels");
    let body = serde_json::to_vec(&levels[0]).unwrap();
    assert_eq!(hub.deliver_signed("inventory_levels/update", "wh-i", &body).await, 200);
    let advice = &hub.sink.envelopes().await[0].data;
    assert_eq!(advice["document_type"], "inventory_advice");
    assert_eq!(advice["node_id"], "DC-EAST");
    assert_eq!(advice["mode"], "snapshot");
    assert_eq!(advice["positions"][0]["available"], "27");
    assert_eq!(advice["positions"][0]["item"]["other_ids"][0]["value"], "39072856");
}

#[tokio::test]
async fn an_unmappable_order_is_quarantined_with_its_path_and_acknowledged() {
    let hub = start(RecordingSink::default()).await;
    let mut order = fixture(include_str!("fixtures/pyapi_order.json"), "order");
    order["line_items"] = Value::Array(vec![]);
    let body = serde_json::to_vec(&order).unwrap();
    assert_eq!(hub.deliver_signed("orders/create", "wh-bad", &body).await, 200);
    assert_eq!(hub.sink.submissions(), 0);
    let held = quarantined(&hub).await;
    assert_eq!(held.len(), 1);
    assert_eq!(held[0].0, body);
    assert!(held[0].1.contains("$.lines"), "{}", held[0].1);
    // Acknowledged for good: the redelivery is a duplicate, not a second quarantine.
    assert_eq!(hub.deliver_signed("orders/create", "wh-bad", &body).await, 200);
    assert_eq!(quarantined(&hub).await.len(), 1);
}
