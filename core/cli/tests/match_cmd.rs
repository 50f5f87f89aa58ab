//! `crossdock match` as users run it: documents in mixed formats, JSON lines on stdout, a
//! summary on stderr, and the exit code.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use chrono::NaiveDate;
use crossdock_model::Document;
use crossdock_x12::control::MemoryControlNumbers;
use crossdock_x12::{write_documents, PartnerProfile};
use serde_json::{json, Value};

/// A scratch folder of the test's own, removed at the end.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Self {
        let p = std::env::temp_dir().join(format!("crossdock-match-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap();
        Scratch(p)
    }

    fn file(&self, name: &str, content: &[u8]) -> String {
        let path = self.0.join(name);
        std::fs::write(&path, content).unwrap();
        path.to_str().unwrap().to_string()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn crossdock_match(args: &[&str]) -> Output {
    let policy = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config/matching/default.toml");
    Command::new(env!("CARGO_BIN_EXE_crossdock"))
        .arg("match")
        .args(args)
        .arg("--policy")
        .arg(policy)
        .output()
        .expect("the binary runs")
}

fn x12(doc: Value) -> Vec<u8> {
    let doc: Document = serde_json::from_value(doc).unwrap();
    let profile = PartnerProfile::new("ACME", ("ZZ", "ACMESUPPLY"), ("ZZ", "CROSSDOCK"));
    let now = NaiveDate::from_ymd_opt(2026, 1, 20).unwrap().and_hms_opt(10, 30, 0).unwrap();
    write_documents(&profile, &[doc], &mut MemoryControlNumbers::default(), now).unwrap()
}

fn purchase_order() -> Value {
    json!({
        "document_type": "purchase_order", "po_number": "PO-100", "order_date": "2026-01-12",
        "lines": [
            { "line_no": "1", "item": { "sku": "WIDGET" }, "quantity": "10", "uom": "EA", "unit_price": "2.50" },
            { "line_no": "2", "item": { "sku": "GADGET" }, "quantity": "4", "uom": "EA", "unit_price": "12.00" }
        ]
    })
}

fn ship_notice(gadgets: &str) -> Value {
    json!({
        "document_type": "ship_notice", "shipment_id": "SHP-1",
        "orders": [{ "po_number": "PO-100", "packs": [{ "items": [
            { "line_no": "1", "item": { "sku": "WIDGET" }, "quantity": "10", "uom": "EA" },
            { "line_no": "2", "item": { "sku": "GADGET" }, "quantity": gadgets, "uom": "EA" }
        ]}]}]
    })
}

fn invoice(widget_price: &str) -> Value {
    json!({
        "document_type": "invoice", "invoice_number": "INV-1", "invoice_date": "2026-01-20", "po_number": "PO-100",
        "lines": [
            { "line_no": "1", "item": { "sku": "WIDGET" }, "quantity": "10", "uom": "EA", "unit_price": widget_price },
            { "line_no": "2", "item": { "sku": "GADGET" }, "quantity": "4", "uom": "EA", "unit_price": "12.00" }
        ],
        "totals": {}
    })
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// (line_no, status, reasons) of every JSON line on stdout.
fn lines(out: &Output) -> Vec<(String, String, Vec<String>)> {
    text(&out.stdout)
        .lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}"));
            let reasons = v["reasons"].as_array().map(|r| r.iter().map(|c| c.as_str().unwrap().to_string()).collect());
            (v["line_no"].as_str().unwrap().into(), v["status"].as_str().unwrap().into(), reasons.unwrap_or_default())
        })
        .collect()
}

#[test]
fn x12_and_json_documents_in_any_order_match_with_exit_code_0() {
    let s = Scratch::new("ok");
    let po = s.file("po.edi", &x12(purchase_order()));
    let asn = s.file("asn.edi", &x12(ship_notice("4")));
    // A canonical JSON invoice, 0.05 over on line 1: within the example policy's tolerance.
    let inv = s.file("invoice.jsonl", format!("{}\n", invoice("2.55")).as_bytes());
    let out = crossdock_match(&[&po, &inv, &asn]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(lines(&out), [("1".into(), "within_tolerance".into(), vec![]), ("2".into(), "matched".into(), vec![])]);
    assert!(text(&out.stderr).contains("PO-100: 2 line(s): 1 matched, 1 within tolerance, 0 exception(s)"));
}

#[test]
fn exceptions_are_printed_with_their_reasons_and_exit_code_1() {
    let s = Scratch::new("exception");
    let po = s.file("po.jsonl", format!("{}\n", purchase_order()).as_bytes());
    let asn = s.file("asn.edi", &x12(ship_notice("1")));
    let inv = s.file("invoice.edi", &x12(invoice("2.50")));
    let out = crossdock_match(&[&po, &asn, &inv]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert_eq!(
        lines(&out),
        [("1".into(), "matched".into(), vec![]), ("2".into(), "exception".into(), vec!["over_invoiced".into()])]
    );
    let stderr = text(&out.stderr);
    assert!(stderr.contains("line 2: over_invoiced: invoiced 4 against 1 shipped"), "{stderr}");
}

#[test]
fn unreadable_input_exits_2_and_names_the_file() {
    let s = Scratch::new("unreadable");
    let po = s.file("po.jsonl", format!("{}\n", purchase_order()).as_bytes());
    let bad = s.file("invoice.jsonl", b"{\"document_type\": \"invoice\", \"invoice_number\": 7}\n");
    let out = crossdock_match(&[&po, &bad]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("invoice.jsonl: line 1: $.invoice_number"), "{stderr}");

    let out = crossdock_match(&[&s.file("empty.jsonl", b"\n")]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("no purchase order to match"), "{}", text(&out.stderr));
}
