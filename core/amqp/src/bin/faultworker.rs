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

/// Files a document per decision; the first filing "sends" it (a row in `sent`). A
/// redelivery finds the document filed and sends nothing new.
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
        let filed = self.store.file_document(&document, SystemClock.now()).await.map_err(|e| transient(&e))?;
        if filed == Filed::New {
            sqlx::query("INSERT INTO sent (message_id, worker) VALUES ($1, $2)")
                .bind(&message.id)
                .bind(i64::from(std::process::id()))
                .execute(self.store.pool())
                .await
                .map_err(|e| transient(&e))?;
        }
        Ok(())
    }
}

#[tokio::main]
async fn main() {
    let env = |name: &str| std::env::var(name).unwrap_or_else(|_| panic!("{name} is not set"));
    let store = PgStore::connect_in_schema(&env("CROSSDOCK_DATABASE_URL"), &env("FAULT_SCHEMA")).await.expect("store");
    sqlx::query("CREATE TABLE IF NOT EXISTS sent (message_id TEXT NOT NULL, worker BIGINT NOT NULL)")
        .execute(store.pool())
        .await
        .expect("sent table");
    let config = WorkerConfig {
        amqp_url: env("CROSSDOCK_AMQP_URL"),
        topology: Topology::new(env("FAULT_PREFIX")).with_retry_delays(vec![Duration::from_millis(100)]),
        intake: ConsumerConfig::new("intake", &["stock.*", "reservation.requested"]),
        ownership_poll: Duration::from_millis(200),
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
