//! Shared helpers: stores in temporary directories, a manual clock, subscribers.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, FixedOffset};
use crossdock_model::Envelope;
use crossdock_runtime::testkit::StockLedger;
use crossdock_runtime::{async_trait, DeliveryError, ManualClock, Runtime, SqliteStore, Subscriber};
use serde_json::Value;
use tempfile::TempDir;

pub type LedgerRuntime = Runtime<SqliteStore, StockLedger>;

pub async fn open_store(dir: &TempDir) -> SqliteStore {
    SqliteStore::open(dir.path().join("crossdock.db")).await.expect("open the store")
}

/// A clock with an offset other than UTC and nanoseconds, so that a lossy round trip of
/// `now` through the store would show.
pub fn clock() -> Arc<ManualClock> {
    let start: DateTime<FixedOffset> =
        DateTime::parse_from_rfc3339("2026-03-01T09:00:00.123456789+02:00").expect("a valid timestamp");
    Arc::new(ManualClock::new(start))
}

pub async fn open_ledger(store: SqliteStore, clock: Arc<ManualClock>) -> LedgerRuntime {
    Runtime::open_with_clock(store, StockLedger::default(), clock).await.expect("open the runtime")
}

pub async fn count(store: &SqliteStore, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(store.pool()).await.expect(sql)
}

/// Waits until `done` holds, failing the test after 20 s.
pub async fn eventually<F, Fut>(what: &str, mut done: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while !done().await {
        assert!(tokio::time::Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Records the ids it is given, in order.
pub struct Recording {
    name: String,
    pub received: Mutex<Vec<String>>,
}

impl Recording {
    pub fn new(name: &str) -> Arc<Self> {
        Arc::new(Recording { name: name.to_string(), received: Mutex::new(Vec::new()) })
    }

    pub fn received(&self) -> Vec<String> {
        self.received.lock().unwrap().clone()
    }
}

#[async_trait]
impl Subscriber for Recording {
    fn name(&self) -> &str {
        &self.name
    }

    async fn deliver(&self, message: &Envelope<Value>) -> Result<(), DeliveryError> {
        self.received.lock().unwrap().push(message.id.clone());
        Ok(())
    }
}

/// Fails each message `failures` times (transiently, or permanently), then takes it.
pub struct Failing {
    name: String,
    failures: u32,
    permanent: bool,
    pub attempts: Mutex<HashMap<String, u32>>,
}

impl Failing {
    pub fn new(name: &str, failures: u32, permanent: bool) -> Arc<Self> {
        Arc::new(Failing { name: name.to_string(), failures, permanent, attempts: Mutex::default() })
    }

    pub fn attempts(&self, message_id: &str) -> u32 {
        self.attempts.lock().unwrap().get(message_id).copied().unwrap_or(0)
    }
}

#[async_trait]
impl Subscriber for Failing {
    fn name(&self) -> &str {
        &self.name
    }

    async fn deliver(&self, message: &Envelope<Value>) -> Result<(), DeliveryError> {
        let attempt = {
            let mut attempts = self.attempts.lock().unwrap();
            let n = attempts.entry(message.id.clone()).or_insert(0);
            *n += 1;
            *n
        };
        if attempt > self.failures {
            Ok(())
        } else if self.permanent {
            Err(DeliveryError::Permanent(format!("{} cannot take {}", self.name, message.id)))
        } else {
            Err(DeliveryError::Transient(format!("{} is down", self.name)))
        }
    }
}
