//! `crossdock translate --from shopify FILE`: Shopify order JSON to canonical sales orders.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use crossdock_shopify::translate::orders_in;
use crossdock_shopify::{OrderMapping, ShopifyConfig, Translator};

/// Prints one envelope per order as a JSON line: `{"order": ...}`, a bare order, or
/// `{"orders": [...]}`. An order that cannot be mapped is reported on stderr with the file
/// and its JSON path; the others are still printed.
pub fn translate(file: &Path, from: &str, to_canonical: bool) -> Result<ExitCode> {
    if from != "shopify" {
        bail!("--from {from}: unknown source format (shopify; X12 is read without --from)");
    }
    if !to_canonical {
        bail!("--from shopify translates to canonical JSON only");
    }
    let name = file.display();
    let text = std::fs::read(file).with_context(|| format!("cannot open {name}"))?;
    let document: serde_json::Value =
        serde_json::from_slice(&text).with_context(|| format!("{name}: not a JSON document"))?;
    let mapping_path = order_mapping();
    let orders = OrderMapping::load(&mapping_path).map_err(|d| anyhow::anyhow!("{d}"))?;
    let translator = Translator::new(ShopifyConfig::new("cli"), orders);
    let mut failed = false;
    for (path, order) in orders_in(&document) {
        match translator.order_envelope(order, &path, "order.received") {
            Ok(envelope) => println!("{}", serde_json::to_string(&envelope).expect("envelopes serialize")),
            Err(e) => {
                failed = true;
                eprintln!("{name}: {e}");
            }
        }
    }
    Ok(if failed { ExitCode::FAILURE } else { ExitCode::SUCCESS })
}

/// `CROSSDOCK_SHOPIFY_MAPPING`, else the repository's mapping (from the working directory,
/// or from where this binary was built).
fn order_mapping() -> PathBuf {
    if let Some(path) = std::env::var_os("CROSSDOCK_SHOPIFY_MAPPING") {
        return path.into();
    }
    let relative = PathBuf::from(crossdock_shopify::mapping::DEFAULT_ORDER_MAPPING);
    if relative.exists() {
        return relative;
    }
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").join(relative)
}
