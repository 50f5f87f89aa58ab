//! The hub as a data directory left it, for commands that read it without running it.

use std::path::Path;

use anyhow::{Context, Result};
use crossdock_hub::{BrokerHandler, HubConfig};
use crossdock_runtime::{Handler, SqliteStore, Store};

/// The handler rebuilt from `<data_dir>/crossdock.db`: every inbox message again, in order,
/// at its recorded `now`. `None` when the directory holds no hub state.
pub fn replayed(config: &HubConfig, data_dir: &Path) -> Result<Option<BrokerHandler>> {
    let db = data_dir.join("crossdock.db");
    if !db.exists() {
        return Ok(None);
    }
    let mut handler = BrokerHandler::new(config);
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    rt.block_on(async {
        let store = SqliteStore::open(&db).await.with_context(|| format!("cannot open {}", db.display()))?;
        let mut after = 0;
        loop {
            let batch = store.inbox_after(after, 500).await?;
            let Some(last) = batch.last() else { return Ok::<_, anyhow::Error>(()) };
            after = last.sequence;
            for record in &batch {
                handler
                    .handle(&record.message, record.now)
                    .map_err(|e| anyhow::anyhow!("replaying {}: {e:?}", record.message.id))?;
            }
        }
    })?;
    Ok(Some(handler))
}
