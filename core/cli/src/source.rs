//! `crossdock source ORDER.json`: the sourcing decision an order would get, with its
//! reasons, against the hub's current state (its inbox replayed), committing nothing.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result};
use crossdock_broker::OrderRequest;
use crossdock_hub::{BrokerHandler, HubConfig};
use crossdock_model::{Document, Envelope};
use crossdock_runtime::{Handler, SqliteStore, Store};

pub fn run(order_file: &Path, config: &Path, data_dir: &Path, json: bool) -> Result<ExitCode> {
    let config = HubConfig::load(config)?;
    let text = std::fs::read_to_string(order_file).with_context(|| format!("cannot read {}", order_file.display()))?;
    let request = order_request(&text).with_context(|| format!("{}: not a sales order", order_file.display()))?;
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let mut handler = BrokerHandler::new(&config);
    let db = data_dir.join("crossdock.db");
    if db.exists() {
        rt.block_on(replay(&db, &mut handler))?;
    } else {
        eprintln!("note: no hub state in {} (no crossdock.db): sourcing against an empty network", data_dir.display());
    }
    let now = chrono::Utc::now().fixed_offset();
    let decision = handler.preview(&request, now).map_err(|e| anyhow::anyhow!("{}: {e}", order_file.display()))?;
    if json {
        println!("{}", serde_json::to_string_pretty(&decision)?);
    } else {
        print!("{decision}");
    }
    Ok(ExitCode::SUCCESS)
}

/// An order request, a bare sales order, a sales order document, or one in an envelope.
fn order_request(text: &str) -> Result<OrderRequest> {
    let value: serde_json::Value = serde_json::from_str(text)?;
    let value = match serde_json::from_value::<Envelope<serde_json::Value>>(value.clone()) {
        Ok(env) => env.data,
        Err(_) => value,
    };
    if let Ok(request) = serde_json::from_value::<OrderRequest>(value.clone()) {
        return Ok(request);
    }
    match serde_json::from_value::<Document>(value.clone()) {
        Ok(Document::SalesOrder(order)) => Ok(order.into()),
        _ => Ok(serde_path_to_error::deserialize::<_, crossdock_model::SalesOrder>(value)
            .map_err(|e| anyhow::anyhow!("$.{}: {}", e.path(), e.inner()))?
            .into()),
    }
}

/// Rebuilds the broker as the hub left it: every inbox message again, in order.
async fn replay(db: &Path, handler: &mut BrokerHandler) -> Result<()> {
    let store = SqliteStore::open(db).await?;
    let mut after = 0;
    loop {
        let batch = store.inbox_after(after, 500).await?;
        let Some(last) = batch.last() else { return Ok(()) };
        after = last.sequence;
        for record in &batch {
            handler
                .handle(&record.message, record.now)
                .map_err(|e| anyhow::anyhow!("replaying {}: {e:?}", record.message.id))?;
        }
    }
}
