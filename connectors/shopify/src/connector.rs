//! The Shopify inbound connector: a webhook delivery (or a backfilled order, delivered the
//! same way) to canonical envelopes.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use crossdock_connector::{
    ConfigError, Connector, ConnectorConfig, ConnectorError, Delivery, InboundConnector, OutboundConnector,
};
use crossdock_model::Envelope;
use serde_json::Value;

use crate::admin::AdminClient;
use crate::config::{Secret, ShopifyConfig};
use crate::mapping::OrderMapping;
use crate::outbound::ShopifyOutbound;
use crate::translate::{Topic, Translator};
use crate::webhook::{signature_is_valid, HMAC_HEADER, TOPIC_HEADER};

pub struct ShopifyConnector {
    translator: Translator,
    secret: Secret,
}

impl ShopifyConnector {
    /// `secret` is the app's API secret, which signs every webhook.
    pub fn new(translator: Translator, secret: Secret) -> Self {
        ShopifyConnector { translator, secret }
    }

    pub fn translator(&self) -> &Translator {
        &self.translator
    }

    /// True when the delivery carries a valid `X-Shopify-Hmac-Sha256` of its raw body.
    pub fn is_authentic(&self, delivery: &Delivery) -> bool {
        delivery
            .header(HMAC_HEADER)
            .is_some_and(|signature| signature_is_valid(&self.secret, &delivery.body, signature))
    }
}

#[async_trait]
impl InboundConnector for ShopifyConnector {
    fn name(&self) -> &str {
        &self.translator.config.name
    }

    fn decode(&self, delivery: &Delivery) -> Result<Vec<Envelope<Value>>, ConnectorError> {
        if !self.is_authentic(delivery) {
            return Err(ConnectorError::partner("bad_signature", "missing or bad X-Shopify-Hmac-Sha256"));
        }
        let topic = delivery.header(TOPIC_HEADER).unwrap_or_default();
        let Some(topic) = Topic::parse(topic) else {
            return Err(ConnectorError::partner("unsupported", format!("webhook topic {topic:?} is not handled")));
        };
        let payload: Value = serde_json::from_slice(&delivery.body)
            .map_err(|e| ConnectorError::partner("malformed", format!("{} body is not JSON: {e}", topic.as_str())))?;
        let envelopes = self.translator.webhook_documents(topic, &payload)?;
        Ok(envelopes.into_iter().map(to_value).collect())
    }
}

fn to_value(envelope: Envelope) -> Envelope<Value> {
    Envelope {
        data: serde_json::to_value(&envelope.data).expect("canonical documents serialize"),
        id: envelope.id,
        event_type: envelope.event_type,
        source: envelope.source,
        subject: envelope.subject,
        time: envelope.time,
        correlation_id: envelope.correlation_id,
        causation_id: envelope.causation_id,
        idempotency_key: envelope.idempotency_key,
        tenant: envelope.tenant,
        schema_version: envelope.schema_version,
    }
}

/// The registry's constructor for the `shopify` kind. Settings are [`ShopifyConfig`]'s
/// (`shop`, `locations`, `order_mapping`, `tenant`, `secret_env`, `token_env`); secrets
/// come from the environment variables they name, never from the file. Without an Admin
/// API token the connector is inbound only.
pub fn build(config: &ConnectorConfig) -> Result<Connector, ConfigError> {
    let error = |message: String| ConfigError { connector: config.name.clone(), message };
    let mut settings: ShopifyConfig = config.settings()?;
    settings.name = config.name.clone();
    let secret = Secret::from_env(&settings.secret_env).ok_or_else(|| {
        error(format!("the environment variable {} (the app's API secret) is not set", settings.secret_env))
    })?;
    let orders = OrderMapping::load(&settings.order_mapping).map_err(|d| error(d.to_string()))?;
    let outbound = match Secret::from_env(&settings.token_env) {
        Some(token) => {
            let client = AdminClient::new(&format!("https://{}", settings.shop), token, Some(Duration::from_secs(30)))
                .map_err(|e| error(e.to_string()))?
                .with_retry_policy(config.retry);
            Some(Arc::new(ShopifyOutbound::new(&settings, client)) as Arc<dyn OutboundConnector>)
        }
        None => None,
    };
    let connector = ShopifyConnector::new(Translator::new(settings, orders), secret);
    Ok(Connector { inbound: Some(Arc::new(connector)), outbound })
}
