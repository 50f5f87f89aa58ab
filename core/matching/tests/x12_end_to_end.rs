//! A purchase order, its 856 and its 810 travel as real X12 (written by the outbound
//! mappers, read back by `translate`) and are matched under the example policy.

use chrono::NaiveDate;
use crossdock_matching::{MatchEvent, ReasonCode, Reconciliation, TolerancePolicy};
use crossdock_model::{Document, MatchStatus};
use crossdock_x12::control::MemoryControlNumbers;
use crossdock_x12::translate::{translate, Outcome};
use crossdock_x12::{write_documents, PartnerProfile, ReaderOptions};
use rust_decimal_macros::dec;
use serde_json::json;

fn canonical(value: serde_json::Value) -> Document {
    serde_json::from_value(value).expect("a canonical document")
}

/// Canonical documents -> one X12 interchange -> the documents `translate` accepts from it.
fn through_x12(doc: Document) -> Document {
    let profile = PartnerProfile::new("ACME", ("ZZ", "ACMESUPPLY"), ("ZZ", "CROSSDOCK"));
    let now = NaiveDate::from_ymd_opt(2026, 1, 20).unwrap().and_hms_opt(10, 30, 0).unwrap();
    let x12 = write_documents(&profile, &[doc], &mut MemoryControlNumbers::default(), now).expect("writes as X12");
    let mut accepted = Vec::new();
    translate(x12.as_slice(), ReaderOptions::default(), |outcome| match outcome {
        Outcome::Set(set) => {
            assert!(set.accepted(), "{:?}\n{}", set.errors, String::from_utf8_lossy(&x12));
            accepted.extend(set.envelope.map(|e| e.data));
        }
        Outcome::InterchangeEnd(ic) => assert!(ic.errors.is_empty(), "{:?}", ic.errors),
    })
    .expect("reads as X12");
    assert_eq!(accepted.len(), 1);
    accepted.pop().unwrap()
}

fn default_policy() -> TolerancePolicy {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../config/matching/default.toml");
    TolerancePolicy::from_toml(&std::fs::read_to_string(path).unwrap()).expect("the example policy parses")
}

#[test]
fn po_856_and_810_read_from_x12_are_matched_line_by_line() {
    let po = canonical(json!({
        "document_type": "purchase_order", "po_number": "PO-7781", "order_date": "2026-01-12",
        "lines": [
            { "line_no": "1", "item": { "sku": "WIDGET-BLUE", "upc": "012345678905" }, "quantity": "10", "uom": "EA", "unit_price": "2.50" },
            { "line_no": "2", "item": { "sku": "GADGET-XL" }, "quantity": "5", "uom": "EA", "unit_price": "12.00" },
            { "line_no": "3", "item": { "sku": "GIZMO" }, "quantity": "2", "uom": "EA", "unit_price": "7.25" }
        ]
    }));
    let asn = canonical(json!({
        "document_type": "ship_notice", "shipment_id": "SHP-0042", "shipped_at": "2026-01-18T16:00:00",
        "orders": [{ "po_number": "PO-7781", "packs": [{ "sscc": "000123450000000017", "items": [
            { "line_no": "1", "item": { "upc": "012345678905" }, "quantity": "10", "uom": "EA" },
            { "line_no": "2", "item": { "sku": "GADGET-XL" }, "quantity": "3", "uom": "EA" },
            { "line_no": "3", "item": { "sku": "GIZMO" }, "quantity": "2", "uom": "EA" }
        ]}]}]
    }));
    // Line 1 as ordered, line 2 billed in full though 3 of 5 shipped, line 3 one cent
    // over the price tolerance; freight within the allowed maximum.
    let invoice = canonical(json!({
        "document_type": "invoice", "invoice_number": "INV-5501", "invoice_date": "2026-01-20", "po_number": "PO-7781",
        "lines": [
            { "line_no": "1", "item": { "sku": "WIDGET-BLUE" }, "quantity": "10", "uom": "EA", "unit_price": "2.50" },
            { "line_no": "2", "item": { "sku": "GADGET-XL" }, "quantity": "5", "uom": "EA", "unit_price": "12.00" },
            { "line_no": "3", "item": { "sku": "GIZMO" }, "quantity": "2", "uom": "EA", "unit_price": "7.31" }
        ],
        "charges": [{ "kind": "charge", "code": "D240", "amount": "15.00" }],
        "totals": {}
    }));

    let Document::PurchaseOrder(po) = through_x12(po) else { panic!("the 850 reads as a purchase order") };
    let Document::ShipNotice(asn) = through_x12(asn) else { panic!("the 856 reads as a ship notice") };
    let Document::Invoice(invoice) = through_x12(invoice) else { panic!("the 810 reads as an invoice") };
    assert_eq!(invoice.totals.total_amount, Some(dec!(114.62)), "TDS01 carries the computed total");

    let mut rec = Reconciliation::new(po, default_policy());
    // The invoice overtakes the notice, as it sometimes does on a VAN.
    let events = rec.add_invoice(invoice).unwrap();
    assert_eq!(events.len(), 3, "{events:?}");
    assert!(events.iter().all(|e| matches!(e, MatchEvent::Exception { reasons, .. }
        if reasons.iter().any(|r| r.code == ReasonCode::InvoicedNotShipped))));
    // Once the notice lands, line 1 clears and lines 2 and 3 show their real reasons.
    let events = rec.add_ship_notice(asn).unwrap();
    let types: Vec<_> = events.iter().map(|e| e.event_type()).collect();
    assert_eq!(types, ["match.cleared", "match.exception", "match.exception"], "{events:?}");

    let results = rec.results();
    let summary: Vec<_> = results
        .iter()
        .map(|r| (r.line_no(), r.status(), r.result.reasons.iter().map(String::as_str).collect::<Vec<_>>()))
        .collect();
    assert_eq!(
        summary,
        [
            ("1", MatchStatus::Matched, vec![]),
            ("2", MatchStatus::Exception, vec!["over_invoiced"]),
            ("3", MatchStatus::Exception, vec!["price_variance"]),
        ]
    );
    let line2 = &results[1].result;
    assert_eq!((line2.ordered_quantity, line2.shipped_quantity, line2.invoiced_quantity), (dec!(5), dec!(3), dec!(5)));
    let line3 = &results[2];
    assert_eq!(line3.result.invoiced_unit_price, Some(dec!(7.31)));
    assert_eq!(line3.variances.unit_price.map(|v| v.amount), Some(dec!(0.06)));
}
