//! The connector spec (docs/connector-spec.md), checked. Every connector's tests call
//! [`check`] with a [`Harness`] describing the connector and its sample inputs.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use crossdock_model::{Document, Envelope, Validate};
use serde_json::Value;
use tokio::sync::Mutex;

use crate::delivery::Delivery;
use crate::error::{ConnectorError, Domain};
use crate::inbound::{InboundConnector, Intake, MemorySeen, Outcome, SeenDeliveries, Sink};
use crate::quarantine::{MemoryQuarantine, Quarantine};
use crate::retry::RetryPolicy;

/// A failing call to the partner, for the classification checks: the future runs the
/// connector against a fake partner that fails, and yields the error the connector made.
pub type Probe<'a> = Pin<Box<dyn Future<Output = ConnectorError> + Send + 'a>>;

/// What [`check`] needs to know about a connector.
pub struct Harness<'a> {
    pub connector: &'a dyn InboundConnector,
    /// A delivery the connector must accept.
    pub valid: Delivery,
    /// A delivery with a correct signature (if any) and bad content.
    pub malformed: Delivery,
    /// The valid delivery with a wrong signature, for connectors that verify one.
    pub forged: Option<Delivery>,
    /// The partner fails in a way that passes (HTTP 503, 429 with `Retry-After`).
    pub transient_failure: Option<Probe<'a>>,
    /// The partner fails in a way that does not pass (HTTP 400, 404, 422).
    pub permanent_failure: Option<Probe<'a>>,
}

/// One MUST broken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub rule: &'static str,
    pub detail: String,
}

/// Runs every check and panics listing all the broken rules.
pub async fn check(harness: Harness<'_>) {
    let failures = verify(harness).await;
    let report: Vec<String> = failures.iter().map(|f| format!("  {}: {}", f.rule, f.detail)).collect();
    assert!(failures.is_empty(), "connector spec violated:\n{}", report.join("\n"));
}

/// Runs every check and returns the broken rules.
pub async fn verify(harness: Harness<'_>) -> Vec<Failure> {
    let mut failures = Vec::new();
    let mut fail = |rule: &'static str, detail: String| failures.push(Failure { rule, detail });
    let connector = harness.connector;
    let policy = RetryPolicy {
        max_attempts: 3,
        max_elapsed: Duration::from_secs(60),
        base_delay: Duration::from_millis(1),
        max_delay: Duration::from_millis(5),
    };

    // Valid input: canonical, valid, deterministic.
    match connector.decode(&harness.valid) {
        Err(e) => fail("MUST accept valid input", e.to_string()),
        Ok(envelopes) => {
            if envelopes.is_empty() {
                fail("MUST accept valid input", "no envelope decoded".into());
            }
            for envelope in &envelopes {
                for problem in canonical_problems(envelope) {
                    fail("MUST produce valid canonical envelopes", problem);
                }
                if !envelope.source.starts_with(connector.name()) {
                    fail("MUST name itself in the source", format!("source {:?}", envelope.source));
                }
            }
            match connector.decode(&harness.valid) {
                Ok(again) if keys(&again) == keys(&envelopes) => {}
                _ => fail("MUST derive ids deterministically", "decoding twice gave other ids or keys".into()),
            }
        }
    }

    // Through the intake: accepted once, the original kept, the duplicate ignored.
    let sink = RecordingSink::default();
    let seen = MemorySeen::default();
    let quarantine = MemoryQuarantine::default();
    let intake = Intake { sink: &sink, seen: &seen, quarantine: &quarantine };
    match intake.ingest(connector, &harness.valid).await {
        Ok(Outcome::Accepted { .. }) => {}
        other => fail("MUST accept valid input", format!("ingest gave {other:?}")),
    }
    if sink.originals().await.first() != Some(&harness.valid.body) {
        fail("MUST keep the original bytes", "the sink did not get the delivery's bytes".into());
    }
    match intake.ingest(connector, &harness.valid).await {
        Ok(Outcome::Duplicate) if sink.submissions() == 1 => {}
        other => fail("MUST dedupe by delivery id", format!("second ingest gave {other:?}")),
    }

    // Malformed input: a partner error, acknowledged, kept, never retried.
    match connector.decode(&harness.malformed) {
        Err(e) if e.domain() == Domain::Partner && !e.retry_hint().is_retryable() => {}
        other => {
            fail("MUST classify bad input as a partner error", format!("decode gave {:?}", other.map(|e| e.len())))
        }
    }
    let before = sink.submissions();
    match intake.ingest_with_retry(connector, &harness.malformed, &policy).await {
        Ok(Outcome::Rejected(_)) if sink.submissions() == before => {}
        other => fail("MUST reject bad input without processing it", format!("ingest gave {other:?}")),
    }
    let held = quarantine.list().await.unwrap_or_default();
    if !held.iter().any(|e| e.payload == harness.malformed.body && e.attempts == 1) {
        fail("MUST keep rejected input, unretried", "no quarantine entry with its bytes and one attempt".into());
    }

    // A forged signature: nothing processed, nothing kept.
    if let Some(forged) = &harness.forged {
        match connector.decode(forged) {
            Err(e) if e.is_unauthenticated() => {}
            other => fail("MUST verify signatures before parsing", format!("decode gave {:?}", other.map(|e| e.len()))),
        }
    }

    // The sink fails once: retried, then accepted exactly once.
    let flaky = RecordingSink::failing(1);
    let fresh_seen = MemorySeen::default();
    let intake = Intake { sink: &flaky, seen: &fresh_seen, quarantine: &quarantine };
    match intake.ingest_with_retry(connector, &harness.valid, &policy).await {
        Ok(Outcome::Accepted { .. }) if flaky.submissions() == 1 => {}
        other => fail("MUST retry external errors", format!("with a sink failing once: {other:?}")),
    }

    // The sink stays down: quarantined with the reason and the original, not marked seen.
    let down = RecordingSink::failing(u32::MAX);
    let fresh_seen = MemorySeen::default();
    let fresh_quarantine = MemoryQuarantine::default();
    let intake = Intake { sink: &down, seen: &fresh_seen, quarantine: &fresh_quarantine };
    match intake.ingest_with_retry(connector, &harness.valid, &policy).await {
        Ok(Outcome::Quarantined(e)) if e.domain() == Domain::External => {}
        other => fail("MUST quarantine what exhausts the retry budget", format!("with a dead sink: {other:?}")),
    }
    let held = fresh_quarantine.list().await.unwrap_or_default();
    if !held.iter().any(|e| e.payload == harness.valid.body && e.attempts == policy.max_attempts) {
        fail("MUST quarantine what exhausts the retry budget", "no entry with the original bytes".into());
    }
    if fresh_seen.contains(connector.name(), &harness.valid.delivery_id).await {
        fail("MUST acknowledge only after the sink stored", "delivery marked seen though never stored".into());
    }

    if let Some(probe) = harness.transient_failure {
        let e = probe.await;
        if e.domain() != Domain::External || !e.retry_hint().is_retryable() {
            fail("MUST classify transient failures as external", format!("got {e:?}"));
        }
    }
    if let Some(probe) = harness.permanent_failure {
        let e = probe.await;
        if e.retry_hint().is_retryable() {
            fail("MUST NOT retry permanent failures", format!("got {e:?}"));
        }
    }
    failures
}

fn keys(envelopes: &[Envelope<Value>]) -> Vec<(String, String)> {
    envelopes.iter().map(|e| (e.id.clone(), e.idempotency_key.clone())).collect()
}

/// Every problem of an envelope whose data should be a canonical document.
pub fn canonical_problems(envelope: &Envelope<Value>) -> Vec<String> {
    let data: Document = match serde_json::from_value(envelope.data.clone()) {
        Ok(document) => document,
        Err(e) => return vec![format!("data is not a canonical document: {e}")],
    };
    let typed = Envelope {
        data,
        id: envelope.id.clone(),
        event_type: envelope.event_type.clone(),
        source: envelope.source.clone(),
        subject: envelope.subject.clone(),
        time: envelope.time,
        correlation_id: envelope.correlation_id.clone(),
        causation_id: envelope.causation_id.clone(),
        idempotency_key: envelope.idempotency_key.clone(),
        tenant: envelope.tenant.clone(),
        schema_version: envelope.schema_version,
    };
    match typed.validate() {
        Ok(()) => Vec::new(),
        Err(e) => e.violations.iter().map(|v| format!("{}: {} ({})", v.path, v.message, v.rule)).collect(),
    }
}

/// One stored delivery: its original bytes and its envelopes.
type Stored = (Vec<u8>, Vec<Envelope<Value>>);

/// A [`Sink`] for tests: records what it stores; fails its first `failures` submissions
/// with an external error.
#[derive(Default)]
pub struct RecordingSink {
    failures_left: AtomicU32,
    stored: AtomicU32,
    records: Mutex<Vec<Stored>>,
}

impl RecordingSink {
    pub fn failing(failures: u32) -> Self {
        RecordingSink { failures_left: AtomicU32::new(failures), ..Default::default() }
    }

    /// Successful submissions so far.
    pub fn submissions(&self) -> u32 {
        self.stored.load(Ordering::SeqCst)
    }

    pub async fn envelopes(&self) -> Vec<Envelope<Value>> {
        self.records.lock().await.iter().flat_map(|(_, e)| e.clone()).collect()
    }

    pub async fn originals(&self) -> Vec<Vec<u8>> {
        self.records.lock().await.iter().map(|(b, _)| b.clone()).collect()
    }
}

#[async_trait]
impl Sink for RecordingSink {
    async fn submit(&self, delivery: &Delivery, envelopes: &[Envelope<Value>]) -> Result<(), ConnectorError> {
        let failing = self.failures_left.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1)).is_ok();
        if failing {
            return Err(ConnectorError::external("sink unavailable (test)"));
        }
        self.records.lock().await.push((delivery.body.clone(), envelopes.to_vec()));
        self.stored.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
}
