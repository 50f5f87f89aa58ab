//! Retries under tokio's paused clock; quarantine edit and replay with their audit trail.

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use chrono::{TimeZone, Utc};
use crossdock_connector::quarantine::{self, AuditAction, Direction, Status};
use crossdock_connector::{
    parse_retry_after, retry, ConnectorError, DirQuarantine, GiveUpReason, MemoryQuarantine, Quarantine,
    QuarantineEntry, QuarantineError, RetryPolicy,
};
use tokio::time::Instant;

fn policy() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 5,
        max_elapsed: Duration::from_secs(60),
        base_delay: Duration::from_secs(1),
        max_delay: Duration::from_secs(8),
    }
}

#[test]
fn backoff_is_full_jitter_under_an_exponential_cap() {
    let p = policy();
    for retry in 1..=6 {
        let cap = Duration::from_secs(1 << (retry - 1)).min(p.max_delay);
        let delays: Vec<_> = (0..200).map(|_| p.backoff(retry)).collect();
        assert!(delays.iter().all(|d| *d <= cap), "retry {retry}");
        // Jitter spreads the waits over the whole range, not just near the cap.
        assert!(delays.iter().any(|d| *d < cap / 4), "retry {retry}");
    }
}

#[tokio::test(start_paused = true)]
async fn external_errors_are_retried_until_they_pass() {
    let calls = AtomicU32::new(0);
    let result = retry(&policy(), |_| async {
        match calls.fetch_add(1, Ordering::SeqCst) {
            0 | 1 => Err(ConnectorError::external("503")),
            _ => Ok("delivered"),
        }
    })
    .await;
    assert_eq!(result, Ok("delivered"));
    assert_eq!(calls.load(Ordering::SeqCst), 3);
}

#[tokio::test(start_paused = true)]
async fn retry_after_is_honoured() {
    let started = Instant::now();
    let calls = AtomicU32::new(0);
    let result = retry(&policy(), |_| async {
        match calls.fetch_add(1, Ordering::SeqCst) {
            0 => Err(ConnectorError::throttled("429", parse_retry_after("30").unwrap())),
            _ => Ok(()),
        }
    })
    .await;
    assert_eq!(result, Ok(()));
    assert_eq!(started.elapsed(), Duration::from_secs(30));
}

#[tokio::test(start_paused = true)]
async fn partner_errors_are_never_retried() {
    let calls = AtomicU32::new(0);
    let gave_up = retry(&policy(), |_| async {
        calls.fetch_add(1, Ordering::SeqCst);
        Err::<(), _>(ConnectorError::partner("invalid", "no lines"))
    })
    .await
    .unwrap_err();
    assert_eq!((gave_up.reason, gave_up.attempts, calls.load(Ordering::SeqCst)), (GiveUpReason::NotRetryable, 1, 1));
}

#[tokio::test(start_paused = true)]
async fn the_budget_ends_retries_by_attempts_or_by_time() {
    let down = |_| async { Err::<(), _>(ConnectorError::external("connection refused")) };
    let gave_up = retry(&policy(), down).await.unwrap_err();
    assert_eq!((gave_up.reason, gave_up.attempts), (GiveUpReason::AttemptsExhausted, 5));

    let throttled = |_| async { Err::<(), _>(ConnectorError::throttled("429", Duration::from_secs(25))) };
    let gave_up = retry(&policy(), throttled).await.unwrap_err();
    // 0 s, 25 s, 50 s: a third wait would end at 75 s, past the 60 s budget.
    assert_eq!(
        (gave_up.reason, gave_up.attempts, gave_up.elapsed),
        (GiveUpReason::ElapsedExhausted, 3, Duration::from_secs(50))
    );
}

fn entry() -> QuarantineEntry {
    let at = Utc.with_ymd_and_hms(2026, 11, 22, 1, 0, 0).unwrap();
    let error = ConnectorError::partner("invalid", "$.lines[0].quantity: must be above zero");
    QuarantineEntry::new("erp-drop/orders.csv#1", "erp-drop", Direction::Inbound, &error, 1, b"qty\n0\n".to_vec(), at)
}

async fn edit_and_replay(store: &dyn Quarantine) {
    let at = |h| Utc.with_ymd_and_hms(2026, 11, 22, h, 0, 0).unwrap();
    store.put(entry()).await.unwrap();
    quarantine::edit(store, "erp-drop/orders.csv#1", b"qty\n1\n".to_vec(), "ana", at(9), "quantity was 0")
        .await
        .unwrap();

    let failed = quarantine::replay(store, "erp-drop/orders.csv#1", "ana", at(10), |payload| async move {
        assert_eq!(payload, b"qty\n1\n");
        Err(ConnectorError::external("hub down"))
    })
    .await
    .unwrap();
    assert!(failed.is_err());
    let ok = quarantine::replay(store, "erp-drop/orders.csv#1", "bob", at(11), |_| async { Ok(()) }).await.unwrap();
    assert_eq!(ok, Ok(()));

    let entry = store.get("erp-drop/orders.csv#1").await.unwrap().unwrap();
    assert_eq!(entry.status, Status::Replayed);
    let trail: Vec<_> = entry.audit.iter().map(|a| (a.who.as_str(), a.action.clone(), a.at)).collect();
    assert_eq!(
        trail,
        [
            ("erp-drop", AuditAction::Quarantined, at(1)),
            ("ana", AuditAction::Edited, at(9)),
            ("ana", AuditAction::ReplayFailed, at(10)),
            ("bob", AuditAction::Replayed, at(11)),
        ]
    );
    assert_eq!(entry.audit[1].previous_payload.as_deref(), Some(&b"qty\n0\n"[..]));
    assert!(matches!(
        quarantine::replay(store, "erp-drop/orders.csv#1", "bob", at(12), |_| async { Ok(()) }).await,
        Err(QuarantineError::AlreadyReplayed(_))
    ));
}

#[tokio::test]
async fn memory_quarantine_edits_and_replays_with_an_audit_trail() {
    edit_and_replay(&MemoryQuarantine::default()).await;
}

#[tokio::test]
async fn dir_quarantine_edits_and_replays_and_survives_a_reopen() {
    let dir = tempfile::tempdir().unwrap();
    edit_and_replay(&DirQuarantine::open(dir.path()).unwrap()).await;
    let reopened = DirQuarantine::open(dir.path()).unwrap();
    let entries = reopened.list().await.unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].audit.len(), 4);
    // Binary payloads come back byte for byte.
    let mut binary = entry();
    binary.id = "bin".into();
    binary.payload = vec![0xff, 0x00, 0x1c];
    reopened.put(binary.clone()).await.unwrap();
    assert_eq!(DirQuarantine::open(dir.path()).unwrap().get("bin").await.unwrap(), Some(binary));
}
