//! `crossdock source ORDER.json`: the sourcing decision an order would get, with its
//! reasons, against the hub's current state (its inbox replayed), committing nothing.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result};
use crossdock_broker::OrderRequest;
use crossdock_hub::{BrokerHandler, HubConfig};
use crossdock_model::{Document, Envelope};

use crate::state;

pub fn run(order_file: &Path, config: &Path, data_dir: &Path, json: bool) -> Result<ExitCode> {
    let config = HubConfig::load(config)?;
    let text = std::fs::read_to_string(order_file).with_context(|| format!("cannot read {}", order_file.display()))?;
    let request = order_request(&text).with_context(|| format!("{}: not a sales order", order_file.display()))?;
    let mut handler = match state::replayed(&config, data_dir)? {
        Some(handler) => handler,
        None => {
            eprintln!(
                "note: no hub state in {} (no crossdock.db): sourcing against an empty network",
                data_dir.display()
            );
            BrokerHandler::new(&config)
        }
    };
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
