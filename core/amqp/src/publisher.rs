//! Publishing with confirms, and the outbox relay built on it.

use async_trait::async_trait;
use crossdock_model::Envelope;
use crossdock_runtime::{DeliveryError, Subscriber};
use lapin::options::{BasicPublishOptions, ConfirmSelectOptions};
use lapin::{BasicProperties, Channel, Connection};
use serde_json::Value;
use tokio::sync::Mutex;
use tracing::warn;

use crate::error::AmqpError;
use crate::topology::{topic_matches, Topology};

/// Persistent (delivery mode 2): written to disk by the queues that take it.
const PERSISTENT: u8 = 2;

/// A confirm-mode channel, opened on first use and again after any failure.
pub struct Publisher {
    url: String,
    topology: Topology,
    link: Mutex<Option<(Connection, Channel)>>,
}

impl Publisher {
    pub fn new(url: impl Into<String>, topology: Topology) -> Self {
        Publisher { url: url.into(), topology, link: Mutex::new(None) }
    }

    pub fn topology(&self) -> &Topology {
        &self.topology
    }

    /// Publishes `message` to the events exchange under its event type, and returns once
    /// RabbitMQ confirmed it (it is then in every bound queue, on disk).
    pub async fn publish_event(&self, message: &Envelope<Value>) -> Result<(), AmqpError> {
        self.publish_events(std::slice::from_ref(message)).await.pop().expect("one outcome per message")
    }

    /// Publishes every message, then waits for all their confirms together: one round of
    /// disk writes at RabbitMQ for the batch instead of one per message. One outcome per
    /// message; any failure drops the link (the next call reconnects).
    pub async fn publish_events(&self, messages: &[Envelope<Value>]) -> Vec<Result<(), AmqpError>> {
        let channel = match self.channel().await {
            Ok(channel) => channel,
            Err(failure) => {
                let reason = failure.to_string();
                return messages.iter().map(|_| Err(AmqpError::Unavailable(reason.clone()))).collect();
            }
        };
        let exchange = self.topology.events_exchange();
        // All in flight at once (lapin orders the frames on the channel), then every
        // confirm awaited: RabbitMQ writes the batch to disk once, not once per message.
        let outcomes = futures_util::future::join_all(messages.iter().map(|message| async {
            let body = serde_json::to_vec(message).map_err(|e| AmqpError::Encoding(message.id.clone(), e))?;
            let properties = BasicProperties::default()
                .with_message_id(message.id.as_str().into())
                .with_correlation_id(message.correlation_id.as_str().into())
                .with_type(message.event_type.as_str().into())
                .with_content_type("application/cloudevents+json".into())
                .with_delivery_mode(PERSISTENT);
            let options = BasicPublishOptions::default();
            let confirm =
                channel.basic_publish(&exchange, &message.event_type, options, &body, properties).await?.await?;
            if confirm.is_ack() {
                Ok(())
            } else {
                Err(AmqpError::NotConfirmed(message.id.clone()))
            }
        }))
        .await;
        if outcomes.iter().any(Result::is_err) {
            self.link.lock().await.take();
        }
        outcomes
    }

    /// Publishes and waits for the confirm. A failure drops the link; the next call
    /// reconnects (callers retry with their own backoff).
    pub async fn publish(
        &self,
        exchange: &str,
        routing_key: &str,
        body: &[u8],
        properties: BasicProperties,
        label: &str,
    ) -> Result<(), AmqpError> {
        let channel = self.channel().await?;
        let confirmed = async {
            let confirm = channel
                .basic_publish(exchange, routing_key, BasicPublishOptions::default(), body, properties)
                .await?
                .await?;
            if confirm.is_ack() {
                Ok(())
            } else {
                Err(AmqpError::NotConfirmed(label.to_string()))
            }
        }
        .await;
        if confirmed.is_err() {
            self.link.lock().await.take();
        }
        confirmed
    }

    async fn channel(&self) -> Result<Channel, AmqpError> {
        let mut link = self.link.lock().await;
        if let Some((connection, channel)) = link.as_ref() {
            if connection.status().connected() && channel.status().connected() {
                return Ok(channel.clone());
            }
        }
        link.take();
        let connection = crate::connect(&self.url).await?;
        let channel = connection.create_channel().await?;
        channel.confirm_select(ConfirmSelectOptions::default()).await?;
        self.topology.declare_shared(&channel).await?;
        *link = Some((connection, channel.clone()));
        Ok(channel)
    }
}

/// The outbox relay: a subscriber of the runtime's [`Bus`](crossdock_runtime::Bus) that
/// publishes each outbox message to RabbitMQ. The bus marks a message sent only when this
/// returns `Ok`, i.e. after the confirm. Give its bus an unbounded `max_attempts`: an
/// unreachable RabbitMQ is a reason to wait, never to park.
pub struct OutboxRelay {
    publisher: Publisher,
    /// Topic patterns of the event types published; the others are passed over (and
    /// recorded as relayed: the outbox keeps them all).
    publish: Vec<String>,
}

impl OutboxRelay {
    pub const NAME: &'static str = "amqp-relay";

    /// A relay publishing every event.
    pub fn new(publisher: Publisher) -> Self {
        OutboxRelay { publisher, publish: vec!["#".to_string()] }
    }

    /// Publishes only the event types matching `patterns` (topic patterns). RabbitMQ drops
    /// an event no queue is bound to on arrival; when the deployment's bindings are known,
    /// not publishing those spares the relay most of its work (the broker emits ~6 events
    /// per order; the connectors take 2).
    pub fn publishing_only(mut self, patterns: Vec<String>) -> Self {
        self.publish = patterns;
        self
    }
}

#[async_trait]
impl Subscriber for OutboxRelay {
    fn name(&self) -> &str {
        Self::NAME
    }

    async fn deliver(&self, message: &Envelope<Value>) -> Result<(), DeliveryError> {
        self.deliver_batch(std::slice::from_ref(message)).await.pop().expect("one outcome per message")
    }

    /// The whole page published at once, its confirms awaited together.
    async fn deliver_batch(&self, messages: &[Envelope<Value>]) -> Vec<Result<(), DeliveryError>> {
        let wanted = |m: &Envelope<Value>| self.publish.iter().any(|p| topic_matches(p, &m.event_type));
        let published: Vec<Envelope<Value>> = messages.iter().filter(|m| wanted(m)).cloned().collect();
        let mut confirmed = self.publisher.publish_events(&published).await.into_iter();
        let outcomes: Vec<Result<(), AmqpError>> = messages
            .iter()
            .map(|m| if wanted(m) { confirmed.next().expect("one outcome per message") } else { Ok(()) })
            .collect();
        if let Some(Err(failure)) = outcomes.iter().find(|outcome| outcome.is_err()) {
            warn!(%failure, "publish failed; the outbox keeps the message");
        }
        outcomes
            .into_iter()
            .map(|outcome| {
                outcome.map_err(|failure| match failure {
                    AmqpError::Encoding(..) => DeliveryError::Permanent(failure.to_string()),
                    _ => DeliveryError::Transient(failure.to_string()),
                })
            })
            .collect()
    }
}
