//! The webhook endpoint: verify, then hand the delivery to the framework's intake
//! (de-duplicate by webhook id, decode, store durably), then answer.
//!
//! Shopify retries any delivery that does not get a 2xx within five seconds, and a
//! retried delivery keeps its `X-Shopify-Webhook-Id`. So: 401 for a missing or bad
//! signature (nothing is processed or kept); 200 once the canonical documents are stored,
//! for a webhook id already stored, and for a payload that can never pass (it is
//! quarantined for repair and replay); 503 when the sink fails, so that Shopify retries.

use std::future::Future;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use chrono::Utc;
use crossdock_connector::{Delivery, Intake, Outcome, Quarantine, SeenDeliveries, Sink};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;
use tokio::net::TcpListener;
use tracing::{info, warn, Instrument};

use crate::config::Secret;
use crate::connector::ShopifyConnector;

pub const HMAC_HEADER: &str = "x-shopify-hmac-sha256";
pub const TOPIC_HEADER: &str = "x-shopify-topic";
pub const SHOP_HEADER: &str = "x-shopify-shop-domain";
pub const WEBHOOK_ID_HEADER: &str = "x-shopify-webhook-id";

/// The path Shopify is configured to deliver to; the topic travels in a header.
pub const WEBHOOK_PATH: &str = "/webhooks/shopify";

/// True when `signature` (base64, as sent in `X-Shopify-Hmac-Sha256`) is the HMAC-SHA256
/// of the raw `body` under `secret`. Compared in constant time.
pub fn signature_is_valid(secret: &Secret, body: &[u8], signature: &str) -> bool {
    let Ok(given) = BASE64.decode(signature.trim()) else { return false };
    mac(secret, body).as_slice().ct_eq(&given).into()
}

/// The signature Shopify sends with `body`: for the backfill's own deliveries and tests.
pub fn sign(secret: &Secret, body: &[u8]) -> String {
    BASE64.encode(mac(secret, body))
}

fn mac(secret: &Secret, body: &[u8]) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.expose().as_bytes()).expect("HMAC takes keys of any length");
    mac.update(body);
    mac.finalize().into_bytes().to_vec()
}

/// The webhook receiver: the connector and the framework pieces its intake needs.
pub struct Webhooks {
    pub connector: ShopifyConnector,
    pub sink: Arc<dyn Sink>,
    pub seen: Arc<dyn SeenDeliveries>,
    pub quarantine: Arc<dyn Quarantine>,
}

impl Webhooks {
    pub fn router(self: Arc<Self>) -> Router {
        Router::new().route(WEBHOOK_PATH, post(receive)).with_state(self)
    }

    /// Serves until `shutdown` completes. Taking the listener lets tests bind 127.0.0.1:0.
    pub async fn serve(
        self: Arc<Self>,
        listener: TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        axum::serve(listener, self.router()).with_graceful_shutdown(shutdown).await
    }

    /// Handles one delivery; the HTTP layer only extracts headers and body.
    pub async fn handle(&self, headers: &HeaderMap, body: Bytes) -> StatusCode {
        let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
        let webhook_id = header(WEBHOOK_ID_HEADER).unwrap_or_default();
        let mut delivery = Delivery::new(webhook_id, Utc::now(), body.to_vec());
        for name in [HMAC_HEADER, TOPIC_HEADER, SHOP_HEADER] {
            if let Some(value) = header(name) {
                delivery = delivery.with_header(name, value);
            }
        }
        // Checked before the duplicate check too: an unsigned request learns nothing.
        if !self.connector.is_authentic(&delivery) {
            warn!(webhook_id, "webhook with a missing or bad signature refused");
            return StatusCode::UNAUTHORIZED;
        }
        if webhook_id.is_empty() {
            return StatusCode::BAD_REQUEST;
        }
        let shop = &self.connector.translator().config.shop;
        if header(SHOP_HEADER).is_some_and(|s| s != shop) {
            warn!(webhook_id, expected = %shop, "webhook for another shop refused");
            return StatusCode::UNAUTHORIZED;
        }
        let intake = Intake { sink: &*self.sink, seen: &*self.seen, quarantine: &*self.quarantine };
        let span = tracing::info_span!("shopify_webhook", webhook_id, topic = header(TOPIC_HEADER));
        match intake.ingest(&self.connector, &delivery).instrument(span).await {
            Ok(Outcome::Accepted { envelopes }) => {
                info!(webhook_id, envelopes, "webhook stored");
                StatusCode::OK
            }
            Ok(Outcome::Duplicate) => StatusCode::OK,
            Ok(Outcome::Rejected(e)) if e.is_unauthenticated() => StatusCode::UNAUTHORIZED,
            // Kept in quarantine; a redelivery would fail the same way.
            Ok(Outcome::Rejected(e) | Outcome::Quarantined(e)) => {
                warn!(webhook_id, error = %e, "webhook quarantined");
                StatusCode::OK
            }
            Err(e) => {
                warn!(webhook_id, error = %e, "webhook not stored; Shopify will retry");
                StatusCode::SERVICE_UNAVAILABLE
            }
        }
    }
}

async fn receive(State(webhooks): State<Arc<Webhooks>>, headers: HeaderMap, body: Bytes) -> StatusCode {
    webhooks.handle(&headers, body).await
}
