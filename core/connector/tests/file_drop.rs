//! The compliance helper against a small example connector: canonical JSON lines dropped
//! as files. And against broken variants of it, so the helper is known to catch them.

use chrono::{DateTime, TimeZone, Utc};
use crossdock_connector::compliance::{self, RecordingSink};
use crossdock_connector::{
    file_drop, ConnectorError, Delivery, InboundConnector, Intake, MemoryQuarantine, MemorySeen, Outcome,
};
use crossdock_model::{Document, Envelope, SCHEMA_VERSION};
use serde_json::Value;

/// Reads a file of canonical documents, one JSON object per line.
struct JsonLines {
    name: String,
    /// Test switches that break the spec on purpose.
    random_ids: bool,
    malformed_is_internal: bool,
}

impl JsonLines {
    fn new() -> Self {
        JsonLines { name: "erp-drop".into(), random_ids: false, malformed_is_internal: false }
    }
}

impl InboundConnector for JsonLines {
    fn name(&self) -> &str {
        &self.name
    }

    fn decode(&self, delivery: &Delivery) -> Result<Vec<Envelope<Value>>, ConnectorError> {
        let text = std::str::from_utf8(&delivery.body)
            .map_err(|e| ConnectorError::partner("malformed", format!("not UTF-8: {e}")))?;
        let mut envelopes = Vec::new();
        for (n, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
            let document: Document = serde_json::from_str(line).map_err(|e| {
                let message = format!("line {}: {e}", n + 1);
                match self.malformed_is_internal {
                    true => ConnectorError::internal(message),
                    false => ConnectorError::partner("malformed", message),
                }
            })?;
            let id = match self.random_ids {
                true => format!("{}/{}", delivery.delivery_id, fastrand::u64(..)),
                false => format!("{}/{}", delivery.delivery_id, n + 1),
            };
            envelopes.push(Envelope {
                event_type: document.received_event_type().to_string(),
                source: format!("{}/file", self.name),
                subject: document.business_key().to_string(),
                time: delivery.received_at.fixed_offset(),
                correlation_id: id.clone(),
                causation_id: None,
                idempotency_key: id.clone(),
                tenant: "default".into(),
                schema_version: SCHEMA_VERSION,
                data: serde_json::to_value(document).expect("documents serialize"),
                id,
            });
        }
        Ok(envelopes)
    }
}

fn at() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 22, 1, 0, 0).unwrap()
}

const ORDER: &str = r#"{"document_type":"sales_order","order_id":"SO-1","channel":"erp","placed_at":"2026-11-21T14:05:00+01:00","lines":[{"line_id":"1","item":{"sku":"BOLT-M6"},"quantity":"12"}]}"#;

fn drop_dir(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, content) in files {
        std::fs::write(dir.path().join(name), content).unwrap();
    }
    dir
}

fn harness(connector: &JsonLines) -> compliance::Harness<'_> {
    let dir = drop_dir(&[("a-orders.jsonl", ORDER), ("b-broken.jsonl", "{\"document_type\": \"sales_order\"")]);
    let mut deliveries = file_drop::read_dir(dir.path(), at()).unwrap().into_iter();
    compliance::Harness {
        connector,
        valid: deliveries.next().unwrap(),
        malformed: deliveries.next().unwrap(),
        forged: None,
        transient_failure: None,
        permanent_failure: None,
    }
}

#[tokio::test]
async fn the_example_connector_complies() {
    let connector = JsonLines::new();
    compliance::check(harness(&connector)).await;
}

#[tokio::test]
async fn the_helper_catches_nondeterministic_ids() {
    let connector = JsonLines { random_ids: true, ..JsonLines::new() };
    let failures = compliance::verify(harness(&connector)).await;
    assert_eq!(failures.iter().map(|f| f.rule).collect::<Vec<_>>(), ["MUST derive ids deterministically"]);
}

#[tokio::test]
async fn the_helper_catches_misclassified_bad_input() {
    let connector = JsonLines { malformed_is_internal: true, ..JsonLines::new() };
    let rules: Vec<_> = compliance::verify(harness(&connector)).await.into_iter().map(|f| f.rule).collect();
    assert!(rules.contains(&"MUST classify bad input as a partner error"), "{rules:?}");
    assert!(rules.contains(&"MUST reject bad input without processing it"), "{rules:?}");
}

#[tokio::test]
async fn the_helper_checks_failure_probes() {
    let connector = JsonLines::new();
    let mut h = harness(&connector);
    // A connector that calls a 503 a partner error, and retries a 404.
    h.transient_failure = Some(Box::pin(async { ConnectorError::partner("http_503", "service unavailable") }));
    h.permanent_failure = Some(Box::pin(async { ConnectorError::external("404 not found") }));
    let rules: Vec<_> = compliance::verify(h).await.into_iter().map(|f| f.rule).collect();
    assert_eq!(rules, ["MUST classify transient failures as external", "MUST NOT retry permanent failures"]);
}

#[tokio::test]
async fn a_file_dropped_again_is_a_duplicate_and_a_corrected_one_is_not() {
    let connector = JsonLines::new();
    let (sink, seen, quarantine) = (RecordingSink::default(), MemorySeen::default(), MemoryQuarantine::default());
    let intake = Intake { sink: &sink, seen: &seen, quarantine: &quarantine };
    let first = drop_dir(&[("orders.jsonl", ORDER)]);
    let again = drop_dir(&[("orders.jsonl", ORDER)]);
    let corrected = drop_dir(&[("orders.jsonl", &ORDER.replace("\"12\"", "\"13\""))]);
    let mut outcomes = Vec::new();
    for dir in [&first, &again, &corrected] {
        for delivery in file_drop::read_dir(dir.path(), at()).unwrap() {
            outcomes.push(intake.ingest(&connector, &delivery).await.unwrap());
        }
    }
    assert_eq!(outcomes, [Outcome::Accepted { envelopes: 1 }, Outcome::Duplicate, Outcome::Accepted { envelopes: 1 }]);
    assert_eq!(sink.envelopes().await[1].data["lines"][0]["quantity"], "13");
}
