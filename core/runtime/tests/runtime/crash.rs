//! kill -9: the crash-test binary is killed at random moments, started again, and in the
//! end nothing is lost and nothing is done twice.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crossdock_runtime::testkit::{self, StockLedger, RESERVATION_ACCEPTED};
use crossdock_runtime::{Clock, Handler, Runtime, SqliteStore};

use crate::support::{clock, count};

const COUNT: usize = 2000;
const KILLS: usize = 6;

/// xorshift64*: enough randomness for kill times, reproducible from its seed.
struct Rng(u64);

impl Rng {
    fn below(&mut self, bound: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) % bound
    }
}

fn start(dir: &Path) -> Child {
    let stderr = std::fs::OpenOptions::new().create(true).append(true).open(dir.join("stderr.log")).unwrap();
    Command::new(env!("CARGO_BIN_EXE_crossdock-runtime-crashtest"))
        .arg(dir)
        .arg(COUNT.to_string())
        .stdout(Stdio::null())
        .stderr(stderr)
        .spawn()
        .expect("start the crash-test binary")
}

#[test]
fn kill_9_at_random_moments_loses_nothing_and_repeats_nothing() {
    let seed = std::env::var("CROSSDOCK_CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_nanos() as u64 | 1);
    println!("kill times seeded with CROSSDOCK_CRASH_SEED={seed}");
    let mut rng = Rng(seed);
    let dir = tempfile::tempdir().unwrap();

    let mut interrupted = 0;
    for _ in 0..KILLS {
        let mut child = start(dir.path());
        std::thread::sleep(Duration::from_millis(50 + rng.below(700)));
        if child.try_wait().unwrap().is_none() {
            child.kill().unwrap(); // SIGKILL
            interrupted += 1;
        }
        let status = child.wait().unwrap();
        assert!(status.success() || status.code().is_none(), "the crash test failed: {status}; see stderr.log");
    }
    println!("{interrupted} of {KILLS} kills interrupted a running process");
    assert!(interrupted >= KILLS / 2, "only {interrupted} kills interrupted work: slow the workload down");

    let mut child = start(dir.path());
    let deadline = Instant::now() + Duration::from_secs(120);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            child.kill().unwrap();
            panic!("the last run did not finish within 120 s");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let stderr = std::fs::read_to_string(dir.path().join("stderr.log")).unwrap_or_default();
    assert!(status.success(), "the last run failed: {status}\n{stderr}");

    tokio::runtime::Runtime::new().unwrap().block_on(verify(dir.path()));
}

async fn verify(dir: &Path) {
    let store = SqliteStore::open(dir.join("crossdock.db")).await.unwrap();
    let workload = testkit::reservation_workload(COUNT);

    // Every message handled exactly once, in the order it was submitted.
    let inbox: Vec<String> =
        sqlx::query_scalar("SELECT message_id FROM inbox ORDER BY sequence").fetch_all(store.pool()).await.unwrap();
    let submitted: Vec<String> = workload.iter().map(|m| m.id.clone()).collect();
    assert_eq!(inbox, submitted);

    // The outbox holds exactly what one uninterrupted pass of the handler produces.
    let mut expected = StockLedger::default();
    let mut outcomes = Vec::new();
    for message in &workload {
        for out in expected.handle(message, clock().now()).unwrap() {
            outcomes.push((out.event_type, out.subject));
        }
    }
    let outbox: Vec<(String, String, String)> =
        sqlx::query_as("SELECT message_id, type, subject FROM outbox ORDER BY sequence")
            .fetch_all(store.pool())
            .await
            .unwrap();
    let outbox_outcomes: Vec<(String, String)> = outbox.iter().map(|(_, t, s)| (t.clone(), s.clone())).collect();
    assert_eq!(outbox_outcomes, outcomes);
    let outbox_ids: BTreeSet<String> = outbox.iter().map(|(id, ..)| id.clone()).collect();
    let total = outbox_ids.len() as i64;

    // Every outbox message delivered (the sole subscriber's record is delivered_at), filed once.
    assert_eq!(count(&store, "SELECT COUNT(*) FROM outbox WHERE delivered_at IS NULL").await, 0);
    assert_eq!(count(&store, "SELECT COUNT(*) FROM deliveries").await, 0);
    assert_eq!(count(&store, "SELECT COUNT(*) FROM parked").await, 0);
    assert_eq!(count(&store, "SELECT COUNT(*) FROM documents").await, total);

    // ... and taken by the subscriber at least once (more is allowed: at-least-once).
    let log = std::fs::read_to_string(dir.join("delivered.log")).unwrap();
    let lines: Vec<&str> = log.lines().collect();
    let logged: BTreeSet<String> = lines.iter().map(|l| l.to_string()).collect();
    assert_eq!(logged, outbox_ids, "the log holds every outbox message and nothing else");
    println!("{} deliveries for {} messages ({} repeated after kills)", lines.len(), total, lines.len() - logged.len());

    // No reservation counted twice: the rebuilt ledger is the uninterrupted one, and what
    // it holds reserved is what the outbox accepted.
    let runtime = Runtime::open_with_clock(store.clone(), StockLedger::default(), clock()).await.unwrap();
    assert_eq!(runtime.replayed().diverged, 0);
    let ledger = runtime.inspect(StockLedger::clone).await;
    assert_eq!(ledger, expected);
    let accepted_quantity = count(
        &store,
        &format!(
            "SELECT SUM(json_extract(payload, '$.data.quantity')) FROM outbox WHERE type = '{RESERVATION_ACCEPTED}'"
        ),
    )
    .await;
    let accepted_ids =
        count(&store, &format!("SELECT COUNT(DISTINCT subject) FROM outbox WHERE type = '{RESERVATION_ACCEPTED}'"))
            .await;
    let position = ledger.position("SKU-1");
    assert_eq!(position.reserved as i64, accepted_quantity);
    assert_eq!(accepted_ids as usize, ledger.accepted().len());
    assert_eq!(
        count(&store, &format!("SELECT COUNT(*) FROM outbox WHERE type = '{RESERVATION_ACCEPTED}'")).await,
        accepted_ids
    );
    assert!(position.reserved <= position.stock);
}
