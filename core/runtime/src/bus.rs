//! The in-process bus: drains the outbox, in sequence order, to each subscriber.
//!
//! Delivery is at-least-once. A message counts as delivered to a subscriber only once the
//! subscriber returned `Ok` and that was recorded in `deliveries`; a crash in between means
//! delivering it again, so subscribers must be idempotent (see
//! [`Store::file_document`]). Each subscriber has its own worker and cursor: a failing one
//! is retried with exponential backoff, then its message is parked (`parked` table) and it
//! moves on, while the others never wait for it.

use std::collections::HashSet;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use crossdock_model::Envelope;
use serde_json::Value;
use tokio::sync::watch;
use tokio::task::{JoinHandle, JoinSet};
use tracing::{error, info_span, warn, Instrument};

use crate::clock::Clock;
use crate::error::{Error, StoreError};
use crate::store::{OutboxRecord, ParkedDelivery, Store};

/// A consumer of outbox messages: a connector sending partner documents, a projection, ...
#[async_trait]
pub trait Subscriber: Send + Sync {
    /// Unique on a bus; deliveries are recorded under it, so keep it stable across restarts.
    fn name(&self) -> &str;

    /// Takes one message. May be called again with a message it already took (after a
    /// crash, or when recording the delivery failed): doing so must have no new effect.
    /// Messages it does not care about: return `Ok(())`.
    async fn deliver(&self, message: &Envelope<Value>) -> Result<(), DeliveryError>;

    /// Takes several messages, in order, and returns the outcome of a prefix of them (of
    /// all, unless it stopped early); messages past that prefix were not attempted and are
    /// offered again. The default delivers one by one and stops at the first failure, which
    /// keeps a failing message ahead of those after it. Override it when a batch can be
    /// done at once (one transaction, publishes awaited together).
    async fn deliver_batch(&self, messages: &[Envelope<Value>]) -> Vec<Result<(), DeliveryError>> {
        let mut outcomes = Vec::with_capacity(messages.len());
        for message in messages {
            let outcome = self.deliver(message).await;
            let failed = outcome.is_err();
            outcomes.push(outcome);
            if failed {
                break;
            }
        }
        outcomes
    }
}

/// Why a delivery failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeliveryError {
    /// Worth retrying: the partner is unreachable, a timeout, a lock.
    #[error("{0}")]
    Transient(String),
    /// Retrying will not help: the message is parked at once.
    #[error("{0}")]
    Permanent(String),
}

/// Retry and polling settings of a [`Bus`].
#[derive(Debug, Clone)]
pub struct BusConfig {
    /// Attempts per message and subscriber before the message is parked.
    pub max_attempts: u32,
    /// Wait after the first failure; doubled after each further one.
    pub first_backoff: Duration,
    pub max_backoff: Duration,
    /// A delivery not finished by then is abandoned and counts as a transient failure.
    pub delivery_timeout: Duration,
    /// How often an idle worker looks at the outbox even if no commit woke it (a commit
    /// by another process, a lost wake-up, a failed store read).
    pub poll_interval: Duration,
    /// Outbox messages read at a time.
    pub batch_size: u32,
}

impl Default for BusConfig {
    fn default() -> Self {
        BusConfig {
            max_attempts: 5,
            first_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(10),
            delivery_timeout: Duration::from_secs(30),
            poll_interval: Duration::from_secs(1),
            batch_size: 100,
        }
    }
}

/// The outbox relay of the embedded deployment. Build it with [`Runtime::bus`](crate::Runtime::bus)
/// (or [`Bus::new`]), add subscribers, then [`run`](Bus::run) it.
pub struct Bus<S: Store> {
    store: S,
    clock: Arc<dyn Clock>,
    outbox_changes: watch::Receiver<u64>,
    subscribers: Vec<Arc<dyn Subscriber>>,
    config: BusConfig,
}

impl<S: Store> Bus<S> {
    /// A bus over `store`'s outbox, woken when `outbox_changes` changes (and polling).
    pub fn new(store: S, clock: Arc<dyn Clock>, outbox_changes: watch::Receiver<u64>) -> Self {
        Bus { store, clock, outbox_changes, subscribers: Vec::new(), config: BusConfig::default() }
    }

    pub fn subscribe(mut self, subscriber: Arc<dyn Subscriber>) -> Self {
        self.subscribers.push(subscriber);
        self
    }

    pub fn with_config(mut self, config: BusConfig) -> Self {
        self.config = config;
        self
    }

    /// Delivers until `shutdown` completes, then lets each worker finish the delivery it
    /// is in (bounded by `delivery_timeout`) and returns.
    ///
    /// Workers start after the last message every subscriber has had
    /// ([`Store::delivered_through`]): a subscriber added later gets what was still in
    /// flight and everything after, not the whole history.
    pub async fn run(self, shutdown: impl Future<Output = ()> + Send) -> Result<(), Error> {
        let mut seen = HashSet::new();
        for subscriber in &self.subscribers {
            if !seen.insert(subscriber.name()) {
                return Err(Error::DuplicateSubscriber(subscriber.name().to_string()));
            }
        }
        let names: Arc<[String]> = self.subscribers.iter().map(|s| s.name().to_string()).collect();
        let start = self.store.delivered_through().await?;

        let (stop, stopping) = watch::channel(false);
        let mut workers = JoinSet::new();
        for subscriber in self.subscribers {
            let span = info_span!("bus", subscriber = subscriber.name());
            let worker = Worker {
                store: self.store.clone(),
                clock: Arc::clone(&self.clock),
                subscriber,
                subscribers: Arc::clone(&names),
                config: self.config.clone(),
                outbox_changes: self.outbox_changes.clone(),
                stopping: stopping.clone(),
            };
            workers.spawn(worker.run(start).instrument(span));
        }
        shutdown.await;
        // Receivers are dropped with the workers; nobody listening is fine.
        let _ = stop.send(true);
        while let Some(joined) = workers.join_next().await {
            if let Err(failure) = joined {
                error!(%failure, "a bus worker ended abnormally");
            }
        }
        Ok(())
    }
}

/// One subscriber's delivery loop.
struct Worker<S: Store> {
    store: S,
    clock: Arc<dyn Clock>,
    subscriber: Arc<dyn Subscriber>,
    /// Every subscriber on the bus: a message is settled when all have had it.
    subscribers: Arc<[String]>,
    config: BusConfig,
    outbox_changes: watch::Receiver<u64>,
    stopping: watch::Receiver<bool>,
}

enum Outcome {
    Delivered,
    Parked { attempts: u32, error: String },
}

impl<S: Store> Worker<S> {
    async fn run(mut self, mut cursor: i64) {
        let name = self.subscriber.name().to_string();
        // The previous page's delivery record, written while the next page is delivered
        // (a store round trip overlapped with the subscriber's), with the cursor to read
        // again from should it fail.
        let mut recording: Option<(JoinHandle<Result<(), StoreError>>, i64)> = None;
        while !*self.stopping.borrow() {
            let batch = match self.store.pending_for(&name, cursor, self.config.batch_size).await {
                Ok(batch) => batch,
                Err(failure) => {
                    warn!(%failure, "cannot read the outbox; will retry");
                    self.idle().await;
                    continue;
                }
            };
            if batch.is_empty() {
                if let Some(from) = settle(recording.take()).await {
                    cursor = from;
                }
                self.idle().await;
                continue;
            }
            // The whole page at once; then, one by one with retries, the first failure.
            let outcomes = self.attempt_batch(&batch).await;
            // Records are written in page order: the previous page's first.
            if let Some(from) = settle(recording.take()).await {
                cursor = from;
                self.idle().await;
                continue;
            }
            let delivered: Vec<String> = batch
                .iter()
                .zip(&outcomes)
                .filter(|(_, outcome)| outcome.is_ok())
                .map(|(record, _)| record.message.id.clone())
                .collect();
            if delivered.len() == batch.len() {
                let (store, subscribers, at) = (self.store.clone(), Arc::clone(&self.subscribers), self.clock.now());
                let name = name.clone();
                let task =
                    tokio::spawn(async move { store.record_deliveries(&name, &delivered, &subscribers, at).await });
                recording = Some((task, cursor));
                cursor = batch[batch.len() - 1].sequence;
                continue;
            }
            if !delivered.is_empty() {
                if let Err(failure) =
                    self.store.record_deliveries(&name, &delivered, &self.subscribers, self.clock.now()).await
                {
                    // Not recorded: the next read returns them, and they are delivered again.
                    warn!(%failure, "cannot record the deliveries; will deliver again");
                    self.idle().await;
                    continue;
                }
            }
            let failed =
                batch.iter().zip(&outcomes).find_map(|(record, outcome)| outcome.as_ref().err().map(|e| (record, e)));
            let Some((record, error)) = failed else {
                cursor = batch[outcomes.len() - 1].sequence;
                continue;
            };
            let span = info_span!(
                "deliver",
                message_id = %record.message.id,
                correlation_id = %record.message.correlation_id,
            );
            let Some(outcome) = self.retry(record, error.clone()).instrument(span.clone()).await else {
                return; // stopping
            };
            if let Err(failure) = self.record(record, outcome).instrument(span).await {
                warn!(%failure, "cannot record the delivery; will deliver again");
                self.idle().await;
                continue;
            }
            // Those after the failure that were delivered are recorded; the others are
            // read again from here.
            cursor = record.sequence;
        }
        settle(recording.take()).await;
    }

    /// Retries a delivery that failed once, until it succeeds or is given up; `None` if
    /// stopping.
    async fn retry(&mut self, record: &OutboxRecord, first: DeliveryError) -> Option<Outcome> {
        let mut backoff = self.config.first_backoff;
        let mut attempts = 1;
        let mut error = first;
        loop {
            if matches!(error, DeliveryError::Permanent(_)) || attempts >= self.config.max_attempts {
                return Some(Outcome::Parked { attempts, error: error.to_string() });
            }
            warn!(attempts, %error, ?backoff, "delivery failed; will retry");
            if !self.pause(backoff).await {
                return None;
            }
            backoff = (backoff * 2).min(self.config.max_backoff);
            attempts += 1;
            let again = self.attempt_batch(std::slice::from_ref(record)).await.pop();
            match again.expect("attempt_batch gives an outcome for a batch of one") {
                Ok(()) => return Some(Outcome::Delivered),
                Err(failure) => error = failure,
            }
        }
    }

    /// One batch delivery, in its own task: a subscriber that panics or hangs costs the
    /// batch an attempt, not the worker.
    async fn attempt_batch(&self, batch: &[OutboxRecord]) -> Vec<Result<(), DeliveryError>> {
        let subscriber = Arc::clone(&self.subscriber);
        let messages: Vec<Envelope<Value>> = batch.iter().map(|record| record.message.clone()).collect();
        let mut task = tokio::spawn(async move { subscriber.deliver_batch(&messages).await });
        let failed = |error: DeliveryError| vec![Err(error)];
        match tokio::time::timeout(self.config.delivery_timeout, &mut task).await {
            Ok(Ok(outcomes)) if !outcomes.is_empty() => outcomes.into_iter().take(batch.len()).collect(),
            Ok(Ok(_)) => failed(DeliveryError::Transient("the subscriber returned no outcome".to_string())),
            Ok(Err(failure)) => failed(DeliveryError::Permanent(format!("the subscriber failed: {failure}"))),
            Err(_) => {
                task.abort();
                failed(DeliveryError::Transient(format!("no answer within {:?}", self.config.delivery_timeout)))
            }
        }
    }

    async fn record(&self, record: &OutboxRecord, outcome: Outcome) -> Result<(), StoreError> {
        let at = self.clock.now();
        let subscriber = self.subscriber.name();
        match outcome {
            Outcome::Delivered => {
                self.store
                    .record_deliveries(subscriber, std::slice::from_ref(&record.message.id), &self.subscribers, at)
                    .await
            }
            Outcome::Parked { attempts, error } => {
                error!(attempts, %error, "delivery given up; parked");
                let parked = ParkedDelivery {
                    subscriber: subscriber.to_string(),
                    message_id: record.message.id.clone(),
                    attempts,
                    error,
                    parked_at: at,
                };
                self.store.park(&parked, &self.subscribers).await
            }
        }
    }

    /// Waits for a commit, the poll interval, or the stop signal.
    async fn idle(&mut self) {
        let poll = self.config.poll_interval;
        tokio::select! {
            _ = self.stopping.changed() => {}
            _ = next_change(&mut self.outbox_changes) => {}
            _ = tokio::time::sleep(poll) => {}
        }
    }

    /// Waits `duration`; false if the stop signal came first.
    async fn pause(&mut self, duration: Duration) -> bool {
        tokio::select! {
            _ = self.stopping.changed() => false,
            _ = tokio::time::sleep(duration) => true,
        }
    }
}

/// Waits for a page's delivery record; if it failed, the cursor to read again from (its
/// messages are delivered again).
async fn settle(recording: Option<(JoinHandle<Result<(), StoreError>>, i64)>) -> Option<i64> {
    let (task, from) = recording?;
    let failure = match task.await {
        Ok(Ok(())) => return None,
        Ok(Err(failure)) => failure.to_string(),
        Err(failure) => failure.to_string(),
    };
    warn!(%failure, "cannot record the deliveries; will deliver again");
    Some(from)
}

/// The next change, or never once the runtime is gone (polling takes over).
async fn next_change(changes: &mut watch::Receiver<u64>) {
    if changes.changed().await.is_err() {
        std::future::pending::<()>().await;
    }
}
