//! Test support: one worker of the distributed deployment hosting the runtime's test
//! ledger, with an outbound connector that "sends" each decision once. The fault tests
//! start several, kill -9 them and start more. Configured by the environment:
//! `CROSSDOCK_AMQP_URL`, `CROSSDOCK_DATABASE_URL`, `FAULT_SCHEMA`, `FAULT_PREFIX`.

use std::sync::Arc;
use std::time::Duration;

use crossdock_amqp::{run_worker, ConsumerConfig, Topology, WorkerConfig};
use crossdock_model::Envelope;
use crossdock_runtime::testkit::StockLedger;
use crossdock_runtime::{
    async_trait, Clock, DeliveryError, Filed, OutboundDocument, PgStore, Store, Subscriber, SystemClock,
};
use serde_json::Value;

/// Files a document per decision, then "sends" the archived bytes to a partner that keeps
/// one copy per document id (a row in `sent`, with the hash of what it got). Filing and
/// sending are two steps, as with a real partner: a worker killed between them leaves a
/// filed document not yet sent, and the redelivery sends the archived bytes then. So
/// every delivery sends, and the partner's key makes a resend harmless.
struct Sender {
    store: PgStore,
}

#[async_trait]
impl Subscriber for Sender {
    fn name(&self) -> &str {
        "documents"
    }

    async fn deliver(&self, message: &Envelope<Value>) -> Result<(), DeliveryError> {
        let document = OutboundDocument {
            id: message.id.clone(),
            partner: "ACME".to_string(),
            kind: "json/reservation".to_string(),
            business_key: message.subject.clone(),
            bytes: serde_json::to_vec(&message.data).map_err(|e| DeliveryError::Permanent(e.to_string()))?,
        };
        let transient = |e: &dyn std::fmt::Display| DeliveryError::Transient(e.to_string());
        if let Filed::AlreadyFiled { same_bytes: false } =
            self.store.file_document(&document, SystemClock.now()).await.map_err(|e| transient(&e))?
        {
            return Err(DeliveryError::Permanent(format!("{}: rendered differently the second time", message.id)));
        }
        let archived = self.store.document(&message.id).await.map_err(|e| transient(&e))?;
        let hash = archived.map(|d| d.content_hash).ok_or_else(|| transient(&"the filed document is gone"))?;
        sqlx::query(
            "INSERT INTO sent (message_id, hash, worker) VALUES ($1, $2, $3) ON CONFLICT (message_id) DO NOTHING",
        )
        .bind(&message.id)
        .bind(&hash)
        .bind(i64::from(std::process::id()))
        .execute(self.store.pool())
        .await
        .map_err(|e| transient(&e))?;
        Ok(())
    }
}

#[tokio::main]
async fn main() {
    let env = |name: &str| std::env::var(name).unwrap_or_else(|_| panic!("{name} is not set"));
    let store = PgStore::connect_in_schema(&env("CROSSDOCK_DATABASE_URL"), &env("FAULT_SCHEMA")).await.expect("store");
    sqlx::query(
        "CREATE TABLE IF NOT EXISTS sent (message_id TEXT PRIMARY KEY, hash TEXT NOT NULL, worker BIGINT NOT NULL)",
    )
    .execute(store.pool())
    .await
    .expect("sent table");
    let config = WorkerConfig {
        amqp_url: env("CROSSDOCK_AMQP_URL"),
        topology: Topology::new(env("FAULT_PREFIX")).with_retry_delays(vec![Duration::from_millis(100)]),
        intake: ConsumerConfig::new("intake", &["stock.*", "reservation.requested"]),
        ownership_poll: Duration::from_millis(200),
        publish: vec!["#".to_string()],
    };
    let outbound = vec![(
        ConsumerConfig::new("documents", &["reservation.accepted", "reservation.refused"]),
        Arc::new(Sender { store: store.clone() }) as Arc<dyn Subscriber>,
    )];
    let shutdown = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    run_worker(config, store, StockLedger::default, outbound, shutdown).await.expect("worker");
}
