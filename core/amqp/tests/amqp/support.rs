//! Servers, unique names, waits with deadlines, and subscribers that record or fail.

use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crossdock_amqp::{ConsumerConfig, Topology};
use crossdock_model::Envelope;
use crossdock_runtime::{
    async_trait, Clock, DeliveryError, Filed, OutboundDocument, PgStore, Store, Subscriber, SystemClock,
};
use serde_json::Value;

pub fn amqp_url() -> String {
    std::env::var("CROSSDOCK_AMQP_URL").unwrap_or_else(|_| "amqp://guest:guest@127.0.0.1:5672/%2f".to_string())
}

pub fn database_url() -> String {
    std::env::var("CROSSDOCK_DATABASE_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_string())
}

/// A name no other test or run uses.
pub fn unique(kind: &str) -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    format!("crossdock_{kind}_{}_{nanos}_{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed))
}

/// Both servers, or `None` (said loudly) when one does not answer; under `CI=true` that
/// fails the test instead.
pub async fn servers() -> Option<(Topology, PgStore)> {
    let reachable = async {
        let connection =
            lapin::Connection::connect(&amqp_url(), Default::default()).await.map_err(|e| e.to_string())?;
        let _ = connection.close(200, "probe").await;
        PgStore::connect_in_schema(&database_url(), &unique("t")).await.map_err(|e| e.to_string())
    };
    match tokio::time::timeout(Duration::from_secs(20), reachable).await {
        Ok(Ok(store)) => Some((Topology::new(unique("q")).with_retry_delays(vec![Duration::from_millis(50)]), store)),
        Ok(Err(e)) => skip_or_fail(&e),
        Err(_) => skip_or_fail("no answer within 20 s"),
    }
}

fn skip_or_fail<T>(why: &str) -> Option<T> {
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!("RabbitMQ and PostgreSQL are required under CI: {why}");
    }
    eprintln!("\n*** SKIPPED: RabbitMQ or PostgreSQL unreachable ({why}); this test proved nothing ***\n");
    None
}

/// Declares consumers' queues before anything is published (as `serve` does at start-up):
/// an event published before its queue is bound would be routed nowhere.
pub async fn declare(topology: &Topology, consumers: &[&ConsumerConfig]) {
    let connection = lapin::Connection::connect(&amqp_url(), Default::default()).await.unwrap();
    let channel = connection.create_channel().await.unwrap();
    for consumer in consumers {
        topology.declare_consumer(&channel, &consumer.name, &consumer.bindings).await.unwrap();
    }
    let _ = connection.close(200, "declared").await;
}

/// Removes what a test declared.
pub async fn tear_down(topology: &Topology, consumers: &[&str], store: PgStore) {
    let connection = lapin::Connection::connect(&amqp_url(), Default::default()).await.unwrap();
    let channel = connection.create_channel().await.unwrap();
    topology.delete(&channel, consumers).await.unwrap();
    let _ = connection.close(200, "done").await;
    store.drop_schema().await.unwrap();
}

/// Waits until `done` holds, failing the test after `limit`.
pub async fn eventually<F, Fut>(what: &str, limit: Duration, mut done: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + limit;
    while !done().await {
        assert!(tokio::time::Instant::now() < deadline, "timed out after {limit:?} waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

pub async fn count(store: &PgStore, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(store.pool()).await.expect(sql)
}

/// An outbound connector in miniature: files one document per message id (what makes a
/// redelivery harmless), and counts the documents it sent for the first time.
pub struct Filing {
    pub name: String,
    pub store: PgStore,
    pub sent: Mutex<HashMap<String, u32>>,
}

impl Filing {
    pub fn new(name: &str, store: PgStore) -> Arc<Self> {
        Arc::new(Filing { name: name.to_string(), store, sent: Mutex::default() })
    }

    /// Documents sent more than once: must stay empty.
    pub fn sent_twice(&self) -> Vec<String> {
        self.sent.lock().unwrap().iter().filter(|(_, n)| **n > 1).map(|(id, _)| id.clone()).collect()
    }
}

#[async_trait]
impl Subscriber for Filing {
    fn name(&self) -> &str {
        &self.name
    }

    async fn deliver(&self, message: &Envelope<Value>) -> Result<(), DeliveryError> {
        let document = OutboundDocument {
            id: message.id.clone(),
            partner: "ACME".to_string(),
            kind: "json/event".to_string(),
            business_key: message.subject.clone(),
            bytes: serde_json::to_vec(&message.data).unwrap(),
        };
        let filed = self
            .store
            .file_document(&document, SystemClock.now())
            .await
            .map_err(|e| DeliveryError::Transient(e.to_string()))?;
        if filed == Filed::New {
            *self.sent.lock().unwrap().entry(message.id.clone()).or_default() += 1;
        }
        Ok(())
    }
}

/// Fails messages whose subject starts with `transient-` that many times (the digit after
/// the dash; `transient-x`: always), and those whose subject starts with `permanent` always.
pub struct Flaky {
    pub name: String,
    pub attempts: Mutex<HashMap<String, u32>>,
    pub taken: Mutex<Vec<String>>,
    /// Once set, every message is taken (to show that a replay from parking works).
    pub healed: std::sync::atomic::AtomicBool,
}

impl Flaky {
    pub fn new(name: &str) -> Arc<Self> {
        Arc::new(Flaky {
            name: name.to_string(),
            attempts: Mutex::default(),
            taken: Mutex::default(),
            healed: Default::default(),
        })
    }

    pub fn attempts(&self, id: &str) -> u32 {
        self.attempts.lock().unwrap().get(id).copied().unwrap_or(0)
    }

    pub fn taken(&self) -> Vec<String> {
        let mut taken = self.taken.lock().unwrap().clone();
        taken.sort();
        taken
    }
}

#[async_trait]
impl Subscriber for Flaky {
    fn name(&self) -> &str {
        &self.name
    }

    async fn deliver(&self, message: &Envelope<Value>) -> Result<(), DeliveryError> {
        let attempt = {
            let mut attempts = self.attempts.lock().unwrap();
            let n = attempts.entry(message.id.clone()).or_default();
            *n += 1;
            *n
        };
        let healed = self.healed.load(Ordering::SeqCst);
        let subject = message.subject.as_str();
        if !healed && subject.starts_with("permanent") {
            return Err(DeliveryError::Permanent(format!("{subject} is refused for good")));
        }
        if let Some(times) = subject.strip_prefix("transient-") {
            let times: u32 = times.split('-').next().unwrap().parse().unwrap_or(u32::MAX);
            if !healed && attempt <= times {
                return Err(DeliveryError::Transient(format!("{subject}: attempt {attempt} failed")));
            }
        }
        self.taken.lock().unwrap().push(message.id.clone());
        Ok(())
    }
}
