//! `crossdock load`: a reproducible synthetic load through the distributed deployment's
//! real path (RabbitMQ intake, the runtime on PostgreSQL, the outbox relay, an outbound
//! consumer), then the ceiling of raw lapin publish + consume on the same broker with the
//! same message size, confirms and acks.
//!
//! The load is the runtime's test ledger (reservations of one unit against a stock of
//! 90% of the orders, so that 10% are refused and overselling would show), in its own
//! PostgreSQL schema and under its own queue prefix, both removed at the end.

use std::collections::HashMap;
use std::path::Path;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use crossdock_amqp::{run_worker, ConsumerConfig, Publisher, Topology, WorkerConfig};
use crossdock_model::Envelope;
use crossdock_runtime::testkit::{self, StockLedger};
use crossdock_runtime::{async_trait, DeliveryError, PgStore, Store, Subscriber};
use futures_util::StreamExt;
use lapin::options::{
    BasicAckOptions, BasicConsumeOptions, BasicPublishOptions, BasicQosOptions, ConfirmSelectOptions,
    QueueDeclareOptions, QueueDeleteOptions,
};
use lapin::types::FieldTable;
use lapin::BasicProperties;
use serde_json::Value;
use tokio::sync::watch;

use crate::serve::DistributedConfig;

/// Publishes in flight before waiting for their confirms.
const CONFIRM_WINDOW: usize = 256;

pub fn run(orders: usize, workers: usize, config_path: &Path) -> Result<ExitCode> {
    if orders == 0 || workers == 0 {
        bail!("--orders and --workers must be at least 1");
    }
    let config = DistributedConfig::load(config_path)?;
    tokio::runtime::Builder::new_multi_thread().enable_all().build()?.block_on(async move {
        let run_id = format!("load_{}_{}", std::process::id(), chrono::Utc::now().timestamp_millis());
        let topology = Topology::new(format!("{}.{run_id}", config.amqp.prefix));
        let schema = format!("crossdock_{run_id}");
        let store = PgStore::connect_in_schema(&config.postgres.url, &schema).await.context("PostgreSQL")?;
        let result = measure(orders, workers, &config, &topology, &store).await;
        tear_down(&config.amqp.url, &topology).await;
        store.drop_schema().await?;
        let line = result?;
        println!("{line}");
        Ok(ExitCode::SUCCESS)
    })
}

async fn measure(
    orders: usize,
    workers: usize,
    config: &DistributedConfig,
    topology: &Topology,
    store: &PgStore,
) -> Result<String> {
    let stock = (orders as u64 * 9) / 10;
    let released = Arc::new(Released::default());
    let (stop, stopping) = watch::channel(false);
    let mut tasks = Vec::new();
    for _ in 0..workers {
        let worker_store = PgStore::connect_in_schema(&config.postgres.url, store.schema()).await?;
        let worker = WorkerConfig {
            amqp_url: config.amqp.url.clone(),
            topology: topology.clone(),
            intake: ConsumerConfig::new("intake", &["stock.*", "reservation.requested"]),
            ownership_poll: Duration::from_millis(200),
        };
        let probe = Arc::new(Probe { store: worker_store.clone(), released: Arc::clone(&released) });
        let outbound = vec![(
            ConsumerConfig::new("documents", &["reservation.accepted", "reservation.refused"]),
            probe as Arc<dyn Subscriber>,
        )];
        let mut stopping = stopping.clone();
        tasks.push(tokio::spawn(run_worker(worker, worker_store, StockLedger::default, outbound, async move {
            let _ = stopping.wait_for(|stop| *stop).await;
        })));
    }
    while store.lease_epoch().await? == 0 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    let publisher = Publisher::new(config.amqp.url.clone(), topology.clone());
    publisher.publish_event(&testkit::stock_received("stock", "SKU-1", stock)).await?;
    let requests: Vec<Envelope<Value>> = (0..orders)
        .map(|i| testkit::reservation_requested(&format!("order-{i}"), &format!("order-{i}"), "SKU-1", 1))
        .collect();
    let message_size = serde_json::to_vec(&requests[0])?.len();
    let started = Instant::now();
    for window in requests.chunks(CONFIRM_WINDOW) {
        let sent_at = Instant::now();
        released.intake.lock().unwrap().extend(window.iter().map(|m| (m.id.clone(), sent_at)));
        futures_util::future::try_join_all(window.iter().map(|m| publisher.publish_event(m))).await?;
    }
    let deadline = Instant::now() + Duration::from_secs(60 + orders as u64 / 100);
    while released.count() < orders && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let elapsed = started.elapsed();
    let _ = stop.send(true);
    for task in tasks {
        task.await?.context("a worker")?;
    }

    let figures = released.figures(orders);
    let inbox: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM inbox").fetch_one(store.pool()).await?;
    let accepted: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE type = 'reservation.accepted'")
        .fetch_one(store.pool())
        .await?;
    let handled_twice = (inbox - 1 - orders as i64).max(0) as usize;
    let oversold = (accepted - stock as i64).max(0);
    let raw = raw_ceiling(&config.amqp.url, topology, orders.min(20_000), message_size).await.context("raw ceiling")?;
    let rate = figures.released as f64 / elapsed.as_secs_f64();
    Ok(format!(
        "orders={orders} workers={workers} orders/s={rate:.0} p50={:.1}ms p99={:.1}ms lost={} duplicated={} \
         oversold={oversold} | raw lapin publish+consume (confirms, acks, {message_size} B)={raw:.0} msg/s; \
         end-to-end = {:.1}% of raw",
        figures.p50_ms,
        figures.p99_ms,
        orders - figures.released,
        figures.duplicated + handled_twice,
        100.0 * rate / raw
    ))
}

/// Release times by order, as the outbound consumer first files each decision.
#[derive(Default)]
struct Released {
    intake: Mutex<HashMap<String, Instant>>,
    latencies: Mutex<Vec<Duration>>,
    /// Decisions filed as new more than once: a document sent twice.
    duplicated: Mutex<usize>,
    seen: Mutex<std::collections::HashSet<String>>,
}

struct Figures {
    released: usize,
    duplicated: usize,
    p50_ms: f64,
    p99_ms: f64,
}

impl Released {
    fn count(&self) -> usize {
        self.seen.lock().unwrap().len()
    }

    fn figures(&self, _orders: usize) -> Figures {
        let mut latencies = self.latencies.lock().unwrap().clone();
        latencies.sort();
        let at = |q: f64| {
            latencies
                .get(((latencies.len() as f64 * q) as usize).min(latencies.len().saturating_sub(1)))
                .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
        };
        Figures {
            released: self.count(),
            duplicated: *self.duplicated.lock().unwrap(),
            p50_ms: at(0.50),
            p99_ms: at(0.99),
        }
    }
}

/// The outbound connector of the load: files each decision once (as a real connector
/// does) and notes when the order it answers was released.
struct Probe {
    store: PgStore,
    released: Arc<Released>,
}

#[async_trait]
impl Subscriber for Probe {
    fn name(&self) -> &str {
        "documents"
    }

    async fn deliver(&self, message: &Envelope<Value>) -> Result<(), DeliveryError> {
        self.deliver_batch(std::slice::from_ref(message)).await.pop().expect("one outcome per message")
    }

    /// Files the batch's decisions in one transaction, as the partner documents connector does.
    async fn deliver_batch(&self, messages: &[Envelope<Value>]) -> Vec<Result<(), DeliveryError>> {
        let documents: Vec<_> = messages
            .iter()
            .map(|message| crossdock_runtime::OutboundDocument {
                id: message.id.clone(),
                partner: "load".to_string(),
                kind: "json/reservation".to_string(),
                business_key: message.subject.clone(),
                bytes: Vec::new(),
            })
            .collect();
        let filed = match self.store.file_documents(&documents, chrono::Utc::now().fixed_offset()).await {
            Ok(filed) => filed,
            Err(e) => return vec![Err(DeliveryError::Transient(e.to_string()))],
        };
        for (message, filed) in messages.iter().zip(filed) {
            if filed != crossdock_runtime::Filed::New {
                continue;
            }
            let order = message.causation_id.clone().unwrap_or_default();
            let sent_at = self.released.intake.lock().unwrap().get(&order).copied();
            if !self.released.seen.lock().unwrap().insert(order) {
                *self.released.duplicated.lock().unwrap() += 1;
            } else if let Some(sent_at) = sent_at {
                self.released.latencies.lock().unwrap().push(sent_at.elapsed());
            }
        }
        messages.iter().map(|_| Ok(())).collect()
    }
}

/// Messages per second through one quorum queue: published with confirms (the same
/// window), consumed with manual acks (the same prefetch as the workers).
async fn raw_ceiling(url: &str, topology: &Topology, messages: usize, size: usize) -> Result<f64> {
    let queue = format!("{}.raw", topology.prefix());
    let connection = lapin::Connection::connect(url, crossdock_amqp::connection_properties()).await?;
    let publishing = connection.create_channel().await?;
    publishing.confirm_select(ConfirmSelectOptions::default()).await?;
    let mut arguments = FieldTable::default();
    arguments.insert("x-queue-type".into(), lapin::types::AMQPValue::LongString("quorum".into()));
    let durable = QueueDeclareOptions { durable: true, ..Default::default() };
    publishing.queue_declare(&queue, durable, arguments).await?;
    let consuming = connection.create_channel().await?;
    consuming.basic_qos(ConsumerConfig::new("raw", &[]).prefetch, BasicQosOptions::default()).await?;
    let mut deliveries =
        consuming.basic_consume(&queue, "", BasicConsumeOptions::default(), FieldTable::default()).await?;
    let body = vec![b'x'; size];
    let started = Instant::now();
    let consumer = tokio::spawn(async move {
        let mut taken = 0;
        while taken < messages {
            let Some(delivery) = deliveries.next().await else { break };
            delivery?.ack(BasicAckOptions::default()).await?;
            taken += 1;
        }
        // Kept until the connection closes: dropping a consumer cancels it, and lapin 2
        // may take the late cancel-ok for a protocol error.
        Ok::<_, lapin::Error>((taken, deliveries))
    });
    let mut sent = 0;
    while sent < messages {
        let window = CONFIRM_WINDOW.min(messages - sent);
        let mut confirms = Vec::with_capacity(window);
        for _ in 0..window {
            let properties = BasicProperties::default().with_delivery_mode(2);
            confirms
                .push(publishing.basic_publish("", &queue, BasicPublishOptions::default(), &body, properties).await?);
        }
        for confirm in confirms {
            if !confirm.await?.is_ack() {
                bail!("RabbitMQ refused a raw message");
            }
        }
        sent += window;
    }
    let (taken, deliveries) =
        tokio::time::timeout(Duration::from_secs(120), consumer).await.context("raw consumer")???;
    let rate = taken as f64 / started.elapsed().as_secs_f64();
    let _ = connection.close(200, "measured").await;
    drop(deliveries);
    let cleaning = lapin::Connection::connect(url, crossdock_amqp::connection_properties()).await?;
    cleaning.create_channel().await?.queue_delete(&queue, QueueDeleteOptions::default()).await?;
    let _ = cleaning.close(200, "done").await;
    Ok(rate)
}

async fn tear_down(url: &str, topology: &Topology) {
    let Ok(connection) = lapin::Connection::connect(url, crossdock_amqp::connection_properties()).await else { return };
    if let Ok(channel) = connection.create_channel().await {
        let _ = topology.delete(&channel, &["intake", "documents"]).await;
    }
    let _ = connection.close(200, "done").await;
}
