//! Names and declarations. Everything is durable and declared on every (re)connection:
//! declaring what exists with the same arguments is a no-op.

use std::time::Duration;

use lapin::options::{ExchangeDeclareOptions, QueueBindOptions, QueueDeclareOptions, QueueDeleteOptions};
use lapin::types::{AMQPValue, FieldTable, LongString, ShortString};
use lapin::{Channel, ExchangeKind};

use crate::error::AmqpError;

/// Header names a parked or retried message carries.
pub mod headers {
    /// Failed attempts so far.
    pub const ATTEMPTS: &str = "x-crossdock-attempts";
    /// The last error, for an operator.
    pub const ERROR: &str = "x-crossdock-error";
    /// The queue a parked message came from and is replayed to.
    pub const QUEUE: &str = "x-crossdock-queue";
}

/// The names of one deployment's exchanges and queues, all under one prefix (so test runs
/// and deployments sharing a broker never meet), and the retry delays.
#[derive(Debug, Clone)]
pub struct Topology {
    prefix: String,
    retry_delays: Vec<Duration>,
}

impl Topology {
    /// Retries after 100 ms, 1 s and 5 s (the last delay repeats for later attempts).
    pub fn new(prefix: impl Into<String>) -> Self {
        Topology {
            prefix: prefix.into(),
            retry_delays: vec![Duration::from_millis(100), Duration::from_secs(1), Duration::from_secs(5)],
        }
    }

    /// At least one delay; an empty list keeps the current ones.
    pub fn with_retry_delays(mut self, delays: Vec<Duration>) -> Self {
        if !delays.is_empty() {
            self.retry_delays = delays;
        }
        self
    }

    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// The topic exchange canonical events are published to, routed by event type.
    pub fn events_exchange(&self) -> String {
        format!("{}.events", self.prefix)
    }

    /// A fanout exchange in front of the parking queue.
    pub fn dead_letter_exchange(&self) -> String {
        format!("{}.dead-letter", self.prefix)
    }

    pub fn parking_queue(&self) -> String {
        format!("{}.parking", self.prefix)
    }

    /// The queue of one consumer (every worker running it competes on this queue).
    pub fn queue(&self, consumer: &str) -> String {
        format!("{}.{consumer}", self.prefix)
    }

    /// Where a message waits before its next attempt, by how many attempts failed.
    pub fn retry_queue(&self, consumer: &str, failed_attempts: u32) -> String {
        format!("{}.retry.{}", self.queue(consumer), self.retry_level(failed_attempts))
    }

    fn retry_level(&self, failed_attempts: u32) -> usize {
        (failed_attempts.max(1) as usize - 1).min(self.retry_delays.len() - 1)
    }

    /// The exchanges and the parking queue.
    pub async fn declare_shared(&self, channel: &Channel) -> Result<(), AmqpError> {
        let durable = ExchangeDeclareOptions { durable: true, ..Default::default() };
        channel.exchange_declare(&self.events_exchange(), ExchangeKind::Topic, durable, FieldTable::default()).await?;
        channel
            .exchange_declare(&self.dead_letter_exchange(), ExchangeKind::Fanout, durable, FieldTable::default())
            .await?;
        let parking = self.parking_queue();
        channel.queue_declare(&parking, durable_queue(), quorum(FieldTable::default())).await?;
        channel
            .queue_bind(&parking, &self.dead_letter_exchange(), "", QueueBindOptions::default(), FieldTable::default())
            .await?;
        Ok(())
    }

    /// A consumer's quorum queue, bound to the events it wants (topic patterns), and its
    /// retry queues. A message the consumer rejects outright is dead-lettered to parking.
    pub async fn declare_consumer(
        &self,
        channel: &Channel,
        consumer: &str,
        bindings: &[String],
    ) -> Result<(), AmqpError> {
        self.declare_shared(channel).await?;
        let queue = self.queue(consumer);
        let mut arguments = FieldTable::default();
        arguments.insert("x-dead-letter-exchange".into(), long_string(&self.dead_letter_exchange()));
        channel.queue_declare(&queue, durable_queue(), quorum(arguments)).await?;
        for pattern in bindings {
            channel
                .queue_bind(
                    &queue,
                    &self.events_exchange(),
                    pattern,
                    QueueBindOptions::default(),
                    FieldTable::default(),
                )
                .await?;
        }
        // Classic queues: a retry queue is a timed waiting room with per-queue TTL, whose
        // expired messages go back to the consumer's queue through the default exchange.
        for (level, delay) in self.retry_delays.iter().enumerate() {
            let mut arguments = FieldTable::default();
            let ttl = u32::try_from(delay.as_millis()).unwrap_or(u32::MAX);
            arguments.insert("x-message-ttl".into(), AMQPValue::LongUInt(ttl));
            arguments.insert("x-dead-letter-exchange".into(), long_string(""));
            arguments.insert("x-dead-letter-routing-key".into(), long_string(&queue));
            channel.queue_declare(&format!("{queue}.retry.{level}"), durable_queue(), arguments).await?;
        }
        Ok(())
    }

    /// Deletes everything [`declare_consumer`](Self::declare_consumer) made for these
    /// consumers, and the shared parts (tear-down of tests and demos).
    pub async fn delete(&self, channel: &Channel, consumers: &[&str]) -> Result<(), AmqpError> {
        let options = QueueDeleteOptions::default();
        for consumer in consumers {
            let queue = self.queue(consumer);
            for level in 0..self.retry_delays.len() {
                channel.queue_delete(&format!("{queue}.retry.{level}"), options).await?;
            }
            channel.queue_delete(&queue, options).await?;
        }
        channel.queue_delete(&self.parking_queue(), options).await?;
        channel.exchange_delete(&self.events_exchange(), Default::default()).await?;
        channel.exchange_delete(&self.dead_letter_exchange(), Default::default()).await?;
        Ok(())
    }
}

fn durable_queue() -> QueueDeclareOptions {
    QueueDeclareOptions { durable: true, ..Default::default() }
}

/// Replicated and durable; the queue type RabbitMQ recommends for data that matters.
fn quorum(mut arguments: FieldTable) -> FieldTable {
    arguments.insert("x-queue-type".into(), long_string("quorum"));
    arguments
}

pub(crate) fn long_string(text: &str) -> AMQPValue {
    AMQPValue::LongString(LongString::from(text.as_bytes().to_vec()))
}

/// A header as text, if present and textual.
pub(crate) fn header_text(headers: Option<&FieldTable>, name: &str) -> Option<String> {
    match headers?.inner().get(&ShortString::from(name))? {
        AMQPValue::LongString(text) => Some(String::from_utf8_lossy(text.as_bytes()).into_owned()),
        AMQPValue::ShortString(text) => Some(text.as_str().to_string()),
        _ => None,
    }
}

/// A header as a count, 0 if absent.
pub(crate) fn header_count(headers: Option<&FieldTable>, name: &str) -> u32 {
    let value = headers.and_then(|h| h.inner().get(&ShortString::from(name)).cloned());
    match value {
        Some(AMQPValue::LongUInt(n)) => n,
        Some(AMQPValue::LongInt(n)) => u32::try_from(n).unwrap_or(0),
        Some(AMQPValue::LongLongInt(n)) => u32::try_from(n).unwrap_or(0),
        _ => 0,
    }
}

/// Whether routing key `key` matches topic `pattern` as RabbitMQ's topic exchange decides:
/// words split on `.`, `*` stands for exactly one word, `#` for zero or more. Written here
/// (a dozen lines) because the relay must decide without asking the broker.
pub fn topic_matches(pattern: &str, key: &str) -> bool {
    fn words(pattern: &[&str], key: &[&str]) -> bool {
        match (pattern.split_first(), key.split_first()) {
            (None, None) => true,
            (Some((&"#", rest)), _) => words(rest, key) || (!key.is_empty() && words(pattern, &key[1..])),
            (Some((&"*", rest)), Some((_, key_rest))) => words(rest, key_rest),
            (Some((word, rest)), Some((first, key_rest))) => word == first && words(rest, key_rest),
            _ => false,
        }
    }
    let pattern: Vec<&str> = pattern.split('.').collect();
    let key: Vec<&str> = key.split('.').collect();
    words(&pattern, &key)
}

#[cfg(test)]
mod tests {
    use super::topic_matches;

    #[test]
    fn topic_patterns_match_as_rabbitmq_does() {
        let cases = [
            ("#", "po.issued", true),
            ("po.#", "po.issued", true),
            ("po.#", "po", true),
            ("po.#", "po.change.issued", true),
            ("po.*", "po.issued", true),
            ("po.*", "po.change.issued", false),
            ("*.received", "order.received", true),
            ("*.received", "received", false),
            ("sourcing.decided", "sourcing.decided", true),
            ("sourcing.decided", "sourcing.decided.x", false),
            ("#.issued", "po.change.issued", true),
            ("fulfillment.#", "po.issued", false),
        ];
        for (pattern, key, expected) in cases {
            assert_eq!(topic_matches(pattern, key), expected, "{pattern} vs {key}");
        }
    }
}
