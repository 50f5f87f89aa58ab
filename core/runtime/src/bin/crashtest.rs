//! Test support for the kill -9 test (`tests/runtime/crash.rs`), not a tool.
//!
//! `crossdock-runtime-crashtest DATA_DIR COUNT` submits the workload below to a runtime
//! over `DATA_DIR/crossdock.db`, delivering every output to a subscriber that files it as
//! a document and appends its id to `DATA_DIR/delivered.log`; it exits once everything is
//! delivered. Killed and started again, it submits the whole workload from the start:
//! the inbox turns what was already handled into duplicates.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crossdock_model::Envelope;
use crossdock_runtime::testkit::{self, StockLedger};
use crossdock_runtime::{
    async_trait, BusConfig, Clock, DeliveryError, OutboundDocument, Runtime, SqliteStore, Store, Subscriber,
    SystemClock,
};
use serde_json::Value;

/// Files each message as a document, then logs its id: the log shows every delivery,
/// repeats included; the documents table must hold each once.
struct Archive {
    store: SqliteStore,
    log: Mutex<File>,
}

#[async_trait]
impl Subscriber for Archive {
    fn name(&self) -> &str {
        "archive"
    }

    async fn deliver(&self, message: &Envelope<Value>) -> Result<(), DeliveryError> {
        let document = OutboundDocument {
            id: message.id.clone(),
            partner: "testkit".to_string(),
            kind: message.event_type.clone(),
            business_key: message.subject.clone(),
            bytes: serde_json::to_vec(&message.data).map_err(|e| DeliveryError::Permanent(e.to_string()))?,
        };
        self.store
            .file_document(&document, SystemClock.now())
            .await
            .map_err(|e| DeliveryError::Transient(e.to_string()))?;
        let mut log = self.log.lock().map_err(|_| DeliveryError::Transient("log lock poisoned".to_string()))?;
        // One write of a whole line: a kill leaves whole lines only.
        log.write_all(format!("{}\n", message.id).as_bytes()).map_err(|e| DeliveryError::Transient(e.to_string()))
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (Some(dir), Some(count)) = (args.next(), args.next()) else {
        return Err("usage: crossdock-runtime-crashtest DATA_DIR COUNT".into());
    };
    let dir = PathBuf::from(dir);
    let count: usize = count.parse()?;

    let store = SqliteStore::open(dir.join("crossdock.db")).await?;
    let runtime = Arc::new(Runtime::open(store.clone(), StockLedger::default()).await?);
    let archive = Archive { store: store.clone(), log: Mutex::new(open_log(&dir.join("delivered.log"))?) };
    let config = BusConfig { poll_interval: Duration::from_millis(50), ..BusConfig::default() };
    let bus = runtime.bus().with_config(config).subscribe(Arc::new(archive));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let bus = tokio::spawn(bus.run(async move {
        let _ = stopped.await;
    }));

    for message in testkit::reservation_workload(count) {
        runtime.submit(&message).await?;
    }
    while store.undelivered().await? > 0 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let _ = stop.send(());
    bus.await??;
    println!("done");
    Ok(())
}

fn open_log(path: &Path) -> std::io::Result<File> {
    OpenOptions::new().create(true).append(true).open(path)
}
