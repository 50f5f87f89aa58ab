//! Worker processes under faults, over 10,000 orders: the broker owner is killed with
//! SIGKILL mid-run and a new worker starts, RabbitMQ itself is restarted mid-run, every
//! RabbitMQ connection is closed mid-run, every input arrives twice, and some inputs are
//! refused by the handler. Afterwards: each order handled once in effect, no unit reserved
//! twice or beyond the stock, every decision sent exactly once, every refusal parked with
//! its reason.
//!
//! A test binary of its own: restarting RabbitMQ would disturb tests running beside it
//! (cargo runs test binaries one after the other).

#[path = "../amqp/support.rs"]
#[allow(dead_code)]
mod support;

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crossdock_amqp::{headers, Publisher, Topology};
use crossdock_runtime::testkit::{self, StockLedger};
use crossdock_runtime::{PgStore, Runtime, Store};
use lapin::options::{BasicGetOptions, QueueDeclareOptions};
use lapin::types::{AMQPValue, FieldTable};

use support::{amqp_url, count, database_url, eventually, unique};

const STOCK: u64 = 2_500;
const REQUESTS: usize = 10_000;
/// Inputs published together (each twice), their confirms awaited together.
const WINDOW: usize = 250;
const REFUSED: usize = 10;

/// The worker processes; killed when the test ends, however it ends.
struct Workers {
    children: Vec<Child>,
    env: Vec<(&'static str, String)>,
}

impl Workers {
    fn start(&mut self) -> u32 {
        let mut command = Command::new(env!("CARGO_BIN_EXE_crossdock-amqp-faultworker"));
        command.envs(self.env.iter().map(|(k, v)| (*k, v.as_str()))).stdout(Stdio::null()).stderr(Stdio::null());
        let child = command.spawn().expect("start a worker");
        let pid = child.id();
        self.children.push(child);
        pid
    }

    fn kill(&mut self, index: usize) {
        let child = &mut self.children[index];
        child.kill().expect("SIGKILL");
        child.wait().expect("reaped");
    }
}

impl Drop for Workers {
    fn drop(&mut self) {
        for child in &mut self.children {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn rabbitmqctl(args: &[&str]) -> Result<(), String> {
    let output = Command::new("rabbitmqctl").args(args).output().map_err(|e| format!("rabbitmqctl: {e}"))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(format!("rabbitmqctl {args:?}: {}", String::from_utf8_lossy(&output.stderr)))
    }
}

/// A vhost of its own, so closing "all" connections touches only this test's.
fn vhost_url(vhost: &str) -> Option<String> {
    let base = amqp_url();
    let created = rabbitmqctl(&["add_vhost", vhost])
        .and_then(|()| rabbitmqctl(&["set_permissions", "-p", vhost, "guest", ".*", ".*", ".*"]));
    if let Err(why) = created {
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!("the fault test needs a local RabbitMQ and rabbitmqctl under CI: {why}");
        }
        eprintln!("\n*** SKIPPED: cannot manage a local RabbitMQ ({why}); this test proved nothing ***\n");
        return None;
    }
    let root = base.rsplit_once('/').map_or(base.as_str(), |(root, _)| root);
    Some(format!("{root}/{vhost}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_owner_closed_connections_and_duplicates_lose_nothing_and_do_nothing_twice() {
    let vhost = unique("vhost");
    let Some(url) = vhost_url(&vhost) else { return };
    let schema = unique("fault");
    let store = match PgStore::connect_in_schema(&database_url(), &schema).await {
        Ok(store) => store,
        Err(e) if std::env::var("CI").as_deref() == Ok("true") => panic!("PostgreSQL is required under CI: {e}"),
        Err(e) => {
            eprintln!("\n*** SKIPPED: no PostgreSQL ({e}); this test proved nothing ***\n");
            let _ = rabbitmqctl(&["delete_vhost", &vhost]);
            return;
        }
    };
    let prefix = unique("q");
    let topology = Topology::new(prefix.clone());
    let mut workers = Workers {
        children: Vec::new(),
        env: vec![
            ("CROSSDOCK_AMQP_URL", url.clone()),
            ("CROSSDOCK_DATABASE_URL", database_url()),
            ("FAULT_SCHEMA", schema.clone()),
            ("FAULT_PREFIX", prefix),
        ],
    };
    // The first worker becomes the owner; the others stand by for the broker and compete
    // for outbound deliveries.
    workers.start();
    eventually("the first worker to own the broker", Duration::from_secs(30), || async {
        store.lease_epoch().await.unwrap() == 1
    })
    .await;
    workers.start();
    workers.start();

    let publisher = Publisher::new(url.clone(), topology.clone());
    let mut inputs = vec![testkit::stock_received("stock-1", "SKU-1", STOCK)];
    for i in 0..REQUESTS {
        let reservation = if i % 10 == 9 { i - 1 } else { i };
        inputs.push(testkit::reservation_requested(&format!("req-{i}"), &format!("res-{reservation}"), "SKU-1", 1));
    }
    for i in 0..REFUSED {
        inputs.push(testkit::reservation_requested(&format!("bad-{i}"), &format!("bad-{i}"), "SKU-1", 0));
    }
    let (mut killed, mut restarted, mut reconnected) = (false, false, false);
    for (n, window) in inputs.chunks(WINDOW).enumerate() {
        publish_until_confirmed(&publisher, window).await;
        publish_until_confirmed(&publisher, window).await;
        let sent = (n + 1) * WINDOW;
        if !killed && sent >= REQUESTS / 4 {
            eventually("the owner to be busy", Duration::from_secs(60), || async {
                count(&store, "SELECT COUNT(*) FROM inbox").await > 100
            })
            .await;
            workers.kill(0);
            workers.start();
            killed = true;
        }
        if !restarted && sent >= REQUESTS / 2 {
            // The whole node: its connections drop, its quorum queues recover from disk.
            rabbitmqctl(&["stop_app"]).unwrap();
            rabbitmqctl(&["start_app"]).unwrap();
            rabbitmqctl(&["await_startup"]).unwrap();
            restarted = true;
        }
        if !reconnected && sent >= 3 * REQUESTS / 4 {
            rabbitmqctl(&["close_all_connections", "-p", &vhost, "fault test"]).unwrap();
            reconnected = true;
        }
    }

    let expected_inbox = 1 + REQUESTS as i64;
    eventually("every input handled", Duration::from_secs(300), || async {
        count(&store, "SELECT COUNT(*) FROM inbox").await == expected_inbox
    })
    .await;
    eventually("every decision sent", Duration::from_secs(300), || async {
        count(&store, "SELECT COUNT(*) FROM documents").await == REQUESTS as i64
            && store.undelivered().await.unwrap() == 0
    })
    .await;
    assert!(store.lease_epoch().await.unwrap() >= 2, "the broker changed owner");

    // Exactly once in effect: one inbox row per input, one decision per request.
    assert_eq!(count(&store, "SELECT COUNT(*) FROM outbox").await, REQUESTS as i64);
    // Never oversold, no unit reserved twice: the committed history, replayed, reserves
    // exactly the stock, each reservation id at most once.
    let replayed = Runtime::open(store.clone(), StockLedger::default()).await.unwrap();
    assert_eq!(replayed.replayed().diverged, 0);
    let ledger = replayed.inspect(StockLedger::clone).await;
    assert_eq!(ledger.position("SKU-1").reserved, STOCK);
    let accepted = "SELECT COUNT(DISTINCT subject) FROM outbox WHERE type = 'reservation.accepted'";
    assert_eq!(count(&store, accepted).await, STOCK as i64);
    assert_eq!(count(&store, "SELECT COUNT(*) FROM outbox WHERE type = 'reservation.accepted'").await, STOCK as i64);
    // No document lost or sent twice: the partner holds one copy of each, and it is the
    // archived one (a resend after a crash carries the same bytes, never new ones).
    assert_eq!(count(&store, "SELECT COUNT(*) FROM sent").await, REQUESTS as i64);
    let differing =
        "SELECT COUNT(*) FROM sent s JOIN documents d ON d.id = s.message_id WHERE s.hash <> d.content_hash";
    assert_eq!(count(&store, differing).await, 0);
    assert_eq!(store.parked().await.unwrap(), Vec::new());

    // Every refusal parked with its reason (each input was published twice).
    let connection = lapin::Connection::connect(&url, Default::default()).await.unwrap();
    let channel = connection.create_channel().await.unwrap();
    let parking = topology.parking_queue();
    let passive = QueueDeclareOptions { passive: true, ..Default::default() };
    eventually("the refusals parked", Duration::from_secs(30), || async {
        channel.queue_declare(&parking, passive, FieldTable::default()).await.unwrap().message_count()
            == 2 * REFUSED as u32
    })
    .await;
    while let Some(parked) = channel.basic_get(&parking, BasicGetOptions::default()).await.unwrap() {
        let table = parked.delivery.properties.headers().clone().unwrap();
        let id = parked.delivery.properties.message_id().clone().unwrap().to_string();
        assert!(id.starts_with("bad-"), "{id} parked");
        match table.inner().get(headers::ERROR) {
            Some(AMQPValue::LongString(error)) => {
                let error = String::from_utf8_lossy(error.as_bytes());
                assert!(error.contains("a reservation needs a quantity above 0"), "{error}");
            }
            other => panic!("no error header: {other:?}"),
        }
    }

    drop(workers);
    drop(replayed);
    let _ = connection.close(200, "done").await;
    rabbitmqctl(&["delete_vhost", &vhost]).unwrap();
    store.drop_schema().await.unwrap();
}

/// The test's own publisher also loses its connection when RabbitMQ goes away: what was
/// not confirmed is published again.
async fn publish_until_confirmed(publisher: &Publisher, messages: &[crossdock_model::Envelope<serde_json::Value>]) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    let mut pending = messages.to_vec();
    while !pending.is_empty() {
        let outcomes = publisher.publish_events(&pending).await;
        let failed: Vec<_> =
            pending.iter().zip(&outcomes).filter(|(_, outcome)| outcome.is_err()).map(|(m, _)| m.clone()).collect();
        if let Some(Err(failure)) = outcomes.iter().find(|outcome| outcome.is_err()) {
            assert!(tokio::time::Instant::now() < deadline, "cannot publish {}: {failure}", failed[0].id);
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        pending = failed;
    }
}
