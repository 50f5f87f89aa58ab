//! `crossdock load`: a reproducible synthetic load through the distributed deployment's
//! real path — orders published to RabbitMQ, the broker (the hub's handler on the
//! network of `hub`, capacities raised to the load's size) on PostgreSQL, the outbox
//! relay, the partner documents connector filing every PO (X12 850), 940 and fulfillment
//! request — then the ceiling of raw lapin publish + consume on the same broker with the
//! same message size, confirms and acks.
//!
//! The workload ([`crossdock_hub::workload`]) has every kind of order, and a constrained
//! item wanted by more orders than there are units, so that overselling would show. It
//! runs in its own PostgreSQL schema and under its own queue prefix, both removed at the
//! end. Release is the moment an order's sourcing decision reaches the connectors.

use std::collections::HashMap;
use std::path::Path;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use crossdock_amqp::{run_worker, ConsumerConfig, Publisher, Topology, WorkerConfig};
use crossdock_hub::outbound::PartnerDocuments;
use crossdock_hub::workload::{scaled_for_load, workload};
use crossdock_hub::{BrokerHandler, HubConfig};
use crossdock_model::Envelope;
use crossdock_runtime::{async_trait, DeliveryError, PgStore, Runtime, Subscriber, SystemClock};
use futures_util::StreamExt;
use lapin::options::{
    BasicAckOptions, BasicConsumeOptions, BasicPublishOptions, BasicQosOptions, ConfirmSelectOptions,
    QueueDeclareOptions, QueueDeleteOptions,
};
use lapin::types::FieldTable;
use lapin::BasicProperties;
use serde_json::Value;
use tokio::sync::watch;

use crate::serve::{DistributedConfig, StoreControlNumbers};

/// Publishes in flight before waiting for their confirms.
const CONFIRM_WINDOW: usize = 256;
/// The release probe's consumer name and what it listens to.
const PROBE: &str = "load-release-probe";
const RELEASE: &str = "sourcing.decided";
/// The partner documents the broker's requests become.
const REQUESTS: &str = "('po.issued', 'fulfillment.requested')";

pub fn run(orders: usize, workers: usize, rate: Option<u32>, config_path: &Path) -> Result<ExitCode> {
    if orders == 0 || workers == 0 || rate == Some(0) {
        bail!("--orders, --workers and --rate must be at least 1");
    }
    let config = DistributedConfig::load(config_path)?;
    let hub = scaled_for_load(HubConfig::load(&config.hub)?, orders);
    tokio::runtime::Builder::new_multi_thread().enable_all().build()?.block_on(async move {
        let run_id = format!("load_{}_{}", std::process::id(), chrono::Utc::now().timestamp_millis());
        let topology = Topology::new(format!("{}.{run_id}", config.amqp.prefix));
        let schema = format!("crossdock_{run_id}");
        let out_dir = std::env::temp_dir().join(format!("crossdock-{run_id}"));
        let store = PgStore::connect_in_schema(&config.postgres.url, &schema).await.context("PostgreSQL")?;
        let run = Run { orders, workers, rate, config: &config, hub: &hub, topology: &topology, store: &store };
        let result = run.measure(&out_dir).await;
        tear_down(&config.amqp.url, &topology).await;
        store.drop_schema().await?;
        let _ = std::fs::remove_dir_all(&out_dir);
        let line = result?;
        println!("{line}");
        Ok(ExitCode::SUCCESS)
    })
}

struct Run<'a> {
    orders: usize,
    workers: usize,
    rate: Option<u32>,
    config: &'a DistributedConfig,
    hub: &'a HubConfig,
    topology: &'a Topology,
    store: &'a PgStore,
}

impl Run<'_> {
    async fn measure(&self, out_dir: &Path) -> Result<String> {
        let Run { orders, workers, config, hub, topology, store, .. } = *self;
        let released = Arc::new(Released::default());
        let (stop, stopping) = watch::channel(false);
        let mut tasks = Vec::new();
        for _ in 0..workers {
            let worker_store = PgStore::connect_in_schema(&config.postgres.url, store.schema()).await?;
            let worker = WorkerConfig {
                amqp_url: config.amqp.url.clone(),
                topology: topology.clone(),
                intake: config.consumer("intake", &config.amqp.intake),
                ownership_poll: Duration::from_millis(200),
                // The deployment's consumers and the release probe.
                publish: [config.published(), vec![RELEASE.to_string()]].concat(),
            };
            let documents = PartnerDocuments::new(
                worker_store.clone(),
                Arc::new(SystemClock),
                hub,
                Box::new(StoreControlNumbers::new(worker_store.clone())),
                out_dir.to_path_buf(),
            );
            let probe = Arc::new(Probe { released: Arc::clone(&released) });
            let outbound = vec![
                (
                    config.consumer("partner-documents", &config.amqp.outbound),
                    Arc::new(documents) as Arc<dyn Subscriber>,
                ),
                (ConsumerConfig::new(PROBE, &[RELEASE]), probe as Arc<dyn Subscriber>),
            ];
            let mut stopping = stopping.clone();
            let hub = hub.clone();
            let handler = move || BrokerHandler::new(&hub);
            tasks.push(tokio::spawn(run_worker(worker, worker_store, handler, outbound, async move {
                let _ = stopping.wait_for(|stop| *stop).await;
            })));
        }
        while store.lease_epoch().await? == 0 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }

        let publisher = Arc::new(Publisher::new(config.amqp.url.clone(), topology.clone()));
        let load = workload(hub, orders, "LOAD", chrono::Utc::now().fixed_offset());
        for outcome in publisher.publish_events(&load.stock).await {
            outcome?;
        }
        let message_size = serde_json::to_vec(&load.orders[0])?.len();
        let started = Instant::now();
        self.send(Arc::clone(&publisher), &load.orders, &released, started).await?;
        let deadline = Instant::now() + Duration::from_secs(60 + orders as u64 / 100);
        while released.count() < orders && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        let elapsed = started.elapsed();
        // The documents are filed alongside; wait for the last ones before counting.
        while self.unfiled().await? > 0 && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let _ = stop.send(true);
        for task in tasks {
            task.await?.context("a worker")?;
        }

        let figures = released.figures();
        let count = |sql: String| async move { sqlx::query_scalar::<_, i64>(&sql).fetch_one(store.pool()).await };
        let decided = count(format!("SELECT COUNT(DISTINCT subject) FROM outbox WHERE type = '{RELEASE}'")).await?;
        let decided_twice =
            count(format!("SELECT COUNT(*) - COUNT(DISTINCT subject) FROM outbox WHERE type = '{RELEASE}'")).await?;
        let sent_twice =
            count("SELECT COUNT(*) - COUNT(DISTINCT (partner, business_key)) FROM documents".to_string()).await?;
        let documents = count("SELECT COUNT(*) FROM documents".to_string()).await?;
        let unfiled = self.unfiled().await?;
        let lost = (orders as i64 - decided) + (orders - figures.released) as i64 + unfiled;
        // The broker's state rebuilt from what was committed: no unit promised twice.
        let replayed = Runtime::open(store.clone(), BrokerHandler::new(hub)).await?;
        let oversold = match replayed.inspect(|handler| handler.broker().check_invariants()).await {
            Ok(()) => "0".to_string(),
            Err(violation) => format!("1 ({violation})"),
        };
        let raw =
            raw_ceiling(&config.amqp.url, topology, orders.min(20_000), message_size).await.context("raw ceiling")?;
        let rate = figures.released as f64 / elapsed.as_secs_f64();
        Ok(format!(
            "orders={orders} workers={workers} sent={} orders/s={rate:.0} p50={:.1}ms p99={:.1}ms documents={documents} \
             lost={lost} duplicated={} oversold={oversold} redelivered={} | raw lapin publish+consume (confirms, acks, \
             {message_size} B)={raw:.0} msg/s; end-to-end = {:.1}% of raw",
            self.rate.map_or("at once".to_string(), |r| format!("{r}/s")),
            figures.p50_ms,
            figures.p99_ms,
            decided_twice + sent_twice,
            figures.redelivered,
            100.0 * rate / raw
        ))
    }

    /// Publishes the orders, all at once in confirm windows, or paced at `--rate`; notes
    /// when each was sent. Paced windows do not wait for each other's confirms (a confirm
    /// takes longer than the 10 ms between windows): the rate asked is the rate sent.
    async fn send(
        &self,
        publisher: Arc<Publisher>,
        orders: &[Envelope<Value>],
        released: &Released,
        started: Instant,
    ) -> Result<()> {
        let Some(rate) = self.rate else {
            for chunk in orders.chunks(CONFIRM_WINDOW) {
                let sent_at = Instant::now();
                released.sent.lock().unwrap().extend(chunk.iter().map(|m| (m.id.clone(), sent_at)));
                publisher.publish_events(chunk).await.into_iter().collect::<Result<Vec<()>, _>>()?;
            }
            return Ok(());
        };
        // Every 10 ms, what the rate asks for then.
        let window = (rate as usize / 100).max(1);
        let mut confirms = tokio::task::JoinSet::new();
        for (index, chunk) in orders.chunks(window).enumerate() {
            let due = started + Duration::from_secs_f64((index * window) as f64 / f64::from(rate));
            tokio::time::sleep_until(due.into()).await;
            let sent_at = Instant::now();
            released.sent.lock().unwrap().extend(chunk.iter().map(|m| (m.id.clone(), sent_at)));
            let (publisher, chunk) = (Arc::clone(&publisher), chunk.to_vec());
            confirms.spawn(async move {
                publisher.publish_events(&chunk).await.into_iter().collect::<Result<Vec<()>, _>>()
            });
        }
        while let Some(confirmed) = confirms.join_next().await {
            confirmed??;
        }
        Ok(())
    }

    /// Requests of the broker with no partner document filed yet.
    async fn unfiled(&self) -> Result<i64> {
        Ok(sqlx::query_scalar(&format!(
            "SELECT COUNT(*) FROM outbox o WHERE o.type IN {REQUESTS}
             AND NOT EXISTS (SELECT 1 FROM documents d WHERE d.id = o.message_id)"
        ))
        .fetch_one(self.store.pool())
        .await?)
    }
}

/// When each order was sent and when its decision reached the connectors.
#[derive(Default)]
struct Released {
    sent: Mutex<HashMap<String, Instant>>,
    latencies: Mutex<Vec<Duration>>,
    seen: Mutex<std::collections::HashSet<String>>,
    /// Decisions delivered again after they were taken: at-least-once transport, which
    /// connectors absorb; not a duplicate effect.
    redelivered: Mutex<usize>,
}

struct Figures {
    released: usize,
    redelivered: usize,
    p50_ms: f64,
    p99_ms: f64,
}

impl Released {
    fn count(&self) -> usize {
        self.seen.lock().unwrap().len()
    }

    fn figures(&self) -> Figures {
        let mut latencies = self.latencies.lock().unwrap().clone();
        latencies.sort();
        let at = |q: f64| {
            latencies
                .get(((latencies.len() as f64 * q) as usize).min(latencies.len().saturating_sub(1)))
                .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
        };
        Figures {
            released: self.count(),
            redelivered: *self.redelivered.lock().unwrap(),
            p50_ms: at(0.50),
            p99_ms: at(0.99),
        }
    }
}

/// A connector that notes when each order's decision reached it.
struct Probe {
    released: Arc<Released>,
}

#[async_trait]
impl Subscriber for Probe {
    fn name(&self) -> &str {
        PROBE
    }

    async fn deliver(&self, message: &Envelope<Value>) -> Result<(), DeliveryError> {
        let order = &message.subject;
        let sent_at = self.released.sent.lock().unwrap().get(order).copied();
        if !self.released.seen.lock().unwrap().insert(order.clone()) {
            *self.released.redelivered.lock().unwrap() += 1;
        } else if let Some(sent_at) = sent_at {
            self.released.latencies.lock().unwrap().push(sent_at.elapsed());
        }
        Ok(())
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
        let _ = topology.delete(&channel, &["intake", "partner-documents", PROBE]).await;
    }
    let _ = connection.close(200, "done").await;
}
