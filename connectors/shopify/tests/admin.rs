//! The GraphQL Admin API client against a local fake Shopify.

mod common;

use std::time::Duration;

use chrono::DateTime;
use common::{FakeShopify, Reply};
use crossdock_connector::{Domain, RetryPolicy};
use crossdock_shopify::admin::{AdminClient, InventoryQuantity, NewFulfillment, OrdersCursor, Tracking};
use crossdock_shopify::{Secret, ShopifyError};
use serde_json::{json, Value};
use tokio::time::Instant;

fn client(fake: &FakeShopify) -> AdminClient {
    AdminClient::new(&fake.base_url, Secret::new("shpat_test_token"), None).unwrap()
}

fn orders_page(ids: &[u64], next: Option<&str>) -> Value {
    let nodes: Vec<Value> = ids
        .iter()
        .map(|id| {
            json!({
                "id": format!("gid://shopify/Order/{id}"),
                "name": format!("#{id}"),
                "created_at": "2024-03-01T10:00:00-05:00",
                "updated_at": "2024-03-02T10:00:00-05:00",
                "line_items": { "nodes": [{
                    "id": format!("gid://shopify/LineItem/{id}1"),
                    "sku": "SKU-1",
                    "quantity": 2,
                    "variant_id": { "id": "gid://shopify/ProductVariant/77" },
                    "product_id": null,
                }]},
            })
        })
        .collect();
    json!({ "orders": {
        "pageInfo": { "hasNextPage": next.is_some(), "endCursor": next },
        "nodes": nodes,
    }})
}

fn since() -> DateTime<chrono::FixedOffset> {
    DateTime::parse_from_rfc3339("2024-03-01T00:00:00Z").unwrap()
}

#[tokio::test]
async fn backfill_follows_the_cursor_across_pages() {
    let fake = FakeShopify::start(vec![
        Reply::data(orders_page(&[1, 2], Some("c1")), 52.0, 1948.0, 100.0),
        Reply::data(orders_page(&[3, 4], Some("c2")), 52.0, 1948.0, 100.0),
        Reply::data(orders_page(&[5], None), 52.0, 1948.0, 100.0),
    ])
    .await;
    let client = client(&fake);
    let mut cursor = OrdersCursor::since(since());
    let mut orders = Vec::new();
    while let Some(page) = client.next_orders_page(&mut cursor).await.unwrap() {
        orders.extend(page);
    }
    assert!(cursor.done);
    assert_eq!(cursor.after.as_deref(), Some("c2"));
    let ids: Vec<&str> = orders.iter().map(|o| o["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["1", "2", "3", "4", "5"]);

    let requests = fake.requests();
    let afters: Vec<&Value> = requests.iter().map(|r| &r["variables"]["after"]).collect();
    assert_eq!(afters, [&Value::Null, &json!("c1"), &json!("c2")]);
    assert_eq!(requests[0]["variables"]["query"], "updated_at:>'2024-03-01T00:00:00Z'");
    assert!(requests[0]["query"].as_str().unwrap().contains("orders(first: $first, after: $after, query: $query"));
    assert_eq!(fake.headers(0)["x-shopify-access-token"], "shpat_test_token");

    // GraphQL shapes come back as the REST shape the order mapping reads.
    assert_eq!(
        orders[0]["line_items"],
        json!([{ "id": "11", "sku": "SKU-1", "quantity": 2, "variant_id": "77", "product_id": null }])
    );
}

#[tokio::test(start_paused = true)]
async fn waits_for_the_cost_bucket_before_a_query_it_cannot_pay_for() {
    let fake = FakeShopify::start(vec![
        // The first page leaves 10 points; the query costs 100, refilled at 50/s: 1.8 s.
        Reply::data(orders_page(&[1], Some("c1")), 100.0, 10.0, 50.0),
        Reply::data(orders_page(&[2], None), 100.0, 1900.0, 50.0),
    ])
    .await;
    let client = client(&fake);
    let mut cursor = OrdersCursor::since(since());
    client.next_orders_page(&mut cursor).await.unwrap();
    let started = Instant::now();
    client.next_orders_page(&mut cursor).await.unwrap();
    assert!(started.elapsed() >= Duration::from_millis(1800), "waited only {:?}", started.elapsed());
    assert_eq!(fake.requests().len(), 2);
}

#[tokio::test(start_paused = true)]
async fn a_throttled_query_is_retried_once_the_bucket_has_refilled() {
    let fake = FakeShopify::start(vec![
        Reply::throttled(100.0, 20.0, 50.0),
        Reply::data(orders_page(&[1], None), 100.0, 1900.0, 50.0),
    ])
    .await;
    let client = client(&fake);
    let started = Instant::now();
    let page = client.next_orders_page(&mut OrdersCursor::since(since())).await.unwrap().unwrap();
    assert_eq!(page.len(), 1);
    assert!(started.elapsed() >= Duration::from_millis(1600), "waited only {:?}", started.elapsed());
    assert_eq!(fake.requests().len(), 2);
}

#[tokio::test(start_paused = true)]
async fn a_429_is_retried_after_its_retry_after() {
    let fake = FakeShopify::start(vec![
        Reply::too_many_requests("2.0"),
        Reply::data(orders_page(&[1], None), 10.0, 1990.0, 100.0),
    ])
    .await;
    let client = client(&fake);
    let started = Instant::now();
    client.next_orders_page(&mut OrdersCursor::since(since())).await.unwrap();
    assert!(started.elapsed() >= Duration::from_secs(2), "waited only {:?}", started.elapsed());
    assert_eq!(fake.requests().len(), 2);
}

#[tokio::test(start_paused = true)]
async fn server_errors_past_the_retry_budget_are_external_errors() {
    let policy = RetryPolicy { max_attempts: 4, ..RetryPolicy::default() };
    let fake =
        FakeShopify::start((0..6).map(|_| Reply { status: 503, retry_after: None, body: json!({}) }).collect()).await;
    let client = client(&fake).with_retry_policy(policy);
    let err = client.next_orders_page(&mut OrdersCursor::since(since())).await.unwrap_err();
    assert_eq!(err.domain(), Domain::External, "{err}");
    assert_eq!(fake.requests().len(), 4);
}

#[tokio::test]
async fn a_response_without_data_is_an_internal_error_and_not_retried() {
    let fake = FakeShopify::start(vec![
        Reply {
            status: 200,
            retry_after: None,
            body: json!({ "errors": [{ "message": "Field 'ordrs' doesn't exist on type 'QueryRoot'" }] }),
        },
        Reply::data(json!({ "orders": { "unexpected": true } }), 1.0, 1999.0, 100.0),
    ])
    .await;
    let client = client(&fake);
    let err = client.next_orders_page(&mut OrdersCursor::since(since())).await.unwrap_err();
    assert_eq!(err.domain(), Domain::Internal);
    assert!(err.to_string().contains("ordrs"), "{err}");
    let err = client.next_orders_page(&mut OrdersCursor::since(since())).await.unwrap_err();
    assert!(matches!(err, ShopifyError::BadResponse { .. }), "{err}");
    assert_eq!(fake.requests().len(), 2);
}

fn shipment() -> NewFulfillment {
    NewFulfillment {
        fulfillment_order_id: "gid://shopify/FulfillmentOrder/1046000789".into(),
        lines: vec![("gid://shopify/FulfillmentOrderLineItem/1025578633".into(), 1)],
        tracking: Tracking { company: Some("UPS".into()), numbers: vec!["1Z2345".into()], urls: vec![] },
        notify_customer: true,
    }
}

#[tokio::test]
async fn a_fulfillment_is_created_with_its_tracking() {
    let fake = FakeShopify::start(vec![Reply::data(
        json!({ "fulfillmentCreate": {
            "fulfillment": { "id": "gid://shopify/Fulfillment/255858046", "status": "SUCCESS" },
            "userErrors": [],
        }}),
        10.0,
        1990.0,
        100.0,
    )])
    .await;
    let id = client(&fake).create_fulfillment(&shipment()).await.unwrap();
    assert_eq!(id, "gid://shopify/Fulfillment/255858046");
    let request = &fake.requests()[0];
    let input = &request["variables"]["fulfillment"];
    assert_eq!(input["trackingInfo"]["numbers"], json!(["1Z2345"]));
    assert_eq!(input["trackingInfo"]["company"], "UPS");
    assert_eq!(
        input["lineItemsByFulfillmentOrder"][0]["fulfillmentOrderId"],
        "gid://shopify/FulfillmentOrder/1046000789"
    );
    assert_eq!(
        input["lineItemsByFulfillmentOrder"][0]["fulfillmentOrderLineItems"],
        json!([{ "id": "gid://shopify/FulfillmentOrderLineItem/1025578633", "quantity": 1 }])
    );
    assert!(request["query"].as_str().unwrap().contains("fulfillmentCreate(fulfillment: $fulfillment)"));
}

#[tokio::test]
async fn user_errors_on_a_fulfillment_are_a_partner_error_and_not_retried() {
    let fake = FakeShopify::start(vec![Reply::data(
        json!({ "fulfillmentCreate": {
            "fulfillment": null,
            "userErrors": [{ "field": ["fulfillment", "lineItemsByFulfillmentOrder"], "message": "Fulfillment order does not exist." }],
        }}),
        10.0,
        1990.0,
        100.0,
    )])
    .await;
    let err = client(&fake).create_fulfillment(&shipment()).await.unwrap_err();
    assert_eq!(err.domain(), Domain::Partner);
    assert_eq!(
        err.to_string(),
        "Shopify refused fulfillmentCreate: fulfillment.lineItemsByFulfillmentOrder: Fulfillment order does not exist."
    );
    assert_eq!(fake.requests().len(), 1);
}

#[tokio::test]
async fn inventory_quantities_are_set_per_location() {
    let fake = FakeShopify::start(vec![Reply::data(
        json!({ "inventorySetQuantities": { "inventoryAdjustmentGroup": { "id": "gid://shopify/InventoryAdjustmentGroup/1" }, "userErrors": [] } }),
        10.0,
        1990.0,
        100.0,
    )])
    .await;
    let quantities = [
        InventoryQuantity {
            inventory_item_id: "gid://shopify/InventoryItem/39072856".into(),
            location_id: "gid://shopify/Location/487838322".into(),
            quantity: 27,
        },
        InventoryQuantity {
            inventory_item_id: "gid://shopify/InventoryItem/39072856".into(),
            location_id: "gid://shopify/Location/905684977".into(),
            quantity: 3,
        },
    ];
    client(&fake).set_available(&quantities).await.unwrap();
    let input = &fake.requests()[0]["variables"]["input"];
    assert_eq!(input["name"], "available");
    assert_eq!(
        input["quantities"],
        json!([
            { "inventoryItemId": "gid://shopify/InventoryItem/39072856", "locationId": "gid://shopify/Location/487838322", "quantity": 27 },
            { "inventoryItemId": "gid://shopify/InventoryItem/39072856", "locationId": "gid://shopify/Location/905684977", "quantity": 3 },
        ])
    );
}
