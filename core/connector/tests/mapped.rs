//! The guide's worked example end to end: ACME's CSV export, onboarded with a mapping file
//! and a `mapped` connector configuration, passes the connector spec.

use chrono::{TimeZone, Utc};
use crossdock_connector::compliance::{self, RecordingSink};
use crossdock_connector::{mapped, ConnectorConfig, Delivery, Intake, MemoryQuarantine, MemorySeen, Outcome, Registry};

fn mappings() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../mappings")
}

fn config() -> ConnectorConfig {
    let mapping = mappings().join("erp-acme-csv/erp-acme-csv.toml");
    toml::from_str(&format!("name = \"erp-acme\"\nkind = \"mapped\"\nmapping = {:?}\n", mapping.display().to_string()))
        .unwrap()
}

fn delivery(id: &str, body: &[u8]) -> Delivery {
    Delivery::new(id, Utc.with_ymd_and_hms(2026, 11, 22, 6, 0, 0).unwrap(), body)
}

#[tokio::test]
async fn the_acme_csv_connector_complies_with_the_spec() {
    let registry = Registry::new(vec![("mapped", mapped::build)]);
    let built = registry.build(&[config()]).unwrap_or_else(|e| panic!("{e:?}"));
    let connector = built[0].1.inbound.clone().unwrap();
    let csv = std::fs::read(mappings().join("erp-acme-csv/samples/orders.csv")).unwrap();
    // A quantity of zero is a bad document, not a crash.
    let bad = String::from_utf8(csv.clone()).unwrap().replace(";12;STK;", ";0;STK;");
    compliance::check(compliance::Harness {
        connector: connector.as_ref(),
        valid: delivery("orders-20261122.csv", &csv),
        malformed: delivery("orders-20261123.csv", bad.as_bytes()),
        forged: None,
        transient_failure: None,
        permanent_failure: None,
    })
    .await;

    let (sink, seen, quarantine) = (RecordingSink::default(), MemorySeen::default(), MemoryQuarantine::default());
    let intake = Intake { sink: &sink, seen: &seen, quarantine: &quarantine };
    let outcome = intake.ingest(connector.as_ref(), &delivery("orders-20261122.csv", &csv)).await.unwrap();
    assert_eq!(outcome, Outcome::Accepted { envelopes: 2 });
    let subjects: Vec<_> = sink.envelopes().await.iter().map(|e| (e.subject.clone(), e.event_type.clone())).collect();
    assert_eq!(
        subjects,
        [("ACME-SO-1001".to_string(), "order.received".to_string()), ("ACME-SO-1002".into(), "order.received".into())]
    );
}

#[test]
fn a_broken_mapping_is_a_configuration_error_with_its_lines() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("m.toml");
    std::fs::write(
        &file,
        "[mapping]\nname = \"m\"\ninput = \"csv\"\noutput = \"sales_order\"\n[fields]\norder_id = '.[0] |'\n",
    )
    .unwrap();
    let config: ConnectorConfig =
        toml::from_str(&format!("name = \"x\"\nkind = \"mapped\"\nmapping = {:?}\n", file.display().to_string()))
            .unwrap();
    let errors = Registry::new(vec![("mapped", mapped::build)]).build(&[config]).err().unwrap();
    assert!(errors[0].message.ends_with("m.toml:6:19: field order_id: expected term at the end"), "{:?}", errors[0]);
}
