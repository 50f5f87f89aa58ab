//! `crossdock thread PO_NUMBER`: every document of a purchase order's thread, in order
//! (850 sent, 997 received, 855, 856, receipt, 810, match results, delay warnings), and
//! its three-way match line by line, from the hub state in `--data-dir` (its inbox
//! replayed). A sales order id shows the threads of the drop-ship POs serving it.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Result;
use crossdock_hub::threads::Thread;
use crossdock_hub::HubConfig;
use crossdock_matching::status_name;

use crate::state;

pub fn run(key: &str, config: &Path, data_dir: &Path, json: bool) -> Result<ExitCode> {
    let config = HubConfig::load(config)?;
    let Some(handler) = state::replayed(&config, data_dir)? else {
        anyhow::bail!(
            "no hub state in {} (no crossdock.db); after the demo try --data-dir .crossdock/demo",
            data_dir.display()
        );
    };
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
