//! Submitting: idempotency, atomicity, derived envelopes, restart by replay, concurrency.

use std::sync::Arc;

use chrono::{DateTime, FixedOffset, TimeDelta};
use crossdock_model::{Envelope, SCHEMA_VERSION};
use crossdock_runtime::testkit::{self, StockLedger, RESERVATION_ACCEPTED, RESERVATION_REFUSED};
use crossdock_runtime::{Clock, Error, Handler, HandlerError, Produced, Runtime, Store, Submitted};
use serde_json::{json, Value};

use crate::support::{clock, count, open_ledger, open_store};

fn produced(submitted: &Submitted) -> &[Envelope<Value>] {
    match submitted {
        Submitted::Processed { produced, .. } => produced,
        Submitted::Duplicate { .. } => panic!("expected a processed message, got {submitted:?}"),
    }
}

#[tokio::test]
async fn the_same_message_twice_is_processed_once() {
    let dir = tempfile::tempdir().unwrap();
    let runtime = open_ledger(open_store(&dir).await, clock()).await;
    runtime.submit(&testkit::stock_received("stock-1", "SKU-1", 10)).await.unwrap();
    let request = testkit::reservation_requested("req-1", "res-1", "SKU-1", 4);

    let first = runtime.submit(&request).await.unwrap();
    let second = runtime.submit(&request).await.unwrap();

    assert_eq!(produced(&first).len(), 1);
    assert_eq!(second, Submitted::Duplicate { original_id: "req-1".to_string(), sequence: 2 });
    assert_eq!(count(runtime.store(), "SELECT COUNT(*) FROM inbox").await, 2);
    assert_eq!(count(runtime.store(), "SELECT COUNT(*) FROM outbox").await, 1);
    assert_eq!(runtime.inspect(|ledger| ledger.position("SKU-1").reserved).await, 4);
}

#[tokio::test]
async fn the_same_idempotency_key_under_a_new_id_is_a_duplicate_within_its_tenant() {
    let dir = tempfile::tempdir().unwrap();
    let runtime = open_ledger(open_store(&dir).await, clock()).await;
    runtime.submit(&testkit::stock_received("stock-1", "SKU-1", 10)).await.unwrap();
    runtime.submit(&testkit::reservation_requested("req-1", "res-1", "SKU-1", 1)).await.unwrap();

    let mut resent = testkit::reservation_requested("req-1-resent", "res-1", "SKU-1", 1);
    resent.idempotency_key = "req-1".to_string();
    let duplicate = runtime.submit(&resent).await.unwrap();
    assert_eq!(duplicate, Submitted::Duplicate { original_id: "req-1".to_string(), sequence: 2 });

    let mut other_tenant = testkit::reservation_requested("req-1-other", "res-2", "SKU-1", 1);
    other_tenant.idempotency_key = "req-1".to_string();
    other_tenant.tenant = "other".to_string();
    assert!(matches!(runtime.submit(&other_tenant).await.unwrap(), Submitted::Processed { sequence: 3, .. }));
}

#[tokio::test]
async fn a_handler_error_commits_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let runtime = open_ledger(open_store(&dir).await, clock()).await;
    runtime.submit(&testkit::stock_received("stock-1", "SKU-1", 10)).await.unwrap();
    runtime.submit(&testkit::reservation_requested("req-1", "res-1", "SKU-1", 2)).await.unwrap();
    let before = runtime.inspect(StockLedger::clone).await;

    let malformed = testkit::reservation_requested("req-2", "res-2", "SKU-1", 0);
    let unknown = testkit::message("req-3", "reservation.teleported", "res-3", json!({}));
    for bad in [&malformed, &unknown] {
        match runtime.submit(bad).await {
            Err(Error::Handler { message_id, .. }) => assert_eq!(message_id, bad.id),
            other => panic!("expected a handler error, got {other:?}"),
        }
    }

    let store = runtime.store();
    assert_eq!(count(store, "SELECT COUNT(*) FROM inbox").await, 2);
    assert_eq!(count(store, "SELECT COUNT(*) FROM outbox").await, 1);
    assert_eq!(count(store, "SELECT COUNT(*) FROM inbox WHERE message_id IN ('req-2', 'req-3')").await, 0);
    assert_eq!(runtime.inspect(StockLedger::clone).await, before);

    // Nothing was recorded, so the corrected message is handled, not taken for a duplicate.
    let corrected = testkit::reservation_requested("req-2", "res-2", "SKU-1", 3);
    assert!(matches!(runtime.submit(&corrected).await.unwrap(), Submitted::Processed { sequence: 3, .. }));
}

#[tokio::test]
async fn a_message_without_an_id_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let runtime = open_ledger(open_store(&dir).await, clock()).await;
    let nameless = testkit::stock_received("", "SKU-1", 1);
    assert!(matches!(runtime.submit(&nameless).await, Err(Error::InvalidMessage(_))));
    assert_eq!(count(runtime.store(), "SELECT COUNT(*) FROM inbox").await, 0);
}

#[tokio::test]
async fn produced_envelopes_are_derived_from_their_cause_and_stored_as_returned() {
    let dir = tempfile::tempdir().unwrap();
    let clock = clock();
    let runtime = open_ledger(open_store(&dir).await, Arc::clone(&clock)).await;
    runtime.submit(&testkit::stock_received("stock-1", "SKU-1", 10)).await.unwrap();
    let mut request = testkit::reservation_requested("req-1", "res-1", "SKU-1", 4);
    request.correlation_id = "order-7".to_string();
    request.tenant = "acme".to_string();

    let submitted = runtime.submit(&request).await.unwrap();
    let out = &produced(&submitted)[0];

    assert_eq!(out.id, "req-1#0");
    assert_eq!(out.idempotency_key, "req-1#0");
    assert_eq!(out.event_type, RESERVATION_ACCEPTED);
    assert_eq!(out.subject, "res-1");
    assert_eq!(out.causation_id.as_deref(), Some("req-1"));
    assert_eq!(out.correlation_id, "order-7");
    assert_eq!(out.tenant, "acme");
    assert_eq!(out.source, "testkit/ledger");
    assert_eq!(out.schema_version, SCHEMA_VERSION);
    assert_eq!(out.time, clock.now());

    let records = runtime.store().inbox_after(0, 10).await.unwrap();
    assert_eq!(records.len(), 2);
    assert_eq!(records[1].message, request);
    assert_eq!(records[1].produced, produced(&submitted));
    // The recorded `now` keeps its offset and nanoseconds: replay gets exactly it.
    assert_eq!(records[1].now, clock.now());
    assert_eq!(records[1].now.offset(), clock.now().offset());
}

#[tokio::test]
async fn a_restart_rebuilds_the_state_by_replay_and_carries_on() {
    let dir = tempfile::tempdir().unwrap();
    let clock = clock();
    let messages = testkit::reservation_workload(60);
    let (state, outbox) = {
        let runtime = open_ledger(open_store(&dir).await, Arc::clone(&clock)).await;
        for message in &messages {
            clock.advance(TimeDelta::milliseconds(1500));
            runtime.submit(message).await.unwrap();
        }
        (runtime.inspect(StockLedger::clone).await, count(runtime.store(), "SELECT COUNT(*) FROM outbox").await)
    };
    assert!(state.position("SKU-1").available() < 5, "the workload nearly exhausts the stock");

    clock.advance(TimeDelta::hours(1));
    let runtime = open_ledger(open_store(&dir).await, Arc::clone(&clock)).await;
    assert_eq!(runtime.replayed().messages, 61);
    assert_eq!(runtime.replayed().diverged, 0);
    assert_eq!(runtime.inspect(StockLedger::clone).await, state);

    for message in &messages {
        assert!(matches!(runtime.submit(message).await.unwrap(), Submitted::Duplicate { .. }));
    }
    assert_eq!(count(runtime.store(), "SELECT COUNT(*) FROM outbox").await, outbox);

    // Processing continues where it stopped: more than what is left is refused ...
    let available = state.position("SKU-1").available();
    let too_much = runtime.submit(&testkit::reservation_requested("req-a", "res-a", "SKU-1", available + 1)).await;
    let too_much = too_much.unwrap();
    assert_eq!(produced(&too_much)[0].event_type, RESERVATION_REFUSED);
    assert!(matches!(too_much, Submitted::Processed { sequence: 62, .. }));
    // ... new stock is added to what was there ...
    runtime.submit(&testkit::stock_received("stock-2", "SKU-1", 5)).await.unwrap();
    let fits = runtime.submit(&testkit::reservation_requested("req-b", "res-b", "SKU-1", available + 1)).await;
    assert_eq!(produced(&fits.unwrap())[0].event_type, RESERVATION_ACCEPTED);
    // ... and a reservation accepted before the restart is not accepted again.
    let again = runtime.submit(&testkit::reservation_requested("req-c", "res-0", "SKU-1", 1)).await.unwrap();
    assert_eq!(produced(&again)[0].event_type, RESERVATION_REFUSED);
    let position = runtime.inspect(|ledger| ledger.position("SKU-1")).await;
    assert_eq!(position.reserved, state.position("SKU-1").reserved + available + 1);
}

/// Echoes every message with a salt it was built with: deterministic only while the salt
/// stays the same.
struct Salted(u32);

impl Handler for Salted {
    fn handle(
        &mut self,
        message: &Envelope<Value>,
        _now: DateTime<FixedOffset>,
    ) -> Result<Vec<Produced>, HandlerError> {
        Ok(vec![Produced::new("echo", &message.subject, json!({ "salt": self.0 }))])
    }
}

#[tokio::test]
async fn replay_reports_a_handler_that_is_not_deterministic() {
    let dir = tempfile::tempdir().unwrap();
    {
        let runtime = Runtime::open_with_clock(open_store(&dir).await, Salted(1), clock()).await.unwrap();
        for i in 0..3 {
            runtime.submit(&testkit::stock_received(&format!("m-{i}"), "SKU-1", 1)).await.unwrap();
        }
    }
    let same = Runtime::open_with_clock(open_store(&dir).await, Salted(1), clock()).await.unwrap();
    assert_eq!((same.replayed().messages, same.replayed().diverged), (3, 0));
    drop(same);
    let changed = Runtime::open_with_clock(open_store(&dir).await, Salted(2), clock()).await.unwrap();
    assert_eq!((changed.replayed().messages, changed.replayed().diverged), (3, 3));
}

/// Accepts messages only while told to.
struct Gate(bool);

impl Handler for Gate {
    fn handle(&mut self, _: &Envelope<Value>, _: DateTime<FixedOffset>) -> Result<Vec<Produced>, HandlerError> {
        if self.0 {
            Ok(Vec::new())
        } else {
            Err(HandlerError::new("closed"))
        }
    }
}

#[tokio::test]
async fn replay_fails_when_the_handler_refuses_what_it_once_accepted() {
    let dir = tempfile::tempdir().unwrap();
    {
        let runtime = Runtime::open_with_clock(open_store(&dir).await, Gate(true), clock()).await.unwrap();
        runtime.submit(&testkit::stock_received("m-1", "SKU-1", 1)).await.unwrap();
    }
    match Runtime::open_with_clock(open_store(&dir).await, Gate(false), clock()).await {
        Err(Error::Replay { sequence, message_id, .. }) => assert_eq!((sequence, message_id.as_str()), (1, "m-1")),
        Err(other) => panic!("expected a replay error, got {other}"),
        Ok(_) => panic!("expected a replay error"),
    }
}

/// The store fails after the handler ran (as a lost connection or a dropped submit would
/// leave it): the ledger has reserved, the store has not. The runtime refuses work until
/// it is reopened, and reopening rebuilds the state the store has.
#[tokio::test]
async fn a_store_failure_after_handling_stops_the_runtime_until_it_is_reopened() {
    let dir = tempfile::tempdir().unwrap();
    let runtime = open_ledger(open_store(&dir).await, clock()).await;
    runtime.submit(&testkit::stock_received("stock-1", "SKU-1", 10)).await.unwrap();
    // An outbox row already under the id req-1's decision will take: its insert fails.
    let planted = "INSERT INTO outbox (message_id, causation_id, type, subject, payload, created_at)
                   VALUES ('req-1#0', 'stock-1', 'planted', 'x', '{}', '2026-01-01T00:00:00Z')";
    sqlx::query(planted).execute(runtime.store().pool()).await.unwrap();

    let request = testkit::reservation_requested("req-1", "res-1", "SKU-1", 4);
    assert!(matches!(runtime.submit(&request).await, Err(Error::Store(_))));
    assert!(runtime.is_poisoned().await);
    let next = testkit::reservation_requested("req-2", "res-2", "SKU-1", 1);
    assert!(matches!(runtime.submit(&next).await, Err(Error::Poisoned)));
    drop(runtime);

    let store = open_store(&dir).await;
    sqlx::query("DELETE FROM outbox WHERE type = 'planted'").execute(store.pool()).await.unwrap();
    let reopened = open_ledger(store, clock()).await;
    assert_eq!(reopened.inspect(|ledger| ledger.position("SKU-1").reserved).await, 0);
    assert_eq!(count(reopened.store(), "SELECT COUNT(*) FROM inbox").await, 1);
    assert!(matches!(reopened.submit(&request).await.unwrap(), Submitted::Processed { sequence: 2, .. }));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_reservations_never_oversell() {
    const TASKS: usize = 8;
    const PER_TASK: usize = 40;
    const STOCK: u64 = 300;
    let skus = ["SKU-1", "SKU-2"];

    let dir = tempfile::tempdir().unwrap();
    let runtime = Arc::new(open_ledger(open_store(&dir).await, clock()).await);
    for sku in skus {
        runtime.submit(&testkit::stock_received(&format!("stock-{sku}"), sku, STOCK)).await.unwrap();
    }

    let mut tasks = tokio::task::JoinSet::new();
    for task in 0..TASKS {
        let runtime = Arc::clone(&runtime);
        tasks.spawn(async move {
            let mut accepted = Vec::new();
            for i in 0..PER_TASK {
                let sku = skus[(task + i) % 2];
                let quantity = ((task * 7 + i * 3) % 5 + 1) as u64;
                let id = format!("t{task}-{i}");
                let request = testkit::reservation_requested(&id, &id, sku, quantity);
                let submitted = runtime.submit(&request).await.expect("submit");
                if produced(&submitted)[0].event_type == RESERVATION_ACCEPTED {
                    accepted.push((sku, quantity));
                }
            }
            accepted
        });
    }
    let mut accepted = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        accepted.extend(joined.unwrap());
    }

    let store = runtime.store();
    let requests = (TASKS * PER_TASK) as i64;
    assert_eq!(count(store, "SELECT COUNT(*) FROM outbox").await, requests);
    assert_eq!(count(store, "SELECT MAX(sequence) FROM inbox").await, requests + 2, "sequences have no gap");
    assert!(accepted.len() < TASKS * PER_TASK, "demand exceeds stock, so some are refused");
    for sku in skus {
        let position = runtime.inspect(|ledger| ledger.position(sku)).await;
        let accepted_here: u64 = accepted.iter().filter(|(s, _)| *s == sku).map(|(_, q)| q).sum();
        let in_outbox: i64 = count(
            store,
            &format!(
                "SELECT COALESCE(SUM(json_extract(payload, '$.data.quantity')), 0) FROM outbox
                 WHERE type = '{RESERVATION_ACCEPTED}' AND json_extract(payload, '$.data.sku') = '{sku}'"
            ),
        )
        .await;
        assert!(position.reserved <= STOCK, "{sku} oversold: {position:?}");
        assert!(position.reserved > STOCK - 5, "{sku} left unsold while demand remained: {position:?}");
        assert_eq!(accepted_here, position.reserved, "{sku}");
        assert_eq!(in_outbox, position.reserved as i64, "{sku}");
    }

    let state = runtime.inspect(StockLedger::clone).await;
    drop(runtime);
    let reopened = open_ledger(open_store(&dir).await, clock()).await;
    assert_eq!(reopened.replayed().diverged, 0);
    assert_eq!(reopened.inspect(StockLedger::clone).await, state);
}
