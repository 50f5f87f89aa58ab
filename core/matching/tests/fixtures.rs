//! Data-driven match cases: each `tests/fixtures/{ok,err}/NAME.toml` is a purchase order,
//! documents in arrival order and a policy; `NAME.expect` is what the matcher made of it
//! (the events after each document, then the line results with their messages).
//! `UPDATE_EXPECT=1 cargo test -p crossdock-matching --test fixtures` rewrites the
//! `.expect` files; review the diff. Cases in `ok/` must end without an exception line,
//! cases in `err/` with at least one.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDate};
use crossdock_matching::{status_name, LineMatch, MatchEvent, Receipt, ReceiptLine, Reconciliation, TolerancePolicy};
use crossdock_model::{
    Charge, ChargeKind, Invoice, InvoiceLine, InvoiceTotals, ItemRef, MatchStatus, PurchaseOrder, PurchaseOrderLine,
    ShipNotice, ShippedItem, ShippedOrder, ShippedPack, Uom,
};
use rust_decimal::Decimal;
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    #[serde(default)]
    policy: TolerancePolicy,
    po: Vec<Line>,
    #[serde(default)]
    doc: Vec<Doc>,
}

/// A document line; `line`, `sku`, `gtin`, `upc` are whatever the document carries.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Line {
    line: Option<String>,
    sku: Option<String>,
    gtin: Option<String>,
    upc: Option<String>,
    qty: Decimal,
    price: Option<Decimal>,
    #[serde(default)]
    charges: Vec<FixtureCharge>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FixtureCharge {
    code: Option<String>,
    amount: Decimal,
    #[serde(default)]
    allowance: bool,
}

/// One arriving document: `ship`, `receipt` or `invoice` (its id), or an `override`
/// (the line to override) by a person.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Doc {
    ship: Option<String>,
    receipt: Option<String>,
    invoice: Option<String>,
    date: Option<NaiveDate>,
    total: Option<Decimal>,
    #[serde(default)]
    charges: Vec<FixtureCharge>,
    #[serde(default)]
    lines: Vec<Line>,
    #[serde(rename = "override")]
    override_line: Option<String>,
    by: Option<String>,
    reason: Option<String>,
}

const PO: &str = "PO-1";

fn item(l: &Line) -> ItemRef {
    ItemRef { sku: l.sku.clone(), gtin: l.gtin.clone(), upc: l.upc.clone(), ..ItemRef::default() }
}

fn charge(c: &FixtureCharge) -> Charge {
    let kind = if c.allowance { ChargeKind::Allowance } else { ChargeKind::Charge };
    Charge { kind, code: c.code.clone(), amount: c.amount, description: None }
}

fn purchase_order(lines: &[Line]) -> PurchaseOrder {
    let json = serde_json::json!({ "po_number": PO, "order_date": "2026-01-02", "lines": [] });
    let mut po: PurchaseOrder = serde_json::from_value(json).unwrap();
    po.lines = lines
        .iter()
        .enumerate()
        .map(|(n, l)| PurchaseOrderLine {
            line_no: l.line.clone().unwrap_or_else(|| (n + 1).to_string()),
            item: item(l),
            quantity: l.qty,
            uom: Uom::each(),
            unit_price: l.price,
            price_basis: None,
            pack: None,
            destinations: Vec::new(),
            requested_ship_date: None,
            dates: Vec::new(),
            references: Vec::new(),
            notes: Vec::new(),
        })
        .collect();
    po
}

fn ship_notice(id: &str, lines: &[Line]) -> ShipNotice {
    let json = serde_json::json!({ "shipment_id": id, "orders": [] });
    let mut notice: ShipNotice = serde_json::from_value(json).unwrap();
    let items = lines
        .iter()
        .map(|l| ShippedItem {
            line_no: l.line.clone(),
            item: item(l),
            quantity: l.qty,
            uom: Uom::each(),
            ordered_quantity: None,
            references: Vec::new(),
        })
        .collect();
    let pack = ShippedPack { sscc: None, tare: None, marks: Vec::new(), items };
    notice.orders.push(ShippedOrder {
        po_number: PO.into(),
        po_date: None,
        ship_to: None,
        references: Vec::new(),
        packs: vec![pack],
    });
    notice
}

fn invoice(number: &str, doc: &Doc) -> Invoice {
    let date = doc.date.unwrap_or(NaiveDate::from_ymd_opt(2026, 1, 20).unwrap());
    let json = serde_json::json!({ "invoice_number": number, "invoice_date": date, "po_number": PO, "lines": [], "totals": {} });
    let mut inv: Invoice = serde_json::from_value(json).unwrap();
    inv.lines = doc
        .lines
        .iter()
        .enumerate()
        .map(|(n, l)| InvoiceLine {
            line_no: l.line.clone().unwrap_or_else(|| (n + 1).to_string()),
            item: item(l),
            quantity: l.qty,
            uom: Uom::each(),
            unit_price: l.price.expect("invoice lines have a price"),
            price_basis: None,
            charges: l.charges.iter().map(charge).collect(),
        })
        .collect();
    inv.charges = doc.charges.iter().map(charge).collect();
    inv.totals = InvoiceTotals { total_amount: doc.total, ..InvoiceTotals::default() };
    inv
}

fn receipt(id: &str, lines: &[Line]) -> Receipt {
    let lines = lines.iter().map(|l| ReceiptLine { line_no: l.line.clone(), item: item(l), quantity: l.qty }).collect();
    Receipt { receipt_id: id.into(), po_number: PO.into(), lines }
}

/// Runs one case and renders what happened, the way `.expect` files hold it.
fn run(case: &Case) -> (String, Vec<LineMatch>) {
    let mut rec = Reconciliation::new(purchase_order(&case.po), case.policy.clone());
    let mut out = String::new();
    for doc in &case.doc {
        let (label, events) = match (&doc.ship, &doc.receipt, &doc.invoice, &doc.override_line) {
            (Some(id), None, None, None) => {
                (format!("ship notice {id}"), rec.add_ship_notice(ship_notice(id, &doc.lines)))
            }
            (None, Some(id), None, None) => (format!("receipt {id}"), rec.add_receipt(receipt(id, &doc.lines))),
            (None, None, Some(id), None) => (format!("invoice {id}"), rec.add_invoice(invoice(id, doc))),
            (None, None, None, Some(line)) => {
                let at = DateTime::parse_from_rfc3339("2026-02-01T09:00:00+01:00").unwrap();
                let (by, why) = (doc.by.as_deref().unwrap_or("ap.clerk"), doc.reason.as_deref().unwrap_or("agreed"));
                (format!("override of line {line}"), rec.override_line(line, by, why, at).map(|e| vec![e]))
            }
            _ => panic!("a [[doc]] is exactly one of ship, receipt, invoice or override"),
        };
        writeln!(out, "after {label}:").unwrap();
        match events {
            Ok(events) => events.iter().for_each(|e| writeln!(out, "  {}", event(e)).unwrap()),
            Err(e) => writeln!(out, "  error: {e}").unwrap(),
        }
    }
    let results = rec.results();
    writeln!(out, "results:").unwrap();
    for r in &results {
        out.push_str(&line(r));
    }
    (out, results)
}

fn event(e: &MatchEvent) -> String {
    match e {
        MatchEvent::Exception { line_no, reasons, .. } => {
            let codes: Vec<_> = reasons.iter().map(|r| r.code.as_str()).collect();
            format!("{} line {line_no}: {}", e.event_type(), codes.join(", "))
        }
        MatchEvent::Cleared { line_no, status, .. } => {
            format!("{} line {line_no}: {}", e.event_type(), status_name(*status))
        }
        MatchEvent::Overridden { line_no, record, .. } => {
            format!("{} line {line_no} by {} ({}) at {}", e.event_type(), record.by, record.reason, record.at)
        }
    }
}

fn line(r: &LineMatch) -> String {
    let m = &r.result;
    let mut s = format!(
        "  {}: {} ordered={} shipped={}",
        m.line_no,
        status_name(m.status),
        m.ordered_quantity,
        m.shipped_quantity
    );
    if let Some(received) = m.received_quantity {
        write!(s, " received={received}").unwrap();
    }
    write!(s, " invoiced={}", m.invoiced_quantity).unwrap();
    if !r.awaiting.is_empty() {
        write!(s, " awaiting={:?}", r.awaiting).unwrap();
    }
    s.push('\n');
    let v = &r.variances;
    for (name, variance) in [
        ("shipped", v.shipped),
        ("invoiced", v.invoiced),
        ("unit_price", v.unit_price),
        ("invoice_total", v.invoice_total),
    ] {
        if let Some(variance) = variance {
            writeln!(s, "    variance {name}: {variance}").unwrap();
        }
    }
    for reason in &r.exceptions {
        writeln!(s, "    {}: {}", reason.code.as_str(), reason.message).unwrap();
    }
    if let Some(o) = &r.manual_override {
        writeln!(s, "    overridden by {}: {}", o.by, o.reason).unwrap();
    }
    s
}

fn cases(dir: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(dir);
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    cases.sort();
    assert!(!cases.is_empty(), "no cases in {}", dir.display());
    cases
}

/// The one helper every case goes through.
fn check_dir(dir: &str, expect_exceptions: bool) {
    let update = std::env::var_os("UPDATE_EXPECT").is_some();
    let mut failures = Vec::new();
    for path in cases(dir) {
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        let case: Case = toml::from_str(&std::fs::read_to_string(&path).unwrap())
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let (actual, results) = run(&case);
        let has_exception = results.iter().any(|r| r.status() == MatchStatus::Exception);
        if has_exception != expect_exceptions {
            failures.push(format!(
                "{dir}/{name}: {} an exception line, being in {dir}/",
                if has_exception { "has" } else { "lacks" }
            ));
        }
        let expect_path = path.with_extension("expect");
        if update {
            std::fs::write(&expect_path, &actual).unwrap();
            continue;
        }
        let expected = std::fs::read_to_string(&expect_path).unwrap_or_default();
        if expected != actual {
            failures.push(format!("{dir}/{name}: expected\n{expected}\ngot\n{actual}"));
        }
    }
    assert!(failures.is_empty(), "{}\n(UPDATE_EXPECT=1 rewrites the .expect files)", failures.join("\n"));
}

#[test]
fn ok_cases_end_matched_or_within_tolerance() {
    check_dir("ok", false);
}

#[test]
fn err_cases_end_with_exceptions() {
    check_dir("err", true);
}
