//! `crossdock thread PO_NUMBER`: every document of a purchase order's thread, in order
//! (850 sent, 997 received, 855, 856, receipt, 810, match results, delay warnings), and
//! its three-way match line by line, from the hub state in `--data-dir` (its inbox
//! replayed). A sales order id shows the threads of the drop-ship POs serving it.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result};
use crossdock_hub::threads::Thread;
use crossdock_hub::{BrokerHandler, HubConfig};
use crossdock_matching::status_name;
use crossdock_runtime::{Handler, SqliteStore, Store};

pub fn run(key: &str, config: &Path, data_dir: &Path, json: bool) -> Result<ExitCode> {
    let config = HubConfig::load(config)?;
    let db = data_dir.join("crossdock.db");
    if !db.exists() {
        anyhow::bail!(
            "no hub state in {} (no crossdock.db); after the demo try --data-dir .crossdock/demo",
            data_dir.display()
        );
    }
    let mut handler = BrokerHandler::new(&config);
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    rt.block_on(replay(&db, &mut handler))?;
    let threads: Vec<&Thread> = match handler.threads().get(key) {
        Some(t) => vec![t],
        None => handler.threads().of_sales_order(key).collect(),
    };
    if threads.is_empty() {
        eprintln!("no thread for {key}: not a drop-ship PO number or sales order the hub knows");
        return Ok(ExitCode::from(1));
    }
    for thread in threads {
        let results = handler.reconciliation(&thread.po_number).map(|r| r.results()).unwrap_or_default();
        if json {
            println!("{}", serde_json::json!({ "thread": thread, "match": results }));
            continue;
        }
        print!("{thread}");
        println!("  Three-way match:");
        for line in &results {
            let reasons = line.result.reasons.join(", ");
            let reasons = if reasons.is_empty() { String::new() } else { format!(" ({reasons})") };
            println!("    line {}: {}{reasons}", line.line_no(), status_name(line.status()));
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Rebuilds the hub's state: every inbox message again, in order, at its recorded `now`.
async fn replay(db: &Path, handler: &mut BrokerHandler) -> Result<()> {
    let store = SqliteStore::open(db).await.with_context(|| format!("cannot open {}", db.display()))?;
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
