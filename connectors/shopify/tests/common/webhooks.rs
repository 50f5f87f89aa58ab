//! The webhook endpoint, served on 127.0.0.1:0 with recording framework pieces.

use std::path::Path;
use std::sync::Arc;

use crossdock_connector::compliance::RecordingSink;
use crossdock_connector::{MemoryQuarantine, MemorySeen};
use crossdock_shopify::webhook::{sign, WEBHOOK_PATH};
use crossdock_shopify::{OrderMapping, Secret, ShopifyConfig, ShopifyConnector, Translator, Webhooks};
use tokio::net::TcpListener;
use tokio::sync::oneshot;

pub const SHOP: &str = "crossdock-test.myshopify.com";
pub const SECRET: &str = "whsec-test-secret";

pub fn connector() -> ShopifyConnector {
    let mut config = ShopifyConfig::new(SHOP);
    config.locations.insert("487838322".into(), "DC-EAST".into());
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../mappings/shopify/shopify-order.toml");
    let orders = OrderMapping::load(&path).unwrap_or_else(|d| panic!("{d}"));
    ShopifyConnector::new(Translator::new(config, orders), Secret::new(SECRET))
}

pub struct Hub {
    pub url: String,
    pub sink: Arc<RecordingSink>,
    pub quarantine: Arc<MemoryQuarantine>,
    http: reqwest::Client,
    _stop: oneshot::Sender<()>,
}

pub async fn start(sink: RecordingSink) -> Hub {
    let sink = Arc::new(sink);
    let quarantine = Arc::new(MemoryQuarantine::default());
    let webhooks = Arc::new(Webhooks {
        connector: connector(),
        sink: sink.clone(),
        seen: Arc::new(MemorySeen::default()),
        quarantine: quarantine.clone(),
    });
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}{WEBHOOK_PATH}", listener.local_addr().unwrap());
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(webhooks.serve(listener, async move {
        let _ = stopped.await;
    }));
    Hub { url, sink, quarantine, http: reqwest::Client::new(), _stop: stop }
}

impl Hub {
    pub async fn deliver(&self, topic: &str, id: &str, body: &[u8], signature: Option<String>) -> u16 {
        let mut request = self
            .http
            .post(&self.url)
            .header("X-Shopify-Topic", topic)
            .header("X-Shopify-Shop-Domain", SHOP)
            .header("X-Shopify-Webhook-Id", id)
            .header("X-Shopify-API-Version", "2025-01")
            .header("Content-Type", "application/json")
            .body(body.to_vec());
        if let Some(signature) = signature {
            request = request.header("X-Shopify-Hmac-Sha256", signature);
        }
        request.send().await.unwrap().status().as_u16()
    }

    pub async fn deliver_signed(&self, topic: &str, id: &str, body: &[u8]) -> u16 {
        self.deliver(topic, id, body, Some(sign(&Secret::new(SECRET), body))).await
    }
}
