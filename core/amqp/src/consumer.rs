//! Consuming: handle, then ack; retry later, or park with the reason.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use crossdock_model::Envelope;
use crossdock_runtime::{DeliveryError, Error, Handler, Runtime, Store, Subscriber};
use futures_util::{FutureExt, StreamExt};
use lapin::message::Delivery;
use lapin::options::{
    BasicAckOptions, BasicConsumeOptions, BasicGetOptions, BasicNackOptions, BasicPublishOptions, BasicQosOptions,
    ConfirmSelectOptions, QueueDeclareOptions,
};
use lapin::types::{AMQPValue, FieldTable};
use lapin::{BasicProperties, Channel};
use serde_json::Value;
use tracing::{info, info_span, warn, Instrument};

use crate::error::AmqpError;
use crate::topology::{header_count, header_text, headers, long_string, Topology};

/// How one consumer takes its queue.
#[derive(Debug, Clone)]
pub struct ConsumerConfig {
    /// The consumer's name: its queue is `{prefix}.{name}`; every worker running the same
    /// name competes on that queue.
    pub name: String,
    /// Topic patterns of the event types it wants (`order.*`, `#`).
    pub bindings: Vec<String>,
    /// Unacknowledged deliveries RabbitMQ may push ahead, and so the largest batch: what
    /// has arrived is handled together (one transaction, one multiple-ack). 256 amortises
    /// the commit's fsync over a few hundred messages under load, while bounding what a
    /// crashed worker hands back for redelivery and what it takes away from competing
    /// workers; at low rates batches are small and nothing waits to fill one.
    pub prefetch: u16,
    /// Attempts before a message that keeps failing transiently is parked.
    pub max_attempts: u32,
    /// A handler not done by then has failed (transiently).
    pub handle_timeout: Duration,
}

impl ConsumerConfig {
    pub fn new(name: impl Into<String>, bindings: &[&str]) -> Self {
        ConsumerConfig {
            name: name.into(),
            bindings: bindings.iter().map(|b| b.to_string()).collect(),
            prefetch: 256,
            max_attempts: 5,
            handle_timeout: Duration::from_secs(30),
        }
    }
}

/// Consumes `config.name`'s queue with `subscriber` until `shutdown` completes,
/// reconnecting with backoff (and declaring the topology again) whenever the connection or
/// channel is lost. A delivery is acked only after `subscriber` returned; if the
/// connection drops first, RabbitMQ delivers it again, to this worker or another.
pub async fn consume(
    url: &str,
    topology: &Topology,
    config: &ConsumerConfig,
    subscriber: Arc<dyn Subscriber>,
    shutdown: impl Future<Output = ()> + Send,
) {
    tokio::pin!(shutdown);
    let mut backoff = Duration::from_millis(100);
    loop {
        let session = session(url, topology, config, &subscriber, &mut backoff);
        tokio::select! {
            _ = &mut shutdown => return,
            ended = session => warn!(failure = %ended, ?backoff, consumer = %config.name, "consumer lost its connection; reconnecting"),
        }
        tokio::select! {
            _ = &mut shutdown => return,
            _ = tokio::time::sleep(backoff) => {}
        }
        backoff = crate::next_backoff(backoff);
    }
}

/// One connection's worth of consuming; returns why it ended.
async fn session(
    url: &str,
    topology: &Topology,
    config: &ConsumerConfig,
    subscriber: &Arc<dyn Subscriber>,
    backoff: &mut Duration,
) -> AmqpError {
    let run = async {
        let connection = crate::connect(url).await?;
        let channel = connection.create_channel().await?;
        channel.confirm_select(ConfirmSelectOptions::default()).await?;
        topology.declare_consumer(&channel, &config.name, &config.bindings).await?;
        channel.basic_qos(config.prefetch, BasicQosOptions::default()).await?;
        let mut deliveries = channel
            .basic_consume(&topology.queue(&config.name), "", BasicConsumeOptions::default(), FieldTable::default())
            .await?;
        info!(consumer = %config.name, "consuming");
        *backoff = Duration::from_millis(100);
        while let Some(first) = deliveries.next().await {
            // What RabbitMQ has pushed already (up to the prefetch) is handled as one
            // batch: for the broker's intake, one transaction and one fsync for all.
            let mut batch = vec![first?];
            while let Some(Some(next)) = deliveries.next().now_or_never() {
                batch.push(next?);
            }
            take(&channel, topology, config, subscriber, batch).await?;
        }
        Err(AmqpError::Amqp(lapin::Error::InvalidChannelState(channel.status().state())))
    };
    match run.await {
        Ok(()) => AmqpError::Amqp(lapin::Error::InvalidConnectionState(lapin::ConnectionState::Closed)),
        Err(failure) => failure,
    }
}

/// Handles a batch of deliveries, then acks them; a failure is first moved, confirmed, to
/// a retry queue or to parking, and only then acked. Deliveries the subscriber did not
/// attempt (it stopped at a failure) go back to the queue as they were.
async fn take(
    channel: &Channel,
    topology: &Topology,
    config: &ConsumerConfig,
    subscriber: &Arc<dyn Subscriber>,
    batch: Vec<Delivery>,
) -> Result<(), AmqpError> {
    // The envelopes go to the subscriber; per delivery, why it could not be read, if so.
    let mut messages = Vec::with_capacity(batch.len());
    let mut unreadable = Vec::with_capacity(batch.len());
    for delivery in &batch {
        match serde_json::from_slice::<Envelope<Value>>(&delivery.data) {
            Ok(message) => {
                messages.push(message);
                unreadable.push(None);
            }
            Err(e) => unreadable.push(Some(DeliveryError::Permanent(format!("not a canonical envelope: {e}")))),
        }
    }
    let span = info_span!("consume", consumer = %config.name, messages = messages.len(),
        first_id = messages.first().map_or("", |m| m.id.as_str()));
    let mut handled = handle(subscriber, messages, config.handle_timeout).instrument(span).await.into_iter();
    // One outcome per delivery, in order, until the subscriber's outcomes run out.
    let mut outcomes = Vec::with_capacity(batch.len());
    for unreadable in unreadable {
        match unreadable {
            Some(error) => outcomes.push(Err(error)),
            None => match handled.next() {
                Some(outcome) => outcomes.push(outcome),
                None => break,
            },
        }
    }
    for (delivery, outcome) in batch.iter().zip(&outcomes) {
        let Err(error) = outcome else { continue };
        let failed_before = header_count(delivery.properties.headers().as_ref(), headers::ATTEMPTS);
        let attempts = failed_before + 1;
        let (exchange, routing_key) = match error {
            DeliveryError::Transient(_) if attempts < config.max_attempts => {
                (String::new(), topology.retry_queue(&config.name, attempts))
            }
            _ => {
                warn!(consumer = %config.name, attempts, %error, "parking the message");
                (topology.dead_letter_exchange(), String::new())
            }
        };
        let mut table = delivery.properties.headers().clone().unwrap_or_default();
        table.insert(headers::ATTEMPTS.into(), AMQPValue::LongUInt(attempts));
        table.insert(headers::ERROR.into(), long_string(&error.to_string()));
        table.insert(headers::QUEUE.into(), long_string(&topology.queue(&config.name)));
        let properties = delivery.properties.clone().with_headers(table);
        confirmed_publish(channel, &exchange, &routing_key, &delivery.data, properties).await?;
    }
    // Deliveries on a channel are acked in order, so one ack covers the settled prefix.
    if let Some(last) = outcomes.len().checked_sub(1) {
        batch[last].ack(BasicAckOptions { multiple: true }).await?;
    }
    if let Some(unattempted) = batch.get(outcomes.len()..).and_then(<[Delivery]>::last) {
        unattempted.nack(BasicNackOptions { multiple: true, requeue: true }).await?;
    }
    Ok(())
}

/// Runs the subscriber in its own task: a panic or a hang costs the batch an attempt, not
/// the worker.
async fn handle(
    subscriber: &Arc<dyn Subscriber>,
    messages: Vec<Envelope<Value>>,
    timeout: Duration,
) -> Vec<Result<(), DeliveryError>> {
    if messages.is_empty() {
        return Vec::new();
    }
    let subscriber = Arc::clone(subscriber);
    let mut task = tokio::spawn(async move { subscriber.deliver_batch(&messages).await });
    let failed = |error| vec![Err(error)];
    match tokio::time::timeout(timeout, &mut task).await {
        Ok(Ok(outcomes)) if !outcomes.is_empty() => outcomes,
        Ok(Ok(_)) => failed(DeliveryError::Transient("the subscriber returned no outcome".to_string())),
        Ok(Err(failure)) => failed(DeliveryError::Permanent(format!("the handler failed: {failure}"))),
        Err(_) => {
            task.abort();
            failed(DeliveryError::Transient(format!("no answer within {timeout:?}")))
        }
    }
}

async fn confirmed_publish(
    channel: &Channel,
    exchange: &str,
    routing_key: &str,
    body: &[u8],
    properties: BasicProperties,
) -> Result<(), AmqpError> {
    let confirm =
        channel.basic_publish(exchange, routing_key, BasicPublishOptions::default(), body, properties).await?.await?;
    if confirm.is_ack() {
        Ok(())
    } else {
        Err(AmqpError::NotConfirmed(routing_key.to_string()))
    }
}

/// Sends up to `limit` of the messages parked now back to the queue each came from, with a
/// fresh attempt count (the last error stays in its header). Messages parked again while
/// this runs are left for the next replay. Returns how many were replayed. Each is acked
/// in parking only after its republish was confirmed.
pub async fn replay_parked(url: &str, topology: &Topology, limit: usize) -> Result<usize, AmqpError> {
    let connection = crate::connect(url).await?;
    let channel = connection.create_channel().await?;
    channel.confirm_select(ConfirmSelectOptions::default()).await?;
    topology.declare_shared(&channel).await?;
    let passive = QueueDeclareOptions { passive: true, ..Default::default() };
    let parked_now = channel.queue_declare(&topology.parking_queue(), passive, FieldTable::default()).await?;
    let limit = limit.min(parked_now.message_count() as usize);
    let mut replayed = 0;
    while replayed < limit {
        let Some(parked) = channel.basic_get(&topology.parking_queue(), BasicGetOptions::default()).await? else {
            break;
        };
        let table = parked.delivery.properties.headers().clone().unwrap_or_default();
        let Some(queue) = header_text(Some(&table), headers::QUEUE) else {
            warn!("a parked message names no queue; left in parking");
            parked.delivery.nack(BasicNackOptions { requeue: true, ..Default::default() }).await?;
            break;
        };
        let mut fresh = FieldTable::default();
        for (name, value) in table.inner() {
            if name.as_str() != headers::ATTEMPTS {
                fresh.insert(name.clone(), value.clone());
            }
        }
        let properties = parked.delivery.properties.clone().with_headers(fresh);
        confirmed_publish(&channel, "", &queue, &parked.delivery.data, properties).await?;
        parked.delivery.ack(BasicAckOptions::default()).await?;
        replayed += 1;
    }
    let _ = connection.close(200, "replayed").await;
    Ok(replayed)
}

/// The broker's intake as a bus subscriber: each message is submitted to the runtime,
/// which handles it once (its inbox dedupes redeliveries) and commits before this returns.
pub struct Intake<S: Store, H: Handler> {
    runtime: Arc<Runtime<S, H>>,
}

impl<S: Store, H: Handler> Intake<S, H> {
    pub const NAME: &'static str = "intake";

    pub fn new(runtime: Arc<Runtime<S, H>>) -> Self {
        Intake { runtime }
    }
}

#[async_trait]
impl<S: Store, H: Handler + 'static> Subscriber for Intake<S, H> {
    fn name(&self) -> &str {
        Self::NAME
    }

    async fn deliver(&self, message: &Envelope<Value>) -> Result<(), DeliveryError> {
        self.deliver_batch(std::slice::from_ref(message)).await.pop().expect("one outcome per message")
    }

    /// One transaction for the whole batch.
    async fn deliver_batch(&self, messages: &[Envelope<Value>]) -> Vec<Result<(), DeliveryError>> {
        let refused = |refused: Error| match refused {
            Error::Handler { .. } | Error::InvalidMessage(_) => DeliveryError::Permanent(refused.to_string()),
            other => DeliveryError::Transient(other.to_string()),
        };
        match self.runtime.submit_batch(messages).await {
            Ok(outcomes) => outcomes.into_iter().map(|outcome| outcome.map(|_| ()).map_err(refused)).collect(),
            Err(failure) => {
                let reason = refused(failure);
                messages.iter().map(|_| Err(reason.clone())).collect()
            }
        }
    }
}
