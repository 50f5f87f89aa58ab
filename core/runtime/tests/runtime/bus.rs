//! The bus: order, at-least-once recording, retries, parking, restarts, shutdown.

use std::sync::Arc;
use std::time::Duration;

use crossdock_model::Envelope;
use crossdock_runtime::testkit;
use crossdock_runtime::{async_trait, BusConfig, DeliveryError, Error, Store, Subscriber};
use serde_json::Value;
use tokio::sync::oneshot;

use crate::support::{clock, count, eventually, open_ledger, open_store, Failing, LedgerRuntime, Recording};

fn fast() -> BusConfig {
    BusConfig {
        max_attempts: 3,
        first_backoff: Duration::from_millis(1),
        max_backoff: Duration::from_millis(4),
        delivery_timeout: Duration::from_secs(5),
        poll_interval: Duration::from_millis(20),
        batch_size: 7, // smaller than the workloads: several batches
    }
}

/// Stock, then `n` reservations: `n` outbox messages.
async fn submit_reservations(runtime: &LedgerRuntime, from: usize, n: usize) {
    if from == 0 {
        runtime.submit(&testkit::stock_received("stock-1", "SKU-1", 1000)).await.unwrap();
    }
    for i in from..from + n {
        let id = format!("req-{i}");
        runtime.submit(&testkit::reservation_requested(&id, &id, "SKU-1", 1)).await.unwrap();
    }
}

async fn outbox_ids(runtime: &LedgerRuntime) -> Vec<String> {
    sqlx::query_scalar("SELECT message_id FROM outbox ORDER BY sequence")
        .fetch_all(runtime.store().pool())
        .await
        .unwrap()
}

async fn settled(runtime: &LedgerRuntime) -> bool {
    runtime.store().undelivered().await.unwrap() == 0
}

#[tokio::test]
async fn every_message_reaches_every_subscriber_in_order_and_is_recorded_once() {
    let dir = tempfile::tempdir().unwrap();
    let runtime = open_ledger(open_store(&dir).await, clock()).await;
    let (billing, shipping) = (Recording::new("billing"), Recording::new("shipping"));
    let bus = runtime.bus().with_config(fast()).subscribe(billing.clone()).subscribe(shipping.clone());
    let (stop, stopped) = oneshot::channel::<()>();
    let bus = tokio::spawn(bus.run(async move {
        let _ = stopped.await;
    }));

    // Submitted while the bus runs: commits wake it.
    submit_reservations(&runtime, 0, 20).await;
    eventually("every message settled", || settled(&runtime)).await;
    stop.send(()).unwrap();
    bus.await.unwrap().unwrap();

    let expected = outbox_ids(&runtime).await;
    assert_eq!(expected.len(), 20);
    assert_eq!(billing.received(), expected);
    assert_eq!(shipping.received(), expected);
    let store = runtime.store();
    assert_eq!(count(store, "SELECT COUNT(*) FROM deliveries").await, 40);
    assert_eq!(count(store, "SELECT COUNT(*) FROM outbox WHERE delivered_at IS NULL").await, 0);
    assert_eq!(count(store, "SELECT COUNT(*) FROM parked").await, 0);
}

#[tokio::test]
async fn a_failing_subscriber_is_retried_then_parked_without_holding_back_the_others() {
    let dir = tempfile::tempdir().unwrap();
    let runtime = open_ledger(open_store(&dir).await, clock()).await;
    submit_reservations(&runtime, 0, 10).await;

    let healthy = Recording::new("healthy");
    let flaky = Failing::new("flaky", 2, false); // succeeds at the third and last attempt
    let down = Failing::new("down", u32::MAX, false);
    let refusing = Failing::new("refusing", u32::MAX, true);
    let bus = runtime
        .bus()
        .with_config(fast())
        .subscribe(healthy.clone())
        .subscribe(flaky.clone())
        .subscribe(down.clone())
        .subscribe(refusing.clone());
    let (stop, stopped) = oneshot::channel::<()>();
    let bus = tokio::spawn(bus.run(async move {
        let _ = stopped.await;
    }));
    eventually("every message settled", || settled(&runtime)).await;
    stop.send(()).unwrap();
    bus.await.unwrap().unwrap();

    let ids = outbox_ids(&runtime).await;
    assert_eq!(healthy.received(), ids);
    let store = runtime.store();
    let delivered_to = |name: &str| format!("SELECT COUNT(*) FROM deliveries WHERE subscriber = '{name}'");
    assert_eq!(count(store, &delivered_to("healthy")).await, 10);
    assert_eq!(count(store, &delivered_to("flaky")).await, 10);
    assert_eq!(count(store, &delivered_to("down")).await, 0);
    assert_eq!(count(store, &delivered_to("refusing")).await, 0);

    let parked = store.parked().await.unwrap();
    assert_eq!(parked.len(), 20);
    for id in &ids {
        assert_eq!(flaky.attempts(id), 3);
        assert_eq!(down.attempts(id), 3, "transient failures: bounded retries");
        assert_eq!(refusing.attempts(id), 1, "permanent failures: no retry");
        let down_parked = parked.iter().find(|p| p.subscriber == "down" && &p.message_id == id).unwrap();
        assert_eq!((down_parked.attempts, down_parked.error.as_str()), (3, "down is down"));
        let refused = parked.iter().find(|p| p.subscriber == "refusing" && &p.message_id == id).unwrap();
        assert_eq!((refused.attempts, refused.error.clone()), (1, format!("refusing cannot take {id}")));
    }
}

struct Panicking;

#[async_trait]
impl Subscriber for Panicking {
    fn name(&self) -> &str {
        "panicking"
    }

    async fn deliver(&self, message: &Envelope<Value>) -> Result<(), DeliveryError> {
        panic!("cannot cope with {}", message.id)
    }
}

struct Hanging;

#[async_trait]
impl Subscriber for Hanging {
    fn name(&self) -> &str {
        "hanging"
    }

    async fn deliver(&self, _: &Envelope<Value>) -> Result<(), DeliveryError> {
        tokio::time::sleep(Duration::from_secs(3600)).await;
        Ok(())
    }
}

#[tokio::test]
async fn a_panicking_or_hanging_subscriber_costs_attempts_not_the_bus() {
    let dir = tempfile::tempdir().unwrap();
    let runtime = open_ledger(open_store(&dir).await, clock()).await;
    submit_reservations(&runtime, 0, 2).await;

    let healthy = Recording::new("healthy");
    let config = BusConfig { max_attempts: 2, delivery_timeout: Duration::from_millis(50), ..fast() };
    let bus = runtime
        .bus()
        .with_config(config)
        .subscribe(healthy.clone())
        .subscribe(Arc::new(Panicking))
        .subscribe(Arc::new(Hanging));
    let (stop, stopped) = oneshot::channel::<()>();
    let bus = tokio::spawn(bus.run(async move {
        let _ = stopped.await;
    }));
    eventually("every message settled", || settled(&runtime)).await;
    stop.send(()).unwrap();
    bus.await.unwrap().unwrap();

    assert_eq!(healthy.received().len(), 2);
    let parked = runtime.store().parked().await.unwrap();
    assert_eq!(parked.len(), 4);
    for p in &parked {
        match p.subscriber.as_str() {
            "panicking" => assert!(p.attempts == 1 && p.error.contains("panicked"), "{p:?}"),
            "hanging" => assert!(p.attempts == 2 && p.error.contains("no answer"), "{p:?}"),
            other => panic!("unexpected parked subscriber {other}"),
        }
    }
}

#[tokio::test]
async fn a_restarted_bus_delivers_only_what_was_not_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let runtime = open_ledger(open_store(&dir).await, clock()).await;
    submit_reservations(&runtime, 0, 5).await;
    let first = Recording::new("archive");
    let (stop, stopped) = oneshot::channel::<()>();
    let bus = tokio::spawn(runtime.bus().with_config(fast()).subscribe(first.clone()).run(async move {
        let _ = stopped.await;
    }));
    eventually("first five settled", || settled(&runtime)).await;
    stop.send(()).unwrap();
    bus.await.unwrap().unwrap();
    assert_eq!(first.received().len(), 5);

    submit_reservations(&runtime, 5, 3).await;
    // As if the process died after delivering req-4's outcome but before recording it (a
    // sole subscriber's record is the outbox row's delivered_at).
    let store = runtime.store();
    sqlx::query("UPDATE outbox SET delivered_at = NULL WHERE message_id = 'req-4#0'")
        .execute(store.pool())
        .await
        .unwrap();

    let second = Recording::new("archive");
    let (stop, stopped) = oneshot::channel::<()>();
    let bus = tokio::spawn(runtime.bus().with_config(fast()).subscribe(second.clone()).run(async move {
        let _ = stopped.await;
    }));
    eventually("the rest settled", || settled(&runtime)).await;
    stop.send(()).unwrap();
    bus.await.unwrap().unwrap();
    assert_eq!(second.received(), ["req-4#0", "req-5#0", "req-6#0", "req-7#0"]);
    assert_eq!(count(store, "SELECT COUNT(*) FROM outbox WHERE delivered_at IS NULL").await, 0);
    assert_eq!(count(store, "SELECT COUNT(*) FROM deliveries").await, 0, "nothing to join against");
}

#[tokio::test]
async fn shutdown_interrupts_retries() {
    let dir = tempfile::tempdir().unwrap();
    let runtime = open_ledger(open_store(&dir).await, clock()).await;
    submit_reservations(&runtime, 0, 1).await;
    let down = Failing::new("down", u32::MAX, false);
    let config = BusConfig { first_backoff: Duration::from_secs(3600), ..fast() };
    let (stop, stopped) = oneshot::channel::<()>();
    let bus = tokio::spawn(runtime.bus().with_config(config).subscribe(down.clone()).run(async move {
        let _ = stopped.await;
    }));
    eventually("a first attempt", || async { down.attempts("req-0#0") == 1 }).await;
    stop.send(()).unwrap();
    let finished = tokio::time::timeout(Duration::from_secs(5), bus).await;
    finished.expect("the bus stops within 5 s").unwrap().unwrap();
    // Interrupted, not given up: the message is neither delivered nor parked.
    assert_eq!(runtime.store().undelivered().await.unwrap(), 1);
    assert!(runtime.store().parked().await.unwrap().is_empty());
}

#[tokio::test]
async fn subscriber_names_must_be_unique() {
    let dir = tempfile::tempdir().unwrap();
    let runtime = open_ledger(open_store(&dir).await, clock()).await;
    let bus = runtime.bus().subscribe(Recording::new("same")).subscribe(Recording::new("same"));
    assert!(matches!(bus.run(async {}).await, Err(Error::DuplicateSubscriber(name)) if name == "same"));
}
