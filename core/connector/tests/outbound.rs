//! Outbound delivery under the retry policy: retried while the partner is down, never
//! when it rejects, and quarantined with the canonical envelope either way.

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use chrono::{TimeZone, Utc};
use crossdock_connector::quarantine::Direction;
use crossdock_connector::{
    deliver_with_retry, ConnectorError, Delivered, Domain, MemoryQuarantine, OutboundConnector, Quarantine, RetryPolicy,
};
use crossdock_model::{Document, Envelope, SCHEMA_VERSION};

/// A partner that answers with `answers` in turn, then accepts.
struct FakePartner {
    answers: Vec<ConnectorError>,
    calls: AtomicU32,
}

#[async_trait]
impl OutboundConnector for FakePartner {
    fn name(&self) -> &str {
        "acme-api"
    }

    async fn deliver(&self, envelope: &Envelope<Document>) -> Result<Delivered, ConnectorError> {
        let call = self.calls.fetch_add(1, Ordering::SeqCst) as usize;
        match self.answers.get(call) {
            Some(error) => Err(error.clone()),
            None => Ok(Delivered { partner_ref: Some(format!("ACME-{}", envelope.subject)), payload: Vec::new() }),
        }
    }
}

fn envelope() -> Envelope<Document> {
    let po = r#"{"document_type":"purchase_order","po_number":"PO-9","purpose":"original","order_date":"2026-11-22","lines":[{"line_no":"1","item":{"sku":"A"},"quantity":"1","uom":"EA"}]}"#;
    Envelope {
        id: "po.sent/PO-9".into(),
        event_type: "po.sent".into(),
        source: "broker".into(),
        subject: "PO-9".into(),
        time: Utc.with_ymd_and_hms(2026, 11, 22, 1, 0, 0).unwrap().fixed_offset(),
        correlation_id: "SO-1".into(),
        causation_id: None,
        idempotency_key: "po.sent/PO-9".into(),
        tenant: "default".into(),
        schema_version: SCHEMA_VERSION,
        data: serde_json::from_str(po).unwrap(),
    }
}

fn policy() -> RetryPolicy {
    RetryPolicy { max_attempts: 4, max_elapsed: Duration::from_secs(600), ..RetryPolicy::default() }
}

#[tokio::test(start_paused = true)]
async fn a_throttled_partner_is_retried_until_it_accepts() {
    let answers = vec![ConnectorError::throttled("429", Duration::from_secs(2)), ConnectorError::external("503")];
    let partner = FakePartner { answers, calls: AtomicU32::new(0) };
    let quarantine = MemoryQuarantine::default();
    let delivered = deliver_with_retry(&partner, &envelope(), &policy(), &quarantine).await.unwrap();
    assert_eq!(delivered.partner_ref.as_deref(), Some("ACME-PO-9"));
    assert_eq!(partner.calls.load(Ordering::SeqCst), 3);
    assert!(quarantine.list().await.unwrap().is_empty());
}

#[tokio::test(start_paused = true)]
async fn a_rejection_is_quarantined_at_once_and_a_dead_partner_after_the_budget() {
    let rejecting =
        FakePartner { answers: vec![ConnectorError::partner("http_422", "unknown SKU A")], calls: AtomicU32::new(0) };
    let dead =
        FakePartner { answers: vec![ConnectorError::external("connection refused"); 10], calls: AtomicU32::new(0) };
    for (partner, attempts, domain) in [(&rejecting, 1, Domain::Partner), (&dead, 4, Domain::External)] {
        let quarantine = MemoryQuarantine::default();
        let error = deliver_with_retry(partner, &envelope(), &policy(), &quarantine).await.unwrap_err();
        assert_eq!(error.domain(), domain);
        assert_eq!(partner.calls.load(Ordering::SeqCst), attempts);
        let held = quarantine.list().await.unwrap();
        assert_eq!((held.len(), held[0].attempts, held[0].direction), (1, attempts, Direction::Outbound));
        assert_eq!(held[0].id, "acme-api/po.sent/PO-9");
        // The canonical envelope is kept, ready for replay.
        let kept: Envelope<Document> = serde_json::from_slice(&held[0].payload).unwrap();
        assert_eq!(kept, envelope());
    }
}
