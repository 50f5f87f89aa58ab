//! A Shopify webhook over real HTTP, verified, stored durably through the runtime and
//! sourced by the broker; Shopify's redelivery after the hub lost its memory of delivery
//! ids is recognised by the inbox and handled once.

use std::path::Path;
use std::sync::Arc;

use crossdock_connector::{MemoryQuarantine, MemorySeen};
use crossdock_hub::sink::RuntimeSink;
use crossdock_hub::{demo, BrokerHandler};
use crossdock_runtime::{Runtime, SqliteStore, Store};
use crossdock_shopify::webhook::{sign, WEBHOOK_PATH};
use crossdock_shopify::{OrderMapping, Secret, ShopifyConfig, ShopifyConnector, Translator, Webhooks};
use tokio::net::TcpListener;

const SHOP: &str = "crossdock-demo.myshopify.com";
const SECRET: &str = "whsec-hub-test";

/// The webhook endpoint on 127.0.0.1:0, storing into `runtime`; returns its URL.
async fn serve(runtime: Arc<Runtime<SqliteStore, BrokerHandler>>) -> (String, tokio::sync::oneshot::Sender<()>) {
    let mapping = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../mappings/shopify/shopify-order.toml");
    let orders = OrderMapping::load(&mapping).unwrap_or_else(|d| panic!("{d}"));
    let webhooks = Arc::new(Webhooks {
        connector: ShopifyConnector::new(Translator::new(ShopifyConfig::new(SHOP), orders), Secret::new(SECRET)),
        sink: Arc::new(RuntimeSink::new(runtime)),
        seen: Arc::new(MemorySeen::default()),
        quarantine: Arc::new(MemoryQuarantine::default()),
    });
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}{WEBHOOK_PATH}", listener.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(webhooks.serve(listener, async move {
        let _ = stopped.await;
    }));
    (url, stop)
}

async fn post(url: &str, webhook_id: &str, body: &[u8], signature: &str) -> u16 {
    reqwest::Client::new()
        .post(url)
        .header("X-Shopify-Topic", "orders/create")
        .header("X-Shopify-Shop-Domain", SHOP)
        .header("X-Shopify-Webhook-Id", webhook_id)
        .header("X-Shopify-Hmac-Sha256", signature)
        .header("Content-Type", "application/json")
        .body(body.to_vec())
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn a_shopify_order_webhook_is_sourced_once_across_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let open = || async {
        let store = SqliteStore::open(dir.path().join("crossdock.db")).await.unwrap();
        Arc::new(Runtime::open(store, BrokerHandler::new(&demo::config().unwrap())).await.unwrap())
    };
    let fixture =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../connectors/shopify/tests/fixtures/pyapi_order.json");
    let mut order: serde_json::Value = serde_json::from_slice(&std::fs::read(fixture).unwrap()).unwrap();
    let body = serde_json::to_vec(&order["order"].take()).unwrap();
    let signature = sign(&Secret::new(SECRET), &body);

    let runtime = open().await;
    let (url, stop) = serve(runtime.clone()).await;
    assert_eq!(post(&url, "wh-1", &body, "forged").await, 401);
    assert_eq!(post(&url, "wh-1", &body, &signature).await, 200);
    let lines = runtime.inspect(|h| h.broker().order("SHOPIFY-450789469").map(|o| o.lines.len())).await;
    assert_eq!(lines, Some(3), "the order reached the broker");
    drop(stop);
    drop(runtime);

    // The hub restarts without its memory of webhook ids; Shopify redelivers.
    let runtime = open().await;
    assert_eq!(runtime.replayed().messages, 1);
    let (url, _stop) = serve(runtime.clone()).await;
    assert_eq!(post(&url, "wh-1", &body, &signature).await, 200);
    let inbox = runtime.store().inbox_after(0, 100).await.unwrap();
    assert_eq!(inbox.len(), 1, "the redelivery is recognised by its idempotency key: handled once");
    assert_eq!(runtime.inspect(|h| h.broker().orders().iter().count()).await, 1);
}
