//! `crossdock translate --from shopify`: Shopify order JSON to canonical envelopes.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crossdock_model::{Document, Envelope};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../connectors/shopify/tests/fixtures").join(name)
}

fn translate(file: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_crossdock"))
        .args(["translate", "--from", "shopify"])
        .arg(file)
        .output()
        .expect("the binary runs")
}

#[test]
fn a_shopify_order_prints_its_sales_order_envelope() {
    let out = translate(&fixture("pyapi_order.json"));
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 1);
    let envelope: Envelope = serde_json::from_str(lines[0]).unwrap();
    let Document::SalesOrder(order) = envelope.data else { panic!("not a sales order: {}", lines[0]) };
    assert_eq!(order.order_id, "SHOPIFY-450789469");
    assert_eq!(order.channel, "shopify");
    assert_eq!(order.lines.len(), 3);
    assert_eq!(order.lines[0].item.sku.as_deref(), Some("IPOD2008GREEN"));
    assert_eq!(order.placed_at.to_rfc3339(), "2008-01-10T11:00:00-05:00");
}

#[test]
fn an_orders_list_prints_one_line_per_order() {
    let order = |name: &str| -> serde_json::Value {
        let mut document: serde_json::Value = serde_json::from_slice(&std::fs::read(fixture(name)).unwrap()).unwrap();
        document["order"].take()
    };
    let list =
        serde_json::json!({ "orders": [order("pyapi_order.json"), order("rubyapi_order_with_properties.json")] });
    let file = std::env::temp_dir().join(format!("crossdock-shopify-orders-{}.json", std::process::id()));
    std::fs::write(&file, serde_json::to_vec(&list).unwrap()).unwrap();
    let out = translate(&file);
    let _ = std::fs::remove_file(&file);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8(out.stdout).unwrap();
    let envelopes: Vec<Envelope> = stdout.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(envelopes.len(), 2);
    assert!(envelopes.iter().all(|e| matches!(e.data, Document::SalesOrder(_))));
}

#[test]
fn an_order_that_cannot_be_mapped_is_reported_with_its_json_path() {
    // The corpus list holds orders without line items: not a sales order.
    let out = translate(&fixture("pyapi_orders_list.json"));
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("pyapi_orders_list.json: $.orders[0]: "), "{stderr}");
    assert!(stderr.contains("$.lines: must have at least one entry"), "{stderr}");
}

#[test]
fn an_unknown_source_format_is_an_error() {
    let out = Command::new(env!("CARGO_BIN_EXE_crossdock"))
        .args(["translate", "--from", "magento"])
        .arg(fixture("pyapi_order.json"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--from magento"));
}
