//! The hub on a real SQLite data directory: stopped at any point and restarted, it ends
//! where an uninterrupted run ends, with nothing lost or done twice; and orders submitted
//! concurrently never promise the same unit twice.

use std::path::Path;
use std::sync::Arc;

use chrono::{DateTime, FixedOffset};
use crossdock_broker::{AtpQuery, Input, OrderRequest};
use crossdock_hub::handler::BROKER_INPUT;
use crossdock_hub::{demo, BrokerHandler};
use crossdock_model::{Envelope, SCHEMA_VERSION};
use crossdock_runtime::{ManualClock, Runtime, SqliteStore, Submitted};
use serde_json::{json, Value};

fn demo_file(name: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config/demo").join(name)).unwrap()
}

fn message(n: usize, event_type: &str, data: Value) -> Envelope<Value> {
    let id = format!("m-{n:03}");
    Envelope {
        id: id.clone(),
        event_type: event_type.into(),
        source: "test".into(),
        subject: id.clone(),
        time: at("2026-11-21T09:00:00-05:00"),
        correlation_id: id.clone(),
        causation_id: None,
        idempotency_key: id,
        tenant: "demo".into(),
        schema_version: SCHEMA_VERSION,
        data,
    }
}

fn at(s: &str) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(s).unwrap()
}

/// The demo's stock and orders, then cancellations: a workload that reserves, releases
/// documents, backorders and frees stock.
fn workload() -> Vec<Envelope<Value>> {
    let mut data: Vec<(&str, Value)> = Vec::new();
    for line in demo_file("inventory.jsonl").lines().filter(|l| !l.is_empty()) {
        data.push(("inventory.received", serde_json::from_str(line).unwrap()));
    }
    let po: Value = serde_json::from_str(&demo_file("replenishment-po.json")).unwrap();
    data.push((BROKER_INPUT, json!({ "purchase_order": po })));
    for file in ["orders.jsonl", "constrained.jsonl"] {
        for line in demo_file(file).lines().filter(|l| !l.is_empty()) {
            let entry: Value = serde_json::from_str(line).unwrap();
            data.push(("order.received", entry["request"].clone()));
        }
    }
    data.push((
        BROKER_INPUT,
        serde_json::to_value(Input::Cancel { order_id: "SHOP-1003".into(), line_ids: vec![] }).unwrap(),
    ));
    data.into_iter().enumerate().map(|(n, (t, d))| message(n, t, d)).collect()
}

async fn open(dir: &Path) -> Runtime<SqliteStore, BrokerHandler> {
    let store = SqliteStore::open(dir.join("crossdock.db")).await.unwrap();
    let clock = Arc::new(ManualClock::new(at("2026-11-21T10:00:00-05:00")));
    Runtime::open_with_clock(store, BrokerHandler::new(&demo::config().unwrap()), clock).await.unwrap()
}

/// Everything observable about the broker: each order line's status and allocations, and
/// network ATP per SKU; plus the invariants.
async fn state(runtime: &Runtime<SqliteStore, BrokerHandler>) -> String {
    runtime
        .inspect(|h| {
            let b = h.broker();
            b.check_invariants().unwrap();
            let mut out = Vec::new();
            for o in b.orders().iter() {
                out.push(format!("{} {:?}", o.order.order_id, o.status()));
                for l in &o.lines {
                    out.push(format!(
                        "  {} {:?} {}",
                        l.line_id,
                        l.status,
                        serde_json::to_string(&l.allocations).unwrap()
                    ));
                }
            }
            let skus: std::collections::BTreeSet<String> =
                b.ledger().positions().map(|(i, _)| b.ledger().sku(i).to_string()).collect();
            for sku in skus {
                let q = AtpQuery { sku: sku.clone(), quantity: None, by: None, near: None };
                out.push(format!("{sku} {:?}", b.atp(&q, at("2026-11-21T12:00:00-05:00")).total));
            }
            out.join("\n")
        })
        .await
}

#[tokio::test]
async fn stopped_at_any_point_the_hub_resumes_with_nothing_lost_or_done_twice() {
    let work = workload();
    let reference = tempfile::tempdir().unwrap();
    let expected = {
        let rt = open(reference.path()).await;
        for m in &work {
            assert!(matches!(rt.submit(m).await.unwrap(), Submitted::Processed { .. }));
        }
        state(&rt).await
    };
    assert!(expected.contains("SHOP-1003 Cancelled") && expected.contains("VIP-2001 Backordered"), "{expected}");
    for stop_after in [0, 1, 7, 9, work.len() / 2, work.len() - 1] {
        let dir = tempfile::tempdir().unwrap();
        {
            let rt = open(dir.path()).await;
            for m in &work[..stop_after] {
                rt.submit(m).await.unwrap();
            }
        } // stopped here: the process is gone, only the data directory remains
        let rt = open(dir.path()).await;
        assert_eq!(rt.replayed().messages, stop_after as u64);
        assert_eq!(rt.replayed().diverged, 0);
        // The sender does not know what got through: it sends everything again.
        let mut processed = 0;
        for m in &work {
            if let Submitted::Processed { .. } = rt.submit(m).await.unwrap() {
                processed += 1;
            }
        }
        assert_eq!(processed, work.len() - stop_after, "each message handled exactly once");
        assert_eq!(state(&rt).await, expected, "stopped after {stop_after} messages");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_orders_never_promise_the_same_unit_twice() {
    let dir = tempfile::tempdir().unwrap();
    let rt = Arc::new(open(dir.path()).await);
    for (n, m) in workload().into_iter().take(6).enumerate() {
        assert!(matches!(rt.submit(&m).await.unwrap(), Submitted::Processed { .. }), "stock message {n}");
    }
    // 16 shoppers each place 5 orders for 2 lanterns: 160 wanted, fewer promisable.
    let mut tasks = Vec::new();
    for shopper in 0..16 {
        let rt = rt.clone();
        tasks.push(tokio::spawn(async move {
            for k in 0..5 {
                let order = json!({
                    "order_id": format!("RUSH-{shopper}-{k}"), "channel": "shopify",
                    "placed_at": "2026-11-21T09:30:00-05:00", "lines": [
                        { "line_id": "1", "item": { "sku": "LANTERN-LED" }, "quantity": "2", "uom": "EA" }
                    ]
                });
                let request: OrderRequest = serde_json::from_value(json!({ "sales_order": order })).unwrap();
                let m = message(1000 + shopper * 10 + k, "order.received", serde_json::to_value(request).unwrap());
                rt.submit(&m).await.unwrap();
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let (sourced, reserved, promisable) = rt
        .inspect(|h| {
            let b = h.broker();
            b.check_invariants().unwrap();
            let rush = b.orders().iter().filter(|o| o.order.order_id.starts_with("RUSH-"));
            let sourced: rust_decimal::Decimal =
                rush.flat_map(|o| o.lines.iter().flat_map(|l| l.allocations.iter().map(|a| a.quantity))).sum();
            let q = AtpQuery { sku: "LANTERN-LED".into(), quantity: None, by: None, near: None };
            let total = b.atp(&q, at("2026-11-21T09:31:00-05:00")).total;
            (sourced, total.reserved, total.on_hand - total.safety_stock)
        })
        .await;
    assert_eq!(sourced, reserved, "every unit sourced is reserved once");
    assert!(reserved <= promisable, "{reserved} reserved of {promisable} promisable");
    // Reopening replays the same decisions.
    drop(rt);
    let again = open(dir.path()).await;
    assert_eq!(again.replayed().diverged, 0);
}

#[tokio::test]
async fn a_redelivered_purchase_order_is_sent_with_the_same_bytes_not_a_new_number() {
    use crossdock_hub::outbound::PartnerDocuments;
    use crossdock_runtime::{Store, Subscriber};
    use crossdock_x12::control::FileControlNumbers;

    let dir = tempfile::tempdir().unwrap();
    let rt = open(dir.path()).await;
    let river = json!({
        "document_type": "inventory_advice", "node_id": "SUP-RIVER", "advice_id": "R-1",
        "as_of": "2026-11-21T08:00:00-05:00", "mode": "snapshot",
        "positions": [{ "item": { "sku": "KAYAK-10" }, "uom": "EA", "available": "8" }]
    });
    rt.submit(&message(1, "inventory.received", river)).await.unwrap();
    let order = json!({ "sales_order": {
        "order_id": "SHOP-9", "channel": "shopify", "placed_at": "2026-11-21T09:30:00-05:00",
        "lines": [{ "line_id": "1", "item": { "sku": "KAYAK-10" }, "quantity": "1", "uom": "EA" }]
    }});
    let Submitted::Processed { produced, .. } = rt.submit(&message(2, "order.received", order)).await.unwrap() else {
        panic!("processed")
    };
    let po = produced.iter().find(|m| m.event_type == "po.issued").expect("a drop-ship PO");

    let config = demo::config().unwrap();
    let numbers = FileControlNumbers::open(dir.path().join("control-numbers")).unwrap();
    let out = dir.path().join("outbound");
    let docs = PartnerDocuments::new(rt.store().clone(), rt.clock(), &config, Box::new(numbers), out.clone());
    docs.deliver(po).await.unwrap();
    let file = std::fs::read_dir(out.join("river-outfitters")).unwrap().next().unwrap().unwrap().path();
    let first = std::fs::read(&file).unwrap();
    std::fs::remove_file(&file).unwrap();
    docs.deliver(po).await.unwrap(); // the bus redelivers after a crash
    assert_eq!(std::fs::read(&file).unwrap(), first, "the same interchange, same control numbers");
    let stored = rt.store().document(&po.id).await.unwrap().unwrap();
    assert_eq!(stored.document.bytes, first);
    assert!(String::from_utf8(first).unwrap().contains("*000000001*0*T*:~"), "ISA13 taken once");
}
