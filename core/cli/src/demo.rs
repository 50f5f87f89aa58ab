//! `crossdock demo`: the story so far, told on bundled real documents.
//!
//! Inbound X12 from customers, suppliers and a 3PL is translated to canonical documents
//! and answered with the acknowledgment each interchange deserves; then a purchase order
//! is written back out as X12 for a drop-ship supplier, with control numbers that persist
//! in the data directory. Every output lands in the data directory.

use std::fmt::Write as _;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result};
use crossdock_model::Document;
use crossdock_x12::ack::{acknowledge, AckKind};
use crossdock_x12::control::FileControlNumbers;
use crossdock_x12::translate::{translate, Outcome};
use crossdock_x12::{PartnerProfile, ReaderOptions};

/// The bundled inbound documents (see config/demo/x12/SOURCES.md), in story order.
const INBOUND: &[(&str, &str, &[u8])] = &[
    (
        "a retail customer's purchase order",
        "nodex12_850_vics.edi",
        include_bytes!("../../../config/demo/x12/nodex12_850_vics.edi"),
    ),
    (
        "a supplier's acknowledgment of a drop-ship PO",
        "stedi_855_5010.edi",
        include_bytes!("../../../config/demo/x12/stedi_855_5010.edi"),
    ),
    (
        "a ship notice for a cross-dock shipment",
        "ediengine_856_crossdock.edi",
        include_bytes!("../../../config/demo/x12/ediengine_856_crossdock.edi"),
    ),
    (
        "two supplier invoices",
        "staedi_810_simple.edi",
        include_bytes!("../../../config/demo/x12/staedi_810_simple.edi"),
    ),
    (
        "warehouse shipping orders, one of them malformed",
        "ediengine_940x3_two_gs.edi",
        include_bytes!("../../../config/demo/x12/ediengine_940x3_two_gs.edi"),
    ),
    (
        "an interchange whose control numbers do not match",
        "ediengine_940_ctrl_mismatch.edi",
        include_bytes!("../../../config/demo/x12/ediengine_940_ctrl_mismatch.edi"),
    ),
];

const SUPPLIER: &str = include_str!("../../../config/demo/partner-supplier.toml");

pub fn run(data_dir: &Path) -> Result<ExitCode> {
    let inbound_dir = data_dir.join("demo/canonical");
    let outbound_dir = data_dir.join("demo/outbound");
    for d in [&inbound_dir, &outbound_dir] {
        std::fs::create_dir_all(d).with_context(|| format!("cannot create {}", d.display()))?;
    }
    let mut numbers = FileControlNumbers::open(data_dir.join("control-numbers"))?;
    let now = chrono::Utc::now().naive_utc();
    let mut report = String::new();
    let mut purchase_orders = Vec::new();
    writeln!(report, "Crossdock demo: data directory {}\n", data_dir.display())?;
    writeln!(report, "1. Inbound X12, translated to canonical documents and acknowledged")?;
    for (what, name, bytes) in INBOUND {
        writeln!(report, "\n  {name}: {what}")?;
        let stem = name.trim_end_matches(".edi");
        let mut jsonl = Vec::new();
        let mut staged = Vec::new();
        translate(*bytes, ReaderOptions::default(), |outcome| match outcome {
            Outcome::Set(set) => {
                let line = match (&set.envelope, set.accepted()) {
                    (Some(env), true) => {
                        serde_json::to_writer(&mut staged, env).expect("canonical documents serialize");
                        staged.push(b'\n');
                        if let Document::PurchaseOrder(po) = &env.data {
                            purchase_orders.push(po.clone());
                        }
                        format!("accepted: {}", describe(&env.data))
                    }
                    _ => format!("REJECTED: {}", set.errors.first().map(String::as_str).unwrap_or("not mapped")),
                };
                let _ = writeln!(report, "    {} {}: {line}", set.set_id, set.control_number);
                for w in &set.warnings {
                    let _ = writeln!(report, "      warning: {w}");
                }
            }
            Outcome::InterchangeEnd(ic) => {
                if ic.rejected {
                    let _ =
                        writeln!(report, "    interchange {} REJECTED: {}", ic.control_number, ic.errors.join("; "));
                    staged.clear();
                }
                jsonl.append(&mut staged);
            }
        })
        .with_context(|| format!("cannot read {name}"))?;
        let out = inbound_dir.join(format!("{stem}.jsonl"));
        std::fs::write(&out, &jsonl).with_context(|| format!("cannot write {}", out.display()))?;
        for ack in acknowledge(*bytes, AckKind::Ack997, &mut numbers, now)? {
            let file = outbound_dir.join(format!("{stem}.ack.edi"));
            std::fs::write(&file, &ack.x12).with_context(|| format!("cannot write {}", file.display()))?;
            writeln!(report, "    acknowledgment: {} -> {}", summary(&ack), file.display())?;
        }
    }

    writeln!(report, "\n2. Outbound X12: the retail order's lines, sent to a drop-ship supplier as an 850")?;
    let supplier: PartnerProfile = toml::from_str(SUPPLIER).context("the demo's supplier profile")?;
    for po in purchase_orders {
        let number = po.po_number.clone();
        let x12 =
            crossdock_x12::outbound::write_documents(&supplier, &[Document::PurchaseOrder(po)], &mut numbers, now)?;
        let file = outbound_dir.join(format!("po-{number}-{}.edi", supplier.id));
        std::fs::write(&file, &x12).with_context(|| format!("cannot write {}", file.display()))?;
        let isa13 = String::from_utf8_lossy(&x12).split(supplier.element_separator).nth(13).unwrap_or("").to_string();
        writeln!(
            report,
            "  PO {number} -> {} as X12 {} (ISA13 {isa13}, kept in {}): {}",
            supplier.id,
            supplier.version,
            data_dir.join("control-numbers").display(),
            file.display()
        )?;
    }
    writeln!(
        report,
        "\nCanonical documents: {}\nOutbound documents:  {}",
        inbound_dir.display(),
        outbound_dir.display()
    )?;
    print!("{report}");
    Ok(ExitCode::SUCCESS)
}

/// One line a person understands.
fn describe(doc: &Document) -> String {
    let party =
        |p: &Option<crossdock_model::Party>| p.as_ref().and_then(|p| p.name.clone()).unwrap_or_else(|| "-".into());
    match doc {
        Document::PurchaseOrder(po) => {
            let units: rust_decimal::Decimal = po.lines.iter().map(|l| l.quantity).sum();
            format!(
                "purchase order {} of {}, {} lines, {} units, ship to {}",
                po.po_number,
                po.order_date,
                po.lines.len(),
                units,
                party(&po.ship_to)
            )
        }
        Document::PurchaseOrderAck(a) => {
            format!("acknowledgment {} of PO {}, {} lines", a.ack_type, a.po_number, a.lines.len())
        }
        Document::ShipNotice(s) => {
            let packs: usize = s.orders.iter().map(|o| o.packs.len()).sum();
            format!("ship notice {} for {} order(s), {} pack(s)", s.shipment_id, s.orders.len(), packs)
        }
        Document::Invoice(i) => format!(
            "invoice {} for PO {}, {} lines, total {}",
            i.invoice_number,
            i.po_number.as_deref().unwrap_or("-"),
            i.lines.len(),
            i.totals.total_amount.map(|t| t.to_string()).unwrap_or_else(|| "-".into())
        ),
        Document::FulfillmentRequest(r) => {
            format!("shipping order {} with {} lines, ship to {}", r.request_id, r.lines.len(), party(&r.ship_to))
        }
        other => format!("{} {}", other.kind(), other.business_key()),
    }
}

/// What an acknowledgment says, in one line: the TA1 verdict and each group's AK9.
fn summary(ack: &crossdock_x12::Acknowledgment) -> String {
    let mut parts = Vec::new();
    if let Some(ta1) = &ack.ta1 {
        parts.push(format!("TA1 {} {}", ta1.status.code(), ta1.note_code()));
    }
    for g in &ack.groups {
        parts.push(format!(
            "AK9 {} for group {} {} ({} of {} sets accepted)",
            g.status.code(),
            g.functional_id,
            g.control_number,
            g.accepted,
            g.received
        ));
    }
    if parts.is_empty() {
        parts.push("nothing owed".into());
    }
    parts.join(", ")
}
