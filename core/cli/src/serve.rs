//! `crossdock serve`: one worker of the distributed deployment (RabbitMQ + PostgreSQL).

use std::collections::HashMap;
use std::ops::RangeInclusive;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use crossdock_amqp::{run_worker, ConsumerConfig, Topology, WorkerConfig};
use crossdock_hub::outbound::PartnerDocuments;
use crossdock_hub::{BrokerHandler, HubConfig};
use crossdock_runtime::{PgStore, Store, Subscriber, SystemClock};
use crossdock_x12::control::{ControlError, ControlKind, ControlNumbers};
use serde::Deserialize;

/// `config/distributed.toml`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DistributedConfig {
    pub hub: PathBuf,
    pub out_dir: PathBuf,
    pub amqp: AmqpSection,
    pub postgres: PostgresSection,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AmqpSection {
    pub url: String,
    pub prefix: String,
    pub max_attempts: u32,
    pub intake: Vec<String>,
    pub outbound: Vec<String>,
    /// The event types the outbox relay publishes; by default what the deployment's own
    /// consumers bind (`intake` and `outbound`). `["#"]` when others bind the exchange.
    #[serde(default)]
    pub publish: Option<Vec<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PostgresSection {
    pub url: String,
    pub schema: String,
}

impl DistributedConfig {
    /// Reads the file; the environment's URLs win over the file's.
    pub fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).with_context(|| format!("{}", path.display()))?;
        let mut config: DistributedConfig = toml::from_str(&text).with_context(|| format!("{}", path.display()))?;
        if let Ok(url) = std::env::var("CROSSDOCK_AMQP_URL") {
            config.amqp.url = url;
        }
        if let Ok(url) = std::env::var("CROSSDOCK_DATABASE_URL") {
            config.postgres.url = url;
        }
        let dir = path.parent().unwrap_or(Path::new("."));
        config.hub = dir.join(&config.hub);
        Ok(config)
    }

    /// What the relay publishes: `publish`, else every binding of the deployment's consumers.
    pub fn published(&self) -> Vec<String> {
        self.amqp.publish.clone().unwrap_or_else(|| [&self.amqp.intake[..], &self.amqp.outbound[..]].concat())
    }

    pub fn consumer(&self, name: &str, bindings: &[String]) -> ConsumerConfig {
        let bindings: Vec<&str> = bindings.iter().map(String::as_str).collect();
        ConsumerConfig { max_attempts: self.amqp.max_attempts, ..ConsumerConfig::new(name, &bindings) }
    }
}

pub fn run(config_path: &Path) -> Result<ExitCode> {
    let config = DistributedConfig::load(config_path)?;
    let hub = HubConfig::load(&config.hub)?;
    tokio::runtime::Builder::new_multi_thread().enable_all().build()?.block_on(async move {
        let store = PgStore::connect_in_schema(&config.postgres.url, &config.postgres.schema)
            .await
            .context("PostgreSQL (CROSSDOCK_DATABASE_URL)")?;
        let documents = PartnerDocuments::new(
            store.clone(),
            Arc::new(SystemClock),
            &hub,
            Box::new(StoreControlNumbers::new(store.clone())),
            config.out_dir.clone(),
        );
        let worker = WorkerConfig {
            amqp_url: config.amqp.url.clone(),
            topology: Topology::new(config.amqp.prefix.clone()),
            intake: config.consumer("intake", &config.amqp.intake),
            ownership_poll: Duration::from_secs(1),
            publish: config.published(),
        };
        let outbound = vec![(
            config.consumer("partner-documents", &config.amqp.outbound),
            Arc::new(documents) as Arc<dyn Subscriber>,
        )];
        eprintln!(
            "crossdock: worker {} serving (prefix {}, schema {}); Ctrl-C stops it",
            std::process::id(),
            config.amqp.prefix,
            config.postgres.schema
        );
        let shutdown = async {
            let _ = tokio::signal::ctrl_c().await;
        };
        run_worker(worker, store, || BrokerHandler::new(&hub), outbound, shutdown).await?;
        Ok(ExitCode::SUCCESS)
    })
}

/// Control numbers from the shared store, so that workers never hand out the same one,
/// reserved [`CONTROL_BLOCK`] at a time: one store commit per block instead of two or three
/// per document. The cost: a worker that stops leaves the rest of its blocks unused (gaps,
/// which X12 allows: receivers reject repeated control numbers, not missing ones), and
/// numbers from several workers are not sent in ascending order.
pub struct StoreControlNumbers {
    store: PgStore,
    blocks: HashMap<(String, ControlKind), RangeInclusive<u64>>,
}

/// Control numbers a worker reserves at a time, per partner and kind.
const CONTROL_BLOCK: u32 = 100;

impl StoreControlNumbers {
    pub fn new(store: PgStore) -> Self {
        StoreControlNumbers { store, blocks: HashMap::new() }
    }
}

impl ControlNumbers for StoreControlNumbers {
    /// The X12 writer asks synchronously; this runs on a multi-threaded runtime's worker.
    fn next(&mut self, partner: &str, kind: ControlKind) -> Result<u64, ControlError> {
        let key = (partner.to_string(), kind);
        if let Some(number) = self.blocks.get_mut(&key).and_then(Iterator::next) {
            return Ok(number);
        }
        let store = &self.store;
        let mut block = tokio::task::block_in_place(|| {
            tokio::runtime::Handle::current().block_on(store.reserve_control_numbers(
                partner,
                kind.name(),
                CONTROL_BLOCK,
            ))
        })
        .map_err(|e| ControlError {
            partner: partner.to_string(),
            kind: kind.name(),
            reason: e.to_string(),
        })?;
        let number = block.next().expect("a reserved block is never empty");
        self.blocks.insert(key, block);
        Ok(number)
    }
}
