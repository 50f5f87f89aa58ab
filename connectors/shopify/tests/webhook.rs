//! The webhook endpoint over real HTTP on 127.0.0.1:0, storing into a recording intake.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use crossdock_model::{Document, Envelope};
use crossdock_shopify::webhook::{sign, WEBHOOK_PATH};
use crossdock_shopify::{Intake, IntakeError, Secret, ShopifyConfig, Topic, Webhooks};
use serde_json::Value;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

const SHOP: &str = "crossdock-test.myshopify.com";

#[derive(Default)]
struct RecordingIntake {
    stored: Mutex<Vec<Envelope>>,
    quarantined: Mutex<Vec<(Topic, Vec<u8>, String)>>,
    failing: AtomicBool,
}

impl Intake for RecordingIntake {
    async fn submit(&self, envelopes: Vec<Envelope>) -> Result<(), IntakeError> {
        if self.failing.load(Ordering::SeqCst) {
            return Err(IntakeError("disk full".into()));
        }
        self.stored.lock().unwrap().extend(envelopes);
        Ok(())
    }

    async fn quarantine(&self, topic: Topic, original: &[u8], reason: &str) -> Result<(), IntakeError> {
        self.quarantined.lock().unwrap().push((topic, original.to_vec(), reason.to_string()));
        Ok(())
    }
}

struct Harness {
    url: String,
    intake: Arc<RecordingIntake>,
    secret: Secret,
    http: reqwest::Client,
    _stop: oneshot::Sender<()>,
}

async fn start() -> Harness {
    let intake = Arc::new(RecordingIntake::default());
    let secret = Secret::new("whsec-test-secret");
    let mut config = ShopifyConfig::new(SHOP);
    config.locations.insert("487838322".into(), "DC-EAST".into());
    let webhooks = Arc::new(Webhooks::new(config, secret.clone(), intake.clone()));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}{WEBHOOK_PATH}", listener.local_addr().unwrap());
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(webhooks.serve(listener, async move {
        let _ = stopped.await;
    }));
    Harness { url, intake, secret, http: reqwest::Client::new(), _stop: stop }
}

impl Harness {
    async fn deliver(&self, topic: &str, id: &str, body: &[u8], signature: Option<String>) -> u16 {
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

    async fn deliver_signed(&self, topic: &str, id: &str, body: &[u8]) -> u16 {
        let signature = sign(&self.secret, body);
        self.deliver(topic, id, body, Some(signature)).await
    }

    fn stored(&self) -> Vec<Envelope> {
        self.intake.stored.lock().unwrap().clone()
    }
}

/// One inventory level of the corpus, as the `inventory_levels/update` body.
fn inventory_level() -> Vec<u8> {
    let levels: Value = serde_json::from_str(include_str!("fixtures/pyapi_inventory_levels.json")).unwrap();
    serde_json::to_vec(&levels["inventory_levels"][0]).unwrap()
}

#[tokio::test]
async fn a_signed_webhook_is_stored_once_then_answered_200() {
    let hub = start().await;
    let body = inventory_level();
    assert_eq!(hub.deliver_signed("inventory_levels/update", "wh-1", &body).await, 200);
    let stored = hub.stored();
    assert_eq!(stored.len(), 1);
    let Document::InventoryAdvice(advice) = &stored[0].data else { panic!("{:?}", stored[0].data) };
    assert_eq!(advice.node_id.as_deref(), Some("DC-EAST"));
    assert_eq!(advice.positions[0].available, Some(27.into()));
    assert_eq!(stored[0].source, format!("shopify/{SHOP}"));
}

#[tokio::test]
async fn a_replayed_webhook_id_is_acknowledged_but_not_stored_again() {
    let hub = start().await;
    let body = inventory_level();
    assert_eq!(hub.deliver_signed("inventory_levels/update", "wh-1", &body).await, 200);
    assert_eq!(hub.deliver_signed("inventory_levels/update", "wh-1", &body).await, 200);
    assert_eq!(hub.stored().len(), 1);
    // Another delivery id is another event.
    assert_eq!(hub.deliver_signed("inventory_levels/update", "wh-2", &body).await, 200);
    assert_eq!(hub.stored().len(), 2);
}

#[tokio::test]
async fn a_bad_or_missing_signature_gets_401_and_nothing_is_processed() {
    let hub = start().await;
    let body = inventory_level();
    let other_secret = sign(&Secret::new("not-the-secret"), &body);
    assert_eq!(hub.deliver("inventory_levels/update", "wh-1", &body, Some(other_secret)).await, 401);
    assert_eq!(hub.deliver("inventory_levels/update", "wh-2", &body, None).await, 401);
    assert_eq!(hub.deliver("inventory_levels/update", "wh-3", &body, Some("not base64!".into())).await, 401);
    // The signature of the body, but the body changed by one byte on the way.
    let mut tampered = body.clone();
    tampered[body.len() - 2] ^= 1;
    assert_eq!(hub.deliver("inventory_levels/update", "wh-4", &tampered, Some(sign(&hub.secret, &body))).await, 401);
    assert!(hub.stored().is_empty());
    assert!(hub.intake.quarantined.lock().unwrap().is_empty());
    // A refused delivery is not remembered: the genuine one with the same id goes through.
    assert_eq!(hub.deliver_signed("inventory_levels/update", "wh-1", &body).await, 200);
    assert_eq!(hub.stored().len(), 1);
}

#[tokio::test]
async fn an_intake_failure_gets_503_so_that_shopify_retries() {
    let hub = start().await;
    let body = inventory_level();
    hub.intake.failing.store(true, Ordering::SeqCst);
    assert_eq!(hub.deliver_signed("inventory_levels/update", "wh-1", &body).await, 503);
    assert!(hub.stored().is_empty());
    // Shopify's retry keeps the webhook id; it is stored once the intake is back.
    hub.intake.failing.store(false, Ordering::SeqCst);
    assert_eq!(hub.deliver_signed("inventory_levels/update", "wh-1", &body).await, 200);
    assert_eq!(hub.stored().len(), 1);
}

#[tokio::test]
async fn a_refund_becomes_a_return() {
    let hub = start().await;
    let refund: Value = serde_json::from_str(include_str!("fixtures/pyapi_refund.json")).unwrap();
    let body = serde_json::to_vec(&refund["refund"]).unwrap();
    assert_eq!(hub.deliver_signed("refunds/create", "wh-r", &body).await, 200);
    let stored = hub.stored();
    let Document::Return(ret) = &stored[0].data else { panic!("{:?}", stored[0].data) };
    assert_eq!(ret.order_id, "SHOPIFY-450789469");
    assert_eq!(ret.rma_number, "SHOPIFY-REFUND-509562969");
    assert_eq!(ret.lines.len(), 2);
    assert_eq!(ret.lines[0].item.sku.as_deref(), Some("IPOD2008BLACK"));
    assert_eq!(ret.lines[0].reason.as_deref(), Some("it broke during shipping"));
    assert_eq!(ret.lines[0].disposition.as_deref(), Some("restock"));
    assert_eq!(stored[0].event_type, "return.received");
    assert_eq!(stored[0].correlation_id, "SHOPIFY-450789469");
}

#[tokio::test]
async fn an_unmappable_payload_is_quarantined_with_its_path_and_acknowledged() {
    let hub = start().await;
    let body = br#"{"inventory_item_id": 1, "location_id": 2, "available": "many", "updated_at": "2018-05-07T15:33:38-04:00"}"#;
    assert_eq!(hub.deliver_signed("inventory_levels/update", "wh-bad", body).await, 200);
    assert!(hub.stored().is_empty());
    let quarantined = hub.intake.quarantined.lock().unwrap();
    assert_eq!(quarantined.len(), 1);
    assert_eq!(quarantined[0].1, body.to_vec());
    assert!(quarantined[0].2.contains("$.available"), "{}", quarantined[0].2);
}
