//! The webhook endpoint: verify, de-duplicate, translate, store durably, then answer.
//!
//! Shopify retries any delivery that does not get a 2xx within five seconds, and a
//! retried delivery keeps its `X-Shopify-Webhook-Id`. So the answer is 200 only once the
//! canonical documents are in the hub's durable intake, 503 when that fails (Shopify
//! tries again), and a repeated webhook id is answered 200 without storing again.

use std::collections::{HashSet, VecDeque};
use std::future::Future;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;
use tokio::net::TcpListener;
use tracing::{info, warn};

use crate::config::{Secret, ShopifyConfig};
use crate::intake::Intake;
use crate::translate::{webhook_documents, Topic};

pub const HMAC_HEADER: &str = "x-shopify-hmac-sha256";
pub const TOPIC_HEADER: &str = "x-shopify-topic";
pub const SHOP_HEADER: &str = "x-shopify-shop-domain";
pub const WEBHOOK_ID_HEADER: &str = "x-shopify-webhook-id";

/// The path Shopify is configured to deliver to; the topic travels in a header.
pub const WEBHOOK_PATH: &str = "/webhooks/shopify";

/// How many webhook ids are remembered. Shopify retries for up to 48 hours; past this
/// window the hub's idempotent inbox (keyed by the envelope's idempotency key) still
/// recognises a document it already has.
const REMEMBERED_IDS: usize = 100_000;

/// True when `signature` (base64, as sent in `X-Shopify-Hmac-Sha256`) is the HMAC-SHA256
/// of the raw `body` under `secret`. Compared in constant time.
pub fn signature_is_valid(secret: &Secret, body: &[u8], signature: &str) -> bool {
    let Ok(given) = BASE64.decode(signature.trim()) else { return false };
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.expose().as_bytes()).expect("HMAC takes keys of any length");
    mac.update(body);
    mac.finalize().into_bytes().as_slice().ct_eq(&given).into()
}

/// The signature Shopify would send for `body`: for tests and fake servers.
pub fn sign(secret: &Secret, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.expose().as_bytes()).expect("HMAC takes keys of any length");
    mac.update(body);
    BASE64.encode(mac.finalize().into_bytes())
}

/// The webhook receiver: configuration, the signing secret, the intake it stores into,
/// and the webhook ids already stored.
pub struct Webhooks<I> {
    config: ShopifyConfig,
    secret: Secret,
    intake: I,
    seen: Mutex<SeenIds>,
}

impl<I: Intake> Webhooks<I> {
    pub fn new(config: ShopifyConfig, secret: Secret, intake: I) -> Self {
        Webhooks { config, secret, intake, seen: Mutex::new(SeenIds::default()) }
    }

    pub fn intake(&self) -> &I {
        &self.intake
    }

    pub fn router(self: Arc<Self>) -> Router {
        Router::new().route(WEBHOOK_PATH, post(receive::<I>)).with_state(self)
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
    pub async fn handle(&self, headers: &HeaderMap, body: &[u8]) -> StatusCode {
        let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
        let verified = header(HMAC_HEADER).is_some_and(|sig| signature_is_valid(&self.secret, body, sig));
        if !verified {
            warn!(webhook_id = header(WEBHOOK_ID_HEADER), "webhook with a missing or bad signature refused");
            return StatusCode::UNAUTHORIZED;
        }
        let (Some(id), Some(topic)) = (header(WEBHOOK_ID_HEADER), header(TOPIC_HEADER)) else {
            return StatusCode::BAD_REQUEST;
        };
        let span = tracing::info_span!("shopify_webhook", webhook_id = id, topic, shop = header(SHOP_HEADER));
        let _entered = span.enter();
        if let Some(shop) = header(SHOP_HEADER) {
            if shop != self.config.shop {
                warn!(expected = %self.config.shop, "webhook for another shop refused");
                return StatusCode::UNAUTHORIZED;
            }
        }
        if self.seen.lock().expect("seen ids lock").contains(id) {
            info!("webhook already stored; acknowledged again");
            return StatusCode::OK;
        }
        let Some(topic) = Topic::parse(topic) else {
            // Acknowledged so that Shopify does not retry a subscription we never asked for.
            warn!("webhook topic not handled; acknowledged and dropped");
            return StatusCode::OK;
        };
        let stored = match serde_json::from_slice(body)
            .map_err(|e| crate::ShopifyError::Mapping(format!("not JSON: {e}")))
            .and_then(|payload| webhook_documents(topic, &payload, &self.config))
        {
            Ok(envelopes) => self.intake.submit(envelopes).await,
            // A payload we cannot map is a partner error: keep the original for repair and
            // replay, and acknowledge, since a redelivery would fail the same way.
            Err(e) => self.intake.quarantine(topic, body, &e.to_string()).await,
        };
        match stored {
            Ok(()) => {
                self.seen.lock().expect("seen ids lock").insert(id);
                StatusCode::OK
            }
            Err(e) => {
                warn!(error = %e, "intake failed; Shopify will retry");
                StatusCode::SERVICE_UNAVAILABLE
            }
        }
    }
}

async fn receive<I: Intake>(State(webhooks): State<Arc<Webhooks<I>>>, headers: HeaderMap, body: Bytes) -> StatusCode {
    webhooks.handle(&headers, &body).await
}

/// A bounded memory of stored webhook ids, oldest forgotten first.
#[derive(Default)]
struct SeenIds {
    set: HashSet<String>,
    order: VecDeque<String>,
}

impl SeenIds {
    fn contains(&self, id: &str) -> bool {
        self.set.contains(id)
    }

    fn insert(&mut self, id: &str) {
        if self.set.insert(id.to_string()) {
            self.order.push_back(id.to_string());
            if self.order.len() > REMEMBERED_IDS {
                let oldest = self.order.pop_front().expect("not empty");
                self.set.remove(&oldest);
            }
        }
    }
}
