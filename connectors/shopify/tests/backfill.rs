//! Order backfill through the framework's `Poll`, against the fake Shopify: pages become
//! signed deliveries that decode like webhooks, with the same idempotency keys.

mod common;

use common::webhooks::{connector, SECRET, SHOP};
use common::{FakeShopify, Reply};
use crossdock_connector::{InboundConnector, Poll};
use crossdock_shopify::admin::AdminClient;
use crossdock_shopify::backfill::OrderBackfill;
use crossdock_shopify::webhook::sign;
use crossdock_shopify::Secret;
use serde_json::{json, Value};

/// The corpus order as the GraphQL query returns it: global ids, line items as a connection.
fn graphql_order(updated_at: &str) -> (Value, Value) {
    let mut document: Value = serde_json::from_str(include_str!("fixtures/pyapi_order.json")).unwrap();
    let mut rest = document["order"].take();
    rest["updated_at"] = updated_at.into();
    let mut graphql = rest.clone();
    graphql["id"] = json!(format!("gid://shopify/Order/{}", rest["id"]));
    graphql["line_items"] = json!({ "nodes": rest["line_items"] });
    (graphql, rest)
}

fn page(orders: Vec<Value>, next: Option<&str>) -> Reply {
    Reply::data(
        json!({ "orders": { "pageInfo": { "hasNextPage": next.is_some(), "endCursor": next }, "nodes": orders } }),
        60.0,
        1940.0,
        100.0,
    )
}

#[tokio::test]
async fn backfilled_orders_decode_like_their_webhooks() {
    let (first, first_rest) = graphql_order("2024-03-02T10:00:00-05:00");
    let (second, _) = graphql_order("2024-03-03T10:00:00-05:00");
    let fake = FakeShopify::start(vec![page(vec![first], Some("c1")), page(vec![second], None)]).await;
    let client = AdminClient::new(&fake.base_url, Secret::new("shpat_test"), None).unwrap();
    let since = chrono::DateTime::parse_from_rfc3339("2024-03-01T00:00:00Z").unwrap();
    let backfill = OrderBackfill::new(client, Secret::new(SECRET), SHOP, since);
    let connector = connector();

    let page1 = backfill.poll(None).await.unwrap();
    assert_eq!(page1.deliveries.len(), 1);
    let cursor = page1.next_cursor.expect("a second page");
    let page2 = backfill.poll(Some(&cursor)).await.unwrap();
    assert_eq!(page2.deliveries.len(), 1);
    assert_eq!(page2.next_cursor, None);
    assert_eq!(fake.requests()[1]["variables"]["after"], "c1");
    assert_eq!(fake.requests()[1]["variables"]["query"], "updated_at:>'2024-03-01T00:00:00Z'");

    let backfilled = connector.decode(&page1.deliveries[0]).unwrap();
    assert_eq!(backfilled[0].data["order_id"], "SHOPIFY-450789469");
    assert_eq!(backfilled[0].data["lines"].as_array().unwrap().len(), 3);
    // The webhook of the same order version is the same event.
    let body = serde_json::to_vec(&first_rest).unwrap();
    let webhook = crossdock_connector::Delivery::new("wh-1", chrono::Utc::now(), body.clone())
        .with_header("X-Shopify-Topic", "orders/updated")
        .with_header("X-Shopify-Hmac-Sha256", sign(&Secret::new(SECRET), &body));
    let from_webhook = connector.decode(&webhook).unwrap();
    assert_eq!(backfilled[0].idempotency_key, from_webhook[0].idempotency_key);
    assert_eq!(backfilled[0].data, from_webhook[0].data);
}
