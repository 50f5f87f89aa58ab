//! The whole path on real servers: inputs published to RabbitMQ (each twice), the
//! runtime's intake consuming them into PostgreSQL, the outbox relay publishing what the
//! handler decided, and two competing workers filing one document per decision.

use std::sync::Arc;
use std::time::Duration;

use crossdock_amqp::{consume, ConsumerConfig, Intake, OutboxRelay, Publisher};
use crossdock_runtime::testkit::{self, StockLedger};
use crossdock_runtime::{BusConfig, Runtime, Store};
use tokio::sync::watch;

use crate::support::{amqp_url, count, declare, eventually, servers, tear_down, Filing};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_order_is_handled_once_and_every_decision_filed_once_despite_duplicates() {
    let Some((topology, store)) = servers().await else { return };
    let url = amqp_url();
    let runtime = Arc::new(Runtime::open(store.clone(), StockLedger::default()).await.unwrap());
    let (stop, stopping) = watch::channel(false);
    let stopped = |mut rx: watch::Receiver<bool>| async move {
        let _ = rx.wait_for(|stop| *stop).await;
    };

    let relay = OutboxRelay::new(Publisher::new(url.clone(), topology.clone()));
    let relay_config = BusConfig {
        max_attempts: u32::MAX,
        first_backoff: Duration::from_millis(50),
        max_backoff: Duration::from_secs(1),
        poll_interval: Duration::from_millis(100),
        ..BusConfig::default()
    };
    let bus =
        tokio::spawn(runtime.bus().subscribe(Arc::new(relay)).with_config(relay_config).run(stopped(stopping.clone())));
    let intake = ConsumerConfig::new("intake", &["stock.*", "reservation.requested"]);
    let documents = ConsumerConfig::new("documents", &["reservation.accepted", "reservation.refused"]);
    declare(&topology, &[&intake, &documents]).await;
    let mut tasks = vec![bus_task(bus)];
    let (url2, topology2, intake_subscriber) = (url.clone(), topology.clone(), Arc::new(Intake::new(runtime.clone())));
    let rx = stopping.clone();
    tasks.push(tokio::spawn(async move { consume(&url2, &topology2, &intake, intake_subscriber, stopped(rx)).await }));
    let filers = [Filing::new("documents", store.clone()), Filing::new("documents", store.clone())];
    for filer in &filers {
        let (url, topology, documents, filer, rx) =
            (url.clone(), topology.clone(), documents.clone(), filer.clone(), stopping.clone());
        tasks.push(tokio::spawn(async move { consume(&url, &topology, &documents, filer, stopped(rx)).await }));
    }

    // 100 units, 300 requests for one each, every tenth re-asking an earlier reservation
    // under a new message id; every message published twice.
    let publisher = Publisher::new(url.clone(), topology.clone());
    let mut inputs = vec![testkit::stock_received("stock-1", "SKU-1", 100)];
    for i in 0..300 {
        let reservation = if i % 10 == 9 { i - 1 } else { i };
        inputs.push(testkit::reservation_requested(&format!("req-{i}"), &format!("res-{reservation}"), "SKU-1", 1));
    }
    let connection = lapin::Connection::connect(&url, Default::default()).await.unwrap();
    let channel = connection.create_channel().await.unwrap();
    let passive = lapin::options::QueueDeclareOptions { passive: true, ..Default::default() };
    eventually("both document workers consuming", Duration::from_secs(30), || async {
        let queue = channel.queue_declare(&topology.queue("documents"), passive, Default::default()).await.unwrap();
        queue.consumer_count() == 2
    })
    .await;
    let _ = connection.close(200, "ready").await;
    publisher.publish_event(&inputs[0]).await.unwrap();
    eventually("the stock to be handled", Duration::from_secs(30), || async {
        count(&store, "SELECT COUNT(*) FROM inbox").await == 1
    })
    .await;
    for message in &inputs[1..] {
        publisher.publish_event(message).await.unwrap();
        publisher.publish_event(message).await.unwrap();
    }

    eventually("every decision filed", Duration::from_secs(60), || async {
        count(&store, "SELECT COUNT(*) FROM documents").await == 300
    })
    .await;
    eventually("the outbox relayed", Duration::from_secs(30), || async { store.undelivered().await.unwrap() == 0 })
        .await;
    let _ = stop.send(true);
    for task in tasks {
        tokio::time::timeout(Duration::from_secs(30), task).await.expect("stops in time").unwrap();
    }

    assert_eq!(count(&store, "SELECT COUNT(*) FROM inbox").await, 301, "each message handled once");
    assert_eq!(count(&store, "SELECT COUNT(*) FROM outbox").await, 300, "one decision per request");
    let ledger = runtime.inspect(StockLedger::clone).await;
    assert_eq!(ledger.position("SKU-1").reserved, 100, "never more than the stock");
    assert_eq!(ledger.accepted().len(), 100, "no unit reserved twice");
    let accepted: i64 = count(&store, "SELECT COUNT(*) FROM outbox WHERE type = 'reservation.accepted'").await;
    assert_eq!(accepted, 100);
    let sent: u32 = filers.iter().map(|f| f.sent.lock().unwrap().values().sum::<u32>()).sum();
    assert_eq!(sent, 300, "every document sent once, none lost, none twice");
    assert!(filers.iter().all(|f| f.sent_twice().is_empty()));
    assert!(filers.iter().all(|f| !f.sent.lock().unwrap().is_empty()), "both workers took a share");
    drop(runtime);
    tear_down(&topology, &["intake", "documents"], store).await;
}

fn bus_task(bus: tokio::task::JoinHandle<Result<(), crossdock_runtime::Error>>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move { bus.await.unwrap().unwrap() })
}
