//! The framework's connector spec, checked on the Shopify connector.

mod common;

use chrono::{TimeZone, Utc};
use common::webhooks::{connector, SECRET};
use common::{FakeShopify, Reply};
use crossdock_connector::compliance::{check, Harness};
use crossdock_connector::{ConnectorError, Delivery, RetryPolicy};
use crossdock_shopify::admin::{AdminClient, OrdersCursor};
use crossdock_shopify::webhook::sign;
use crossdock_shopify::Secret;
use serde_json::{json, Value};

fn delivery(id: &str, body: &[u8], signature: String) -> Delivery {
    Delivery::new(id, Utc.with_ymd_and_hms(2024, 3, 1, 12, 0, 0).unwrap(), body)
        .with_header("X-Shopify-Topic", "orders/create")
        .with_header("X-Shopify-Shop-Domain", common::webhooks::SHOP)
        .with_header("X-Shopify-Hmac-Sha256", signature)
}

async fn failing_call(reply: Reply) -> ConnectorError {
    let fake = FakeShopify::start(vec![reply]).await;
    let client = AdminClient::new(&fake.base_url, Secret::new("shpat_test"), None)
        .unwrap()
        .with_retry_policy(RetryPolicy { max_attempts: 1, ..RetryPolicy::default() });
    let since = chrono::DateTime::parse_from_rfc3339("2024-03-01T00:00:00Z").unwrap();
    client.next_orders_page(&mut OrdersCursor::since(since)).await.unwrap_err().into()
}

#[tokio::test]
async fn the_shopify_connector_meets_the_connector_spec() {
    let secret = Secret::new(SECRET);
    let mut order: Value = serde_json::from_str(include_str!("fixtures/pyapi_order.json")).unwrap();
    let body = serde_json::to_vec(&order["order"].take()).unwrap();
    let malformed = br#"{"id": 1, "line_items": "#;
    let connector = connector();
    check(Harness {
        connector: &connector,
        valid: delivery("wh-valid", &body, sign(&secret, &body)),
        malformed: delivery("wh-malformed", malformed, sign(&secret, malformed)),
        forged: Some(delivery("wh-forged", &body, sign(&Secret::new("forger"), &body))),
        transient_failure: Some(Box::pin(failing_call(Reply::too_many_requests("2.0")))),
        permanent_failure: Some(Box::pin(failing_call(Reply {
            status: 200,
            retry_after: None,
            body: json!({ "errors": [{ "message": "Field 'ordrs' doesn't exist on type 'QueryRoot'" }] }),
        }))),
    })
    .await;
}
